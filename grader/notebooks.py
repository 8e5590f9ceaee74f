"""The code cells of a notebook upload, read within bounds checked on the bytes first.

Anyone may post a notebook, and the web process reads it before accepting it.
Parsing JSON costs memory by the number of values, not by the bytes (``{}`` is
two bytes of JSON and about seventy of Python), and nbformat's schema validation
walks every output at about half a second of CPU per MB. So the counts that bound
the parse come from the bytes, at memory speed, before anything is parsed; the
JSON is then parsed once, and only what grading uses is checked: the cells, their
type and the source of the code cells. Outputs, plots and metadata are never
looked at, so a notebook heavy only with plots is read as fast as its code.
"""

from __future__ import annotations

import json
import re
from typing import Any

from grader.errors import SubmissionRejected

_STRUCTURAL = (b",", b":", b"[", b"{")
# a member keyed by a MIME type ("image/png": ...) whose string value is long: a plot or an
# attachment. The key's closing quote follows a name character, so it is never escaped.
_BIG_PAYLOAD = re.compile(rb'"[a-z]+/[-+.\w]+"\s*:\s*"(?=[^"\\]{4096})')
_MAX_QUOTES_TO_SCAN = 1_000_000


def count_cells(data: bytes) -> int:
    """An upper bound on the cells: every cell of every nbformat version names its type."""
    return data.count(b'"cell_type"')


def count_values(data: bytes) -> int:
    """An upper bound on the values and keys of a JSON document: after the first, each
    follows a comma, a colon or an opening bracket (those inside strings count too)."""
    return sum(data.count(char) for char in _STRUCTURAL) + 1


def check_size(data: bytes, *, max_cells: int, max_values: int) -> None:
    """Refuse, before any parsing, a notebook whose parse would cost too much."""
    cells = count_cells(data)
    if cells > max_cells:
        raise SubmissionRejected(
            f"the notebook has too many cells ({cells}; the limit is {max_cells})"
        )
    values = count_values(data)
    if values > max_values:
        raise SubmissionRejected(
            f"the notebook is too large to read (about {values} JSON values; the limit is "
            f"{max_values}): clear its outputs and upload it again"
        )


def without_payloads(data: bytes) -> bytes:
    """The document with the long strings of MIME bundles (plots, attachments) emptied, so
    a notebook of 30 MB of PNG is decoded and parsed as the few KB of JSON around them.

    Only a string that ends at the first quote after it is emptied (a base64 image has no
    escaped quote; anything else is left whole and parsed), and only in a document of at
    most a million quotes, so that the scan stays a few tens of milliseconds."""
    if data.count(b'"') > _MAX_QUOTES_TO_SCAN:
        return data
    pieces, kept = [], 0
    for match in _BIG_PAYLOAD.finditer(data):
        end = data.find(b'"', match.end())
        if end < 0 or data[end - 1] == ord("\\"):
            continue
        pieces.append(data[kept : match.end()])
        kept = end
    if not pieces:
        return data
    pieces.append(data[kept:])
    return b"".join(pieces)


def parse(text: str) -> Any:
    """The JSON document, or a one-line reason (deep nesting included: no traceback)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionRejected(
            f"the notebook is not valid JSON (line {exc.lineno}: {exc.msg}; is the file truncated?)"
        ) from exc
    except RecursionError as exc:
        raise SubmissionRejected(
            "the notebook is nested too deeply to read: clear its outputs and upload it again"
        ) from exc


def _unreadable(reason: str) -> SubmissionRejected:
    return SubmissionRejected(f"the notebook cannot be read: {reason}")


def _join_lines(lines: list[str], major: int) -> str:
    """Rejoin a source stored as a list of lines, as nbformat does for each version:
    version 4 keeps the line ends; older writers may have dropped them."""
    if major >= 4 or not lines or lines[0].endswith(("\n", "\r")):
        return "".join(lines)
    return "\n".join(lines)


def _cells(nb: dict[str, Any], major: int) -> list[Any]:
    if major in (2, 3):
        worksheets = nb.get("worksheets", [])
        if not isinstance(worksheets, list) or not all(
            isinstance(w, dict) and isinstance(w.get("cells", []), list) for w in worksheets
        ):
            raise _unreadable("'worksheets' is not a list of worksheets with cells")
        return [cell for w in worksheets for cell in w.get("cells", [])]
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise _unreadable("'cells' is not a list")
    return cells


def code_sources(nb: Any) -> list[str]:
    """The source of every code cell, in order, empty ones included (cells keep their
    numbers). Versions 1 to 4 of the format, as nbformat would upgrade them."""
    if not isinstance(nb, dict) or "cells" not in nb and "worksheets" not in nb:
        raise SubmissionRejected("the file is JSON but not a Jupyter notebook (no cells)")
    major = nb.get("nbformat", 3 if "worksheets" in nb else 4)
    if isinstance(major, bool) or major not in (1, 2, 3, 4):
        raise _unreadable(f"unsupported nbformat version {major!r}")
    key = {1: "code", 2: "input", 3: "input", 4: "source"}[major]
    sources = []
    for position, cell in enumerate(_cells(nb, major), 1):
        if not isinstance(cell, dict):
            raise _unreadable(f"cell {position} is not an object")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get(key, "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = _join_lines(source, major)
        if not isinstance(source, str):
            raise _unreadable(f"the source of cell {position} is not text")
        sources.append(source)
    return sources
