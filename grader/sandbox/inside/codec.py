"""Plain-data encoding of values that cross the sandbox boundary.

Arrays travel as JSON objects holding the dtype, the shape and the raw bytes in
base64; nothing is ever unpickled. This module is copied into the sandbox next
to the harness, so it imports only the standard library and numpy.
"""

from __future__ import annotations

import base64
import math

import numpy as np

ALLOWED_KINDS = "biuf"
MAX_DEPTH = 4
MAX_ITEMS = 64
MAX_ELEMENTS = 4_000_000
MAX_NDIM = 4


class DecodeError(ValueError):
    """A value from the sandbox is not plain numeric data within the limits."""


def encode(value, depth: int = 0):
    """Encode a student's return value; anything unexpected is described, not sent."""
    if depth > MAX_DEPTH:
        return {"unsupported": "nesting too deep"}
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_ITEMS:
            return {"unsupported": f"a {type(value).__name__} of {len(value)} items"}
        return {"list": [encode(v, depth + 1) for v in value]}
    if value is None:
        return {"none": True}
    if isinstance(value, (bool, int, float, np.generic, np.ndarray)):
        arr = np.asarray(value)
        if arr.dtype.kind not in ALLOWED_KINDS:
            return {"unsupported": f"an array of dtype {arr.dtype}"}
        if arr.dtype.kind in "iu":
            arr = arr.astype(np.int64)
        elif arr.dtype.kind == "f":
            arr = arr.astype(np.float64)
        if arr.size > MAX_ELEMENTS or arr.ndim > MAX_NDIM:
            return {"unsupported": f"an array of shape {arr.shape}"}
        return {
            "dtype": arr.dtype.str,
            "shape": list(arr.shape),
            "data": base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii"),
        }
    return {"unsupported": f"a value of type {type(value).__name__}"}


_DTYPES = {np.dtype(t).str: np.dtype(t) for t in ("float64", "int64", "bool")}


def decode(obj, depth: int = 0):
    """Rebuild a value; raises DecodeError on anything but well-formed numeric data.

    Unsupported values decode to an ``Unsupported`` marker so feedback can say
    what the student returned.
    """
    if depth > MAX_DEPTH + 1 or not isinstance(obj, dict):
        raise DecodeError("malformed value")
    if "list" in obj:
        items = obj["list"]
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise DecodeError("malformed list")
        return [decode(v, depth + 1) for v in items]
    if "none" in obj:
        return None
    if "unsupported" in obj:
        return Unsupported(str(obj["unsupported"])[:200])
    dtype = _DTYPES.get(obj["dtype"]) if isinstance(obj.get("dtype"), str) else None
    shape = obj.get("shape")
    data = obj.get("data")
    if dtype is None or not isinstance(shape, list) or not isinstance(data, str):
        raise DecodeError("malformed array")
    if len(shape) > MAX_NDIM or not all(type(d) is int and 0 <= d <= MAX_ELEMENTS for d in shape):
        raise DecodeError("malformed array shape")
    size = math.prod(shape)
    if size > MAX_ELEMENTS:
        raise DecodeError("array too large")
    try:
        raw = base64.b64decode(data, validate=True)
    except ValueError as exc:
        raise DecodeError("malformed array data") from exc
    if len(raw) != size * dtype.itemsize:
        raise DecodeError("array data does not match its shape")
    try:
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    except (ValueError, TypeError) as exc:
        raise DecodeError("malformed array") from exc


class Unsupported:
    """Stands for a returned value that is not numeric data (e.g. a string or an object)."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __repr__(self) -> str:
        return f"<{self.what}>"
