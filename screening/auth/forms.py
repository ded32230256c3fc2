"""Sign-in and password forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """Email address and password."""

    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Length(max=254)],
        render_kw={"autocomplete": "username", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password"), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password")],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        description="At least 12 characters. A few unrelated words make a good one.",
        validators=[DataRequired("Enter a new password")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        "New password again",
        validators=[
            DataRequired("Enter the new password again"),
            EqualTo("new_password", "The two new passwords are not the same"),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class AccountActionForm(FlaskForm):
    """A button on the accounts page: CSRF only."""


class CodeForm(FlaskForm):
    """The second step of signing in: the app's code, or a recovery code."""

    code = StringField(
        "Code",
        description=(
            "The 6-digit code your authenticator app shows now, or one of your recovery codes."
        ),
        validators=[DataRequired("Enter the code from your authenticator app"), Length(max=64)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )


class SetUpForm(FlaskForm):
    """Setting up two-step verification: a code from the app proves it holds the secret."""

    code = StringField(
        "Code from the app",
        description="The 6 digits the app shows for this account.",
        validators=[DataRequired("Enter the 6-digit code the app shows"), Length(max=64)],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false"},
    )
