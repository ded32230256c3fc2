"""``scripts/loadtest.py``'s helpers: reading pages and logs, planning the traffic, counting the
emails, and judging a phase.

The load test itself runs with ``make loadtest``, not here; these check that its clients still
fill in the real pages (the questionnaire, "Email me this link", the staff sign-in and queue, the
invitations API, the reminders command's words) and that a failed check is never reported as a
pass. No server is started.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from werkzeug.datastructures import MultiDict

from tests.staff.helpers import make_staff

_PATH = Path(__file__).resolve().parent.parent / "scripts" / "loadtest.py"
_spec = importlib.util.spec_from_file_location("loadtest_under_test", _PATH)
loadtest = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = loadtest  # dataclasses look their module up there
_spec.loader.exec_module(loadtest)

PAGE = """
<form method="post" action="/intake/email-link">
  <input type="hidden" name="csrf_token" value="other-form">
</form>
<form method="post" action="/intake/health" novalidate>
  <input id="csrf_token" name="csrf_token" type="hidden" value="tok&amp;en">
  <input type="hidden" name="return_to" value="">
  <input class="input" id="first_name" name="first_name" type="text" value="">
  <input type="radio" id="pregnant" name="pregnant" value="yes">
  <input type="radio" id="pregnant-2" name="pregnant" value="no">
  <input type="radio" id="pregnant-3" name="pregnant" value="not_sure">
  <input type="checkbox" id="subs" name="subs" value="aspirin">
  <input type="checkbox" id="subs-2" name="subs" value="none">
  <input class="input input--date" id="last_dose" name="last_dose" type="date" value="">
</form>
<a href="http://clinic.test/intake/resume/AbC_d-9">http://clinic.test/intake/resume/AbC_d-9</a>
"""


LOGIN = """
<form method="post" action="/language?next=/staff/login"><input name="csrf_token" value="x"></form>
<form method="post" novalidate>
  <input id="csrf_token" name="csrf_token" type="hidden" value="t">
  <input id="email" name="email" type="email" value="">
  <input id="password" name="password" type="password" value="">
</form>
"""


def test_page_answers_fill_the_pages_own_form_as_a_browser_would():
    answers = loadtest.page_answers(PAGE, "/intake/health", {"first_name": "Ana"})
    assert answers == [
        ("csrf_token", "tok&en"),
        ("return_to", ""),
        ("first_name", "Ana"),
        ("pregnant", "no"),
        ("subs", "none"),
        ("last_dose", ""),
    ]


def test_known_lists_become_repeated_fields():
    answers = loadtest.page_answers(PAGE, "/intake/health", {"first_name": "A", "subs": ["x", "y"]})
    assert [pair for pair in answers if pair[0] == "subs"] == [("subs", "x"), ("subs", "y")]


def test_a_field_without_a_nothing_to_report_answer_or_a_missing_form_is_refused():
    with pytest.raises(ValueError, match="first_name"):
        loadtest.page_answers(PAGE, "/intake/health", {})
    with pytest.raises(ValueError, match="no form"):
        loadtest.page_answers(PAGE, "/intake/consent", {})


def test_a_form_without_an_action_posts_to_the_page_it_is_on():
    answers = loadtest.page_answers(
        LOGIN, "/staff/login", {"email": "n@x.example", "password": "pw"}, here="/staff/login"
    )
    assert answers == [("csrf_token", "t"), ("email", "n@x.example"), ("password", "pw")]
    with pytest.raises(ValueError, match="no form"):
        loadtest.form_html(LOGIN, "/staff/login")  # without knowing where the page is


def test_staff_listing_links():
    page = (
        '<a href="/staff/screenings/12">A</a> <a href="/staff/screenings/7">B</a>'
        '<a href="/staff/screenings/12">A again</a> <a href="/staff/screenings/7/notes/1">n</a>'
        '<a href="/staff/?status=all&amp;page=2">2</a> <a href="/staff/?page=14&amp;status=all">'
    )
    assert loadtest.screening_ids(page) == [12, 7]
    assert loadtest.last_page(page) == 14
    assert loadtest.last_page("<p>one page</p>") == 1
    assert loadtest.screening_ids("<p>none</p>") == []


def test_reminders_output():
    assert loadtest.queued_reminders("Queued 3 reminders: the outbox sends them.\n") == 3
    assert loadtest.queued_reminders("Email is not set up (MAIL_SERVER): 2 reminders not") is None


def test_patient_visits_and_invitations_are_dated_from_the_clinics_today():
    today = date(2026, 12, 1)
    assert loadtest.patient_answers("1-1", today)["appointment_date"] == "2026-12-06"
    assert loadtest.patient_answers("2-1", today, 1)["appointment_date"] == "2026-12-02"
    document = loadtest.invitation_document(3, today)
    assert document["appointment_date"] == "2026-12-08"
    assert document["email"] == "invitee.3@example.com"
    zone = loadtest.ZoneInfo(loadtest.CLINIC_TIMEZONE)
    assert loadtest.clinic_today() in {
        loadtest.datetime.now(zone).date() + timedelta(days=d) for d in (-1, 0)
    }  # the clinic's date, whatever this machine's zone (the test may straddle midnight)


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(30, (2.0, 12.0)), (60, (2.0, 12.0)), (8, (2.0, 4.0)), (2, (1.0, 1.0))],
)
def test_the_smtp_delays_are_the_issues_and_at_most_half_the_phase(seconds, expected):
    assert loadtest.sink_delays(seconds) == expected


def test_the_traffic_plan_causes_every_kind_of_email_and_few_enough_to_drain():
    plan = loadtest.traffic_plan(8, 16)
    assert plan.pressers == {1, 5, 9, 13}
    assert plan.reminder_days == {2: 1, 3: 8}  # the day-before and the stop-substances reminder
    assert plan.invitations == 2
    assert loadtest.traffic_plan(30, 16).invitations == 4
    small = loadtest.traffic_plan(8, 2)
    assert (small.pressers, small.reminder_days) == ({1}, {2: 1})
    assert not set(plan.reminder_days.values()) & {loadtest.DAYS_AHEAD}


def test_the_drain_waits_for_each_message_and_one_lapsed_claim():
    assert loadtest.drain_budget(0, 4.0, 9.0) == 9.0 + loadtest.DRAIN_MARGIN
    assert loadtest.drain_budget(8, 4.0, 9.0) == 8 * 5.0 + 9.0 + loadtest.DRAIN_MARGIN


def test_the_smtp_server_takes_the_message_then_answers_late():
    sink = loadtest.MailSink(0.0, 0.0, seed=1)
    content = b"Message-ID: <1.abc@localhost>\r\nSubject: Hi\r\n\r\nHello\r\n"
    answer = asyncio.run(sink.handle_DATA(None, None, SimpleNamespace(content=content)))
    assert answer.startswith("250")
    assert sink.received == ["<1.abc@localhost>"]
    assert sink.in_flight == 0


def test_the_smtp_server_keeps_a_message_whose_sender_went_away_during_the_delay():
    sink = loadtest.MailSink(30.0, 30.0, seed=1)
    content = b"Message-ID: <2.abc@localhost>\r\n\r\nHello\r\n"

    async def killed_mid_send():
        task = asyncio.create_task(sink.handle_DATA(None, None, SimpleNamespace(content=content)))
        await asyncio.sleep(0.01)
        assert sink.in_flight == 1
        task.cancel()  # what aiosmtpd does when the connection drops
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(killed_mid_send())
    assert sink.received == ["<2.abc@localhost>"]
    assert sink.in_flight == 0


def row(message_id, kind="resume_link", status="sent", attempts=1, error=""):
    return (message_id, kind, status, attempts, error)


def test_emails_tallied_against_what_the_smtp_server_received():
    outcome = loadtest.Outcome("phase", 16)
    rows = [
        row("<a>"),
        row("<b>", "invitation", attempts=2),
        row("<c>", "reminder_day_before"),
        row("<d>", status="pending"),
        row("<e>", status="voided", attempts=0, error="the visit was canceled"),
    ]
    loadtest.tally_emails(outcome, rows, ["<a>", "<b>", "<b>", "<x>"], claimed_at_kill={"<b>"})
    assert (outcome.emails_queued, outcome.emails_sent, outcome.emails_pending) == (5, 3, 1)
    assert (outcome.emails_voided, outcome.emails_failed, outcome.emails_retried) == (1, 0, 1)
    assert outcome.queued_kinds == {"resume_link": 3, "invitation": 1, "reminder_day_before": 1}
    assert outcome.emails_received == 3  # <a>, <b>, <x>: distinct
    assert outcome.emails_duplicated == 1
    assert outcome.duplicates_unexplained == 0  # <b> was claimed by the killed sender
    assert outcome.emails_lost == 1  # <c>
    assert outcome.emails_unknown == 1  # <x>
    assert outcome.claimed_at_kill == 1
    assert outcome.not_sent_reasons == {"voided: the visit was canceled": 1}


def test_a_duplicate_no_killed_sender_held_is_unexplained():
    outcome = loadtest.Outcome("phase", 16)
    loadtest.tally_emails(outcome, [row("<a>"), row("<b>")], ["<a>", "<b>", "<a>"], set())
    assert (outcome.emails_duplicated, outcome.duplicates_unexplained) == (1, 1)
    assert any("no killed sender" in failure for failure in loadtest.failures(outcome))


def test_tokens_from_links_and_redirects():
    assert loadtest.resume_token(PAGE) == "AbC_d-9"
    assert loadtest.resume_token("<p>no link</p>") is None
    assert loadtest.result_token("/intake/result/AbC_d-9") == "AbC_d-9"
    assert loadtest.result_token("http://127.0.0.1:8000/intake/result/AbC_d-9") == "AbC_d-9"
    assert loadtest.result_token("/intake/check") is None
    assert loadtest.result_token(None) is None


def test_server_log_scan():
    log = (
        "[INFO] Booting worker\n"
        "Traceback (most recent call last):\n"
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked\n"
        "Database is locked\n"
    )
    assert loadtest.count_locked(log) == 2
    assert loadtest.count_tracebacks(log) == 1
    assert loadtest.count_locked("[INFO] Listening at: http://127.0.0.1:1\n") == 0


def test_percentile():
    assert loadtest.percentile([], 0.99) == 0.0
    values = [float(n) for n in range(1, 101)]
    assert loadtest.percentile(values, 0.5) == 50.0
    assert loadtest.percentile(values, 0.99) == 99.0
    assert loadtest.percentile([3.0], 0.99) == 3.0


def passing(**changes):
    outcome = loadtest.Outcome("phase", 16, acknowledged=10, stored=10)
    emails = {
        "links_emailed": 4,
        "invitations": 2,
        "reminders_queued": 2,
        "reminder_targets": 2,
        "reminder_targets_ready": 2,
        "emails_queued": 8,
        "emails_sent": 8,
        "emails_received": 8,
    }
    for name, value in {**emails, **changes}.items():
        setattr(outcome, name, value)
    return outcome


def test_a_clean_phase_passes_and_prints_its_figures():
    outcome = passing(
        latencies=[0.010, 0.020, 0.300], nurse_latencies=[0.040, 0.050], sink_delays=(2.0, 4.0)
    )
    assert loadtest.failures(outcome) == []
    text = loadtest.summary(outcome)
    assert text.startswith("phase: 16 patients, 10 acknowledged, 10 stored, 0 5xx, 0 locked")
    assert "patient pages: 3 requests, p50 20 ms, p99 300 ms" in text
    assert "nurse pages (2 nurses): 2 requests, p50 40 ms, p99 50 ms" in text
    assert "emails: 8 queued" in text and "8 sent, 8 received, 0 duplicated, 0 lost" in text
    assert "SMTP delays 2 to 4 s" in text


def test_a_duplicate_from_the_killed_senders_claim_passes():
    assert loadtest.failures(passing(emails_duplicated=1, claimed_at_kill=1)) == []


def test_a_request_repeated_across_the_kill_may_queue_one_more_email():
    assert loadtest.failures(passing(emails_queued=9, email_requests_repeated=1)) == []
    found = loadtest.failures(passing(emails_queued=10, email_requests_repeated=1))
    assert any("the outbox holds 10" in failure for failure in found), found


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"acknowledged": 0, "stored": 0}, "no submission was acknowledged"),
        ({"stored": 11}, "10 submissions acknowledged but 11 stored"),
        ({"missing": 1}, "1 acknowledged submissions are not stored"),
        ({"duplicates": 2}, "2 drafts have more than one screening"),
        ({"mismatched": 1}, "another patient's token"),
        ({"server_errors": 3}, "3 responses were 5xx"),
        ({"unexpected": 1}, "not what a browser expects"),
        ({"locked": 4}, 'logged "database is locked" 4 times'),
        ({"tracebacks": 1}, "1 tracebacks"),
        ({"integrity": "row 3 missing from index"}, "integrity_check: row 3 missing"),
        ({"unfinished_clients": 1}, "did not finish"),
        ({"replay_wrong": 1}, "did not get the same outcome"),
        ({"replayed": 10, "stored_before_replay": 9}, "from 9 to 10"),
        ({"sender_locked": 2}, 'outbox sender logged "database is locked" 2 times'),
        ({"sender_tracebacks": 1}, "outbox sender logged 1 tracebacks"),
        ({"reminders_error": "exit 1: boom"}, "the reminders run failed: exit 1: boom"),
        ({"reminders_queued": 1, "emails_queued": 7}, "queued 1 reminders, though 2 visits"),
        (
            {"reminders_queued": 0, "reminder_targets_ready": 0, "emails_queued": 6},
            "queued no reminder",
        ),
        ({"emails_queued": 0, "emails_sent": 0, "emails_received": 0}, "no email was queued"),
        ({"emails_queued": 7, "emails_sent": 7, "emails_received": 7}, "caused 8 emails"),
        ({"emails_pending": 1, "drain_seconds": 54.0}, "1 emails still waiting 54 s after"),
        ({"emails_failed": 1}, "1 emails failed"),
        ({"emails_voided": 1}, "1 emails were voided"),
        ({"emails_lost": 1, "emails_received": 7}, "1 emails recorded as sent never reached"),
        ({"emails_unknown": 1}, "1 unknown Message-IDs"),
        ({"emails_received": 7}, "7 distinct Message-IDs received, 8 emails sent"),
        ({"duplicates_unexplained": 1, "emails_duplicated": 1}, "though no killed sender"),
        ({"emails_duplicated": 2, "claimed_at_kill": 1}, "more than the 1 messages claimed"),
    ],
)
def test_each_failed_check_is_reported(changes, expected):
    found = loadtest.failures(passing(**changes))
    assert len(found) >= 1
    assert any(expected in failure for failure in found), found


def complete_questionnaire(client, today: date) -> str:
    """The same page reading the load test does, through the app's own pages; the result
    token."""
    known = loadtest.patient_answers("1-1", today)
    start = client.get("/intake/")
    form = MultiDict(loadtest.page_answers(start.text, "/intake/", {}))
    response = client.post("/intake/", data=form)
    assert response.status_code == 303
    resume, pages = None, 0
    while not response.location.endswith("/intake/check"):
        step = response.location
        page = client.get(step)
        assert page.status_code == 200, step
        response = client.post(step, data=MultiDict(loadtest.page_answers(page.text, step, known)))
        assert response.status_code == 303, (step, response.text[:1000])
        pages += 1
        assert pages < loadtest.MAX_PAGES
    resume = loadtest.resume_token(client.get("/intake/later?back=check").text)
    consent = client.get("/intake/consent")
    form = loadtest.page_answers(
        consent.text, "/intake/consent", {"signature": "Load Patient", "agree": "y"}
    )
    signed = client.post("/intake/consent", data=MultiDict(form))
    assert signed.status_code == 303
    assert resume is not None
    assert loadtest.result_token(signed.location) == resume
    return resume


def test_the_client_completes_the_real_questionnaire(client, clock):
    complete_questionnaire(client, clock.now.date())


def test_email_me_this_link_tells_the_patient_as_the_client_expects(make_app, clock):
    """The load test's press on a question page, through the app's own pages."""
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # queued only: nothing is sent here
    client = app.test_client()
    known = loadtest.patient_answers("1-1", clock.now.date())
    start = client.get("/intake/")
    response = client.post(
        "/intake/", data=MultiDict(loadtest.page_answers(start.text, "/intake/", {}))
    )
    about = client.get(response.location)
    step = urlsplit(response.location).path
    response = client.post(step, data=MultiDict(loadtest.page_answers(about.text, step, known)))
    # On the second page the email address is known: "Finish later", then "Email me this link".
    later = client.get(f"/intake/later?back={urlsplit(response.location).path.rsplit('/', 1)[1]}")
    form = loadtest.page_answers(later.text, "/intake/email-link", {})
    pressed = client.post("/intake/email-link", data=MultiDict(form))
    assert pressed.status_code == 303
    shown = client.get(urlsplit(pressed.location).path)
    assert shown.status_code == 200
    assert loadtest.EMAILING in shown.text


def test_a_nurse_signs_in_and_reads_the_listing_as_the_client_does(
    client, app, clock, light_password_hashing
):
    make_staff(app, "nurse1@loadtest.example", "nurse", password="a-long-load-password-1")
    page = client.get("/staff/login")
    known = {"email": "nurse1@loadtest.example", "password": "a-long-load-password-1"}
    fields = loadtest.page_answers(page.text, "/staff/login", known, here="/staff/login")
    signed = client.post("/staff/login", data=MultiDict(fields))
    assert signed.status_code == 303
    assert urlsplit(signed.location).path == "/staff/"
    patient = app.test_client()
    complete_questionnaire(patient, clock.now.date())
    listing = client.get("/staff/?status=all&page=1")
    assert listing.status_code == 200
    [screening] = loadtest.screening_ids(listing.text)
    assert loadtest.last_page(listing.text) == 1
    assert client.get(f"/staff/screenings/{screening}").status_code == 200


def test_the_booking_systems_invitation_is_created_and_emailed(make_app, clock):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    runner = app.test_cli_runner()
    token = runner.invoke(args=["api-token", "create", "--name", "booking"]).output.split()[-1]
    created = app.test_client().post(
        "/api/v1/invitations",
        json=loadtest.invitation_document(1, clock.now.date()),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.json
    assert "/intake/invite/" in created.json["url"]
    reminders = runner.invoke(args=["reminders", "send"])
    assert loadtest.queued_reminders(reminders.output) == 0


def test_the_sender_and_commands_build_the_same_instance(monkeypatch, tmp_path):
    monkeypatch.setenv("LOADTEST_SECRET_KEY", "k" * 64)
    monkeypatch.setenv("LOADTEST_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    monkeypatch.setenv("LOADTEST_UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.setenv("LOADTEST_MAIL_PORT", "2525")
    monkeypatch.setenv("LOADTEST_OUTBOX_LEASE", "9")
    monkeypatch.setenv("PRECLEAR_INSTANCE_PATH", str(tmp_path / "instance"))
    app = loadtest.wsgi_app()
    assert (app.config["MAIL_SERVER"], app.config["MAIL_PORT"]) == ("127.0.0.1", 2525)
    assert app.config.get("RATELIMIT_ENABLED", True)
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://127.0.0.1:6379")
    assert app.config["PATIENT_SUBMIT_RATE_LIMIT"] == "1000000 per hour"
    assert app.config["CLINIC_TIMEZONE"] == loadtest.CLINIC_TIMEZONE
    assert app.config["OUTBOX_LEASE_SECONDS"] == 9


def test_a_date_of_birth_is_typed_in_its_three_boxes():
    page = (
        '<form method="post" action="/intake/about_you">'
        '<input name="date_of_birth-month" type="text" value="">'
        '<input name="date_of_birth-day" type="text" value="">'
        '<input name="date_of_birth-year" type="text" value=""></form>'
    )
    known = loadtest.patient_answers("1", date(2026, 12, 1))
    assert loadtest.page_answers(page, "/intake/about_you", known) == [
        ("date_of_birth-month", "5"),
        ("date_of_birth-day", "17"),
        ("date_of_birth-year", "1990"),
    ]
