"""``evaluate()``: validate every answer, apply the rules, order the findings, date the result."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from .dates import format_date, parse_iso_date
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, localized, translate
from .model import AnswerError, Clearance, Finding, Instruction, Outcome, Result, new_finding
from .questions import Condition, Kind, Question, Visit
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
    if not questions.keys() >= answers.keys():
        for key in answers:
            if key not in questions:
                errors[str(key)] = ["This question is not part of the screening"]

    values: dict[str, Any] = {}
    json_values: dict[str, Any] = {}
    for question, qid, condition, choice_codes, parse, as_json in _validation_plan(ruleset):
        raw = answers.get(qid)
        if condition is not None:
            if condition.question in errors:
                continue  # whether it applies is unknown until its controlling answer is fixed
            if not condition.holds(values):
                if raw is not None:
                    errors[qid] = [
                        "Leave this out: it applies only when "
                        f"{_applies_when_text(ruleset, question)}"
                    ]
                continue
        if raw is None:
            if question.required and qid not in not_asked:
                errors[qid] = [question.missing_message]
            continue
        if type(raw) is str and raw in choice_codes:
            values[qid] = json_values[qid] = raw  # a valid choice, the most common answer
            continue
        value, message = parse(question, raw, visit)
        if message is not None:
            errors[qid] = [message]
            continue
        values[qid] = value
        json_values[qid] = as_json(value)
    return values, json_values


# How each kind of answer is parsed and written back as JSON; see ``_validation_plan``.
AnswerParser = Callable[[Question, Any, Visit], tuple[Any, "str | None"]]
ValidationStep = tuple[
    Question, str, "Condition | None", frozenset[str], AnswerParser, Callable[[Any], Any]
]


@cache
def _validation_plan(ruleset: RuleSet) -> tuple[ValidationStep, ...]:
    """Each question of ``ruleset`` in order, with what validating its answer needs, looked up
    once per rule set rather than once per answer (rule sets are immutable): its id, its
    condition, the codes a choice may be (none for other kinds), and the parser and JSON form of
    its kind."""
    return tuple(
        (
            question,
            question.id,
            question.applies_when,
            question.option_codes if question.kind is Kind.CHOICE else frozenset(),
            _PARSERS[question.kind],
            _AS_JSON[question.kind],
        )
        for question in ruleset.questions
    )


def _parse(question: Question, raw: Any, visit: Visit) -> tuple[Any, str | None]:
    """One answer as a Python value, or a message saying what is wrong with it."""
    return _PARSERS[question.kind](question, raw, visit)


def _parse_choice(question: Question, raw: Any, visit: Visit) -> tuple[Any, str | None]:
    """A choice answer: one of the question's option codes."""
    if not isinstance(raw, str):
        return None, f"Answer with one of: {_codes(question)}"
    if raw not in question.option_codes:
        return None, f"Choose one of the answers offered: {_codes(question)}"
    return raw, None


def _parse_multi(question: Question, raw: Any, visit: Visit) -> tuple[Any, str | None]:
    """A multi-choice answer: a list of option codes, as a tuple without repeats."""
    if not isinstance(raw, list | tuple):
        return None, "Answer with a list of option codes"
    try:
        offered = question.option_codes.issuperset(raw)
    except TypeError:  # something unhashable in the list: not an option code either
        offered = False
    if not offered:
        return None, f"Choose only from the options offered: {_codes(question)}"
    chosen = tuple(dict.fromkeys(raw))  # each code once, in the order first given
    if len(chosen) < question.min_choices:
        return None, question.missing_message
    return chosen, None


def _parse_date(question: Question, raw: Any, visit: Visit) -> tuple[Any, str | None]:
    """A date answer that passes every one of the question's date checks."""
    day = _as_date(raw)
    if day is None:
        return None, "Enter a real date in the form YYYY-MM-DD"
    for check in question.date_checks:
        message = check(day, visit)
        if message is not None:
            return None, message
    return day, None


_PARSERS: dict[Kind, AnswerParser] = {
    Kind.CHOICE: _parse_choice,
    Kind.MULTI: _parse_multi,
    Kind.DATE: _parse_date,
}
_AS_JSON: dict[Kind, Callable[[Any], Any]] = {
    Kind.CHOICE: lambda code: code,
    Kind.MULTI: list,
    Kind.DATE: date.isoformat,
}


def _applies_when_text(ruleset: RuleSet, question: Question) -> str:
    condition = question.applies_when
    controller = ruleset.questions_by_id[condition.question]
    if condition.value is None:
        return f"an answer is selected for: {controller.label}"
    return f"the answer is '{controller.option_label(condition.value)}' to: {controller.label}"


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
    for order, (rule, reads, blocking, match_answers, if_fired, if_unsure) in enumerate(
        _rule_plan(ruleset)
    ):
        unanswered = (
            [qid for qid in reads if qid in not_asked and qid not in values] if not_asked else None
        )
        if unanswered:
            if not blocking:
                continue  # advice waits for an answer; it would not change the outcome anyway
            finding = _not_asked_finding(rule, unanswered, ruleset, visit, json_values, language)
        else:
            match = match_answers(values, visit, questions)
            if match is None:
                continue
            answered = {}  # the answers the rule read, as JSON values
            for qid in reads:
                if qid in json_values:
                    answered[qid] = json_values[qid]
            finding = _finding(
                rule, if_unsure if match.unsure else if_fired, match, visit, answered, language
            )
        findings.append((-_SEVERITY[finding.outcome], finding.overridable, order, finding))
    findings.sort(key=_ORDER_KEY)
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


# Findings are ordered most severe first, then those that cannot be overridden, then in rule order.
_SEVERITY = {outcome: outcome.severity for outcome in Outcome}
_ORDER_KEY = operator.itemgetter(0, 1, 2)

# What a finding says when its rule fires: outcome, overridable, clearance, and the patient and
# staff text templates. A rule has one for a "yes" and one for an "I'm not sure".
FindingKind = tuple[Outcome, bool, "Clearance | None", str, str]


@cache
def _rule_plan(
    ruleset: RuleSet,
) -> tuple[
    tuple[Rule, tuple[str, ...], bool, Callable[..., Match | None], FindingKind, FindingKind], ...
]:
    """Each rule of ``ruleset`` with what ``apply_rules`` asks of it on every call, worked out
    once per rule set (rule sets are immutable): the questions it reads, whether it blocks, its
    trigger's ``match``, and what its finding says when it fires and when the answer is unsure.
    """
    plan = []
    for rule in ruleset.rules:
        blocking = rule.outcome in _BLOCKING
        if_fired = (
            rule.outcome,
            rule.overridable,
            rule.clearance,
            rule.patient_text,
            rule.staff_text,
        )
        if_unsure = (
            Outcome.NEEDS_CLEARANCE if blocking else rule.outcome,
            True,
            Clearance.NURSE_REVIEW if blocking else None,
            rule.unsure_patient_text,
            rule.unsure_staff_text,
        )
        plan.append((rule, rule.reads, blocking, rule.when.match, if_fired, if_unsure))
    return tuple(plan)


def _finding(
    rule: Rule,
    kind: FindingKind,
    match: Match,
    visit: Visit,
    answers: dict[str, Any],
    language: str,
) -> Finding:
    outcome, overridable, clearance, patient_template, staff_template = kind
    # The patient text in ``language``, or wholly in English (English values) when untranslated.
    if language == DEFAULT_LANGUAGE:
        patient_language = DEFAULT_LANGUAGE
    else:
        patient_template, patient_language = localized(patient_template, language)
    patient_text, staff_text = _filled_texts(
        patient_template,
        patient_language,
        staff_template,
        visit.appointment_date,
        match.earliest_date,
        tuple(match.params.items()) if match.params else (),
    )
    return new_finding(
        rule.id,
        outcome,
        overridable,
        None if match.unsure else match.earliest_date,
        clearance,
        patient_text,
        staff_text,
        rule.source,
        answers,
    )


@lru_cache(maxsize=4096)
def _filled_texts(
    patient_template: str,
    patient_language: str,
    staff_template: str,
    appointment_date: date,
    earliest_date: date | None,
    params: tuple[tuple[str, Any], ...],
) -> tuple[str, str]:
    """A finding's patient text (its values worded in ``patient_language``) and its staff text
    (in English). Cached: they depend only on the arguments, all immutable, and the same findings
    come up again and again."""
    english = _text_values(appointment_date, earliest_date, params, DEFAULT_LANGUAGE)
    if patient_language == DEFAULT_LANGUAGE:
        patient_values = english
    else:
        patient_values = _text_values(appointment_date, earliest_date, params, patient_language)
    return patient_template.format(**patient_values), staff_template.format(**english)


def _text_values(
    appointment_date: date,
    earliest_date: date | None,
    params: tuple[tuple[str, Any], ...],
    language: str,
) -> dict[str, str]:
    """What a rule's texts may mention, worded in ``language``."""
    values = {
        "appointment_date": format_date(appointment_date, language),
        "earliest_date": format_date(earliest_date, language) if earliest_date else "",
    }
    for name, value in params:
        values[name] = in_words(value, language)
    return values


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
