"""Dates as people type them, and the validator for optional date filters."""

from __future__ import annotations

import re
from datetime import date

from wtforms import Field, Form
from wtforms.validators import ValidationError

from rules.dates import parse_iso_date

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


def real_date(form: Form, field: Field) -> None:
    """Validator: an optional date field, when filled in, holds a real date."""
    if field.data and parse_patient_date(field.data) is None:
        raise ValidationError(f"{field.label.text} must be a real date, like 12/10/2026")


def storable_text(form: Form, field: Field) -> None:
    """Validator: free text holds no NUL character, which no one types and PostgreSQL refuses."""
    if field.data and "\x00" in field.data:
        raise ValidationError(f"{field.label.text} contains a character that cannot be stored")
