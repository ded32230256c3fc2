"""The results the engine returns: outcomes, findings, instructions and the whole result."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any


class Outcome(enum.StrEnum):
    """What a screening, or one finding, means for the appointment.

    A screening's outcome is one of ``clear``, ``reschedule`` or ``needs_clearance``; a single
    finding may also be ``advice``, which is shown but never changes the screening's outcome.
    """

    CLEAR = "clear"
    ADVICE = "advice"
    NEEDS_CLEARANCE = "needs_clearance"
    RESCHEDULE = "reschedule"

    @property
    def severity(self) -> int:
        """Rank for ordering: reschedule > needs_clearance > advice > clear."""
        return _SEVERITY[self]


_SEVERITY = {
    Outcome.CLEAR: 0,
    Outcome.ADVICE: 1,
    Outcome.NEEDS_CLEARANCE: 2,
    Outcome.RESCHEDULE: 3,
}


class Ends(enum.StrEnum):
    """How a finding may end (lifecycle.md, "How a finding ends"): each rule says so in its data.

    A finding raised by a "not sure" answer, or by a question never asked, ends by ``nurse``
    whatever its rule's way for "yes"; ``advice`` findings need no ending (``None``).
    """

    DATE = "date"  # an appointment date on or after the finding's earliest date
    RECHECK = "recheck"  # the patient's fresh "no", at check-in or by the re-check
    NEW_SCREENING = "new_screening"  # only a new questionnaire for a new visit
    NOTE = "note"  # a note verified for this finding, then a nurse's decision
    NURSE = "nurse"  # a nurse's decision with a reason
    NEVER = "never"  # nothing: the treatment is not given


class Clearance(enum.StrEnum):
    """Who has to act before a ``needs_clearance`` finding can be resolved."""

    PROVIDER_NOTE = "provider_note"  # signed note from the primary care provider
    PRESCRIBER_NOTE = "prescriber_note"  # note from whoever prescribed the medicine
    NURSE_REVIEW = "nurse_review"  # a nurse follows up with the patient


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired, with everything needed to explain it.

    ``answers`` holds the answers the rule read, as JSON values (ISO dates, lists of codes).
    ``ends`` says how the finding may end (``None`` only for advice); it is not part of the
    contract's JSON (``to_dict``): ``rules.ends_of_finding`` gives it for a stored finding.
    """

    rule_id: str
    outcome: Outcome
    overridable: bool
    earliest_date: date | None
    clearance: Clearance | None
    patient_text: str
    staff_text: str
    source: str
    answers: Mapping[str, Any]
    ends: Ends | None = None
    # The message id of the patient text and the values filled into it, as JSON
    # (rules.wording): a stored finding is worded again from them in any language.
    message: str = ""
    values: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON shape of a finding."""
        return {
            "rule_id": self.rule_id,
            "outcome": str(self.outcome),
            "overridable": self.overridable,
            "earliest_date": _iso(self.earliest_date),
            "clearance": str(self.clearance) if self.clearance is not None else None,
            "patient_text": self.patient_text,
            "staff_text": self.staff_text,
            "source": self.source,
            "answers": dict(self.answers),
        }


@dataclass(frozen=True, slots=True)
class Instruction:
    """A dated pre-care instruction: follow ``text`` from ``from_date`` until ``until_date``."""

    id: str
    text: str
    from_date: date
    until_date: date
    source: str

    @property
    def dates(self) -> tuple[date, date]:
        """The first and last day the instruction applies."""
        return (self.from_date, self.until_date)

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON shape of an instruction."""
        return {
            "text": self.text,
            "from": self.from_date.isoformat(),
            "until": self.until_date.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of one screening, the findings behind it and the pre-care instructions."""

    outcome: Outcome
    earliest_date: date | None
    findings: tuple[Finding, ...]
    instructions: tuple[Instruction, ...]
    ruleset: tuple[str, str]

    def to_dict(self) -> dict[str, Any]:
        """The contract's JSON shape of a result; ``json.dumps`` takes it as it is."""
        treatment, version = self.ruleset
        return {
            "outcome": str(self.outcome),
            "earliest_date": _iso(self.earliest_date),
            "findings": [finding.to_dict() for finding in self.findings],
            "instructions": [instruction.to_dict() for instruction in self.instructions],
            "ruleset": {"id": treatment, "version": version},
        }


class AnswerError(ValueError):
    """Answers that cannot be evaluated; ``errors`` names every problem at once.

    ``errors`` maps a question id (or ``treatment``, ``appointment_date``, ``version``, ``today``
    or ``answers`` for the visit itself) to a list of plain messages.
    """

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors: dict[str, list[str]] = {key: list(msgs) for key, msgs in errors.items()}
        summary = "; ".join(f"{key}: {' '.join(msgs)}" for key, msgs in self.errors.items())
        super().__init__(f"Invalid answers: {summary}")
