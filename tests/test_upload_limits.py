"""Hostile notebooks posted anonymously through the web form, and by an LMS through the
API, are refused by cheap limits within a fraction of a second, and the server's memory
grows by little more than the upload itself; a notebook heavy only with plots is still
accepted, as fast, its plots never decoded. Each request is timed, then made again with
its Python allocations traced."""

from __future__ import annotations

import io
import re
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from grader.uploads import LIMITS
from tests import upload_bombs
from tests.service_helpers import SUBMISSIONS, assert_error, count

MB = 1_000_000
# a bound, not a benchmark: the same requests took 35 s and more before the limits and take
# well under a second now (benchmarks/upload_parsing.py). CPU seconds of the thread that
# serves the request, not wall time: other processes on a loaded machine do not count
SECONDS = 10.0

HOSTILE = {
    "markdown_cells_1.1M": (
        lambda: upload_bombs.many_markdown_cells(1_100_000, 65.6),
        "too many cells",
    ),
    "source_list_1M_lines": (lambda: upload_bombs.long_source_list(1_000_000), "too large"),
    "source_list_900k_lines": (lambda: upload_bombs.long_source_list(900_000), "code is too"),
    "nesting_in_output_400k": (
        lambda: upload_bombs.deep_nesting_in_output(400_000),
        "nested too deeply",
    ),
    "values_in_output_10M": (
        lambda: upload_bombs.many_values_in_output(10_000_000),
        "too large to read",
    ),
}


@pytest.fixture(scope="module")
def made() -> Callable[[str], bytes]:
    """Each notebook made once per module (the biggest takes a second to make)."""
    cache: dict[str, bytes] = {}

    def get(name: str) -> bytes:
        if name not in cache:
            cache.clear()  # keep one at a time: they are tens of MB each
            if name == "png_outputs_30MB":
                source = (SUBMISSIONS / "circles-softmax" / "correct.ipynb").read_bytes()
                cache[name] = upload_bombs.png_outputs(source, 30)
            else:
                cache[name] = HOSTILE[name][0]()
        return cache[name]

    return get


def measured(post: Callable[[], Any]) -> tuple[Any, float, int]:
    """(response, CPU seconds, peak bytes) of a request made twice: timed, then with its
    Python allocations traced (tracing slows allocation-heavy parsing many times over).
    The test client serves the request in this thread: its CPU time is the request's."""
    start = time.thread_time()
    response = post()
    seconds = time.thread_time() - start
    tracemalloc.start()
    try:
        again = post()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert again.status_code == response.status_code
    return response, seconds, peak


def form_post(client: Any, csrf: str, data: bytes, filename: str = "hw.ipynb") -> Any:
    form = {"file": (io.BytesIO(data), filename), "csrf_token": csrf}
    return client.post(
        "/assignments/circles-softmax", data=form, content_type="multipart/form-data"
    )


def api_post(client: Any, auth: dict[str, str], data: bytes, filename: str = "hw.ipynb") -> Any:
    return client.post(
        "/api/v1/assignments/circles-softmax/submissions",
        headers=auth,
        data={"file": (io.BytesIO(data), filename), "student": "s-1"},
        content_type="multipart/form-data",
    )


def assert_cheap(seconds: float, peak: int, data: bytes) -> None:
    """Fast, and memory: the upload read once into bytes, plus at most what the documented
    limit on JSON values allows (about 80 bytes of Python objects each)."""
    assert seconds < SECONDS, seconds
    assert peak < len(data) + LIMITS.json_values * 80, (peak, len(data))


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_notebook_through_the_web_form_is_refused_cheaply(
    app, client, csrf_token, made, name
):
    data, reason = made(name), HOSTILE[name][1]
    csrf = csrf_token("circles-softmax")
    response, seconds, peak = measured(lambda: form_post(client, csrf, data))
    assert response.status_code == 422
    errors = re.search(r'id="file-errors">(.*?)</div>', response.get_data(as_text=True))
    assert errors and reason in errors.group(1), response.get_data(as_text=True)[:2000]
    assert_cheap(seconds, peak, data)
    assert count(app) == 0


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_notebook_through_the_api_is_refused_cheaply(app, client, auth, made, name):
    data, reason = made(name), HOSTILE[name][1]
    response, seconds, peak = measured(lambda: api_post(client, auth, data))
    error = assert_error(response, 422, "submission_rejected")
    assert reason in error["message"]
    assert_cheap(seconds, peak, data)
    assert count(app) == 0


def test_a_notebook_as_a_json_body_is_bounded_too(app, client, auth, made):
    """The API's JSON upload carries the notebook as a string: its values count there too."""
    data = made("values_in_output_10M")
    body = b'{"filename": "hw.ipynb", "content": "' + data.replace(b'"', b'\\"') + b'"}'
    response, seconds, peak = measured(
        lambda: client.post(
            "/api/v1/assignments/circles-softmax/submissions",
            headers={**auth, "Content-Type": "application/json"},
            data=body,
        )
    )
    assert "too many values" in assert_error(response, 413, "too_large")["message"]
    assert_cheap(seconds, peak, body)


def test_a_notebook_heavy_with_plots_is_accepted_quickly(app, client, auth, csrf_token, made):
    data = made("png_outputs_30MB")
    csrf = csrf_token("circles-softmax")
    response, seconds, peak = measured(lambda: form_post(client, csrf, data))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert seconds < SECONDS and peak < len(data) + 16 * MB, (seconds, peak, len(data))
    response, seconds, peak = measured(lambda: api_post(client, auth, data))
    assert response.status_code == 202, response.get_json()
    assert seconds < SECONDS and peak < len(data) + 16 * MB, (seconds, peak, len(data))
    assert count(app) == 4
