"""The questionnaire's pages, in order, and which draft fields each one collects."""

from __future__ import annotations

from dataclasses import dataclass

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
CHECK = "check"
CONSENT = "consent"
TOTAL_PAGES = len(QUESTION_STEPS) + 2  # the questions, check your answers, consent


def next_step_id(step_id: str) -> str:
    """The page after ``step_id``: the next topic, then check your answers."""
    ids = [step.id for step in QUESTION_STEPS]
    position = ids.index(step_id)
    return ids[position + 1] if position + 1 < len(ids) else CHECK


def previous_step_id(step_id: str) -> str | None:
    """The page before ``step_id``, or ``None`` on the first."""
    ids = [step.id for step in QUESTION_STEPS] + [CHECK, CONSENT]
    position = ids.index(step_id)
    return ids[position - 1] if position > 0 else None


def page_number(step_id: str) -> int:
    """1-based position of a page, for "Page 2 of 8"."""
    return ([step.id for step in QUESTION_STEPS] + [CHECK, CONSENT]).index(step_id) + 1


def step_of_field(field_name: str, ruleset: RuleSet) -> Step:
    """The page that asks ``field_name``."""
    for step in QUESTION_STEPS:
        if field_name in step.field_names(ruleset):
            return step
    raise KeyError(field_name)
