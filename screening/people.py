"""Who a screening is about: one normaliser for names, emails and phones, and the person's other
screenings (lifecycle invariant 6).

Two screenings are of the same person when they have the same date of birth, the same last name
once normalised (case, accents, spaces, hyphens and apostrophes ignored), and the same email
(case ignored) or the same phone (its digits, a leading US country code ignored).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, literal_column, or_, select

from rules import Ends, get_ruleset

from .extensions import db
from .lifecycle import endings, is_blocking
from .models import Screening

_IGNORED_IN_NAMES = frozenset(" \t-‐‑‒–—'’‘ʼ`´")
# A newer screening less strict than one of these days before it waits for a nurse.
LESS_STRICT_WITHIN = timedelta(days=90)
# Most earlier screenings read when a new one is compared: a regular patient's recent history.
COMPARED_AT_MOST = 50
# An answer that raised one of these, changed in a newer screening, waits for a nurse.
CHANGED_ANSWER_MATTERS = (Ends.NEW_SCREENING, Ends.RECHECK, Ends.NEVER)


def name_key(name: str) -> str:
    """A name as compared: case, accents, spaces, hyphens and apostrophes ignored
    ("O'Brien-Núñez" and "obrien nunez" match)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(
        c for c in decomposed if not unicodedata.combining(c) and c not in _IGNORED_IN_NAMES
    )


def email_key(email: str) -> str:
    """An email address as compared: case and surrounding spaces ignored."""
    return email.strip().casefold()


def phone_key(phone: str) -> str:
    """A phone number as compared: its digits, a leading US country code ignored
    ("+1 (909) 218-3993" and "909.218.3993" match)."""
    digits = "".join(c for c in phone if c.isascii() and c.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return digits[1:]
    return digits


PERSON_COLUMNS = ("date_of_birth", "last_name_key", "email_key", "phone_key")


def person_columns(last_name: str, email: str, phone: str, answers: dict[str, Any]) -> dict:
    """The columns a screening stores to be found among the person's screenings."""
    born = answers.get("date_of_birth")
    return {
        "date_of_birth": date.fromisoformat(born) if born else None,
        "last_name_key": name_key(last_name),
        "email_key": email_key(email),
        "phone_key": phone_key(phone),
    }


def _screening_ids_of_a_person(flagged: bool):
    """The statement reading the ids of a person's screenings, newest first;
    ``flagged``: only those with a blocking finding, written as the partial index's own
    condition (a literal, not a bound parameter) so that the planner matches the index to it."""
    conditions = [
        Screening.date_of_birth == bindparam("date_of_birth"),
        Screening.last_name_key == bindparam("last_name_key"),
        or_(
            Screening.email_key == bindparam("email_key"),
            Screening.phone_key == bindparam("phone_key"),
        ),
        Screening.id != bindparam("excluding"),
    ]
    if flagged:
        conditions.append(Screening.outcome != literal_column("'clear'"))
    return (
        select(Screening.id)
        .where(*conditions)
        .order_by(Screening.submitted_at.desc(), Screening.id.desc())
        .limit(COMPARED_AT_MOST)
    )


# Built once, not per call: every submit reads the person's flagged screenings, and building
# the statement cost more than running it (the submit benchmark's goal, bench/submit.py).
_IDS_OF_A_PERSON = {flagged: _screening_ids_of_a_person(flagged) for flagged in (False, True)}
_BY_IDS = (
    select(Screening)
    .where(Screening.id.in_(bindparam("ids", expanding=True)))
    .order_by(Screening.submitted_at.desc(), Screening.id.desc())
)


def screenings_of(
    person: dict[str, Any], excluding: int | None = None, flagged: bool = False
) -> list[Screening]:
    """The screenings of the person these columns describe (``person_columns``), newest first,
    at most ``COMPARED_AT_MOST``; ``excluding`` one of them; with ``flagged``, only those with a
    blocking finding. None when the person cannot be told apart: no date of birth, or neither
    an email nor a phone."""
    if person["date_of_birth"] is None or not person["last_name_key"]:
        return []
    if not (person["email_key"] or person["phone_key"]):
        return []
    parameters = {
        "date_of_birth": person["date_of_birth"],
        "last_name_key": person["last_name_key"],
        # An empty email or phone matches nobody (NULL equals nothing).
        "email_key": person["email_key"] or None,
        "phone_key": person["phone_key"] or None,
        "excluding": excluding if excluding is not None else 0,
    }
    # Their ids first, the screenings only when there are any: most people have none, and the
    # result of a whole screening's columns cost a tenth of the consent POST even with no row
    # in it (the submit benchmark's goal, bench/submit.py).
    # On the session's connection after a flush, as the ORM would run it, without the ORM's
    # own execution around a statement that loads no objects.
    db.session.flush()
    ids = db.session.connection().execute(_IDS_OF_A_PERSON[flagged], parameters).scalars().all()
    if not ids:
        return []
    return list(db.session.scalars(_BY_IDS, {"ids": ids}))


def other_screenings(screening: Screening) -> list[Screening]:
    """The person's other screenings, newest first."""
    person = {key: getattr(screening, key) for key in PERSON_COLUMNS}
    return screenings_of(person, excluding=screening.id)


@dataclass(frozen=True)
class Difference:
    """How a newer screening differs from an earlier one of the same person."""

    earlier_id: int
    earlier_submitted: str  # ISO date, the clinic's
    changed: tuple[str, ...]  # question ids answered differently
    less_strict: tuple[str, ...]  # rule ids of the earlier's blocking findings now missing
    changed_what_mattered: tuple[str, ...]  # changed answers that raised a final or re-check one

    @property
    def needs_a_nurse(self) -> bool:
        """Whether this difference keeps the newer screening for a nurse (invariant 6)."""
        return bool(self.less_strict or self.changed_what_mattered)

    def as_stored(self) -> dict[str, Any]:
        """The difference as ``Screening.comparison`` keeps it."""
        return {
            "id": self.earlier_id,
            "submitted": self.earlier_submitted,
            "changed": list(self.changed),
            "less_strict": list(self.less_strict),
            "changed_what_mattered": list(self.changed_what_mattered),
        }


def difference(
    earlier: Screening,
    earlier_submitted: date,
    answers: dict[str, Any],
    findings: list[dict[str, Any]],
    ruleset_key: tuple[str, str],
    now: datetime,
) -> Difference:
    """What changed from ``earlier`` to a newer screening with these answers and findings.

    Less strict: a blocking finding of the earlier, of a rule both rule sets have, is missing
    from the newer (only for an earlier screening from the last 90 days). A changed answer
    matters when it raised a final or re-check finding of the earlier (final ones at any time,
    since they do not pass; re-check ones within the 90 days).
    """
    recent = now - earlier.submitted_at <= LESS_STRICT_WITHIN
    shared = set(earlier.answers) & set(answers)
    changed = tuple(sorted(q for q in shared if earlier.answers[q] != answers[q]))
    newer_rules = {rule.id for rule in get_ruleset(*ruleset_key).rules}
    earlier_rules = {
        rule.id for rule in get_ruleset(earlier.ruleset_id, earlier.ruleset_version).rules
    }
    found_now = {f["rule_id"] for f in findings if is_blocking(f)}
    less_strict = ()
    if recent:
        less_strict = tuple(
            f["rule_id"]
            for f in earlier.findings
            if is_blocking(f)
            and f["rule_id"] in newer_rules & earlier_rules
            and f["rule_id"] not in found_now
        )
    mattered = set()
    earlier_ends = endings(earlier.ruleset_id, earlier.ruleset_version)
    for finding in earlier.findings:
        ends = earlier_ends(finding)
        if ends not in CHANGED_ANSWER_MATTERS or (ends is not Ends.NEVER and not recent):
            continue
        mattered.update(q for q in finding["answers"] if q in changed)
    return Difference(
        earlier.id,
        earlier_submitted.isoformat(),
        changed,
        less_strict,
        tuple(sorted(mattered)),
    )
