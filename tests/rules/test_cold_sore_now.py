"""A cold sore now is a cold-sore history (lifecycle.md, "Rule data that follows"): from version 2
of barbed threads, filler and microneedling, the perioral antiviral rule fires on a cold sore now
as well as on a history, with an area around the mouth; version 1 stays as it was released."""

from __future__ import annotations

from datetime import date

import pytest

from rules import Ends, evaluate, get_ruleset
from rules.triggers import AnyAnswerIsWithAny
from tests.contract import AREAS, treatment_answers

TODAY = date(2026, 12, 1)
APPOINTMENT = date(2026, 12, 10)
TREATMENTS = ("pdo_barbed_threads", "dermal_filler", "microneedling")
PERIORAL = ("lips", "lip_lines", "smile_lines", "marionette_lines")
AWAY_FROM_THE_MOUTH = tuple(area for area in AREAS if area not in PERIORAL)


def run(treatment, version, **changes):
    answers = treatment_answers(treatment, **changes)
    return evaluate(treatment, APPOINTMENT, answers, TODAY, version=version)


def perioral(result):
    return [f for f in result.findings if f.rule_id == "cold_sore_history_perioral"]


@pytest.mark.parametrize("area", PERIORAL)
@pytest.mark.parametrize("treatment", TREATMENTS)
def test_a_cold_sore_now_around_the_mouth_needs_the_prescriber_note_from_version_2(treatment, area):
    result = run(treatment, "2", cold_sore="yes", treatment_areas=["forehead", area])
    assert [(f.rule_id, f.outcome) for f in result.findings] == [
        ("cold_sore", "reschedule"),
        ("cold_sore_history_perioral", "needs_clearance"),
    ]
    (finding,) = perioral(result)
    assert (finding.clearance, finding.overridable, finding.ends) == (
        "prescriber_note",
        True,
        Ends.NOTE,
    )
    assert dict(finding.answers) == {
        "cold_sore_history": "no",
        "cold_sore": "yes",
        "treatment_areas": ["forehead", area],
    }
    assert finding.patient_text.startswith(
        "You have a cold sore now, or have had cold sores before, and you will be treated "
        "around the mouth ("
    )
    assert "cold sore" in finding.staff_text.lower() and "prescriber" in finding.staff_text
    assert finding.source.startswith("catalog.md 35, 36") and "lifecycle.md" in finding.source
    # The cold sore itself still ends by the patient's fresh answer.
    assert result.findings[0].ends is Ends.RECHECK


@pytest.mark.parametrize("area", PERIORAL)
@pytest.mark.parametrize("treatment", TREATMENTS)
def test_version_1_still_reads_the_history_only(treatment, area):
    result = run(treatment, "1", cold_sore="yes", treatment_areas=[area])
    assert [f.rule_id for f in result.findings] == ["cold_sore"]
    history = run(treatment, "1", cold_sore_history="yes", treatment_areas=[area])
    (finding,) = perioral(history)
    assert dict(finding.answers) == {"cold_sore_history": "yes", "treatment_areas": [area]}
    assert finding.patient_text.startswith("You have had cold sores, and you will be treated")


@pytest.mark.parametrize("treatment", TREATMENTS)
def test_a_cold_sore_now_away_from_the_mouth_needs_no_antiviral(treatment):
    result = run(treatment, "2", cold_sore="yes", treatment_areas=list(AWAY_FROM_THE_MOUTH))
    assert [f.rule_id for f in result.findings] == ["cold_sore"]


@pytest.mark.parametrize("treatment", TREATMENTS)
def test_a_history_still_fires_alone_and_both_give_one_finding(treatment):
    history = run(treatment, "2", cold_sore_history="yes", treatment_areas=["lips"])
    assert [f.rule_id for f in history.findings] == ["cold_sore_history_perioral"]
    both = run(treatment, "2", cold_sore="yes", cold_sore_history="yes", treatment_areas=["lips"])
    assert len(perioral(both)) == 1
    neither = run(treatment, "2", treatment_areas=list(PERIORAL))
    assert neither.findings == ()


@pytest.mark.parametrize("treatment", TREATMENTS)
def test_version_2_is_current_and_changes_nothing_else(treatment):
    first, second = get_ruleset(treatment, "1"), get_ruleset(treatment, "2")
    assert get_ruleset(treatment) is second
    assert second.questions == first.questions
    assert second.instructions == first.instructions
    changed = [
        (old.id, new.id) for old, new in zip(first.rules, second.rules, strict=True) if old != new
    ]
    assert changed == [("cold_sore_history_perioral", "cold_sore_history_perioral")]
    rule = second.rule("cold_sore_history_perioral")
    assert rule.when == AnyAnswerIsWithAny(
        ("cold_sore_history", "cold_sore"), "treatment_areas", PERIORAL
    )


def test_the_spanish_text_names_a_cold_sore_now_too():
    answers = treatment_answers("dermal_filler", cold_sore="yes", treatment_areas=["lips"])
    spanish = evaluate("dermal_filler", APPOINTMENT, answers, TODAY, language="es")
    (finding,) = perioral(spanish)
    assert finding.patient_text.startswith(
        "Usted tiene herpes labial ahora, o lo ha tenido antes, y se le va a tratar alrededor "
        "de la boca (labios)."
    )


# The trigger ----------------------------------------------------------------------------------

TRIGGER = AnyAnswerIsWithAny(("cold_sore_history", "cold_sore"), "treatment_areas", PERIORAL)
QUESTIONS = get_ruleset("dermal_filler").questions_by_id


@pytest.mark.parametrize(
    ("history", "now", "areas", "items"),
    [
        ("yes", "no", ["lips"], ("Lips",)),
        (
            "no",
            "yes",
            ["forehead", "marionette_lines", "lips"],
            ("Marionette lines (mouth to chin)", "Lips"),
        ),
        ("yes", "yes", ["smile_lines"], ("Smile lines (nose to mouth)",)),
        ("no", "no", ["lips"], None),
        ("yes", "yes", ["forehead", "cheeks"], None),
        ("yes", "yes", [], None),
        ("unsure", "no", ["lips"], None),
    ],
)
def test_any_answer_is_with_any(history, now, areas, items):
    answers = {"cold_sore_history": history, "cold_sore": now, "treatment_areas": tuple(areas)}
    match = TRIGGER.match(answers, None, QUESTIONS)
    if items is None:
        assert match is None
    else:
        assert (match.unsure, match.earliest_date, list(match.params)) == (False, None, ["items"])
        assert match.params["items"].labels == items
        in_a_sentence = [item[0].lower() + item[1:] for item in items]
        assert match.params["items"].in_words("en") == " and ".join(in_a_sentence)


def test_any_answer_is_with_any_reads_and_describes_its_questions():
    assert TRIGGER.reads == ("cold_sore_history", "cold_sore", "treatment_areas")
    assert TRIGGER.current_reads == TRIGGER.reads
    assert TRIGGER.describe() == {
        "op": "any_answer_is_with_any",
        "questions": ["cold_sore_history", "cold_sore"],
        "value": "yes",
        "list_question": "treatment_areas",
        "codes": list(PERIORAL),
    }
