"""The vocabulary rules are written in: each trigger says when a rule fires.

A trigger reads named questions and returns a ``Match`` (with the earliest date the patient could
come and the values its texts mention) or ``None``. Answers reaching a trigger are already
validated: choices are option codes, lists are tuples of codes, dates are ``date`` objects.

The values a match gives its texts stay raw (dates, numbers, options, periods); the engine
words them in each text's language (``rules.wording``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from .dates import add_months, add_years, age_on
from .questions import UNSURE, Question, Visit
from .wording import DaysFromAppointment, Options, Period

Answers = Mapping[str, Any]
Questions = Mapping[str, Question]


@dataclass(frozen=True, slots=True)
class Match:
    """A trigger fired. ``unsure`` marks an "I'm not sure" answer rather than a "yes".

    ``params`` are the values the rule's texts mention, raw: see ``rules.wording.in_words``.
    """

    unsure: bool = False
    earliest_date: date | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


class Trigger(Protocol):
    """What every trigger offers the engine."""

    @property
    def reads(self) -> tuple[str, ...]:
        """The question ids the trigger reads, reported with each finding."""

    @property
    def current_reads(self) -> tuple[str, ...]:
        """The questions it reads whose answers can change before the visit (all but a date of
        birth): the ones worth asking again at check-in."""

    def match(self, answers: Answers, visit: Visit, questions: Questions) -> Match | None:
        """A ``Match`` when the rule fires for these answers, else ``None``."""

    def describe(self) -> dict[str, Any]:
        """The trigger as JSON: its operator name and arguments."""


def _option_labels(question: Question, codes: Iterable[str], joined_by: str = "and") -> Options:
    """The options ``codes`` of ``question``, in their order, with their English labels,
    named in a sentence joined by ``joined_by`` ("and" or "or")."""
    codes = tuple(codes)
    labels = tuple(question.option_label(code) for code in codes)
    return Options(question.id, codes, labels, joined_by)


_FIRED = Match()
_UNSURE = Match(unsure=True)


@dataclass(frozen=True, slots=True)
class AnswerIs:
    """Fires when a choice question is answered ``value``; an "unsure" answer fires as unsure."""

    question: str
    value: str = "yes"

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.question,)

    @property
    def current_reads(self) -> tuple[str, ...]:
        return self.reads

    def match(self, answers: Answers, visit: Visit, questions: Questions) -> Match | None:
        answer = answers.get(self.question)
        if answer == self.value:
            return _FIRED
        if answer == UNSURE.code:
            return _UNSURE
        return None

    def describe(self) -> dict[str, Any]:
        return {"op": "answer_is", "question": self.question, "value": self.value}


@dataclass(frozen=True, slots=True)
class TakenWithinDays:
    """Fires when something listed was last taken fewer than ``days`` before the appointment.

    A dose ``days`` or more days before the appointment is fine; the earliest date the patient
    could come is the last dose plus ``days``.
    """

    taken: str
    last_dose: str
    days: int

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.taken, self.last_dose)

    @property
    def current_reads(self) -> tuple[str, ...]:
        return self.reads

    def match(self, answers: Answers, visit: Visit, questions: Questions) -> Match | None:
        taken = answers.get(self.taken)
        last_dose = answers.get(self.last_dose)
        if not taken or last_dose is None:
            return None
        days_before = (visit.appointment_date - last_dose).days
        if days_before >= self.days:
            return None
        earliest = last_dose + timedelta(days=self.days)
        taken_question = questions[self.taken]
        return Match(
            earliest_date=earliest,
            params={
                # "You last took aspirin or fish oil on ...": the last dose of any of them.
                "taken": _option_labels(taken_question, taken, joined_by="or"),
                "last_dose": last_dose,
                "days_before": days_before,
                "days": self.days,
            },
        )

    def describe(self) -> dict[str, Any]:
        return {
            "op": "taken_within_days",
            "taken": self.taken,
            "last_dose": self.last_dose,
            "days": self.days,
        }


@dataclass(frozen=True, slots=True)
class AnswerIsWithAny:
    """Fires when a choice question is answered ``value`` and a list question includes any of
    ``codes`` (a cold-sore history and a treatment area around the mouth)."""

    question: str
    list_question: str
    codes: tuple[str, ...]
    value: str = "yes"

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.question, self.list_question)

    @property
    def current_reads(self) -> tuple[str, ...]:
        return self.reads

    def match(self, answers: Answers, visit: Visit, questions: Questions) -> Match | None:
        if answers.get(self.question) != self.value:
            return None
        chosen = [code for code in answers.get(self.list_question) or () if code in self.codes]
        if not chosen:
            return None
        listed = questions[self.list_question]
        return Match(params={"items": _option_labels(listed, chosen)})

    def describe(self) -> dict[str, Any]:
        return {
            "op": "answer_is_with_any",
            "question": self.question,
            "value": self.value,
            "list_question": self.list_question,
            "codes": list(self.codes),
        }


@dataclass(frozen=True, slots=True)
class AnyAnswerIsWithAny:
    """Fires when any of the choice ``questions`` is answered ``value`` and a list question
    includes any of ``codes`` (a cold sore now or before, and a treatment area around the
    mouth)."""

    questions: tuple[str, ...]
    list_question: str
    codes: tuple[str, ...]
    value: str = "yes"

    @property
    def reads(self) -> tuple[str, ...]:
        return (*self.questions, self.list_question)

    @property
    def current_reads(self) -> tuple[str, ...]:
        return self.reads

    def match(self, answers: Answers, visit: Visit, questions: Questions) -> Match | None:
        if not any(answers.get(question) == self.value for question in self.questions):
            return None
        chosen = [code for code in answers.get(self.list_question) or () if code in self.codes]
        if not chosen:
            return None
        listed = questions[self.list_question]
        return Match(params={"items": _option_labels(listed, chosen)})

    def describe(self) -> dict[str, Any]:
        return {
            "op": "any_answer_is_with_any",
            "questions": list(self.questions),
            "value": self.value,
            "list_question": self.list_question,
            "codes": list(self.codes),
        }


@dataclass(frozen=True, slots=True)
class RecentDate:
    """Fires when an optional date (a last dose, a last treatment) is less than a window before
    the appointment: ``days``, or ``months`` calendar months clamped to the month's end.

    A date the full window or more before the appointment is fine; the earliest date the patient
    could come is the date plus the window. No date answered means nothing to wait for.
    """

    question: str
    days: int = 0
    months: int = 0

    def __post_init__(self) -> None:
        if (self.days > 0) == (self.months > 0):
            raise ValueError("RecentDate needs a window of days or of months, not both")

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.question,)

    @property
    def current_reads(self) -> tuple[str, ...]:
        return self.reads

    @property
    def window(self) -> Period:
        """The window, for texts: "90 days", "6 months"."""
        return Period(days=self.days, months=self.months)

    def match(self, answers: Answers, visit: Visit, questions: Questions) -> Match | None:
        last = answers.get(self.question)
        if last is None:
            return None
        earliest = add_months(last, self.months) if self.months else last + timedelta(self.days)
        if visit.appointment_date >= earliest:
            return None
        return Match(
            earliest_date=earliest,
            params={
                "date": last,
                "days_before": (visit.appointment_date - last).days,
                "window": self.window,
            },
        )

    def describe(self) -> dict[str, Any]:
        return {
            "op": "recent_date",
            "question": self.question,
            "days": self.days,
            "months": self.months,
        }


@dataclass(frozen=True, slots=True)
class DateNear:
    """Fires when an optional date is less than ``days`` before or after the appointment."""

    question: str
    days: int

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.question,)

    @property
    def current_reads(self) -> tuple[str, ...]:
        return self.reads

    def match(self, answers: Answers, visit: Visit, questions: Questions) -> Match | None:
        day = answers.get(self.question)
        if day is None:
            return None
        apart = (visit.appointment_date - day).days
        if abs(apart) >= self.days:
            return None
        return Match(
            params={"date": day, "relation": DaysFromAppointment(apart), "days": self.days}
        )

    def describe(self) -> dict[str, Any]:
        return {"op": "date_near", "question": self.question, "days": self.days}


@dataclass(frozen=True, slots=True)
class AgeUnder:
    """Fires when the patient is younger than ``years`` on the appointment date.

    The earliest date is the birthday on which the patient turns ``years`` (1 March for a
    29 February birthday in a common year).
    """

    birth_date: str
    years: int

    @property
    def reads(self) -> tuple[str, ...]:
        return (self.birth_date,)

    @property
    def current_reads(self) -> tuple[str, ...]:
        return ()  # a date of birth does not change before the visit

    def match(self, answers: Answers, visit: Visit, questions: Questions) -> Match | None:
        born = answers.get(self.birth_date)
        if born is None:
            return None
        age = age_on(born, visit.appointment_date)
        if age >= self.years:
            return None
        birthday = add_years(born, self.years)
        return Match(
            earliest_date=birthday,
            params={"age": age, "years": self.years},
        )

    def describe(self) -> dict[str, Any]:
        return {"op": "age_under", "birth_date": self.birth_date, "years": self.years}
