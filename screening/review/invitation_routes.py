"""Staff invite patients to screen before a booked appointment."""

from __future__ import annotations

from flask import render_template, request
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectChoice, StringField

import rules

from .. import invitations, mailer
from ..access import MANAGER, NURSE, allow
from ..clock import clinic_today
from ..extensions import db
from ..models import Invitation
from . import bp

STATE_LABELS = {
    invitations.CREATED: "Created",
    invitations.OPENED: "Opened",
    invitations.STARTED: "Started",
    invitations.SUBMITTED: "Submitted",
    invitations.EXPIRED: "Expired",
}


class InvitationForm(FlaskForm):
    """A patient and a booked appointment; the service validates every field."""

    first_name = StringField("First name", render_kw={"autocomplete": "off"})
    last_name = StringField("Last name", render_kw={"autocomplete": "off"})
    email = StringField("Email address", description="An email address or a phone number, or both.")
    phone = StringField("Phone number", render_kw={"type": "tel"})
    treatment = RadioField(
        "Treatment",
        choices=[SelectChoice(t, title) for t, title in rules.treatments()],
        validate_choice=False,
    )
    appointment_date = StringField("Appointment date", render_kw={"type": "date"})
    appointment_time = StringField(
        "Appointment time", description="For example 14:30.", render_kw={"type": "time"}
    )


@bp.route("/invitations", methods=["GET", "POST"])
@allow(NURSE, MANAGER)
def invitation_list():
    """Create an invitation; list upcoming ones with where each stands."""
    form = InvitationForm()
    created = None
    if form.validate_on_submit():
        try:
            invitation, token = invitations.create_invitation(
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                email=form.email.data,
                phone=form.phone.data,
                treatment=form.treatment.data,
                appointment_date=form.appointment_date.data,
                appointment_time=form.appointment_time.data,
                created_by=current_user,
            )
        except invitations.InvitationError as error:
            for name, messages in error.errors.items():
                form[name].errors = list(messages)
        else:
            emailed = False
            if mailer.mail_enabled() and invitation.email:
                try:
                    emailed = invitations.send_invitation_email(invitation, token)
                except OSError:
                    emailed = False
            created = {
                "name": f"{invitation.first_name} {invitation.last_name}",
                "url": None if emailed else invitations.invitation_url(token),
                "email": invitation.email if emailed else None,
            }
            form = InvitationForm(formdata=None)
    upcoming = db.session.scalars(
        select(Invitation)
        .where(Invitation.appointment_date >= clinic_today())
        .order_by(Invitation.appointment_date, Invitation.appointment_time)
        .limit(200)
    ).all()
    status = 400 if request.method == "POST" and form.errors else 200
    return (
        render_template(
            "review/invitations.html",
            form=form,
            errors=[(form[n].id, m[0]) for n, m in form.errors.items() if m],
            created=created,
            invitations=[(i, STATE_LABELS[invitations.state_of(i)]) for i in upcoming],
            treatment_titles=dict(rules.treatments()),
            mail_enabled=mailer.mail_enabled(),
        ),
        status,
    )
