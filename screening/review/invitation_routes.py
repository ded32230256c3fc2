"""Staff invite patients to screen before a booked appointment."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectChoice, StringField

import rules

from .. import audit
from ..access import MANAGER, NURSE, allow
from ..clock import clinic_today
from ..extensions import db
from ..models import Invitation
from ..outreach import invitations, mailer, outbox
from . import bp

STATE_LABELS = {
    invitations.CREATED: "Created",
    invitations.OPENED: "Opened",
    invitations.STARTED: "Started",
    invitations.SUBMITTED: "Submitted",
    invitations.EXPIRED: "Expired",
    invitations.CANCELLED: "Canceled",
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


class InvitationCancelForm(FlaskForm):
    """Cancel an invited visit before the patient has sent the questionnaire."""

    invitation = StringField("Visit")
    reason = StringField("Reason for canceling")


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
            queued = invitations.email_queued(invitation)
            created = {
                "name": f"{invitation.first_name} {invitation.last_name}",
                "url": None if queued else invitations.invitation_url(token),
                "email": invitation.email if queued else None,
            }
            form = InvitationForm(formdata=None)
    upcoming = db.session.scalars(
        select(Invitation)
        .where(Invitation.appointment_date >= clinic_today())
        .order_by(Invitation.appointment_date, Invitation.appointment_time)
        .limit(200)
    ).all()
    emails = outbox.latest_for_invitations([i.id for i in upcoming])
    status = 400 if request.method == "POST" and form.errors else 200
    shown = (
        render_template(
            "review/invitations.html",
            cancellable=(invitations.CREATED, invitations.OPENED, invitations.STARTED),
            form=form,
            errors=[(form[n].id, m[0]) for n, m in form.errors.items() if m],
            created=created,
            invitations=[(i, invitations.state_of(i)) for i in upcoming],
            # The invitation emails that have not gone (yet): waiting, failed or voided.
            not_gone=[
                (invitation, emails[invitation.id])
                for invitation in upcoming
                if invitation.id in emails and emails[invitation.id].status != outbox.SENT
            ],
            state_labels=STATE_LABELS,
            treatment_titles=dict(rules.treatments()),
            mail_enabled=mailer.mail_enabled(),
        ),
        status,
    )
    audit.record_view(audit.Action.VIEW_INVITATIONS, rows=len(upcoming))
    return shown


def _invitation_or_404(invitation_id: int) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    return invitation


@bp.post("/invitations/cancel")
@allow(NURSE, MANAGER)
def cancel_invitation():
    """Cancel an invited visit, with the reason: its link stops working."""
    form = InvitationCancelForm()
    if not form.validate_on_submit():
        flash("Not canceled: the page timed out. Try again.")
        return redirect(url_for("review.invitation_list"), code=303)
    invitation = (
        db.session.get(Invitation, int(form.invitation.data))
        if (form.invitation.data or "").isdigit() and len(form.invitation.data) <= 9
        else None
    )
    if invitation is None:
        flash("Not canceled: choose a visit from the list.")
        return redirect(url_for("review.invitation_list"), code=303)
    try:
        invitations.cancel_invitation(invitation, form.reason.data or "", current_user)
    except invitations.InvitationError as error:
        flash(f"Not canceled: {error.errors['reason'][0]}.")
    else:
        flash(f"Visit of {invitation.first_name} {invitation.last_name} canceled.")
    return redirect(url_for("review.invitation_list"), code=303)


@bp.post("/invitations/<int:invitation_id>/undo-cancel")
@allow(NURSE, MANAGER)
def undo_cancel_invitation(invitation_id: int):
    """Undo the cancellation of an invited visit."""
    invitation = _invitation_or_404(invitation_id)
    if FlaskForm().validate_on_submit():
        try:
            invitations.undo_invitation_cancellation(invitation, current_user)
        except invitations.InvitationError as error:
            flash(f"Not changed: {error.errors['reason'][0]}.")
        else:
            flash(f"Cancellation of {invitation.first_name} {invitation.last_name}'s visit undone.")
    return redirect(url_for("review.invitation_list"), code=303)
