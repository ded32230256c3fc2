"""Per-address limits on what anyone may do without signing in: start a questionnaire, send one,
upload a note (the ``PATIENT_*_LIMIT`` settings). Over a limit, the request is answered 429 with
a page naming what was refused and when to try again, in the patient's language, and the
refusal is audited.

The limits count in the limiter's storage, per address (shared by the workers when it is Redis);
a screening's uploads per day are counted in the database (``clearance``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import current_app, make_response, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from limits import parse
from werkzeug.wrappers import Response

from .. import audit
from ..extensions import db, limiter
from ..i18n import safe_return_path
from ..outreach import invitations

DRAFTS, SUBMITS, UPLOADS, EMAILS = "drafts", "submits", "uploads", "emails"

_PAGES = {
    DRAFTS: (
        _l("Too many questionnaires started"),
        _l(
            "Many questionnaires have been started from your internet connection (a shared "
            "Wi-Fi, for example), so we can't start another one now."
        ),
    ),
    SUBMITS: (
        _l("Too many questionnaires sent"),
        _l(
            "Many questionnaires have been sent from your internet connection (a shared Wi-Fi, "
            "for example), so we can't take yours now. Your answers are saved."
        ),
    ),
    UPLOADS: (
        _l("Too many files sent"),
        _l(
            "Many files have been sent from your internet connection (a shared Wi-Fi, for "
            "example), so we can't take this one now. You can also bring the paper note to your "
            "appointment."
        ),
    ),
    EMAILS: (
        _l("Too many emails asked for"),
        _l(
            "This link has been emailed several times in a short time, so we can't send it "
            "again now. You can copy it from the page instead."
        ),
    ),
}

# A flood of refused requests must not become a flood of writes (each audit row takes the
# database's write lock, which every patient's submit needs): one row per address, limit and
# minute.
_AUDITED_EVERY = parse("1 per minute")


def setting(name: str) -> Callable[[], str]:
    """The limit in the setting ``name``, read at each request (each instance sets its own)."""

    def limit() -> str:
        return current_app.config[name]

    return limit


def valid_invitation() -> bool:
    """Whether the request's invitation link is usable: starting its questionnaire is never
    limited (a clinic's own link, sent to one patient)."""
    return invitations.usable((request.view_args or {}).get("token", "")) is not None


def refused(kind: str) -> Callable[[RequestLimit], Response]:
    """The limiter's ``on_breach`` for ``kind``: audit the refusal, answer with its page."""

    def on_breach(breached: RequestLimit) -> Response:
        _audit(kind, breached)
        title, message = _PAGES[kind]
        page = render_template(
            "intake/limited.html",
            title=title,
            message=message,
            wait=_wait(breached),
            back=_back(kind),
        )
        return make_response(page, 429)

    return on_breach


def _wait(breached: RequestLimit) -> str:
    """When to try again, in words: when the limit resets, at least a minute and at most its
    window away."""
    window = breached.limit.get_expiry()
    seconds = min(max(breached.reset_at - time.time(), 60), window)
    minutes = math.ceil(seconds / 60)
    if minutes <= 90:
        return ngettext(
            "Please try again in %(num)d minute.", "Please try again in %(num)d minutes.", minutes
        )
    return ngettext(
        "Please try again in %(num)d hour.",
        "Please try again in %(num)d hours.",
        math.ceil(minutes / 60),
    )


def _back(kind: str) -> tuple[str, str] | None:
    """The page the patient came from, where what they did is kept, as (address, words)."""
    if kind == SUBMITS:
        return url_for("intake.consent"), gettext("Back to your answers")
    if kind == EMAILS:
        back = safe_return_path(request.form.get("return_to"))
        if not (back and back.startswith("/intake/")):
            back = url_for("intake.check")
        return back, gettext("Back to your answers")
    token = (request.view_args or {}).get("token")
    if kind == UPLOADS and token:
        return url_for("intake.result", token=token), gettext("Back to your outcome")
    return None


def _audit(kind: str, breached: RequestLimit) -> None:
    address = request.remote_addr or ""
    if not limiter.limiter.hit(_AUDITED_EVERY, "audited-refusal", kind, address):
        return
    per = "link" if "email-link:" in breached.key else "address"  # ``routes._email_link_key``
    audit.record(
        audit.Action.LIMITED,
        result="refused",
        object_type="page",
        object_id=request.endpoint or "",
        detail=f"{kind} per {per}: {breached.limit}",
    )
    db.session.commit()


def drafts(**options):
    """The limit on starting questionnaires (a POST), counted together wherever one starts."""
    return limiter.shared_limit(
        setting("PATIENT_DRAFT_RATE_LIMIT"),
        scope="patient-drafts",
        methods=["POST"],
        on_breach=refused(DRAFTS),
        **options,
    )


submits = limiter.limit(
    setting("PATIENT_SUBMIT_RATE_LIMIT"), methods=["POST"], on_breach=refused(SUBMITS)
)
uploads_per_hour = limiter.limit(setting("PATIENT_UPLOAD_RATE_LIMIT"), on_breach=refused(UPLOADS))
uploads_per_day = limiter.limit(setting("PATIENT_UPLOAD_DAILY_LIMIT"), on_breach=refused(UPLOADS))
