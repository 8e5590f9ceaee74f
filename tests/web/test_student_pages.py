"""The student's own pages: "My submissions" and the result page's summary line,
counted score and late mark (graded in-process)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from grader import policy
from grader.course_admin import create_course, create_user, enrol, release_assignment
from grader.http_common import Services
from grader.models import ApiToken, Submission, utcnow
from grader.my_work import describe
from grader.operations import get_assignment
from tests.service_helpers import sign_in

BUGGY = "chain-rule/bug_grad_missing_factor_2.py"


@pytest.mark.databases
def test_my_submissions_and_the_result_summary(app, client, grading, fixture_file):
    db = Services.of(app).db
    due = utcnow() - timedelta(hours=1)
    with db.begin() as s:
        nn = create_course(s, "nn", "Neural nets", "Europe/Berlin")
        enrol(s, nn, create_user(s, "ann"), "student")
        rules = policy.ReleasePolicy(
            due_at=due,
            late_until=utcnow() + timedelta(days=2),
            penalty_kind="per_day",
            penalty_value=10,
            max_attempts=3,
        )
        release_assignment(s, nn, get_assignment(s, "chain-rule"), rules)
        row, plain = ApiToken.generate("nn-lms", course_id=nn.id)
        s.add(row)
    response = client.post(
        "/api/v1/assignments/chain-rule/submissions",
        headers={"Authorization": f"Bearer {plain}"},
        data={"file": (io.BytesIO(fixture_file(BUGGY)), "bug.py"), "student": "ann"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    sub_id = response.get_json()["id"]
    assert grading.join(timeout=120)
    sign_in(app, client, "ann", role=None)

    page = client.get("/me/submissions").get_data(as_text=True)
    assert 'id="my-submissions"' in page  # the header links here when signed in
    assert '<span class="attempts-used">1</span> / 3 (2 left)' in page
    with db.session() as s:
        sub = s.get(Submission, sub_id)
        counted, raw, top = sub.counted_score, sub.score, sub.max_score
        failed = [c.name for c in sub.latest_run.checks if not c.passed]
        total = len(sub.latest_run.checks)
    assert 0 < counted < raw  # late: the penalty applies
    assert f'<span class="counted">{counted:g} / {top:g} (late)</span>' in page
    assert f"Due: {policy.show(due, 'Europe/Berlin')}" in page  # the course's time zone
    assert '<span class="time-left">the due date has passed</span>' in page
    assert f'href="/submissions/{sub_id}"' in page

    html = client.get(f"/submissions/{sub_id}").get_data(as_text=True)
    line = f"{len(failed)} of {total} checks failed: {', '.join(failed)}"
    assert failed and f'id="summary">{line}<' in html
    assert html.index('id="summary"') < html.index('id="checks"')
    assert f'<span id="counted">· counted {counted:g}</span>' in html
    assert 'id="late">· late (score × 0.9)' in html


def test_my_submissions_needs_a_sign_in_and_lists_the_open_releases(app, client):
    assert client.get("/me/submissions").status_code == 302
    sign_in(app, client, "s-1")
    page = client.get("/me/submissions").get_data(as_text=True)
    assert 'href="/assignments/chain-rule"' in page  # released in the default course
    assert '<span class="attempts-used">0</span>' in page


def test_time_left_reads_in_days_hours_and_minutes():
    assert describe(None) == "-"
    assert describe(timedelta(0)) == "passed"
    assert describe(timedelta(days=2, hours=3, minutes=5)) == "2 days 3 h"
    assert describe(timedelta(hours=1, minutes=30)) == "1 h 30 min"
    assert describe(timedelta(minutes=45)) == "45 min"
