"""Which queued submissions a worker's sweep sends to the broker (grader.jobs.dispatch)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from grader.http_common import Services
from grader.jobs.dispatch import due_for_dispatch, mark_dispatched
from grader.models import Submission, utcnow

pytestmark = pytest.mark.databases


def age(app, sub_id, *, created=None, dispatched=None, status=None):
    values = {}
    if created is not None:
        values["created_at"] = utcnow() - timedelta(seconds=created)
    if dispatched is not None:
        values["dispatched_at"] = utcnow() - timedelta(seconds=dispatched)
    if status is not None:
        values["status"] = status
    with Services.of(app).db.begin() as session:
        session.execute(update(Submission).where(Submission.id == sub_id).values(**values))


def test_sweep_sends_unsent_and_long_waiting_rows_only(app, accepted):
    db = Services.of(app).db
    fresh = accepted().id  # the request that accepted it may still be publishing
    unsent = accepted().id
    age(app, unsent, created=120)
    sent_recently = accepted().id
    age(app, sent_recently, created=120, dispatched=10)
    sent_long_ago = accepted().id  # its message was lost with the broker's data
    age(app, sent_long_ago, created=2000, dispatched=1000)
    graded = accepted().id
    age(app, graded, created=120, status="graded")

    assert due_for_dispatch(db, grace=30, resend_after=900) == [sent_long_ago, unsent]
    everything = due_for_dispatch(db, grace=0, resend_after=0)
    assert set(everything) == {fresh, unsent, sent_recently, sent_long_ago}

    mark_dispatched(db, [unsent, sent_long_ago])
    assert due_for_dispatch(db, grace=30, resend_after=900) == []
