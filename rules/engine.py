"""``evaluate()``: validate every answer, apply the rules, order the findings, date the result."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any

from .dates import LATEST_DATE, format_date, parse_iso_date
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, localized, translate
from .model import (
    AnswerError,
    Clearance,
    Ends,
    Finding,
    Instruction,
    Outcome,
    Result,
    new_finding,
    new_result,
)
from .questions import Condition, DateCheck, Kind, Question, Visit
from .ruleset import Rule, RuleSet
from .rulesets import RULESETS, get_ruleset
from .triggers import AnswerIs, Match
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
    unasked = not_asked if type(not_asked) is frozenset else frozenset(not_asked)
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

    if type(answers) is not dict and not isinstance(answers, Mapping):
        errors["answers"] = ["Answers must be a mapping of question ids to answers"]
    elif ruleset is not None:
        # With no valid appointment, checks against it pass; its own error is already listed.
        visit = _visit(today, appointment or date.max)
        values, json_values = _validate_answers(ruleset, answers, visit, errors, not_asked)

    if errors:
        raise AnswerError(errors)
    return ruleset, visit, values, json_values


# Visits are immutable and a day brings the same few, so each is built once (typed: a subclass
# of ``date`` is never swapped for an equal plain date).
_visit = lru_cache(maxsize=1024, typed=True)(Visit)


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
        # A string that parsed is already its JSON form: a choice's code, or a date written
        # exactly as ISO writes it.
        json_values[qid] = raw if type(raw) is str else as_json(value)
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
    if type(raw) is str:
        return _checked_date_text(question.date_checks, raw, visit.today, visit.appointment_date)
    return _checked_date(question.date_checks, _as_date(raw), visit)


@lru_cache(maxsize=4096, typed=True)
def _checked_date_text(
    checks: tuple[DateCheck, ...], text: str, today: date, appointment_date: date
) -> tuple[date | None, str | None]:
    """``_checked_date`` of a date written as text. Cached: date checks depend only on the date
    and the visit, and the same dates of birth and doses come up again and again."""
    return _checked_date(checks, parse_iso_date(text), _visit(today, appointment_date))


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
    controller = ruleset.questions_by_id[condition.question]
    if condition.value is None:
        return f"an answer is selected for: {controller.label}"
    return f"the answer is '{controller.option_label(condition.value)}' to: {controller.label}"


def _codes(question: Question) -> str:
    return ", ".join(option.code for option in question.options)


def _as_date(value: Any) -> date | None:
    """A ``date`` (not a datetime) or a strict ISO date string as a date; otherwise ``None``."""
    if type(value) is date:
        return value
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
    appointment_date = visit.appointment_date
    # Texts that mention no value but the appointment date, by verdict. English ones are kept
    # per day; a translation is looked up in its catalog on every call, so only for this one.
    plain_texts = _english_texts_on(appointment_date) if language == DEFAULT_LANGUAGE else {}
    ranked: list[tuple[int, Finding]] = []  # see ``_Verdict.rank``
    for step in _rule_plan(ruleset):
        if not_asked:
            unanswered = [qid for qid in step.reads if qid in not_asked and qid not in values]
            if unanswered:
                if step.blocking:
                    finding = _not_asked_finding(
                        step, unanswered, ruleset, visit, json_values, language
                    )
                    ranked.append((step.not_asked_rank, finding))
                # Advice waits for an answer; it would not change the outcome anyway.
                continue
        if step.verdict_by_answer is not None:
            # The one answer the rule reads decides its verdict, and the texts mention no value
            # but the appointment date.
            question = step.reads[0]
            verdict = step.verdict_by_answer.get(values.get(question))
            if verdict is None:
                continue
            texts = plain_texts.get(verdict)
            if texts is None:
                texts = plain_texts[verdict] = _texts(verdict, appointment_date, language)
            # The question is answered: the answer decided.
            finding = verdict.finding(None, texts, {question: json_values[question]})
        else:
            match = step.match(values, visit, questions)
            if match is None:
                continue
            verdict = step.if_unsure if match.unsure else step.if_fired
            params = match.params
            texts = _texts(
                verdict,
                appointment_date,
                language,
                match.earliest_date,
                tuple(params.items()) if params else (),
            )
            answered = {}  # the answers the rule read, as JSON values
            for qid in step.reads:
                if qid in json_values:
                    answered[qid] = json_values[qid]
            finding = verdict.finding(
                None if match.unsure else match.earliest_date, texts, answered
            )
        ranked.append((verdict.rank, finding))
    ranked.sort(key=_RANK)
    ordered = tuple([finding for _, finding in ranked])

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

    return new_result(
        outcome,
        earliest,
        ordered,
        _instructions(ruleset, visit.appointment_date, visit.today, language),
        ruleset.key,
    )


_RANK = operator.itemgetter(0)


@dataclass(frozen=True, slots=True, eq=False)
class _Verdict:
    """What a rule's finding says when the rule fires one way (on a "yes", or on an "I'm not
    sure"), worked out once per rule set: everything but the dates and values in its texts and
    the answers it read.

    ``ends`` is how the finding may end: the rule's own way for its "yes", a nurse's decision
    for a "not sure" (``Rule.ends_for``).

    ``rank`` orders findings: most severe first, then those that cannot be overridden, then in
    rule order (an ``int`` that sorts as ``(-severity, overridable, order)`` would).
    """

    rule_id: str
    outcome: Outcome
    overridable: bool
    clearance: Clearance | None
    patient_template: str
    staff_template: str
    source: str
    rank: int
    ends: Ends | None

    def finding(
        self, earliest_date: date | None, texts: tuple[str, str], answers: dict[str, Any]
    ) -> Finding:
        """The finding, with its earliest date, its texts (patient, staff) and the answers the
        rule read."""
        patient_text, staff_text = texts
        return new_finding(
            self.rule_id,
            self.outcome,
            self.overridable,
            earliest_date,
            self.clearance,
            patient_text,
            staff_text,
            self.source,
            answers,
            self.ends,
        )


@dataclass(frozen=True, slots=True)
class _RuleStep:
    """One rule of a rule set with what ``apply_rules`` asks of it on every call: the questions
    it reads, whether it blocks, its trigger's ``match``, its verdicts, and the rank of the
    finding it gives when it reads a question the patient was never asked.

    ``verdict_by_answer`` is set for a rule whose trigger is a table of answers to one question
    (``AnswerIs``): the verdict for each answer that fires it. ``not_asked_ends`` is how the
    finding given for a question never asked may end.
    """

    rule: Rule
    reads: tuple[str, ...]
    blocking: bool
    match: Callable[..., Match | None]
    verdict_by_answer: dict[str, _Verdict] | None
    if_fired: _Verdict
    if_unsure: _Verdict
    not_asked_rank: int
    not_asked_ends: Ends | None


@cache
def _rule_plan(ruleset: RuleSet) -> tuple[_RuleStep, ...]:
    """Each rule of ``ruleset`` as a ``_RuleStep``, worked out once per rule set (rule sets are
    immutable)."""
    plan = []
    rule_count = len(ruleset.rules)
    for order, rule in enumerate(ruleset.rules):
        blocking = rule.outcome in _BLOCKING
        if_fired = _verdict(
            rule,
            order,
            rule_count,
            rule.outcome,
            rule.overridable,
            rule.clearance,
            rule.patient_text,
            rule.staff_text,
        )
        if_unsure = _verdict(
            rule,
            order,
            rule_count,
            Outcome.NEEDS_CLEARANCE if blocking else rule.outcome,
            True,
            Clearance.NURSE_REVIEW if blocking else None,
            rule.unsure_patient_text,
            rule.unsure_staff_text,
        )
        plan.append(
            _RuleStep(
                rule=rule,
                reads=rule.reads,
                blocking=blocking,
                match=rule.when.match,
                verdict_by_answer=(
                    _verdict_by_answer(rule.when, if_fired, if_unsure)
                    if isinstance(rule.when, AnswerIs)
                    else None
                ),
                if_fired=if_fired,
                if_unsure=if_unsure,
                not_asked_rank=_rank(Outcome.NEEDS_CLEARANCE, True, order, rule_count),
                not_asked_ends=rule.ends_for(Outcome.NEEDS_CLEARANCE, Clearance.NURSE_REVIEW),
            )
        )
    return tuple(plan)


def _verdict(
    rule: Rule,
    order: int,
    rule_count: int,
    outcome: Outcome,
    overridable: bool,
    clearance: Clearance | None,
    patient_template: str,
    staff_template: str,
) -> _Verdict:
    return _Verdict(
        rule_id=rule.id,
        outcome=outcome,
        overridable=overridable,
        clearance=clearance,
        patient_template=patient_template,
        staff_template=staff_template,
        source=rule.source,
        rank=_rank(outcome, overridable, order, rule_count),
        ends=rule.ends_for(outcome, clearance),
    )


def _verdict_by_answer(
    trigger: AnswerIs, if_fired: _Verdict, if_unsure: _Verdict
) -> dict[str, _Verdict]:
    by_answer = {}
    for answer, match in trigger.match_by_answer().items():
        # ``apply_rules`` gives these verdicts no earliest date and no values for their texts.
        if match.earliest_date is not None or match.params:
            raise ValueError(f"{trigger!r} gives a dated match or values for texts")
        by_answer[answer] = if_unsure if match.unsure else if_fired
    return by_answer


def _rank(outcome: Outcome, overridable: bool, order: int, rule_count: int) -> int:
    # Sorts as (-severity, overridable, order) does, for 0 <= order < rule_count.
    return (-outcome.severity * 2 + overridable) * rule_count + order


def _texts(
    verdict: _Verdict,
    appointment_date: date,
    language: str,
    earliest_date: date | None = None,
    params: tuple[tuple[str, Any], ...] = (),
) -> tuple[str, str]:
    """A verdict's patient text in ``language`` (wholly in English, English values, when
    untranslated) and its staff text in English."""
    if language == DEFAULT_LANGUAGE:
        patient_template, patient_language = verdict.patient_template, DEFAULT_LANGUAGE
    else:
        patient_template, patient_language = localized(verdict.patient_template, language)
    return _filled_texts(
        patient_template,
        patient_language,
        verdict.staff_template,
        appointment_date,
        earliest_date,
        params,
    )


@lru_cache(maxsize=128)
def _english_texts_on(appointment_date: date) -> dict[_Verdict, tuple[str, str]]:
    """The English texts of the verdicts whose texts mention no value but ``appointment_date``,
    by verdict (hashed by identity): empty at first, filled by ``apply_rules`` as they come up,
    so the same finding on the same day costs one look-up."""
    return {}


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
    step: _RuleStep,
    unanswered: list[str],
    ruleset: RuleSet,
    visit: Visit,
    json_values: dict[str, Any],
    language: str,
) -> Finding:
    rule = step.rule
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
        ends=step.not_asked_ends,
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
        text, written_in = localized(template.text_starting(start, today), language)
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
