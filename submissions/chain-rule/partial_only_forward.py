import numpy as np


def sigmoid(x):
    return 1.0 / (1 + np.exp(-x))


def forward(x, w1, w2):
    h = sigmoid(w1 * x)
    o = sigmoid(w2 * h)
    return h, o


def cost(o, y):
    return (o - y) ** 2


# TODO: grad_w2 and grad_w1 -- I don't know how to do the first layer yet
