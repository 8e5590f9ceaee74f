"""Feedback plots in the service: rendered after grading from what the sandbox returned,
kept in the file store, shown on the result page and served by the web and the API."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select

from grader.http_common import Services
from grader.models import GradingRun, Submission
from grader.operations import grade_submission
from tests.service_helpers import sign_in_admin, submit_file

PNG = b"\x89PNG\r\n\x1a\n"


def submit(client, auth, fixture_file, slug, name, student="p1"):
    return submit_file(client, auth, slug, fixture_file(f"{slug}/{name}"), name, student)


def test_plots_are_stored_shown_and_served(app, client, auth, grading, fixture_file):
    sign_in_admin(app, client)  # the pages: an admin sees every submission
    good = submit(client, auth, fixture_file, "circles-softmax", "correct.py")
    broken = submit(client, auth, fixture_file, "circles-softmax", "syntax_error.py")
    assert grading.join(timeout=180)

    # the run records name -> sha256 of PNGs that are in the file store
    store = Services.of(app).store
    with Services.of(app).db.session() as session:
        run = session.scalars(select(GradingRun).where(GradingRun.submission_id == good)).one()
        assert run.status == "graded"
        plots = dict(run.plots or {})
    assert "circles-converges-loss" in plots and "circles-converges-boundary" in plots
    for digest in plots.values():
        assert store.get(digest).startswith(PNG)

    # API: a URL per plot, each one a PNG
    body = client.get(f"/api/v1/submissions/{good}", headers=auth).get_json()
    assert body["score"] == body["max_score"]
    assert [p["name"] for p in body["plots"]] == list(plots)
    for plot in body["plots"]:
        assert plot["url"].endswith(f"/api/v1/submissions/{good}/plots/{plot['name']}")
        response = client.get(plot["url"], headers=auth)
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.data.startswith(PNG)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        again = client.get(plot["url"], headers={**auth, "If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    listed = client.get("/api/v1/submissions?assignment=circles-softmax", headers=auth).get_json()
    assert {s["id"]: len(s["plots"]) for s in listed} == {good: len(plots), broken: 0}

    # the plot routes need the token like every other API route
    url = body["plots"][0]["url"]
    assert client.get(url).status_code == 401

    # unknown names, path tricks and unknown submissions: 404 with the JSON error shape
    for path in (
        f"/api/v1/submissions/{good}/plots/nope",
        f"/api/v1/submissions/{good}/plots/circles-converges-loss.png",
        f"/api/v1/submissions/{good}/plots/..%2F..%2Fetc",
        f"/api/v1/submissions/{broken}/plots/circles-converges-loss",
        "/api/v1/submissions/nosuch/plots/circles-converges-loss",
    ):
        response = client.get(path, headers=auth)
        assert response.status_code == 404, path
        error = response.get_json()["error"]
        assert error["code"] == "not_found" and error["message"], path

    # the result page shows them under the checks table, with alt text
    page = client.get(f"/submissions/{good}").get_data(as_text=True)
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', page)
    assert len(images) == len(plots)
    assert page.index('id="checks"') < page.index('id="plots"')
    for src, alt in images:
        assert src.startswith(f"/submissions/{good}/plots/") and src.endswith(".png")
        assert "circles-converges" in alt
        response = client.get(src)
        assert response.status_code == 200
        assert response.mimetype == "image/png"
        assert response.data.startswith(PNG)
    assert client.get(f"/submissions/{good}/plots/nope.png").status_code == 404
    response = client.get(
        f"/submissions/{good}/plots/nope.png", headers={"Accept": "application/json"}
    )
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/submissions/{good}/plots/circles-converges-loss").status_code == 404

    # a submission whose code never runs has no plots, and its page still renders
    body = client.get(f"/api/v1/submissions/{broken}", headers=auth).get_json()
    assert body["status"] in ("graded", "rejected") and body["plots"] == []
    response = client.get(f"/submissions/{broken}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<img" not in page and 'id="plots"' not in page
    assert client.get(f"/submissions/{broken}/plots/circles-converges-loss.png").status_code == 404


def test_a_plotting_failure_keeps_the_grade(app, accepted, monkeypatch, caplog):
    import grader.plots

    def broken(assignment, result):
        raise RuntimeError("no plots today")

    monkeypatch.setattr(grader.plots, "render_plots", broken)
    svc = Services.of(app)
    sub = accepted("circles-softmax/correct.py")
    with caplog.at_level(logging.ERROR, logger="grader.operations"):
        assert grade_submission(svc.db, svc.store, sub.id, job_id="p1") == "graded"
    assert "plots of submission" in caplog.text
    with svc.db.session() as session:
        run = session.scalars(select(GradingRun).where(GradingRun.submission_id == sub.id)).one()
        assert run.status == "graded" and run.score == run.max_score and run.plots == {}
    assert sign_in_admin(app, app.test_client()).get(f"/submissions/{sub.id}").status_code == 200


def test_the_score_is_visible_before_the_plots_are_drawn(app, accepted, client, auth):
    from grader.stored_plots import render_here

    svc = Services.of(app)
    sub = accepted("circles-softmax/correct.py")
    seen = []

    def render_and_look(folder, digest, result):
        # what a student sees while the plots are being drawn: the score, no plots yet
        seen.append(client.get(f"/api/v1/submissions/{sub.id}", headers=auth).get_json())
        return render_here(folder, digest, result)

    status = grade_submission(svc.db, svc.store, sub.id, job_id="p", render=render_and_look)
    assert status == "graded"
    [during] = seen
    assert during["status"] == "graded" and during["score"] == during["max_score"]
    assert during["plots"] == []
    after = client.get(f"/api/v1/submissions/{sub.id}", headers=auth).get_json()
    assert {p["name"] for p in after["plots"]} == {
        "circles-converges-loss",
        "circles-converges-boundary",
    }


def test_the_result_page_refreshes_until_the_plots_are_drawn(app, accepted, client):
    """A graded page whose plots are still being drawn keeps polling, for a bounded time."""
    sign_in_admin(app, client)
    from grader.models import utcnow
    from grader.stored_plots import PLOT_DATA, PLOTS_WAIT, render_here

    svc = Services.of(app)
    sub = accepted("circles-softmax/correct.py")
    pages = []

    def render_and_look(folder, digest, result):
        pages.append(client.get(f"/submissions/{sub.id}").get_data(as_text=True))
        return render_here(folder, digest, result)

    assert grade_submission(svc.db, svc.store, sub.id, job_id="r", render=render_and_look)
    [during] = pages
    assert 'id="plots-pending"' in during and "data-poll" in during
    after = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert 'id="plots"' in after
    assert "plots-pending" not in after and "data-poll" not in after
    assert client.get(f"/submissions/{sub.id}/status").get_json()["done"] is True
    # plots that never came (the process drawing them died): the first view has a worker
    # process draw them again, from what the grading kept, and shows them pending meanwhile
    with svc.db.session() as session:
        run = session.scalars(select(GradingRun).where(GradingRun.submission_id == sub.id)).one()
        drawn = dict(run.plots)
        run.plots, run.finished_at = None, utcnow() - PLOTS_WAIT
        session.commit()
    grading = svc.queue
    grading.start()  # as `grader serve` runs it (nothing queued: it only draws)
    again = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert 'id="plots-pending"' in again and "data-poll" in again
    assert grading.join(timeout=180)
    redrawn = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert 'id="plots"' in redrawn and "plots-pending" not in redrawn
    with svc.db.session() as session:
        assert session.get(GradingRun, run.id).plots == drawn  # the same PNGs
    # a run with nothing to draw them from (graded before plot data was kept) is not
    # waited for forever
    with svc.db.session() as session:
        run = session.get(GradingRun, run.id)
        run.plots, run.log = None, {k: v for k, v in run.log.items() if k != PLOT_DATA}
        session.commit()
    given_up = client.get(f"/submissions/{sub.id}").get_data(as_text=True)
    assert "plots-pending" not in given_up and "data-poll" not in given_up


def test_the_embedded_runner_grades_and_draws_in_worker_processes(app, accepted, grading):
    import os

    from grader.jobs import processes

    sub = accepted("circles-softmax/correct.py")
    grading.enqueue(sub.id)
    assert grading.join(timeout=180)
    with Services.of(app).db.session() as session:
        row = session.get(Submission, sub.id)
        assert row.status == "graded" and row.score == row.max_score
        assert row.lease_owner is None  # written, the lease let go
        run = row.latest_run
        assert set(run.plots) == {"circles-converges-loss", "circles-converges-boundary"}
    # graders, one per core here, and the plot process are other processes, kept for the
    # next submission
    assert grading.workers == processes.cores()
    graders = {grading.graders.submit(processes.pid).result(60) for _ in range(8)}
    assert os.getpid() not in graders and graders <= grading.graders.pids
    plotter = grading.plots.submit(processes.pid).result(60)
    assert plotter != os.getpid() and plotter not in graders


def test_deferred_plots_leave_the_grader_free_for_the_next_submission(app, accepted):
    svc = Services.of(app)
    sub = accepted("circles-softmax/correct.py")
    jobs = []
    assert grade_submission(svc.db, svc.store, sub.id, job_id="d", defer=jobs.append) == ("graded")
    with svc.db.session() as session:
        run = session.scalars(select(GradingRun).where(GradingRun.submission_id == sub.id)).one()
        assert run.score == run.max_score and run.plots is None  # scored; plots to come
    [draw] = jobs
    draw()
    with svc.db.session() as session:
        run = session.get(GradingRun, run.id)
        assert set(run.plots) == {"circles-converges-loss", "circles-converges-boundary"}
