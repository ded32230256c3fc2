"""No protected health information (PHI) in logs or URLs; the outcome only behind a long token."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from urllib.parse import unquote_plus

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from screening.extensions import db
from screening.models import Screening
from screening.security import SESSION_COOKIE_HOST_NAME as SESSION_COOKIE
from tests.checking_client import CheckingClient
from tests.intake.patient import ABOUT_YOU, Patient, csrf_token, date_parts

PERSON = {
    "first_name": "Zelphine",
    "last_name": "Quarrington",
    "email": "zelphine.quarrington@example.org",
    "phone": "(909) 555-0147",
    "date_of_birth": "1987-03-29",
}
# PERSON as the about-you page sends it: the date of birth in its three boxes.
PERSON_SENT = {
    **{name: value for name, value in PERSON.items() if name != "date_of_birth"},
    **date_parts("date_of_birth", PERSON["date_of_birth"]),
}
SIGNATURE = "Zelphine Quarrington"
RESULT_PATH = re.compile(r"^/intake/result/([A-Za-z0-9_-]+)$")


def phi_in(text: str) -> list[str]:
    """The patient's identifiers found in ``text`` (URL-decoded, any case, any phone format)."""
    text = unquote_plus(text)
    lowered = text.lower()
    found = [
        value
        for value in (
            PERSON["first_name"],
            PERSON["last_name"],
            PERSON["email"],
            PERSON["phone"],
            PERSON["date_of_birth"],
            "29 March 1987",
            "March 29, 1987",
            "03/29/1987",
        )
        if value.lower() in lowered
    ]
    if "9095550147" in re.sub(r"[\s().+-]", "", text):
        found.append("phone digits")
    return found


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "action", "src", "formaction") and value:
                self.urls.append(value)


class RecordingClient(CheckingClient):
    """Keeps every URL it requested, every redirect and every link of every page it fetched."""

    urls: list[str]

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        seen = self.__dict__.setdefault("urls", [])
        seen.append(response.request.url)
        if response.location:
            seen.append(response.location)
        if response.mimetype == "text/html":
            parser = _Links()
            parser.feed(response.get_data(as_text=True))
            seen.extend(parser.urls)
        return response


@pytest.fixture
def patient(app):
    app.test_client_class = RecordingClient
    return Patient(app.test_client())


def walk_through(patient: Patient):
    """The whole questionnaire with PERSON's identity; returns the final submit."""
    patient.start()
    patient.answer_all(about_you=PERSON)
    return patient.sign(signature=SIGNATURE)


def log_text(record: logging.LogRecord) -> str:
    """All a log record could write out: message, arguments, traceback and stack."""
    parts = [record.getMessage(), repr(record.args), record.exc_text or "", record.stack_info or ""]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)


def assert_no_phi_in_logs(records: list[logging.LogRecord]) -> None:
    leaks = [(r.name, r.levelname, phi_in(log_text(r))) for r in records if phi_in(log_text(r))]
    assert not leaks, leaks


def test_walk_through_logs_no_phi(patient, caplog):
    caplog.set_level(logging.DEBUG)
    submitted = walk_through(patient)
    assert submitted.status_code == 303
    assert patient.client.get(submitted.location).status_code == 200
    assert_no_phi_in_logs(caplog.records)


def plain_client(app, patient: Patient) -> FlaskClient:
    """A client without page checks, holding the patient's session."""
    client = FlaskClient(app)
    cookie = patient.client.get_cookie(SESSION_COOKIE, domain="clinic.test")
    client.set_cookie(SESSION_COOKIE, cookie.value, domain="clinic.test")
    return client


def test_form_errors_log_no_phi(app, patient, caplog):
    caplog.set_level(logging.DEBUG)
    patient.start()
    invalid = patient.answer("about_you", {**PERSON, "email": PERSON["email"] + "@"})
    assert invalid.status_code in (200, 400)
    assert "Enter an email address" in invalid.text
    # A post whose CSRF token has gone stale, carrying the patient's details.
    stale = plain_client(app, patient).post(
        "/intake/about_you", data={**PERSON_SENT, "csrf_token": "stale"}
    )
    assert stale.status_code == 400
    assert "timed out" in stale.text
    assert_no_phi_in_logs(caplog.records)


def test_timed_out_page_can_be_sent_again(app, patient):
    """After a stale CSRF token the page shows the answers again, and sending it works."""
    patient.start()
    stale = plain_client(app, patient).post(
        "/intake/about_you", data={**PERSON_SENT, "csrf_token": "stale", "return_to": ""}
    )
    assert stale.status_code == 400
    assert "timed out" in stale.text
    assert PERSON["email"] in stale.text  # what was typed is kept (in the page, not the URL)
    assert 'name="csrf_token"' in stale.text, "the timed-out page has no CSRF token"
    resent = patient.client.post(
        "/intake/about_you",
        data={**PERSON_SENT, "csrf_token": csrf_token(stale.text), "return_to": ""},
    )
    assert resent.status_code == 303


def test_an_unexpected_database_error_logs_no_phi(app, patient, caplog):
    """A failure while storing the screening (disk, network) is logged without the answers."""
    caplog.set_level(logging.DEBUG)
    patient.start()
    patient.answer_all(about_you=PERSON)

    def fail_on_insert(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO SCREENINGS"):
            raise conn.dialect.loaded_dbapi.OperationalError("simulated disk I/O error")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", fail_on_insert)
    try:
        response = patient.sign(signature=SIGNATURE)
    finally:
        event.remove(engine, "before_cursor_execute", fail_on_insert)

    assert response.status_code == 500
    assert not phi_in(response.get_data(as_text=True).replace(SIGNATURE, "")), "PHI on error page"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "the failure was not logged"
    assert_no_phi_in_logs(caplog.records)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 0


def test_no_phi_in_redirects_or_links(patient):
    submitted = walk_through(patient)
    assert submitted.status_code == 303
    patient.client.get(submitted.location)
    patient.client.get("/intake/resume/" + RESULT_PATH.match(submitted.location).group(1))
    patient.client.get("/")
    urls = patient.client.urls
    assert any("/intake/about_you" in url for url in urls)  # the recorder saw the walk-through
    leaks = [(url, phi_in(url)) for url in urls if phi_in(url)]
    assert not leaks, leaks


def test_no_phi_in_links_of_pages_showing_answers(patient):
    patient.start()
    patient.answer_all(about_you=PERSON)
    check = patient.client.get("/intake/check")
    assert check.status_code == 200
    assert PERSON["last_name"] in check.text  # the page shows the answers ...
    parser = _Links()
    parser.feed(check.text)
    leaks = [(url, phi_in(url)) for url in parser.urls if phi_in(url)]
    assert not leaks, leaks  # ... but no link carries them


def test_result_only_behind_a_long_token(app, patient):
    submitted = walk_through(patient)
    assert submitted.status_code == 303
    match = RESULT_PATH.match(submitted.location)
    assert match, submitted.location
    token = match.group(1)
    assert len(token) >= 40

    stranger = app.test_client()  # no session: the link alone opens the page
    assert stranger.get(f"/intake/result/{token}").status_code == 200
    with app.app_context():
        screening_id = db.session.scalars(select(Screening.id)).one()
    for guess in (token[:-1], token[:20], token + "x", str(screening_id), "", "1"):
        assert stranger.get(f"/intake/result/{guess}").status_code in (404, 405), guess
    for other in ("/intake/result", f"/intake/result?token={token}", f"/result/{token}"):
        response = stranger.get(other)
        assert response.status_code in (301, 302, 303, 308, 404, 405), other
        assert PERSON["first_name"] not in response.get_data(as_text=True)


def test_default_patient_is_not_the_privacy_fixture():
    # The checks above look for PERSON's identity, which must not be Patient's default one.
    assert not set(PERSON.values()) & set(ABOUT_YOU.values())
    assert csrf_token('<input name="csrf_token" value="t">') == "t"


def test_a_patients_pages_show_no_staff_links_on_a_device_where_staff_are_signed_in(app):
    from tests.staff.helpers import signed_in

    device = signed_in(app, "front.desk@example.org", "nurse")
    assert 'class="staff-nav"' in device.get("/staff/").text
    patient = Patient(device)
    patient.start()
    patient.answer_all()
    paths = {"/": 200, "/intake/": 200, "/intake/visit": 200, "/intake/check": 200}
    paths["/intake/no-such-page"] = 404
    for path, status in paths.items():
        page = device.get(path)
        assert page.status_code == status, path
        assert 'class="staff-nav"' not in page.text and "Sign out" not in page.text, path
    submitted = patient.sign()
    outcome = device.get(submitted.location)
    assert outcome.status_code == 200 and 'class="staff-nav"' not in outcome.text
