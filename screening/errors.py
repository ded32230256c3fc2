"""Central error pages: plain words, no stack traces, the database session rolled back."""

from __future__ import annotations

import math
import time

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db, limiter

_JSON_PREFIX = "/api/"
# Plain words, in the reader's language, for the errors a person may meet; others keep
# Werkzeug's. Only when the error carries its standard description: a specific one is kept.
_HTTP_PAGES = {
    400: (_l("Something was wrong with that request"), _l("Go back and try again.")),
    403: (_l("You can't open this page"), _l("Your account does not give access to it.")),
    404: (
        _l("We can't find this page"),
        _l("If you typed the address, check it. If you followed a link, it may be out of date."),
    ),
    405: (_l("This page can't be opened that way"), _l("Go back and try again.")),
    413: (
        _l("What you sent is too large"),
        _l("Files can be at most 10 MB. Go back and choose a smaller file."),
    ),
    429: (_l("Too many attempts"), _l("Please wait a minute, then try again.")),
}


def register_errorhandlers(app: Flask) -> None:
    """Render HTTP errors, CSRF failures and unexpected errors as pages (JSON under /api/)."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        db.session.rollback()
        from .intake.routes import rerender_after_csrf_failure

        page = rerender_after_csrf_failure()
        if page is not None:
            return page
        return _page(400, _l("This page timed out"), _l("Go back, reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            db.session.rollback()
        if isinstance(error, RateLimitExceeded):
            # The limit's own page (``intake.limits``), or the plain one; either says when.
            refused = error.response if error.response is not None else _page(429, *_limited())
            return _with_retry_after(make_response(refused))
        code = error.code or 500
        standard = error.description == type(error).description
        if standard and code in _HTTP_PAGES and not request.path.startswith(_JSON_PREFIX):
            return _page(code, *_HTTP_PAGES[code])
        return _page(code, error.name, error.description or "")

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.url_rule)
        return _page(
            500,
            _l("Sorry, something went wrong"),
            _l("Nothing you saved has been lost. Please try again in a few minutes, or call us."),
        )


def _limited():
    if request.path.startswith(_JSON_PREFIX):
        return "Too many requests", ""  # the API's words are English
    return _HTTP_PAGES[429]


def _with_retry_after(response: Response) -> Response:
    """``Retry-After``, the seconds until the breached limit's window resets. Read here, on a
    refusal only: ``RATELIMIT_HEADERS_ENABLED`` is off (see ``config``)."""
    current = limiter.current_limit
    if current is not None and "Retry-After" not in response.headers:
        response.headers["Retry-After"] = str(max(1, math.ceil(current.reset_at - time.time())))
    return response


def _page(status: int, title, message):
    if request.path.startswith(_JSON_PREFIX):
        return jsonify({"errors": {"request": [str(title)]}}), status
    return render_template("error.html", title=title, message=message), status
