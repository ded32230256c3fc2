"""Submit: gunicorn with 2 sync workers, 16 clients for 20 s in all, each completing the final
consent POST (CSRF token, validation, evaluation, storage, audit) of drafts prepared ahead,
against ``bench/baseline_app.py`` (25 WTForms fields validated, one row inserted, no CSRF),
the two loaded in turn in 4 rounds.

Each draft is sent from an address of its own, passed on in ``X-Forwarded-For`` as the
clinic's reverse proxy does (the app trusts one proxy, ``TRUSTED_PROXIES = 1``): patients on
their own phones. From one address, thousands of questionnaires an hour are what the
per-address limit exists to refuse; the limit is set far above the run's traffic all the same
(``bench_limits``), so its check is in the figures and refuses nothing.

Loopback only; bounded by time and by the number of drafts prepared."""

from __future__ import annotations

import http.client
import ipaddress
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from bench.common import HOST, app_config, init_db, make_app, percentile

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
CLIENTS = 16
SECONDS = 20.0
DRAFTS = 16_000  # more than the app can take in SECONDS; the run ends early if they run out
GOAL_RATIO = 0.7
ROUNDS = 4  # app and baseline in turn, SECONDS / ROUNDS each per round
REQUEST_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    """``gunicorn -w 2 <app>`` on a free loopback port, in its own process group."""

    def __init__(self, app: str, env: dict[str, str], directory: Path, pythonpath: Path):
        self.app, self.env, self.directory, self.pythonpath = app, env, directory, pythonpath
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        self.directory.mkdir(exist_ok=True)
        log = (self.directory / "gunicorn.log").open("ab")
        command = [
            sys.executable, "-m", "gunicorn", "--workers", str(WORKERS),
            "--bind", f"{HOST}:{self.port}", "--pythonpath", str(self.pythonpath),
            "--timeout", "30", "--control-socket", str(self.directory / "gunicorn.ctl"),
            self.app,
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603  (our own command line)
            command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log()[-2000:]}")
            try:
                connection = http.client.HTTPConnection(HOST, self.port, timeout=2)
                connection.request("GET", "/intake/" if "loadtest" in self.app else "/")
                connection.getresponse().read()
                connection.close()
                return self
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not answer in 30 s")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def log(self) -> str:
        return (self.directory / "gunicorn.log").read_text(errors="replace")


def load(port: int, path: str, jobs: queue.Queue, seconds: float, clients: int) -> dict:
    """``clients`` threads POST the prepared (cookie, body) pairs until time or jobs run out."""
    stop_at = time.monotonic() + seconds
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors: list[str] = []
    lock = threading.Lock()

    def client():
        mine, counts = [], {}
        while time.monotonic() < stop_at:
            try:
                cookie, body, address = jobs.get_nowait()
            except queue.Empty:
                break
            headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}
            if cookie:
                headers["Cookie"] = cookie
            if address:
                headers["X-Forwarded-For"] = address
            connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
            try:
                started = time.perf_counter()
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                mine.append(time.perf_counter() - started)
                counts[response.status] = counts.get(response.status, 0) + 1
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    errors.append(repr(error))
            finally:
                connection.close()
        with lock:
            latencies.extend(mine)
            for status, n in counts.items():
                statuses[status] = statuses.get(status, 0) + n

    started = time.monotonic()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + REQUEST_TIMEOUT + 5)
    elapsed = time.monotonic() - started
    good = statuses.get(303, 0)
    return {
        "requests": len(latencies),
        "completed": good,
        "seconds": round(elapsed, 2),
        "rps": round(good / elapsed, 1),
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": len(errors),
        "ran_out": jobs.empty(),
        "latencies": latencies,  # for ``combined``
    }


def prepare_drafts(directory: Path, count: int) -> tuple[dict, list[tuple[str, str, str]]]:
    """An instance with ``count`` complete drafts: each its session cookie, consent form and
    the patient's own address."""
    from flask import session
    from flask_wtf.csrf import generate_csrf
    from sqlalchemy import insert, select

    import rules
    from screening.extensions import db
    from screening.intake.routes import SESSION_KEY
    from screening.models import Draft, new_token, token_hash
    from tests.intake.patient import Patient

    config = app_config(directory)
    app = make_app(config)
    init_db(app)
    # One patient through the real pages: their answers are every draft's answers.
    patient = Patient(app.test_client())
    patient.start()
    patient.answer_all()
    with app.app_context():
        data = db.session.scalars(select(Draft.data).order_by(Draft.id.desc())).first()
    now = datetime.now(UTC)
    tokens = [new_token() for _ in range(count)]
    rows = [
        {
            "token_hash": token_hash(t),
            "data": data,
            "created_at": now,
            "updated_at": now,
            "expires_at": now + timedelta(days=30),
        }
        for t in tokens
    ]
    with app.app_context():
        db.session.execute(insert(Draft), rows)
        db.session.commit()
    serializer = app.session_interface.get_signing_serializer(app)
    name = app.config["SESSION_COOKIE_NAME"]
    jobs = []
    # The hidden fields a browser sends with the form: the text shown, by language, version and
    # hash (the patient's draft is for smooth threads, read in English).
    shown = rules.consent_for(data["treatment"], "en")
    with app.test_request_context("/intake/consent"):
        for number, token in enumerate(tokens):
            session.clear()
            session[SESSION_KEY] = token
            csrf = generate_csrf()
            cookie = f"{name}={serializer.dumps(dict(session))}"
            body = urlencode(
                {
                    "csrf_token": csrf,
                    "agree": "y",
                    "signature": "Load Patient",
                    "language": "en",
                    "version": shown.version,
                    "digest": shown.digest(),
                }
            )
            jobs.append((cookie, body, str(ipaddress.IPv4Address("10.0.0.0") + number + 1)))
            session.pop("csrf_token", None)
            from flask import g

            g.pop("csrf_token", None)
    return config, jobs


def run(seconds: float = SECONDS, clients: int = CLIENTS, drafts: int = DRAFTS) -> dict:
    """The app and the baseline served at once, loaded in turn for ``ROUNDS`` rounds of
    ``seconds / ROUNDS`` each: a slower or busier minute of the machine falls on both alike,
    not on whichever was measured during it."""
    directory = Path(tempfile.mkdtemp(prefix="preclear-bench-submit-"))
    try:
        config, jobs = prepare_drafts(directory, drafts)
        env = {
            **os.environ,
            "LOADTEST_SECRET_KEY": config["SECRET_KEY"],
            "LOADTEST_DATABASE_URL": config["DATABASE_URL"],
            "LOADTEST_UPLOADS": config["UPLOAD_FOLDER"],
            "BENCH_BASELINE_DATABASE": str(directory / "baseline.sqlite3"),
            "LOADTEST_TRUSTED_PROXIES": "1",
        }
        work: queue.Queue = queue.Queue()
        for job in jobs:
            work.put(job)
        from bench.baseline_app import form_data

        body = urlencode(form_data())
        base_work: queue.Queue = queue.Queue()
        for _ in range(len(jobs)):
            base_work.put(("", body, ""))
        app_rounds, base_rounds = [], []
        with (
            Gunicorn("loadtest:wsgi_app()", env, directory / "app", ROOT / "scripts") as app,
            Gunicorn("bench.baseline_app:wsgi_app()", env, directory / "base", ROOT) as base,
        ):
            each = seconds / ROUNDS
            for _ in range(ROUNDS):
                app_rounds.append(load(app.port, "/intake/consent", work, each, clients))
                base_rounds.append(load(base.port, "/submit", base_work, each, clients))
            log = app.log()
        import sqlite3

        with sqlite3.connect(directory / "bench.sqlite3") as connection:
            stored = connection.execute("SELECT count(*) FROM screenings").fetchone()[0]
        app_figures = combined(app_rounds)
        base_figures = combined(base_rounds)
        app_figures["stored"] = stored
        app_figures["tracebacks"] = log.count("Traceback (most recent call last)")
        app_figures["locked"] = log.lower().count("database is locked")
        ratio = app_figures["rps"] / base_figures["rps"] if base_figures["rps"] else 0.0
        return {
            "workers": WORKERS,
            "clients": clients,
            "seconds": seconds,
            "rounds": ROUNDS,
            "app": app_figures,
            "baseline": base_figures,
            "ratio": round(ratio, 2),
            "round_ratios": [
                round(a["rps"] / b["rps"], 2) if b["rps"] else 0.0
                for a, b in zip(app_rounds, base_rounds, strict=True)
            ],
            "goal_ratio": GOAL_RATIO,
            "pass": ratio >= GOAL_RATIO and app_figures["completed"] == stored,
        }
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def combined(rounds: list[dict]) -> dict:
    """One set of figures for the rounds of one server: requests per second over all of them;
    the percentiles of all their latencies."""
    latencies = [ms for r in rounds for ms in r.pop("latencies")]
    completed = sum(r["completed"] for r in rounds)
    seconds = sum(r["seconds"] for r in rounds)
    statuses: dict[str, int] = {}
    for r in rounds:
        for status, n in r["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    return {
        "requests": len(latencies),
        "completed": completed,
        "seconds": round(seconds, 2),
        "rps": round(completed / seconds, 1) if seconds else 0.0,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "statuses": dict(sorted(statuses.items())),
        "errors": sum(r["errors"] for r in rounds),
        "ran_out": any(r["ran_out"] for r in rounds),
    }
