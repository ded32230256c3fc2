"""The CSV export, byte for byte: a varied data set (every treatment and rule set version,
Spanish and formula-like text, missing and odd answers, decisions, instants around the clock
changes) exported as the plain definition gives it, one ORM object and one cell at a time,
whatever the filters; and the XLSX and the ``flask export`` command agree with it.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import insert, select, update

from screening.extensions import db
from screening.models import Decision, Screening, StaffUser
from screening.records import exports
from tests.staff.helpers import copy_screenings, make_staff, submit_screening
from tests.test_exports import manager, one_of_each_rule_set

pytestmark = pytest.mark.usefixtures("light_password_hashing")

CLINIC = ZoneInfo("America/Los_Angeles")
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
# Instants around Los Angeles' clock changes in 2026 (8 March, 1 November), the year's end and
# with fractions of a second, which the export drops.
INSTANTS = (
    datetime(2026, 3, 8, 7, 59, 59, 999_999, UTC),  # 7 March, 23:59:59 PST
    datetime(2026, 3, 8, 8, 0, tzinfo=UTC),  # 8 March, midnight PST
    datetime(2026, 3, 8, 9, 59, 59, tzinfo=UTC),  # 01:59:59 PST, just before the change
    datetime(2026, 3, 8, 10, 0, tzinfo=UTC),  # 03:00 PDT, just after
    datetime(2026, 3, 9, 6, 59, 59, 500_000, UTC),  # 8 March, 23:59:59 PDT
    datetime(2026, 3, 9, 7, 0, tzinfo=UTC),  # 9 March, midnight PDT
    datetime(2026, 11, 1, 6, 59, 59, tzinfo=UTC),  # 31 October, 23:59:59 PDT
    datetime(2026, 11, 1, 8, 30, tzinfo=UTC),  # 01:30 PDT, the first time
    datetime(2026, 11, 1, 9, 30, tzinfo=UTC),  # 01:30 PST, the second time
    datetime(2026, 11, 2, 7, 59, 59, tzinfo=UTC),  # 1 November, 23:59:59 PST
    datetime(2026, 12, 31, 23, 59, 59, 999_999, UTC),  # still 31 December in Los Angeles
    datetime(2027, 1, 1, 8, 0, 1, tzinfo=UTC),  # 1 January 2027 in Los Angeles
)
TEXTS = (
    "José",
    "Núñez-García",
    "María José de la Peña",
    "=1+1",
    "+34 600 123 456",
    "-5",
    "@SUM(A1)",
    "\t=x",
    "\r=x",
    "\n=x",
    "'=already quoted",
    '=HYPERLINK("http://x")',
    'dice "hola"',
    "a,b;c",
    "dos\nlíneas\r\ny más",
    "Zoë Ñandú 東京",
    "",
    " =leading space",
    "\x01=1+1",  # XLSX drops the control character, then neutralises
)
# Answers as JSON can hold them, whether or not the questionnaire would give them.
ODD_ANSWERS = (
    {},
    {"date_of_birth": None, "treatment_areas": [], "pregnant": ""},
    {"date_of_birth": "1985-02-29", "treatment_areas": ["=x", "neck"], "pregnant": "sí"},
    {"treatment_areas": ["", "=x"], "cold_sore": "-no", "keloid_history": "@yes"},
    {"treatment_areas": [1, "a", None, ["b", "=c"]], "pregnant": 5, "breastfeeding": True},
    {"date_of_birth": 1.5, "cold_sore": {"k": "=v"}, "unknown_question": "=ignored"},
    {"date_of_birth": "+1990-05-17", "feeling_unwell": "Sí, tengo gripe; un poco"},
)


def varied_screenings(app, clock) -> list[int]:
    """Screenings, decisions and staff that between them take every path through a row."""
    template = submit_screening(app, health={"neuromuscular_disorder": "unsure"})[0]
    rows = one_of_each_rule_set(clock)
    for index, row in enumerate(rows):
        row["submitted_at"] = INSTANTS[index % len(INSTANTS)]
        row["first_name"], row["last_name"] = TEXTS[index % len(TEXTS)], TEXTS[-1 - index]
    statuses = ("cleared", "needs_review", "awaiting_note", "reschedule")
    for index, text in enumerate(TEXTS):
        rows.append(
            {
                "first_name": text,
                "last_name": TEXTS[-1 - index],
                "phone": TEXTS[(index + 3) % len(TEXTS)],
                "email": TEXTS[(index + 5) % len(TEXTS)],
                "submitted_at": INSTANTS[index % len(INSTANTS)],
                "appointment_date": date(2026, 3, 1 + index),
                "earliest_date": date(2026, 4, 1 + index) if index % 2 else None,
                "status": statuses[index % len(statuses)],
                "outcome": ("clear", "reschedule", "needs_clearance")[index % 3],
                "findings": (
                    [{"rule_id": "pregnant"}, {"rule_id": "cold_sore"}] if index % 3 else []
                ),
            }
        )
    for index, answers in enumerate(ODD_ANSWERS):
        rows.append({"answers": answers, "submitted_at": INSTANTS[-1 - index]})
    rows.append({"answers": None, "findings": None})  # JSON null in both
    if app.config["DATABASE_URL"].startswith("sqlite"):  # PostgreSQL refuses it; so does XLSX
        rows.append(
            {
                "answers": {"date_of_birth": "\ud800 lone surrogate"},
                "submitted_at": datetime(2027, 6, 1, tzinfo=UTC),
            }
        )
    rows.append({"submitted_at": datetime(2026, 6, 1, 12, 0, tzinfo=UTC), "treatment": "=odd"})
    rows.append({"submitted_at": datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC)})  # a three-digit year
    ids = [template, *copy_screenings(app, template, rows)]
    add_decisions(app, ids)
    return ids


def add_decisions(app, ids: list[int]) -> None:
    """None for most screenings; one, or several with and without reasons, for some."""
    staff = [
        make_staff(app, "zoe@clinic.example", "nurse", name="Zoë Ñandú"),
        make_staff(app, "mallory@clinic.example", "nurse", name="Mallory"),
    ]
    with app.app_context():
        # Stored as is, as if written before names were checked.
        db.session.execute(
            update(StaffUser).where(StaffUser.id == staff[1]).values(name="=Mallory, RN")
        )
        decisions = []
        for position, screening_id in enumerate(ids):
            for number in range(position % 4 if position % 3 else 0):
                decisions.append(
                    {
                        "screening_id": screening_id,
                        "staff_id": staff[(position + number) % 2],
                        "kind": "resolve",
                        "rule_id": None,
                        "reason": ("", "=Llamó, todo bien", "two\nlines", "ok")[number],
                        "details": {},
                        "created_at": INSTANTS[(position + number) % len(INSTANTS)],
                    }
                )
        # Out of order, so the latest decision is the highest id, not the first inserted.
        db.session.execute(insert(Decision), decisions[::-1])
        db.session.commit()


# The plain definition ------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(_text(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _utc(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _chosen(screening: Screening, filters: exports.ExportFilters) -> bool:
    if filters.date_field == "appointment":
        day = screening.appointment_date
    else:
        day = screening.submitted_at.astimezone(CLINIC).date()
    return (
        (filters.date_from is None or filters.date_from <= day)
        and (filters.date_to is None or day <= filters.date_to)
        and filters.outcome in (None, screening.outcome)
        and filters.status in (None, screening.status)
        and filters.treatment in (None, screening.treatment)
    )


def stored_rows(
    app, filters: exports.ExportFilters, up_to_id: int | None = None
) -> list[list[str]]:
    """The header, then each chosen screening's cells as stored, from whole ORM objects."""
    questions = exports.question_ids()
    rows = [exports.header(questions)]
    with app.app_context():
        for screening in db.session.scalars(select(Screening).order_by(Screening.id)):
            if not _chosen(screening, filters) or screening.id > (up_to_id or screening.id):
                continue
            answers = screening.answers or {}
            decisions = sorted(screening.decisions, key=lambda decision: decision.id)
            latest = decisions[-1] if decisions else None
            rows.append(
                [
                    str(screening.id),
                    _utc(screening.submitted_at),
                    _text(screening.appointment_date),
                    screening.treatment,
                    screening.first_name,
                    screening.last_name,
                    _text(answers.get("date_of_birth")),
                    screening.phone,
                    screening.email,
                    screening.outcome,
                    screening.status,
                    ";".join(finding["rule_id"] for finding in screening.findings or ()),
                    _text(screening.earliest_date),
                    latest.staff.name if latest else "",
                    _utc(latest.created_at) if latest else "",
                    "; ".join(decision.reason for decision in decisions if decision.reason),
                    screening.ruleset_id,
                    screening.ruleset_version,
                    *(_text(answers.get(qid)) for qid in questions),
                ]
            )
    return rows


def _neutralised(cell: str) -> str:
    return "'" + cell if cell.startswith(TRIGGERS) else cell


def plain_rows(app, filters: exports.ExportFilters, up_to_id: int | None = None) -> list[list[str]]:
    """``stored_rows`` with every cell neutralised."""
    return [[_neutralised(cell) for cell in row] for row in stored_rows(app, filters, up_to_id)]


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8", errors="replace")


def plain_csv(app, filters: exports.ExportFilters, up_to_id: int | None = None) -> bytes:
    return csv_bytes(plain_rows(app, filters, up_to_id))


# query string, the same filters
FILTERS = [
    ("", exports.ExportFilters()),
    (
        "date_from=2026-03-08&date_to=2026-03-08",
        exports.ExportFilters(date_from=date(2026, 3, 8), date_to=date(2026, 3, 8)),
    ),
    (
        "date_from=2026-11-01&date_to=2026-11-01",
        exports.ExportFilters(date_from=date(2026, 11, 1), date_to=date(2026, 11, 1)),
    ),
    ("date_from=2026-03-09", exports.ExportFilters(date_from=date(2026, 3, 9))),
    ("date_to=2026-12-31", exports.ExportFilters(date_to=date(2026, 12, 31))),
    (
        "date_field=appointment&date_from=2026-03-05&date_to=2026-03-12",
        exports.ExportFilters("appointment", date(2026, 3, 5), date(2026, 3, 12)),
    ),
    ("outcome=reschedule", exports.ExportFilters(outcome="reschedule")),
    ("status=needs_review", exports.ExportFilters(status="needs_review")),
    ("treatment=neurotoxin", exports.ExportFilters(treatment="neurotoxin")),
    (
        "treatment=pdo_smooth_threads&outcome=needs_clearance&date_to=2026-12-01",
        exports.ExportFilters(
            treatment="pdo_smooth_threads", outcome="needs_clearance", date_to=date(2026, 12, 1)
        ),
    ),
]


@pytest.fixture
def varied(app, clock) -> list[int]:
    return varied_screenings(app, clock)


def test_the_download_is_the_plain_definition_byte_for_byte(app, varied):
    client = manager(app)
    for query, filters in FILTERS:
        response = client.get("/staff/records/exports.csv?" + query)
        assert response.status_code == 200
        assert response.is_streamed
        assert response.data == plain_csv(app, filters), query
    assert plain_csv(app, FILTERS[1][1]).count(b"\r\n") > 3  # the filters choose some


def test_rows_are_the_same_across_chunks_and_stop_at_the_snapshot(app, varied):
    every, reschedules = exports.ExportFilters(), exports.ExportFilters(outcome="reschedule")
    with app.app_context():
        for filters, up_to_id in ((every, None), (every, varied[20]), (reschedules, varied[-3])):
            for chunk_size in (1, 3, 1000):
                rows = exports.csv_rows(
                    db.session(), filters, CLINIC, up_to_id=up_to_id, chunk_size=chunk_size
                )
                exported = b"".join(exports.write_csv(rows))
                assert exported == plain_csv(app, filters, up_to_id), (filters, chunk_size)


def test_a_half_read_export_holds_no_transaction(app, varied):
    with app.app_context():
        session = db.session()
        rows = exports.csv_rows(session, exports.ExportFilters(), chunk_size=2)
        next(rows), next(rows)  # the header and the first screening
        assert not session.in_transaction()
        session.get(Screening, varied[0]).first_name = "Changed"
        with pytest.raises(RuntimeError, match="Save or discard"):
            next(exports.csv_rows(session, exports.ExportFilters()))
        session.rollback()


def _xml_lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")  # as XML reads line ends


def test_the_workbook_and_the_command_are_the_plain_definition(app, varied, tmp_path):
    filters = FILTERS[4]  # up to 2026: not the lone surrogate, which XML cannot hold
    response = manager(app).get("/staff/records/exports.xlsx?" + filters[0])
    sheet = load_workbook(io.BytesIO(response.data)).active
    workbook = [[value or "" for value in row] for row in sheet.iter_rows(values_only=True)]
    # Characters XML cannot hold are dropped, then the cell neutralised.
    expected = [
        [_xml_lines(_neutralised(ILLEGAL_CHARACTERS_RE.sub("", cell))) for cell in row]
        for row in stored_rows(app, filters[1])
    ]
    assert workbook == expected

    out = tmp_path / "export.csv"
    arguments = ["export", "--format", "csv", "--from", "2000-01-01", "--to", "2026-12-31"]
    result = app.test_cli_runner().invoke(args=[*arguments, "--out", str(out)])
    assert result.exit_code == 0, result.output
    command_filters = exports.ExportFilters(date_from=date(2000, 1, 1), date_to=date(2026, 12, 31))
    assert out.read_bytes() == plain_csv(app, command_filters)


ROW = st.lists(st.text(st.sampled_from("ab\",\r\n\x00 ='é東\ud800")), max_size=6)


@given(rows=st.lists(ROW, max_size=5))
def test_the_csv_is_csv_writers_with_every_cell_quoted(rows):
    assert b"".join(exports.write_csv(rows)) == csv_bytes(rows)
