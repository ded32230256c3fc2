"""Told at once: when an answer already settles that the visit cannot go ahead as booked (a
finding that only a new questionnaire or nothing ends, or under 18 on the appointment date),
the next page says so, with what to do next. The patient may send the answers given so far
(the questions not asked marked so, never read as "no"), is never asked to sign a consent, and
an answer changed after being told waits for a nurse with both answers.

Regression (issue 18): a pregnant patient, or a 16-year-old, answered 6 to 8 more pages and
signed "I consent to this treatment" before learning it could not go ahead."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select

import rules
from screening.extensions import db
from screening.models import AuditEvent, Screening
from tests.intake.patient import ABOUT_YOU, PAGES, SETTLED, VISIT, Patient, csrf_token
from tests.intake.test_spanish import spanish
from tests.intake.test_walkthrough import visible_text
from tests.staff.helpers import signed_in

PREGNANT = {"pregnant": "yes", "breastfeeding": "no"}
SIXTEEN = {**ABOUT_YOU, "date_of_birth": "2010-06-01"}  # 16 on 10 December 2026


def told_page(client) -> str:
    page = client.get(f"/intake/{SETTLED}")
    assert page.status_code == 200
    return visible_text(page.text)


def stored(app) -> Screening:
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        db.session.expunge(screening)
        return screening


def test_a_pregnant_patient_is_told_on_the_next_page_not_after_the_consent(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer("about_you", ABOUT_YOU)
    patient.answer("visit", VISIT)

    told = patient.answer("pregnancy", PREGNANT)

    assert told.status_code == 303
    assert told.location == f"/intake/{SETTLED}?back=pregnancy"
    text = told_page(client)
    assert "Your treatment can't go ahead as booked" in text
    assert "You told us you are pregnant or could be" in text
    assert "you will not be asked to sign a consent" in text
    assert "Send my answers to the clinic" in text
    assert "(909) 218-3993" in text
    # No other treatment treats her either: none is offered.
    assert "Choose another treatment" not in text
    assert "Change your answer to “Are you pregnant" in text


def test_the_consent_is_never_offered_for_a_visit_that_cannot_go_ahead(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer_all(pregnancy=PREGNANT)
    # Not answered yet, the pages after lead to check your answers, and on from there.
    assert client.get("/intake/consent").location == "/intake/check"
    for page in ("health", "medicines", "skin", "feeling"):
        assert patient.answer(page, PAGES[page]).location.startswith(f"/intake/{SETTLED}")

    assert client.get("/intake/consent").location == f"/intake/{SETTLED}"
    signing = client.post("/intake/consent", data={"signature": "Ana Lopez", "agree": "y"})
    assert signing.status_code in (303, 400)
    check = client.get("/intake/check").text
    assert 'href="/intake/consent"' not in check
    assert f'href="/intake/{SETTLED}"' in check
    # Her own link brings her back to what she was told, not to the pages after it.
    with app.app_context():
        assert db.session.scalars(select(Screening)).first() is None


def test_a_16_year_old_is_told_after_the_visit_page_with_the_date_she_could_come(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer("about_you", SIXTEEN)

    told = patient.answer("visit", VISIT)

    assert told.location == f"/intake/{SETTLED}?back=visit"
    text = told_page(client)
    assert "You will be 16 on the day of your appointment" in text
    assert "when you turn 18" in text
    assert "Choose a new appointment date" in text
    assert "Choose another treatment" not in text  # every treatment is for adults only


def test_a_treatment_ruled_out_for_the_patient_offers_the_others(app, client):
    patient = Patient(client)
    patient.start()
    told = patient.answer_all(
        visit={"treatment": "sculptra", "appointment_date": "2026-12-10"},
        skin={"keloid_history": "yes"},
    )
    assert told.location.startswith(f"/intake/{SETTLED}")
    text = told_page(client)
    assert "Choose another treatment" in text


def test_not_sure_is_not_settled_and_the_questionnaire_goes_on(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer("about_you", ABOUT_YOU)
    patient.answer("visit", VISIT)
    going_on = patient.answer("pregnancy", {"pregnant": "unsure", "breastfeeding": "no"})
    assert going_on.location == "/intake/health"
    assert client.get(f"/intake/{SETTLED}").location == "/intake/health"


def test_sending_stores_the_outcome_with_the_questions_not_asked_marked(app, client, clock):
    patient = Patient(client)
    patient.start()
    patient.answer_all(pregnancy=PREGNANT)

    sent = patient.send_settled()

    assert sent.status_code == 303
    assert re.fullmatch(r"/intake/result/[\w-]+", sent.location)
    screening = stored(app)
    assert screening.outcome == "reschedule"
    assert screening.status == "reschedule"
    assert screening.findings[0]["rule_id"] == "pregnancy"
    asked_later = {"neuromuscular_disorder", "bleeding_risk_substances", "feeling_unwell"}
    assert asked_later <= set(screening.questions_not_asked)
    assert not asked_later & set(screening.answers)  # never stored as "no"
    # Each blocking rule reading a question never asked waits for a nurse.
    not_asked = {f["rule_id"]: f for f in screening.findings if f["rule_id"] != "pregnancy"}
    assert not_asked["neuromuscular_disorder"]["clearance"] == "nurse_review"
    assert not screening.consented
    assert screening.consent_signed_at is None and screening.consent_text_hash is None
    assert screening.submitted_at == clock.now
    with app.app_context():
        assert db.session.scalars(select(AuditEvent.action)).all()[-1] == "submitted"

    outcome = visible_text(client.get(sent.location).text)
    assert "You told us you are pregnant or could be" in outcome
    assert "A nurse will contact you" not in outcome  # the questions not asked are the clinic's


def test_the_nurse_page_and_the_export_show_the_questions_not_asked(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer_all(pregnancy=PREGNANT)
    patient.send_settled()
    screening = stored(app)
    manager = signed_in(app, "manager@clinic.example", "nurse", "manager")

    page = visible_text(manager.get(f"/staff/screenings/{screening.id}").text)
    assert "Not asked: the patient stopped when told the visit cannot go ahead" in page
    assert "Not signed: the questionnaire told the patient the visit cannot go ahead" in page

    exported = manager.get("/staff/records/exports.csv")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert rows[0]["answers.pregnant"] == "yes"
    assert rows[0]["answers.neuromuscular_disorder"] == "not asked"
    assert rows[0]["answers.feeling_unwell"] == "not asked"


@pytest.mark.parametrize(
    ("page", "told", "changed"),
    [
        pytest.param("pregnancy", PREGNANT, {"pregnant": "no"}, id="pregnant-then-no"),
        pytest.param("about_you", SIXTEEN, ABOUT_YOU, id="sixteen-then-older"),
    ],
)
def test_an_answer_changed_after_being_told_waits_for_a_nurse_with_both(
    app, client, page, told, changed
):
    patient = Patient(client)
    patient.start()
    patient.answer_all(**{page: told})
    told_page(client)  # shown: from now on the answers behind it are on record

    patient.answer(page, {**told, **changed})
    patient.answer_all()
    assert patient.sign().status_code == 303

    screening = stored(app)
    assert screening.status == "needs_review"  # never cleared by the rules alone
    (question,) = screening.comparison["told_changed"]
    assert screening.comparison["told_changed"][question]["told"] == {**told}[question]
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    text = visible_text(nurse.get(f"/staff/screenings/{screening.id}").text)
    assert "Answers changed after the patient was told the visit cannot go ahead" in text
    assert "Confirm after comparing" in text


def test_moving_the_date_past_the_eighteenth_birthday_is_no_changed_answer(app, client):
    seventeen = {**ABOUT_YOU, "date_of_birth": "2008-12-20"}  # 18 on 20 December 2026
    patient = Patient(client)
    patient.start()
    patient.answer("about_you", seventeen)
    patient.answer("visit", VISIT)
    assert "when you turn 18" in told_page(client)

    after_birthday = {**VISIT, "appointment_date": "2026-12-21"}
    assert patient.answer("visit", after_birthday).location == "/intake/pregnancy"
    patient.answer_all(about_you=seventeen, visit=after_birthday)
    assert patient.sign().status_code == 303
    assert stored(app).status == "cleared"  # the date is what ends it (lifecycle.md)


def test_the_told_page_is_in_spanish(app, client):
    patient = Patient(spanish(client))
    patient.start()
    patient.answer("about_you", ABOUT_YOU)
    patient.answer("visit", VISIT)
    patient.answer("pregnancy", PREGNANT)
    text = told_page(client)
    assert "Enviar mis respuestas a la clínica" in text
    assert "Send my answers" not in text


def test_nothing_is_settled_without_a_treatment_and_a_date():
    today = date(2026, 12, 1)
    assert rules.settled_so_far("pdo_smooth_threads", "", {"pregnant": "yes"}, today) == ()
    assert rules.settled_so_far("nope", "2026-12-10", {"pregnant": "yes"}, today) == ()
    # A rule reading a question not answered yet waits; an invalid answer is left out.
    assert rules.settled_so_far("pdo_smooth_threads", "2026-12-10", {}, today) == ()
    invalid = {"pregnant": "yes", "date_of_birth": "1990-02-30"}
    (finding,) = rules.settled_so_far("pdo_smooth_threads", "2026-12-10", invalid, today)
    assert finding.rule_id == "pregnancy"
    assert (
        rules.settled_so_far("pdo_smooth_threads", "2026-12-10", {"pregnant": "unsure"}, today)
        == ()
    )


def test_sending_twice_stores_one_screening(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer_all(pregnancy=PREGNANT)
    page = client.get(f"/intake/{SETTLED}")
    token = csrf_token(page.text)
    first = client.post(f"/intake/{SETTLED}", data={"csrf_token": token})
    second = client.post(f"/intake/{SETTLED}", data={"csrf_token": token})
    assert first.location == second.location
    with app.app_context():
        assert len(db.session.scalars(select(Screening.id)).all()) == 1


def test_a_timed_out_send_shows_the_page_again_with_the_reason(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer_all(pregnancy=PREGNANT)
    refused = client.post(f"/intake/{SETTLED}", data={"csrf_token": "stale"})
    assert refused.status_code == 400
    assert "This page timed out before it was sent" in refused.text
    assert "Send my answers to the clinic" in refused.text
    with app.app_context():
        assert db.session.scalars(select(Screening)).first() is None


def test_a_16_year_olds_outcome_names_the_date_not_the_questions_never_asked(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer("about_you", SIXTEEN)
    patient.answer("visit", VISIT)
    sent = patient.send_settled()

    outcome = visible_text(client.get(sent.location).text)
    assert "when you turn 18" in outcome
    assert "We need to ask you something we did not ask before" not in outcome


def test_a_screening_sent_without_a_consent_is_never_cleared(app, client, clock):
    """Moving a 17-year-old's visit past her birthday ends what she was told, and nurses end
    the questions never asked: still no consent on file, so never "cleared"."""
    from screening.findings import refresh_status

    seventeen = {**ABOUT_YOU, "date_of_birth": "2008-12-20"}
    patient = Patient(client)
    patient.start()
    patient.answer("about_you", seventeen)
    patient.answer("visit", VISIT)
    patient.send_settled()
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        # Every finding ended, as the most a sequence of staff actions could reach.
        screening.findings = []
        refresh_status(screening)
        assert screening.status == "needs_review"
