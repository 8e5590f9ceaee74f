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
    for i in range(X.shape[0]):
        x = X[i : i + 1]
        y = Y[i : i + 1]
        h, yhat = forward(x, W1, b1, W2, b2)
        delta2 = (yhat - y) * sigmoid_derivative(yhat)
        delta1 = delta2 @ W2.T * sigmoid_derivative(h)
        dW2 = h.T @ delta2
        db2 = delta2
        dW1 = x.T @ delta1
        db1 = delta1
    return dW1, db1, dW2, db2


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    X = np.asarray(X, float)
    Y = np.asarray(Y, float)
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(X.shape[1], hidden_dim))
    b1 = rng.normal(size=(1, hidden_dim))
    W2 = rng.normal(size=(hidden_dim, Y.shape[1]))
    b2 = rng.normal(size=(1, Y.shape[1]))
    for _ in range(num_epochs):
        H, Yhat = forward(X, W1, b1, W2, b2)
        delta2 = (Yhat - Y) * sigmoid_derivative(Yhat)
        delta1 = delta2 @ W2.T * sigmoid_derivative(H)
        W2 = W2 - learning_rate * H.T @ delta2
        b2 = b2 - learning_rate * delta2.sum(0, keepdims=True)
        W1 = W1 - learning_rate * X.T @ delta1
        b1 = b1 - learning_rate * delta1.sum(0, keepdims=True)
    return W1, b1, W2, b2
