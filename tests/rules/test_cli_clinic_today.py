"""Invariant 11 (lifecycle.md): today is the clinic's today. ``python -m rules evaluate`` takes the
date now in the clinic's time zone (``--timezone``, else ``CLINIC_TIMEZONE``) when the input's
``today`` is missing or null; the clock it reads is replaced here, never the system's time."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import rules.__main__ as cli
from tests.contract import no_answers

ZONE = "America/Los_Angeles"
# 23:30 on Thursday 10 December in Los Angeles is already 07:30 on the 11th in UTC; 00:30 on the
# 11th there is 08:30 UTC. Only the clinic's zone tells the two apart.
LATE_ON_THE_10TH = datetime(2026, 12, 11, 7, 30, tzinfo=UTC)
EARLY_ON_THE_11TH = datetime(2026, 12, 11, 8, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def no_clinic_zone_from_the_environment(monkeypatch):
    monkeypatch.delenv(cli.TIMEZONE_VARIABLE, raising=False)


def clock_at(monkeypatch, instant: datetime) -> None:
    monkeypatch.setattr(cli, "now", lambda: instant)


def document(today="missing", appointment="2026-12-10"):
    found = {
        "treatment": "pdo_smooth_threads",
        "appointment_date": appointment,
        "answers": no_answers(),
    }
    if today != "missing":
        found["today"] = today
    return found


def run(tmp_path, capsys, given, *options):
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(given))
    status = cli.main(["evaluate", *options, str(path)])
    return status, json.loads(capsys.readouterr().out)


def screened_on(printed) -> str:
    """The day the result counts as today: "If you feel unwell ..." applies from it."""
    (unwell,) = [i for i in printed["instructions"] if "feel unwell" in i["text"]]
    return unwell["from"]


@pytest.mark.parametrize("today", ["missing", None], ids=["missing", "null"])
def test_at_23_30_clinic_time_today_is_still_the_10th(tmp_path, capsys, monkeypatch, today):
    clock_at(monkeypatch, LATE_ON_THE_10TH)
    status, printed = run(tmp_path, capsys, document(today), "--timezone", ZONE)
    assert status == 0
    assert screened_on(printed) == "2026-12-10"
    assert printed["outcome"] == "clear"


@pytest.mark.parametrize("today", ["missing", None], ids=["missing", "null"])
def test_at_00_30_clinic_time_today_is_the_11th(tmp_path, capsys, monkeypatch, today):
    clock_at(monkeypatch, EARLY_ON_THE_11TH)
    status, printed = run(tmp_path, capsys, document(today, "2026-12-12"), "--timezone", ZONE)
    assert status == 0
    assert screened_on(printed) == "2026-12-11"
    status, printed = run(tmp_path, capsys, document(today), "--timezone", ZONE)
    assert status == 2
    assert printed == {
        "errors": {"appointment_date": ["The appointment date cannot be in the past"]}
    }


@pytest.mark.parametrize(
    ("instant", "expected"),
    [(LATE_ON_THE_10TH, "2026-12-10"), (EARLY_ON_THE_11TH, "2026-12-11")],
    ids=["23:30", "00:30"],
)
@pytest.mark.parametrize("today", ["missing", None], ids=["missing", "null"])
def test_the_zone_may_come_from_clinic_timezone(
    tmp_path, capsys, monkeypatch, instant, expected, today
):
    clock_at(monkeypatch, instant)
    monkeypatch.setenv("CLINIC_TIMEZONE", ZONE)
    status, printed = run(tmp_path, capsys, document(today, "2026-12-12"))
    assert (status, screened_on(printed)) == (0, expected)


def test_the_option_wins_over_the_environment(tmp_path, capsys, monkeypatch):
    clock_at(monkeypatch, LATE_ON_THE_10TH)
    monkeypatch.setenv("CLINIC_TIMEZONE", "Europe/Madrid")  # 08:30 on the 11th there
    status, printed = run(tmp_path, capsys, document(None, "2026-12-12"), "--timezone", ZONE)
    assert (status, screened_on(printed)) == (0, "2026-12-10")
    status, printed = run(tmp_path, capsys, document(None, "2026-12-12"))
    assert (status, screened_on(printed)) == (0, "2026-12-11")


def test_a_today_given_in_the_input_is_kept(tmp_path, capsys, monkeypatch):
    clock_at(monkeypatch, EARLY_ON_THE_11TH)
    status, printed = run(tmp_path, capsys, document("2026-12-01"), "--timezone", ZONE)
    assert (status, screened_on(printed)) == (0, "2026-12-01")


def test_without_a_zone_the_clock_is_not_read(tmp_path, capsys, monkeypatch):
    def no_clock():
        raise AssertionError("the clinic's clock was read without a clinic")

    monkeypatch.setattr(cli, "now", no_clock)
    status, printed = run(tmp_path, capsys, document(None, "2099-12-10"))
    assert status == 0 and printed["outcome"] == "clear"


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../etc/passwd", "not a zone"])
def test_an_unknown_zone_is_bad_input(tmp_path, capsys, monkeypatch, zone):
    clock_at(monkeypatch, LATE_ON_THE_10TH)
    status, printed = run(tmp_path, capsys, document(None), "--timezone", zone)
    assert status == 2
    assert set(printed) == {"errors"} and set(printed["errors"]) == {"timezone"}
    assert printed["errors"]["timezone"] == [f"Unknown time zone: {zone}"]


def test_an_unknown_zone_from_the_environment_is_bad_input_too(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CLINIC_TIMEZONE", "Nowhere/Land")
    status, printed = run(tmp_path, capsys, document(None))
    assert (status, list(printed["errors"])) == (2, ["timezone"])


def test_the_real_clock_is_aware_and_in_utc():
    instant = cli.now()
    assert instant.tzinfo is UTC
