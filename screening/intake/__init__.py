"""Blueprint for patients: the screening questionnaire at ``/intake/``."""

from flask import Blueprint

bp = Blueprint("intake", __name__)

from . import new_date_routes, routes  # noqa: E402,F401  (routes attach themselves to bp)


@bp.app_template_test("iso_date")
def is_iso_date(value: object) -> bool:
    """Whether a value is a date a ``<input type=date>`` can show (``YYYY-MM-DD``)."""
    from rules.dates import parse_iso_date

    return isinstance(value, str) and parse_iso_date(value) is not None


@bp.context_processor
def _mail_context() -> dict:
    from ..outreach.mailer import mail_enabled

    return {"mail_enabled": mail_enabled()}
