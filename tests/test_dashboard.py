"""The managers' dashboard: its numbers against an independent count, its charts, who may see it,
an empty database, and bad filter dates."""

from __future__ import annotations

import re
import statistics
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

import rules
from screening.extensions import db
from screening.models import AuditEvent, Decision, Screening
from screening.records import dashboard
from tests.staff.helpers import (
    copy_screenings,
    make_staff,
    post_decision,
    sign_in,
    signed_in,
    submit_screening,
)

pytestmark = pytest.mark.usefixtures("light_password_hashing")

URL = "/staff/records/dashboard"
CLINIC = ZoneInfo("America/Los_Angeles")
SVG = re.compile(r"<svg\b.*?</svg>", re.S)
# Escaped on the way into the charts and tables, read back as it was.
AWKWARD_NAME = 'Ben "B" <Ortiz> & Co'

# What the patient answers, page by page, for each kind of real screening.
KINDS = {
    "clear": {},
    "unsure_pregnant": {"pregnancy": {"pregnant": "unsure"}},
    "provider_note": {"health": {"neuromuscular_disorder": "yes"}},
    "unwell": {"feeling": {"feeling_unwell": "yes"}},
    "two_unsure": {
        "health": {"immunosuppressive_disorder": "unsure"},
        "medicines": {"prescribed_blood_thinner": "unsure"},
    },
}


class Tables(HTMLParser):
    """Every ``<table id=...>`` of a page: its rows, each a list of the cells' text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self.captions: dict[str, str] = {}
        self._table = None
        self._cell = None
        self._in_caption = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table" and attributes.get("id"):
            self._table = attributes["id"]
            self.tables[self._table] = []
            self.captions[self._table] = ""
        elif self._table and tag == "caption":
            self._in_caption = True
        elif self._table and tag == "tr":
            self.tables[self._table].append([])
        elif self._table and tag in ("th", "td"):
            assert tag == "td" or attributes.get("scope") in ("row", "col"), attributes
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._table = None
        elif tag == "caption":
            self._in_caption = False
        elif self._table and tag in ("th", "td") and self._cell is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):
        if self._in_caption:
            self.captions[self._table] += data
        elif self._cell is not None:
            self._cell.append(data)

    def body(self, table_id: str) -> list[list[str]]:
        """The rows under the header row."""
        return self.tables[table_id][1:]


def add_decisions(app, rows: list[tuple[int, int, str, str | None, datetime]]) -> None:
    """Insert decisions (screening id, staff id, kind, rule id, when) through the ORM."""
    with app.app_context():
        for screening_id, staff_id, kind, rule_id, at in rows:
            db.session.add(
                Decision(
                    screening_id=screening_id,
                    staff_id=staff_id,
                    kind=kind,
                    rule_id=rule_id,
                    reason="Phoned the patient",
                    details={},
                    created_at=at,
                )
            )
        db.session.commit()


def clinic_day(at: datetime) -> date:
    return at.astimezone(CLINIC).date()


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def expected_numbers(app, first_day: date, last_day: date) -> dict:
    """Everything the dashboard should show, counted here row by row without its code."""
    with app.app_context():
        screenings = db.session.scalars(select(Screening)).all()
        decisions = db.session.scalars(select(Decision)).all()
        names = {d.id: d.staff.name for d in decisions}
        decisions = [
            (d.screening_id, names[d.id], d.kind, d.rule_id, d.created_at) for d in decisions
        ]
        screenings = [(s.id, s.submitted_at, s.outcome, s.answers, s.findings) for s in screenings]

    def in_period(at: datetime) -> bool:
        return first_day <= clinic_day(at) <= last_day

    chosen = [s for s in screenings if in_period(s[1])]
    weeks = defaultdict(Counter)
    for _, at, outcome, _, _ in chosen:
        weeks[week_label(clinic_day(at))][outcome] += 1
    rules_hit = Counter(f["rule_id"] for *_, findings in chosen for f in findings)
    # Every question any rule set offers "unsure" on, first asked first; only those asked show.
    unsure_questions = dict.fromkeys(
        q.id
        for versions in rules.RULESETS.values()
        for ruleset in versions.values()
        for q in ruleset.questions
        if q.allows_unsure
    )
    unsure = {}
    for qid in unsure_questions:
        answered = [s[3][qid] for s in chosen if qid in s[3]]
        if answered:
            unsure[qid] = (answered.count("unsure"), len(answered))
    resolved = [d for d in decisions if d[2] == "resolve" and in_period(d[4])]
    first_decision = {}
    for screening_id, _, _, _, at in decisions:
        first_decision[screening_id] = min(at, first_decision.get(screening_id, at))
    hours = [
        (first_decision[sid] - at).total_seconds() / 3600
        for sid, at, *_ in chosen
        if sid in first_decision
    ]
    return {
        "total": len(chosen),
        "weeks": weeks,
        "rules": rules_hit,
        "unsure": unsure,
        "by_rule": Counter(d[3] for d in resolved),
        "by_nurse": Counter(d[1] for d in resolved),
        "hours": hours,
    }


@pytest.fixture
def manager(app):
    return signed_in(app, "manager@clinic.example", "manager")


@pytest.fixture
def populated(app, clock):
    """Real screenings through the pages, many copies of them over 16 weeks, and decisions by two
    nurses (one real resolution through the nurse's page, the rest through the ORM)."""
    real = {kind: submit_screening(app, **pages)[0] for kind, pages in KINDS.items()}
    amy = make_staff(app, "amy@clinic.example", "nurse", name="Amy Chen")
    ben = make_staff(app, "ben@clinic.example", "nurse", name=AWKWARD_NAME)

    nurse = app.test_client()
    assert sign_in(nurse, "amy@clinic.example").status_code == 303
    response = post_decision(
        nurse, real["unsure_pregnant"], "/findings/pregnancy/resolve", {"reason": "Test negative"}
    )
    assert response.status_code == 303, response.status_code

    now = clock.now
    kinds = list(KINDS)
    copies = defaultdict(list)
    for index in range(60):
        kind = kinds[index % len(kinds)]
        # Days back, spread over 16 weeks, at hours that cross midnight in the clinic.
        at = now - timedelta(days=(index * 37) % 112, hours=(index * 5) % 24)
        copies[kind].append({"submitted_at": at, "updated_at": at})
    # Sunday 23:30 in the clinic is Monday in UTC: it counts in the clinic's week.
    sunday_night = datetime(2026, 11, 29, 23, 30, tzinfo=CLINIC).astimezone(UTC)
    copies["unwell"].append({"submitted_at": sunday_night, "updated_at": sunday_night})
    made = {kind: copy_screenings(app, real[kind], rows) for kind, rows in copies.items()}

    decisions = []
    for index, screening_id in enumerate(made["two_unsure"] + made["unsure_pregnant"]):
        with app.app_context():
            submitted = db.session.get(Screening, screening_id).submitted_at
        staff = amy if index % 3 else ben
        if screening_id in made["two_unsure"]:
            rule_id = ("immunosuppressive_disorder", "prescribed_blood_thinner")[index % 2]
        else:
            rule_id = "pregnancy"
        first = min(submitted + timedelta(hours=1 + index * 3), now)
        decisions.append((screening_id, staff, "resolve", rule_id, first))
        decisions.append((screening_id, amy, "check_in", None, first + timedelta(days=2)))
    for screening_id in made["unwell"][:6]:
        with app.app_context():
            submitted = db.session.get(Screening, screening_id).submitted_at
        decisions.append((screening_id, ben, "acknowledge", "feeling_unwell", submitted))
    add_decisions(app, decisions)
    return real


def test_the_numbers_match_an_independent_count(app, manager, populated):
    page = manager.get(URL)
    assert page.status_code == 200
    tables = Tables(page.text)
    first_day, last_day = date(2026, 9, 14), date(2026, 12, 1)  # ISO weeks 38 to 49
    expected = expected_numbers(app, first_day, last_day)
    assert expected["total"] < 66  # some copies fall before the 12 weeks and are left out

    assert re.search(r'id="total-screenings">(\d+)<', page.text).group(1) == str(expected["total"])
    header, *rows = tables.tables["table-outcomes"]
    assert header == ["Week", "Clear", "Needs clearance", "Reschedule", "Total"]
    assert [row[0].split()[0] for row in rows] == [f"2026-W{w}" for w in range(38, 50)]
    for row in rows:
        counts = expected["weeks"][row[0].split()[0]]
        wanted = [counts["clear"], counts["needs_clearance"], counts["reschedule"]]
        assert [int(n) for n in row[1:]] == [*wanted, sum(wanted)], row
    assert expected["weeks"]["2026-W48"]["reschedule"] >= 1  # the Sunday-night screening

    shown = {row[0].split()[-1]: int(row[1]) for row in tables.body("table-rules")}
    assert shown == dict(expected["rules"])
    assert [int(row[1]) for row in tables.body("table-rules")] == sorted(
        expected["rules"].values(), reverse=True
    )

    unsure_rows = tables.body("table-unsure")
    assert [row[0].split()[0] for row in unsure_rows] == [
        qid.replace("_", " ").capitalize().split()[0] for qid in expected["unsure"]
    ]
    for row, (unsure, answered) in zip(unsure_rows, expected["unsure"].values(), strict=True):
        assert (int(row[1]), int(row[2])) == (unsure, answered)
        assert row[3] == f"{100 * unsure / answered:.1f}%"
    assert sum(u for u, _ in expected["unsure"].values()) > 0

    by_rule = {row[0].split()[-1]: int(row[1]) for row in tables.body("table-by-rule")}
    assert by_rule == dict(expected["by_rule"])
    by_nurse = {row[0]: int(row[1]) for row in tables.body("table-by-nurse")}
    assert by_nurse == dict(expected["by_nurse"])
    assert set(by_nurse) == {"Amy Chen", AWKWARD_NAME}

    median = statistics.median(expected["hours"])
    assert f"{median:.1f} hours" in page.text
    assert f"over {len(expected['hours'])} screenings with a decision" in page.text


def test_the_charts_are_accessible_svg_with_the_same_numbers(app, manager, populated):
    page = manager.get(URL)
    assert "<script" not in page.text
    charts = [ET.fromstring(markup) for markup in SVG.findall(page.text)]
    assert len(charts) == 5
    ns = "{http://www.w3.org/2000/svg}"
    for chart in charts:
        assert chart.get("role") == "img"
        title, desc = chart.find(f"{ns}title"), chart.find(f"{ns}desc")
        assert title.text.strip() and desc.text.strip()
        assert chart.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    ids = [chart.get("id") for chart in charts]
    assert ids == [
        "chart-outcomes",
        "chart-rules",
        "chart-unsure",
        "chart-by-rule",
        "chart-by-nurse",
    ]

    tables = Tables(page.text)
    by_id = dict(zip(ids, charts, strict=True))

    def texts(chart) -> list[str]:
        return [t.text for t in chart.iter(f"{ns}text")]

    nurse_texts = texts(by_id["chart-by-nurse"])
    for name, count in tables.body("table-by-nurse"):
        assert name in nurse_texts and count in nurse_texts
    outcome_texts = texts(by_id["chart-outcomes"])
    assert {"Clear", "Needs clearance", "Reschedule"} <= set(outcome_texts)  # the legend
    for row in tables.body("table-outcomes"):
        assert row[0].split()[0] in outcome_texts
    assert tables.captions["table-outcomes"] == "Screenings per outcome per week"
    assert "Ben &#34;B&#34; &lt;Ortiz&gt; &amp; Co" in page.text
    assert AWKWARD_NAME not in page.text


def test_a_date_range_narrows_every_number(app, manager, populated):
    page = manager.get(f"{URL}?date_from=2026-11-04&date_to=2026-11-24")
    assert page.status_code == 200
    tables = Tables(page.text)
    expected = expected_numbers(app, date(2026, 11, 4), date(2026, 11, 24))
    rows = tables.body("table-outcomes")
    assert [row[0].split()[0] for row in rows] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]
    assert sum(int(row[-1]) for row in rows) == expected["total"]
    assert {r[0].split()[-1]: int(r[1]) for r in tables.body("table-rules")} == expected["rules"]
    assert {r[0]: int(r[1]) for r in tables.body("table-by-nurse")} == expected["by_nurse"]
    assert 'value="2026-11-04"' in page.text


def test_a_single_day_is_one_week(app, manager, populated):
    page = manager.get(f"{URL}?date_from=2026-12-01&date_to=2026-12-01")
    rows = Tables(page.text).body("table-outcomes")
    expected = expected_numbers(app, date(2026, 12, 1), date(2026, 12, 1))
    assert [row[0].split()[0] for row in rows] == ["2026-W49"]
    assert int(rows[0][-1]) == expected["total"] > 0


def test_queries_do_not_grow_with_the_rows(app, populated, clock):
    """No query per screening or per decision: ten times the rows, the same statements."""

    def statements() -> int:
        with app.app_context():
            seen = []
            listener = lambda *args: seen.append(args[2])  # noqa: E731
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                period = dashboard.default_period(date(2026, 12, 1), CLINIC)
                stats = dashboard.compute_stats(db.session, period)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)
            return len(seen), stats.total

    before, total = statements()
    source = populated["two_unsure"]
    copy_screenings(
        app, source, [{"submitted_at": clock.now - timedelta(hours=h)} for h in range(300)]
    )
    after, more = statements()
    assert more == total + 300
    assert after == before


def test_a_nurse_is_refused_and_the_refusal_audited(app):
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    assert nurse.get(URL).status_code == 403
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "refused_action")
        ).all()
        assert [(r.result, r.object_id) for r in rows] == [("refused", "records.dashboard_page")]


def test_the_nav_links_managers_only(app, manager):
    assert f'href="{URL}"' in manager.get("/staff/records/audit").text
    nurse = signed_in(app, "nurse@clinic.example", "nurse")
    assert f'href="{URL}"' not in nurse.get("/staff/").text


def test_an_empty_database_says_there_are_no_screenings_yet(manager):
    page = manager.get(URL)
    assert page.status_code == 200
    assert "There are no screenings yet" in page.text
    assert "<svg" not in page.text


def test_a_period_without_screenings_says_so(manager, populated):
    page = manager.get(f"{URL}?date_from=2025-01-01&date_to=2025-03-01")
    assert page.status_code == 200
    assert "No screenings were submitted in this period." in page.text
    assert "No rule triggered in this period." in page.text
    assert "No nurse resolved a finding in this period." in page.text
    assert "There are no screenings yet" not in page.text


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("date_from=2026-02-30", "date_from", "From must be a real date"),
        ("date_to=yesterday", "date_to", "To must be a real date"),
        ("date_from=2026-12-01&date_to=2026-11-01", "date_to", "To must be the same day as From"),
        ("date_from=2020-01-01&date_to=2026-12-01", "date_from", "two years or less"),
        ("date_from=0001-01-01", "date_from", "From must be a date from 2000 to 2100"),
        ("date_to=9999-12-31", "date_to", "To must be a date from 2000 to 2100"),
        ("date_from=" + "9" * 5000, "date_from", "From must be a real date"),
    ],
)
def test_bad_filter_dates_give_a_form_error(manager, populated, query, field, message):
    page = manager.get(f"{URL}?{query}")
    assert page.status_code == 200
    assert "There is a problem" in page.text
    assert f'href="#{field}"' in page.text
    assert message in page.text
    assert page.text.count("<title>Error: Dashboard") == 1
    assert "the last 12 weeks, until the dates above are corrected" in page.text
    assert len(SVG.findall(page.text)) == 5


def test_bar_chart_escapes_text_and_parses_as_xml():
    chart = dashboard.bar_chart(
        "c",
        "Title <b>&",
        'Desc "quoted"',
        ["<script>", "a" * 80],
        [
            dashboard.Series("One & two", [1, 0]),
            dashboard.Series("<three>", [2, 5], "#8e1a11", "crosshatch"),
        ],
    )
    root = ET.fromstring(str(chart))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "Title <b>&"
    assert root.find(f"{ns}desc").text == 'Desc "quoted"'
    texts = [t.text for t in root.iter(f"{ns}text")]
    assert {"One & two", "<three>", "<script>", "3", "5"} <= set(texts)
    assert any(t.endswith("…") for t in texts)  # a long label is shortened; the table has it all
    assert root.find(f"{ns}defs/{ns}pattern").get("id") == "c-pattern-1"
    empty = ET.fromstring(str(dashboard.bar_chart("e", "T", "D", [], [dashboard.Series("S", [])])))
    assert [t.text for t in empty.iter(f"{ns}text")] == ["Nothing to show"]


# Per treatment -------------------------------------------------------------------------------


def evaluated(treatment: str, version: str, submitted_at: datetime, **changes) -> dict:
    """A screening row for ``copy_screenings``: a nothing-to-report answer to every question of
    the rule set, with ``changes``, and the findings the rules give for them."""
    ruleset = rules.get_ruleset(treatment, version)
    answers = {}
    for question in ruleset.questions:
        if question.kind is rules.Kind.CHOICE:
            answers[question.id] = "no"
        elif question.kind is rules.Kind.MULTI:
            answers[question.id] = ["forehead"] if question.min_choices else []
        elif question.required and question.applies_when is None:
            answers[question.id] = "1990-05-17"
    answers.update(changes)
    result = rules.evaluate(
        treatment, date(2026, 12, 10), answers, today=date(2026, 12, 1), version=version
    ).to_dict()
    return {
        "treatment": treatment,
        "ruleset_id": treatment,
        "ruleset_version": version,
        "answers": answers,
        "findings": result["findings"],
        "outcome": result["outcome"],
        "submitted_at": submitted_at,
        "updated_at": submitted_at,
    }


@pytest.fixture
def per_treatment(app, clock):
    """Screenings of several treatments and versions, with known "unsure" answers and findings.

    Smooth threads: the real one (version 2, clear), two of version 1 (one unsure about
    pregnancy) and two more of version 2 (unsure about a bleeding disorder; pregnant).
    Neurotoxin: four, where two rules fire in two screenings each. Microneedling: one, clear.
    One neurotoxin screening and one microneedling screening fall before the period.
    """
    template = submit_screening(app)[0]
    now = clock.now
    old = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
    recent_toxin = {"toxin_last_date": "2026-11-01"}
    rows = [
        evaluated("pdo_smooth_threads", "1", now, pregnant="unsure"),
        evaluated("pdo_smooth_threads", "1", now - timedelta(days=3)),
        evaluated("pdo_smooth_threads", "2", now, bleeding_disorder="unsure"),
        evaluated("pdo_smooth_threads", "2", now, pregnant="yes"),
        evaluated(
            "neurotoxin",
            "1",
            now,
            swallowing_or_breathing_problems="unsure",
            interacting_medicines="unsure",
        ),
        evaluated("neurotoxin", "1", now, interacting_medicines="unsure", **recent_toxin),
        evaluated("neurotoxin", "1", now - timedelta(days=20), **recent_toxin),
        evaluated("neurotoxin", "1", now),
        evaluated("microneedling", "1", now - timedelta(weeks=2)),
        evaluated("neurotoxin", "1", old, swallowing_or_breathing_problems="unsure"),
        evaluated("microneedling", "1", old, uncontrolled_diabetes="unsure"),
    ]
    copy_screenings(app, template, rows)
    return template


QUESTION_BY_HEADER = {
    f"{dashboard.humanize(q.id)} {q.label}": q.id
    for versions in rules.RULESETS.values()
    for ruleset in versions.values()
    for q in ruleset.questions
}


def unsure_table(tables: Tables, table_id: str) -> dict[str, list[str]]:
    """A table of "unsure" rates by question id: not sure, asked, rate."""
    return {QUESTION_BY_HEADER[row[0]]: row[1:] for row in tables.body(table_id)}


def words_of(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">(.*?)</(?:dd|p)>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def test_per_treatment_unsure_rates_and_top_rules_are_exact(manager, per_treatment):
    page = manager.get(URL)
    assert page.status_code == 200
    html = page.text
    tables = Tables(html)

    assert words_of(html, "treatment-pdo_smooth_threads-screenings") == "5"
    smooth = unsure_table(tables, "table-unsure-pdo_smooth_threads")
    # Version 1 did not ask about a bleeding or autoimmune disorder: 3 of the 5 were asked.
    assert smooth["pregnant"] == ["1", "5", "20.0%"]
    assert smooth["bleeding_disorder"] == ["1", "3", "33.3%"]
    assert smooth["autoimmune_disorder"] == ["0", "3", "0.0%"]
    assert smooth["neuromuscular_disorder"] == ["0", "5", "0.0%"]
    assert list(smooth) == [
        "pregnant",
        "neuromuscular_disorder",
        "immunosuppressive_disorder",
        "prescribed_blood_thinner",
        "bleeding_disorder",
        "autoimmune_disorder",
    ]
    assert words_of(html, "treatment-pdo_smooth_threads-top-rule") == (
        "Pregnancy pregnancy : 2 of 5 screenings (40.0%)"
    )

    assert words_of(html, "treatment-neurotoxin-screenings") == "4"
    toxin = unsure_table(tables, "table-unsure-neurotoxin")
    assert toxin["swallowing_or_breathing_problems"] == ["1", "4", "25.0%"]
    assert toxin["interacting_medicines"] == ["2", "4", "50.0%"]
    assert toxin["bleeding_disorder"] == ["0", "4", "0.0%"]
    assert "lidocaine_allergy" not in toxin  # not a neurotoxin question
    # interacting_medicines and toxin_90_days fired in two screenings each: the first by id.
    assert words_of(html, "treatment-neurotoxin-top-rule") == (
        "Interacting medicines interacting_medicines : 2 of 4 screenings (50.0%); "
        "tied with toxin_90_days"
    )

    assert words_of(html, "treatment-microneedling-top-rule") == "No rule fired"
    assert unsure_table(tables, "table-unsure-microneedling")["uncontrolled_diabetes"] == [
        "0",
        "1",
        "0.0%",
    ]
    for treatment in ("sculptra", "dermal_filler", "pdo_barbed_threads"):
        assert words_of(html, f"treatment-{treatment}-none") == (
            "No screenings of this treatment in this period."
        )
        assert f"table-unsure-{treatment}" not in tables.tables

    overall = unsure_table(tables, "table-unsure")
    assert overall["pregnant"] == ["1", "10", "10.0%"]
    assert overall["interacting_medicines"] == ["2", "4", "50.0%"]
    assert overall["lidocaine_allergy"] == ["0", "1", "0.0%"]  # microneedling asks it
    assert "permanent_filler_in_area" not in overall  # no screening of the period was asked it


def test_per_treatment_numbers_follow_the_period(manager, per_treatment):
    page = manager.get(f"{URL}?date_from=2026-01-01&date_to=2026-01-31")
    html = page.text
    tables = Tables(html)
    assert words_of(html, "treatment-neurotoxin-screenings") == "1"
    assert unsure_table(tables, "table-unsure-neurotoxin")["swallowing_or_breathing_problems"] == [
        "1",
        "1",
        "100.0%",
    ]
    assert unsure_table(tables, "table-unsure-microneedling")["uncontrolled_diabetes"] == [
        "1",
        "1",
        "100.0%",
    ]
    assert words_of(html, "treatment-neurotoxin-top-rule") == (
        "Swallowing or breathing swallowing_or_breathing : 1 of 1 screening (100.0%)"
    )
    assert words_of(html, "treatment-pdo_smooth_threads-none") == (
        "No screenings of this treatment in this period."
    )


def test_per_treatment_stats_from_the_function(app, per_treatment):
    with app.app_context():
        period = dashboard.default_period(date(2026, 12, 1), CLINIC)
        stats = dashboard.compute_stats(db.session, period)
    by_treatment = {t.treatment: t for t in stats.by_treatment}
    assert list(by_treatment) == [t for t, _ in rules.treatments()]
    toxin = by_treatment["neurotoxin"]
    assert toxin.top_rule == dashboard.TopRule("interacting_medicines", 2, 0.5, ("toxin_90_days",))
    assert by_treatment["sculptra"].screenings == 0
    assert by_treatment["sculptra"].top_rule is None
    assert by_treatment["sculptra"].unsure == []
    assert dashboard.format_percent(1 / 3) == "33.3%"
    assert dashboard.format_percent(2 / 3) == "66.7%"


def test_a_treatment_no_longer_released_is_still_counted(app, per_treatment, clock):
    row = evaluated("neurotoxin", "1", clock.now)
    copy_screenings(app, per_treatment, [{**row, "treatment": "laser", "ruleset_id": "laser"}])
    with app.app_context():
        period = dashboard.default_period(date(2026, 12, 1), CLINIC)
        stats = dashboard.compute_stats(db.session, period)
    laser = stats.by_treatment[-1]
    assert (laser.treatment, laser.title, laser.screenings, laser.unsure) == (
        "laser",
        "Laser",
        1,
        [],
    )
