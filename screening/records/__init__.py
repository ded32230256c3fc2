"""Blueprint for clinic managers: the audit trail (and later exports and the dashboard)."""

from flask import Blueprint

bp = Blueprint("records", __name__)

from . import dashboard_routes, export_routes, routes  # noqa: E402,F401  (routes attach themselves to bp)
