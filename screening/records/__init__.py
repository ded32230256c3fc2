"""Blueprint for clinic records: the audit trail, exports and the dashboard for managers, and
the rules page for all staff. The pages are the ``*_routes`` modules (``routes``: the audit trail
and the outbox); ``exports`` (with ``fhir``) and ``dashboard`` work out what they show."""

from flask import Blueprint

bp = Blueprint("records", __name__)

from . import dashboard_routes, export_routes, routes, rules_routes  # noqa: E402,F401  (routes attach themselves to bp)
