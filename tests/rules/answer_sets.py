"""Complete answer sets for any released rule set, built from its own questions, for the tests
that sweep every treatment and every version."""

from __future__ import annotations

from datetime import date, timedelta

from rules import RULESETS, Kind, RuleSet

TODAY = date(2026, 12, 1)
APPOINTMENT = date(2026, 12, 4)  # 3 days ahead: a dose yesterday is inside every window
ADULT_BIRTH_DATE = "1990-05-17"
MINOR_BIRTH_DATE = "2010-01-01"  # 16 on the appointment date

ALL_RULESETS: list[RuleSet] = [rs for versions in RULESETS.values() for rs in versions.values()]


def ruleset_id(ruleset: RuleSet) -> str:
    """A test id: "treatment-vN"."""
    return f"{ruleset.treatment}-v{ruleset.version}"


def every_yes(ruleset: RuleSet, today: date = TODAY) -> dict:
    """Yes to every yes/no question, every option of every list (around the mouth included),
    every optional date the day before ``today`` (inside every window), a birth date under 18:
    every rule fires."""
    answers: dict = {}
    for question in ruleset.questions:
        if question.applies_when is not None and not question.applies_when.holds(answers):
            continue
        if question.kind is Kind.CHOICE:
            answers[question.id] = "yes"
        elif question.kind is Kind.MULTI:
            answers[question.id] = [option.code for option in question.options]
        elif question.id == "date_of_birth":
            answers[question.id] = MINOR_BIRTH_DATE
        else:
            answers[question.id] = (today - timedelta(days=1)).isoformat()
    return answers


def every_unsure(ruleset: RuleSet) -> dict:
    """I'm not sure wherever it is offered and "no" elsewhere, nothing taken, no optional
    date, the forehead only, an adult: the only findings are those of the "not sure" answers."""
    answers: dict = {}
    for question in ruleset.questions:
        if question.applies_when is not None and not question.applies_when.holds(answers):
            continue
        if question.kind is Kind.CHOICE:
            answers[question.id] = "unsure" if "unsure" in question.option_codes else "no"
        elif question.id == "treatment_areas":
            answers[question.id] = ["forehead"]
        elif question.kind is Kind.MULTI:
            answers[question.id] = []
        elif question.id == "date_of_birth":
            answers[question.id] = ADULT_BIRTH_DATE
    return answers


def every_no(ruleset: RuleSet) -> dict:
    """No to everything, nothing taken, no optional date, the forehead only, an adult."""
    return {
        qid: "no" if answer == "unsure" else answer for qid, answer in every_unsure(ruleset).items()
    }
