"""The questionnaire's pages, in order, and which draft fields each one collects.

Every topic of the rules can be a page, but a treatment's questionnaire has only the topics its
rule set asks about: about you and the visit always come first (the treatment is chosen on the
visit page), then each topic with at least one of the rule set's questions. Before a treatment
is chosen only those first two pages exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rules import TOPICS, RuleSet

IDENTITY_FIELDS = ("first_name", "last_name", "email", "phone")
VISIT_FIELDS = ("treatment", "appointment_date")


@dataclass(frozen=True, slots=True)
class Step:
    """One page of questions: a topic of the rules, plus identity or visit fields."""

    id: str
    title: str
    leading_fields: tuple[str, ...] = ()

    def question_ids(self, ruleset: RuleSet) -> tuple[str, ...]:
        """The rule set's questions asked on this page."""
        return tuple(q.id for q in ruleset.questions_in_topic(self.id))

    def field_names(self, ruleset: RuleSet) -> tuple[str, ...]:
        """Every form field on this page, in order."""
        return self.leading_fields + self.question_ids(ruleset)


_LEADING = {"about_you": IDENTITY_FIELDS, "visit": VISIT_FIELDS}

QUESTION_STEPS: tuple[Step, ...] = tuple(
    Step(topic.id, topic.title, _LEADING.get(topic.id, ())) for topic in TOPICS
)
STEPS_BY_ID = {step.id: step for step in QUESTION_STEPS}
FIRST_STEPS = QUESTION_STEPS[:2]  # about you, then the visit, where the treatment is chosen
CHECK = "check"
CONSENT = "consent"


@cache  # a rule set never changes, and every page asks for its pages more than once
def steps_for(ruleset: RuleSet | None) -> tuple[Step, ...]:
    """The question pages of a treatment's rule set, in order; ``None`` before one is chosen."""
    if ruleset is None:
        return FIRST_STEPS
    return FIRST_STEPS + tuple(
        step for step in QUESTION_STEPS[len(FIRST_STEPS) :] if step.question_ids(ruleset)
    )


@cache
def _page_ids(ruleset: RuleSet | None) -> tuple[str, ...]:
    return (*(step.id for step in steps_for(ruleset)), CHECK, CONSENT)


def next_step_id(step_id: str, ruleset: RuleSet | None) -> str:
    """The first of the treatment's pages after ``step_id``, or check your answers.

    ``step_id`` may be a topic the treatment does not ask about: the page after it is the next
    one the treatment does have.
    """
    position = list(STEPS_BY_ID).index(step_id)
    for step in steps_for(ruleset):
        if list(STEPS_BY_ID).index(step.id) > position:
            return step.id
    return CHECK


def previous_step_id(step_id: str, ruleset: RuleSet | None) -> str | None:
    """The treatment's page before ``step_id`` (one of its pages), or ``None`` on the first."""
    ids = _page_ids(ruleset)
    position = ids.index(step_id)
    return ids[position - 1] if position > 0 else None


def question_page_number(step_id: str, ruleset: RuleSet) -> int | None:
    """1-based position of one of the treatment's question pages, for "Question page 2 of 7";
    ``None`` for check your answers and consent, which are not question pages."""
    ids = [step.id for step in steps_for(ruleset)]
    return ids.index(step_id) + 1 if step_id in ids else None


def question_pages(ruleset: RuleSet) -> int:
    """How many question pages the treatment's questionnaire has."""
    return len(steps_for(ruleset))
