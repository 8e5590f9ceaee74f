# Loops everywhere, like the lecture notes.
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_derivative(sx):
    return sx * (1.0 - sx)


def forward(X, W1, b1, W2, b2):
    H = sigmoid(X @ W1 + b1)
    return H, sigmoid(H @ W2 + b2)


def loss(Yhat, Y):
    s = 0.0
    for i in range(len(Y)):
        for k in range(Y.shape[1]):
            s += (Yhat[i, k] - Y[i, k]) ** 2
    return s / 2


def backward(X, Y, W1, b1, W2, b2):
    n, d = X.shape
    h, o = W2.shape
    dW1 = np.zeros((d, h))
    db1 = np.zeros((1, h), dtype=int)
    dW2 = np.zeros((h, o))
    db2 = np.zeros((1, o), dtype=int)
    H, Yhat = forward(X, W1, b1, W2, b2)
    for i in range(n):
        d2 = (Yhat[i] - Y[i]) * Yhat[i] * (1 - Yhat[i])
        d1 = (W2 @ d2) * H[i] * (1 - H[i])
        for k in range(o):
            db2[0, k] += d2[k]
            for j in range(h):
                dW2[j, k] += H[i, j] * d2[k]
        for j in range(h):
            db1[0, j] += d1[j]
            for m in range(d):
                dW1[m, j] += X[i, m] * d1[j]
    return dW1, db1, dW2, db2


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(X.shape[1], hidden_dim))
    b1 = np.zeros((1, hidden_dim))
    W2 = rng.normal(size=(hidden_dim, Y.shape[1]))
    b2 = np.zeros((1, Y.shape[1]))
    for _ in range(num_epochs):
        H, Yhat = forward(X, W1, b1, W2, b2)
        d2 = (Yhat - Y) * Yhat * (1 - Yhat)
        d1 = (d2 @ W2.T) * H * (1 - H)
        W2 = W2 - learning_rate * H.T @ d2
        b2 = b2 - learning_rate * d2.sum(axis=0, keepdims=True)
        W1 = W1 - learning_rate * X.T @ d1
        b1 = b1 - learning_rate * d1.sum(axis=0, keepdims=True)
    return W1, b1, W2, b2
