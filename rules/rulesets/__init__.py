"""Every released rule set, by treatment and version.

A released version never changes: a new rule means a new version (``tests/rules`` pins each
released version's fingerprint). The last version listed for a treatment is its current one.
"""

from __future__ import annotations

from ..ruleset import RuleSet
from . import catalog_treatments, pdo_smooth_threads

_RELEASED: tuple[RuleSet, ...] = (*pdo_smooth_threads.RELEASED, *catalog_treatments.RELEASED)

RULESETS: dict[str, dict[str, RuleSet]] = {}
for _ruleset in _RELEASED:
    RULESETS.setdefault(_ruleset.treatment, {})[_ruleset.version] = _ruleset

CURRENT_VERSIONS: dict[str, str] = {
    treatment: list(versions)[-1] for treatment, versions in RULESETS.items()
}


def get_ruleset(treatment: str, version: str | None = None) -> RuleSet:
    """The rule set of ``treatment`` at ``version`` (its current version when ``None``).

    Raises ``KeyError`` for an unknown treatment or version.
    """
    versions = RULESETS[treatment]
    return versions[CURRENT_VERSIONS[treatment] if version is None else version]


def treatments() -> list[tuple[str, str]]:
    """``(treatment id, title)`` of every treatment, in the order they were added."""
    return [(t, get_ruleset(t).title) for t in RULESETS]
