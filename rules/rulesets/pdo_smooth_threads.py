"""PDO smooth threads, the seed page's treatment. Version 1 is exactly the seed's rules."""

from __future__ import annotations

from ..questions import CORE_QUESTIONS
from ..ruleset import RuleSet
from .core import CORE_INSTRUCTIONS, CORE_RULES

VERSION_1 = RuleSet(
    treatment="pdo_smooth_threads",
    version="1",
    title="PDO smooth threads",
    questions=CORE_QUESTIONS,
    rules=CORE_RULES,
    instructions=CORE_INSTRUCTIONS,
)

RELEASED = (VERSION_1,)
