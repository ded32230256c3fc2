"""``make bench``: every benchmark in turn, then ``bench/results.json`` and a table.

Loopback only; bounded: each benchmark has a fixed count of calls or a fixed duration.
``python -m bench [--quick]`` (``--quick``: smaller counts, for trying the harness)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
sys.path.insert(0, str(ROOT / "scripts"))  # loadtest: the WSGI factory and page parsing


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kb / 1024 / 1024:.1f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def commit() -> str:
    command = ["git", "rev-parse", "--short", "HEAD"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)  # noqa: S603, S607
    return result.stdout.strip()


def dataset_benchmarks(sizes: tuple[int, ...], gets: int) -> dict:
    """Queue and screening page at each size, then the export at the largest."""
    from bench import export, staff
    from bench.common import app_config, grow_screenings, init_db, make_app, one_screening
    from screening.extensions import db
    from tests.staff.helpers import make_staff, sign_in

    directory = Path(tempfile.mkdtemp(prefix="preclear-bench-data-"))
    try:
        config = app_config(directory)
        app = make_app(config)
        init_db(app)
        template = one_screening(app)
        make_staff(app, "manager@example.com", "nurse", "manager")
        client = app.test_client()
        assert sign_in(client, "manager@example.com").status_code == 303
        with app.app_context():
            counter = staff.StatementCounter(db.engine)
        by_size, fill_seconds = {}, {}
        for size in sizes:
            started = time.perf_counter()
            grow_screenings(app, template, size)
            fill_seconds[str(size)] = round(time.perf_counter() - started, 1)
            middle = template + size // 2
            by_size[str(size)] = staff.measure(app, client, middle, counter, gets)
        verdict = staff.judge(by_size)
        queue = {
            "sizes": by_size,
            "fill_seconds": fill_seconds,
            "gets": gets,
            "goal_p50_ms": staff.GOAL_P50_MS,
            "pass": verdict,
        }
        app = client = None
        exported = export.run(directory, config["SECRET_KEY"])
        exported["screenings"] = sizes[-1]
        return {"staff": queue, "export": exported}
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def fmt(value, unit=""):
    return f"{value:,.1f}{unit}" if isinstance(value, float) else f"{value:,}{unit}"


def table(results: dict) -> str:
    rows = [("Benchmark", "Figure", "Goal", "Result")]
    verdict = {True: "PASS", False: "FAIL"}
    r = results["rules"]
    for case in ("all_no", "all_yes"):
        rows.append(
            (
                f"rules.evaluate, {case.replace('_', '-')}",
                f"{r[case]['median_us']} µs median of {r[case]['calls']:,}",
                "for information",
                "",
            )
        )
    s = results["submit"]
    a, b = s["app"], s["baseline"]
    rows.append(
        (
            "submit (consent POST), gunicorn -w 2, 16 clients",
            f"{a['rps']} req/s, p50 {a['p50_ms']} ms, p99 {a['p99_ms']} ms",
            "",
            "",
        )
    )
    rows.append(
        (
            "  baseline (25 WTForms fields, 1 row, no CSRF)",
            f"{b['rps']} req/s, p50 {b['p50_ms']} ms, p99 {b['p99_ms']} ms",
            "",
            "",
        )
    )
    rows.append(("  ratio", f"{s['ratio']}", f"≥ {s['goal_ratio']}", verdict[s["pass"]]))
    p = results["page"]
    rows.append(
        (
            f"questionnaire page GET ({p['page']})",
            f"p50 {p['app']['p50_ms']} ms, p99 {p['app']['p99_ms']} ms",
            "",
            "",
        )
    )
    rows.append(
        (
            "  baseline (the same page, its fields as plain Jinja)",
            f"p50 {p['baseline']['p50_ms']} ms, p99 {p['baseline']['p99_ms']} ms",
            "",
            "",
        )
    )
    rows.append(("  ratio (throughput)", f"{p['ratio']}", "for information", ""))
    frozen = p["frozen_layout"]
    rows.append(
        (
            "  for information: layout kept as text",
            f"p50 {frozen['p50_ms']} ms, ratio {frozen['ratio']}",
            "",
            "",
        )
    )
    q = results["staff"]
    for name, label in (("queue", "nurse queue"), ("screening", "screening page")):
        for size, figures in q["sizes"].items():
            rows.append(
                (
                    f"{label}, {int(size):,} screenings",
                    f"p50 {figures[name]['p50_ms']} ms, p99 {figures[name]['p99_ms']} ms, "
                    f"{figures[name]['statements']} SQL statements",
                    f"p50 ≤ {q['goal_p50_ms']:.0f} ms, flat",
                    "",
                )
            )
        rows[-1] = (*rows[-1][:3], verdict[q["pass"][name]])
    e = results["export"]
    rows.append(
        (
            f"CSV export, {e['screenings']:,} screenings",
            f"{e['app']['rows_per_s']:,.0f} rows/s, peak {e['app']['export_mb']} MB "
            f"(process {e['app']['peak_rss_mb']:.0f} MB)",
            f"≤ {e['goal_peak_mb']:.0f} MB",
            "",
        )
    )
    rows.append(
        (
            "  baseline (sqlite3 + csv.writer, same bytes)",
            f"{e['baseline']['rows_per_s']:,.0f} rows/s, peak {e['baseline']['export_mb']} MB"
            + ("" if e["same_bytes"] else ", NOT the same bytes"),
            "",
            "",
        )
    )
    rows.append(("  ratio", f"{e['ratio']}", f"≥ {e['goal_ratio']}", verdict[e["pass"]]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, to try the harness")
    parser.add_argument(
        "--only",
        choices=("rules", "page", "submit", "data"),
        help="one benchmark alone (data: queue, screening page and export); prints its JSON, "
        "writes no results",
    )
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    from bench import page, rules_bench, submit

    started = time.monotonic()
    results: dict = {
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit(),
        "machine": machine(),
        "quick": args.quick,
    }
    steps = [
        ("rules", lambda: rules_bench.run(1000 if args.quick else rules_bench.CALLS)),
        ("page", lambda: page.run(50 if args.quick else page.GETS)),
        ("submit", lambda: submit.run(3 if args.quick else submit.SECONDS)),
    ]
    sizes = (1_000, 10_000) if args.quick else (10_000, 100_000)
    if args.only:
        chosen = dict(steps)
        gets = 50 if args.quick else 200
        part = chosen[args.only]() if args.only in chosen else dataset_benchmarks(sizes, gets)
        print(json.dumps(part, indent=2, ensure_ascii=False))
        return 0
    for name, step in steps:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        results[name] = step()
    print("bench: queue, screening page and export ...", file=sys.stderr, flush=True)
    results.update(dataset_benchmarks(sizes, 50 if args.quick else 200))
    results["seconds"] = round(time.monotonic() - started, 1)
    if not args.quick:
        RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    m = results["machine"]
    print(
        f"\nRan {results['ran_at']} at {results['commit']} on {m['cpus']} × {m['cpu']}, "
        f"{m['memory']}, Python {m['python']}, in {results['seconds']} s\n"
    )
    print(table(results))
    return 0
