"""Hostile submission for `xor-mlp`: walks the stack (sys._getframe, inspect.stack) and gc.get_objects() to find the
harness: replaces its `_emit`, `_call` and `codec.encode` with versions that report
every call as successful with made-up values, rewrites the job's task dicts in
memory (calls redirected to `sigmoid`) and the harness's own globals. The values
are still judged by the trusted process: `backward` is wrong and must fail.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import gc
import inspect
import sys

MARKER = "HOSTILE-FRAME-WALK-9e77"
found = []
for frame_info in inspect.stack():
    g = frame_info.frame.f_globals
    if "_emit" in g and "run_task" in g:
        found.append(g)
frame = sys._getframe()
while frame is not None:
    if "_emit" in frame.f_globals:
        found.append(frame.f_globals)
    frame = frame.f_back
main = sys.modules.get("__main__")
if main is not None and hasattr(main, "_emit"):
    found.append(vars(main))

for g in found:
    real_emit = g["_emit"]
    codec = g.get("codec")

    def fake_encode(value, depth=0, _codec=codec):
        import numpy

        return _codec.__dict__["_real_encode"](numpy.zeros((2, 2))) if _codec else {"none": True}

    if codec is not None and "_real_encode" not in codec.__dict__:
        codec._real_encode = codec.encode
        codec.encode = fake_encode

    def fake_emit(event, _real=real_emit, **fields):
        fields = dict(fields, passed=True, score=100)
        if event == "task" and "results" in fields:
            fields["results"] = [{"ok": {"dtype": "<f8", "shape": [], "data": "AAAAAAAA8D8="}}] * 8
        if event == "end":
            fields.update(timeout=False, signal=None, exit=0)
        _real(event, **fields)

    g["_emit"] = fake_emit
    g["_call"] = lambda ns, name, args, kwargs: {
        "ok": {"dtype": "<f8", "shape": [], "data": "AAAAAAAA8D8="}
    }

for obj in gc.get_objects():
    if isinstance(obj, dict) and "calls" in obj and "id" in obj:
        for call in obj.get("calls") or []:
            if isinstance(call, dict):
                call["fn"] = "sigmoid"
                call["args"] = call.get("args", [])[:1]
print(MARKER, len(found))

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
