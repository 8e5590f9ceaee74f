# Layers as objects; the assignment's functions are thin wrappers around them.
import numpy as np


class HiddenLayer:
    def activation(self, z):
        return np.tanh(z)

    def forward(self, X, W, b):
        return self.activation(X.dot(W) + b)

    def error(self, H, Wo, Eo):
        return H * (1 - H) * Eo.dot(Wo.T)


class SoftmaxLayer:
    def forward(self, H, W, b):
        z = H.dot(W) + b
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


hidden = HiddenLayer()
out = SoftmaxLayer()


def logistic(z):
    return 1 / (1 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def hidden_activations(X, Wh, bh):
    return hidden.forward(X, Wh, bh)


def output_activations(H, Wo, bo):
    return out.forward(H, Wo, bo)


def nn(X, Wh, bh, Wo, bo):
    return output_activations(hidden_activations(X, Wh, bh), Wo, bo)


def nn_predict(X, Wh, bh, Wo, bo):
    return np.around(nn(X, Wh, bh, Wo, bo))


def cost(Y, T):
    return -np.sum(T * np.log(Y))


def error_output(Y, T):
    return Y - T


def gradient_weight_out(H, Eo):
    return H.T.dot(Eo)


def gradient_bias_out(Eo):
    return Eo.sum(axis=0, keepdims=True)


def error_hidden(H, Wo, Eo):
    return hidden.error(H, Wo, Eo)


def gradient_weight_hidden(X, Eh):
    return X.T.dot(Eh)


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
