"""How each finding ends, and the status that follows from the findings (lifecycle.md), in one
place.

A stored finding is the rules' finding in the contract's JSON shape. How it may end is read from
its rule's data (``rules.ends_of_finding``) for the rule set version the screening was judged by:
``endings(treatment, version)`` gives that reading as a function of a finding, and every function
here that needs it takes one. Beside the findings, a screening keeps each finding's state
(``finding_states``): ``resolved`` (ended by a nurse's decision, for the findings a decision may
end), ``acknowledged`` (the clinic told the patient; it ends nothing) or ``awaiting_recheck`` (a
finding that only the patient's fresh answer ends, after the visit was moved). How the other
findings end is by not being found any more: a date finding by a new date on or after its earliest
date, a re-check finding by the patient's fresh "no".

Nothing here touches the database: these functions read stored findings, states and notes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import cache
from typing import Any

from rules import Ends, Result, ends_of_finding

from .models import Note, Status

RESOLVED = "resolved"
ACKNOWLEDGED = "acknowledged"
AWAITING_RECHECK = "awaiting_recheck"
OPEN = "open"
BLOCKING = ("reschedule", "needs_clearance")
NOTE_KINDS = ("provider_note", "prescriber_note")
# The findings a decision with a reason may end (after a note verified for it, for ``note``).
ENDED_BY_DECISION = (Ends.NOTE, Ends.NURSE)
# The findings nothing the clinic does ends: the visit does not go ahead.
FINAL = (Ends.NEW_SCREENING, Ends.NEVER)
# An answer changed after submission ends only re-check findings (the patient's fresh "no") and
# nurse findings (the nurse records what the patient said). These others stay until they end
# their own way: a date finding by a date, a note finding by a note, the final ones never.
KEPT_WHEN_ANSWERS_CHANGE = (Ends.DATE, Ends.NOTE, *FINAL)
_SEVERITY_ORDER = {"reschedule": 0, "needs_clearance": 1}


Endings = Callable[[dict[str, Any]], "Ends | None"]


@cache
def endings(treatment: str, version: str) -> Endings:
    """How each stored finding of a screening judged by ``treatment`` at ``version`` ends
    (``None`` for advice, which needs no ending).

    A finding whose rule the version does not have (one kept from an earlier version when a
    nurse accepted newer rules) ends by a nurse's decision if it blocks: never by itself.
    """

    def ends(finding: dict[str, Any]) -> Ends | None:
        try:
            return ends_of_finding(treatment, version, finding)
        except KeyError:
            return Ends.NURSE if is_blocking(finding) else None

    return ends


def stored_findings(result: Result) -> list[dict[str, Any]]:
    """The rules' findings as stored: the contract's JSON shape, and the message id and values
    of each patient text, so that it is worded again in any language (``patient_texts``)."""
    return [
        {**finding.to_dict(), "message": {"id": finding.message, "values": dict(finding.values)}}
        for finding in result.findings
    ]


def state_of(states: dict[str, Any], finding: dict[str, Any]) -> str:
    """A finding's state; a finding nobody has acted on is open."""
    return states.get(finding["rule_id"], {}).get("state", OPEN)


def is_blocking(finding: dict[str, Any]) -> bool:
    """A finding that stops the visit until it ends (not advice)."""
    return finding["outcome"] in BLOCKING


def is_open(states: dict[str, Any], finding: dict[str, Any]) -> bool:
    """A blocking finding that has not ended."""
    return is_blocking(finding) and state_of(states, finding) != RESOLVED


def covering_notes(notes: Iterable[Note], finding: dict[str, Any]) -> list[Note]:
    """The verified notes a nurse verified for this finding."""
    return [n for n in notes if n.verified and finding["rule_id"] in (n.covers or ())]


def needs_note(
    states: dict[str, Any], finding: dict[str, Any], notes: Iterable[Note], ends: Endings
) -> bool:
    """An open note finding that no note has been verified for yet."""
    return (
        is_open(states, finding)
        and ends(finding) is Ends.NOTE
        and not covering_notes(notes, finding)
    )


def refusal(finding: dict[str, Any], ends: Endings) -> str | None:
    """Why a nurse's decision cannot end this finding, or ``None`` when it can (before any note
    it needs is checked)."""
    way = ends(finding)
    if way in ENDED_BY_DECISION:
        return None
    if way is Ends.DATE:
        return (
            "This finding can never be cleared by staff: it ends only with a new appointment "
            f"date on or after {finding['earliest_date']}. Move the appointment instead."
        )
    if way is Ends.RECHECK:
        return (
            "This finding can never be cleared by staff: it ends only when the patient answers "
            "again, at the day-of check-in or by the re-check from their link before a new date."
        )
    if way is Ends.NEW_SCREENING:
        return (
            "This finding can never be cleared by staff: only a new questionnaire from the "
            "patient, for a new visit, can show it no longer applies."
        )
    if way is Ends.NEVER:
        return (
            "This finding can never be cleared by staff: the treatment is not suitable for this "
            "patient."
        )
    return "Advice does not need a decision."


def derive_status(
    findings: list[dict[str, Any]],
    states: dict[str, Any],
    notes: Iterable[Note],
    ends: Endings,
    *,
    cancelled: bool = False,
    comparison_pending: bool = False,
    consented: bool = True,
) -> str:
    """The screening's status from its findings, their states, the notes, a cancellation and an
    unconfirmed comparison with the person's earlier screenings (see ``Status``).

    ``cleared`` only when every blocking finding has ended the way its rule allows and nothing
    waits for a nurse (lifecycle invariant 1), and never without a signed consent: answers sent
    once told the visit cannot go ahead (``consented`` false) wait for a new questionnaire.
    """
    if cancelled:
        return Status.CANCELLED
    notes = list(notes)
    open_findings = [f for f in findings if is_open(states, f)]
    final = [f for f in open_findings if ends(f) in FINAL]
    if final:
        # Once the clinic has told the patient, the visit is simply not going ahead.
        told = any(state_of(states, f) == ACKNOWLEDGED for f in final)
        return Status.NOT_ELIGIBLE if told else Status.RESCHEDULE
    rechecks = [f for f in open_findings if ends(f) is Ends.RECHECK]
    if any(f["outcome"] == "reschedule" and ends(f) is not Ends.RECHECK for f in open_findings):
        return Status.RESCHEDULE
    if any(state_of(states, f) != AWAITING_RECHECK for f in rechecks):
        return Status.RESCHEDULE
    without_note = [f for f in open_findings if needs_note(states, f, notes, ends)]
    kinds = {f["clearance"] for f in without_note}
    # A note to read first: it is the nurse's to do, while the rest waits for the patient.
    if any(n.kind in kinds and not n.verified for n in notes):
        return Status.NOTE_TO_VERIFY
    if rechecks:
        return Status.AWAITING_RECHECK
    if without_note:
        return Status.AWAITING_NOTE
    if open_findings or comparison_pending or not consented:
        return Status.NEEDS_REVIEW
    return Status.CLEARED


def overall(findings: list[dict[str, Any]]) -> tuple[str, date | None]:
    """The outcome of a list of findings and its earliest date, as the rules decide them: the
    most severe blocking finding; for a reschedule, the latest of the reschedule findings' dates
    when every one has a date."""
    blocking = [f for f in findings if is_blocking(f)]
    if not blocking:
        return "clear", None
    if not any(f["outcome"] == "reschedule" for f in blocking):
        return "needs_clearance", None
    dates = [f["earliest_date"] for f in blocking if f["outcome"] == "reschedule"]
    if None in dates:
        return "reschedule", None
    return "reschedule", max(date.fromisoformat(d) for d in dates)


def rederived(
    previous: list[dict[str, Any]],
    states: dict[str, Any],
    fresh: list[dict[str, Any]],
    appointment_date: date,
    ends: Endings,
    previous_ends: Endings | None = None,
    asked_again: frozenset[str] = frozenset(),
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The findings and states after the answers or the appointment date changed.

    ``fresh`` are the rules' findings for the answers and date as they now stand. Each open
    finding of ``previous`` that an answer change cannot end (``KEPT_WHEN_ANSWERS_CHANGE``)
    stays while it has not ended its own way: a date finding until the appointment is on or
    after its earliest date (of two date findings of one rule, the later date stands). States
    are kept for findings that did not change; a finding whose questions were asked again
    (``asked_again``) is decided again, though the clinic's having told the patient stands.

    ``ends`` reads how the fresh findings end; ``previous_ends`` how the previous ones do, when
    they were judged by another rule set version (``ends`` otherwise).
    """
    previous_ends = previous_ends or ends
    earlier = {f["rule_id"]: f for f in previous}
    merged = []
    for finding in fresh:
        old = earlier.get(finding["rule_id"])
        if (
            old is not None
            and is_open(states, old)
            and previous_ends(old) is Ends.DATE
            and ends(finding) is Ends.DATE
            and old["earliest_date"] > finding["earliest_date"]
        ):
            finding = old  # ISO dates compare as dates
        merged.append(finding)
    found = {f["rule_id"] for f in merged}
    for old in previous:
        if old["rule_id"] in found or not is_open(states, old):
            continue
        way = previous_ends(old)
        if way not in KEPT_WHEN_ANSWERS_CHANGE:
            continue
        if way is Ends.DATE and appointment_date >= date.fromisoformat(old["earliest_date"]):
            continue  # ended: the appointment is now on or after its earliest date
        merged.append(old)
    merged.sort(key=lambda f: _SEVERITY_ORDER.get(f["outcome"], 2))

    kept_states = {}
    for finding in merged:
        rule_id = finding["rule_id"]
        old = earlier.get(rule_id)
        if rule_id not in states or old is None:
            continue
        unchanged = finding is old or all(
            old[key] == finding[key] for key in ("answers", "outcome", "clearance")
        )
        if not unchanged:
            continue
        asked = bool(asked_again.intersection(finding["answers"]))
        if asked and states[rule_id]["state"] != ACKNOWLEDGED:
            continue
        kept_states[rule_id] = states[rule_id]
    return merged, kept_states
