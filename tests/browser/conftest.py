"""Fixtures for the browser tests: the app served from a thread on 127.0.0.1, Debian's Chromium
driven by Playwright, and browser contexts that refuse every request leaving 127.0.0.1.

The app, its database and the browser are made once for this package; each test opens its own
browser contexts (its own cookies, like another phone) and keeps to its own patients and staff.
Without Chromium the tests skip, except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import WSGIRequestHandler, make_server

from screening import create_app
from screening.auth import passwords
from screening.database import init_db
from screening.extensions import db
from tests.browser.checks import NetworkGuard
from tests.conftest import Clock, _config

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
]
PHONE = {"width": 390, "height": 844}
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)  # noon in Los Angeles, as the clock fixture


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="package")
def browser_light_hashing() -> Iterator[None]:
    """The light argon2 of ``light_password_hashing``, for the package's staff accounts."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024))
        passwords._dummy_hash.cache_clear()
        yield
    passwords._dummy_hash.cache_clear()


def app_for_the_browser(folder: Path, **extra):
    """An app on its own SQLite database in ``folder`` (also in the PostgreSQL run: these tests
    are about pages), with the test clock. No ``SERVER_NAME``: links follow the address the
    browser used."""
    app = create_app(
        _config(
            f"sqlite:///{folder / 'preclear.sqlite3'}",
            Clock(NOW),
            SERVER_NAME=None,
            UPLOAD_FOLDER=str(folder / "uploads"),
            INSTANCE_PATH=str(folder / "instance"),  # its own audit key and anchor
            **extra,
        )
    )
    with app.app_context():
        init_db()
    return app


@contextmanager
def served(app) -> Iterator[str]:
    """``app`` served from a thread while open; its base URL. The app's database is closed
    afterwards."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="package")
def live_app(tmp_path_factory, browser_light_hashing):
    """The package's app."""
    return app_for_the_browser(tmp_path_factory.mktemp("browser-app"))


@pytest.fixture(scope="package")
def live_server(live_app) -> Iterator[str]:
    """The package's app, served from a thread; its base URL."""
    with served(live_app) as url:
        yield url


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless. Package-scoped, so Playwright's event loop is gone before
    the rest of the suite runs."""
    if not Path(CHROMIUM).is_file():
        reason = f"Chromium not installed ({CHROMIUM}): apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def new_page(browser, live_server) -> Iterator:
    """``new_page(**context_options)``: a page in a new browser context (a new device), a phone
    by default. Every request is checked: one to any host but 127.0.0.1 is refused, and fails
    the test."""
    guards: list[NetworkGuard] = []
    contexts: list[BrowserContext] = []

    def new(**options) -> Page:
        context = browser.new_context(
            **{"viewport": PHONE, "base_url": live_server, "locale": "en-US", **options}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        guards.append(NetworkGuard(context, javascript=options.get("java_script_enabled", True)))
        return context.new_page()

    yield new
    for guard in guards:
        guard.close()
    for context in contexts:
        context.close()
    foreign = [url for guard in guards for url in guard.foreign]
    assert not foreign, f"pages requested hosts other than 127.0.0.1: {foreign}"
