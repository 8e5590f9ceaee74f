"""The keys a table of ``assignment.toml`` may have: a misspelled one is an error, not a
silently ignored option."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from grader.errors import AssignmentError


def reject_unknown(table: dict, known: Iterable[str], where: str) -> None:
    """Raise AssignmentError naming the first key of ``table`` not in ``known``, with the
    closest known key when there is one (``tolerence`` -> did you mean ``tolerance``?)."""
    known = sorted(set(known))
    for key in table:
        if key in known:
            continue
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}"
        raise AssignmentError(f"{where}: unknown key {key!r} ({hint})", field=key)
