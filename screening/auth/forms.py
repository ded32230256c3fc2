"""Sign-in and password forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
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
