"""Blueprint for nurses: the review queue, a screening's page, decisions, notes, check-in."""

from flask import Blueprint

bp = Blueprint("review", __name__)

from . import decision_routes, invitation_routes, routes  # noqa: E402,F401  (routes attach themselves to bp)
