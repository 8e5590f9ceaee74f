import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def forward(x, w1, w2):
    h = sigmoid(w1 * x)
    o = sigmoid(w2 * h)
    return o, h


def cost(o, y):
    return (o - y) ** 2


def grad_w2(x, y, w1, w2):
    o, h = forward(x, w1, w2)
    return 2 * (o - y) * o * (1 - o) * h


def grad_w1(x, y, w1, w2):
    o, h = forward(x, w1, w2)
    return 2 * (o - y) * o * (1 - o) * w2 * h * (1 - h) * x
