"""Staff sessions kept on the server: a new one at each sign-in, ended by logout, timeout or
deactivation. The browser's cookie holds only the session's token, so a cookie replayed after
the session ended opens nothing."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, g, session
from sqlalchemy import select, update

from .. import audit
from ..clock import utcnow
from ..extensions import db, login_manager
from ..models import StaffSession, StaffUser, new_token, token_hash

# The Flask session key of a sign-in waiting for its code: never Flask-Login's own key, so the
# person is nobody to every page but the two-step ones (screening/access.py).
PENDING_KEY = "staff_pending"


def start_session(user: StaffUser, *, pending: bool = False) -> str:
    """Open a new session for ``user`` and return its token (the Flask-Login id). ``pending``:
    the password was right and the code is still to come."""
    token = new_token()
    now = utcnow()
    staff_session = StaffSession(
        token_hash=token_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        mfa_pending=pending,
    )
    db.session.add(staff_session)
    user.session_token = token
    return token


def end_session(staff_session: StaffSession, reason: str) -> None:
    """End one session (logout, timeout): its cookie is refused from now on."""
    if staff_session.ended_at is None:
        staff_session.ended_at = utcnow()
        staff_session.end_reason = reason
    staff_session.mfa_setup_secret = None


def pending_sign_in() -> StaffSession | None:
    """The session of this browser's sign-in waiting for its code: the password was right less
    than ``MFA_PENDING_MINUTES`` ago, the account is on. ``None`` otherwise."""
    if "pending_sign_in" in g:
        return g.pending_sign_in
    token = session.get(PENDING_KEY)
    found = None
    if isinstance(token, str) and token:
        found = db.session.scalar(
            select(StaffSession).where(
                StaffSession.token_hash == token_hash(token),
                StaffSession.mfa_pending.is_(True),
                StaffSession.ended_at.is_(None),
            )
        )
        limit = timedelta(minutes=current_app.config["MFA_PENDING_MINUTES"])
        if found is not None and (not found.user.active or utcnow() - found.created_at > limit):
            end_session(found, "timeout" if found.user.active else "deactivated")
            db.session.commit()
            flash("The sign-in timed out before the code was entered. Sign in again.")
            found = None
        if found is None:
            session.pop(PENDING_KEY, None)
    g.pending_sign_in = found
    return found


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
    if staff_session is None or staff_session.ended_at is not None or staff_session.mfa_pending:
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
