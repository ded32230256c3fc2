"""Rules, pre-care instructions and the versioned rule sets that group them per treatment."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .model import Clearance, Outcome
from .questions import TOPICS, Question
from .triggers import Trigger


@dataclass(frozen=True, slots=True)
class Rule:
    """One contraindication: when it fires, what it means, how to explain it, and its source.

    Texts are ``str.format`` templates. Every text may use ``{appointment_date}`` and
    ``{earliest_date}``; a trigger adds its own values (see ``rules.triggers``).
    ``unsure_*`` texts are used when the patient answered "I'm not sure". Patient texts are
    translated in ``rules/locales``, keyed by their English wording; staff texts stay English.
    """

    id: str
    source: str
    when: Trigger
    outcome: Outcome
    patient_text: str
    staff_text: str
    overridable: bool = True
    clearance: Clearance | None = None
    unsure_patient_text: str = (
        "You weren't sure how to answer a question about your health. A nurse will contact "
        "you to talk it through before your appointment on {appointment_date}."
    )
    unsure_staff_text: str = "Patient answered 'not sure'. Follow up before treatment."

    @property
    def reads(self) -> tuple[str, ...]:
        """The questions this rule reads."""
        return self.when.reads

    def describe(self) -> dict[str, Any]:
        """The rule as JSON, for the staff rules page and the rule set's fingerprint."""
        return {
            "id": self.id,
            "source": self.source,
            "when": self.when.describe(),
            "outcome": str(self.outcome),
            "overridable": self.overridable,
            "clearance": str(self.clearance) if self.clearance else None,
            "patient_text": self.patient_text,
            "staff_text": self.staff_text,
        }


@dataclass(frozen=True, slots=True)
class InstructionTemplate:
    """A pre-care instruction whose dates are counted in days from the appointment.

    ``starts``/``ends`` are offsets in days from the appointment date (negative: before it);
    ``None`` as ``starts`` means from the day of the screening.
    """

    id: str
    text: str
    source: str
    starts: int | None
    ends: int = 0

    def dates(self, appointment_date: date, today: date) -> tuple[date, date]:
        """The first and last day the instruction applies for this appointment."""
        start = today if self.starts is None else appointment_date + timedelta(days=self.starts)
        return start, appointment_date + timedelta(days=self.ends)

    def describe(self) -> dict[str, Any]:
        """The instruction as JSON."""
        return {
            "id": self.id,
            "text": self.text,
            "source": self.source,
            "starts": self.starts,
            "ends": self.ends,
        }


# eq=False: a rule set is identified by itself, so hashing it (for caches) is cheap.
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
        for rule in self.rules:
            missing = [qid for qid in rule.reads if qid not in by_id]
            if missing:
                raise ValueError(f"{self.key}: rule {rule.id} reads unknown {missing}")
        object.__setattr__(self, "questions_by_id", by_id)

    @property
    def key(self) -> tuple[str, str]:
        """``(treatment, version)``, as results report it."""
        return (self.treatment, self.version)

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
        translated; anything that could change a judgement changes the fingerprint.
        """
        described = self.describe()
        for question in described["questions"]:
            del question["label"], question["help"]
            question["options"] = [option["code"] for option in question["options"]]
        for rule in described["rules"]:
            del rule["patient_text"], rule["staff_text"]
        for instruction in described["instructions"]:
            del instruction["text"]
        del described["title"]
        canonical = json.dumps(described, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()
