import numpy as np


class Net:
    """The tutorial's network; every step is a method."""

    def logistic(self, z):
        return 1 / (1 + np.exp(-z))

    def softmax(self, z):
        e = np.exp(z - np.max(z, axis=1, keepdims=True))
        return e / np.sum(e, axis=1, keepdims=True)

    def hidden_activations(self, X, Wh, bh):
        return self.logistic(X.dot(Wh) + bh)

    def output_activations(self, H, Wo, bo):
        return self.softmax(H.dot(Wo) + bo)

    def nn(self, X, Wh, bh, Wo, bo):
        return self.output_activations(self.hidden_activations(X, Wh, bh), Wo, bo)

    def nn_predict(self, X, Wh, bh, Wo, bo):
        return np.around(self.nn(X, Wh, bh, Wo, bo))

    def cost(self, Y, T):
        return -np.multiply(T, np.log(Y)).sum()

    def error_output(self, Y, T):
        return Y - T

    def gradient_weight_out(self, H, Eo):
        return Eo.T.dot(H)

    def gradient_bias_out(self, Eo):
        return np.sum(Eo, axis=0, keepdims=True)

    def error_hidden(self, H, Wo, Eo):
        return np.multiply(np.multiply(H, 1 - H), Eo.dot(Wo.T))

    def gradient_weight_hidden(self, X, Eh):
        return X.T.dot(Eh)

    def gradient_bias_hidden(self, Eh):
        return np.sum(Eh, axis=0, keepdims=True)

    def backprop_gradients(self, X, T, Wh, bh, Wo, bo):
        H = self.hidden_activations(X, Wh, bh)
        Y = self.output_activations(H, Wo, bo)
        Eo = self.error_output(Y, T)
        JWo = self.gradient_weight_out(H, Eo).T
        Jbo = self.gradient_bias_out(Eo)
        Eh = self.error_hidden(H, Wo, Eo)
        return [self.gradient_weight_hidden(X, Eh), self.gradient_bias_hidden(Eh), JWo, Jbo]

    def update_velocity(self, X, T, ls_of_params, Vs, momentum_term, learning_rate):
        Js = self.backprop_gradients(X, T, *ls_of_params)
        return [momentum_term * V - learning_rate * J for V, J in zip(Vs, Js)]

    def update_params(self, ls_of_params, Vs):
        return [P + V for P, V in zip(ls_of_params, Vs)]


net = Net()
logistic = net.logistic
softmax = net.softmax
hidden_activations = net.hidden_activations
output_activations = net.output_activations
nn = net.nn
nn_predict = net.nn_predict
cost = net.cost
error_output = net.error_output
gradient_weight_out = net.gradient_weight_out
gradient_bias_out = net.gradient_bias_out
error_hidden = net.error_hidden
gradient_weight_hidden = net.gradient_weight_hidden
gradient_bias_hidden = net.gradient_bias_hidden
backprop_gradients = net.backprop_gradients
update_velocity = net.update_velocity
update_params = net.update_params
