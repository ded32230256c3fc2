"""Submitting once: double clicks, refreshes, resubmits and concurrent posts store one screening."""

from __future__ import annotations

import re
import threading

import pytest
from sqlalchemy import event, func, select

from screening.extensions import db
from screening.models import Draft, Screening
from screening.security import SESSION_COOKIE_HOST_NAME as SESSION_COOKIE
from tests.intake.patient import Patient, csrf_token

RESULT_URL = re.compile(r"^/intake/result/[A-Za-z0-9_-]{40,}$")
USER_AGENT = {"User-Agent": "TestPhone/1.0"}


def without_csrf_token(page: str) -> str:
    """The page with the value of each CSRF token blanked out."""
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1"', page)


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def ready_to_sign(app) -> tuple[Patient, dict]:
    """A patient on the consent page, and the consent form as the browser would send it."""
    patient = Patient(app.test_client())
    patient.start()
    patient.answer_all()
    page = patient.client.get("/intake/consent")
    assert page.status_code == 200
    return patient, {"csrf_token": csrf_token(page.text), "signature": "Ana Lopez", "agree": "y"}


def test_double_submit_stores_one_screening(app):
    patient, form = ready_to_sign(app)
    first = patient.client.post("/intake/consent", data=form, headers=USER_AGENT)
    second = patient.client.post("/intake/consent", data=form, headers=USER_AGENT)
    assert first.status_code == 303
    assert RESULT_URL.match(first.location), first.location
    assert second.status_code == 303
    assert second.location == first.location
    assert count(app, Screening) == 1


def test_refreshing_the_result_page_stores_nothing_more(app):
    patient = Patient(app.test_client())
    submitted = patient.complete()
    assert submitted.status_code == 303
    pages = [patient.client.get(submitted.location) for _ in range(3)]
    assert [page.status_code for page in pages] == [200, 200, 200]
    # The CSRF token carries a timestamp, so it may change between loads; the rest may not.
    assert without_csrf_token(pages[0].text) == without_csrf_token(pages[-1].text)
    assert count(app, Screening) == 1


def test_resubmitting_the_form_after_success_redirects_to_the_same_result(app):
    patient, form = ready_to_sign(app)
    submitted = patient.client.post("/intake/consent", data=form, headers=USER_AGENT)
    assert submitted.status_code == 303

    # Back button, then the consent page again: it now sends the patient to the outcome.
    again = patient.client.get("/intake/consent")
    assert (again.status_code, again.location) == (303, submitted.location)

    # The old form sent again, with a different signature this time.
    resent = patient.client.post(
        "/intake/consent", data={**form, "signature": "A. Lopez"}, headers=USER_AGENT
    )
    assert (resent.status_code, resent.location) == (303, submitted.location)

    # A question page from the browser history, posted again.
    page_form = {"csrf_token": form["csrf_token"], "return_to": "", "feeling_unwell": "yes"}
    step = patient.client.post("/intake/feeling", data=page_form)
    assert (step.status_code, step.location) == (303, submitted.location)

    assert count(app, Screening) == 1
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        assert screening.consent_signature == "Ana Lopez"
        assert screening.answers["feeling_unwell"] == "no"
        draft = db.session.get(Draft, screening.draft_id)
        assert draft.data["feeling_unwell"] == "no"


def test_concurrent_submits_store_one_screening(app):
    patient, form = ready_to_sign(app)
    session_cookie = patient.client.get_cookie(SESSION_COOKIE, domain="clinic.test")
    assert session_cookie is not None

    threads_count = 6
    barrier = threading.Barrier(threads_count)
    responses: list = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def submit() -> None:
        client = app.test_client()
        client.set_cookie(SESSION_COOKIE, session_cookie.value, domain="clinic.test")
        try:
            barrier.wait(timeout=10)
            response = client.post("/intake/consent", data=form, headers=USER_AGENT)
            with lock:
                responses.append((response.status_code, response.location))
        except BaseException as error:  # noqa: BLE001  (reported by the assertion below)
            with lock:
                failures.append(error)

    threads = [threading.Thread(target=submit) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not failures, failures
    assert len(responses) == threads_count
    statuses = {status for status, _ in responses}
    locations = {location for _, location in responses}
    assert statuses == {303}, responses
    assert len(locations) == 1, responses
    assert RESULT_URL.match(locations.pop())
    assert count(app, Screening) == 1
    assert count(app, Draft) == 1


def test_the_submit_holds_the_write_lock_only_while_it_writes(app):
    """On SQLite every transaction takes the one write lock at BEGIN unless it only reads: the
    consent POST reads and evaluates without it, then writes in a transaction of its own."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite's database-wide write lock: PostgreSQL locks rows, not the database")
    patient, form = ready_to_sign(app)
    statements: list[str] = []

    def record(statement: str) -> None:
        statements.append(" ".join(statement.split()[:2]))

    # What SQLite itself runs, the transaction statements sent to the driver included.
    def trace(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.set_trace_callback(record)

    def untrace(dbapi_connection, _record) -> None:
        dbapi_connection.set_trace_callback(None)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "checkout", trace)
    event.listen(engine, "checkin", untrace)
    try:
        response = patient.client.post("/intake/consent", data=form, headers=USER_AGENT)
    finally:
        event.remove(engine, "checkout", trace)
        event.remove(engine, "checkin", untrace)

    assert response.status_code == 303
    assert RESULT_URL.match(response.location)
    split = statements.index("BEGIN IMMEDIATE")
    reading, writing = statements[:split], statements[split:]
    # The draft, then the person's earlier screenings (lifecycle invariant 6), both unlocked;
    # the reading transaction ends before the lock is asked for.
    assert reading == ["BEGIN", "SELECT drafts.id,", "SELECT screenings.id", "COMMIT"]
    # The screening and its audit row (the chain's last row read under the lock), one write.
    assert writing == [
        "BEGIN IMMEDIATE",
        "INSERT INTO",
        "SELECT audit_events.row_hash",
        "INSERT INTO",
        "COMMIT",
    ]
    # The screening holds what the reading transaction saw, with the columns' defaults.
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        assert screening.consent_signature == "Ana Lopez"
        assert screening.row_version == 1
        assert screening.questions_not_asked == []
        assert screening.finding_states == {}
