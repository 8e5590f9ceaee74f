# Loops over the samples, to see what the matrix products do.
import numpy as np


def logistic(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    out = np.empty_like(z, dtype=float)
    for i in range(z.shape[0]):
        e = np.exp(z[i] - z[i].max())
        out[i] = e / e.sum()
    return out


def hidden_activations(X, Wh, bh):
    return logistic(X.dot(Wh) + bh)


def output_activations(H, Wo, bo):
    return softmax(H.dot(Wo) + bo)


def nn(X, Wh, bh, Wo, bo):
    return output_activations(hidden_activations(X, Wh, bh), Wo, bo)


def nn_predict(X, Wh, bh, Wo, bo):
    return np.around(nn(X, Wh, bh, Wo, bo))


def cost(Y, T):
    total = 0.0
    for i in range(len(Y)):
        total -= np.sum(T[i] * np.log(Y[i]))
    return total


def error_output(Y, T):
    return Y - T


def gradient_weight_out(H, Eo):
    J = np.zeros((H.shape[1], Eo.shape[1]))
    for i in range(len(H)):
        J += np.outer(H[i], Eo[i])
    return J


def gradient_bias_out(Eo):
    J = np.zeros((1, Eo.shape[1]))
    for i in range(len(Eo)):
        J[0] += Eo[i]
    return J


def error_hidden(H, Wo, Eo):
    return H * (1 - H) * Eo.dot(Wo.T)


def gradient_weight_hidden(X, Eh):
    J = np.zeros((X.shape[1], Eh.shape[1]))
    for i in range(len(X) - 1):
        J += np.outer(X[i], Eh[i])
    return J


def gradient_bias_hidden(Eh):
    J = np.zeros((1, Eh.shape[1]))
    for i in range(len(Eh)):
        J[0] += Eh[i]
    return J


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
