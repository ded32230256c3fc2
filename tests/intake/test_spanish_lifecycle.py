"""The lifecycle's pages and reminders in Spanish: a cancelled visit, a treatment that is not
suitable, one that cannot be given for now, the re-check after a move (its page, its errors and
what it says once sent), a second questionnaire waiting for a nurse, and the "something is
outstanding" reminder. Each page is compared with its English twin as in
``test_spanish_everywhere``: no English text is left on the Spanish page.

The fixture clock is noon in Los Angeles on Tuesday, December 1, 2026; the questionnaire books
Thursday, December 10, 2026.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from screening.extensions import db
from screening.models import Screening
from screening.outreach import invitations
from tests.intake.patient import ABOUT_YOU, Patient, accept_invitation, csrf_token
from tests.intake.test_spanish import html_lang, spanish
from tests.intake.test_spanish_everywhere import assert_all_spanish, both_languages
from tests.intake.test_walkthrough import visible_text
from tests.mail_sink import send_outbox
from tests.staff.helpers import post_decision, signed_in

pytestmark = pytest.mark.usefixtures("light_password_hashing")

CLINIC = ZoneInfo("America/Los_Angeles")
CLINIC_PHONE = "(909) 218-3993"

# The lifecycle's own phrases, never to be read on a Spanish page.
LIFECYCLE_ENGLISH = [
    "was canceled",
    "This visit",
    "not suitable",
    "For your safety",
    "other treatments",
    "new questionnaire",
    "for now",
    "tell us how you are",
    "Tell us how you are",
    "How are you now",
    "Send my answers",
    "Back to your outcome",
    "What else we need",
    "If you have questions",
    "A nurse will check them",
    "different from the ones",
    "Thank you",
    "Your answers were not saved",
    "There is a problem",
]


def assert_spanish(english: str, spanish_: str, where: str, expected: str, shown: str) -> None:
    """The English page is the one meant (``expected`` on it), and the Spanish one is all
    Spanish, saying ``shown``."""
    assert expected in visible_text(english), f"{where}: not the page meant"
    assert_all_spanish(english, spanish_, where)
    text = visible_text(spanish_)
    left = [phrase for phrase in LIFECYCLE_ENGLISH if phrase in text]
    assert not left, f"{where}: still in English: {left}"
    assert shown in text, f"{where}: {shown!r} not in {text}"


def submit_in_spanish(app, **pages) -> tuple[int, str, Patient]:
    """A patient whose browser prefers Spanish answers and signs (the consent in Spanish);
    returns (screening id, result URL, the patient)."""
    patient = Patient(spanish(app.test_client()))
    response = patient.complete(**pages)
    assert response.status_code == 303, response.status_code
    with app.app_context():
        screening = db.session.scalars(select(Screening).order_by(Screening.id.desc())).first()
        assert screening.consent_language == "es"
        return screening.id, response.location, patient


def status_of(app, screening_id: int) -> str:
    with app.app_context():
        return db.session.get(Screening, screening_id).status


def outcome(app, result_url: str) -> tuple[str, str]:
    """The outcome page from the patient's link, in English then Spanish (fresh browsers)."""
    pages = []
    for language in ("en", "es"):
        page = app.test_client().get(result_url, headers={"Accept-Language": language})
        assert page.status_code == 200, page.status_code
        pages.append(page.text)
    return pages[0], pages[1]


def on(clock, day: date) -> None:
    """Noon at the clinic on ``day``."""
    clock.now = datetime.combine(day, time(12), CLINIC).astimezone(UTC)


# --- the outcome pages ---------------------------------------------------------------------------


def test_a_visit_the_nurse_cancelled_reads_in_spanish(app):
    sid, result_url, _ = submit_in_spanish(app)
    nurse = signed_in(app, "nurse@example.com", "nurse")
    cancelled = post_decision(nurse, sid, "/cancel", {"reason": "Patient phoned to cancel"})
    assert cancelled.status_code == 303, cancelled.text[:2000]
    assert status_of(app, sid) == "cancelled"

    assert_spanish(
        *outcome(app, result_url),
        "cancelled",
        "Your visit on Thursday, December 10, 2026 was canceled",
        "Se canceló su visita del jueves 10 de diciembre de 2026",
    )


def test_a_questionnaire_whose_invited_visit_was_cancelled_reads_in_spanish(app):
    with app.app_context():
        invitation, token = invitations.create_invitation(
            first_name="Ana",
            last_name="Lopez",
            email="ana@example.com",
            phone="909 555 0100",
            treatment="pdo_smooth_threads",
            appointment_date="2026-12-10",
            appointment_time="14:30",
        )
        invitation_id = invitation.id
    patient = Patient(spanish(app.test_client()))
    assert accept_invitation(patient.client, token).status_code == 303
    assert patient.answer("about_you", ABOUT_YOU).status_code == 303
    nurse = signed_in(app, "nurse@example.com", "nurse")
    page = nurse.get("/staff/invitations")
    cancelled = nurse.post(
        "/staff/invitations/cancel",
        data={
            "csrf_token": csrf_token(page.text),
            "invitation": str(invitation_id),
            "reason": "The clinic is closed that day",
        },
    )
    assert cancelled.status_code == 303

    english, spanish_ = both_languages(patient.client, "/intake/visit")
    assert_spanish(
        english,
        spanish_,
        "cancelled invitation",
        "these questions are no longer needed",
        "ya no es necesario responder estas preguntas",
    )
    assert "Se canceló esta visita" in spanish_  # the title and the heading


@pytest.mark.parametrize(
    "pages",
    [
        {"visit": {"treatment": "sculptra"}, "skin": {"keloid_history": "yes"}},
        {
            "visit": {"treatment": "dermal_filler", "treatment_areas": ["cheeks"]},
            "allergies": {"severe_allergies": "yes"},
        },
    ],
    ids=["sculptra-keloids", "filler-anaphylaxis"],
)
def test_a_treatment_that_is_not_suitable_reads_in_spanish(app, pages):
    sid, result_url, _ = submit_in_spanish(app, **pages)
    assert status_of(app, sid) == "reschedule"

    english, spanish_ = outcome(app, result_url)
    assert_spanish(
        english,
        spanish_,
        "not suitable",
        "This treatment is not suitable for you",
        "Este tratamiento no es adecuado para usted",
    )
    text = visible_text(spanish_)
    assert "la clínica no puede darle este tratamiento" in text
    assert "otros tratamientos que podrían ser adecuados para usted" in text
    assert CLINIC_PHONE in text


def test_a_pregnancy_reads_in_spanish_as_not_for_now(app):
    sid, result_url, _ = submit_in_spanish(app, pregnancy={"pregnant": "yes"})
    assert status_of(app, sid) == "reschedule"

    english, spanish_ = outcome(app, result_url)
    assert_spanish(
        english,
        spanish_,
        "not now",
        "this treatment cannot be given to you for now",
        "por ahora no se le puede dar este tratamiento",
    )
    text = visible_text(spanish_)
    assert "Su cita del jueves 10 de diciembre de 2026 no se puede realizar" in text
    assert "tendrá que responder un cuestionario nuevo" in text


def test_the_recheck_after_a_move_reads_in_spanish(app, clock):
    sid, result_url, patient = submit_in_spanish(app, feeling={"cold_sore": "yes"})
    nurse = signed_in(app, "nurse@example.com", "nurse")
    moved = post_decision(
        nurse,
        sid,
        "/move",
        {"new_date": "2026-12-17", "new_time": "", "reason": "Rebooked by phone"},
    )
    assert moved.status_code == 303, moved.text[:2000]
    assert status_of(app, sid) == "awaiting_recheck"

    # Before the re-check opens: when it will.
    english, spanish_ = outcome(app, result_url)
    assert_spanish(
        english,
        spanish_,
        "recheck, not open yet",
        "tell us how you are first",
        "A partir del lunes 14 de diciembre de 2026, puede decirnos aquí cómo se siente.",
    )
    assert "Su cita ahora es el jueves 17 de diciembre de 2026" in visible_text(spanish_)

    # Within three days of the new date: a link to it.
    on(clock, date(2026, 12, 14))
    english, spanish_ = outcome(app, result_url)
    recheck_url = f"{result_url}/recheck"
    assert_spanish(
        english,
        spanish_,
        "recheck, open",
        "Tell us how you are now",
        "Díganos cómo se siente ahora",
    )
    assert f'href="{recheck_url}"' in spanish_

    # The re-check's own page, and its errors when sent empty.
    english, spanish_ = both_languages(patient.client, recheck_url)
    assert_spanish(english, spanish_, "recheck page", "How are you now?", "¿Cómo se siente ahora?")
    assert "díganos cómo se siente hoy" in visible_text(spanish_)
    version = re.search(r'name="row_version"[^>]*value="(\d+)"', spanish_).group(1)
    token = csrf_token(spanish_)
    english, spanish_ = both_languages(
        patient.client,
        recheck_url,
        "post",
        data={"csrf_token": token, "row_version": version},
    )
    assert_spanish(
        english, spanish_, "recheck with errors", "There is a problem", "Hay un problema"
    )
    assert 'class="error-summary"' in spanish_
    asked = re.findall(r'<input[^>]*type="radio"[^>]*name="(\w+)"', spanish_)
    assert asked, "the re-check asks nothing"
    answers = {**dict.fromkeys(asked, "no"), "csrf_token": token}

    # Sent on a page that had changed: not saved, and said so in Spanish.
    stale = patient.client.post(recheck_url, data={**answers, "row_version": "999999"})
    assert stale.status_code == 303
    text = visible_text(patient.client.get(stale.location).text)
    assert "No se guardaron sus respuestas: la página había cambiado." in text
    assert status_of(app, sid) == "awaiting_recheck"

    # Sent: thanked in Spanish, and ready.
    sent = patient.client.post(recheck_url, data={**answers, "row_version": version})
    assert sent.status_code == 303
    page = patient.client.get(sent.location).text
    assert html_lang(page) == "es"
    text = visible_text(page)
    assert "Gracias: recibimos sus respuestas." in text
    assert "Todo está listo para su cita del jueves 17 de diciembre de 2026" in text
    assert "Thank you" not in text
    assert status_of(app, sid) == "cleared"


def test_a_second_questionnaire_waiting_for_a_nurse_reads_in_spanish(app, clock):
    first, _, _ = submit_in_spanish(app, pregnancy={"pregnant": "yes"})
    assert status_of(app, first) == "reschedule"
    clock.advance(hours=3)

    second, result_url, _ = submit_in_spanish(
        app, visit={"appointment_date": "2026-12-20"}, pregnancy={"pregnant": "no"}
    )
    assert status_of(app, second) == "needs_review"

    english, spanish_ = outcome(app, result_url)
    assert_spanish(
        english,
        spanish_,
        "second questionnaire",
        "A nurse will check them with you and confirm",
        "Algunas de sus respuestas son distintas de las que nos dio antes. Una enfermera las "
        "revisará con usted y las confirmará antes de su cita.",
    )


# --- the reminder ------------------------------------------------------------------------------

# Words no Spanish reminder may carry: what the clinic waits for, or the patient's answers.
SPANISH_HEALTH_WORDS = (
    "embaraz",
    "amamant",
    "herpes",
    "neuromuscul",
    "inmun",
    "nota",
    "enfermera",
    "1990",
    "nacimiento",
    "cuello",
    "sonrisa",
    "no sabe",
)
ENGLISH_WORDS = ("appointment", "Hello", "outstanding", "Please", "call us", "Before your")


def test_the_outstanding_reminder_reads_in_spanish(mail_app, mail, clock):
    sid, _, _ = submit_in_spanish(mail_app, health={"neuromuscular_disorder": "yes"})
    assert status_of(mail_app, sid) == "awaiting_note"

    for day in (date(2026, 12, 2), date(2026, 12, 9)):
        on(clock, day)
        result = mail_app.test_cli_runner().invoke(args=["reminders", "send"])
        assert result.exit_code == 0, result.output
        send_outbox(mail_app)  # the reminder was queued: the outbox sender sends it

    assert [e.rcpt_tos for e in mail.envelopes] == [["ana@example.com"]] * 2
    stop, day_before = mail.texts()
    for text in (stop, day_before):
        assert text.startswith(
            "Antes de su cita en Rumi Aesthetics el jueves 10 de diciembre de 2026\n"
        ), text
        assert "Hola, Ana:" in text
        assert (
            "Su cita en Rumi Aesthetics el jueves 10 de diciembre de 2026 solo se podrá realizar "
            "cuando se complete algo que todavía está pendiente."
        ) in text
        assert f"llámenos al {CLINIC_PHONE}" in text
        assert "mañana" not in text
        for word in ENGLISH_WORDS:
            assert word not in text, (word, text)
        for word in SPANISH_HEALTH_WORDS:
            assert word not in text.lower(), (word, text)
    assert (
        "Para que su cita se pueda realizar, a partir del jueves 3 de diciembre de 2026, por "
        "favor no tome aspirina"
    ) in stop
    assert "siga tomándolo" in stop
