import numpy as np


def sigmoid(x):
    return 1.0 / (1 + np.exp(-x))


def forward(x, w1, w2):
    h = sigmoid(w1 * x)
    o = sigmoid(w2 * h)
    return h, o


def cost(o, y):
    return (o - y) ** 2


def grad_w2(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    dJ_do = 2 * (o - y)
    do_dw2 = o * (1 - o) * h
    return dJ_do * do_dw2


def grad_w1(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    dJ_do = 2 * (o - y)
    do_dh = o * (1 - o) * w2
    dh_dw1 = h * (1 - h) * x
    return w1 - 0.1 * dJ_do * do_dh * dh_dw1
