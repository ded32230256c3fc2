"""Dates as people type them, the characters free text may hold, and their form validators."""

from __future__ import annotations

import re
from datetime import date

from wtforms import Field, Form
from wtforms.validators import ValidationError

from rules.dates import LATEST_DATE, add_years, parse_iso_date

# An appointment booked further ahead than this is a typing mistake, not a booking (the API,
# a nurse's move; the questionnaire and invitations take a year at most).
BOOKING_YEARS_AHEAD = 2

# Marks that reorder the text around them: U+202E can make a name read backwards on a nurse's
# page. The joiners U+200C and U+200D stay allowed: Persian and Indic names need them.
_BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Half of a UTF-16 pair with no other half (JSON's "\ud800", or argv bytes that are not
# UTF-8): no database can store it.
_LONE_SURROGATES = re.compile("[\ud800-\udfff]")

NOT_STORABLE = "cannot be stored"
REORDERS_TEXT = "reorders text"


def text_problem(value: str) -> str | None:
    """Why ``value`` may not be kept as free text, or ``None``: ``NOT_STORABLE`` for a NUL or a
    lone surrogate, ``REORDERS_TEXT`` for a bidirectional control character."""
    if "\x00" in value or _LONE_SURROGATES.search(value):
        return NOT_STORABLE
    if _BIDI_CONTROLS.search(value):
        return REORDERS_TEXT
    return None


def text_problem_message(label: str, value: str) -> str | None:
    """The staff-facing message naming ``label`` for what ``text_problem`` finds, or ``None``."""
    problem = text_problem(value)
    if problem == NOT_STORABLE:
        return f"{label} contains a character that cannot be stored"
    if problem == REORDERS_TEXT:
        return f"{label} contains a character that changes the direction of text: remove it"
    return None


_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)


def parse_patient_date(text: str) -> date | None:
    """A date typed as ``YYYY-MM-DD`` (what date inputs send) or ``MM/DD/YYYY``."""
    day = parse_iso_date(text)
    if day is not None:
        return day
    us = _US_DATE.fullmatch(text)
    if us is None:
        return None
    month, day_of_month, year = (int(part) for part in us.groups())
    try:
        return date(year, month, day_of_month)
    except ValueError:
        return None


def booked_too_far_ahead(day: date, today: date) -> bool:
    """Whether an appointment on ``day`` is further ahead of ``today`` than anyone books."""
    # A "today" past LATEST_DATE is refused on its own; here it must not run off the calendar.
    return day > add_years(min(today, LATEST_DATE), BOOKING_YEARS_AHEAD)


def real_date(form: Form, field: Field) -> None:
    """Validator: an optional date field, when filled in, holds a real date no later than
    ``LATEST_DATE``."""
    if not field.data:
        return
    day = parse_patient_date(field.data)
    if day is None:
        raise ValidationError(f"{field.label.text} must be a real date, like 12/10/2026")
    if day > LATEST_DATE:
        raise ValidationError(f"{field.label.text} must be in {LATEST_DATE.year} or before")


def real_date_from(earliest: date):
    """Validator: like ``real_date``, and no earlier than ``earliest`` (records' periods)."""

    def validate(form: Form, field: Field) -> None:
        day = parse_patient_date(field.data) if field.data else None
        if day is None:
            real_date(form, field)  # empty passes; anything else is not a real date
        elif not earliest <= day <= LATEST_DATE:
            raise ValidationError(
                f"{field.label.text} must be a date from {earliest.year} to {LATEST_DATE.year}"
            )

    return validate


def storable_text(form: Form, field: Field) -> None:
    """Validator: free text holds nothing a database refuses (a NUL, a lone surrogate) and no
    character that reorders the text on staff pages."""
    message = text_problem_message(str(field.label.text), field.data) if field.data else None
    if message:
        raise ValidationError(message)
