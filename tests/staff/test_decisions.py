"""Nurses' decisions on a screening's findings, and the status that follows from them.

Every screening here is made through the patient's real pages; every decision is posted through
the nurse's real forms, CSRF token and row version included.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from screening.extensions import db
from screening.models import AuditEvent, Screening
from tests.intake.patient import csrf_token
from tests.staff.helpers import post_decision, row_version, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")


PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Size 3 /Root 1 0 R >>\n%%EOF\n"
)
NOT_ON_THE_DAY = "Check-in is recorded on the day of the appointment"
CONFLICT = "changed while you were looking"
UNCHANGED_CHECK_IN = {
    "feeling_unwell": "no",
    "cold_sore": "no",
    "blemish_or_rash": "no",
    "bleeding_risk_substances": ["none"],
    "bleeding_risk_last_dose": "",
    "pregnant": "no",
    "breastfeeding": "no",
}


@pytest.fixture
def nurse(app):
    return signed_in(app, "nurse@example.com", "nurse")


def stored(app, screening_id: int) -> SimpleNamespace:
    """What the database holds for the screening, its decisions and notes."""
    with app.app_context():
        s = db.session.get(Screening, screening_id)
        return SimpleNamespace(
            status=s.status,
            outcome=s.outcome,
            appointment_date=s.appointment_date,
            earliest_date=s.earliest_date,
            findings={f["rule_id"]: f for f in s.findings},
            states={k: v["state"] for k, v in s.finding_states.items()},
            answers=dict(s.answers),
            checked_in_at=s.checked_in_at,
            decisions=[
                SimpleNamespace(kind=d.kind, rule_id=d.rule_id, reason=d.reason, details=d.details)
                for d in s.decisions
            ],
            notes=[(n.kind, n.verified) for n in s.notes],
        )


def audit_rows(app, action: str) -> list[SimpleNamespace]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [
            SimpleNamespace(
                result=r.result, object_type=r.object_type, object_id=r.object_id, detail=r.detail
            )
            for r in rows
        ]


def resolve(client, screening_id: int, rule_id: str, reason: str):
    return post_decision(client, screening_id, f"/findings/{rule_id}/resolve", {"reason": reason})


def acknowledge(client, screening_id: int, new_date: str = "", reason: str = "Patient told"):
    return post_decision(
        client, screening_id, "/acknowledge", {"new_date": new_date, "reason": reason}
    )


def patient_uploads_pdf(patient_client, result_url: str):
    page = patient_client.get(result_url)
    response = patient_client.post(
        f"{result_url}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(PDF), "note.pdf")},
    )
    assert response.status_code == 303, response.text[:1000]


def staff_uploads_pdf(client, screening_id: int, kind: str = "provider_note"):
    data = {"kind": kind, "file": (io.BytesIO(PDF), "note.pdf")}
    response = post_decision(client, screening_id, "/notes", data)
    assert response.status_code == 303, response.text[:1000]


def note_id(app, screening_id: int) -> int:
    with app.app_context():
        return db.session.get(Screening, screening_id).notes[-1].id


# Resolving with a reason ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   \n "])
def test_resolving_without_a_reason_is_a_form_error_and_saves_nothing(app, nurse, reason):
    sid, _, _ = submit_screening(app, pregnancy={"pregnant": "unsure"})
    assert stored(app, sid).status == "needs_review"

    response = resolve(nurse, sid, "pregnancy", reason)

    assert response.status_code == 400
    assert "Give the reason for your decision" in response.text
    after = stored(app, sid)
    assert after.status == "needs_review"
    assert after.states == {}
    assert after.decisions == []
    assert audit_rows(app, "decision") == []


def test_resolving_with_a_reason_clears_the_finding_and_records_the_decision(app, nurse):
    sid, _, _ = submit_screening(app, pregnancy={"pregnant": "unsure"})

    response = resolve(nurse, sid, "pregnancy", "  Negative test seen at the desk  ")

    assert response.status_code == 303
    after = stored(app, sid)
    assert after.status == "cleared"
    assert after.states == {"pregnancy": "resolved"}
    assert [(d.kind, d.rule_id, d.reason) for d in after.decisions] == [
        ("resolve", "pregnancy", "Negative test seen at the desk")
    ]
    page = nurse.get(f"/staff/screenings/{sid}")
    assert "Negative test seen at the desk" in page.text
    assert "tag--cleared" in page.text
    # Resolving it again is refused: it is no longer open.
    again = resolve(nurse, sid, "pregnancy", "Once more")
    assert again.status_code == 403
    assert len(stored(app, sid).decisions) == 1


# Findings that need a verified note ----------------------------------------------------------


def test_a_provider_note_finding_is_refused_until_an_uploaded_note_is_verified(app, nurse):
    sid, result_url, patient = submit_screening(app, health={"neuromuscular_disorder": "yes"})
    assert stored(app, sid).status == "awaiting_note"

    refused = resolve(nurse, sid, "neuromuscular_disorder", "Patient says the GP agrees")
    assert refused.status_code == 403
    assert "only once the note it needs has been verified" in refused.text
    assert stored(app, sid).states == {}
    rows = audit_rows(app, "refused_action")
    assert [(r.result, r.object_type, r.object_id) for r in rows] == [
        ("refused", "screening", str(sid))
    ]

    patient_uploads_pdf(patient, result_url)
    assert stored(app, sid).status == "note_to_verify"
    refused = resolve(nurse, sid, "neuromuscular_disorder", "The note has arrived")
    assert refused.status_code == 403
    assert len(audit_rows(app, "refused_action")) == 2
    assert stored(app, sid).decisions == []

    verified = post_decision(
        nurse, sid, f"/notes/{note_id(app, sid)}/verify", {"covers": "neuromuscular_disorder"}
    )
    assert verified.status_code == 303
    assert stored(app, sid).status == "needs_review"

    resolved = resolve(nurse, sid, "neuromuscular_disorder", "Note from Dr Reyes verified")
    assert resolved.status_code == 303
    after = stored(app, sid)
    assert after.status == "cleared"
    assert [d.kind for d in after.decisions] == ["verify_note", "resolve"]


def test_a_prescriber_note_received_on_paper_unlocks_the_finding(app, nurse):
    sid, _, _ = submit_screening(app, medicines={"prescribed_blood_thinner": "yes"})
    assert stored(app, sid).findings["prescribed_blood_thinner"]["clearance"] == "prescriber_note"
    assert resolve(nurse, sid, "prescribed_blood_thinner", "Phoned").status_code == 403

    # A note of the other kind cannot be recorded for it.
    paper = post_decision(
        nurse,
        sid,
        "/notes/paper",
        {"kind": "provider_note", "covers": "prescribed_blood_thinner"},
    )
    assert paper.status_code == 400
    assert stored(app, sid).status == "awaiting_note"
    assert resolve(nurse, sid, "prescribed_blood_thinner", "Phoned").status_code == 403

    paper = post_decision(
        nurse,
        sid,
        "/notes/paper",
        {"kind": "prescriber_note", "covers": "prescribed_blood_thinner"},
    )
    assert paper.status_code == 303
    assert stored(app, sid).status == "needs_review"
    assert resolve(nurse, sid, "prescribed_blood_thinner", "Paper note read").status_code == 303
    after = stored(app, sid)
    assert after.status == "cleared"
    assert [r.result for r in audit_rows(app, "refused_action")] == ["refused", "refused"]


# Findings no one may override ----------------------------------------------------------------

NOT_OVERRIDABLE = {
    "pregnancy": {"pregnancy": {"pregnant": "yes"}},
    "breastfeeding": {"pregnancy": {"breastfeeding": "yes"}},
    "minor": {"about_you": {"date_of_birth": "2009-01-15"}},
}


@pytest.mark.parametrize("rule_id", NOT_OVERRIDABLE)
def test_a_finding_no_one_may_override_is_refused_and_audited(app, nurse, rule_id):
    sid, _, _ = submit_screening(app, **NOT_OVERRIDABLE[rule_id])
    before = stored(app, sid)
    assert before.findings[rule_id]["overridable"] is False
    assert before.status == "reschedule"
    assert "Cannot be overridden" in nurse.get(f"/staff/screenings/{sid}").text

    attempts = ["Doctor approved", "overridable=true", "x" * 2000]
    for attempt, reason in enumerate(attempts, start=1):
        response = resolve(nurse, sid, rule_id, reason)
        assert response.status_code == 403
        assert "can never be cleared by staff" in response.text
        assert len(audit_rows(app, "refused_action")) == attempt

    after = stored(app, sid)
    assert after.status == "reschedule"
    assert after.states == {}
    assert after.decisions == []
    rows = audit_rows(app, "refused_action")
    assert {(r.result, r.object_type, r.object_id) for r in rows} == {
        ("refused", "screening", str(sid))
    }
    assert audit_rows(app, "decision") == []


@pytest.mark.parametrize("rule_id", ["pregnancy", "breastfeeding"])
def test_a_finding_no_one_may_override_stays_refused_once_acknowledged(app, nurse, rule_id):
    sid, _, _ = submit_screening(app, **NOT_OVERRIDABLE[rule_id])
    assert acknowledge(nurse, sid).status_code == 303
    assert stored(app, sid).status == "not_eligible"

    response = resolve(nurse, sid, rule_id, "Patient insists")

    assert response.status_code == 403
    after = stored(app, sid)
    assert after.status == "not_eligible"
    assert after.states == {rule_id: "acknowledged"}
    assert [d.kind for d in after.decisions] == ["acknowledge"]
    # Every attempt at clearing it is audited, not only the first.
    rows = audit_rows(app, "refused_action")
    assert [(r.result, r.object_id) for r in rows] == [("refused", str(sid))]


def test_an_empty_resolve_of_a_finding_no_one_may_override_is_still_audited(app, nurse):
    sid, _, _ = submit_screening(app, pregnancy={"pregnant": "yes"})

    response = resolve(nurse, sid, "pregnancy", "")

    assert response.status_code in (400, 403)
    assert stored(app, sid).states == {}
    rows = audit_rows(app, "refused_action")
    assert [(r.result, r.object_id) for r in rows] == [("refused", str(sid))]


# Reschedules ---------------------------------------------------------------------------------


def test_acknowledging_a_new_date_evaluates_the_seven_day_window_again(app, nurse):
    sid, _, _ = submit_screening(
        app,
        visit={"appointment_date": "2026-12-05"},
        medicines={
            "bleeding_risk_substances": ["ibuprofen"],
            "bleeding_risk_last_dose": "2026-12-01",
        },
    )
    before = stored(app, sid)
    assert before.status == "reschedule"
    assert before.earliest_date == date(2026, 12, 8)
    assert before.findings["bleeding_risk_7_days"]["earliest_date"] == "2026-12-08"

    # A date before the earliest date is refused, naming it; nothing changes.
    too_soon = acknowledge(nurse, sid, "2026-12-06")
    assert too_soon.status_code == 400
    assert "before the earliest date this patient can come, 2026-12-08" in too_soon.text
    after = stored(app, sid)
    assert after.appointment_date == date(2026, 12, 5)
    assert after.status == "reschedule"
    assert after.decisions == []

    far_enough = acknowledge(nurse, sid, "2026-12-08")
    assert far_enough.status_code == 303
    after = stored(app, sid)
    assert after.appointment_date == date(2026, 12, 8)
    assert after.findings == {}
    assert after.status == "cleared"
    assert [d.kind for d in after.decisions] == ["move"]
    assert after.decisions[0].details["new_appointment_date"] == "2026-12-08"
    assert after.decisions[0].details["ended"] == ["bleeding_risk_7_days"]
    assert len(audit_rows(app, "decision")) == 1


def test_a_new_date_before_today_is_refused(app, nurse):
    sid, _, _ = submit_screening(app, feeling={"cold_sore": "yes"})

    response = acknowledge(nurse, sid, "2026-11-30")

    assert response.status_code == 400
    assert "The new appointment date is in the past" in response.text
    after = stored(app, sid)
    assert after.appointment_date == date(2026, 12, 10)
    assert after.decisions == []


def test_a_cold_sore_waits_for_the_patients_fresh_answer_after_a_new_date(app, nurse):
    sid, _, _ = submit_screening(app, feeling={"cold_sore": "yes"})
    assert stored(app, sid).status == "reschedule"

    response = acknowledge(nurse, sid, "2026-12-17", "Rebooked by phone")

    assert response.status_code == 303
    after = stored(app, sid)
    assert after.status == "awaiting_recheck"
    assert after.states == {"cold_sore": "awaiting_recheck"}
    assert after.appointment_date == date(2026, 12, 17)
    assert after.decisions[0].details["old_appointment_date"] == "2026-12-10"
    assert after.decisions[0].details["new_appointment_date"] == "2026-12-17"
    assert after.decisions[0].reason == "Rebooked by phone"
    # A nurse cannot end it either.
    assert resolve(nurse, sid, "cold_sore", "Patient says it healed").status_code == 403
    assert stored(app, sid).status == "awaiting_recheck"


@pytest.mark.parametrize(
    ("pages", "new_date"),
    [
        ({"pregnancy": {"pregnant": "yes"}}, ""),
        ({"pregnancy": {"pregnant": "yes"}}, "2026-12-20"),
        ({"pregnancy": {"pregnant": "yes"}, "feeling": {"blemish_or_rash": "yes"}}, "2026-12-20"),
    ],
    ids=["no-date", "new-date", "with-rash-new-date"],
)
def test_a_pregnancy_reschedule_is_acknowledged_never_cleared(app, nurse, pages, new_date):
    sid, _, _ = submit_screening(app, **pages)

    response = acknowledge(nurse, sid, new_date)

    assert response.status_code == 303
    after = stored(app, sid)
    assert after.status == "not_eligible"
    assert after.states["pregnancy"] == "acknowledged"
    page = nurse.get(f"/staff/screenings/{sid}")
    assert "tag--not_eligible" in page.text
    assert "Acknowledge the reschedule" not in page.text
    # Nothing further clears it: another date, or a nurse's say-so.
    assert acknowledge(nurse, sid, "2026-12-28").status_code == 303
    assert resolve(nurse, sid, "pregnancy", "Not pregnant after all").status_code == 403
    after = stored(app, sid)
    assert after.status == "not_eligible"
    assert "pregnancy" in after.findings


def test_an_acknowledged_pregnancy_is_not_eligible_whatever_else_is_open(app, nurse):
    # The rash waits for a rebooking, but the clinic will not treat her anyway: the screening
    # must not stay "waiting to be rescheduled" once the reschedule has been acknowledged.
    sid, _, _ = submit_screening(
        app, pregnancy={"pregnant": "yes"}, feeling={"blemish_or_rash": "yes"}
    )

    assert acknowledge(nurse, sid, "").status_code == 303

    after = stored(app, sid)
    assert after.states["pregnancy"] == "acknowledged"
    assert after.status == "not_eligible"


def test_a_minor_waits_for_a_date_on_or_after_the_eighteenth_birthday(app, nurse):
    sid, _, _ = submit_screening(app, **NOT_OVERRIDABLE["minor"])
    before = stored(app, sid)
    assert before.findings["minor"]["earliest_date"] == "2027-01-15"

    assert acknowledge(nurse, sid).status_code == 303
    after = stored(app, sid)
    assert after.status == "reschedule"
    assert after.states == {"minor": "acknowledged"}

    assert acknowledge(nurse, sid, "2027-01-14", "Booked").status_code == 400
    assert acknowledge(nurse, sid, "2027-01-15", "Booked on her birthday").status_code == 303
    after = stored(app, sid)
    assert "minor" not in after.findings
    # She stopped when told she was too young, so the questions after it were never asked:
    # each waits for a nurse, and the new date alone does not clear her.
    assert after.findings
    assert {f["clearance"] for f in after.findings.values()} == {"nurse_review"}
    assert after.status == "needs_review"


# The status follows from the findings ----------------------------------------------------------


@pytest.mark.parametrize(
    ("pages", "status"),
    [
        ({}, "cleared"),
        ({"pregnancy": {"pregnant": "unsure"}}, "needs_review"),
        ({"health": {"immunosuppressive_disorder": "yes"}}, "awaiting_note"),
        ({"feeling": {"feeling_unwell": "yes"}}, "reschedule"),
        (
            {"feeling": {"feeling_unwell": "yes"}, "health": {"neuromuscular_disorder": "yes"}},
            "reschedule",
        ),
    ],
    ids=["nothing", "unsure", "note", "unwell", "unwell-and-note"],
)
def test_the_status_follows_from_the_findings(app, nurse, pages, status):
    sid, _, _ = submit_screening(app, **pages)
    assert stored(app, sid).status == status
    page = nurse.get(f"/staff/screenings/{sid}")
    assert f"tag--{status}" in page.text


def test_the_status_moves_through_each_stage_as_decisions_are_made(app, nurse):
    sid, _, _ = submit_screening(
        app,
        feeling={"feeling_unwell": "yes"},
        health={"neuromuscular_disorder": "yes"},
        pregnancy={"pregnant": "unsure"},
    )
    seen = [stored(app, sid).status]
    acknowledge(nurse, sid, "2026-12-15", "Rebooked")
    seen.append(stored(app, sid).status)
    staff_uploads_pdf(nurse, sid)
    seen.append(stored(app, sid).status)
    post_decision(
        nurse, sid, f"/notes/{note_id(app, sid)}/verify", {"covers": "neuromuscular_disorder"}
    )
    seen.append(stored(app, sid).status)
    resolve(nurse, sid, "neuromuscular_disorder", "Note verified")
    seen.append(stored(app, sid).status)
    resolve(nurse, sid, "pregnancy", "Negative test")
    seen.append(stored(app, sid).status)

    # The illness waits for the patient's fresh answer after the move, whatever else ends.
    assert seen == [
        "reschedule",
        "awaiting_recheck",
        "note_to_verify",  # the nurse's to do comes first
        "awaiting_recheck",
        "awaiting_recheck",
        "awaiting_recheck",
    ]
    assert len(audit_rows(app, "decision")) == 4
    assert stored(app, sid).states == {
        "feeling_unwell": "awaiting_recheck",
        "neuromuscular_disorder": "resolved",
        "pregnancy": "resolved",
    }


# Two nurses at once ---------------------------------------------------------------------------


def test_the_second_of_two_nurses_gets_a_conflict_and_overwrites_nothing(app):
    first = signed_in(app, "first@example.com", "nurse")
    second = signed_in(app, "second@example.com", "nurse")
    sid, _, _ = submit_screening(app, pregnancy={"pregnant": "unsure"})
    page_1 = first.get(f"/staff/screenings/{sid}").text
    page_2 = second.get(f"/staff/screenings/{sid}").text
    assert row_version(page_1) == row_version(page_2)

    done = first.post(
        f"/staff/screenings/{sid}/findings/pregnancy/resolve",
        data={
            "csrf_token": csrf_token(page_1),
            "row_version": row_version(page_1),
            "reason": "First nurse: negative test",
        },
    )
    assert done.status_code == 303
    late = second.post(
        f"/staff/screenings/{sid}/findings/pregnancy/resolve",
        data={
            "csrf_token": csrf_token(page_2),
            "row_version": row_version(page_2),
            "reason": "Second nurse: spoke to her GP",
        },
    )

    assert late.status_code == 409
    assert CONFLICT in late.text
    assert "Nothing you entered was saved" in late.text
    after = stored(app, sid)
    assert [d.reason for d in after.decisions] == ["First nurse: negative test"]
    assert after.status == "cleared"
    assert len(audit_rows(app, "decision")) == 1
    # The page shown with the conflict is the latest version.
    assert row_version(late.text) != row_version(page_2)
    assert "First nurse: negative test" in late.text


def test_a_stale_acknowledgement_is_a_conflict(app):
    first = signed_in(app, "first@example.com", "nurse")
    second = signed_in(app, "second@example.com", "nurse")
    sid, _, _ = submit_screening(app, feeling={"cold_sore": "yes"})
    page_2 = second.get(f"/staff/screenings/{sid}").text

    assert acknowledge(first, sid, "2026-12-18").status_code == 303
    late = second.post(
        f"/staff/screenings/{sid}/acknowledge",
        data={
            "csrf_token": csrf_token(page_2),
            "row_version": row_version(page_2),
            "new_date": "2026-12-24",
        },
    )

    assert late.status_code == 409
    assert CONFLICT in late.text
    after = stored(app, sid)
    assert after.appointment_date == date(2026, 12, 18)
    assert len(after.decisions) == 1


# Day-of check-in -----------------------------------------------------------------------------


def on_the_day(clock, hour_utc: int = 18, day: int = 10) -> None:
    """Move the clock to the appointment day (18:00 UTC is 10:00 in Los Angeles)."""
    clock.now = datetime(2026, 12, day, hour_utc, 0, tzinfo=UTC)


def check_in(client, screening_id: int, **changes):
    return post_decision(client, screening_id, "/check-in", {**UNCHANGED_CHECK_IN, **changes})


def test_check_in_is_refused_before_the_appointment_day(app, nurse):
    sid, _, _ = submit_screening(app)
    page = nurse.get(f"/staff/screenings/{sid}")
    assert "Day-of check-in" not in page.text

    response = check_in(nurse, sid)

    assert response.status_code == 403
    assert NOT_ON_THE_DAY in response.text
    after = stored(app, sid)
    assert after.checked_in_at is None
    assert after.decisions == []


def test_check_in_uses_the_clinics_date_not_utc(app, clock):
    sid, _, _ = submit_screening(app)
    # 07:00 UTC on 10 December is still 9 December in Los Angeles.
    on_the_day(clock, hour_utc=7)
    nurse = signed_in(app, "nurse@example.com", "nurse")
    assert check_in(nurse, sid).status_code == 403
    # 03:00 UTC on 11 December is 10 December, 19:00, in Los Angeles.
    on_the_day(clock, hour_utc=3, day=11)
    nurse = signed_in(app, "late@example.com", "nurse")
    assert check_in(nurse, sid).status_code == 303
    assert stored(app, sid).checked_in_at is not None


def test_check_in_with_the_same_answers_keeps_the_status(app, clock):
    sid, _, _ = submit_screening(app, health={"neuromuscular_disorder": "yes"})
    nurse = signed_in(app, "nurse@example.com", "nurse")
    post_decision(
        nurse, sid, "/notes/paper", {"kind": "provider_note", "covers": "neuromuscular_disorder"}
    )
    resolve(nurse, sid, "neuromuscular_disorder", "Paper note from the GP")
    assert stored(app, sid).status == "cleared"

    on_the_day(clock)
    nurse = signed_in(app, "day@example.com", "nurse")
    page = nurse.get(f"/staff/screenings/{sid}")
    assert "Day-of check-in" in page.text
    response = check_in(nurse, sid)

    assert response.status_code == 303
    after = stored(app, sid)
    assert after.status == "cleared"
    assert after.states == {"neuromuscular_disorder": "resolved"}
    assert after.checked_in_at == clock.now
    assert after.decisions[-1].kind == "check_in"
    assert after.decisions[-1].details == {"changed": [], "ended": []}


def test_check_in_with_the_same_substance_and_date_keeps_the_status(app, clock):
    # Ibuprofen nine days before the appointment: clear. The date may be typed either way.
    sid, _, _ = submit_screening(
        app,
        medicines={
            "bleeding_risk_substances": ["ibuprofen"],
            "bleeding_risk_last_dose": "2026-12-01",
        },
    )
    assert stored(app, sid).status == "cleared"
    on_the_day(clock)
    nurse = signed_in(app, "nurse@example.com", "nurse")

    response = check_in(
        nurse, sid, bleeding_risk_substances=["ibuprofen"], bleeding_risk_last_dose="12/01/2026"
    )

    assert response.status_code == 303
    after = stored(app, sid)
    assert after.status == "cleared"
    assert after.answers["bleeding_risk_last_dose"] == "2026-12-01"
    assert after.decisions[-1].details == {"changed": [], "ended": []}


@pytest.mark.parametrize(
    ("changes", "rule_id", "earliest"),
    [
        ({"cold_sore": "yes"}, "cold_sore", None),
        (
            {"bleeding_risk_substances": ["aspirin"], "bleeding_risk_last_dose": "2026-12-09"},
            "bleeding_risk_7_days",
            date(2026, 12, 16),
        ),
        ({"pregnant": "yes"}, "pregnancy", None),
    ],
    ids=["cold-sore", "aspirin-yesterday", "pregnant"],
)
def test_a_changed_answer_at_check_in_evaluates_the_screening_again(
    app, clock, changes, rule_id, earliest
):
    sid, _, _ = submit_screening(app)
    assert stored(app, sid).status == "cleared"
    on_the_day(clock)
    nurse = signed_in(app, "nurse@example.com", "nurse")

    response = check_in(nurse, sid, **changes)

    assert response.status_code == 303
    after = stored(app, sid)
    assert after.status == "reschedule"
    assert after.outcome == "reschedule"
    assert rule_id in after.findings
    assert after.earliest_date == earliest
    for qid in changes:
        assert qid in after.decisions[-1].details["changed"]
    page = nurse.get(f"/staff/screenings/{sid}")
    assert "tag--reschedule" in page.text
    assert f"Triggered: {rule_id}" in page.text


def test_an_incomplete_check_in_is_a_form_error(app, clock):
    sid, _, _ = submit_screening(app)
    on_the_day(clock)
    nurse = signed_in(app, "nurse@example.com", "nurse")
    answers = {k: v for k, v in UNCHANGED_CHECK_IN.items() if k != "cold_sore"}

    response = post_decision(nurse, sid, "/check-in", answers)

    assert response.status_code == 400
    after = stored(app, sid)
    assert after.checked_in_at is None
    assert after.decisions == []
