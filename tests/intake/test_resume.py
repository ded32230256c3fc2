"""Save and resume: answers kept at each Continue, the back button, changing an answer from
check your answers, and the resume link on a new device, after a restart and once expired."""

from __future__ import annotations

import html
import re
import secrets
from datetime import date

import pytest
from sqlalchemy import select

from screening.extensions import db
from screening.models import Screening
from tests.intake.patient import PAGES, Patient, csrf_token
from tests.intake.test_bad_input import form_values, shown_when_saved

RESUME = re.compile(r"http://clinic\.test(/intake/resume/([\w-]+))")
SECRETS = ("Ana", "Lopez", "ana@example.com", "909 555 0100", "1990-05-17", "May 17, 1990")


def resume_path(client) -> str:
    """The patient's own link, from "Finish later"."""
    match = RESUME.search(client.get("/intake/later").text)
    assert match, "Finish later shows no link"
    return match.group(1)


def check_rows(client) -> dict[str, str]:
    """``{question id: answer as shown}`` of check your answers."""
    page = client.get("/intake/check")
    assert page.status_code == 200
    rows = re.findall(
        r'id="row-(\w+)">\s*<dt[^>]*>.*?</dt>\s*<dd class="summary__value">(.*?)</dd>',
        page.text,
        re.S,
    )
    return {
        name: re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", value))).strip()
        for name, value in rows
    }


def started(client) -> Patient:
    patient = Patient(client)
    patient.start()
    return patient


def test_each_continue_saves_the_page_and_back_shows_it(client):
    patient = started(client)
    answered = []
    for step, answers in PAGES.items():
        assert patient.answer(step, answers).status_code == 303
        answered.append(step)
        for earlier in answered:  # the back button, page after page
            page = client.get(f"/intake/{earlier}")
            assert page.status_code == 200
            assert form_values(page.text) == shown_when_saved(earlier), earlier


def test_every_page_leads_to_finish_later_and_the_same_link(client):
    patient = started(client)
    patient.answer_all()
    first = resume_path(client)
    for page in PAGES:  # a button of the page's form, which saves the page on the way
        shown = client.get(f"/intake/{page}").text
        assert '<button type="submit" class="link-button" name="leave" value="later">' in shown
        later = client.post(
            f"/intake/{page}", data={"csrf_token": csrf_token(shown), "leave": "later"}
        )
        assert later.location == f"/intake/later?back={page}"
        assert RESUME.search(client.get(later.location).text).group(1) == first
    for page in ("check", "consent"):  # nothing to save: a link
        assert f'href="/intake/later?back={page}"' in client.get(f"/intake/{page}").text


def test_check_page_has_a_change_link_for_every_answer(client):
    patient = started(client)
    patient.answer_all(
        medicines={"bleeding_risk_substances": ["aspirin"], "bleeding_risk_last_dose": "2026-11-20"}
    )

    page = client.get("/intake/check").text

    # A date of birth's link goes to its first box: the month, in English.
    focus = {"date_of_birth": "date_of_birth-month"}
    expected = {
        f"/intake/{step}?change=1#{focus.get(name, name)}"
        for step, answers in PAGES.items()
        for name in answers
    } | {"/intake/medicines?change=1#bleeding_risk_last_dose"}
    links = set(re.findall(r'<a href="([^"]*\?change=1#[\w-]+)">Change', page))
    assert links == expected
    assert set(check_rows(client)) == {name for answers in PAGES.values() for name in answers} | {
        "bleeding_risk_last_dose"
    }


CHANGES = [
    pytest.param("about_you", {"first_name": "Bea"}, {"first_name": "Bea"}, id="first-name"),
    pytest.param(
        "about_you",
        {"date_of_birth": "1985-01-02"},
        {"date_of_birth": "Wednesday, January 2, 1985"},
        id="date-of-birth",
    ),
    pytest.param("visit", {"treatment_areas": ["lips"]}, {"treatment_areas": "Lips"}, id="areas"),
    # Not "breastfeeding": a "yes" there settles that the visit cannot go ahead (test_told_early).
    pytest.param(
        "health",
        {"neuromuscular_disorder": "yes"},
        {"neuromuscular_disorder": "Yes"},
        id="neuromuscular-disorder",
    ),
    pytest.param(
        "medicines",
        {
            "bleeding_risk_substances": ["aspirin", "garlic"],
            "bleeding_risk_last_dose": "11/20/2026",
        },
        {
            "bleeding_risk_substances": "Aspirin, Garlic supplements",
            "bleeding_risk_last_dose": "Friday, November 20, 2026",
        },
        id="substances-and-last-dose",
    ),
    pytest.param("feeling", {"cold_sore": "yes"}, {"cold_sore": "Yes"}, id="cold-sore"),
]


@pytest.mark.parametrize(("step", "change", "shown"), CHANGES)
def test_change_link_returns_to_check_with_the_new_answer_and_the_rest_kept(
    client, step, change, shown
):
    patient = started(client)
    patient.answer_all()
    before = check_rows(client)
    change_page = client.get(f"/intake/{step}?change=1")
    assert 'name="return_to" value="check"' in change_page.text

    response = patient.answer(step, {**PAGES[step], **change}, query="?change=1")

    assert response.status_code == 303
    assert response.headers["Location"] == "/intake/check"
    assert check_rows(client) == {**before, **shown}


def test_changing_the_appointment_date_keeps_the_other_answers(app, client):
    patient = started(client)
    patient.answer_all()
    before = check_rows(client)

    back = patient.answer("visit", {**PAGES["visit"], "appointment_date": "2026-12-15"})

    assert back.headers["Location"] == "/intake/pregnancy"  # on through the pages as before
    for step in PAGES:
        if step != "visit":
            assert form_values(client.get(f"/intake/{step}").text) == shown_when_saved(step)
    assert check_rows(client) == {**before, "appointment_date": "Tuesday, December 15, 2026"}
    assert patient.sign().status_code == 303
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        assert screening.appointment_date == date(2026, 12, 15)
        assert screening.answers["pregnant"] == "no"
        assert screening.answers["treatment_areas"] == ["smile_lines", "neck"]
        assert screening.outcome == "clear"


def test_resume_link_continues_on_a_new_device(app, client):
    patient = started(client)
    for step in ("about_you", "visit", "pregnancy"):
        patient.answer(step, PAGES[step])
    link = resume_path(client)

    new_device = app.test_client()
    resumed = new_device.get(link)

    assert resumed.status_code == 303
    assert resumed.headers["Location"] == "/intake/health"  # the first page left to answer
    for step in ("about_you", "visit", "pregnancy"):
        page = new_device.get(f"/intake/{step}")
        assert form_values(page.text) == shown_when_saved(step)
    on_new_device = Patient(new_device)
    for step in ("health", "medicines", "skin", "feeling"):
        assert on_new_device.answer(step, PAGES[step]).status_code == 303
    submitted = on_new_device.sign()
    assert submitted.status_code == 303
    assert new_device.get(submitted.headers["Location"]).status_code == 200


def test_resume_link_works_after_a_restart(make_app, client):
    patient = started(client)
    patient.answer_all()
    link = resume_path(client)
    before = check_rows(client)

    restarted = make_app().test_client()
    resumed = restarted.get(link)

    assert resumed.status_code == 303
    assert resumed.headers["Location"] == "/intake/check"
    assert check_rows(restarted) == before
    assert Patient(restarted).sign().status_code == 303


@pytest.mark.parametrize("device", ["same", "new"])
def test_expired_resume_link_says_so_and_shows_no_answers(app, client, clock, device):
    patient = started(client)
    patient.answer_all()
    link = resume_path(client)

    clock.advance(days=8)
    browser = client if device == "same" else app.test_client()
    responses = [browser.get("/intake/about_you")] if device == "same" else []
    responses.append(browser.get(link))

    for response in responses:
        assert response.status_code == 410
        assert "This link has expired" in response.text
        for secret in SECRETS:
            assert secret not in response.text
    assert browser.get(link).status_code == 410  # and it stays expired


def test_resume_link_still_works_within_seven_days(app, client, clock):
    patient = started(client)
    patient.answer_all()
    link = resume_path(client)

    clock.advance(days=6, hours=23)
    resumed = app.test_client().get(link)

    assert resumed.status_code == 303
    assert resumed.headers["Location"] == "/intake/check"


@pytest.mark.parametrize(
    "token",
    [secrets.token_urlsafe(32), "x", "x" * 500, "..%2F..%2Fcheck"],
    ids=["random", "short", "long", "path"],
)
def test_unknown_resume_link_is_not_found(client, token):
    response = client.get(f"/intake/resume/{token}")

    assert response.status_code == 404
    assert client.get("/intake/check").headers["Location"] == "/intake/"
