"""Screenings keep the rules version they were judged by; a nurse can compare them with the
current rules and accept the new result, which is recorded.

A "version 1 screening" is made as one was before version 2 of smooth threads was released:
through the patient's real pages, then stored as version 1 judged it (the seed's questions and
version 1's findings), exactly as a screening submitted then would be.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

import rules
from screening.extensions import db
from screening.models import AuditEvent, Decision, Screening
from tests.contract import VERSION_2_ADDED
from tests.intake.patient import csrf_token
from tests.staff.helpers import post_decision, row_version, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")


@pytest.fixture
def nurse(app):
    return signed_in(app, "nurse@example.com", "nurse")


@pytest.fixture
def manager(app):
    return signed_in(app, "manager@example.com", "manager")


def version_1_screening(app, **answer_changes) -> int:
    """A screening submitted, and judged, under smooth threads version 1."""
    screening_id, _, _ = submit_screening(app)
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        answers = {
            k: v for k, v in screening.answers.items() if k not in VERSION_2_ADDED
        } | answer_changes
        result = rules.evaluate(
            "pdo_smooth_threads",
            screening.appointment_date,
            answers,
            today=date(2026, 12, 1),
            version="1",
        )
        screening.answers = answers
        screening.ruleset_version = "1"
        screening.findings = [f.to_dict() for f in result.findings]
        screening.outcome = str(result.outcome)
        screening.earliest_date = result.earliest_date
        db.session.commit()
    return screening_id


def stored(app, screening_id: int) -> dict:
    with app.app_context():
        screening = db.session.get(Screening, screening_id)
        return {
            "version": screening.ruleset_version,
            "outcome": screening.outcome,
            "status": screening.status,
            "rule_ids": [f["rule_id"] for f in screening.findings],
            "findings": {f["rule_id"]: f for f in screening.findings},
            "states": {k: v["state"] for k, v in screening.finding_states.items()},
            "not_asked": list(screening.questions_not_asked),
            "row_version": screening.row_version,
            "decisions": [(d.kind, d.reason, d.details) for d in screening.decisions],
        }


def accept(client, screening_id: int, reason: str = "Director asked to re-check", **extra):
    page = client.get(f"/staff/screenings/{screening_id}/current-rules")
    assert page.status_code == 200, page.text[:500]
    data = {"csrf_token": csrf_token(page.text), "row_version": row_version(page.text), **extra}
    data["reason"] = reason
    return client.post(f"/staff/screenings/{screening_id}/current-rules", data=data)


def test_version_2_is_current_and_asks_more_than_version_1():
    assert rules.CURRENT_VERSIONS["pdo_smooth_threads"] == "2"
    version_1 = rules.get_ruleset("pdo_smooth_threads", "1")
    version_2 = rules.get_ruleset("pdo_smooth_threads", "2")
    added = set(version_2.questions_by_id) - set(version_1.questions_by_id)
    assert added == set(VERSION_2_ADDED)


def test_a_version_1_screening_still_shows_version_1_findings(app, nurse):
    screening_id = version_1_screening(app, pregnant="unsure")
    page = nurse.get(f"/staff/screenings/{screening_id}")
    assert page.status_code == 200
    assert "pdo_smooth_threads version 1" in page.text
    assert "version 2 is current" in page.text
    assert f"/staff/screenings/{screening_id}/current-rules" in page.text
    assert 'id="finding-pregnancy"' in page.text
    for rule_id in VERSION_2_ADDED:
        assert f'id="finding-{rule_id}"' not in page.text
    assert stored(app, screening_id)["rule_ids"] == ["pregnancy"]


def test_comparing_shows_version_2_findings_as_differences_and_changes_nothing(app, nurse):
    screening_id = version_1_screening(app)
    before = stored(app, screening_id)
    assert before["outcome"] == "clear"

    page = nurse.get(f"/staff/screenings/{screening_id}/current-rules")

    assert page.status_code == 200
    for rule_id in VERSION_2_ADDED:
        assert f'id="change-{rule_id}"' in page.text
    assert "New finding" in page.text
    assert "Outcome under version 2" in page.text
    assert "needs clearance" in page.text
    assert "Do you have a bleeding or clotting disorder?" in page.text  # never asked
    assert stored(app, screening_id) == before


def test_a_screening_on_the_current_rules_has_nothing_to_compare(app, nurse):
    screening_id, _, _ = submit_screening(app)
    page = nurse.get(f"/staff/screenings/{screening_id}")
    assert "evaluate under the current rules" not in page.text
    response = nurse.get(f"/staff/screenings/{screening_id}/current-rules")
    assert response.status_code == 303
    assert nurse.get(response.location).status_code == 200


def test_accepting_moves_to_version_2_keeps_unchanged_decisions_and_is_recorded(app, nurse):
    screening_id = version_1_screening(app, pregnant="unsure")
    resolved = post_decision(
        nurse,
        screening_id,
        "/findings/pregnancy/resolve",
        {"reason": "Negative test today"},
    )
    assert resolved.status_code == 303
    assert stored(app, screening_id)["status"] == "cleared"

    response = accept(nurse, screening_id)

    assert response.status_code == 303
    after = stored(app, screening_id)
    assert after["version"] == "2"
    assert sorted(after["not_asked"]) == sorted(VERSION_2_ADDED)
    assert set(after["rule_ids"]) == {"pregnancy", *VERSION_2_ADDED}
    for rule_id in VERSION_2_ADDED:
        finding = after["findings"][rule_id]
        assert finding["outcome"] == "needs_clearance"
        assert finding["clearance"] == "nurse_review"
        assert finding["answers"] == {rule_id: None}
    assert after["states"] == {"pregnancy": "resolved"}
    assert after["outcome"] == "needs_clearance"
    assert after["status"] == "needs_review"
    kind, reason, details = after["decisions"][-1]
    assert kind == "accept_current_rules"
    assert reason == "Director asked to re-check"
    assert details["from_version"] == "1"
    assert details["to_version"] == "2"
    assert details["outcome_before"] == "needs_clearance"
    assert details["outcome_after"] == "needs_clearance"
    assert details["changes"] == dict.fromkeys(VERSION_2_ADDED, "added")
    with app.app_context():
        assert db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "decision", AuditEvent.object_id == str(screening_id))
            .order_by(AuditEvent.id.desc())
        ).detail.startswith("accept_current_rules")

    page = nurse.get(f"/staff/screenings/{screening_id}")
    assert "pdo_smooth_threads version 2" in page.text
    assert "Not asked: added to the rules after the patient answered" in page.text
    assert "version 1 to 2" in page.text


def test_not_asked_findings_are_resolved_by_a_nurse_who_asks(app, nurse):
    screening_id = version_1_screening(app)
    assert accept(nurse, screening_id).status_code == 303
    for rule_id in VERSION_2_ADDED:
        response = post_decision(
            nurse, screening_id, f"/findings/{rule_id}/resolve", {"reason": "Asked: no"}
        )
        assert response.status_code == 303
    assert stored(app, screening_id)["status"] == "cleared"


def test_a_new_appointment_date_after_accepting_is_evaluated_with_the_questions_not_asked(
    app, nurse
):
    screening_id = version_1_screening(app, feeling_unwell="yes")
    assert accept(nurse, screening_id).status_code == 303
    response = post_decision(
        nurse, screening_id, "/acknowledge", {"new_date": "2026-12-20", "reason": "Rebooked"}
    )
    assert response.status_code == 303
    after = stored(app, screening_id)
    assert after["version"] == "2"
    assert set(VERSION_2_ADDED) <= set(after["rule_ids"])
    # The illness ends only with the patient's fresh answer, before the new date.
    assert after["states"]["feeling_unwell"] == "awaiting_recheck"


def test_accepting_needs_a_reason_and_keeps_what_was_typed(app, nurse):
    screening_id = version_1_screening(app)
    before = stored(app, screening_id)
    response = accept(nurse, screening_id, reason="  ")
    assert response.status_code == 400
    assert "Give the reason for accepting the current rules" in response.text
    assert 'href="#reason"' in response.text
    assert stored(app, screening_id) == before


def test_accepting_a_screening_changed_meanwhile_is_refused(app, nurse):
    screening_id = version_1_screening(app)
    page = nurse.get(f"/staff/screenings/{screening_id}/current-rules")
    stale = {"csrf_token": csrf_token(page.text), "row_version": "0", "reason": "Re-check"}
    response = nurse.post(f"/staff/screenings/{screening_id}/current-rules", data=stale)
    assert response.status_code == 409
    assert stored(app, screening_id)["version"] == "1"


def test_a_manager_may_compare_but_not_accept(app, manager):
    screening_id = version_1_screening(app)
    page = manager.get(f"/staff/screenings/{screening_id}/current-rules")
    assert page.status_code == 200
    assert "Accept version 2" not in page.text
    response = manager.post(
        f"/staff/screenings/{screening_id}/current-rules",
        data={"csrf_token": csrf_token(page.text), "row_version": "1", "reason": "x"},
    )
    assert response.status_code == 403
    assert stored(app, screening_id)["version"] == "1"
    with app.app_context():
        assert db.session.scalars(select(Decision)).all() == []
