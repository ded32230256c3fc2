"""Progress as a patient reads it: no count until the treatment is chosen (how many pages there
are depends on it), then "Question page N of M" with M the treatment's question pages, the same
on every page; a change of treatment says how many pages it added or took away.

Regression (issue 18): progress read "Page 1", "Page 2", then "Page 3 of 9", and the total moved
(9, 10, 11) as the treatment changed, with nothing said."""

from __future__ import annotations

import rules
from screening.intake.steps import steps_for
from tests.intake.patient import PAGES, Patient
from tests.intake.test_spanish import spanish
from tests.treatments.checks import progress


def question_pages(treatment: str) -> list[str]:
    return [step.id for step in steps_for(rules.get_ruleset(treatment))]


def test_no_count_until_the_treatment_is_chosen_then_the_same_total_on_every_page(client):
    patient = Patient(client)
    patient.start()
    assert progress(client.get("/intake/about_you")) is None
    patient.answer("about_you", PAGES["about_you"])
    assert progress(client.get("/intake/visit")) is None

    patient.answer_all()  # smooth threads
    pages = question_pages("pdo_smooth_threads")
    shown = [progress(client.get(f"/intake/{step}")) for step in pages]
    assert shown == [f"Question page {n} of {len(pages)}" for n in range(1, len(pages) + 1)]
    assert progress(client.get("/intake/check")) is None
    assert progress(client.get("/intake/consent")) is None


def change_treatment(patient: Patient, treatment: str):
    """Change the treatment from check your answers, as the change link does."""
    return patient.answer("visit", {**PAGES["visit"], "treatment": treatment}, "?change=1")


def test_a_change_of_treatment_says_how_many_question_pages_it_added(client):
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    before, after = question_pages("pdo_smooth_threads"), question_pages("dermal_filler")
    assert len(after) > len(before)

    moved = change_treatment(patient, "dermal_filler")
    page = client.get(moved.location)

    added = len(after) - len(before)
    assert f"The new treatment added {added} question pages." in page.text
    assert progress(page) == f"Question page {after.index(page_step(moved)) + 1} of {len(after)}"
    # Said once: the page after it shows only the count.
    assert "The new treatment" not in client.get(moved.location).text


def test_a_change_to_a_shorter_treatment_says_how_many_pages_fewer(client):
    patient = Patient(client)
    patient.start()
    patient.answer_all(visit={"treatment": "dermal_filler"})
    fewer = len(question_pages("dermal_filler")) - len(question_pages("pdo_smooth_threads"))

    moved = change_treatment(patient, "pdo_smooth_threads")
    page = client.get(moved.location)

    assert f"The new treatment has {fewer} question pages fewer." in page.text


def test_the_words_are_spanish_for_a_spanish_patient(client):
    patient = Patient(client)
    patient.start()
    spanish(client)
    patient.answer_all()
    moved = change_treatment(patient, "dermal_filler")
    page = client.get(moved.location)
    added = len(question_pages("dermal_filler")) - len(question_pages("pdo_smooth_threads"))
    assert f"El nuevo tratamiento añadió {added} páginas de preguntas." in page.text
    assert progress(page).startswith("Página de preguntas ")


def page_step(response) -> str:
    return response.location.split("?")[0].rsplit("/", 1)[1]
