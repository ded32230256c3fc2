"""Invitations to screen before a booked appointment, and the API tokens booking systems use.

An invitation's link carries a single-use token (256 bits, stored hashed). Opening it claims
nothing: it shows a start page, whose Start button (a POST) swaps the token for a session and a
draft whose visit is filled in and locked, then redirects to a URL without the token.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import select, update

import rules
from rules.i18n import DEFAULT_LANGUAGE

from .. import audit
from ..clock import clinic_today, utcnow
from ..extensions import db
from ..i18n import patient_date
from ..models import ApiToken, Draft, Invitation, StaffUser, new_token, token_hash
from ..retention import outcome_link_ended
from ..validators import parse_patient_date, text_problem_message
from . import mailer, outbox

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_PUNCTUATION = re.compile(r"[\s().+-]")
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)", re.ASCII)
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")

CREATED, OPENED, STARTED, SUBMITTED, EXPIRED, CANCELLED = (
    "created",
    "opened",
    "started",
    "submitted",
    "expired",
    "cancelled",
)
INVITATION_KEY = "_invitation"  # in a draft's data: the invitation that made it


class InvitationError(ValueError):
    """An invitation that cannot be made; ``errors`` maps field names to lists of messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(m[0] for m in errors.values()))


def _text(errors: dict, name: str, value, label: str, required: bool, max_length: int) -> str:
    value = (value or "").strip() if isinstance(value, str | type(None)) else None
    if value is None:
        errors[name] = [f"{label} must be text"]
        return ""
    if required and not value:
        errors[name] = [f"Enter the patient's {label.lower()}"]
    elif len(value) > max_length or _CONTROL_CHARS.search(value):
        errors[name] = [f"{label} must be one line of at most {max_length} characters"]
    elif message := text_problem_message(label, value):
        errors[name] = [message]
    return value


def create_invitation(
    *,
    first_name,
    last_name,
    email,
    phone,
    treatment,
    appointment_date,
    appointment_time,
    created_by: StaffUser | None = None,
    via: str = "staff",
) -> tuple[Invitation, str]:
    """Validate and store an invitation; returns it with its token (the only copy).

    Raises ``InvitationError`` naming every problem.
    """
    errors: dict[str, list[str]] = {}
    first_name = _text(errors, "first_name", first_name, "First name", True, 100)
    last_name = _text(errors, "last_name", last_name, "Last name", True, 100)
    email = _text(errors, "email", email, "Email address", False, 254)
    phone = _text(errors, "phone", phone, "Phone number", False, 40)
    if email and "email" not in errors and not _EMAIL.fullmatch(email):
        errors["email"] = ["Enter an email address in the correct format, like name@example.com"]
    digits = _PHONE_PUNCTUATION.sub("", phone)
    if phone and "phone" not in errors and not (digits.isdigit() and 7 <= len(digits) <= 15):
        errors["phone"] = ["Enter a phone number, like 909 218 3993"]
    if not email and not phone and not {"email", "phone"} & errors.keys():
        errors["email"] = ["Enter an email address or a phone number to reach the patient"]
    if not isinstance(treatment, str) or treatment not in rules.RULESETS:
        errors["treatment"] = ["Choose a treatment the clinic offers"]
    day = parse_patient_date(appointment_date) if isinstance(appointment_date, str) else None
    today = clinic_today()
    if day is None:
        errors["appointment_date"] = ["Enter the appointment date, like 2026-12-10"]
    elif not today <= day <= today + timedelta(days=366):
        errors["appointment_date"] = ["The appointment must be from today to a year ahead"]
    at = _TIME.fullmatch(appointment_time) if isinstance(appointment_time, str) else None
    if at is None:
        errors["appointment_time"] = ["Enter the appointment time, like 14:30"]
    if errors:
        raise InvitationError(errors)
    starts = time(int(at.group(1)), int(at.group(2)))
    now = utcnow()
    zone = ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
    appointment_at = datetime.combine(day, starts, zone)
    if appointment_at <= now:
        raise InvitationError({"appointment_time": ["The appointment time has already passed"]})
    lifetime = timedelta(days=current_app.config["INVITATION_LIFETIME_DAYS"])
    token = new_token()
    invitation = Invitation(
        token_hash=token_hash(token),
        first_name=first_name,
        last_name=last_name,
        email=email.lower(),
        phone=phone,
        treatment=treatment,
        appointment_date=day,
        appointment_time=starts,
        created_by_id=created_by.id if created_by is not None else None,
        created_via=via,
        created_at=now,
        expires_at=min(appointment_at, now + lifetime),
    )
    db.session.add(invitation)
    db.session.flush()
    audit.record(
        audit.Action.INVITATION,
        staff=created_by,
        object_type="invitation",
        object_id=invitation.id,
        detail=f"created via {via}",
    )
    if email_queued(invitation):
        _queue_invitation_email(invitation, token)
    db.session.commit()
    return invitation, token


def invitation_url(token: str) -> str:
    """The link the patient opens, always under ``PUBLIC_URL``."""
    return public_url_for("intake.invitation", token=token)


def public_url_for(endpoint: str, **values: Any) -> str:
    """An absolute link under ``PUBLIC_URL``, for links sent to patients.

    Never built from the request's Host header: anyone can send any Host, and a link the
    clinic emails must not point at someone else's site.
    """
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        return url_for(endpoint, _external=True, **values)


def _of_token(token: str) -> Invitation | None:
    """The invitation whose link holds ``token``, whatever its state."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(Invitation).where(Invitation.token_hash == token_hash(token)))


def usable(token: str) -> Invitation | None:
    """The invitation of ``token`` if it is valid, unused and unexpired; ``None`` otherwise."""
    invitation = _of_token(token)
    if (
        invitation is None
        or invitation.opened_at is not None
        or invitation.cancelled_at is not None
        or utcnow() >= invitation.expires_at
    ):
        return None
    return invitation


def used(token: str) -> Invitation | None:
    """The invitation of ``token`` once its link was used, while the questionnaire it started
    can still be opened: not cancelled, and the questionnaire's own link not ended
    (``retention``); ``None`` otherwise."""
    invitation = _of_token(token)
    if invitation is None or invitation.opened_at is None or invitation.cancelled_at is not None:
        return None
    draft = invitation.draft
    if draft is None or draft.link_ended_at is not None:
        return None
    if draft.screening is None and utcnow() >= draft.expires_at:
        return None  # an unsent questionnaire past its lifetime: nothing to open
    if draft.screening is not None and outcome_link_ended(draft.screening, clinic_today()):
        return None
    return invitation


def redeem(token: str) -> Invitation | None:
    """Claim a valid, unused, unexpired invitation; ``None`` for anything else.

    The swap is one conditional update, so two clicks at once cannot both succeed.
    """
    invitation = usable(token)
    if invitation is None:
        return None
    claimed = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.opened_at.is_(None))
        .values(opened_at=utcnow())
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        return None
    return invitation


def state_of(invitation: Invitation) -> str:
    """created, opened, started (a page saved), submitted, cancelled or expired."""
    draft = invitation.draft
    if draft is not None and draft.screening is not None:
        return SUBMITTED
    if invitation.cancelled_at is not None:
        return CANCELLED
    if draft is not None and draft.updated_at > draft.created_at:
        return STARTED
    if invitation.opened_at is not None:
        return OPENED
    return EXPIRED if utcnow() >= invitation.expires_at else CREATED


def locked_visit(draft: Draft) -> Invitation | None:
    """The invitation that fixed this draft's treatment and appointment, if any."""
    invitation_id = draft.data.get(INVITATION_KEY)
    return db.session.get(Invitation, invitation_id) if invitation_id else None


def visit_cancelled(draft: Draft) -> bool:
    """Whether the draft answers for an invited visit the clinic has cancelled since."""
    invitation = locked_visit(draft)
    return invitation is not None and invitation.cancelled_at is not None


def cancel_invitation(invitation: Invitation, reason: str, staff: StaffUser) -> None:
    """Cancel an invited visit no screening was sent for yet: its link stops working, and a
    questionnaire begun from it can no longer be sent. Raises ``InvitationError``."""
    reason = (reason or "").strip()
    if not reason:
        raise InvitationError({"reason": ["Give the reason for canceling the visit"]})
    if len(reason) > 2000:
        raise InvitationError({"reason": ["The reason must be 2,000 characters or fewer"]})
    if message := text_problem_message("The reason", reason):
        raise InvitationError({"reason": [message]})
    if invitation.cancelled_at is not None:
        raise InvitationError({"reason": ["This visit is already canceled"]})
    if invitation.draft is not None and invitation.draft.screening is not None:
        raise InvitationError(
            {"reason": ["The patient has sent the questionnaire: cancel the screening instead"]}
        )
    invitation.cancelled_at = utcnow()
    invitation.cancel_reason = reason
    audit.record(
        audit.Action.INVITATION,
        staff=staff,
        object_type="invitation",
        object_id=invitation.id,
        detail="cancelled",
    )
    db.session.commit()


def undo_invitation_cancellation(invitation: Invitation, staff: StaffUser) -> None:
    """Undo a cancellation: the link works again if it is still unused and in time."""
    if invitation.cancelled_at is None:
        raise InvitationError({"reason": ["This visit is not canceled"]})
    invitation.cancelled_at = None
    audit.record(
        audit.Action.INVITATION,
        staff=staff,
        object_type="invitation",
        object_id=invitation.id,
        detail="cancellation undone",
    )
    db.session.commit()


def prefilled_data(invitation: Invitation) -> dict:
    """What an invitation puts in the patient's new draft."""
    return {
        "first_name": invitation.first_name,
        "last_name": invitation.last_name,
        "email": invitation.email,
        "phone": invitation.phone,
        "treatment": invitation.treatment,
        "appointment_date": invitation.appointment_date.isoformat(),
        "appointment_time": invitation.appointment_time.strftime("%H:%M"),
        INVITATION_KEY: invitation.id,
    }


def email_queued(invitation: Invitation) -> bool:
    """Whether the invitation's link goes by email (SMTP is set up and there is an address);
    otherwise staff send it themselves."""
    return mailer.mail_enabled() and bool(invitation.email)


def _queue_invitation_email(invitation: Invitation, token: str) -> None:
    """The link, by email, through the outbox: written with the invitation, sent after."""
    clinic = current_app.config["CLINIC_NAME"]
    # The invitation's email is written in English.
    day = patient_date(invitation.appointment_date, DEFAULT_LANGUAGE)
    when = f"{day} at {invitation.appointment_time:%H:%M}"
    outbox.enqueue(
        "invitation",
        invitation.email,
        f"Before your appointment at {clinic}",
        f"Hello {invitation.first_name},\n\n"
        f"Your appointment at {clinic} is on {when}. Before you come, please answer a few "
        f"questions about your health (about 5 minutes):\n\n{invitation_url(token)}\n\n"
        "The link works once. If you have questions, call us at "
        f"{current_app.config['CLINIC_PHONE']}.\n",
        invitation=invitation,
    )


def create_api_token(name: str) -> str:
    """A new API token for a booking system; only its hash is stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvitationError({"name": ["Give the token a name of at most 100 characters"]})
    if db.session.scalar(select(ApiToken).where(ApiToken.name == name)) is not None:
        raise InvitationError({"name": ["A token with this name already exists"]})
    token = new_token()
    db.session.add(ApiToken(name=name, token_hash=token_hash(token), created_at=utcnow()))
    audit.record(audit.Action.ACCOUNT_CHANGE, object_type="api_token", detail="created")
    db.session.commit()
    return token


def revoke_api_token(name: str) -> bool:
    """Revoke a token by name; returns whether one was found."""
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.name == name.strip()))
    if api_token is None:
        return False
    api_token.revoked_at = utcnow()
    audit.record(
        audit.Action.ACCOUNT_CHANGE,
        object_type="api_token",
        object_id=api_token.id,
        detail="revoked",
    )
    db.session.commit()
    return True


def authenticate_api(header: str | None) -> ApiToken | None:
    """The token behind an ``Authorization: Bearer ...`` header, if valid and not revoked."""
    if not header or not header.startswith("Bearer "):
        return None
    token = header.removeprefix("Bearer ").strip()
    if not token or len(token) > 100:
        return None
    api_token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if api_token is None or api_token.revoked_at is not None:
        return None
    api_token.last_used_at = utcnow()
    return api_token


def appointment_label(day: date, at: time | None) -> str:
    """ "Thursday, December 10, 2026 at 14:30", or without the time when unknown."""
    worded = patient_date(day, DEFAULT_LANGUAGE)
    return f"{worded} at {at:%H:%M}" if at else worded
