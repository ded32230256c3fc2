"""Managers' pages."""

from __future__ import annotations

from datetime import datetime, time

from flask import render_template, request, url_for
from sqlalchemy import func, select
from wtforms import Form, SelectChoice, SelectField, StringField

from .. import audit
from ..access import MANAGER, allow
from ..clock import clinic_zone
from ..extensions import db
from ..models import AuditEvent, StaffUser
from ..outreach import mailer, outbox
from ..paging import current_page
from ..validators import parse_patient_date, real_date, storable_text
from . import bp

PAGE_SIZE = 50
ACTIONS = sorted(value for name, value in vars(audit.Action).items() if not name.startswith("_"))


class AuditFilterForm(Form):
    """Filters of the audit trail page, from the query string."""

    date_from = StringField("From", validators=[real_date], render_kw={"type": "date"})
    date_to = StringField("To", validators=[real_date], render_kw={"type": "date"})
    action = SelectField(
        "Action",
        choices=[SelectChoice("", "Any")] + [SelectChoice(a, a.replace("_", " ")) for a in ACTIONS],
        default="",
    )
    result = SelectField(
        "Result",
        choices=[
            SelectChoice(v, label)
            for v, label in (
                ("", "Any"),
                ("ok", "OK"),
                ("failed", "Failed"),
                ("refused", "Refused"),
            )
        ],
        default="",
    )
    staff = StringField("Staff email", validators=[storable_text])


@bp.get("/audit")
@allow(MANAGER)
def audit_trail():
    """The audit trail, newest first, filtered by date, action, result and person."""
    form = AuditFilterForm(request.args)
    conditions = []
    zone = clinic_zone()
    if form.validate():
        if form.date_from.data:
            # Days are the clinic's, as every time staff see (lifecycle invariant 11).
            start = datetime.combine(parse_patient_date(form.date_from.data), time.min, zone)
            conditions.append(AuditEvent.at >= start)
        if form.date_to.data:
            end = datetime.combine(parse_patient_date(form.date_to.data), time.max, zone)
            conditions.append(AuditEvent.at <= end)
        if form.action.data:
            conditions.append(AuditEvent.action == form.action.data)
        if form.result.data:
            conditions.append(AuditEvent.result == form.result.data)
        if form.staff.data:
            conditions.append(
                AuditEvent.staff_id.in_(
                    select(StaffUser.id).where(
                        func.lower(StaffUser.email) == form.staff.data.strip().lower()
                    )
                )
            )
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    page, pages = current_page(request.args.get("page"), total, PAGE_SIZE)
    rows = db.session.execute(
        select(AuditEvent, StaffUser.email)
        .outerjoin(StaffUser, StaffUser.id == AuditEvent.staff_id)
        .where(*conditions)
        .order_by(AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    shown = render_template(
        "records/audit.html",
        form=form,
        errors=[(form[name].id, messages[0]) for name, messages in form.errors.items()],
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        page_url=lambda number: url_for("records.audit_trail", **query, page=number),
    )
    # Counts only: the staff email searched for and the other filters stay out of the trail.
    audit.record_view(audit.Action.VIEW_AUDIT, rows=len(rows), page=page, total=total)
    return shown


@bp.get("/outbox")
@allow(MANAGER)
def outbox_page():
    """The emails that did not go (failed or voided, and why) and those still waiting: no
    body is kept once a message is done, and none is shown."""
    not_sent, waiting = outbox.failed_or_voided(), outbox.waiting()
    shown = render_template(
        "records/outbox.html",
        not_sent=not_sent,
        waiting=waiting,
        mail_enabled=mailer.mail_enabled(),
    )
    audit.record_view(audit.Action.VIEW_OUTBOX, rows=len(not_sent) + len(waiting))
    return shown
