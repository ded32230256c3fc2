"""Staff accounts as plain functions, shared by the pages and the command line."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from .. import audit
from ..access import STAFF_ROLES
from ..clock import utcnow
from ..extensions import db
from ..models import StaffUser
from ..validators import text_problem, text_problem_message
from . import mfa, throttle
from .passwords import hash_password, needs_rehash, password_problem, verify_password
from .sessions import end_all_sessions

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Throttled(Exception):
    """Too many failed sign-ins: ``refusal`` says which count is full and how long to wait."""

    def __init__(self, refusal: throttle.Refusal):
        self.refusal = refusal
        super().__init__(f"failures per {refusal.count}")


class AccountError(ValueError):
    """An account change that cannot be made; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(errors.values()))


def find_staff(email: str) -> StaffUser | None:
    """The account with this email address (case-insensitive)."""
    address = email.strip().lower()
    if text_problem(address):
        return None  # no account has one, and databases refuse NUL or lone surrogates: no query
    return db.session.scalar(select(StaffUser).where(func.lower(StaffUser.email) == address))


def create_staff(email: str, name: str, roles: list[str], password: str) -> StaffUser:
    """Create an account; raises ``AccountError`` naming every problem."""
    email, name = email.strip().lower(), " ".join(name.split())
    errors = {}
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        errors["email"] = "Enter an email address like name@clinic.example"
    elif message := text_problem_message("Email address", email):
        errors["email"] = message
    elif find_staff(email) is not None:
        errors["email"] = "An account with this email address already exists"
    if not name or len(name) > 100:
        errors["name"] = "Enter the person's name (at most 100 characters)"
    elif message := text_problem_message("Name", name):
        errors["name"] = message
    if not roles or set(roles) - set(STAFF_ROLES):
        errors["role"] = f"Give one or more roles from: {', '.join(STAFF_ROLES)}"
    problem = password_problem(password, email=email, name=name)
    if problem:
        errors["password"] = problem
    if errors:
        raise AccountError(errors)
    now = utcnow()
    user = StaffUser(
        email=email,
        name=name,
        roles=" ".join(role for role in STAFF_ROLES if role in roles),
        password_hash=hash_password(password),
        active=True,
        created_at=now,
        password_changed_at=now,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        audit.Action.ACCOUNT_CHANGE, object_type="staff", object_id=user.id, detail="created"
    )
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> StaffUser | None:
    """The account when the password is right and the account usable; ``None`` otherwise.

    Unknown address, wrong password, deactivated account: the same ``None`` after the same
    work, so the answer tells an attacker nothing. Each failure is audited and counted
    (``throttle``); when a count is full, raises ``Throttled`` (audited too) before the password
    is checked. Nothing locks the account.
    """
    user = find_staff(email) if len(email) <= 254 else None
    trusted = throttle.trusted_device(user.id if user else None)
    _refuse_when_throttled(email, user, trusted)
    matched = verify_password(user.password_hash if user else None, password[:1024])
    if user is not None and matched and user.active:
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return user
    throttle.count_failure(email, trusted)
    if user is None:
        audit.record(audit.Action.FAILED_LOGIN, result="failed", detail="unknown account")
    else:
        audit.record(
            audit.Action.FAILED_LOGIN,
            result="failed",
            staff=user,
            object_type="staff",
            object_id=user.id,
            detail="deactivated" if not user.active else "wrong password",
        )
    db.session.commit()
    return None


def check_code(user: StaffUser, code: str) -> str | None:
    """The second step: "code" or "recovery code" when ``code`` lets the person in (and is used
    up), ``None`` otherwise, audited and counted like a wrong password. Raises ``Throttled``
    when a count of failures is full. The caller commits."""
    return _second_step(user, lambda: mfa.check_code(user, code), "wrong code")


def set_up_with_code(user: StaffUser, secret: str, code: str) -> list[str] | None:
    """Turn two-step verification on with ``secret`` once ``code`` shows the app holds it;
    returns the recovery codes to show once, or ``None`` (audited and counted like a wrong
    password). Raises ``Throttled`` when a count of failures is full. The caller commits."""
    return _second_step(user, lambda: mfa.confirm_set_up(user, secret, code), "wrong set-up code")


def _second_step(user: StaffUser, attempt, failure: str):
    trusted = throttle.trusted_device(user.id)
    _refuse_when_throttled(user.email, user, trusted)
    result = attempt()
    if result is not None:
        return result
    throttle.count_failure(user.email, trusted)
    audit.record(
        audit.Action.FAILED_LOGIN,
        result="failed",
        staff=user,
        object_type="staff",
        object_id=user.id,
        detail=failure,
    )
    db.session.commit()
    return None


def _refuse_when_throttled(email: str, user: StaffUser | None, trusted: bool) -> None:
    refusal = throttle.refusal(email, trusted)
    if refusal is None:
        return
    audit.record(
        audit.Action.FAILED_LOGIN,
        result="refused",
        staff=user,
        object_type="staff" if user is not None else "",
        object_id=user.id if user is not None else "",
        detail=f"too many failures per {refusal.count}",
    )
    db.session.commit()
    raise Throttled(refusal)


def change_password(user: StaffUser, current: str, new: str) -> None:
    """Change one's own password; other sessions of the account end."""
    errors = {}
    if not verify_password(user.password_hash, current):
        errors["current_password"] = "Your current password is not right"  # noqa: S105
    problem = password_problem(new, email=user.email, name=user.name)
    if problem:
        errors["new_password"] = problem
    if errors:
        raise AccountError(errors)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_all_sessions(user, "password changed", keep=user.staff_session)
    audit.record(audit.Action.PASSWORD_CHANGE, object_type="staff", object_id=user.id)
    db.session.commit()


def set_active(user: StaffUser, active: bool, *, by: StaffUser | None = None) -> None:
    """Deactivate (ending every session at once) or reactivate an account."""
    user.active = active
    if not active:
        end_all_sessions(user, "deactivated")
    audit.record(
        audit.Action.ACCOUNT_CHANGE,
        staff=by,
        object_type="staff",
        object_id=user.id,
        detail="activated" if active else "deactivated",
    )
    db.session.commit()
