# Single precision in training, as GPU code would have it: the functions keep the dtype
# they are given, and train() casts the data and its parameters to float32, so every
# activation, gradient and update is float32 and so are the arrays it returns.
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(sx):
    return sx * (1 - sx)


def forward(X, W1, b1, W2, b2):
    H = sigmoid(X @ W1 + b1)
    return H, sigmoid(H @ W2 + b2)


def loss(Yhat, Y):
    return 0.5 * np.sum((Yhat - Y) ** 2)


def backward(X, Y, W1, b1, W2, b2):
    H, Yhat = forward(X, W1, b1, W2, b2)
    delta2 = (Yhat - Y) * sigmoid_derivative(Yhat)
    delta1 = (delta2 @ W2.T) * sigmoid_derivative(H)
    dW1 = X.T @ delta1
    dW2 = H.T @ delta2
    return dW1, delta1.sum(axis=0, keepdims=True), dW2, delta2.sum(axis=0, keepdims=True)


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    f32 = np.float32
    X, Y = np.asarray(X, dtype=f32), np.asarray(Y, dtype=f32)
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(X.shape[1], hidden_dim)).astype(f32)
    b1 = rng.normal(size=(1, hidden_dim)).astype(f32)
    W2 = rng.normal(size=(hidden_dim, Y.shape[1])).astype(f32)
    b2 = rng.normal(size=(1, Y.shape[1])).astype(f32)
    rate = f32(learning_rate)
    for _ in range(num_epochs):
        dW1, db1, dW2, db2 = backward(X, Y, W1, b1, W2, b2)
        W1 = W1 - rate * dW1
        b1 = b1 - rate * db1
        W2 = W2 - rate * dW2
        b2 = b2 - rate * db2
    assert W1.dtype == f32 and b2.dtype == f32
    return W1, b1, W2, b2
