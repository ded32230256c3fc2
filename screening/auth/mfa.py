"""Two-step verification for staff: a code from an authenticator app (TOTP, RFC 6238: 6 digits
every 30 seconds) after the password, or one of the recovery codes given at set-up.

Required of the roles in ``MFA_REQUIRED_ROLES`` (managers and admins), optional for the others,
who set it up from their account page. An account that needs it and has none sets it up at its
next sign-in, after the password and before any other page. A code is accepted once: the time
step of the last one accepted is kept, and only a later step's code is taken. Recovery codes are
80 random bits each, shown once, kept as SHA-256 hashes, each usable once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

import pyotp
import segno
from flask import current_app
from markupsafe import Markup
from sqlalchemy import delete, func, or_, select, update

from .. import audit
from ..clock import utcnow
from ..extensions import db
from ..models import RecoveryCode, StaffUser
from .sessions import end_all_sessions

INTERVAL = 30  # seconds per code
DRIFT = 1  # the step before and after are accepted too: a phone's clock a little off, a slow hand
_RECOVERY_BYTES = 10  # 80 bits: 16 base32 characters


def required(user: StaffUser) -> bool:
    """Whether the person's roles need two-step verification."""
    return user.has_role(*current_app.config["MFA_REQUIRED_ROLES"])


def needed_at_sign_in(user: StaffUser) -> bool:
    """Whether signing in asks for a code after the password (or sets the app up first)."""
    return user.has_mfa or required(user)


def new_secret() -> str:
    """A fresh TOTP secret (160 bits, base32), offered at set-up."""
    return pyotp.random_base32()


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app: "ABCD EFGH ..."."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code(secret: str, user: StaffUser) -> Markup:
    """The set-up QR code as inline SVG, drawn here (nothing fetched, no script)."""
    issuer = current_app.config["CLINIC_NAME"]
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="qr-code", lineclass=None
    )
    label = "QR code to scan with your authenticator app"
    # segno draws only paths from the QR modules (the URI is encoded as modules, never written
    # into the markup), and the label is ours: nothing untrusted reaches this Markup.
    drawn = svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return Markup(drawn)  # noqa: S704  # nosec B704


def _step_matching(secret: str, code: str, after: int | None) -> int | None:
    """The time step, later than ``after``, whose code is ``code`` now; ``None`` if none."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=INTERVAL)
    now = totp.timecode(utcnow())
    for step in range(now - DRIFT, now + DRIFT + 1):
        if (after is None or step > after) and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _plain(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(_plain(code).encode()).hexdigest()


def confirm_set_up(user: StaffUser, secret: str, code: str) -> list[str] | None:
    """Turn two-step verification on with ``secret`` when ``code`` is the app's current code;
    returns the new recovery codes (shown once), or ``None`` for a wrong code. The caller
    commits."""
    step = _step_matching(secret, _plain(code), None)
    if step is None:
        return None
    user.mfa_secret = secret
    user.mfa_enabled_at = utcnow()
    user.mfa_last_step = step
    codes = new_recovery_codes(user)
    audit.record(
        audit.Action.ACCOUNT_CHANGE,
        staff=user,
        object_type="staff",
        object_id=user.id,
        detail="two-step verification set up",
    )
    return codes


def new_recovery_codes(user: StaffUser) -> list[str]:
    """Replace the person's recovery codes with new ones; returns them, readable, for showing
    once ("abcd-efgh-jkmn-pqrs")."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    now = utcnow()
    codes = []
    for _ in range(current_app.config["MFA_RECOVERY_CODES"]):
        raw = base64.b32encode(secrets.token_bytes(_RECOVERY_BYTES)).decode().lower()
        code = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
        db.session.add(
            RecoveryCode(user_id=user.id, code_hash=_recovery_hash(code), created_at=now)
        )
        codes.append(code)
    return codes


def check_code(user: StaffUser, code: str) -> str | None:
    """Whether ``code`` is one the person may use now ("code" or "recovery code"), using it up;
    ``None`` otherwise. The caller commits. Two requests with the same code at once: the
    database takes it once."""
    if not user.has_mfa:
        return None
    plain = _plain(code)
    step = _step_matching(user.mfa_secret, plain, user.mfa_last_step)
    if step is not None:
        taken = db.session.execute(
            update(StaffUser)
            .where(
                StaffUser.id == user.id,
                or_(StaffUser.mfa_last_step.is_(None), StaffUser.mfa_last_step < step),
            )
            .values(mfa_last_step=step)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            return None
        user.mfa_last_step = step
        return "code"
    if len(plain) != 16:
        return None
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(plain),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return "recovery code" if used.rowcount == 1 else None


def recovery_codes_left(user: StaffUser) -> int:
    """How many of the person's recovery codes are still unused."""
    return db.session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def reset(user: StaffUser, *, by: StaffUser | None = None) -> None:
    """Take two-step verification off an account (a lost phone and lost recovery codes): its
    sessions end, and it sets the app up again at its next sign-in when its roles need it."""
    user.mfa_secret = None
    user.mfa_enabled_at = None
    user.mfa_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    end_all_sessions(user, "two-step reset")
    audit.record(
        audit.Action.ACCOUNT_CHANGE,
        staff=by,
        object_type="staff",
        object_id=user.id,
        detail="two-step verification reset",
    )
    db.session.commit()
