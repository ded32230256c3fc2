"""A date a person knows by heart (a date of birth), typed in three boxes: GOV.UK's date input.

The boxes come in the order people write dates in the page's language (month, day, year in the
clinic's US English; day, month, year in Spanish). The field's answer is the ISO date
("1990-03-27"), as every date answer; what was typed in each box is kept to show it again, and
an error says which boxes it is about (GOV.UK's date input error messages).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from babel import Locale
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import Field
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from rules.dates import LATEST_DATE, parse_iso_date
from rules.i18n import LANGUAGES

from ..i18n import current_language

DAY, MONTH, YEAR = "day", "month", "year"
PARTS = (DAY, MONTH, YEAR)
# The order of the boxes, as dates are written in each language.
PART_ORDER: dict[str, tuple[str, ...]] = {"en": (MONTH, DAY, YEAR), "es": (DAY, MONTH, YEAR)}
PART_LABELS = {DAY: _l("Day"), MONTH: _l("Month"), YEAR: _l("Year")}

_NUMBER = re.compile(r"\d+", re.ASCII)
# GOV.UK: accept a month written as a name, in full or short ("march", "mar"), in any language
# offered; a patient who thinks of months by name need not count them.
_MONTH_NAMES: dict[str, int] = {
    name.lower(): number
    for language in LANGUAGES
    for width in ("wide", "abbreviated")
    for number, name in Locale.parse(language).months["format"][width].items()
}

# What is wrong with the typed date, for its message.
EMPTY = "empty"
INCOMPLETE = "incomplete"
YEAR_DIGITS = "year digits"
NOT_REAL = "not real"
TOO_LATE = "too late"


def _number(text: str) -> int | None:
    # Leading zeros are fine; a number of more digits than a year has is no part of a date
    # (and Python refuses to read one of thousands of digits).
    if not _NUMBER.fullmatch(text) or len(text.lstrip("0")) > 4:
        return None
    return int(text)


def _month(text: str) -> int | None:
    return _number(text) if _NUMBER.fullmatch(text) else _MONTH_NAMES.get(text.lower().rstrip("."))


def read_date(parts: Mapping[str, str]) -> tuple[date | None, str | None, tuple[str, ...]]:
    """The date typed in the boxes ``parts`` (surrounding spaces and leading zeros allowed):
    ``(date, None, ())``, or ``(None, problem, the boxes it is about)`` with the most pressing
    problem first: nothing typed, a box left empty, a year not of 4 numbers, no such date."""
    typed = {part: (parts.get(part) or "").strip() for part in PARTS}
    missing = tuple(part for part in PARTS if not typed[part])
    if len(missing) == len(PARTS):
        return None, EMPTY, PARTS
    if missing:
        return None, INCOMPLETE, missing
    year_text = typed[YEAR]
    if _NUMBER.fullmatch(year_text) and len(year_text) != 4:
        return None, YEAR_DIGITS, (YEAR,)
    day, month, year = _number(typed[DAY]), _month(typed[MONTH]), _number(year_text)
    wrong = tuple(
        part
        for part, ok in (
            (DAY, day is not None and 1 <= day <= 31),
            (MONTH, month is not None and 1 <= month <= 12),
            (YEAR, year is not None and year >= 1),
        )
        if not ok
    )
    if wrong or day is None or month is None or year is None:
        # GOV.UK: the box that cannot be right, or the whole date when more than one is wrong.
        return None, NOT_REAL, wrong if len(wrong) == 1 else PARTS
    try:
        typed_date = date(year, month, day)
    except ValueError:  # 30 February: the day is the box that cannot be right
        return None, NOT_REAL, (DAY,)
    if typed_date > LATEST_DATE:
        return None, TOO_LATE, PARTS
    return typed_date, None, ()


_INCOMPLETE = {
    (DAY,): _l("%(name)s must include a day"),
    (MONTH,): _l("%(name)s must include a month"),
    (YEAR,): _l("%(name)s must include a year"),
    (DAY, MONTH): _l("%(name)s must include a day and month"),
    (DAY, YEAR): _l("%(name)s must include a day and year"),
    (MONTH, YEAR): _l("%(name)s must include a month and year"),
}


class MemorableDateField(Field):
    """Three boxes, day, month and year, named ``<name>-day`` and so on, in one fieldset.

    ``name_in_messages`` and ``missing`` are lazy strings ("Date of birth", "Enter your date of
    birth"), put in words when the field is checked. ``data`` is the ISO date when one was
    given or read; ``parts`` what is in each box; ``parts_in_error`` the boxes an error is
    about.
    """

    def __init__(self, label=None, validators=None, *, name_in_messages, missing, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.name_in_messages, self.missing = name_in_messages, missing
        self.parts: dict[str, str] = dict.fromkeys(PARTS, "")
        self.parts_in_error: tuple[str, ...] = ()

    def input_name(self, part: str) -> str:
        """The name (and id) of one box."""
        return f"{self.name}-{part}"

    @property
    def input_names(self) -> tuple[str, ...]:
        """The names of the boxes, as a page sends them."""
        return tuple(self.input_name(part) for part in PARTS)

    def part_order(self) -> tuple[str, ...]:
        """The boxes in the order of the page's language."""
        return PART_ORDER.get(current_language(), PART_ORDER["en"])

    def part_label(self, part: str) -> str:
        """A box's label, in the page's language."""
        return str(PART_LABELS[part])

    @property
    def first_input_id(self) -> str:
        """The id of the box a link to the field (a change link, an error) takes the focus to:
        the first box in error, else the first box."""
        order = self.part_order()
        in_error = [part for part in order if part in self.parts_in_error]
        return self.input_name((in_error or order)[0])

    def process(self, formdata, data=unset_value, extra_filters=None):
        """Read the boxes from ``formdata`` when the page sent any of them, else show ``data``
        (a stored ISO date) in them."""
        self.process_errors = []
        self.parts_in_error = ()
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        if formdata is not None and any(name in formdata for name in self.input_names):
            self.raw_data = [formdata.get(name, "") for name in self.input_names]
            self.parts = dict(zip(PARTS, self.raw_data, strict=True))
            self.data = None  # read when checked (``read``)
            return
        self.raw_data = []
        stored = parse_iso_date(data) if isinstance(data, str) else None
        self.data = stored.isoformat() if stored else None
        self.parts = (
            {DAY: str(stored.day), MONTH: str(stored.month), YEAR: str(stored.year)}
            if stored
            else dict.fromkeys(PARTS, "")
        )

    def read(self, required: bool = True) -> date | None:
        """The date in the boxes, or ``None`` when nothing is typed and none is ``required``.

        Raises ``StopValidation`` with GOV.UK's message for what is wrong, and marks the boxes
        it is about."""
        if self.data is not None and not self.raw_data:
            return date.fromisoformat(self.data)  # shown from storage, not sent
        typed, problem, boxes = read_date(self.parts)
        if typed is not None:
            return typed
        if problem == EMPTY and not required:
            return None
        raise self.refuse(self._message(problem, boxes), boxes)

    def refuse(self, message: str, parts: tuple[str, ...] = PARTS) -> StopValidation:
        """The error ``message`` about the boxes ``parts`` (the whole date unless said)."""
        self.parts_in_error = parts
        return StopValidation(message)

    def _message(self, problem: str | None, boxes: tuple[str, ...]) -> str:
        name = str(self.name_in_messages)
        if problem == EMPTY:
            return str(self.missing)
        if problem == INCOMPLETE:
            return str(_INCOMPLETE[boxes]) % {"name": name}
        if problem == YEAR_DIGITS:
            return gettext("Year must include 4 numbers")
        if problem == TOO_LATE:
            return gettext(
                "%(name)s must be in %(year)d or before", name=name, year=LATEST_DATE.year
            )
        return gettext("%(name)s must be a real date", name=name)


def focus_id(field: Field) -> str:
    """The id a link to ``field`` points at: its first box in error for a memorable date."""
    return field.first_input_id if isinstance(field, MemorableDateField) else field.id


def input_names(field: Field) -> tuple[str, ...]:
    """The names under which a page sends ``field``: its boxes for a memorable date."""
    return field.input_names if isinstance(field, MemorableDateField) else (field.name,)


def typed_formdata(field: Field, typed: list[str]) -> MultiDict:
    """What was typed in ``field`` (its ``raw_data``, kept in the draft) as the page would send
    it again: a memorable date's text for its day, month and year boxes, in that order."""
    if isinstance(field, MemorableDateField):
        # Text kept from the single box a date of birth had before lands in the first box.
        return MultiDict(list(zip(field.input_names, typed, strict=False)))
    return MultiDict([(field.name, value) for value in typed])
