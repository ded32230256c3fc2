"""Headers on every response, and the cookie settings, that keep patients' data in its place.

Every response (error pages and downloads too) gets a Content-Security-Policy whose scripts
need this response's nonce, and is never stored by a browser or proxy except the static files,
which hold no patient data. Cookies are Secure, with the ``__Host-`` prefix, unless the app is
told it serves plain http on this machine (``SECURE_COOKIES = False``, as ``make run`` does).
"""

from __future__ import annotations

import secrets

from flask import Flask, g, request
from werkzeug.wrappers import Response

SESSION_COOKIE_HOST_NAME = "__Host-preclear"
_PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def register_security(app: Flask) -> None:
    """Cookie settings, the per-response nonce, and the headers."""
    if app.config["SECURE_COOKIES"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
        # __Host-: only over HTTPS, only for this exact host, for every path.
        app.config["SESSION_COOKIE_NAME"] = SESSION_COOKIE_HOST_NAME
        app.config["SESSION_COOKIE_DOMAIN"] = None
        app.config["SESSION_COOKIE_PATH"] = "/"
    elif app.debug is False and not app.testing:
        app.logger.warning("SECURE_COOKIES is off: serve this app over plain http only locally")
    if app.debug and app.config["SECURE_COOKIES"]:
        raise RuntimeError("Debug mode is for local development only (SECURE_COOKIES = False)")
    app.before_request(_new_nonce)
    app.after_request(set_security_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def _new_nonce() -> None:
    g.csp_nonce = secrets.token_urlsafe(16)


def csp_nonce() -> str:
    """This response's script nonce, for ``<script nonce="...">``."""
    if "csp_nonce" not in g:
        _new_nonce()  # an error raised before any before_request function ran
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    """Only this site's own files, scripts only with the nonce, no plugins, no framing."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self'",
            "img-src 'self' data:",
            "form-action 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        )
    )


def set_security_headers(response: Response) -> Response:
    """Add the security headers; a response that set its own CSP (a note download) keeps it."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = _PERMISSIONS
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Pages, downloads and errors may all show patient data: never kept by a browser.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response
