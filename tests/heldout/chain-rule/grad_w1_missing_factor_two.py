import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def forward(x, w1, w2):
    h = sigmoid(w1 * x)
    return h, sigmoid(w2 * h)


def cost(o, y):
    return (o - y) ** 2


def grad_w2(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    return 2.0 * (o - y) * o * (1.0 - o) * h


def grad_w1(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    delta_o = (o - y) * o * (1.0 - o)
    delta_h = delta_o * w2 * h * (1.0 - h)
    return delta_h * x
