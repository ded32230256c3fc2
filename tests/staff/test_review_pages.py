"""The nurse's pages: the queue, today's appointments, one screening, and what each writes to the
audit trail."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

import rules
from rules import TOPICS
from screening.extensions import db
from screening.models import AuditEvent, Screening
from tests.checking_client import page_problems
from tests.intake.patient import csrf_token
from tests.staff.helpers import (
    copy_screenings,
    make_staff,
    post_decision,
    sign_in,
    signed_in,
    submit_screening,
)

pytestmark = pytest.mark.usefixtures("light_password_hashing")


PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Size 3 /Root 1 0 R >>\n%%EOF\n"
)
QUEUE_DATE = re.compile(r"<td>(\w{3} \d{2} \w{3} \d{4})</td>")
ROW_LINK = re.compile(r'href="/staff/screenings/(\d+)">([^<]+)</a>')


@pytest.fixture
def nurse(app):
    return signed_in(app, "nurse@example.com", "nurse")


def listed(html: str) -> list[tuple[int, str]]:
    """The (screening id, "Last, First") links of a list page, in page order."""
    return [(int(i), name) for i, name in ROW_LINK.findall(html)]


def listed_dates(html: str) -> list[date]:
    return [datetime.strptime(d, "%a %d %b %Y").date() for d in QUEUE_DATE.findall(html)]


def audit_rows(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action is not None:
            query = query.where(AuditEvent.action == action)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def person(last_name: str) -> dict:
    return {"about_you": {"last_name": last_name}}


# The queue ------------------------------------------------------------------------------------


@pytest.fixture
def mixed(app, nurse):
    """One screening in each status, made through the real pages, with their last names."""
    made = {}
    made["cleared"], _, _ = submit_screening(app, **person("Cleared"))
    made["reschedule"], _, _ = submit_screening(
        app,
        **person("Resched"),
        visit={"appointment_date": "2026-12-20"},
        feeling={"cold_sore": "yes"},
    )
    made["awaiting_note"], _, _ = submit_screening(
        app,
        **person("Awaiting"),
        visit={"appointment_date": "2026-12-05"},
        health={"neuromuscular_disorder": "yes"},
    )
    made["needs_review"], _, _ = submit_screening(
        app,
        **person("Review"),
        visit={"appointment_date": "2026-12-15"},
        pregnancy={"pregnant": "unsure"},
    )
    made["note_to_verify"], url, patient = submit_screening(
        app,
        **person("Noted"),
        visit={"appointment_date": "2026-12-12"},
        health={"immunosuppressive_disorder": "yes"},
    )
    page = patient.get(url)
    patient.post(
        f"{url}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(PDF), "note.pdf")},
    )
    made["not_eligible"], _, _ = submit_screening(
        app,
        **person("Ineligible"),
        visit={"appointment_date": "2026-12-08"},
        pregnancy={"breastfeeding": "yes"},
    )
    post_decision(nurse, made["not_eligible"], "/acknowledge", {"new_date": "", "reason": ""})
    with app.app_context():
        for status, sid in made.items():
            assert db.session.get(Screening, sid).status == status
    return made


def test_the_queue_lists_what_needs_a_person_soonest_first(app, nurse, mixed):
    page = nurse.get("/staff/")

    assert page.status_code == 200
    assert [name for _, name in listed(page.text)] == [
        "Awaiting, Ana",
        "Noted, Ana",
        "Review, Ana",
        "Resched, Ana",
    ]
    assert listed_dates(page.text) == [
        date(2026, 12, 5),
        date(2026, 12, 12),
        date(2026, 12, 15),
        date(2026, 12, 20),
    ]
    assert "4 need a person" in page.text
    for label in ("Waiting to be rescheduled", "Note to verify", "Waiting for a note"):
        assert f'<span class="count">{label}: 1</span>' in page.text
    assert "4 screenings, soonest appointment first" in page.text


QUEUE_FILTERS = [
    ("status=all", ["Awaiting", "Ineligible", "Cleared", "Noted", "Review", "Resched"]),
    ("status=cleared", ["Cleared"]),
    ("status=not_eligible", ["Ineligible"]),
    ("status=note_to_verify", ["Noted"]),
    ("outcome=reschedule", ["Resched"]),
    ("outcome=reschedule&status=all", ["Ineligible", "Resched"]),
    ("outcome=needs_clearance", ["Awaiting", "Noted", "Review"]),
    ("date_from=2026-12-10&date_to=2026-12-15", ["Noted", "Review"]),
    ("date_from=12/10/2026&date_to=12/15/2026&status=all", ["Cleared", "Noted", "Review"]),
    ("date_to=2026-12-04", []),
    ("treatment=pdo_smooth_threads", ["Awaiting", "Noted", "Review", "Resched"]),
]


def test_the_queue_filters(app, nurse, mixed):
    for query, names in QUEUE_FILTERS:
        page = nurse.get(f"/staff/?{query}")

        assert page.status_code == 200, query
        assert [name.split(",")[0] for _, name in listed(page.text)] == names, query
        assert "There is a problem" not in page.text, query
        if not names:
            assert "Nothing here: no screening matches" in page.text


def test_the_queue_counts_follow_the_date_filters(app, nurse, mixed):
    page = nurse.get("/staff/?date_from=2026-12-10&status=all")

    counts = re.search(r'<p class="counts">(.*?)</p>', page.text, re.S).group(1)
    assert counts.startswith("3 need a person")
    for label in ("Cleared", "Note to verify", "Needs review", "Waiting to be rescheduled"):
        assert f'<span class="count">{label}: 1</span>' in counts
    assert "Waiting for a note" not in counts
    assert "Not eligible" not in counts


@pytest.fixture
def many(app):
    """31 screenings that need review: one real, 30 copies, appointments over three weeks."""
    source, _, _ = submit_screening(app, pregnancy={"pregnant": "unsure"})
    rows = [
        {
            "last_name": f"Copy{i:02d}",
            "appointment_date": date(2026, 12, 2) + timedelta(days=(i * 7) % 21),
        }
        for i in range(30)
    ]
    return [source, *copy_screenings(app, source, rows)]


def test_the_queue_is_paged_and_every_screening_appears_once(app, nurse, many):
    first = nurse.get("/staff/")
    second = nurse.get("/staff/?page=2")

    assert "31 screenings" in first.text
    assert "Page 1 of 2" in first.text
    assert "Page 2 of 2" in second.text
    assert 'rel="next"' in first.text and 'rel="prev"' not in first.text
    assert 'rel="prev"' in second.text and 'rel="next"' not in second.text
    ids = [sid for sid, _ in listed(first.text)] + [sid for sid, _ in listed(second.text)]
    assert len(listed(first.text)) == 25
    assert sorted(ids) == sorted(many)
    dates = listed_dates(first.text) + listed_dates(second.text)
    assert dates == sorted(dates)
    assert '<span class="count">Needs review: 31</span>' in first.text


def test_the_queue_pages_keep_the_filters(app, nurse, many):
    page = nurse.get("/staff/?status=needs_review&outcome=needs_clearance")

    next_link = re.search(r'href="([^"]+)" rel="next"', page.text).group(1).replace("&amp;", "&")
    assert "status=needs_review" in next_link
    assert "outcome=needs_clearance" in next_link
    assert "page=2" in next_link
    assert len(listed(nurse.get(next_link).text)) == 6


def test_a_screening_of_another_treatment_is_filtered_out(app, nurse, many):
    [other] = copy_screenings(
        app,
        many[0],
        [{"treatment": "retired", "last_name": "Retired", "appointment_date": date(2026, 12, 1)}],
    )

    everything = nurse.get("/staff/?status=all")
    threads = nurse.get("/staff/?treatment=pdo_smooth_threads&status=all")

    assert listed(everything.text)[0] == (other, "Retired, Ana")
    assert "32 screenings" in everything.text
    assert other not in [sid for sid, _ in listed(threads.text)]
    assert "31 screenings" in threads.text


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("date_from=banana", "Appointments from must be a real date"),
        ("date_to=2026-02-30", "Appointments to must be a real date"),
        ("status=nonsense", "Not a valid choice"),
        ("outcome=%3Cscript%3Ealert(1)%3C/script%3E", "Not a valid choice"),
        ("treatment=botox", "Not a valid choice"),
        ("page=-3", None),
        ("page=0", None),
        ("page=99999999999999999999", None),
        ("page=abc", None),
        ("date_from=banana&status=nonsense&page=abc", "Appointments from must be a real date"),
    ],
)
def test_bad_filter_values_are_a_form_error_or_ignored_never_a_500(
    app, nurse, many, query, message
):
    page = nurse.get(f"/staff/?{query}")

    assert page.status_code in (200, 400)
    assert "<script>alert(1)" not in page.text
    if message is not None:
        assert "There is a problem" in page.text
        assert message in page.text
    # A bad value never hides screenings that need a person: the first page is shown.
    assert len(listed(page.text)) == 25 or "Page 2 of 2" in page.text


# Today -----------------------------------------------------------------------------------------


def test_today_lists_the_days_appointments_with_their_status(app, clock):
    cleared, _, _ = submit_screening(
        app, **person("Todayclear"), visit={"appointment_date": "2026-12-01"}
    )
    review, _, _ = submit_screening(
        app,
        **person("Todayreview"),
        visit={"appointment_date": "2026-12-01"},
        pregnancy={"pregnant": "unsure"},
    )
    later, _, _ = submit_screening(app, **person("Later"))
    copy_screenings(
        app, later, [{"last_name": "Yesterday", "appointment_date": date(2026, 11, 30)}]
    )
    # 05:00 UTC on 2 December is still 1 December in Los Angeles.
    clock.now = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
    nurse = signed_in(app, "nurse@example.com", "nurse")

    page = nurse.get("/staff/today")

    assert page.status_code == 200
    assert "Tuesday, December 1, 2026" in page.text
    assert [name for _, name in listed(page.text)] == ["Todayclear, Ana", "Todayreview, Ana"]
    assert "tag--cleared" in page.text and "tag--needs_review" in page.text
    assert page.text.count("Not yet") == 2


def test_today_says_so_when_there_is_nothing(app, nurse):
    submit_screening(app)

    page = nurse.get("/staff/today")

    assert page.status_code == 200
    assert "No screenings for today's appointments" in page.text.replace("&#39;", "'")


# One screening ---------------------------------------------------------------------------------

FLAGGING = {
    "about_you": {"first_name": "Ana", "last_name": "Lopez"},
    "pregnancy": {"pregnant": "unsure"},
    "health": {"neuromuscular_disorder": "yes"},
    "medicines": {"bleeding_risk_substances": ["none"], "prescribed_blood_thinner": "yes"},
}


def _section(html: str, title: str) -> str:
    start = html.index(f"<h3>{title}</h3>")
    return html[start : html.index("</dl>", start)]


def _answer_row(html: str, qid: str) -> str:
    start = html.index(f'id="answer-{qid}"')
    return html[html.rindex("<div", 0, start) : html.index("</div>", start)]


def test_the_screening_page_shows_every_answer_and_what_it_triggered(app, nurse):
    sid, _, _ = submit_screening(app, **FLAGGING)
    with app.app_context():
        screening = db.session.get(Screening, sid)
        answers = dict(screening.answers)
        findings = {f["rule_id"]: f for f in screening.findings}

    page = nurse.get(f"/staff/screenings/{sid}")

    assert page.status_code == 200
    html = page.text
    ruleset = rules.get_ruleset("pdo_smooth_threads", "2")
    for topic in TOPICS:
        asked = bool(ruleset.questions_in_topic(topic.id))
        assert (f"<h3>{topic.title}</h3>" in html) == asked
    for qid in answers:
        assert f'id="answer-{qid}"' in html
    assert "What is your date of birth?" in _section(html, "About you")
    assert 'id="answer-cold_sore"' in _section(html, "How you feel")
    triggered = {
        "pregnant": "pregnancy",
        "neuromuscular_disorder": "neuromuscular_disorder",
        "prescribed_blood_thinner": "prescribed_blood_thinner",
    }
    for qid, rule_id in triggered.items():
        row = _answer_row(html, qid)
        assert "summary__row--flagged" in row
        assert f"Triggered: {rule_id}" in row
    for qid in set(answers) - set(triggered):
        row = _answer_row(html, qid)
        assert "summary__row--flagged" not in row
        assert "Triggered" not in row
    assert set(findings) == set(triggered.values())
    for rule_id, finding in findings.items():
        start = html.index(f'id="finding-{rule_id}"')
        section = html[start : html.index("</section>", start)]
        assert finding["staff_text"].replace("'", "&#39;") in section
        assert f"Source: {finding['source']}" in section
        assert f'href="#answer-{next(iter(finding["answers"]))}"' in section


def test_the_screening_page_shows_the_signature_record(app, nurse):
    sid, _, _ = submit_screening(app)
    with app.app_context():
        screening = db.session.get(Screening, sid)
        consent_hash = screening.consent_text_hash

    html = nurse.get(f"/staff/screenings/{sid}").text

    signature = html[html.index("<h2>Signature</h2>") : html.index("<h2>History</h2>")]
    assert "<dd>Ana Lopez</dd>" in signature
    # Staff read every time in the clinic's zone: 20:00 UTC is noon in Los Angeles.
    assert "2026-12-01 12:00:00 PST" in signature
    assert "127.0.0.1" in signature
    assert "TestPhone/1.0" in signature
    assert re.fullmatch(r"[0-9a-f]{64}", consent_hash)
    assert f"<code>{consent_hash}</code>" in signature


def test_the_screening_page_shows_the_notes_and_the_history(app, nurse):
    sid, url, patient = submit_screening(app, **FLAGGING)
    page = patient.get(url)
    data = {"csrf_token": csrf_token(page.text), "kind": "provider_note"}
    uploaded = patient.post(f"{url}/notes", data={**data, "file": (io.BytesIO(PDF), "n.pdf")})
    assert uploaded.status_code == 303
    post_decision(
        nurse,
        sid,
        "/notes/paper",
        {"kind": "prescriber_note", "covers": "prescribed_blood_thinner"},
    )
    reason = "Negative test today <script>alert(1)</script>"
    post_decision(nurse, sid, "/findings/pregnancy/resolve", {"reason": reason})

    html = nurse.get(f"/staff/screenings/{sid}").text

    notes = html[html.index("<h2>Clearance notes</h2>") : html.index("<h2>Answers</h2>")]
    assert "Signed note from the primary care provider" in notes
    assert "by the patient" in notes
    assert "download note 1" in notes
    assert "Note from the prescriber" in notes
    assert "received on paper" in notes
    assert "Verified by Nurse" in notes
    history = html[html.index("<h2>History</h2>") :]
    items = re.findall(r"<li>(.*?)</li>", history, re.S)
    assert len(items) == 2
    assert "Nurse: paper note" in items[0]
    assert "Nurse: resolve pregnancy" in items[1]
    assert "Negative test today &lt;script&gt;alert(1)&lt;/script&gt;" in items[1]
    assert "<script>alert(1)" not in html


def test_an_unknown_screening_is_not_found(app, nurse):
    assert nurse.get("/staff/screenings/999").status_code == 404
    assert audit_rows(app, "view_screening") == []


@pytest.mark.parametrize(
    ("pages", "day"),
    [
        ({"feeling": {"cold_sore": "yes"}}, 1),
        ({}, 10),
    ],
    ids=["reschedule", "check-in-day"],
)
def test_the_screening_page_has_no_duplicate_ids(app, clock, pages, day):
    sid, _, _ = submit_screening(app, **pages)
    clock.now = datetime(2026, 12, day, 20, 0, tzinfo=UTC)
    # A plain client, so the page's problems are this test's assertion rather than an exception.
    client = FlaskClient(app, app.response_class, use_cookies=True)
    make_staff(app, "nurse@example.com", "nurse")
    assert sign_in(client, "nurse@example.com").status_code == 303
    response = client.get(f"/staff/screenings/{sid}")

    assert response.status_code == 200
    assert page_problems(response.get_data(as_text=True)) == []


# The audit trail ------------------------------------------------------------------------------


def test_viewing_a_screening_writes_exactly_one_audit_row(app, nurse):
    sid, _, _ = submit_screening(app)
    nurse.get("/staff/")
    nurse.get("/staff/today")

    nurse.get(f"/staff/screenings/{sid}")

    rows = audit_rows(app, "view_screening")
    assert [(r.object_type, r.object_id, r.result) for r in rows] == [("screening", str(sid), "ok")]
    assert rows[0].staff_id is not None
    assert rows[0].roles == "nurse"


def test_each_decision_writes_exactly_one_audit_row(app, nurse):
    sid, _, _ = submit_screening(app, **FLAGGING)
    steps = [
        ("/findings/pregnancy/resolve", {"reason": ""}, 0),
        ("/findings/neuromuscular_disorder/resolve", {"reason": "Early"}, 0),
        ("/notes/paper", {"kind": "provider_note", "covers": "neuromuscular_disorder"}, 1),
        ("/findings/neuromuscular_disorder/resolve", {"reason": "GP note on paper"}, 1),
        ("/findings/pregnancy/resolve", {"reason": "Negative test"}, 1),
    ]
    for path, data, added in steps:
        before = len(audit_rows(app, "decision"))
        post_decision(nurse, sid, path, data)
        assert len(audit_rows(app, "decision")) == before + added, path
    rows = audit_rows(app, "decision")
    assert {(r.object_type, r.object_id) for r in rows} == {("screening", str(sid))}
    assert len(rows) == 3


def test_uploads_and_downloads_write_one_row_each(app, nurse):
    sid, _, _ = submit_screening(app, **FLAGGING)
    post_decision(
        nurse,
        sid,
        "/notes",
        {"kind": "provider_note", "file": (io.BytesIO(PDF), "note.pdf")},
    )
    assert len(audit_rows(app, "upload_note")) == 1

    nurse.get(f"/staff/screenings/{sid}/notes/1")
    nurse.get(f"/staff/screenings/{sid}/notes/1")

    assert [(r.object_type, r.object_id) for r in audit_rows(app, "view_note")] == [
        ("note", "1"),
        ("note", "1"),
    ]
    assert len(audit_rows(app, "upload_note")) == 1


def test_the_audit_trail_never_holds_the_patients_identity(app, clock):
    identity = {
        "first_name": "Zephyrine",
        "last_name": "Quillfeather",
        "email": "zq.patient@example.net",
        "phone": "(909) 555-0177",
        "date_of_birth": "1985-07-23",
    }
    sid, url, patient = submit_screening(
        app,
        about_you=identity,
        health={"neuromuscular_disorder": "yes"},
        pregnancy={"pregnant": "unsure"},
    )
    nurse = signed_in(app, "nurse@example.com", "nurse")
    page = patient.get(url)
    patient.post(
        f"{url}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(PDF), "Quillfeather.pdf")},
    )
    nurse.get("/staff/")
    nurse.get("/staff/today")
    nurse.get(f"/staff/screenings/{sid}/notes/1")
    post_decision(nurse, sid, "/findings/neuromuscular_disorder/resolve", {"reason": "Too early"})
    post_decision(nurse, sid, "/notes/1/verify", {"covers": "neuromuscular_disorder"})
    post_decision(
        nurse,
        sid,
        "/findings/pregnancy/resolve",
        {"reason": "Spoke to Zephyrine Quillfeather on (909) 555-0177"},
    )
    post_decision(nurse, sid, "/findings/neuromuscular_disorder/resolve", {"reason": "Note ok"})
    clock.now = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    nurse = signed_in(app, "day@example.com", "nurse")
    post_decision(
        nurse,
        sid,
        "/check-in",
        {
            "feeling_unwell": "no",
            "cold_sore": "yes",
            "blemish_or_rash": "no",
            "bleeding_risk_substances": ["none"],
            "bleeding_risk_last_dose": "",
            "pregnant": "no",
            "breastfeeding": "no",
        },
    )
    with app.app_context():
        assert db.session.get(Screening, sid).status == "reschedule"

    rows = audit_rows(app)
    actions = {r.action for r in rows}
    assert {"view_screening", "upload_note", "view_note", "decision", "refused_action"} <= actions
    forbidden = [
        "zephyrine",
        "quillfeather",
        "zq.patient",
        "example.net",
        "555-0177",
        "5550177",
        "1985-07-23",
        "07/23/1985",
    ]
    columns = [
        c.key for c in AuditEvent.__table__.columns if c.key not in ("previous_hash", "row_hash")
    ]
    for row in rows:
        text = " ".join(str(getattr(row, column)) for column in columns).lower()
        leaked = [value for value in forbidden if value in text]
        assert not leaked, (row.action, leaked)
