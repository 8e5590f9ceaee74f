"""JSON request bodies, read within bounds by whoever reads them: the API's upload,
and Flask-WTF, which reads a form posted as JSON on the web pages too.

Python's parser costs memory by the number of values (``{}`` is two bytes of JSON
and about seventy of Python), raises RecursionError on deep nesting, and lets
``\\ud800`` through as a lone surrogate that no database or file can store. Each
of those would be a 500 or an unbounded parse in the web process; here each is a
400 (413 for too many values) in the one error shape, with a reason.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask.json.provider import DefaultJSONProvider

from grader.errors import GraderError
from grader.notebooks import count_values
from grader.uploads import LIMITS

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


class BadBody(GraderError):
    status_code = 400
    code = "bad_request"


class BodyTooLarge(GraderError):
    status_code = 413
    code = "too_large"


def loads(data: bytes | str, max_values: int = LIMITS.json_values) -> Any:
    """Parse a request body, or raise BadBody / BodyTooLarge with a one-line reason."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    values = count_values(raw)
    if values > max_values:
        raise BodyTooLarge(
            f"The JSON body has too many values (about {values}; the limit is {max_values})."
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadBody(f"The request body is not UTF-8 (bad byte at position {exc.start}).") from exc
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadBody(
            f"The request body is not valid JSON (line {exc.lineno} column {exc.colno}: {exc.msg})."
        ) from exc
    except RecursionError as exc:
        raise BadBody("The JSON body is nested too deeply.") from exc
    if _SURROGATE_ESCAPE.search(raw):
        where = lone_surrogate(body)
        if where is not None:
            raise BadBody(
                f"The JSON body holds half of a surrogate pair at {where}, which is not text."
            )
    return body


def lone_surrogate(value: Any) -> str | None:
    """Where the first string holding a lone surrogate is (``'content'``, ``'files[2]'``), if
    any. Iterative: the parser already refused what is nested too deeply to recurse."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str) and _SURROGATE.search(item):
            return f"'{path}'" if path else "the top level"
        if isinstance(item, dict):
            for key, child in item.items():
                inner = f"{path}.{key}" if path else key
                if _SURROGATE.search(key):
                    return f"a key of '{path}'" if path else "a key"
                stack.append((inner, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
    return None


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, whose ``loads`` (what ``request.get_json`` calls) is :func:`loads`. Its
    errors are not ValueError, so they reach the app's error handler with their reason
    instead of Werkzeug's generic 400, and ``silent=True`` does not hide a malformed body."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s) if not kwargs else super().loads(s, **kwargs)
