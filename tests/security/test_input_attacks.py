"""The attack battery's second round on input (issue 16): dates past the calendar's end, lone
surrogates, characters that reorder text, and ids past what a column holds. Each is refused as
bad input naming the field, everywhere it can come in: forms, the API, the command line."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from screening.extensions import db
from screening.models import Invitation, Screening, StaffUser
from tests.contract import no_answers
from tests.intake.patient import ABOUT_YOU, Patient, csrf_token
from tests.staff.helpers import post_decision, signed_in, submit_screening

EVALUATE = "/api/v1/evaluate"
RIGHT_TO_LEFT_OVERRIDE = "\u202e"
BIDI_CONTROLS = ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e"] + [
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]
LONE_SURROGATE = "\ud800"
INVITE = {
    "first_name": "Maya",
    "last_name": "Okafor",
    "email": "maya@example.com",
    "phone": "909 555 0199",
    "treatment": "pdo_smooth_threads",
    "appointment_date": "2026-12-10",
    "appointment_time": "14:30",
}


def evaluation(**changes) -> dict:
    return {
        "treatment": "pdo_smooth_threads",
        "appointment_date": "2026-12-10",
        "today": "2026-12-01",
        "answers": no_answers(),
        **changes,
    }


def api_token(runner) -> str:
    result = runner.invoke(args=["api-token", "create", "--name", "booking"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


# --- dates ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"appointment_date": "9999-12-31"}, "appointment_date"),
        ({"appointment_date": "9999-12-31", "today": "9999-12-30"}, "today"),
        ({"appointment_date": "2101-01-01"}, "appointment_date"),
        ({"appointment_date": "2028-12-02"}, "appointment_date"),  # more than 2 years ahead
        ({"today": "2101-01-01", "appointment_date": "2101-01-02"}, "today"),
    ],
)
def test_evaluate_with_dates_near_year_9999_is_422_naming_the_field(client, changes, field):
    response = client.post(EVALUATE, json=evaluation(**changes))
    assert response.status_code == 422, response.text[:500]
    assert field in response.get_json()["errors"]


def test_evaluate_with_an_answer_dated_after_2100_is_422_naming_the_answer(client):
    answers = {
        **no_answers(),
        "bleeding_risk_substances": ["ibuprofen"],
        "bleeding_risk_last_dose": "9999-12-20",
    }
    response = client.post(EVALUATE, json=evaluation(answers=answers))
    assert response.status_code == 422, response.text[:500]
    assert list(response.get_json()["errors"]) == ["bleeding_risk_last_dose"]


def test_an_appointment_two_years_ahead_is_still_taken(client):
    response = client.post(EVALUATE, json=evaluation(appointment_date="2028-12-01"))
    assert response.status_code == 200, response.text[:500]


def test_a_patients_date_after_2100_is_an_error_naming_the_field(client):
    patient = Patient(client)
    patient.start()
    response = patient.answer("about_you", {**ABOUT_YOU, "date_of_birth": "9999-01-01"})
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "Date of birth must be in 2100 or before" in page
    assert 'value="Ana"' in page  # everything else the patient typed is kept


def test_a_staff_filter_date_after_2100_is_an_error_naming_the_field(app):
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    response = nurse.get("/staff/?date_from=9999-12-31")
    assert response.status_code == 200
    assert "Appointments from must be in 2100 or before" in html.unescape(response.text)


def test_moving_an_appointment_more_than_two_years_ahead_is_refused(app):
    screening_id, _, _ = submit_screening(app)
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    response = post_decision(
        nurse, screening_id, "/move", {"new_date": "2029-01-01", "reason": "Asked"}
    )
    assert response.status_code == 400
    assert "more than 2 years ahead" in html.unescape(response.text)
    with app.app_context():
        assert db.session.get(Screening, screening_id).appointment_date.isoformat() == "2026-12-10"


# --- lone surrogates -------------------------------------------------------------------------


def test_lone_surrogate_in_an_invitations_first_name_via_the_api_is_422(app, client, runner):
    token = api_token(runner)
    response = client.post(
        "/api/v1/invitations",
        json={**INVITE, "first_name": f"Ma{LONE_SURROGATE}ya"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.text[:500]
    assert "first_name" in response.get_json()["errors"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


@pytest.mark.parametrize(
    "document",
    [
        evaluation(treatment=LONE_SURROGATE),
        evaluation(answers={**no_answers(), "pregnant": f"no{LONE_SURROGATE}"}),
        evaluation(answers={**no_answers(), LONE_SURROGATE: "no"}),
        evaluation(answers={**no_answers(), "bleeding_risk_substances": [LONE_SURROGATE]}),
    ],
    ids=["treatment", "answer", "key", "list"],
)
def test_a_lone_surrogate_anywhere_in_an_evaluation_is_422(client, document):
    response = client.post(EVALUATE, json=document)
    assert response.status_code == 422, response.text[:500]
    assert response.get_json()["errors"]


def test_the_command_line_refuses_lone_surrogates_and_bidi_controls(app, runner):
    for name in (f"Nina{LONE_SURROGATE}", f"Nina {RIGHT_TO_LEFT_OVERRIDE}ztrO"):
        result = runner.invoke(
            args=["staff", "create", "--email", "nina@clinic.example", "--name", name]
            + ["--role", "nurse", "--password-stdin"],
            input="a long enough passphrase for this\n",
        )
        assert result.exit_code == 1, result.output
        assert "name:" in result.output
    result = runner.invoke(
        args=["invite", "create", "--first-name", f"Maya{LONE_SURROGATE}"]
        + ["--last-name", "Okafor", "--email", "maya@example.com"]
        + ["--treatment", "pdo_smooth_threads", "--date", "2026-12-10", "--time", "14:30"],
    )
    assert result.exit_code != 0
    assert "first_name" in result.output or "First name" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StaffUser)) == 0
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0


# --- characters that reorder text ------------------------------------------------------------


@pytest.mark.parametrize("control", BIDI_CONTROLS, ids=[f"U+{ord(c):04X}" for c in BIDI_CONTROLS])
def test_bidi_controls_in_a_patients_name_are_refused_naming_the_field(client, control):
    patient = Patient(client)
    patient.start()
    response = patient.answer("about_you", {**ABOUT_YOU, "last_name": f"Lo{control}pez"})
    assert response.status_code == 200
    page = html.unescape(response.text)
    assert "Last name contains a character that changes the direction of text" in page
    assert 'href="#last_name"' in page  # the error summary links to the field
    assert 'value="Ana"' in page


def test_bidi_controls_in_the_signature_are_refused(client):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    response = patient.sign(f"Ana {RIGHT_TO_LEFT_OVERRIDE}zepoL")
    assert response.status_code == 200
    assert "Your signature contains a character that changes the direction" in html.unescape(
        response.text
    )


@pytest.mark.parametrize("name", ["Nafi\u200cse", "Ra\u200dhul", "مهرناز\u200cی"])
def test_joiners_that_persian_and_indic_names_need_are_kept(app, client, name):
    patient = Patient(client)
    response = patient.complete(about_you={**ABOUT_YOU, "first_name": name})
    assert response.status_code == 303, response.text[:1000]
    with app.app_context():
        assert db.session.scalar(select(Screening.first_name)) == name


def test_bidi_controls_are_refused_on_staff_forms_naming_the_field(app):
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    page = nurse.get("/staff/invitations")
    response = nurse.post(
        "/staff/invitations",
        data={
            "csrf_token": csrf_token(page.text),
            **INVITE,
            "first_name": f"Maya{RIGHT_TO_LEFT_OVERRIDE}",
        },
    )
    assert response.status_code == 400
    assert "First name contains a character that changes the direction" in html.unescape(
        response.text
    )

    screening_id, _, _ = submit_screening(app, feeling={"cold_sore": "yes"})
    response = post_decision(
        nurse,
        screening_id,
        "/move",
        {"new_date": "2026-12-24", "reason": f"Asked {RIGHT_TO_LEFT_OVERRIDE}reiht"},
    )
    assert response.status_code == 400
    assert "Reason for the move contains a character that changes the direction" in (
        html.unescape(response.text)
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Invitation)) == 0
        assert db.session.get(Screening, screening_id).appointment_date.isoformat() == "2026-12-10"


# --- ids -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/staff/screenings/99999999999999999999999",
        "/staff/screenings/2147483648",
        "/staff/screenings/1/notes/99999999999999999999999",
        "/staff/screenings/99999999999999999999999/current-rules",
    ],
)
def test_an_id_past_what_a_column_holds_is_a_404(app, path):
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    assert nurse.get(path).status_code == 404


def test_an_id_past_what_a_column_holds_is_a_404_on_a_post_too(app):
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    page = nurse.get("/staff/")
    response = nurse.post(
        "/staff/screenings/99999999999999999999999/cancel",
        data={"csrf_token": csrf_token(page.text), "row_version": "1", "reason": "x"},
    )
    assert response.status_code == 404
