"""The current time and the clinic's today, replaceable in tests through ``CLOCK``."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


def utcnow() -> datetime:
    """The current time (timezone-aware UTC) from the app's ``CLOCK``."""
    return current_app.config["CLOCK"]()


def clinic_zone() -> ZoneInfo:
    """The clinic's time zone (``CLINIC_TIMEZONE``)."""
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def clinic_today() -> date:
    """Today's date where the clinic is: every date a patient sees is the clinic's."""
    return clinic_date(utcnow())


def clinic_date(moment: datetime) -> date:
    """The clinic's date at an instant."""
    return moment.astimezone(clinic_zone()).date()


def clinic_time(moment: datetime | None, seconds: bool = False) -> str:
    """An instant as staff read it, in the clinic's time zone: "2026-12-01 12:00 PST"."""
    if moment is None:
        return ""
    return moment.astimezone(clinic_zone()).strftime(
        "%Y-%m-%d %H:%M:%S %Z" if seconds else "%Y-%m-%d %H:%M %Z"
    )


def utc_text(moment: datetime | None) -> str:
    """An instant as ISO 8601 in UTC ("2026-12-01T20:00:00Z"), or "" for none."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""
