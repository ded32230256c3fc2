"""The managers' dashboard page: a period chosen in the query string, its numbers and charts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from wtforms import Form, StringField

from .. import audit
from ..access import MANAGER, allow
from ..clock import clinic_today
from ..extensions import db
from ..validators import parse_patient_date, real_date_from
from . import bp, dashboard

_real_date = real_date_from(dashboard.EARLIEST)


class DashboardFilterForm(Form):
    """The dashboard's period, from the query string (no CSRF: it changes nothing)."""

    date_from = StringField("From", validators=[_real_date], render_kw={"type": "date"})
    date_to = StringField("To", validators=[_real_date], render_kw={"type": "date"})


@bp.get("/dashboard")
@allow(MANAGER)
def dashboard_page():
    """Screenings per outcome per week, the rules that fire most, unsure answers (overall and
    per treatment), resolutions and time to review, for the last 12 weeks or the period asked
    for."""
    form = DashboardFilterForm(request.args)
    today = clinic_today()
    timezone = ZoneInfo(current_app.config["CLINIC_TIMEZONE"])
    period = dashboard.default_period(today, timezone)
    if form.validate():
        try:
            period = dashboard.period_for(
                parse_patient_date(form.date_from.data) if form.date_from.data else None,
                parse_patient_date(form.date_to.data) if form.date_to.data else None,
                today,
                timezone,
            )
        except dashboard.PeriodError as error:
            form[error.field].errors.append(str(error))
    stats = dashboard.compute_stats(db.session, period)
    shown = render_template(
        "records/dashboard.html",
        form=form,
        errors=[(form[name].id, messages[0]) for name, messages in form.errors.items()],
        stats=stats,
        charts=dashboard.charts(stats),
        outcome_labels=dashboard.OUTCOME_LABELS,
        humanize=dashboard.humanize,
        format_hours=dashboard.format_hours,
        format_percent=dashboard.format_percent,
    )
    # The period is the manager's choice, not a patient's: the counts say what was shown.
    audit.record_view(
        audit.Action.VIEW_DASHBOARD, screenings=stats.total, weeks=len(period.mondays)
    )
    return shown
