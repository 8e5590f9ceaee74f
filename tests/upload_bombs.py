"""Hostile and heavy notebooks, made as bytes in a fraction of a second (no nbformat,
no json.dumps of millions of cells), for the upload tests and the parsing benchmark.

Each is what an anonymous visitor could post through the web form: valid JSON that
costs far more to read than its size suggests, or a legitimate notebook that is
large only because of its plots."""

from __future__ import annotations

import base64
import json
import os

CODE_CELL = {
    "cell_type": "code",
    "execution_count": 1,
    "id": "c0de",
    "metadata": {},
    "outputs": [],
    "source": ["def sigmoid(x):\n", "    return x\n"],
}


def _notebook(cells: list[bytes]) -> bytes:
    head = b'{\n "cells": [\n'
    tail = b'\n ],\n "metadata": {},\n "nbformat": 4,\n "nbformat_minor": 5\n}\n'
    return head + b",\n".join(cells) + tail


def many_markdown_cells(cells: int = 1_100_000, megabytes: float = 65.6) -> bytes:
    """``cells`` small markdown cells filling ``megabytes``, then one code cell."""
    empty = b'{"cell_type": "markdown", "metadata": {}, "source": ""}'
    pad = max(0, int(megabytes * 1_000_000 / cells) - len(empty) - 2)
    cell = empty.replace(b'""', b'"' + b"x" * pad + b'"')
    return _notebook([json.dumps(CODE_CELL).encode()] + [cell] * cells)


def long_source_list(lines: int = 1_000_000) -> bytes:
    """One code cell whose source is a list of ``lines`` short lines."""
    source = b"[" + b", ".join([b'"x = 1\\n"'] * lines) + b"]"
    cell = json.dumps({**CODE_CELL, "source": "@"}).encode().replace(b'"@"', source)
    return _notebook([cell])


def deep_nesting_in_output(depth: int = 10_000_000) -> bytes:
    """A code cell whose output is an application/json value nested ``depth`` lists deep."""
    bomb = b"[" * depth + b"]" * depth
    output = {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {"application/json": "@"},
    }
    cell = json.dumps({**CODE_CELL, "outputs": [output]}).encode().replace(b'"@"', bomb)
    return _notebook([cell])


def many_values_in_output(values: int = 10_000_000) -> bytes:
    """A code cell whose output is an application/json list of ``values`` empty objects:
    small in bytes, about 70 bytes of Python object each once parsed."""
    bomb = b"[" + b",".join([b"{}"] * values) + b"]"
    output = {
        "output_type": "execute_result",
        "execution_count": 1,
        "metadata": {},
        "data": {"application/json": "@"},
    }
    cell = json.dumps({**CODE_CELL, "outputs": [output]}).encode().replace(b'"@"', bomb)
    return _notebook([cell])


def png_outputs(source: bytes, megabytes: float = 30, images: int = 10) -> bytes:
    """A real notebook (``source``, nbformat 4) with ``megabytes`` of PNG output spread over
    ``images`` plots on its first code cell, as Jupyter writes them (base64, one string)."""
    nb = json.loads(source)
    each = int(megabytes * 1_000_000 * 3 / 4 / images)
    outputs = [
        {
            "output_type": "display_data",
            "metadata": {},
            "data": {
                "image/png": base64.b64encode(b"\x89PNG\r\n\x1a\n" + os.urandom(each)).decode()
                + "\n",
                "text/plain": ["<Figure size 640x480 with 1 Axes>"],
            },
        }
        for _ in range(images)
    ]
    first = next(c for c in nb["cells"] if c["cell_type"] == "code")
    first["outputs"] = outputs
    return json.dumps(nb, indent=1).encode()
