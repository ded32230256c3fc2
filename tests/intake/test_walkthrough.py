"""Walk-throughs of the real pages, CSRF on, to each outcome: what is stored matches
``rules.evaluate`` on the same answers, and the outcome page speaks to the patient."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from sqlalchemy import select

import rules
from rules import consent_for
from screening.extensions import db
from screening.lifecycle import stored_findings
from screening.models import Screening
from tests.intake.patient import ANSWERS, PAGES, Patient

TODAY = date(2026, 12, 1)
TREATMENT = "pdo_smooth_threads"
RULESET = rules.get_ruleset(TREATMENT)
CLINIC_PHONE = "(909) 218-3993"


def visible_text(page: str) -> str:
    """The words a patient reads: no tags, entities decoded, spaces collapsed."""
    body = re.sub(r"<(script|style|title)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def pages_with(overrides: dict[str, dict]) -> dict[str, dict]:
    return {step: {**answers, **overrides.get(step, {})} for step, answers in PAGES.items()}


def answers_from(pages: dict[str, dict]) -> dict[str, object]:
    """The rule set's answers the pages carry, as the contract has them."""
    sent = {name: value for answers in pages.values() for name, value in answers.items()}
    answers = {}
    for name, value in sent.items():
        if name not in RULESET.questions_by_id:
            continue  # identity and visit travel beside the answers
        answers[name] = [c for c in value if c != "none"] if isinstance(value, list) else value
    if not answers["bleeding_risk_substances"]:
        answers.pop("bleeding_risk_last_dose", None)
    return answers


def the_screening(app) -> Screening:
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        db.session.expunge(screening)
        return screening


def walk(client, **overrides):
    """Complete the questionnaire; the outcome page's response and its path."""
    submitted = Patient(client).complete(**overrides)
    assert submitted.status_code == 303, submitted.text[:2000]
    location = submitted.headers["Location"]
    assert re.fullmatch(r"/intake/result/[\w-]+", location), location
    outcome = client.get(location)
    assert outcome.status_code == 200
    return outcome, location


WALKS = [
    pytest.param(
        {},
        "clear",
        {"rule_id": None},
        ["You're ready for your appointment on Thursday, December 10, 2026"],
        id="clear",
    ),
    # A "yes" to pregnancy stops the questionnaire at once: tests/intake/test_told_early.py.
    pytest.param(
        {"pregnancy": {"pregnant": "unsure"}},
        "needs_clearance",
        {"rule_id": "pregnancy", "clearance": "nurse_review"},
        ["A nurse will contact you"],
        id="pregnant-unsure",
    ),
    pytest.param(
        {
            "visit": {"appointment_date": "2026-12-07"},
            "medicines": {
                "bleeding_risk_substances": ["ibuprofen"],
                "bleeding_risk_last_dose": "2026-12-01",
            },
        },
        "reschedule",
        {"rule_id": "bleeding_risk_7_days", "earliest_date": "2026-12-08"},
        ["The earliest date we could see you is Tuesday, December 8, 2026", CLINIC_PHONE],
        id="bleeding-substance-6-days-before",
    ),
    pytest.param(
        {
            "visit": {"appointment_date": "2026-12-08"},
            "medicines": {
                "bleeding_risk_substances": ["fish_oil", "aspirin"],
                "bleeding_risk_last_dose": "2026-12-01",
            },
        },
        "clear",
        {"rule_id": None},
        ["You're ready for your appointment on Tuesday, December 8, 2026"],
        id="bleeding-substance-7-days-before",
    ),
    pytest.param(
        {"health": {"neuromuscular_disorder": "yes"}},
        "needs_clearance",
        {"rule_id": "neuromuscular_disorder", "clearance": "provider_note"},
        ["signed note from your primary care provider"],
        id="neuromuscular-yes",
    ),
    pytest.param(
        {"feeling": {"cold_sore": "yes"}},
        "reschedule",
        {"rule_id": "cold_sore", "earliest_date": None},
        ["You have a cold sore right now", "call us", CLINIC_PHONE, "to rebook"],
        id="cold-sore",
    ),
]


@pytest.mark.parametrize(("overrides", "outcome", "first_finding", "phrases"), WALKS)
def test_walkthrough_stores_what_the_rules_decide(
    app, client, clock, overrides, outcome, first_finding, phrases
):
    pages = pages_with(overrides)
    answers = answers_from(pages)
    appointment = date.fromisoformat(pages["visit"]["appointment_date"])
    expected = rules.evaluate(TREATMENT, appointment, answers, today=TODAY)

    walk(client, **overrides)

    screening = the_screening(app)
    assert expected.outcome == outcome
    assert screening.outcome == outcome
    assert screening.earliest_date == expected.earliest_date
    assert screening.findings == stored_findings(expected)
    assert screening.instructions == [i.to_dict() for i in expected.instructions]
    assert (screening.ruleset_id, screening.ruleset_version) == expected.ruleset
    assert screening.answers == answers
    assert screening.treatment == TREATMENT
    assert screening.appointment_date == appointment
    assert (screening.first_name, screening.last_name, screening.email, screening.phone) == (
        "Ana",
        "Lopez",
        "ana@example.com",
        "909 555 0100",
    )
    assert screening.consent_signature == "Ana Lopez"
    assert screening.consent_text_hash == consent_for(TREATMENT).digest()
    assert screening.consent_ip == "127.0.0.1"
    assert screening.consent_user_agent == "TestPhone/1.0"
    assert screening.consent_signed_at == clock.now
    if first_finding["rule_id"] is None:
        assert screening.findings == []
    else:
        found = screening.findings[0]
        assert {key: found[key] for key in first_finding} == first_finding


@pytest.mark.parametrize(("overrides", "outcome", "first_finding", "phrases"), WALKS)
def test_outcome_page_speaks_to_the_patient_only(
    client, overrides, outcome, first_finding, phrases
):
    pages = pages_with(overrides)
    appointment = date.fromisoformat(pages["visit"]["appointment_date"])
    expected = rules.evaluate(TREATMENT, appointment, answers_from(pages), today=TODAY)

    page, _ = walk(client, **overrides)

    text = visible_text(page.text)
    for phrase in phrases:
        assert phrase in text
    for finding in expected.findings:
        assert finding.patient_text in text
        assert finding.staff_text not in text
    codes = [rule.id for rule in RULESET.rules if "_" in rule.id]  # "pregnancy" is a word too
    for code in [*codes, "nurse_review", "provider_note", "prescriber_note"]:
        assert code not in page.text, code
    for word in ("overridable", "staff", "rule_id", "None"):
        assert word not in text


def test_clear_outcome_lists_the_dated_instructions(client):
    page, _ = walk(client)

    text = visible_text(page.text)
    assert "You're ready for your appointment on Thursday, December 10, 2026" in text
    instructions = rules.evaluate(
        TREATMENT, date(2026, 12, 10), answers_from(PAGES), today=TODAY
    ).instructions
    assert len(instructions) == 4
    for instruction in instructions:
        assert instruction.text in text
    assert "Thursday, December 3, 2026" in text  # 7 days before: the bleeding-risk substances
    assert "Wednesday, December 9, 2026" in text  # 24 hours before: alcohol and caffeine


def test_reschedule_without_a_date_says_call_to_rebook(client):
    page, _ = walk(client, feeling={"cold_sore": "yes", "blemish_or_rash": "yes"})

    text = visible_text(page.text)
    assert f"Please call us at {CLINIC_PHONE} to talk about when you can rebook" in text
    assert "earliest" not in text.lower()
    assert 'href="tel:9092183993"' in page.text


def test_outcome_page_only_through_the_patients_own_link(make_app, app, client):
    _, own_link = walk(client)
    token = own_link.rsplit("/", 1)[1]

    assert client.get(own_link).status_code == 200
    assert client.get("/intake/check").headers["Location"] == own_link
    assert client.get(f"/intake/resume/{token}").headers["Location"] == own_link
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    for path in (f"/intake/result/{wrong}", "/intake/result/x", f"/intake/result/{'x' * 500}"):
        missing = client.get(path)
        assert missing.status_code == 404, path
        assert "Lopez" not in missing.text

    someone_else = app.test_client()
    for path in ("/intake/check", "/intake/consent", "/intake/about_you", "/intake/feeling"):
        response = someone_else.get(path)
        assert response.status_code == 303, path
        assert response.headers["Location"] == "/intake/"
    other = Patient(someone_else)
    other.start()
    other.answer_all(about_you={"first_name": "Zed", "last_name": "Quinn"})
    check = someone_else.get("/intake/check")
    assert "Quinn" in check.text
    assert "Lopez" not in check.text
    assert token not in check.text
    assert someone_else.get("/intake/consent").status_code == 200


def test_unsubmitted_answers_have_no_outcome_page(client):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    token = re.search(r"/intake/resume/([\w-]+)", client.get("/intake/later").text).group(1)

    assert client.get(f"/intake/result/{token}").status_code == 404


# Other treatments: each asks its own questions, through its own pages.


def treatment_answers(treatment: str, overrides: dict[str, dict]) -> dict[str, object]:
    """The answers the pages carry for ``treatment``'s questions, as the contract has them:
    an optional date left empty is left out."""
    sent = {**ANSWERS, **{name: v for page in overrides.values() for name, v in page.items()}}
    answers = {}
    for question in rules.get_ruleset(treatment).questions:
        value = sent.get(question.id)
        if isinstance(value, list):
            value = [code for code in value if code != "none"]
        if value not in (None, ""):
            answers[question.id] = value
    if not answers["bleeding_risk_substances"]:
        answers.pop("bleeding_risk_last_dose", None)
    return answers


OTHER_WALKS = [
    pytest.param(
        {"visit": {"treatment": "microneedling"}},
        "clear",
        None,
        ["You're ready for your appointment on Thursday, December 10, 2026"],
        id="microneedling-no-isotretinoin",
    ),
    pytest.param(
        {
            "visit": {"treatment": "microneedling"},
            "medicines": {"isotretinoin_last_dose": "2026-08-31"},
        },
        "reschedule",
        {"rule_id": "isotretinoin_6_months", "earliest_date": "2027-02-28"},
        [
            "You last took isotretinoin on Monday, August 31, 2026",
            # The rules allow Sunday 28 February; the clinic opens Monday to Saturday.
            "The earliest date we could see you is Monday, March 1, 2027",
        ],
        id="microneedling-isotretinoin-in-august",
    ),
    pytest.param(
        {
            "visit": {"treatment": "neurotoxin"},
            "past_treatments": {"toxin_last_date": "2026-10-01"},
        },
        "reschedule",
        {"rule_id": "toxin_90_days", "earliest_date": "2026-12-30"},
        [
            "Your last toxin treatment was on Thursday, October 1, 2026",
            "The earliest date we could see you is Wednesday, December 30, 2026",
        ],
        id="neurotoxin-70-days-after-the-last",
    ),
    pytest.param(
        {
            "visit": {"treatment": "neurotoxin"},
            "past_treatments": {"toxin_last_date": "2026-09-11"},
        },
        "clear",
        None,
        ["You're ready for your appointment on Thursday, December 10, 2026"],
        id="neurotoxin-90-days-after-the-last",
    ),
    pytest.param(
        {
            "visit": {"treatment": "dermal_filler", "treatment_areas": ["lips"]},
            "skin": {"cold_sore_history": "yes"},
        },
        "needs_clearance",
        {"rule_id": "cold_sore_history_perioral", "clearance": "prescriber_note"},
        ["antiviral medicine", "Send us the note", "Note from the prescriber"],
        id="filler-lips-with-cold-sores",
    ),
]


@pytest.mark.parametrize(("overrides", "outcome", "first_finding", "phrases"), OTHER_WALKS)
def test_other_treatments_store_what_their_rules_decide(
    app, client, overrides, outcome, first_finding, phrases
):
    treatment = overrides["visit"]["treatment"]
    answers = treatment_answers(treatment, overrides)
    expected = rules.evaluate(treatment, date(2026, 12, 10), answers, today=TODAY)

    page, _ = walk(client, **overrides)

    screening = the_screening(app)
    assert expected.outcome == outcome
    assert screening.outcome == outcome
    assert screening.answers == answers
    assert (screening.treatment, screening.ruleset_id, screening.ruleset_version) == (
        treatment,
        *expected.ruleset,
    )
    assert screening.earliest_date == expected.earliest_date
    assert screening.findings == stored_findings(expected)
    assert screening.consent_text_hash == consent_for(treatment).digest()
    if first_finding is None:
        assert screening.findings == []
    else:
        found = screening.findings[0]
        assert {key: found[key] for key in first_finding} == first_finding
    text = visible_text(page.text)
    for phrase in phrases:
        assert phrase in text
    for finding in expected.findings:
        assert finding.patient_text in text
        assert finding.staff_text not in text
