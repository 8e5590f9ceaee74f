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
    J = cost(o, y)
    return 2 * J * do_dw2  # the question's update: 2 * cost * h * o(1-o)


def grad_w1(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    dJ_do = 2 * (o - y)
    do_dh = o * (1 - o) * w2
    dh_dw1 = h * (1 - h) * x
    return dJ_do * do_dh * dh_dw1


if __name__ == "__main__":
    np.random.seed(10)
    x, y = 2, 0.8
    w1, w2 = np.random.rand(), np.random.rand()
    for step in range(100):
        d2, d1 = grad_w2(x, y, w1, w2), grad_w1(x, y, w1, w2)
        w2 -= 0.5 * d2
        w1 -= 0.5 * d1
    print(cost(forward(x, w1, w2)[1], y))
