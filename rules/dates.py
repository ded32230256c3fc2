"""Calendar arithmetic and the date formats patients and integrators see."""

from __future__ import annotations

import calendar
import re
from datetime import date

from .i18n import worded

# No date a screening reads is later than this: the rules add years and months to dates, and a
# date near 9999 would run past the calendar ("year 10017") instead of being refused as input.
LATEST_DATE = date(2100, 12, 31)

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)

# A date's words in English, by message id: other languages' are in the rules' catalogs
# (rules/locales), as every other word a patient reads.
DATE_WORDS: dict[str, str] = {
    "date format": "{weekday}, {month} {day}, {year}",
    **{
        f"date weekday {number}": name
        for number, name in enumerate(
            ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
        )
    },
    **{
        f"date month {number}": name
        for number, name in enumerate(
            (
                "January", "February", "March", "April", "May", "June",
                "July", "August", "September", "October", "November", "December",
            ),
            start=1,
        )
    },
}  # fmt: skip


def parse_iso_date(text: str) -> date | None:
    """The date written exactly as ``YYYY-MM-DD``, or ``None`` when it is not a real date."""
    if not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def format_date(day: date, language: str = "en") -> str:
    """A date as patients read it, independent of the machine's locale: "Friday, December 11,
    2026" in the clinic's US English, "viernes 11 de diciembre de 2026" in Spanish (``"es"``);
    the same words as Babel's (``screening.i18n.DATE_PATTERNS``).

    Any other language gets the English form, as untranslated words do.
    """
    template, written_in = _worded("date format", language)
    return template.format(
        weekday=_worded(f"date weekday {day.weekday()}", written_in)[0],
        day=day.day,
        month=_worded(f"date month {day.month}", written_in)[0],
        year=day.year,
    )


def _worded(message_id: str, language: str) -> tuple[str, str]:
    return worded(message_id, language, DATE_WORDS[message_id])


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
