"""The days the clinic is open (``CLINIC_OPENING_DAYS``, ``CLINIC_CLOSED_DATES``): a date offered
to a patient falls on one. Read and checked once at start; a bad value refuses to start."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from flask import Flask, current_app

from rules.dates import parse_iso_date

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_EXTENSION = "clinic_calendar"


@dataclass(frozen=True)
class ClinicCalendar:
    """The weekdays the clinic opens (0 is Monday, as ``date.weekday``) and the dates it stays
    closed all the same (holidays)."""

    opening_weekdays: frozenset[int]
    closed_dates: frozenset[date]

    def is_open(self, day: date) -> bool:
        """Whether the clinic sees patients on ``day``."""
        return day.weekday() in self.opening_weekdays and day not in self.closed_dates

    def next_open_day(self, day: date) -> date:
        """The first day on or after ``day`` the clinic is open. It ends: at least one weekday
        is open, and the closed dates are finitely many."""
        while not self.is_open(day):
            day += timedelta(days=1)
        return day


def calendar_from_settings(opening_days: object, closed_dates: object) -> ClinicCalendar:
    """The calendar of the two settings' values; ``ValueError`` naming the setting when one is
    not valid: an unknown day name, no opening day at all, a closed date that is not a date."""
    return ClinicCalendar(_opening_weekdays(opening_days), _closed_dates(closed_dates))


def _names(value: object) -> list[object]:
    # A comma-separated text (from the environment) or a list of names.
    if isinstance(value, str):
        return [part for part in value.split(",") if part.strip()]
    if isinstance(value, Iterable):
        return list(value)
    raise ValueError(f"must be a list, not {value!r}")


def _opening_weekdays(value: object) -> frozenset[int]:
    try:
        names = _names(value)
    except ValueError as error:
        raise ValueError(f"CLINIC_OPENING_DAYS {error}") from None
    weekdays = set()
    for name in names:
        key = name.strip().lower() if isinstance(name, str) else name
        if key not in WEEKDAYS:
            raise ValueError(
                f"CLINIC_OPENING_DAYS has {name!r}: name days in English, e.g. "
                '("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")'
            )
        weekdays.add(WEEKDAYS.index(key))
    if not weekdays:
        raise ValueError(
            "CLINIC_OPENING_DAYS has no day: the clinic must open on at least one day of the "
            "week, or no date could be offered"
        )
    return frozenset(weekdays)


def _closed_dates(value: object) -> frozenset[date]:
    try:
        items = _names(value)
    except ValueError as error:
        raise ValueError(f"CLINIC_CLOSED_DATES {error}") from None
    days = set()
    for item in items:
        if isinstance(item, date):
            day: date | None = date(item.year, item.month, item.day)  # a datetime's date too
        else:
            day = parse_iso_date(item.strip()) if isinstance(item, str) else None
        if day is None:
            raise ValueError(
                f"CLINIC_CLOSED_DATES has {item!r}: give each date as YYYY-MM-DD, e.g. "
                '("2026-12-25", "2027-01-01")'
            )
        days.add(day)
    return frozenset(days)


def register_clinic_calendar(app: Flask) -> None:
    """Read the clinic's opening days and closed dates; refuse to start when they are not valid
    (the message names the setting)."""
    try:
        calendar = calendar_from_settings(
            app.config["CLINIC_OPENING_DAYS"], app.config["CLINIC_CLOSED_DATES"]
        )
    except ValueError as error:
        raise RuntimeError(f"{error} (instance/config.py)") from None
    app.extensions[_EXTENSION] = calendar


def clinic_calendar() -> ClinicCalendar:
    """The app's clinic calendar, as read at start."""
    return current_app.extensions[_EXTENSION]
