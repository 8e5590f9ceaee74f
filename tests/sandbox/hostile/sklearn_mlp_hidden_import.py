"""Hostile submission for `xor-mlp`: `sklearn_mlp_train.py` with the import hidden from the
scan of the source (the module name built at run time) and the sandbox's import blocker
taken out of `sys.meta_path` first, so `MLPClassifier` really trains. What is left is the
check of the training itself: the weights do not come from gradient steps of `train`, so
the convergence check must give it nothing.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import sys

import numpy as np

MARKER = "HOSTILE-SKLEARN-HIDDEN-8f3c"

sys.meta_path[:] = [f for f in sys.meta_path if "Blocker" not in type(f).__name__]
_name = "sklearn." + "neural" + "_network"
for _key in [k for k in sys.modules if k.startswith(_name)]:
    del sys.modules[_key]
_mlp = getattr(__builtins__, "__import__", None) or __builtins__["__import__"]
MLPClassifier = _mlp(_name, fromlist=["MLPClassifier"]).MLPClassifier
print(MARKER, "imported", MLPClassifier.__name__)


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
