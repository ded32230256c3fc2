"""``POST /api/v1/evaluate``: the contract's evaluation over HTTP. Stores nothing."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, request

from rules import AnswerError, evaluate_document
from rules.dates import parse_iso_date

from .. import audit
from ..access import PUBLIC, allow
from ..clock import clinic_today
from ..extensions import db, limiter
from ..outreach import invitations
from ..validators import (
    BOOKING_YEARS_AHEAD,
    NOT_STORABLE,
    booked_too_far_ahead,
    text_problem,
)
from . import bp


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def _json_body() -> Any:
    """The request's JSON, or ``None`` when it is missing or not JSON we will read.

    Nesting too deep for the parser is refused like any other bad body, never a 500.
    """
    if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)
    try:
        return request.get_json(silent=True)
    except RecursionError:
        return None


def _unstorable_text(document: Any) -> dict[str, list[str]]:
    """``{field: [message]}`` for the first string, key or value, anywhere in ``document`` that
    holds a lone surrogate ("\\ud800" is valid JSON, but no database stores it); else empty.
    Walked with a stack: a body nested as deep as the parser allows is no deeper here."""
    pending: list[tuple[str, Any]] = [("input", document)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, str) and text_problem(value) == NOT_STORABLE:
            return {where: ["Contains a character that cannot be stored"]}
        if isinstance(value, dict):
            for key, item in value.items():
                if text_problem(key) == NOT_STORABLE:
                    return {"input": ["A field name contains a character that cannot be stored"]}
                pending.append((key if where == "input" else f"{where}.{key}", item))
        elif isinstance(value, list):
            pending.extend((f"{where}[{index}]", item) for index, item in enumerate(value))
    return {}


@bp.post("/evaluate")
@allow(PUBLIC)
@limiter.limit(_rate_limit)
def evaluate():
    """Evaluate ``{"treatment", "appointment_date", "today"?, "version"?, "answers"}``.

    ``today`` left out or null is the clinic's today. Bad input: 422 with ``{"errors": {...}}``.
    """
    document = _json_body()
    if unstorable := _unstorable_text(document):
        return jsonify({"errors": unstorable}), 422
    if isinstance(document, dict) and document.get("today") is None:
        document = {**document, "today": clinic_today().isoformat()}
    too_far = _booked_too_far_ahead(document)
    try:
        result = evaluate_document(document)
    except AnswerError as error:
        return jsonify({"errors": {**error.errors, **too_far}}), 422
    if too_far:
        return jsonify({"errors": too_far}), 422
    return jsonify(result)


def _booked_too_far_ahead(document: Any) -> dict[str, list[str]]:
    """The appointment date's error when it is further ahead than anyone books; else empty."""
    if not isinstance(document, dict):
        return {}
    day, today = (
        parse_iso_date(value) if isinstance(value, str) else None
        for value in (document.get("appointment_date"), document.get("today"))
    )
    if day is None or today is None or not booked_too_far_ahead(day, today):
        return {}
    return {
        "appointment_date": [
            f"The appointment date must be within {BOOKING_YEARS_AHEAD} years of today"
        ]
    }


@bp.post("/invitations")
@allow(PUBLIC)
@limiter.limit(_rate_limit)
def create_invitation():
    """Create an invitation for a booked appointment (booking systems, with an API token).

    ``Authorization: Bearer <token>``; body ``{"first_name", "last_name", "email"?, "phone"?,
    "treatment", "appointment_date", "appointment_time"}``. 201 with the link to send; 401
    without a valid token; 422 with ``{"errors": ...}`` for bad input.
    """
    api_token = invitations.authenticate_api(request.headers.get("Authorization"))
    if api_token is None:
        # Like a failed sign-in: recorded, without the credential that was offered.
        audit.record(
            audit.Action.REFUSED,
            result="refused",
            object_type="api",
            object_id="invitations",
            detail="invalid API token",
        )
        db.session.commit()
        return jsonify({"errors": {"authorization": ["A valid API token is required"]}}), 401
    document = _json_body()
    if not isinstance(document, dict):
        db.session.commit()
        return jsonify({"errors": {"input": ["The input must be a JSON object"]}}), 422
    if unstorable := _unstorable_text(document):
        db.session.commit()
        return jsonify({"errors": unstorable}), 422
    fields = (
        "first_name",
        "last_name",
        "email",
        "phone",
        "treatment",
        "appointment_date",
        "appointment_time",
    )
    unknown = {key: ["Unknown field"] for key in document if key not in fields}
    try:
        if unknown:
            raise invitations.InvitationError(unknown)
        invitation, token = invitations.create_invitation(
            **{field: document.get(field) for field in fields}, via="api"
        )
    except invitations.InvitationError as error:
        db.session.commit()  # keep the token's last use
        return jsonify({"errors": error.errors}), 422
    return (
        jsonify(
            {
                "id": invitation.id,
                "url": invitations.invitation_url(token),
                "expires_at": invitation.expires_at.isoformat(),
                "state": invitations.state_of(invitation),
            }
        ),
        201,
    )
