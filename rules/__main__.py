"""Command line for integrators and for checking a case by hand.

    python -m rules evaluate answers.json     # or - for standard input
    python -m rules questions pdo_smooth_threads [--version 1]
    python -m rules treatments

``evaluate`` reads ``{"treatment", "appointment_date", "today"?, "version"?, "language"?,
"answers"}`` and prints the result as JSON (patient texts in ``language``, English by default);
on bad input it prints ``{"errors": {...}}`` and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .engine import evaluate_document
from .model import AnswerError
from .rulesets import RULESETS, get_ruleset, treatments

EXIT_BAD_INPUT = 2


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

    try:
        document = _read(args.path)
    except OSError as exc:
        _print({"errors": {"input": [f"Cannot read the input: {exc.strerror}"]}})
        return EXIT_BAD_INPUT
    except (json.JSONDecodeError, UnicodeDecodeError):
        _print({"errors": {"input": ["The input is not valid JSON"]}})
        return EXIT_BAD_INPUT
    try:
        _print(evaluate_document(document))
    except AnswerError as exc:
        _print({"errors": exc.errors})
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
