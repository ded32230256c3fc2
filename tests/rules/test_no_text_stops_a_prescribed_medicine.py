"""Invariant 10 (lifecycle.md): no text tells a patient to stop a prescribed medicine. Where a
substance may be prescribed (daily aspirin, a blood thinner, isotretinoin), the patient's text
says to keep taking it, and to call the clinic, whose prescriber clearance decides.

Checked over every patient text of every released version, in English and Spanish: the rules'
texts and their "not sure" texts, the text for a question never asked, the instructions and
their texts for a screening too close to the appointment; as templates and as patients read
them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from rules import evaluate
from rules.engine import NOT_ASKED_PATIENT_TEXT
from rules.i18n import translate
from tests.rules.answer_sets import (
    ALL_RULESETS,
    APPOINTMENT,
    TODAY,
    every_unsure,
    every_yes,
    ruleset_id,
)

LANGUAGES = ("en", "es")
# Telling someone to stop taking something, by language: each occurrence is allowed only when
# negated ("do not stop", "no deje de tomar").
STOPPING = {
    "en": re.compile(r"\b(?:stop\w*|discontinu\w*|quit\w*|cease\w*|halt\w*)"),
    "es": re.compile(
        r"\b(?:suspend\w*|interrump\w*|dej\w* de (?:tomar|usar)\w*|(?:lo|la|los|las) deje\b"
        r"|dejarl\w*|pare de|parar de)"
    ),
}
NEGATION = {
    "en": re.compile(r"(?:\bnot|\bnever|n't)\s+$"),
    "es": re.compile(r"\bno\s+$"),
}
# Not a medicine: the breastfeeding text may speak of having stopped breastfeeding.
NOT_A_MEDICINE = "stopped breastfeeding"
MUST_BE_STOPPED = {
    "en": re.compile(r"(?:must|should|need to|have to) be stopped"),
    "es": re.compile(r"debe(?:n)? (?:dejar de tomar|suspender)|deben suspenderse"),
}
MAY_BE_PRESCRIBED = {
    "en": re.compile(r"aspirin|blood thinner|isotretinoin", re.IGNORECASE),
    "es": re.compile(r"aspirina|anticoagulante|isotretino", re.IGNORECASE),
}
KEEP_TAKING = {
    "en": re.compile(r"keep taking", re.IGNORECASE),
    "es": re.compile(r"siga tomand|siga tománd", re.IGNORECASE),
}
# ... and who decides: the clinic (call us, a nurse calls) with the prescriber.
WHO_DECIDES = {
    "en": re.compile(r"call us|nurse will contact you|your prescriber", re.IGNORECASE),
    "es": re.compile(r"llámenos|enfermera se comunicará|que se l[oa] recetó", re.IGNORECASE),
}


def stopping_said(text: str, language: str) -> list[str]:
    """Every place ``text`` tells its reader to stop something, as the words that say it."""
    lowered = text.lower()
    found = []
    for match in STOPPING[language].finditer(lowered):
        if NEGATION[language].search(lowered[: match.start()]):
            continue
        if lowered.startswith(NOT_A_MEDICINE, match.start()):
            continue
        found.append(lowered[max(0, match.start() - 30) : match.end() + 30])
    return found


def template_texts(ruleset) -> dict[str, str]:
    """Every patient text template of ``ruleset`` (English), by where it comes from."""
    texts = {"not asked": NOT_ASKED_PATIENT_TEXT}
    for rule in ruleset.rules:
        texts[f"{rule.id}"] = rule.patient_text
        texts[f"{rule.id} (not sure)"] = rule.unsure_patient_text
    for instruction in ruleset.instructions:
        texts[f"instruction {instruction.id}"] = instruction.text
        if instruction.text_from_now is not None:
            texts[f"instruction {instruction.id} (from now)"] = instruction.text_from_now
    return texts


def read_texts(ruleset, language: str) -> dict[str, str]:
    """Every patient text of ``ruleset`` as a patient reads it, filled in: every rule's finding
    (every "yes", aspirin included), every "not sure", a question never asked, and the
    instructions both a week ahead and three days ahead."""
    texts = {}
    treatment, version = ruleset.key
    for answered in (every_yes, every_unsure):
        for days_ahead in (3, 10):
            appointment = TODAY + timedelta(days=days_ahead)
            answers = answered(ruleset)
            result = evaluate(treatment, appointment, answers, TODAY, version, language=language)
            for finding in result.findings:
                texts[f"{answered.__name__} {finding.rule_id}"] = finding.patient_text
            for instruction in result.instructions:
                texts[f"{days_ahead} days ahead {instruction.id}"] = instruction.text
    if ruleset.key == ("pdo_smooth_threads", "2"):
        added = ("bleeding_disorder", "autoimmune_disorder", "keloid_history")
        answers = {k: v for k, v in every_unsure(ruleset).items() if k not in added}
        result = evaluate(
            treatment, APPOINTMENT, answers, TODAY, version, not_asked=added, language=language
        )
        for finding in result.findings:
            texts[f"not asked {finding.rule_id}"] = finding.patient_text
    return texts


def all_texts(ruleset, language: str) -> dict[str, str]:
    templates = {
        where: translate(text, language) for where, text in template_texts(ruleset).items()
    }
    return {**templates, **read_texts(ruleset, language)}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_no_patient_text_tells_anyone_to_stop_a_medicine(ruleset, language):
    for where, text in all_texts(ruleset, language).items():
        assert not MUST_BE_STOPPED[language].search(text), (where, text)
        assert stopping_said(text, language) == [], (where, text)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("ruleset", ALL_RULESETS, ids=ruleset_id)
def test_a_text_naming_a_possibly_prescribed_substance_says_to_keep_taking_it(ruleset, language):
    named = 0
    for where, text in all_texts(ruleset, language).items():
        if MAY_BE_PRESCRIBED[language].search(text):
            named += 1
            assert KEEP_TAKING[language].search(text), (where, text)
            assert WHO_DECIDES[language].search(text), (where, text)
    assert named >= 3  # the blood thinner, the bleeding-risk window, the instruction


def test_every_text_checked_is_in_the_language_asked():
    ruleset = ALL_RULESETS[0]
    spanish = all_texts(ruleset, "es")
    assert spanish["bleeding_risk_7_days"].startswith("Usted tomó {taken}")
    english = all_texts(ruleset, "en")
    assert english["every_yes bleeding_risk_7_days"].startswith("You last took aspirin, ")


@pytest.mark.parametrize(
    ("text", "language", "said"),
    [
        ("These must be stopped for 7 days.", "en", True),
        ("Stop taking aspirin.", "en", True),
        ("Keep taking it: do not stop a prescribed medicine.", "en", False),
        ("Don't stop it.", "en", False),
        ("Call us to rebook once you have stopped breastfeeding.", "en", False),
        ("You must discontinue it.", "en", True),
        ("Debe dejar de tomarlos durante 7 días.", "es", True),
        ("Suspenda la aspirina.", "es", True),
        ("Siga tomándolo a menos que el médico le indique que lo deje.", "es", True),
        ("Siga tomándolo: no deje de tomar un medicamento recetado.", "es", False),
        ("Cuando haya dejado de amamantar.", "es", False),
    ],
)
def test_the_check_itself(text, language, said):
    assert bool(stopping_said(text, language) or MUST_BE_STOPPED[language].search(text)) is said
