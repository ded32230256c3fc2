"""Shared helpers: percentiles, throwaway app instances, bulk screenings."""

from __future__ import annotations

import math
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"  # loopback only


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def timed(call: Callable[[], object], count: int) -> list[float]:
    """Seconds each of ``count`` calls took."""
    out = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        out.append(time.perf_counter() - started)
    return out


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def app_config(directory: Path) -> dict:
    """A throwaway instance: its own SQLite file, secret key and uploads folder; the limits on,
    as the load test's instance has them (``bench_limits``)."""
    (directory / "uploads").mkdir(exist_ok=True)
    return {
        "SECRET_KEY": (secret := secrets.token_hex(32)),
        "RATELIMIT_KEY_PREFIX": "bench-" + secret[:12],  # this run's own keys in Redis
        "DATABASE_URL": f"sqlite:///{directory / 'bench.sqlite3'}",
        "UPLOAD_FOLDER": str(directory / "uploads"),
        "INSTANCE_PATH": str(directory / "instance"),  # its own audit key and anchor
        "SECURE_COOKIES": False,
        **bench_limits(),
    }


def bench_limits() -> dict:
    """The load test's limits (``scripts/loadtest.py``, whose instance the submit bench serves):
    on, in the local Redis as production keeps them with several workers, each far above what
    any benchmark does, so none is refused and the limiter's cost is in the figures."""
    scripts = str(Path(__file__).resolve().parent.parent / "scripts")
    if scripts not in sys.path:  # a benchmark run in a subprocess of its own (bench/export.py)
        sys.path.insert(0, scripts)
    from loadtest import LOAD_LIMITS, LOCAL_REDIS

    return {**LOAD_LIMITS, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": LOCAL_REDIS}


def make_app(config: dict):
    from screening import create_app

    app = create_app(config)
    return app


def init_db(app) -> None:
    result = app.test_cli_runner().invoke(args=["init-db"])
    if result.exit_code != 0:
        raise RuntimeError(f"init-db failed: {result.output}")


def one_screening(app) -> int:
    """A screening made through the real pages; returns its id."""
    from tests.staff.helpers import submit_screening

    screening_id, _, _ = submit_screening(app)
    return screening_id


def grow_screenings(app, template_id: int, target: int, batch: int = 5000) -> int:
    """Copies of the template until ``target`` screenings are stored, with appointment dates,
    statuses and outcomes varied like a clinic's; returns the count."""
    from sqlalchemy import func, select

    from screening.extensions import db
    from screening.models import Screening, Status
    from tests.staff.helpers import copy_screenings

    with app.app_context():
        have = db.session.scalar(select(func.count()).select_from(Screening))
        template = db.session.get(Screening, template_id)
        base = template.appointment_date
    statuses = Status.ALL
    outcomes = ("cleared", "needs_clearance", "reschedule")
    from datetime import timedelta

    while have < target:
        n = min(batch, target - have)
        changes = [
            {
                "appointment_date": base + timedelta(days=(have + i) % 365),
                "status": statuses[(have + i) % len(statuses)],
                "outcome": outcomes[(have + i) % len(outcomes)],
                "last_name": f"Bench {have + i}",
            }
            for i in range(n)
        ]
        copy_screenings(app, template_id, changes)
        have += n
    return have
