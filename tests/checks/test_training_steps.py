"""The step checks of the convergence check (grader.checks.steps), in the trusted process.

Honest trainings in every style the assignments allow pass: full-batch or per sample
(in the data's order or shuffled), float32, a class that updates in place, a mean
loss; trainings that reach good parameters some other way fail, with a reason.
"""

from __future__ import annotations

import random
import types

import numpy as np
import pytest

from grader.assignment_folder import find
from grader.checks import steps

XOR = find("xor-mlp")
CIRCLES = find("circles-softmax")
XOR_CHECK = next(c for c in XOR.checks if c.kind == "convergence")
CIRCLES_CHECK = next(c for c in CIRCLES.checks if c.kind == "convergence")
backward = XOR.reference.backward
RATE = 0.3


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _init(seed, dtype=float):
    rng = np.random.default_rng(seed)
    shapes = [(2, 5), (1, 5), (5, 1), (1, 1)]
    return [rng.normal(size=s).astype(dtype) for s in shapes]


def full_batch(X, Y, epochs, seed, dtype=float, scale=1.0, mean=False):
    X, Y = X.astype(dtype), Y.astype(dtype)
    params = _init(seed, dtype)
    rate = dtype(RATE * scale)
    for _ in range(epochs):
        grads = backward(X, Y, *params) if dtype is float else _f32_backward(X, Y, *params)
        grads = [g / len(X) for g in grads] if mean else grads
        params = [p - rate * g.astype(dtype) for p, g in zip(params, grads, strict=True)]
    return params


def _f32_backward(X, Y, W1, b1, W2, b2):
    H = _sig(X @ W1 + b1)
    Yhat = _sig(H @ W2 + b2)
    d2 = (Yhat - Y) * Yhat * (1 - Yhat)
    d1 = d2 @ W2.T * H * (1 - H)
    return X.T @ d1, d1.sum(0, keepdims=True), H.T @ d2, d2.sum(0, keepdims=True)


def per_sample(X, Y, epochs, seed, dtype=float, shuffle=False):
    X, Y = X.astype(dtype), Y.astype(dtype)
    params = _init(seed, dtype)
    order = list(range(len(X)))
    random.seed(seed)
    for _ in range(epochs):
        if shuffle:
            random.shuffle(order)
        for i in order:
            grads = _f32_backward(X[i : i + 1], Y[i : i + 1], *params)
            params = [p - dtype(RATE) * g for p, g in zip(params, grads, strict=True)]
    return params


class Net:
    """Parameters kept in an object and updated in place."""

    def __init__(self, seed):
        self.params = _init(seed)

    def epoch(self, X, Y):
        for p, g in zip(self.params, backward(X, Y, *self.params), strict=True):
            p -= RATE * g


def in_a_class(X, Y, epochs, seed):
    net = Net(seed)
    for _ in range(epochs):
        net.epoch(X, Y)
    return [p.copy() for p in net.params]


def data(seed=4, swap=True):
    rng = np.random.default_rng(seed)
    return XOR_CHECK.run_data({"seed": seed, "order": rng.permutation(4).tolist(), "swap": swap})


HONEST = {
    "full batch": full_batch,
    "full batch, float32": lambda X, Y, e, s: full_batch(X, Y, e, s, dtype=np.float32),
    "full batch, mean loss": lambda X, Y, e, s: full_batch(X, Y, e, s, mean=True),
    "full batch, loss without 0.5": lambda X, Y, e, s: full_batch(X, Y, e, s, scale=2.0),
    "per sample, data order": per_sample,
    "per sample, shuffled": lambda X, Y, e, s: per_sample(X, Y, e, s, shuffle=True),
    "per sample, float32, shuffled": lambda X, Y, e, s: per_sample(
        X, Y, e, s, dtype=np.float32, shuffle=True
    ),
    "a class updating in place": in_a_class,
}


@pytest.mark.parametrize("style", sorted(HONEST))
@pytest.mark.parametrize("k", [1, 40, 2500])
def test_honest_epochs_are_gradient_steps(style: str, k: int) -> None:
    X, Y = data()
    train = HONEST[style]
    before, after = train(X, Y, k, 3), train(X, Y, k + 1, 3)
    assert steps.descent_step(backward, X, Y, before, after, RATE) is None


def _target(X, Y):
    W1 = np.zeros((2, 5))
    b1 = np.zeros((1, 5))
    W2 = np.zeros((5, 1))
    W1[:, 0], b1[0, 0], W1[:, 1], b1[0, 1] = 6.0, -3.0, 6.0, -9.0
    W2[0, 0], W2[1, 0] = 8.0, -8.0
    b2 = np.array([[-4.0]])
    if not np.allclose(Y[:, 0], [float(int(a) ^ int(b)) for a, b in X]):
        W2, b2 = -W2, -b2
    return [W1, b1, W2, b2]


def test_written_down_weights_fail() -> None:
    X, Y = data()
    saturated = [20 * p for p in _target(X, Y)]
    why = steps.descent_step(backward, X, Y, saturated, saturated, RATE)
    assert why and "too small" in why
    moderate = _target(X, Y)
    assert steps.descent_step(backward, X, Y, moderate, moderate, RATE) == (
        "the parameters did not change at all"
    )


def test_a_curve_towards_a_target_fails() -> None:
    X, Y = data()
    start, target = _init(3), _target(X, Y)

    def fake(epochs):
        share = 1 - np.exp(-epochs / 800)
        return [s + share * (t - s) for s, t in zip(start, target, strict=True)]

    why = steps.descent_step(backward, X, Y, fake(100), fake(101), RATE)
    assert why and "away from a gradient step" in why


def test_a_wrong_gradient_or_momentum_fails() -> None:
    X, Y = data()
    before = full_batch(X, Y, 200, 3)
    H, Yhat = XOR.reference.forward(X, *before)
    no_derivative = [H.T @ (Yhat - Y)]  # the output sigmoid's derivative dropped
    after = [p.copy() for p in before]
    after[2] -= RATE * no_derivative[0]
    assert steps.descent_step(backward, X, Y, before, after, RATE)
    previous = full_batch(X, Y, 199, 3)
    momentum = [  # a heavy-ball step: not plain gradient descent
        b - RATE * g + 0.9 * (b - p)
        for b, g, p in zip(before, backward(X, Y, *before), previous, strict=True)
    ]
    assert steps.descent_step(backward, X, Y, before, momentum, RATE)


# -- the momentum loop ------------------------------------------------------------------------


def loop(seed=5, swap=True, module=None, iterations=60) -> tuple:
    X, T = CIRCLES_CHECK.run_data({"seed": seed, "order": None, "swap": swap})
    init = [np.asarray(p, dtype=float) for p in CIRCLES.reference.init_params(seed)]
    from grader.sandbox.inside import training

    module = module or CIRCLES.reference
    final, _, records = training.momentum(
        module.update_velocity,
        module.update_params,
        X.copy(),
        T.copy(),
        [p.copy() for p in init],
        iterations=iterations,
        learning_rate=0.02,
        momentum=0.9,
        record=range(iterations),
    )
    return X, T, init, records, final


def check_loop(X, T, init, records, final, iterations=60):
    return steps.momentum_steps(
        CIRCLES.reference.backprop_gradients,
        X,
        T,
        init,
        records,
        [np.asarray(p, dtype=float) for p in final],
        iterations=iterations,
        learning_rate=0.02,
        momentum=0.9,
        functions=("update_velocity", "update_params"),
    )


def _module(update_velocity, update_params=None):
    ref = CIRCLES.reference
    return types.SimpleNamespace(
        update_velocity=update_velocity, update_params=update_params or ref.update_params
    )


def test_the_reference_loop_follows_the_update() -> None:
    assert check_loop(*loop()) is None


def test_a_float32_loop_follows_the_update() -> None:
    ref = CIRCLES.reference

    def update_velocity(X, T, params, Vs, mu, lr):
        f = np.float32
        grads = ref.backprop_gradients(X.astype(f), T.astype(f), *[p.astype(f) for p in params])
        return [(f(mu) * V.astype(f) - f(lr) * g.astype(f)) for V, g in zip(Vs, grads, strict=True)]

    def update_params(params, Vs):
        return [(p.astype(np.float32) + V) for p, V in zip(params, Vs, strict=True)]

    assert check_loop(*loop(module=_module(update_velocity, update_params))) is None


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")
def test_a_matrix_loop_updating_in_place_follows_the_update() -> None:
    ref = CIRCLES.reference

    def update_params(params, Vs):
        for p, V in zip(params, Vs, strict=True):
            p += V  # in place, and returns the same list
        return params

    def update_velocity(X, T, params, Vs, mu, lr):
        grads = ref.backprop_gradients(X, T, *params)
        return [np.asmatrix(mu * V - lr * g) for V, g in zip(Vs, grads, strict=True)]

    assert check_loop(*loop(module=_module(update_velocity, update_params))) is None


def test_a_jump_to_other_weights_fails() -> None:
    ref = CIRCLES.reference
    fitted = [np.full_like(p, 0.5) for p in ref.init_params(5)]

    def update_velocity(X, T, params, Vs, mu, lr):
        if update_velocity.calls == 30:  # honest, but for one iteration
            update_velocity.calls += 1
            return [w - p for w, p in zip(fitted, params, strict=True)]
        update_velocity.calls += 1
        return ref.update_velocity(X, T, params, Vs, mu, lr)

    update_velocity.calls = 0
    why = check_loop(*loop(module=_module(update_velocity)))
    assert why and why.startswith("at iteration 31, update_velocity's result")


def test_momentum_sign_and_parameter_update_are_checked() -> None:
    ref = CIRCLES.reference

    def wrong_sign(X, T, params, Vs, mu, lr):
        return ref.update_velocity(X, T, params, [-V for V in Vs], mu, lr)

    assert check_loop(*loop(module=_module(wrong_sign)))

    def minus(params, Vs):
        return [p - V for p, V in zip(params, Vs, strict=True)]

    why = check_loop(*loop(module=_module(ref.update_velocity, minus)))
    assert why == "at iteration 1, update_params did not return P + V"


def test_records_must_chain_from_the_grader_start_to_the_returned_parameters() -> None:
    X, T, init, records, final = loop()
    moved = [init[0] + 1, *init[1:]]
    assert "initial parameters" in check_loop(X, T, moved, records, final)
    other = [p + 1 for p in final]
    assert "last iteration" in check_loop(X, T, init, records, other)
    broken = [r.copy() for r in records]
    broken[1][10] += 1e-3  # iteration 11 starts elsewhere than iteration 10 ended
    assert "did not start where" in check_loop(X, T, init, broken, final)
    cut = [records[0], records[1][:, :3], *records[2:]]
    assert "sizes" in check_loop(X, T, init, cut, final)
