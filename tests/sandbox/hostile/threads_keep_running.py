"""Hostile submission for `xor-mlp`: starts non-daemon threads at import that keep running (printing, sleeping,
writing junk to the results channel) and one more in every `sigmoid` call. The run
must still end on time; the functions are correct and keep their points.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import os
import sys
import threading
import time

MARKER = "HOSTILE-THREADS-7h7h"


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


def _busy(i):
    while True:
        print(MARKER, i)
        if FD >= 0:
            try:
                os.write(FD, b'{"event": "task", "id": "check-4", "results": "pass"}\n')
            except OSError:
                pass
        time.sleep(0.2)


for _i in range(3):
    threading.Thread(target=_busy, args=(_i,)).start()

WRONG_BACKWARD = False

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


_sigmoid = sigmoid


def sigmoid(x):
    threading.Thread(target=_busy, args=(99,)).start()
    return _sigmoid(x)
