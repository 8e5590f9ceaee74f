# Per-sample stochastic gradient descent.
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_derivative(sx):
    return sx * (1.0 - sx)


def forward(X, W1, b1, W2, b2):
    H = sigmoid(np.dot(X, W1) + b1)
    return H, sigmoid(np.dot(H, W2) + b2)


def loss(Yhat, Y):
    return 0.5 * np.sum(np.square(Yhat - Y))


def backward(X, Y, W1, b1, W2, b2):
    H, Yhat = forward(X, W1, b1, W2, b2)
    d2 = (Yhat - Y) * sigmoid_derivative(Yhat)
    d1 = np.dot(d2, W2.T) * sigmoid_derivative(H)
    return np.dot(X.T, d1), d1.sum(0, keepdims=True), np.dot(H.T, d2), d2.sum(0, keepdims=True)


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    np.random.seed(seed)
    W1 = np.random.randn(X.shape[1], hidden_dim)
    b1 = np.random.randn(1, hidden_dim)
    W2 = np.random.randn(hidden_dim, Y.shape[1])
    b2 = np.random.randn(1, Y.shape[1])
    for epoch in range(num_epochs // 4):
        for i in np.random.permutation(len(X)):
            x, y = X[i : i + 1], Y[i : i + 1]
            gW1, gb1, gW2, gb2 = backward(x, y, W1, b1, W2, b2)
            W1 += learning_rate * gW1
            b1 += learning_rate * gb1
            W2 += learning_rate * gW2
            b2 += learning_rate * gb2
    return W1, b1, W2, b2
