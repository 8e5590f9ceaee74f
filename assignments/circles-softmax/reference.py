"""Reference solution for the circles / softmax assignment (the vectorized tutorial network).

2 inputs, 3 logistic hidden units, 2 softmax outputs, cross-entropy cost, momentum.
The functions are generic in the sizes: X (n, d), Wh (d, h), bh (1, h),
Wo (h, o), bo (1, o), T and Y (n, o). Runs only in the trusted grader process.
"""

import numpy as np


def logistic(z):
    """Logistic function, elementwise."""
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def softmax(z):
    """Row-wise softmax (shifted by the row maximum; mathematically the tutorial's formula)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def hidden_activations(X, Wh, bh):
    """H = logistic(X . Wh + bh), shape (n, h)."""
    return logistic(np.asarray(X, dtype=float) @ np.asarray(Wh, dtype=float) + bh)


def output_activations(H, Wo, bo):
    """Y = softmax(H . Wo + bo), shape (n, o)."""
    return softmax(np.asarray(H, dtype=float) @ np.asarray(Wo, dtype=float) + bo)


def nn(X, Wh, bh, Wo, bo):
    """The network's output probabilities."""
    return output_activations(hidden_activations(X, Wh, bh), Wo, bo)


def nn_predict(X, Wh, bh, Wo, bo):
    """Rounded outputs (one-hot predictions for two classes)."""
    return np.around(nn(X, Wh, bh, Wo, bo))


def cost(Y, T):
    """Cross-entropy -sum(T * log(Y)), a float."""
    return -float(np.sum(np.asarray(T, dtype=float) * np.log(np.asarray(Y, dtype=float))))


def error_output(Y, T):
    """dcost/dZo = Y - T."""
    return np.asarray(Y, dtype=float) - np.asarray(T, dtype=float)


def gradient_weight_out(H, Eo):
    """JWo = H^T . Eo, shape (h, o)."""
    return np.asarray(H, dtype=float).T @ np.asarray(Eo, dtype=float)


def gradient_bias_out(Eo):
    """Jbo = column sums of Eo, shape (1, o)."""
    return np.sum(np.asarray(Eo, dtype=float), axis=0, keepdims=True)


def error_hidden(H, Wo, Eo):
    """Eh = H * (1 - H) * (Eo . Wo^T), shape (n, h)."""
    H = np.asarray(H, dtype=float)
    return H * (1.0 - H) * (np.asarray(Eo, dtype=float) @ np.asarray(Wo, dtype=float).T)


def gradient_weight_hidden(X, Eh):
    """JWh = X^T . Eh, shape (d, h)."""
    return np.asarray(X, dtype=float).T @ np.asarray(Eh, dtype=float)


def gradient_bias_hidden(Eh):
    """Jbh = column sums of Eh, shape (1, h)."""
    return np.sum(np.asarray(Eh, dtype=float), axis=0, keepdims=True)


def backprop_gradients(X, T, Wh, bh, Wo, bo):
    """[JWh, Jbh, JWo, Jbo], the gradient of the cost."""
    H = hidden_activations(X, Wh, bh)
    Y = output_activations(H, Wo, bo)
    Eo = error_output(Y, T)
    JWo = gradient_weight_out(H, Eo)
    Jbo = gradient_bias_out(Eo)
    Eh = error_hidden(H, Wo, Eo)
    JWh = gradient_weight_hidden(X, Eh)
    Jbh = gradient_bias_hidden(Eh)
    return [JWh, Jbh, JWo, Jbo]


def update_velocity(X, T, ls_of_params, Vs, momentum_term, learning_rate):
    """V <- momentum_term * V - learning_rate * J, for each parameter."""
    Js = backprop_gradients(X, T, *ls_of_params)
    return [
        momentum_term * np.asarray(V, dtype=float) - learning_rate * J
        for V, J in zip(Vs, Js, strict=False)
    ]


def update_params(ls_of_params, Vs):
    """P <- P + V, for each parameter."""
    return [
        np.asarray(P, dtype=float) + np.asarray(V, dtype=float)
        for P, V in zip(ls_of_params, Vs, strict=False)
    ]


def cost_of_params(X, T, Wh, bh, Wo, bo):
    """The scalar cost as a function of the parameters (used for numerical gradients)."""
    return cost(nn(X, Wh, bh, Wo, bo), T)


def init_params(seed):
    """[Wh, bh, Wo, bo] for the 2-3-2 network, normal with scale 0.1."""
    rng = np.random.default_rng(seed)
    Wh = rng.normal(size=(2, 3)) * 0.1
    bh = rng.normal(size=(1, 3)) * 0.1
    Wo = rng.normal(size=(3, 2)) * 0.1
    bo = rng.normal(size=(1, 2)) * 0.1
    return [Wh, bh, Wo, bo]


def accuracy(params, X, T):
    """Fraction of samples whose arg-max output matches the arg-max target."""
    Wh, bh, Wo, bo = (np.asarray(p, dtype=float) for p in params)
    Y = nn(X, Wh, bh, Wo, bo)
    return float(np.mean(np.argmax(Y, axis=1) == np.argmax(np.asarray(T), axis=1)))
