"""Hostile submission for `xor-mlp`: holds memory outside its address-space limit. It writes
files into /dev/shm (was an unbounded tmpfs: 518 MB written), /dev and /tmp, into memfd files,
System V shared memory segments and message queues, and POSIX message queues, each until
refused or 1 GiB, and reports what it got. Every writable mount must be size-bounded and
counted in the run's memory; the other ways must be refused or tiny.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import ctypes
import json
import os

MARKER = "HOSTILE-FILL-MEMORY-FS-shm1"
CHUNK = b"\xa5" * (1 << 20)
CAP = 1024  # MiB tried per target


def fill_files(folder):
    held = 0
    try:
        for i in range(CAP):
            with open(os.path.join(folder, f"fill-{i}"), "wb") as fh:
                fh.write(CHUNK)
            held += 1
    except OSError:
        pass
    return held


def fill_memfd():
    held, fds = 0, []
    try:
        for _ in range(CAP):
            fd = os.memfd_create("fill")
            os.write(fd, CHUNK)
            fds.append(fd)
            held += 1
    except OSError:
        pass
    return held


libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p


def fill_sysv_shm():
    held = 0
    for _ in range(CAP // 64):
        shm = libc.shmget(0, 64 << 20, 0o1000 | 0o600)  # IPC_PRIVATE, IPC_CREAT
        if shm < 0:
            break
        addr = libc.shmat(shm, None, 0)
        if addr in (None, ctypes.c_void_p(-1).value):
            break
        ctypes.memset(addr, 0xA5, 64 << 20)
        libc.shmdt(ctypes.c_void_p(addr))
        held += 64
    return held


def fill_sysv_queue():
    held = 0
    queue = libc.msgget(0, 0o1000 | 0o600)
    if queue < 0:
        return 0
    message = ctypes.create_string_buffer(8 + 8192)
    ctypes.c_long.from_buffer(message).value = 1
    for _ in range(CAP * 128):
        if libc.msgsnd(queue, message, 8192, 0o4000) != 0:  # IPC_NOWAIT
            break
        held += 8192
    return held >> 20


def fill_posix_queue():
    queue = libc.mq_open(b"/fill", os.O_CREAT | os.O_RDWR, 0o600, None)
    return 0 if queue < 0 else 1


report = {
    "/dev/shm": fill_files("/dev/shm"),
    "/dev": fill_files("/dev"),
    "/tmp": fill_files("/tmp"),
    "memfd": fill_memfd(),
    "sysv_shm": fill_sysv_shm(),
    "sysv_queue": fill_sysv_queue(),
    "posix_queue": fill_posix_queue(),
}
print(MARKER + " " + json.dumps(report), flush=True)

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
