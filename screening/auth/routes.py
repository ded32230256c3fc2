"""Staff sign-in and sign-out, one's own password, and the admin's accounts page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from .. import audit
from ..access import ADMIN, MANAGER, NURSE, PUBLIC, SIGNING_IN, allow
from ..extensions import db
from ..models import StaffUser
from . import bp, mfa, service, throttle
from .forms import AccountActionForm, LoginForm, PasswordForm
from .sessions import PENDING_KEY, end_session, pending_sign_in, start_session

SIGN_IN_FAILED = (
    "The email address or password is not right, or the account is switched off. "
    "Check them and try again, or ask an administrator."
)
_NEXT_KEY = "staff_next"  # where to go once the code is in


def _safe_next(target: str | None) -> str | None:
    """Only a path on this site: never an address elsewhere."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/staff"):
            return target
    return None


def _landing() -> str:
    """Each person's first page: the queue for nurses and managers, accounts for admins."""
    if current_user.is_authenticated and not current_user.has_role(NURSE, MANAGER):
        return url_for("auth.accounts")
    return url_for("review.queue")


@bp.route("/login", methods=["GET", "POST"])
@allow(PUBLIC)
def login():
    """Sign in: the password, then the code when the account has two-step verification (or
    must set it up first); a new server-side session each time."""
    if current_user.is_authenticated:
        return redirect(_landing())
    if pending_sign_in() is not None:
        return redirect(url_for("auth.mfa_code"))
    form = LoginForm()
    failed = False
    if form.validate_on_submit():
        try:
            user = service.authenticate(form.email.data, form.password.data)
        except service.Throttled as throttled:
            return throttled_page(throttled.refusal)
        if user is not None:
            next_path = _safe_next(request.args.get("next"))
            session.clear()  # nothing from before sign-in carries over
            if not mfa.needed_at_sign_in(user):
                return complete_sign_in(user, next_path)
            session[PENDING_KEY] = start_session(user, pending=True)
            if next_path:
                session[_NEXT_KEY] = next_path
            db.session.commit()
            step = "auth.mfa_code" if user.has_mfa else "auth.mfa_setup"
            return redirect(url_for(step), code=303)
        failed = True
    errors = [("email", SIGN_IN_FAILED)] if failed else form_errors(form)
    return render_template("auth/login.html", form=form, errors=errors), 200 if not failed else 401


def complete_sign_in(
    user: StaffUser, next_path: str | None = None, *, how: str = "", codes=None, notice=""
) -> Response:
    """The person is in (password, and code when needed): a new session, the audit row, and
    this browser remembered as theirs (``throttle``). With ``codes`` (two-step verification
    just set up), the page that shows the recovery codes once; otherwise off to work."""
    next_path = next_path or session.get(_NEXT_KEY)
    session.clear()
    start_session(user)
    login_user(user)
    if notice:
        flash(notice)
    audit.record(audit.Action.LOGIN, staff=user, object_type="staff", object_id=user.id, detail=how)
    db.session.commit()
    if codes is not None:
        page = render_template(
            "auth/recovery_codes.html", codes=codes, next=next_path or _landing()
        )
        response = make_response(page)
    else:
        response = redirect(next_path or _landing(), code=303)
    throttle.remember_device(response, user.id)
    return response


def throttled_page(refusal: throttle.Refusal) -> Response:
    """Too many failed attempts: a plain 429 page, and when to try again (``Retry-After``)."""
    page = render_template(
        "auth/throttled.html",
        wait=throttle.wait_in_words(refusal.retry_after),
        account_wide=refusal.count == throttle.ACCOUNT,
    )
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(refusal.retry_after)
    return response


def form_errors(form) -> list[tuple[str, str]]:
    """``(field id, first message)`` of each field with an error, for the error summary."""
    return [(form[name].id, messages[0]) for name, messages in form.errors.items() if messages]


@bp.post("/logout")
@allow(SIGNING_IN, NURSE, MANAGER, ADMIN)
def logout():
    """Sign out: the session ends on the server, so its cookie is useless from now on."""
    if not current_user.is_authenticated:  # half signed in: the code never came
        pending = pending_sign_in()
        if AccountActionForm().validate_on_submit():
            end_session(pending, "logout")
            audit.record(
                audit.Action.LOGOUT,
                staff=pending.user,
                object_type="staff",
                object_id=pending.user_id,
                detail="before the code",
            )
            db.session.commit()
            session.clear()
            flash("You have signed out.")
        return redirect(url_for("auth.login"), code=303)
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


@bp.get("/account")
@allow(NURSE, MANAGER, ADMIN)
def account():
    """One's own account: roles, password, two-step verification."""
    user = current_user._get_current_object()
    return render_template(
        "auth/account.html",
        user=user,
        mfa_required=mfa.required(user),
        codes_left=mfa.recovery_codes_left(user) if user.has_mfa else 0,
    )


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
