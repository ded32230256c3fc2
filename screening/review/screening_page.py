"""A screening's page for staff: every answer, the findings and how each ends, the notes, the
person's other screenings, and every form a decision is made with, keeping what was typed when a
form comes back refused.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from flask import render_template, url_for
from flask_babel import force_locale, gettext
from flask_login import current_user
from wtforms import SelectChoice

import rules
from rules import TOPICS, Kind
from rules.dates import format_date
from rules.i18n import DEFAULT_LANGUAGE, translate
from rules.questions import ADDED_QUESTIONS, CORE_QUESTIONS, Visit

from ..access import MANAGER, NURSE
from ..check_in import (
    final_answers,
    original_answers,
    recheck_opens,
)
from ..clearance import (
    note_findings,
    notes_needed,
)
from ..clock import clinic_today
from ..extensions import db
from ..findings import (
    comparison_pending,
    ends_of,
    find_finding,
    resolvable,
)
from ..i18n import preferred_language
from ..intake.forms import StepForm, form_data_from_draft, question_field
from ..lifecycle import NOTE_KINDS, OPEN, covering_notes, is_open, state_of
from ..models import Note, Screening
from ..new_dates import requests_of
from ..people import other_screenings
from .forms import (
    ENDS_LABELS,
    NOTE_KIND_LABELS,
    STATUS_LABELS,
    AcknowledgeForm,
    CancelForm,
    ConfirmComparisonForm,
    MoveForm,
    NoteUploadForm,
    NoteVerifyForm,
    PaperNoteForm,
    ResolveForm,
    UndoCancelForm,
    VersionedForm,
    check_in_reason,
)


@cache
def _check_in_form_class(treatment: str, version: str) -> type:
    ruleset = rules.get_ruleset(treatment, version)
    fields = {
        qid: question_field(ruleset.questions_by_id[qid]) for qid in ruleset.check_in_questions
    }
    fields["reason"] = check_in_reason()
    return type("CheckInForm", (StepForm, VersionedForm), fields)


def build_check_in_form(screening: Screening, from_request: bool):
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


_EVERY_QUESTION = {question.id: question for question in CORE_QUESTIONS + ADDED_QUESTIONS}


def _told_changed_rows(screening: Screening, language: str) -> list[dict[str, str]]:
    """The answers the patient changed after being told they settle the visit: the question,
    the answer then and the answer sent, for the nurse to check with the patient."""
    if not comparison_pending(screening):
        return []
    ruleset = rules.get_ruleset(screening.ruleset_id, screening.ruleset_version)
    rows = []
    for qid, change in screening.comparison.get("told_changed", {}).items():
        # Told under another treatment's questions, the patient may have changed treatment.
        question = ruleset.questions_by_id.get(qid) or _EVERY_QUESTION[qid]
        rows.append(
            {
                "label": translate(question.label, language),
                "told": display_answer(question, change["told"], language),
                "now": display_answer(question, change["now"], language)
                if change["now"] is not None
                else "Not answered",
            }
        )
    return rows


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
                value = (
                    "Not asked: added to the rules after the patient answered"
                    if screening.consented
                    else "Not asked: the patient stopped when told the visit cannot go ahead"
                )
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
        "check_in", lambda: _with_version(build_check_in_form(screening, False), version)
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
    signed = signed_consent(screening)
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
            signed_consent=signed,
            signed_consent_verified=signed is not None
            and signed.digest() == screening.consent_text_hash,
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
                    lambda f=f: resolve_form(f["rule_id"], formdata=None, row_version=version),
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
            told_changed=_told_changed_rows(screening, language),
            comparison_pending=comparison_pending(screening),
            new_date_requests=requests_of(screening),
            # The front desk's work as much as a nurse's: whoever may cancel a visit.
            can_mark_requests_done=current_user.has_role(NURSE, MANAGER),
            # Shown after a refused POST too: the language switch comes back to the page.
            language_return=url_for("review.screening_page", screening_id=screening.id),
        ),
        status,
    )


def signed_consent(screening: Screening) -> rules.ConsentDocument | None:
    """The consent text the screening names (treatment, version, language), from its released
    file; ``None`` when there is no such file, or nothing was signed. Compare its ``digest()``
    with the hash stored before showing it as the text signed."""
    if not screening.consented:
        return None
    try:
        return rules.consent_for(
            screening.treatment, screening.consent_language, screening.consent_version
        )
    except KeyError:
        return None


def resolve_form(rule_id: str, **kwargs) -> ResolveForm:
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
