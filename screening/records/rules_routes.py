"""The staff rules page: every rule of every released rule set, generated from the rule data.

It shows no patient's data, so viewing it is not audited (as the queue and the dashboard are not).
"""

from __future__ import annotations

from flask import render_template, request
from wtforms import Form, SelectChoice, SelectField
from wtforms.validators import ValidationError

from rules import RULESETS, treatments
from rules.index import (
    ends_in_words,
    instruction_index,
    references,
    rule_index,
    template_in_words,
    timing_in_words,
    trigger_in_words,
)

from ..access import ADMIN, MANAGER, NURSE, allow
from . import bp

OUTCOME_WORDS = {
    "reschedule": "Reschedule",
    "needs_clearance": "Needs clearance",
    "advice": "Advice only (the outcome does not change)",
    "clear": "Clear",
}
CLEARANCE_WORDS = {
    "provider_note": "Signed note from the primary care provider",
    "prescriber_note": "Note from the prescriber",
    "nurse_review": "A nurse follows up",
}


def _known_treatment(form, field) -> None:
    if field.data and field.data not in RULESETS:
        raise ValidationError("Choose a treatment from the list")


class RulesFilterForm(Form):
    """The rules page's treatment filter, from the query string (no CSRF: it changes nothing)."""

    treatment = SelectField(
        "Treatment",
        choices=[SelectChoice("", "All treatments")]
        + [SelectChoice(t, title) for t, title in treatments()],
        default="",
        validate_choice=False,
        validators=[_known_treatment],
    )


@bp.get("/rules")
@allow(NURSE, MANAGER, ADMIN)
def rules_page():
    """Every rule id once, with each definition of it, the treatments and versions using it,
    the questions it reads, its texts and its sources; optionally for one treatment only."""
    form = RulesFilterForm(request.args)
    treatment = form.treatment.data if form.validate() else ""
    entries = rule_index()
    instructions = instruction_index()
    if treatment:
        entries = [e for e in entries if e.for_treatment(treatment)]
        instructions = [e for e in instructions if e.for_treatment(treatment)]
    return render_template(
        "records/rules.html",
        form=form,
        errors=[(form[name].id, messages[0]) for name, messages in form.errors.items()],
        treatment=treatment,
        treatment_title=dict(treatments()).get(treatment, ""),
        entries=entries,
        instructions=instructions,
        outcome_words=OUTCOME_WORDS,
        clearance_words=CLEARANCE_WORDS,
        trigger_in_words=trigger_in_words,
        ends_in_words=ends_in_words,
        references=references,
        template_in_words=template_in_words,
        timing_in_words=timing_in_words,
    )
