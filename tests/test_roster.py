"""A roster import looks its people up at once: the statements it sends grow with the
number of people, not with its square (it sent nine per person, each a scan of the
users table, when every line was looked up on its own)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select

from grader.course_admin import create_course, create_user
from grader.courses import Course, User
from grader.http_common import Services
from grader.roster import import_roster, parse

PEOPLE = 300


@pytest.mark.databases
def test_an_import_sends_a_few_statements_per_person(app):
    db = Services.of(app).db
    with db.begin() as s:
        create_course(s, "big", "Big")
        create_user(s, "P7")  # found as p7, whatever the case
    text = "name,login,email\n" + "".join(f"P {i},p{i},p{i}@uni.example\n" for i in range(PEOPLE))
    counted = []
    listener = lambda *args: counted.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        for expected in (3.1, 1.1):  # a new class; the same file again
            counted.clear()
            with db.begin() as s:
                course = s.scalar(select(Course).where(Course.slug == "big"))
                import_roster(s, course, parse(text))
            assert len(counted) / PEOPLE <= expected, len(counted)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    with db.session() as s:
        assert len(s.scalars(select(User)).all()) == PEOPLE
