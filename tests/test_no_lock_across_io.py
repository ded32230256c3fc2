"""No lock across I/O (issue 15): talking to the mail server, checking an uploaded file and
re-encoding an image never happen while SQLite's write lock is held, on any route; and a slow
mail server slows no one else's page."""

from __future__ import annotations

import asyncio
import io
import sqlite3
import threading
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from PIL import Image

from screening import notes
from screening.extensions import db
from screening.outreach import mailer, outbox
from tests.conftest import TEST_DATABASE_URL
from tests.intake.patient import Patient, csrf_token
from tests.mail_sink import MailSink, free_port, send_outbox
from tests.staff.helpers import post_decision, signed_in, submit_screening

pytestmark = [
    pytest.mark.usefixtures("light_password_hashing"),
    pytest.mark.skipif(bool(TEST_DATABASE_URL), reason="SQLite's database-wide write lock"),
]


def write_lock_held(database: Path) -> bool:
    """Whether anyone holds the database's write lock now: a fresh connection cannot take it."""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


@pytest.fixture
def probed(monkeypatch, database_url):
    """Wraps every piece of I/O the app does outside the database; each records whether the
    write lock was held when it ran. Returns {name: [held, ...]}."""
    database = Path(database_url.removeprefix("sqlite:///"))
    seen: dict[str, list[bool]] = {}

    def wrap(owner, name):
        real = getattr(owner, name)

        def probe(*args, **kwargs):
            seen.setdefault(name, []).append(write_lock_held(database))
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, probe)

    wrap(mailer, "send_message")  # SMTP
    wrap(notes, "check_upload")  # reading and checking an upload
    wrap(notes, "_reencode")  # decoding and re-encoding an image
    wrap(notes, "store_note")  # writing the file
    return seen


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, "PNG")
    return buffer.getvalue()


def test_no_route_talks_to_the_mail_server_or_handles_a_file_under_the_write_lock(
    make_app, mail, probed, clock
):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mail.port)
    sid, url, patient = submit_screening(app, health={"neuromuscular_disorder": "yes"})
    page = patient.get(url)
    uploaded = patient.post(
        f"{url}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(png()), "n.png")},
    )
    assert uploaded.status_code == 303
    nurse = signed_in(app, "nurse@example.com", "nurse")
    staff_upload = post_decision(
        nurse,
        sid,
        "/notes",
        {"kind": "provider_note", "file": (io.BytesIO(png()), "note.png")},
    )
    assert staff_upload.status_code == 303
    assert (
        post_decision(
            nurse, sid, "/move", {"new_date": "2026-12-12", "reason": "Asked"}
        ).status_code
        == 303
    )
    invitations = nurse.get("/staff/invitations")
    created = nurse.post(
        "/staff/invitations",
        data={
            "csrf_token": csrf_token(invitations.text),
            "first_name": "Ida",
            "last_name": "Vance",
            "email": "ida@example.com",
            "phone": "",
            "treatment": "pdo_smooth_threads",
            "appointment_date": "2026-12-20",
            "appointment_time": "10:00",
        },  # fmt: skip
    )
    assert created.status_code == 200
    resumer = Patient(app.test_client())
    resumer.start()
    resumer.answer(
        "about_you",
        {"first_name": "Bo", "last_name": "Li", "email": "bo@example.com",
         "phone": "909 555 0111", "date_of_birth": "1990-01-01"},
    )  # fmt: skip
    page = resumer.client.get("/intake/about_you")
    assert (
        resumer.client.post(
            "/intake/email-link", data={"csrf_token": csrf_token(page.text)}
        ).status_code
        == 303
    )
    clock.advance(days=1)
    assert app.test_cli_runner().invoke(args=["reminders", "send"]).exit_code == 0
    send_outbox(app)

    assert len(mail.envelopes) >= 3  # the move, the invitation and the patient's own link
    assert set(probed) == {"send_message", "check_upload", "_reencode", "store_note"}
    held = {name: calls for name, calls in probed.items() if any(calls)}
    assert held == {}, f"I/O under the write lock: {held}"


class BlockingSink(MailSink):
    """An SMTP server that holds every message until ``release`` is set."""

    def __init__(self):
        super().__init__()
        self.arrived = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.arrived.set()
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


def test_a_mail_server_that_hangs_slows_no_other_patient(make_app):
    sink = BlockingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sender = None
    try:
        app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        first = Patient(app.test_client())
        first.start()
        first.answer_all()
        page = first.client.get("/intake/check")
        emailed = first.client.post(
            "/intake/email-link", data={"csrf_token": csrf_token(page.text)}
        )
        assert emailed.status_code == 303

        def send():
            with app.app_context():
                outbox.send_due("sender")

        sender = threading.Thread(target=send)
        sender.start()
        assert sink.arrived.wait(10), "the sender never reached the mail server"

        # While the mail server holds the message, another patient does everything.
        second = Patient(app.test_client())
        response = second.complete()
        assert response.status_code == 303
        assert second.client.get(response.location).status_code == 200
        nurse = signed_in(app, "nurse@example.com", "nurse")
        assert nurse.get("/staff/").status_code == 200
        assert not sink.envelopes  # still held
    finally:
        sink.release.set()
        if sender is not None:
            sender.join(30)
        controller.stop()
    assert len(sink.envelopes) == 1
    with app.app_context():
        assert db.session.scalar(
            db.select(db.func.count()).select_from(outbox.OutboxMessage)
            .where(outbox.OutboxMessage.status == outbox.SENT)
        ) == 1  # fmt: skip
