"""Hostile submission for `xor-mlp`: connects to the host's loopback services (PostgreSQL 5432, Redis 6379, RabbitMQ
5672, MySQL 3306) and the internet, at import and from inside `backward`, sending
a Redis command when connected, and raises the log from `backward`: every attempt
must have failed.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import socket

MARKER = "HOSTILE-NETWORK-5432"


def probe():
    log = []
    for host, port in [
        ("127.0.0.1", 5432),
        ("127.0.0.1", 6379),
        ("127.0.0.1", 5672),
        ("127.0.0.1", 3306),
        ("::1", 6379),
        ("1.1.1.1", 53),
        ("10.0.0.1", 80),
    ]:
        try:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            s = socket.socket(family, socket.SOCK_STREAM)
            s.settimeout(2)
            s.connect((host, port))
            s.sendall(b"SET hostile-grader-was-here 1\r\n")
            log.append("CONNECTED %s:%d" % (host, port))
            s.close()
        except OSError as exc:
            log.append("NETFAIL %s:%d %s" % (host, port, type(exc).__name__))
    try:
        socket.getaddrinfo("example.com", 443)
        log.append("CONNECTED dns")
    except OSError as exc:
        log.append("NETFAIL dns %s" % type(exc).__name__)
    return log


AT_IMPORT = probe()
print(MARKER, AT_IMPORT)

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


def backward(X, Y, W1, b1, W2, b2):
    raise RuntimeError(MARKER + " import=%r call=%r" % (AT_IMPORT, probe()))
