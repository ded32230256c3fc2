"""After a reschedule: the new date a patient is offered, on a day the clinic is open, and the
patient's request for a new date, in the nurse's queue until staff mark it done.

The offered date is for display only: the rules' earliest date (stored, exported and in the
API) stays as the rules give it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select

from rules import Ends

from . import audit
from .clinic_calendar import clinic_calendar
from .clock import utcnow
from .extensions import db
from .findings import ends_of
from .lifecycle import is_open
from .models import NewDateRequest, Screening, StaffUser, Status
from .outreach import invitations, mailer, outbox

# What a new date, or the patient's own fresh answers before it, ends: a reschedule whose open
# findings all end so can be offered a date and a way to ask for one.
ENDED_BY_A_NEW_DATE = frozenset({Ends.DATE, Ends.RECHECK})
CONTACT_WAYS = ("phone", "email")


@dataclass(frozen=True)
class NewDateOffer:
    """What a reschedule's outcome page offers. ``earliest``: the first day the clinic is open
    on or after the date the rules allow; ``None`` when no finding gives a date (only the
    patient's fresh answers end what is open), and only the request form is offered."""

    earliest: date | None


def offer_for(screening: Screening, today: date) -> NewDateOffer | None:
    """What the outcome page offers after a reschedule whose open findings all end by a date or
    a re-check; ``None`` when it offers nothing: the visit is not waiting for a new date, or a
    finding is open that a date never ends (a note, a nurse, a new questionnaire, never)."""
    if screening.status not in (Status.RESCHEDULE, Status.NOT_ELIGIBLE):
        return None
    ends = ends_of(screening)
    open_findings = [f for f in screening.findings if is_open(screening.finding_states, f)]
    if not open_findings or any(ends(f) not in ENDED_BY_A_NEW_DATE for f in open_findings):
        return None
    dated = [f.get("earliest_date") for f in open_findings if ends(f) is Ends.DATE]
    if not dated or None in dated:
        return NewDateOffer(None)  # no date to give (or one the findings lack: none is guessed)
    allowed = max(today, *(date.fromisoformat(day) for day in dated))
    return NewDateOffer(clinic_calendar().next_open_day(allowed))


def ask_for_new_date(
    screening: Screening, preferred_times: str, contact_by: str, contact: str
) -> NewDateRequest:
    """Store the patient's request, audit it, and queue one email to the clinic that holds no
    answer, finding or contact (a link to the screening's page); the caller commits."""
    if contact_by not in CONTACT_WAYS:
        raise ValueError(f"contact_by must be one of {CONTACT_WAYS}")
    request = NewDateRequest(
        screening_id=screening.id,
        preferred_times=preferred_times,
        contact_by=contact_by,
        contact=contact,
        asked_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        audit.Action.NEW_DATE_ASKED,
        object_type="screening",
        object_id=screening.id,
        detail=f"request #{request.id}, to be reached by {contact_by}",
        staff=audit.PATIENT_LINK,
    )
    if mailer.mail_enabled():
        outbox.enqueue(
            "new_date_asked",
            clinic_address(),
            "A patient asked for a new appointment date",
            "A patient whose appointment has to move asked for a new date from their outcome "
            "page. The dates that suit them and how to reach them are on the screening's page "
            f"(sign in to see it):\n\n"
            f"{invitations.public_url_for('review.screening_page', screening_id=screening.id)}\n",
            screening=screening,
        )
    return request


def clinic_address() -> str:
    """Where the clinic reads requests for a new date: ``CLINIC_EMAIL``, else ``MAIL_FROM``."""
    return current_app.config["CLINIC_EMAIL"] or current_app.config["MAIL_FROM"]


def mark_done(screening: Screening, staff: StaffUser) -> int:
    """Mark the screening's waiting requests for a new date done (the patient was called or
    written to), audited; how many were waiting. The caller commits."""
    waiting = [r for r in requests_of(screening) if r.done_at is None]
    if not waiting:
        return 0
    now = utcnow()
    for request in waiting:
        request.done_at = now
        request.done_by_id = staff.id
    audit.record(
        audit.Action.NEW_DATE_DONE,
        object_type="screening",
        object_id=screening.id,
        detail="requests " + ", ".join(f"#{r.id}" for r in waiting) + " done",
        staff=staff,
    )
    return len(waiting)


def requests_of(screening: Screening) -> list[NewDateRequest]:
    """The screening's requests for a new date, the ones not done first, newest first."""
    found = db.session.scalars(
        select(NewDateRequest)
        .where(NewDateRequest.screening_id == screening.id)
        .order_by(NewDateRequest.id.desc())
    ).all()
    return sorted(found, key=lambda r: r.done_at is not None)


def waiting_among(screening_ids: Iterable[int]) -> set[int]:
    """Which of these screenings have a request for a new date not yet done."""
    ids = list(screening_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(NewDateRequest.screening_id).where(
                NewDateRequest.screening_id.in_(ids), NewDateRequest.done_at.is_(None)
            )
        )
    )
