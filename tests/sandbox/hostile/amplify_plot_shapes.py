"""Hostile submission for `circles-softmax`: every function is correct except `update_params`,
which after the last step returns a hidden bias of shape (400, 1, 1) in a result of a few
kilobytes. The trusted process used to run the reference forward pass over its 160 x 160
plot grid on those parameters (broadcast to 400 x 25600 x 3: the CLI took 131 s and 7.2 GiB
for K = 1000). Parameters of other shapes than the reference's must be refused before any
computation: the grader's own time and memory stay those of a normal grading.
"""

# ruff: noqa  (hostile on purpose: redefinitions, late imports, odd style)
MARKER = "HOSTILE-AMPLIFY-PLOT-SHAPES-k400"
print(MARKER)

import numpy as np


# Define the logistic function
def logistic(z):
    return 1 / (1 + np.exp(-z))


# Define the softmax function
def softmax(z):
    # shift by the row maximum so that large inputs do not overflow
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


# Function to compute the hidden activations
def hidden_activations(X, Wh, bh):
    return logistic(X.dot(Wh) + bh)


# Define output layer feedforward
def output_activations(H, Wo, bo):
    return softmax(H.dot(Wo) + bo)


# Define the neural network function
def nn(X, Wh, bh, Wo, bo):
    return output_activations(hidden_activations(X, Wh, bh), Wo, bo)


# Define the neural network prediction function that only returns
# 1 or 0 depending on the predicted class
def nn_predict(X, Wh, bh, Wo, bo):
    return np.around(nn(X, Wh, bh, Wo, bo))


# Define the cost function
def cost(Y, T):
    return -np.multiply(T, np.log(Y)).sum()


# Define the error function at the output
def error_output(Y, T):
    return Y - T


# Define the gradient function for the weight parameters at the output layer
def gradient_weight_out(H, Eo):
    return H.T.dot(Eo)


# Define the gradient function for the bias parameters at the output layer
def gradient_bias_out(Eo):
    return np.sum(Eo, axis=0, keepdims=True)


# Define the error function at the hidden layer
def error_hidden(H, Wo, Eo):
    # H * (1-H) * (E . Wo^T)
    return np.multiply(np.multiply(H, (1 - H)), Eo.dot(Wo.T))


# Define the gradient function for the weight parameters at the hidden layer
def gradient_weight_hidden(X, Eh):
    return X.T.dot(Eh)


# Define the gradient function for the bias parameters at the output layer
def gradient_bias_hidden(Eh):
    return np.sum(Eh, axis=0, keepdims=True)


# Define the update function to update the network parameters over 1 iteration
def backprop_gradients(X, T, Wh, bh, Wo, bo):
    # Compute the output of the network
    # Compute the activations of the layers
    H = hidden_activations(X, Wh, bh)
    Y = output_activations(H, Wo, bo)
    # Compute the gradients of the output layer
    Eo = error_output(Y, T)
    JWo = gradient_weight_out(H, Eo)
    Jbo = gradient_bias_out(Eo)
    # Compute the gradients of the hidden layer
    Eh = error_hidden(H, Wo, Eo)
    JWh = gradient_weight_hidden(X, Eh)
    Jbh = gradient_bias_hidden(Eh)
    return [JWh, Jbh, JWo, Jbo]


def update_velocity(X, T, ls_of_params, Vs, momentum_term, learning_rate):
    # ls_of_params = [Wh, bh, Wo, bo]
    # Js = [JWh, Jbh, JWo, Jbo]
    Js = backprop_gradients(X, T, *ls_of_params)
    return [momentum_term * V - learning_rate * J for V, J in zip(Vs, Js)]


def update_params(ls_of_params, Vs):
    # ls_of_params = [Wh, bh, Wo, bo]
    # Vs = [VWh, Vbh, VWo, Vbo]
    return [P + V for P, V in zip(ls_of_params, Vs)]


_steps = [0]


def update_params(ls_of_params, Vs):
    _steps[0] += 1
    params = [P + V for P, V in zip(ls_of_params, Vs)]
    if _steps[0] % 300 == 0:
        params[1] = np.ones((400, 1, 1)) * params[1]
    return params
