"""Export: the CSV download of every stored screening (the real route, in a subprocess so
its peak memory is the export's), against a baseline that streams the same rows with
``sqlite3`` and ``csv.writer``.

``python -m bench.export app|baseline <instance dir> <secret key>`` prints one JSON line."""

from __future__ import annotations

import contextlib
import csv
import gc
import hashlib
import io
import json
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

GOAL_RATIO = 0.8
GOAL_PEAK_MB = 100.0
ROOT = Path(__file__).resolve().parent.parent


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> float:
    """Forget the peak so far (signing in hashes with argon2, 64 MB); the resident MB now."""
    gc.collect()
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM, the peak resident size
    return _status_mb("VmRSS")


def _rss_mb() -> float:
    """The peak resident size since the last reset."""
    return _status_mb("VmHWM")


def export_app(directory: Path, secret: str) -> dict:
    from bench.common import bench_limits, make_app
    from tests.staff.helpers import sign_in

    config = {
        "SECRET_KEY": secret,
        "DATABASE_URL": f"sqlite:///{directory / 'bench.sqlite3'}",
        "UPLOAD_FOLDER": str(directory / "uploads"),
        "INSTANCE_PATH": str(directory / "instance"),  # its own audit key and anchor
        "SECURE_COOKIES": False,
        "RATELIMIT_KEY_PREFIX": "bench-export-" + secret[:12],
        **bench_limits(),
    }
    app = make_app(config)
    client = app.test_client()
    assert sign_in(client, "manager@example.com").status_code == 303
    before = _reset_peak()
    started = time.perf_counter()
    response = client.get("/staff/records/exports.csv", buffered=False)
    assert response.status_code == 200, response.status_code
    digest = hashlib.sha256()
    size = lines = 0
    for chunk in response.response:
        size += len(chunk)
        lines += chunk.count(b"\r\n")  # rows are not multi-line in this data
        digest.update(chunk)
    response.close()
    seconds = time.perf_counter() - started
    return {
        "rows": lines - 1,
        "seconds": seconds,
        "bytes": size,
        "sha256": digest.hexdigest(),
        "rss_before_mb": before,
    }


def export_baseline(directory: Path) -> dict:
    """The same file the app sends, byte for byte (the run compares their SHA-256), from plain
    ``sqlite3`` rows and ``csv.writer``: the timestamp as the export writes it, every cell kept
    from running as a formula, UTF-8 with a byte-order mark, in 64 KB chunks."""
    from screening.records.exports import FORMULA_TRIGGERS, LIST_SEPARATOR, header, question_ids

    triggers = frozenset(FORMULA_TRIGGERS)
    questions = question_ids()
    before = _reset_peak()
    started = time.perf_counter()
    connection = sqlite3.connect(directory / "bench.sqlite3")
    cursor = connection.execute(
        "SELECT id, submitted_at, appointment_date, treatment, first_name, last_name, phone, "
        "email, outcome, status, findings, earliest_date, ruleset_id, ruleset_version, answers "
        "FROM screenings ORDER BY id"
    )
    digest = hashlib.sha256()
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header(questions))
    rows = size = 0
    for row in cursor:
        answers = json.loads(row[14] or "{}")
        stored = row[1]  # "2026-11-26 12:35:46.581260", in UTC
        cells = [
            str(row[0]),
            f"{stored[:10]}T{stored[11:19]}Z",
            *row[2:6],
            answers.get("date_of_birth", ""),
            *row[6:10],
            LIST_SEPARATOR.join(f["rule_id"] for f in json.loads(row[10] or "[]")),
            row[11] or "",
            "",  # no decisions in this data: decided by, decided at, reasons
            "",
            "",
            *row[12:14],
        ]
        for qid in questions:
            value = answers.get(qid)
            cells.append(
                ""
                if value is None
                else LIST_SEPARATOR.join(value)
                if isinstance(value, list)
                else value
            )
        writer.writerow(["'" + cell if cell[:1] in triggers else cell for cell in cells])
        rows += 1
        if buffer.tell() >= 64 * 1024:
            chunk = buffer.getvalue().encode("utf-8")
            size += len(chunk)
            digest.update(chunk)
            buffer.seek(0)
            buffer.truncate()
    chunk = buffer.getvalue().encode("utf-8")
    size += len(chunk)
    digest.update(chunk)
    connection.close()
    seconds = time.perf_counter() - started
    return {
        "rows": rows,
        "seconds": seconds,
        "bytes": size,
        "sha256": digest.hexdigest(),
        "rss_before_mb": before,
    }


def in_subprocess(kind: str, directory: Path, secret: str) -> dict:
    result = subprocess.run(  # noqa: S603  (our own command line)
        [sys.executable, "-m", "bench.export", kind, str(directory), secret],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"export {kind} failed:\n{result.stderr[-3000:]}")
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    figures["rows_per_s"] = round(figures["rows"] / figures["seconds"], 1)
    figures["export_mb"] = round(figures["peak_rss_mb"] - figures["rss_before_mb"], 1)
    return figures


def run(directory: Path, secret: str) -> dict:
    app = in_subprocess("app", directory, secret)
    baseline = in_subprocess("baseline", directory, secret)
    ratio = app["rows_per_s"] / baseline["rows_per_s"]
    return {
        "app": app,
        "baseline": baseline,
        "ratio": round(ratio, 2),
        "goal_ratio": GOAL_RATIO,
        "goal_peak_mb": GOAL_PEAK_MB,
        "same_bytes": app["sha256"] == baseline["sha256"],
        "pass": ratio >= GOAL_RATIO
        and app["export_mb"] <= GOAL_PEAK_MB
        and app["rows"] == baseline["rows"]
        and app["sha256"] == baseline["sha256"],
    }


if __name__ == "__main__":
    kind, where, key = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    figures = export_app(where, key) if kind == "app" else export_baseline(where)
    figures["peak_rss_mb"] = _rss_mb()
    print(json.dumps(figures))
