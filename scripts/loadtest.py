"""``make loadtest``: the production server under mixed traffic, then killed with ``kill -9``.

A throwaway instance (a temporary directory with its own SQLite file and secret key) is served
by ``gunicorn -w 2`` on a free loopback port, beside its outbox sender (``flask outbox send
--watch --interval 1``, a process of its own) and a slow SMTP server. Standard library HTTP
only, CSRF tokens and cookies as a browser sends them:

- **Patients** (``--patients``, 16) complete the smooth threads questionnaire: every page
  answered "no", the consent signed. A submission is *acknowledged* when the consent POST
  answers 303 to ``/intake/result/<token>``. Every fourth patient (1, 5, 9, ...) presses "Finish
  later" and then "Email me this link" once, from a question page of their first
  questionnaire, and must be told the link is on its way. Patients 2 and 3 book their first
  visit for the clinic's tomorrow and in 8 days, so that the day-before and the
  stop-substances reminders fall due.
- **2 nurses**, each with an account made with ``flask staff create``, sign in at
  ``/staff/login`` and read the queue, a random page of every screening and random screenings'
  pages (each view audited: a write), in a loop.
- **A booking system** creates invitations, each with an email address, through
  ``POST /api/v1/invitations`` with a bearer token made with ``flask api-token create``, spread
  over the phase.
- **One reminders run**, ``flask reminders send`` as cron runs it, once patients 2 and 3 have
  signed (at three quarters of the phase at the latest).
- **A slow SMTP server**: aiosmtpd on 127.0.0.1, in this process, that takes each message (it
  counts as received) and waits a random delay before its 250 (``MailSink``). The delays are
  2 to 12 s as the issue asks (under the app's 15 s SMTP timeout), but at most half the phase:
  ``min(12, seconds / 2)``, so 2 to 4 s for the 8-second CI run. The one sender delivers one
  message at a time, so a phase's emails take about their number times the mean delay to
  drain; half the phase keeps that drain about as long as the load, and ``.ci/run`` under 90 s.

The app's rate limits are on, kept in the local Redis as production keeps them with several
workers (README, Production server), under a key prefix of this run's own. Every client here
comes from 127.0.0.1 and the limits are per address, so this instance sets each far above the
run's traffic (``LOAD_LIMITS``): the limiter's storage is exercised, and no request is refused;
``make test`` checks the limits themselves.

Phase 1, steady load: acknowledged submissions = stored screenings, no 5xx, no unexpected
answer, no "database is locked" or traceback in the server's or the sender's log.

Phase 2, crash: the same traffic; half-way through, the outbox sender is killed with SIGKILL
while the SMTP server holds one of its messages (aimed for), then the whole server (master and
workers), and both are started again on the same database. Clients keep the request that
failed, wait for the restart, send it again with the same cookie, and finish. Then: every
acknowledged submission is stored, stored = acknowledged, no draft has two screenings,
``PRAGMA integrity_check`` is ok, and every acknowledged consent POST sent once more (same
cookie, same form) answers with the same result and stores nothing new. The messages the
killed sender had claimed are sent again once their claim lapses: the outbox's lease (2
minutes) is set to the longest delay plus 5 s on this instance, longer than any send takes
here, so that the phase need not wait out 2 minutes.

Both phases, once the load stops: the outbox drains (every message sent, within a bound from
the messages left and the longest delay), the traffic queued every email it caused (a request
repeated across the kill may queue one more), none failed or was voided, and the SMTP server
received each sent message: distinct Message-IDs received = messages sent, none lost, none
unknown, and a Message-ID received twice only if the killed sender held it (so at most as many
duplicates as messages claimed at the kill).

Bounded: ``--seconds`` (``LOADTEST_SECONDS``, default 30) of load per phase, ``--patients``
(``LOADTEST_PATIENTS``, default 16) concurrent clients, traffic to 127.0.0.1 only. The server,
the sender and the SMTP server are always stopped and the temporary directory removed. Exits 1
when a check fails, naming each.

gunicorn and the flask commands import this module too: ``loadtest:wsgi_app()`` builds the app
from the ``LOADTEST_*`` environment the script sets for them.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
import json
import math
import os
import random
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import message_from_bytes
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent
HOST = "127.0.0.1"  # loopback only: nothing here ever talks to another address
WORKERS = 2  # sync workers = cores (../shared/testing.md)
REQUEST_TIMEOUT = 30.0  # seconds a client waits for one answer
START_TIMEOUT = 30.0  # seconds for gunicorn to answer after it is started
RESTART_WAIT = 60.0  # seconds a client waits for the server to come back after the kill
MAX_RETRIES = 5  # tries of one request across the crash
MAX_PAGES = 20  # question pages one patient may be led through (guards against a loop)
MAX_SECONDS, MAX_PATIENTS = 600, 64
NURSES = 2
CLINIC_TIMEZONE = "America/Los_Angeles"  # set on the instance: the clients' today is the clinic's
DAYS_AHEAD = 5  # a patient's visit: no reminder falls due for it during the run
REMINDER_DAYS = (1, 8)  # patients 2 and 3: the day-before and the stop-substances reminders
INVITATION_DAYS = 7
SINK_SHORTEST, SINK_LONGEST = 2.0, 12.0  # the SMTP server's delays, in seconds (the issue's)
LEASE_MARGIN = 5.0  # the outbox's lease here: the longest delay plus this
SENDER_INTERVAL = 1  # seconds between the outbox sender's rounds
DRAIN_MARGIN = 15.0  # seconds, beyond the delays and the lease, for the outbox to drain
REMINDERS_BY = 0.75  # of the phase: the reminders run waits for its patients no longer
EMAIL_PATHS = ("/intake/email-link", "/api/v1/invitations")  # requests that queue an email

_RESUME = re.compile(r"/intake/resume/([A-Za-z0-9_\-]+)")
_RESULT = re.compile(r"^(?:https?://[^/]+)?/intake/result/([A-Za-z0-9_\-]+)$")
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)
_INPUT = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
_SCREENING_LINK = re.compile(r'href="/staff/screenings/(\d+)"')
_PAGE_NUMBER = re.compile(r"[?&](?:amp;)?page=(\d+)")
_QUEUED_REMINDERS = re.compile(r"Queued (\d+) reminders")
EMAILING = "We are emailing the link to"  # the flash after "Email me this link"
LOCKED = "database is locked"


# --- the app, as gunicorn and init-db build it ---------------------------------------------

# The per-address limits (``screening/config.py``) on this instance and the bench's, whose
# clients all share 127.0.0.1: far above any run's traffic (the bench's submit sends thousands
# of questionnaires a minute).
LOAD_LIMITS = {
    "API_RATE_LIMIT": "1000000 per minute",
    "PATIENT_DRAFT_RATE_LIMIT": "1000000 per hour",
    "PATIENT_SUBMIT_RATE_LIMIT": "1000000 per hour",
    "PATIENT_UPLOAD_RATE_LIMIT": "1000000 per hour",
    "PATIENT_UPLOAD_DAILY_LIMIT": "1000000 per day",
    "PATIENT_EMAIL_LINK_RATE_LIMIT": "1000000 per hour",
}
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


def wsgi_app():
    """The app on the throwaway instance: its database, secret key, uploads folder and SMTP
    server only (nothing from ``instance/config.py``, which may point elsewhere), not in testing
    mode. gunicorn, the outbox sender and every flask command here build it alike."""
    from screening import create_app

    config = {
        "SECRET_KEY": os.environ["LOADTEST_SECRET_KEY"],
        "DATABASE_URL": os.environ["LOADTEST_DATABASE_URL"],
        "UPLOAD_FOLDER": os.environ["LOADTEST_UPLOADS"],
        # Its own audit key and anchor, beside the uploads (the bench's instance likewise).
        "INSTANCE_PATH": str(Path(os.environ["LOADTEST_UPLOADS"]).parent / "instance"),
        "SECURE_COOKIES": False,  # plain http on the loopback
        "CLINIC_TIMEZONE": CLINIC_TIMEZONE,
        # Limits on, in Redis as with several workers in production, each far above the load
        # (every client comes from 127.0.0.1; see above); keys of this run's own.
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": LOCAL_REDIS,
        "RATELIMIT_KEY_PREFIX": "loadtest-" + os.environ["LOADTEST_SECRET_KEY"][:12],
        **LOAD_LIMITS,
    }
    if os.environ.get("LOADTEST_TRUSTED_PROXIES"):
        # Behind a reverse proxy, each client's own address (the submit benchmark's patients).
        config["TRUSTED_PROXIES"] = int(os.environ["LOADTEST_TRUSTED_PROXIES"])
    if os.environ.get("LOADTEST_MAIL_PORT"):
        config.update(MAIL_SERVER=HOST, MAIL_PORT=int(os.environ["LOADTEST_MAIL_PORT"]))
    if os.environ.get("LOADTEST_OUTBOX_LEASE"):
        # The outbox's claim on a message, shortened on this instance (see above).
        config["OUTBOX_LEASE_SECONDS"] = float(os.environ["LOADTEST_OUTBOX_LEASE"])
    return create_app(config)


# --- pure helpers: reading pages and logs, judging a phase ---------------------------------


def resume_token(page: str) -> str | None:
    """The token of the patient's own link on the page ("Finish later"), or ``None``."""
    match = _RESUME.search(page)
    return match.group(1) if match else None


def result_token(location: str | None) -> str | None:
    """The token of a redirect to the outcome page, or ``None`` for any other redirect."""
    match = _RESULT.match(location or "")
    return match.group(1) if match else None


def form_html(page: str, action: str, here: str | None = None) -> str:
    """The markup inside the page's POST form to ``action`` (a page may hold other forms). A
    form without an ``action`` posts to the page's own address, ``here``."""
    for attributes, inner in _FORM.findall(page):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTRIBUTE.findall(attributes)}
        if attrs.get("method", "get").lower() == "post" and attrs.get("action", here) == action:
            return inner
    raise ValueError(f"the page has no form posting to {action}")


def form_fields(form: str) -> dict[str, dict[str, Any]]:
    """A form's fields by name, in page order: their type and the values offered."""
    fields: dict[str, dict[str, Any]] = {}
    for tag, attributes in _INPUT.findall(form):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTRIBUTE.findall(attributes)}
        name = attrs.get("name")
        if not name:
            continue
        kind = attrs.get("type", "text").lower() if tag.lower() == "input" else tag.lower()
        entry = fields.setdefault(name, {"type": kind, "values": []})
        if "value" in attrs:
            entry["values"].append(attrs["value"])
    return fields


def nothing_to_report(name: str, spec: dict[str, Any]) -> Any:
    """A patient's answer to a question with nothing to report: "no", "None of these", or
    an empty date; ``ValueError`` for a field that has no such answer."""
    values = spec["values"]
    if spec["type"] == "radio" and "no" in values:
        return "no"
    if spec["type"] == "checkbox" and "none" in values:
        return ["none"]
    if spec["type"] == "date":
        return ""
    raise ValueError(f"no answer for the field {name!r} ({spec['type']})")


def page_answers(
    page: str, action: str, known: dict[str, Any], here: str | None = None
) -> list[tuple[str, str]]:
    """What a browser sends for the page's form to ``action``: hidden fields as they are,
    ``known`` answers, and "no" (or "None of these") to every other question. ``here``: the
    page's own address, for a form that posts back to it."""
    pairs: list[tuple[str, str]] = []
    for name, spec in form_fields(form_html(page, action, here)).items():
        if spec["type"] == "hidden":
            pairs.append((name, spec["values"][0] if spec["values"] else ""))
            continue
        value = known[name] if name in known else nothing_to_report(name, spec)
        if isinstance(value, list):
            pairs.extend((name, item) for item in value)
        else:
            pairs.append((name, value))
    return pairs


def patient_answers(who: str, today: date, days_ahead: int = DAYS_AHEAD) -> dict[str, Any]:
    """The answers a patient gives that are not "no": who they are and their visit (smooth
    threads, ``days_ahead`` days after ``today``, the clinic's)."""
    return {
        "first_name": "Load",
        "last_name": f"Patient {who}",
        "email": f"patient.{who}@example.com",
        "phone": "909 555 0100",
        # The date of birth's three boxes, as typed.
        "date_of_birth-month": "5",
        "date_of_birth-day": "17",
        "date_of_birth-year": "1990",
        "treatment": "pdo_smooth_threads",
        "appointment_date": (today + timedelta(days=days_ahead)).isoformat(),
        "treatment_areas": ["smile_lines", "neck"],
    }


def invitation_document(serial: int, today: date) -> dict[str, str]:
    """What the booking system sends to ``POST /api/v1/invitations``: a visit a week ahead,
    with an email address, so the invitation is emailed."""
    return {
        "first_name": "Load",
        "last_name": f"Invitee {serial}",
        "email": f"invitee.{serial}@example.com",
        "treatment": "pdo_smooth_threads",
        "appointment_date": (today + timedelta(days=INVITATION_DAYS)).isoformat(),
        "appointment_time": "10:15",
    }


def clinic_today() -> date:
    """Today where the clinic is (``CLINIC_TIMEZONE``, set on the instance): reminders fall
    due by the clinic's date, not this machine's."""
    return datetime.now(ZoneInfo(CLINIC_TIMEZONE)).date()


def screening_ids(page: str) -> list[int]:
    """The screenings a staff page links to, in page order, each once."""
    return list(dict.fromkeys(int(number) for number in _SCREENING_LINK.findall(page)))


def last_page(page: str) -> int:
    """The highest page number a listing links to; 1 when it has no other page."""
    return max((int(number) for number in _PAGE_NUMBER.findall(page)), default=1)


def queued_reminders(output: str) -> int | None:
    """How many reminders ``flask reminders send`` says it queued; ``None`` if it did not say."""
    match = _QUEUED_REMINDERS.search(output)
    return int(match.group(1)) if match else None


def sink_delays(seconds: int) -> tuple[float, float]:
    """The SMTP server's shortest and longest delay for a phase of ``seconds``: the issue's 2 to
    12 s, the longest at most half the phase (see above)."""
    longest = min(SINK_LONGEST, seconds / 2)
    return min(SINK_SHORTEST, longest), longest


@dataclass(frozen=True)
class Plan:
    """Who causes which email in a phase."""

    pressers: frozenset[int]  # patients who press "Email me this link" once
    reminder_days: dict[int, int]  # patient: days ahead of their first visit (a reminder due)
    invitations: int  # created through the API, each with an email address


def traffic_plan(seconds: int, patients: int) -> Plan:
    """A phase's emails: few enough for the one sender to deliver through the slow server
    (about their number times the mean delay), every kind at least once."""
    return Plan(
        pressers=frozenset(n for n in range(1, patients + 1) if n % 4 == 1),
        reminder_days=dict(zip(range(2, patients + 1), REMINDER_DAYS, strict=False)),
        invitations=2 + seconds // 15,
    )


def drain_budget(pending: int, longest: float, lease: float) -> float:
    """Seconds the outbox may take, once the load stops, to send ``pending`` messages one at a
    time through a server that holds each up to ``longest`` s, one of them (claimed by a killed
    sender) only once its ``lease`` has lapsed."""
    return pending * (longest + 1) + lease + DRAIN_MARGIN


def count_locked(log: str) -> int:
    """Lines of a server log that report "database is locked"."""
    return sum(LOCKED in line.lower() for line in log.splitlines())


def count_tracebacks(log: str) -> int:
    """Python tracebacks in a server log."""
    return log.count("Traceback (most recent call last)")


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank); 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


@dataclass
class Outcome:
    """What a phase measured, from the clients and from the database afterwards."""

    name: str
    patients: int
    nurses: int = NURSES
    acknowledged: int = 0
    stored: int = 0
    server_errors: int = 0  # responses 500-599
    unexpected: int = 0  # any other answer a browser would not get on this path
    locked: int = 0
    tracebacks: int = 0
    missing: int = 0  # acknowledged, yet no screening for its draft
    duplicates: int = 0  # drafts with more than one screening
    mismatched: int = 0  # the outcome page's token is not the patient's resume token
    integrity: str = "ok"
    unfinished_clients: int = 0
    replayed: int = 0  # consent POSTs sent again after the run
    replay_wrong: int = 0  # of those, answered otherwise than with the same outcome page
    stored_before_replay: int | None = None  # screenings just before the repeats
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    interrupted: int = 0  # requests that failed on the kill and were sent again
    interrupted_consents: int = 0
    signing_at_kill: int = 0  # consent POSTs on their way when the server was killed
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # the patients' requests
    nurse_latencies: list[float] = field(default_factory=list)
    api_latencies: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # the emails: what the traffic caused, what the outbox holds, what the SMTP server got
    sender_locked: int = 0
    sender_tracebacks: int = 0
    links_emailed: int = 0  # "Email me this link" presses the patient was told went
    invitations: int = 0  # created through the API
    reminders_queued: int = 0  # by the reminders run, as it said
    reminders_error: str = ""  # the run failed: its output
    reminder_targets: int = 0  # visits planned to make a reminder due
    reminder_targets_ready: int = 0  # of those, acknowledged before the run began
    email_requests_repeated: int = 0  # requests that queue an email, sent again after the kill
    emails_queued: int = 0  # rows in the outbox
    queued_kinds: Counter = field(default_factory=Counter)
    emails_sent: int = 0
    emails_pending: int = 0  # still to send once the drain stopped waiting
    emails_failed: int = 0
    emails_voided: int = 0
    emails_retried: int = 0  # sent, but not at the first try
    not_sent_reasons: Counter = field(default_factory=Counter)
    emails_received: int = 0  # distinct Message-IDs the SMTP server answered 250 to
    emails_duplicated: int = 0  # receptions beyond the first of a Message-ID
    duplicates_unexplained: int = 0  # Message-IDs received twice that no killed sender held
    emails_lost: int = 0  # recorded as sent, never received
    emails_unknown: int = 0  # received, not in the outbox
    claimed_at_kill: int = 0  # messages the killed sender held (a duplicate each, at most)
    drain_seconds: float = 0.0
    drain_limit: float = 0.0
    sink_delays: tuple[float, float] = (0.0, 0.0)

    @property
    def emails_caused(self) -> int:
        """Emails the traffic asked for and was told about."""
        return self.links_emailed + self.invitations + self.reminders_queued


def tally_emails(
    outcome: Outcome,
    rows: list[tuple[str, str, str, int, str]],
    received: list[str],
    claimed_at_kill: set[str],
) -> None:
    """The outbox's ``rows`` (Message-ID, kind, status, attempts, last error) against the
    Message-IDs the SMTP server ``received`` (one entry per 250): sent, lost, duplicated."""
    outcome.emails_queued = len(rows)
    outcome.queued_kinds = Counter(kind for _, kind, _, _, _ in rows)
    statuses = Counter(status for _, _, status, _, _ in rows)
    outcome.emails_sent = statuses["sent"]
    outcome.emails_pending = statuses["pending"]
    outcome.emails_failed = statuses["failed"]
    outcome.emails_voided = statuses["voided"]
    outcome.emails_retried = sum(s == "sent" and tries > 1 for _, _, s, tries, _ in rows)
    outcome.not_sent_reasons = Counter(
        f"{status}: {error or '-'}"
        for _, _, status, _, error in rows
        if status in ("failed", "voided") or (status == "pending" and error)
    )
    times = Counter(received)
    queued_ids = {message_id for message_id, *_ in rows}
    sent_ids = {message_id for message_id, _, status, _, _ in rows if status == "sent"}
    outcome.emails_received = len(times)
    outcome.emails_duplicated = sum(n - 1 for n in times.values())
    outcome.duplicates_unexplained = sum(
        n > 1 and message_id not in claimed_at_kill for message_id, n in times.items()
    )
    outcome.emails_lost = len(sent_ids - times.keys())
    outcome.emails_unknown = len(times.keys() - queued_ids)
    outcome.claimed_at_kill = len(claimed_at_kill)


def failures(outcome: Outcome) -> list[str]:
    """Every check the phase failed, as a sentence; empty when it passed."""
    found = []
    if outcome.acknowledged == 0:
        found.append("no submission was acknowledged")
    if outcome.stored != outcome.acknowledged:
        found.append(f"{outcome.acknowledged} submissions acknowledged but {outcome.stored} stored")
    if outcome.missing:
        found.append(f"{outcome.missing} acknowledged submissions are not stored")
    if outcome.duplicates:
        found.append(f"{outcome.duplicates} drafts have more than one screening")
    if outcome.mismatched:
        found.append(f"{outcome.mismatched} outcome pages name another patient's token")
    if outcome.server_errors:
        found.append(f"{outcome.server_errors} responses were 5xx")
    if outcome.unexpected:
        found.append(f"{outcome.unexpected} responses were not what a browser expects")
    if outcome.locked:
        found.append(f'the server logged "{LOCKED}" {outcome.locked} times')
    if outcome.tracebacks:
        found.append(f"the server logged {outcome.tracebacks} tracebacks")
    if outcome.integrity != "ok":
        found.append(f"PRAGMA integrity_check: {outcome.integrity}")
    if outcome.unfinished_clients:
        found.append(f"{outcome.unfinished_clients} clients did not finish in time")
    if outcome.replay_wrong:
        found.append(f"{outcome.replay_wrong} repeated submissions did not get the same outcome")
    if outcome.stored_before_replay is not None and outcome.stored_before_replay != outcome.stored:
        found.append(
            f"repeating {outcome.replayed} submissions changed the stored count from "
            f"{outcome.stored_before_replay} to {outcome.stored}"
        )
    return found + email_failures(outcome)


def email_failures(outcome: Outcome) -> list[str]:
    """Every check of the emails the phase failed, as a sentence."""
    found = []
    if outcome.sender_locked:
        found.append(f'the outbox sender logged "{LOCKED}" {outcome.sender_locked} times')
    if outcome.sender_tracebacks:
        found.append(f"the outbox sender logged {outcome.sender_tracebacks} tracebacks")
    if outcome.reminders_error:
        found.append(f"the reminders run failed: {outcome.reminders_error}")
    elif outcome.reminders_queued < outcome.reminder_targets_ready:
        found.append(
            f"the reminders run queued {outcome.reminders_queued} reminders, though "
            f"{outcome.reminder_targets_ready} visits that make one due were stored before it"
        )
    elif outcome.reminder_targets and not outcome.reminders_queued:
        found.append("the reminders run queued no reminder")
    if outcome.emails_queued == 0:
        found.append("no email was queued")
    caused, extra = outcome.emails_caused, outcome.email_requests_repeated
    if not caused <= outcome.emails_queued <= caused + extra:
        found.append(
            f"the traffic caused {caused} emails"
            + (f" ({extra} requests that queue one were repeated after the kill)" if extra else "")
            + f" but the outbox holds {outcome.emails_queued}"
        )
    if outcome.emails_pending:
        found.append(
            f"the outbox did not drain: {outcome.emails_pending} emails still waiting "
            f"{outcome.drain_seconds:.0f} s after the load stopped"
        )
    if outcome.emails_failed:
        found.append(f"{outcome.emails_failed} emails failed")
    if outcome.emails_voided:
        found.append(f"{outcome.emails_voided} emails were voided")
    if outcome.emails_lost:
        found.append(f"{outcome.emails_lost} emails recorded as sent never reached the server")
    if outcome.emails_unknown:
        found.append(f"the SMTP server received {outcome.emails_unknown} unknown Message-IDs")
    if outcome.emails_received != outcome.emails_sent:
        found.append(
            f"{outcome.emails_received} distinct Message-IDs received, "
            f"{outcome.emails_sent} emails sent"
        )
    if outcome.duplicates_unexplained:
        found.append(
            f"{outcome.duplicates_unexplained} Message-IDs were received more than once, "
            "though no killed sender held them"
        )
    if outcome.emails_duplicated > outcome.claimed_at_kill:
        found.append(
            f"{outcome.emails_duplicated} duplicate receptions, more than the "
            f"{outcome.claimed_at_kill} messages claimed at the kill"
        )
    return found


def latency(values: list[float]) -> str:
    """``n requests, p50 .. ms, p99 .. ms``."""
    return (
        f"{len(values)} requests, p50 {percentile(values, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(values, 0.99) * 1000:.0f} ms"
    )


def summary(outcome: Outcome) -> str:
    """The phase's figures on a few lines."""
    rate = outcome.acknowledged / outcome.seconds if outcome.seconds else 0.0
    low, high = outcome.sink_delays
    lines = [
        f"{outcome.name}: {outcome.patients} patients, {outcome.acknowledged} acknowledged, "
        f"{outcome.stored} stored, {outcome.server_errors} 5xx, {outcome.locked} locked",
        f"  {outcome.requests} requests in {outcome.seconds:.1f} s "
        f"({outcome.requests / max(outcome.seconds, 1e-9):.0f}/s, {rate:.1f} submissions/s); "
        f"statuses {dict(sorted(outcome.statuses.items()))}",
        f"  patient pages: {latency(outcome.latencies)}",
        f"  nurse pages ({outcome.nurses} nurses): {latency(outcome.nurse_latencies)}",
        f"  API invitations: {outcome.invitations} created, {latency(outcome.api_latencies)}",
        f"  emails: {outcome.emails_queued} queued "
        f"({', '.join(f'{k} {n}' for k, n in sorted(outcome.queued_kinds.items())) or 'none'}), "
        f"{outcome.emails_sent} sent, {outcome.emails_received} received, "
        f"{outcome.emails_duplicated} duplicated, {outcome.emails_lost} lost, "
        f"{outcome.emails_pending} pending, {outcome.emails_failed} failed, "
        f"{outcome.emails_voided} voided, {outcome.emails_retried} retried",
        f"  the traffic caused {outcome.emails_caused}: {outcome.links_emailed} links emailed, "
        f"{outcome.invitations} invitations, {outcome.reminders_queued} reminders "
        f"({outcome.reminder_targets_ready} of {outcome.reminder_targets} visits due one "
        f"stored before the run); outbox drained {outcome.drain_seconds:.1f} s after the load "
        f"(limit {outcome.drain_limit:.0f} s), SMTP delays {low:g} to {high:g} s",
        f"  missing {outcome.missing}, duplicates {outcome.duplicates}, "
        f"unexpected {outcome.unexpected}, tracebacks {outcome.tracebacks} "
        f"(sender {outcome.sender_tracebacks}, locked {outcome.sender_locked}), "
        f"integrity_check {outcome.integrity}",
    ]
    lines.extend(f"  not sent: {reason} ({n})" for reason, n in outcome.not_sent_reasons.items())
    if outcome.interrupted or outcome.replayed:
        lines.append(
            f"  {outcome.interrupted} requests interrupted by the kill and sent again "
            f"({outcome.interrupted_consents} of them consent POSTs, {outcome.signing_at_kill} "
            f"on their way at the kill); {outcome.replayed} "
            f"submissions repeated afterwards, {outcome.replay_wrong} answered differently, "
            f"stored {outcome.stored_before_replay} before them and {outcome.stored} after"
        )
    lines.extend(f"  note: {note}" for note in outcome.notes)
    return "\n".join(lines)


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Service:
    """A process of the instance, in a process group of its own, its output in a log."""

    def __init__(self, env: dict[str, str], log_path: Path):
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def launch(self, command: list[str]) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603  (our own command line)
                command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches its children
            )

    def kill(self) -> None:
        """``kill -9`` of the process and its children at once."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self) -> None:
        """A graceful stop (SIGTERM to the group), SIGKILL if it takes too long."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


class Server(Service):
    """``gunicorn -w N`` on the throwaway instance."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path, workers: int = WORKERS):
        super().__init__(env, log_path)
        self.workers = workers
        self.port = port

    def start(self) -> None:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--bind",
            f"{HOST}:{self.port}",
            "--pythonpath",
            str(SCRIPTS),
            "--timeout",
            "30",
            "--graceful-timeout",
            "10",
            # The control socket defaults to one path in $HOME for every gunicorn on the machine.
            "--control-socket",
            str(self.log_path.parent / "gunicorn.ctl"),
            "loadtest:wsgi_app()",
        ]
        self.launch(command)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection.request("GET", "/intake/")
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer within {START_TIMEOUT:.0f} s")


class Sender(Service):
    """The outbox sender as a service: ``flask outbox send --watch`` on the throwaway
    instance."""

    BANNER = "Sending the outbox every"  # what it says once it runs

    def start(self) -> None:
        """Start it; ``ready()`` waits until it runs."""
        self.started_at = self.log_path.stat().st_size if self.log_path.exists() else 0
        self.launch(flask_command("outbox", "send", "--watch", "--interval", str(SENDER_INTERVAL)))

    def ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError("the outbox sender exited:\n" + self.log()[-2000:])
            with self.log_path.open("rb") as log:
                log.seek(self.started_at)
                if self.BANNER.encode() in log.read():
                    return
            time.sleep(0.05)
        raise RuntimeError(f"the outbox sender did not start within {START_TIMEOUT:.0f} s")


class MailSink:
    """A slow SMTP server (aiosmtpd on the loopback, in this process): it takes each message,
    counted received by its Message-ID as soon as its data is in, then answers 250 only after a
    random delay, like a server that scans or stores before it answers. A sender killed during
    the delay never hears the 250; the message is sent again when its claim lapses and is
    received twice (aiosmtpd cancels the delay when the client goes, so counting at the 250
    would hide this case, which at-least-once delivery must survive with one Message-ID)."""

    def __init__(self, shortest: float, longest: float, seed: int):
        self.shortest, self.longest = shortest, longest
        self.random = random.Random(seed)  # noqa: S311  (delays, not secrets)
        self.received: list[str] = []  # one Message-ID per message taken
        self.in_flight = 0  # messages inside their delay
        self.port = 0
        self.controller: Any = None

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        import asyncio

        self.received.append(message_from_bytes(envelope.content).get("Message-ID", "").strip())
        self.in_flight += 1
        try:
            await asyncio.sleep(self.random.uniform(self.shortest, self.longest))
        finally:
            self.in_flight -= 1
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.port = free_port()
        self.controller = Controller(self, hostname=HOST, port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


# --- the patients ---------------------------------------------------------------------------


class Unexpected(Exception):
    """A response a browser following the questionnaire would not get."""


@dataclass
class Response:
    status: int
    location: str | None
    text: str


@dataclass
class PatientRecord:
    resume_token: str | None = None
    result_token: str | None = None
    consent_replay: tuple[str, str] | None = None  # the cookie header and form sent
    acknowledged_at: float = 0.0  # time.monotonic()


class Client(threading.Thread):
    """One patient after another, until the deadline; every response is counted.

    ``today`` is the clinic's; ``press_email_link``: press "Email me this link" once, on a
    question page of the first questionnaire; ``first_days_ahead``: the first visit's distance
    from today (a reminder falls due for it)."""

    role = "patient"

    def __init__(
        self,
        number: int,
        port: int,
        stop_at: float,
        server_up: threading.Event,
        *,
        today: date | None = None,
        press_email_link: bool = False,
        first_days_ahead: int = DAYS_AHEAD,
    ):
        super().__init__(name=f"{self.role}-{number}", daemon=True)
        self.number = number
        self.port = port
        self.stop_at = stop_at
        self.server_up = server_up
        self.today = today or clinic_today()
        self.press_email_link = press_email_link
        self.first_days_ahead = first_days_ahead
        self.random = random.Random(number)  # noqa: S311  (not a secret)
        self.cookies: dict[str, str] = {}
        self.records: list[PatientRecord] = []
        self.statuses: Counter = Counter()
        self.latencies: list[float] = []
        self.problems: list[str] = []
        self.unexpected = 0
        self.interrupted = 0
        self.interrupted_consents = 0
        self.interrupted_emails = 0  # requests that queue an email, sent again across the kill
        self.links_emailed = 0
        self.crash_expected = False
        self.signing = False  # a consent POST is on its way: the moment the kill aims for

    # HTTP, with the cookies a browser keeps

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def send_once(
        self,
        method: str,
        path: str,
        body: str | None,
        cookie: str,
        extra: dict[str, str] | None = None,
    ) -> Response:
        headers = {"User-Agent": "PreclearLoadTest/1.0", "Accept": "text/html"}
        if cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers.update(extra or {})
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            started = time.monotonic()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
            self.latencies.append(time.monotonic() - started)
            for header in response.headers.get_all("Set-Cookie") or ():
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            self.statuses[response.status] += 1
            return Response(response.status, response.getheader("Location"), text)
        finally:
            connection.close()

    def send(
        self,
        method: str,
        path: str,
        fields: list[tuple[str, str]] | None = None,
        *,
        document: Any = None,
        extra: dict[str, str] | None = None,
    ):
        """Send a request (a form, or a JSON ``document``); across the kill, wait for the
        restart and send it again, with the same cookie and body."""
        body = urlencode(fields) if fields is not None else None
        if document is not None:
            body = json.dumps(document)
            extra = {
                "Content-Type": "application/json",
                "Accept": "application/json",
                **(extra or {}),
            }
        cookie = self.cookie_header()
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = self.send_once(method, path, body, cookie, extra)
            except (OSError, http.client.HTTPException) as error:
                if not self.crash_expected or attempt == MAX_RETRIES:
                    raise Unexpected(f"{method} {path}: {error!r}") from error
                if not self.server_up.wait(RESTART_WAIT):
                    raise Unexpected(f"{method} {path}: the server did not come back") from error
                self.interrupted += 1
                if path == "/intake/consent" and method == "POST":
                    self.interrupted_consents += 1
                if path in EMAIL_PATHS and method == "POST":
                    self.interrupted_emails += 1
                continue
            if response.status >= 500:
                raise Unexpected(f"{method} {path}: {response.status}")
            return response
        raise AssertionError("unreachable")

    def expect(self, response: Response, status: int, what: str) -> Response:
        if response.status != status:
            raise Unexpected(f"{what}: {response.status}, expected {status}")
        return response

    def page(self, path: str) -> str:
        return self.expect(self.send("GET", path), 200, f"GET {path}").text

    # the questionnaire

    def complete_one(self, record: PatientRecord, serial: int) -> None:
        """Start, answer every page the redirects lead to, check, sign, see the outcome."""
        self.cookies.clear()  # a new patient, a new phone
        first = serial == 1
        days = self.first_days_ahead if first else DAYS_AHEAD
        known = patient_answers(f"{self.number}-{serial}", self.today, days)
        # After the first page, which gives the email address, and before the last ones.
        press_on = self.random.randint(1, 4) if first and self.press_email_link else -1
        start = self.page("/intake/")
        started = self.send("POST", "/intake/", page_answers(start, "/intake/", {}))
        location = self.expect(started, 303, "POST /intake/").location or ""
        for index in range(MAX_PAGES):
            step = urlsplit(location).path
            if step == "/intake/check":
                break
            page = self.page(step)
            if index == press_on:
                page = self.email_me_this_link(step, page)
            answered = self.send("POST", step, page_answers(page, step, known))
            location = self.expect(answered, 303, f"POST {step}").location or ""
        else:
            raise Unexpected(f"more than {MAX_PAGES} pages")
        self.page("/intake/check")
        # The patient's own link, from "Finish later" (check your answers links to it).
        record.resume_token = resume_token(self.page("/intake/later?back=check"))
        consent = self.page("/intake/consent")
        fields = page_answers(
            consent, "/intake/consent", {"signature": f"Load Patient {self.number}", "agree": "y"}
        )
        record.consent_replay = (self.cookie_header(), urlencode(fields))
        self.signing = True
        try:
            signed = self.send("POST", "/intake/consent", fields)
        finally:
            self.signing = False
        self.expect(signed, 303, "POST consent")
        token = result_token(signed.location)
        if token is None:
            raise Unexpected(f"consent redirected to {signed.location}")
        record.result_token = token  # acknowledged
        record.acknowledged_at = time.monotonic()
        self.page(f"/intake/result/{token}")

    def email_me_this_link(self, step: str, page: str) -> str:
        """Press "Finish later" on the page, then "Email me this link": the patient must be
        told it is on its way; they then go back to the page they were on."""
        leaving = [*page_answers(page, step, {}), ("leave", "later")]  # the page is saved first
        left = self.expect(self.send("POST", step, leaving), 303, f"POST {step} (Finish later)")
        later = self.page(left.location or "")
        fields = page_answers(later, "/intake/email-link", {})
        pressed = self.expect(
            self.send("POST", "/intake/email-link", fields), 303, "POST /intake/email-link"
        )
        shown = self.page(urlsplit(pressed.location or "").path or "/intake/check")
        if EMAILING not in shown:
            raise Unexpected(f"Email me this link on {step}: the patient was not told it went")
        self.links_emailed += 1
        return self.page(step)

    def run(self) -> None:
        # Patients who all start at once stay on the same page as each other; a staggered
        # start spreads them over the questionnaire.
        time.sleep(random.Random(self.number).uniform(0, 0.5))  # noqa: S311  (not a secret)
        serial = 0
        while time.monotonic() < self.stop_at:
            serial += 1
            record = PatientRecord()
            self.records.append(record)
            try:
                self.complete_one(record, serial)
            except (Unexpected, ValueError) as problem:
                self.failed(problem)

    def failed(self, problem: Exception) -> None:
        self.unexpected += 1
        if len(self.problems) < 5:
            self.problems.append(str(problem))
        time.sleep(0.05)  # never a tight loop against a failing server


class Nurse(Client):
    """A nurse with an account of their own: signs in, then reads the queue, a random page of
    every screening and random screenings' pages (each view an audit row), until the deadline."""

    role = "nurse"

    def __init__(
        self, number: int, port: int, stop_at: float, server_up, email: str, password: str
    ):
        super().__init__(number, port, stop_at, server_up)
        self.email, self.password = email, password
        self.pages = 1  # of the list of every screening, as last seen

    def sign_in(self) -> None:
        page = self.page("/staff/login")
        known = {"email": self.email, "password": self.password}
        fields = page_answers(page, "/staff/login", known, here="/staff/login")
        signed = self.expect(self.send("POST", "/staff/login", fields), 303, "POST /staff/login")
        if urlsplit(signed.location or "").path != "/staff/":
            raise Unexpected(f"sign-in led to {signed.location}")

    def read(self) -> None:
        queue = self.page("/staff/")
        asked = self.random.randint(1, self.pages)
        every = self.page(f"/staff/?status=all&page={asked}")
        self.pages = max(asked, last_page(every))
        shown = screening_ids(queue + every)
        for screening in self.random.sample(shown, min(2, len(shown))):
            self.page(f"/staff/screenings/{screening}")
            time.sleep(self.random.uniform(0.05, 0.2))  # reading

    def run(self) -> None:
        time.sleep(self.random.uniform(0, 0.5))
        signed_in = False
        while time.monotonic() < self.stop_at:
            try:
                if not signed_in:
                    self.sign_in()
                    signed_in = True
                self.read()
            except (Unexpected, ValueError) as problem:
                self.failed(problem)
                signed_in = False


class Booking(Client):
    """The clinic's booking system: ``count`` invitations through the API, spread over the
    phase, each with an email address (each queues one)."""

    role = "booking"

    def __init__(
        self, port: int, began: float, seconds: int, server_up, token: str, count: int, today: date
    ):
        super().__init__(1, port, began + seconds, server_up, today=today)
        self.began, self.seconds = began, seconds
        self.token, self.count = token, count
        self.created = 0

    def invite(self, serial: int) -> None:
        document = invitation_document(serial, self.today)
        extra = {"Authorization": f"Bearer {self.token}"}
        created = self.send("POST", "/api/v1/invitations", document=document, extra=extra)
        self.expect(created, 201, "POST /api/v1/invitations")
        if "/intake/invite/" not in json.loads(created.text).get("url", ""):
            raise Unexpected(f"the invitation came back without its link: {created.text[:200]}")
        self.created += 1

    def run(self) -> None:
        for serial in range(1, self.count + 1):
            time.sleep(
                max(0.0, self.began + (serial - 0.5) * self.seconds / self.count - time.monotonic())
            )
            try:
                self.invite(serial)
            except (Unexpected, ValueError) as problem:
                self.failed(problem)


class RemindersRun(threading.Thread):
    """``flask reminders send``, once, as cron runs it: as soon as the patients whose first
    visits make a reminder due have signed, or at ``latest``."""

    def __init__(self, env: dict[str, str], targets: list[Client], latest: float):
        super().__init__(name="reminders", daemon=True)
        self.env, self.targets, self.latest = env, targets, latest
        self.ready = self.queued = 0
        self.error = ""
        self.began = 0.0

    def signed(self) -> int:
        return sum(bool(c.records) and c.records[0].result_token is not None for c in self.targets)

    def run(self) -> None:
        while time.monotonic() < self.latest and self.signed() < len(self.targets):
            time.sleep(0.05)
        self.ready = self.signed()
        self.began = time.monotonic()
        try:
            result = flask_cli(self.env, "reminders", "send")
        except subprocess.TimeoutExpired as error:
            self.error = f"timed out: {error}"
            return
        queued = queued_reminders(result.stdout)
        if result.returncode != 0 or queued is None:
            self.error = f"exit {result.returncode}: {(result.stdout + result.stderr)[-400:]}"
        else:
            self.queued = queued


# --- a phase --------------------------------------------------------------------------------


def stored_screenings(database: Path) -> tuple[dict[str, int], int, int, str]:
    """Screenings per draft token hash, all screenings, drafts with several, integrity."""
    connection = sqlite3.connect(database)
    try:
        per_draft = dict(
            connection.execute(
                "SELECT d.token_hash, COUNT(s.id) FROM drafts d "
                "LEFT JOIN screenings s ON s.draft_id = d.id GROUP BY d.id"
            ).fetchall()
        )
        total = connection.execute("SELECT COUNT(*) FROM screenings").fetchone()[0]
        several = connection.execute(
            "SELECT COUNT(*) FROM (SELECT draft_id FROM screenings GROUP BY draft_id "
            "HAVING COUNT(*) > 1)"
        ).fetchone()[0]
        integrity = "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
    finally:
        connection.close()
    return per_draft, total, several, integrity


def replay_consents(clients: list[Client], port: int, limit: int = 2000) -> tuple[int, int]:
    """Send every acknowledged consent POST once more, exactly as it was sent: each must
    answer 303 to the same outcome page. Returns how many were sent and how many did not."""
    sent = wrong = 0
    replayer = Client(0, port, 0.0, threading.Event())
    for client in clients:
        for record in client.records:
            if record.result_token is None or record.consent_replay is None or sent >= limit:
                continue
            cookie, body = record.consent_replay
            sent += 1
            try:
                response = replayer.send_once("POST", "/intake/consent", body, cookie)
            except (OSError, http.client.HTTPException):
                wrong += 1
                continue
            if response.status != 303 or result_token(response.location) != record.result_token:
                wrong += 1
    return sent, wrong


def outbox_rows(database: Path) -> list[tuple[str, str, str, int, str]]:
    """Every email the outbox holds: Message-ID, kind, status, attempts, last error."""
    connection = sqlite3.connect(database)
    try:
        return connection.execute(
            "SELECT message_id, kind, status, attempts, last_error FROM outbox ORDER BY id"
        ).fetchall()
    finally:
        connection.close()


def claimed_messages(database: Path) -> set[str]:
    """The Message-IDs of messages claimed and not finished: read once the sender is dead,
    those it held when it was killed."""
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT message_id FROM outbox WHERE status = 'pending' AND claimed_by IS NOT NULL"
        ).fetchall()
    finally:
        connection.close()
    return {row[0] for row in rows}


def drain(database: Path, sink: MailSink, limit: float) -> float:
    """Wait, at most ``limit`` s, until no email waits and the SMTP server holds none; the
    seconds waited."""
    began = time.monotonic()
    while time.monotonic() - began < limit:
        waiting = sum(row[2] == "pending" for row in outbox_rows(database))
        if not waiting and not sink.in_flight:
            break
        time.sleep(0.25)
    return time.monotonic() - began


def accounts(env: dict[str, str], nurses: int) -> tuple[list[tuple[str, str]], str]:
    """Nurse accounts and an API token for the booking system, made with the flask commands
    a clinic uses (at once: each command is mostly Python starting)."""
    logins = [
        (f"nurse{n}@loadtest.example", secrets.token_urlsafe(18)) for n in range(1, nurses + 1)
    ]
    commands = [
        (flask_command("staff", "create", "--email", email, "--name", f"Load Nurse {n}",
                       "--role", "nurse", "--password-stdin"), password + "\n")
        for n, (email, password) in enumerate(logins, 1)
    ]  # fmt: skip
    commands.append((flask_command("api-token", "create", "--name", "loadtest-booking"), ""))
    running = [
        subprocess.Popen(  # noqa: S603  (our own command line)
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for command, _ in commands
    ]
    outputs = [
        process.communicate(given, timeout=120)
        for process, (_, given) in zip(running, commands, strict=True)
    ]
    for process, (out, err) in zip(running, outputs, strict=True):
        if process.returncode != 0:
            raise RuntimeError(f"flask {' '.join(process.args[5:7])} failed:\n{out}{err}")
    token = outputs[-1][0].strip().splitlines()[-1]
    return logins, token


def run_phase(
    name: str,
    workdir: Path,
    base_env: dict[str, str],
    seconds: int,
    patients: int,
    crash: bool,
    workers: int = WORKERS,
) -> Outcome:
    from screening.models import token_hash

    slug = name.replace(" ", "-")
    database = workdir / f"{slug}.sqlite3"
    shortest, longest = sink_delays(seconds)
    lease = longest + LEASE_MARGIN
    sink = MailSink(shortest, longest, seed=seconds * 100 + crash)
    sink.start()
    env = {
        **base_env,
        "LOADTEST_DATABASE_URL": f"sqlite:///{database}",
        "LOADTEST_MAIL_PORT": str(sink.port),
        "LOADTEST_OUTBOX_LEASE": str(lease),
    }
    outcome = Outcome(name, patients, sink_delays=(shortest, longest))
    server = Server(env, free_port(), workdir / f"{slug}.log", workers)
    sender = Sender(env, workdir / f"{slug}-outbox.log")
    plan = traffic_plan(seconds, patients)
    today = clinic_today()
    server_up = threading.Event()
    clients: list[Client] = []
    nurses: list[Nurse] = []
    booking: Booking | None = None
    reminders: RemindersRun | None = None
    claimed: set[str] = set()
    killed_at = restarted_at = sender_killed_at = 0.0
    in_sink_at_kill = 0
    cpu_before = _cpu_seconds()
    try:
        migrate(env)
        logins, token = accounts(env, NURSES)
        sender.start()
        server.start()
        sender.ready()
        server_up.set()
        began = time.monotonic()
        stop_at = began + seconds
        clients = [
            Client(
                n,
                server.port,
                stop_at,
                server_up,
                today=today,
                press_email_link=n in plan.pressers,
                first_days_ahead=plan.reminder_days.get(n, DAYS_AHEAD),
            )
            for n in range(1, patients + 1)
        ]
        nurses = [
            Nurse(n, server.port, stop_at, server_up, email, password)
            for n, (email, password) in enumerate(logins, 1)
        ]
        booking = Booking(server.port, began, seconds, server_up, token, plan.invitations, today)
        targets = [client for client in clients if client.number in plan.reminder_days]
        reminders = RemindersRun(env, targets, began + REMINDERS_BY * seconds)
        for client in [*clients, *nurses, booking]:
            client.crash_expected = crash
            client.start()
        reminders.start()
        if crash:
            time.sleep(seconds / 2)
            # The sender first, while the SMTP server holds one of its messages: it is sent
            # again once the claim lapses, and may arrive twice.
            aim_until = time.monotonic() + min(longest + 1, seconds / 4)
            while time.monotonic() < aim_until and not sink.in_flight:
                time.sleep(0.001)
            in_sink_at_kill = sink.in_flight
            sender_killed_at = time.monotonic()
            sender.kill()
            claimed = claimed_messages(database)
            # Aim for a moment when a submission is on its way (it may or may not be stored
            # yet): its retry must neither lose it nor store it twice.
            aim_until = time.monotonic() + 3
            while time.monotonic() < aim_until and not any(c.signing for c in clients):
                time.sleep(0.001)
            outcome.signing_at_kill = sum(c.signing for c in clients)
            server_up.clear()
            killed_at = time.monotonic()
            server.kill()
            sender.start()
            server.start()
            server_up.set()
            restarted_at = time.monotonic()
            sender.ready()
        everyone = [*clients, *nurses, booking]
        for client in everyone:
            client.join(timeout=max(1.0, began + seconds + 120 - time.monotonic()))
        reminders.join(timeout=max(1.0, began + seconds + 120 - time.monotonic()))
        outcome.seconds = time.monotonic() - began
        outcome.unfinished_clients = sum(c.is_alive() for c in [*everyone, reminders])
        if crash and not outcome.unfinished_clients:
            # A reader beside the running server (WAL): the count the repeats must not change.
            outcome.stored_before_replay = stored_screenings(database)[1]
            outcome.replayed, outcome.replay_wrong = replay_consents(clients, server.port)
        waiting = sum(row[2] == "pending" for row in outbox_rows(database))
        outcome.drain_limit = drain_budget(waiting, longest, lease)
        outcome.drain_seconds = drain(database, sink, outcome.drain_limit)
    finally:
        server.stop()
        sender.stop()
        sink.stop()
    client_cpu, children_cpu = (a - b for a, b in zip(_cpu_seconds(), cpu_before, strict=True))
    outcome.notes.append(
        f"CPU: this process (clients and SMTP server) {client_cpu:.1f} s, its children "
        f"(gunicorn, the outbox sender, the flask commands) {children_cpu:.1f} s"
        + (" (processes killed by the kill -9 not counted)" if crash else "")
        + f" in {outcome.seconds:.1f} s on {os.cpu_count()} cores"
    )
    log = server.log()
    outcome.locked = count_locked(log)
    outcome.tracebacks = count_tracebacks(log)
    sender_log = sender.log()
    outcome.sender_locked = count_locked(sender_log)
    outcome.sender_tracebacks = count_tracebacks(sender_log)

    records = [record for client in clients for record in client.records]
    acknowledged = [record for record in records if record.result_token is not None]
    outcome.acknowledged = len({record.result_token for record in acknowledged})
    outcome.mismatched = sum(record.result_token != record.resume_token for record in acknowledged)
    for client in [*clients, *nurses, *([booking] if booking else [])]:
        outcome.statuses.update(client.statuses)
        {"patient": outcome.latencies, "nurse": outcome.nurse_latencies}.get(
            client.role, outcome.api_latencies
        ).extend(client.latencies)
        outcome.unexpected += client.unexpected
        outcome.interrupted += client.interrupted
        outcome.interrupted_consents += client.interrupted_consents
        outcome.email_requests_repeated += client.interrupted_emails
        outcome.links_emailed += client.links_emailed
        outcome.notes.extend(f"{client.name}: {p}" for p in client.problems[:2])
    outcome.requests = sum(outcome.statuses.values())
    outcome.invitations = booking.created if booking else 0
    outcome.reminder_targets = len(plan.reminder_days)
    if reminders is not None:
        outcome.reminders_queued = reminders.queued
        outcome.reminders_error = reminders.error
        outcome.reminder_targets_ready = reminders.ready
    if crash:
        before = sum(record.acknowledged_at < killed_at for record in acknowledged)
        outcome.notes.insert(
            0,
            f"kill -9 of the outbox sender at {sender_killed_at - began:.1f} s, with "
            f"{in_sink_at_kill} messages inside the SMTP server's delay and {len(claimed)} "
            f"claimed; of the server at {killed_at - began:.1f} s, answering again "
            f"{restarted_at - killed_at:.1f} s later, the sender started again; {before} "
            f"submissions acknowledged before the kill, {len(acknowledged) - before} after",
        )
    outcome.server_errors = sum(n for status, n in outcome.statuses.items() if status >= 500)

    per_draft, outcome.stored, outcome.duplicates, outcome.integrity = stored_screenings(database)
    outcome.missing = sum(
        per_draft.get(token_hash(record.result_token), 0) == 0 for record in acknowledged
    )
    tally_emails(outcome, outbox_rows(database), list(sink.received), claimed)
    if failures(outcome):
        tail = log.splitlines()[-40:]
        outcome.notes.append("the server log ends:\n    " + "\n    ".join(tail))
        tail = sender_log.splitlines()[-20:]
        outcome.notes.append("the outbox sender's log ends:\n    " + "\n    ".join(tail))
    return outcome


def _cpu_seconds() -> tuple[float, float]:
    """CPU time of this process (the clients) and of its ended children (gunicorn, once it
    has reaped its workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def flask_command(*args: str) -> list[str]:
    """``flask <args>`` on the throwaway instance (``PYTHONPATH`` holds this folder)."""
    return [sys.executable, "-m", "flask", "--app", "loadtest:wsgi_app()", *args]


def flask_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    """Run ``flask <args>`` on the throwaway instance and wait for it."""
    return subprocess.run(  # noqa: S603  (our own command line)
        flask_command(*args),
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def migrate(env: dict[str, str]) -> None:
    """``flask init-db`` on the throwaway database."""
    result = flask_cli(env, "init-db")
    if result.returncode != 0:
        raise RuntimeError(f"init-db failed:\n{result.stdout}{result.stderr}")


def bounded(value: int, low: int, high: int, what: str) -> int:
    if not low <= value <= high:
        raise SystemExit(f"loadtest: {what} must be between {low} and {high}, not {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=int, default=int(os.environ.get("LOADTEST_SECONDS", "30"))
    )
    parser.add_argument(
        "--patients", type=int, default=int(os.environ.get("LOADTEST_PATIENTS", "16"))
    )
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers")
    parser.add_argument(
        "--phase", choices=("both", "steady", "crash"), default="both", help="which phases to run"
    )
    args = parser.parse_args(argv)
    seconds = bounded(args.seconds, 2, MAX_SECONDS, "LOADTEST_SECONDS")
    patients = bounded(args.patients, 1, MAX_PATIENTS, "LOADTEST_PATIENTS")
    workers = bounded(args.workers, 1, 8, "--workers")
    phases = [
        (name, crash)
        for name, crash in (("phase 1", False), ("phase 2 (kill -9)", True))
        if args.phase == "both" or crash == (args.phase == "crash")
    ]
    # A SIGTERM (make interrupted, CI stopping) still runs the clean-up below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    workdir = Path(tempfile.mkdtemp(prefix="preclear-loadtest-"))
    (workdir / "uploads").mkdir()
    base_env = {
        **os.environ,
        "LOADTEST_SECRET_KEY": secrets.token_hex(32),
        "LOADTEST_UPLOADS": str(workdir / "uploads"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SCRIPTS), os.environ.get("PYTHONPATH")])),
    }
    base_env.pop("DATABASE_URL", None)
    shortest, longest = sink_delays(seconds)
    print(
        f"loadtest: gunicorn -w {workers} on {HOST}, {patients} patients, {NURSES} nurses, "
        f"invitations through the API, a reminders run, the outbox sender and an SMTP server "
        f"taking {shortest:g} to {longest:g} s a message; {seconds} s a phase, in {workdir}",
        flush=True,
    )
    failed = False
    try:
        for name, crash in phases:
            try:
                outcome = run_phase(name, workdir, base_env, seconds, patients, crash, workers)
            except RuntimeError as error:
                failed = True
                print(f"loadtest: FAILED ({name}): {error}", flush=True)
                for suffix in (".log", "-outbox.log"):
                    log = workdir / f"{name.replace(' ', '-')}{suffix}"
                    if log.exists():
                        print(log.read_text(errors="replace")[-4000:], flush=True)
                continue
            print(summary(outcome), flush=True)
            for failure in failures(outcome):
                failed = True
                print(f"loadtest: FAILED ({name}): {failure}", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("loadtest: FAILED" if failed else "loadtest: passed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
