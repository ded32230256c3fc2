"""PDO smooth threads, the seed page's treatment.

Version 1 is exactly the seed's rules. Version 2 adds the catalog's bleeding disorder, autoimmune
disorder and keloid rules; screenings keep the version they were evaluated under.
"""

from __future__ import annotations

from ..questions import CORE_QUESTIONS
from ..ruleset import RuleSet
from .catalog import AUTOIMMUNE_DISORDER, BLEEDING_DISORDER, KELOID_REVIEW, catalog_ruleset
from .core import CORE_INSTRUCTIONS, CORE_RULES

TITLE = "PDO smooth threads"

VERSION_1 = RuleSet(
    treatment="pdo_smooth_threads",
    version="1",
    title=TITLE,
    questions=CORE_QUESTIONS,
    rules=CORE_RULES,
    instructions=CORE_INSTRUCTIONS,
)

VERSION_2 = catalog_ruleset(
    "pdo_smooth_threads",
    "2",
    TITLE,
    (BLEEDING_DISORDER, AUTOIMMUNE_DISORDER, KELOID_REVIEW),
)

RELEASED = (VERSION_1, VERSION_2)
