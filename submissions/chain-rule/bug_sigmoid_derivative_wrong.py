import numpy as np


def sigmoid(x):
    return 1.0 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    # derivative of the sigmoid at x ...
    return sigmoid(x) * (1 - sigmoid(x))


def forward(x, w1, w2):
    h = sigmoid(w1 * x)
    o = sigmoid(w2 * h)
    return h, o


def cost(o, y):
    return (o - y) ** 2


def grad_w2(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    # ... but called with the activation o instead of the pre-activation w2 * h
    return 2 * (o - y) * sigmoid_derivative(o) * h


def grad_w1(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    return 2 * (o - y) * sigmoid_derivative(o) * w2 * sigmoid_derivative(h) * x
