"""Back-pressure: past GRADER_QUEUE_LIMIT waiting submissions, or once the oldest has
waited GRADER_QUEUE_MAX_AGE, uploads get 503 with Retry-After and nothing is stored;
what was accepted is graded all the same, and then uploads are taken again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from grader.http_common import Services
from grader.models import Submission, utcnow
from tests.service_helpers import assert_error, assert_error_page, count, post_file, upload

pytestmark = pytest.mark.databases


@pytest.fixture
def app_config(app_config):
    return {**app_config, "QUEUE_LIMIT": 2, "RATE_LIMIT_TOKEN": "3/minute"}


def test_uploads_past_the_queue_limit_get_503_and_nothing_is_lost(app, client, auth, grading):
    grading.stop()  # nothing grades: the queue fills
    assert [post_file(client, auth).status_code for _ in range(2)] == [202, 202]
    response = post_file(client, auth)
    error = assert_error(response, 503, "busy")
    assert int(response.headers["Retry-After"]) > 0
    assert "2 submissions are waiting" in error["message"] and "not saved" in error["message"]
    assert count(app) == 2

    grading.start()  # the runner comes back: what was accepted is graded
    assert grading.join(timeout=120)
    with Services.of(app).db.session() as s:
        assert {sub.status for sub in s.query(Submission)} == {"graded"}
    # the refused upload used up none of the token's 3 a minute
    assert post_file(client, auth).status_code == 202
    assert_error(post_file(client, auth), 429, "rate_limited")


def test_an_old_queue_refuses_uploads(app, client, auth):
    app.config.update(QUEUE_LIMIT=0, QUEUE_MAX_AGE=600)
    assert post_file(client, auth).status_code == 202
    with Services.of(app).db.begin() as s:  # it has waited 15 minutes
        s.execute(update(Submission).values(created_at=utcnow() - timedelta(minutes=15)))
    error = assert_error(post_file(client, auth), 503, "busy")
    assert "the oldest for 15 min" in error["message"]
    assert count(app) == 1


def test_no_limits_take_every_upload(app, client, auth):
    app.config.update(QUEUE_LIMIT=0, QUEUE_MAX_AGE=0, RATE_LIMIT_TOKEN="0/minute")
    assert {post_file(client, auth).status_code for _ in range(4)} == {202}


def test_the_upload_form_says_so_too(app, client, csrf_token):
    app.config["QUEUE_LIMIT"] = 1
    assert upload(client, csrf_token).status_code == 303
    response = upload(client, csrf_token)
    assert_error_page(response, 503, "The grader is busy")
    assert response.headers["Retry-After"]
    assert count(app) == 1
