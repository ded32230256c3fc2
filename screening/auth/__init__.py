"""Blueprint for staff sign-in, sign-out, passwords and (for admins) accounts, at ``/staff``."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import mfa_routes, routes, sessions  # noqa: E402,F401  (routes attach; loader registers)
