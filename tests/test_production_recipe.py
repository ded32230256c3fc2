"""README's "Production server" recipe, run as written: its settings in a fresh instance's
``config.py``, its ``init-db`` and gunicorn commands (``gunicorn.conf.py`` included), the local
Redis for the limits, and a proxy on loopback that sets ``X-Forwarded-*`` as its nginx lines do.

Behind that proxy (issue 16): each client has its own rate-limit bucket, shared by both
workers; an address a client writes into its own ``X-Forwarded-For`` gets it no new bucket; the
audit trail and the consent record hold each client's address; responses carry HSTS and
``__Host-`` Secure cookies. And the recipe's two refusals: the default ``PUBLIC_URL`` with
secure cookies, and several workers with limits in ``memory://``.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from screening import create_app
from tests.forwarding_proxy import ForwardingProxy, ProxiedClient
from tests.intake.patient import Patient, csrf_token

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
REDIS = ("127.0.0.1", 6379)
API_LIMIT = 5  # a tight API limit on this instance, to reach it in a few requests


def readme_block(language: str, containing: str) -> str:
    """The README's fenced ``language`` block under "Production server" holding ``containing``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Production server", 1)[1].split("\n## ", 1)[0]
    for block in re.findall(rf"```{language}\n(.*?)```", section, re.S):
        if containing in block:
            return block
    raise AssertionError(f"README's Production server has no {language} block with {containing}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_is_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


def recipe_commands(port: int) -> list[list[str]]:
    """The README's commands, with the virtualenv's path and this test's port."""
    commands = []
    for line in readme_block("sh", "gunicorn").splitlines():
        words = shlex.split(line.split("#", 1)[0])
        if not words:
            continue
        words[0] = str(BIN / Path(words[0]).name)
        commands.append([w.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for w in words])
    return commands


def instance_environment(instance: Path, extra_config: str = "") -> dict[str, str]:
    """A fresh instance folder whose ``config.py`` is the README's settings (and its first-start
    secret key), plus ``extra_config``; the environment that points the app at it."""
    instance.mkdir(mode=0o700)
    config = readme_block("python", "PUBLIC_URL")
    (instance / "config.py").write_text(
        f"SECRET_KEY = {secrets.token_hex(32)!r}\n{config}\n{extra_config}\n", encoding="utf-8"
    )
    (instance / "config.py").chmod(0o600)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PRECLEAR_", "DATABASE_URL", "TEST_DATABASE_URL"))
    }
    return {**environment, "PRECLEAR_INSTANCE_PATH": str(instance)}


@pytest.fixture(scope="module")
def recipe(tmp_path_factory):
    """The recipe serving through the proxy: ``(proxy port, instance folder)``."""
    if not redis_is_up():
        if os.environ.get("CI"):
            pytest.fail("Redis is not running on 127.0.0.1:6379", pytrace=False)
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    instance = tmp_path_factory.mktemp("recipe") / "instance"
    # Its own keys in the shared Redis, and an API limit a test reaches in a few requests.
    environment = instance_environment(
        instance,
        f"RATELIMIT_KEY_PREFIX = {'recipe-' + secrets.token_hex(4)!r}\n"
        f"API_RATE_LIMIT = '{API_LIMIT} per minute'\n",
    )
    port = free_port()
    *setup, serve = recipe_commands(port)
    for command in setup:
        subprocess.run(command, cwd=ROOT, env=environment, check=True, capture_output=True)  # noqa: S603
    log = (instance.parent / "gunicorn.log").open("wb")
    control = ["--control-socket", str(instance.parent / "gunicorn.ctl")]
    server = subprocess.Popen(  # noqa: S603
        [*serve, *control], cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(port, server)
        with ForwardingProxy(port) as proxy:
            yield proxy.port, instance
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _wait_for(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, f"gunicorn exited with {server.returncode}"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def evaluation() -> bytes:
    return json.dumps({"treatment": "pdo_smooth_threads", "answers": {}}).encode()


def test_each_client_has_its_own_rate_limit_shared_by_both_workers(recipe):
    proxy_port, _ = recipe
    first, second = ProxiedClient(proxy_port, "127.0.0.2"), ProxiedClient(proxy_port, "127.0.0.3")
    statuses = [first.post("/api/v1/evaluate", json_body=evaluation()).status_code for _ in "x" * 8]
    # Exactly the limit, though two workers answered: the count is Redis's, not each worker's.
    assert statuses.count(429) == 8 - API_LIMIT, statuses
    refused = first.post("/api/v1/evaluate", json_body=evaluation())
    assert refused.status_code == 429 and refused.headers.get("Retry-After")

    # Another client behind the same proxy is not refused for the first one's requests...
    assert second.post("/api/v1/evaluate", json_body=evaluation()).status_code == 422
    # ...and an address the first client writes in its own X-Forwarded-For gets it nothing.
    spoofed = first.post(
        "/api/v1/evaluate", json_body=evaluation(), headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert spoofed.status_code == 429


def test_the_audit_trail_records_each_clients_own_address(recipe):
    proxy_port, instance = recipe
    stranger = ProxiedClient(proxy_port, "127.0.0.4")
    refused = stranger.post(
        "/api/v1/invitations",
        json_body=b"{}",
        headers={"Authorization": "Bearer a-guessed-token", "X-Forwarded-For": "198.51.100.7"},
    )
    assert refused.status_code == 401
    addresses = _column(
        instance, "SELECT ip_address FROM audit_events WHERE object_type = ?", "api"
    )
    assert addresses == ["127.0.0.4"]


def test_the_consent_record_holds_the_patients_own_address(recipe):
    proxy_port, instance = recipe
    patient = Patient(ProxiedClient(proxy_port, "127.0.0.5"))
    response = patient.complete()
    assert response.status_code == 303, response.text[:500]
    assert _column(instance, "SELECT consent_ip FROM screenings") == ["127.0.0.5"]


def test_https_behind_the_proxy_gets_hsts_and_host_only_secure_cookies(recipe):
    proxy_port, _ = recipe
    patient = ProxiedClient(proxy_port, "127.0.0.6")
    page = patient.get("/intake/")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    started = patient.post("/intake/", data={"csrf_token": csrf_token(page.text)})
    cookies = started.headers.get_all("Set-Cookie") or page.headers.get_all("Set-Cookie")
    assert cookies and all(c.startswith("__Host-") and "; Secure" in c for c in cookies), cookies
    # The redirect names the address the patient used, not the server behind the proxy.
    assert started.location.startswith(("/", "https://screening.example-clinic.com/"))


def _column(instance: Path, query: str, *parameters) -> list:
    connection = sqlite3.connect(instance / "preclear.sqlite3")
    try:
        return [row[0] for row in connection.execute(query, parameters)]
    finally:
        connection.close()


# --- the recipe's refusals ---------------------------------------------------------------------


def test_the_app_refuses_to_start_with_the_default_public_url_and_secure_cookies(tmp_path):
    config = {"SECRET_KEY": "s" * 64, "INSTANCE_PATH": str(tmp_path / "instance")}
    with pytest.raises(RuntimeError, match="PUBLIC_URL is still http://127.0.0.1:5000"):
        create_app({**config, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert create_app({**config, "PUBLIC_URL": "https://screening.example-clinic.com"}).config[
        "SECURE_COOKIES"
    ]
    assert not create_app({**config, "SECURE_COOKIES": False}).config["SECURE_COOKIES"]


def test_gunicorn_refuses_several_workers_with_limits_in_memory(tmp_path):
    environment = instance_environment(
        tmp_path / "instance", "RATELIMIT_STORAGE_URI = 'memory://'\n"
    )
    *_, serve = recipe_commands(free_port())
    control = ["--control-socket", str(tmp_path / "gunicorn.ctl")]
    finished = subprocess.run(  # noqa: S603
        [*serve, *control], cwd=ROOT, env=environment, capture_output=True, timeout=60
    )
    assert finished.returncode != 0
    assert b"RATELIMIT_STORAGE_URI = memory://" in finished.stdout + finished.stderr
