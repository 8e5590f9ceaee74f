"""`grader storage gc`: stored files nothing refers to are removed once old enough;
uploads, plots of grading runs and recent files are kept."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import update

from grader.http_common import Services
from grader.models import GradingRun, Submission
from grader.operations import grade_submission
from tests.service_helpers import sign_in_admin

pytestmark = pytest.mark.databases


def make_old(path, seconds=7200):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_gc_removes_only_old_unreferenced_files(app, accepted, runner):
    svc = Services.of(app)
    store = svc.store
    sub = accepted("circles-softmax/correct.py")
    assert grade_submission(svc.db, store, sub.id) == "graded"
    with svc.db.session() as session:
        plots = dict(session.get(Submission, sub.id).latest_run.plots)
    assert plots
    orphan = store.put(b"an upload whose row was never committed")
    recent = store.put(b"an upload in flight")
    tmp = store.path(orphan).parent / ".tmp-interrupted"
    tmp.write_bytes(b"half a file")
    for path in [store.path(sub.blob_sha256), *map(store.path, plots.values()), tmp]:
        make_old(path)
    make_old(store.path(orphan))

    dry = runner("storage", "gc", "--dry-run")
    assert dry.exit_code == 0 and "would remove 2 unreferenced file(s)" in dry.output
    assert store.exists(orphan) and tmp.exists()

    result = runner("storage", "gc")
    assert result.exit_code == 0, result.output
    assert "removed 2 unreferenced file(s)" in result.output
    # the upload in flight, and what the run's plots were drawn from (drawn: unreferenced)
    assert "2 too recent" in result.output
    assert not store.exists(orphan) and not tmp.exists()
    assert store.exists(recent) and store.exists(sub.blob_sha256)
    assert all(store.exists(digest) for digest in plots.values())
    # the submission is still served, plots and all
    client = sign_in_admin(app, app.test_client())  # the pages show every submission to an admin
    assert client.get(f"/submissions/{sub.id}").status_code == 200
    name = next(iter(plots))
    assert client.get(f"/submissions/{sub.id}/plots/{name}.png").status_code == 200


def test_plots_of_a_dropped_run_are_collected(app, accepted, runner):
    svc = Services.of(app)
    sub = accepted("circles-softmax/correct.py")
    assert grade_submission(svc.db, svc.store, sub.id) == "graded"
    with svc.db.begin() as session:
        run = session.get(Submission, sub.id).latest_run
        digests = list(run.plots.values())
        session.execute(update(GradingRun).where(GradingRun.id == run.id).values(plots=None))
    for digest in digests:
        make_old(svc.store.path(digest))
    assert runner("storage", "gc").exit_code == 0
    assert not any(svc.store.exists(d) for d in digests)


def test_reuploading_an_old_file_makes_it_young(app):
    store = Services.of(app).store
    digest = store.put(b"same bytes")
    make_old(store.path(digest))
    assert store.put(b"same bytes") == digest
    assert time.time() - store.path(digest).stat().st_mtime < 60
