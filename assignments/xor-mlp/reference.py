"""Reference solution for the XOR two-layer sigmoid MLP assignment.

Shapes: X (n, d), Y (n, o), W1 (d, h), b1 (1, h), W2 (h, o), b2 (1, o).
Loss L = 0.5 * sum((Yhat - Y) ** 2). Runs only in the trusted grader process.
"""

import numpy as np


def sigmoid(x):
    """Logistic function, elementwise."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def sigmoid_derivative(sx):
    """Derivative of the sigmoid written in terms of its output sx = sigmoid(x)."""
    sx = np.asarray(sx, dtype=float)
    return sx * (1.0 - sx)


def forward(X, W1, b1, W2, b2):
    """Return (H, Yhat): hidden activations (n, h) and outputs (n, o)."""
    H = sigmoid(np.asarray(X, dtype=float) @ W1 + b1)
    Yhat = sigmoid(H @ W2 + b2)
    return H, Yhat


def loss(Yhat, Y):
    """L = 0.5 * sum((Yhat - Y) ** 2), a float."""
    diff = np.asarray(Yhat, dtype=float) - np.asarray(Y, dtype=float)
    return 0.5 * float(np.sum(diff * diff))


def backward(X, Y, W1, b1, W2, b2):
    """Exact gradient of L with respect to (W1, b1, W2, b2), summed over samples."""
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    H, Yhat = forward(X, W1, b1, W2, b2)
    delta2 = (Yhat - Y) * sigmoid_derivative(Yhat)  # dL/dZ2, (n, o)
    delta1 = (delta2 @ np.asarray(W2).T) * sigmoid_derivative(H)  # dL/dZ1, (n, h)
    dW2 = H.T @ delta2
    db2 = delta2.sum(axis=0, keepdims=True)
    dW1 = X.T @ delta1
    db1 = delta1.sum(axis=0, keepdims=True)
    return dW1, db1, dW2, db2


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    """Full-batch gradient descent from a seeded normal initialisation."""
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(X.shape[1], hidden_dim))
    b1 = rng.normal(size=(1, hidden_dim))
    W2 = rng.normal(size=(hidden_dim, Y.shape[1]))
    b2 = rng.normal(size=(1, Y.shape[1]))
    for _ in range(int(num_epochs)):
        dW1, db1, dW2, db2 = backward(X, Y, W1, b1, W2, b2)
        W1 = W1 - learning_rate * dW1
        b1 = b1 - learning_rate * db1
        W2 = W2 - learning_rate * dW2
        b2 = b2 - learning_rate * db2
    return W1, b1, W2, b2


def loss_of_params(X, Y, W1, b1, W2, b2):
    """The scalar loss as a function of the parameters (used for numerical gradients)."""
    _, Yhat = forward(X, W1, b1, W2, b2)
    return loss(Yhat, Y)


def accuracy(params, X, Y):
    """Fraction of outputs within 0.5 of their target, using the reference forward pass."""
    W1, b1, W2, b2 = (np.asarray(p, dtype=float) for p in params)
    _, Yhat = forward(X, W1, b1, W2, b2)
    return float(np.mean(np.abs(Yhat - np.asarray(Y, dtype=float)) < 0.5))
