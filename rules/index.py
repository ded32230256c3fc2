"""Every rule and pre-care instruction of every released rule set, grouped for people to read.

The same rule id can mean different things in different treatments (a keloid history rules out
Sculptra but needs only a nurse's review elsewhere), and a rule can join a treatment in a later
version. ``rule_index`` groups the rules by id, each distinct definition (a *variant*) with the
treatments and versions that use it; ``instruction_index`` does the same for the instructions.
The helpers put triggers, sources and text templates into words. The staff rules page renders
what these return; nothing here is written per rule.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .model import Clearance, Ends, Outcome
from .questions import Question
from .ruleset import InstructionTemplate, Rule, RuleSet
from .shared.sources import CATALOG_SOURCES
from .treatments import CURRENT_VERSIONS, RULESETS

SEED_PAGE = "the clinic's PDO smooth threads page (smooth-threads-page.txt), Pre and Post Care"
_CATALOG_CITATION = re.compile(r"catalog\.md ((?:\d+)(?:, \d+)*)")
_SEED_CITATION = re.compile(r"seed, pre-care (\d+)")
_URL = re.compile(r"https?://[^\s)]+")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")

# What ends a finding, for staff (lifecycle.md, "How a finding ends").
ENDS_WORDS: dict[Ends, str] = {
    Ends.DATE: "A new appointment date on or after the earliest date; nothing else",
    Ends.RECHECK: (
        "The patient's fresh “no”, at check-in or by the re-check from their link; a new date "
        "alone never ends it"
    ),
    Ends.NEW_SCREENING: "Only a new questionnaire for a new visit; no staff action",
    Ends.NOTE: "A note verified for this finding, then a nurse's decision with a reason",
    Ends.NURSE: "A nurse's decision with a reason",
    Ends.NEVER: "Nothing: not suitable for this treatment",
}
NO_ENDING_WORDS = "Nothing to end: advice never blocks the appointment"


@dataclass(frozen=True, slots=True)
class Membership:
    """One released rule set that uses a variant: its treatment, version and whether that
    version is the treatment's current one."""

    treatment: str
    version: str
    current: bool


@dataclass(frozen=True, slots=True)
class TreatmentVersions:
    """The versions of one treatment that use a variant, oldest first."""

    treatment: str
    title: str
    versions: tuple[Membership, ...]

    @property
    def current(self) -> bool:
        """Whether the treatment's current version uses the variant."""
        return any(m.current for m in self.versions)


@dataclass(frozen=True, slots=True)
class RuleVariant:
    """One definition of a rule and every rule set that uses exactly this definition.

    ``questions`` are the questions the rule reads, as the last of those rule sets listed asks
    them (rule sets share their question definitions).
    """

    rule: Rule
    memberships: tuple[Membership, ...]
    questions: tuple[Question, ...]
    treatments: tuple[TreatmentVersions, ...]

    @property
    def current(self) -> bool:
        """Whether any treatment's current version uses this definition."""
        return any(m.current for m in self.memberships)

    @property
    def offers_unsure(self) -> bool:
        """Whether a question the rule reads offers "I'm not sure", so its unsure texts apply."""
        return any(q.allows_unsure for q in self.questions)

    @property
    def unsure_outcome(self) -> tuple[Outcome, Clearance | None]:
        """What a "not sure" answer gives, as the engine decides it: a nurse follows up on
        anything that could block the appointment; advice stays advice."""
        if self.rule.outcome in (Outcome.RESCHEDULE, Outcome.NEEDS_CLEARANCE):
            return Outcome.NEEDS_CLEARANCE, Clearance.NURSE_REVIEW
        return self.rule.outcome, None

    @property
    def unsure_ends(self) -> Ends | None:
        """How a finding of a "not sure" answer ends: by a nurse, whatever the rule's way for
        "yes" (``None`` for advice)."""
        return self.rule.ends_for(*self.unsure_outcome)

    def uses(self, treatment: str) -> bool:
        """Whether any version of ``treatment`` uses this definition."""
        return any(m.treatment == treatment for m in self.memberships)


@dataclass(frozen=True, slots=True)
class RuleEntry:
    """A rule id and its variants, in the order the rule sets first use them."""

    rule_id: str
    variants: tuple[RuleVariant, ...]

    def for_treatment(self, treatment: str) -> tuple[RuleVariant, ...]:
        """The variants some version of ``treatment`` uses."""
        return tuple(v for v in self.variants if v.uses(treatment))


@dataclass(frozen=True, slots=True)
class InstructionVariant:
    """One definition of a pre-care instruction and the rule sets that give it."""

    instruction: InstructionTemplate
    memberships: tuple[Membership, ...]
    treatments: tuple[TreatmentVersions, ...]

    def uses(self, treatment: str) -> bool:
        """Whether any version of ``treatment`` gives this instruction."""
        return any(m.treatment == treatment for m in self.memberships)


@dataclass(frozen=True, slots=True)
class InstructionEntry:
    """An instruction id and its variants."""

    instruction_id: str
    variants: tuple[InstructionVariant, ...]

    def for_treatment(self, treatment: str) -> tuple[InstructionVariant, ...]:
        """The variants some version of ``treatment`` gives."""
        return tuple(v for v in self.variants if v.uses(treatment))


@dataclass(frozen=True, slots=True)
class Reference:
    """A source a rule cites: a catalog number (``None`` for the seed page) and its text, cut
    into ``(text, url)`` pieces where ``url`` is ``None`` for plain text."""

    number: int | None
    text: str

    @property
    def pieces(self) -> tuple[tuple[str, str | None], ...]:
        """The text with each URL as its own piece, so a page can link it."""
        found: list[tuple[str, str | None]] = []
        position = 0
        for match in _URL.finditer(self.text):
            if match.start() > position:
                found.append((self.text[position : match.start()], None))
            found.append((match.group(), match.group()))
            position = match.end()
        if position < len(self.text):
            found.append((self.text[position:], None))
        return tuple(found)


def _grouped(
    rulesets: Mapping[str, Mapping[str, RuleSet]],
    current_versions: Mapping[str, str],
    items_of: Callable[[RuleSet], Iterable[Any]],
) -> dict[str, dict[Any, list[Membership]]]:
    """item id -> item (by value) -> the rule sets holding it, all in first-seen order."""
    grouped: dict[str, dict[Any, list[Membership]]] = {}
    for treatment, versions in rulesets.items():
        for version, ruleset in versions.items():
            membership = Membership(treatment, version, current_versions.get(treatment) == version)
            for item in items_of(ruleset):
                grouped.setdefault(item.id, {}).setdefault(item, []).append(membership)
    return grouped


def _by_treatment(
    memberships: list[Membership], rulesets: Mapping[str, Mapping[str, RuleSet]]
) -> tuple[TreatmentVersions, ...]:
    per_treatment: dict[str, list[Membership]] = {}
    for membership in memberships:
        per_treatment.setdefault(membership.treatment, []).append(membership)
    return tuple(
        TreatmentVersions(treatment, _treatment_title(rulesets[treatment]), tuple(used))
        for treatment, used in per_treatment.items()
    )


def _treatment_title(versions: Mapping[str, RuleSet]) -> str:
    # The newest version's title names the treatment.
    return list(versions.values())[-1].title


def rule_index(
    rulesets: Mapping[str, Mapping[str, RuleSet]] = RULESETS,
    current_versions: Mapping[str, str] = CURRENT_VERSIONS,
) -> list[RuleEntry]:
    """Every rule id once, with each distinct definition of it and the rule sets using it.

    Two rules are the same variant when every field is equal (``Rule`` compares by value).
    Rule ids come in the order the rule sets first use them (the core rules first).
    """
    entries = []
    for rule_id, variants in _grouped(rulesets, current_versions, lambda rs: rs.rules).items():
        built = []
        for rule, memberships in variants.items():
            last = memberships[-1]
            asked_by = rulesets[last.treatment][last.version].questions_by_id
            built.append(
                RuleVariant(
                    rule=rule,
                    memberships=tuple(memberships),
                    questions=tuple(asked_by[qid] for qid in rule.reads),
                    treatments=_by_treatment(memberships, rulesets),
                )
            )
        entries.append(RuleEntry(rule_id, tuple(built)))
    return entries


def instruction_index(
    rulesets: Mapping[str, Mapping[str, RuleSet]] = RULESETS,
    current_versions: Mapping[str, str] = CURRENT_VERSIONS,
) -> list[InstructionEntry]:
    """Every pre-care instruction id once, with each distinct definition and its rule sets."""
    grouped = _grouped(rulesets, current_versions, lambda rs: rs.instructions)
    return [
        InstructionEntry(
            instruction_id,
            tuple(
                InstructionVariant(item, tuple(found), _by_treatment(found, rulesets))
                for item, found in variants.items()
            ),
        )
        for instruction_id, variants in grouped.items()
    ]


def _listed(words: list[str], last: str = "and") -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


# Each trigger's JSON description (``Trigger.describe()``) in words, by its operator name.
_TRIGGER_WORDS = {
    "answer_is": lambda d: f"{d['question']} is “{d['value']}”",
    "taken_within_days": lambda d: (
        f"{d['taken']} is not empty and {d['last_dose']} is less than {_days(d['days'])} "
        "before the appointment"
    ),
    "answer_is_with_any": lambda d: (
        f"{d['question']} is “{d['value']}” and {d['list_question']} includes any of "
        f"{_listed(list(d['codes']))}"
    ),
    "any_answer_is_with_any": lambda d: (
        f"{_listed(list(d['questions']), 'or')} is “{d['value']}” and {d['list_question']} "
        f"includes any of {_listed(list(d['codes']))}"
    ),
    "recent_date": lambda d: (
        f"{d['question']} is less than "
        + (_days(d["days"]) if d["days"] else f"{d['months']} calendar months")
        + " before the appointment"
    ),
    "date_near": lambda d: (
        f"{d['question']} is less than {_days(d['days'])} before or after the appointment"
    ),
    "age_under": lambda d: (
        f"the age on the appointment date, from {d['birth_date']}, is under {d['years']}"
    ),
}
KNOWN_TRIGGERS = frozenset(_TRIGGER_WORDS)


def trigger_in_words(described: Mapping[str, Any]) -> str:
    """When a rule fires, in words, from its trigger's ``describe()``: e.g. "toxin_last_date is
    less than 90 days before the appointment".

    An operator without words here is shown by name with its arguments, so a new trigger never
    breaks the page (``KNOWN_TRIGGERS`` lets a test insist on words for each).
    """
    words = _TRIGGER_WORDS.get(described.get("op", ""))
    if words is not None:
        return words(described)
    arguments = ", ".join(f"{key}={value}" for key, value in described.items() if key != "op")
    return f"{described.get('op', 'unknown trigger')} ({arguments})"


def references(source: str) -> list[Reference]:
    """The references a rule's ``source`` cites: the seed page's items, then each catalog
    number with its text from ``catalog.md`` ("not in the catalog's list" when unknown)."""
    found = [
        Reference(None, f"{SEED_PAGE}, item {item}") for item in _SEED_CITATION.findall(source)
    ]
    for cited in _CATALOG_CITATION.findall(source):
        for number in (int(n) for n in cited.split(", ")):
            text = CATALOG_SOURCES.get(number, "not in the catalog's list of sources")
            found.append(Reference(number, text))
    return found


def ends_in_words(ends: Ends | None) -> str:
    """What ends a finding that ends by ``ends``, for staff; advice (``None``) needs nothing."""
    return NO_ENDING_WORDS if ends is None else ENDS_WORDS[ends]


def template_in_words(text: str) -> str:
    """A text template with its placeholders as words in brackets: ``{earliest_date}`` becomes
    "[earliest date]"."""
    return _PLACEHOLDER.sub(lambda match: f"[{match.group(1).replace('_', ' ')}]", text)


def timing_in_words(instruction: InstructionTemplate) -> str:
    """When an instruction applies, counted from the appointment."""
    if instruction.starts is None:
        start = "From the day of the screening"
    elif instruction.starts == 0:
        start = "On the appointment day"
    else:
        start = f"From {_days(-instruction.starts)} before the appointment"
    if instruction.ends == 0:
        return start if instruction.starts == 0 else f"{start} until the appointment day"
    return f"{start} until {_days(instruction.ends)} after the appointment"
