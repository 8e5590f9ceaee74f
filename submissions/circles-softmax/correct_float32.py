# The tutorial's network in single precision: every function casts its inputs to
# float32 and returns float32 results (about 7 significant digits instead of 16).
import numpy as np

DTYPE = np.float32


def _f32(*arrays):
    return [np.asarray(a, dtype=DTYPE) for a in arrays]


def logistic(z):
    (z,) = _f32(z)
    return 1 / (1 + np.exp(-z))


def softmax(z):
    (z,) = _f32(z)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def hidden_activations(X, Wh, bh):
    X, Wh, bh = _f32(X, Wh, bh)
    return logistic(X @ Wh + bh)


def output_activations(H, Wo, bo):
    H, Wo, bo = _f32(H, Wo, bo)
    return softmax(H @ Wo + bo)


def nn(X, Wh, bh, Wo, bo):
    return output_activations(hidden_activations(X, Wh, bh), Wo, bo)


def nn_predict(X, Wh, bh, Wo, bo):
    return np.around(nn(X, Wh, bh, Wo, bo))


def cost(Y, T):
    Y, T = _f32(Y, T)
    return -np.sum(T * np.log(Y))


def error_output(Y, T):
    Y, T = _f32(Y, T)
    return Y - T


def gradient_weight_out(H, Eo):
    H, Eo = _f32(H, Eo)
    return H.T @ Eo


def gradient_bias_out(Eo):
    (Eo,) = _f32(Eo)
    return Eo.sum(axis=0, keepdims=True)


def error_hidden(H, Wo, Eo):
    H, Wo, Eo = _f32(H, Wo, Eo)
    return H * (1 - H) * (Eo @ Wo.T)


def gradient_weight_hidden(X, Eh):
    X, Eh = _f32(X, Eh)
    return X.T @ Eh


def gradient_bias_hidden(Eh):
    (Eh,) = _f32(Eh)
    return Eh.sum(axis=0, keepdims=True)


def backprop_gradients(X, T, Wh, bh, Wo, bo):
    H = hidden_activations(X, Wh, bh)
    Y = output_activations(H, Wo, bo)
    Eo = error_output(Y, T)
    Eh = error_hidden(H, Wo, Eo)
    return [
        gradient_weight_hidden(X, Eh),
        gradient_bias_hidden(Eh),
        gradient_weight_out(H, Eo),
        gradient_bias_out(Eo),
    ]


def update_velocity(X, T, ls_of_params, Vs, momentum_term, learning_rate):
    Js = backprop_gradients(X, T, *ls_of_params)
    m, lr = DTYPE(momentum_term), DTYPE(learning_rate)
    return [m * V - lr * J for V, J in zip(_f32(*Vs), Js)]


def update_params(ls_of_params, Vs):
    return [P + V for P, V in zip(_f32(*ls_of_params), _f32(*Vs))]
