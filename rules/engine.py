"""``evaluate()``: validate every answer, apply the rules, order the findings, date the result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from .dates import format_date, parse_iso_date
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, localized, translate
from .model import AnswerError, Clearance, Finding, Instruction, Outcome, Result
from .questions import Kind, Question, Visit
from .ruleset import Rule, RuleSet
from .rulesets import RULESETS, get_ruleset
from .triggers import Match
from .wording import in_words

_BLOCKING = (Outcome.RESCHEDULE, Outcome.NEEDS_CLEARANCE)

# The patient text of a blocking rule that reads a question the patient was never asked.
NOT_ASKED_PATIENT_TEXT = (
    "We need to ask you something we did not ask before: {questions} A nurse will contact you "
    "before your appointment on {appointment_date}."
)


def evaluate(
    treatment: str,
    appointment_date: date | str,
    answers: Mapping[str, Any],
    today: date | str | None = None,
    version: str | None = None,
    *,
    not_asked: Iterable[str] = (),
    language: str = DEFAULT_LANGUAGE,
) -> Result:
    """Screen one patient's answers for one appointment.

    ``answers`` maps question ids to JSON values (``"yes"``/``"no"``/``"unsure"``, ISO date
    strings or ``date`` objects, lists of option codes). ``today`` defaults to the local date;
    ``version`` to the treatment's current rule set.

    ``not_asked`` names questions the patient was never asked (a screening answered under an
    earlier version, evaluated under a later one). Their answers may be missing, and every
    blocking rule that reads a missing one gives ``needs_clearance`` for a nurse to ask: an
    unanswered question is never read as "no".

    ``language`` (one of ``rules.i18n.LANGUAGES``) is the language of the patient texts of the
    findings and of the instructions; everything else, staff texts included, is the same in
    every language.

    Raises ``AnswerError`` naming every missing or invalid answer; never returns a result for
    incomplete answers.
    """
    unasked = frozenset(not_asked)
    ruleset, visit, values, json_values = validate(
        treatment, appointment_date, answers, today, version, not_asked=unasked, language=language
    )
    return apply_rules(ruleset, visit, values, json_values, unasked, language)


def validate(
    treatment: str,
    appointment_date: date | str,
    answers: Mapping[str, Any],
    today: date | str | None = None,
    version: str | None = None,
    *,
    not_asked: frozenset[str] = frozenset(),
    language: str = DEFAULT_LANGUAGE,
) -> tuple[RuleSet, Visit, dict[str, Any], dict[str, Any]]:
    """Check the visit, the language and every answer; raise ``AnswerError`` listing all
    problems.

    A missing answer to a question in ``not_asked`` is not an error.

    Returns the rule set, the visit, and the answers twice: as Python values for the rules
    (dates, tuples) and as JSON values for findings.
    """
    errors: dict[str, list[str]] = {}

    ruleset = None
    if not isinstance(treatment, str) or treatment not in RULESETS:
        errors["treatment"] = ["Choose a treatment the clinic offers"]
    elif version is not None and (
        not isinstance(version, str) or version not in RULESETS[treatment]
    ):
        errors["version"] = ["Unknown version of this treatment's rules"]
    else:
        ruleset = get_ruleset(treatment, version)

    if today is None:
        today = date.today()
    else:
        today = _as_date(today)
        if today is None:
            errors["today"] = ["Give today's date as YYYY-MM-DD"]
            today = date.today()

    appointment = _as_date(appointment_date)
    if appointment is None:
        errors["appointment_date"] = ["Enter the appointment date as a real date, YYYY-MM-DD"]
    elif appointment < today:
        errors["appointment_date"] = ["The appointment date cannot be in the past"]
        appointment = None

    if not isinstance(language, str) or language not in LANGUAGES:
        errors["language"] = [f"Choose one of the languages offered: {', '.join(LANGUAGES)}"]

    if not isinstance(answers, Mapping):
        errors["answers"] = ["Answers must be a mapping of question ids to answers"]
    elif ruleset is not None:
        # With no valid appointment, checks against it pass; its own error is already listed.
        visit = Visit(today=today, appointment_date=appointment or date.max)
        values, json_values = _validate_answers(ruleset, answers, visit, errors, not_asked)

    if errors:
        raise AnswerError(errors)
    return ruleset, visit, values, json_values


def _validate_answers(
    ruleset: RuleSet,
    answers: Mapping[str, Any],
    visit: Visit,
    errors: dict[str, list[str]],
    not_asked: frozenset[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    questions = ruleset.questions_by_id
    for key in answers:
        if key not in questions:
            errors[str(key)] = ["This question is not part of the screening"]

    values: dict[str, Any] = {}
    json_values: dict[str, Any] = {}
    for question in ruleset.questions:
        raw = answers.get(question.id)
        condition = question.applies_when
        if condition is not None:
            if condition.question in errors:
                continue  # whether it applies is unknown until its controlling answer is fixed
            if not condition.holds(values):
                if raw is not None:
                    errors[question.id] = [
                        "Leave this out: it applies only when "
                        f"{_applies_when_text(ruleset, question)}"
                    ]
                continue
        if raw is None:
            if question.required and question.id not in not_asked:
                errors[question.id] = [question.missing_message]
            continue
        value, message = _parse(question, raw, visit)
        if message is not None:
            errors[question.id] = [message]
            continue
        values[question.id] = value
        json_values[question.id] = (
            list(value)
            if question.kind is Kind.MULTI
            else (value.isoformat() if question.kind is Kind.DATE else value)
        )
    return values, json_values


def _applies_when_text(ruleset: RuleSet, question: Question) -> str:
    condition = question.applies_when
    controller = ruleset.questions_by_id[condition.question]
    if condition.value is None:
        return f"an answer is selected for: {controller.label}"
    return f"the answer is '{controller.option_label(condition.value)}' to: {controller.label}"


def _parse(question: Question, raw: Any, visit: Visit) -> tuple[Any, str | None]:
    """One answer as a Python value, or a message saying what is wrong with it."""
    kind = question.kind
    if kind is Kind.CHOICE:
        if not isinstance(raw, str):
            return None, f"Answer with one of: {_codes(question)}"
        if raw not in question.option_codes:
            return None, f"Choose one of the answers offered: {_codes(question)}"
        return raw, None
    if kind is Kind.MULTI:
        if not isinstance(raw, list | tuple):
            return None, "Answer with a list of option codes"
        chosen: list[str] = []
        for code in raw:
            if not isinstance(code, str) or code not in question.option_codes:
                return None, f"Choose only from the options offered: {_codes(question)}"
            if code not in chosen:
                chosen.append(code)
        if len(chosen) < question.min_choices:
            return None, question.missing_message
        return tuple(chosen), None
    day = _as_date(raw)
    if day is None:
        return None, "Enter a real date in the form YYYY-MM-DD"
    for check in question.date_checks:
        message = check(day, visit)
        if message is not None:
            return None, message
    return day, None


def _codes(question: Question) -> str:
    return ", ".join(option.code for option in question.options)


def _as_date(value: Any) -> date | None:
    """A ``date`` (not a datetime) or a strict ISO date string as a date; otherwise ``None``."""
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_iso_date(value)
    return None


def apply_rules(
    ruleset: RuleSet,
    visit: Visit,
    values: dict[str, Any],
    json_values: dict[str, Any],
    not_asked: frozenset[str] = frozenset(),
    language: str = DEFAULT_LANGUAGE,
) -> Result:
    """Run every rule of ``ruleset`` over validated answers and build the result, with the
    patient texts in ``language``."""
    questions = ruleset.questions_by_id
    findings = []
    for order, rule in enumerate(ruleset.rules):
        unanswered = [qid for qid in rule.reads if qid in not_asked and qid not in values]
        if unanswered:
            if rule.outcome not in _BLOCKING:
                continue  # advice waits for an answer; it would not change the outcome anyway
            finding = _not_asked_finding(rule, unanswered, ruleset, visit, json_values, language)
        else:
            match = rule.when.match(values, visit, questions)
            if match is None:
                continue
            finding = _finding(rule, match, visit, json_values, language)
        findings.append((-finding.outcome.severity, finding.overridable, order, finding))
    findings.sort(key=lambda item: item[:3])
    ordered = tuple(item[3] for item in findings)

    outcome = Outcome.CLEAR
    earliest = None
    for finding in ordered:
        if finding.outcome in _BLOCKING:
            outcome = finding.outcome
            break
    if outcome is Outcome.RESCHEDULE:
        dates = [f.earliest_date for f in ordered if f.outcome is Outcome.RESCHEDULE]
        if None not in dates:
            earliest = max(dates)

    return Result(
        outcome=outcome,
        earliest_date=earliest,
        findings=ordered,
        instructions=_instructions(ruleset, visit.appointment_date, visit.today, language),
        ruleset=ruleset.key,
    )


def _finding(
    rule: Rule, match: Match, visit: Visit, json_values: dict[str, Any], language: str
) -> Finding:
    english = _text_values(match, visit, DEFAULT_LANGUAGE)
    if match.unsure:
        blocking = rule.outcome in _BLOCKING
        outcome = Outcome.NEEDS_CLEARANCE if blocking else rule.outcome
        overridable = True
        clearance = Clearance.NURSE_REVIEW if blocking else None
        patient_template, staff_template = rule.unsure_patient_text, rule.unsure_staff_text
    else:
        outcome, overridable, clearance = rule.outcome, rule.overridable, rule.clearance
        patient_template, staff_template = rule.patient_text, rule.staff_text
    if language == DEFAULT_LANGUAGE:
        patient_text = patient_template.format(**english)
    else:
        patient_text = _translated_text(patient_template, match, visit, english, language)
    return Finding(
        rule_id=rule.id,
        outcome=outcome,
        overridable=overridable,
        earliest_date=None if match.unsure else match.earliest_date,
        clearance=clearance,
        patient_text=patient_text,
        staff_text=staff_template.format(**english),
        source=rule.source,
        answers={qid: json_values[qid] for qid in rule.reads if qid in json_values},
    )


def _text_values(match: Match, visit: Visit, language: str) -> dict[str, str]:
    """What a rule's texts may mention, worded in ``language``."""
    values = {
        "appointment_date": format_date(visit.appointment_date, language),
        "earliest_date": format_date(match.earliest_date, language) if match.earliest_date else "",
    }
    for name, value in match.params.items():
        values[name] = in_words(value, language)
    return values


def _translated_text(
    template: str, match: Match, visit: Visit, english: dict[str, str], language: str
) -> str:
    """A patient text in ``language``, or in English (with English values) when untranslated."""
    text, written_in = localized(template, language)
    if written_in == DEFAULT_LANGUAGE:
        return text.format(**english)
    return text.format(**_text_values(match, visit, written_in))


def _not_asked_finding(
    rule: Rule,
    unanswered: list[str],
    ruleset: RuleSet,
    visit: Visit,
    json_values: dict[str, Any],
    language: str,
) -> Finding:
    questions = ruleset.questions_by_id
    asked = " ".join(f'"{questions[qid].label}"' for qid in unanswered)
    template, written_in = localized(NOT_ASKED_PATIENT_TEXT, language)
    return Finding(
        rule_id=rule.id,
        outcome=Outcome.NEEDS_CLEARANCE,
        overridable=True,
        earliest_date=None,
        clearance=Clearance.NURSE_REVIEW,
        patient_text=template.format(
            questions=" ".join(
                f'"{translate(questions[qid].label, written_in)}"' for qid in unanswered
            ),
            appointment_date=format_date(visit.appointment_date, written_in),
        ),
        staff_text=(
            f"Not asked when the patient answered (an earlier version of the rules): {asked} "
            f"Ask before treatment; a yes would give: {rule.outcome.replace('_', ' ')}."
        ),
        source=rule.source,
        answers={qid: json_values.get(qid) for qid in rule.reads},
    )


@lru_cache(maxsize=1024)
def _instructions(
    ruleset: RuleSet, appointment: date, today: date, language: str
) -> tuple[Instruction, ...]:
    """The rule set's instructions dated for one appointment, in ``language`` (cached: they are
    immutable)."""
    dated = []
    for template in ruleset.instructions:
        start, end = template.dates(appointment, today)
        text, written_in = localized(template.text, language)
        dated.append(
            Instruction(
                id=template.id,
                text=text.format(
                    from_date=format_date(start, written_in),
                    until_date=format_date(end, written_in),
                ),
                from_date=start,
                until_date=end,
                source=template.source,
            )
        )
    return tuple(dated)


INPUT_FIELDS = ("treatment", "appointment_date", "today", "version", "language", "answers")


def evaluate_document(document: Any) -> dict[str, Any]:
    """Evaluate one JSON input document; raises ``AnswerError`` for bad input.

    An optional ``"language"`` field (``"en"`` when left out or ``null``) sets the language of
    the patient texts.
    """
    if not isinstance(document, dict):
        raise AnswerError({"input": ["The input must be a JSON object"]})
    unknown = {key: ["Unknown field"] for key in document if key not in INPUT_FIELDS}
    missing = {
        key: ["This field is required"]
        for key in ("treatment", "appointment_date", "answers")
        if key not in document
    }
    if unknown or missing:
        raise AnswerError({**missing, **unknown})
    language = document.get("language")
    return evaluate(
        treatment=document["treatment"],
        appointment_date=document["appointment_date"],
        answers=document["answers"],
        today=document.get("today"),
        version=document.get("version"),
        language=DEFAULT_LANGUAGE if language is None else language,
    ).to_dict()
