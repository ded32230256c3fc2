"""Command line for integrators and for checking a case by hand.

    python -m rules evaluate answers.json     # or - for standard input
    python -m rules evaluate --timezone America/Los_Angeles answers.json
    python -m rules questions pdo_smooth_threads [--version 1]
    python -m rules treatments

``evaluate`` reads ``{"treatment", "appointment_date", "today"?, "version"?, "language"?,
"answers"}`` and prints the result as JSON (patient texts in ``language``, English by default);
on bad input it prints ``{"errors": {...}}`` and exits 2.

Today is the clinic's today (lifecycle.md, invariant 11): when the input's ``today`` is missing
or ``null``, ``evaluate`` takes the date it is now in the clinic's time zone, named by
``--timezone`` (an IANA name such as ``America/Los_Angeles``) or else by the environment
variable ``CLINIC_TIMEZONE``; with neither, the machine's local date. An unknown zone prints
``{"errors": {"timezone": [...]}}`` and exits 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .engine import evaluate_document
from .model import AnswerError
from .treatments import RULESETS, get_ruleset, treatments

EXIT_BAD_INPUT = 2
TIMEZONE_VARIABLE = "CLINIC_TIMEZONE"


def now() -> datetime:
    """The current instant, in UTC (tests replace it to set the clock)."""
    return datetime.now(UTC)


def _zone(name: str) -> ZoneInfo | None:
    """The time zone called ``name``, or ``None`` when there is no such zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: not even a valid key
        return None


def _clinic_today(document: Any, zone: ZoneInfo | None) -> Any:
    """``document`` with ``today`` set to the date now in ``zone`` when it gives none."""
    if zone is None or not isinstance(document, dict) or document.get("today") is not None:
        return document
    today: date = now().astimezone(zone).date()
    return {**document, "today": today.isoformat()}


def _read(path: str) -> Any:
    if path == "-":
        return json.load(sys.stdin)
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _print(document: Any) -> None:
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m rules", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    evaluate_cmd = commands.add_parser("evaluate", help="evaluate a JSON answers file")
    evaluate_cmd.add_argument("path", help="the JSON input file, or - for standard input")
    evaluate_cmd.add_argument(
        "--timezone",
        metavar="ZONE",
        default=os.environ.get(TIMEZONE_VARIABLE) or None,
        help=(
            "the clinic's time zone, whose date is today when the input gives none "
            f"(default: ${TIMEZONE_VARIABLE})"
        ),
    )
    questions_cmd = commands.add_parser("questions", help="print a treatment's rule set as JSON")
    questions_cmd.add_argument("treatment", choices=sorted(RULESETS))
    questions_cmd.add_argument("--version", default=None)
    commands.add_parser("treatments", help="list the treatments and their current versions")
    args = parser.parse_args(argv)

    if args.command == "treatments":
        _print(
            [
                {"id": t, "title": title, "version": get_ruleset(t).version}
                for t, title in treatments()
            ]
        )
        return 0
    if args.command == "questions":
        try:
            ruleset = get_ruleset(args.treatment, args.version)
        except KeyError:
            _print({"errors": {"version": ["Unknown version of this treatment's rules"]}})
            return EXIT_BAD_INPUT
        _print(ruleset.describe())
        return 0

    zone = None
    if args.timezone is not None:
        zone = _zone(args.timezone)
        if zone is None:
            _print({"errors": {"timezone": [f"Unknown time zone: {args.timezone}"]}})
            return EXIT_BAD_INPUT
    try:
        document = _read(args.path)
    except OSError as exc:
        _print({"errors": {"input": [f"Cannot read the input: {exc.strerror}"]}})
        return EXIT_BAD_INPUT
    except (json.JSONDecodeError, UnicodeDecodeError):
        _print({"errors": {"input": ["The input is not valid JSON"]}})
        return EXIT_BAD_INPUT
    try:
        _print(evaluate_document(_clinic_today(document, zone)))
    except AnswerError as exc:
        _print({"errors": exc.errors})
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
