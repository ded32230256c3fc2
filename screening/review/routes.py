"""The nurse's pages: the queue, today's appointments, a screening, and every decision on it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, literal_column, select, union_all

import rules
from rules.dates import format_date

from .. import audit, new_dates
from ..access import MANAGER, NURSE, allow
from ..clock import clinic_today, utcnow
from ..extensions import db
from ..models import Screening, Status, StatusChange
from ..paging import asked_page, current_page
from ..validators import parse_patient_date
from . import bp
from .forms import (
    STATUS_LABELS,
    QueueFilterForm,
)
from .screening_page import render_screening

PAGE_SIZE = 25
# The queue counts each status only so far past the page shown, then says "1000+": counting every
# cleared screening of the clinic's history on each visit made the page slower as the table grew.
# More than a page, so that a page with more after it always has a next page.
COUNT_LIMIT = 1000
MAX_PAGE = 1_000_000  # a page number asked for beyond this is treated as this (then the last page)
CONFLICT = (
    "This screening changed while you were looking at it: someone else made a decision. "
    "Nothing you entered was saved. The latest version is below."
)


def _status_counts(conditions: list, limit: int) -> dict[str, int]:
    """Screenings in each status under the filters, each counted up to ``limit``, in one
    statement: per status, an index read of at most ``limit`` entries (ix_screenings_queue_order,
    ix_screenings_queue_filters with a treatment or an outcome), however many screenings the
    clinic has stored."""
    counted = [
        select(func.count())
        .select_from(
            select(literal_column("1"))
            .where(Screening.status == status, *conditions)
            .limit(limit)
            .subquery()
        )
        .scalar_subquery()
        for status in Status.ALL
    ]
    return dict(zip(Status.ALL, db.session.execute(select(*counted)).one(), strict=True))


def _queue_page(conditions: list, statuses: tuple[str, ...], offset: int) -> list[Screening]:
    """One page of the screenings in ``statuses`` under the filters, soonest appointment first.

    Each status is read on its own, in order, from an index (ix_screenings_queue_order, or
    ix_screenings_queue_filters with a treatment), no further than the page, and the reads are
    merged. Asked for ``status IN (...)`` with that order, SQLite may choose an index that
    returns the rows unordered and sort every screening in the queue on each visit: the nurse
    queue's bench goal (p50 at most 20 ms at 100,000 screenings) failed that way, by chance.
    """
    order = (Screening.appointment_date, Screening.submitted_at, Screening.id)
    per_status = [
        select(
            select(*order)
            .where(Screening.status == status, *conditions)
            .order_by(*order)
            .limit(offset + PAGE_SIZE)
            .subquery()
        )
        for status in statuses
    ]
    merged = (per_status[0] if len(per_status) == 1 else union_all(*per_status)).subquery()
    page_ids = (
        select(merged.c.id)
        .order_by(merged.c.appointment_date, merged.c.submitted_at, merged.c.id)
        .limit(PAGE_SIZE)
        .offset(offset)
    )
    return db.session.scalars(
        select(Screening).where(Screening.id.in_(page_ids)).order_by(*order)
    ).all()


@bp.get("/")
@allow(NURSE, MANAGER)
def queue():
    """Screenings that need a person, soonest appointment first, with filters and counts."""
    form = QueueFilterForm(request.args)
    valid = form.validate()
    conditions = []
    if valid:
        if form.date_from.data:
            conditions.append(Screening.appointment_date >= parse_patient_date(form.date_from.data))
        if form.date_to.data:
            conditions.append(Screening.appointment_date <= parse_patient_date(form.date_to.data))
        if form.treatment.data:
            conditions.append(Screening.treatment == form.treatment.data)
        if form.outcome.data:
            conditions.append(Screening.outcome == form.outcome.data)
    status = form.status.data if valid else ""
    listed = {"": Status.NEEDS_A_PERSON, "all": Status.ALL}.get(status, (status,))
    # Exact up to COUNT_LIMIT past the page asked for, so the page exists whenever it is counted.
    limit = (asked_page(request.args.get("page"), MAX_PAGE) - 1) * PAGE_SIZE + COUNT_LIMIT
    counts = _status_counts(conditions, limit + 1)
    capped = {s for s, n in counts.items() if n > limit}
    counts = {s: min(n, limit) for s, n in counts.items()}
    # The total comes from the counts by status (same filters): no second count of the table.
    total = sum(counts[s] for s in listed)
    page, pages = current_page(request.args.get("page"), total, PAGE_SIZE)
    screenings = _queue_page(conditions, listed, (page - 1) * PAGE_SIZE)
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    shown = render_template(
        "review/queue.html",
        status_changes_waiting=db.session.scalar(
            select(StatusChange.id).where(StatusChange.handled_at.is_(None)).limit(1)
        )
        is not None,
        form=form,
        errors=[(form[name].id, messages[0]) for name, messages in form.errors.items()],
        screenings=screenings,
        counts=counts,
        capped=capped,
        status_labels=STATUS_LABELS,
        needs_a_person=sum(counts[s] for s in Status.NEEDS_A_PERSON),
        needs_a_person_capped=bool(capped & set(Status.NEEDS_A_PERSON)),
        total=total,
        total_capped=bool(capped & set(listed)),
        page=page,
        pages=pages,
        page_url=lambda number: url_for("review.queue", **query, page=number),
        treatment_titles=dict(rules.treatments()),
        new_date_asked=new_dates.waiting_among(s.id for s in screenings),
    )
    # Counts only: the filters (dates, treatment, outcome, status) stay out of the trail.
    audit.record_view(
        audit.Action.VIEW_QUEUE,
        rows=len(screenings),
        page=page,
        total=total,
        more=bool(capped & set(listed)),
    )
    return shown


@bp.get("/status-changes")
@allow(NURSE, MANAGER)
def status_changes():
    """Screenings whose status changed without anyone acting on them (a change to how findings
    end), soonest appointment first, until a nurse marks each handled."""
    rows = db.session.execute(
        select(StatusChange, Screening)
        .join(Screening, Screening.id == StatusChange.screening_id)
        .where(StatusChange.handled_at.is_(None))
        .order_by(Screening.appointment_date, StatusChange.id)
        .limit(500)
    ).all()
    shown = render_template(
        "review/status_changes.html",
        rows=rows,
        status_labels=STATUS_LABELS,
        can_decide=current_user.has_role(NURSE),
        treatment_titles=dict(rules.treatments()),
    )
    audit.record_view(audit.Action.VIEW_STATUS_CHANGES, rows=len(rows))
    return shown


@bp.post("/status-changes/<int:change_id>/handled")
@allow(NURSE)
def status_change_handled(change_id: int):
    """Mark one status change handled: the nurse has looked at the screening and acted."""
    change = db.session.get(StatusChange, change_id)
    if change is None:
        abort(404)
    if FlaskForm().validate_on_submit() and change.handled_at is None:
        change.handled_at = utcnow()
        change.handled_by_id = current_user.id
        audit.record(
            audit.Action.DECISION,
            object_type="screening",
            object_id=change.screening_id,
            detail=f"status change #{change.id} handled",
        )
        db.session.commit()
        flash("Marked as handled.")
    return redirect(url_for("review.status_changes"), code=303)


@bp.post("/screenings/<int:screening_id>/new-date-done")
@allow(NURSE, MANAGER)
def new_date_done(screening_id: int):
    """Mark the patient's requests for a new date done: the front desk has called or written
    to them (the new date itself is a move of the appointment)."""
    screening = screening_or_404(screening_id)
    if FlaskForm().validate_on_submit() and new_dates.mark_done(screening, current_user):
        db.session.commit()
        flash("Request for a new date marked as done.")
    return redirect(url_for("review.screening_page", screening_id=screening.id), code=303)


@bp.get("/today")
@allow(NURSE, MANAGER)
def today():
    """Every screening for today's appointments, with its status and check-in."""
    day = clinic_today()
    screenings = db.session.scalars(
        select(Screening)
        .where(Screening.appointment_date == day)
        .order_by(Screening.last_name, Screening.first_name, Screening.id)
    ).all()
    shown = render_template(
        "review/today.html",
        day=format_date(day),
        screenings=screenings,
        status_labels=STATUS_LABELS,
        treatment_titles=dict(rules.treatments()),
    )
    audit.record_view(audit.Action.VIEW_TODAY, rows=len(screenings))
    return shown


def screening_or_404(screening_id: int) -> Screening:
    screening = db.session.get(Screening, screening_id)
    if screening is None:
        abort(404)
    return screening


@bp.get("/screenings/<int:screening_id>")
@allow(NURSE, MANAGER)
def screening_page(screening_id: int):
    """Everything about one screening; viewing it is audited."""
    screening = screening_or_404(screening_id)
    audit.record(audit.Action.VIEW_SCREENING, object_type="screening", object_id=screening.id)
    db.session.commit()
    return render_screening(screening)
