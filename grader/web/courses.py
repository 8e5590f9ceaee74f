"""Course pages: my courses (and a new course), a course's page, its people (the roster
import and the sign-in links that stand in for e-mail) and one person's history.
Who may do what is decided by ``grader.access``: members see a course, its staff
(instructors and TAs) see its people, its instructors change them. A course the
asker is not in answers 404, like an unknown one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import current_app, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from grader import access
from grader.course_admin import (
    create_course,
    enrol,
    get_course,
    issue_sign_in_link,
    may_issue_link,
    releases_of,
    sign_in_url,
)
from grader.courses import Course, Enrollment, Release, User
from grader.errors import BadRequest, Forbidden, NotFound
from grader.http_common import services, viewer
from grader.roster import import_roster, parse
from grader.web.staff_forms import ButtonForm, CourseForm, ExtensionForm, RosterForm
from grader.web.views import bp

ONLY_INSTRUCTORS = "Only the course's instructors can do this."


def course_or_404(
    session: Session, slug: str, rule: Callable[..., bool] = access.in_course
) -> Course:
    """The course, if the asker may see it at all; then ``rule`` (e.g. ``access.manages``)
    decides, with 403 for a member who may not and 404 for everyone else."""
    try:
        course = get_course(session, slug)
    except NotFound:
        course = None
    who = viewer()
    if course is None or not access.in_course(who, course.id):
        raise NotFound(f"There is no course {slug!r}.")
    if not rule(who, course.id):
        raise Forbidden(
            ONLY_INSTRUCTORS if rule is access.manages else "Only the course's staff see this."
        )
    return course


@bp.route("/courses", methods=["GET", "POST"])
@login_required
def courses() -> Any:
    who = viewer()
    form = CourseForm()
    status = 200
    if request.method == "POST":
        if not access.may_create_courses(who):
            raise Forbidden("Only instructors and site administrators create courses.")
        if form.validate_on_submit():
            try:
                with services().db.begin() as session:
                    course = create_course(
                        session, form.slug.data, form.title.data, form.timezone.data.strip()
                    )
                    me = session.get(User, who.user_id)
                    assert me is not None
                    enrol(session, course, me, "instructor")
                    slug = course.slug
            except BadRequest as exc:
                getattr(form, exc.field or "slug", form.slug).errors = [exc.message]
                status = 400
            else:
                return redirect(url_for("web.course", course=slug), code=303)
        else:
            status = 400
    with services().db.session() as session:
        query = select(Course).order_by(Course.slug)
        if not who.admin:
            query = query.where(Course.id.in_(list(who.roles)))
        rows = session.scalars(query).all()
        return render_template(
            "courses.html",
            courses=rows,
            roles=who.roles,
            form=form if access.may_create_courses(who) else None,
        ), status


@bp.get("/courses/<course>")
@login_required
def course(course: str) -> str:
    from grader.my_work import my_work

    who = viewer()
    with services().db.session() as session:
        row = course_or_404(session, course)
        releases = releases_of(session, row)
        mine = (
            {r.release.id: r for r in my_work(session, who.user_id, datetime.now(UTC), row.id)}
            if who.user_id is not None
            else {}
        )
        return render_template(
            "course.html",
            course=row,
            releases=releases,
            mine=mine,
            staff=access.is_staff(who, row.id),
            manages=access.manages(who, row.id),
        )


@bp.route("/courses/<course>/people", methods=["GET", "POST"])
@login_required
def people(course: str) -> Any:
    """The roster; its instructors import a CSV file (all of it or nothing)."""
    who = viewer()
    form = RosterForm()
    status, imported, error = 200, None, None
    with services().db.session() as session:
        course_id = course_or_404(session, course, access.is_staff).id
    if request.method == "POST":
        if not access.manages(who, course_id):
            raise Forbidden(ONLY_INSTRUCTORS)
        if form.validate_on_submit():
            try:
                text = _roster_text(form)
                people = parse(text)
                with services().db.begin() as session:
                    imported = import_roster(session, session.get_one(Course, course_id), people)
            except BadRequest as exc:
                error, status = f"{exc.message}; nothing was imported.", 400
        else:
            status = 400
    with services().db.session() as session:
        row = session.get_one(Course, course_id)
        members = session.execute(
            select(User, Enrollment)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == course_id)
            .order_by(Enrollment.role, User.login)
        ).all()
        return render_template(
            "people.html",
            course=row,
            members=members,
            form=form if access.manages(who, course_id) else None,
            button=ButtonForm(),
            imported=imported,
            error=error,
        ), status


def _roster_text(form: RosterForm) -> str:
    upload = form.file.data
    if upload and upload.filename:
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BadRequest("the roster file is not UTF-8 text") from exc
    if form.text.data and form.text.data.strip():
        return form.text.data
    raise BadRequest("choose a CSV file or paste the roster")


@bp.get("/courses/<course>/people/<int:user_id>")
@login_required
def person(course: str, user_id: int) -> Any:
    return person_page(course, user_id)


def person_page(
    course: str, user_id: int, extension_form: ExtensionForm | None = None, status: int = 200
) -> Any:
    """One person's work in the course: every attempt at every release, and (for its
    instructors) their extensions, the form to grant one (``extension_form``: as sent,
    with its errors) and a new sign-in link."""
    from grader.courses import Extension
    from grader.my_work import describe, my_work

    who = viewer()
    with services().db.session() as session:
        row = course_or_404(session, course, access.is_staff)
        user = member_or_404(session, row, user_id)
        work = my_work(session, user.id, datetime.now(UTC), row.id)
        extensions = session.scalars(
            select(Extension)
            .join(Release, Release.id == Extension.release_id)
            .where(Release.course_id == row.id, Extension.user_id == user.id)
        ).all()
        manages = access.manages(who, row.id)
        if manages and extension_form is None:
            extension_form = ExtensionForm()
        if extension_form is not None:
            extension_form.assignment.choices = [
                SelectChoice(r.release.assignment.slug, r.release.assignment.title) for r in work
            ]
        return render_template(
            "person.html",
            course=row,
            person=user,
            work=work,
            describe=describe,
            extensions=extensions,
            extension_form=extension_form,
            button=ButtonForm(),
            may_link=manages and may_issue_link(session, who, user),
        ), status


def member_or_404(session: Session, course: Course, user_id: int) -> User:
    """A user enrolled in the course (or who uploaded to it before courses existed)."""
    from grader.models import Submission

    user = session.get(User, user_id)
    enrolled = session.scalar(
        select(Enrollment.id).where(
            Enrollment.course_id == course.id, Enrollment.user_id == user_id
        )
    )
    uploaded = session.scalar(
        select(Submission.id)
        .join(Release, Release.id == Submission.release_id)
        .where(Release.course_id == course.id, Submission.user_id == user_id)
        .limit(1)
    )
    if user is None or (enrolled is None and uploaded is None):
        raise NotFound(f"There is no person {user_id} in this course.")
    return user


@bp.post("/courses/<course>/people/sign-in-links")
@login_required
def sign_in_links(course: str) -> Any:
    """Single-use sign-in links for the course's students who have no password yet (or
    for one person, ``user``): shown once, for the instructor to hand out."""
    who = viewer()
    with services().db.begin() as session:
        row = course_or_404(session, course, access.manages)  # before the form: 404 first
        if not ButtonForm().validate_on_submit():
            raise BadRequest("The form has expired; reload the page and try again.")
        raw = request.form.get("user")
        if raw is not None and not raw.isdigit():
            raise BadRequest("'user' is the number of a person of this course.", field="user")
        wanted = int(raw) if raw is not None else None
        query = (
            select(User)
            .join(Enrollment, Enrollment.user_id == User.id)
            .where(Enrollment.course_id == row.id)
            .order_by(User.login)
        )
        if wanted is not None:
            query = query.where(User.id == wanted)
        else:
            query = query.where(Enrollment.role == "student", User.password_hash.is_(None))
        users = list(session.scalars(query))
        if wanted is not None and not users:
            raise NotFound(f"There is no person {wanted} in this course.")
        me = session.get(User, who.user_id) if who.user_id is not None else None
        links, refused = [], []
        for user in users:
            if may_issue_link(session, who, user):
                token = issue_sign_in_link(session, user, created_by=me)
                url = sign_in_url(current_app.config, token)
                links.append((user.login, user.display_name, url))
            else:
                refused.append(user.login)
        response = current_app.make_response(
            render_template("sign_in_links.html", course=row, links=links, refused=refused)
        )
    response.headers["Cache-Control"] = "no-store"  # the links are the accounts
    return response
