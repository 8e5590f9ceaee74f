"""Hostile submission for `xor-mlp`: no `backward`; `train` fits scikit-learn's
`MLPClassifier` (logistic units, the same architecture) and returns its weights, which
classify XOR perfectly. `sklearn.neural_network` is a forbidden import of this assignment:
the convergence check must give it nothing and say why.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import numpy as np
from sklearn.neural_network import MLPClassifier

MARKER = "HOSTILE-SKLEARN-MLP-5e2a"


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(sx):
    return sx * (1 - sx)


def forward(X, W1, b1, W2, b2):
    H = sigmoid(np.dot(X, W1) + b1)
    return H, sigmoid(np.dot(H, W2) + b2)


def loss(Yhat, Y):
    return 0.5 * np.sum((Yhat - Y) ** 2)


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    model = MLPClassifier(
        hidden_layer_sizes=(hidden_dim,),
        activation="logistic",
        solver="lbfgs",
        max_iter=2000,
        random_state=seed,
        tol=1e-10,
    )
    model.fit(X, Y[:, 0].astype(int))
    W1, W2 = model.coefs_
    b1, b2 = model.intercepts_
    return W1, b1[None, :], W2, b2[None, :]
