"""The clinic calendar (``CLINIC_OPENING_DAYS``, ``CLINIC_CLOSED_DATES``): the next day the clinic
is open, and settings that refuse to start when they are not valid."""

from __future__ import annotations

from datetime import date

import pytest

from screening.clinic_calendar import calendar_from_settings, clinic_calendar

MONDAY_TO_SATURDAY = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def test_an_open_day_is_its_own_next_open_day():
    calendar = calendar_from_settings(MONDAY_TO_SATURDAY, ())

    assert calendar.next_open_day(date(2026, 12, 7)) == date(2026, 12, 7)  # a Monday


def test_a_sunday_moves_to_monday():
    calendar = calendar_from_settings(MONDAY_TO_SATURDAY, ())

    assert calendar.next_open_day(date(2026, 12, 6)) == date(2026, 12, 7)


def test_closed_dates_in_a_row_are_all_passed_over():
    calendar = calendar_from_settings(
        MONDAY_TO_SATURDAY, ("2026-12-24", "2026-12-25", "2026-12-26")
    )

    # Thursday to Saturday closed, then the Sunday: Monday the 28th.
    assert calendar.next_open_day(date(2026, 12, 24)) == date(2026, 12, 28)


def test_the_next_open_day_crosses_the_year_end():
    calendar = calendar_from_settings(("Tuesday", "Friday"), [date(2026, 12, 29), "2027-01-01"])

    assert calendar.next_open_day(date(2026, 12, 26)) == date(2027, 1, 5)


def test_day_names_ignore_case_and_spaces_and_may_be_one_text():
    calendar = calendar_from_settings(" monday, FRIDAY ", "2026-12-25")

    assert calendar.opening_weekdays == frozenset({0, 4})
    assert calendar.closed_dates == frozenset({date(2026, 12, 25)})


@pytest.mark.parametrize(
    ("opening", "closed", "named"),
    [
        ((), (), "CLINIC_OPENING_DAYS has no day"),
        ("", (), "CLINIC_OPENING_DAYS has no day"),
        (("Monday", "Funday"), (), "CLINIC_OPENING_DAYS has 'Funday'"),
        (("Mon",), (), "CLINIC_OPENING_DAYS has 'Mon'"),
        ((1, 2), (), "CLINIC_OPENING_DAYS has 1"),
        (5, (), "CLINIC_OPENING_DAYS must be a list"),
        (MONDAY_TO_SATURDAY, ("12/25/2026",), "CLINIC_CLOSED_DATES has '12/25/2026'"),
        (MONDAY_TO_SATURDAY, ("2026-02-30",), "CLINIC_CLOSED_DATES has '2026-02-30'"),
        (MONDAY_TO_SATURDAY, (20261225,), "CLINIC_CLOSED_DATES has 20261225"),
        (MONDAY_TO_SATURDAY, None, "CLINIC_CLOSED_DATES must be a list"),
    ],
)
def test_a_bad_setting_is_refused_naming_it(opening, closed, named):
    with pytest.raises(ValueError, match=named):
        calendar_from_settings(opening, closed)


def test_a_week_with_every_day_closed_refuses_to_start(make_app):
    with pytest.raises(RuntimeError, match="CLINIC_OPENING_DAYS has no day"):
        make_app(CLINIC_OPENING_DAYS=[])


def test_a_bad_closed_date_refuses_to_start(make_app):
    with pytest.raises(RuntimeError, match="CLINIC_CLOSED_DATES has 'Christmas'"):
        make_app(CLINIC_CLOSED_DATES=["Christmas"])


def test_the_defaults_open_monday_to_saturday(app):
    with app.app_context():
        calendar = clinic_calendar()
    assert calendar.opening_weekdays == frozenset(range(6))
    assert calendar.closed_dates == frozenset()
