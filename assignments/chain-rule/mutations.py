"""Mistakes specific to the chain-rule assignment, for the diagnosis catalogue.

Each function takes the reference module first, then the arguments of the
reference function it replaces, and returns what the mistaken function returns.
The generic mistakes (sign, factor 2, order, ...) come with the grader.
"""

from grader.diagnosis import mutation


def _parts(ref, x, y, w1, w2):
    h, o = ref.forward(x, w1, w2)
    return h, o, 2.0 * (o - y)


@mutation(
    "grad_w2",
    "2 * J * o (1 - o) * h, with the cost J in place of (o - y)",
    explanation="the cost's value J is used where its derivative dJ/do = 2 (o - y) belongs",
    fix="dJ/dw2 = 2 (o - y) * o (1 - o) * h",
)
def loss_value_not_derivative(ref, x, y, w1, w2):
    h, o, _ = _parts(ref, x, y, w1, w2)
    return 2.0 * ref.cost(o, y) * o * (1.0 - o) * h


@mutation(
    "grad_w1",
    "2 * J * o (1 - o) * w2 * h (1 - h) * x, with the cost J in place of (o - y)",
    explanation="the cost's value J is used where its derivative dJ/do = 2 (o - y) belongs",
    fix="dJ/dw1 = 2 (o - y) * o (1 - o) * w2 * h (1 - h) * x",
    name="loss_value_not_derivative",
)
def loss_value_not_derivative_w1(ref, x, y, w1, w2):
    h, o, _ = _parts(ref, x, y, w1, w2)
    return 2.0 * ref.cost(o, y) * o * (1.0 - o) * w2 * h * (1.0 - h) * x


@mutation(
    "grad_w1",
    "the reference without the factor w2",
    explanation="the path from h to o passes through w2: do/dh = o (1 - o) * w2, and the "
    "w2 is missing",
    fix="multiply by w2 (do/dh = o (1 - o) w2)",
)
def missing_path_weight(ref, x, y, w1, w2):
    h, o, dJ_do = _parts(ref, x, y, w1, w2)
    return dJ_do * o * (1.0 - o) * h * (1.0 - h) * x


@mutation(
    "grad_w2",
    "the reference without the factor o (1 - o)",
    explanation="the output sigmoid's derivative o (1 - o) is missing",
    fix="multiply by o (1 - o)",
    name="missing_output_derivative",
)
def missing_output_derivative_w2(ref, x, y, w1, w2):
    h, o, dJ_do = _parts(ref, x, y, w1, w2)
    return dJ_do * h


@mutation(
    "grad_w1",
    "the reference without the factor o (1 - o)",
    explanation="the output sigmoid's derivative o (1 - o) is missing",
    fix="multiply by o (1 - o)",
    name="missing_output_derivative",
)
def missing_output_derivative_w1(ref, x, y, w1, w2):
    h, o, dJ_do = _parts(ref, x, y, w1, w2)
    return dJ_do * w2 * h * (1.0 - h) * x


@mutation(
    "grad_w1",
    "the reference without the factor h (1 - h)",
    explanation="the hidden sigmoid's derivative h (1 - h) is missing",
    fix="multiply by h (1 - h)",
)
def missing_hidden_derivative(ref, x, y, w1, w2):
    h, o, dJ_do = _parts(ref, x, y, w1, w2)
    return dJ_do * o * (1.0 - o) * w2 * x


def _sd_at(ref, a):
    s = ref.sigmoid(a)
    return s * (1.0 - s)


@mutation(
    "grad_w2",
    "the reference with sigmoid(o) (1 - sigmoid(o)) instead of o (1 - o)",
    explanation="the sigmoid's derivative is evaluated at the activation o as if it were "
    "the pre-activation: o is already sigmoid(z2), so the derivative is o (1 - o)",
    fix="use o * (1 - o) (or sigmoid'(w2 * h)), not sigmoid'(o)",
    name="derivative_of_activation",
)
def derivative_of_activation_w2(ref, x, y, w1, w2):
    h, o, dJ_do = _parts(ref, x, y, w1, w2)
    return dJ_do * _sd_at(ref, o) * h


@mutation(
    "grad_w1",
    "the reference with sigmoid'(o) and sigmoid'(h) evaluated at the activations",
    explanation="the sigmoid's derivative is evaluated at the activations o and h as if "
    "they were pre-activations: they are already sigmoid outputs, so the "
    "derivatives are o (1 - o) and h (1 - h)",
    fix="use o * (1 - o) and h * (1 - h), not sigmoid'(o) and sigmoid'(h)",
    name="derivative_of_activation",
)
def derivative_of_activation_w1(ref, x, y, w1, w2):
    h, o, dJ_do = _parts(ref, x, y, w1, w2)
    return dJ_do * _sd_at(ref, o) * w2 * _sd_at(ref, h) * x
