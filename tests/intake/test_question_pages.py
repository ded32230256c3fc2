"""A question page as each patient sees it: in their language, with their own answers, token and
links, and nothing of another patient's."""

from __future__ import annotations

import re

from tests.intake.patient import Patient, csrf_token


def _visible(page: str, pattern: str) -> str:
    match = re.search(pattern, page, re.S)
    assert match, pattern
    return match.group(1)


def test_a_page_reads_in_the_patients_language_with_its_own_heading_and_numbers(app):
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


def test_nothing_of_one_patients_shows_on_anothers_page(app):
    first, second = Patient(app.test_client()), Patient(app.test_client())
    pages = []
    for patient, treatment in ((first, "pdo_smooth_threads"), (second, "neurotoxin")):
        patient.start()
        patient.answer_all(visit={"treatment": treatment})
        pages.append(patient.client.get("/intake/visit").text)
    tokens = [set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page)) for page in pages]
    assert all(len(page_tokens) == 1 for page_tokens in tokens), "one token on each page"
    assert tokens[0] != tokens[1]
    resume = r'class="resume__link"><a id="resume-link" href="([^"]+)"'
    links = [_visible(p.client.get("/intake/later").text, resume) for p in (first, second)]
    assert links[0] != links[1]
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


def test_a_page_links_under_the_address_root_it_was_asked_at(app):
    patient = Patient(app.test_client())
    patient.start()
    patient.answer_all()
    plain = patient.client.get("/intake/visit").text
    mounted_at = f"{app.config['PREFERRED_URL_SCHEME']}://{app.config['SERVER_NAME']}/clinic/"
    mounted = patient.client.get("/intake/visit", base_url=mounted_at).text
    for link in ('href="{}/static/preclear.css"', 'action="{}/intake/visit"'):
        assert link.format("") in plain and link.format("/clinic") in mounted
