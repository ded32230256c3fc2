"""The lifecycle of ``lifecycle.md`` in the browser: a nurse moves a visit and the patient answers
the re-check from their link; a visit cancelled and the cancellation undone; a treatment not
suitable; the day-of check-in's errors; the status changes, a person's earlier screening
compared, and an invited visit cancelled. Patients on a phone (390 x 844), staff as the other
staff tests; every page reached passes ``check_page``, error states included.

The test clock is the live app's ``CLOCK`` (noon in Los Angeles on 1 December 2026): a test
moves it through the ``clock`` fixture below, which puts it back afterwards."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from PIL import Image
from sqlalchemy import select

from screening.extensions import db
from screening.models import Invitation, Screening, StatusChange
from tests.browser.checks import check_page, focus_lands_on, focused
from tests.browser.patient import (
    answer,
    answer_by_keyboard,
    field_names,
    press,
    sign,
    step_of,
    submit,
    tab_to,
)
from tests.conftest import Clock
from tests.intake.patient import ABOUT_YOU, ANSWERS, csrf_token
from tests.staff.helpers import PASSWORD, make_staff, submit_screening

pytestmark = pytest.mark.browser

NURSE = "lena.lifecycle@clinic.example"
SUMMARY = "[data-error-summary]"


def noon_in_los_angeles(day: int) -> datetime:
    return datetime(2026, 12, day, 20, 0, tzinfo=UTC)


@pytest.fixture
def clock(live_app) -> Iterator[Clock]:
    """The live app's clock, put back where it was after the test."""
    clock = live_app.config["CLOCK"]
    was = clock.now
    yield clock
    clock.now = was


@pytest.fixture(scope="module")
def nurse(live_app) -> str:
    make_staff(live_app, NURSE, "nurse", name="Lena Berg")
    return NURSE


def person(first_name: str, last_name: str, phone: str) -> dict[str, str]:
    """About-you answers of a person of this module's own (no other test's screenings link to
    theirs: a different last name, email and phone)."""
    email = f"{first_name}.{last_name}@example.com".lower()
    return {
        **ABOUT_YOU,
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "phone": phone,
    }


def screening_id_of(app, last_name: str) -> int:
    with app.app_context():
        return db.session.scalars(
            select(Screening.id).where(Screening.last_name == last_name).order_by(Screening.id)
        ).all()[-1]


def submitted(app, about_you: dict[str, str], note: bool = False, **pages) -> tuple[int, str]:
    """A patient submits through the app (fast, no browser), and uploads a PNG note from their
    outcome page when ``note``: the screening's id and the path of the patient's outcome link."""
    screening_id, result_url, patient = submit_screening(app, about_you=about_you, **pages)
    if note:
        image = io.BytesIO()
        Image.new("RGB", (24, 16), (0, 90, 200)).save(image, format="PNG")
        image.seek(0)
        token = csrf_token(patient.get(result_url).text)
        sent = patient.post(
            f"{result_url}/notes", data={"csrf_token": token, "file": (image, "note.png")}
        )
        assert sent.status_code == 303, sent.text[:500]
    return screening_id, urlsplit(result_url).path


def questionnaire(page, about_you: dict[str, str], **overrides: dict) -> None:
    """The patient answers every page on the phone (any treatment's pages): nothing to report
    but ``overrides``, by page; every page is checked. Ends on the outcome page, signed, or
    sent once told the visit cannot go ahead as booked."""
    page.goto("/intake/")
    check_page(page)
    submit(page)
    pending = {"about_you": about_you, **overrides}
    while (step := step_of(page)) not in ("check", "cannot-go-ahead"):
        check_page(page)
        shown = {
            name: ANSWERS[name]
            for name in field_names(page)
            if name in ANSWERS and page.is_visible(f'[name="{name}"], [name="{name}-day"]')
        }
        answer(page, {**shown, **pending.pop(step, {})})
        assert step_of(page) != step, f"{step}: {page.inner_text(SUMMARY)}"
    if step == "cannot-go-ahead":
        # Told the visit cannot go ahead as booked: the answers are sent, no consent signed.
        check_page(page)
        submit(page)  # Send my answers to the clinic
        assert step_of(page) == "result"
        return
    assert not pending, f"pages this questionnaire does not have: {sorted(pending)}"
    check_page(page)
    submit(page)
    check_page(page)
    sign(page)
    assert step_of(page) == "result"


def signed_in_nurse(new_page, email: str):
    page = new_page()
    page.goto("/staff/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    submit(page)
    assert page.inner_text("h1") == "Review queue"
    check_page(page, patient=False)
    return page


def type_date(page, selector: str, iso: str) -> None:
    """Type a date into the focused date field's segments (month, day, year in Chromium)."""
    year, month, day = iso.split("-")
    page.keyboard.type(month + day + year)
    assert page.input_value(selector) == iso


def summary_leads_to(page, target: str) -> None:
    """The error summary has the focus and its link, followed with the keyboard, puts the focus
    on ``target`` (an id)."""
    assert focus_lands_on(page, SUMMARY)["text"].startswith("There is a problem")
    tab_to(page, f'{SUMMARY} a[href="#{target}"]')
    page.keyboard.press("Enter")
    assert focused(page)["id"] == target


def test_a_moved_visit_waits_for_the_patients_recheck(new_page, live_app, nurse, clock):
    about_you = person("Rosa", "Haldane", "909 555 0141")
    patient = new_page()
    questionnaire(patient, about_you, feeling={"cold_sore": "yes"})
    assert patient.inner_text("h1") == (
        "Your appointment on Thursday, December 10, 2026 can't go ahead"
    )
    check_page(patient, "lifecycle-cold-sore")
    link = urlsplit(patient.url).path

    # The nurse moves the visit a week on, with the keyboard: once without a reason.
    page = signed_in_nurse(new_page, nurse)
    screening_id = screening_id_of(live_app, "Haldane")
    page.goto(f"/staff/screenings/{screening_id}")
    check_page(page, patient=False)
    # Buttons by their form and class: on a page rendered for a refused form, the language
    # switch's form has an action ending in the same path (``/language?next=.../move``).
    move = "form[action$='/move'] button.button"
    tab_to(page, "#move-date", limit=150)
    type_date(page, "#move-date", "2026-12-17")
    tab_to(page, move)
    press(page, "Enter")
    assert page.locator("#move-reason-error").is_visible()
    summary_leads_to(page, "move-reason")
    assert page.get_attribute("#move-reason", "aria-invalid") == "true"
    assert page.input_value("#move-date") == "2026-12-17"  # kept
    check_page(page, "lifecycle-error-move", patient=False)
    page.keyboard.type("Patient called: the cold sore needs a week to heal.")
    tab_to(page, move)
    press(page, "Enter")
    assert "Appointment moved" in page.inner_text("main")
    assert "Waiting for the patient's fresh answer" in page.inner_text("#finding-cold_sore")
    check_page(page, "lifecycle-moved", patient=False)
    page.goto("/staff/")  # the queue, with a visit waiting for the patient's re-check
    assert "Waiting for the patient's re-check" in page.inner_text(".counts")
    queue_problem = None
    try:
        check_page(page, patient=False)
    except AssertionError as problem:
        # Raised at the end: the re-check still runs, and leaves no visit waiting on the queue
        # that the other tests check.
        queue_problem = problem

    # The patient's link: tell the clinic how you are, from three days before the new date.
    patient.goto(link)
    assert patient.inner_text("h1") == (
        "Your appointment is now on Thursday, December 17, 2026: tell us how you are first"
    )
    assert "From Monday, December 14, 2026" in patient.inner_text("main")
    check_page(patient, "lifecycle-recheck-waiting")

    clock.now = noon_in_los_angeles(14)
    patient.goto(link)
    check_page(patient)
    submit(patient, "a:text('Tell us how you are now')")
    assert patient.url.endswith("/recheck")
    assert patient.inner_text("h1") == "How are you now?"
    check_page(patient, "lifecycle-recheck")

    submit(patient)  # nothing answered
    assert patient.title().startswith("Error: ")
    summary = focus_lands_on(patient, SUMMARY)
    assert summary["text"].startswith("There is a problem"), summary
    check_page(patient, "lifecycle-error-recheck")
    links = patient.locator(".error-summary__list a")
    targets = [links.nth(i).get_attribute("href").removeprefix("#") for i in range(links.count())]
    assert targets == ["feeling_unwell", "cold_sore", "blemish_or_rash"]
    for index, target in enumerate(targets):
        links.nth(index).click()
        assert focused(patient)["id"] == target
    links.first.click()  # back to the first question, to answer them in order

    answer_by_keyboard(
        patient, {"feeling_unwell": "no", "cold_sore": "no", "blemish_or_rash": "no"}
    )
    assert step_of(patient) == "result"
    assert patient.inner_text("h1") == (
        "You're ready for your appointment on Thursday, December 17, 2026"
    )
    check_page(patient, "lifecycle-recheck-done")

    page = signed_in_nurse(new_page, nurse)  # a new day: signed out since
    page.goto(f"/staff/screenings/{screening_id}")
    assert page.inner_text(".facts .tag") == "Cleared"
    assert "the patient, from their link" in page.inner_text("main")
    check_page(page, patient=False)
    if queue_problem is not None:
        raise queue_problem


def test_a_cancelled_visit_and_its_undoing(new_page, live_app, nurse):
    screening_id, link = submitted(live_app, person("Tomas", "Ekwall", "909 555 0142"))
    page = signed_in_nurse(new_page, nurse)
    page.goto(f"/staff/screenings/{screening_id}")
    cancel = "form[action$='/cancel'] button.button"
    submit(page, cancel)  # no reason
    summary_leads_to(page, "cancel-reason")
    check_page(page, "lifecycle-error-cancel", patient=False)
    page.fill("#cancel-reason", "The patient asked to cancel.")
    submit(page, cancel)
    assert "Visit canceled" in page.inner_text("main")
    assert page.inner_text("#cancel-title") == "Undo the cancellation"
    check_page(page, "lifecycle-cancelled", patient=False)

    patient = new_page()
    patient.goto(link)
    assert patient.inner_text("h1") == "Your visit on Thursday, December 10, 2026 was canceled"
    check_page(patient, "lifecycle-patient-cancelled")

    page.fill("#undo-cancel-reason", "Cancelled by mistake.")
    submit(page, "form[action$='/undo-cancel'] button.button")
    assert "Cancellation undone" in page.inner_text("main")
    assert page.inner_text("#cancel-title") == "Cancel the visit"
    check_page(page, patient=False)
    patient.reload()
    assert patient.inner_text("h1") == (
        "You're ready for your appointment on Thursday, December 10, 2026"
    )


def test_sculptra_with_keloids_is_not_suitable(new_page):
    patient = new_page()
    questionnaire(
        patient,
        person("Maren", "Solberg", "909 555 0143"),
        visit={"treatment": "sculptra"},
        skin={"keloid_history": "yes"},
    )
    assert patient.inner_text("h1") == "This treatment is not suitable for you"
    main = patient.inner_text("main")
    assert "the clinic cannot give you this treatment" in main
    assert "What to do next" in main
    for wrong in ("can't go ahead", "move your appointment", "can still go ahead"):
        assert wrong not in main
    check_page(patient, "lifecycle-not-suitable")


def test_a_note_for_named_findings_then_the_check_in(new_page, live_app, nurse, clock):
    screening_id, _ = submitted(
        live_app,
        person("Ines", "Varga", "909 555 0144"),
        note=True,
        health={"neuromuscular_disorder": "yes", "autoimmune_disorder": "yes"},
    )
    clock.now = noon_in_los_angeles(10)  # the appointment's day
    page = signed_in_nurse(new_page, nurse)
    page.goto(f"/staff/screenings/{screening_id}")

    # The patient's note, verified for the findings ticked: first for none, which is refused.
    verify = "form[action$='/verify'] button.button"
    boxes = page.locator("form[action$='/verify'] input[type=checkbox]")
    assert boxes.count() == 2
    first_box = boxes.first.get_attribute("id")
    check_page(page, "lifecycle-verify-note", patient=False)
    submit(page, verify)
    summary_leads_to(page, first_box)
    check_page(page, patient=False)
    page.check("form[action$='/verify'] input[value='neuromuscular_disorder']")
    submit(page, verify)
    notes = page.inner_text(".notes")
    assert "Verified by Lena Berg" in notes and "for neuromuscular_disorder" in notes, notes
    assert "autoimmune_disorder" not in notes.split("Verified by")[1]
    check_page(page, patient=False)

    assert page.inner_text("#check-in-title") == "Day-of check-in"
    page.click("summary:has-text('Add a note for the patient')")  # the paper note's findings
    assert page.locator("#paper-covers").is_visible()
    check_page(page, "lifecycle-check-in", patient=False)

    given = {"pregnant": "no", "breastfeeding": "no", "feeling_unwell": "no", "cold_sore": "no"}
    for name, value in given.items():
        page.check(f'input[name="{name}"][value="{value}"]')
    page.check('input[name="bleeding_risk_substances"][value="none"]')
    submit(page, "form[action$='/check-in'] button.button")  # blemish or rash not answered

    assert page.locator("#blemish_or_rash-error").is_visible()
    summary_leads_to(page, "blemish_or_rash")
    check_page(page, "lifecycle-error-check-in", patient=False)
    for name, value in given.items():  # what was ticked is still ticked
        assert page.is_checked(f'input[name="{name}"][value="{value}"]'), name
    assert page.is_checked('input[name="bleeding_risk_substances"][value="none"]')

    page.check('input[name="blemish_or_rash"][value="no"]')
    submit(page, "form[action$='/check-in'] button.button")
    assert "Check-in recorded" in page.inner_text("main")
    assert "Not yet" not in page.inner_text(".facts")
    check_page(page, patient=False)


def test_an_earlier_screening_compared(new_page, live_app, nurse):
    about_you = person("Olga", "Brandt", "909 555 0145")
    submitted(live_app, about_you, feeling={"cold_sore": "yes"})
    screening_id, _ = submitted(live_app, about_you)  # the cold sore no longer mentioned
    page = signed_in_nurse(new_page, nurse)
    page.goto(f"/staff/screenings/{screening_id}")
    assert page.inner_text("#compare-title") == "Compare with this person's earlier screenings"
    assert "Changed" in page.inner_text(".row--changed")
    check_page(page, "lifecycle-compare", patient=False)
    submit(page, "form[action$='/compare'] button.button")  # nothing said
    summary_leads_to(page, "compare-reason")
    check_page(page, patient=False)
    page.fill("#compare-reason", "Called the patient: the cold sore has healed.")
    submit(page, "form[action$='/compare'] button.button")
    assert page.locator("#compare-title").count() == 0
    check_page(page, patient=False)


def test_status_changes_to_check(new_page, live_app, nurse):
    screening_id, _ = submitted(live_app, person("Pia", "Lindqvist", "909 555 0146"))
    with live_app.app_context():
        db.session.add(
            StatusChange(
                screening_id=screening_id,
                status_before="needs_review",
                status_after="cleared",
                why="lifecycle applied",
                created_at=noon_in_los_angeles(1),
            )
        )
        db.session.commit()
    page = signed_in_nurse(new_page, nurse)
    assert "Check the status changes" in page.inner_text(".notice")
    check_page(page, patient=False)
    submit(page, "a:text('Check the status changes')")
    assert page.inner_text("h1") == "Status changes to check"
    assert "Lindqvist, Pia" in page.inner_text("table")
    check_page(page, "lifecycle-status-changes", patient=False)
    submit(page, "button:has-text('Handled: Lindqvist, Pia')")
    assert "Marked as handled" in page.inner_text("main")
    check_page(page, patient=False)


def test_cancelling_an_invited_visit(new_page, live_app, nurse):
    page = signed_in_nurse(new_page, nurse)
    page.goto("/staff/invitations")
    check_page(page, patient=False)
    page.fill("#first_name", "Karin")
    page.fill("#last_name", "Moberg")
    page.fill("#email", "karin.moberg@example.com")
    page.check('input[name="treatment"][value="pdo_smooth_threads"]')
    page.fill("#appointment_date", "2026-12-18")
    page.fill("#appointment_time", "10:30")
    submit(page)
    invite = urlsplit(page.get_attribute(".resume__link a", "href")).path
    check_page(page, "lifecycle-invitation-created", patient=False)

    # The patient starts the questionnaire from the link.
    patient = new_page()
    patient.goto(invite)
    check_page(patient)
    submit(patient)
    assert step_of(patient) == "about_you"

    with live_app.app_context():
        invitation_id = db.session.scalars(
            select(Invitation.id).where(Invitation.last_name == "Moberg")
        ).one()
    page.goto("/staff/invitations")  # now started
    assert "Moberg, Karin" in page.inner_text("#cancel-visit")
    page.select_option("#cancel-visit", str(invitation_id))
    page.fill("#cancel-reason", "The patient moved away.")
    submit(page, "form[action$='/invitations/cancel'] button.button")
    assert "Visit of Karin Moberg canceled" in page.inner_text("main")
    assert "Moberg, Karin (“The patient moved away.”)" in page.inner_text("main")
    check_page(page, "lifecycle-invitation-cancelled", patient=False)

    # The questionnaire begun from it says the visit was cancelled; the link no longer works.
    patient.reload()
    assert patient.inner_text("h1") == "This visit was canceled"
    check_page(patient, "lifecycle-invitation-cancelled-patient")
    patient.goto(invite)
    assert patient.inner_text("h1") == "This link can't be used"
    check_page(patient)

    submit(page, "button:has-text('the cancellation of Karin Moberg')")
    assert "Cancellation of Karin Moberg's visit undone" in page.inner_text("main")
    check_page(page, patient=False)
    patient.goto("/intake/about_you")
    assert step_of(patient) == "about_you"
