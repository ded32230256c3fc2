"""The values rule texts mention, in words per language: dates, option labels, waiting periods
and how far a date is from the appointment.

Triggers hand the engine raw values; the engine words them in each text's language, so one match
gives the English staff text and the patient's text in the patient's language. A value is a
``str`` (used as it is), a ``date``, an ``int``, ``Options``, a ``Period``, a
``DaysFromAppointment`` or ``QuotedQuestions``. A finding keeps them as
JSON (``value_to_json``), so that it can be worded again in any language (``word_message``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .dates import format_date
from .i18n import worded
from .questions import option_in_sentence_message_id, option_message_id

# The words around counted values and lists, in English by message id; other languages' are in
# the rules' catalogs (rules/locales), as every other word a patient reads. A counted form has
# "one" and "other", the plural categories of English and Spanish.
WORDING_WORDS: dict[str, str] = {
    "count days one": "{count} day",
    "count days other": "{count} days",
    "count months one": "{count} month",
    "count months other": "{count} months",
    "count days before appointment one": "{count} day before your appointment",
    "count days before appointment other": "{count} days before your appointment",
    "count days after appointment one": "{count} day after your appointment",
    "count days after appointment other": "{count} days after your appointment",
    "day of appointment": "on the day of your appointment",
    "list and": "and",
    # Spanish writes "e" for "y" before a word starting with the sound "i" ("aspirina e
    # ibuprofeno"); English has no such form.
    "list and before i sound": "and",
    "list or": "or",
    # Spanish writes "u" for "o" before a word starting with the sound "o" ("aspirina u
    # omega-3"); English has no such form.
    "list or before o sound": "or",
}
# Languages that put a comma before the last word of a list of three or more, as US English
# does: "aspirin, ibuprofen, and fish oil" ("aspirina, ibuprofeno y aceite de pescado").
_SERIAL_COMMA = frozenset({"en"})


def _words(message_id: str, language: str) -> str:
    return worded(message_id, language, WORDING_WORDS[message_id])[0]


def _counted(kind: str, count: int, language: str) -> str:
    form = "one" if count == 1 else "other"
    return _words(f"count {kind} {form}", language).format(count=count)


@dataclass(frozen=True, slots=True)
class Period:
    """A waiting period of ``days`` or of ``months`` calendar months: "90 days", "6 months"."""

    days: int = 0
    months: int = 0

    def in_words(self, language: str) -> str:
        """The period in ``language``: "90 days", "90 días"."""
        if self.days:
            return _counted("days", self.days, language)
        return _counted("months", self.months, language)


@dataclass(frozen=True, slots=True)
class DaysFromAppointment:
    """How far a date is from the appointment: ``days`` before it (negative: after it)."""

    days: int

    def in_words(self, language: str) -> str:
        """E.g. "3 day(s) before the appointment", "3 días antes de su cita"."""
        if self.days > 0:
            return _counted("days before appointment", self.days, language)
        if self.days < 0:
            return _counted("days after appointment", -self.days, language)
        return _words("day of appointment", language)


@dataclass(frozen=True, slots=True)
class QuotedQuestions:
    """Questions named by their labels in quotes: '"Are you pregnant?" "Do you smoke?"'."""

    ids: tuple[str, ...]

    def in_words(self, language: str) -> str:
        """Each question's label in ``language``, quoted, one after another."""
        return " ".join(f'"{worded(f"question {qid} label", language)[0]}"' for qid in self.ids)


def join_words(words: list[str], language: str, joined_by: str = "and") -> str:
    """Words joined as in a sentence by "and" (``joined_by`` "and") or "or": "a, b, and c" in
    English, "a, b y c" in Spanish, where "y" becomes "e" before a word starting with the sound
    "i" ("aspirina e ibuprofeno") and "o" becomes "u" before the sound "o"."""
    if len(words) <= 1:
        return "".join(words)
    last = words[-1]
    conjunction = _words(f"list {joined_by}", language)
    special_sound, starts_with_it = _SPECIAL_CONJUNCTIONS[joined_by]
    before_special_sound = _words(f"list {joined_by} before {special_sound} sound", language)
    if before_special_sound != conjunction and starts_with_it(last):
        conjunction = before_special_sound
    separator = "," if language in _SERIAL_COMMA and len(words) > 2 else ""
    return f"{', '.join(words[:-1])}{separator} {conjunction} {last}"


_VOWELS = frozenset("aeiouáéíóú")


def _starts_with_i_sound(word: str) -> bool:
    lower = word.lower()
    if lower.startswith(("hi", "hí")):
        # "hielo", "hiato": the i glides into the next vowel, so Spanish keeps "y" before them.
        return lower[2:3] not in _VOWELS
    return lower.startswith(("i", "í"))


def _starts_with_o_sound(word: str) -> bool:
    return word.lower().startswith(("o", "ó", "ho", "hó"))


# Per conjunction, the sound before which a language may write it otherwise, and how a word
# is found to start with it.
_SPECIAL_CONJUNCTIONS = {"and": ("i", _starts_with_i_sound), "or": ("o", _starts_with_o_sound)}


@dataclass(frozen=True, slots=True)
class Options:
    """Options a patient chose, named in a sentence: "aspirin, fish oil, and ibuprofen", or,
    ``joined_by`` "or", "aspirin, fish oil, or ibuprofen".

    ``labels`` are their English, from the rule data, when the rules give them (a question made
    for a test has no message ids); a stored finding's options are worded by their message ids
    alone (``option_message_id``), so a reworded label reads as it reads now.
    """

    question: str
    codes: tuple[str, ...]
    labels: tuple[str, ...] = ()
    joined_by: str = "and"

    def in_words(self, language: str) -> str:
        """The options' labels in ``language`` as written inside a sentence, joined as in a
        sentence."""
        english: tuple[str | None, ...] = self.labels or (None,) * len(self.codes)
        words = [
            _in_sentence(self.question, code, label, language)
            for code, label in zip(self.codes, english, strict=True)
        ]
        return join_words(words, language, self.joined_by)


def _in_sentence(question: str, code: str, label: str | None, language: str) -> str:
    """An option's label inside a sentence: its own form for that (``Option.in_sentence``)
    where it has one in ``language``, else its label with the first letter lowered."""
    try:
        words, written_in = worded(option_in_sentence_message_id(question, code), language)
    except KeyError:  # no form of its own: the label lowered reads right
        pass
    else:
        if written_in == language:
            return words
    return _lower_first(worded(option_message_id(question, code), language, label)[0])


def _lower_first(word: str) -> str:
    # Only a capital that starts a word: "Vitamina E" becomes "vitamina E", "PMMA" stays.
    if len(word) > 1 and word[1].islower():
        return word[0].lower() + word[1:]
    return word


def in_words(value: Any, language: str) -> str:
    """One value a trigger gives a text, worded in ``language``."""
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return format_date(value, language)
    if isinstance(value, int):
        return str(value)
    return str(value.in_words(language))


def value_to_json(value: Any) -> Any:
    """A value a trigger gives a text, as JSON that ``value_from_json`` reads back."""
    if isinstance(value, str | int):
        return value
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, Options):
        options: dict[str, Any] = {"question": value.question, "codes": list(value.codes)}
        if value.joined_by != "and":  # values stored before "or" existed read as "and"
            options["joined_by"] = value.joined_by
        return {"options": options}
    if isinstance(value, Period):
        return {"period": {"days": value.days, "months": value.months}}
    if isinstance(value, DaysFromAppointment):
        return {"days_from_appointment": value.days}
    if isinstance(value, QuotedQuestions):
        return {"questions": list(value.ids)}
    raise TypeError(f"no JSON form for {value!r}")


def value_from_json(stored: Any) -> Any:
    """The value ``value_to_json`` gave ``stored`` for. Raises ``ValueError`` for anything
    else."""
    if isinstance(stored, str | int):
        return stored
    if isinstance(stored, dict) and len(stored) == 1:
        ((kind, value),) = stored.items()
        if kind == "date":
            return date.fromisoformat(value)
        if kind == "options":
            joined_by = value.get("joined_by", "and")
            if joined_by in _SPECIAL_CONJUNCTIONS:
                return Options(value["question"], tuple(value["codes"]), joined_by=joined_by)
        if kind == "period":
            return Period(days=value["days"], months=value["months"])
        if kind == "days_from_appointment":
            return DaysFromAppointment(value)
        if kind == "questions":
            return QuotedQuestions(tuple(value))
    raise ValueError(f"not a stored text value: {stored!r}")


def word_message(
    message_id: str,
    values: Mapping[str, Any],
    appointment_date: date,
    earliest_date: date | None,
    language: str,
    english: str | None = None,
) -> str:
    """The text of ``message_id`` in ``language`` (``english`` when the id has no text of its
    own), filled with ``values`` (JSON, as ``value_to_json`` gives them) and the visit's dates."""
    template, written_in = worded(message_id, language, english)
    raw = {name: value_from_json(value) for name, value in values.items()}
    return fill(template, appointment_date, earliest_date, raw, written_in)


def fill(
    template: str,
    appointment_date: date,
    earliest_date: date | None,
    values: Mapping[str, Any],
    language: str,
) -> str:
    """``template`` (written in ``language``) filled with the visit's dates and ``values`` (as
    triggers give them), each worded in ``language``."""
    filled = {
        "appointment_date": format_date(appointment_date, language),
        "earliest_date": format_date(earliest_date, language) if earliest_date else "",
    }
    for name, value in values.items():
        filled[name] = in_words(value, language)
    return template.format(**filled)
