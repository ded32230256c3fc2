"""Managers' exports: the filter page and the CSV, XLSX and FHIR downloads.

Thin wrappers over ``screening.records.exports``. Each download is audited (format, filters and row
count) before it is sent; a download with bad filters shows the page with its errors.
"""

from __future__ import annotations

import tempfile

from flask import Response, render_template, request, send_file, url_for
from wtforms import Form, SelectChoice, SelectField, StringField
from wtforms.validators import ValidationError

from rules import treatments

from ..access import MANAGER, allow
from ..clock import utcnow
from ..extensions import db
from ..models import Status
from ..validators import parse_patient_date, real_date_from
from . import bp, exports

OUTCOME_LABELS = {
    "clear": "Clear",
    "reschedule": "Reschedule",
    "needs_clearance": "Needs clearance",
}


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice("", "Any")] + [SelectChoice(value, label) for value, label in pairs]


def _one_of(values, message: str):
    def check(form, field) -> None:
        if field.data and field.data not in values:
            raise ValidationError(message)

    return check


_real_date = real_date_from(exports.EARLIEST)


class ExportFilterForm(Form):
    """The export filters, from the query string."""

    date_field = SelectField(
        "Dates",
        choices=[
            SelectChoice("submitted", "Submitted on"),
            SelectChoice("appointment", "Appointment on"),
        ],
        default="submitted",
        validate_choice=False,
        validators=[_one_of(exports.DATE_FIELDS, "Choose submitted or appointment dates")],
    )
    date_from = StringField("From", render_kw={"type": "date"}, validators=[_real_date])
    date_to = StringField("To", render_kw={"type": "date"}, validators=[_real_date])
    outcome = SelectField(
        "Outcome",
        choices=_choices((o, OUTCOME_LABELS.get(o, o)) for o in exports.OUTCOMES),
        default="",
        validate_choice=False,
        validators=[_one_of(exports.OUTCOMES, "Choose an outcome from the list")],
    )
    status = SelectField(
        "Status",
        choices=_choices((s, s.replace("_", " ").capitalize()) for s in Status.ALL),
        default="",
        validate_choice=False,
        validators=[_one_of(Status.ALL, "Choose a status from the list")],
    )
    treatment = SelectField(
        "Treatment",
        choices=_choices(treatments()),
        default="",
        validate_choice=False,
        validators=[_one_of([t for t, _ in treatments()], "Choose a treatment from the list")],
    )

    def validate_date_to(self, field) -> None:
        start = parse_patient_date(self.date_from.data or "")
        end = parse_patient_date(field.data or "")
        if start and end and end < start:
            raise ValidationError("To must be the same day as From or later")

    def filters(self) -> exports.ExportFilters:
        """The validated filters."""
        return exports.ExportFilters(
            date_field=self.date_field.data or "submitted",
            date_from=parse_patient_date(self.date_from.data) if self.date_from.data else None,
            date_to=parse_patient_date(self.date_to.data) if self.date_to.data else None,
            outcome=self.outcome.data or None,
            status=self.status.data or None,
            treatment=self.treatment.data or None,
        )


def _page(form: ExportFilterForm, count: int | None = None):
    query = {name: request.args[name] for name in form.data if request.args.get(name)}
    return render_template(
        "records/exports.html",
        form=form,
        errors=[(form[name].id, messages[0]) for name, messages in form.errors.items()],
        count=count,
        links={fmt: url_for(f"records.export_{fmt}", **query) for fmt in ("csv", "xlsx", "fhir")},
    )


@bp.get("/exports")
@allow(MANAGER)
def exports_page():
    """The filters, how many screenings they choose, and the three downloads."""
    form = ExportFilterForm(request.args)
    if not form.validate():
        return _page(form)
    count, _ = exports.snapshot(db.session, form.filters(), exports.clinic_timezone())
    return _page(form, count)


def _attachment(fmt: str) -> str:
    return f'attachment; filename="{exports.filename(fmt, utcnow())}"'


def _streamed(fmt: str, mimetype: str, produce):
    """Audit, then stream what ``produce(session, filters, tz, last_id)`` yields from a session
    of its own, the screenings audited and no later ones; the page on errors."""
    form = ExportFilterForm(request.args)
    if not form.validate():
        return _page(form), 400
    filters = form.filters()
    tz = exports.clinic_timezone()
    count, last_id = exports.snapshot(db.session, filters, tz)
    exports.audit_export(fmt, count, filters)
    body = exports.stream(db.engine, lambda session: produce(session, filters, tz, last_id))
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": _attachment(fmt), "Cache-Control": "no-store"},
    )


@bp.get("/exports.csv")
@allow(MANAGER)
def export_csv():
    """The screenings as CSV, streamed."""
    return _streamed(
        "csv",
        exports.CSV_TYPE,
        lambda session, filters, tz, last_id: exports.write_csv(
            exports.csv_rows(session, filters, tz, up_to_id=last_id)
        ),
    )


@bp.get("/exports.ndjson")
@allow(MANAGER)
def export_fhir():
    """The questionnaires and the screenings' responses as FHIR NDJSON, streamed."""
    return _streamed(
        "fhir",
        exports.NDJSON_TYPE,
        lambda session, filters, tz, last_id: exports.fhir_lines(
            exports.iter_screenings(session, filters, tz, up_to_id=last_id), filters.treatment
        ),
    )


@bp.get("/exports.xlsx")
@allow(MANAGER)
def export_xlsx():
    """The screenings as an Excel workbook, written to a temporary file, then sent."""
    form = ExportFilterForm(request.args)
    if not form.validate():
        return _page(form), 400
    filters = form.filters()
    rows = exports.csv_rows(db.session(), filters, exports.clinic_timezone())
    workbook = tempfile.TemporaryFile()  # noqa: SIM115  (send_file closes it)
    try:
        count = exports.write_xlsx(workbook, rows)
        exports.audit_export("xlsx", count, filters)
        workbook.seek(0)
    except BaseException:
        workbook.close()
        raise
    response = send_file(
        workbook,
        mimetype=exports.XLSX_TYPE,
        as_attachment=True,
        download_name=exports.filename("xlsx", utcnow()),
    )
    response.headers["Cache-Control"] = "no-store"
    return response
