"""`grader user`, `course`, `release` and `roster`: what they create, and that bad
input is refused with the line or value at fault and nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from grader.courses import Course, Enrollment, Extension, Release, SignInLink, User
from grader.http_common import Services

CANVAS = """Student,ID,SIS User ID,SIS Login ID,Section
    Points Possible,,,,
"Lovelace, Ada",101,S-1,ada,Sec A
"Turing, Alan",102,S-2,alan,Sec A
"""
MOODLE = """First name,Surname,ID number,Institution,Department,Email address
Grace,Hopper,M-7,,,grace@example.org
Alan,Turing,S-2,,,alan@example.org
"""


def count(app, model) -> int:
    with Services.of(app).db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_user_create_prints_a_single_use_sign_in_link(app, runner):
    result = runner("user", "create", "ada", "--name", "Ada L.", "--admin")
    assert result.exit_code == 0, result.output
    link = result.stdout.strip()
    assert link.startswith("http://127.0.0.1:5000/sign-in/") and len(link) > 60
    with Services.of(app).db.session() as s:
        user = s.scalar(select(User).where(User.login == "ada"))
        assert user.is_admin and user.display_name == "Ada L." and user.password_hash is None
        stored = s.scalar(select(SignInLink))
        assert stored.token_hash == SignInLink.hash(link.rsplit("/", 1)[1])  # only the hash
        assert stored.expires_at > datetime.now(UTC) and stored.used_at is None
    again = runner("user", "create", "ada")
    assert again.exit_code == 1 and "already a user 'ada'" in again.output
    assert count(app, User) == 1


def test_course_and_release_with_dates_in_the_course_time_zone(app, runner):
    runner("user", "create", "ada")
    made = runner(
        "course",
        "create",
        "nn",
        "Neural nets",
        "--timezone",
        "Europe/Berlin",
        "--instructor",
        "ada",
    )
    assert made.exit_code == 0, made.output
    released = runner(
        "release", "create", "nn", "chain-rule", "--due", "2026-12-01 23:59",
        "--late-until", "2026-12-03 23:59", "--penalty-per-day", "10", "--max-attempts", "3",
        "--counts", "best",
    )  # fmt: skip
    assert released.exit_code == 0, released.output
    assert "due 2026-12-01 23:59 CET" in released.output
    with Services.of(app).db.session() as s:
        course = s.scalar(select(Course).where(Course.slug == "nn"))
        release = s.scalar(select(Release).where(Release.course_id == course.id))
        assert release.due_at == datetime(2026, 12, 1, 22, 59, tzinfo=UTC)
        assert (release.penalty_kind, release.penalty_value) == ("per_day", 10)
        assert (release.max_attempts, release.counts) == (3, "best")
        roles = s.execute(select(Enrollment.role).where(Enrollment.course_id == course.id))
        assert [r for (r,) in roles] == ["instructor"]
    listed = runner("release", "list", "nn").output
    assert "chain-rule" in listed and "-10%/day" in listed and "attempts 3" in listed
    assert "nn " in runner("course", "list").output

    runner("user", "create", "bob")
    extended = runner("release", "extend", "nn", "chain-rule", "bob", "--due", "2026-12-08 12:00")
    assert extended.exit_code == 0, extended.output
    assert count(app, Extension) == 1


def test_bad_release_dates_and_courses_are_refused(app, runner):
    runner("course", "create", "nn", "Neural nets")
    backwards = runner(
        "release", "create", "nn", "chain-rule", "--due", "2026-12-03 10:00",
        "--late-until", "2026-12-01 10:00",
    )  # fmt: skip
    assert backwards.exit_code == 1 and "'late until' is before 'due at'" in backwards.output
    garbled = runner("release", "create", "nn", "chain-rule", "--due", "friday")
    assert garbled.exit_code == 1 and "not a date" in garbled.output
    with Services.of(app).db.session() as s:
        course = s.scalar(select(Course).where(Course.slug == "nn"))
        assert not s.scalars(select(Release).where(Release.course_id == course.id)).all()
    zone = runner("course", "create", "x", "X", "--timezone", "Mars/Base")
    assert zone.exit_code == 1 and "unknown time zone" in zone.output
    slug = runner("course", "create", "Bad Slug!", "X")
    assert slug.exit_code == 1 and "lower-case" in slug.output
    assert runner("release", "list", "nope").exit_code == 1


def test_roster_import_canvas_then_moodle(app, runner, tmp_path):
    runner("course", "create", "nn", "Neural nets")
    canvas = tmp_path / "canvas.csv"
    canvas.write_text(CANVAS)
    done = runner("roster", "import", "nn", str(canvas))
    assert done.exit_code == 0, done.output
    assert "2 people: 2 new users, 2 enrolled" in done.output
    moodle = tmp_path / "moodle.csv"
    moodle.write_text("\ufeff" + MOODLE)  # Moodle writes a byte order mark
    done = runner("roster", "import", "nn", str(moodle))
    assert done.exit_code == 0, done.output
    with Services.of(app).db.session() as s:
        people = {
            u.login: (u.display_name, u.email, e.sis_id, e.role)
            for u, e in s.execute(select(User, Enrollment).join(Enrollment))
            if e.course.slug == "nn"
        }
    assert people == {
        "ada": ("Lovelace, Ada", None, "S-1", "student"),
        "alan": ("Turing, Alan", None, "S-2", "student"),
        "grace@example.org": ("Grace Hopper", "grace@example.org", "M-7", "student"),
        "alan@example.org": ("Alan Turing", "alan@example.org", "S-2", "student"),
    }


def test_roster_errors_name_the_line_and_import_nothing(app, runner, tmp_path):
    runner("course", "create", "nn", "Neural nets")
    before = count(app, User), count(app, Enrollment)
    cases = {
        "no-login.csv": ("Name,Section\nAda,A\n", "line 1: no login column"),
        "no-name.csv": ("login,email\nada,ada@x.org\n", "line 1: no name column"),
        "duplicate.csv": (
            "name,login\nAda,ada\nBob,bob\nAda again,ADA\n",
            "line 4: the login 'ADA' is also on line 2",
        ),
        "bad-role.csv": ("name,login,role\nAda,ada,student\nBob,bob,boss\n", "line 3: unknown"),
        "empty-login.csv": ("name,login\nAda,ada\nBob,\n", "line 3: no login or e-mail"),
    }
    for name, (text, message) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        result = runner("roster", "import", "nn", str(path))
        assert result.exit_code == 1, name
        assert message in result.output and "nothing was imported" in result.output, name
    assert (count(app, User), count(app, Enrollment)) == before


def test_roster_conflict_in_the_database_rolls_back_the_whole_file(app, runner, tmp_path):
    runner("course", "create", "nn", "Neural nets")
    runner("user", "create", "bob", "--email", "bob@example.org")
    path = tmp_path / "r.csv"
    # ada is new and valid; line 3 names another user's e-mail: neither is imported
    path.write_text("name,login,email\nAda,ada,ada@example.org\nRob,rob,bob@example.org\n")
    result = runner("roster", "import", "nn", str(path))
    assert result.exit_code == 1 and "line 3" in result.output
    assert count(app, User) == 1 and count(app, Enrollment) == 0
