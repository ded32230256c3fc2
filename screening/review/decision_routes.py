"""Every decision staff make on a screening: resolve, acknowledge, move, cancel and undo, compare,
accept the current rules, check in, and the clearance notes. Each checks first whether it can
be taken at all, then the form, then asks the service, and comes back as the page when refused.
"""

from __future__ import annotations

from datetime import time

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response

import rules
from rules import AnswerError

from .. import audit, notes
from ..access import MANAGER, NURSE, allow
from ..check_in import (
    check_in,
    ensure_check_in,
)
from ..clearance import (
    ensure_note_findings,
    notes_dir,
    record_paper_note,
    save_uploaded_note,
    verify_note,
)
from ..clock import clinic_today
from ..extensions import db
from ..findings import (
    DecisionRefused,
    StaleScreening,
    acknowledge_reschedule,
    cancel_visit,
    confirm_comparison,
    ensure_cancellable,
    ensure_cancelled,
    ensure_comparison,
    ensure_resolvable,
    move_appointment,
    not_cancelled,
    resolve_finding,
    undo_cancellation,
)
from ..i18n import rule_text
from ..models import Note, Screening
from ..rule_versions import accept_current_rules, compare_with_current_rules
from ..validators import parse_patient_date
from . import bp
from .forms import (
    STATUS_LABELS,
    AcceptRulesForm,
    AcknowledgeForm,
    CancelForm,
    ConfirmComparisonForm,
    MoveForm,
    NoteUploadForm,
    NoteVerifyForm,
    PaperNoteForm,
    UndoCancelForm,
)
from .routes import CONFLICT, screening_or_404
from .screening_page import build_check_in_form, render_screening, resolve_form


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
        return render_screening(screening_or_404(screening.id), status=403, error=str(refused))
    if not form.validate_on_submit():
        return render_screening(screening, status=400, failed=(form_name, form))
    try:
        action()
    except (StaleScreening, StaleDataError):
        db.session.rollback()
        screening = screening_or_404(screening.id)
        return render_screening(screening, status=409, error=CONFLICT)
    except DecisionRefused as refused:
        db.session.rollback()
        screening = screening_or_404(screening.id)
        if refused.field is not None and refused.field in form:
            form[refused.field].errors = [*form[refused.field].errors, str(refused)]
            return render_screening(screening, status=400, failed=(form_name, form))
        return render_screening(screening, status=403, error=str(refused), failed=(form_name, form))
    return None


@bp.post("/screenings/<int:screening_id>/findings/<rule_id>/resolve")
@allow(NURSE)
def resolve(screening_id: int, rule_id: str):
    """Resolve one finding with a reason: only a note or nurse finding ends so."""
    screening = screening_or_404(screening_id)
    form = resolve_form(rule_id)
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
    screening = screening_or_404(screening_id)
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
    screening = screening_or_404(screening_id)
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


def _reasoned(screening_id: int, form_name: str, form_class, decide, ensure, done: str):
    """A decision on the whole screening that needs only its reason (cancel, undo, compare):
    ``ensure`` says whether it can be taken, ``decide`` takes it."""
    screening = screening_or_404(screening_id)
    form = form_class()
    failed = _decide(
        screening,
        form_name,
        form,
        lambda: decide(screening, form.reason.data, current_user, form.seen_version()),
        available=lambda: ensure(screening, form.seen_version()),
    )
    return failed or _back(screening, done)


@bp.post("/screenings/<int:screening_id>/cancel")
@allow(NURSE, MANAGER)
def cancel(screening_id: int):
    """Cancel the visit, with the reason."""
    return _reasoned(
        screening_id, "cancel", CancelForm, cancel_visit, ensure_cancellable, "Visit canceled."
    )


@bp.post("/screenings/<int:screening_id>/undo-cancel")
@allow(NURSE, MANAGER)
def undo_cancel(screening_id: int):
    """Undo the visit's cancellation, with the reason."""
    return _reasoned(
        screening_id,
        "undo_cancel",
        UndoCancelForm,
        undo_cancellation,
        ensure_cancelled,
        "Cancellation undone.",
    )


@bp.post("/screenings/<int:screening_id>/compare")
@allow(NURSE)
def compare(screening_id: int):
    """Confirm the screening after comparing it with the person's earlier ones."""
    return _reasoned(
        screening_id,
        "compare",
        ConfirmComparisonForm,
        confirm_comparison,
        ensure_comparison,
        "Comparison confirmed.",
    )


@bp.get("/screenings/<int:screening_id>/current-rules")
@allow(NURSE, MANAGER)
def current_rules(screening_id: int):
    """The stored result beside the current rules' result for the same answers; changes nothing."""
    screening = screening_or_404(screening_id)
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
    screening = screening_or_404(screening_id)
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
        screening = screening_or_404(screening_id)
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
    screening = screening_or_404(screening_id)
    form = build_check_in_form(screening, True)

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
    screening = screening_or_404(screening_id)
    form = NoteUploadForm()
    if screening.cancelled_at is not None:
        return render_screening(screening, status=403, error="This visit was canceled.")
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
    screening = screening_or_404(screening_id)
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
    screening = screening_or_404(screening_id)
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
    screening = screening_or_404(screening_id)
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
