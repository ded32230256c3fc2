"""Pages anyone may see: the clinic's front page for the screening."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from . import routes  # noqa: E402,F401  (routes attach themselves to bp)
