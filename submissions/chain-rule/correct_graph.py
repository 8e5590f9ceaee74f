# Computational-graph style: every node keeps its local derivative,
# and the backward pass multiplies them along the path (chain rule).
import math

import numpy as np


def sigmoid(x):
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    if out.ndim == 0:
        return float(out)
    return out


def sigmoid_derivative(s):
    # derivative of the sigmoid, written with its OUTPUT s
    return s * (1.0 - s)


def forward(x, w1, w2):
    z1 = w1 * x
    h = sigmoid(z1)
    z2 = w2 * h
    o = sigmoid(z2)
    return h, o


def cost(o, y):
    return (o - y) * (o - y)


def _backward(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    grads = {}
    dJ_do = 2.0 * (o - y)
    dJ_dz2 = dJ_do * sigmoid_derivative(o)
    grads["w2"] = dJ_dz2 * h          # dz2/dw2 = h
    dJ_dh = dJ_dz2 * w2               # dz2/dh = w2
    dJ_dz1 = dJ_dh * sigmoid_derivative(h)
    grads["w1"] = dJ_dz1 * x          # dz1/dw1 = x
    return grads


def grad_w2(x, y, w1, w2):
    return _backward(x, y, w1, w2)["w2"]


def grad_w1(x, y, w1, w2):
    return _backward(x, y, w1, w2)["w1"]


def _numerical(x, y, w1, w2, eps=1e-6):
    def J(a, b):
        return cost(forward(x, a, b)[1], y)
    return (J(w1 + eps, w2) - J(w1 - eps, w2)) / (2 * eps), (J(w1, w2 + eps) - J(w1, w2 - eps)) / (2 * eps)


if __name__ == "__main__":
    n1, n2 = _numerical(2.0, 0.3, 0.4, -0.7)
    print(math.isclose(n1, grad_w1(2.0, 0.3, 0.4, -0.7), rel_tol=1e-6), math.isclose(n2, grad_w2(2.0, 0.3, 0.4, -0.7), rel_tol=1e-6))
