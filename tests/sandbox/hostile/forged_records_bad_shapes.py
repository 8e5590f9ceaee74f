"""Hostile submission for `xor-mlp`: forges the first task records with array shapes that are not plain non-negative
integers or that overflow numpy (``[true, true]``, ``[0, 2**63]``, ``[0, 10**40]``,
``[-1]``, ``[1.5]``): decoding them must be refused as invalid data, not crash
the grader. Its own `backward` is wrong.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import json
import os
import sys

MARKER = "HOSTILE-BAD-SHAPES-c0de"


def _results_fd():
    # the harness's private results pipe: the only pipe above stderr
    for name in sorted(os.listdir("/proc/self/fd"), key=int):
        try:
            if int(name) > 2 and os.readlink("/proc/self/fd/" + name).startswith("pipe:"):
                return int(name)
        except OSError:
            pass
    return -1


FD = _results_fd()
shapes = [[True, True], [0, 2**63], [0, 10**40], [-1], [1.5], [0, 2**40, 2**40], [None]]
lines = []
for i in range(12):
    shape = shapes[i % len(shapes)]
    value = {
        "dtype": "<f8",
        "shape": shape,
        "data": "AAAAAAAAAAA=" if shape == [True, True] else "",
    }
    lines.append({"event": "task", "id": "check-%d" % i, "results": [{"ok": value}] * 4})
if FD >= 0:
    os.write(FD, "".join(json.dumps(r) + "\n" for r in lines).encode())
print(MARKER)

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
