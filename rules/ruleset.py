"""Rules, pre-care instructions and the versioned rule sets that group them per treatment."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .model import Clearance, Ends, Outcome
from .questions import TOPICS, Question
from .triggers import Trigger

_BLOCKING = (Outcome.RESCHEDULE, Outcome.NEEDS_CLEARANCE)
_NOTES = (Clearance.PROVIDER_NOTE, Clearance.PRESCRIBER_NOTE)
# The ways of ending in which no staff decision takes part: only a rule ending one of these ways
# may be not overridable (lifecycle.md: pregnancy, "not suitable", and under 18, which a date
# ends).
_NOT_OVERRIDABLE = (Ends.NEVER, Ends.NEW_SCREENING, Ends.DATE)
# Findings that end with a new date, a fresh answer or a new questionnaire: what a patient says
# again before the visit can change them (``RuleSet.check_in_questions``).
_ENDED_BY_THE_PATIENT = (Ends.RECHECK, Ends.NEW_SCREENING, Ends.DATE)


# What a patient who answered "I'm not sure" is told, unless the rule says otherwise.
DEFAULT_UNSURE_PATIENT_TEXT = (
    "You weren't sure how to answer a question about your health. A nurse will contact "
    "you to talk it through before your appointment on {appointment_date}."
)

DEFAULT_UNSURE_STAFF_TEXT = "Patient answered 'not sure'. Follow up before treatment."


@dataclass(frozen=True, slots=True)
class Rule:
    """One contraindication: when it fires, what it means, how to explain it, and its source.

    Texts are ``str.format`` templates. Every text may use ``{appointment_date}`` and
    ``{earliest_date}``; a trigger adds its own values (see ``rules.triggers``).
    ``unsure_*`` texts are used when the patient answered "I'm not sure". Patient texts are
    translated in ``rules/locales/<language>.po`` under their message id (``message_id``), so
    rewording the English keeps every translation; staff texts stay English. ``variant`` names
    a definition among rules of the same id whose words differ (keloids are a nurse's review for
    most treatments, "not suitable" for Sculptra): it is part of the message ids.

    ``ends`` is how a finding the rule raises on a "yes" may end (lifecycle.md); ``None`` only
    for advice. A rule whose ``ends`` contradicts its outcome, clearance or ``overridable`` is
    refused with ``ValueError``.
    """

    id: str
    source: str
    when: Trigger
    outcome: Outcome
    patient_text: str
    staff_text: str
    overridable: bool = True
    clearance: Clearance | None = None
    unsure_patient_text: str = DEFAULT_UNSURE_PATIENT_TEXT
    unsure_staff_text: str = DEFAULT_UNSURE_STAFF_TEXT
    ends: Ends | None = None
    variant: str = ""

    def __post_init__(self) -> None:
        problem = _ends_problem(self)
        if problem:
            raise ValueError(f"rule {self.id}: {problem}")

    @property
    def reads(self) -> tuple[str, ...]:
        """The questions this rule reads."""
        return self.when.reads

    def ends_for(self, outcome: Outcome, clearance: Clearance | None) -> Ends | None:
        """How a finding of this rule with ``outcome`` and ``clearance`` may end.

        The rule's own ``ends`` for its own finding (a "yes"); any other blocking finding of the
        rule (a "not sure" answer, a question never asked) ends by a nurse's decision, whatever
        the rule's way for "yes" (lifecycle.md); advice needs no ending.
        """
        if outcome == self.outcome and clearance == self.clearance:
            return self.ends
        return Ends.NURSE if outcome in _BLOCKING else None

    def message_id(self, role: str) -> str:
        """The stable id of the rule's ``role`` text ("patient" or "unsure_patient")."""
        if role == "unsure_patient" and self.unsure_patient_text == DEFAULT_UNSURE_PATIENT_TEXT:
            return "rule unsure_patient"
        return " ".join(filter(None, ("rule", self.id, self.variant, role)))

    def describe(self) -> dict[str, Any]:
        """The rule as JSON, for the staff rules page and the rule set's fingerprint."""
        return {
            "id": self.id,
            "source": self.source,
            "when": self.when.describe(),
            "outcome": str(self.outcome),
            "overridable": self.overridable,
            "clearance": str(self.clearance) if self.clearance else None,
            "ends": str(self.ends) if self.ends else None,
            "patient_text": self.patient_text,
            "staff_text": self.staff_text,
        }


def _ends_problem(rule: Rule) -> str | None:
    """What is inconsistent between a rule's ``ends`` and the rest of it, or ``None``."""
    ends = rule.ends
    if ends is not None and not isinstance(ends, Ends):
        return f"ends must be one of Ends, not {ends!r}"
    if (rule.outcome is Outcome.ADVICE) != (ends is None):
        return "advice, and only advice, has no ends"
    if ends is Ends.NOTE and rule.clearance not in _NOTES:
        return "ends by note needs a provider's or prescriber's note as its clearance"
    if ends is Ends.NURSE and rule.clearance is not Clearance.NURSE_REVIEW:
        return "ends by nurse needs nurse_review as its clearance"
    if ends in (Ends.NEVER, Ends.NEW_SCREENING) and (
        rule.outcome is not Outcome.RESCHEDULE or rule.overridable
    ):
        return f"ends by {ends} needs outcome reschedule and overridable False"
    if ends is Ends.RECHECK and (rule.outcome is not Outcome.RESCHEDULE or not rule.overridable):
        return "ends by recheck needs outcome reschedule and overridable True"
    if ends is Ends.DATE and rule.outcome is not Outcome.RESCHEDULE:
        return "ends by date needs outcome reschedule"
    if not rule.overridable and ends not in _NOT_OVERRIDABLE:
        return "only a rule ending by never, new_screening or date may be not overridable"
    return None


@dataclass(frozen=True, slots=True)
class InstructionTemplate:
    """A pre-care instruction whose dates are counted in days from the appointment.

    ``starts``/``ends`` are offsets in days from the appointment date (negative: before it);
    ``None`` as ``starts`` means from the day of the screening.

    ``text_from_now`` is said instead of ``text`` when the start date is already past (a patient
    screened fewer days ahead than ``starts``): an instruction is never dated in the past
    (lifecycle.md, invariant 9). The instruction's dates stay as counted.
    """

    id: str
    text: str
    source: str
    starts: int | None
    ends: int = 0
    text_from_now: str | None = None

    def message_id(self, role: str) -> str:
        """The stable id of the instruction's ``role`` text ("text" or "text_from_now")."""
        return f"instruction {self.id} {role}"

    def dates(self, appointment_date: date, today: date) -> tuple[date, date]:
        """The first and last day the instruction applies for this appointment."""
        start = today if self.starts is None else appointment_date + timedelta(days=self.starts)
        return start, appointment_date + timedelta(days=self.ends)

    def text_starting(self, start: date, today: date) -> tuple[str, str]:
        """The text to give when the instruction starts on ``start``, seen on ``today``: its
        message id and its English."""
        if start < today and self.text_from_now is not None:
            return self.message_id("text_from_now"), self.text_from_now
        return self.message_id("text"), self.text

    def describe(self) -> dict[str, Any]:
        """The instruction as JSON."""
        return {
            "id": self.id,
            "text": self.text,
            "text_from_now": self.text_from_now,
            "source": self.source,
            "starts": self.starts,
            "ends": self.ends,
        }


# eq=False: a rule set is identified by itself (hashed by identity), never by comparing contents.
@dataclass(frozen=True, eq=False)
class RuleSet:
    """A released (immutable) version of one treatment's questions, rules and instructions."""

    treatment: str
    version: str
    title: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    instructions: tuple[InstructionTemplate, ...]
    questions_by_id: dict[str, Question] = field(init=False, repr=False, compare=False)
    rules_by_id: dict[str, Rule] = field(init=False, repr=False, compare=False)
    # The questions asked again before the visit (at check-in, or by the patient's re-check):
    # every answer that can change before the visit and that a finding ending by ``recheck``,
    # ``new_screening`` or ``date`` reads, with the questions that depend on them; in question
    # order.
    check_in_questions: tuple[str, ...] = field(init=False, repr=False, compare=False)
    # The questions read by the rules whose findings end by ``recheck``, in question order.
    recheck_questions: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_id: dict[str, Question] = {}
        topics = {topic.id for topic in TOPICS}
        for question in self.questions:
            if question.id in by_id:
                raise ValueError(f"{self.key}: question {question.id} is defined twice")
            if question.topic not in topics:
                raise ValueError(f"{self.key}: question {question.id} has unknown topic")
            condition = question.applies_when
            # Validation reads answers in order, so a condition may look only backwards.
            if condition is not None and condition.question not in by_id:
                raise ValueError(
                    f"{self.key}: {question.id} depends on {condition.question}, "
                    "which must come before it"
                )
            by_id[question.id] = question
        rules_by_id: dict[str, Rule] = {}
        for rule in self.rules:
            missing = [qid for qid in rule.reads if qid not in by_id]
            if missing:
                raise ValueError(f"{self.key}: rule {rule.id} reads unknown {missing}")
            if rule.id in rules_by_id:
                raise ValueError(f"{self.key}: rule {rule.id} is defined twice")
            rules_by_id[rule.id] = rule
        object.__setattr__(self, "questions_by_id", by_id)
        object.__setattr__(self, "rules_by_id", rules_by_id)
        object.__setattr__(self, "check_in_questions", self._check_in_questions())
        recheck = {qid for rule in self.rules if rule.ends is Ends.RECHECK for qid in rule.reads}
        object.__setattr__(self, "recheck_questions", self._in_question_order(recheck))

    def _check_in_questions(self) -> tuple[str, ...]:
        asked_again = {
            qid
            for rule in self.rules
            if rule.ends in _ENDED_BY_THE_PATIENT
            for qid in rule.when.current_reads
        }
        # Conditions look only backwards, so one pass in order follows chains of them.
        for question in self.questions:
            condition = question.applies_when
            if condition is not None and condition.question in asked_again:
                asked_again.add(question.id)
        return self._in_question_order(asked_again)

    def _in_question_order(self, ids: set[str]) -> tuple[str, ...]:
        return tuple(question.id for question in self.questions if question.id in ids)

    @property
    def key(self) -> tuple[str, str]:
        """``(treatment, version)``, as results report it."""
        return (self.treatment, self.version)

    def rule(self, rule_id: str) -> Rule:
        """The rule with id ``rule_id`` (unique within a rule set); ``KeyError`` when unknown."""
        return self.rules_by_id[rule_id]

    def questions_in_topic(self, topic: str) -> tuple[Question, ...]:
        """The questions of one topic, in the order they are asked."""
        return tuple(q for q in self.questions if q.topic == topic)

    def describe(self) -> dict[str, Any]:
        """The whole rule set as JSON, for integrators and the staff rules page."""
        return {
            "treatment": self.treatment,
            "version": self.version,
            "title": self.title,
            "questions": [q.describe() for q in self.questions],
            "rules": [r.describe() for r in self.rules],
            "instructions": [i.describe() for i in self.instructions],
        }

    def fingerprint(self) -> str:
        """SHA-256 of what decides an outcome: ids, options, conditions, checks, triggers,
        outcomes, clearances, sources and instruction dates.

        Wording shown to people (labels, help, texts) is left out so it can be improved and
        translated; anything that could change a judgement changes the fingerprint. A rule's
        ``ends`` is left out too: it changes no outcome, date or clearance of a screening, only
        says how a finding may end afterwards, and the released versions were pinned before
        rules named it (naming it is not a rule change).
        """
        described = self.describe()
        for question in described["questions"]:
            del question["label"], question["help"]
            question["options"] = [option["code"] for option in question["options"]]
        for rule in described["rules"]:
            del rule["patient_text"], rule["staff_text"], rule["ends"]
        for instruction in described["instructions"]:
            del instruction["text"], instruction["text_from_now"]
        del described["title"]
        canonical = json.dumps(described, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()
