"""The words of a composed mutation: what it matches, why it is a mistake, and the fix
(always the reference's own code at that place, never the student's)."""

from __future__ import annotations

ACTIVATION_NAMES = {
    "tanh": "np.tanh",
    "relu": "a ReLU (np.maximum(z, 0))",
    "identity": "no activation",
}


def words(kind: str, site: str, new: str, function: str) -> tuple[str, str, str]:
    """(matches, explanation, fix) of a composed mutation; the fix is the reference's own
    code at that place, never the student's."""
    every = site.startswith("every ")
    if kind.startswith("activation_"):
        what = ACTIVATION_NAMES[kind.removeprefix("activation_")]
        where = "everywhere" if every else f"in `{site}`"
        return (
            f"the reference with {what} in place of the logistic sigmoid {where}",
            f"{what} is used where the logistic sigmoid 1 / (1 + exp(-z)) is asked "
            "(tanh has outputs in (-1, 1), the sigmoid in (0, 1))",
            "use the logistic sigmoid 1 / (1 + np.exp(-z))",
        )
    if kind == "derivative_preactivation":
        at = "every place" if every else f"`{site}`"
        return (
            f"the reference with the sigmoid's derivative taken at the pre-activation at {at}",
            "the derivative written with the sigmoid's output, a * (1 - a), is applied to the "
            f"pre-activation z{f' instead of to `{new}`' if new else ''}: a must be the "
            "activation sigmoid(z), not z",
            f"take the derivative at the activation: {site if not every else 'a * (1 - a) with a = sigmoid(z)'}",
        )
    if kind == "derivative_squashed":
        return (
            "the reference with the sigmoid applied again before its derivative"
            + ("" if every else f" at `{site}`"),
            f"`{new or 'the activation'}` is already the sigmoid's output: squashing it again "
            "(sigmoid of the activation, as if it were the pre-activation) gives the wrong slope",
            f"use {site if not every else 'a * (1 - a)'} on the activation itself, without "
            "applying the sigmoid to it again",
        )
    if kind == "derivative_twice":
        return (
            "the reference with the sigmoid's derivative applied twice"
            + ("" if every else f" (`{site}` twice)"),
            "the activation's derivative is multiplied in twice (once is already in the error "
            "that comes back)",
            "apply the derivative once per layer",
        )
    if kind == "derivative_missing":
        return (
            "the reference without the sigmoid's derivative" + ("" if every else f" `{site}`"),
            "the factor of the sigmoid's derivative is missing",
            f"multiply by {site if not every else 'a * (1 - a) at every layer'}",
        )
    if kind == "factor_missing":
        return (
            f"the reference without the factor `{site}`",
            f"the factor `{site}` of the chain rule is missing",
            f"multiply by `{site}`",
        )
    if kind == "reversed":
        return (
            f"the reference with `{new}` instead of `{site}`",
            f"the subtraction `{site}` is the wrong way round: the sign is flipped",
            f"use `{site}`",
        )
    if kind == "sign":
        return (
            f"the reference with `{new}` instead of `{site}`",
            f"the sign of a term is flipped: `+` where `{site}` subtracts (a step added "
            "instead of subtracted climbs the cost: gradient ascent)",
            f"use `{site}`",
        )
    if kind == "axis":
        return (
            f"the reference with `{new}` instead of `{site}`",
            "a reduction runs over the wrong axis (axis 0 runs over the samples, axis 1 over "
            "the units of each sample)",
            f"reduce as in `{site}`",
        )
    if kind == "mean":
        return (
            f"the reference with `{new}` instead of `{site}`",
            "a mean where the assignment sums (off by the number of samples)",
            f"sum: `{site}`",
        )
    if kind == "preactivation_passed":
        return (
            f"the reference passing the pre-activation of `{new}` to `{site.split('(')[0]}`",
            f"`{site.split('(')[0]}` gets the pre-activation z where it expects the activation "
            f"`{new}` = sigmoid(z): the derivative inside it is then taken at the pre-activation",
            f"pass the activation `{new}` (the sigmoid's output), as in `{site}`",
        )
    if kind == "squashed_passed":
        return (
            f"the reference passing sigmoid(`{new}`) to `{site.split('(')[0]}`",
            f"`{new}` is already the sigmoid's output: squashing it again before passing it to "
            f"`{site.split('(')[0]}` applies the activation twice",
            f"pass `{new}` itself, as in `{site}`",
        )
    raise ValueError(kind)
