"""``scripts/loadtest.py``'s helpers: reading pages and logs, and judging a phase.

The load test itself runs with ``make loadtest``, not here; these check that its client still
fills in the real pages and that a failed check is never reported as a pass.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict

_PATH = Path(__file__).resolve().parent.parent / "scripts" / "loadtest.py"
_spec = importlib.util.spec_from_file_location("loadtest_under_test", _PATH)
loadtest = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = loadtest  # dataclasses look their module up there
_spec.loader.exec_module(loadtest)

PAGE = """
<form method="post" action="/intake/email-link">
  <input type="hidden" name="csrf_token" value="other-form">
</form>
<form method="post" action="/intake/health" novalidate>
  <input id="csrf_token" name="csrf_token" type="hidden" value="tok&amp;en">
  <input type="hidden" name="return_to" value="">
  <input class="input" id="first_name" name="first_name" type="text" value="">
  <input type="radio" id="pregnant" name="pregnant" value="yes">
  <input type="radio" id="pregnant-2" name="pregnant" value="no">
  <input type="radio" id="pregnant-3" name="pregnant" value="not_sure">
  <input type="checkbox" id="subs" name="subs" value="aspirin">
  <input type="checkbox" id="subs-2" name="subs" value="none">
  <input class="input input--date" id="last_dose" name="last_dose" type="date" value="">
</form>
<a href="http://clinic.test/intake/resume/AbC_d-9">http://clinic.test/intake/resume/AbC_d-9</a>
"""


def test_page_answers_fill_the_pages_own_form_as_a_browser_would():
    answers = loadtest.page_answers(PAGE, "/intake/health", {"first_name": "Ana"})
    assert answers == [
        ("csrf_token", "tok&en"),
        ("return_to", ""),
        ("first_name", "Ana"),
        ("pregnant", "no"),
        ("subs", "none"),
        ("last_dose", ""),
    ]


def test_known_lists_become_repeated_fields():
    answers = loadtest.page_answers(PAGE, "/intake/health", {"first_name": "A", "subs": ["x", "y"]})
    assert [pair for pair in answers if pair[0] == "subs"] == [("subs", "x"), ("subs", "y")]


def test_a_field_without_a_nothing_to_report_answer_or_a_missing_form_is_refused():
    with pytest.raises(ValueError, match="first_name"):
        loadtest.page_answers(PAGE, "/intake/health", {})
    with pytest.raises(ValueError, match="no form"):
        loadtest.page_answers(PAGE, "/intake/consent", {})


def test_tokens_from_links_and_redirects():
    assert loadtest.resume_token(PAGE) == "AbC_d-9"
    assert loadtest.resume_token("<p>no link</p>") is None
    assert loadtest.result_token("/intake/result/AbC_d-9") == "AbC_d-9"
    assert loadtest.result_token("http://127.0.0.1:8000/intake/result/AbC_d-9") == "AbC_d-9"
    assert loadtest.result_token("/intake/check") is None
    assert loadtest.result_token(None) is None


def test_server_log_scan():
    log = (
        "[INFO] Booting worker\n"
        "Traceback (most recent call last):\n"
        "sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) database is locked\n"
        "Database is locked\n"
    )
    assert loadtest.count_locked(log) == 2
    assert loadtest.count_tracebacks(log) == 1
    assert loadtest.count_locked("[INFO] Listening at: http://127.0.0.1:1\n") == 0


def test_percentile():
    assert loadtest.percentile([], 0.99) == 0.0
    values = [float(n) for n in range(1, 101)]
    assert loadtest.percentile(values, 0.5) == 50.0
    assert loadtest.percentile(values, 0.99) == 99.0
    assert loadtest.percentile([3.0], 0.99) == 3.0


def passing(**changes):
    outcome = loadtest.Outcome("phase", 16, acknowledged=10, stored=10)
    for name, value in changes.items():
        setattr(outcome, name, value)
    return outcome


def test_a_clean_phase_passes_and_prints_its_figures():
    outcome = passing()
    assert loadtest.failures(outcome) == []
    assert loadtest.summary(outcome).startswith(
        "phase: 16 patients, 10 acknowledged, 10 stored, 0 5xx, 0 locked"
    )


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"acknowledged": 0, "stored": 0}, "no submission was acknowledged"),
        ({"stored": 11}, "10 submissions acknowledged but 11 stored"),
        ({"missing": 1}, "1 acknowledged submissions are not stored"),
        ({"duplicates": 2}, "2 drafts have more than one screening"),
        ({"mismatched": 1}, "another patient's token"),
        ({"server_errors": 3}, "3 responses were 5xx"),
        ({"unexpected": 1}, "not what a browser expects"),
        ({"locked": 4}, 'logged "database is locked" 4 times'),
        ({"tracebacks": 1}, "1 tracebacks"),
        ({"integrity": "row 3 missing from index"}, "integrity_check: row 3 missing"),
        ({"unfinished_clients": 1}, "did not finish"),
        ({"replay_wrong": 1}, "did not get the same outcome"),
        ({"replayed": 10, "stored_before_replay": 9}, "from 9 to 10"),
    ],
)
def test_each_failed_check_is_reported(changes, expected):
    found = loadtest.failures(passing(**changes))
    assert len(found) >= 1
    assert any(expected in failure for failure in found), found


def test_the_client_completes_the_real_questionnaire(client, clock):
    """The same page reading the load test does, through the app's own pages."""
    known = loadtest.patient_answers("1-1", clock.now.date())
    start = client.get("/intake/")
    form = MultiDict(loadtest.page_answers(start.text, "/intake/", {}))
    response = client.post("/intake/", data=form)
    assert response.status_code == 303
    resume, pages = None, 0
    while not response.location.endswith("/intake/check"):
        step = response.location
        page = client.get(step)
        assert page.status_code == 200, step
        resume = resume or loadtest.resume_token(page.text)
        response = client.post(step, data=MultiDict(loadtest.page_answers(page.text, step, known)))
        assert response.status_code == 303, (step, response.text[:1000])
        pages += 1
        assert pages < loadtest.MAX_PAGES
    consent = client.get("/intake/consent")
    form = loadtest.page_answers(
        consent.text, "/intake/consent", {"signature": "Load Patient", "agree": "y"}
    )
    signed = client.post("/intake/consent", data=MultiDict(form))
    assert signed.status_code == 303
    assert resume is not None
    assert loadtest.result_token(signed.location) == resume
