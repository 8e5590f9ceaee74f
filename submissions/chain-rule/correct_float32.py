# Single precision throughout: numbers become numpy float32 scalars, so every
# result carries about 7 significant digits instead of 16.
import numpy as np

DTYPE = np.float32


def sigmoid(x):
    x = np.asarray(x, dtype=DTYPE)
    return DTYPE(1) / (DTYPE(1) + np.exp(-x))


def forward(x, w1, w2):
    x, w1, w2 = DTYPE(x), DTYPE(w1), DTYPE(w2)
    h = sigmoid(w1 * x)
    o = sigmoid(w2 * h)
    return h, o


def cost(o, y):
    return (DTYPE(o) - DTYPE(y)) ** 2


def grad_w2(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    return DTYPE(2) * (o - DTYPE(y)) * o * (1 - o) * h


def grad_w1(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    dJ_do = DTYPE(2) * (o - DTYPE(y))
    return dJ_do * o * (1 - o) * DTYPE(w2) * h * (1 - h) * DTYPE(x)
