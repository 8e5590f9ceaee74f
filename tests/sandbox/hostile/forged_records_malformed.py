"""Hostile submission for `xor-mlp`: writes syntactically valid but absurd records on the results channel before the
harness can: a "load" record whose cells are not dicts, task records whose results
are strings, dicts, nested lists, NaN, huge numbers, and "end" records with odd
types. The trusted side must grade (exit 0), not crash. `backward` is wrong.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import json
import os
import sys

MARKER = "HOSTILE-MALFORMED-RECORDS-11ad"


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
IDS = ["check-%d" % i for i in range(12)]
junk_results = [
    "all passed",
    {"ok": True},
    [[[[[]]]]],
    [None, 1, "x"],
    [{"ok": "AAAA"}],
    [{"ok": {"dtype": "<f8", "shape": "3", "data": ""}}],
    [{"error": "boom"}],
    [{"ok": {"list": [{"list": [{"list": [{"list": [{"list": [{"list": [{"none": 1}]}]}]}]}]}]}}],
    [{"ok": {"dtype": "|O", "shape": [1], "data": "AAAAAAAAAAA="}}],
    [{"ok": {"dtype": "<f8", "shape": [2], "data": "not base64 !!"}}],
    [{"ok": {"dtype": "<f8", "shape": [1000000], "data": ""}}],
    [{"ok": {"unsupported": ["a", "list"]}}],
    [{"ok": None}],
    [{"error": {"type": [], "message": {}}}],
]
lines = [
    {
        "event": "load",
        "cells": [1, "x", None, [], {"status": []}, {"name": {}, "status": "error", "error": 5}],
    },
]
for i, tid in enumerate(IDS):
    lines.append(
        {"event": "task", "id": tid, "results": junk_results[i % len(junk_results)], "crash": "yes"}
    )
    lines.append(
        {
            "event": "end",
            "id": tid,
            "timeout": "no",
            "signal": "KILL",
            "exit": [1],
            "seconds": "fast",
        }
    )
lines.append({"event": "done"})
raw = "".join(json.dumps(r) + "\n" for r in lines)
raw += '{"event": "task", "id": "check-0", "results": [NaN, Infinity, -Infinity]}\n'
raw += '{"event": "task", "id": 12345678901234567890123456789, "results": []}\n'
if FD >= 0:
    os.write(FD, raw.encode())
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
