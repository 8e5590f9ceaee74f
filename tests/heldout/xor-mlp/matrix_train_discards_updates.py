# np.matrix inside, as in the seed thread (fit() per sample).
import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_derivative(sx):
    return np.multiply(sx, 1 - sx)


def forward(X, W1, b1, W2, b2):
    X, W1, W2 = np.matrix(X), np.matrix(W1), np.matrix(W2)
    H = sigmoid(X * W1 + b1)
    Yhat = sigmoid(H * W2 + b2)
    return np.asarray(H), np.asarray(Yhat)


def loss(Yhat, Y):
    return 0.5 * float(np.sum(np.square(np.asarray(Yhat) - np.asarray(Y))))


def backward(X, Y, W1, b1, W2, b2):
    H, Yhat = forward(X, W1, b1, W2, b2)
    H, Yhat, X = np.matrix(H), np.matrix(Yhat), np.matrix(X)
    delta3 = np.multiply(Yhat - Y, sigmoid_derivative(Yhat))
    delta2 = np.multiply(delta3 * np.matrix(W2).T, sigmoid_derivative(H))
    return (
        np.asarray(X.T * delta2),
        np.asarray(delta2.sum(axis=0)),
        np.asarray(H.T * delta3),
        np.asarray(delta3.sum(axis=0)),
    )


def fit(x, y, theta, learn_rate):
    grads = backward(x, y, *theta)
    for p, g in zip(theta, grads):
        p - learn_rate * g


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    np.random.seed(seed)
    theta = [
        0.5 * np.sqrt(6.0 / (X.shape[1] + hidden_dim)) * (np.random.rand(X.shape[1], hidden_dim) - 0.5),
        np.zeros((1, hidden_dim)),
        0.5 * np.sqrt(6.0 / (hidden_dim + 1)) * (np.random.rand(hidden_dim, Y.shape[1]) - 0.5),
        np.zeros((1, Y.shape[1])),
    ]
    for _ in range(num_epochs // 20):
        for i in range(len(X)):
            fit(X[i : i + 1], Y[i : i + 1], theta, learning_rate)
    return tuple(theta)
