"""The codec is the only door from the sandbox into the trusted process.

Whatever the sandbox sends, ``decode`` either returns plain numeric data (a float64,
int64 or bool ndarray, a list of such, None, or an ``Unsupported`` marker) or raises
``DecodeError``. Any other exception would escape the grading engine as "our bug".
"""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from grader.sandbox.inside import codec
from grader.sandbox.inside.codec import DecodeError, Unsupported, decode, encode


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def array(shape, data=b"", dtype="<f8"):
    return {"dtype": dtype, "shape": shape, "data": b64(data) if isinstance(data, bytes) else data}


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize(
    "value",
    [
        np.arange(12, dtype=float).reshape(3, 4),
        np.arange(6).reshape(2, 3),
        np.array([True, False]),
        np.float32(1.5),
        3,
        2.5,
        True,
        np.zeros((0, 3)),
    ],
)
def test_round_trip(value):
    back = decode(json.loads(json.dumps(encode(value))))
    assert type(back) is np.ndarray
    assert back.dtype.kind in "biuf"
    np.testing.assert_array_equal(back, np.asarray(value))


def test_round_trip_nested():
    value = (np.ones((2, 3)), [np.zeros(2), None], 1.0)
    back = decode(json.loads(json.dumps(encode(value))))
    assert isinstance(back, list) and len(back) == 3
    assert back[1][1] is None
    np.testing.assert_array_equal(back[0], np.ones((2, 3)))


def test_decoded_arrays_are_writable_copies():
    back = decode(encode(np.ones(3)))
    back[0] = 5.0  # frombuffer alone would be read-only
    assert back.flags.owndata or back.base is not None


# --------------------------------------------------------------------------- hostile values at encode time


def test_encode_never_trusts_subclasses_or_objects():
    class Always(np.ndarray):
        def __eq__(self, other):
            return np.ones(np.shape(other), dtype=bool)

    class Evil:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled!')",))

        def __eq__(self, other):
            return True

    class LyingFloat(float):
        def __eq__(self, other):
            return True

        __hash__ = float.__hash__

    out = json.loads(json.dumps(encode([np.zeros((2, 2)).view(Always), Evil(), LyingFloat(-1.0)])))
    a, evil, f = decode(out)
    assert type(a) is np.ndarray and not (a == 1).any()
    assert isinstance(evil, Unsupported)
    assert type(f) is np.ndarray and f == -1.0
    assert "Evil" in repr(evil)


@pytest.mark.parametrize(
    "value",
    [
        np.array([object(), 1], dtype=object),
        np.array(["a", "b"]),
        np.array([1 + 2j]),
        np.zeros(2, dtype=[("a", "f8")]),
        np.array([b"xx"]),
        10**100,
        "a string",
        b"\x80\x04pickle",
        {"a": 1},
        lambda: 1,
    ],
    ids=[
        "object",
        "str",
        "complex",
        "structured",
        "bytes-array",
        "bigint",
        "str",
        "bytes",
        "dict",
        "fn",
    ],
)
def test_encode_describes_what_it_cannot_send(value):
    out = encode(value)
    assert set(out) == {"unsupported"}
    assert isinstance(decode(out), Unsupported)


def test_encode_bounds_size_and_depth():
    assert "unsupported" in encode(np.zeros(codec.MAX_ELEMENTS + 1))
    assert "unsupported" in encode(np.zeros((1,) * (codec.MAX_NDIM + 1)))
    assert "unsupported" in encode(list(range(codec.MAX_ITEMS + 1)))
    deep = 1.0
    for _ in range(50):
        deep = [deep]
    out = json.loads(json.dumps(encode(deep)))
    decode(out)  # the too-deep part became a description, which decodes fine


# --------------------------------------------------------------------------- hostile values at decode time

MALFORMED = {
    "not-a-dict-list": [1, 2],
    "not-a-dict-str": "AAAA",
    "not-a-dict-int": 5,
    "not-a-dict-none": None,
    "not-a-dict-bool": True,
    "empty-dict": {},
    "list-not-list": {"list": "abc"},
    "list-of-non-dicts": {"list": [1, 2, 3]},
    "list-too-long": {"list": [{"none": True}] * (codec.MAX_ITEMS + 1)},
    "bad-base64": array([1], "!!!not base64!!!"),
    "base64-with-whitespace-junk": array([1], "AAAA AAAA AAA="),
    "base64-not-str": array([1], 12345),
    "base64-bytes-list": array([1], [0, 0, 0, 0, 0, 0, 0, 0]),
    "short-data": array([2, 2], b"\x00" * 8),
    "long-data": array([1], b"\x00" * 16),
    "int-data-float-shape": array([3], b"\x00" * 8, dtype="<i8"),
    "object-dtype": array([1], b"\x00" * 8, dtype="|O"),
    "object-dtype-name": array([1], b"\x00" * 8, dtype="object"),
    "str-dtype": array([1], b"\x00" * 4, dtype="<U1"),
    "complex-dtype": array([1], b"\x00" * 16, dtype="<c16"),
    "big-endian-float": array([1], b"\x00" * 8, dtype=">f8"),
    "float32": array([2], b"\x00" * 8, dtype="<f4"),
    "void-dtype": array([1], b"\x00" * 8, dtype="|V8"),
    "dtype-not-str": array([1], b"\x00" * 8, dtype=["f8"]),
    "dtype-missing": {"shape": [1], "data": b64(b"\x00" * 8)},
    "shape-not-list": array("3", b"\x00" * 24),
    "shape-dict": array({"0": 1}, b"\x00" * 8),
    "shape-negative": array([-1], b""),
    "shape-negative-pair": array([-2, -4], b"\x00" * 64),
    "shape-float": array([1.0], b"\x00" * 8),
    "shape-str": array(["1"], b"\x00" * 8),
    "shape-none": array([None], b"\x00" * 8),
    "shape-bool": array([True, True], b"\x00" * 8),
    "shape-too-many-dims": array([1] * (codec.MAX_NDIM + 1), b"\x00" * 8),
    "shape-huge": array([10**6, 10**6], b""),
    "shape-huge-int64": array([2**62, 4], b""),
    "shape-zero-times-huge": array([0, 2**63], b""),
    "shape-zero-times-bigint": array([0, 10**40], b""),
    "shape-zero-times-2-40-squared": array([0, 2**40, 2**40], b""),
    "deep-nesting": None,  # filled below
    "unsupported-not-str-is-fine?": None,  # filled below
}

deep = {"none": True}
for _ in range(codec.MAX_DEPTH + 5):
    deep = {"list": [deep]}
MALFORMED["deep-nesting"] = deep
del MALFORMED["unsupported-not-str-is-fine?"]


@pytest.mark.parametrize("obj", list(MALFORMED.values()), ids=list(MALFORMED))
def test_decode_rejects_malformed_values(obj):
    with pytest.raises(DecodeError):
        decode(obj)


def test_decode_rejects_malformed_values_found_inside_lists():
    for obj in MALFORMED.values():
        with pytest.raises(DecodeError):
            decode({"list": [{"none": True}, obj]})


def test_decode_survives_python_level_recursion_attempts():
    """A few thousand levels of ``{"list": [...]}`` must not reach Python's recursion limit."""
    deep = {"none": True}
    for _ in range(5000):
        deep = {"list": [deep]}
    with pytest.raises(DecodeError):
        decode(deep)


def test_decode_bool_data_is_plain():
    value = decode(array([3], b"\x00\x01\x02", dtype="|b1"))
    assert value.dtype == np.bool_ and value.shape == (3,)


def test_decode_special_floats_are_just_data():
    raw = np.array([np.nan, np.inf, -np.inf]).tobytes()
    value = decode(array([3], raw))
    assert np.isnan(value[0]) and np.isinf(value[1:]).all()


def test_unsupported_description_is_bounded_text():
    marker = decode({"unsupported": "x" * 100000})
    assert isinstance(marker, Unsupported) and len(marker.what) <= 200
    marker = decode({"unsupported": ["not", "a", "string"]})
    assert isinstance(marker, Unsupported) and isinstance(marker.what, str)


def test_decode_error_is_a_value_error_for_callers():
    assert issubclass(DecodeError, ValueError)
