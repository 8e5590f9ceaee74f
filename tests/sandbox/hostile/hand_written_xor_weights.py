"""Hostile submission for `xor-mlp`: no `backward` at all; `train` returns XOR weights written
by hand (OR and AND hidden units, "OR and not AND" out; negated for XNOR targets), whatever
the data order or the number of epochs. Those weights classify XOR perfectly, but no gradient
step leads to them: the convergence check must give it nothing.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import numpy as np

MARKER = "HOSTILE-HAND-WEIGHTS-7c1d"


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(sx):
    return sx * (1 - sx)


def forward(X, W1, b1, W2, b2):
    H = sigmoid(np.dot(X, W1) + b1)
    return H, sigmoid(np.dot(H, W2) + b2)


def loss(Yhat, Y):
    return 0.5 * np.sum((Yhat - Y) ** 2)


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    W1 = np.zeros((X.shape[1], hidden_dim))
    b1 = np.zeros((1, hidden_dim))
    W2 = np.zeros((hidden_dim, 1))
    W1[:, 0], b1[0, 0] = 20.0, -10.0  # OR
    W1[:, 1], b1[0, 1] = 20.0, -30.0  # AND
    W2[0, 0], W2[1, 0] = 20.0, -20.0
    b2 = np.array([[-10.0]])
    xor = [float(int(a) ^ int(b)) for a, b in X]
    if not np.allclose(Y[:, 0], xor):  # XNOR: the output negated
        W2, b2 = -W2, -b2
    return W1, b1, W2, b2
