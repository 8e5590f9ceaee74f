"""Random inputs for checks, drawn in the trusted process from declarative specs."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.checks.fields import reject_unknown
from grader.errors import AssignmentError

GENERATORS = ("normal", "uniform", "onehot", "softmax", "constant", "list")
#: the keys an argument's table may have besides ``name`` and ``gen``, per generator
ARG_KEYS = {
    "normal": ("shape", "mean", "scale"),
    "uniform": ("shape", "low", "high"),
    "onehot": ("shape",),
    "softmax": ("shape",),
    "constant": ("value",),
    "list": ("items",),
}


def validate_arg(spec: Any, where: str, dims: list[dict]) -> None:
    """An argument's table: a known generator, known keys, and a shape whose names are
    dimensions of every ``dims`` table the check draws from."""
    if not isinstance(spec, dict):
        raise AssignmentError(f"{where}: each argument must be a table", field="args")
    gen = spec.get("gen")
    if gen not in GENERATORS:
        raise AssignmentError(
            f"{where}: argument {spec.get('name')!r} has unknown gen {gen!r} "
            f"(one of {', '.join(GENERATORS)})",
            field="gen",
        )
    what = f"{where}: argument {spec.get('name')!r}" if "name" in spec else where
    reject_unknown(spec, ("name", "gen", *ARG_KEYS[gen]), what)
    if gen == "list":
        for item in spec.get("items", []):
            validate_arg(item, where, dims)
    elif gen == "constant":
        if "value" not in spec:
            raise AssignmentError(f"{where}: constant argument needs a value", field="value")
    elif not isinstance(spec.get("shape", []), list):
        raise AssignmentError(f"{where}: shape must be a list", field="shape")
    else:
        for d in spec.get("shape", []):
            missing = [
                i for i, table in enumerate(dims) if not isinstance(d, int) and d not in table
            ]
            if missing:
                known = sorted({name for table in dims for name in table})
                raise AssignmentError(
                    f"{what}: unknown dimension {d!r} in its shape (dims"
                    + (f"[{missing[0]}]" if len(dims) > 1 else "")
                    + f" has {', '.join(map(repr, known)) or 'none'})",
                    field="shape",
                )


def _shape(spec: dict, dims: dict) -> tuple[int, ...]:
    out = []
    for d in spec.get("shape", []):
        if isinstance(d, int):
            out.append(d)
        elif d in dims:
            out.append(int(dims[d]))
        else:
            raise AssignmentError(f"argument {spec.get('name')!r}: unknown dimension {d!r}")
    return tuple(out)


def draw(spec: dict, dims: dict, rng: np.random.Generator) -> Any:
    gen = spec["gen"]
    if gen == "list":
        return [draw(item, dims, rng) for item in spec.get("items", [])]
    if gen == "constant":
        value = spec["value"]
        return np.array(value, dtype=float) if isinstance(value, list) else value
    shape = _shape(spec, dims)
    if gen == "normal":
        value = rng.normal(spec.get("mean", 0.0), spec.get("scale", 1.0), size=shape)
    elif gen == "uniform":
        value = rng.uniform(spec.get("low", 0.0), spec.get("high", 1.0), size=shape)
    elif gen == "onehot":
        n, c = shape
        value = np.zeros(shape)
        value[np.arange(n), rng.integers(0, c, size=n)] = 1.0
    else:  # softmax
        z = rng.normal(size=shape)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        value = e / e.sum(axis=-1, keepdims=True)
    return float(value) if shape == () else value


def describe(value: Any) -> str:
    """A short shape description for feedback: ``(7, 3)``, ``scalar``, ``list of 4``."""
    if isinstance(value, list):
        return "[" + ", ".join(describe(v) for v in value) + "]"
    arr = np.asarray(value)
    return "scalar" if arr.ndim == 0 else str(tuple(arr.shape))


def signature(function: str, names: list[str], values: list[Any]) -> str:
    parts = [f"{n} {describe(v)}" for n, v in zip(names, values, strict=True)]
    return f"{function}({', '.join(parts)})"
