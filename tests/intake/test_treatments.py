"""Each treatment's own questionnaire: only the pages its rule set asks, page numbers and links
that follow them, a change of treatment that keeps what still applies, and optional dates."""

from __future__ import annotations

import re

import pytest

import rules
from rules import consent_for
from tests.intake.patient import ANSWERS, PAGES, Patient, csrf_token, field_names
from tests.intake.test_bad_input import assert_field_error, form_values
from tests.intake.test_resume import check_rows, resume_path
from tests.treatments.checks import ALL_TOPICS, progress, stored_screening


def started(client) -> Patient:
    patient = Patient(client)
    patient.start()
    return patient


def test_smooth_threads_has_no_allergies_page(client):
    started(client).answer_all()

    response = client.get("/intake/allergies")

    assert response.status_code == 303
    assert response.location == "/intake/medicines"


def test_before_a_treatment_is_chosen_only_about_you_and_the_visit_exist(client):
    patient = started(client)

    first = client.get("/intake/about_you")
    assert progress(first) is None  # how many pages depends on the treatment
    for topic in ALL_TOPICS[2:]:
        response = client.get(f"/intake/{topic}")
        assert response.status_code == 303
        assert response.location == "/intake/visit"
    assert patient.answer("about_you", PAGES["about_you"]).location == "/intake/visit"
    assert progress(client.get("/intake/visit")) is None

    check = client.get("/intake/check")  # lists only what can be answered so far
    assert re.findall(r"<h2>([^<]*)</h2>", check.text) == ["About you", "Your visit"]
    assert 'href="#row-treatment"' in check.text
    assert "row-pregnant" not in check.text
    assert 'id="main-submit"' not in check.text


def test_resume_goes_to_the_treatments_first_page_left_to_answer(app, client):
    patient = started(client)
    patient.answer("about_you", PAGES["about_you"])
    patient.answer("visit", {**PAGES["visit"], "treatment": "neurotoxin"})
    patient.answer("pregnancy", PAGES["pregnancy"])
    health = {name: "no" for name in field_names(client.get("/intake/health").text)}
    assert patient.answer("health", health).location == "/intake/allergies"
    link = resume_path(client)

    resumed = app.test_client().get(link)

    assert resumed.status_code == 303
    assert resumed.location == "/intake/allergies"


# Changing treatment

# Smooth threads answers that differ from the all-"no" defaults, so keeping them shows.
SMOOTH_THREADS = {
    "visit": {"treatment_areas": ["forehead", "frown_lines"]},
    "health": {"bleeding_disorder": "unsure"},
    "medicines": {
        "bleeding_risk_substances": ["fish_oil"],
        "bleeding_risk_last_dose": "11/20/2026",
    },
    "skin": {"keloid_history": "yes"},
}
NEUROTOXIN_ONLY = {
    "swallowing_or_breathing_problems": "no",
    "toxin_allergy": "no",
    "milk_protein_allergy": "no",
    "interacting_medicines": "no",
    "toxin_last_date": "2026-08-01",  # 131 days before the appointment: fine
}


def change_treatment(patient: Patient, treatment: str):
    """From check your answers, follow the visit's change link and choose ``treatment``."""
    check = patient.client.get("/intake/check")
    assert 'href="/intake/visit?change=1#treatment"' in check.text
    return patient.answer(
        "visit",
        {**PAGES["visit"], **SMOOTH_THREADS["visit"], "treatment": treatment},
        query="?change=1",
    )


def answer_new_questions(patient: Patient, response, new_answers: dict) -> list[str]:
    """Follow the pages the app asks after a change, answering only the questions not yet
    answered; returns the pages visited. Each page shows the kept answers already filled in."""
    visited = []
    while response.location != "/intake/check":
        path, _, query = response.location.partition("?")
        assert query == "change=1", response.location
        step = path.rsplit("/", 1)[1]
        visited.append(step)
        page = patient.client.get(response.location)
        shown = form_values(page.text)
        kept = {name: value for name, value in shown.items() if value not in (None, "", [])}
        data = {
            name: new_answers[name] for name in shown if name in new_answers and name not in kept
        }
        response = patient.client.post(
            path,
            data={**kept, **data, "csrf_token": csrf_token(page.text), "return_to": "check"},
        )
        assert response.status_code == 303, (step, response.text[:2000])
    return visited


def test_changing_to_neurotoxin_keeps_the_shared_answers_and_asks_the_new_ones(app, client):
    patient = started(client)
    patient.answer_all(**SMOOTH_THREADS)
    smooth_rows = check_rows(client)

    changed = change_treatment(patient, "neurotoxin")

    assert changed.status_code == 303
    assert changed.location == "/intake/health?change=1"  # the first page with a new question
    health = form_values(client.get("/intake/health").text)
    assert health == {
        "neuromuscular_disorder": "no",
        "immunosuppressive_disorder": "no",
        "bleeding_disorder": "unsure",
        "swallowing_or_breathing_problems": None,
    }
    visited = answer_new_questions(patient, changed, NEUROTOXIN_ONLY)
    assert visited == ["health", "allergies", "medicines", "past_treatments"]

    rows = check_rows(client)
    neurotoxin = rules.get_ruleset("neurotoxin")
    identity_and_visit = {
        "first_name",
        "last_name",
        "email",
        "phone",
        "treatment",
        "appointment_date",
    }
    assert set(rows) == identity_and_visit | set(neurotoxin.questions_by_id)
    assert "keloid_history" not in rows and "autoimmune_disorder" not in rows
    for shared in (
        "date_of_birth",
        "treatment_areas",
        "bleeding_disorder",
        "bleeding_risk_last_dose",
    ):
        assert rows[shared] == smooth_rows[shared], shared
    assert rows["treatment"] == "Neurotoxin (for example Botox)"

    assert patient.sign().status_code == 303
    screening = stored_screening(app)
    assert set(screening.answers) == set(neurotoxin.questions_by_id)
    assert (screening.treatment, screening.ruleset_id, screening.ruleset_version) == (
        "neurotoxin",
        "neurotoxin",
        "1",
    )
    assert screening.answers["bleeding_disorder"] == "unsure"
    assert screening.answers["bleeding_risk_last_dose"] == "2026-11-20"
    assert screening.answers["toxin_last_date"] == "2026-08-01"
    assert screening.consent_text_hash == consent_for("neurotoxin").digest()


def test_switching_back_restores_the_earlier_answers(app, client):
    patient = started(client)
    patient.answer_all(**SMOOTH_THREADS)
    smooth_rows = check_rows(client)
    answer_new_questions(patient, change_treatment(patient, "neurotoxin"), NEUROTOXIN_ONLY)

    back = change_treatment(patient, "pdo_smooth_threads")

    assert back.location == "/intake/check"  # every smooth threads question is still answered
    assert check_rows(client) == smooth_rows
    assert form_values(client.get("/intake/skin").text) == {"keloid_history": "yes"}

    again = change_treatment(patient, "neurotoxin")  # and forth: neurotoxin's answers are kept
    assert again.location == "/intake/check"
    assert check_rows(client)["toxin_last_date"] == "Saturday, August 1, 2026"

    change_treatment(patient, "pdo_smooth_threads")
    assert patient.sign().status_code == 303
    screening = stored_screening(app)
    smooth = rules.get_ruleset("pdo_smooth_threads")
    assert set(screening.answers) == set(smooth.questions_by_id)
    assert (screening.ruleset_id, screening.ruleset_version) == (
        "pdo_smooth_threads",
        smooth.version,
    )
    assert screening.answers["keloid_history"] == "yes"
    assert "keloid_history" in {finding["rule_id"] for finding in screening.findings}


def test_changing_another_answer_from_check_goes_straight_back(client):
    patient = started(client)
    patient.answer_all(visit={"treatment": "neurotoxin"})

    changed = patient.answer(
        "allergies", {"toxin_allergy": "no", "milk_protein_allergy": "yes"}, query="?change=1"
    )

    assert changed.location == "/intake/check"


# Optional dates

OPTIONAL_DATES = [
    pytest.param("microneedling", "medicines", "isotretinoin_last_dose", id="isotretinoin"),
    pytest.param("neurotoxin", "past_treatments", "toxin_last_date", id="toxin"),
    pytest.param("dermal_filler", "past_treatments", "vaccine_last_date", id="vaccine"),
    pytest.param("dermal_filler", "past_treatments", "dental_work_date", id="dental-work"),
]


@pytest.mark.parametrize(("treatment", "step", "question_id"), OPTIONAL_DATES)
def test_an_optional_date_says_so_and_left_empty_is_not_given(
    app, client, treatment, step, question_id
):
    patient = started(client)
    patient.answer_all(visit={"treatment": treatment})
    question = rules.get_ruleset(treatment).questions_by_id[question_id]
    assert not question.required

    page = client.get(f"/intake/{step}").text
    field = re.search(
        rf'<div class="field[^"]*">\s*<label[^>]*for="{question_id}".*?</div>', page, re.S
    ).group(0)
    assert f"{question.label} (optional)" in field
    assert "Leave this empty" in field  # the hint
    assert 'type="date"' in field
    assert "required" not in field
    assert form_values(page)[question_id] == ""

    assert check_rows(client)[question_id] == "Not given"
    assert patient.sign().status_code == 303
    screening = stored_screening(app)
    assert question_id not in screening.answers
    assert screening.outcome == "clear"


@pytest.mark.parametrize(
    ("treatment", "step", "question_id"),
    [p for p in OPTIONAL_DATES if p.id != "dental-work"],  # dental work may be planned ahead
)
def test_an_optional_date_after_today_is_an_error_naming_it(client, treatment, step, question_id):
    patient = started(client)
    patient.answer_all(visit={"treatment": treatment})
    page = client.get(f"/intake/{step}")
    values = {name: ANSWERS[name] for name in field_names(page.text) if name in ANSWERS}
    short_name = rules.get_ruleset(treatment).questions_by_id[question_id].short_name

    response = client.post(
        f"/intake/{step}",
        data={**values, question_id: "2026-12-02", "csrf_token": csrf_token(page.text)},
    )

    assert response.status_code == 200
    assert_field_error(response.text, question_id, f"{short_name} must be today or in the past")
    assert check_rows(client)[question_id] == "Not given"  # the empty answer saved before


def test_a_planned_dental_date_is_accepted(app, client):
    patient = Patient(client)
    patient.complete(
        visit={"treatment": "dermal_filler"}, past_treatments={"dental_work_date": "2026-12-15"}
    )

    screening = stored_screening(app)
    assert screening.answers["dental_work_date"] == "2026-12-15"
    assert screening.outcome == "clear"
    assert [f["rule_id"] for f in screening.findings] == ["dental_work_14_days"]  # advice only
