"""Reading what a student uploaded: a .py file or a Jupyter notebook.

Anything that cannot be graded at all is rejected with a one-line reason.
Notebook cells are prepared here, in the trusted process: IPython magics and
shell lines are neutralised before the code ever reaches the sandbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from grader import notebooks
from grader.errors import SubmissionRejected
from grader.sandbox.inside.protocol import Cell

KEEP_BODY_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
KEEP_STATEMENT_LINE_MAGICS = {"time", "timeit", "prun"}
# options of those magics that take a value (`%timeit -n 10 -r 3 f(x)`, `%prun -s cumtime f(x)`)
MAGIC_VALUE_OPTIONS = {"timeit": "nrp", "prun": "lsTD", "time": ""}

_LINE_MAGIC = re.compile(r"^(\s*)(?:(\w[\w\s,\[\]\.]*?)\s*=\s*)?([%!])(%?)(\w*)(.*)$")


@dataclass(frozen=True)
class UploadLimits:
    """What reading one upload may cost. Anyone may post one and the web process reads it
    before accepting it, so each bound is checked on the bytes before the work it bounds:
    a refusal takes milliseconds, and reading stays within a small multiple of the file."""

    file_bytes: int = 64 * 1024 * 1024  # the whole file, plots included
    code_bytes: int = 2 * 1024 * 1024  # the code that runs: the .py file or the code cells
    cells: int = 2_000  # cells of a notebook, of every type
    json_values: int = 1_000_000  # values and keys of a notebook's JSON, outputs included


LIMITS = UploadLimits()


@dataclass
class StudentCode:
    """The code of one upload, as the cells the sandbox runs (one cell for a .py file)."""

    filename: str
    kind: str  # "python" | "notebook"
    cells: list[Cell] = field(default_factory=list)
    source_bytes: int = 0

    @property
    def module(self) -> str:
        return "__main__" if self.kind == "notebook" else "submission"


def _neutralise_line(line: str) -> str:
    match = _LINE_MAGIC.match(line)
    if not match:
        return line
    indent, target, bang, _, name, rest = match.groups()
    if bang == "%" and name in KEEP_STATEMENT_LINE_MAGICS and not target:
        statement = _strip_options(rest.strip(), MAGIC_VALUE_OPTIONS[name])
        if statement:
            return indent + statement
    if target:
        return f"{indent}{target} = []"
    return f"{indent}pass"


def _strip_options(rest: str, takes_value: str) -> str:
    """``-n 10 -r3 -q f(x)`` -> ``f(x)``: the statement a timing magic runs (once, here)."""
    while option := re.match(r"-([A-Za-z])(\S*)\s*", rest):
        rest = rest[option.end() :]
        if option[1] in takes_value and not option[2]:  # the value given apart: -n 10
            value = re.match(r"\S+\s*", rest)
            rest = rest[value.end() :] if value else rest
    return rest.strip()


def neutralise(source: str) -> str:
    """Turn IPython syntax into plain Python that does nothing harmful."""
    lines = source.splitlines()
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split()[0] if lines[0].lstrip()[2:].split() else ""
        if magic not in KEEP_BODY_CELL_MAGICS:
            return "pass"
        lines = lines[1:]
    out = []
    for line in lines:
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")) or re.match(r"^\s*[\w\.\[\]]+\s*=\s*[!%]", line):
            out.append(_neutralise_line(line))
        elif re.fullmatch(r"[\w\.]+\?\??", stripped):
            out.append(line[: len(line) - len(stripped)] + "pass")
        else:
            out.append(line)
    return "\n".join(out) + "\n"


def _has_code(source: str) -> bool:
    return any(line.strip() and not line.strip().startswith("#") for line in source.splitlines())


def _text(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise SubmissionRejected("the file is binary, not Python code or a notebook")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionRejected(
            f"the file is not UTF-8 text (bad byte at position {exc.start})"
        ) from exc


def _read_notebook(filename: str, data: bytes, limits: UploadLimits) -> StudentCode:
    notebooks.check_size(data, max_cells=limits.cells, max_values=limits.json_values)
    sources = notebooks.code_sources(notebooks.parse(_text(notebooks.without_payloads(data))))
    size = 0
    for index, source in enumerate(sources, 1):
        size += _code_bytes(source, f"code cell {index}")
        if size > limits.code_bytes:
            raise _too_large(size, limits.code_bytes)
    cells: list[Cell] = [
        {"name": f"code cell {index}", "source": neutralise(source)}
        for index, source in enumerate(sources, 1)
        if _has_code(source)
    ]
    return _finish(filename, "notebook", cells, limits.code_bytes)


def _code_bytes(source: str, where: str) -> int:
    """Its size in UTF-8; JSON may spell a lone surrogate, which no file can hold."""
    try:
        return len(source.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise SubmissionRejected(
            f"{where} contains an invalid character ({source[exc.start]!r} at position "
            f"{exc.start}, half of a surrogate pair)"
        ) from exc


def _too_large(size: int, limit: int) -> SubmissionRejected:
    return SubmissionRejected(
        f"the code is too large ({size // 1024} KiB; the limit is {limit // 1024} KiB)"
    )


def _finish(filename: str, kind: str, cells: list[Cell], max_source_bytes: int) -> StudentCode:
    size = sum(len(c["source"].encode()) for c in cells)
    if not cells:
        raise SubmissionRejected("the submission contains no code")
    if size > max_source_bytes:
        raise _too_large(size, max_source_bytes)
    return StudentCode(filename=filename, kind=kind, cells=cells, source_bytes=size)


def read_upload(filename: str, data: bytes, *, limits: UploadLimits = LIMITS) -> StudentCode:
    """Parse an upload, or raise SubmissionRejected with a one-line reason."""
    name = filename.rsplit("/", 1)[-1] or "submission"
    if len(data) > limits.file_bytes:
        raise SubmissionRejected(
            f"the file is too large ({len(data) // (1024 * 1024)} MiB; the limit is "
            f"{limits.file_bytes // (1024 * 1024)} MiB)"
        )
    if not data or data.isspace():
        raise SubmissionRejected("the file is empty")
    lower = name.lower()
    if not lower.endswith((".py", ".ipynb")):
        raise SubmissionRejected("only .py files and .ipynb notebooks can be graded")
    if lower.endswith(".ipynb"):
        return _read_notebook(name, data, limits)
    if len(data) > limits.code_bytes:
        raise _too_large(len(data), limits.code_bytes)
    text = _text(data)
    if not _has_code(text):
        raise SubmissionRejected("the submission contains no code")
    return _finish(name, "python", [{"name": name, "source": text}], limits.code_bytes)
