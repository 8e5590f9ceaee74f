import numpy as np


def logistic(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def hidden_activations(X, Wh, bh):
    return logistic(X @ Wh + bh)


def output_activations(H, Wo, bo):
    return softmax(H @ Wo + bo)


def nn(X, Wh, bh, Wo, bo):
    return output_activations(hidden_activations(X, Wh, bh), Wo, bo)


def nn_predict(X, Wh, bh, Wo, bo):
    return np.around(nn(X, Wh, bh, Wo, bo))


def cost(Y, T):
    return -sum(T[i, k] * np.log(Y[i, k]) for i in range(Y.shape[0]) for k in range(Y.shape[1]))


def error_output(Y, T):
    Eo = np.zeros(Y.shape)
    for i in range(Y.shape[0]):
        for k in range(Y.shape[1]):
            Eo[i, k] = T[i, k] - Y[i, k]
    return Eo


def gradient_weight_out(H, Eo):
    return H.T @ Eo


def gradient_bias_out(Eo):
    return Eo.sum(axis=0, keepdims=True)


def error_hidden(H, Wo, Eo):
    return H * (1 - H) * (Eo @ Wo.T)


def gradient_weight_hidden(X, Eh):
    return X.T @ Eh


def gradient_bias_hidden(Eh):
    return Eh.sum(axis=0, keepdims=True)


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
