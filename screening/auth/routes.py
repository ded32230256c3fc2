"""Staff sign-in and sign-out, one's own password, and the admin's accounts page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from .. import audit
from ..access import ADMIN, MANAGER, NURSE, PUBLIC, allow
from ..extensions import db, limiter
from ..models import StaffUser
from . import bp, service
from .forms import AccountActionForm, LoginForm, PasswordForm
from .sessions import end_session, start_session

SIGN_IN_FAILED = (
    "The email address or password is not right, or the account is locked or switched off. "
    "Check them and try again, or ask an administrator."
)


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an address elsewhere."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/staff"):
            return target
    return _landing()


def _landing() -> str:
    """Each person's first page: the queue for nurses and managers, accounts for admins."""
    if current_user.is_authenticated and not current_user.has_role(NURSE, MANAGER):
        return url_for("auth.accounts")
    return url_for("review.queue")


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    """Sign in; a new server-side session each time."""
    if current_user.is_authenticated:
        return redirect(_landing())
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # nothing from before sign-in carries over
            start_session(user)
            login_user(user)
            audit.record(audit.Action.LOGIN, staff=user, object_type="staff", object_id=user.id)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")), code=303)
        failed = True
    errors = [("email", SIGN_IN_FAILED)] if failed else form_errors(form)
    return render_template("auth/login.html", form=form, errors=errors), 200 if not failed else 401


def form_errors(form) -> list[tuple[str, str]]:
    """``(field id, first message)`` of each field with an error, for the error summary."""
    return [(form[name].id, messages[0]) for name, messages in form.errors.items() if messages]


@bp.post("/logout")
@allow(NURSE, MANAGER, ADMIN)
def logout():
    """Sign out: the session ends on the server, so its cookie is useless from now on."""
    user = current_user._get_current_object()
    if AccountActionForm().validate_on_submit():
        end_session(user.staff_session, "logout")
        audit.record(audit.Action.LOGOUT, staff=user, object_type="staff", object_id=user.id)
        db.session.commit()
        logout_user()
        session.clear()
        flash("You have signed out.")
    return redirect(url_for("auth.login"), code=303)


@bp.route("/password", methods=["GET", "POST"])
@allow(NURSE, MANAGER, ADMIN)
def password():
    """Change one's own password."""
    form = PasswordForm()
    errors = []
    if form.validate_on_submit():
        try:
            service.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except service.AccountError as error:
            errors = [(field, message) for field, message in error.errors.items()]
            for field, message in error.errors.items():
                form[field].errors = [message]
        else:
            flash("Your password has been changed. Your other sessions were signed out.")
            return redirect(_landing(), code=303)
    else:
        errors = form_errors(form)
    return render_template("auth/password.html", form=form, errors=errors)


@bp.get("/accounts")
@allow(ADMIN)
def accounts():
    """Every staff account, with a switch to deactivate or reactivate it."""
    users = db.session.scalars(select(StaffUser).order_by(StaffUser.name)).all()
    return render_template("auth/accounts.html", users=users, form=AccountActionForm())


@bp.post("/accounts/<int:user_id>/active")
@allow(ADMIN)
def set_active(user_id: int):
    """Deactivate (every session ends at once) or reactivate an account."""
    user = db.session.get(StaffUser, user_id)
    if user is None:
        abort(404)
    form = AccountActionForm()
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        if user.id == current_user.id and not active:
            flash("You cannot switch off your own account.")
        else:
            service.set_active(user, active, by=current_user)
            flash(f"{user.name}'s account is {'on' if active else 'switched off'}.")
    return redirect(url_for("auth.accounts"), code=303)
