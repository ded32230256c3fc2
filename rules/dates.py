"""Calendar arithmetic and the date formats patients and integrators see."""

from __future__ import annotations

import calendar
import re
from datetime import date

# No date a screening reads is later than this: the rules add years and months to dates, and a
# date near 9999 would run past the calendar ("year 10017") instead of being refused as input.
LATEST_DATE = date(2100, 12, 31)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_SPANISH_MONTHS = (
    "enero", "febrero", "marzo", "abril", "mayo", "junio",
    "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre",
)  # fmt: skip
_SPANISH_WEEKDAYS = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")


def parse_iso_date(text: str) -> date | None:
    """The date written exactly as ``YYYY-MM-DD``, or ``None`` when it is not a real date."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def format_date(day: date, language: str = "en") -> str:
    """A date as patients read it, independent of the machine's locale: "Friday 11 December
    2026" in English, "viernes 11 de diciembre de 2026" in Spanish (``"es"``).

    Any other language gets the English form, as untranslated words do.
    """
    if language == "es":
        weekday, month = _SPANISH_WEEKDAYS[day.weekday()], _SPANISH_MONTHS[day.month - 1]
        return f"{weekday} {day.day} de {month} de {day.year}"
    return f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def add_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later, clamped to the end of a shorter month
    (31 August plus 6 months is the last day of February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_on(birth: date, day: date) -> int:
    """Whole years from ``birth`` to ``day``; a 29 February birthday counts from 1 March."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
