"""Reading uploads: bad input is rejected with one clear line, notebooks are prepared."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader.errors import SubmissionRejected
from grader.submissions import neutralise, read_submission


def notebook(*sources: str, nbformat_version: int = 4) -> bytes:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Homework")]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    return nbformat.writes(nb).encode()


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.py", b"", "empty"),
        ("a.py", b"   \n\n", "empty"),
        ("a.py", b"# only a comment\n", "no code"),
        ("a.py", b"\x7fELF\x02\x01\x01\x00\x00\x00garbage", "binary"),
        ("a.py", "x = 'caf\u00e9'\n".encode("latin-1"), "not UTF-8"),
        ("a.ipynb", b'{"cells": [{"cell_type": "code", "sou', "not valid JSON"),
        ("a.ipynb", b'{"hello": "world"}', "not a Jupyter notebook"),
        ("a.ipynb", b"[1, 2, 3]", "not a Jupyter notebook"),
        ("a.txt", b"print(1)", "only .py files"),
    ],
)
def test_rejected_with_reason(name: str, data: bytes, reason: str) -> None:
    with pytest.raises(SubmissionRejected) as info:
        read_submission(name, data)
    assert reason in info.value.message
    assert "\n" not in info.value.message


def test_notebook_without_code_is_rejected() -> None:
    with pytest.raises(SubmissionRejected, match="no code"):
        read_submission("a.ipynb", notebook("", "# just a comment"))


def test_code_over_the_limit_is_rejected() -> None:
    with pytest.raises(SubmissionRejected, match="too large"):
        read_submission("a.py", b"x = 1\n" * 1000, max_source_bytes=1000)


def test_stored_outputs_do_not_count_towards_the_code_limit() -> None:
    nb = nbformat.reads(notebook("print(1)").decode(), as_version=4)
    image = "A" * (30 * 1024 * 1024)
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"image/png": image})]
    sub = read_submission("big.ipynb", nbformat.writes(nb).encode(), max_source_bytes=1000)
    assert sub.source_bytes < 1000


def test_old_notebook_format_is_upgraded() -> None:
    v3 = {
        "nbformat": 3,
        "nbformat_minor": 0,
        "metadata": {},
        "worksheets": [
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "input": "def f(x):\n    return x",
                        "outputs": [],
                        "language": "python",
                    },
                ]
            }
        ],
    }
    sub = read_submission("old.ipynb", json.dumps(v3).encode())
    assert sub.kind == "notebook"
    assert "def f(x)" in sub.cells[0]["source"]


def test_cells_are_named_by_position() -> None:
    sub = read_submission("n.ipynb", notebook("a = 1", "", "b = 2"))
    assert [c["name"] for c in sub.cells] == ["code cell 1", "code cell 3"]
    assert sub.module == "__main__"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("%matplotlib inline\nx = 1", "pass\nx = 1\n"),
        ("!pip install numpy", "pass\n"),
        ("files = !ls", "files = []\n"),
        ("%time W = train(X)", "W = train(X)\n"),
        ("%%bash\nrm -rf /", "pass"),
        ("%%time\ny = 2", "y = 2\n"),
        ("%timeit -n 10 -r3 -q f(x)", "f(x)\n"),
        ("  %timeit  -n  10  g(a,  -b)", "  g(a,  -b)\n"),
        ("%prun -s cumtime -l 10 train(X)", "train(X)\n"),
        ("%%timeit -n 10\ny = f(-1)", "y = f(-1)\n"),
        ("t = %timeit -o f(x)", "t = []\n"),
        ("for i in range(2):\n    !echo hi", "for i in range(2):\n    pass\n"),
        ("np.dot?", "pass\n"),
        ("x = 5 % 3", "x = 5 % 3\n"),
    ],
)
def test_magics_are_neutralised(source: str, expected: str) -> None:
    assert neutralise(source) == expected
