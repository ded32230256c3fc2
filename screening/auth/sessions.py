"""Staff sessions kept on the server: a new one at each sign-in, ended by logout, timeout or
deactivation. The browser's cookie holds only the session's token, so a cookie replayed after
the session ended opens nothing."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash
from sqlalchemy import select, update

from .. import audit
from ..clock import utcnow
from ..extensions import db, login_manager
from ..models import StaffSession, StaffUser, new_token, token_hash


def start_session(user: StaffUser) -> str:
    """Open a new session for ``user`` and return its token (the Flask-Login id)."""
    token = new_token()
    now = utcnow()
    staff_session = StaffSession(
        token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now
    )
    db.session.add(staff_session)
    user.session_token = token
    return token


def end_session(staff_session: StaffSession, reason: str) -> None:
    """End one session (logout, timeout): its cookie is refused from now on."""
    if staff_session.ended_at is None:
        staff_session.ended_at = utcnow()
        staff_session.end_reason = reason


def end_all_sessions(user: StaffUser, reason: str, keep: StaffSession | None = None) -> None:
    """End every open session of ``user`` (deactivation, password change), except ``keep``."""
    statement = (
        update(StaffSession)
        .where(StaffSession.user_id == user.id, StaffSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    if keep is not None:
        statement = statement.where(StaffSession.id != keep.id)
    db.session.execute(statement)


@login_manager.user_loader
def load_signed_in_staff(token: str) -> StaffUser | None:
    """The person behind a session cookie, while the session is open and within its timeouts."""
    staff_session = db.session.scalar(
        select(StaffSession).where(StaffSession.token_hash == token_hash(token))
    )
    if staff_session is None or staff_session.ended_at is not None:
        return None
    user = staff_session.user
    now = utcnow()
    config = current_app.config
    idle = now - staff_session.last_seen_at > timedelta(minutes=config["STAFF_IDLE_MINUTES"])
    expired = now - staff_session.created_at > timedelta(hours=config["STAFF_SESSION_HOURS"])
    if not user.active or idle or expired:
        reason = "deactivated" if not user.active else "timeout"
        end_session(staff_session, reason)
        if reason == "timeout":
            audit.record(audit.Action.TIMEOUT, staff=user, object_type="session")
            flash("You were signed out because the session timed out. Sign in again.")
        db.session.commit()
        return None
    staff_session.last_seen_at = now
    db.session.commit()
    user.session_token = token
    user.staff_session = staff_session
    return user
