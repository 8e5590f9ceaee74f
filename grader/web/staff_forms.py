"""The forms of the instructor dashboard (Flask-WTF: each carries its CSRF token).
Dates are typed in the course's time zone; ``grader.policy`` checks their order."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DateTimeLocalField,
    DecimalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
)

from grader.policy import MAX_ATTEMPTS

DATE_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def finite(form: FlaskForm, field: DecimalField) -> None:
    """NaN and infinity are numbers to Python's Decimal, not to a late penalty."""
    if field.data is not None and not field.data.is_finite():
        raise StopValidation("Enter a number.")


class ButtonForm(FlaskForm):
    """A POST that only needs its CSRF token (regrade, sign-in links)."""

    submit = SubmitField("Go")


class CourseForm(FlaskForm):
    slug = StringField(
        "Short name (in addresses)",
        validators=[DataRequired("Enter a short name."), Length(max=100)],
    )
    title = StringField("Title", validators=[DataRequired("Enter a title."), Length(max=300)])
    timezone = StringField(
        "Time zone (deadlines are shown in it)",
        default="UTC",
        validators=[DataRequired("Enter a time zone, e.g. Europe/Berlin."), Length(max=64)],
    )
    submit = SubmitField("Create course")


class RosterForm(FlaskForm):
    file = FileField(
        "Roster CSV (Canvas or Moodle export, or columns name, login, email, SIS id, role)",
        validators=[FileAllowed(["csv", "txt"], "A roster is a .csv file.")],
    )
    text = TextAreaField("… or paste it here", validators=[Optional(), Length(max=2_000_000)])
    submit = SubmitField("Import roster")


class ReleaseForm(FlaskForm):
    assignment = SelectField("Assignment", validators=[DataRequired("Choose an assignment.")])
    opens_at = DateTimeLocalField("Opens at", format=DATE_FORMATS, validators=[Optional()])
    due_at = DateTimeLocalField("Due at", format=DATE_FORMATS, validators=[Optional()])
    late_until = DateTimeLocalField(
        "Late uploads until", format=DATE_FORMATS, validators=[Optional()]
    )
    penalty_kind = SelectField(
        "Late penalty",
        choices=[
            SelectChoice("none", "none"),
            SelectChoice("per_day", "percent per started day late"),
            SelectChoice("factor", "a late score is multiplied by a factor"),
        ],
        default="none",
    )
    penalty_value = DecimalField(
        "Percent per day, or factor (0 to 1)",
        default=0,
        validators=[InputRequired(), finite],
        places=None,
    )
    max_attempts = IntegerField(
        "Attempts per student (empty: unlimited)",
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_ATTEMPTS, message=f"From 1 to {MAX_ATTEMPTS} attempts."),
        ],
    )
    counts = SelectField(
        "Counted attempt",
        choices=[SelectChoice("last", "the last"), SelectChoice("best", "the best")],
        default="last",
    )
    feedback = SelectField(
        "Details of hidden checks",
        choices=[
            SelectChoice("immediately", "shown at once"),
            SelectChoice("after_due", "shown after the due date"),
        ],
        default="immediately",
    )
    submit = SubmitField("Release")


class ExtensionForm(FlaskForm):
    assignment = SelectField("Assignment", validators=[DataRequired("Choose an assignment.")])
    due_at = DateTimeLocalField(
        "Their due date",
        format=DATE_FORMATS,
        validators=[InputRequired("Enter the student's own due date.")],
    )
    late_until = DateTimeLocalField(
        "Their late uploads until (empty: none)", format=DATE_FORMATS, validators=[Optional()]
    )
    submit = SubmitField("Grant extension")
