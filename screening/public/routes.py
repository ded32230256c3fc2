"""The front page."""

from flask import render_template

from rules import treatments

from ..access import PUBLIC, allow
from . import bp


@bp.get("/")
@allow(PUBLIC)
def index():
    """What Preclear is for, and the treatments the clinic screens for."""
    return render_template("public/index.html", treatments=treatments())
