"""The nurse's pages: the queue, today's appointments, a screening, and every decision on it."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user
from sqlalchemy import func, literal_column, select
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

import rules
from rules import TOPICS, AnswerError, Kind
from rules.dates import format_date
from rules.i18n import DEFAULT_LANGUAGE, translate
from rules.questions import Visit

from .. import audit, notes
from ..access import MANAGER, NURSE, allow
from ..clock import clinic_today
from ..extensions import db
from ..findings import (
    CHECK_IN_QUESTIONS,
    DecisionRefused,
    StaleScreening,
    accept_current_rules,
    acknowledge_reschedule,
    check_in,
    compare_with_current_rules,
    find_finding,
    is_open_blocker,
    notes_dir,
    notes_needed,
    record_paper_note,
    refuse_override,
    resolve_finding,
    save_uploaded_note,
    state_of,
    verify_note,
)
from ..i18n import preferred_language
from ..intake.forms import StepForm, question_field
from ..models import Note, Screening, Status
from ..paging import asked_page, current_page
from ..validators import parse_patient_date
from . import bp
from .forms import (
    NOTE_KIND_LABELS,
    STATUS_LABELS,
    AcceptRulesForm,
    AcknowledgeForm,
    NoteUploadForm,
    NoteVerifyForm,
    PaperNoteForm,
    QueueFilterForm,
    ResolveForm,
    VersionedForm,
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
        qid: question_field(ruleset.questions_by_id[qid])
        for qid in CHECK_IN_QUESTIONS
        if qid in ruleset.questions_by_id
    }
    return type("CheckInForm", (StepForm, VersionedForm), fields)


def _check_in_form(screening: Screening, from_request: bool):
    """The check-in form: empty on the page, since check-in asks afresh (a "no" given weeks
    ago is not today's answer), or filled from the request."""
    ruleset = rules.get_ruleset(screening.ruleset_id, screening.ruleset_version)
    form_class = _check_in_form_class(ruleset.treatment, ruleset.version)
    form = form_class() if from_request else form_class(formdata=None)
    form.ruleset = ruleset
    form.visit = Visit(today=clinic_today(), appointment_date=screening.appointment_date)
    form.known_answers = dict(screening.answers)
    return form


def render_screening(screening: Screening, status: int = 200, error: str | None = None, **forms):
    """The screening page, with any form that failed keeping what the nurse typed."""
    ruleset = rules.get_ruleset(screening.ruleset_id, screening.ruleset_version)
    triggered: dict[str, list[str]] = {}
    for finding in screening.findings:
        for qid in finding["answers"]:
            triggered.setdefault(qid, []).append(finding["rule_id"])
    # The page is English; the patient's answers are in the staff member's language.
    language = preferred_language()
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
            else:
                continue
            rows.append(
                {
                    "id": question.id,
                    "label": translate(question.label, language),
                    "value": value,
                    "value_language": value_language,
                    "triggered": triggered.get(question.id, []),
                }
            )
        if rows:
            sections.append({"title": translate(topic.title, language), "rows": rows})
    version = screening.row_version
    return (
        render_template(
            "review/screening.html",
            screening=screening,
            sections=sections,
            answers_language=language,
            findings=screening.findings,
            state_of=state_of,
            is_open_blocker=is_open_blocker,
            verified_kinds={n.kind for n in screening.notes if n.verified},
            note_kind_labels=NOTE_KIND_LABELS,
            notes_needed=notes_needed(screening),
            status_labels=STATUS_LABELS,
            appointment=format_date(screening.appointment_date),
            earliest=format_date(screening.earliest_date) if screening.earliest_date else None,
            treatment_title=ruleset.title,
            current_version=rules.CURRENT_VERSIONS[screening.ruleset_id],
            is_appointment_day=clinic_today() == screening.appointment_date,
            can_decide=current_user.has_role(NURSE),
            error=error,
            resolve_forms={
                f["rule_id"]: forms.get(f"resolve_{f['rule_id']}")
                or ResolveForm(formdata=None, row_version=version)
                for f in screening.findings
            },
            acknowledge_form=forms.get("acknowledge")
            or AcknowledgeForm(formdata=None, row_version=version),
            check_in_form=forms.get("check_in")
            or _with_version(_check_in_form(screening, False), version),
            upload_form=forms.get("upload") or NoteUploadForm(formdata=None, row_version=version),
            paper_form=forms.get("paper") or PaperNoteForm(formdata=None, row_version=version),
            verify_form=NoteVerifyForm(formdata=None, row_version=version),
            decisions=screening.decisions,
        ),
        status,
    )


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


def _decide(screening: Screening, form_name: str, form, action) -> Response | tuple:
    """Run ``action`` for a valid form; conflicts and refusals come back as the page."""
    if not form.validate_on_submit():
        return render_screening(screening, status=400, **{form_name: form})
    try:
        action()
    except StaleScreening:
        db.session.rollback()
        return render_screening(screening, status=409, error=CONFLICT)
    except StaleDataError:
        db.session.rollback()
        screening = _screening_or_404(screening.id)
        return render_screening(screening, status=409, error=CONFLICT)
    except DecisionRefused as refused:
        db.session.rollback()
        return render_screening(screening, status=403, error=str(refused), **{form_name: form})
    return None


@bp.post("/screenings/<int:screening_id>/findings/<rule_id>/resolve")
@allow(NURSE)
def resolve(screening_id: int, rule_id: str):
    """Resolve one finding with a reason."""
    screening = _screening_or_404(screening_id)
    finding = find_finding(screening, rule_id)
    if finding is not None and not finding["overridable"]:
        # Refused whatever was posted, before the form is even read, and audited.
        try:
            refuse_override(screening)
        except DecisionRefused as refused:
            return render_screening(screening, status=403, error=str(refused))
    form = ResolveForm()
    failed = _decide(
        screening,
        f"resolve_{rule_id}",
        form,
        lambda: resolve_finding(
            screening, rule_id, form.reason.data, current_user, form.seen_version()
        ),
    )
    return failed or _back(screening, "Decision recorded.")


@bp.post("/screenings/<int:screening_id>/acknowledge")
@allow(NURSE)
def acknowledge(screening_id: int):
    """Acknowledge a reschedule, with the new appointment date when the patient rebooked."""
    screening = _screening_or_404(screening_id)
    form = AcknowledgeForm()

    def act():
        new_date = parse_patient_date(form.new_date.data) if form.new_date.data else None
        try:
            acknowledge_reschedule(
                screening,
                new_date,
                form.reason.data or "",
                current_user,
                form.seen_version(),
                clinic_today(),
            )
        except AnswerError as error:
            messages = error.errors.get("appointment_date") or ["The new date is not acceptable"]
            raise DecisionRefused(f"New appointment date: {messages[0]}") from None

    failed = _decide(screening, "acknowledge", form, act)
    return failed or _back(screening, "Reschedule acknowledged.")


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
            check_in(screening, form.values(), current_user, form.seen_version(), clinic_today())
        except AnswerError as error:
            raise DecisionRefused("; ".join(m[0] for m in error.errors.values())) from None

    failed = _decide(screening, "check_in", form, act)
    return failed or _back(
        screening, f"Check-in recorded. Status: {STATUS_LABELS[screening.status]}."
    )


@bp.post("/screenings/<int:screening_id>/notes")
@allow(NURSE)
def upload_note(screening_id: int):
    """Upload a note on the patient's behalf."""
    screening = _screening_or_404(screening_id)
    form = NoteUploadForm()
    if not form.validate_on_submit():
        return render_screening(screening, status=400, upload=form)
    if form.seen_version() != screening.row_version:
        return render_screening(screening, status=409, error=CONFLICT)
    try:
        save_uploaded_note(screening, form.kind.data, request.files.get("file"), current_user)
    except notes.NoteRejected as rejected:
        form.kind.errors = []
        return render_screening(screening, status=400, error=str(rejected), upload=form)
    return _back(screening, "Note uploaded. Verify it when you have read it.")


@bp.post("/screenings/<int:screening_id>/notes/paper")
@allow(NURSE)
def paper_note(screening_id: int):
    """Record a note received on paper (checked by the nurse recording it)."""
    screening = _screening_or_404(screening_id)
    form = PaperNoteForm()
    failed = _decide(
        screening,
        "paper",
        form,
        lambda: record_paper_note(screening, form.kind.data, current_user, form.seen_version()),
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
    """Confirm an uploaded note is what the finding needs."""
    screening = _screening_or_404(screening_id)
    note = _note_or_404(screening, note_id)
    form = NoteVerifyForm()
    failed = _decide(
        screening,
        "verify",
        form,
        lambda: verify_note(screening, note, current_user, form.seen_version()),
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
