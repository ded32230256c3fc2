"""The questionnaire in Spanish: chosen from the browser's Accept-Language or with the switch on
every page, every patient-facing word translated, and the same screening stored whatever the
language (the contract's findings are English)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

import rules
from rules import consent_for
from rules.i18n import translate
from screening.extensions import db
from screening.lifecycle import stored_findings
from screening.models import Screening
from tests.intake.patient import ABOUT_YOU, VISIT, Patient, accept_invitation, csrf_token
from tests.intake.test_walkthrough import visible_text

TREATMENT = "pdo_smooth_threads"
# With an appointment on 5 December: a reschedule, with a date.
TOOK_IBUPROFEN = {
    "bleeding_risk_substances": ["ibuprofen"],
    "bleeding_risk_last_dose": "2026-12-01",
    "prescribed_blood_thinner": "no",
}
RULESET = rules.get_ruleset(TREATMENT)
APPOINTMENT = "jueves 10 de diciembre de 2026"


def spanish(client):
    """The client as a browser whose preferred language is Spanish (Mexico)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9,en;q=0.5"
    return client


def html_lang(page: str) -> str:
    return re.search(r'<html lang="([^"]*)"', page).group(1)


def screenings(app) -> list[Screening]:
    with app.app_context():
        found = db.session.scalars(select(Screening).order_by(Screening.id)).all()
        for screening in found:
            db.session.expunge(screening)
        return found


def switch(client, language: str, page: str):
    """Select the language switch's button on ``page`` (a path): POST, then follow it back.
    On a question page the button is one of the page's form, sent with nothing changed."""
    shown = client.get(page)
    if f'name="leave" value="language:{language}"' in shown.text:
        return_to = re.search(r'name="return_to" value="(\w*)"', shown.text).group(1)
        data = {"csrf_token": csrf_token(shown.text), "return_to": return_to}
        response = client.post(page.split("?")[0], data={**data, "leave": f"language:{language}"})
        assert response.status_code == 303
        assert response.location == page
        return client.get(page)
    action = re.search(
        r'<form method="post" action="([^"]+)" class="[^"]*language-switch', shown.text
    )
    assert action, "the page has no language switch"
    target = action.group(1).replace("&amp;", "&")
    assert f'name="language" value="{language}" lang="{language}"' in shown.text
    response = client.post(
        target, data={"csrf_token": csrf_token(shown.text), "language": language}
    )
    assert response.status_code == 303
    assert response.location == page
    return client.get(page)


# --- which language a request gets ------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("es", "es"),
        ("es-MX,es;q=0.9", "es"),
        ("es-419", "es"),
        ("en-US,en;q=0.9,es;q=0.5", "en"),  # an exact "es" never beats a preferred "en-US"
        ("fr-FR,fr;q=0.9", "en"),  # a language the clinic does not offer: English
        ("de, es;q=0.3", "es"),
        ("", "en"),
        ("*", "en"),
    ],
)
def test_the_language_follows_accept_language_among_those_offered(client, header, language):
    page = client.get("/intake/", headers={"Accept-Language": header})
    assert page.status_code == 200
    assert html_lang(page.text) == language
    assert ("Empezar ahora" in page.text) == (language == "es")


def test_the_start_page_in_spanish(client):
    page = spanish(client).get("/intake/")
    text = visible_text(page.text)
    assert html_lang(page.text) == "es"
    for phrase in ("Antes de su tratamiento", "Su privacidad", "Empezar ahora"):
        assert phrase in text
    assert "Start now" not in text
    # The switch leads to English, and says so in English.
    assert 'lang="en"><span class="visually-hidden">View this page in </span>English' in page.text


def test_the_switch_is_a_post_with_csrf_that_changes_nothing_on_get(client):
    page = client.get("/intake/")
    assert 'value="es" lang="es"' in page.text
    assert client.get("/language?next=/intake/").status_code == 405
    refused = client.post("/language?next=/intake/", data={"language": "es"})
    assert refused.status_code == 400
    assert html_lang(client.get("/intake/").text) == "en"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_the_switch_never_leads_off_the_site(client, target):
    token = csrf_token(client.get("/intake/").text)
    response = client.post(f"/language?next={target}", data={"csrf_token": token, "language": "es"})
    assert response.status_code == 303
    assert response.location == "/"


# --- the questionnaire's pages ----------------------------------------------------------------


def test_questions_options_and_help_from_the_rules_are_in_spanish(client):
    patient = Patient(spanish(client))
    patient.start()
    patient.answer_all()
    for step in ("pregnancy", "health", "medicines", "feeling"):
        page = client.get(f"/intake/{step}")
        assert html_lang(page.text) == "es"
        text = visible_text(page.text)
        assert "Continuar" in text and "Atrás" in text
        for question in RULESET.questions_in_topic(step):
            words = [question.label, question.help] if question.help else [question.label]
            for english in words:
                assert translate(english, "es") != english, f"no Spanish for {english!r}"
            for english in [*words, *(option.label for option in question.options)]:
                assert re.sub(r"\s+", " ", translate(english, "es")) in text
    medicines = visible_text(client.get("/intake/medicines").text)
    assert "Ninguno de estos" in medicines and "None of these" not in medicines


def test_errors_are_in_spanish_in_the_summary_and_beside_each_field(client):
    patient = Patient(spanish(client))
    patient.start()
    response = patient.answer("about_you", {"email": "not-an-email"})
    text = visible_text(response.text)
    assert html_lang(response.text) == "es"
    assert "Hay un problema" in text
    assert "Escriba su nombre" in text
    assert "Escriba un correo electrónico con el formato correcto, como nombre@ejemplo.com" in text
    assert translate("Enter your date of birth", "es") in text
    assert "There is a problem" not in text and "Enter your first name" not in text
    assert response.text.count("Escriba su apellido") == 2  # the summary and the field

    page = client.get("/intake/visit")
    token = csrf_token(page.text)
    sent = {"csrf_token": token, "appointment_date": "2025-01-01", "treatment": TREATMENT}
    response = client.post("/intake/visit", data=sent)
    assert "La fecha de la cita debe ser hoy o una fecha futura" in visible_text(response.text)


def test_a_date_check_from_the_rules_reads_in_spanish(client):
    patient = Patient(spanish(client))
    patient.start()
    response = patient.answer("about_you", {**ABOUT_YOU, "date_of_birth": "2030-01-01"})
    text = visible_text(response.text)
    assert "Fecha de nacimiento debe ser anterior a hoy" in text


def test_check_your_answers_in_spanish_with_spanish_dates(client):
    patient = Patient(spanish(client))
    patient.start()
    patient.answer_all()
    page = client.get("/intake/check")
    text = visible_text(page.text)
    assert html_lang(page.text) == "es"
    assert "Revise sus respuestas" in text
    assert APPOINTMENT in text
    assert "jueves 17 de mayo de 1990" in text  # the date of birth
    assert translate("Pregnancy and breastfeeding", "es") in text
    assert "Cambiar" in text and "Continuar al consentimiento" in text
    assert "Thursday" not in text and "Check your answers" not in text


def test_an_invited_patients_booking_reads_in_spanish(app, client):
    from screening.outreach.invitations import create_invitation

    with app.app_context():
        _, token = create_invitation(
            first_name="Ana",
            last_name="Lopez",
            email="ana@example.com",
            phone="909 555 0100",
            treatment=TREATMENT,
            appointment_date="2026-12-10",
            appointment_time="14:30",
        )
    assert accept_invitation(spanish(client), token).status_code == 303
    text = visible_text(client.get("/intake/visit").text)
    title = translate(dict(rules.treatments())[TREATMENT], "es")
    assert f"Tiene cita para {title} el {APPOINTMENT} a las 14:30" in text


# --- consent and the outcome ------------------------------------------------------------------


def test_consent_in_spanish_stores_the_hash_and_language_of_the_spanish_text(app, client):
    patient = Patient(spanish(client))
    patient.start()
    patient.answer_all()
    page = client.get("/intake/consent")
    document = consent_for(TREATMENT, "es")
    text = visible_text(page.text)
    assert document.title in text and document.declaration in text
    assert "Firmar y enviar mis respuestas" in text
    assert consent_for(TREATMENT).title not in text
    response = patient.sign()
    assert response.status_code == 303
    (screening,) = screenings(app)
    assert screening.consent_text_hash == document.digest()
    assert screening.consent_text_hash != consent_for(TREATMENT).digest()
    assert screening.consent_language == "es"


def test_the_text_signed_is_the_one_shown_even_after_a_switch(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    page = client.get("/intake/consent")  # shown in English
    spanish(client)
    data = {"csrf_token": csrf_token(page.text), "signature": "Ana Lopez", "agree": "y"}
    assert client.post("/intake/consent", data={**data, "language": "en"}).status_code == 303
    (screening,) = screenings(app)
    assert screening.consent_text_hash == consent_for(TREATMENT).digest()
    assert screening.consent_language == "en"


def test_a_clear_outcome_in_spanish(client):
    patient = Patient(spanish(client))
    response = patient.complete()
    page = client.get(response.location)
    text = visible_text(page.text)
    assert html_lang(page.text) == "es"
    assert f"Todo está listo para su cita del {APPOINTMENT}" in text
    expected = rules.evaluate(
        TREATMENT,
        date(2026, 12, 10),
        page_answers(),
        today=date(2026, 12, 1),
        language="es",
    )
    for instruction in expected.instructions:
        assert instruction.text in text
    english = rules.evaluate(TREATMENT, date(2026, 12, 10), page_answers(), today=date(2026, 12, 1))
    for instruction in english.instructions:
        assert instruction.text not in text


def page_answers() -> dict:
    answers = {
        question.id: "no" for question in RULESET.questions if question.kind is rules.Kind.CHOICE
    }
    answers.update(
        date_of_birth="1990-05-17",
        treatment_areas=["smile_lines", "neck"],
        bleeding_risk_substances=[],
    )
    return answers


@pytest.mark.parametrize(
    ("overrides", "rule_id", "heading"),
    [
        ({"feeling": {"feeling_unwell": "yes"}}, "feeling_unwell", "no se puede realizar"),
        (
            {"health": {"neuromuscular_disorder": "yes"}},
            "neuromuscular_disorder",
            "Necesitamos revisar algo antes de su cita",
        ),
    ],
)
def test_the_reasons_on_the_outcome_page_are_in_spanish(app, client, overrides, rule_id, heading):
    response = Patient(spanish(client)).complete(**overrides)
    text = visible_text(client.get(response.location).text)
    assert heading in text
    (screening,) = screenings(app)
    (stored,) = [f for f in screening.findings if f["rule_id"] == rule_id]
    translated = translate(stored["patient_text"], "es")
    assert stored["patient_text"] not in text
    evaluated = rules.evaluate(
        TREATMENT,
        screening.appointment_date,
        screening.answers,
        today=date(2026, 12, 1),
        language="es",
    )
    (finding,) = [f for f in evaluated.findings if f.rule_id == rule_id]
    assert finding.patient_text in text
    assert translated == finding.patient_text or translated == stored["patient_text"]


def test_the_outcome_page_words_stored_findings_without_evaluating_the_answers_again(app, client):
    response = Patient(client).complete(feeling={"feeling_unwell": "yes"})
    (screening,) = screenings(app)
    with app.app_context():
        stored = db.session.get(Screening, screening.id)
        stored.answers = {**stored.answers, "feeling_unwell": "maybe"}  # would no longer evaluate
        db.session.commit()
    text = visible_text(spanish(client).get(response.location).text)
    message = screening.findings[0]["message"]
    assert message == {"id": "rule feeling_unwell patient", "values": {}}
    assert translate(rules.i18n.english(message["id"]), "es") in text


@pytest.mark.parametrize("message", [None, {"id": "rule retired patient", "values": {}}])
def test_a_finding_whose_message_the_rules_lack_keeps_its_stored_english(app, client, message):
    response = Patient(client).complete(feeling={"feeling_unwell": "yes"})
    (screening,) = screenings(app)
    with app.app_context():
        stored = db.session.get(Screening, screening.id)
        findings = [dict(finding, message=message) for finding in stored.findings]
        stored.findings = findings
        db.session.commit()
    text = visible_text(spanish(client).get(response.location).text)
    assert screening.findings[0]["patient_text"] in text
    assert "no se puede realizar" in text  # the page's own words are still Spanish


def test_the_stored_screening_is_the_same_whatever_the_language(make_app):
    stored = []
    for language in ("en", "es"):
        app = make_app()
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        Patient(client).complete(
            visit={**VISIT, "appointment_date": "2026-12-05"},
            medicines=TOOK_IBUPROFEN,
            about_you={"first_name": f"Ana-{language}"},
        )
        stored.append(screenings(app)[-1])
    english, spanish_ = stored
    for field in (
        "answers",
        "findings",
        "instructions",
        "outcome",
        "earliest_date",
        "status",
        "ruleset_id",
        "ruleset_version",
    ):
        assert getattr(english, field) == getattr(spanish_, field), field
    assert english.findings, "the bleeding-risk rule must give a finding"
    evaluated = rules.evaluate(
        TREATMENT, english.appointment_date, english.answers, today=date(2026, 12, 1)
    )
    assert english.findings == stored_findings(evaluated)


# --- the switch keeps the answers -------------------------------------------------------------


def test_the_switch_keeps_the_drafts_answers_both_ways(client):
    patient = Patient(client)
    patient.start()
    patient.answer("about_you", ABOUT_YOU)
    before = client.get("/intake/about_you")
    assert html_lang(before.text) == "en"
    assert 'value="Ana"' in before.text and 'inputmode="numeric" value="1990"' in before.text

    after = switch(client, "es", "/intake/about_you")
    assert html_lang(after.text) == "es"
    assert "Nombre" in visible_text(after.text)
    assert 'value="Ana"' in after.text and 'value="ana@example.com"' in after.text

    patient.answer("visit", VISIT)
    back = switch(client, "en", "/intake/visit")
    assert html_lang(back.text) == "en"
    assert f'value="{TREATMENT}" checked' in back.text
    assert 'value="2026-12-10"' in back.text
    assert 'value="Ana"' in client.get("/intake/about_you").text


def test_the_switch_returns_to_the_same_page_with_its_query(client):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    page = switch(client, "es", "/intake/feeling?change=1")
    assert 'name="return_to" value="check"' in page.text
    assert html_lang(page.text) == "es"


def test_the_choice_beats_the_browsers_language(client):
    spanish(client)
    assert html_lang(client.get("/intake/").text) == "es"
    assert html_lang(switch(client, "en", "/intake/").text) == "en"
    assert html_lang(client.get("/").text) == "en"


def test_the_outcome_pages_switch_comes_back_to_the_outcome(client):
    response = Patient(client).complete()
    page = switch(client, "es", response.location)
    assert "Todo está listo para su cita" in visible_text(page.text)


# --- staff read the answers in their own language ---------------------------------------------


def test_staff_read_the_patients_answers_in_their_language_on_an_english_page(
    app, light_password_hashing
):
    from tests.staff.helpers import signed_in, submit_screening

    visit = {**VISIT, "appointment_date": "2026-12-05"}
    sid, _, _ = submit_screening(app, medicines=TOOK_IBUPROFEN, visit=visit)
    nurse = signed_in(app, "nurse@example.com", "nurse")
    english = nurse.get(f"/staff/screenings/{sid}")
    assert "<h3>Medicines and supplements</h3>" in english.text
    assert "Ibuprofen" in visible_text(english.text)

    page = nurse.get(f"/staff/screenings/{sid}", headers={"Accept-Language": "es"})
    assert html_lang(page.text) == "en"  # the page itself stays English
    text = visible_text(page.text)
    assert "Answers" in text and "Signature" in text
    title = translate("Medicines and supplements", "es")
    assert f'<h3 lang="es">{title}</h3>' in page.text
    question = RULESET.questions_by_id["bleeding_risk_substances"]
    assert translate(question.label, "es") in text
    assert '<span lang="es">Ibuprofeno</span>' in page.text
    assert "martes 1 de diciembre de 2026" in text  # the last dose

    # The same switch, in the staff header: it says what it changes.
    assert "Show patients&#39; answers in </span>English" in page.text
    switched = switch(nurse, "es", f"/staff/screenings/{sid}")
    assert html_lang(switched.text) == "en"
    assert f'<h3 lang="es">{title}</h3>' in switched.text
    back = switch(nurse, "en", f"/staff/screenings/{sid}")
    assert "<h3>Medicines and supplements</h3>" in back.text


def test_the_json_api_stays_in_the_contracts_english(client):
    headers = {"Accept-Language": "es"}
    missing = client.get("/api/v1/no-such-thing", headers=headers)
    assert missing.status_code == 404
    assert missing.json == {"errors": {"request": ["Not Found"]}}
    document = {"treatment": TREATMENT, "appointment_date": "2026-12-10", "answers": {}}
    refused = client.post("/api/v1/evaluate", json=document, headers=headers)
    assert refused.status_code == 422
    assert refused.json["errors"]["date_of_birth"] == ["Enter your date of birth"]
