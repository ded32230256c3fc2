"""Exports of screenings for managers and scheduled jobs: CSV, XLSX and FHIR NDJSON.

The core is plain functions over a database session: read the chosen screenings as rows of
text (``csv_rows``) or as screenings (``iter_screenings``) for FHIR resources (``fhir_lines``),
and write them (``write_csv``, ``write_xlsx``). The manager's pages (``records.export_routes``)
and the ``flask export`` command (``cli``) are thin wrappers over them.

Every cell a spreadsheet could read as a formula is neutralised, as OWASP's CSV-injection
guidance says: a leading ``'`` before ``=``, ``+``, ``-``, ``@``, tab, carriage return or line
feed, and every cell quoted.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo

from flask import current_app
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import Dialect, Engine, Row, Select, bindparam, func, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session, load_only
from sqlalchemy.types import NullType, TypeDecorator

from rules import RULESETS, Outcome
from rules.questions import ADDED_QUESTIONS, CORE_QUESTIONS

from .. import audit
from ..clock import utc_text
from ..extensions import db
from ..models import Decision, Screening, StaffUser, Status
from .fhir import fhir_lines, questionnaire, questionnaire_response  # noqa: F401  (public here)

FORMATS = ("csv", "xlsx", "fhir")
DATE_FIELDS = ("submitted", "appointment")
OUTCOMES = tuple(str(outcome) for outcome in Outcome)
CHUNK_SIZE = 500
# Rows of plain values are small: fewer, larger chunks spend less on each query and transaction.
ROWS_CHUNK_SIZE = 2000
# The days a filter may name: beyond them a date is a typo, and the far ends overflow.
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)

CSV_TYPE = "text/csv"  # Flask adds "; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NDJSON_TYPE = "application/fhir+ndjson"
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "fhir": "ndjson"}
# Where each question comes in rules.questions: the order of the answer columns.
_DEFINITION_ORDER = {q.id: index for index, q in enumerate(CORE_QUESTIONS + ADDED_QUESTIONS)}

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_TRIGGER_CHARACTERS = frozenset(FORMULA_TRIGGERS)
LIST_SEPARATOR = ";"
# Bytes of CSV gathered before a chunk is sent: few enough writes, little memory.
_FLUSH_AT = 64 * 1024
_XLSX_MAX_CELL = 32_767

# The screening columns the CSV and XLSX rows are made of (``csv_rows``, in this order) and
# FHIR resources read (``fhir``).
EXPORTED_COLUMNS = (
    "id",
    "submitted_at",
    "appointment_date",
    "treatment",
    "first_name",
    "last_name",
    "phone",
    "email",
    "outcome",
    "status",
    "findings",
    "earliest_date",
    "ruleset_id",
    "ruleset_version",
    "answers",
    "questions_not_asked",
)
# The answer cell of a question the patient was never asked: never read as a "no" or a blank.
NOT_ASKED = "not asked"

FIXED_COLUMNS = (
    "id",
    "submitted_at",
    "appointment_date",
    "treatment",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
    "outcome",
    "status",
    "triggering_rules",
    "earliest_date",
    "reviewer",
    "reviewed_at",
    "decision_reasons",
    "ruleset_id",
    "ruleset_version",
)
ANSWER_PREFIX = "answers."
# Every rule set asks it (a core question); the date_of_birth column repeats its answer.
_DATE_OF_BIRTH = "date_of_birth"
_BIRTH_COLUMN = FIXED_COLUMNS.index(_DATE_OF_BIRTH)
# The fixed cells of stored text, to neutralise: the others are dates and instants written
# here, which start with a digit, and the date of birth, neutralised as an answer.
_NOT_STORED_TEXT = {
    "submitted_at",
    "appointment_date",
    "date_of_birth",
    "earliest_date",
    "reviewed_at",
}
_STORED_TEXT_COLUMNS = tuple(
    index for index, name in enumerate(FIXED_COLUMNS) if name not in _NOT_STORED_TEXT
)


@dataclass(frozen=True)
class ExportFilters:
    """Which screenings to export: a day range on the submitted or appointment date, and
    optionally one outcome, status and treatment. Days are inclusive at both ends."""

    date_field: str = "submitted"
    date_from: date | None = None
    date_to: date | None = None
    outcome: str | None = None
    status: str | None = None
    treatment: str | None = None

    def __post_init__(self) -> None:
        if self.date_field not in DATE_FIELDS:
            raise ValueError(f"Unknown date field {self.date_field!r}")
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise ValueError(f"Unknown outcome {self.outcome!r}")
        if self.status is not None and self.status not in Status.ALL:
            raise ValueError(f"Unknown status {self.status!r}")
        if self.treatment is not None and self.treatment not in RULESETS:
            raise ValueError(f"Unknown treatment {self.treatment!r}")
        for day in (self.date_from, self.date_to):
            if day is not None and not EARLIEST <= day <= LATEST:
                raise ValueError(f"Dates must be from {EARLIEST} to {LATEST}")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("The range ends before it starts")

    def describe(self) -> str:
        """The filters in words for the audit trail (dates and codes only, never PHI)."""
        if self.date_from or self.date_to:
            span = f"{self.date_from or ''}..{self.date_to or ''}"
        else:
            span = "any date"
        parts = [f"{self.date_field} {span}"]
        parts += [
            f"{name}={value}"
            for name in ("outcome", "status", "treatment")
            if (value := getattr(self, name))
        ]
        return " ".join(parts)


def _conditions(filters: ExportFilters, tz: tzinfo) -> list:
    conditions = []
    if filters.date_field == "appointment":
        if filters.date_from:
            conditions.append(Screening.appointment_date >= filters.date_from)
        if filters.date_to:
            conditions.append(Screening.appointment_date <= filters.date_to)
    else:
        if filters.date_from:
            start = datetime.combine(filters.date_from, time.min, tz)
            conditions.append(Screening.submitted_at >= start)
        if filters.date_to:
            end = datetime.combine(filters.date_to + timedelta(days=1), time.min, tz)
            conditions.append(Screening.submitted_at < end)
    if filters.outcome:
        conditions.append(Screening.outcome == filters.outcome)
    if filters.status:
        conditions.append(Screening.status == filters.status)
    if filters.treatment:
        conditions.append(Screening.treatment == filters.treatment)
    return conditions


def select_screenings(filters: ExportFilters, tz: tzinfo = UTC) -> Select:
    """The screenings ``filters`` choose, oldest first.

    Submitted dates are days in ``tz`` (the clinic's time zone in the app).
    """
    return (
        select(Screening)
        .where(*_conditions(filters, tz))
        .options(
            # Only the columns the exports write: the others (instructions, finding states...)
            # are JSON that would be parsed for nothing, a third of an export's time. Reading one
            # left out raises instead of quietly querying once per row.
            load_only(*(getattr(Screening, name) for name in EXPORTED_COLUMNS), raiseload=True),
        )
        .order_by(Screening.id)
    )


def snapshot(session: Session, filters: ExportFilters, tz: tzinfo = UTC) -> tuple[int, int]:
    """How many screenings ``filters`` choose now, and the highest id among them (0 if none).

    A streamed export audits this count before it starts, and stops at this id, so screenings
    submitted during a long download are not added to it.
    """
    count, last_id = session.execute(
        select(func.count(Screening.id), func.max(Screening.id)).where(*_conditions(filters, tz))
    ).one()
    return count, last_id or 0


def iter_screenings(
    session: Session,
    filters: ExportFilters,
    tz: tzinfo = UTC,
    *,
    up_to_id: int | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[Screening]:
    """Every screening ``filters`` choose, read ``chunk_size`` at a time, so memory stays flat
    however many there are.

    Each chunk is read in its own short transaction, which is ended before the next chunk:
    a screening yielded here is fully loaded but should not be kept past the next one.
    Refuses a session with unsaved changes, which ending a chunk would throw away.
    """
    _refuse_unsaved_changes(session)
    last_id = 0
    while True:
        statement = select_screenings(filters, tz).where(Screening.id > last_id)
        if up_to_id is not None:
            statement = statement.where(Screening.id <= up_to_id)
        chunk = session.scalars(statement.limit(chunk_size)).all()
        if not chunk:
            session.rollback()
            return
        last_id = chunk[-1].id
        yield from chunk
        # A read holds no lock (database.py), but a long one keeps SQLite's WAL from being
        # checkpointed behind a slow download: end it between chunks.
        session.rollback()
        if len(chunk) < chunk_size:
            return


def _refuse_unsaved_changes(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("Save or discard the session's changes before an export")


def stream(engine: Engine, produce: Callable[[Session], Iterable[bytes]]) -> Iterator[bytes]:
    """What ``produce`` makes from a database session of its own (``csv_rows`` or
    ``iter_screenings`` over it, written out).

    A streamed response is read after its request has ended; with its own session it needs no
    request or app context, and one that is never read opens nothing.
    """
    with Session(engine) as session:
        yield from produce(session)


def question_ids() -> list[str]:
    """Every question any released rule set asks (every treatment, every version, so an older
    screening's answers have their columns too), in the order ``rules.questions`` defines them:
    the core questions, then those the catalog adds. A screening that was not asked one gets an
    empty cell."""
    asked: dict[str, None] = {}
    for versions in RULESETS.values():
        for ruleset in versions.values():
            asked.update(dict.fromkeys(question.id for question in ruleset.questions))
    # A question defined elsewhere (by a rule set itself) goes last, in the order first asked.
    return sorted(asked, key=lambda qid: _DEFINITION_ORDER.get(qid, len(_DEFINITION_ORDER)))


def header(questions: list[str] | None = None) -> list[str]:
    """The column names: the screening's own, then ``answers.<question id>`` per question."""
    questions = question_ids() if questions is None else questions
    return [*FIXED_COLUMNS, *(ANSWER_PREFIX + qid for qid in questions)]


def neutralise(value: str) -> str:
    """A cell no spreadsheet runs as a formula: a leading ``'`` before a trigger character."""
    if value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(_cell(item) for item in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _answer_text(value: Any) -> str:
    """``_cell`` of an answer that is not text; a list of text quickly."""
    if type(value) is list:
        try:
            return LIST_SEPARATOR.join(value)
        except TypeError:  # not all text: numbers, nested lists...
            pass
    return _cell(value)


def _stored_utc_text(moment: datetime | None) -> str:
    """``clock.utc_text`` of an instant as stored (UTC without a zone, see
    ``models.UTCDateTime``), a few times faster: ``isoformat`` instead of ``strftime``."""
    if moment is None:
        return ""
    # strftime does not pad years before 1000 to four digits; isoformat would add a zone
    if moment.year < 1000 or moment.tzinfo is not None:
        return utc_text(moment.replace(tzinfo=UTC))
    return moment.isoformat("T", "seconds") + "Z"


def _as_stored(column: InstrumentedAttribute) -> Any:
    """``column`` as the database driver gives it, without SQLAlchemy's result processing:
    ``_decoder`` turns it into what the ORM would read, and only where there is something to do
    (SQLite gives dates and JSON as text, psycopg decodes them itself)."""
    return type_coerce(column, NullType())


def _decoder(column: InstrumentedAttribute, dialect: Dialect) -> Callable[[Any], Any] | None:
    """What SQLAlchemy does to the driver's value of ``column`` on ``dialect`` (None: nothing),
    less a ``TypeDecorator``'s own step (``UTCDateTime``'s zone, which ``_stored_utc_text``
    does without)."""
    column_type = column.type
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    return column_type.dialect_impl(dialect).result_processor(dialect, None)


class _DateTexts(dict):
    """Stored dates as ISO 8601 text, by the driver's value: each day is decoded and written
    once an export, as many screenings share an appointment day."""

    def __init__(self, decode: Callable[[Any], date | None] | None):
        super().__init__()
        self.decode = decode

    def __missing__(self, stored: Any) -> str:
        day = self.decode(stored) if self.decode else stored
        text = self[stored] = day.isoformat() if day is not None else ""
        return text


_NOT_REVIEWED = ("", "", "")


def _select_decisions(conditions: list) -> Select:
    """The decisions on the screenings ``conditions`` choose with ids after ``after_id`` up to
    ``up_to_id`` (bound parameters), oldest first, with their deciders' names."""
    return (
        select(Decision.screening_id, Decision.reason, Decision.created_at, StaffUser.name)
        .join(Screening, Decision.screening_id == Screening.id)
        .outerjoin(StaffUser, Decision.staff_id == StaffUser.id)
        .where(
            *conditions,
            Decision.screening_id > bindparam("after_id"),
            Decision.screening_id <= bindparam("up_to_id"),
        )
        .order_by(Decision.id)
    )


def _reviews(decisions: Iterable) -> dict[int, tuple[str, str, str]]:
    """Each screening's reviewer, review time and reasons, by id, from its ``decisions``
    (``_select_decisions``)."""
    by_screening = defaultdict(list)
    for screening_id, *decision in decisions:
        by_screening[screening_id].append(decision)
    reviews = {}
    for screening_id, made in by_screening.items():
        _, latest_at, latest_by = made[-1]
        reasons = "; ".join(reason for reason, _, _ in made if reason)
        reviews[screening_id] = (latest_by or "", utc_text(latest_at), reasons)
    return reviews


def _stored_chunks(
    session: Session, conditions: list, chunk_size: int
) -> Iterator[tuple[list[Row], dict[int, tuple[str, str, str]]]]:
    """The screenings ``conditions`` choose, oldest first, ``chunk_size`` at a time: their
    ``EXPORTED_COLUMNS`` as the driver gives them (``_as_stored``), and their ``_reviews``.

    Each chunk is read in a transaction of its own that takes no write lock (on SQLite, patients
    can submit meanwhile) and is ended before the chunk is used, however slowly that is.
    """
    # Built once, run once a chunk with the id to start after.
    select_chunk = (
        select(*(_as_stored(getattr(Screening, name)) for name in EXPORTED_COLUMNS))
        .where(*conditions, Screening.id > bindparam("after_id"))
        .order_by(Screening.id)
        .limit(chunk_size)
    )
    select_decisions = _select_decisions(conditions)
    last_id = 0
    while True:
        connection = session.connection()  # Core rows: no ORM work on each
        chunk = connection.execute(select_chunk, {"after_id": last_id}).all()
        if not chunk:
            session.rollback()
            return
        decisions = connection.execute(
            select_decisions, {"after_id": last_id, "up_to_id": chunk[-1][0]}
        ).all()
        session.rollback()
        yield chunk, _reviews(decisions)
        if len(chunk) < chunk_size:
            return
        last_id = chunk[-1][0]


def csv_rows(
    session: Session,
    filters: ExportFilters,
    tz: tzinfo = UTC,
    *,
    up_to_id: int | None = None,
    chunk_size: int = ROWS_CHUNK_SIZE,
) -> Iterator[list[str]]:
    """The header, then one row of text cells per screening ``filters`` chooses, oldest first,
    up to ``up_to_id``: every cell ``neutralise``d, ready for ``write_csv`` or ``write_xlsx``.

    The screening's own columns, its latest decision (who, when) and every decision's reason,
    then one answer per question of ``question_ids``: lists joined with ``;``, ``NOT_ASKED``
    for a question the patient was never asked, empty where the question was not theirs or
    left empty. Instants are in UTC ("2026-12-01T20:00:00Z"), dates as ISO 8601.

    Screenings are read ``chunk_size`` at a time as plain values, each chunk in a short
    transaction of its own, so memory stays flat however many there are. Refuses a session
    with unsaved changes, which ending a transaction would throw away.
    """
    _refuse_unsaved_changes(session)
    questions = question_ids()
    yield header(questions)
    first_answer = len(FIXED_COLUMNS)
    answer_columns = {qid: first_answer + index for index, qid in enumerate(questions)}
    birth_column = answer_columns[_DATE_OF_BIRTH]
    no_answers = [""] * len(questions)
    triggers = _TRIGGER_CHARACTERS
    dialect = session.get_bind().dialect
    decode_json = _decoder(Screening.answers, dialect)  # and the findings, JSON too
    decode_instant = _decoder(Screening.submitted_at, dialect)
    date_texts = _DateTexts(_decoder(Screening.appointment_date, dialect))  # and earliest_date
    conditions = _conditions(filters, tz)
    if up_to_id is not None:
        conditions.append(Screening.id <= up_to_id)
    for chunk, reviews in _stored_chunks(session, conditions, chunk_size):
        for (
            screening_id,
            submitted_at,
            appointment_date,
            treatment,
            first_name,
            last_name,
            phone,
            email,
            outcome,
            status,
            findings,
            earliest_date,
            ruleset_id,
            ruleset_version,
            answers,
            not_asked,
        ) in chunk:
            if decode_json:
                findings, answers = decode_json(findings), decode_json(answers)
                not_asked = decode_json(not_asked)
            if decode_instant:
                submitted_at = decode_instant(submitted_at)
            row = [
                str(screening_id),
                _stored_utc_text(submitted_at),
                date_texts[appointment_date],
                treatment,
                first_name,
                last_name,
                "",  # date_of_birth: its answer's cell, below
                phone,
                email,
                outcome,
                status,
                LIST_SEPARATOR.join([finding["rule_id"] for finding in findings])
                if findings
                else "",
                date_texts[earliest_date],
                *reviews.get(screening_id, _NOT_REVIEWED),
                ruleset_id,
                ruleset_version,
            ]
            for column in _STORED_TEXT_COLUMNS:
                if row[column][:1] in triggers:
                    row[column] = "'" + row[column]
            row += no_answers
            for question_id, value in (answers or {}).items():
                column = answer_columns.get(question_id)
                if column is not None:
                    text = value if type(value) is str else _answer_text(value)
                    row[column] = "'" + text if text[:1] in triggers else text
            for question_id in not_asked or ():
                column = answer_columns.get(question_id)
                if column is not None and question_id not in (answers or {}):
                    row[column] = NOT_ASKED
            row[_BIRTH_COLUMN] = row[birth_column]
            yield row


def write_csv(rows: Iterable[list[str]]) -> Iterator[bytes]:
    """``rows`` of text cells as UTF-8 CSV with a byte-order mark (so Excel reads the accents),
    every cell quoted, produced a chunk at a time for a streamed response or a file.

    The cells are written as they are: ``csv_rows`` has neutralised them. The records are
    exactly ``csv.writer``'s with ``QUOTE_ALL`` and CRLF line ends (every cell in quotes, its
    quotes doubled), joined here instead, which takes a third of the time.
    """
    buffer = io.StringIO()
    buffer.write("\ufeff")
    for row in rows:
        record = '","'.join(row)
        if record.count('"') > 2 * len(row) - 2:  # a cell holds a quote: double it, as csv does
            record = '","'.join([cell.replace('"', '""') for cell in row])
        buffer.write(f'"{record}"\r\n' if row else "\r\n")
        if buffer.tell() >= _FLUSH_AT:
            yield buffer.getvalue().encode("utf-8", errors="replace")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8", errors="replace")


def xlsx_text(value: str) -> str:
    """A cell's text as XLSX can hold it: no control characters, within the length limit,
    neutralised (after cleaning, which could uncover a trigger character)."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))[:_XLSX_MAX_CELL]


def write_xlsx(target: str | os.PathLike | IO[bytes], rows: Iterable[list[str]]) -> int:
    """Write ``rows`` (header first) to an XLSX workbook at ``target``, a path or a binary
    file; returns the number of rows after the header.

    openpyxl's write-only mode keeps memory flat, and every cell is typed as a string, so
    none is ever stored as a formula.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Screenings")
    written = 0
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, xlsx_text(value))
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
        written += 1
    workbook.save(target)
    return max(written - 1, 0)


def filename(fmt: str, now: datetime) -> str:
    """A download's file name: the product, the format and the time; never a patient's."""
    return f"preclear-screenings-{now.astimezone(UTC):%Y%m%d-%H%M%SZ}.{EXTENSIONS[fmt]}"


class _Counted:
    """Passes items through and counts them."""

    def __init__(self, items: Iterable):
        self.items = items
        self.count = 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item


def export_to_file(
    session: Session, fmt: str, filters: ExportFilters, path: Path, tz: tzinfo = UTC
) -> int:
    """Write the export to ``path`` and return how many screenings it holds.

    The file appears whole or not at all (written beside it, then renamed), readable by its
    owner only: it holds patients' details.
    """
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".export-")
    try:
        with os.fdopen(descriptor, "wb") as out:
            if fmt == "csv":
                rows = _Counted(csv_rows(session, filters, tz))
                out.writelines(write_csv(rows))
                count = max(rows.count - 1, 0)  # not the header
            elif fmt == "xlsx":
                count = write_xlsx(out, csv_rows(session, filters, tz))
            elif fmt == "fhir":
                screenings = _Counted(iter_screenings(session, filters, tz))
                out.writelines(fhir_lines(screenings, filters.treatment))
                count = screenings.count
            else:
                raise ValueError(f"Unknown export format {fmt!r}")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


def audit_export(fmt: str, rows: int, filters: ExportFilters, staff=None) -> None:
    """Record one export in the audit trail (format, row count, filters) and commit."""
    audit.record(
        audit.Action.EXPORT,
        object_type="export",
        detail=f"{fmt} rows={rows} {filters.describe()}",
        staff=staff,
    )
    db.session.commit()


def clinic_timezone() -> ZoneInfo:
    """The clinic's time zone: submitted dates in filters are the clinic's days."""
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
