"""Hostile submission for `xor-mlp`: no `backward`; `train` moves its seeded initialisation
towards hand-written XOR weights along an exponential "learning curve" (the further, the more
epochs), so that shorter trainings show a falling loss, like a real one, and the full one
classifies XOR perfectly. The steps go straight to the target, not down the gradient: the
convergence check must give it nothing.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import numpy as np

MARKER = "HOSTILE-FAKE-CURVE-41b0"


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_derivative(sx):
    return sx * (1 - sx)


def forward(X, W1, b1, W2, b2):
    H = sigmoid(np.dot(X, W1) + b1)
    return H, sigmoid(np.dot(H, W2) + b2)


def loss(Yhat, Y):
    return 0.5 * np.sum((Yhat - Y) ** 2)


def _target(X, Y, hidden_dim):
    W1 = np.zeros((X.shape[1], hidden_dim))
    b1 = np.zeros((1, hidden_dim))
    W2 = np.zeros((hidden_dim, 1))
    W1[:, 0], b1[0, 0] = 6.0, -3.0  # OR
    W1[:, 1], b1[0, 1] = 6.0, -9.0  # AND
    W2[0, 0], W2[1, 0] = 8.0, -8.0
    b2 = np.array([[-4.0]])
    xor = [float(int(a) ^ int(b)) for a, b in X]
    if not np.allclose(Y[:, 0], xor):
        W2, b2 = -W2, -b2
    return [W1, b1, W2, b2]


def train(X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    rng = np.random.default_rng(seed)
    start = [
        rng.normal(size=(X.shape[1], hidden_dim)),
        np.zeros((1, hidden_dim)),
        rng.normal(size=(hidden_dim, 1)),
        np.zeros((1, 1)),
    ]
    share = 1.0 - np.exp(-num_epochs / 800.0)
    return tuple(s + share * (t - s) for s, t in zip(start, _target(X, Y, hidden_dim)))
