import numpy as np


class Activation:
    def __call__(self, x):
        return 1.0 / (1.0 + np.exp(-x))

    def grad(self, sx):
        s = self(sx)
        return s * (1.0 - s)


act = Activation()


def sigmoid(x):
    return act(x)


def sigmoid_derivative(sx):
    return act.grad(sx)


def forward(X, W1, b1, W2, b2):
    H = act(X @ W1 + b1)
    return H, act(H @ W2 + b2)


def loss(Yhat, Y):
    return 0.5 * np.sum((Yhat - Y) ** 2)


def backward(X, Y, W1, b1, W2, b2):
    H, Yhat = forward(X, W1, b1, W2, b2)
    d2 = (Yhat - Y) * Yhat * (1 - Yhat)
    d1 = (d2 @ W2.T) * H * (1 - H)
    return X.T @ d1, d1.sum(0, keepdims=True), H.T @ d2, d2.sum(0, keepdims=True)


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(X.shape[1], hidden_dim))
    b1 = rng.normal(size=(1, hidden_dim))
    W2 = rng.normal(size=(hidden_dim, Y.shape[1]))
    b2 = rng.normal(size=(1, Y.shape[1]))
    for _ in range(num_epochs):
        dW1, db1, dW2, db2 = backward(X, Y, W1, b1, W2, b2)
        W1 = W1 - learning_rate * dW1
        b1 = b1 - learning_rate * db1
        W2 = W2 - learning_rate * dW2
        b2 = b2 - learning_rate * db2
    return W1, b1, W2, b2
