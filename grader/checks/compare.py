"""Compare a student's raw output with the reference's: structure, shape, then values.

Values are compared the way the gradient check compares gradients: one relative
error for the whole array, ``|got - expected| / max(|got|, |expected|)`` (2-norms),
within a tolerance. Elementwise relative tolerances fail correct float32 code on
entries that are small because large terms cancel (their rounding is that of the
large terms), while the whole array is right to seven digits.

The default tolerance comes from measurements (``benchmarks/tolerances.py``, 50
seeds of every check of the built-in assignments): float64 solutions land at
1e-12 and below (gradient checks add the central difference's own error, up to
4e-6); float32 solutions at 1e-7 typically and 1.2e-5 at worst beyond the floor
below (a softmax of inputs of size 1000, whose float32 rounding alone moves the
result); every catalogue mistake at 6e-2 or more on the check that catches it.

One case the tolerance cannot cover: a float32 result that is tiny because of
cancellation, such as ``h * (1 - h)`` for a saturated sigmoid (its relative error
can reach 1e-2 although every operation was correctly rounded). So an output also
passes when every entry is within ``FLOAT32_ULPS`` float32 rounding steps of the
check's *scale*: the largest magnitude the reference's outputs reach at that
position over all the check's inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.sandbox.inside.codec import Unsupported

DEFAULT_TOLERANCE = 1e-4
FLOAT32_EPS = float(np.finfo(np.float32).eps)
FLOAT32_ULPS = 64


@dataclass
class Mismatch:
    """Why two outputs differ, in words for the student plus numbers for diagnosis."""

    message: str
    path: str = ""
    kind: str = "values"  # structure | type | shape | nonfinite | values
    rel_error: float | None = None
    worst_index: tuple[int, ...] | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def relative_error(expected: Any, got: Any) -> float:
    """The whole array's relative error; 0 when both are zero."""
    exp, arr = np.asarray(expected, dtype=float), np.asarray(got, dtype=float)
    # scaled first: the squares of values near 1e-300 (or 1e300) would under- or overflow
    unit = max(_magnitude(exp), _magnitude(arr))
    if unit == 0:
        return 0.0 if np.array_equal(exp, arr) else float("inf")
    exp, arr = exp / unit, arr / unit
    denom = max(float(np.linalg.norm(exp)), float(np.linalg.norm(arr)))
    return float(np.linalg.norm(exp - arr) / denom)


def rounding_floor(scale: float) -> float:
    """The largest difference float32 rounding of values of this magnitude can explain."""
    return FLOAT32_ULPS * FLOAT32_EPS * scale


def scales(outputs: list[Any]) -> Any:
    """The largest magnitude at each position of several outputs of one function (a list
    of arrays gives one number per array): the scale that ``compare`` measures rounding by."""
    first = outputs[0]
    if isinstance(first, (list, tuple)):
        return [
            scales([o[i] for o in outputs if isinstance(o, (list, tuple)) and len(o) > i])
            for i in range(len(first))
        ]
    found = [_magnitude(o) for o in outputs]
    return max(found, default=0.0)


def _magnitude(value: Any) -> float:
    try:
        arr = np.abs(np.asarray(value, dtype=float))
    except (TypeError, ValueError):
        return 0.0
    finite = arr[np.isfinite(arr)]
    return float(finite.max(initial=0.0))


def digits_to_tell(expected: float, got: float, digits: int = 6) -> int:
    """How many significant digits (at least ``digits``) make two numbers read differently."""
    for d in range(digits, 18):
        if f"{expected:.{d}g}" != f"{got:.{d}g}":
            return d
    return 17


def excerpt(value: Any, limit: int = 6, digits: int = 4, around: int = 0) -> str:
    """A few values of ``value`` (flattened), starting near the flat index ``around``."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.{max(digits, 6)}g}"
    flat = arr.ravel()
    start = max(0, min(around - limit // 2, flat.size - limit))
    shown = ", ".join(f"{v:.{digits}g}" for v in flat[start : start + limit])
    before = "..., " if start > 0 else ""
    after = ", ..." if start + limit < flat.size else ""
    return f"[{before}{shown}{after}]"


def _label(path: str, names: list[str] | None, index: int) -> str:
    name = names[index] if names and index < len(names) else f"item {index}"
    return f"{path}.{name}" if path else name


def compare(
    expected: Any,
    got: Any,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    scale: Any = None,
    atol: float = 0.0,
    names: list[str] | None = None,
    path: str = "",
) -> Mismatch | None:
    """None when ``got`` matches ``expected``: same structure and shapes, and per array a
    relative error within ``tolerance`` or every difference within float32 rounding of
    ``scale`` (from :func:`scales`; the array's own largest value when None) or ``atol``."""
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, list):
            return Mismatch(
                f"expected {len(expected)} values (a list or tuple), got {_what(got)}",
                path,
                "structure",
            )
        if len(got) != len(expected):
            return Mismatch(f"expected {len(expected)} values, got {len(got)}", path, "structure")
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            found = compare(
                e,
                g,
                tolerance=tolerance,
                scale=scale[i] if isinstance(scale, list) and i < len(scale) else None,
                atol=atol,
                path=_label(path, names, i),
            )
            if found:
                return found
        return None
    exp = np.asarray(expected, dtype=float)
    if got is None or isinstance(got, (Unsupported, list)):
        return Mismatch(f"expected an array of shape {_shape(exp)}, got {_what(got)}", path, "type")
    arr = np.asarray(got, dtype=float)
    if exp.size == 1 and arr.size == 1:
        arr, exp = arr.reshape(()), exp.reshape(())
    elif arr.shape != exp.shape:
        hint = ""
        if arr.ndim == 2 and arr.shape == exp.shape[::-1]:
            hint = " (the transpose of the expected shape)"
        elif arr.size == exp.size:
            hint = " (same number of values, different layout)"
        return Mismatch(
            f"expected shape {_shape(exp)}, got {_shape(arr)}{hint}",
            path,
            "shape",
            details={"expected_shape": list(exp.shape), "got_shape": list(arr.shape)},
        )
    if not np.all(np.isfinite(arr)) and np.all(np.isfinite(exp)):
        return Mismatch("contains NaN or infinity", path, "nonfinite")
    with np.errstate(invalid="ignore"):
        diff = np.abs(arr - exp)
    if np.array_equal(arr, exp, equal_nan=True):
        return None
    rel = relative_error(exp, arr)
    own = isinstance(scale, (int, float))
    floor = max(atol, rounding_floor(float(scale) if own else _magnitude(exp)))
    if rel <= tolerance or bool(np.all(diff <= floor)):
        return None
    return _values_differ(exp, arr, diff, rel, tolerance, path)


def _values_differ(
    exp: np.ndarray, arr: np.ndarray, diff: np.ndarray, rel: float, tolerance: float, path: str
) -> Mismatch:
    flat = int(np.nanargmax(np.where(np.isnan(diff), np.inf, diff)))
    worst = tuple(int(i) for i in np.unravel_index(flat, diff.shape)) if diff.ndim else ()
    x, y = float(exp[worst]), float(arr[worst])
    d = digits_to_tell(x, y)
    e, g = f"{x:.{d}g}", f"{y:.{d}g}"
    measure = f"relative error {rel:.2g}, tolerance {tolerance:.2g}"
    if not worst:
        message = f"values differ: expected {e}, got {g} ({measure})"
    else:
        digits = digits_to_tell(x, y, 4)
        message = (
            f"values differ ({measure}); largest difference at {list(worst)}: "
            f"expected {e}, got {g}; "
            f"expected {excerpt(exp, digits=digits, around=flat)}, "
            f"got {excerpt(arr, digits=digits, around=flat)}"
        )
    return Mismatch(
        message,
        path,
        "values",
        rel_error=rel,
        worst_index=worst,
        details={"tolerance": tolerance, "expected": float(exp[worst]), "got": float(arr[worst])},
    )


def _shape(arr: np.ndarray) -> str:
    return "scalar" if arr.ndim == 0 else str(tuple(arr.shape))


def _what(value: Any) -> str:
    if value is None:
        return "None (is a return statement missing?)"
    if isinstance(value, Unsupported):
        return value.what
    if isinstance(value, list):
        return f"a list of {len(value)} values"
    return f"an array of shape {_shape(np.asarray(value))}"
