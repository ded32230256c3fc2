"""``POST /api/v1/evaluate``: the contract's evaluation over HTTP. Stores nothing."""

from __future__ import annotations

from flask import current_app, jsonify, request

from rules import AnswerError, evaluate_document

from ..access import PUBLIC, allow
from ..clock import clinic_today
from ..extensions import limiter
from . import bp


def _rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


@bp.post("/evaluate")
@allow(PUBLIC)
@limiter.limit(_rate_limit)
def evaluate():
    """Evaluate ``{"treatment", "appointment_date", "today"?, "version"?, "answers"}``.

    ``today`` defaults to the clinic's today. Bad input: 422 with ``{"errors": {...}}``.
    """
    document = request.get_json(silent=True)
    if isinstance(document, dict) and "today" not in document:
        document = {**document, "today": clinic_today().isoformat()}
    try:
        return jsonify(evaluate_document(document))
    except AnswerError as error:
        return jsonify({"errors": error.errors}), 422
