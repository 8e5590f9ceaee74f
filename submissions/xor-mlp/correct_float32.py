# Everything in single precision, as on a GPU: inputs are cast to float32 and the
# results come back as float32 (about 7 significant digits instead of 16).
import numpy as np

DTYPE = np.float32


def _f32(*arrays):
    return [np.asarray(a, dtype=DTYPE) for a in arrays]


def sigmoid(x):
    (x,) = _f32(x)
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(sx):
    (sx,) = _f32(sx)
    return sx * (1 - sx)


def forward(X, W1, b1, W2, b2):
    X, W1, b1, W2, b2 = _f32(X, W1, b1, W2, b2)
    H = sigmoid(X @ W1 + b1)
    Yhat = sigmoid(H @ W2 + b2)
    return H, Yhat


def loss(Yhat, Y):
    Yhat, Y = _f32(Yhat, Y)
    return DTYPE(0.5) * np.sum((Yhat - Y) ** 2)


def backward(X, Y, W1, b1, W2, b2):
    X, Y, W1, b1, W2, b2 = _f32(X, Y, W1, b1, W2, b2)
    H, Yhat = forward(X, W1, b1, W2, b2)
    delta2 = (Yhat - Y) * sigmoid_derivative(Yhat)
    delta1 = (delta2 @ W2.T) * sigmoid_derivative(H)
    dW2 = H.T @ delta2
    db2 = delta2.sum(axis=0, keepdims=True)
    dW1 = X.T @ delta1
    db1 = delta1.sum(axis=0, keepdims=True)
    return dW1, db1, dW2, db2


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    X, Y = _f32(X, Y)
    rng = np.random.default_rng(seed)
    W1 = rng.normal(size=(X.shape[1], hidden_dim)).astype(DTYPE)
    b1 = np.zeros((1, hidden_dim), dtype=DTYPE)
    W2 = rng.normal(size=(hidden_dim, Y.shape[1])).astype(DTYPE)
    b2 = np.zeros((1, Y.shape[1]), dtype=DTYPE)
    lr = DTYPE(learning_rate)
    for _ in range(num_epochs):
        dW1, db1, dW2, db2 = backward(X, Y, W1, b1, W2, b2)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
    return W1, b1, W2, b2
