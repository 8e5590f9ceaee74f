# np.matrix everywhere, as with np.asmatrix in the tutorial's prediction grid:
# '*' is the matrix product, np.multiply the elementwise one.
import numpy as np


def logistic(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    z = np.asmatrix(z)
    e = np.exp(z - z.max(axis=1))
    return e / e.sum(axis=1)


def hidden_activations(X, Wh, bh):
    return logistic(np.asmatrix(X) * np.asmatrix(Wh) + bh)


def output_activations(H, Wo, bo):
    return softmax(np.asmatrix(H) * np.asmatrix(Wo) + bo)


def nn(X, Wh, bh, Wo, bo):
    return output_activations(hidden_activations(X, Wh, bh), Wo, bo)


def nn_predict(X, Wh, bh, Wo, bo):
    return np.around(nn(X, Wh, bh, Wo, bo))


def cost(Y, T):
    return -np.sum(np.multiply(np.asmatrix(T), np.log(np.asmatrix(Y))))


def error_output(Y, T):
    return np.asmatrix(Y) - np.asmatrix(T)


def gradient_weight_out(H, Eo):
    return np.asmatrix(H).T * np.asmatrix(Eo)


def gradient_bias_out(Eo):
    return np.asmatrix(Eo).sum(axis=0)


def error_hidden(H, Wo, Eo):
    H = np.asmatrix(H)
    return np.multiply(np.multiply(H, 1 - H), np.asmatrix(Eo) * np.asmatrix(Wo).T)


def gradient_weight_hidden(X, Eh):
    return np.asmatrix(X).T * np.asmatrix(Eh)


def gradient_bias_hidden(Eh):
    return np.asmatrix(Eh).sum(axis=0)


def backprop_gradients(X, T, Wh, bh, Wo, bo):
    H = hidden_activations(X, Wh, bh)
    Y = output_activations(H, Wo, bo)
    Eo = error_output(Y, T)
    Eh = error_hidden(H, Wo, Eo)
    return [gradient_weight_hidden(X, Eh), gradient_bias_hidden(Eh),
            gradient_weight_out(H, Eo), gradient_bias_out(Eo)]


def update_velocity(X, T, ls_of_params, Vs, momentum_term, learning_rate):
    Js = backprop_gradients(X, T, *ls_of_params)
    return [momentum_term * np.asmatrix(V) - learning_rate * J for V, J in zip(Vs, Js)]


def update_params(ls_of_params, Vs):
    return [np.asmatrix(P) + V for P, V in zip(ls_of_params, Vs)]
