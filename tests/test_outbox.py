"""The outbox against a real SMTP server on loopback (aiosmtpd): delivery with a stable
Message-ID, a refused recipient, a server down then up, two senders at once, a sender killed
mid-send, and messages voided when their visit was cancelled or moved."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from screening.extensions import db
from screening.models import OutboxMessage, Screening
from screening.outreach import mailer, outbox
from tests.intake.patient import Patient, csrf_token
from tests.mail_sink import MailSink, free_port, send_outbox
from tests.staff.helpers import post_decision, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")

CLINIC = ZoneInfo("America/Los_Angeles")
NEIL = ["invite", "create", "--first-name", "Neil", "--last-name", "Ames",
        "--email", "neil@example.com", "--treatment", "pdo_smooth_threads",
        "--date", "2026-12-10", "--time", "10:00"]  # fmt: skip


class RefusingSink(MailSink):
    """Refuses one recipient outright (550), accepts the others."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("nobody@"):
            return "550 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def rows(app) -> list[OutboxMessage]:
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def invite(app, *extra) -> None:
    result = app.test_cli_runner().invoke(args=[*NEIL, *extra])
    assert result.exit_code == 0, result.output


def test_an_email_is_queued_with_its_change_and_sent_later_with_a_stable_message_id(mail_app, mail):
    invite(mail_app)
    [queued] = rows(mail_app)
    assert queued.status == outbox.PENDING
    assert "/intake/invite/" in queued.body
    assert mail.envelopes == []  # nothing is sent by the change itself

    send_outbox(mail_app)

    [received] = mail.messages
    assert received["Message-ID"].strip() == queued.message_id
    assert received["To"] == "neil@example.com"
    [sent] = rows(mail_app)
    assert sent.status == outbox.SENT
    assert sent.body == ""  # a sent link is not kept
    # Once is enough: the next run sends nothing more.
    send_outbox(mail_app)
    assert len(mail.envelopes) == 1


def test_a_refused_recipient_fails_at_once_and_shows_on_the_outbox_page(make_app):
    sink = RefusingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        invite(app, "--email", "nobody@example.com")
        send_outbox(app)
    finally:
        controller.stop()
    [failed] = rows(app)
    assert failed.status == outbox.FAILED
    assert failed.last_error == "recipient refused"
    assert failed.body == ""
    manager = signed_in(app, "manager@example.com", "manager")
    page = manager.get("/staff/records/outbox").text
    assert "nobody@example.com" in page and "recipient refused" in page
    nurse = signed_in(app, "nurse@example.com", "nurse")
    assert "recipient refused" in nurse.get("/staff/invitations").text


def test_a_server_down_then_up_gets_the_message_once(make_app, clock, caplog):
    port = free_port()
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    invite(app)
    with caplog.at_level(logging.WARNING):
        send_outbox(app)  # nobody listens: connection refused
    [waiting] = rows(app)
    assert waiting.status == outbox.PENDING
    assert waiting.attempts == 1
    assert waiting.send_after == clock.now + timedelta(minutes=1)
    assert "/intake/invite/" not in caplog.text  # no body in the log

    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        send_outbox(app)
        assert sink.envelopes == []  # not before its time
        clock.advance(minutes=1)
        send_outbox(app)
        send_outbox(app)
    finally:
        controller.stop()
    assert len(sink.envelopes) == 1
    assert rows(app)[0].status == outbox.SENT


def test_failures_wait_longer_each_time_and_are_given_up_after_a_day(make_app, clock):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    invite(app, "--date", "2026-12-20")
    waits = []
    for _ in range(4):
        send_outbox(app)
        message = rows(app)[0]
        waits.append(message.send_after - clock.now)
        clock.now = message.send_after
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    clock.advance(days=1)
    send_outbox(app)
    message = rows(app)[0]
    assert message.status == outbox.FAILED
    assert message.last_error == outbox.GAVE_UP
    assert message.body == ""


def test_two_senders_at_once_send_each_message_once(make_app):
    sink = SlowSink(seconds=0.3)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        for n in range(6):
            invite(app, "--email", f"neil{n}@example.com")

        def sender(name):
            with app.app_context():
                outbox.send_due(name)

        threads = [threading.Thread(target=sender, args=(f"sender-{i}",)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        controller.stop()
    ids = [m["Message-ID"].strip() for m in sink.messages]
    assert len(ids) == 6
    assert len(set(ids)) == 6
    assert {m.status for m in rows(app)} == {outbox.SENT}


class SlowSink(MailSink):
    def __init__(self, seconds: float):
        super().__init__()
        self.seconds = seconds

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        import asyncio

        await asyncio.sleep(self.seconds)
        return await super().handle_DATA(server, session, envelope)


def test_a_sender_killed_mid_send_is_followed_by_one_that_sends_it_again(
    mail_app, mail, clock, monkeypatch
):
    invite(mail_app)
    real_send = mailer.send_message

    def sent_then_killed(outgoing):
        real_send(outgoing)
        raise KeyboardInterrupt  # the process dies before recording what it did

    monkeypatch.setattr(mailer, "send_message", sent_then_killed)
    with mail_app.app_context(), pytest.raises(KeyboardInterrupt):
        outbox.send_due("doomed")
    monkeypatch.setattr(mailer, "send_message", real_send)

    send_outbox(mail_app)
    assert len(mail.envelopes) == 1  # its claim holds until it lapses
    clock.advance(minutes=3)
    send_outbox(mail_app)

    ids = [m["Message-ID"].strip() for m in mail.messages]
    assert len(ids) == 2 and len(set(ids)) == 1  # at least once, never under another id
    assert rows(mail_app)[0].status == outbox.SENT


def _on(clock, day: date, hour: int = 12) -> None:
    clock.now = datetime.combine(day, time(hour), CLINIC).astimezone(UTC)


def _reminders(app) -> None:
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output


def test_a_cancelled_visits_reminder_is_voided_before_it_goes(mail_app, mail, clock):
    sid, _, _ = submit_screening(mail_app, visit={"appointment_date": "2026-12-10"})
    _on(clock, date(2026, 12, 2))
    _reminders(mail_app)
    assert [m.status for m in rows(mail_app)] == [outbox.PENDING]
    nurse = signed_in(mail_app, "nurse@example.com", "nurse")
    assert post_decision(nurse, sid, "/cancel", {"reason": "Closed"}).status_code == 303

    send_outbox(mail_app)

    assert mail.envelopes == []
    [voided] = rows(mail_app)
    assert (voided.status, voided.last_error) == (outbox.VOIDED, "the visit was canceled")
    assert voided.body == ""


def test_a_moved_visits_reminder_is_voided_and_the_patient_told_the_new_date(mail_app, mail, clock):
    sid, _, _ = submit_screening(mail_app, visit={"appointment_date": "2026-12-10"})
    _on(clock, date(2026, 12, 2))
    _reminders(mail_app)
    nurse = signed_in(mail_app, "nurse@example.com", "nurse")
    moved = post_decision(
        nurse, sid, "/move", {"new_date": "2026-12-18", "new_time": "15:30", "reason": "Asked"}
    )
    assert moved.status_code == 303

    send_outbox(mail_app)

    [notice] = mail.messages
    assert "has moved" in notice["Subject"]
    assert "Friday, December 18, 2026 at 15:30" in notice.get_content()
    statuses = {(m.kind, m.status, m.last_error) for m in rows(mail_app)}
    assert ("reminder_stop_substances", outbox.VOIDED, "the visit was moved") in statuses
    assert ("visit_moved", outbox.SENT, "") in statuses


def test_a_reminder_expires_at_its_appointment(mail_app, mail, clock):
    submit_screening(mail_app, visit={"appointment_date": "2026-12-10"})
    _on(clock, date(2026, 12, 9))
    _reminders(mail_app)
    _on(clock, date(2026, 12, 10), hour=1)  # the mail server was down all evening

    send_outbox(mail_app)

    assert mail.envelopes == []
    [expired] = rows(mail_app)
    assert expired.status == outbox.VOIDED
    assert expired.last_error == "too late: its moment has passed"


def test_the_watching_sender_sends_what_is_queued_while_it_runs(mail_app, mail):
    stop = threading.Event()

    def watching():
        with mail_app.app_context():
            outbox.watch(0.05, stop=stop.is_set)

    thread = threading.Thread(target=watching)
    thread.start()
    try:
        invite(mail_app)
        for _ in range(100):
            if mail.envelopes:
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert len(mail.envelopes) == 1


def test_the_sender_says_so_when_email_is_not_set_up(app):
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 1
    assert "Email is not set up" in result.output


def test_a_screening_moved_while_its_notice_waits_voids_the_old_notice(mail_app, mail):
    sid, _, _ = submit_screening(mail_app, visit={"appointment_date": "2026-12-10"})
    nurse = signed_in(mail_app, "nurse@example.com", "nurse")
    for day in ("2026-12-14", "2026-12-16"):
        response = post_decision(nurse, sid, "/move", {"new_date": day, "reason": "Asked"})
        assert response.status_code == 303
    send_outbox(mail_app)
    [notice] = mail.messages
    assert "Wednesday, December 16, 2026" in notice.get_content()
    with mail_app.app_context():
        assert db.session.get(Screening, sid).appointment_date == date(2026, 12, 16)


def test_a_cancelled_invitations_email_is_voided_and_the_list_gives_no_advice_to_resend(
    mail_app, mail
):
    invite(mail_app)
    nurse = signed_in(mail_app, "nurse@example.com", "nurse")
    page = nurse.get("/staff/invitations")
    [invitation] = rows(mail_app)
    cancelled = nurse.post(
        "/staff/invitations/cancel",
        data={
            "csrf_token": page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0],
            "invitation": str(invitation.invitation_id),
            "reason": "Patient called to cancel",
        },
    )
    assert cancelled.status_code == 303

    send_outbox(mail_app)

    assert mail.envelopes == []
    listed = nurse.get("/staff/invitations").text
    assert "not sent, as it should not be: the visit was canceled" in listed
    assert "Send the patient a new invitation" not in listed


def test_email_me_this_link_brings_the_patient_back_to_their_page(mail_app):
    patient = Patient(mail_app.test_client())
    patient.start()
    page = patient.client.get("/intake/later?back=about_you")  # "Finish later" from a page
    assert 'name="return_to" value="/intake/later?back=about_you"' in page.text

    # Browsers send no Referer (Referrer-Policy: no-referrer): the form says where it was.
    sent = patient.client.post(
        "/intake/email-link",
        data={"csrf_token": csrf_token(page.text), "return_to": "/intake/later?back=about_you"},
    )
    assert sent.status_code == 303
    assert sent.location.endswith("/intake/later?back=about_you")
    back = patient.client.get(sent.location).text  # with the way back to the page left
    assert 'href="/intake/about_you">Back to your answers</a>' in back
    elsewhere = patient.client.post(
        "/intake/email-link",
        data={"csrf_token": csrf_token(page.text), "return_to": "https://evil.example/x"},
    )
    assert elsewhere.location.endswith("/intake/check")


def test_several_senders_at_once_let_no_slow_message_hold_back_the_others(make_app):
    sink = SlowSink(seconds=1.0)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    stop = threading.Event()
    try:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, OUTBOX_SENDERS=4)
        for n in range(4):
            invite(app, "--email", f"neil{n}@example.com")
        watcher = threading.Thread(
            target=outbox.watch_with_threads, args=(app, 0.05, 4, stop.is_set)
        )
        started = time_now()
        watcher.start()
        while len(sink.envelopes) < 4 and time_now() - started < 10:
            stop.wait(0.05)
        took = time_now() - started
    finally:
        stop.set()
        controller.stop()
    assert len(sink.envelopes) == 4
    assert took < 3.5  # four 1-second messages side by side, not one after another


def time_now() -> float:
    import time

    return time.monotonic()
