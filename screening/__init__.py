"""Preclear's web app: the patient's questionnaire, and the JSON API for integrators."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from .clinic_calendar import register_clinic_calendar
from .clock import clinic_time, system_clock
from .config import PLACEHOLDER_SECRET_KEY, Defaults, write_instance_config
from .database import sqlite_uri
from .logs import install_redaction
from .private_files import private_folder, private_sqlite
from .security import register_security

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``instance/config.py``, then ``test_config``.

    ``DATABASE_URL`` (environment or config) chooses the database; SQLite in ``instance/``
    otherwise.
    """
    # The instance folder (config, keys, the SQLite file): ``instance/`` beside the code, unless
    # PRECLEAR_INSTANCE_PATH (or the test mapping's INSTANCE_PATH) puts it elsewhere.
    instance = (test_config or {}).get("INSTANCE_PATH") or os.environ.get(
        "PRECLEAR_INSTANCE_PATH", str(PROJECT_ROOT / "instance")
    )
    app = Flask(
        __name__,
        instance_path=instance,
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_object(Defaults)
    app.config["CLOCK"] = system_clock
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(days=Defaults.DRAFT_LIFETIME_DAYS)
    if test_config is None:
        write_instance_config(Path(app.instance_path))
        app.config.from_pyfile("config.py", silent=True)
        app.config.from_prefixed_env("PRECLEAR")  # e.g. PRECLEAR_SECURE_COOKIES=false
    else:
        app.config.from_mapping(test_config)
    private_folder(Path(app.instance_path))
    _refuse_placeholder_secret(app)
    _refuse_default_public_url(app)
    _choose_database(app)
    register_security(app)
    _trust_proxies(app)
    register_clinic_calendar(app)

    # Every <int:...> in a URL is a row id: one past what a column holds is a 404, never an
    # overflow in the database driver (a 500).
    app.url_map.converters["int"] = RowIdConverter
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_audit_key(app)
    install_redaction()
    app.context_processor(_clinic_context)
    # Every time staff see is in the clinic's time zone (lifecycle invariant 11).
    app.jinja_env.globals["clinic_time"] = clinic_time
    return app


class RowIdConverter(IntegerConverter):
    """``<int:...>`` limited to what an INTEGER id column holds on PostgreSQL and SQLite."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _clinic_context() -> dict[str, str]:
    phone = current_app.config["CLINIC_PHONE"]
    return {"clinic_tel": "tel:" + re.sub(r"[^\d+]", "", phone)}


def _trust_proxies(app: Flask) -> None:
    # The client's address (audit, consent record, rate limits) and https come from the
    # proxy's headers only when the clinic says how many proxies stand in front.
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)


def _refuse_placeholder_secret(app: Flask) -> None:
    key = app.config.get("SECRET_KEY")
    if (not key or key == PLACEHOLDER_SECRET_KEY) and not (app.debug or app.testing):
        raise RuntimeError("SECRET_KEY is missing or a placeholder: set it in instance/config.py")


def _refuse_default_public_url(app: Flask) -> None:
    # Secure cookies mean patients reach the app over https somewhere else than this machine:
    # links in emails built from the default would point them at 127.0.0.1.
    default = app.config["PUBLIC_URL"] == Defaults.PUBLIC_URL
    if default and app.config["SECURE_COOKIES"] and not (app.debug or app.testing):
        raise RuntimeError(
            f"PUBLIC_URL is still {Defaults.PUBLIC_URL}: set it to the https address patients "
            "use, in instance/config.py (README, Production server); on this machine only, "
            "PRECLEAR_SECURE_COOKIES=false serves plain http instead"
        )


def _choose_database(app: Flask) -> None:
    url = app.config.get("DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url:
        url = sqlite_uri(os.path.join(app.instance_path, "preclear.sqlite3"))
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        private_sqlite(Path(url.removeprefix("sqlite:///")))
    if url.startswith("sqlite"):
        # A file has no server to close an idle connection: the ping before each request
        # (for PostgreSQL's) would only be one more statement.
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        options.pop("pool_pre_ping", None)
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    app.config["SQLALCHEMY_DATABASE_URI"] = url


def _check_limits_in_their_routes_only(app: Flask, limiter) -> None:
    """Every rate limit here is a route's own decorator, which checks it when the route runs.
    Flask-Limiter also looks before every request for default, application and blueprint
    limits, which this app has none of: that look cost each request a tenth of a millisecond
    (the submit benchmark's goal, bench/submit.py), so it is taken out, and such limits are
    refused rather than left unchecked."""
    for setting in ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION"):
        if app.config.get(setting):
            raise RuntimeError(f"{setting} is not checked here: decorate the routes instead")
    checks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in checks:  # not added when the limits are switched off
        checks.remove(limiter._check_request_limit)


def register_extensions(app: Flask) -> None:
    """Bind the extensions created in ``extensions.py``."""
    from flask_login import current_user

    from . import database, models  # noqa: F401  (SQLite settings; tables for migrations)
    from .access import enforce_access
    from .extensions import csrf, db, limiter, login_manager, migrate
    from .i18n import register_i18n

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    _check_limits_in_their_routes_only(app, limiter)
    # Templates read the signed-in person through the proxy, only where a page shows them:
    # Flask-Login's own context processor would load them for every page, patients' too.
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    register_i18n(app)
    app.before_request(enforce_access)


def register_blueprints(app: Flask) -> None:
    """Attach one blueprint per kind of user."""
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .extensions import csrf
    from .intake import bp as intake_bp
    from .public import bp as public_bp
    from .records import bp as records_bp
    from .review import bp as review_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(intake_bp, url_prefix="/intake")
    app.register_blueprint(auth_bp, url_prefix="/staff")
    app.register_blueprint(review_bp, url_prefix="/staff")
    app.register_blueprint(records_bp, url_prefix="/staff/records")
    csrf.exempt(api_bp)  # machine clients authenticate otherwise; nothing here uses cookies
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_errorhandlers(app: Flask) -> None:
    """Plain error pages."""
    from .errors import register_errorhandlers as register

    register(app)


def register_commands(app: Flask) -> None:
    """``flask init-db`` and friends."""
    from .cli import register_commands as register

    register(app)


def register_audit_key(app: Flask) -> None:
    """Read the audit trail's key (made on the first start); refuse to start when audit rows
    exist without it (``audit.key``)."""
    from .audit.key import install

    install(app)
