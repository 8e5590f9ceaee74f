"""What several service test modules use: requests as an LMS or a browser sends them,
the checks of an error response, counts of rows."""

from __future__ import annotations

import io
import json
import re
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select

from grader.course_admin import get_course
from grader.http_common import Services
from grader.intake import Uploader, accept_submission
from grader.models import Submission, utcnow

ROOT = Path(__file__).resolve().parents[1]
ASSIGNMENTS = ROOT / "assignments"
SUBMISSIONS = ROOT / "submissions"
#: a small submission that is accepted (and, graded, scores little)
CODE = b"def sigmoid(x):\n    return x\n"


def count(app, model=Submission) -> int:
    with Services.of(app).db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert set(body["error"]) <= {"code", "message", "field"}
    return body["error"]


def post_file(client, auth, slug="chain-rule", data=CODE, filename="hw.py", **form):
    return client.post(
        f"/api/v1/assignments/{slug}/submissions",
        headers=auth,
        data={"file": (io.BytesIO(data), filename), **form},
        content_type="multipart/form-data",
    )


def upload(client, csrf_token, slug="chain-rule", data=CODE, filename="hw.py", token=True):
    """Upload as the signed-in student (``csrf_token`` signs the client in as s-1)."""
    form = {"file": (io.BytesIO(data), filename)}
    if token:
        form["csrf_token"] = csrf_token(slug)
    return client.post(f"/assignments/{slug}", data=form, content_type="multipart/form-data")


def assert_error_page(response, status: int, words: str) -> str:
    assert response.status_code == status
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Traceback" not in html
    assert words in html, html
    return html


def submit_file(
    client: Any,
    auth: dict[str, str],
    slug: str,
    data: bytes,
    filename: str = "hw.py",
    student: str = "s1",
) -> str:
    """POST a file to the API as an LMS would; returns the id of the accepted submission."""
    response = client.post(
        f"/api/v1/assignments/{slug}/submissions",
        headers=auth,
        data={"file": (io.BytesIO(data), filename), "student": student},
        content_type="multipart/form-data",
    )
    assert response.status_code == 202, response.get_data(as_text=True)
    return response.get_json()["id"]


def post(url: str, token: str, filename: str, data: bytes) -> dict:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="student"\r\n\r\nrs\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="{filename}"\r\nContent-Type: text/x-python\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 202
        return json.load(response)


def scrape(url: str) -> tuple[str, dict[tuple[str, tuple], float]]:
    with urllib.request.urlopen(url + "/metrics", timeout=10) as response:
        content_type = response.headers["Content-Type"]
        text = response.read().decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    return content_type, samples


def sign_in(
    app: Any,
    client: Any,
    login: str,
    role: str | None = "student",
    course: str = "default",
    base_url: str = "http://localhost",
) -> int:
    """Make ``login`` (enrolled in ``course`` with ``role``, unless None) and sign the test
    client in as them, as Flask-Login keeps it in the session; returns the user id. The
    sign-in pages themselves are tested in web/test_sign_in.py."""
    from grader.course_admin import create_user, enrol, find_user, get_course

    with Services.of(app).db.begin() as session:
        user = find_user(session, login) or create_user(session, login)
        if role is not None:
            enrol(session, get_course(session, course), user, role)
        user_id = user.id
    with client.session_transaction(base_url=base_url) as flask_session:
        flask_session["_user_id"] = str(user_id)
        flask_session["_fresh"] = True
    return user_id


def sign_in_admin(app: Any, client: Any) -> Any:
    """``client`` signed in as a site administrator (who sees every submission)."""
    from grader.course_admin import create_user, find_user

    with Services.of(app).db.begin() as session:
        if find_user(session, "root") is None:
            create_user(session, "root", admin=True)
    sign_in(app, client, "root", role=None)
    return client


# -- the dashboard's pages, as a browser sends its forms -----------------------


def csrf(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(True))
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_upload(client, page: str, token: str | None = None):
    """The upload form of ``page`` sent as a browser sends it."""
    return client.post(
        page,
        data={"csrf_token": token or csrf(client, page), "file": (io.BytesIO(CODE), "hw.py")},
        content_type="multipart/form-data",
    )


def upload_as(app, user_id: int, data: bytes = CODE, course: str = "nn", **kw) -> str:
    svc = Services.of(app)
    with svc.db.session() as s:
        course_id = get_course(s, course).id
    sub = accept_submission(
        svc.db,
        svc.store,
        slug="chain-rule",
        filename="hw.py",
        data=data,
        uploader=Uploader(course_id=course_id, user_id=user_id),
        **kw,
    )
    return sub.id


def set_graded(app, sub_id: str, score: float, factor: float = 1.0) -> None:
    with Services.of(app).db.begin() as s:
        sub = s.get(Submission, sub_id)
        sub.status, sub.score, sub.counted_score = "graded", score, score * factor
        sub.graded_at = utcnow()


def change_release(app: Any, course: str = "nn", slug: str = "chain-rule", **rules: Any) -> None:
    """Set the release's dates or policy straight in the database (the clock of a test)."""
    from grader.course_admin import find_release
    from grader.operations import get_assignment

    with Services.of(app).db.begin() as session:
        release = find_release(session, get_course(session, course), get_assignment(session, slug))
        assert release is not None
        for name, value in rules.items():
            setattr(release, name, value)
