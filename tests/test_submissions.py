"""Reading uploads: bad input is rejected with one clear line, notebooks are prepared."""

from __future__ import annotations

import json

import nbformat
import pytest

from grader import notebooks
from grader.errors import SubmissionRejected
from grader.uploads import UploadLimits, neutralise, read_upload
from tests import upload_bombs
from tests.conftest import ROOT


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
        read_upload(name, data)
    assert reason in info.value.message
    assert "\n" not in info.value.message


def test_notebook_without_code_is_rejected() -> None:
    with pytest.raises(SubmissionRejected, match="no code"):
        read_upload("a.ipynb", notebook("", "# just a comment"))


def test_code_over_the_limit_is_rejected() -> None:
    with pytest.raises(SubmissionRejected, match="too large"):
        read_upload("a.py", b"x = 1\n" * 1000, limits=UploadLimits(code_bytes=1000))


def test_stored_outputs_do_not_count_towards_the_code_limit() -> None:
    nb = nbformat.reads(notebook("print(1)").decode(), as_version=4)
    image = "A" * (30 * 1024 * 1024)
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"image/png": image})]
    sub = read_upload(
        "big.ipynb", nbformat.writes(nb).encode(), limits=UploadLimits(code_bytes=1000)
    )
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
    sub = read_upload("old.ipynb", json.dumps(v3).encode())
    assert sub.kind == "notebook"
    assert "def f(x)" in sub.cells[0]["source"]


def test_cells_are_named_by_position() -> None:
    sub = read_upload("n.ipynb", notebook("a = 1", "", "b = 2"))
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


# -- reading notebooks within bounds ------------------------------------------------


def nbformat_sources(data: bytes) -> list[str]:
    """The code cells as nbformat reads them (the reader the grader used to run)."""
    nb = nbformat.reads(data.decode(), as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


def test_code_is_read_as_nbformat_reads_it() -> None:
    paths = sorted(ROOT.glob("submissions/*/*.ipynb")) + sorted(ROOT.glob("assignments/*/*.ipynb"))
    assert len(paths) >= 6
    for path in paths:
        data = path.read_bytes()
        assert notebooks.code_sources(json.loads(data)) == nbformat_sources(data), path


def test_plots_are_not_parsed_and_the_code_is_unchanged() -> None:
    source = (ROOT / "submissions" / "circles-softmax" / "correct.ipynb").read_bytes()
    data = upload_bombs.png_outputs(source, megabytes=3, images=3)
    stripped = notebooks.without_payloads(data)
    assert len(stripped) < len(source) + 10_000 < len(data)
    assert notebooks.code_sources(json.loads(stripped)) == nbformat_sources(data)


def test_a_payload_spelled_inside_code_is_code() -> None:
    """Quotes inside a JSON string are escaped, so a MIME-keyed literal in a cell's code is
    never taken for an output; nor is an output string holding escaped quotes emptied."""
    literal = "A" * 5000
    code = f'plot = {{"image/png": "{literal}"}}\nhtml = "<b>{literal}</b>"\n'
    nb = nbformat.reads(notebook(code).decode(), as_version=4)
    html = "B" * 5000 + '<i class="x">!</i>'  # long enough to look like a plot, then a quote
    nb.cells[1].outputs = [nbformat.v4.new_output("display_data", data={"text/html": html})]
    data = nbformat.writes(nb).encode()
    assert notebooks.without_payloads(data) == data
    assert read_upload("n.ipynb", data).cells[0]["source"] == code


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: upload_bombs.many_markdown_cells(3000, 0.3), "too many cells (3001; the limit"),
        (lambda: upload_bombs.long_source_list(1_100_000), "too large to read"),
        (lambda: upload_bombs.many_values_in_output(600_000), "too large to read"),
        (lambda: upload_bombs.deep_nesting_in_output(100_000), "nested too deeply"),
        (lambda: upload_bombs.long_source_list(500_000), "the code is too large"),
        (lambda: notebook("x = 1").replace(b"x = 1", b"x = '\\ud800'"), "surrogate"),
        (lambda: b'{"nbformat": 5, "cells": []}', "unsupported nbformat version 5"),
        (lambda: b'{"nbformat": 4, "cells": {}}', "'cells' is not a list"),
        (lambda: b'{"nbformat": 4, "cells": ["x = 1"]}', "cell 1 is not an object"),
        (lambda: b'{"cells": [{"cell_type": "code", "source": 7}]}', "is not text"),
        (lambda: b'{"nbformat": 3, "worksheets": [7]}', "'worksheets' is not a list"),
    ],
)
def test_notebooks_beyond_the_limits_are_refused_with_a_reason(make, reason: str) -> None:
    with pytest.raises(SubmissionRejected) as info:
        read_upload("n.ipynb", make())
    assert reason in info.value.message
    assert "\n" not in info.value.message


def test_limits_are_adjustable() -> None:
    data = notebook("a = 1", "b = 2")
    assert len(read_upload("n.ipynb", data).cells) == 2
    with pytest.raises(SubmissionRejected, match="too many cells"):
        read_upload("n.ipynb", data, limits=UploadLimits(cells=2))
    with pytest.raises(SubmissionRejected, match="too large to read"):
        read_upload("n.ipynb", data, limits=UploadLimits(json_values=20))


def test_a_python_file_over_the_code_limit_is_refused_before_decoding() -> None:
    with pytest.raises(SubmissionRejected, match="code is too large"):
        read_upload("a.py", b"\xff" * 3_000_000)


def test_notebook_without_version_or_old_versions() -> None:
    cell = {"cell_type": "code", "source": ["a = 1\n", "b = 2"], "outputs": []}
    assert read_upload("n.ipynb", json.dumps({"cells": [cell]}).encode()).cells
    v3 = {
        "nbformat": 3,
        "worksheets": [{"cells": [{"cell_type": "code", "input": ["a = 1", "b"]}]}],
    }
    assert read_upload("n.ipynb", json.dumps(v3).encode()).cells[0]["source"] == "a = 1\nb\n"
    v1 = {"nbformat": 1, "cells": [{"cell_type": "code", "code": "a = 1"}]}
    assert read_upload("n.ipynb", json.dumps(v1).encode()).cells[0]["source"] == "a = 1\n"
