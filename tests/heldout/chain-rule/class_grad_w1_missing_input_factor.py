# A small "Neuron" object, with module-level wrappers the grader can call.
import numpy as np


class TwoWeightNet:
    def __init__(self, w1, w2):
        self.w1 = w1
        self.w2 = w2

    @staticmethod
    def act(z):
        return 1.0 / (1.0 + np.exp(-z))

    def run(self, x):
        self.h = self.act(self.w1 * x)
        self.o = self.act(self.w2 * self.h)
        return self.h, self.o

    def dw2(self, x, y):
        h, o = self.run(x)
        return 2 * (o - y) * o * (1 - o) * h

    def dw1(self, x, y):
        h, o = self.run(x)
        # dJ/dh * dh/dw1
        return 2 * (o - y) * o * (1 - o) * self.w2 * h * (1 - h)


def sigmoid(x):
    return TwoWeightNet.act(x)


def forward(x, w1, w2):
    return TwoWeightNet(w1, w2).run(x)


def cost(o, y):
    return (o - y) ** 2


def grad_w2(x, y, w1, w2):
    return TwoWeightNet(w1, w2).dw2(x, y)


def grad_w1(x, y, w1, w2):
    return TwoWeightNet(w1, w2).dw1(x, y)
