"""Long unbroken values a patient or their browser sent wrap on staff pages: a name, a signature
or a user agent never widens the nurse's page (issue 16: one widened it to 4,000 px)."""

from __future__ import annotations

import pytest

from screening.extensions import db
from screening.models import Screening
from tests.browser.test_staff import screening, sign_in
from tests.staff.helpers import make_staff

pytestmark = pytest.mark.browser

NURSE = "lena@clinic.example"
LONG_FIRST = "Q" * 100  # the longest name the questionnaire takes, with nowhere to break
LONG_LAST = "Wrapworth" * 11


def _page_width(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.fixture(scope="module")
def nurse(live_app) -> None:
    make_staff(live_app, NURSE, "nurse", name="Lena Park")


@pytest.mark.parametrize("width", [1280, 390])
def test_long_names_signature_and_user_agent_wrap_on_staff_pages(new_page, live_app, nurse, width):
    screening_id = screening(
        live_app, LONG_FIRST, LONG_LAST, health={"neuromuscular_disorder": "yes"}
    )
    with live_app.app_context():
        row = db.session.get(Screening, screening_id)
        row.consent_signature = "S" * 200
        row.consent_user_agent = "Mozilla/5.0" + "A" * 4000
        db.session.commit()

    page = new_page(viewport={"width": width, "height": 900})
    page.goto("/staff/login")
    sign_in(page, NURSE)
    for path in ("/staff/", f"/staff/screenings/{screening_id}", "/staff/today"):
        page.goto(path)
        scrolled, width = _page_width(page)
        assert scrolled <= width, f"{path} is {scrolled} px wide in a {width} px window"
    page.goto(f"/staff/screenings/{screening_id}")
    assert LONG_FIRST in page.inner_text("main")
