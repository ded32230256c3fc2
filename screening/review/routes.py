"""The nurse's pages: the queue, today's appointments, a screening, and every decision on it."""

from __future__ import annotations

from datetime import date, time
from functools import cache
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, literal_column, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response
from wtforms import SelectChoice

import rules
from rules import TOPICS, AnswerError, Kind
from rules.dates import format_date
from rules.i18n import DEFAULT_LANGUAGE, translate
from rules.questions import Visit

from .. import audit, notes
from ..access import MANAGER, NURSE, allow
from ..clearance import (
    ensure_note_findings,
    note_findings,
    notes_dir,
    notes_needed,
    record_paper_note,
    save_uploaded_note,
    verify_note,
)
from ..clock import clinic_today, utcnow
from ..extensions import db
from ..findings import (
    DecisionRefused,
    StaleScreening,
    acknowledge_reschedule,
    cancel_visit,
    check_in,
    comparison_pending,
    confirm_comparison,
    ends_of,
    ensure_cancellable,
    ensure_cancelled,
    ensure_check_in,
    ensure_comparison,
    ensure_resolvable,
    final_answers,
    find_finding,
    move_appointment,
    not_cancelled,
    original_answers,
    recheck_opens,
    resolvable,
    resolve_finding,
    undo_cancellation,
)
from ..i18n import preferred_language, rule_text
from ..intake.forms import StepForm, form_data_from_draft, question_field
from ..lifecycle import NOTE_KINDS, OPEN, covering_notes, is_open, state_of
from ..models import Note, Screening, Status, StatusChange
from ..paging import asked_page, current_page
from ..people import other_screenings
from ..rule_versions import accept_current_rules, compare_with_current_rules
from ..validators import parse_patient_date
from . import bp
from .forms import (
    ENDS_LABELS,
    NOTE_KIND_LABELS,
    STATUS_LABELS,
    AcceptRulesForm,
    AcknowledgeForm,
    CancelForm,
    ConfirmComparisonForm,
    MoveForm,
    NoteUploadForm,
    NoteVerifyForm,
    PaperNoteForm,
    QueueFilterForm,
    ResolveForm,
    UndoCancelForm,
    VersionedForm,
    check_in_reason,
)

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
    statement: per status, an index read of at most ``limit`` entries (ix_screenings_status,
    ix_screenings_queue_order with dates, ix_screenings_queue_filters with a treatment or an
    outcome), however many screenings the clinic has stored."""
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
    conditions.append(
        Screening.status == listed[0] if len(listed) == 1 else Screening.status.in_(listed)
    )
    page, pages = current_page(request.args.get("page"), total, PAGE_SIZE)
    screenings = db.session.scalars(
        select(Screening)
        .where(*conditions)
        .order_by(Screening.appointment_date, Screening.submitted_at, Screening.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    query = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
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
    )


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
    return render_template(
        "review/status_changes.html",
        rows=rows,
        status_labels=STATUS_LABELS,
        can_decide=current_user.has_role(NURSE),
        treatment_titles=dict(rules.treatments()),
    )


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
    return render_template(
        "review/today.html",
        day=format_date(day),
        screenings=screenings,
        status_labels=STATUS_LABELS,
        treatment_titles=dict(rules.treatments()),
    )


def _screening_or_404(screening_id: int) -> Screening:
    screening = db.session.get(Screening, screening_id)
    if screening is None:
        abort(404)
    return screening


@bp.get("/screenings/<int:screening_id>")
@allow(NURSE, MANAGER)
def screening_page(screening_id: int):
    """Everything about one screening; viewing it is audited."""
    screening = _screening_or_404(screening_id)
    audit.record(audit.Action.VIEW_SCREENING, object_type="screening", object_id=screening.id)
    db.session.commit()
    return render_screening(screening)


@cache
def _check_in_form_class(treatment: str, version: str) -> type:
    ruleset = rules.get_ruleset(treatment, version)
    fields = {
        qid: question_field(ruleset.questions_by_id[qid]) for qid in ruleset.check_in_questions
    }
    fields["reason"] = check_in_reason()
    return type("CheckInForm", (StepForm, VersionedForm), fields)


def _check_in_form(screening: Screening, from_request: bool):
    """The check-in form: empty on the page, since check-in asks afresh (a "no" given weeks
    ago is not today's answer), except the answers no check-in may change, shown as they stand;
    or filled from the request."""
    ruleset = rules.get_ruleset(screening.ruleset_id, screening.ruleset_version)
    form_class = _check_in_form_class(ruleset.treatment, ruleset.version)
    if from_request:
        form = form_class()
    else:
        locked = {qid: screening.answers.get(qid) for qid in final_answers(screening)}
        form = form_class(formdata=None, data=form_data_from_draft(locked, form_class))
    form.ruleset = ruleset
    form.visit = Visit(today=clinic_today(), appointment_date=screening.appointment_date)
    form.known_answers = dict(screening.answers)
    return form


def _form_errors(form, form_name: str, screening: Screening) -> list[tuple[str, str]]:
    """``(field id, message)`` of a failed form, for the error summary at the top of the page.

    A resolve form the page no longer shows (its finding cannot be resolved now) is pointed at
    its finding instead.
    """
    hidden = ("row_version", "csrf_token", "return_to")
    rule_id = form_name.removeprefix("resolve_") if form_name.startswith("resolve_") else None
    finding = find_finding(screening, rule_id) if rule_id else None
    shown = finding is None or resolvable(screening, finding)
    return [
        (
            "main" if name in hidden else (form[name].id if shown else f"finding-{rule_id}"),
            messages[0],
        )
        for name, messages in form.errors.items()
        if messages
    ]


def _versioned(form_class, version: int, **data):
    return form_class(formdata=None, row_version=version, **data)


def _cover_choices(screening: Screening, kind: str, note: Note | None = None):
    already = set(note.covers or ()) if note is not None else set()
    return [
        SelectChoice(f["rule_id"], f["rule_id"].replace("_", " ").capitalize())
        for f in note_findings(screening, kind)
        if f["rule_id"] not in already
    ]


def _tick_the_only_choice(field) -> None:
    # A note for the one finding that needs it: ticked to start with, still sent by the nurse.
    if field.data is None and len(field.choices) == 1:
        field.data = [field.choices[0].value]


def _comparison_rows(screening: Screening, others: list[Screening], language: str) -> list:
    """Each earlier screening the nurse must compare this one with: its date, and every answer
    side by side, the changed ones marked."""
    if not comparison_pending(screening):
        return []
    by_id = {other.id: other for other in others}
    ruleset = rules.get_ruleset(screening.ruleset_id, screening.ruleset_version)
    compared = []
    for item in screening.comparison["with"]:
        earlier = by_id.get(item["id"]) or db.session.get(Screening, item["id"])
        if earlier is None:
            continue
        earlier_rules = rules.get_ruleset(earlier.ruleset_id, earlier.ruleset_version)
        rows = []
        for question in ruleset.questions:
            if question.id not in screening.answers and question.id not in earlier.answers:
                continue
            shown_for = earlier_rules.questions_by_id.get(question.id, question)
            rows.append(
                {
                    "id": question.id,
                    "label": translate(question.label, language),
                    "before": display_answer(shown_for, earlier.answers.get(question.id), language)
                    if question.id in earlier.answers
                    else "Not asked",
                    "now": display_answer(question, screening.answers.get(question.id), language)
                    if question.id in screening.answers
                    else "Not asked",
                    "changed": question.id in item["changed"],
                }
            )
        compared.append(
            {
                "screening": earlier,
                "submitted": format_date(date.fromisoformat(item["submitted"])),
                "changed": item["changed"],
                "less_strict": item["less_strict"],
                "mattered": item.get("changed_what_mattered", []),
                "rows": rows,
            }
        )
    return compared


def render_screening(
    screening: Screening,
    status: int = 200,
    error: str | None = None,
    failed: tuple[str, object] | None = None,
):
    """The screening page. ``failed`` is the form that was sent and refused, by name: it keeps
    what the nurse typed, and its errors head the page, each linked to its field."""
    failed_name, failed_form = failed if failed else (None, None)

    def form_for(name: str, make):
        return failed_form if name == failed_name else make()

    ruleset = rules.get_ruleset(screening.ruleset_id, screening.ruleset_version)
    triggered: dict[str, list[str]] = {}
    for finding in screening.findings:
        for qid in finding["answers"]:
            triggered.setdefault(qid, []).append(finding["rule_id"])
    # The page is English; the patient's answers are in the staff member's language.
    language = preferred_language()
    original = original_answers(screening)
    sections = []
    for topic in TOPICS:
        rows = []
        for question in ruleset.questions_in_topic(topic.id):
            if question.id in screening.answers:
                value = display_answer(question, screening.answers[question.id], language)
                value_language = language
            elif question.id in screening.questions_not_asked:
                value = "Not asked: added to the rules after the patient answered"
                value_language = DEFAULT_LANGUAGE
            elif question.id not in original:
                continue
            else:
                value, value_language = "", language
            first = original.get(question.id)
            rows.append(
                {
                    "id": question.id,
                    "label": translate(question.label, language),
                    "value": value,
                    "value_language": value_language,
                    "original": display_answer(question, first, language)
                    if first != screening.answers.get(question.id)
                    else None,
                    "triggered": triggered.get(question.id, []),
                }
            )
        if rows:
            sections.append({"title": translate(topic.title, language), "rows": rows})
    version = screening.row_version
    others = other_screenings(screening)
    check_in_form = form_for(
        "check_in", lambda: _with_version(_check_in_form(screening, False), version)
    )
    verify_forms = {}
    for note in screening.notes:
        verify_form = form_for(f"verify_{note.id}", lambda: _versioned(NoteVerifyForm, version))
        verify_form.covers.choices = _cover_choices(screening, note.kind, note)
        verify_form.covers.id = f"covers-{note.id}"  # one such field per note on the page
        _tick_the_only_choice(verify_form.covers)
        verify_forms[note.id] = verify_form
    paper_form = form_for("paper", lambda: _versioned(PaperNoteForm, version))
    paper_form.covers.choices = [
        SelectChoice(f["rule_id"], f["rule_id"].replace("_", " ").capitalize())
        for kind in NOTE_KINDS
        for f in note_findings(screening, kind)
    ]
    _tick_the_only_choice(paper_form.covers)
    today = clinic_today()
    return (
        render_template(
            "review/screening.html",
            screening=screening,
            sections=sections,
            answers_language=language,
            findings=screening.findings,
            state_of=state_of,
            is_open=is_open,
            ends_of=ends_of(screening),
            covering_notes=covering_notes,
            ends_labels=ENDS_LABELS,
            note_kind_labels=NOTE_KIND_LABELS,
            notes_needed=notes_needed(screening),
            status_labels=STATUS_LABELS,
            appointment=format_date(screening.appointment_date),
            earliest=format_date(screening.earliest_date) if screening.earliest_date else None,
            treatment_title=ruleset.title,
            current_version=rules.CURRENT_VERSIONS[screening.ruleset_id],
            is_appointment_day=today == screening.appointment_date,
            can_acknowledge=any(
                is_open(screening.finding_states, f)
                and f["outcome"] == "reschedule"
                and state_of(screening.finding_states, f) == OPEN
                for f in screening.findings
            ),
            recheck_opens=recheck_opens(screening),
            can_decide=current_user.has_role(NURSE),
            can_cancel=current_user.has_role(NURSE, MANAGER),
            error=error,
            form_errors=_form_errors(failed_form, failed_name, screening)
            if failed_form is not None
            else [],
            resolvable={f["rule_id"] for f in screening.findings if resolvable(screening, f)},
            resolve_forms={
                f["rule_id"]: form_for(
                    f"resolve_{f['rule_id']}",
                    lambda f=f: _resolve_form(f["rule_id"], formdata=None, row_version=version),
                )
                for f in screening.findings
            },
            acknowledge_form=form_for("acknowledge", lambda: _versioned(AcknowledgeForm, version)),
            move_form=form_for(
                "move",
                lambda: _versioned(
                    MoveForm,
                    version,
                    new_time=screening.appointment_time.strftime("%H:%M")
                    if screening.appointment_time
                    else "",
                ),
            ),
            cancel_form=form_for("cancel", lambda: _versioned(CancelForm, version)),
            undo_cancel_form=form_for("undo_cancel", lambda: _versioned(UndoCancelForm, version)),
            compare_form=form_for("compare", lambda: _versioned(ConfirmComparisonForm, version)),
            check_in_form=check_in_form,
            locked_answers=final_answers(screening),
            upload_form=form_for("upload", lambda: _versioned(NoteUploadForm, version)),
            paper_form=paper_form,
            verify_forms=verify_forms,
            decisions=screening.decisions,
            answer_changes=screening.answer_changes,
            others=others,
            compared=_comparison_rows(screening, others, language),
            comparison_pending=comparison_pending(screening),
        ),
        status,
    )


def _resolve_form(rule_id: str, **kwargs) -> ResolveForm:
    form = ResolveForm(**kwargs)
    form.reason.id = f"reason-{rule_id}"  # one such field per finding on the page
    return form


def _with_version(form, version: int):
    form.row_version.data = str(version)
    return form


def display_answer(question, value: Any, language: str = DEFAULT_LANGUAGE) -> str:
    """An answer as staff read it, in ``language``: option labels, dates in words."""
    if value is None:
        return ""
    if question.kind is Kind.DATE:
        return format_date(date.fromisoformat(value), language)
    if question.kind is Kind.MULTI:
        labels = [translate(question.option_label(code), language) for code in value]
        if labels:
            return ", ".join(labels)
        with force_locale(language):  # the page is English; the answer is in ``language``
            return gettext("None")
    return translate(question.option_label(value), language)


def _back(screening: Screening, message: str) -> Response:
    flash(message)
    return redirect(url_for("review.screening_page", screening_id=screening.id), code=303)


def _decide(
    screening: Screening, form_name: str, form, action, available=None
) -> Response | tuple | None:
    """Run ``action`` for a valid form; a form error, a conflict or a refusal comes back as the
    page, keeping what was typed.

    ``available`` raises ``DecisionRefused`` (or ``StaleScreening``) when the action cannot be
    taken at all, whatever was typed: checked first, so the refusal is the page's only message.
    """
    try:
        if available is not None:
            available()
    except StaleScreening:
        db.session.rollback()
        return render_screening(screening, status=409, error=CONFLICT)
    except DecisionRefused as refused:
        db.session.rollback()
        return render_screening(_screening_or_404(screening.id), status=403, error=str(refused))
    if not form.validate_on_submit():
        return render_screening(screening, status=400, failed=(form_name, form))
    try:
        action()
    except (StaleScreening, StaleDataError):
        db.session.rollback()
        screening = _screening_or_404(screening.id)
        return render_screening(screening, status=409, error=CONFLICT)
    except DecisionRefused as refused:
        db.session.rollback()
        screening = _screening_or_404(screening.id)
        if refused.field is not None and refused.field in form:
            form[refused.field].errors = [*form[refused.field].errors, str(refused)]
            return render_screening(screening, status=400, failed=(form_name, form))
        return render_screening(screening, status=403, error=str(refused), failed=(form_name, form))
    return None


@bp.post("/screenings/<int:screening_id>/findings/<rule_id>/resolve")
@allow(NURSE)
def resolve(screening_id: int, rule_id: str):
    """Resolve one finding with a reason: only a note or nurse finding ends so."""
    screening = _screening_or_404(screening_id)
    form = _resolve_form(rule_id)
    # A finding a decision cannot end is refused whatever was posted, and audited.
    failed = _decide(
        screening,
        f"resolve_{rule_id}",
        form,
        lambda: resolve_finding(
            screening, rule_id, form.reason.data, current_user, form.seen_version()
        ),
        available=lambda: ensure_resolvable(screening, rule_id, form.seen_version()),
    )
    return failed or _back(screening, "Decision recorded.")


def _parsed_time(text: str | None) -> time | None:
    if not text:
        return None
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@bp.post("/screenings/<int:screening_id>/acknowledge")
@allow(NURSE)
def acknowledge(screening_id: int):
    """Acknowledge a reschedule; with a new appointment date it is a move of the visit."""
    screening = _screening_or_404(screening_id)
    form = AcknowledgeForm()

    def act():
        if form.new_date.data:
            move_appointment(
                screening,
                parse_patient_date(form.new_date.data),
                screening.appointment_time,
                form.reason.data or "",
                current_user,
                form.seen_version(),
                clinic_today(),
            )
        else:
            acknowledge_reschedule(
                screening, form.reason.data or "", current_user, form.seen_version()
            )

    failed = _decide(
        screening,
        "acknowledge",
        form,
        act,
        available=lambda: not_cancelled(screening, form.seen_version()),
    )
    moved = bool(form.new_date.data)
    return failed or _back(screening, "Appointment moved." if moved else "Reschedule acknowledged.")


@bp.post("/screenings/<int:screening_id>/move")
@allow(NURSE)
def move(screening_id: int):
    """Move the appointment to a new date and time, from any status, with the reason."""
    screening = _screening_or_404(screening_id)
    form = MoveForm()
    failed = _decide(
        screening,
        "move",
        form,
        lambda: move_appointment(
            screening,
            parse_patient_date(form.new_date.data),
            _parsed_time(form.new_time.data),
            form.reason.data,
            current_user,
            form.seen_version(),
            clinic_today(),
        ),
        available=lambda: not_cancelled(screening, form.seen_version()),
    )
    return failed or _back(screening, "Appointment moved. The patient's page shows the new date.")


@bp.post("/screenings/<int:screening_id>/cancel")
@allow(NURSE, MANAGER)
def cancel(screening_id: int):
    """Cancel the visit, with the reason."""
    screening = _screening_or_404(screening_id)
    form = CancelForm()
    failed = _decide(
        screening,
        "cancel",
        form,
        lambda: cancel_visit(screening, form.reason.data, current_user, form.seen_version()),
        available=lambda: ensure_cancellable(screening, form.seen_version()),
    )
    return failed or _back(screening, "Visit cancelled.")


@bp.post("/screenings/<int:screening_id>/undo-cancel")
@allow(NURSE, MANAGER)
def undo_cancel(screening_id: int):
    """Undo the visit's cancellation, with the reason."""
    screening = _screening_or_404(screening_id)
    form = UndoCancelForm()
    failed = _decide(
        screening,
        "undo_cancel",
        form,
        lambda: undo_cancellation(screening, form.reason.data, current_user, form.seen_version()),
        available=lambda: ensure_cancelled(screening, form.seen_version()),
    )
    return failed or _back(screening, "Cancellation undone.")


@bp.post("/screenings/<int:screening_id>/compare")
@allow(NURSE)
def compare(screening_id: int):
    """Confirm the screening after comparing it with the person's earlier ones."""
    screening = _screening_or_404(screening_id)
    form = ConfirmComparisonForm()
    failed = _decide(
        screening,
        "compare",
        form,
        lambda: confirm_comparison(screening, form.reason.data, current_user, form.seen_version()),
        available=lambda: ensure_comparison(screening, form.seen_version()),
    )
    return failed or _back(screening, "Comparison confirmed.")


@bp.get("/screenings/<int:screening_id>/current-rules")
@allow(NURSE, MANAGER)
def current_rules(screening_id: int):
    """The stored result beside the current rules' result for the same answers; changes nothing."""
    screening = _screening_or_404(screening_id)
    audit.record(
        audit.Action.VIEW_SCREENING,
        object_type="screening",
        object_id=screening.id,
        detail="compared with the current rules",
    )
    db.session.commit()
    return render_rules_comparison(screening)


def render_rules_comparison(
    screening: Screening, form: AcceptRulesForm | None = None, error: str = "", status: int = 200
):
    """The comparison page, with the accept form keeping what the nurse typed."""
    comparison = compare_with_current_rules(screening, clinic_today())
    if comparison is None:
        return _back(screening, "This screening already uses the current rules.")
    current = rules.get_ruleset(screening.ruleset_id)
    if form is None:
        form = AcceptRulesForm(formdata=None, row_version=screening.row_version)
    return (
        render_template(
            "review/current_rules.html",
            screening=screening,
            comparison=comparison,
            stored_title=f"Version {comparison.from_version}",
            current=current,
            not_asked_labels=[current.questions_by_id[q].label for q in comparison.not_asked],
            unchanged=[
                f
                for f in screening.findings
                if f["rule_id"] not in {c.rule_id for c in comparison.changes}
            ],
            form=form,
            form_errors=[
                (form.reason.id if name == "reason" else "main-submit", messages[0])
                for name, messages in form.errors.items()
            ],
            error=error,
            can_decide=current_user.has_role(NURSE),
        ),
        status,
    )


@bp.post("/screenings/<int:screening_id>/current-rules")
@allow(NURSE)
def accept_rules(screening_id: int):
    """Accept the current rules' result for this screening; the move is recorded."""
    screening = _screening_or_404(screening_id)
    form = AcceptRulesForm()
    if not form.validate_on_submit():
        return render_rules_comparison(screening, form, status=400)
    from_version = screening.ruleset_version
    try:
        accept_current_rules(
            screening, form.reason.data, current_user, form.seen_version(), clinic_today()
        )
    except (StaleScreening, StaleDataError):
        db.session.rollback()
        screening = _screening_or_404(screening_id)
        return render_rules_comparison(screening, error=CONFLICT, status=409)
    except DecisionRefused as refused:
        db.session.rollback()
        return render_rules_comparison(screening, form, error=str(refused), status=403)
    return _back(
        screening,
        f"Now evaluated under version {screening.ruleset_version} of the rules "
        f"(was version {from_version}).",
    )


@bp.post("/screenings/<int:screening_id>/check-in")
@allow(NURSE)
def record_check_in(screening_id: int):
    """The patient's answers on the day; a changed answer evaluates the screening again."""
    screening = _screening_or_404(screening_id)
    form = _check_in_form(screening, True)

    def act():
        try:
            check_in(
                screening,
                form.values(),
                form.reason.data or "",
                current_user,
                form.seen_version(),
                clinic_today(),
            )
        except AnswerError as error:
            for qid, messages in error.errors.items():
                if qid in form:
                    form[qid].errors = [*form[qid].errors, rule_text(messages[0])]
            raise DecisionRefused(
                "; ".join(m[0] for m in error.errors.values()),
                field=next((qid for qid in error.errors if qid in form), None),
            ) from None

    failed = _decide(
        screening,
        "check_in",
        form,
        act,
        available=lambda: ensure_check_in(screening, form.seen_version(), clinic_today()),
    )
    return failed or _back(
        screening, f"Check-in recorded. Status: {STATUS_LABELS[screening.status]}."
    )


@bp.post("/screenings/<int:screening_id>/notes")
@allow(NURSE)
def upload_note(screening_id: int):
    """Upload a note on the patient's behalf."""
    screening = _screening_or_404(screening_id)
    form = NoteUploadForm()
    if screening.cancelled_at is not None:
        return render_screening(screening, status=403, error="This visit was cancelled.")
    if not form.validate_on_submit():
        return render_screening(screening, status=400, failed=("upload", form))
    if form.seen_version() != screening.row_version:
        return render_screening(screening, status=409, error=CONFLICT)
    try:
        save_uploaded_note(screening, form.kind.data, request.files.get("file"), current_user)
    except notes.NoteRejected as rejected:
        form.kind.errors = []
        return render_screening(screening, status=400, error=str(rejected), failed=("upload", form))
    return _back(screening, "Note uploaded. Verify it when you have read it.")


@bp.post("/screenings/<int:screening_id>/notes/paper")
@allow(NURSE)
def paper_note(screening_id: int):
    """Record a note received on paper, checked by the nurse recording it, for the findings
    chosen."""
    screening = _screening_or_404(screening_id)
    form = PaperNoteForm()
    failed = _decide(
        screening,
        "paper",
        form,
        lambda: record_paper_note(
            screening, form.kind.data, form.covers.data or [], current_user, form.seen_version()
        ),
        available=lambda: ensure_note_findings(screening, None, None),
    )
    return failed or _back(screening, "Paper note recorded as verified.")


def _note_or_404(screening: Screening, note_id: int) -> Note:
    note = db.session.get(Note, note_id)
    if note is None or note.screening_id != screening.id:
        abort(404)
    return note


@bp.post("/screenings/<int:screening_id>/notes/<int:note_id>/verify")
@allow(NURSE)
def verify(screening_id: int, note_id: int):
    """Confirm a note is what the findings chosen need; it ends only those."""
    screening = _screening_or_404(screening_id)
    note = _note_or_404(screening, note_id)
    form = NoteVerifyForm()
    failed = _decide(
        screening,
        f"verify_{note.id}",
        form,
        lambda: verify_note(
            screening, note, form.covers.data or [], current_user, form.seen_version()
        ),
        available=lambda: ensure_note_findings(screening, note.kind, note),
    )
    return failed or _back(screening, "Note verified.")


@bp.get("/screenings/<int:screening_id>/notes/<int:note_id>")
@allow(NURSE)
def download_note(screening_id: int, note_id: int):
    """The note file, as an attachment that the browser will not run; each view is audited."""
    screening = _screening_or_404(screening_id)
    note = _note_or_404(screening, note_id)
    if note.on_paper or note.stored_name is None:
        abort(404)
    try:
        content = notes.read_note(notes_dir(), note.stored_name, note.sha256)
    except notes.NoteIntegrityError:
        audit.record(
            audit.Action.VIEW_NOTE,
            result="failed",
            object_type="note",
            object_id=note.id,
            detail="integrity check failed",
        )
        db.session.commit()
        current_app.logger.error("Note %s failed its integrity check", note.id)
        abort(500)
    audit.record(audit.Action.VIEW_NOTE, object_type="note", object_id=note.id)
    db.session.commit()
    extension = note.stored_name.rsplit(".", 1)[1]
    response = current_app.response_class(content, mimetype=note.content_type)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="screening-{screening.id}-note-{note.id}.{extension}"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "no-store"
    return response
