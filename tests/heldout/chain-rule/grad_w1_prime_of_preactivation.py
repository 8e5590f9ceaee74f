import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_prime(a):
    """derivative of the sigmoid, given the activation"""
    return a * (1 - a)


def forward(x, w1, w2):
    h = sigmoid(w1 * x)
    o = sigmoid(w2 * h)
    return h, o


def cost(o, y):
    return (o - y) ** 2


def grad_w2(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    return 2 * (o - y) * sigmoid_prime(o) * h


def grad_w1(x, y, w1, w2):
    z1 = w1 * x
    h, o = forward(x, w1, w2)
    dJ_dh = 2 * (o - y) * sigmoid_prime(o) * w2
    return dJ_dh * sigmoid_prime(z1) * x
