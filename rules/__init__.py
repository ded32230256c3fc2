"""Preclear's rules core: the clinic's contraindications as data, and the engine that applies them.

Pure Python (standard library only): nothing here imports Flask, SQLAlchemy or WTForms.

    from rules import evaluate, AnswerError, Outcome
    result = evaluate("pdo_smooth_threads", date(2026, 12, 10), answers, today=date(2026, 12, 1))

Patient-facing words come in English and Spanish: ``evaluate(..., language="es")`` and
``rules.i18n.translate``.
"""

from .consent import ConsentDocument, ConsentSection
from .engine import evaluate, evaluate_document, instructions_for, settled_so_far, validate
from .model import AnswerError, Clearance, Ends, Finding, Instruction, Outcome, Result
from .questions import TOPICS, Kind, Option, Question, Topic
from .ruleset import InstructionTemplate, Rule, RuleSet
from .treatments import (
    CURRENT_VERSIONS,
    RULESETS,
    TREATMENTS,
    Treatment,
    consent_for,
    ends_of_finding,
    get_ruleset,
    treatments,
)
from .wording import word_message

__all__ = [
    "CURRENT_VERSIONS",
    "RULESETS",
    "TOPICS",
    "TREATMENTS",
    "AnswerError",
    "Clearance",
    "ConsentDocument",
    "ConsentSection",
    "Ends",
    "Finding",
    "Instruction",
    "InstructionTemplate",
    "Kind",
    "Option",
    "Outcome",
    "Question",
    "Result",
    "Rule",
    "RuleSet",
    "Topic",
    "Treatment",
    "consent_for",
    "ends_of_finding",
    "evaluate",
    "evaluate_document",
    "get_ruleset",
    "instructions_for",
    "settled_so_far",
    "treatments",
    "validate",
    "word_message",
]
