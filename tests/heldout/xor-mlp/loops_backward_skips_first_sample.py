import numpy as np


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_derivative(sx):
    return sx * (1.0 - sx)


def forward(X, W1, b1, W2, b2):
    H = sigmoid(X @ W1 + b1)
    return H, sigmoid(H @ W2 + b2)


def loss(Yhat, Y):
    return 0.5 * np.sum((Yhat - Y) ** 2)


def backward(X, Y, W1, b1, W2, b2):
    dW1, db1 = np.zeros(W1.shape), np.zeros(b1.shape)
    dW2, db2 = np.zeros(W2.shape), np.zeros(b2.shape)
    for i in range(1, len(X)):
        x, y = X[i], Y[i]
        h = sigmoid(x @ W1 + b1[0])
        yhat = sigmoid(h @ W2 + b2[0])
        e2 = (yhat - y) * yhat * (1 - yhat)
        e1 = (W2 @ e2) * h * (1 - h)
        dW2 += np.outer(h, e2)
        db2 += e2
        dW1 += np.outer(x, e1)
        db1 += e1
    return dW1, db1, dW2, db2


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    X = np.asarray(X, float)
    Y = np.asarray(Y, float)
    rng = np.random.default_rng(seed)
    params = [
        rng.normal(size=(X.shape[1], hidden_dim)),
        rng.normal(size=(1, hidden_dim)),
        rng.normal(size=(hidden_dim, Y.shape[1])),
        rng.normal(size=(1, Y.shape[1])),
    ]
    for _ in range(num_epochs):
        H, Yhat = forward(X, *params)
        e2 = (Yhat - Y) * Yhat * (1 - Yhat)
        e1 = (e2 @ params[2].T) * H * (1 - H)
        grads = [X.T @ e1, e1.sum(0, keepdims=True), H.T @ e2, e2.sum(0, keepdims=True)]
        params = [p - learning_rate * g for p, g in zip(params, grads)]
    return tuple(params)
