"""Every released rule set, by treatment and version.

A released version never changes: a new rule means a new version (``tests/rules`` pins each
released version's fingerprint). The last version listed for a treatment is its current one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model import Clearance, Ends, Outcome
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


def ends_of_finding(treatment: str, version: str, finding: Mapping[str, Any]) -> Ends | None:
    """How a stored finding (``Finding.to_dict()``: its ``rule_id``, ``outcome`` and
    ``clearance``) of a screening judged by ``treatment`` at ``version`` may end.

    The rule's own way for its "yes" finding; ``nurse`` for any other blocking finding of the
    rule (a "not sure" answer, a question never asked); ``None`` for advice. Raises ``KeyError``
    for an unknown treatment, version or rule, ``ValueError`` for an unknown outcome or clearance.
    """
    rule = get_ruleset(treatment, version).rule(finding["rule_id"])
    clearance = finding["clearance"]
    return rule.ends_for(Outcome(finding["outcome"]), Clearance(clearance) if clearance else None)


def treatments() -> list[tuple[str, str]]:
    """``(treatment id, title)`` of every treatment, in the order they were added."""
    return [(t, get_ruleset(t).title) for t in RULESETS]
