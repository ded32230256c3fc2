"""The date of birth on a phone (390 px), in English and in Spanish: three labelled boxes in the
language's order, GOV.UK's errors on the boxes they are about, axe clean on the page and on its
error state.

Regression (issue 18): the hint said "For example, 27 March 1990" above a browser date picker,
and typing that example was refused.
"""

from __future__ import annotations

import pytest

from tests.browser.checks import check_page, focused, take_screenshot
from tests.browser.patient import step_of, submit
from tests.intake.patient import ABOUT_YOU

pytestmark = pytest.mark.browser

LANGUAGES = [
    pytest.param(
        "en-US",
        ("month", "day", "year"),
        ("Month", "Day", "Year"),
        "For example, 3 27 1990.",
        "Date of birth must include a day",
        id="english",
    ),
    pytest.param(
        "es-MX",
        ("day", "month", "year"),
        ("Día", "Mes", "Año"),
        "Por ejemplo, 27 3 1990.",
        "Fecha de nacimiento: falta el día",
        id="spanish",
    ),
]
# The hint's example, box by box.
EXAMPLE = {"month": "3", "day": "27", "year": "1990"}


@pytest.mark.parametrize(("locale", "order", "labels", "hint", "no_day"), LANGUAGES)
def test_a_patient_types_the_hints_example_in_three_boxes(
    new_page, locale, order, labels, hint, no_day
):
    english = locale == "en-US"
    page = new_page(locale=locale)
    page.goto("/intake/")
    submit(page)
    assert step_of(page) == "about_you"
    for name in ("first_name", "last_name", "email", "phone"):
        page.fill(f"#{name}", ABOUT_YOU[name])

    boxes = page.locator("#date_of_birth input")
    assert [box.get_attribute("id") for box in boxes.all()] == [
        f"date_of_birth-{part}" for part in order
    ]
    assert page.inner_text("#date_of_birth-hint") == hint
    assert page.locator("#date_of_birth input[type=date]").count() == 0
    for part, label in zip(order, labels, strict=True):
        assert page.get_by_label(label, exact=True).get_attribute("id") == f"date_of_birth-{part}"
    check_page(page)

    # The day left out: the error, focused in its summary, links to the day's box.
    page.fill("#date_of_birth-month", EXAMPLE["month"])
    page.fill("#date_of_birth-year", EXAMPLE["year"])
    submit(page)
    assert page.inner_text(".error-summary__list") == no_day
    assert focused(page, "[data-error-summary]")["matches"]
    assert page.get_attribute(".error-summary__list a", "href") == "#date_of_birth-day"
    assert page.locator("#date_of_birth .input--error").count() == 1
    assert page.get_attribute("#date_of_birth-day", "aria-invalid") == "true"
    assert page.input_value("#date_of_birth-month") == EXAMPLE["month"]  # nothing lost
    assert page.input_value("#first_name") == ABOUT_YOU["first_name"]
    check_page(page)
    if english:  # the summary and the field together
        take_screenshot(page, "date-of-birth-errors", full_page=True)
    page.click(".error-summary__list a")
    assert focused(page, "#date_of_birth-day")["matches"]

    page.fill("#date_of_birth-day", EXAMPLE["day"])
    submit(page)
    assert step_of(page) == "visit"
    page.goto("/intake/about_you")  # the answer saved, shown in the boxes again
    check_page(page)
    if english:
        take_screenshot(page, "date-of-birth", full_page=True)
    assert [page.input_value(f"#date_of_birth-{part}") for part in order] == [
        EXAMPLE[part] for part in order
    ]
