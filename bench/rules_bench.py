"""Rules: microseconds per ``rules.evaluate`` on a full answer set (median of 10,000 calls).

For information only: the goal in microseconds was retired (issue 17), since the rules are a
few hundredths of the consent POST that the submit benchmark measures whole."""

from __future__ import annotations

from datetime import date, timedelta

from bench.common import median, timed

TREATMENT = "pdo_smooth_threads"
CALLS = 10_000


def answers(yes: bool, today: date) -> dict:
    from rules import Kind, get_ruleset

    out: dict = {}
    for question in get_ruleset(TREATMENT).questions:
        codes = [option.code for option in question.options]
        if question.kind is Kind.DATE:
            if question.id == "date_of_birth":
                out[question.id] = "1990-05-17"
            elif yes:
                out[question.id] = (today - timedelta(days=2)).isoformat()
        elif question.kind is Kind.MULTI:
            out[question.id] = codes[:2] if yes or question.min_choices else []
        else:
            out[question.id] = "yes" if yes else "no"
    return out


def run(calls: int = CALLS) -> dict:
    import rules

    today = date(2026, 11, 26)
    appointment = today + timedelta(days=10)
    figures = {}
    for case, yes in (("all_no", False), ("all_yes", True)):
        given = answers(yes, today)
        rules.evaluate(TREATMENT, appointment, given, today)  # fails loudly if incomplete
        for _ in range(200):  # warm up
            rules.evaluate(TREATMENT, appointment, given, today)
        seconds = timed(lambda g=given: rules.evaluate(TREATMENT, appointment, g, today), calls)
        figures[case] = {"median_us": round(median(seconds) * 1e6, 1), "calls": calls}
    return figures
