"""Compare a student's raw output with the reference's: structure, shape, then values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from grader.sandbox.codec import Unsupported


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


def excerpt(value: Any, limit: int = 6) -> str:
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return f"{float(arr):.6g}"
    flat = arr.ravel()
    shown = ", ".join(f"{v:.4g}" for v in flat[:limit])
    more = ", ..." if flat.size > limit else ""
    return f"[{shown}{more}]"


def relative_error(expected: np.ndarray, got: np.ndarray) -> float:
    denom = max(np.linalg.norm(expected) + np.linalg.norm(got), 1e-12)
    return float(np.linalg.norm(expected - got) / denom)


def _label(path: str, names: list[str] | None, index: int) -> str:
    name = names[index] if names and index < len(names) else f"item {index}"
    return f"{path}.{name}" if path else name


def compare(
    expected: Any,
    got: Any,
    *,
    rtol: float = 1e-6,
    atol: float = 1e-9,
    names: list[str] | None = None,
    path: str = "",
) -> Mismatch | None:
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
            found = compare(e, g, rtol=rtol, atol=atol, path=_label(path, names, i))
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
    if np.allclose(arr, exp, rtol=rtol, atol=atol):
        return None
    diff = np.abs(arr - exp)
    worst = (
        tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
        if diff.ndim
        else ()
    )
    rel = relative_error(exp, arr)
    if not worst:
        message = f"values differ (relative error {rel:.3g}): expected {float(exp):.6g}, got {float(arr):.6g}"
    else:
        message = (
            f"values differ (relative error {rel:.3g}); largest difference at {list(worst)}: "
            f"expected {exp[worst]:.6g}, got {arr[worst]:.6g}; "
            f"expected {excerpt(exp)}, got {excerpt(arr)}"
        )
    return Mismatch(message, path, "values", rel_error=rel, worst_index=worst)


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
