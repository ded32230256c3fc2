"""Staff accounts as plain functions, shared by the pages and the command line."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select, update

from .. import audit
from ..access import STAFF_ROLES
from ..clock import utcnow
from ..extensions import db
from ..models import StaffUser
from ..validators import text_problem, text_problem_message
from .passwords import hash_password, needs_rehash, password_problem, verify_password
from .sessions import end_all_sessions

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


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
        failed_logins=0,
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

    Unknown address, wrong password, locked or deactivated account: the same ``None`` after the
    same work, so the answer tells an attacker nothing. Each failure is audited; the 10th in a
    row locks the account for 15 minutes.
    """
    config = current_app.config
    user = find_staff(email) if len(email) <= 254 else None
    matched = verify_password(user.password_hash if user else None, password[:1024])
    now = utcnow()
    if user is None:
        audit.record(audit.Action.FAILED_LOGIN, result="failed", detail="unknown account")
        db.session.commit()
        return None
    locked = user.locked_until is not None and user.locked_until > now
    if matched and user.active and not locked:
        user.failed_logins = 0
        user.locked_until = None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return user
    reason = "locked" if locked else ("deactivated" if not user.active else "wrong password")
    if not locked and user.active and not matched:
        # Counted in the database, under the write lock: failures arriving at once all count.
        db.session.execute(
            update(StaffUser)
            .where(StaffUser.id == user.id)
            .values(failed_logins=StaffUser.failed_logins + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(user, ["failed_logins"])
        if user.failed_logins >= config["LOCKOUT_FAILURES"]:
            user.locked_until = now + timedelta(minutes=config["LOCKOUT_MINUTES"])
            user.failed_logins = 0
            reason = "wrong password; account locked"
    audit.record(
        audit.Action.FAILED_LOGIN,
        result="failed",
        staff=user,
        object_type="staff",
        object_id=user.id,
        detail=reason,
    )
    db.session.commit()
    return None


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
    else:
        user.failed_logins = 0
        user.locked_until = None
    audit.record(
        audit.Action.ACCOUNT_CHANGE,
        staff=by,
        object_type="staff",
        object_id=user.id,
        detail="activated" if active else "deactivated",
    )
    db.session.commit()
