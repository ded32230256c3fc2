"""How a question page is drawn fast: its fields described once per language (``page_fields``)
and written by the form macros without building a form, choice fields reused per answer, and
the parts that read the same for everyone kept per language (``cache_per_language``). The page
must read exactly as the macros write a filled form, and nothing of one patient's may be kept."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest

import rules
from rules.questions import Visit
from screening.intake.forms import (
    NONE_OF_THESE,
    _drawn_choices,
    drawn_fields,
    form_data_from_draft,
    page_fields,
    saved_answers,
    step_form_class,
)
from screening.intake.steps import steps_for
from tests.intake.patient import ANSWERS, Patient, csrf_token

LANGUAGES = ("en", "es")


def _pages():
    """Every page of every treatment's current rule set, as an invited patient (visit fields
    locked) and not."""
    for treatment, _ in rules.treatments():
        ruleset = rules.get_ruleset(treatment)
        for step in steps_for(ruleset):
            for locked in (False, True):
                yield ruleset, step.id, locked


def _other_answers(form_class) -> dict:
    """Answers unlike ``ANSWERS``: the first option of each question, the first two of a
    multi-choice one, a date typed in a way a date input cannot show."""
    answers = {}
    for name in dir(form_class):
        unbound = getattr(form_class, name)
        kwargs = getattr(unbound, "kwargs", None)
        if kwargs is None or name in ("return_to",):
            continue
        choices = [choice.value for choice in kwargs.get("choices") or ()]
        if unbound.field_class.__name__ == "SelectMultipleField":
            answers[name] = choices[:2]
        elif choices:
            answers[name] = choices[0]
        else:
            answers[name] = "31/02/2020"
    return answers


def _normalized(markup) -> str:
    """Markup as a browser reads it: a form's lazy words leave apostrophes unescaped."""
    return re.sub(r"\s+", " ", html.unescape(str(markup))).strip()


def _as_the_macros_write(app, form, ruleset) -> list[str]:
    macros = app.jinja_env.get_template("_forms.html").module
    written = []
    for field in form:
        if field.name in ("return_to", "csrf_token"):
            continue
        question = ruleset.questions_by_id.get(field.name)
        condition = question.applies_when if question is not None else None
        written.append(
            macros.field(
                field,
                none_code=NONE_OF_THESE,
                applies_when=condition.question if condition is not None else None,
            )
        )
    return [_normalized(markup) for markup in written]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_draws_its_saved_answers_as_the_macros_write_a_filled_form(app, language):
    for ruleset, step_id, locked in _pages():
        form_class = step_form_class(ruleset.treatment, ruleset.version, step_id, locked)
        for saved in (ANSWERS, _other_answers(form_class), {}):
            with app.test_request_context(headers={"Accept-Language": language}):
                form = form_class(
                    data=form_data_from_draft(saved, form_class), meta={"csrf": False}
                )
                fields = page_fields(ruleset.treatment, ruleset.version, step_id, locked, language)
                drawn = drawn_fields(fields, saved_answers(fields, saved), {})
                where = (ruleset.treatment, step_id, locked, language)
                assert [_normalized(m) for m in drawn] == _as_the_macros_write(
                    app, form, ruleset
                ), where


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_draws_what_was_sent_and_its_errors_as_the_macros_write_them(app, language):
    today = date(2026, 11, 26)
    visit = Visit(today=today, appointment_date=today + timedelta(days=14))
    for ruleset, step_id, locked in _pages():
        form_class = step_form_class(ruleset.treatment, ruleset.version, step_id, locked)
        for sent in (_other_answers(form_class), {"not_a_field": "x"}):
            with app.test_request_context(
                method="POST", data=sent, headers={"Accept-Language": language}
            ):
                form = form_class(meta={"csrf": False})
                form.ruleset, form.visit, form.known_answers = ruleset, visit, {}
                form.validate()
                fields = page_fields(ruleset.treatment, ruleset.version, step_id, locked, language)
                answers = {field.name: form[field.name].data for field in fields}
                drawn = drawn_fields(fields, answers, form.errors)
                where = (ruleset.treatment, step_id, locked, language, form.errors)
                assert [_normalized(m) for m in drawn] == _as_the_macros_write(
                    app, form, ruleset
                ), where


def test_a_forged_answer_is_not_kept(app):
    ruleset = rules.get_ruleset("pdo_smooth_threads")
    with app.test_request_context():
        fields = page_fields(ruleset.treatment, ruleset.version, "visit", False, "en")
        drawn_fields(fields, {"treatment": "pdo_smooth_threads"}, {})
        kept = _drawn_choices.cache_info().currsize
        for number in range(50):
            forged = {"treatment": f"forged-{number}" * 100, "treatment_areas": [str(number)]}
            drawn_fields(fields, forged, {})
        assert _drawn_choices.cache_info().currsize <= kept + 1  # at most "nothing ticked"


def _visible(page: str, pattern: str) -> str:
    match = re.search(pattern, page, re.S)
    assert match, pattern
    return match.group(1)


def test_parts_kept_per_language_follow_the_language_and_the_page(app):
    patient = Patient(app.test_client())
    patient.start()
    patient.answer_all()
    english = patient.client.get("/intake/visit", headers={"Accept-Language": "en"}).text
    spanish = patient.client.get("/intake/visit", headers={"Accept-Language": "es"}).text
    again = patient.client.get("/intake/visit", headers={"Accept-Language": "en"}).text
    for part in (r'class="back-link"[^>]*>([^<]*)<', r"<h1>([^<]*)</h1>", r"<title>([^<]*)<"):
        assert _visible(english, part) == _visible(again, part)
        assert _visible(english, part) != _visible(spanish, part), part
    assert "Continue" in english and "Continue" not in spanish
    # Another page and another treatment (more pages) have their own heading and numbers.
    health = patient.client.get("/intake/health").text
    assert _visible(health, r"<h1>([^<]*)</h1>") != _visible(english, r"<h1>([^<]*)</h1>")
    assert 'action="/intake/health"' in health
    filler = Patient(app.test_client())
    filler.start()
    filler.answer_all(visit={"treatment": "dermal_filler"})
    progress = r'<p class="progress">([^<]*)</p>'
    assert _visible(filler.client.get("/intake/visit").text, progress) != _visible(
        english, progress
    )


def test_nothing_of_one_patients_is_kept_for_another(app):
    first, second = Patient(app.test_client()), Patient(app.test_client())
    pages = []
    for patient, treatment in ((first, "pdo_smooth_threads"), (second, "neurotoxin")):
        patient.start()
        patient.answer_all(visit={"treatment": treatment})
        pages.append(patient.client.get("/intake/visit").text)
    tokens = [set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page)) for page in pages]
    assert all(len(page_tokens) == 1 for page_tokens in tokens), "one token on each page"
    assert tokens[0] != tokens[1]
    resume = r'class="resume__link"><a href="([^"]+)"'
    assert _visible(pages[0], resume) != _visible(pages[1], resume)
    ticked = r'value="(\w+)" checked'
    assert re.findall(ticked, pages[0]) != re.findall(ticked, pages[1])
    # The page's token is the session's: the form sent with it is accepted.
    response = first.client.post(
        "/intake/visit",
        data={
            "csrf_token": csrf_token(pages[0]),
            "treatment": "pdo_smooth_threads",
            "appointment_date": "2026-12-10",
            "treatment_areas": ["neck"],
        },
    )
    assert response.status_code == 303


def test_a_part_is_kept_per_name_key_and_language_and_only_within_a_page(app):
    template = app.jinja_env.from_string(
        '{% call cache_per_language("part", key) %}{{ word }}{% endcall %}'
    )
    render = template.render
    assert render(html_lang="en", address_root="", key=1, word="one") == "one"
    assert render(html_lang="en", address_root="", key=1, word="changed") == "one"
    assert render(html_lang="en", address_root="", key=2, word="two") == "two"
    assert render(html_lang="es", address_root="", key=1, word="uno") == "uno"
    assert render(html_lang="en", address_root="/clinic", key=1, word="root") == "root"
    # Outside a page's context (no language), nothing is kept.
    assert render(key=3, word="a") == "a"
    assert render(key=3, word="b") == "b"


def test_parts_kept_per_language_link_under_the_address_root_they_were_asked_at(app):
    patient = Patient(app.test_client())
    patient.start()
    patient.answer_all()
    plain = patient.client.get("/intake/visit").text
    mounted_at = f"{app.config['PREFERRED_URL_SCHEME']}://{app.config['SERVER_NAME']}/clinic/"
    mounted = patient.client.get("/intake/visit", base_url=mounted_at).text
    for link in ('href="{}/static/preclear.css"', 'action="{}/intake/visit"'):
        assert link.format("") in plain and link.format("/clinic") in mounted


def test_past_a_bound_no_more_parts_are_kept(app, monkeypatch):
    import screening.i18n

    monkeypatch.setattr(screening.i18n, "MAX_KEPT_PARTS", 2)
    template = app.jinja_env.from_string(
        '{% call cache_per_language("bounded") %}{{ word }}{% endcall %}'
    )
    for root in ("/a", "/b"):  # kept: what was written first stays
        assert template.render(html_lang="en", address_root=root, word="first") == "first"
        assert template.render(html_lang="en", address_root=root, word="again") == "first"
    # A third root, say from a proxy's SCRIPT_NAME: written each time, kept no more.
    assert template.render(html_lang="en", address_root="/c", word="first") == "first"
    assert template.render(html_lang="en", address_root="/c", word="again") == "again"
