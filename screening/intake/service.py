"""The questionnaire's storage: drafts saved at each step, and the one-time submission.

The app talks to ``rules`` here and nowhere else in the intake.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

import rules
from rules import AnswerError, Question, RuleSet, consent_for
from rules.i18n import DEFAULT_LANGUAGE

from .. import audit, people
from ..clock import clinic_date, clinic_today, utcnow
from ..database import refresh_locked
from ..extensions import db
from ..lifecycle import derive_status, endings, stored_findings
from ..models import Draft, Screening, new_token, token_hash
from .steps import IDENTITY_FIELDS, Step, steps_for

NOT_ANSWERED = "Not answered yet"
_BLOCKING = (rules.Outcome.RESCHEDULE, rules.Outcome.NEEDS_CLEARANCE)


def start_draft(data: dict[str, Any] | None = None) -> tuple[Draft, str]:
    """A new draft (empty, or holding ``data``) and the token of its resume link (the only
    copy of the token)."""
    token = new_token()
    now = utcnow()
    draft = Draft(
        token_hash=token_hash(token),
        data=dict(data or {}),
        created_at=now,
        updated_at=now,
        expires_at=now + timedelta(days=current_app.config["DRAFT_LIFETIME_DAYS"]),
    )
    db.session.add(draft)
    db.session.commit()
    return draft, token


# Built once, not per call (building it cost more than running it): every patient page reads
# the draft (the submit benchmark's goal, bench/submit.py).
_DRAFT_BY_TOKEN = (
    select(Draft, Screening.id)
    .outerjoin(Screening, Screening.draft_id == Draft.id)
    .where(Draft.token_hash == bindparam("token_hash"))
)


def find_draft(token: str | None) -> Draft | None:
    """The draft a resume link or the session points to, expired or not."""
    if not token or len(token) > 100:
        return None
    # Every caller asks whether the draft was submitted: the same query says so, by the
    # screening's id only. Loading the whole screening with it (a joined load of its many
    # columns) took a sixth of the consent POST (the submit benchmark's goal, bench/submit.py).
    row = db.session.execute(_DRAFT_BY_TOKEN, {"token_hash": token_hash(token)}).first()
    if row is None:
        return None
    draft, screening_id = row
    if screening_id is None:
        set_committed_value(draft, "screening", None)  # known: no query when it is read
    return draft


def is_expired(draft: Draft) -> bool:
    """An unsubmitted draft past its lifetime can no longer be resumed."""
    return draft.screening is None and utcnow() >= draft.expires_at


# In the draft's data: the text typed on a page that was not a valid answer when the patient
# left the page ("Finish later", the language switch), by page, to show it again there.
TYPED = "_typed"


def save_answers(
    draft: Draft,
    values: dict[str, Any],
    typed: dict[str, dict[str, list[str]]] | None = None,
    sent_from: str | None = None,
) -> None:
    """Merge one page's answers into the draft and commit; the draft is read again under the
    lock, so a page saved at the same moment from another tab is kept too.

    ``typed``: by page, text to show again that is not an answer (it replaces that page's);
    ``sent_from``: the page whose answers these all are, whose typed text they replace."""
    refresh_locked(db.session, draft, ["data"])
    pages = dict(draft.data.get(TYPED) or {})
    pages.update(typed or {})
    if sent_from is not None:
        pages.pop(sent_from, None)
    data = {**draft.data, **values, TYPED: {page: kept for page, kept in pages.items() if kept}}
    if not data[TYPED]:
        del data[TYPED]
    draft.data = data  # a new dict, so the JSON column sees the change
    draft.updated_at = utcnow()
    db.session.commit()


def new_link(draft: Draft) -> str:
    """A new link for the draft's answers, in the caller's transaction: once committed, the old
    one no longer opens them (one link at a time, the one given to whoever proved to be the
    patient last)."""
    token = new_token()
    draft.token_hash = token_hash(token)
    return token


def typed_on(draft: Draft, step_id: str) -> dict[str, list[str]]:
    """The text typed on a page that was not a valid answer when the patient left it."""
    return (draft.data.get(TYPED) or {}).get(step_id, {})


# In the draft's data: the answers behind what the patient was told settles the visit (a page
# saying it cannot go ahead as booked), as they were when told, by question.
TOLD = "_told"


def settled(draft: Draft, language: str = DEFAULT_LANGUAGE) -> tuple[rules.Finding, ...]:
    """What the answers given so far already settle (``rules.settled_so_far``): findings
    that mean the visit cannot go ahead as booked, whatever is still to be answered."""
    ruleset = chosen_ruleset(draft)
    appointment = draft.data.get("appointment_date")
    if ruleset is None or not appointment:
        return ()
    return rules.settled_so_far(
        ruleset.treatment,
        appointment,
        answers_for(ruleset, draft.data),
        today=clinic_today(),
        version=ruleset.version,
        language=language,
    )


def settles_the_visit(result: rules.Result | None) -> bool:
    """Whether a full evaluation holds what ``settled`` finds in a partial one (with every
    answer given, the same findings: the consent page asks no second evaluation)."""
    return result is not None and any(
        f.outcome in _BLOCKING and not f.overridable for f in result.findings
    )


def remember_told(draft: Draft, findings: Collection[rules.Finding]) -> None:
    """Keep the answers behind ``findings`` as they are now, the first time the patient is told
    of each: changing one afterwards sends the screening to a nurse (``_told_changed``)."""
    told = dict(draft.data.get(TOLD) or {})
    behind = {qid: value for f in findings for qid, value in f.answers.items()}
    if all(qid in told for qid in behind):
        return
    refresh_locked(db.session, draft, ["data"])
    told = dict(draft.data.get(TOLD) or {})
    for qid, value in behind.items():
        told.setdefault(qid, value)
    draft.data = {**draft.data, TOLD: told}
    db.session.commit()


def chosen_ruleset(draft: Draft) -> RuleSet | None:
    """The current rule set of the treatment the draft names, or ``None`` before one is chosen."""
    treatment = draft.data.get("treatment")
    return rules.get_ruleset(treatment) if treatment in rules.RULESETS else None


def ruleset_for(draft: Draft) -> RuleSet:
    """The current rule set of the draft's treatment, or of the first treatment before one is
    chosen (every rule set shares the core questions asked before the treatment)."""
    return chosen_ruleset(draft) or rules.get_ruleset(next(iter(rules.RULESETS)))


def steps_of(draft: Draft) -> tuple[Step, ...]:
    """The pages of the draft's questionnaire: those of its treatment's rule set."""
    return steps_for(chosen_ruleset(draft))


def applicable_questions(ruleset: RuleSet, data: dict[str, Any]) -> list[Question]:
    """The rule set's questions that apply to these answers (a last-dose date only when a
    substance was taken), in the order they are asked."""
    applicable = []
    answers: dict[str, Any] = {}
    for question in ruleset.questions:
        condition = question.applies_when
        if condition is not None and not condition.holds(answers):
            continue
        applicable.append(question)
        if data.get(question.id) is not None:
            answers[question.id] = data[question.id]
    return applicable


def answers_for(ruleset: RuleSet, data: dict[str, Any]) -> dict[str, Any]:
    """The rule set's answers from the draft, without those to questions that do not apply.

    The draft keeps the answers of every treatment the patient chose, so that switching back
    restores them; only the rule set's own questions are evaluated and stored.
    """
    return {
        question.id: data[question.id]
        for question in applicable_questions(ruleset, data)
        if data.get(question.id) is not None
    }


@dataclass(frozen=True)
class Review:
    """What check your answers shows: the result so far, or every problem left."""

    ruleset: RuleSet
    answers: dict[str, Any]
    errors: dict[str, list[str]]
    result: rules.Result | None


def review(draft: Draft) -> Review:
    """Evaluate the draft as it stands, without storing anything."""
    ruleset = ruleset_for(draft)
    answers = answers_for(ruleset, draft.data)
    errors: dict[str, list[str]] = {
        name: [NOT_ANSWERED] for name in IDENTITY_FIELDS if not draft.data.get(name)
    }
    result = None
    try:
        result = rules.evaluate(
            treatment=ruleset.treatment,
            appointment_date=draft.data.get("appointment_date") or "",
            answers=answers,
            today=clinic_today(),
            version=ruleset.version,
        )
    except AnswerError as error:
        errors.update(error.errors)
    # Text kept from a page left halfway is no answer yet: its page must be sent again, and
    # check your answers says so, even where an earlier answer is still saved.
    for kept in (draft.data.get(TYPED) or {}).values():
        for name in kept:
            errors.setdefault(name, [NOT_ANSWERED])
    # The visit's own fields, before the patient reaches them, are simply not answered yet.
    if "treatment" not in draft.data:
        errors["treatment"] = [NOT_ANSWERED]
    if not draft.data.get("appointment_date"):
        errors["appointment_date"] = [NOT_ANSWERED]
    return Review(ruleset, answers, errors, None if errors else result)


@dataclass(frozen=True)
class ConsentRecord:
    """Who signed, from where, and which text: ``document``, the treatment's current consent in
    English when ``None``."""

    signature: str
    ip_address: str
    user_agent: str
    document: rules.ConsentDocument | None = None


@dataclass(frozen=True)
class SentFrom:
    """Where answers sent without a consent came from."""

    ip_address: str
    user_agent: str


# Compiled once: the ORM's unit of work, or values() per call, would cost more than everything
# else a submit does.
INSERT_SCREENING = insert(Screening.__table__).returning(Screening.__table__.c.id)


def submit(draft: Draft, consent: ConsentRecord, checked: Review | None = None) -> int:
    """Evaluate and store the screening once; returns its id. A repeated or concurrent submit
    stores nothing and returns the id of the first.

    ``checked`` is the draft's ``review`` when the caller has it already. Raises
    ``AnswerError`` when the answers no longer evaluate (for example, the appointment date has
    passed since the draft was saved).
    """
    if draft.screening is not None:
        return draft.screening.id
    checked = checked or review(draft)
    if checked.result is None:
        raise AnswerError(checked.errors)
    now = utcnow()
    signed = consent.document or consent_for(checked.ruleset.treatment)
    signature = {
        "consent_signature": consent.signature,
        "consent_text_hash": signed.digest(),
        "consent_version": signed.version,
        "consent_language": signed.language,
        "consent_signed_at": now,
    }
    return _store(
        draft, checked.ruleset, checked.answers, checked.result, signature, consent, now=now
    )


def send_settled(draft: Draft, sent_from: SentFrom, language: str = DEFAULT_LANGUAGE) -> int | None:
    """Store the screening of a questionnaire the patient stopped once told the visit cannot go
    ahead as booked (``settled``): the answers given, the questions never asked marked so
    (never read as "no": each blocking rule reading one waits for a nurse), and no consent,
    which the patient was never asked to sign. Returns its id, or ``None`` when the answers no
    longer settle anything (changed in another tab).

    Raises ``AnswerError`` when the answers given do not evaluate (the patient's name or
    contact missing, an appointment date now past).
    """
    if draft.screening is not None:
        return draft.screening.id
    ruleset = chosen_ruleset(draft)
    missing = {name: [NOT_ANSWERED] for name in IDENTITY_FIELDS if not draft.data.get(name)}
    if ruleset is None:
        missing["treatment"] = [NOT_ANSWERED]
    if missing or ruleset is None:
        raise AnswerError(missing)
    answers = answers_for(ruleset, draft.data)
    not_asked = _not_asked(ruleset, answers)
    result = rules.evaluate(
        ruleset.treatment,
        draft.data.get("appointment_date") or "",
        answers,
        today=clinic_today(),
        version=ruleset.version,
        not_asked=not_asked,
    )
    if not settles_the_visit(result):
        return None
    unsigned = {
        "consent_signature": None,
        "consent_text_hash": None,
        "consent_version": None,
        "consent_language": language,  # the patient's, as their messages are written in
        "consent_signed_at": None,
    }
    return _store(draft, ruleset, answers, result, unsigned, sent_from, not_asked=not_asked)


def _not_asked(ruleset: RuleSet, answers: dict[str, Any]) -> list[str]:
    """The rule set's questions ``answers`` lacks that might have applied: every one but a
    follow-up whose question was answered so that it does not apply."""
    not_asked: list[str] = []
    for question in ruleset.questions:
        condition = question.applies_when
        if question.id in answers:
            continue
        if condition is None or condition.question in not_asked or condition.holds(answers):
            not_asked.append(question.id)
    return not_asked


def _store(
    draft: Draft,
    ruleset: RuleSet,
    answers: dict[str, Any],
    result: rules.Result,
    signature: dict[str, Any],
    sent_from: ConsentRecord | SentFrom,
    not_asked: list[str] | None = None,
    now: datetime | None = None,
) -> int:
    """Insert the screening and its audit row in one transaction; returns its id, or the id of
    the draft's screening another request stored first."""
    data = draft.data
    findings = stored_findings(result)
    now = now or utcnow()
    person = people.person_columns(data["last_name"], data["email"], data["phone"], answers)
    comparison = _comparison(person, ruleset, answers, findings, _told_changed(data))
    row = {
        "draft_id": draft.id,
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "email": data["email"],
        "phone": data["phone"],
        **person,
        "treatment": ruleset.treatment,
        "appointment_date": date.fromisoformat(data["appointment_date"]),
        "appointment_time": time.fromisoformat(data["appointment_time"])
        if data.get("appointment_time")
        else None,
        "answers": answers,
        "ruleset_id": ruleset.treatment,
        "ruleset_version": ruleset.version,
        "questions_not_asked": not_asked or [],
        "findings": findings,
        "finding_states": {},
        "comparison": comparison,
        "instructions": [instruction.to_dict() for instruction in result.instructions],
        "outcome": str(result.outcome),
        "earliest_date": result.earliest_date,
        "status": derive_status(
            findings,
            {},
            [],
            endings(*ruleset.key),
            comparison_pending=comparison is not None,
            consented=signature["consent_signature"] is not None,
        ),
        **signature,
        "consent_ip": sent_from.ip_address[:64],
        "consent_user_agent": sent_from.user_agent[:1000],
        "submitted_at": now,
        "updated_at": now,
    }
    # The insert takes the write lock (``database``: on SQLite the reading part ends there, and
    # the lock is held only while the screening and its audit row are written).
    try:
        screening_id = db.session.connection().execute(INSERT_SCREENING, row).scalar_one()
        # Who: the patient's own link; what: submitted. No PHI, like every audit row.
        audit.record(
            audit.Action.SUBMITTED,
            object_type="screening",
            object_id=screening_id,
            detail="from the patient's link",
            staff=audit.PATIENT_LINK,
        )
        db.session.commit()
    except IntegrityError:
        # Another request submitted the same draft first: its screening is the one.
        db.session.rollback()
        existing = db.session.scalar(
            select(Screening.id).where(Screening.draft_id == row["draft_id"])
        )
        if existing is None:
            raise
        return existing
    return screening_id


def _told_changed(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The answers the patient changed after being told they settle the visit (``TOLD``): by
    question, the answer then and the answer now (``None`` when taken back)."""
    return {
        qid: {"told": then, "now": data.get(qid)}
        for qid, then in (data.get(TOLD) or {}).items()
        if data.get(qid) != then
    }


def _comparison(
    person: dict[str, Any],
    ruleset: RuleSet,
    answers: dict[str, Any],
    findings: list[dict[str, Any]],
    told_changed: dict[str, dict[str, Any]],
) -> dict[str, Any] | None:
    """What this screening must wait for a nurse to compare, as ``Screening.comparison`` keeps
    it; ``None`` when nothing: the person's earlier screenings (lifecycle invariant 6), and the
    answers changed after the patient was told they settle the visit ("told_changed")."""
    # Only an earlier screening with a blocking finding can be washed out by a newer one: one
    # less strict than it, or changing an answer behind one of its findings.
    earlier = people.screenings_of(person, flagged=True)
    now = utcnow()
    differences = [
        people.difference(
            screening,
            clinic_date(screening.submitted_at),
            answers,
            findings,
            ruleset.key,
            now,
        )
        for screening in earlier
    ]
    waiting = [d.as_stored() for d in differences if d.needs_a_nurse]
    if told_changed:
        return {"with": waiting, "told_changed": told_changed, "confirmed_by": None}
    return {"with": waiting, "confirmed_by": None} if waiting else None


def first_step_to_answer(
    draft: Draft, errors: Collection[str] = (), skip: str | None = None
) -> Step | None:
    """The first of the draft's pages (other than ``skip``) with a question the patient was
    never asked, or a field named in ``errors``; ``None`` when there is none.

    A question is never asked when the draft holds no answer for it at all: after a change of
    treatment, its new questions. An optional question left empty counts as asked.
    """
    ruleset = ruleset_for(draft)
    never_asked = {
        question.id
        for question in applicable_questions(ruleset, draft.data)
        if question.id not in draft.data
    }
    for step in steps_of(draft):
        if step.id == skip:
            continue
        if any(name in errors or name in never_asked for name in step.field_names(ruleset)):
            return step
    return None


@dataclass(frozen=True)
class PatientTexts:
    """What the outcome page tells the patient, in their language and in the rules' current
    words: the stored findings' patient texts, and the pre-care instructions dated from today."""

    by_rule: dict[str, str]
    instructions: tuple[rules.Instruction, ...]

    def finding(self, stored: dict[str, Any]) -> dict[str, Any]:
        """A stored finding with its patient text in the patient's language."""
        text = self.by_rule.get(stored["rule_id"])
        return {**stored, "patient_text": text} if text else stored


def patient_texts(screening: Screening, language: str) -> PatientTexts:
    """The patient texts of a stored screening in ``language``, as the rules word them now.

    The stored findings stay as the rules gave them (the contract, in English). Each is worded
    again from its stored message id and values, with the visit's appointment date: in the
    patient's language, and in the rules' current words, so wording mended since (a text that
    must not tell anyone to stop a prescribed medicine) reaches old screenings too. A finding
    whose message the rules no longer have keeps its stored text. Instructions are dated from
    today, so none names a day already past.
    """
    today = min(clinic_today(), screening.appointment_date)
    by_rule: dict[str, str] = {}
    for finding in screening.findings:
        message = finding.get("message")
        if not message:
            continue
        earliest = finding["earliest_date"]
        try:
            by_rule[finding["rule_id"]] = rules.word_message(
                message["id"],
                message["values"],
                screening.appointment_date,
                date.fromisoformat(earliest) if earliest else None,
                language,
            )
        except (KeyError, ValueError):
            continue  # a text the rules no longer have: the stored one is shown
    instructions = rules.instructions_for(
        screening.ruleset_id,
        screening.ruleset_version,
        screening.appointment_date,
        today,
        language,
    )
    return PatientTexts(by_rule, instructions)
