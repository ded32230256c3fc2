"""Blueprint for clinic records: the audit trail, exports and the dashboard for managers, and
the rules page for all staff."""

from flask import Blueprint

bp = Blueprint("records", __name__)

from . import dashboard_routes, export_routes, routes, rules_routes  # noqa: E402,F401  (routes attach themselves to bp)
