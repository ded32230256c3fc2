"""``evaluate()``: validate every answer, apply the rules, order the findings, date the result."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from .dates import LATEST_DATE, format_date, parse_iso_date
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, worded
from .messages import NOT_ASKED, NOT_ASKED_PATIENT_TEXT
from .model import AnswerError, Clearance, Finding, Instruction, Outcome, Result
from .questions import DateCheck, Kind, Question, Visit
from .ruleset import Rule, RuleSet
from .treatments import RULESETS, get_ruleset
from .triggers import Match
from .wording import QuotedQuestions, fill, value_to_json

_BLOCKING = (Outcome.RESCHEDULE, Outcome.NEEDS_CLEARANCE)


def evaluate(
    treatment: str,
    appointment_date: date | str,
    answers: Mapping[str, Any],
    today: date | str | None = None,
    version: str | None = None,
    *,
    not_asked: Iterable[str] = frozenset(),
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


def settled_so_far(
    treatment: str,
    appointment_date: date | str,
    answers: Mapping[str, Any],
    today: date | str | None = None,
    version: str | None = None,
    *,
    language: str = DEFAULT_LANGUAGE,
) -> tuple[Finding, ...]:
    """What the answers given so far already settle: the findings that nothing the patient
    could still answer would change, and that no staff action can end (``overridable`` false:
    a ``never`` or ``new_screening`` finding, or under 18 on the appointment date).

    For a questionnaire being answered: ``answers`` may lack any question, and a rule reading
    one that is missing waits for it. An answer that is not valid (or a visit that is not) is
    left out, never read. Without a valid treatment and appointment date nothing is settled.
    """
    given = dict(answers) if isinstance(answers, Mapping) else {}
    for _ in range(2):  # once more without the answers the first try found invalid
        unanswered = _unanswered(treatment, version, given)
        try:
            ruleset, visit, values, json_values = validate(
                treatment,
                appointment_date,
                given,
                today,
                version,
                not_asked=unanswered,
                language=language,
            )
        except AnswerError as error:
            if {"treatment", "version", "today", "appointment_date", "language"} & set(
                error.errors
            ):
                return ()
            given = {qid: value for qid, value in given.items() if qid not in error.errors}
            continue
        # A rule reading a missing answer gives a finding a nurse could end: never one of these.
        result = apply_rules(ruleset, visit, values, json_values, unanswered, language)
        return tuple(
            finding
            for finding in result.findings
            if finding.outcome in _BLOCKING and not finding.overridable
        )
    return ()


def _unanswered(treatment: str, version: str | None, answers: Mapping[str, Any]) -> frozenset[str]:
    """The questions of the treatment's rule set that ``answers`` does not hold."""
    if not isinstance(treatment, str) or treatment not in RULESETS:
        return frozenset()  # validate names the problem
    if version is not None and version not in RULESETS[treatment]:
        return frozenset()
    return frozenset(q.id for q in get_ruleset(treatment, version).questions if q.id not in answers)


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

    ruleset: RuleSet | None = None
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
        elif today > LATEST_DATE:
            errors["today"] = [f"Give a date in {LATEST_DATE.year} or before"]
            today = date.today()

    appointment = _as_date(appointment_date)
    if appointment is None:
        errors["appointment_date"] = ["Enter the appointment date as a real date, YYYY-MM-DD"]
    elif appointment < today:
        errors["appointment_date"] = ["The appointment date cannot be in the past"]
        appointment = None
    elif appointment > LATEST_DATE:
        errors["appointment_date"] = [f"Give an appointment date in {LATEST_DATE.year} or before"]
        appointment = None

    if not isinstance(language, str) or language not in LANGUAGES:
        errors["language"] = [f"Choose one of the languages offered: {', '.join(LANGUAGES)}"]

    # With no valid appointment, checks against it pass; its own error is already listed.
    visit = Visit(today, appointment or date.max)
    values: dict[str, Any] = {}
    json_values: dict[str, Any] = {}
    if not isinstance(answers, Mapping):
        errors["answers"] = ["Answers must be a mapping of question ids to answers"]
    elif ruleset is not None:
        values, json_values = _validate_answers(ruleset, answers, visit, errors, not_asked)

    if errors or ruleset is None:
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
        qid, condition = question.id, question.applies_when
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
        value, message = _parse(question, raw, visit)
        if message is not None:
            errors[qid] = [message]
            continue
        values[qid] = value
        # A string that parsed is already its JSON form: a choice's code, or a date written
        # exactly as ISO writes it.
        json_values[qid] = raw if isinstance(raw, str) else _AS_JSON[question.kind](value)
    return values, json_values


# How each kind of answer is parsed: its value, or a message saying what is wrong with it.
AnswerParser = Callable[[Question, Any, Visit], tuple[Any, "str | None"]]


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
    if type(raw) is not list and not isinstance(raw, list | tuple):
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
    day, message = _checked_date(question.date_checks, _as_date(raw), visit)
    if message is not None:
        # A date check's message names the date: "Date of birth must be in the past".
        message = message.format(name=question.short_name or "The date")
    return day, message


def _checked_date(
    checks: tuple[DateCheck, ...], day: date | None, visit: Visit
) -> tuple[date | None, str | None]:
    if day is None:
        return None, "Enter a real date in the form YYYY-MM-DD"
    if day > LATEST_DATE:
        return None, f"Enter a date in {LATEST_DATE.year} or before"
    for check in checks:
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
    assert condition is not None  # noqa: S101  (only questions with a condition come here)
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
    patient texts in ``language``.

    Findings come most severe first, then those that cannot be overridden, then in rule order.
    """
    questions = ruleset.questions_by_id
    ranked: list[tuple[tuple[int, bool, int], Finding]] = []
    for order, rule in enumerate(ruleset.rules):
        blocking = rule.outcome in _BLOCKING
        unanswered = [qid for qid in rule.reads if qid in not_asked and qid not in values]
        if unanswered:
            if blocking:
                finding = _not_asked_finding(
                    rule, unanswered, ruleset, visit, json_values, language
                )
                ranked.append(((-finding.outcome.severity, True, order), finding))
            # Advice waits for an answer; it would not change the outcome anyway.
            continue
        match = rule.when.match(values, visit, questions)
        if match is None:
            continue
        finding = _finding(rule, match, blocking, visit, json_values, language)
        ranked.append(((-finding.outcome.severity, finding.overridable, order), finding))
    findings = tuple(finding for _, finding in sorted(ranked, key=lambda pair: pair[0]))

    outcome = next((f.outcome for f in findings if f.outcome in _BLOCKING), Outcome.CLEAR)
    earliest = None
    if outcome is Outcome.RESCHEDULE:
        dates = [f.earliest_date for f in findings if f.outcome is Outcome.RESCHEDULE]
        known = [day for day in dates if day is not None]
        if len(known) == len(dates):  # one undated reschedule leaves the earliest date open
            earliest = max(known)

    return Result(
        outcome=outcome,
        earliest_date=earliest,
        findings=findings,
        instructions=_instructions(ruleset, visit.appointment_date, visit.today, language),
        ruleset=ruleset.key,
    )


def _finding(
    rule: Rule,
    match: Match,
    blocking: bool,
    visit: Visit,
    json_values: dict[str, Any],
    language: str,
) -> Finding:
    """The finding of a rule that fired: as the rule says on a "yes"; on an "I'm not sure" a
    blocking rule needs a nurse to follow up, with no earliest date."""
    if match.unsure:
        outcome = Outcome.NEEDS_CLEARANCE if blocking else rule.outcome
        overridable = True
        clearance = Clearance.NURSE_REVIEW if blocking else None
        role, patient_template = "unsure_patient", rule.unsure_patient_text
        staff_template = rule.unsure_staff_text
        earliest_date = None
    else:
        outcome, overridable, clearance = rule.outcome, rule.overridable, rule.clearance
        role, patient_template, staff_template = "patient", rule.patient_text, rule.staff_text
        earliest_date = match.earliest_date
    params = match.params or {}
    message_id = rule.message_id(role)
    template, written_in = worded(message_id, language, patient_template)
    appointment = visit.appointment_date
    return Finding(
        rule_id=rule.id,
        outcome=outcome,
        overridable=overridable,
        earliest_date=earliest_date,
        clearance=clearance,
        patient_text=fill(template, appointment, earliest_date, params, written_in),
        staff_text=fill(staff_template, appointment, match.earliest_date, params, DEFAULT_LANGUAGE),
        source=rule.source,
        answers={qid: json_values[qid] for qid in rule.reads if qid in json_values},
        ends=rule.ends_for(outcome, clearance),
        message=message_id,
        values={name: value_to_json(value) for name, value in params.items()},
    )


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
    params = {"questions": QuotedQuestions(tuple(unanswered))}
    template, written_in = worded(NOT_ASKED, language, NOT_ASKED_PATIENT_TEXT)
    return Finding(
        rule_id=rule.id,
        outcome=Outcome.NEEDS_CLEARANCE,
        overridable=True,
        earliest_date=None,
        clearance=Clearance.NURSE_REVIEW,
        patient_text=fill(template, visit.appointment_date, None, params, written_in),
        staff_text=(
            f"Not asked when the patient answered (an earlier version of the rules): {asked} "
            f"Ask before treatment; a yes would give: {rule.outcome.replace('_', ' ')}."
        ),
        source=rule.source,
        answers={qid: json_values.get(qid) for qid in rule.reads},
        ends=rule.ends_for(Outcome.NEEDS_CLEARANCE, Clearance.NURSE_REVIEW),
        message=NOT_ASKED,
        values={name: value_to_json(value) for name, value in params.items()},
    )


def _instructions(
    ruleset: RuleSet, appointment: date, today: date, language: str
) -> tuple[Instruction, ...]:
    """The rule set's instructions dated for one appointment, in ``language``."""
    dated = []
    for template in ruleset.instructions:
        start, end = template.dates(appointment, today)
        message_id, english = template.text_starting(start, today)
        text, written_in = worded(message_id, language, english)
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


def instructions_for(
    treatment: str,
    version: str | None,
    appointment_date: date,
    today: date,
    language: str = DEFAULT_LANGUAGE,
) -> tuple[Instruction, ...]:
    """The pre-care instructions ``evaluate`` gives with a result of ``treatment`` at
    ``version`` (the current one when ``None``) for an appointment on ``appointment_date`` seen
    on ``today``, in ``language``: e.g. to show them again after the appointment moved.

    Raises ``KeyError`` for an unknown treatment or version.
    """
    return _instructions(get_ruleset(treatment, version), appointment_date, today, language)


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
