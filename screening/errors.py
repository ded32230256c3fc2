"""Central error pages: plain words, no stack traces, the database session rolled back."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db

_JSON_PREFIX = "/api/"


def register_errorhandlers(app: Flask) -> None:
    """Render HTTP errors, CSRF failures and unexpected errors as pages (JSON under /api/)."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        db.session.rollback()
        from .intake.routes import rerender_after_csrf_failure

        page = rerender_after_csrf_failure()
        if page is not None:
            return page
        return _page(400, "This page timed out", "Go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            db.session.rollback()
        return _page(error.code or 500, error.name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.url_rule)
        return _page(
            500,
            "Sorry, something went wrong",
            "Nothing you saved has been lost. Please try again in a few minutes, or call us.",
        )


def _page(status: int, title: str, message: str):
    if request.path.startswith(_JSON_PREFIX):
        return jsonify({"errors": {"request": [title]}}), status
    return render_template("error.html", title=title, message=message), status
