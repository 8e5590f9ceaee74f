"""Comparing values the way they cross the sandbox boundary (shared by matching and facts)."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np

from grader.sandbox.inside import codec

RTOL = 1e-5
ATOL = 1e-8


def normalise(value: Any) -> Any:
    """What the value would look like after crossing the sandbox boundary."""
    return codec.decode(codec.encode(value))


def same(a: Any, b: Any, rtol: float = RTOL, atol: float = ATOL) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return (
            isinstance(a, list)
            and isinstance(b, list)
            and len(a) == len(b)
            and all(same(x, y, rtol, atol) for x, y in zip(a, b, strict=True))
        )
    if (
        a is None
        or b is None
        or isinstance(a, codec.Unsupported)
        or isinstance(b, codec.Unsupported)
    ):
        return False
    try:
        x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    except (TypeError, ValueError):
        return False
    if x.size == 1 and y.size == 1:
        x, y = x.reshape(()), y.reshape(())
    elif x.shape != y.shape:
        return False
    return bool(np.allclose(y, x, rtol=rtol, atol=atol, equal_nan=True))


def call_quietly(fn, values: list) -> Any:
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return normalise(fn(*copy.deepcopy(values)))
