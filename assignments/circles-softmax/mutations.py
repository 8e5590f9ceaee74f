"""Mistakes specific to the circles / softmax assignment, for the diagnosis catalogue.

Each function takes the reference module first, then the arguments of the
reference function it replaces, and returns what the mistaken function returns.
The generic mistakes (sign, transpose, mean instead of sum, factor 2, order,
wrong axis, bias not summed) come with the grader and need no entry here.
"""

import numpy as np

from grader.diagnosis import mutation


@mutation(
    "softmax",
    "the softmax without subtracting the row maximum",
    explanation="exp(z) overflows for large inputs (exp(1000) is infinite) and the "
    "result becomes NaN",
    fix="subtract the row maximum first: e = np.exp(z - z.max(axis=1, keepdims=True)); "
    "this does not change the result mathematically",
)
def softmax_without_max_shift(ref, z):
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(np.asarray(z, dtype=float))
        return e / np.sum(e, axis=1, keepdims=True)


@mutation(
    "error_hidden",
    "the reference without the factor H * (1 - H)",
    explanation="the hidden layer's logistic derivative is missing",
    fix="multiply elementwise by H * (1 - H), the logistic's derivative written with its output H",
)
def missing_hidden_derivative(ref, H, Wo, Eo):
    return np.asarray(Eo, dtype=float) @ np.asarray(Wo, dtype=float).T


@mutation(
    "error_hidden",
    "the reference with logistic(H) * (1 - logistic(H)) instead of H * (1 - H)",
    explanation="the logistic's derivative is applied to the activation H as if it were "
    "the pre-activation: H is already logistic(Z), so the derivative is "
    "H * (1 - H)",
    fix="use H * (1 - H) directly, without calling logistic on H again",
)
def derivative_of_activation(ref, H, Wo, Eo):
    S = ref.logistic(H)
    return S * (1.0 - S) * (np.asarray(Eo, dtype=float) @ np.asarray(Wo, dtype=float).T)


@mutation(
    "backprop_gradients",
    "the reference returning the errors Eh and Eo in place of the weight gradients",
    explanation="the layer errors (deltas) are returned instead of the weight gradients "
    "X^T . Eh and H^T . Eo",
    fix="multiply by the layer's input: JWh = X.T @ Eh and JWo = H.T @ Eo",
)
def deltas_not_gradients(ref, X, T, Wh, bh, Wo, bo):
    H = ref.hidden_activations(X, Wh, bh)
    Y = ref.output_activations(H, Wo, bo)
    Eo = ref.error_output(Y, T)
    Eh = ref.error_hidden(H, Wo, Eo)
    return [Eh, ref.gradient_bias_hidden(Eh), Eo, ref.gradient_bias_out(Eo)]


@mutation(
    "update_velocity",
    "the reference with the momentum term's sign flipped",
    explanation="the velocity update subtracts the old velocity (-momentum * V) instead "
    "of keeping it (momentum * V)",
    fix="V = momentum_term * V - learning_rate * J",
)
def momentum_sign(ref, X, T, ls_of_params, Vs, momentum_term, learning_rate):
    Js = ref.backprop_gradients(X, T, *ls_of_params)
    return [
        -momentum_term * np.asarray(V, dtype=float) - learning_rate * J
        for V, J in zip(Vs, Js, strict=False)
    ]


@mutation(
    "update_velocity",
    "the reference with the gradient added instead of subtracted",
    explanation="the update climbs the cost (+ learning_rate * J) instead of descending it: "
    "gradient ascent",
    fix="V = momentum_term * V - learning_rate * J: step against the gradient",
)
def gradient_ascent(ref, X, T, ls_of_params, Vs, momentum_term, learning_rate):
    Js = ref.backprop_gradients(X, T, *ls_of_params)
    return [
        momentum_term * np.asarray(V, dtype=float) + learning_rate * J
        for V, J in zip(Vs, Js, strict=False)
    ]


@mutation(
    "update_params",
    "the reference subtracting the velocity",
    explanation="the parameters move against the velocity (P - V), but the velocity "
    "already points downhill",
    fix="P = P + V",
)
def update_sign(ref, ls_of_params, Vs):
    return [
        np.asarray(P, dtype=float) - np.asarray(V, dtype=float)
        for P, V in zip(ls_of_params, Vs, strict=False)
    ]
