"""Invariant 9 (lifecycle.md): instructions are never dated in the past. A patient screened fewer
than 7 days ahead reads "from now until your appointment"; the instructions' dates (the JSON
``from``/``until``) stay as counted from the appointment, as the contract's example has them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from rules import RULESETS, evaluate, instructions_for
from rules.dates import format_date
from tests.rules.answer_sets import ALL_RULESETS, every_no, ruleset_id

TODAY = date(2026, 12, 7)
LANGUAGES = ("en", "es")
BLEEDING = "avoid_bleeding_risk_substances"
ALCOHOL = "avoid_alcohol_and_caffeine"


def days_before_today(language: str) -> list[str]:
    """Every date of the year before ``TODAY``, as a patient would read it in ``language``."""
    return [format_date(TODAY - timedelta(days=n), language) for n in range(1, 366)]


def texts(instructions) -> dict[str, str]:
    return {instruction.id: instruction.text for instruction in instructions}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_three_days_ahead_no_instruction_names_a_day_before_today(ruleset, language):
    appointment = TODAY + timedelta(days=3)
    result = evaluate(
        ruleset.treatment, appointment, every_no(ruleset), TODAY, ruleset.version, language=language
    )
    past = days_before_today(language)
    for instruction in result.instructions:
        for day in past:
            assert day not in instruction.text, (instruction.id, instruction.text)
    # The dates themselves are as counted: the bleeding-risk week began four days ago.
    dated = {i["text"]: (i["from"], i["until"]) for i in result.to_dict()["instructions"]}
    by_id = {i.id: i for i in result.instructions}
    assert by_id[BLEEDING].dates == (appointment - timedelta(days=7), appointment)
    assert dated[by_id[BLEEDING].text] == ("2026-12-03", "2026-12-10")
    assert by_id[ALCOHOL].dates == (appointment - timedelta(days=1), appointment)


def test_three_days_ahead_the_words_are_from_now():
    appointment = TODAY + timedelta(days=3)
    english = texts(instructions_for("pdo_smooth_threads", None, appointment, TODAY))
    assert english[BLEEDING].startswith(
        "Do not take aspirin, ibuprofen, naproxen, fish oil, vitamin E, ginkgo biloba, ginseng, "
        "garlic supplements, St. John's wort or kava kava from now until your appointment on "
        "Thursday, December 10, 2026."
    )
    assert "keep taking it and call us" in english[BLEEDING]
    assert english[ALCOHOL] == (
        "Have no alcohol and no caffeine (coffee, tea, energy drinks) in the 24 hours before "
        "your appointment: from the same time of day on Wednesday, December 9, 2026."
    )
    spanish = texts(instructions_for("pdo_smooth_threads", None, appointment, TODAY, "es"))
    assert "desde ahora hasta su cita del jueves 10 de diciembre de 2026" in spanish[BLEEDING]


def test_on_the_day_itself_even_the_24_hours_are_from_now():
    english = texts(instructions_for("pdo_smooth_threads", None, TODAY, TODAY))
    assert english[ALCOHOL] == (
        "Have no alcohol and no caffeine (coffee, tea, energy drinks) in the 24 hours before "
        "your appointment."
    )
    spanish = texts(instructions_for("pdo_smooth_threads", None, TODAY, TODAY, "es"))
    assert spanish[ALCOHOL] == (
        "No tome alcohol ni cafeína (café, té, bebidas energéticas) durante las 24 horas antes "
        "de su cita."
    )


@pytest.mark.parametrize("days_ahead", [7, 8, 30])
def test_a_week_or_more_ahead_the_instructions_keep_their_dates(days_ahead):
    appointment = TODAY + timedelta(days=days_ahead)
    english = texts(instructions_for("neurotoxin", "1", appointment, TODAY))
    start = format_date(appointment - timedelta(days=7))
    assert f"kava kava from {start} until your appointment on" in english[BLEEDING]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("days_ahead", [0, 1, 3, 6, 7, 10])
def test_instructions_for_gives_what_evaluate_gives(days_ahead, language):
    appointment = TODAY + timedelta(days=days_ahead)
    for treatment, versions in RULESETS.items():
        for version, ruleset in versions.items():
            result = evaluate(
                treatment, appointment, every_no(ruleset), TODAY, version, language=language
            )
            given = instructions_for(treatment, version, appointment, TODAY, language)
            assert given == result.instructions


def test_instructions_for_an_unknown_treatment_or_version():
    with pytest.raises(KeyError):
        instructions_for("botox", None, TODAY, TODAY)
    with pytest.raises(KeyError):
        instructions_for("neurotoxin", "2", TODAY, TODAY)
