"""The front page, and the language switch every page carries."""

from flask import redirect, render_template, request, session, url_for

from rules import treatments
from rules.i18n import LANGUAGES

from ..access import PUBLIC, allow
from ..i18n import LANGUAGE_KEY, safe_return_path
from . import bp


@bp.get("/")
@allow(PUBLIC)
def index():
    """What Preclear is for, and the treatments the clinic screens for."""
    return render_template("public/index.html", treatments=treatments())


@bp.post("/language")
@allow(PUBLIC)
def set_language():
    """Remember the language chosen with the switch, then show the same page again in it.

    Only the session changes: a patient's answers are in the server-side draft, untouched.
    The CSRF check is the app-wide one.
    """
    language = request.form.get("language")
    if language in LANGUAGES:
        session[LANGUAGE_KEY] = language
    back = safe_return_path(request.args.get("next")) or url_for("public.index")
    return redirect(back, code=303)
