"""What anyone may do without signing in is limited: starting questionnaires and uploading
notes, per address (the limiter, ``PATIENT_*_LIMIT``); questionnaires sent, per address, and
uploads per screening per day (both counted in the database). A refusal is a 429 page, or the
patient's page, saying what was refused in the patient's language; it is audited. A valid
invitation link is never limited, no bound is a total one address could use up for everyone,
and every limit lifts after its window.

The limiter's memory storage reads ``time.time``; ``limiter_clock`` makes it (and the limit
pages' "try again in") read the test's clock, so ``clock.advance`` moves the limits' windows and
the database's days together.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from screening.extensions import db
from screening.models import AuditEvent, Draft, Note, Screening
from tests.intake.patient import Patient, accept_invitation, csrf_token
from tests.intake.test_spanish_everywhere import assert_all_spanish
from tests.security.test_upload_attacks import NEEDS_PROVIDER_NOTE, PDF, files_under
from tests.staff.helpers import submit_screening
from tests.test_invitations import make_invitation

MB = 1024 * 1024
TEN_MB_PDF = b"%PDF-1.4\n" + b"0" * (10 * MB - 16) + b"\n%%EOF\n"


@pytest.fixture
def limiter_clock(monkeypatch, clock):
    """The limiter's storage on the test's clock."""
    import limits.storage.memory

    from screening.intake import limits as patient_limits

    now = SimpleNamespace(time=lambda: clock.now.timestamp())
    monkeypatch.setattr(limits.storage.memory, "time", now)
    monkeypatch.setattr(patient_limits, "time", now)
    return clock


@pytest.fixture
def limited(make_app, limiter_clock, tmp_path):
    """An app with the limiter on (the suite's apps have it off), its limits the defaults."""

    def make(**settings):
        return make_app(RATELIMIT_ENABLED=True, UPLOAD_FOLDER=str(tmp_path / "up"), **settings)

    return make


def limited_rows(app) -> list[SimpleNamespace]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "limited").order_by(AuditEvent.id)
        )
        return [
            SimpleNamespace(
                result=r.result,
                type=r.object_type,
                id=r.object_id,
                detail=r.detail,
                ip=r.ip_address,
            )
            for r in rows
        ]


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def start_draft(client, token: str):
    return client.post("/intake/", data={"csrf_token": token})


def upload(client, result_url: str, content: bytes = PDF, filename: str = "note.pdf"):
    page = client.get(result_url)
    sent = {"csrf_token": csrf_token(page.text), "file": (io.BytesIO(content), filename)}
    return client.post(f"{result_url}/notes", data=sent)


def patient_notes(app, screening_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(Note).where(Note.screening_id == screening_id)
        )


# --- starting questionnaires -------------------------------------------------------------------


def test_forty_drafts_at_once_from_one_address_are_refused_after_the_limit(limited):
    app = limited()  # PATIENT_DRAFT_RATE_LIMIT = "20 per hour"
    client = app.test_client()
    token = csrf_token(client.get("/intake/").text)

    answers = [start_draft(client, token) for _ in range(40)]

    assert [r.status_code for r in answers] == [303] * 20 + [429] * 20
    assert count(app, Draft) == 20
    refused = answers[-1]
    assert "Too many questionnaires started" in refused.text
    assert "Many questionnaires have been started from your internet connection" in refused.text
    assert "Please try again in 60 minutes." in refused.text
    assert "something went wrong" not in refused.text.lower()
    assert "Retry-After" in refused.headers
    # Audited, once a minute per address and limit: a flood of refusals is no flood of writes.
    [row] = limited_rows(app)
    assert (row.result, row.type, row.id) == ("refused", "page", "intake.start")
    assert row.detail == "drafts per address: 20 per 1 hour"
    assert row.ip == "127.0.0.1"
    # Reading the start page is not limited; another address is not limited by this one's.
    assert client.get("/intake/").status_code == 200
    elsewhere = app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert start_draft(elsewhere, csrf_token(elsewhere.get("/intake/").text)).status_code == 303


def test_the_draft_limit_lifts_after_its_window(limited, limiter_clock):
    app = limited(PATIENT_DRAFT_RATE_LIMIT="3 per hour")
    client = app.test_client()
    token = csrf_token(client.get("/intake/").text)
    assert [start_draft(client, token).status_code for _ in range(4)] == [303, 303, 303, 429]
    limiter_clock.advance(minutes=30)
    assert start_draft(client, token).status_code == 429
    limiter_clock.advance(minutes=31)
    assert start_draft(client, token).status_code == 303
    assert len(limited_rows(app)) == 2  # one for each minute with refusals


def test_a_valid_invitation_link_is_never_limited_on_starting_its_draft(limited):
    app = limited(PATIENT_DRAFT_RATE_LIMIT="2 per hour")
    client = app.test_client()
    token = csrf_token(client.get("/intake/").text)
    assert [start_draft(client, token).status_code for _ in range(3)] == [303, 303, 429]

    # The same address, over its limit: every invitation still starts.
    for _ in range(3):
        _, invited = make_invitation(app)
        assert accept_invitation(app.test_client(), invited).status_code == 303
    # A used or guessed token is no invitation: limited as any other start.
    guessed = app.test_client()
    # Used: its page asks for the date of birth (issue 18); Start is refused.
    assert "enter your date of birth" in guessed.get(f"/intake/invite/{invited}").text
    own_token = csrf_token(guessed.get("/intake/").text)
    for path in (f"/intake/invite/{invited}", "/intake/invite/not-a-token"):
        assert guessed.post(path, data={"csrf_token": own_token}).status_code == 429


def test_the_limit_page_reads_in_spanish(limited):
    app = limited(PATIENT_DRAFT_RATE_LIMIT="1 per hour")
    pages = []
    for language in ("en", "es"):
        client = app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
        token = csrf_token(client.get("/intake/").text)
        start_draft(client, token)
        refused = start_draft(client, token)
        assert refused.status_code == 429
        pages.append(refused.text)
    assert "Se han empezado demasiados cuestionarios" in pages[1]
    assert "Vuelva a intentarlo en 60 minutos." in pages[1]
    assert_all_spanish(*pages, "too many questionnaires started")


# --- sending them ------------------------------------------------------------------------------


def test_ten_complete_screenings_from_one_address_are_limited(limited, limiter_clock):
    # Lower than the default (20 an hour), so that ten patients reach it.
    app = limited(PATIENT_SUBMIT_RATE_LIMIT="5 per hour")
    answers = []
    for _ in range(10):
        patient = Patient(app.test_client())
        answers.append((patient, patient.complete()))

    assert [r.status_code for _, r in answers] == [303] * 5 + [429] * 5
    assert count(app, Screening) == 5
    patient, refused = answers[-1]
    assert "Too many questionnaires sent" in refused.text
    assert "Your answers are saved." in refused.text
    assert 'href="/intake/consent"' in refused.text  # back to where they were
    [row] = limited_rows(app)
    assert (row.id, row.detail) == ("intake.consent", "submits per address: 5 per 1 hour")

    # An hour later the same patient sends the answers that were kept.
    limiter_clock.advance(hours=1, minutes=1)
    sent = patient.sign()
    assert sent.status_code == 303
    assert "/intake/result/" in sent.location
    assert count(app, Screening) == 6


def test_only_questionnaires_stored_count_towards_the_limit_of_an_address(limited):
    """Counted from the screenings stored from the address: a consent form sent back for a
    missing signature takes nothing from it, and another address has its own."""
    app = limited(PATIENT_SUBMIT_RATE_LIMIT="2 per hour")
    first = Patient(app.test_client())
    first.start()
    first.answer_all()
    for _ in range(3):
        assert first.sign(signature="").status_code == 200  # sent back, nothing stored
    assert first.sign().status_code == 303
    assert Patient(app.test_client()).complete().status_code == 303

    refused = Patient(app.test_client()).complete()
    assert refused.status_code == 429
    assert "Too many questionnaires sent" in refused.text
    # Until the oldest of the two leaves the hour's window (the clock has not moved).
    assert refused.headers["Retry-After"] == "3600"
    assert "Please try again in 60 minutes." in refused.text

    elsewhere = Patient(app.test_client())
    elsewhere.client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert elsewhere.complete().status_code == 303
    assert count(app, Screening) == 3


# --- uploading notes ---------------------------------------------------------------------------


def test_ten_files_of_ten_mb_for_one_screening_are_bounded_per_day(limited, tmp_path, clock):
    app = limited()  # six a day per screening; the address's own limits are not reached here
    sid, result_url, patient = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    other_sid, other_url, other = submit_screening(app, **NEEDS_PROVIDER_NOTE)

    answers = [upload(patient, result_url, TEN_MB_PDF) for _ in range(10)]

    assert [r.status_code for r in answers] == [303] * 6 + [429] * 4
    assert patient_notes(app, sid) == 6
    assert len(files_under(tmp_path / "up")) == 6
    refused = answers[-1]
    assert "You have sent 6 files in the last 24 hours, the most we accept in a day." in (
        refused.text
    )
    assert "Send us the note" in refused.text  # the patient's own page, with the message
    rows = limited_rows(app)
    assert len(rows) == 4  # each refusal
    assert {(r.type, r.id, r.detail) for r in rows} == {
        ("screening", str(sid), "note upload: uploads per screening, 6 per day")
    }
    # Per screening, never a total: another patient's screening still takes its notes.
    assert upload(other, other_url, TEN_MB_PDF).status_code == 303
    assert patient_notes(app, other_sid) == 1

    clock.advance(hours=24, minutes=1)
    assert upload(patient, result_url, TEN_MB_PDF).status_code == 303
    assert patient_notes(app, sid) == 7


def test_uploads_from_one_address_are_bounded_per_day(limited, limiter_clock):
    app = limited(PATIENT_UPLOAD_DAILY_LIMIT="8 per day")
    first_sid, first_url, first = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    second_sid, second_url, second = submit_screening(app, **NEEDS_PROVIDER_NOTE)

    answers = [upload(first, first_url) for _ in range(5)]
    answers += [upload(second, second_url) for _ in range(4)]

    assert [r.status_code for r in answers] == [303] * 8 + [429]
    refused = answers[-1]
    assert "Too many files sent" in refused.text
    assert "You can also bring the paper note to your appointment." in refused.text
    assert f'href="{second_url}"' in refused.text
    [row] = limited_rows(app)
    assert (row.id, row.detail) == ("intake.upload_note", "uploads per address: 8 per 1 day")
    # A day's bound, not an hour's.
    limiter_clock.advance(hours=3)
    assert upload(second, second_url).status_code == 429
    # Per address, never a total: the same screening's patient elsewhere still uploads.
    second.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert upload(second, second_url).status_code == 303

    limiter_clock.advance(days=1)
    first.environ_base["REMOTE_ADDR"] = "127.0.0.1"
    assert upload(first, first_url).status_code == 303
    assert patient_notes(app, first_sid) + patient_notes(app, second_sid) == 10


def test_uploads_from_one_address_are_limited_per_hour(limited, limiter_clock):
    app = limited(PATIENT_UPLOAD_RATE_LIMIT="3 per hour")
    _, result_url, patient = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    assert [upload(patient, result_url).status_code for _ in range(4)] == [303] * 3 + [429]
    limiter_clock.advance(hours=1, seconds=1)
    assert upload(patient, result_url).status_code == 303


# --- emailing one's own link -------------------------------------------------------------------


def test_email_me_this_link_over_its_limit_is_a_page_saying_so(limited):
    app = limited()  # three emails an hour per link, ten per address
    patient = Patient(app.test_client())
    patient.start()
    page = patient.client.get("/intake/about_you")
    sent = {"csrf_token": csrf_token(page.text), "return_to": "/intake/about_you"}
    answers = [patient.client.post("/intake/email-link", data=sent) for _ in range(4)]

    assert [r.status_code for r in answers] == [303] * 3 + [429]
    refused = answers[-1]
    assert "Too many emails asked for" in refused.text
    assert "You can copy it from the page instead." in refused.text
    assert 'href="/intake/about_you"' in refused.text
    [row] = limited_rows(app)
    assert (row.id, row.detail) == ("intake.email_link", "emails per link: 3 per 1 hour")


@pytest.mark.parametrize("setting", ["RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"])
def test_a_limit_no_route_checks_is_refused_at_start(make_app, setting):
    """Each limit is a route's own decorator; one for every route would go unchecked (the check
    before every request is taken out), so the app refuses to start with it."""
    with pytest.raises(RuntimeError, match=f"{setting} is not checked here"):
        make_app(**{setting: "100 per minute"})
