"""A patient on a phone (390 x 844) completes the questionnaire to each outcome, leaving halfway
and resuming from the "Finish later" link on another device; every page passes the checks of
``check_page``, error pages included."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.browser.checks import (
    NetworkGuard,
    check_page,
    focus_lands_on,
    focused,
    take_screenshot,
)
from tests.browser.patient import (
    answer,
    complete,
    fill_boxes,
    pages_with,
    shows,
    sign,
    step_of,
    submit,
)

pytestmark = pytest.mark.browser

OUTCOMES = [
    pytest.param(
        {}, "You're ready for your appointment on Thursday, December 10, 2026", id="clear"
    ),
    # Not a pregnancy: told at once, it never reaches the consent (test_told_early.py).
    pytest.param(
        {"feeling": {"cold_sore": "yes"}},
        "Your appointment on Thursday, December 10, 2026 can't go ahead",
        id="reschedule",
    ),
    pytest.param(
        {"health": {"neuromuscular_disorder": "yes"}},
        "We need to check something before your appointment on Thursday, December 10, 2026",
        id="needs-clearance",
    ),
]


def _png() -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (24, 16), (0, 90, 200)).save(output, format="PNG")
    return output.getvalue()


@pytest.mark.parametrize(("overrides", "heading"), OUTCOMES)
def test_patient_reaches_the_outcome_resuming_on_another_phone(
    new_page, request, overrides, heading
):
    outcome = request.node.callspec.id
    shots = outcome == "clear"  # one journey's pages are enough for the screenshots
    pages = pages_with(overrides)
    page = new_page()
    page.goto("/intake/")
    check_page(page, "start" if shots else None)
    submit(page)
    for step in ("about_you", "visit"):
        assert step_of(page) == step
        check_page(page, f"question-{step}" if shots else None)
        answer(page, pages[step])

    # Halfway: the patient keeps the link, closes the browser and opens the link on another phone.
    assert step_of(page) == "pregnancy"
    submit(page, "button:has-text('Finish later')")
    assert step_of(page) == "later"
    check_page(page, "finish-later" if shots else None)
    link = page.get_attribute(".resume__link a", "href")
    page.context.close()
    page = new_page()
    page.goto(link)
    assert step_of(page) == "pregnancy", page.url

    while step_of(page) in pages:
        step = step_of(page)
        check_page(page, f"question-{step}" if shots else None)
        answer(page, pages[step])
    assert step_of(page) == "check"
    check_page(page, "check-answers" if shots else None)
    submit(page)
    assert step_of(page) == "consent"
    check_page(page, "consent" if shots else None)
    sign(page)

    assert step_of(page) == "result"
    assert page.inner_text("h1") == heading
    check_page(page, f"outcome-{outcome}")
    # The same link shows the outcome again once sent.
    again = new_page()
    again.goto(link)
    assert step_of(again) == "result"
    assert again.inner_text("h1") == heading


def test_errors_are_announced_and_lead_to_each_field(new_page):
    page = new_page()
    page.goto("/intake/")
    submit(page)
    submit(page)  # about you, nothing answered

    assert page.title().startswith("Error: ")
    summary = focus_lands_on(page, "[data-error-summary]")
    assert summary["text"].startswith("There is a problem"), summary
    check_page(page, "error-summary")
    links = page.locator(".error-summary__list a")
    assert links.count() == 5
    for index in range(links.count()):
        target = links.nth(index).get_attribute("href").removeprefix("#")
        links.nth(index).click()
        assert focused(page)["id"] == target
        assert page.get_attribute(f"#{target}", "aria-invalid") == "true"
        # A date of birth's box: its fieldset (GOV.UK's date input) says what is wrong.
        field = re.sub(r"-(day|month|year)$", "", target)
        described = page.get_attribute(f"#{field}", "aria-describedby").split()
        assert f"{field}-error" in described

    # Consent without agreeing or signing: the same kind of summary.
    pages = pages_with({})
    while step_of(page) in pages:
        answer(page, pages[step_of(page)])
    submit(page)
    assert step_of(page) == "consent"
    submit(page)
    assert focus_lands_on(page, "[data-error-summary]")["text"].startswith("There is a problem")
    check_page(page, "error-consent")


def test_a_note_sent_from_the_outcome_page_and_its_errors(new_page, tmp_path):
    pages = pages_with({"health": {"neuromuscular_disorder": "yes"}})
    page = new_page()
    complete(page, pages)
    # Regression (issue 18): the browser's bare "Choose File" button, nothing said about what a
    # good photo of the note is. The control is the page's secondary button, its guidance
    # beside it, and a phone offers its camera for the image types.
    upload = page.locator("#note-file")
    assert upload.get_attribute("accept") == "image/jpeg,image/png,application/pdf"
    assert "all of it readable" in page.inner_text("#note-file-hint")
    assert upload.get_attribute("aria-describedby") == "note-file-hint"
    button = page.evaluate(
        """() => {
          const style = getComputedStyle(document.querySelector('#note-file'),
                                         '::file-selector-button');
          return {background: style.backgroundColor, height: parseFloat(style.minHeight),
                  weight: style.fontWeight};
        }"""
    )
    assert button == {"background": "rgb(232, 232, 232)", "height": 44.0, "weight": "700"}
    page.locator("#note-file").scroll_into_view_if_needed()
    take_screenshot(page, "outcome-note-upload")

    submit(page)  # no file chosen
    assert focus_lands_on(page, "[data-error-summary]")["text"].startswith("There is a problem")
    check_page(page, "error-note-upload")
    page.click(".error-summary__list a")
    assert focused(page)["id"] == "note-file"
    assert upload.get_attribute("aria-describedby") == "note-file-hint note-file-error"

    note = tmp_path / "note.png"
    note.write_bytes(_png())
    page.set_input_files("#note-file", note)
    submit(page)
    assert "we have your note" in page.inner_text(".notice")
    assert "We have received 1 note from you" in page.inner_text("main")
    check_page(page)
    take_screenshot(page, "outcome-note-received")


def test_the_network_guard_sees_requests_for_other_hosts(new_page):
    page = new_page()
    page.goto("/intake/")
    guard = NetworkGuard.of(page)
    with page.expect_request("http://cdn.example.com/x.png"):
        page.evaluate("() => { new Image().src = 'http://cdn.example.com/x.png'; }")
    assert guard.foreign == ["http://cdn.example.com/x.png"]
    guard.foreign.clear()  # seen: the fixture would fail this test for it


def test_progress_counts_question_pages_once_the_treatment_is_chosen(new_page):
    """Regression (issue 18): "Page 1", "Page 2", then "Page 3 of 9", and a total that moved
    with the treatment, unexplained."""

    def progress() -> str | None:
        shown = page.locator("p.progress")
        return shown.inner_text() if shown.count() else None

    pages = pages_with({})
    page = new_page()
    page.goto("/intake/")
    submit(page)
    for step in ("about_you", "visit"):
        assert progress() is None, step
        answer(page, pages[step])
    seen = []
    while step_of(page) in pages:
        seen.append(progress())
        answer(page, pages[step_of(page)])
    assert seen == [f"Question page {n} of 7" for n in range(3, 8)]
    assert step_of(page) == "check" and progress() is None

    # A treatment with two more question pages, changed from check your answers.
    page.locator('a[href*="/intake/visit"]').first.click()
    page.check('input[name="treatment"][value="dermal_filler"]')
    submit(page)
    assert page.inner_text(".notice") == "The new treatment added 2 question pages."
    assert progress().endswith(" of 9")
    check_page(page, "progress-treatment-changed")


@pytest.mark.parametrize("javascript", [False, True], ids=["no-javascript", "javascript"])
def test_leaving_a_page_halfway_loses_nothing(new_page, javascript):
    """Regression (issue 18): switching to Español lost what was typed on the page, and "Finish
    later" neither saved the page nor offered a way to copy its link."""
    page = new_page(java_script_enabled=javascript)
    page.goto("/intake/")
    submit(page)
    page.fill("#first_name", "Ana María")
    page.fill("#date_of_birth-month", "5")
    page.fill("#date_of_birth-day", "17")
    page.fill("#date_of_birth-year", "199")  # not a date yet
    submit(page, "button[name='leave'][value='language:es']")
    assert page.get_attribute("html", "lang") == "es"
    assert page.input_value("#first_name") == "Ana María"
    assert [page.input_value(f"#date_of_birth-{box}") for box in ("day", "month", "year")] == [
        "17",
        "5",
        "199",
    ]

    submit(page, "button[name='leave'][value='later']")
    assert step_of(page) == "later"
    check_page(page, None if javascript else "finish-later-saved")
    copy = page.locator("button[data-copy]")
    assert copy.is_visible() == javascript  # progressive enhancement: shown where it works
    submit(page, "a.button[href='/intake/about_you']")
    assert page.input_value("#first_name") == "Ana María"


def test_an_invited_patient_is_greeted_and_their_used_link_reopens_the_outcome(new_page, live_app):
    """Regression (issue 18): the invitation's start page neither greeted the patient nor named
    the visit and had no language switch; a used link offered a new, unlinked questionnaire."""
    from tests.intake.patient import ABOUT_YOU
    from tests.test_invitations import INVITED_ABOUT_YOU, invite_path, make_invitation

    _, token = make_invitation(live_app)
    page = new_page()
    page.goto(invite_path(token))
    assert page.inner_text(".greeting").startswith("Hello Maya. Your appointment is booked:")
    check_page(page, "invitation-start")
    submit(page, "button[name='language'][value='es']")
    assert page.inner_text(".greeting").startswith("Hola, Maya. Su cita está reservada:")
    submit(page)
    pages = pages_with({"about_you": {**ABOUT_YOU, **INVITED_ABOUT_YOU}})
    while step_of(page) in pages:
        step = step_of(page)
        answer(page, {k: v for k, v in pages[step].items() if shows(page, k)})
    submit(page)
    sign(page)
    assert step_of(page) == "result"

    again = new_page()
    again.goto(invite_path(token))
    check_page(again, "invitation-used")
    fill_boxes(again, "date_of_birth", "1990-05-17")
    submit(again)
    assert step_of(again) == "result"
