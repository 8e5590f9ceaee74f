"""Hostile submission for `xor-mlp`: floods the results channel with 63 MiB of well-formed
task records, each with a new id, a forged cell report of 10,000 cells of 1.7 KB each, and
lines of a million small numbers. Before, the trusted process kept every record (1.5 GiB for
63 MiB) and stored an 18 MB log per submission. Records for tasks the job does not have are
dropped unread; the cell report has one entry per real cell; the grader's memory stays
proportional to the output cap and the stored log within its budget.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import json
import os

MARKER = "HOSTILE-RECORDS-FLOOD-f100d"


def _results_fd():
    # the harness's private results pipe: the only pipe above stderr
    for name in sorted(os.listdir("/proc/self/fd"), key=int):
        try:
            if int(name) > 2 and os.readlink("/proc/self/fd/" + name).startswith("pipe:"):
                return int(name)
        except OSError:
            pass
    return -1


def _write(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def flood():
    fd = _results_fd()
    cell = {
        "name": "cell " + "x" * 200,
        "status": "error",
        "seconds": 1.0,
        "error": {"type": "E" * 500, "message": "m" * 500, "where": "w" * 500},
    }
    _write(fd, (json.dumps({"event": "load", "cells": [cell] * 10000}) + "\n").encode())
    _write(
        fd,
        (
            json.dumps({"event": "task", "id": "check-3", "results": [0.5] * 1_000_000}) + "\n"
        ).encode(),
    )
    payload = {"ok": {"dtype": "<f8", "shape": [4, 5], "data": "A" * 160}}
    sent, n = 0, 0
    while sent < 63 * 1024 * 1024:
        line = json.dumps({"event": "task", "id": "forged-%d" % n, "results": [payload] * 8})
        block = ("\n".join([line] * 1) + "\n").encode()
        _write(fd, block)
        sent += len(block)
        n += 1
    print(MARKER, n, flush=True)


flood()

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
