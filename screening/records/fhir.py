"""FHIR resources generated from the rules: a ``Questionnaire`` per rule set, built from the
question definitions, and a ``QuestionnaireResponse`` per screening whose linkIds are the
question ids. FHIR R5, as the ``fhir.resources`` models validate it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from rules import RULESETS, Kind, Question, RuleSet, get_ruleset
from rules.questions import ConditionOp

from ..clock import utc_text
from ..models import Screening

# Canonical URLs of the generated FHIR resources. There is no FHIR server behind them; they
# name the questionnaire so that each response points at the definition it answers.
QUESTIONNAIRE_URL = "urn:preclear:questionnaire:"
OPTIONS_SYSTEM = "urn:preclear:options:"
_YES_NO = frozenset({"yes", "no"})


def questionnaire_url(ruleset: RuleSet) -> str:
    """The canonical URL of a treatment's questionnaire (each version shares it)."""
    return QUESTIONNAIRE_URL + ruleset.treatment


def _fhir_id(text: str) -> str:
    return text.replace("_", "-")[:64]


def _item_type(question: Question) -> str:
    if question.kind is Kind.DATE:
        return "date"
    if question.kind is Kind.CHOICE and question.option_codes == _YES_NO:
        return "boolean"
    # FHIR R5's name for a choice among codes (R4 called it "choice").
    return "coding"


def _coding(question: Question, code: str) -> dict[str, str]:
    coding = {"system": OPTIONS_SYSTEM + question.id, "code": code}
    if code in question.option_codes:
        coding["display"] = question.option_label(code)
    return coding


def _enable_when(ruleset: RuleSet, question: Question) -> dict[str, Any]:
    condition = question.applies_when
    if condition.op is ConditionOp.NOT_EMPTY:
        return {"question": condition.question, "operator": "exists", "answerBoolean": True}
    if condition.op is ConditionOp.EQUALS:
        other = ruleset.questions_by_id[condition.question]
        ((kind, value),) = _answer(other, condition.value).items()
        # An answer holds value[x]; a condition on it names the same type answer[x].
        return {"question": condition.question, "operator": "=", "answer" + kind[5:]: value}
    raise ValueError(f"Unknown condition operator {condition.op!r}")


def _answer(question: Question, value: str) -> dict[str, Any]:
    kind = _item_type(question)
    if kind == "date":
        return {"valueDate": value}
    if kind == "boolean":
        return {"valueBoolean": value == "yes"}
    return {"valueCoding": _coding(question, value)}


def questionnaire(ruleset: RuleSet) -> dict[str, Any]:
    """A FHIR (R5) ``Questionnaire`` for one version of a treatment's rule set."""
    items = []
    for question in ruleset.questions:
        item: dict[str, Any] = {
            "linkId": question.id,
            "text": question.label,
            "type": _item_type(question),
            # A multi-choice question answered "none of these" has no answer at all in FHIR.
            "required": question.required
            and not (question.kind is Kind.MULTI and question.min_choices == 0),
        }
        if question.kind is Kind.MULTI:
            item["repeats"] = True
        if item["type"] == "coding":
            item["answerConstraint"] = "optionsOnly"
            item["answerOption"] = [
                {"valueCoding": _coding(question, option.code)} for option in question.options
            ]
        if question.applies_when is not None:
            item["enableWhen"] = [_enable_when(ruleset, question)]
        items.append(item)
    return {
        "resourceType": "Questionnaire",
        "id": _fhir_id(f"{ruleset.treatment}-{ruleset.version}"),
        "url": questionnaire_url(ruleset),
        "version": ruleset.version,
        "title": ruleset.title,
        "status": "active",
        "subjectType": ["Patient"],
        "item": items,
    }


def questionnaire_response(screening: Screening) -> dict[str, Any]:
    """A FHIR (R5) ``QuestionnaireResponse`` with the screening's answers and nothing that
    names the patient; one item per answered question, one answer per chosen code."""
    ruleset = get_ruleset(screening.ruleset_id, screening.ruleset_version)
    answers = screening.answers or {}
    items = []
    for question in ruleset.questions:
        value = answers.get(question.id)
        values = value if isinstance(value, list) else [value] if value else []
        if values:
            items.append(
                {
                    "linkId": question.id,
                    "text": question.label,
                    "answer": [_answer(question, str(v)) for v in values],
                }
            )
    return {
        "resourceType": "QuestionnaireResponse",
        "id": f"screening-{screening.id}",
        "questionnaire": f"{questionnaire_url(ruleset)}|{ruleset.version}",
        "status": "completed",
        "authored": utc_text(screening.submitted_at),
        "item": items,
    }


def rulesets_for(treatment: str | None = None) -> list[RuleSet]:
    """Every released rule set of ``treatment`` (of every treatment when ``None``)."""
    return [
        ruleset
        for name, versions in RULESETS.items()
        if treatment in (None, name)
        for ruleset in versions.values()
    ]


def fhir_lines(screenings: Iterable[Screening], treatment: str | None = None) -> Iterator[bytes]:
    """NDJSON: the ``Questionnaire`` of each released rule set (of ``treatment``, or all),
    then one ``QuestionnaireResponse`` per screening, one UTF-8 JSON object a line."""
    for ruleset in rulesets_for(treatment):
        yield _ndjson(questionnaire(ruleset))
    for screening in screenings:
        yield _ndjson(questionnaire_response(screening))


def _ndjson(resource: dict[str, Any]) -> bytes:
    text = json.dumps(resource, ensure_ascii=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8", errors="replace")
