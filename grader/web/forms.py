"""The upload and sign-in forms (Flask-WTF: CSRF token included)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class UploadForm(FlaskForm):
    file = FileField(
        "Your solution (.py or .ipynb)",
        validators=[
            FileRequired("Choose a file to upload."),
            FileAllowed(["py", "ipynb"], "Only .py files and .ipynb notebooks can be graded."),
        ],
    )
    submit = SubmitField("Submit for grading")


class SignInForm(FlaskForm):
    login = StringField(
        "Login or e-mail", validators=[DataRequired("Enter your login."), Length(max=320)]
    )
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    submit = SubmitField("Sign in")


class LinkForm(FlaskForm):
    """The button that uses a sign-in link (a GET never does: link previews would)."""

    submit = SubmitField("Sign in")


class PasswordForm(FlaskForm):
    #: asked unless this session began with a sign-in link (which stands for a reset)
    current = PasswordField("Current password")
    password = PasswordField("New password", validators=[DataRequired("Enter a password.")])
    confirm = PasswordField(
        "The same again", validators=[EqualTo("password", "The two passwords differ.")]
    )
    submit = SubmitField("Set password")


class SignOutForm(FlaskForm):
    submit = SubmitField("Sign out")
