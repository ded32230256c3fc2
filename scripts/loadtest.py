"""``make loadtest``: the production server under patients, then killed with ``kill -9``.

A throwaway instance (a temporary directory with its own SQLite file and secret key) is served
by ``gunicorn -w 2`` on a free loopback port, and concurrent patients (standard library HTTP
only, CSRF tokens and cookies as a browser sends them) complete the smooth threads
questionnaire: every page answered "no", the consent signed. A submission is *acknowledged*
when the consent POST answers 303 to ``/intake/result/<token>``.

Phase 1, steady load: acknowledged submissions = stored screenings, no 5xx, no unexpected
answer, no "database is locked" in the server's log.

Phase 2, crash: the same load, with the whole server (master and workers) killed with SIGKILL
half-way through. Clients keep the request that failed, wait for the restart on the same
database, send it again with the same cookie, and finish. Then: every acknowledged submission
is stored, stored = acknowledged, no draft has two screenings, ``PRAGMA integrity_check`` is
ok, and every acknowledged consent POST sent once more (same cookie, same form) answers with
the same result and stores nothing new.

Bounded: ``--seconds`` (``LOADTEST_SECONDS``, default 30) of load per phase, ``--patients``
(``LOADTEST_PATIENTS``, default 16) concurrent clients, traffic to 127.0.0.1 only. The server is
always stopped and the temporary directory removed. Exits 1 when a check fails.

gunicorn imports this module too: ``loadtest:wsgi_app()`` builds the app from the
``LOADTEST_*`` environment the script sets for it.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.client
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
from datetime import date, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

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

_RESUME = re.compile(r"/intake/resume/([A-Za-z0-9_\-]+)")
_RESULT = re.compile(r"^(?:https?://[^/]+)?/intake/result/([A-Za-z0-9_\-]+)$")
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.IGNORECASE | re.DOTALL)
_INPUT = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')
LOCKED = "database is locked"


# --- the app, as gunicorn and init-db build it ---------------------------------------------


def wsgi_app():
    """The app on the throwaway instance: its database, secret key and uploads folder only
    (nothing from ``instance/config.py``, which may point elsewhere), not in testing mode."""
    from screening import create_app

    return create_app(
        {
            "SECRET_KEY": os.environ["LOADTEST_SECRET_KEY"],
            "DATABASE_URL": os.environ["LOADTEST_DATABASE_URL"],
            "UPLOAD_FOLDER": os.environ["LOADTEST_UPLOADS"],
            "SECURE_COOKIES": False,  # plain http on the loopback
        }
    )


# --- pure helpers: reading pages and logs, judging a phase ---------------------------------


def resume_token(page: str) -> str | None:
    """The token of the page's "Finish later" link, or ``None``."""
    match = _RESUME.search(page)
    return match.group(1) if match else None


def result_token(location: str | None) -> str | None:
    """The token of a redirect to the outcome page, or ``None`` for any other redirect."""
    match = _RESULT.match(location or "")
    return match.group(1) if match else None


def form_html(page: str, action: str) -> str:
    """The markup inside the page's POST form to ``action`` (a page may hold other forms)."""
    for attributes, inner in _FORM.findall(page):
        attrs = {k.lower(): html.unescape(v) for k, v in _ATTRIBUTE.findall(attributes)}
        if attrs.get("method", "get").lower() == "post" and attrs.get("action") == action:
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


def page_answers(page: str, action: str, known: dict[str, Any]) -> list[tuple[str, str]]:
    """What a browser sends for the page's form to ``action``: hidden fields as they are,
    ``known`` answers, and "no" (or "None of these") to every other question."""
    pairs: list[tuple[str, str]] = []
    for name, spec in form_fields(form_html(page, action)).items():
        if spec["type"] == "hidden":
            pairs.append((name, spec["values"][0] if spec["values"] else ""))
            continue
        value = known[name] if name in known else nothing_to_report(name, spec)
        if isinstance(value, list):
            pairs.extend((name, item) for item in value)
        else:
            pairs.append((name, value))
    return pairs


def patient_answers(who: str, today: date) -> dict[str, Any]:
    """The answers a patient gives that are not "no": who they are and their visit (smooth
    threads, five days ahead)."""
    return {
        "first_name": "Load",
        "last_name": f"Patient {who}",
        "email": f"patient.{who}@example.com",
        "phone": "909 555 0100",
        "date_of_birth": "1990-05-17",
        "treatment": "pdo_smooth_threads",
        "appointment_date": (today + timedelta(days=5)).isoformat(),
        "treatment_areas": ["smile_lines", "neck"],
    }


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
    latencies: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


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
    return found


def summary(outcome: Outcome) -> str:
    """The phase's figures on a few lines."""
    rate = outcome.acknowledged / outcome.seconds if outcome.seconds else 0.0
    lines = [
        f"{outcome.name}: {outcome.patients} patients, {outcome.acknowledged} acknowledged, "
        f"{outcome.stored} stored, {outcome.server_errors} 5xx, {outcome.locked} locked",
        f"  {outcome.requests} requests in {outcome.seconds:.1f} s "
        f"({outcome.requests / max(outcome.seconds, 1e-9):.0f}/s, {rate:.1f} submissions/s), "
        f"latency p50 {percentile(outcome.latencies, 0.5) * 1000:.0f} ms, "
        f"p99 {percentile(outcome.latencies, 0.99) * 1000:.0f} ms; "
        f"statuses {dict(sorted(outcome.statuses.items()))}",
        f"  missing {outcome.missing}, duplicates {outcome.duplicates}, "
        f"unexpected {outcome.unexpected}, tracebacks {outcome.tracebacks}, "
        f"integrity_check {outcome.integrity}",
    ]
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


class Server:
    """``gunicorn -w N`` on the throwaway instance, in a process group of its own."""

    def __init__(self, env: dict[str, str], port: int, log_path: Path, workers: int = WORKERS):
        self.workers = workers
        self.env = env
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

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
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603  (our own command line)
                command,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches the workers
            )
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

    def kill(self) -> None:
        """``kill -9`` of the master and every worker at once."""
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
    """One patient after another, until the deadline; every response is counted."""

    def __init__(self, number: int, port: int, stop_at: float, server_up: threading.Event):
        super().__init__(name=f"patient-{number}", daemon=True)
        self.number = number
        self.port = port
        self.stop_at = stop_at
        self.server_up = server_up
        self.cookies: dict[str, str] = {}
        self.records: list[PatientRecord] = []
        self.statuses: Counter = Counter()
        self.latencies: list[float] = []
        self.problems: list[str] = []
        self.unexpected = 0
        self.interrupted = 0
        self.interrupted_consents = 0
        self.crash_expected = False
        self.signing = False  # a consent POST is on its way: the moment the kill aims for

    # HTTP, with the cookies a browser keeps

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def send_once(self, method: str, path: str, body: str | None, cookie: str) -> Response:
        headers = {"User-Agent": "PreclearLoadTest/1.0", "Accept": "text/html"}
        if cookie:
            headers["Cookie"] = cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
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

    def send(self, method: str, path: str, fields: list[tuple[str, str]] | None = None):
        """Send a request; across the kill, wait for the restart and send it again, with the
        same cookie and form."""
        body = urlencode(fields) if fields is not None else None
        cookie = self.cookie_header()
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = self.send_once(method, path, body, cookie)
            except (OSError, http.client.HTTPException) as error:
                if not self.crash_expected or attempt == MAX_RETRIES:
                    raise Unexpected(f"{method} {path}: {error!r}") from error
                if not self.server_up.wait(RESTART_WAIT):
                    raise Unexpected(f"{method} {path}: the server did not come back") from error
                self.interrupted += 1
                if path == "/intake/consent" and method == "POST":
                    self.interrupted_consents += 1
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
        known = patient_answers(f"{self.number}-{serial}", date.today())
        start = self.page("/intake/")
        started = self.send("POST", "/intake/", page_answers(start, "/intake/", {}))
        location = self.expect(started, 303, "POST /intake/").location or ""
        for _ in range(MAX_PAGES):
            step = urlsplit(location).path
            if step == "/intake/check":
                break
            page = self.page(step)
            record.resume_token = record.resume_token or resume_token(page)
            answered = self.send("POST", step, page_answers(page, step, known))
            location = self.expect(answered, 303, f"POST {step}").location or ""
        else:
            raise Unexpected(f"more than {MAX_PAGES} pages")
        self.page("/intake/check")
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
                self.unexpected += 1
                if len(self.problems) < 5:
                    self.problems.append(str(problem))
                time.sleep(0.05)  # never a tight loop against a failing server


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

    database = workdir / f"{name.replace(' ', '-')}.sqlite3"
    env = {**base_env, "LOADTEST_DATABASE_URL": f"sqlite:///{database}"}
    migrate(env)
    server = Server(env, free_port(), workdir / f"{name.replace(' ', '-')}.log", workers)
    outcome = Outcome(name, patients)
    server_up = threading.Event()
    clients: list[Client] = []
    killed_at = restarted_at = 0.0
    cpu_before = _cpu_seconds()
    try:
        server.start()
        server_up.set()
        began = time.monotonic()
        clients = [
            Client(n, server.port, began + seconds, server_up) for n in range(1, patients + 1)
        ]
        for client in clients:
            client.crash_expected = crash
            client.start()
        if crash:
            time.sleep(seconds / 2)
            # Aim for a moment when a submission is on its way (it may or may not be stored
            # yet): its retry must neither lose it nor store it twice.
            aim_until = time.monotonic() + 3
            while time.monotonic() < aim_until and not any(c.signing for c in clients):
                time.sleep(0.001)
            outcome.signing_at_kill = sum(c.signing for c in clients)
            server_up.clear()
            killed_at = time.monotonic()
            server.kill()
            server.start()
            server_up.set()
            restarted_at = time.monotonic()
        for client in clients:
            client.join(timeout=max(1.0, began + seconds + 120 - time.monotonic()))
        outcome.seconds = time.monotonic() - began
        outcome.unfinished_clients = sum(client.is_alive() for client in clients)
        if crash and not outcome.unfinished_clients:
            # A reader beside the running server (WAL): the count the repeats must not change.
            outcome.stored_before_replay = stored_screenings(database)[1]
            outcome.replayed, outcome.replay_wrong = replay_consents(clients, server.port)
    finally:
        server.stop()
    client_cpu, server_cpu = (a - b for a, b in zip(_cpu_seconds(), cpu_before, strict=True))
    outcome.notes.append(
        f"CPU: the clients {client_cpu:.1f} s, gunicorn {server_cpu:.1f} s"
        + (" (workers killed by the kill -9 not counted)" if crash else "")
        + f" in {outcome.seconds:.1f} s on {os.cpu_count()} cores"
    )
    log = server.log()
    outcome.locked = count_locked(log)
    outcome.tracebacks = count_tracebacks(log)

    records = [record for client in clients for record in client.records]
    acknowledged = [record for record in records if record.result_token is not None]
    outcome.acknowledged = len({record.result_token for record in acknowledged})
    outcome.mismatched = sum(record.result_token != record.resume_token for record in acknowledged)
    for client in clients:
        outcome.statuses.update(client.statuses)
        outcome.latencies.extend(client.latencies)
        outcome.unexpected += client.unexpected
        outcome.interrupted += client.interrupted
        outcome.interrupted_consents += client.interrupted_consents
        outcome.notes.extend(f"patient {client.number}: {p}" for p in client.problems[:2])
    outcome.requests = sum(outcome.statuses.values())
    if crash:
        before = sum(record.acknowledged_at < killed_at for record in acknowledged)
        outcome.notes.insert(
            0,
            f"kill -9 of the server at {killed_at - began:.1f} s, answering again "
            f"{restarted_at - killed_at:.1f} s later; {before} submissions acknowledged "
            f"before the kill, {len(acknowledged) - before} after the restart",
        )
    outcome.server_errors = sum(n for status, n in outcome.statuses.items() if status >= 500)

    per_draft, outcome.stored, outcome.duplicates, outcome.integrity = stored_screenings(database)
    outcome.missing = sum(
        per_draft.get(token_hash(record.result_token), 0) == 0 for record in acknowledged
    )
    if failures(outcome):
        tail = log.splitlines()[-40:]
        outcome.notes.append("the server log ends:\n    " + "\n    ".join(tail))
    return outcome


def _cpu_seconds() -> tuple[float, float]:
    """CPU time of this process (the clients) and of its ended children (gunicorn, once it
    has reaped its workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def migrate(env: dict[str, str]) -> None:
    """``flask init-db`` on the throwaway database."""
    result = subprocess.run(  # noqa: S603  (our own command line)
        [sys.executable, "-m", "flask", "--app", "loadtest:wsgi_app()", "init-db"],
        cwd=ROOT,
        env={
            **env,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(SCRIPTS), env.get("PYTHONPATH")])),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
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
    print(
        f"loadtest: gunicorn -w {workers} on {HOST}, {patients} patients, {seconds} s a phase, "
        f"in {workdir}",
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
                log = workdir / f"{name.replace(' ', '-')}.log"
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
