"""Every patient-facing text of the shared rule data, under its stable message id.

A message id says where a text is used, never what it says: ``rule pregnancy patient``,
``question pregnant label``, ``instruction no_makeup text``; the words put around values (a
date's, a count's, a list's: ``rules.dates``, ``rules.wording``) have theirs too. Translations
are kept under these ids, as gettext message contexts (``rules/locales/<language>.po``; a
treatment's own words in its folder), so rewording an English text keeps its translations; the
suite then asks for each such translation to be checked (its ``msgid`` is no longer the English
it translated). A finding stores the id of its patient text with the values filled into it
(``Finding.message``), so a stored finding can be worded in any language without evaluating its
answers again.
"""

from __future__ import annotations

from pathlib import Path

from . import i18n
from .dates import DATE_WORDS
from .po import read_po
from .questions import (
    ADDED_QUESTIONS,
    CORE_QUESTIONS,
    DATE_CHECK_MESSAGES,
    TOPICS,
    option_in_sentence_message_id,
    option_message_id,
)
from .shared.catalog import CATALOG_RULES
from .shared.core import CORE_INSTRUCTIONS, CORE_RULES
from .wording import WORDING_WORDS

LOCALES = Path(__file__).parent / "locales"

# The patient text of a blocking rule that reads a question the patient was never asked.
NOT_ASKED_PATIENT_TEXT = (
    "We need to ask you something we did not ask before: {questions} A nurse will contact you "
    "before your appointment on {appointment_date}."
)
NOT_ASKED = "not_asked patient"


def shared_messages() -> dict[str, str]:
    """Every patient-facing English text of the shared rule data, by message id, in the order
    a patient meets them."""
    messages: dict[str, str] = {}

    def add(message_id: str, english: str) -> None:
        if english and messages.setdefault(message_id, english) != english:
            raise ValueError(f"{message_id!r} names two texts: give one rule a variant")

    for topic in TOPICS:
        add(f"topic {topic.id}", topic.title)
    for question in (*CORE_QUESTIONS, *ADDED_QUESTIONS):
        for field in ("label", "help", "short_name", "missing_message"):
            add(f"question {question.id} {field}", getattr(question, field))
        for option in question.options:
            add(option_message_id(question.id, option.code), option.label)
    for name, message in DATE_CHECK_MESSAGES.items():
        add(f"date check {name}", message)
    for rule in (*CORE_RULES, *CATALOG_RULES.values()):
        add(rule.message_id("patient"), rule.patient_text)
        add(rule.message_id("unsure_patient"), rule.unsure_patient_text)
    for instruction in CORE_INSTRUCTIONS:
        add(instruction.message_id("text"), instruction.text)
        add(instruction.message_id("text_from_now"), instruction.text_from_now or "")
    add(NOT_ASKED, NOT_ASKED_PATIENT_TEXT)
    return messages


def in_sentence_messages() -> dict[str, str]:
    """The options' labels as written inside a sentence, for the options that have a form of
    their own (``Option.in_sentence``), by message id."""
    return {
        option_in_sentence_message_id(question.id, option.code): option.in_sentence
        for question in (*CORE_QUESTIONS, *ADDED_QUESTIONS)
        for option in question.options
        if option.in_sentence
    }


def read_translations(path: Path) -> dict[str, str]:
    """A catalog's translations by message id (its entries' contexts). Raises ``ValueError``
    naming the file for an entry without a context: it could not be found again."""
    translations = {}
    for (context, _english), words in read_po(path).items():
        if context is None:
            raise ValueError(f"{path}: every entry needs its message id as msgctxt")
        translations[context] = words
    return translations


i18n.add_messages(shared_messages())
# The words of dates, counts and lists, and the options' own forms inside a sentence (often the
# same English as their labels), always found by their message id.
i18n.add_messages({**DATE_WORDS, **WORDING_WORDS, **in_sentence_messages()}, by_english=False)
for _language in i18n.LANGUAGES:
    if (LOCALES / f"{_language}.po").exists():
        i18n.add_translations(_language, read_translations(LOCALES / f"{_language}.po"))
