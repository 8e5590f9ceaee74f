"""The upload form (Flask-WTF: CSRF token included)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length, Regexp

from grader.models import MAX_STUDENT_ID


class UploadForm(FlaskForm):
    student = StringField(
        "Student id",
        validators=[
            DataRequired("Enter your student id."),
            Length(max=MAX_STUDENT_ID),
            Regexp(r"^[^\x00-\x1f]*$", message="The student id must be one line."),
        ],
    )
    file = FileField(
        "Your solution (.py or .ipynb)",
        validators=[
            FileRequired("Choose a file to upload."),
            FileAllowed(["py", "ipynb"], "Only .py files and .ipynb notebooks can be graded."),
        ],
    )
    submit = SubmitField("Submit for grading")
