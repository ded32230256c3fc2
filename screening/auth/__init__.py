"""Blueprint for staff sign-in, sign-out, passwords and (for admins) accounts, at ``/staff``."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes, sessions  # noqa: E402,F401  (routes attach themselves; loader registers)
