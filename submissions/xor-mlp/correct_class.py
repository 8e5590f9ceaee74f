# A network object: the parameters live in a class whose step() runs one epoch of
# per-sample gradient descent in the data's order, updating its arrays in place;
# train() wraps it and returns copies.
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_derivative(sx):
    return sx * (1.0 - sx)


def forward(X, W1, b1, W2, b2):
    H = sigmoid(X @ W1 + b1)
    return H, sigmoid(H @ W2 + b2)


def loss(Yhat, Y):
    return 0.5 * float(np.sum((Yhat - Y) ** 2))


def backward(X, Y, W1, b1, W2, b2):
    H, Yhat = forward(X, W1, b1, W2, b2)
    delta2 = (Yhat - Y) * sigmoid_derivative(Yhat)
    delta1 = (delta2 @ W2.T) * sigmoid_derivative(H)
    return X.T @ delta1, delta1.sum(axis=0, keepdims=True), H.T @ delta2, delta2.sum(axis=0, keepdims=True)


class TwoLayerNet:
    def __init__(self, n_in, n_hidden, n_out, seed):
        rng = np.random.RandomState(seed)
        self.params = [
            rng.uniform(-1, 1, (n_in, n_hidden)),
            np.zeros((1, n_hidden)),
            rng.uniform(-1, 1, (n_hidden, n_out)),
            np.zeros((1, n_out)),
        ]

    def step(self, X, Y, rate):
        for i in range(len(X)):
            grads = backward(X[i : i + 1], Y[i : i + 1], *self.params)
            for p, g in zip(self.params, grads):
                p -= rate * g  # in place: the object keeps its arrays


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    net = TwoLayerNet(X.shape[1], hidden_dim, Y.shape[1], seed)
    for _ in range(num_epochs):
        net.step(X, Y, learning_rate)
    return tuple(p.copy() for p in net.params)
