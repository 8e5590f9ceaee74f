# Explicit loops: the gradient is accumulated sample by sample, and train()
# runs per-sample (stochastic) gradient descent.
import math
import random

import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_derivative(sx):
    return sx * (1.0 - sx)


def forward(X, W1, b1, W2, b2):
    n = X.shape[0]
    hidden_dim = W1.shape[1]
    output_dim = W2.shape[1]
    H = np.zeros((n, hidden_dim))
    Yhat = np.zeros((n, output_dim))
    for i in range(n):
        for j in range(hidden_dim):
            z = b1[0, j]
            for k in range(X.shape[1]):
                z += X[i, k] * W1[k, j]
            H[i, j] = 1.0 / (1.0 + math.exp(-z))
        for j in range(output_dim):
            z = b2[0, j]
            for k in range(hidden_dim):
                z += H[i, k] * W2[k, j]
            Yhat[i, j] = 1.0 / (1.0 + math.exp(-z))
    return H, Yhat


def loss(Yhat, Y):
    total = 0.0
    for i in range(Yhat.shape[0]):
        for j in range(Yhat.shape[1]):
            total += (Yhat[i, j] - Y[i, j]) ** 2
    return 0.5 * total


def _sample_gradients(x, y, W1, b1, W2, b2):
    """Gradient of 0.5 * sum((yhat - y)**2) for one sample (x, y are 1-d)."""
    h = sigmoid(x @ W1 + b1[0])
    yhat = sigmoid(h @ W2 + b2[0])
    delta2 = (yhat - y) * sigmoid_derivative(yhat)
    delta1 = (W2 @ delta2) * sigmoid_derivative(h)
    return np.outer(x, delta1), delta1, np.outer(h, delta2), delta2


def backward(X, Y, W1, b1, W2, b2):
    dW1 = np.zeros_like(W1, dtype=float)
    db1 = np.zeros((1, W1.shape[1]))
    dW2 = np.zeros_like(W2, dtype=float)
    db2 = np.zeros((1, W2.shape[1]))
    for i in range(X.shape[0]):
        gW1, gb1, gW2, gb2 = _sample_gradients(X[i], Y[i], W1, b1, W2, b2)
        dW1 += gW1
        db1[0] += gb1
        dW2 += gW2
        db2[0] += gb2
    return dW1, db1, dW2, db2


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    random.seed(seed)
    W1 = np.array([[random.uniform(-1, 1) for _ in range(hidden_dim)] for _ in range(X.shape[1])])
    b1 = np.array([[random.uniform(-1, 1) for _ in range(hidden_dim)]])
    W2 = np.array([[random.uniform(-1, 1) for _ in range(Y.shape[1])] for _ in range(hidden_dim)])
    b2 = np.array([[random.uniform(-1, 1) for _ in range(Y.shape[1])]])
    order = list(range(X.shape[0]))
    for epoch in range(num_epochs):
        random.shuffle(order)
        for i in order:
            gW1, gb1, gW2, gb2 = _sample_gradients(X[i], Y[i], W1, b1, W2, b2)
            W1 -= learning_rate * gW1
            b1[0] -= learning_rate * gb1
            W2 -= learning_rate * gW2
            b2[0] -= learning_rate * gb2
    return W1, b1, W2, b2


if __name__ == "__main__":
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    Y = np.array([[0, 1, 1, 0]]).T
    params = train(X, Y)
    print(forward(X, *params)[1].round(3))
