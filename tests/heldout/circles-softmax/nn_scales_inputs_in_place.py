import numpy as np


def logistic(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def hidden_activations(X, Wh, bh):
    return logistic(X @ Wh + bh)


def output_activations(H, Wo, bo):
    return softmax(H @ Wo + bo)


def nn(X, Wh, bh, Wo, bo):
    X /= np.abs(X).max()  # inputs in [-1, 1]
    return output_activations(hidden_activations(X, Wh, bh), Wo, bo)


def nn_predict(X, Wh, bh, Wo, bo):
    return np.around(nn(X, Wh, bh, Wo, bo))


def cost(Y, T):
    return -np.sum(T * np.log(Y))


def error_output(Y, T):
    return Y - T


def gradient_weight_out(H, Eo):
    return H.T @ Eo


def gradient_bias_out(Eo):
    return np.sum(Eo, axis=0, keepdims=True)


def error_hidden(H, Wo, Eo):
    return H * (1 - H) * (Eo @ Wo.T)


def gradient_weight_hidden(X, Eh):
    return X.T @ Eh


def gradient_bias_hidden(Eh):
    return np.sum(Eh, axis=0, keepdims=True)


def backprop_gradients(X, T, Wh, bh, Wo, bo):
    H = hidden_activations(X, Wh, bh)
    Y = output_activations(H, Wo, bo)
    Eo = error_output(Y, T)
    Eh = error_hidden(H, Wo, Eo)
    return [gradient_weight_hidden(X, Eh), gradient_bias_hidden(Eh),
            gradient_weight_out(H, Eo), gradient_bias_out(Eo)]


def update_velocity(X, T, ls_of_params, Vs, momentum_term, learning_rate):
    Js = backprop_gradients(X, T, *ls_of_params)
    return [momentum_term * V - learning_rate * J for V, J in zip(Vs, Js)]


def update_params(ls_of_params, Vs):
    return [P + V for P, V in zip(ls_of_params, Vs)]
