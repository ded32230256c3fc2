"""The nurse queue as the clinic's history grows: each status counted only so far (then "1000+"),
the same statements whatever the number of screenings, and every read of the screenings through
an index (issue #9: the queue as fast at 100,000 screenings as at 10,000)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from screening.extensions import db
from screening.models import Status
from screening.review import routes
from tests.staff.helpers import copy_screenings, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")

ROW_LINK = re.compile(r'href="/staff/screenings/(\d+)">')


@pytest.fixture
def nurse(app):
    return signed_in(app, "nurse@example.com", "nurse")


@pytest.fixture
def many(app):
    """31 screenings that need review and 2 cleared ones, appointments over three weeks."""
    source, _, _ = submit_screening(app, pregnancy={"pregnant": "unsure"})
    rows = [
        {
            "last_name": f"Copy{i:02d}",
            "appointment_date": date(2026, 12, 2) + timedelta(days=i % 21),
        }
        for i in range(30)
    ]
    cleared = [
        {"last_name": f"Clear{i}", "status": "cleared", "appointment_date": date(2026, 12, 3)}
        for i in range(2)
    ]
    return [source, *copy_screenings(app, source, rows)], copy_screenings(app, source, cleared)


def listed(html: str) -> list[int]:
    return [int(i) for i in ROW_LINK.findall(html)]


@contextmanager
def statements(app):
    """The SQL statements (with their parameters) run inside the block."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_count_past_its_limit_says_so_and_the_pages_go_on(app, nurse, many, monkeypatch):
    review, _ = many
    monkeypatch.setattr(routes, "COUNT_LIMIT", 27)

    first = nurse.get("/staff/")
    second = nurse.get("/staff/?page=2")

    assert '<span class="count">Needs review: 27+</span>' in first.text
    assert "27+ need a person" in first.text
    assert "27+ screenings, soonest appointment first" in first.text
    assert '<span class="count">Cleared: 2</span>' in first.text
    assert "Page 1 of 2+" in first.text and 'rel="next"' in first.text
    # Page 2 is counted as far as it needs: exact again.
    assert '<span class="count">Needs review: 31</span>' in second.text
    assert "31 screenings" in second.text and "Page 2 of 2<" in second.text
    assert 'rel="next"' not in second.text
    assert sorted(listed(first.text) + listed(second.text)) == sorted(review)


def test_a_status_under_the_limit_is_exact_when_another_is_not(app, nurse, many, monkeypatch):
    _, cleared = many
    monkeypatch.setattr(routes, "COUNT_LIMIT", 27)

    page = nurse.get("/staff/?status=cleared")

    assert '<span class="count">Needs review: 27+</span>' in page.text
    assert "2 screenings, soonest appointment first" in page.text
    assert sorted(listed(page.text)) == sorted(cleared)
    assert 'class="pagination"' not in page.text


def test_a_page_far_past_the_end_shows_the_last_page(app, nurse, many, monkeypatch):
    monkeypatch.setattr(routes, "COUNT_LIMIT", 27)

    page = nurse.get("/staff/?page=99999999999999999999&status=all")

    assert page.status_code == 200
    assert "33 screenings" in page.text and "Page 2 of 2<" in page.text
    assert len(listed(page.text)) == 8


QUERIES = [
    "",
    "status=all",
    "status=cleared",
    "page=2",
    "treatment=pdo_smooth_threads",
    "treatment=neurotoxin&status=all",
    "outcome=needs_clearance&status=all",
    "date_from=2026-12-10&date_to=2026-12-15",
    "date_from=2026-12-10&treatment=pdo_smooth_threads&outcome=needs_clearance",
]


def test_the_queue_runs_the_same_statements_for_2_or_32_screenings(app, nurse):
    source, _, _ = submit_screening(app, pregnancy={"pregnant": "unsure"})
    copy_screenings(app, source, [{"status": "cleared"}])
    nurse.get("/staff/")

    def count(query: str) -> int:
        with statements(app) as seen:
            assert nurse.get(f"/staff/?{query}").status_code == 200
        return len(seen)

    few = [count(query) for query in QUERIES]
    copy_screenings(app, source, [{"status": "cleared"} for _ in range(15)])
    copy_screenings(app, source, [{"last_name": f"Copy{i:02d}"} for i in range(15)])

    assert [count(query) for query in QUERIES] == few


@pytest.mark.parametrize("query", QUERIES)
def test_the_queue_reads_the_screenings_through_indexes(app, nurse, many, query):
    """No plan scans the table, and the counts read an index alone, whatever the filters.
    SQLite's plans only: PostgreSQL's follow its statistics of the table."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's query plans")
    with statements(app) as seen:
        assert nurse.get(f"/staff/?{query}").status_code == 200
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            plans = {
                statement: [
                    row[3]
                    for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
                ]
                for statement, parameters in seen
                if "FROM screenings" in statement
            }
        finally:
            connection.close()
    [counts] = [plan for statement, plan in plans.items() if "count(*)" in statement]
    [page] = [plan for statement, plan in plans.items() if "count(*)" not in statement]
    reads = [step for step in counts if "screenings" in step.split(" USING")[0]]
    assert len(reads) == len(Status.ALL), counts
    assert all(step.startswith("SEARCH screenings USING COVERING INDEX") for step in reads), counts
    assert not [step for step in page if step.startswith("SCAN screenings")], page
    # Each status is read in the queue's order from an index made for it, and only the page's
    # worth is sorted: SQLite once chose ix_screenings_status for "status IN (...)" and sorted
    # every screening in the queue on each visit (130 ms at 100,000 screenings).
    reads = [
        step for step in page if step.startswith("SEARCH screenings") and "PRIMARY" not in step
    ]
    assert reads and all("INDEX ix_screenings_queue_" in step for step in reads), page
    assert sum("TEMP B-TREE" in step for step in page) == 2, page  # the merge, then the page
