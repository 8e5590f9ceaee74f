# Computational graph: every node keeps its local derivative.
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def forward(x, w1, w2):
    h = sigmoid(w1 * x)
    o = sigmoid(w2 * h)
    return h, o


def cost(o, y):
    return (o - y) ** 2


def _locals(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    return {
        "dJ_do": 2 * (o - y),
        "do_dz2": h * (1 - h),
        "dz2_dw2": h,
        "dz2_dh": w2,
        "dh_dz1": h * (1 - h),
        "dz1_dw1": x,
    }


def grad_w2(x, y, w1, w2):
    d = _locals(x, y, w1, w2)
    return d["dJ_do"] * d["do_dz2"] * d["dz2_dw2"]


def grad_w1(x, y, w1, w2):
    h, o = forward(x, w1, w2)
    d = _locals(x, y, w1, w2)
    return d["dJ_do"] * o * (1 - o) * d["dz2_dh"] * d["dh_dz1"] * d["dz1_dw1"]
