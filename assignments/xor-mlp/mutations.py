"""Mistakes specific to the XOR MLP assignment, for the diagnosis catalogue.

Each function takes the reference module first, then the arguments of the
reference function it replaces, and returns what the mistaken function returns.
The generic mistakes (sign, transpose, mean instead of sum, factor 2, order,
wrong axis, bias not summed) come with the grader and need no entry here.
"""

import numpy as np

from grader.diagnosis import mutation


def _backward(
    ref,
    X,
    Y,
    W1,
    b1,
    W2,
    b2,
    *,
    output_error=None,
    output_derivative=True,
    hidden_derivative=True,
    deltas=False,
):
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    H, Yhat = ref.forward(X, W1, b1, W2, b2)
    error = Yhat - Y if output_error is None else output_error(Yhat, Y)
    delta2 = error * ref.sigmoid_derivative(Yhat) if output_derivative else error
    delta1 = delta2 @ np.asarray(W2, dtype=float).T
    if hidden_derivative:
        delta1 = delta1 * ref.sigmoid_derivative(H)
    db2 = delta2.sum(axis=0, keepdims=True)
    db1 = delta1.sum(axis=0, keepdims=True)
    if deltas:
        return delta1, db1, delta2, db2
    return X.T @ delta1, db1, H.T @ delta2, db2


@mutation(
    "sigmoid_derivative",
    "the derivative evaluated at sigmoid(sx): sigmoid(sx) * (1 - sigmoid(sx))",
    explanation="the derivative is applied as if its argument were the pre-activation, "
    "but sx is already the sigmoid's output",
    fix="return sx * (1 - sx), without calling sigmoid again",
)
def derivative_of_activation(ref, sx):
    s = ref.sigmoid(sx)
    return s * (1.0 - s)


@mutation(
    "backward",
    "the reference without the output sigmoid's derivative",
    explanation="the output layer's error is Yhat - Y alone: the factor "
    "Yhat * (1 - Yhat) of the output sigmoid is missing",
    fix="delta2 = (Yhat - Y) * sigmoid_derivative(Yhat)",
)
def missing_output_derivative(ref, X, Y, W1, b1, W2, b2):
    return _backward(ref, X, Y, W1, b1, W2, b2, output_derivative=False)


@mutation(
    "backward",
    "the reference without the hidden sigmoid's derivative",
    explanation="the hidden layer's error lacks the factor H * (1 - H) of the hidden sigmoid",
    fix="delta1 = (delta2 @ W2.T) * sigmoid_derivative(H)",
)
def missing_hidden_derivative(ref, X, Y, W1, b1, W2, b2):
    return _backward(ref, X, Y, W1, b1, W2, b2, hidden_derivative=False)


@mutation(
    "backward",
    "the reference starting from the loss value instead of Yhat - Y",
    explanation="the backward pass multiplies by the value of the loss L instead of its "
    "derivative dL/dYhat = Yhat - Y",
    fix="start the backward pass from Yhat - Y, not from loss(Yhat, Y)",
)
def loss_value_not_derivative(ref, X, Y, W1, b1, W2, b2):
    return _backward(ref, X, Y, W1, b1, W2, b2, output_error=lambda Yhat, Y: ref.loss(Yhat, Y))


@mutation(
    "backward",
    "the reference starting from each sample's loss value instead of Yhat - Y",
    explanation="the backward pass multiplies by the value of each sample's loss "
    "0.5 * sum((yhat - y) ** 2) instead of its derivative dL/dyhat = yhat - y",
    fix="start the backward pass from yhat - y, not from the sample's loss",
)
def sample_loss_value_not_derivative(ref, X, Y, W1, b1, W2, b2):
    return _backward(
        ref,
        X,
        Y,
        W1,
        b1,
        W2,
        b2,
        output_error=lambda Yhat, Y: 0.5 * np.sum((Yhat - Y) ** 2, axis=1, keepdims=True),
    )


@mutation(
    "backward",
    "the reference returning the deltas in place of the weight gradients",
    explanation="the layer errors delta1 and delta2 are returned instead of the weight "
    "gradients X^T . delta1 and H^T . delta2",
    fix="dW1 = X.T @ delta1 and dW2 = H.T @ delta2",
)
def deltas_not_gradients(ref, X, Y, W1, b1, W2, b2):
    return _backward(ref, X, Y, W1, b1, W2, b2, deltas=True)


@mutation(
    "train",
    "gradient ascent",
    explanation="the update adds the gradient (W + learning_rate * dW) and climbs the loss",
    fix="W = W - learning_rate * dW",
)
def update_sign(ref, X, Y, hidden_dim=5, num_epochs=10000, learning_rate=0.3, seed=0):
    return ref.train(
        X, Y, hidden_dim=hidden_dim, num_epochs=num_epochs, learning_rate=-learning_rate, seed=seed
    )
