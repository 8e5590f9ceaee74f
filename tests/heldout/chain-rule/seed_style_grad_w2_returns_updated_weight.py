import numpy as np

np.random.seed(10)


def sigmoid(x):
    return 1.0 / (1 + np.exp(-x))


def sigmoid_derivative(x):
    return x * (1.0 - x)


def forward(x, w1, w2):
    h = sigmoid(w1 * x)
    o = sigmoid(h * w2)
    return h, o


def cost(o, y):
    return (o - y) ** 2


def grad_w2(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    w2 -= 0.5 * 2 * (o - y) * sigmoid_derivative(o) * h  # 0.5 being learning rate
    return w2


def grad_w1(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    return 2 * (o - y) * sigmoid_derivative(o) * w2 * sigmoid_derivative(h) * x
