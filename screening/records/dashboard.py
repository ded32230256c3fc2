"""The managers' dashboard: numbers over a period, and accessible bar charts drawn as inline SVG.

``compute_stats`` counts what the clinic asked for; ``bar_chart`` draws any of those counts as
horizontal bars with a title, a description and text labels. Nothing here reads the request:
the view picks the period and renders the result.
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape
from sqlalchemy import Text, case, cast, func, literal, select
from sqlalchemy.orm import Session

import rules

from ..models import Decision, Screening, StaffUser

DEFAULT_WEEKS = 12
MAX_DAYS = 731  # two years: a longer chart of weeks can no longer be read
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)
STREAM_BATCH = 2000

OUTCOME_LABELS = {
    "clear": "Clear",
    "needs_clearance": "Needs clearance",
    "reschedule": "Reschedule",
}


class PeriodError(ValueError):
    """A period the dashboard cannot show; ``field`` names the filter to correct."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Period:
    """Days ``first_day`` to ``last_day`` (both included) of the clinic's calendar."""

    first_day: date
    last_day: date
    timezone: ZoneInfo

    def _instant(self, day: date) -> datetime:
        return datetime.combine(day, time.min, self.timezone).astimezone(UTC)

    @property
    def start(self) -> datetime:
        """The first instant of the period, in UTC."""
        return self._instant(self.first_day)

    @property
    def end(self) -> datetime:
        """The first instant after the period, in UTC."""
        return self._instant(self.last_day + timedelta(days=1))

    @property
    def mondays(self) -> list[date]:
        """The Monday of each ISO week the period touches, oldest first."""
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        weeks = []
        while monday <= self.last_day:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks

    def week_ends(self) -> list[datetime]:
        """The instant each week of ``mondays`` ends (the next Monday, or the period's end)."""
        ends = [self._instant(monday + timedelta(days=7)) for monday in self.mondays]
        ends[-1] = self.end
        return ends


def default_period(today: date, timezone: ZoneInfo) -> Period:
    """The last ``DEFAULT_WEEKS`` ISO weeks, this week included."""
    monday = today - timedelta(days=today.weekday())
    return Period(monday - timedelta(weeks=DEFAULT_WEEKS - 1), today, timezone)


def period_for(
    first_day: date | None, last_day: date | None, today: date, timezone: ZoneInfo
) -> Period:
    """The period a manager asked for; a missing end is today, a missing start 12 weeks earlier.

    Raises ``PeriodError`` for a day outside 2000 to 2100, a start after the end, or a period
    longer than two years.
    """
    for name, label, day in (("date_from", "From", first_day), ("date_to", "To", last_day)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise PeriodError(name, f"{label} must be a date from 2000 to 2100")
    if last_day is None:
        last_day = today if first_day is None or first_day <= today else first_day
    if first_day is None:
        first_day = default_period(last_day, timezone).first_day
    if first_day > last_day:
        raise PeriodError("date_to", "To must be the same day as From or later")
    if (last_day - first_day).days >= MAX_DAYS:
        raise PeriodError("date_from", "Choose a period of two years or less")
    return Period(first_day, last_day, timezone)


def iso_week(monday: date) -> str:
    """The ISO week of a day, like ``2026-W49``."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def humanize(identifier: str) -> str:
    """A rule or question id as words: ``blood_thinner`` -> "Blood thinner"."""
    words = identifier.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@dataclass
class WeekRow:
    """Screenings submitted in one ISO week, per outcome."""

    monday: date
    counts: dict[str, int]

    @property
    def label(self) -> str:
        """The ISO week, like ``2026-W49``."""
        return iso_week(self.monday)

    @property
    def total(self) -> int:
        """All screenings of the week."""
        return sum(self.counts.values())


@dataclass
class UnsureRate:
    """How often one question that offers "I'm not sure" was answered that way."""

    question_id: str
    label: str
    unsure: int = 0
    answered: int = 0

    @property
    def rate(self) -> float | None:
        """``unsure / answered``, or ``None`` when no one answered the question."""
        return self.unsure / self.answered if self.answered else None


@dataclass(frozen=True)
class TopRule:
    """The rule that fired in the most screenings of a treatment; ties go to the first rule id
    in alphabetical order, and ``tied_with`` names the others."""

    rule_id: str
    screenings: int
    share: float
    tied_with: tuple[str, ...] = ()


@dataclass
class TreatmentStats:
    """One treatment's screenings in the period: "not sure" answers per question and the rules
    that fired, counted once per screening."""

    treatment: str
    title: str
    screenings: int = 0
    unsure: list[UnsureRate] = field(default_factory=list)
    rule_screenings: Counter[str] = field(default_factory=Counter)

    @property
    def top_rule(self) -> TopRule | None:
        """The rule that fired in the most of these screenings, or ``None`` when none fired."""
        if not self.rule_screenings:
            return None
        ranked = sorted(self.rule_screenings.items(), key=lambda item: (-item[1], item[0]))
        rule_id, count = ranked[0]
        tied = tuple(other for other, n in ranked[1:] if n == count)
        return TopRule(rule_id, count, count / self.screenings, tied)


@dataclass
class Stats:
    """Everything the dashboard shows for one period."""

    period: Period
    any_screenings: bool
    total: int = 0
    outcomes: list[str] = field(default_factory=list)
    weeks: list[WeekRow] = field(default_factory=list)
    rule_counts: list[tuple[str, int]] = field(default_factory=list)
    unsure: list[UnsureRate] = field(default_factory=list)
    by_treatment: list[TreatmentStats] = field(default_factory=list)
    resolutions_by_rule: list[tuple[str, int]] = field(default_factory=list)
    resolutions_by_nurse: list[tuple[str, int]] = field(default_factory=list)
    reviewed: int = 0
    median_review_hours: float | None = None


def _in_period(period: Period):
    return (Screening.submitted_at >= period.start, Screening.submitted_at < period.end)


def _week_index(ends: Sequence[datetime], first: int, last: int):
    """SQL for the index (``first`` to ``last``) of the week a submission falls in.

    Nested as a binary search, so a row costs a handful of comparisons even over two years.
    """
    if first == last:
        return literal(first)
    middle = (first + last) // 2
    return case(
        (Screening.submitted_at < ends[middle], _week_index(ends, first, middle)),
        else_=_week_index(ends, middle + 1, last),
    )


def _outcomes_per_week(session: Session, period: Period) -> tuple[list[str], list[WeekRow]]:
    mondays = period.mondays
    week = _week_index(period.week_ends(), 0, len(mondays) - 1)
    # Grouped outside a subquery: PostgreSQL does not see the CASE of the select list (with its
    # own bound parameters) as the same expression as one repeated in GROUP BY.
    bucketed = (
        select(week.label("week"), Screening.outcome.label("outcome"))
        .where(*_in_period(period))
        .subquery()
    )
    rows = session.execute(
        select(bucketed.c.week, bucketed.c.outcome, func.count()).group_by(
            bucketed.c.week, bucketed.c.outcome
        )
    ).all()
    weeks = [WeekRow(monday, {}) for monday in mondays]
    seen = set()
    for index, outcome, count in rows:
        weeks[index].counts[outcome] = count
        seen.add(outcome)
    outcomes = [o for o in OUTCOME_LABELS if o in seen] + sorted(seen - OUTCOME_LABELS.keys())
    for row in weeks:
        row.counts = {o: row.counts.get(o, 0) for o in outcomes}
    return outcomes, weeks


def _questions_allowing_unsure(
    rulesets: Iterable[rules.RuleSet] | None = None,
) -> dict[str, str]:
    """Question id -> its words, for every question that offers "unsure" in ``rulesets`` (every
    released rule set when ``None``), in the order the rule sets first ask them."""
    if rulesets is None:
        rulesets = (rs for versions in rules.RULESETS.values() for rs in versions.values())
    found: dict[str, str] = {}
    for ruleset in rulesets:
        for question in ruleset.questions:
            if question.allows_unsure:
                found.setdefault(question.id, question.label)
    return found


def _treatment_stats() -> dict[str, TreatmentStats]:
    """Every released treatment with nothing counted yet, and a rate for each question that
    offers "unsure" in any version of its rule set."""
    found = {}
    for treatment, title in rules.treatments():
        asked = _questions_allowing_unsure(rules.RULESETS[treatment].values())
        found[treatment] = TreatmentStats(
            treatment, title, unsure=[UnsureRate(qid, label) for qid, label in asked.items()]
        )
    return found


def _findings_and_answers(
    session: Session, period: Period
) -> tuple[list[tuple[str, int]], list[UnsureRate], list[TreatmentStats]]:
    """Findings per rule and unsure answers per question, overall and per treatment, reading
    the JSON a batch at a time in one pass.

    A question counts as asked when the screening holds an answer to it, so a screening
    answered under a rule set without the question is left out of its rate. Questions no
    screening of the period was asked are left out of the result.
    """
    unsure = {qid: UnsureRate(qid, label) for qid, label in _questions_allowing_unsure().items()}
    rule_counts: Counter[str] = Counter()
    per_treatment = _treatment_stats()
    treatment_rates = {t: {r.question_id: r for r in ts.unsure} for t, ts in per_treatment.items()}
    # Core rows from the connection, and the JSON as text decoded here: the ORM's per-row work
    # and psycopg's JSON loader each took longer than the counting itself.
    result = session.connection().execute(
        select(Screening.treatment, cast(Screening.answers, Text), cast(Screening.findings, Text))
        .where(*_in_period(period))
        .execution_options(yield_per=STREAM_BATCH)
    )
    for treatment, answers_json, findings_json in result:
        stats = per_treatment.get(treatment)
        if stats is None:  # a treatment no longer released: counted, with no questions
            stats = per_treatment[treatment] = TreatmentStats(treatment, humanize(treatment))
            treatment_rates[treatment] = {}
        stats.screenings += 1
        findings = json.loads(findings_json or "[]")
        for finding in findings:
            rule_counts[finding["rule_id"]] += 1
        stats.rule_screenings.update({finding["rule_id"] for finding in findings})
        rates = treatment_rates[treatment]
        for qid, value in json.loads(answers_json or "{}").items():
            rate = unsure.get(qid)
            if rate is None or value in (None, ""):
                continue
            own = rates.get(qid)
            rate.answered += 1
            if own is not None:
                own.answered += 1
            if value == "unsure":
                rate.unsure += 1
                if own is not None:
                    own.unsure += 1
    for stats in per_treatment.values():
        stats.unsure = [rate for rate in stats.unsure if rate.answered]
    ranked = sorted(rule_counts.items(), key=lambda item: (-item[1], item[0]))
    asked = [rate for rate in unsure.values() if rate.answered]
    return ranked, asked, list(per_treatment.values())


def _resolutions(
    session: Session, period: Period
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Findings resolved by nurses during the period, per rule and per nurse."""
    resolved = (
        Decision.kind == "resolve",
        Decision.created_at >= period.start,
        Decision.created_at < period.end,
    )
    count = func.count(Decision.id)
    by_rule = session.execute(
        select(Decision.rule_id, count)
        .where(*resolved)
        .group_by(Decision.rule_id)
        .order_by(count.desc(), Decision.rule_id)
    ).all()
    by_nurse = session.execute(
        select(StaffUser.name, count)
        .join(StaffUser, StaffUser.id == Decision.staff_id)
        .where(*resolved)
        .group_by(StaffUser.id, StaffUser.name)
        .order_by(count.desc(), StaffUser.name)
    ).all()
    return (
        [(rule_id or "", n) for rule_id, n in by_rule],
        [(name, n) for name, n in by_nurse],
    )


def _review_hours(session: Session, period: Period) -> list[float]:
    """Hours from submission to the first decision, for screenings of the period with one."""
    first = (
        select(Decision.screening_id, func.min(Decision.created_at).label("first_at"))
        .group_by(Decision.screening_id)
        .subquery()
    )
    result = session.connection().execute(
        select(Screening.submitted_at, first.c.first_at)
        .join(first, first.c.screening_id == Screening.id)
        .where(*_in_period(period))
        .execution_options(yield_per=STREAM_BATCH)
    )
    return [(decided - submitted).total_seconds() / 3600 for submitted, decided in result]


def compute_stats(session: Session, period: Period) -> Stats:
    """Every number of the dashboard for screenings submitted (and decisions made) in ``period``.

    Counts per week and per nurse are aggregated by the database; findings and answers, held as
    JSON, are streamed in batches, so memory stays flat however many screenings there are.
    """
    any_screenings = session.execute(select(Screening.id).limit(1)).first() is not None
    stats = Stats(period=period, any_screenings=any_screenings)
    if not any_screenings:
        stats.weeks = [WeekRow(monday, {}) for monday in period.mondays]
        return stats
    stats.outcomes, stats.weeks = _outcomes_per_week(session, period)
    stats.total = sum(row.total for row in stats.weeks)
    stats.rule_counts, stats.unsure, stats.by_treatment = _findings_and_answers(session, period)
    stats.resolutions_by_rule, stats.resolutions_by_nurse = _resolutions(session, period)
    hours = _review_hours(session, period)
    stats.reviewed = len(hours)
    stats.median_review_hours = statistics.median(hours) if hours else None
    return stats


# --- Charts -------------------------------------------------------------------------------

TEXT_COLOUR = "#1b1b1b"  # 17:1 on white
CHART_WIDTH = 640
FONT_SIZE = 14
CHAR_WIDTH = 9  # more than most characters take at FONT_SIZE: labels must not be clipped
ROW_HEIGHT = 30
BAR_HEIGHT = 20
MAX_LABEL_CHARS = 30


@dataclass(frozen=True)
class Series:
    """One set of bars: a name for the legend, one value per category, and how bars look.

    ``pattern`` (``None``, ``"stripes"`` or ``"crosshatch"``) tells series apart without colour.
    """

    name: str
    values: Sequence[float]
    colour: str = "#1d4f91"
    pattern: str | None = None


OUTCOME_STYLES = {
    "clear": ("#1d4f91", None),
    "needs_clearance": ("#8a4f00", "stripes"),
    "reschedule": ("#8e1a11", "crosshatch"),
}


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _shorten(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1] + "…"


def _pattern(pattern_id: str, series: Series) -> Markup:
    lines = Markup('<line x1="0" y1="0" x2="0" y2="8" stroke="#ffffff" stroke-width="3"/>')
    if series.pattern == "crosshatch":
        lines += Markup('<line x1="0" y1="4" x2="8" y2="4" stroke="#ffffff" stroke-width="2"/>')
    return Markup(
        '<pattern id="{}" patternUnits="userSpaceOnUse" width="8" height="8"'
        ' patternTransform="rotate(45)"><rect width="8" height="8" fill="{}"/>{}</pattern>'
    ).format(pattern_id, series.colour, lines)


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    value_labels: Sequence[str] | None = None,
    max_value: float | None = None,
) -> Markup:
    """Horizontal bars, one row per category, stacked when there are several series.

    Returns an ``<svg role="img">`` labelled by its ``<title>`` and ``<desc>`` (ids made from
    ``chart_id``), with each category's name and total (or ``value_labels``) written as text and
    a legend naming each series. Every piece of text and every attribute is escaped.
    """
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    if value_labels is None:
        value_labels = [_number(total) for total in totals]
    labels = [_shorten(c) for c in categories]
    scale_max = max_value if max_value is not None else max(totals, default=0)
    label_width = max((len(x) for x in labels), default=4) * CHAR_WIDTH + 16
    value_width = max((len(v) for v in value_labels), default=1) * CHAR_WIDTH + 12
    bar_space = CHART_WIDTH - label_width - value_width
    legend_height = 32 if len(series) > 1 else 0
    top = 8 + legend_height
    bottom = top + max(len(categories), 1) * ROW_HEIGHT
    height = bottom + 8

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart__svg" id="{}"'
            ' viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-labelledby="{} {}"'
            ' font-size="{}" fill="{}">'
        ).format(
            chart_id,
            CHART_WIDTH,
            height,
            CHART_WIDTH,
            height,
            title_id,
            desc_id,
            FONT_SIZE,
            TEXT_COLOUR,
        ),
        Markup('<title id="{}">{}</title>').format(title_id, escape(title)),
        Markup('<desc id="{}">{}</desc>').format(desc_id, escape(description)),
    ]
    fills = []
    patterns = []
    for index, one in enumerate(series):
        if one.pattern:
            pattern_id = f"{chart_id}-pattern-{index}"
            patterns.append(_pattern(pattern_id, one))
            fills.append(f"url(#{pattern_id})")
        else:
            fills.append(one.colour)
    if patterns:
        parts.append(Markup("<defs>{}</defs>").format(Markup("").join(patterns)))

    if legend_height:
        x = label_width
        parts.append(Markup('<g class="chart__legend">'))
        for one, fill in zip(series, fills, strict=True):
            parts.append(
                Markup(
                    '<rect x="{}" y="8" width="16" height="16" fill="{}" stroke="{}"/>'
                    '<text x="{}" y="21">{}</text>'
                ).format(x, fill, TEXT_COLOUR, x + 22, escape(one.name))
            )
            x += 22 + len(one.name) * CHAR_WIDTH + 16
        parts.append(Markup("</g>"))

    if not categories:
        parts.append(
            Markup('<text x="{}" y="{}">Nothing to show</text>').format(label_width, top + 20)
        )
    for row, (label, value_label) in enumerate(zip(labels, value_labels, strict=True)):
        y = top + row * ROW_HEIGHT + (ROW_HEIGHT - BAR_HEIGHT) // 2
        text_y = y + BAR_HEIGHT // 2 + 5
        parts.append(
            Markup('<g class="chart__row"><text x="{}" y="{}" text-anchor="end">{}</text>').format(
                label_width - 8, text_y, escape(label)
            )
        )
        x = float(label_width)
        for one, fill in zip(series, fills, strict=True):
            value = one.values[row]
            if value <= 0 or scale_max <= 0:
                continue
            width = value / scale_max * bar_space
            parts.append(
                Markup(
                    '<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="{}" stroke="{}"/>'
                ).format(x, y, width, BAR_HEIGHT, fill, TEXT_COLOUR)
            )
            x += width
        parts.append(
            Markup('<text x="{:.1f}" y="{}">{}</text></g>').format(
                x + 6, text_y, escape(value_label)
            )
        )
    parts.append(
        Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}"/></svg>').format(
            label_width, top, label_width, bottom, TEXT_COLOUR
        )
    )
    return Markup("").join(parts)


def _list_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def format_percent(fraction: float) -> str:
    """A share as a percentage with one decimal: 0.125 -> "12.5%"."""
    return f"{100 * fraction:.1f}%"


def format_hours(hours: float) -> str:
    """A duration in hours as words, with days as well once it exceeds two days."""
    text = f"{hours:.1f} hours"
    return f"{text} ({hours / 24:.1f} days)" if hours >= 48 else text


def charts(stats: Stats) -> dict[str, Markup]:
    """The dashboard's charts by name; a chart with nothing to show is left out."""
    drawn: dict[str, Markup] = {}
    if stats.total:
        busiest = max(stats.weeks, key=lambda row: row.total)
        names = [OUTCOME_LABELS.get(o, humanize(o)) for o in stats.outcomes]
        drawn["outcomes"] = bar_chart(
            "chart-outcomes",
            "Screenings per outcome per week",
            f"Stacked bars, one per ISO week from {stats.weeks[0].label} to "
            f"{stats.weeks[-1].label}, split into {_list_words(names)}. {stats.total} "
            f"screenings in all; the busiest week was {busiest.label} with {busiest.total}. "
            "The table beside the chart gives every number.",
            [row.label for row in stats.weeks],
            [
                Series(
                    name,
                    [row.counts[outcome] for row in stats.weeks],
                    *OUTCOME_STYLES.get(outcome, ("#505a5f", None)),
                )
                for outcome, name in zip(stats.outcomes, names, strict=True)
            ],
        )
    for key, title, pairs, noun in (
        ("rules", "Findings per rule", stats.rule_counts, "findings"),
        ("by-rule", "Resolutions per rule", stats.resolutions_by_rule, "resolutions"),
        ("by-nurse", "Resolutions per nurse", stats.resolutions_by_nurse, "resolutions"),
    ):
        if not pairs:
            continue
        top_label, top_count = pairs[0]
        names = [humanize(name) if key != "by-nurse" else name for name, _ in pairs]
        drawn[key] = bar_chart(
            f"chart-{key}",
            title,
            f"Bars, most first: {sum(n for _, n in pairs)} {noun} over {len(pairs)} "
            f"{'nurses' if key == 'by-nurse' else 'rules'}; the most is {names[0]} with "
            f"{top_count}. The table beside the chart gives every number.",
            names,
            [Series(noun.capitalize(), [n for _, n in pairs])],
        )
    answered = [u for u in stats.unsure if u.answered]
    if answered:
        highest = max(answered, key=lambda u: u.rate or 0)
        drawn["unsure"] = bar_chart(
            "chart-unsure",
            "Rate of 'I'm not sure' answers per question",
            f"Bars on a scale of 0 to 100 percent, one per question that offers "
            f"'I'm not sure'. The highest is {humanize(highest.question_id)} at "
            f"{(highest.rate or 0):.0%} ({highest.unsure} of {highest.answered}). "
            "The table beside the chart gives every number.",
            [humanize(u.question_id) for u in answered],
            [Series("Unsure", [100 * (u.rate or 0) for u in answered])],
            value_labels=[f"{(u.rate or 0):.0%} ({u.unsure} of {u.answered})" for u in answered],
            max_value=100,
        )
    return drawn
