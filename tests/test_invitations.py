"""Invitations: staff, command line and API create them; the one-time link opens a locked visit."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
import secrets
import threading
import time as timer
import urllib.error
import urllib.request
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from werkzeug.serving import make_server

import rules
from screening.extensions import db
from screening.models import ApiToken, AuditEvent, Draft, Invitation, OutboxMessage, Screening
from screening.outreach import invitations
from tests.intake.patient import (
    ABOUT_YOU,
    PAGES,
    Patient,
    accept_invitation,
    csrf_token,
    date_parts,
)
from tests.mail_sink import MailSink, free_port, send_outbox
from tests.staff.helpers import signed_in

pytestmark = pytest.mark.usefixtures("light_password_hashing")

INVITE = {
    "first_name": "Maya",
    "last_name": "Okafor",
    "email": "maya@example.com",
    "phone": "909 555 0199",
    "treatment": "pdo_smooth_threads",
    "appointment_date": "2026-12-10",
    "appointment_time": "14:30",
}
# What the invited patient types on "About you": the prefilled identity and a date of birth.
INVITED_ABOUT_YOU = {
    **{name: INVITE[name] for name in ("first_name", "last_name", "email", "phone")},
    "date_of_birth": "1990-05-17",
}
LINK = re.compile(r'href="(https?://[^"]+/intake/invite/([A-Za-z0-9_-]+))"')
LINK_IN_TEXT = re.compile(r"https?://\S+/intake/invite/([A-Za-z0-9_-]+)")
ERROR_SUMMARY = re.compile(r'<ul class="error-summary__list">(.*?)</ul>', re.S)
LISTED = re.compile(
    r"<tr>\s*<td>[^<]*</td>\s*<td>([^<,]*),[^<]*</td>\s*<td>[^<]*</td>\s*<td>([^<]*)</td>\s*</tr>"
)
HEALTH_WORDS = ("pregnan", "breastfeed", "cold sore", "blood thinner", "rash", "unwell")


# --- helpers -------------------------------------------------------------------------------


def nurse(app):
    return signed_in(app, "nurse@clinic.example", "nurse")


def post_invitation(client, **changes):
    """Open the invitations page and send its form with the page's CSRF token."""
    page = client.get("/staff/invitations")
    assert page.status_code == 200
    return client.post(
        "/staff/invitations", data={"csrf_token": csrf_token(page.text), **INVITE, **changes}
    )


def make_invitation(app, **changes) -> tuple[int, str]:
    """An invitation made through the service; returns its id and token."""
    with app.app_context():
        invitation, token = invitations.create_invitation(**{**INVITE, **changes})
        return invitation.id, token


def invite_path(token: str) -> str:
    return f"/intake/invite/{token}"


def everything_stored(app) -> str:
    """Every row of every table, as text."""
    with app.app_context():
        return repr(
            [db.session.execute(table.select()).all() for table in db.metadata.sorted_tables]
        )


def listed_states(html: str) -> dict[str, str]:
    """Last name -> state, from the invitations page's table."""
    return {last.strip(): state.strip() for last, state in LISTED.findall(html)}


def invitation_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Invitation))


def body_of(message) -> str:
    return message.get_content()


def outbox_rows(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def not_sent_yet(html: str) -> str:
    """The invitation list's "Invitation emails not sent yet" section ("" when it has none)."""
    found = re.search(r"<h2>Invitation emails not sent yet</h2>\s*<ul>(.*?)</ul>", html, re.S)
    return re.sub(r"\s+", " ", found.group(1)) if found else ""


# --- staff create invitations --------------------------------------------------------------


def test_staff_create_an_invitation_whose_link_carries_a_hashed_128_bit_token(app):
    staff = nurse(app)
    response = post_invitation(staff)
    assert response.status_code == 200
    assert "Invitation for Maya Okafor created" in response.text
    url, token = LINK.search(response.text).groups()
    assert urlsplit(url).path == invite_path(token)
    assert len(token) >= 22
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16

    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert (invitation.first_name, invitation.last_name) == ("Maya", "Okafor")
        assert invitation.email == "maya@example.com"
        assert invitation.treatment == "pdo_smooth_threads"
        assert invitation.appointment_date == date(2026, 12, 10)
        assert invitation.appointment_time == time(14, 30)
        assert invitation.created_via == "staff"
        assert invitation.created_by_id is not None
    assert token not in everything_stored(app)

    # Listed as created; the link was shown once only.
    again = staff.get("/staff/invitations")
    assert listed_states(again.text) == {"Okafor": "Created"}
    assert token not in again.text
    assert "/intake/invite/" not in again.text


def test_two_invitations_get_different_tokens(app):
    staff = nurse(app)
    first = LINK.search(post_invitation(staff).text).group(2)
    second = LINK.search(post_invitation(staff, first_name="Ben").text).group(2)
    assert first != second


INVALID = {
    "missing names": ({"first_name": "", "last_name": "   "}, {"first_name", "last_name"}),
    "neither email nor phone": ({"email": "", "phone": ""}, {"email"}),
    "bad email": ({"email": "maya-at-example"}, {"email"}),
    "bad phone": ({"phone": "call me"}, {"phone"}),
    "past date": ({"appointment_date": "2026-11-30"}, {"appointment_date"}),
    "not a date": ({"appointment_date": "2026-02-30"}, {"appointment_date"}),
    "more than a year ahead": ({"appointment_date": "2028-01-10"}, {"appointment_date"}),
    "bad time": ({"appointment_time": "25:99"}, {"appointment_time"}),
    "missing time": ({"appointment_time": ""}, {"appointment_time"}),
    "unknown treatment": ({"treatment": "botox"}, {"treatment"}),
    "10,000-char names": (
        {"first_name": "M" * 10_000, "last_name": "O" * 10_000},
        {"first_name", "last_name"},
    ),
    "NUL bytes": (
        {"first_name": "Ma\x00ya", "last_name": "Oka\x00for", "email": "maya\x00@example.com"},
        {"first_name", "last_name", "email"},
    ),
}


@pytest.mark.parametrize("changes, fields", INVALID.values(), ids=INVALID.keys())
def test_invalid_invitations_name_the_fields(app, changes, fields):
    response = post_invitation(nurse(app), **changes)
    assert response.status_code == 400
    summary = ERROR_SUMMARY.search(response.text)
    assert summary, "no error summary"
    assert set(re.findall(r'href="#([a-z_]+)"', summary.group(1))) == fields
    for field in fields:
        assert f'id="{field}-error"' in response.text
    assert "/intake/invite/" not in response.text
    assert invitation_count(app) == 0


def test_invitation_expires_at_the_appointment_or_after_its_lifetime(app):
    # Noon in Los Angeles on 1 December 2026 is 20:00 UTC; December is UTC-8.
    near_id, _ = make_invitation(app, appointment_date="2026-12-02", appointment_time="09:00")
    far_id, _ = make_invitation(app, appointment_date="2027-03-01", appointment_time="10:00")
    with app.app_context():
        assert app.config["INVITATION_LIFETIME_DAYS"] == 14
        near = db.session.get(Invitation, near_id)
        far = db.session.get(Invitation, far_id)
        assert near.expires_at == datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
        assert far.expires_at == datetime(2026, 12, 15, 20, 0, tzinfo=UTC)


def test_lifetime_comes_from_the_setting(make_app):
    app = make_app(INVITATION_LIFETIME_DAYS=3)
    invitation_id, _ = make_invitation(app, appointment_date="2027-03-01")
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation.expires_at == datetime(2026, 12, 4, 20, 0, tzinfo=UTC)


# --- opening the link ----------------------------------------------------------------------


def test_opening_swaps_the_token_for_a_session_with_identity_prefilled(app):
    _, token = make_invitation(app)
    client = app.test_client()
    response = accept_invitation(client, token)
    assert response.status_code == 303
    assert urlsplit(response.location).path == "/intake/about_you"
    assert token not in response.location

    page = client.get(response.location)
    assert page.status_code == 200
    assert 'name="first_name" type="text" value="Maya"' in page.text
    assert 'name="last_name" type="text" value="Okafor"' in page.text
    assert 'value="maya@example.com"' in page.text
    assert 'value="909 555 0199"' in page.text
    assert token not in page.text

    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.opened_at is not None
        assert invitation.draft is not None
        assert invitation.draft.data["treatment"] == "pdo_smooth_threads"
        assert invitation.draft.data["appointment_date"] == "2026-12-10"


def test_opening_the_link_claims_nothing_until_the_patient_selects_start(app):
    _, token = make_invitation(app)
    # A mail scanner or link preview opens the link first, perhaps more than once.
    for scanner in (app.test_client(), app.test_client()):
        page = scanner.get(invite_path(token))
        assert page.status_code == 200
        # The patient's first name and visit greet them (issue 18); nothing more of theirs.
        assert "Hello Maya." in page.text and "Okafor" not in page.text
        assert "maya" not in page.text.lower().replace("hello maya.", "")
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert (invitation.opened_at, invitation.draft) == (None, None)
        assert invitations.state_of(invitation) == invitations.CREATED

    # The patient's own visit: the start page, whose Start posts back to the link.
    patient = app.test_client()
    page = patient.get(invite_path(token))
    assert re.search(rf'<form method="post" action="{re.escape(invite_path(token))}"', page.text)
    # The language switch posts to the link itself: the token is in no other address.
    assert f'action="{invite_path(token)}" class="inline-form language-switch"' in page.text
    assert page.text.count(token) == page.text.count(f'action="{invite_path(token)}"') == 2
    # Without the page's CSRF token, Start is refused and claims nothing.
    assert patient.post(invite_path(token)).status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Invitation)).opened_at is None
    started = patient.post(invite_path(token), data={"csrf_token": csrf_token(page.text)})
    assert (started.status_code, started.location) == (303, "/intake/about_you")

    # Once claimed, opening asks for the date of birth (issue 18); Start gets the refusal.
    reopening = app.test_client().get(invite_path(token))
    assert reopening.status_code == 200 and "enter your date of birth" in reopening.text
    late = app.test_client()
    page = late.get("/intake/")
    again = late.post(invite_path(token), data={"csrf_token": csrf_token(page.text)})
    assert again.status_code == 404
    assert "<h1>This link can't be used</h1>" in again.text


def test_start_sent_after_the_page_timed_out_shows_the_start_page_again(app):
    _, token = make_invitation(app)
    patient = app.test_client()
    patient.get(invite_path(token))
    timed_out = patient.post(invite_path(token), data={"csrf_token": "expired"})
    assert timed_out.status_code == 400
    assert "This page timed out before it was sent. Select the button again." in timed_out.text
    assert re.search(
        rf'<form method="post" action="{re.escape(invite_path(token))}"', timed_out.text
    )
    assert timed_out.text.count(token) == timed_out.text.count(f'action="{invite_path(token)}"')
    started = patient.post(invite_path(token), data={"csrf_token": csrf_token(timed_out.text)})
    assert (started.status_code, started.location) == (303, "/intake/about_you")
    # Once the link is used, a timed-out Start gets the refusal like anything else.
    late = app.test_client()
    assert late.post(invite_path(token), data={"csrf_token": "expired"}).status_code == 404


def test_an_invitations_start_page_reads_in_the_browsers_language(app):
    _, token = make_invitation(app)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9"
    page = client.get(invite_path(token))
    assert '<html lang="es">' in page.text
    assert "Toma unos 5 minutos." in page.text


def test_the_start_page_greets_the_patient_names_the_visit_and_switches_language(app):
    """Regression (issue 18): the start page of an invitation neither greeted the patient nor
    named the appointment, and had no language switch."""
    _, token = make_invitation(app)
    client = app.test_client()
    page = client.get(invite_path(token))
    greeting = re.search(r'<p class="greeting">(.*?)</p>', page.text).group(1)
    assert greeting == (
        "Hello Maya. Your appointment is booked: "
        "<strong>PDO smooth threads on Thursday, December 10, 2026 at 14:30</strong>."
    )

    switched = client.post(
        invite_path(token), data={"csrf_token": csrf_token(page.text), "language": "es"}
    )

    assert (switched.status_code, switched.location) == (303, invite_path(token))
    spanish = client.get(invite_path(token))
    assert '<html lang="es">' in spanish.text
    assert "Hola, Maya. Su cita está reservada:" in spanish.text
    assert "jueves 10 de diciembre de 2026" in spanish.text
    with app.app_context():  # switching claims nothing; Start still does
        assert db.session.scalar(select(Invitation)).opened_at is None
    started = client.post(invite_path(token), data={"csrf_token": csrf_token(spanish.text)})
    assert (started.status_code, started.location) == (303, "/intake/about_you")


def test_the_visit_is_locked_and_a_forged_visit_is_ignored(app, clock):
    _, token = make_invitation(app)
    patient = Patient(app.test_client())
    opened = accept_invitation(patient.client, token)
    assert opened.status_code == 303
    responses = [opened]
    responses.append(patient.answer("about_you", INVITED_ABOUT_YOU))

    visit = patient.client.get("/intake/visit")
    assert visit.status_code == 200
    assert "You are booked for" in visit.text
    assert "PDO smooth threads on Thursday, December 10, 2026 at 14:30" in visit.text
    assert 'name="treatment"' not in visit.text
    assert 'name="appointment_date"' not in visit.text
    assert 'name="treatment_areas"' in visit.text

    forged = {
        "treatment": "other_treatment",
        "appointment_date": "2026-12-20",
        "appointment_time": "09:00",
        "treatment_areas": ["neck"],
    }
    responses.append(patient.answer("visit", forged))
    assert responses[-1].status_code == 303
    for step in ("pregnancy", "health", "medicines", "skin", "feeling"):
        responses.append(patient.answer(step, PAGES[step]))
        assert responses[-1].status_code == 303, step

    check = patient.client.get("/intake/check")
    assert check.status_code == 200
    assert "Thursday, December 10, 2026" in check.text
    assert 'change=1#treatment"' not in check.text
    assert 'change=1#appointment_date"' not in check.text
    assert 'change=1#treatment_areas"' in check.text  # the rest of the page can still change
    assert check.text.count("Set by the clinic") == 2
    responses.append(check)

    signed = patient.sign("Maya Okafor")
    assert signed.status_code == 303
    responses.append(signed)
    responses.append(patient.client.get(signed.location))
    for page in ("about_you", "visit", "feeling"):
        responses.append(patient.client.get(f"/intake/{page}"))

    with app.app_context():
        screening = db.session.scalar(select(Screening))
        assert screening.treatment == "pdo_smooth_threads"
        assert screening.appointment_date == date(2026, 12, 10)
        assert screening.appointment_time == time(14, 30)
        assert (screening.first_name, screening.last_name) == ("Maya", "Okafor")

    # The token is in no later URL nor page.
    for response in responses[1:]:
        assert token not in (response.location or "")
        assert token not in response.get_data(as_text=True)


def test_an_invitation_for_another_treatment_asks_that_treatments_questions(app):
    _, token = make_invitation(app, treatment="sculptra")
    patient = Patient(app.test_client())
    assert accept_invitation(patient.client, token).location == "/intake/about_you"
    first = patient.client.get("/intake/about_you")
    assert "Question page 1 of 8" in first.text  # sculptra's eight question pages

    visit = patient.client.get("/intake/visit")
    assert "Sculptra on Thursday, December 10, 2026 at 14:30" in visit.text
    assert 'name="treatment"' not in visit.text
    assert patient.client.get("/intake/past_treatments").location == "/intake/feeling"
    allergies = patient.client.get("/intake/allergies")
    assert 'name="filler_allergy"' in allergies.text
    assert 'name="toxin_allergy"' not in allergies.text

    patient.answer_all(about_you=INVITED_ABOUT_YOU, skin={"keloid_history": "no"})
    assert "Consent for Sculptra" in patient.client.get("/intake/consent").text
    assert patient.sign("Maya Okafor").status_code == 303

    with app.app_context():
        screening = db.session.scalar(select(Screening))
        assert (screening.treatment, screening.ruleset_id) == ("sculptra", "sculptra")
        asked = set(rules.get_ruleset("sculptra").questions_by_id) - {"bleeding_risk_last_dose"}
        assert set(screening.answers) == asked  # no last dose: no substance taken
        assert screening.outcome == "clear"


def test_an_invitation_for_sculptra_tells_a_patient_with_keloids_at_once(app):
    _, token = make_invitation(app, treatment="sculptra")
    patient = Patient(app.test_client())
    accept_invitation(patient.client, token)
    told = patient.answer_all(about_you=INVITED_ABOUT_YOU, skin={"keloid_history": "yes"})
    assert told.location.startswith("/intake/cannot-go-ahead")
    page = patient.client.get("/intake/cannot-go-ahead").text
    # An invited visit's treatment and date are the clinic's: not offered to change here.
    assert "Choose another treatment" not in page
    assert patient.send_settled().status_code == 303

    with app.app_context():
        screening = db.session.scalar(select(Screening))
        assert screening.treatment == "sculptra"
        assert screening.outcome == "reschedule"  # keloids rule Sculptra out
        assert screening.findings[0]["rule_id"] == "keloid_history"
        assert screening.findings[0]["overridable"] is False
        assert not screening.consented
        assert "feeling_unwell" in screening.questions_not_asked


def complete_invited(app, token: str) -> Patient:
    """Open the invitation and answer every page, then sign."""
    patient = Patient(app.test_client())
    assert accept_invitation(patient.client, token).status_code == 303
    patient.answer_all(about_you=INVITED_ABOUT_YOU)
    assert patient.sign("Maya Okafor").status_code == 303
    return patient


def test_the_invitations_page_shows_each_state(app, clock):
    ids = {}
    for last_name, day in (
        ("Adams", "2026-12-10"),
        ("Brown", "2026-12-11"),
        ("Chen", "2026-12-12"),
        ("Diaz", "2026-12-13"),
        ("Evans", "2027-01-20"),
    ):
        ids[last_name] = make_invitation(app, last_name=last_name, appointment_date=day)[1]

    assert accept_invitation(app.test_client(), ids["Brown"]).status_code == 303

    started = Patient(app.test_client())
    assert accept_invitation(started.client, ids["Chen"]).status_code == 303
    clock.advance(minutes=2)
    saved = started.answer("about_you", {**INVITED_ABOUT_YOU, "last_name": "Chen"})
    assert saved.status_code == 303

    clock.advance(minutes=2)
    complete_invited(app, ids["Diaz"])

    page = nurse(app).get("/staff/invitations")
    assert listed_states(page.text) == {
        "Adams": "Created",
        "Brown": "Opened",
        "Chen": "Started",
        "Diaz": "Submitted",
        "Evans": "Created",
    }

    clock.advance(days=15)  # past the 14-day lifetime of Evans's link; the others' days passed
    page = signed_in(app, "manager@clinic.example", "manager").get("/staff/invitations")
    assert listed_states(page.text) == {"Evans": "Expired"}


def test_only_nurses_and_managers_see_the_invitations_page(app):
    admin = signed_in(app, "admin@clinic.example", "admin")
    assert admin.get("/staff/invitations").status_code == 403
    anonymous = app.test_client().get("/staff/invitations")
    assert anonymous.status_code in (302, 303)
    assert "/staff/login" in anonymous.location


# --- token attacks -------------------------------------------------------------------------


def test_refused_tokens_all_get_the_same_page_revealing_nothing(app, clock):
    _, reused = make_invitation(app, last_name="Reused")
    _, taken = make_invitation(app, last_name="Taken")
    _, target = make_invitation(app, last_name="Target")
    # Appointment in an hour: the link dies with it.
    _, soon = make_invitation(
        app, last_name="Soon", appointment_date="2026-12-01", appointment_time="13:00"
    )
    # Appointment far away: the link dies after 14 days.
    _, later = make_invitation(app, last_name="Later", appointment_date="2027-02-01")
    refusals = {}

    browser = app.test_client()
    assert accept_invitation(browser, reused).status_code == 303
    refusals["reused"] = browser.get(invite_path(reused))

    assert accept_invitation(app.test_client(), taken).status_code == 303
    refusals["opened by someone else"] = app.test_client().get(invite_path(taken))

    last = "A" if target[-1] != "A" else "B"
    first = "A" if target[0] != "A" else "B"
    stranger = app.test_client()
    refusals["altered last"] = stranger.get(invite_path(target[:-1] + last))
    # A refused link starts no questionnaire.
    assert urlsplit(stranger.get("/intake/about_you").location).path == "/intake/"
    refusals["altered first"] = app.test_client().get(invite_path(first + target[1:]))
    refusals["truncated"] = app.test_client().get(invite_path(target[:-1]))
    refusals["extended"] = app.test_client().get(invite_path(target + "A"))

    for n in range(1, 6):
        refusals[f"guess {n}"] = app.test_client().get(invite_path(f"{n:043d}"))
    refusals["guess random"] = app.test_client().get(invite_path(secrets.token_urlsafe(32)))
    refusals["guess long"] = app.test_client().get(invite_path("A" * 500))

    clock.advance(hours=1)  # 13:00 in Los Angeles: the appointment has started
    refusals["expired at the appointment"] = app.test_client().get(invite_path(soon))
    clock.advance(days=14)
    refusals["expired after its lifetime"] = app.test_client().get(invite_path(later))

    bodies = {name: r.get_data(as_text=True) for name, r in refusals.items()}
    # A used link asks for the date of birth (issue 18), and shows nothing of the patient's.
    used = {name: refusals.pop(name) for name in ("reused", "opened by someone else")}
    for name, response in used.items():
        assert response.status_code == 200, name
        assert "enter your date of birth" in bodies[name], name
        for secret in ("Maya", "Okafor", "Reused", "Taken", "maya@", "smooth threads"):
            assert secret not in bodies[name], name
    reference = bodies["altered last"]
    for name, response in refusals.items():
        assert response.status_code == 404, name
        assert bodies[name] == reference, name
        assert response.location is None, name
    for secret in ("Maya", "Okafor", "Reused", "Taken", "Target", "Soon", "Later", "maya@"):
        assert secret not in reference
    for token in (reused, taken, target, soon, later):
        assert token not in reference


def test_an_altered_token_does_not_use_up_the_real_one(app):
    _, token = make_invitation(app)
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert app.test_client().get(invite_path(altered)).status_code == 404
    assert accept_invitation(app.test_client(), token).status_code == 303


def test_the_link_still_works_until_its_appointment(app, clock):
    _, token = make_invitation(app, appointment_date="2026-12-01", appointment_time="13:00")
    clock.advance(minutes=59)
    assert accept_invitation(app.test_client(), token).status_code == 303


# --- the token stays out of the logs -------------------------------------------------------


def test_the_access_log_filter_redacts_invitation_tokens(app, caplog):
    _, token = make_invitation(app)
    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").info(
        '%s - - [%s] "%s" %s -',
        "127.0.0.1",
        "01/Dec/2026 12:00:00",
        f"GET /intake/invite/{token} HTTP/1.1",
        "303",
    )
    assert "/intake/invite/[token]" in caplog.text
    assert token not in caplog.text
    assert all(token not in record.getMessage() for record in caplog.records)


def test_a_real_server_logs_no_token(app, caplog):
    _, token = make_invitation(app)
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        request = urllib.request.Request(
            f"http://127.0.0.1:{server.server_port}{invite_path(token)}",
            headers={"Host": "clinic.test"},
        )
        with urllib.request.urlopen(request, timeout=10) as opened:
            assert opened.status == 200  # the start page, whose Start claims the link
        deadline = timer.monotonic() + 5
        while "[token]" not in caplog.text and timer.monotonic() < deadline:
            timer.sleep(0.02)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert "/intake/invite/[token]" in caplog.text
    assert token not in caplog.text
    assert all(token not in record.getMessage() for record in caplog.records)
    with app.app_context():  # opened, not claimed: that takes Start
        assert db.session.scalar(select(Invitation)).opened_at is None


# --- command line --------------------------------------------------------------------------


def test_the_command_line_prints_a_working_link(app, runner):
    result = runner.invoke(
        args=[
            "invite",
            "create",
            "--first-name",
            "Maya",
            "--last-name",
            "Okafor",
            "--email",
            "maya@example.com",
            "--treatment",
            "pdo_smooth_threads",
            "--date",
            "2026-12-10",
            "--time",
            "14:30",
        ]
    )
    assert result.exit_code == 0, result.output
    link = LINK_IN_TEXT.search(result.output)
    assert link, result.output
    token = link.group(1)
    assert len(token) >= 22
    assert token not in everything_stored(app)
    opened = accept_invitation(app.test_client(), urlsplit(link.group(0)).path)
    assert opened.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Invitation)).created_via == "cli"


def test_the_command_line_refuses_bad_input(app, runner):
    result = runner.invoke(
        args=[
            "invite",
            "create",
            "--first-name",
            "Maya",
            "--last-name",
            "Okafor",
            "--treatment",
            "pdo_smooth_threads",
            "--date",
            "2026-12-10",
            "--time",
            "25:99",
        ]
    )
    assert result.exit_code == 1
    assert "appointment_time" in result.output
    assert "email" in result.output
    assert "Traceback" not in result.output
    assert invitation_count(app) == 0


# --- email ---------------------------------------------------------------------------------


def test_an_invitation_made_on_the_staff_page_is_emailed(mail_app, mail):
    staff = nurse(mail_app)
    response = post_invitation(staff)
    assert response.status_code == 200
    assert "its link is emailed to maya@example.com within a minute" in response.text
    assert "/intake/invite/" not in response.text
    assert mail.envelopes == []  # queued with the invitation, not sent inside the request
    assert "waiting to be sent" in not_sent_yet(staff.get("/staff/invitations").text)

    send_outbox(mail_app)

    assert len(mail.envelopes) == 1
    assert mail.envelopes[0].rcpt_tos == ["maya@example.com"]
    message = mail.messages[0]
    assert message["To"] == "maya@example.com"
    body = body_of(message)
    link = LINK_IN_TEXT.search(body)
    assert link, body
    assert "Maya" in body
    assert "Thursday, December 10, 2026" in body
    assert "14:30" in body
    for word in HEALTH_WORDS:
        assert word not in (body + message["Subject"]).lower()

    token = link.group(1)
    assert token not in response.text
    # The outbox kept the link only until it was sent.
    assert token not in everything_stored(mail_app)
    assert not_sent_yet(staff.get("/staff/invitations").text) == ""
    assert (
        accept_invitation(mail_app.test_client(), urlsplit(link.group(0)).path).status_code == 303
    )
    with mail_app.app_context():
        assert db.session.scalar(select(Invitation)).emailed_at is not None
    send_outbox(mail_app)
    assert len(mail.envelopes) == 1  # sent once


def test_without_email_set_up_the_page_shows_the_link_and_sends_nothing(app, mail):
    response = post_invitation(nurse(app))
    assert LINK.search(response.text)
    assert "Email is not set up" in response.text
    assert outbox_rows(app) == []  # nothing queued either
    assert mail.envelopes == []


def test_email_link_sends_the_resume_link_to_the_drafts_address(mail_app, mail):
    patient = Patient(mail_app.test_client())
    patient.start()
    assert patient.answer("about_you", ABOUT_YOU).status_code == 303
    page = patient.client.get("/intake/later?back=visit")
    assert 'action="/intake/email-link"' in page.text
    resume_url = re.search(
        r'class="resume__link"><a id="resume-link" href="([^"]+)"', page.text
    ).group(1)
    assert "/intake/resume/" in resume_url

    response = patient.client.post(
        "/intake/email-link",
        data={"csrf_token": csrf_token(page.text)},
        headers={"Referer": "http://clinic.test/intake/visit"},
    )
    assert response.status_code == 303
    assert urlsplit(response.location).path == "/intake/visit"
    assert (
        "We are emailing the link to ana@example.com: it should arrive in a minute."
        in patient.client.get("/intake/visit").text
    )
    assert mail.envelopes == []  # queued, not sent inside the request

    send_outbox(mail_app)

    assert len(mail.envelopes) == 1
    assert mail.envelopes[0].rcpt_tos == ["ana@example.com"]
    body = body_of(mail.messages[0])
    assert resume_url in body
    assert "Rumi Aesthetics" in body
    for typed in ABOUT_YOU.values():  # the clinic's words and the link only
        assert typed not in body
    assert "1990" not in body  # the date of birth is not in it
    resume_token = resume_url.rsplit("/", 1)[1]
    assert resume_token not in everything_stored(mail_app)  # not kept once sent


def test_email_me_this_link_holds_no_word_the_patient_typed(mail_app, mail):
    """Anyone can type anyone's address and any "name": the clinic must not carry their words
    (a link to their own site, say) to someone else's inbox."""
    typed = {
        **ABOUT_YOU,
        "first_name": "Click http://evil.example",
        "last_name": "Refund at evil.example",
        "email": "victim@example.org",
    }
    patient = Patient(mail_app.test_client())
    patient.start()
    assert patient.answer("about_you", typed).status_code == 303
    page = patient.client.get("/intake/later?back=visit")
    resume_url = re.search(
        r'class="resume__link"><a id="resume-link" href="([^"]+)"', page.text
    ).group(1)
    sent = patient.client.post("/intake/email-link", data={"csrf_token": csrf_token(page.text)})
    assert sent.status_code == 303
    send_outbox(mail_app)

    assert [e.rcpt_tos for e in mail.envelopes] == [["victim@example.org"]]
    message = mail.messages[0]
    body = body_of(message).replace("\r\n", "\n")
    for text in (body, message["Subject"]):
        assert "evil.example" not in text
        assert "Click" not in text and "Refund" not in text
    assert "victim@example.org" not in body
    # Only the clinic's fixed words around the link, and the day the link stops working.
    assert body == (
        "Hello,\n\nHere is the link to finish your answers for Rumi Aesthetics. It works until "
        f"Tuesday, December 8, 2026:\n\n{resume_url}\n\nKeep it private: anyone with the link "
        "can see your answers. If you did not ask for this email, you can ignore it.\n"
    )

    # In Spanish alike: the clinic's words only.
    spanish = {"Accept-Language": "es"}
    page = patient.client.get("/intake/visit", headers=spanish)
    sent = patient.client.post(
        "/intake/email-link", data={"csrf_token": csrf_token(page.text)}, headers=spanish
    )
    assert sent.status_code == 303
    send_outbox(mail_app)
    body = body_of(mail.messages[1]).replace("\r\n", "\n")
    assert body.startswith("Hola:\n\nEste es el enlace para terminar sus respuestas para Rumi")
    assert "martes 8 de diciembre de 2026" in body
    assert resume_url in body
    assert "evil.example" not in body and "Click" not in body


def test_email_link_for_an_invited_patient_goes_to_the_invited_address(mail_app, mail):
    _, token = make_invitation(mail_app)
    send_outbox(mail_app)  # the invitation, opened from the email
    assert [e.rcpt_tos for e in mail.envelopes] == [["maya@example.com"]]
    assert token in body_of(mail.messages[0])
    client = mail_app.test_client()
    assert accept_invitation(client, token).status_code == 303
    page = client.get("/intake/about_you")
    response = client.post("/intake/email-link", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    send_outbox(mail_app)
    assert [e.rcpt_tos for e in mail.envelopes] == [["maya@example.com"]] * 2
    body = body_of(mail.messages[1])
    assert "/intake/resume/" in body
    assert token not in body


# --- the API -------------------------------------------------------------------------------

API = "/api/v1/invitations"


def create_api_token(runner, name: str = "booking") -> str:
    result = runner.invoke(args=["api-token", "create", "--name", name])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_api_tokens_are_printed_once_and_stored_hashed(app, runner):
    token = create_api_token(runner)
    assert len(token) >= 22
    assert token not in everything_stored(app)
    with app.app_context():
        stored = db.session.scalar(select(ApiToken))
        assert stored.name == "booking"
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    again = runner.invoke(args=["api-token", "create", "--name", "booking"])
    assert again.exit_code == 1
    assert "Traceback" not in again.output


def test_the_api_creates_an_invitation_without_csrf(app, runner):
    token = create_api_token(runner)
    client = app.test_client()
    response = client.post(API, json=INVITE, headers=bearer(token))
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) >= {"id", "url", "expires_at", "state"}
    assert body["state"] == "created"
    # 14:30 in Los Angeles on 10 December, before the 14-day lifetime ends.
    assert datetime.fromisoformat(body["expires_at"]) == datetime(2026, 12, 10, 22, 30, tzinfo=UTC)
    link_token = urlsplit(body["url"]).path.rsplit("/", 1)[1]
    assert len(link_token) >= 22
    assert link_token not in everything_stored(app)
    with app.app_context():
        invitation = db.session.get(Invitation, body["id"])
        assert invitation.created_via == "api"
        assert invitation.last_name == "Okafor"
        assert db.session.scalar(select(ApiToken)).last_used_at is not None
    assert accept_invitation(app.test_client(), urlsplit(body["url"]).path).status_code == 303


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Bearer not-the-token", "Basic {token}", "{token}"],
)
def test_the_api_refuses_a_missing_or_wrong_token(app, runner, header):
    token = create_api_token(runner)
    headers = {"Authorization": header.format(token=token)} if header is not None else {}
    response = app.test_client().post(API, json=INVITE, headers=headers)
    assert response.status_code == 401
    assert response.is_json
    assert "errors" in response.get_json()
    assert invitation_count(app) == 0


def test_a_revoked_api_token_is_refused(app, runner):
    token = create_api_token(runner)
    kept = create_api_token(runner, "other-system")
    client = app.test_client()
    assert client.post(API, json=INVITE, headers=bearer(token)).status_code == 201
    result = runner.invoke(args=["api-token", "revoke", "--name", "booking"])
    assert result.exit_code == 0, result.output
    response = client.post(API, json=INVITE, headers=bearer(token))
    assert response.status_code == 401
    assert response.is_json
    assert client.post(API, json=INVITE, headers=bearer(kept)).status_code == 201
    assert invitation_count(app) == 2
    unknown = runner.invoke(args=["api-token", "revoke", "--name", "nobody"])
    assert unknown.exit_code == 1


API_INVALID = {
    "every field wrong": (
        {
            "first_name": "",
            "last_name": "x" * 10_000,
            "email": "not-an-email",
            "phone": "",
            "treatment": "botox",
            "appointment_date": "2026-11-30",
            "appointment_time": "25:99",
        },
        {
            "first_name",
            "last_name",
            "email",
            "treatment",
            "appointment_date",
            "appointment_time",
        },
    ),
    "nothing": ({}, {"first_name", "last_name", "email", "treatment", "appointment_date"}),
    "wrong types": (
        {**INVITE, "first_name": 5, "appointment_date": 20261210, "appointment_time": ["14:30"]},
        {"first_name", "appointment_date", "appointment_time"},
    ),
    "NUL byte": ({**INVITE, "last_name": "Oka\x00for"}, {"last_name"}),
    "neither email nor phone": ({**INVITE, "email": "", "phone": ""}, {"email"}),
    "unknown field": ({**INVITE, "ssn": "123-45-6789"}, {"ssn"}),
}


@pytest.mark.parametrize("document, fields", API_INVALID.values(), ids=API_INVALID.keys())
def test_the_api_names_the_fields_of_bad_input(app, runner, document, fields):
    token = create_api_token(runner)
    response = app.test_client().post(API, json=document, headers=bearer(token))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert fields <= set(errors), errors
    assert invitation_count(app) == 0


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "{not json", ""])
def test_the_api_refuses_a_body_that_is_not_an_object(app, runner, payload):
    token = create_api_token(runner)
    response = app.test_client().post(
        API, data=payload, headers={**bearer(token), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.is_json
    assert invitation_count(app) == 0


def test_an_api_invitation_opens_like_any_other(app, runner):
    token = create_api_token(runner)
    body = app.test_client().post(API, json=INVITE, headers=bearer(token)).get_json()
    patient = Patient(app.test_client())
    opened = accept_invitation(patient.client, urlsplit(body["url"]).path)
    assert opened.status_code == 303
    visit = patient.client.get("/intake/visit")
    assert 'name="treatment"' not in visit.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 1


# --- edge cases ----------------------------------------------------------------------------


def test_an_appointment_earlier_today_is_refused(app):
    # Noon in Los Angeles: a 09:00 appointment today has passed, and its link would be dead.
    response = post_invitation(nurse(app), appointment_date="2026-12-01", appointment_time="09:00")
    assert response.status_code == 400
    summary = ERROR_SUMMARY.search(response.text)
    assert summary, "no error summary"
    assert set(re.findall(r'href="#([a-z_]+)"', summary.group(1))) & {
        "appointment_date",
        "appointment_time",
    }
    assert invitation_count(app) == 0


def test_a_phone_only_invitation_shows_its_link_even_with_email_set_up(mail_app, mail):
    response = post_invitation(nurse(mail_app), email="")
    assert response.status_code == 200
    link = LINK.search(response.text)
    assert link
    assert outbox_rows(mail_app) == []
    send_outbox(mail_app)
    assert mail.envelopes == []
    assert (
        accept_invitation(mail_app.test_client(), urlsplit(link.group(1)).path).status_code == 303
    )


def test_when_the_invitation_email_fails_the_list_says_so_and_a_later_try_delivers_it(
    make_app, clock
):
    port = free_port()
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)  # nothing listens there yet
    staff = nurse(app)
    response = post_invitation(staff)
    assert response.status_code == 200
    assert "its link is emailed to maya@example.com within a minute" in response.text
    assert "/intake/invite/" not in response.text

    send_outbox(app)  # the mail server is down
    waiting = not_sent_yet(staff.get("/staff/invitations").text)
    assert "Okafor, Maya (maya@example.com): waiting to be sent, tried 1 time" in waiting
    with app.app_context():
        assert db.session.scalar(select(Invitation)).emailed_at is None

    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        send_outbox(app)
        assert sink.envelopes == []  # not before its back-off
        clock.advance(minutes=1)
        send_outbox(app)
        send_outbox(app)
    finally:
        controller.stop()
    assert [e.rcpt_tos for e in sink.envelopes] == [["maya@example.com"]]  # once
    link = LINK_IN_TEXT.search(body_of(sink.messages[0]))
    assert link, "the link is lost when the first try fails"
    assert accept_invitation(app.test_client(), urlsplit(link.group(0)).path).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Invitation)).emailed_at is not None
    assert not_sent_yet(staff.get("/staff/invitations").text) == ""


def test_an_invitation_email_given_up_on_shows_on_the_invitation_list_and_the_outbox_page(
    make_app, clock
):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing ever listens there
    assert post_invitation(nurse(app)).status_code == 200
    for _ in range(30):  # every try fails; the sender waits longer each time, up to an hour
        if outbox_rows(app)[0].status != "pending":
            break
        send_outbox(app)
        clock.advance(hours=1)
    [given_up] = outbox_rows(app)
    assert given_up.status == "failed"
    assert given_up.last_error == "given up after a day of failures"
    assert given_up.attempts > 5
    assert "/intake/invite/" not in everything_stored(app)  # the link is not kept
    with app.app_context():
        assert db.session.scalar(select(Invitation)).emailed_at is None

    # A new day, new sessions.
    listed = not_sent_yet(
        signed_in(app, "nurse2@clinic.example", "nurse").get("/staff/invitations").text
    )
    assert (
        "Okafor, Maya (maya@example.com): failed: given up after a day of failures. "
        "Send the patient a new invitation, or call them." in listed
    )
    page = signed_in(app, "manager@clinic.example", "manager").get("/staff/records/outbox")
    assert page.status_code == 200
    not_sent = page.text.split("<h2>Not sent</h2>", 1)[1].split("<h2>Waiting</h2>", 1)[0]
    assert "maya@example.com" in not_sent
    assert "given up after a day of failures" in not_sent
    assert "/intake/invite/" not in page.text


def test_when_the_email_fails_the_command_line_still_prints_the_link(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    result = app.test_cli_runner().invoke(
        args=[
            "invite",
            "create",
            "--first-name",
            "Maya",
            "--last-name",
            "Okafor",
            "--email",
            "maya@example.com",
            "--treatment",
            "pdo_smooth_threads",
            "--date",
            "2026-12-10",
            "--time",
            "14:30",
        ]
    )
    assert "Traceback" not in result.output
    link = LINK_IN_TEXT.search(result.output)
    assert link, (
        f"{invitation_count(app)} invitation(s) stored but the only link was lost: "
        f"{result.exception!r}"
    )
    assert accept_invitation(app.test_client(), urlsplit(link.group(0)).path).status_code == 303


def test_email_link_when_the_server_is_down_is_on_its_way_and_tried_again_later(make_app, clock):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens there
    patient = Patient(app.test_client())
    patient.start()
    assert patient.answer("about_you", ABOUT_YOU).status_code == 303
    page = patient.client.get("/intake/later?back=visit")
    resume_url = re.search(
        r'class="resume__link"><a id="resume-link" href="([^"]+)"', page.text
    ).group(1)
    response = patient.client.post("/intake/email-link", data={"csrf_token": csrf_token(page.text)})
    assert response.status_code == 303
    assert (
        "We are emailing the link to ana@example.com: it should arrive in a minute."
        in patient.client.get(response.location).text
    )
    # The patient's own link stays on the page meanwhile.
    assert resume_url in patient.client.get("/intake/later").text

    result = send_outbox(app)
    assert "1 to try again later" in result.output
    assert "Traceback" not in result.output
    [waiting] = outbox_rows(app)
    assert (waiting.kind, waiting.status, waiting.attempts) == ("resume_link", "pending", 1)
    assert waiting.send_after == clock.now + timedelta(minutes=1)
    assert "Sent 0" in send_outbox(app).output  # not again before its back-off

    page = signed_in(app, "manager@clinic.example", "manager").get("/staff/records/outbox")
    assert page.status_code == 200
    waiting_section = page.text.split("<h2>Waiting</h2>", 1)[1]
    assert "ana@example.com" in waiting_section
    assert "(last: ConnectionRefusedError)" in waiting_section
    assert resume_url.rsplit("/", 1)[1] not in page.text  # no body, no link, on the page


# --- a used link -------------------------------------------------------------------------------


def invited_and_sent(app) -> tuple[str, str]:
    """An invitation whose patient answered and signed; its token and the outcome's path."""
    _, token = make_invitation(app)
    patient = Patient(app.test_client())
    accept_invitation(patient.client, token)
    patient.answer("about_you", INVITED_ABOUT_YOU)
    patient.answer_all()
    signed = patient.sign()
    assert signed.status_code == 303
    return token, signed.location


def reopen(client, token: str, born: str):
    """Type the date of birth ``born`` (ISO) in the used link's three boxes, and send it."""
    page = client.get(invite_path(token))
    return client.post(
        f"{invite_path(token)}/answers",
        data={"csrf_token": csrf_token(page.text), **date_parts("date_of_birth", born)},
    )


def test_a_used_link_and_the_date_of_birth_open_the_patients_outcome(app):
    """Regression (issue 18): a used link said "This link can't be used" and offered a new,
    unlinked questionnaire instead of the patient's outcome."""
    token, outcome = invited_and_sent(app)
    client = app.test_client()

    page = client.get(invite_path(token))
    assert page.status_code == 200
    assert "enter your date of birth" in page.text
    assert "Maya" not in page.text and "smooth threads" not in page.text  # nothing yet
    wrong = reopen(client, token, "1990-05-18")
    assert wrong.status_code == 400
    assert "The date of birth does not match the one given with this link." in wrong.text
    assert "Maya" not in wrong.text

    opened = reopen(client, token, "1990-05-17")

    assert opened.status_code == 303
    assert opened.location.startswith("/intake/result/")
    assert "You're ready for your appointment" in client.get(opened.location).text
    # One link at a time: the outcome's earlier address no longer opens it.
    assert app.test_client().get(outcome).status_code == 404
    with app.app_context():
        [row] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "answers_reopened")
        ).all()
        assert (row.object_type, row.staff_id) == ("draft", None)


def test_a_used_link_reopens_a_questionnaire_still_being_answered(app):
    _, token = make_invitation(app)
    patient = Patient(app.test_client())
    accept_invitation(patient.client, token)
    patient.answer("about_you", INVITED_ABOUT_YOU)

    opened = reopen(app.test_client(), token, "1990-05-17")

    # The visit page is the first with something left (the invited visit's treatment areas).
    assert (opened.status_code, opened.location) == (303, "/intake/visit")


def test_tries_at_the_date_of_birth_are_limited_per_link(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    token, _ = invited_and_sent(app)
    tries = [reopen(app.test_client(), token, f"1980-01-0{day}") for day in range(1, 7)]
    assert [r.status_code for r in tries] == [400] * 5 + [429]
    assert "Too many tries" in tries[-1].text
    assert reopen(app.test_client(), token, "1990-05-17").status_code == 429
    # Per link: another patient's used link, from the same address, is still answered.
    with app.app_context():
        other = invitations.create_invitation(**{**INVITE, "last_name": "Other"})[1]
    patient = Patient(app.test_client())
    accept_invitation(patient.client, other)
    patient.answer("about_you", INVITED_ABOUT_YOU)
    assert reopen(app.test_client(), other, "1980-01-01").status_code == 400
    with app.app_context():
        [row] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "limited"))
        assert row.detail == "reopen per link: 5 per 1 hour"


def test_a_used_link_to_a_questionnaire_past_its_lifetime_is_refused(app, clock):
    _, token = make_invitation(app)
    patient = Patient(app.test_client())
    accept_invitation(patient.client, token)
    patient.answer("about_you", INVITED_ABOUT_YOU)
    clock.advance(days=30)
    assert app.test_client().get(invite_path(token)).status_code == 404


def test_a_browser_answering_another_questionnaire_is_told_before_it_gives_way(app):
    token, _ = invited_and_sent(app)
    browser = Patient(app.test_client())
    browser.start()
    browser.answer("about_you", ABOUT_YOU)
    page = browser.client.get(invite_path(token)).text
    assert "This browser is answering another questionnaire." in page


def test_a_cancelled_invitations_used_link_is_refused(app):
    token, _ = invited_and_sent(app)
    with app.app_context():
        db.session.scalar(select(Invitation)).cancelled_at = datetime.now(UTC)
        db.session.commit()
    assert app.test_client().get(invite_path(token)).status_code == 404
    assert reopen_refused(app, token)


def reopen_refused(app, token: str) -> bool:
    client = app.test_client()
    page = client.get("/intake/")
    sent = client.post(
        f"{invite_path(token)}/answers",
        data={"csrf_token": csrf_token(page.text), **date_parts("date_of_birth", "1990-05-17")},
    )
    return sent.status_code == 404
