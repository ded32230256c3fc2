"""Every treatment the clinic offers, each one folder here, and every released rule set.

A treatment's folder, ``rules/treatments/<id>/``, holds everything that treatment is:

- ``treatment.toml``: its title and its place in the clinic's list;
- ``ruleset.v<N>.toml``: each released version of its rule set, the core rules and the shared
  catalog rules it adds by name (``rules/shared``); the highest version is the current one;
- ``consent.v<N>.<language>.md``: its consent, per consent version and language offered
  (``rules.consent``);
- ``<language>.po``: its own words in each other language, by message id (msgctxt): its
  ``title``;
- ``released.sha256``: the SHA-256 of every released rule set and consent file
  (``sha256sum -c released.sha256`` checks them by hand).

A released file never changes: a change is a new version. The folders are read at import, and
a treatment that cannot be read exactly (a released file edited, a consent missing in a language
offered, an unknown rule) stops the import with a message naming the file: the clinic's app then
refuses to start rather than show a patient something unchecked.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import i18n
from ..consent import ConsentDocument, read_consent
from ..messages import read_translations
from ..model import Clearance, Ends, Outcome
from ..ruleset import RuleSet
from ..shared.catalog import CATALOG_RULES, catalog_ruleset

TREATMENTS_FOLDER = Path(__file__).parent
PINS = "released.sha256"
_RULESET_FILE = re.compile(r"ruleset\.v([1-9]\d*)\.toml")
_CONSENT_FILE = re.compile(r"consent\.v([1-9]\d*)\.([a-z]{2})\.md")
_RELEASED_FILE = re.compile(rf"{_RULESET_FILE.pattern}|{_CONSENT_FILE.pattern}")
_PIN = re.compile(r"([0-9a-f]{64}) [ *]([^/\\]+)")


@dataclass(frozen=True)
class Treatment:
    """One treatment, as its folder describes it."""

    id: str
    title: str
    order: int
    # version -> rule set, oldest first: the last is the current one
    rulesets: Mapping[str, RuleSet]
    # consent version -> language -> document, oldest first: the last is the current one
    consents: Mapping[str, Mapping[str, ConsentDocument]]
    # language -> message id in the folder ("title") -> its words in that language
    words: Mapping[str, Mapping[str, str]]
    folder: Path

    @property
    def consent_version(self) -> str:
        """The version of the consent patients sign now."""
        return list(self.consents)[-1]

    def consent(self, language: str, version: str | None = None) -> ConsentDocument:
        """The consent in ``language`` at ``version`` (the current one when ``None``).

        Raises ``KeyError`` for a version or language the folder does not hold."""
        return self.consents[self.consent_version if version is None else version][language]


def read_treatment(folder: Path, languages: Collection[str] = tuple(i18n.LANGUAGES)) -> Treatment:
    """The treatment in ``folder``, every released file checked against its pin.

    Raises ``ValueError`` naming the file for anything missing, changed, unpinned or
    unreadable."""
    _check_pins(folder)
    about = _toml(folder / "treatment.toml")
    treatment_id, title = folder.name, about.get("title")
    if not isinstance(title, str) or not isinstance(about.get("order"), int):
        raise ValueError(f"{folder / 'treatment.toml'}: needs a title and an order (a number)")

    rulesets: dict[str, RuleSet] = {}
    ruleset_files = sorted(
        (int(match.group(1)), path)
        for path in folder.iterdir()
        if (match := _RULESET_FILE.fullmatch(path.name))
    )
    for number, path in ruleset_files:
        version = str(number)
        names = _toml(path).get("catalog_rules")
        if not isinstance(names, list):
            raise ValueError(f"{path}: needs catalog_rules, a list of rule names")
        unknown = [name for name in names if name not in CATALOG_RULES]
        if unknown:
            raise ValueError(f"{path}: no shared rule named {', '.join(map(str, unknown))}")
        added = tuple(CATALOG_RULES[name] for name in names)
        try:
            rulesets[version] = catalog_ruleset(treatment_id, version, title, added)
        except ValueError as error:  # a rule listed twice, or two variants of one rule
            raise ValueError(f"{path}: {error}") from error
    if not rulesets:
        raise ValueError(f"{folder}: no rule set (ruleset.v1.toml)")

    consents: dict[str, dict[str, ConsentDocument]] = {}
    for path in sorted(folder.glob("consent.*.md")):
        match = _CONSENT_FILE.fullmatch(path.name)
        if match is None:
            raise ValueError(f"{path}: a consent file is named consent.v<N>.<language>.md")
        version, language = match.groups()
        text = path.read_text(encoding="utf-8")
        document = read_consent(text, name=str(path), version=version, language=language)
        consents.setdefault(version, {})[language] = document
    consents = {version: consents[version] for version in sorted(consents, key=int)}
    if not consents:
        raise ValueError(f"{folder / 'consent.v1.en.md'} is missing: a treatment needs a consent")
    for version, documents in consents.items():
        for language in languages:
            if language not in documents:
                raise ValueError(f"{folder / f'consent.v{version}.{language}.md'} is missing")

    words = {
        language: read_translations(path)
        for language in languages
        if (path := folder / f"{language}.po").exists()
    }
    return Treatment(treatment_id, title, about["order"], rulesets, consents, words, folder)


def _check_pins(folder: Path) -> None:
    """Refuse a released file that differs from its pin, and a rule set or consent file with
    no pin: what patients sign and what judges them is never shown unchecked."""
    pins = _read_pins(folder)
    for name, digest in pins.items():
        path = folder / name
        if not path.is_file():
            raise ValueError(f"{path}: released ({PINS}) but missing")
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            raise ValueError(
                f"{path} has changed since it was released ({PINS}): a released file never "
                "changes; write a new version instead"
            )
    unpinned = sorted(
        path.name
        for path in folder.iterdir()
        if _RELEASED_FILE.fullmatch(path.name) and path.name not in pins
    )
    if unpinned:
        raise ValueError(
            f"{folder / PINS} does not pin {', '.join(unpinned)}: pin a file when it is "
            "released (README, How to add a treatment)"
        )


def _read_pins(folder: Path) -> dict[str, str]:
    """``{file name: SHA-256}`` of ``released.sha256``, as ``sha256sum`` writes it (a name may
    follow "*", its binary mode)."""
    path = folder / PINS
    pins: dict[str, str] = {}
    if not path.exists():
        return pins
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _PIN.fullmatch(line)
        if match is None:
            raise ValueError(f"{path}, line {number}: not a SHA-256 and a file name: {line!r}")
        pins[match.group(2)] = match.group(1)
    return pins


def _toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ValueError(f"{path}: {error}") from error


TREATMENTS: dict[str, Treatment] = {}
RULESETS: dict[str, dict[str, RuleSet]] = {}
CURRENT_VERSIONS: dict[str, str] = {}


def register(treatment: Treatment) -> None:
    """Offer ``treatment``: its rule sets, consent and words join the registries."""
    if treatment.id in TREATMENTS:
        raise ValueError(f"{treatment.folder}: a treatment {treatment.id!r} is already offered")
    i18n.add_messages({f"treatment {treatment.id} title": treatment.title})
    for language, words in treatment.words.items():
        i18n.add_translations(
            language, {f"treatment {treatment.id} {key}": word for key, word in words.items()}
        )
    TREATMENTS[treatment.id] = treatment
    RULESETS[treatment.id] = dict(treatment.rulesets)
    CURRENT_VERSIONS[treatment.id] = list(treatment.rulesets)[-1]


for _treatment in sorted(
    (read_treatment(path.parent) for path in TREATMENTS_FOLDER.glob("*/treatment.toml")),
    key=lambda treatment: treatment.order,
):
    register(_treatment)


def get_ruleset(treatment: str, version: str | None = None) -> RuleSet:
    """The rule set of ``treatment`` at ``version`` (its current version when ``None``).

    Raises ``KeyError`` for an unknown treatment or version.
    """
    versions = RULESETS[treatment]
    return versions[CURRENT_VERSIONS[treatment] if version is None else version]


def consent_for(
    treatment: str, language: str = i18n.DEFAULT_LANGUAGE, version: str | None = None
) -> ConsentDocument:
    """The consent of ``treatment`` in ``language`` at ``version`` (the current one when
    ``None``). Every treatment has its consent in every language offered (checked at import).

    Raises ``KeyError`` for an unknown treatment, language or version."""
    return TREATMENTS[treatment].consent(language, version)


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
    """``(treatment id, title)`` of every treatment, in the clinic's order."""
    return [(treatment.id, treatment.title) for treatment in TREATMENTS.values()]
