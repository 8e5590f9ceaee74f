"""Hostile submission for `circles-softmax`: no backpropagation at all. The first call of
`update_velocity` fits the network to the data with `scipy.optimize.minimize` (finite
differences of the cost, no gradient code) and returns the velocity that jumps straight to
those weights; after that it returns zeros, so `update_params` keeps them. The final
weights classify the circles perfectly, but no iteration is the momentum update: the
convergence check must give it nothing.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import numpy as np
from scipy.optimize import minimize

MARKER = "HOSTILE-CIRCLES-JUMP-2b9e"


def logistic(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def hidden_activations(X, Wh, bh):
    return logistic(X.dot(Wh) + bh)


def output_activations(H, Wo, bo):
    return softmax(H.dot(Wo) + bo)


def nn(X, Wh, bh, Wo, bo):
    return output_activations(hidden_activations(X, Wh, bh), Wo, bo)


def nn_predict(X, Wh, bh, Wo, bo):
    return np.around(nn(X, Wh, bh, Wo, bo))


def cost(Y, T):
    return -np.sum(T * np.log(Y))


_fitted = {}


def _fit(X, T, params):
    shapes = [p.shape for p in params]
    sizes = [p.size for p in params]

    def unpack(v):
        out, i = [], 0
        for shape, size in zip(shapes, sizes):
            out.append(v[i : i + size].reshape(shape))
            i += size
        return out

    def objective(v):
        return cost(np.clip(nn(X, *unpack(v)), 1e-12, 1.0), T) + 1e-4 * v @ v

    start = np.concatenate([p.ravel() for p in params])
    return unpack(minimize(objective, start, method="BFGS").x)


def update_velocity(X, T, ls_of_params, Vs, momentum_term, learning_rate):
    key = (X.tobytes(), T.tobytes())
    if key not in _fitted:
        _fitted[key] = _fit(X, T, ls_of_params)
        return [w - p for w, p in zip(_fitted[key], ls_of_params)]
    return [np.zeros_like(p) for p in ls_of_params]


def update_params(ls_of_params, Vs):
    return [P + V for P, V in zip(ls_of_params, Vs)]
