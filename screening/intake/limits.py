"""Per-address limits on what anyone may do without signing in: start a questionnaire, send one,
upload a note (the ``PATIENT_*_LIMIT`` settings). Over a limit, the request is answered 429 with
a page naming what was refused and when to try again, in the patient's language, and the
refusal is audited.

The limits on starting questionnaires and on uploads count in the limiter's storage, per address
(shared by the workers when it is Redis). Questionnaires sent are counted from the screenings
stored from the address (``submit_refusal``), and a screening's uploads per day from its notes
(``clearance``): both in the database, which every worker shares.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import timedelta

from flask import current_app, make_response, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from limits import RateLimitItem, parse
from sqlalchemy import bindparam, func, select
from werkzeug.wrappers import Response

from .. import audit
from ..clock import utcnow
from ..extensions import db, limiter
from ..i18n import safe_return_path
from ..models import Screening, token_hash
from ..outreach import invitations

DRAFTS, SUBMITS, UPLOADS, EMAILS, REOPEN = "drafts", "submits", "uploads", "emails", "reopen"
NEW_DATE = "new_date"

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
    REOPEN: (
        _l("Too many tries"),
        _l(
            "The date of birth given with this link did not match several times, so we can't "
            "check another now. You can also call us to hear your outcome."
        ),
    ),
    NEW_DATE: (
        _l("Too many requests sent"),
        _l(
            "Several requests for a new date have been sent from this link in a short time, so "
            "we can't take another now. We have the ones already sent, or you can call us."
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


def per_link(name: str) -> Callable[[], str]:
    """A limit's key: ``name`` and the hash of the link's token in the route's address, so the
    limiter's storage holds no link that opens anything."""

    def key() -> str:
        return f"{name}:{token_hash((request.view_args or {}).get('token', ''))}"

    return key


def valid_invitation() -> bool:
    """Whether the request's invitation link is usable: starting its questionnaire is never
    limited (a clinic's own link, sent to one patient)."""
    return invitations.usable((request.view_args or {}).get("token", "")) is not None


def refused(kind: str) -> Callable[[RequestLimit], Response]:
    """The limiter's ``on_breach`` for ``kind``: audit the refusal, answer with its page."""

    def on_breach(breached: RequestLimit) -> Response:
        # Keyed by a link's hash (``routes._email_link_key``, ``per_link``).
        linked = ("email-link:", "reopen:", "new-date:")
        per = "link" if any(key in breached.key for key in linked) else "address"
        return _refusal(kind, per, breached.limit, breached.reset_at)

    return on_breach


# What one address has sent in a window: how many screenings, and when the oldest of them.
_SENT_FROM = select(func.count(), func.min(Screening.__table__.c.submitted_at)).where(
    Screening.__table__.c.consent_ip == bindparam("address"),
    Screening.__table__.c.submitted_at > bindparam("since"),
)


def submit_refusal() -> Response | None:
    """The 429 page when this address has sent ``PATIENT_SUBMIT_RATE_LIMIT`` questionnaires
    within its window already; ``None`` when this one may be stored.

    Counted from the screenings stored from the address (``consent_ip``), over a window that
    moves with the clock: the limit is on questionnaires sent, so a consent form sent back for
    a missing signature, or a signed one sent again, takes nothing from it. Read before the
    write lock: questionnaires sent from one address at the very same moment may pass the
    limit by as many as there are workers, a bound against floods rather than an exact count.
    (Through the limiter, every consent POST paid its checks and a Redis round trip: a seventh
    of its time, which kept the submit benchmark's goal out of reach, bench/submit.py.)
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    limit = parse(current_app.config["PATIENT_SUBMIT_RATE_LIMIT"])
    window = timedelta(seconds=limit.get_expiry())
    parameters = {"address": (request.remote_addr or "")[:64], "since": utcnow() - window}
    sent, oldest = db.session.connection().execute(_SENT_FROM, parameters).one()
    if sent < limit.amount:
        return None
    return _refusal(SUBMITS, "address", limit, (oldest + window).timestamp())


def _refusal(kind: str, per: str, limit: RateLimitItem, reset_at: float) -> Response:
    """Audit the refusal, answer with its page and when to try again (``Retry-After``)."""
    _audit(kind, per, limit)
    title, message = _PAGES[kind]
    page = render_template(
        "intake/limited.html",
        title=title,
        message=message,
        wait=_wait(limit, reset_at),
        back=_back(kind),
    )
    response = make_response(page, 429)
    response.headers["Retry-After"] = str(max(1, math.ceil(reset_at - time.time())))
    return response


def _wait(limit: RateLimitItem, reset_at: float) -> str:
    """When to try again, in words: when the limit resets, at least a minute and at most its
    window away."""
    window = limit.get_expiry()
    seconds = min(max(reset_at - time.time(), 60), window)
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
    if kind in (UPLOADS, NEW_DATE) and token:
        return url_for("intake.result", token=token), gettext("Back to your outcome")
    return None


def _audit(kind: str, per: str, limit: RateLimitItem) -> None:
    address = request.remote_addr or ""
    if not limiter.limiter.hit(_AUDITED_EVERY, "audited-refusal", kind, address):
        return
    audit.record(
        audit.Action.LIMITED,
        result="refused",
        object_type="page",
        object_id=request.endpoint or "",
        detail=f"{kind} per {per}: {limit}",
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


uploads_per_hour = limiter.limit(setting("PATIENT_UPLOAD_RATE_LIMIT"), on_breach=refused(UPLOADS))
uploads_per_day = limiter.limit(setting("PATIENT_UPLOAD_DAILY_LIMIT"), on_breach=refused(UPLOADS))
