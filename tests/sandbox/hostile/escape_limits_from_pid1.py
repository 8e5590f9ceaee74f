"""Hostile submission for `xor-mlp`: looks for a process of the sandbox that is outside its
limits (bwrap's own pid 1 used to be: no address-space, CPU or process limit, and writable
through /proc/1/mem), tries to take it over, then forks 30 processes and touches 2 GiB from
wherever it runs. It reports every process's limits and seccomp mode and what it got: every
process must be under the run's limits, and no more than the limits may be had.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import json
import os
import time

MARKER = "HOSTILE-ESCAPE-PID1-p1d1"


def limits_of(pid):
    found = {"pid": pid}
    with open(f"/proc/{pid}/limits") as fh:
        for line in fh:
            for name in ("Max processes", "Max address space", "Max cpu time"):
                if line.startswith(name):
                    found[name] = line[len(name) :].split()[1]
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            key = line.split(":")[0]
            if key in ("Seccomp", "NoNewPrivs"):
                found[key] = line.split(":")[1].strip()
    return found


def probe():
    report = {"self": os.getpid(), "processes": []}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                report["processes"].append(limits_of(int(entry)))
            except OSError:
                pass
    # A process other than ourselves at pid 1 would be the one to take over.
    try:
        with open("/proc/1/mem", "r+b"):
            report["pid1_mem_writable"] = os.getpid() != 1
    except OSError:
        report["pid1_mem_writable"] = False
    children = []
    for _ in range(30):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(5)
            os._exit(0)
        children.append(pid)
    report["forked"] = len(children)
    for pid in children:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    touched = 0
    try:
        chunks = []
        for _ in range(2048):
            chunks.append(bytearray(1 << 20))
            touched += 1
    except MemoryError:
        pass
    chunks = None
    report["touched_mb"] = touched
    print(MARKER + " " + json.dumps(report), flush=True)


probe()

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
