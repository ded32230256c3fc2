"""The second step of signing in (the code) and setting up two-step verification: at the first
sign-in of an account whose roles need it, or from one's account page."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_login import current_user

from ..access import ADMIN, MANAGER, NURSE, SIGNING_IN, allow
from ..extensions import db
from . import bp, mfa, service
from .forms import CodeForm, SetUpForm
from .routes import complete_sign_in, form_errors, throttled_page
from .sessions import end_session, pending_sign_in

WRONG_CODE = "The code is not right. Enter the code your app shows now, or a recovery code."
WRONG_SET_UP_CODE = "The code is not right. Enter the 6 digits the app shows now for this account."


@bp.route("/mfa", methods=["GET", "POST"])
@allow(SIGNING_IN)
def mfa_code():
    """After the right password: the code from the authenticator app, or a recovery code."""
    pending = pending_sign_in()
    user = pending.user
    if not user.has_mfa:
        return redirect(url_for("auth.mfa_setup"))
    form = CodeForm()
    wrong = False
    if form.validate_on_submit():
        try:
            how = service.check_code(user, form.code.data)
        except service.Throttled as throttled:
            return throttled_page(throttled.refusal)
        if how is not None:
            end_session(pending, "code given")
            notice = ""
            if how == "recovery code":
                notice = (
                    f"You signed in with a recovery code: {mfa.recovery_codes_left(user)} left. "
                    "If your phone is lost, ask an administrator to reset your two-step "
                    "verification."
                )
            return complete_sign_in(user, how=f"password and {how}", notice=notice)
        form.code.errors = [WRONG_CODE]
        wrong = True
    page = render_template("auth/mfa.html", form=form, errors=form_errors(form), user=user)
    return page, 401 if wrong else 200


@bp.route("/mfa/setup", methods=["GET", "POST"])
@allow(SIGNING_IN, NURSE, MANAGER, ADMIN)
def mfa_setup():
    """Set up two-step verification: scan the QR code (or type the key), enter a code from the
    app, then see the recovery codes once. The secret offered is this session's alone until a
    code confirms it."""
    signed_in = current_user.is_authenticated
    staff_session = current_user.staff_session if signed_in else pending_sign_in()
    user = current_user._get_current_object() if signed_in else staff_session.user
    if user.has_mfa:
        return redirect(url_for("auth.account" if signed_in else "auth.mfa_code"))
    if staff_session.mfa_setup_secret is None:
        staff_session.mfa_setup_secret = mfa.new_secret()
        db.session.commit()
    secret = staff_session.mfa_setup_secret
    form = SetUpForm()
    wrong = False
    if form.validate_on_submit():
        try:
            codes = service.set_up_with_code(user, secret, form.code.data)
        except service.Throttled as throttled:
            return throttled_page(throttled.refusal)
        if codes is not None:
            if not signed_in:
                end_session(staff_session, "code given")
                return complete_sign_in(user, how="password and new two-step set-up", codes=codes)
            staff_session.mfa_setup_secret = None
            db.session.commit()
            return render_template(
                "auth/recovery_codes.html", codes=codes, next=url_for("auth.account")
            )
        form.code.errors = [WRONG_SET_UP_CODE]
        wrong = True
    page = render_template(
        "auth/mfa_setup.html",
        form=form,
        errors=form_errors(form),
        user=user,
        required=mfa.required(user),
        signed_in=signed_in,
        qr_code=mfa.qr_code(secret, user),
        key=mfa.grouped(secret),
    )
    return page, 401 if wrong else 200
