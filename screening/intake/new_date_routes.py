"""After a reschedule, the patient asks for a new date from their outcome page."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext

from ..access import PATIENT, allow
from ..clock import clinic_today
from ..extensions import db, limiter
from ..new_dates import ask_for_new_date, offer_for
from . import bp, limits
from .forms import NewDateForm
from .routes import _linked_screening, _see_other, render_result


@bp.post("/result/<token>/new-date")
@allow(PATIENT)
# Each request emails the clinic: a few per link is all a patient needs.
@limiter.limit(
    "5 per hour", key_func=limits.per_link("new-date"), on_breach=limits.refused(limits.NEW_DATE)
)
def ask_new_date(token: str):
    """Store the patient's request for a new date, for the nurse's queue and the clinic's email;
    refused once the page no longer offers it (the appointment changed meanwhile)."""
    screening, refused = _linked_screening(token)
    if refused:
        return refused
    if offer_for(screening, clinic_today()) is None:
        flash(
            gettext(
                "Your request was not sent: your appointment changed since the page was opened. "
                "This is how it stands now."
            )
        )
        return _see_other("intake.result", token=token)
    form = NewDateForm()
    if not form.validate_on_submit():
        return render_result(token, screening, new_date_form=form, status=400)
    ask_for_new_date(screening, form.preferred_times.data, form.contact_by.data, form.contact())
    db.session.commit()
    if form.contact_by.data == "phone":
        flash(gettext("Thank you: we have your request. We will call you to agree a new date."))
    else:
        flash(gettext("Thank you: we have your request. We will email you to agree a new date."))
    return _see_other("intake.result", token=token)
