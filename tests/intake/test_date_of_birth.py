"""The date of birth as people know it: three boxes (GOV.UK's date input), month, day, year in
the clinic's US English and day, month, year in Spanish, with a hint in the same order and
GOV.UK's error messages; the answer stored is the ISO date, as before.

Regressions of issue 18 ("Date of birth"): the hint said "For example, 27 March 1990" above a
browser date picker, and typing that example was refused.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from screening.extensions import db
from screening.models import Draft
from tests.intake.patient import ABOUT_YOU, Patient, csrf_token
from tests.intake.test_bad_input import form_values, message_beside, summary_links
from tests.intake.test_resume import check_rows
from tests.intake.test_spanish import spanish
from tests.intake.test_walkthrough import visible_text
from tests.test_invitations import invite_path, invited_and_sent

OTHERS = {name: value for name, value in ABOUT_YOU.items() if name != "date_of_birth"}
BOXES = ("date_of_birth-day", "date_of_birth-month", "date_of_birth-year")


def typed(day: str | None, month: str | None, year: str | None) -> dict[str, str]:
    """What the three boxes send (``None``: a box left out of the request)."""
    sent = dict(zip(BOXES, (day, month, year), strict=True))
    return {name: value for name, value in sent.items() if value is not None}


def send_about_you(client, boxes: dict[str, str]):
    page = client.get("/intake/about_you")
    data = {"csrf_token": csrf_token(page.text), "return_to": "", **OTHERS, **boxes}
    return client.post("/intake/about_you", data=data)


def saved(app) -> dict:
    with app.app_context():
        return db.session.scalars(select(Draft.data)).one()


def boxes_in_page_order(page: str) -> list[str]:
    return re.findall(r'<input class="input date-input__input[^"]*" id="(date_of_birth-\w+)"', page)


def boxes_in_error(page: str) -> set[str]:
    return set(re.findall(r'class="[^"]*\binput--error\b[^"]*" id="(date_of_birth-\w+)"', page))


def hint(page: str) -> str:
    found = re.search(r'<p class="hint" id="date_of_birth-hint">(.*?)</p>', page, re.S)
    return html.unescape(found.group(1)).strip()


@pytest.fixture
def patient(client):
    patient = Patient(client)
    patient.start()
    return patient


# --- the boxes --------------------------------------------------------------------------------


def test_the_date_of_birth_is_three_labelled_boxes_in_one_fieldset_and_no_date_picker(
    client, patient
):
    page = client.get("/intake/about_you").text

    fieldset = re.search(
        r'<fieldset class="fieldset" role="group" id="date_of_birth".*?</fieldset>', page, re.S
    )
    assert fieldset is not None
    fieldset = fieldset.group(0)
    assert "<legend" in fieldset and "What is your date of birth?" in fieldset
    assert 'aria-describedby="date_of_birth-hint"' in fieldset
    assert 'type="date"' not in fieldset
    for part, width in (("month", 2), ("day", 2), ("year", 4)):
        box = re.search(rf'<input [^>]*id="date_of_birth-{part}"[^>]*>', fieldset).group(0)
        assert f'<label class="label date-input__label" for="date_of_birth-{part}">' in fieldset
        assert 'type="text"' in box and 'inputmode="numeric"' in box
        assert f'autocomplete="bday-{part}"' in box
        assert f"input--width-{width}" in box


def test_english_asks_month_day_year_with_a_hint_in_that_order(client, patient):
    page = client.get("/intake/about_you").text
    assert boxes_in_page_order(page) == [
        "date_of_birth-month",
        "date_of_birth-day",
        "date_of_birth-year",
    ]
    assert hint(page) == "For example, 3 27 1990."
    labels = re.findall(r'for="date_of_birth-\w+">(\w+)</label>', page)
    assert labels == ["Month", "Day", "Year"]


def test_spanish_asks_day_month_year_with_a_hint_in_that_order(client):
    Patient(spanish(client)).start()
    page = client.get("/intake/about_you").text
    assert boxes_in_page_order(page) == [
        "date_of_birth-day",
        "date_of_birth-month",
        "date_of_birth-year",
    ]
    assert hint(page) == "Por ejemplo, 27 3 1990."
    labels = re.findall(r'for="date_of_birth-\w+">(\w+)</label>', page)
    assert labels == ["Día", "Mes", "Año"]


# --- what is accepted -------------------------------------------------------------------------


def test_typing_the_hint_example_is_accepted(app, client, patient):
    """Regression: "For example, 27 March 1990", typed as shown, was refused."""
    response = send_about_you(client, typed("27", "3", "1990"))

    assert response.status_code == 303
    assert saved(app)["date_of_birth"] == "1990-03-27"  # the stored answer stays ISO


def test_typing_the_spanish_hint_example_in_the_spanish_boxes_is_accepted(app, client):
    Patient(spanish(client)).start()
    page = client.get("/intake/about_you").text
    # The boxes as the page orders them: 27, then 3, then 1990.
    order = boxes_in_page_order(page)
    response = send_about_you(client, dict(zip(order, ("27", "3", "1990"), strict=True)))

    assert response.status_code == 303
    assert saved(app)["date_of_birth"] == "1990-03-27"


@pytest.mark.parametrize(
    ("day", "month", "year"),
    [
        pytest.param(" 07 ", "03", " 1990", id="spaces-and-leading-zeros"),
        pytest.param("007", "3", "1990", id="more-leading-zeros"),
        pytest.param("7", "March", "1990", id="month-name"),
        pytest.param("7", "mar", "1990", id="month-short-name"),
        pytest.param("7", "Marzo", "1990", id="spanish-month-name"),
    ],
)
def test_spaces_leading_zeros_and_month_names_are_understood(
    app, client, patient, day, month, year
):
    response = send_about_you(client, typed(day, month, year))

    assert response.status_code == 303
    assert saved(app)["date_of_birth"] == "1990-03-07"


# --- GOV.UK's errors, on the boxes they are about -------------------------------------------

ERRORS = [
    pytest.param(("", "", ""), "Enter your date of birth", BOXES, "month", id="nothing"),
    pytest.param((None, None, None), "Enter your date of birth", BOXES, "month", id="not-sent"),
    pytest.param(
        ("", "3", "1990"), "Date of birth must include a day", {"day"}, "day", id="no-day"
    ),
    pytest.param(
        ("27", " ", "1990"), "Date of birth must include a month", {"month"}, "month", id="no-month"
    ),
    pytest.param(
        ("27", "3", ""), "Date of birth must include a year", {"year"}, "year", id="no-year"
    ),
    pytest.param(
        ("", "", "1990"),
        "Date of birth must include a day and month",
        {"day", "month"},
        "month",
        id="no-day-and-month",
    ),
    pytest.param(
        ("27", "", ""),
        "Date of birth must include a month and year",
        {"month", "year"},
        "month",
        id="no-month-and-year",
    ),
    pytest.param(
        ("27", "3", "90"), "Year must include 4 numbers", {"year"}, "year", id="2-digit-year"
    ),
    pytest.param(
        ("27", "13", "1990"), "Date of birth must be a real date", {"month"}, "month", id="month-13"
    ),
    pytest.param(
        ("30", "2", "1990"), "Date of birth must be a real date", {"day"}, "day", id="30-february"
    ),
    pytest.param(
        ("2x", "3", "1990"), "Date of birth must be a real date", {"day"}, "day", id="letters"
    ),
    pytest.param(
        ("9" * 5000, "3", "1990"), "Date of birth must be a real date", {"day"}, "day", id="huge"
    ),
    pytest.param(
        ("٢٧", "3", "1990"), "Date of birth must be a real date", {"day"}, "day", id="arabic-digits"
    ),
    pytest.param(
        ("32", "13", "1990"), "Date of birth must be a real date", BOXES, "month", id="two-wrong"
    ),
    pytest.param(
        ("2", "12", "2026"), "Date of birth must be in the past", BOXES, "month", id="tomorrow"
    ),
    pytest.param(
        ("1", "1", "1900"),
        "Date of birth must be less than 120 years ago",
        BOXES,
        "month",
        id="over-120",
    ),
]


@pytest.mark.parametrize(("boxes", "message", "in_error", "linked"), ERRORS)
def test_each_error_names_the_field_and_marks_only_the_boxes_it_is_about(
    app, client, patient, boxes, message, in_error, linked
):
    response = send_about_you(client, typed(*boxes))

    assert response.status_code == 200
    page = response.text
    # The summary links to the first box in error, in the page's order (month first here).
    assert summary_links(page) == {f"date_of_birth-{linked}": message}
    assert message_beside(page, "date_of_birth") == message
    marked = {
        box if box.startswith("date_of_birth-") else f"date_of_birth-{box}" for box in in_error
    }
    assert boxes_in_error(page) == marked
    assert page.count('aria-invalid="true"') == len(marked)
    assert 'aria-describedby="date_of_birth-hint date_of_birth-error"' in page
    assert "date_of_birth" not in saved(app)


def test_nothing_typed_is_lost_on_an_error(client, patient):
    response = send_about_you(client, typed(" 3", "Marchh", "1990"))

    shown = form_values(response.text)
    assert shown["date_of_birth-day"] == " 3"  # as typed, spaces and all
    assert shown["date_of_birth-month"] == "Marchh"
    assert shown["date_of_birth-year"] == "1990"
    assert {name: shown[name] for name in OTHERS} == OTHERS


def test_the_errors_in_spanish_name_the_field_and_link_to_the_first_box(client):
    Patient(spanish(client)).start()

    nothing = send_about_you(client, typed("", "", ""))
    no_day = send_about_you(client, typed("", "3", "1990"))
    future = send_about_you(client, typed("1", "1", "2030"))

    assert summary_links(nothing.text) == {"date_of_birth-day": "Escriba su fecha de nacimiento"}
    assert summary_links(no_day.text) == {"date_of_birth-day": "Fecha de nacimiento: falta el día"}
    assert summary_links(future.text) == {
        "date_of_birth-day": "Fecha de nacimiento debe ser anterior a hoy"
    }


# --- the rest of the page's ways --------------------------------------------------------------


def test_check_your_answers_shows_the_date_in_words_and_changes_it_in_its_first_box(
    client, patient
):
    patient.answer_all(about_you={"date_of_birth": "1990-03-27"})

    assert check_rows(client)["date_of_birth"] == "Tuesday, March 27, 1990"
    page = client.get("/intake/check").text
    assert 'href="/intake/about_you?change=1#date_of_birth-month"' in page
    spanish(client)
    assert check_rows(client)["date_of_birth"] == "martes 27 de marzo de 1990"
    assert 'href="/intake/about_you?change=1#date_of_birth-day"' in client.get("/intake/check").text


def test_a_page_that_timed_out_shows_the_boxes_as_typed(client, patient):
    client.get("/intake/about_you")
    response = client.post(
        "/intake/about_you",
        data={"csrf_token": "stale", **OTHERS, **typed("27", "3", "19")},
    )

    assert response.status_code == 400
    shown = form_values(response.text)
    assert [shown[box] for box in BOXES] == ["27", "3", "19"]


def test_a_stored_date_is_shown_in_the_boxes_without_leading_zeros(client, patient):
    patient.answer("about_you", {**ABOUT_YOU, "date_of_birth": "1990-05-07"})
    shown = form_values(client.get("/intake/about_you").text)
    assert [shown[box] for box in BOXES] == ["7", "5", "1990"]


def test_the_rules_still_judge_the_date(app, client, patient):
    """Fail closed: a date the boxes read is still checked by the rules' own checks."""
    response = send_about_you(client, typed("1", "12", "2026"))  # today, the test clock's

    assert response.status_code == 200
    assert "Date of birth must be in the past" in visible_text(response.text)
    assert "date_of_birth" not in saved(app)


# --- the used invitation link asks for it the same way ----------------------------------------


def test_a_used_link_asks_for_the_date_of_birth_in_the_same_boxes_with_the_same_errors(app):
    token, _ = invited_and_sent(app)  # Maya, born 17 May 1990
    client = app.test_client()
    path = invite_path(token)
    page = client.get(path).text
    assert boxes_in_page_order(page) == [
        "date_of_birth-month",
        "date_of_birth-day",
        "date_of_birth-year",
    ]
    assert hint(page) == "For example, 3 27 1990"

    def send(boxes):
        token_now = csrf_token(client.get(path).text)
        return client.post(f"{path}/answers", data={"csrf_token": token_now, **boxes})

    no_day = send(typed("", "5", "1990"))
    assert no_day.status_code == 400
    assert summary_links(no_day.text) == {"date_of_birth-day": "Date of birth must include a day"}
    assert boxes_in_error(no_day.text) == {"date_of_birth-day"}
    assert form_values(no_day.text)["date_of_birth-month"] == "5"
    future = send(typed("1", "1", "2030"))
    assert summary_links(future.text) == {
        "date_of_birth-month": "Date of birth must be in the past"
    }

    opened = send(typed("17", "05", "1990"))
    assert opened.status_code == 303
    assert opened.location.startswith("/intake/result/")
