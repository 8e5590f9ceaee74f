import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(sx):
    # sx is the output of the sigmoid
    return sx * (1 - sx)


def forward(X, W1, b1, W2, b2):
    H = sigmoid(np.dot(X, W1) + b1)
    Yhat = sigmoid(np.dot(H, W2) + b2)
    return H, Yhat


def loss(Yhat, Y):
    return 0.5 * np.sum(np.square(Yhat - Y))


def backward(X, Y, W1, b1, W2, b2):
    H, Yhat = forward(X, W1, b1, W2, b2)
    # dL/dYhat = Yhat - Y, then through the output sigmoid
    delta2 = (Yhat - Y) * sigmoid_derivative(Yhat)
    # back through W2 and the hidden sigmoid
    delta1 = np.dot(delta2, W2.T) * sigmoid_derivative(H)
    dW2 = np.dot(H.T, delta2)
    db2 = 0 * b2
    dW1 = np.dot(X.T, delta1)
    db1 = 0 * b1
    return dW1, db1, dW2, db2


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    rng = np.random.default_rng(seed)
    input_dim = X.shape[1]
    output_dim = Y.shape[1]
    W1 = rng.normal(size=(input_dim, hidden_dim))
    b1 = np.zeros((1, hidden_dim))
    W2 = rng.normal(size=(hidden_dim, output_dim))
    b2 = np.zeros((1, output_dim))
    for epoch in range(num_epochs):
        dW1, db1, dW2, db2 = backward(X, Y, W1, b1, W2, b2)
        W1 -= learning_rate * dW1
        b1 -= learning_rate * db1
        W2 -= learning_rate * dW2
        b2 -= learning_rate * db2
    return W1, b1, W2, b2
