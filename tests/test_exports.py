"""Exports: CSV, XLSX and FHIR files, their filters, who may download them, and the audit trail."""

from __future__ import annotations

import csv
import io
import json
import re
import stat
import tracemalloc
from datetime import date

import pytest
from fhir.resources.questionnaire import Questionnaire
from fhir.resources.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import delete, select

import rules
from rules import RULESETS, RuleSet, get_ruleset
from rules.questions import NO, UNSURE, YES, Condition, ConditionOp, Kind, Question
from screening.extensions import db
from screening.models import AuditEvent, Draft, Screening
from screening.records import exports
from tests.staff.helpers import copy_screenings, post_decision, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")

MB = 1024 * 1024
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
PAYLOADS = (
    "=1+1",
    "+1",
    "-1",
    "@SUM(A1)",
    "\t=x",
    "\r=x",
    "\n=x",
    '=HYPERLINK("http://x")',
    'say "hi"',
    "a,b",
    "two\nlines",
    "Zoë Ñandú 東京",
)
# The patient of tests.intake.patient, whose details must never reach the audit trail.
PATIENT_PHI = ("Lopez", "ana@example.com", "909 555 0100", "1990-05-17")
# Item types of FHIR R5 Questionnaire (the model does not check the code).
R5_ITEM_TYPES = {
    "group",
    "display",
    "boolean",
    "decimal",
    "integer",
    "date",
    "dateTime",
    "time",
    "string",
    "text",
    "url",
    "coding",
    "attachment",
    "reference",
    "quantity",
}


def manager(app):
    return signed_in(app, "manager@clinic.example", "manager")


def remove_screenings(app, ids: list[int]) -> None:
    with app.app_context():
        draft_ids = db.session.scalars(select(Screening.draft_id).where(Screening.id.in_(ids)))
        draft_ids = list(draft_ids)
        db.session.execute(delete(Screening).where(Screening.id.in_(ids)))
        db.session.execute(delete(Draft).where(Draft.id.in_(draft_ids)))
        db.session.commit()


def parse_csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff"), "no byte-order mark"
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def exported_csv(app) -> list[list[str]]:
    with app.app_context():
        rows = exports.csv_rows(db.session(), exports.ExportFilters())
        return parse_csv(b"".join(exports.write_csv(rows)))


def by_id(rows: list[list[str]]) -> dict[int, dict[str, str]]:
    header, *body = rows
    return {int(row[0]): dict(zip(header, row, strict=True)) for row in body}


def expected_cell(value) -> str:
    """What the export should show for a stored value: lists joined, formulas neutralised."""
    if value is None:
        text = ""
    elif isinstance(value, list):
        text = ";".join(value)
    else:
        text = value
    return "'" + text if text[:1] in TRIGGERS and text else text


def export_rows(app) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "export").order_by(AuditEvent.id)
        ).all()


# No NUL and no lone surrogates: neither can be stored in PostgreSQL text.
TEXT = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=15)
CELL_TEXT = st.one_of(
    st.sampled_from(PAYLOADS), TEXT, st.tuples(st.sampled_from(PAYLOADS), TEXT).map("".join)
)
ANSWER = st.one_of(st.none(), CELL_TEXT, st.lists(CELL_TEXT, max_size=3))
IDENTITY = st.fixed_dictionaries(
    {name: CELL_TEXT for name in ("first_name", "last_name", "email", "phone")}
)


@pytest.fixture
def template_id(app):
    """A screening made through the real pages, to copy."""
    return submit_screening(app)[0]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(
        st.tuples(IDENTITY, st.fixed_dictionaries({q: ANSWER for q in exports.question_ids()})),
        min_size=1,
        max_size=3,
    )
)
def test_csv_round_trip_keeps_every_cell_and_runs_no_formula(app, template_id, people):
    changes = [{**identity, "answers": answers} for identity, answers in people]
    ids = copy_screenings(app, template_id, changes)
    try:
        rows = exported_csv(app)
    finally:
        remove_screenings(app, ids)

    header = rows[0]
    assert header == exports.header()
    assert len(rows) == 1 + 1 + len(ids)  # header, the template, the copies
    assert all(len(row) == len(header) for row in rows)
    assert not [cell for row in rows for cell in row if cell.startswith(TRIGGERS)]
    exported = by_id(rows)
    for screening_id, change in zip(ids, changes, strict=True):
        row = exported[screening_id]
        for name in ("first_name", "last_name", "email", "phone"):
            assert row[name] == expected_cell(change[name]), name
        for qid, value in change["answers"].items():
            assert row["answers." + qid] == expected_cell(value), qid
        assert row["date_of_birth"] == expected_cell(change["answers"]["date_of_birth"])


def test_ten_thousand_screenings_stream_in_flat_memory(app, template_id):
    copy_screenings(app, template_id, [{}] * 9_999)
    client = manager(app)

    response = client.get("/staff/records/exports.csv")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    tracemalloc.start()
    try:
        rows = 0
        for chunk in response.response:
            rows += chunk.count(b'"\r\n')  # every cell is quoted, so each record ends so
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()

    assert rows == 1 + 10_000
    assert peak < 30 * MB, f"peak {peak / MB:.1f} MB"
    (audited,) = export_rows(app)
    assert audited.detail == "csv rows=10000 submitted any date"


def test_csv_download_has_safe_headers_and_the_review(app, clock):
    screening_id = submit_screening(app, health={"neuromuscular_disorder": "unsure"})[0]
    clock.advance(minutes=30)
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    reviewed = post_decision(
        nurse,
        screening_id,
        "/findings/neuromuscular_disorder/resolve",
        {"reason": "=Phoned, all fine"},
    )
    assert reviewed.status_code == 303

    response = manager(app).get("/staff/records/exports.csv")
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(
        r'attachment; filename="preclear-screenings-\d{8}-\d{6}Z\.csv"', disposition
    )
    assert response.content_type == "text/csv; charset=utf-8"
    row = by_id(parse_csv(response.data))[screening_id]
    assert row["submitted_at"] == "2026-12-01T20:00:00Z"
    assert row["appointment_date"] == "2026-12-10"
    assert (row["first_name"], row["last_name"], row["email"]) == (
        "Ana",
        "Lopez",
        "ana@example.com",
    )
    assert row["date_of_birth"] == "1990-05-17"
    assert row["outcome"] == "needs_clearance"
    assert row["status"] == "cleared"
    assert row["triggering_rules"] == "neuromuscular_disorder"
    assert (row["reviewer"], row["reviewed_at"]) == ("Nurse", "2026-12-01T20:30:00Z")
    assert row["decision_reasons"] == "'=Phoned, all fine"
    assert (row["ruleset_id"], row["ruleset_version"]) == ("pdo_smooth_threads", "2")
    assert row["answers.treatment_areas"] == "smile_lines;neck"
    assert row["answers.bleeding_risk_substances"] == ""


def test_xlsx_has_the_same_rows_as_text_never_formulas(app, template_id):
    changes = [
        {"first_name": payload, "last_name": PAYLOADS[-1 - i], "phone": "+1 909 555 0100"}
        for i, payload in enumerate(PAYLOADS)
    ]
    changes.append({"first_name": "\x01=1+1", "last_name": "Bell\x07"})  # not XML characters
    copy_screenings(app, template_id, changes)
    client = manager(app)

    response = client.get("/staff/records/exports.xlsx")
    assert response.status_code == 200
    assert response.mimetype == exports.XLSX_TYPE
    assert response.headers["Cache-Control"] == "no-store"
    assert re.fullmatch(
        r'attachment; filename="?preclear-screenings-\d{8}-\d{6}Z\.xlsx"?',
        response.headers["Content-Disposition"],
    )
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert {cell.data_type for cell in cells} == {"s"}
    workbook_rows = [
        [_xml_text(value) for value in row] for row in sheet.iter_rows(values_only=True)
    ]
    csv_rows = [[_xml_text(cell) for cell in row] for row in parse_csv(client.get(_csv_url()).data)]
    # Characters XML cannot hold are dropped from the workbook only.
    assert workbook_rows[:-1] == csv_rows[:-1]
    last = dict(zip(workbook_rows[0], workbook_rows[-1], strict=True))
    assert (last["first_name"], last["last_name"]) == ("'=1+1", "Bell")
    assert len(workbook_rows) == 1 + 1 + len(changes)
    assert not [v for row in workbook_rows for v in row if v.startswith(TRIGGERS)]


def _csv_url() -> str:
    return "/staff/records/exports.csv"


def _xml_text(value) -> str:
    # XML reads every line ending as a line feed.
    return (value or "").replace("\r\n", "\n").replace("\r", "\n")


def answers_of(item: dict, question) -> list[str]:
    """The stored answer values an item's answers stand for."""
    values = []
    for answer in item["answer"]:
        if "valueCoding" in answer:
            assert answer["valueCoding"]["system"].endswith(question.id)
            values.append(answer["valueCoding"]["code"])
        elif "valueBoolean" in answer:
            values.append("yes" if answer["valueBoolean"] else "no")
        else:
            values.append(answer["valueDate"])
    return values


def test_fhir_resources_validate_and_carry_every_answer(app):
    ids = [
        submit_screening(app)[0],
        submit_screening(
            app,
            medicines={
                "bleeding_risk_substances": ["ibuprofen", "fish_oil"],
                "bleeding_risk_last_dose": "2026-11-30",
            },
        )[0],
        submit_screening(app, pregnancy={"pregnant": "unsure", "breastfeeding": "yes"})[0],
    ]
    response = manager(app).get("/staff/records/exports.ndjson")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/fhir+ndjson"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].endswith('.ndjson"')
    lines = response.data.decode("utf-8").splitlines()
    resources = [json.loads(line) for line in lines]

    released = [rs for versions in RULESETS.values() for rs in versions.values()]
    questionnaires = resources[: len(released)]
    responses = resources[len(released) :]
    assert [r["resourceType"] for r in questionnaires] == ["Questionnaire"] * len(released)
    assert [r["resourceType"] for r in responses] == ["QuestionnaireResponse"] * len(ids)
    canonical = {}
    for resource, ruleset in zip(questionnaires, released, strict=True):
        Questionnaire.model_validate(resource)
        canonical[f"{resource['url']}|{resource['version']}"] = ruleset
        items = {item["linkId"]: item for item in resource["item"]}
        assert list(items) == [q.id for q in ruleset.questions]
        assert {item["type"] for item in items.values()} <= R5_ITEM_TYPES
        assert items["pregnant"]["type"] == "coding"
        assert [o["valueCoding"]["code"] for o in items["pregnant"]["answerOption"]] == [
            "yes",
            "no",
            "unsure",
        ]
        assert items["breastfeeding"]["type"] == "boolean"
        assert items["date_of_birth"]["type"] == "date"
        assert items["treatment_areas"]["repeats"] is True
        assert items["bleeding_risk_last_dose"]["enableWhen"] == [
            {"question": "bleeding_risk_substances", "operator": "exists", "answerBoolean": True}
        ]

    with app.app_context():
        stored = {s.id: s for s in db.session.scalars(select(Screening))}
        for resource in responses:
            QuestionnaireResponse.model_validate(resource)
            screening = stored[int(resource["id"].removeprefix("screening-"))]
            assert resource["status"] == "completed"
            assert resource["authored"] == "2026-12-01T20:00:00Z"
            ruleset = canonical[resource["questionnaire"]]
            assert ruleset is get_ruleset(screening.ruleset_id, screening.ruleset_version)
            items = {item["linkId"]: item for item in resource["item"]}
            for qid, value in screening.answers.items():
                if value in (None, [], ""):
                    assert qid not in items
                    continue
                expected = value if isinstance(value, list) else [value]
                assert answers_of(items[qid], ruleset.questions_by_id[qid]) == expected, qid
            assert set(items) <= set(screening.answers)
            text = json.dumps(resource)
            assert not [phi for phi in ("Lopez", "ana@example.com", "555 0100") if phi in text]
            assert "subject" not in resource
    assert {int(r["id"].removeprefix("screening-")) for r in responses} == set(ids)


def exported_ids(client, query: str) -> list[int]:
    response = client.get("/staff/records/exports.csv?" + query)
    assert response.status_code == 200, response.text[:500]
    return sorted(by_id(parse_csv(response.data)))


def test_filters_choose_by_date_outcome_status_and_treatment(app, clock):
    first = submit_screening(app)[0]  # clear; Dec 1 at noon in Los Angeles
    clock.advance(hours=9)  # 2 December in UTC, still 1 December at the clinic
    second = submit_screening(app, pregnancy={"pregnant": "yes", "breastfeeding": "no"})[0]
    clock.advance(days=2)
    third = submit_screening(
        app, visit={"appointment_date": "2026-12-20"}, health={"neuromuscular_disorder": "yes"}
    )[0]
    client = manager(app)

    assert exported_ids(client, "") == [first, second, third]
    assert exported_ids(client, "date_from=2026-12-01&date_to=2026-12-01") == [first, second]
    assert exported_ids(client, "date_from=12/02/2026") == [third]
    assert exported_ids(client, "date_to=2026-11-30") == []
    appointment = "date_field=appointment&date_from=2026-12-15&date_to=2026-12-31"
    assert exported_ids(client, appointment) == [third]
    assert exported_ids(client, "outcome=reschedule") == [second]
    assert exported_ids(client, "outcome=needs_clearance&status=awaiting_note") == [third]
    assert exported_ids(client, "status=cleared") == [first]
    assert exported_ids(client, "treatment=pdo_smooth_threads&outcome=clear") == [first]


def test_each_download_writes_one_audit_row_without_phi(app):
    submit_screening(app)
    submit_screening(app, pregnancy={"pregnant": "yes", "breastfeeding": "no"})
    client = manager(app)
    query = "date_field=appointment&date_from=2026-12-01&date_to=2026-12-31&outcome=clear"

    assert client.get("/staff/records/exports?" + query).status_code == 200
    assert export_rows(app) == []
    for suffix, fmt in ((".csv", "csv"), (".xlsx", "xlsx"), (".ndjson", "fhir")):
        before = len(export_rows(app))
        response = client.get(f"/staff/records/exports{suffix}?{query}")
        assert response.status_code == 200
        response.get_data()
        rows = export_rows(app)
        assert len(rows) == before + 1
        assert rows[-1].object_type == "export"
        assert rows[-1].detail == f"{fmt} rows=1 appointment 2026-12-01..2026-12-31 outcome=clear"
        assert rows[-1].staff_id is not None and rows[-1].result == "ok"

    with app.app_context():
        trail = db.session.scalars(select(AuditEvent)).all()
    text = json.dumps([[r.detail, r.object_id, r.object_type] for r in trail])
    assert not [phi for phi in PATIENT_PHI if phi in text]


def test_a_nurse_is_refused_every_export_and_the_refusal_is_audited(app):
    submit_screening(app)
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    assert "Exports" not in nurse.get("/staff/queue").text
    for path, endpoint in (
        ("/staff/records/exports", "records.exports_page"),
        ("/staff/records/exports.csv", "records.export_csv"),
        ("/staff/records/exports.xlsx", "records.export_xlsx"),
        ("/staff/records/exports.ndjson", "records.export_fhir"),
    ):
        response = nurse.get(path)
        assert response.status_code == 403, path
        assert b"Lopez" not in response.data
        with app.app_context():
            last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (last.action, last.result, last.object_id) == ("refused_action", "refused", endpoint)
    assert export_rows(app) == []


def test_the_page_shows_the_count_and_links_with_the_filters(app):
    submit_screening(app)
    submit_screening(app, pregnancy={"pregnant": "yes", "breastfeeding": "no"})
    client = manager(app)

    page = client.get("/staff/records/exports")
    assert page.status_code == 200
    assert 'href="/staff/records/exports">Exports</a>' in page.text
    assert "2 screenings match these filters." in page.text

    page = client.get("/staff/records/exports?outcome=reschedule&date_from=2026-12-01")
    assert "1 screening matches these filters." in page.text
    for suffix in ("csv", "xlsx", "ndjson"):
        link = re.search(rf'href="(/staff/records/exports\.{suffix}\?[^"]*)"', page.text)
        assert link, suffix
        assert "outcome=reschedule" in link.group(1)
        assert "date_from=2026-12-01" in link.group(1)


@pytest.mark.parametrize("path", ["/staff/records/exports", "/staff/records/exports.csv"])
def test_bad_filters_give_form_errors_not_a_file(app, path):
    submit_screening(app)
    client = manager(app)
    bad = (
        "date_field=birthday&date_from=31/31/2026&date_to=soon"
        "&outcome=maybe&status=lost&treatment=botox"
    )
    response = client.get(f"{path}?{bad}")
    assert response.status_code == (200 if path.endswith("exports") else 400)
    assert response.mimetype == "text/html"
    for message in (
        "Choose submitted or appointment dates",
        "From must be a real date",
        "To must be a real date",
        "Choose an outcome from the list",
        "Choose a status from the list",
        "Choose a treatment from the list",
    ):
        assert message in response.text, message
    assert "screenings match" not in response.text

    far = client.get(f"{path}?date_from=0001-01-01&date_to=9999-12-31")
    assert far.status_code < 500
    assert "From must be a date from 2000 to 2100" in far.text
    assert "To must be a date from 2000 to 2100" in far.text

    backwards = client.get(f"{path}?date_from=2026-12-10&date_to=2026-12-01")
    assert "To must be the same day as From or later" in backwards.text
    assert export_rows(app) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "fhir"])
def test_the_command_writes_the_file_and_audits_it(app, tmp_path, fmt):
    first = submit_screening(app)[0]
    second = submit_screening(app, pregnancy={"pregnant": "yes", "breastfeeding": "no"})[0]
    out = tmp_path / f"export.{fmt}"
    arguments = ["export", "--format", fmt, "--from", "2026-12-01", "--to", "2026-12-31"]

    result = app.test_cli_runner().invoke(args=[*arguments, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"Wrote 2 screenings to {out}.\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    data = out.read_bytes()
    if fmt == "csv":
        assert sorted(by_id(parse_csv(data))) == [first, second]
    elif fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        assert sorted(int(row[0]) for row in rows[1:]) == [first, second]
    else:
        kinds = [json.loads(line)["resourceType"] for line in data.decode().splitlines()]
        assert kinds.count("QuestionnaireResponse") == 2
    (audited,) = export_rows(app)
    assert audited.staff_id is None
    assert audited.detail == f"{fmt} rows=2 submitted 2026-12-01..2026-12-31"

    filtered = tmp_path / f"reschedules.{fmt}"
    result = app.test_cli_runner().invoke(
        args=[*arguments, "--outcome", "reschedule", "--out", str(filtered)]
    )
    assert result.output == f"Wrote 1 screening to {filtered}.\n"
    assert export_rows(app)[-1].detail.endswith("outcome=reschedule")


def test_the_command_refuses_bad_options_and_writes_nothing(app, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "export.csv"
    runner = app.test_cli_runner()
    for bad in (
        ["--format", "csv", "--from", "2026-12-31", "--to", "2026-12-01"],
        ["--format", "pdf", "--from", "2026-12-01", "--to", "2026-12-31"],
        ["--format", "csv", "--from", "12/01/2026", "--to", "2026-12-31"],
        ["--format", "csv", "--from", "2026-12-01", "--to", "2026-12-31", "--status", "x"],
        ["--format", "csv", "--from", "2026-12-01", "--to", "9999-12-31"],
    ):
        result = runner.invoke(args=["export", *bad, "--out", str(out)])
        assert result.exit_code == 2, (bad, result.output)
    assert list(folder.iterdir()) == []
    assert export_rows(app) == []


def test_a_download_never_read_leaves_the_next_request_alone(app):
    submit_screening(app)
    client = manager(app)
    admin = signed_in(app, "admin@clinic.example", "admin")
    unread = [
        client.get(path) for path in ("/staff/records/exports.csv", "/staff/records/exports.ndjson")
    ]
    assert admin.get("/staff/records/exports.csv").status_code == 403
    anonymous = app.test_client().get("/staff/records/exports")
    assert anonymous.status_code in (302, 303)
    assert anonymous.location.startswith("/staff/login")
    assert client.get("/staff/records/exports").status_code == 200
    assert [r.status_code for r in unread] == [200, 200]


def test_a_question_asked_on_an_answer_is_enabled_by_that_answer():
    asked = Question("allergy", Kind.CHOICE, "health", "Any allergy?", "Select", options=(YES, NO))
    unsure = Question("rash", Kind.CHOICE, "health", "A rash?", "Select", options=(YES, NO, UNSURE))
    ruleset = RuleSet(
        treatment="test_treatment",
        version="2",
        title="Test",
        questions=(
            asked,
            unsure,
            Question(
                "allergy_date",
                Kind.DATE,
                "health",
                "Since when?",
                "Enter",
                applies_when=Condition("allergy", ConditionOp.EQUALS, "yes"),
            ),
            Question(
                "rash_date",
                Kind.DATE,
                "health",
                "Since when?",
                "Enter",
                applies_when=Condition("rash", ConditionOp.EQUALS, "unsure"),
            ),
        ),
        rules=(),
        instructions=(),
    )
    resource = exports.questionnaire(ruleset)
    Questionnaire.model_validate(resource)
    assert resource["id"] == "test-treatment-2"
    items = {item["linkId"]: item for item in resource["item"]}
    assert items["allergy_date"]["enableWhen"] == [
        {"question": "allergy", "operator": "=", "answerBoolean": True}
    ]
    assert items["rash_date"]["enableWhen"] == [
        {
            "question": "rash",
            "operator": "=",
            "answerCoding": {
                "system": "urn:preclear:options:rash",
                "code": "unsure",
                "display": "I'm not sure",
            },
        }
    ]


# Every treatment ------------------------------------------------------------------------------


def every_answer(ruleset: RuleSet) -> dict:
    """An answer to each question of ``ruleset``, none left out: "unsure" where offered, the
    first option of a list, and a date for every date."""
    answers = {}
    for question in ruleset.questions:
        if question.kind is Kind.CHOICE:
            answers[question.id] = "unsure" if question.allows_unsure else "no"
        elif question.kind is Kind.MULTI:
            answers[question.id] = [question.options[0].code]
        elif question.id == "date_of_birth":
            answers[question.id] = "1990-05-17"
        else:
            answers[question.id] = "2026-11-20"
    return answers


def one_of_each_rule_set(clock) -> list[dict]:
    """A screening row for ``copy_screenings`` for every released rule set, evaluated by it."""
    rows = []
    for versions in RULESETS.values():
        for ruleset in versions.values():
            answers = every_answer(ruleset)
            result = rules.evaluate(
                ruleset.treatment,
                date(2026, 12, 10),
                answers,
                today=date(2026, 12, 1),
                version=ruleset.version,
            ).to_dict()
            rows.append(
                {
                    "treatment": ruleset.treatment,
                    "ruleset_id": ruleset.treatment,
                    "ruleset_version": ruleset.version,
                    "answers": answers,
                    "findings": result["findings"],
                    "outcome": result["outcome"],
                    "submitted_at": clock.now,
                }
            )
    return rows


def test_answer_columns_cover_every_question_of_every_rule_set_in_a_stable_order():
    columns = exports.question_ids()
    released = [rs for versions in RULESETS.values() for rs in versions.values()]
    assert set(columns) == {q.id for rs in released for q in rs.questions}
    assert len(columns) == len(set(columns))
    assert columns[:3] == ["date_of_birth", "treatment_areas", "pregnant"]
    for ruleset in released:  # each treatment's questions keep the order they are asked in
        own = [qid for qid in columns if qid in ruleset.questions_by_id]
        assert own == [q.id for q in ruleset.questions], ruleset.key
    assert exports.question_ids() == columns
    assert exports.header()[len(exports.FIXED_COLUMNS) :] == ["answers." + q for q in columns]


def test_every_treatment_exports_its_answers_and_empty_cells_for_the_rest(app, clock):
    template = submit_screening(app)[0]
    rows = one_of_each_rule_set(clock)
    ids = copy_screenings(app, template, rows)
    client = manager(app)

    exported = by_id(parse_csv(client.get("/staff/records/exports.csv").data))
    response = client.get("/staff/records/exports.xlsx")
    sheet = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    header = [str(cell) for cell in sheet[0]]
    workbook = {
        int(row[0]): dict(zip(header, ((c or "") for c in row), strict=True)) for row in sheet[1:]
    }
    for screening_id, row in zip(ids, rows, strict=True):
        ruleset = get_ruleset(row["ruleset_id"], row["ruleset_version"])
        for shown in (exported[screening_id], workbook[screening_id]):
            assert (shown["treatment"], shown["ruleset_version"]) == ruleset.key
            for qid in exports.question_ids():
                cell = shown["answers." + qid]
                if qid in ruleset.questions_by_id:
                    assert cell == expected_cell(row["answers"][qid]), (ruleset.key, qid)
                else:
                    assert cell == "", (ruleset.key, qid)
    smooth_v1 = exported[ids[0]]
    assert (smooth_v1["ruleset_version"], smooth_v1["answers.bleeding_disorder"]) == ("1", "")
    toxin = next(r for i, r in exported.items() if r["treatment"] == "neurotoxin")
    assert toxin["answers.toxin_last_date"] == "2026-11-20"
    assert toxin["answers.keloid_history"] == ""


def test_every_treatment_gives_a_valid_fhir_response(app, clock):
    template = submit_screening(app)[0]
    rows = one_of_each_rule_set(clock)
    ids = copy_screenings(app, template, rows)
    response = manager(app).get("/staff/records/exports.ndjson")
    resources = [json.loads(line) for line in response.data.decode("utf-8").splitlines()]
    questionnaires = {
        f"{r['url']}|{r['version']}": r for r in resources if r["resourceType"] == "Questionnaire"
    }
    responses = {
        int(r["id"].removeprefix("screening-")): r
        for r in resources
        if r["resourceType"] == "QuestionnaireResponse"
    }
    assert len(questionnaires) == len(rows)
    for screening_id, row in zip(ids, rows, strict=True):
        ruleset = get_ruleset(row["ruleset_id"], row["ruleset_version"])
        resource = responses[screening_id]
        QuestionnaireResponse.model_validate(resource)
        questionnaire = questionnaires[resource["questionnaire"]]
        assert (questionnaire["title"], questionnaire["version"]) == (
            ruleset.title,
            ruleset.version,
        )
        items = {item["linkId"]: item for item in resource["item"]}
        assert list(items) == [q.id for q in ruleset.questions]
        for qid, item in items.items():
            question = ruleset.questions_by_id[qid]
            value = row["answers"][qid]
            assert answers_of(item, question) == (value if isinstance(value, list) else [value])
