"""Reference solution for the chain-rule assignment (scalar two-weight network).

h = sigmoid(w1 * x), o = sigmoid(w2 * h), J = (o - y) ** 2.
Runs only in the trusted grader process.
"""

import numpy as np


def sigmoid(x):
    """Logistic function, elementwise; works on floats and arrays of any shape."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def forward(x, w1, w2):
    """Return (h, o) with h = sigmoid(w1 * x) and o = sigmoid(w2 * h)."""
    h = sigmoid(w1 * x)
    o = sigmoid(w2 * h)
    return h, o


def cost(o, y):
    """Squared error J = (o - y) ** 2."""
    return (o - y) ** 2


def grad_w2(x, y, w1, w2):
    """dJ/dw2 = 2 (o - y) * o (1 - o) * h."""
    h, o = forward(x, w1, w2)
    return 2.0 * (o - y) * o * (1.0 - o) * h


def grad_w1(x, y, w1, w2):
    """dJ/dw1 = 2 (o - y) * o (1 - o) * w2 * h (1 - h) * x."""
    h, o = forward(x, w1, w2)
    return 2.0 * (o - y) * o * (1.0 - o) * w2 * h * (1.0 - h) * x


def cost_of_weights(x, y, w1, w2):
    """The scalar cost as a function of all arguments (used for numerical gradients)."""
    _, o = forward(x, w1, w2)
    return float(cost(o, y))
