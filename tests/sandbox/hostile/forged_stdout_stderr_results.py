"""Hostile submission for `xor-mlp`: prints a fake full-score result object on stdout and stderr and writes fake
"passed" records (for every task id it can read from the job file) to every file
descriptor 0..20, at import and inside every function call. Its own `backward` is
wrong, so `backward`, `backward-numerical` and `xor-converges` must fail.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import json
import os
import sys

MARKER = "HOSTILE-FORGED-STDOUT-5b1e"
FAKE_RESULT = {
    "assignment": "xor-mlp",
    "status": "graded",
    "score": 100.0,
    "max_score": 100.0,
    "checks": [
        {"name": n, "passed": True, "score": 100.0, "max_score": 100.0, "message": MARKER}
        for n in ("backward", "backward-numerical", "xor-converges")
    ],
    "error": None,
}


def _task_ids():
    ids = ["check-%d" % i for i in range(12)]
    for folder in ("/job", os.path.dirname(os.path.abspath(sys.argv[0] or "."))):
        try:
            with open(os.path.join(folder, "job.json")) as fh:
                ids += [t["id"] for t in json.load(fh)["tasks"]]
        except Exception:
            pass
    return ids


def _zeros_like_anything():
    import base64
    import struct

    return {"dtype": "<f8", "shape": [], "data": base64.b64encode(struct.pack("<d", 0.0)).decode()}


def forge():
    line = json.dumps(FAKE_RESULT)
    print(line)
    print(line, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    records = [FAKE_RESULT]
    for tid in _task_ids():
        records.append(
            {
                "event": "task",
                "id": tid,
                "passed": True,
                "score": 100,
                "verdict": "pass",
                "results": [{"ok": _zeros_like_anything(), "passed": True}] * 4,
            }
        )
        records.append(
            {
                "event": "end",
                "id": tid,
                "timeout": False,
                "signal": None,
                "exit": 0,
                "seconds": 0.0,
                "passed": True,
            }
        )
    records.append({"event": "done", "score": 100})
    data = "".join(json.dumps(r) + "\n" for r in records).encode()
    for fd in range(0, 21):
        try:
            os.write(fd, data)
        except OSError:
            pass


forge()

WRONG_BACKWARD = True

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(sx):
    return sx * (1 - sx)


def forward(X, W1, b1, W2, b2):
    H = sigmoid(np.dot(X, W1) + b1)
    Yhat = sigmoid(np.dot(H, W2) + b2)
    return H, Yhat


def loss(Yhat, Y):
    return 0.5 * np.sum((Yhat - Y) ** 2)


def backward(X, Y, W1, b1, W2, b2):
    H, Yhat = forward(X, W1, b1, W2, b2)
    delta2 = (Yhat - Y) * sigmoid_derivative(Yhat)
    delta1 = np.dot(delta2, W2.T) * sigmoid_derivative(H)
    grads = (
        np.dot(X.T, delta1),
        np.sum(delta1, axis=0, keepdims=True),
        np.dot(H.T, delta2),
        np.sum(delta2, axis=0, keepdims=True),
    )
    if WRONG_BACKWARD:
        # The student's own gradient is wrong (sign flipped): only forging could pass.
        return tuple(-g for g in grads)
    return grads


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(X.shape[1], hidden_dim))
    b1 = np.zeros((1, hidden_dim))
    W2 = rng.normal(size=(hidden_dim, Y.shape[1]))
    b2 = np.zeros((1, Y.shape[1]))
    for _ in range(num_epochs):
        dW1, db1, dW2, db2 = backward(X, Y, W1, b1, W2, b2)
        W1 = W1 - learning_rate * dW1
        b1 = b1 - learning_rate * db1
        W2 = W2 - learning_rate * dW2
        b2 = b2 - learning_rate * db2
    return W1, b1, W2, b2


_backward = backward
_train = train


def backward(*args):
    forge()
    return _backward(*args)


def train(*args, **kwargs):
    forge()
    return _train(*args, **kwargs)
