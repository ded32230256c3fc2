"""Longer words still fit a phone: a questionnaire that asks about every topic, its errors,
consent and outcome, shown in the pseudo-language (``tests/pseudo.py``: every translated word
40 % longer), never scrolls sideways at 390 px."""

from __future__ import annotations

import pytest

from screening.intake.steps import STEPS_BY_ID
from tests.browser.checks import NetworkGuard, sideways_overflow
from tests.browser.conftest import PHONE, app_for_the_browser, served
from tests.browser.patient import answer, field_names, sign, step_of, submit
from tests.intake.patient import ANSWERS, VISIT
from tests.intake.test_spanish import TOOK_IBUPROFEN
from tests.pseudo import pseudo_spanish

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pseudo_server(tmp_path_factory, browser_light_hashing):
    """An app of its own whose Spanish is the pseudo-language; its base URL."""
    folder = tmp_path_factory.mktemp("pseudo-app")
    with pseudo_spanish(folder / "translations") as catalogs:
        app = app_for_the_browser(folder, BABEL_TRANSLATION_DIRECTORIES=str(catalogs))
        with served(app) as url:
            yield url


def test_longer_words_never_scroll_a_patient_page_sideways(browser, pseudo_server):
    context = browser.new_context(viewport=PHONE, base_url=pseudo_server, locale="es-MX")
    guard = NetworkGuard(context)
    page = context.new_page()

    def fits(where: str) -> None:
        assert "⟦" in page.content(), f"{where}: the pseudo-language is not in use"
        overflow = sideways_overflow(page)
        assert overflow is None, f"{where} scrolls sideways at 390 px: {overflow}"

    try:
        page.goto("/intake/")
        fits("start")
        submit(page)
        submit(page)  # nothing answered: the error summary and every field's message
        fits("about you, with errors")
        overrides = {"visit": {**VISIT, "treatment": "dermal_filler"}, "medicines": TOOK_IBUPROFEN}
        while step_of(page) in STEPS_BY_ID:
            step = step_of(page)
            fits(step)
            shown = {name: ANSWERS[name] for name in field_names(page) if name in ANSWERS}
            answer(page, {**shown, **overrides.get(step, {})})
        assert step_of(page) == "check"
        fits("check your answers")
        submit(page)
        fits("consent")
        submit(page)
        fits("consent, with errors")
        sign(page)
        assert step_of(page) == "result"
        fits("outcome")
    finally:
        guard.close()
        context.close()
    assert not guard.foreign
