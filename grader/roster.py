"""Importing a course roster from a CSV file as Canvas or Moodle export it (or a
plain one: name, login, e-mail, SIS id, role). The whole file is checked before
anything is written; the caller writes it in one transaction. No Flask."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.course_admin import UserDirectory, create_user, enrol
from grader.courses import ROLES, Course, Enrollment, User
from grader.errors import BadRequest

#: header names (compared case-insensitively) of each field, first match wins
LOGIN = ("login", "username", "sis login id", "login id", "user name")
EMAIL = ("email", "e-mail", "email address", "e-mail address")
NAME = ("name", "display name", "student", "full name")
FIRST = ("first name", "firstname", "given name")
LAST = ("last name", "lastname", "surname", "family name")
SIS = ("sis id", "sis user id", "id number", "idnumber", "student id")
ROLE = ("role",)
#: Canvas gradebook exports carry a "Points Possible" row under the header
SKIP_NAMES = ("points possible",)
MAX_BYTES = 2 * 1024 * 1024
#: people in one file: a class, not a site (one transaction holds the database meanwhile)
MAX_PEOPLE = 5000
EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class RosterError(BadRequest):
    code = "roster_invalid"


@dataclass(frozen=True)
class Person:
    line: int
    login: str
    name: str
    email: str | None
    sis_id: str | None
    role: str | None  # None: the file has no role column (keep an enrolled person's role)


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    lowered = [h.strip().lower() for h in header]
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _delimiter(text: str) -> str:
    """Commas; or what the header line is separated by (Moodle and spreadsheets in many
    locales write semicolons, some exports tabs)."""
    header = text.split("\n", 1)[0]
    return max(",;\t", key=header.count) if header else ","


def parse(text: str) -> list[Person]:
    """Every row as a Person, or RosterError naming the first bad line."""
    if len(text.encode()) > MAX_BYTES:
        raise RosterError(f"the roster is larger than {MAX_BYTES // 1024} KiB")
    text = text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text), delimiter=_delimiter(text)))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise RosterError("line 1: the roster is empty (a header line is expected)")
    header = rows[0]
    cols = {
        key: _column(header, names)
        for key, names in {
            "login": LOGIN,
            "email": EMAIL,
            "name": NAME,
            "first": FIRST,
            "last": LAST,
            "sis": SIS,
            "role": ROLE,
        }.items()
    }
    if cols["login"] is None and cols["email"] is None:
        raise RosterError(
            "line 1: no login column: one of "
            + ", ".join(repr(n) for n in LOGIN + EMAIL)
            + " is needed"
        )
    if cols["name"] is None and cols["first"] is None:
        raise RosterError(
            "line 1: no name column: 'Name' (Canvas: 'Student'), or 'First name' and "
            "'Last name' (Moodle: 'First name' and 'Surname')"
        )
    people: list[Person] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue

        def cell(key: str, row: list[str] = row) -> str:
            index = cols[key]
            return row[index].strip() if index is not None and index < len(row) else ""

        name = cell("name") or " ".join(p for p in (cell("first"), cell("last")) if p)
        if name.lower() in SKIP_NAMES:
            continue
        email = cell("email").lower() or None
        login = cell("login") or email or ""
        if not login:
            raise RosterError(f"line {number}: no login or e-mail")
        sis = cell("sis") or None
        if any(ord(c) < 32 for c in login + name + (sis or "")):
            raise RosterError(f"line {number}: a control character (a line break?) in a field")
        for what, value, limit in (
            ("login", login, 200),
            ("name", name, 200),
            ("e-mail", email or "", 320),
            ("SIS id", sis or "", 100),
        ):
            if len(value) > limit:
                raise RosterError(f"line {number}: the {what} is longer than {limit} characters")
        if email is not None and not EMAIL_ADDRESS.fullmatch(email):
            raise RosterError(f"line {number}: {email!r} is not an e-mail address")
        key = login.lower()
        if key in seen:
            raise RosterError(f"line {number}: the login {login!r} is also on line {seen[key]}")
        seen[key] = number
        role: str | None = None
        if cols["role"] is not None:
            role = (cell("role") or "student").lower()
            role = {"teacher": "instructor", "teaching assistant": "ta"}.get(role, role)
            if role not in ROLES:
                raise RosterError(
                    f"line {number}: unknown role {role!r} (one of {', '.join(ROLES)})"
                )
        people.append(Person(number, login, name or login, email, sis, role))
        if len(people) > MAX_PEOPLE:
            raise RosterError(f"line {number}: a roster has at most {MAX_PEOPLE} people")
    if not people:
        raise RosterError("the roster has a header but no people")
    return people


@dataclass(frozen=True)
class Imported:
    created: int
    enrolled: int  # enrolled now (new users included)
    updated: int  # already enrolled: role or SIS id refreshed


def import_roster(session: Session, course: Course, people: list[Person]) -> Imported:
    """Create missing users and enrol everyone; the caller's transaction makes it all
    or nothing. An e-mail that belongs to another login is an error naming the line."""
    created = enrolled = updated = 0
    had_instructor = _has_instructor(session, course)
    directory = UserDirectory(
        session,
        [p.login for p in people],
        [e for p in people for e in (p.email, p.login) if e and "@" in e],
    )
    roles = dict(
        session.execute(
            select(Enrollment.user_id, Enrollment.role).where(Enrollment.course_id == course.id)
        ).all()
    )
    for person in people:
        user = directory.find(person.login)  # an e-mail as login also finds by e-mail
        if user is not None and person.email and user.email not in (None, person.email):
            raise RosterError(
                f"line {person.line}: {person.login!r} is already a user with another e-mail"
            )
        if user is None:
            if person.email and person.email in directory.by_email:
                raise RosterError(
                    f"line {person.line}: there is already a user with the e-mail {person.email!r}"
                )
            try:
                user = create_user(
                    session,
                    person.login,
                    display_name=person.name,
                    email=person.email,
                    home_course=course,
                    unique_checked=True,
                )
            except BadRequest as exc:
                raise RosterError(f"line {person.line}: {exc.message}") from exc
            directory.add(user)
            created += 1
        elif user.home_course_id == course.id and not user.is_admin:
            _refresh(directory, user, person)  # the course's own account: its roster is right
        mine = roles.get(user.id)
        role = person.role or mine or "student"
        enrol(session, course, user, role, person.sis_id)
        roles[user.id] = role
        updated += mine is not None
        enrolled += mine is None
    if had_instructor and not _has_instructor(session, course):
        raise RosterError(
            "the roster would leave the course without an instructor (its role column "
            "makes every instructor something else)"
        )
    return Imported(created, enrolled, updated)


def _has_instructor(session: Session, course: Course) -> bool:
    return (
        session.scalar(
            select(Enrollment.id)
            .where(Enrollment.course_id == course.id, Enrollment.role == "instructor")
            .limit(1)
        )
        is not None
    )


def _refresh(directory: UserDirectory, user: User, person: Person) -> None:
    """A new display name, and an e-mail where there was none (and no one else has it:
    the directory holds every user with an e-mail of the file)."""
    if person.name and person.name != person.login:
        user.display_name = person.name
    if person.email and user.email is None and person.email not in directory.by_email:
        user.email = person.email
        directory.by_email[person.email] = user
