"""Issue 14's reproductions, each a named regression test of what must hold now (lifecycle.md).

Everything goes through the real pages: the patient's questionnaire, the nurse's and the
manager's forms (CSRF token and row version included), the patient's own link, the JSON API,
``flask reminders send`` and the outbox sender that sends what it queues (``flask outbox
send``). The fixture clock is noon in Los Angeles on Tuesday, December 1, 2026; the patient pages
book Thursday, December 10, 2026 unless a test says otherwise.
"""

from __future__ import annotations

import csv
import html
import io
import itertools
import re
from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import rules
from rules.dates import format_date
from screening.extensions import db
from screening.models import AuditEvent, Invitation, Screening
from tests.contract import no_answers
from tests.intake.patient import ABOUT_YOU, Patient, accept_invitation, csrf_token
from tests.mail_sink import send_outbox
from tests.staff.helpers import post_decision, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")

CLINIC = ZoneInfo("America/Los_Angeles")
TODAY = date(2026, 12, 1)
BOOKED = date(2026, 12, 10)
READY = {"en": "You're ready", "es": "Todo está listo para su cita"}
CLINIC_PHONE = "(909) 218-3993"
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Size 3 /Root 1 0 R >>\n%%EOF\n"
)
UNCHANGED_CHECK_IN = {
    "feeling_unwell": "no",
    "cold_sore": "no",
    "blemish_or_rash": "no",
    "bleeding_risk_substances": ["none"],
    "bleeding_risk_last_dose": "",
    "pregnant": "no",
    "breastfeeding": "no",
}
# Words no reminder may carry: answers, findings, what the clinic waits for.
HEALTH_WORDS = (
    "pregnan",
    "breastfeed",
    "cold sore",
    "rash",
    "unwell",
    "neuromuscular",
    "immun",
    "anticoagul",
    "1990",
    "date of birth",
    "neck",
    "smile",
    "note",
    "clearance",
    "not sure",
    "unsure",
)
MONTHS = {
    "en": [date(2026, month, 1).strftime("%B") for month in range(1, 13)],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}
DATE_IN_WORDS = {
    "en": re.compile(
        r"\b(?P<month>" + "|".join(MONTHS["en"]) + r") (?P<day>\d{1,2}), (?P<year>\d{4})"
    ),
    "es": re.compile(
        r"\b(?P<day>\d{1,2}) de (?P<month>" + "|".join(MONTHS["es"]) + r") de (?P<year>\d{4})"
    ),
}

# The appointment named as on its old date (10 December), in a page or a reminder.
OLD_APPOINTMENT = re.compile(
    r"appointment (?:at [^.,]* )?on Thursday, December 10|tomorrow, Thursday, December 10"
)

_accounts = itertools.count(1)


# --- helpers ------------------------------------------------------------------------------------


def staff(app, role: str = "nurse"):
    """A new client signed in as a new account with ``role`` (a new one after the clock moved,
    since a session does not outlive days)."""
    return signed_in(app, f"{role}{next(_accounts)}@example.com", role)


def visible(page) -> str:
    """What a reader sees of a page: its title and main content, without markup."""
    text = page if isinstance(page, str) else page.text
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    main = re.search(r"<main\b[^>]*>(.*)</main>", text, re.S)
    shown = f"{title.group(1) if title else ''} {main.group(1) if main else text}"
    shown = re.sub(r"<script\b.*?</script>", " ", shown, flags=re.S)
    shown = re.sub(r"<[^>]+>", " ", shown)
    return " ".join(html.unescape(shown).split())


def error_summary_links(page) -> list[tuple[str, str]]:
    """(target id, message) of each link of the page's error summary."""
    summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', page.text, re.S)
    assert summary, "the page has no error summary"
    return [
        (target, visible(message))
        for target, message in re.findall(r'<a href="#([^"]+)">(.*?)</a>', summary.group(1), re.S)
    ]


def stored(app, screening_id: int) -> SimpleNamespace:
    """What the database holds for the screening, its decisions and notes."""
    with app.app_context():
        s = db.session.get(Screening, screening_id)
        return SimpleNamespace(
            status=s.status,
            outcome=s.outcome,
            appointment_date=s.appointment_date,
            appointment_time=s.appointment_time,
            findings={f["rule_id"]: f for f in s.findings},
            states={k: v["state"] for k, v in s.finding_states.items()},
            answers=dict(s.answers),
            checked_in_at=s.checked_in_at,
            cancelled_at=s.cancelled_at,
            decisions=[
                SimpleNamespace(kind=d.kind, rule_id=d.rule_id, reason=d.reason, details=d.details)
                for d in s.decisions
            ],
            answer_changes=[(c.question_id, c.old_value, c.new_value) for c in s.answer_changes],
        )


def audit_rows(app, action: str) -> list[SimpleNamespace]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [
            SimpleNamespace(
                result=r.result, object_type=r.object_type, object_id=r.object_id, detail=r.detail
            )
            for r in rows
        ]


def resolve(client, screening_id: int, rule_id: str, reason: str):
    return post_decision(client, screening_id, f"/findings/{rule_id}/resolve", {"reason": reason})


def acknowledge(client, screening_id: int, new_date: str = "", reason: str = "Patient told"):
    return post_decision(
        client, screening_id, "/acknowledge", {"new_date": new_date, "reason": reason}
    )


def move(client, screening_id: int, new_date: str, reason: str, new_time: str = ""):
    return post_decision(
        client,
        screening_id,
        "/move",
        {"new_date": new_date, "new_time": new_time, "reason": reason},
    )


def check_in(client, screening_id: int, reason: str = "", **changes):
    return post_decision(
        client, screening_id, "/check-in", {**UNCHANGED_CHECK_IN, **changes, "reason": reason}
    )


def staff_uploads_pdf(client, screening_id: int, kind: str = "provider_note") -> None:
    data = {"kind": kind, "file": (io.BytesIO(PDF), "note.pdf")}
    response = post_decision(client, screening_id, "/notes", data)
    assert response.status_code == 303, response.text[:1000]


def patient_uploads_pdf(patient_client, result_url: str) -> None:
    page = patient_client.get(result_url)
    response = patient_client.post(
        f"{result_url}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(PDF), "note.pdf")},
    )
    assert response.status_code == 303, response.text[:1000]


def last_note_id(app, screening_id: int) -> int:
    with app.app_context():
        return db.session.get(Screening, screening_id).notes[-1].id


def patient_page(app, result_url: str, language: str = "en"):
    """The patient's outcome page, from their link, in ``language`` (a fresh browser)."""
    page = app.test_client().get(result_url, headers={"Accept-Language": language})
    assert page.status_code == 200, page.status_code
    return page


def on(clock, day: date, hour: int = 12) -> None:
    """``hour`` o'clock at the clinic on ``day``."""
    clock.now = datetime.combine(day, time(hour), CLINIC).astimezone(UTC)


def reminders_on(app, clock, mail, *days: date) -> list[str]:
    """Run ``flask reminders send`` at noon on each day, then the outbox sender; the messages
    sent, in order."""
    before = len(mail.envelopes)
    for day in days:
        on(clock, day)
        result = app.test_cli_runner().invoke(args=["reminders", "send"])
        assert result.exit_code == 0, result.output
        send_outbox(app)
    return mail.texts()[before:]


def move_notice(app, mail) -> str:
    """Run the outbox sender: the one message it sends must be the patient's notice of a move."""
    before = len(mail.envelopes)
    send_outbox(app)
    sent = mail.texts()[before:]
    assert len(sent) == 1, sent
    assert "has moved" in sent[0], sent[0]
    return sent[0]


def recheck_from_the_link(patient_client, result_url: str, **answers):
    """The patient answers the re-check from their link ("no" to each unless given)."""
    page = patient_client.get(f"{result_url}/recheck")
    assert page.status_code == 200, page.status_code
    version = re.search(r'name="row_version"[^>]*value="(\d+)"', page.text).group(1)
    asked = dict.fromkeys(re.findall(r'<input[^>]*type="radio"[^>]*name="(\w+)"', page.text), "no")
    data = {**asked, **answers, "csrf_token": csrf_token(page.text), "row_version": version}
    return patient_client.post(f"{result_url}/recheck", data=data)


def assert_reminders_reveal_nothing(texts: list[str]) -> None:
    for text in texts:
        lowered = text.lower()
        for word in HEALTH_WORDS:
            assert word not in lowered, (word, text)


# Copied from tests/rules/test_no_text_stops_a_prescribed_medicine.py (plain patterns).
STOPPING = {
    "en": re.compile(r"\b(?:stop\w*|discontinu\w*|quit\w*|cease\w*|halt\w*)"),
    "es": re.compile(
        r"\b(?:suspend\w*|interrump\w*|dej\w* de (?:tomar|usar)\w*|(?:lo|la|los|las) deje\b"
        r"|dejarl\w*|pare de|parar de)"
    ),
}
NEGATION = {"en": re.compile(r"(?:\bnot|\bnever|n't)\s+$"), "es": re.compile(r"\bno\s+$")}
MUST_BE_STOPPED = {
    "en": re.compile(r"(?:must|should|need to|have to) be stopped"),
    "es": re.compile(r"debe(?:n)? (?:dejar de tomar|suspender)|deben suspenderse"),
}
KEEP_TAKING = {
    "en": re.compile(r"keep taking", re.IGNORECASE),
    "es": re.compile(r"siga tomand|siga tománd", re.IGNORECASE),
}


def stopping_said(text: str, language: str) -> list[str]:
    """Every place ``text`` tells its reader to stop something (not negated)."""
    lowered = text.lower()
    found = []
    for match in STOPPING[language].finditer(lowered):
        if NEGATION[language].search(lowered[: match.start()]):
            continue
        found.append(lowered[max(0, match.start() - 40) : match.end() + 40])
    return found


# 1. A re-check finding and the dates that cannot end it --------------------------------------

RECHECK_FINDINGS = {
    "cold_sore": {"feeling": {"cold_sore": "yes"}},
    "feeling_unwell": {"feeling": {"feeling_unwell": "yes"}},
    "blemish_or_rash": {"feeling": {"blemish_or_rash": "yes"}},
}


@pytest.mark.parametrize(
    ("new_date", "reason", "field", "words"),
    [
        ("2026-12-10", "", "new_date", "appointment date"),
        ("2026-12-10", "Patient says it is better", "new_date", "appointment date"),
        ("2026-12-01", "", "reason", "reason"),
        ("2026-11-30", "", "new_date", "appointment date"),
        ("2026-11-30", "Patient says it is better", "new_date", "appointment date"),
    ],
    ids=[
        "same-date-no-reason",
        "same-date-with-reason",
        "today-no-reason",
        "past-no-reason",
        "past-with-reason",
    ],
)
@pytest.mark.parametrize("rule_id", RECHECK_FINDINGS)
def test_acknowledging_a_recheck_finding_with_a_date_that_is_not_later_is_refused(
    mail_app, mail, clock, rule_id, new_date, reason, field, words
):
    sid, result_url, _ = submit_screening(mail_app, **RECHECK_FINDINGS[rule_id])
    assert stored(mail_app, sid).status == "reschedule"
    nurse = staff(mail_app)

    response = acknowledge(nurse, sid, new_date, reason)

    assert response.status_code == 400, response.status_code
    links = error_summary_links(response)
    assert any(target == field and words in message.lower() for target, message in links), links
    after = stored(mail_app, sid)
    assert after.status == "reschedule"
    assert after.appointment_date == BOOKED
    assert after.states == {}
    assert after.decisions == []
    assert audit_rows(mail_app, "decision") == []
    assert READY["en"] not in visible(patient_page(mail_app, result_url))
    assert reminders_on(mail_app, clock, mail, date(2026, 12, 2), date(2026, 12, 9)) == []


@pytest.mark.parametrize("new_date", ["2026-12-10", "2026-11-30"], ids=["same-date", "past"])
@pytest.mark.parametrize("rule_id", RECHECK_FINDINGS)
def test_moving_a_recheck_finding_to_a_date_that_is_not_later_is_refused(app, rule_id, new_date):
    sid, result_url, _ = submit_screening(app, **RECHECK_FINDINGS[rule_id])
    nurse = staff(app)

    response = move(nurse, sid, new_date, "Patient says it is better")

    assert response.status_code == 400, response.status_code
    links = error_summary_links(response)
    assert any(
        target == "move-date" and "appointment date" in message.lower() for target, message in links
    ), links
    after = stored(app, sid)
    assert (after.status, after.appointment_date, after.states) == ("reschedule", BOOKED, {})
    assert after.decisions == []
    assert READY["en"] not in visible(patient_page(app, result_url))


@pytest.mark.parametrize("rule_id", RECHECK_FINDINGS)
def test_acknowledging_a_recheck_finding_with_todays_date_and_a_reason_does_not_clear_it(
    app, rule_id
):
    sid, result_url, _ = submit_screening(app, **RECHECK_FINDINGS[rule_id])
    nurse = staff(app)

    acknowledge(nurse, sid, "2026-12-01", "Patient wants to come in today")

    after = stored(app, sid)
    assert after.status != "cleared"
    assert rule_id in after.findings
    assert after.states.get(rule_id) != "resolved"
    assert READY["en"] not in visible(patient_page(app, result_url))


@pytest.mark.parametrize("route", ["acknowledge", "move"])
@pytest.mark.parametrize("rule_id", RECHECK_FINDINGS)
def test_a_later_date_for_a_recheck_finding_waits_for_the_patients_fresh_answer(
    mail_app, mail, clock, rule_id, route
):
    sid, result_url, patient = submit_screening(mail_app, **RECHECK_FINDINGS[rule_id])
    nurse = staff(mail_app)

    if route == "acknowledge":
        response = acknowledge(nurse, sid, "2026-12-17", "Rebooked by phone")
    else:
        response = move(nurse, sid, "2026-12-17", "Rebooked by phone")

    assert response.status_code == 303, response.text[:2000]
    after = stored(mail_app, sid)
    assert after.status == "awaiting_recheck"
    assert after.states == {rule_id: "awaiting_recheck"}
    assert after.appointment_date == date(2026, 12, 17)
    text = visible(patient_page(mail_app, result_url))
    assert READY["en"] not in text
    assert "Thursday, December 17, 2026" in text
    # The patient is told the new date by email, and nothing else.
    notice = move_notice(mail_app, mail)
    assert "is now on Thursday, December 17, 2026" in notice
    assert not OLD_APPOINTMENT.search(notice), notice
    assert_reminders_reveal_nothing([notice])

    # No "your appointment is tomorrow": the visit is still waiting for the patient.
    sent = reminders_on(
        mail_app, clock, mail, date(2026, 12, 2), date(2026, 12, 9), date(2026, 12, 16)
    )
    assert len(sent) == 2, sent  # the stop reminder and the day before, both for 17 December
    for text in sent:
        assert "tomorrow" not in text.lower(), text
        assert "outstanding" in text, text
        assert "December 17, 2026" in text, text
        assert not OLD_APPOINTMENT.search(text), text
    assert_reminders_reveal_nothing(sent)

    # The patient's fresh "no" from the link ends it.
    on(clock, date(2026, 12, 14))
    assert recheck_from_the_link(patient, result_url).status_code == 303
    assert stored(mail_app, sid).status == "cleared"
    assert READY["en"] in visible(patient_page(mail_app, result_url))


# 2. A check-in never turns a pregnancy or breastfeeding "yes" into "no" ---------------------


def on_the_day(clock, day: int = 10) -> None:
    """10:00 at the clinic on the appointment day (18:00 UTC)."""
    clock.now = datetime(2026, 12, day, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "reason", ["", "She says her test was negative"], ids=["no-reason", "reason"]
)
@pytest.mark.parametrize("acknowledged", [True, False], ids=["acknowledged", "not-acknowledged"])
@pytest.mark.parametrize(
    ("question", "new_answer"),
    [("pregnant", "no"), ("pregnant", "unsure"), ("breastfeeding", "no")],
)
def test_a_check_in_that_changes_a_pregnancy_or_breastfeeding_yes_is_refused_and_audited(
    app, clock, question, new_answer, acknowledged, reason
):
    sid, result_url, _ = submit_screening(app, pregnancy={question: "yes"})
    if acknowledged:
        assert acknowledge(staff(app), sid).status_code == 303
    before = stored(app, sid)
    status = "not_eligible" if acknowledged else "reschedule"
    assert before.status == status
    on_the_day(clock)
    nurse = staff(app)

    response = check_in(nurse, sid, reason=reason, **{question: new_answer})

    assert response.status_code in (400, 403), response.status_code
    assert "new questionnaire" in visible(response).lower()
    refused = audit_rows(app, "refused_action")
    assert [(r.result, r.object_type, r.object_id) for r in refused] == [
        ("refused", "screening", str(sid))
    ]
    after = stored(app, sid)
    assert after.answers[question] == "yes"
    assert after.findings == before.findings
    assert after.states == before.states
    assert after.status == status
    assert after.checked_in_at is None
    assert after.answer_changes == []
    assert [d.kind for d in after.decisions] == [d.kind for d in before.decisions]
    assert READY["en"] not in visible(patient_page(app, result_url))


# 3. A second questionnaire does not wash out the first ---------------------------------------

SAME_PERSON = {
    "identical": {},
    "accented-last-name": {"last_name": "López"},
    "lower-case-last-name-and-space": {"last_name": "lopez "},
    "email-in-capitals": {"email": "ANA@Example.COM", "phone": "310 555 0199"},
    "phone-with-country-code": {"phone": "+1 (909) 555-0100", "email": "ana.l@example.org"},
}


def assert_compared_side_by_side(page, earlier_id: int) -> None:
    assert f'href="/staff/screenings/{earlier_id}"' in page.text
    text = visible(page)
    assert "Answers changed since the screening of Tuesday, December 1, 2026" in text
    assert "Are you pregnant, or could you be? Yes No Changed" in text


@pytest.mark.parametrize("told", [False, True], ids=["not-acknowledged", "acknowledged"])
@pytest.mark.parametrize("variant", SAME_PERSON)
def test_a_second_questionnaire_that_drops_a_pregnancy_waits_for_a_nurse(app, clock, variant, told):
    first, _, _ = submit_screening(app, pregnancy={"pregnant": "yes"})
    assert stored(app, first).status == "reschedule"
    if told:
        assert acknowledge(staff(app), first).status_code == 303
    clock.advance(hours=3)

    second, result_url, _ = submit_screening(
        app,
        about_you=SAME_PERSON[variant],
        visit={"appointment_date": "2026-12-20"},
        pregnancy={"pregnant": "no"},
    )

    assert stored(app, second).status == "needs_review"
    text = visible(patient_page(app, result_url))
    assert READY["en"] not in text
    assert "A nurse will check them with you and confirm" in text
    nurse = staff(app)
    assert_compared_side_by_side(nurse.get(f"/staff/screenings/{second}"), first)
    # The first stays as it was.
    assert stored(app, first).status == ("not_eligible" if told else "reschedule")

    confirmed = post_decision(
        nurse, second, "/compare", {"reason": "Called her: a negative test, not pregnant"}
    )
    assert confirmed.status_code == 303, confirmed.text[:2000]
    assert stored(app, second).status == "cleared"
    assert READY["en"] in visible(patient_page(app, result_url))


CHANGED_ANSWERS = {
    "breastfeeding": (
        {"pregnancy": {"breastfeeding": "yes"}},
        {"pregnancy": {"breastfeeding": "no"}},
    ),
    "cold-sore": ({"feeling": {"cold_sore": "yes"}}, {"feeling": {"cold_sore": "no"}}),
    "feeling-unwell": (
        {"feeling": {"feeling_unwell": "yes"}},
        {"feeling": {"feeling_unwell": "no"}},
    ),
    "keloids-before-sculptra": (
        {"visit": {"treatment": "sculptra"}, "skin": {"keloid_history": "yes"}},
        {"visit": {"treatment": "sculptra"}, "skin": {"keloid_history": "no"}},
    ),
    "anaphylaxis-before-filler": (
        {"visit": {"treatment": "dermal_filler"}, "allergies": {"severe_allergies": "yes"}},
        {"visit": {"treatment": "dermal_filler"}, "allergies": {"severe_allergies": "no"}},
    ),
    "less-strict-note": (
        {"health": {"neuromuscular_disorder": "yes"}},
        {"health": {"neuromuscular_disorder": "no"}},
    ),
}


@pytest.mark.parametrize("case", CHANGED_ANSWERS)
def test_a_second_questionnaire_that_drops_what_held_the_first_back_waits_for_a_nurse(
    app, clock, case
):
    earlier, later = CHANGED_ANSWERS[case]
    first, _, _ = submit_screening(app, **earlier)
    assert stored(app, first).status != "cleared"
    clock.advance(days=2)

    second, result_url, _ = submit_screening(
        app,
        about_you={"last_name": "LÓPEZ"},
        **{**later, "visit": {**later.get("visit", {}), "appointment_date": "2026-12-20"}},
    )

    assert stored(app, second).status == "needs_review"
    text = visible(patient_page(app, result_url))
    assert READY["en"] not in text
    assert "confirm" in text
    page = staff(app).get(f"/staff/screenings/{second}")
    assert f'href="/staff/screenings/{first}"' in page.text
    assert "Answers changed since the screening of Tuesday, December 1, 2026" in visible(page)


@pytest.mark.parametrize(
    "other",
    [
        {"date_of_birth": "1991-05-17"},
        {"last_name": "Lopes"},
        {"email": "bea@example.com", "phone": "310 555 0199"},
    ],
    ids=["another-date-of-birth", "another-last-name", "no-shared-contact"],
)
def test_a_second_questionnaire_of_another_person_is_unaffected(app, clock, other):
    first, _, _ = submit_screening(app, pregnancy={"pregnant": "yes"})
    clock.advance(hours=3)

    second, result_url, _ = submit_screening(app, about_you=other)

    assert stored(app, second).status == "cleared"
    assert READY["en"] in visible(patient_page(app, result_url))
    page = staff(app).get(f"/staff/screenings/{second}")
    assert "Answers changed since" not in page.text
    assert stored(app, first).status == "reschedule"


# 4. No text tells a patient to stop a prescribed medicine -------------------------------------

ASPIRIN_3_DAYS_AGO_AND_PRESCRIBED = {
    "medicines": {
        "bleeding_risk_substances": ["aspirin"],
        "bleeding_risk_last_dose": "2026-11-28",
        "prescribed_blood_thinner": "yes",
    },
}
OLD_WORDING = (
    "These raise the risk of bruising and bleeding, so they must be stopped for 7 full days "
    "before treatment."
)


def assert_keeps_prescribed_medicine(page, language: str) -> None:
    text = visible(page)
    assert not MUST_BE_STOPPED[language].search(text), text
    assert stopping_said(text, language) == [], text
    assert KEEP_TAKING[language].search(text), text


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("appointment", ["2026-12-03", "2026-12-04", "2026-12-10"])
def test_aspirin_with_a_prescribed_blood_thinner_is_never_told_to_stop(app, appointment, language):
    sid, result_url, _ = submit_screening(
        app, visit={"appointment_date": appointment}, **ASPIRIN_3_DAYS_AGO_AND_PRESCRIBED
    )
    findings = stored(app, sid).findings
    assert "prescribed_blood_thinner" in findings
    if appointment != "2026-12-10":
        assert "bleeding_risk_7_days" in findings

    assert_keeps_prescribed_medicine(patient_page(app, result_url, language), language)


@pytest.mark.parametrize("language", ["en", "es"])
def test_an_old_screening_with_the_old_stop_wording_is_shown_with_the_mended_one(app, language):
    sid, result_url, _ = submit_screening(
        app, visit={"appointment_date": "2026-12-04"}, **ASPIRIN_3_DAYS_AGO_AND_PRESCRIBED
    )
    with app.app_context():
        screening = db.session.get(Screening, sid)
        old = []
        for finding in screening.findings:
            if finding["rule_id"] == "bleeding_risk_7_days":
                before = finding["patient_text"].split("These raise")[0]
                finding = {**finding, "patient_text": f"{before}{OLD_WORDING}"}
            old.append(finding)
        screening.findings = old
        db.session.commit()
    assert OLD_WORDING in stored(app, sid).findings["bleeding_risk_7_days"]["patient_text"]

    page = patient_page(app, result_url, language)

    assert "must be stopped" not in page.text
    assert_keeps_prescribed_medicine(page, language)


# 5. A cold sore now, before lip filler, needs the antiviral note -----------------------------

LIP_FILLER_WITH_A_COLD_SORE_NOW = {
    "visit": {"treatment": "dermal_filler", "treatment_areas": ["lips"]},
    "skin": {"cold_sore_history": "no"},
    "feeling": {"cold_sore": "yes"},
}


@pytest.mark.parametrize(
    ("treatment", "area"),
    [
        ("dermal_filler", "lips"),
        ("dermal_filler", "marionette_lines"),
        ("pdo_barbed_threads", "smile_lines"),
        ("microneedling", "lip_lines"),
    ],
)
def test_a_cold_sore_now_around_the_mouth_raises_the_antiviral_note_finding(app, treatment, area):
    sid, _, _ = submit_screening(
        app,
        visit={"treatment": treatment, "treatment_areas": [area]},
        skin={"cold_sore_history": "no"},
        feeling={"cold_sore": "yes"},
    )

    findings = stored(app, sid).findings
    assert "cold_sore_history_perioral" in findings, sorted(findings)
    assert findings["cold_sore_history_perioral"]["clearance"] == "prescriber_note"


@pytest.mark.parametrize("fresh_answer", ["check-in", "recheck-from-the-link"])
def test_a_cold_sore_now_before_lip_filler_keeps_its_prescriber_note_finding(
    app, clock, fresh_answer
):
    sid, result_url, patient = submit_screening(app, **LIP_FILLER_WITH_A_COLD_SORE_NOW)
    before = stored(app, sid)
    perioral = before.findings.get("cold_sore_history_perioral")
    assert perioral is not None, sorted(before.findings)
    assert (perioral["outcome"], perioral["clearance"]) == ("needs_clearance", "prescriber_note")
    assert "cold_sore" in before.findings
    nurse = staff(app)

    moved = move(nurse, sid, "2026-12-17", "Rebooked until the cold sore heals", "10:00")

    assert moved.status_code == 303, moved.text[:2000]
    after = stored(app, sid)
    assert "cold_sore_history_perioral" in after.findings
    assert after.states.get("cold_sore_history_perioral") != "resolved"
    assert after.states.get("cold_sore") == "awaiting_recheck"
    assert after.status != "cleared"
    assert resolve(nurse, sid, "cold_sore_history_perioral", "Patient says fine").status_code == 403

    if fresh_answer == "check-in":
        on_the_day(clock, day=17)
        done = check_in(staff(app), sid, reason="The cold sore has healed: seen at the desk")
    else:
        on(clock, date(2026, 12, 15))
        done = recheck_from_the_link(patient, result_url)
    assert done.status_code == 303, done.text[:2000]

    after = stored(app, sid)
    assert after.answers["cold_sore"] == "no"
    assert "cold_sore" not in after.findings
    assert "cold_sore_history_perioral" in after.findings
    assert after.states.get("cold_sore_history_perioral") != "resolved"
    assert after.status == "awaiting_note"
    assert READY["en"] not in visible(patient_page(app, result_url))


# 6. A note ends only what it was verified for ------------------------------------------------

TWO_PROVIDER_NOTES = {
    "health": {"neuromuscular_disorder": "yes", "immunosuppressive_disorder": "yes"},
}


@pytest.mark.parametrize("how", ["uploaded", "on-paper"])
def test_a_note_verified_for_one_provider_note_finding_does_not_unlock_the_other(app, how):
    sid, _, _ = submit_screening(app, **TWO_PROVIDER_NOTES)
    assert stored(app, sid).status == "awaiting_note"
    nurse = staff(app)
    if how == "uploaded":
        staff_uploads_pdf(nurse, sid)
        verified = post_decision(
            nurse,
            sid,
            f"/notes/{last_note_id(app, sid)}/verify",
            {"covers": "neuromuscular_disorder"},
        )
    else:
        verified = post_decision(
            nurse,
            sid,
            "/notes/paper",
            {"kind": "provider_note", "covers": "neuromuscular_disorder"},
        )
    assert verified.status_code == 303, verified.text[:2000]

    assert resolve(nurse, sid, "neuromuscular_disorder", "Note from Dr Reyes").status_code == 303
    refused = resolve(nurse, sid, "immunosuppressive_disorder", "The note covers it")

    assert refused.status_code == 403
    rows = audit_rows(app, "refused_action")
    assert [(r.result, r.object_type, r.object_id) for r in rows] == [
        ("refused", "screening", str(sid))
    ]
    after = stored(app, sid)
    assert after.states == {"neuromuscular_disorder": "resolved"}
    assert after.status == "awaiting_note"
    assert [d.kind for d in after.decisions][-1] == "resolve"
    assert [d.rule_id for d in after.decisions if d.kind == "resolve"] == ["neuromuscular_disorder"]


def test_a_note_verified_for_the_second_finding_then_lets_it_be_resolved(app):
    sid, _, _ = submit_screening(app, **TWO_PROVIDER_NOTES)
    nurse = staff(app)
    staff_uploads_pdf(nurse, sid)
    note = last_note_id(app, sid)
    post_decision(nurse, sid, f"/notes/{note}/verify", {"covers": "neuromuscular_disorder"})
    assert resolve(nurse, sid, "immunosuppressive_disorder", "Same note").status_code == 403

    again = post_decision(
        nurse, sid, f"/notes/{note}/verify", {"covers": "immunosuppressive_disorder"}
    )

    assert again.status_code == 303, again.text[:2000]
    assert resolve(nurse, sid, "immunosuppressive_disorder", "Same note, read").status_code == 303
    assert resolve(nurse, sid, "neuromuscular_disorder", "Same note, read").status_code == 303
    assert stored(app, sid).status == "cleared"


# 7. The JSON API's today is the clinic's today -----------------------------------------------

API = "/api/v1/evaluate"


def api_document(appointment: str, today: str, **answers) -> dict:
    document = {
        "treatment": "pdo_smooth_threads",
        "appointment_date": appointment,
        "answers": {**no_answers(), **answers},
    }
    if today == "null":
        document["today"] = None
    return document


@pytest.mark.parametrize("today", ["null", "left-out"])
def test_the_api_with_no_today_uses_the_clinics_date_not_the_servers(client, clock, today):
    # 07:30 UTC on 2 December is 23:30 on 1 December in Los Angeles.
    clock.now = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    response = client.post(API, json=api_document("2026-12-01", today))
    assert response.status_code == 200, response.get_json()
    expected = rules.evaluate(
        treatment="pdo_smooth_threads",
        appointment_date=date(2026, 12, 1),
        answers=no_answers(),
        today=date(2026, 12, 1),
    ).to_dict()
    assert response.get_json() == expected
    # A last dose on 2 December is tomorrow at the clinic.
    tomorrow = client.post(
        API,
        json=api_document(
            "2026-12-10",
            today,
            bleeding_risk_substances=["fish_oil"],
            bleeding_risk_last_dose="2026-12-02",
        ),
    )
    assert tomorrow.status_code == 422
    assert "bleeding_risk_last_dose" in tomorrow.get_json()["errors"]

    # 08:30 UTC on 2 December is 00:30 on 2 December in Los Angeles: 1 December has passed.
    clock.now = datetime(2026, 12, 2, 8, 30, tzinfo=UTC)
    passed = client.post(API, json=api_document("2026-12-01", today))
    assert passed.status_code == 422
    assert "appointment_date" in passed.get_json()["errors"]
    assert client.post(API, json=api_document("2026-12-02", today)).status_code == 200


# 8. Cancelling a visit, and moving a cleared one ---------------------------------------------


def exported_statuses(manager) -> dict[int, str]:
    response = manager.get("/staff/records/exports.csv")
    assert response.status_code == 200
    text = response.data.decode("utf-8").lstrip("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    return {int(row[0]): dict(zip(header, row, strict=True))["status"] for row in rows}


@pytest.mark.parametrize(
    ("pages", "status"),
    [({}, "cleared"), ({"health": {"neuromuscular_disorder": "yes"}}, "awaiting_note")],
    ids=["cleared", "awaiting-note"],
)
@pytest.mark.parametrize("role", ["nurse", "manager"])
def test_a_cancelled_visit_is_over_and_undoing_it_restores_it(
    mail_app, mail, clock, role, pages, status
):
    sid, result_url, _ = submit_screening(mail_app, **pages)
    assert stored(mail_app, sid).status == status
    cancelling = staff(mail_app, role)

    no_reason = post_decision(cancelling, sid, "/cancel", {"reason": "  "})
    assert no_reason.status_code == 400
    assert stored(mail_app, sid).status == status

    cancelled = post_decision(cancelling, sid, "/cancel", {"reason": "Patient phoned to cancel"})

    assert cancelled.status_code == 303, cancelled.text[:2000]
    after = stored(mail_app, sid)
    assert after.status == "cancelled"
    assert after.cancelled_at is not None
    text = visible(patient_page(mail_app, result_url))
    assert "was canceled" in text
    assert READY["en"] not in text
    assert exported_statuses(staff(mail_app, "manager")) == {sid: "cancelled"}
    decisions = audit_rows(mail_app, "decision")
    assert [(r.object_id, r.detail.split(" #")[0]) for r in decisions] == [(str(sid), "cancel")]
    assert reminders_on(mail_app, clock, mail, date(2026, 12, 2), date(2026, 12, 9)) == []

    on(clock, date(2026, 12, 9), hour=8)
    undone = post_decision(
        staff(mail_app, role), sid, "/undo-cancel", {"reason": "Patient rebooked the same day"}
    )

    assert undone.status_code == 303, undone.text[:2000]
    assert stored(mail_app, sid).status == status
    text = visible(patient_page(mail_app, result_url))
    assert "was canceled" not in text
    assert (READY["en"] in text) is (status == "cleared")
    decisions = audit_rows(mail_app, "decision")
    assert [(r.object_id, r.detail.split(" #")[0]) for r in decisions] == [
        (str(sid), "cancel"),
        (str(sid), "undo_cancel"),
    ]
    # The visit is on again: its day-before reminder goes out, as its status says.
    sent = reminders_on(mail_app, clock, mail, date(2026, 12, 9))
    assert len(sent) == 1
    assert ("tomorrow" in sent[0]) is (status == "cleared")


def test_a_cancelled_visit_takes_no_other_decision(app):
    sid, _, _ = submit_screening(app, feeling={"cold_sore": "yes"})
    nurse = staff(app)
    assert post_decision(nurse, sid, "/cancel", {"reason": "Patient cancelled"}).status_code == 303

    assert move(nurse, sid, "2026-12-17", "Rebooked").status_code == 403
    assert acknowledge(nurse, sid, "2026-12-17", "Rebooked").status_code == 403
    again = post_decision(nurse, sid, "/cancel", {"reason": "Twice"})
    assert again.status_code == 403

    after = stored(app, sid)
    assert (after.status, after.appointment_date) == ("cancelled", BOOKED)
    assert [d.kind for d in after.decisions] == ["cancel"]


@pytest.mark.parametrize("started", [False, True], ids=["unopened", "started"])
def test_an_invited_visit_cancelled_before_the_questionnaire_refuses_its_link(app, started):
    nurse = staff(app)
    page = nurse.get("/staff/invitations")
    created = nurse.post(
        "/staff/invitations",
        data={
            "csrf_token": csrf_token(page.text),
            "first_name": "Maya",
            "last_name": "Okafor",
            "email": "maya@example.com",
            "phone": "909 555 0199",
            "treatment": "pdo_smooth_threads",
            "appointment_date": "2026-12-10",
            "appointment_time": "14:30",
        },
    )
    assert created.status_code == 200
    token = re.search(r"/intake/invite/([A-Za-z0-9_-]+)", created.text).group(1)
    with app.app_context():
        invitation_id = db.session.scalars(select(Invitation.id)).one()
    patient = Patient(app.test_client())
    if started:
        assert accept_invitation(patient.client, token).status_code == 303
        saved = patient.answer("about_you", {**ABOUT_YOU, "first_name": "Maya"})
        assert saved.status_code == 303

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
    with app.app_context():
        assert db.session.get(Invitation, invitation_id).cancelled_at is not None
    link = app.test_client().get(f"/intake/invite/{token}")
    assert link.status_code == 404
    assert 'action="/intake/invite/' not in link.text
    if started:
        # The questionnaire begun from it can no longer be answered or sent.
        for path in ("/intake/visit", "/intake/check", "/intake/consent"):
            refused = patient.client.get(path)
            assert refused.status_code == 410, (path, refused.status_code)
            assert "This visit was canceled" in visible(refused)
    with app.app_context():
        assert db.session.scalars(select(Screening.id)).all() == []


@pytest.mark.parametrize(
    "moved_on", [date(2026, 12, 1), date(2026, 12, 3)], ids=["before", "after-the-first-reminder"]
)
def test_a_cleared_appointment_can_be_moved_and_reminders_follow_the_new_date(
    mail_app, mail, clock, moved_on
):
    sid, result_url, _ = submit_screening(mail_app)
    assert stored(mail_app, sid).status == "cleared"
    early = reminders_on(mail_app, clock, mail, date(2026, 12, 2)) if moved_on > TODAY else []
    assert len(early) == (1 if moved_on > TODAY else 0)
    on(clock, moved_on)

    moved = move(staff(mail_app), sid, "2026-12-17", "Patient asked for a later day", "15:30")

    assert moved.status_code == 303, moved.text[:2000]
    after = stored(mail_app, sid)
    assert after.status == "cleared"
    assert (after.appointment_date, after.appointment_time) == (date(2026, 12, 17), time(15, 30))
    text = visible(patient_page(mail_app, result_url))
    assert "You're ready for your appointment on Thursday, December 17, 2026" in text
    assert not OLD_APPOINTMENT.search(text), text
    notice = move_notice(mail_app, mail)
    assert "is now on Thursday, December 17, 2026 at 15:30" in notice
    assert_reminders_reveal_nothing([notice])

    sent = reminders_on(mail_app, clock, mail, date(2026, 12, 9))
    assert len(sent) == 1, sent  # the stop reminder for the new date; none for the old one
    assert "Thursday, December 17, 2026 at 15:30" in sent[0]
    assert "tomorrow" not in sent[0]
    sent = reminders_on(mail_app, clock, mail, date(2026, 12, 16))
    assert len(sent) == 1, sent
    assert "tomorrow, Thursday, December 17, 2026 at 15:30" in sent[0]


def test_moving_a_cleared_appointment_checks_the_date_findings_again(app):
    sid, _, _ = submit_screening(
        app,
        medicines={
            "bleeding_risk_substances": ["ibuprofen"],
            "bleeding_risk_last_dose": "2026-12-01",
        },
    )
    assert stored(app, sid).status == "cleared"
    nurse = staff(app)

    too_soon = move(nurse, sid, "2026-12-05", "Patient asked for an earlier day")

    assert too_soon.status_code == 400
    assert "2026-12-08" in too_soon.text
    assert stored(app, sid).appointment_date == BOOKED
    assert move(nurse, sid, "2026-12-08", "Patient asked for an earlier day").status_code == 303
    after = stored(app, sid)
    assert (after.appointment_date, after.status) == (date(2026, 12, 8), "cleared")


# 9. A visit still waiting gets "something is outstanding", never "see you tomorrow" ---------

OUTSTANDING = {
    "awaiting_note": ({"health": {"neuromuscular_disorder": "yes"}}, False),
    "awaiting_prescriber_note": ({"medicines": {"prescribed_blood_thinner": "yes"}}, False),
    "note_to_verify": ({"health": {"neuromuscular_disorder": "yes"}}, True),
    "needs_review": ({"pregnancy": {"pregnant": "unsure"}}, False),
}


@pytest.mark.parametrize("case", OUTSTANDING)
def test_a_visit_still_waiting_gets_an_outstanding_reminder_not_see_you_tomorrow(
    mail_app, mail, clock, case
):
    pages, uploads = OUTSTANDING[case]
    sid, result_url, patient = submit_screening(mail_app, **pages)
    if uploads:
        patient_uploads_pdf(patient, result_url)
    status = stored(mail_app, sid).status
    assert status == {"awaiting_prescriber_note": "awaiting_note"}.get(case, case)

    sent = reminders_on(mail_app, clock, mail, date(2026, 12, 2), date(2026, 12, 9))

    assert len(sent) == 2, sent
    day_before = sent[1]
    assert "tomorrow" not in day_before.lower()
    assert "outstanding" in day_before
    assert CLINIC_PHONE in day_before
    assert "call us" in day_before.lower()
    assert_reminders_reveal_nothing(sent)
    with mail_app.app_context():
        screening = db.session.get(Screening, sid)
        findings = list(screening.findings)
    for text in sent:
        for finding in findings:
            assert finding["rule_id"] not in text
            assert finding["patient_text"][:30] not in text
            assert finding["staff_text"][:30] not in text


# 10. Not suitable for this treatment reads as such --------------------------------------------

NOT_SUITABLE = {
    "sculptra-keloids": {
        "visit": {"treatment": "sculptra"},
        "skin": {"keloid_history": "yes"},
    },
    "filler-anaphylaxis": {
        "visit": {"treatment": "dermal_filler", "treatment_areas": ["cheeks"]},
        "allergies": {"severe_allergies": "yes"},
    },
    "filler-anaphylaxis-and-cold-sore": {
        "visit": {"treatment": "dermal_filler", "treatment_areas": ["cheeks"]},
        "allergies": {"severe_allergies": "yes"},
        "feeling": {"cold_sore": "yes"},
    },
    "filler-anaphylaxis-and-vaccine": {
        "visit": {"treatment": "dermal_filler", "treatment_areas": ["cheeks"]},
        "allergies": {"severe_allergies": "yes"},
        "past_treatments": {"vaccine_last_date": "2026-11-28"},
    },
    "sculptra-keloids-and-blood-thinner": {
        "visit": {"treatment": "sculptra"},
        "skin": {"keloid_history": "yes"},
        "medicines": {"prescribed_blood_thinner": "yes"},
    },
}
GOING_AHEAD = re.compile(
    r"\bcan (?:still )?go ahead|will go ahead|does not change your appointment|you're ready",
    re.IGNORECASE,
)
NOT_GOING_AHEAD = re.compile(r"can't go ahead|cannot go ahead|can not go ahead", re.IGNORECASE)


def assert_not_suitable(page) -> None:
    text = visible(page)
    assert "This treatment is not suitable for you" in text, text
    assert "move your appointment" not in text.lower(), text
    assert "needs to move" not in text.lower(), text
    assert not (GOING_AHEAD.search(text) and NOT_GOING_AHEAD.search(text)), text
    assert not GOING_AHEAD.search(text), text


@pytest.mark.parametrize("case", NOT_SUITABLE)
def test_a_treatment_that_is_not_suitable_reads_as_not_suitable_whatever_staff_do(app, case):
    sid, result_url, _ = submit_screening(app, **NOT_SUITABLE[case])
    assert stored(app, sid).status == "reschedule"
    assert_not_suitable(patient_page(app, result_url))
    nurse = staff(app)

    assert acknowledge(nurse, sid).status_code == 303

    assert stored(app, sid).status == "not_eligible"
    assert_not_suitable(patient_page(app, result_url))
    assert move(nurse, sid, "2026-12-17", "Patient asked to rebook").status_code in (303, 400, 403)
    assert stored(app, sid).status == "not_eligible"
    assert_not_suitable(patient_page(app, result_url))


# 11. Instructions are never dated in the past -------------------------------------------------

FROM_NOW = {"en": "from now until your appointment", "es": "desde ahora hasta su cita"}


def dates_in(text: str, language: str) -> list[date]:
    return [
        date(int(found["year"]), MONTHS[language].index(found["month"]) + 1, int(found["day"]))
        for found in DATE_IN_WORDS[language].finditer(text)
    ]


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("appointment", ["2026-12-02", "2026-12-04", "2026-12-07"])
def test_instructions_screened_less_than_a_week_ahead_name_no_past_date(app, appointment, language):
    _, result_url, _ = submit_screening(app, visit={"appointment_date": appointment})

    text = visible(patient_page(app, result_url, language))

    assert READY[language] in text
    assert FROM_NOW[language] in text
    shown = dates_in(text, language)
    assert date.fromisoformat(appointment) in shown
    assert [d for d in shown if d < TODAY] == []


DATED = {
    "en": "from {from_date} until your appointment",
    "es": "desde el {from_date} hasta su cita",
}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(
    ("appointment", "from_date"),
    [("2026-12-09", date(2026, 12, 2)), ("2026-12-10", date(2026, 12, 3))],
)
def test_instructions_screened_eight_days_ahead_or_more_keep_their_dates(
    app, appointment, from_date, language
):
    _, result_url, _ = submit_screening(app, visit={"appointment_date": appointment})

    text = visible(patient_page(app, result_url, language))

    assert DATED[language].format(from_date=format_date(from_date, language)) in text
    assert FROM_NOW[language] not in text
    assert [d for d in dates_in(text, language) if d < TODAY] == []


@pytest.mark.parametrize("language", ["en", "es"])
def test_instructions_read_later_are_not_dated_before_the_day_they_are_read(app, clock, language):
    _, result_url, _ = submit_screening(app)  # 10 December: the dated wording, from 3 December
    on(clock, date(2026, 12, 6))

    text = visible(patient_page(app, result_url, language))

    assert FROM_NOW[language] in text
    assert [d for d in dates_in(text, language) if d < date(2026, 12, 6)] == []


# 12. A check-in with missing answers keeps what was ticked -----------------------------------


@pytest.mark.parametrize(
    "missing",
    [
        ("cold_sore",),
        ("feeling_unwell", "cold_sore"),
        ("pregnant", "breastfeeding", "blemish_or_rash"),
    ],
    ids=["one", "two", "three"],
)
def test_a_check_in_with_missing_answers_links_each_one_and_keeps_what_was_ticked(
    app, clock, missing
):
    sid, _, _ = submit_screening(app)
    on_the_day(clock)
    nurse = staff(app)
    answers = {k: v for k, v in UNCHANGED_CHECK_IN.items() if k not in missing}

    response = post_decision(nurse, sid, "/check-in", {**answers, "reason": "Asked at the desk"})

    assert response.status_code == 400
    summary = re.search(r'<div class="error-summary"[^>]*>', response.text)
    assert summary and "autofocus" in summary.group(0), response.text[:3000]
    links = error_summary_links(response)
    assert sorted(target for target, _ in links) == sorted(missing)
    for target in missing:
        assert f'id="{target}"' in response.text
    for name, value in answers.items():
        if name == "bleeding_risk_last_dose":
            continue
        ticked = value[0] if isinstance(value, list) else value
        radio = re.search(rf'<input[^>]*name="{name}"[^>]*value="{ticked}"[^>]*>', response.text)
        assert radio and " checked" in radio.group(0), (name, radio and radio.group(0))
    for name in missing:
        for radio in re.findall(rf'<input[^>]*name="{name}"[^>]*>', response.text):
            assert " checked" not in radio, radio
    assert "Asked at the desk" in response.text
    after = stored(app, sid)
    assert after.checked_in_at is None
    assert after.decisions == []
