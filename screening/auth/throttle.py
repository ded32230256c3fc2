"""Failed sign-ins, throttled so that guessing is slow and nobody can lock the owner out.

A failure (a wrong password, a wrong code) counts in three moving windows: this account from
this address, this address whatever the account, and this account from anywhere. Past one of
them the next attempt is refused before any password is checked, with how long to wait; a
window that moves on lets attempts through again. Nothing is ever locked: the account-wide
count, the only one an attacker elsewhere can run up, never holds back a browser holding the
account's device cookie (set at each full sign-in there), so an outsider's failures from any
number of addresses do not keep the owner from signing in on their own computer.

The counts live in the rate limiter's storage (``RATELIMIT_STORAGE_URI``, the ``limits``
library as Flask-Limiter uses it): Redis shares them between workers and hosts. They are counted
whatever ``RATELIMIT_ENABLED`` says, which only switches off Flask-Limiter's limits. Accounts are
named in the storage by a hash of the address typed, so an unknown address is counted like a
real one and no email address is written there.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from dataclasses import dataclass

from flask import Flask, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse
from limits.storage import MovingWindowSupport, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter
from werkzeug.wrappers import Response

from ..clock import utcnow

ACCOUNT_AND_ADDRESS = "account and address"
ADDRESS = "address"
ACCOUNT = "account"
_SETTINGS = {
    ACCOUNT_AND_ADDRESS: "SIGNIN_FAILURES_PER_ACCOUNT_ADDRESS",
    ADDRESS: "SIGNIN_FAILURES_PER_ADDRESS",
    ACCOUNT: "SIGNIN_FAILURES_PER_ACCOUNT",
}
DEVICE_COOKIE = "preclear_device"
DEVICE_COOKIE_SECURE = "__Host-preclear_device"  # Secure, this host only, every path
_DEVICE_SALT = "staff-device"
_DEVICES_KEPT = 10  # accounts one browser remembers (a clinic's shared computer)
_lock = threading.Lock()


@dataclass(frozen=True)
class Refusal:
    """An attempt refused: which count is full, and in how many seconds it lets one through."""

    count: str
    retry_after: int


def rate_limiter(app: Flask | None = None) -> RateLimiter:
    """This app's limiter of failed sign-ins, on the storage the rate limits use."""
    app = app or current_app._get_current_object()
    limiter = app.extensions.get("signin_throttle")
    if limiter is None:
        with _lock:
            limiter = app.extensions.get("signin_throttle")
            if limiter is None:
                storage = storage_from_string(
                    app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
                    **app.config.get("RATELIMIT_STORAGE_OPTIONS", {}),
                )
                # A moving window where the storage keeps one (memory, Redis): never twice the
                # limit across a window's edge.
                moving = isinstance(storage, MovingWindowSupport)
                strategy = MovingWindowRateLimiter if moving else FixedWindowRateLimiter
                limiter = app.extensions["signin_throttle"] = strategy(storage)
    return limiter


def _counts(email: str, trusted_device: bool) -> list[tuple[str, tuple[str, ...]]]:
    """(count, identifiers) of each count that applies to an attempt on ``email`` from here."""
    config = current_app.config
    account = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    address = request.remote_addr or ""
    prefix = (config.get("RATELIMIT_KEY_PREFIX") or "", "signin-failures")
    counts = [
        (ACCOUNT_AND_ADDRESS, (*prefix, "account-address", account, address)),
        (ADDRESS, (*prefix, "address", address)),
    ]
    if not trusted_device:
        counts.append((ACCOUNT, (*prefix, "account", account)))
    return counts


def _limit(count: str):
    return parse(current_app.config[_SETTINGS[count]])


def refusal(email: str, trusted_device: bool) -> Refusal | None:
    """Whether an attempt on ``email`` from this request's address must wait, and how long."""
    limiter = rate_limiter()
    full = []
    for count, identifiers in _counts(email, trusted_device):
        item = _limit(count)
        if not limiter.test(item, *identifiers):
            reset, _ = limiter.get_window_stats(item, *identifiers)
            wait = min(max(math.ceil(reset - time.time()), 1), item.get_expiry())
            full.append(Refusal(count, wait))
    return max(full, key=lambda refused: refused.retry_after, default=None)


def count_failure(email: str, trusted_device: bool) -> None:
    """Count a wrong password or code on ``email`` from this request's address."""
    limiter = rate_limiter()
    for count, identifiers in _counts(email, trusted_device):
        limiter.hit(_limit(count), *identifiers)


def wait_in_words(seconds: int) -> str:
    """When to try again, in words, rounded up: "1 minute", "15 minutes", "2 hours"."""
    minutes = math.ceil(seconds / 60)
    if minutes <= 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = math.ceil(minutes / 60)
    return f"{hours} hour{'s' if hours != 1 else ''}"


# --- the device cookie -------------------------------------------------------------------------


def _device_cookie_name() -> str:
    return DEVICE_COOKIE_SECURE if current_app.config["SECURE_COOKIES"] else DEVICE_COOKIE


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_DEVICE_SALT)


def _remembered() -> list[tuple[int, int]]:
    """(account id, when its full sign-in here was, as a Unix time) from this browser's device
    cookie, newest first; nothing when it is missing, altered or signed with another key."""
    value = request.cookies.get(_device_cookie_name())
    if not value:
        return []
    try:
        entries = _serializer().loads(value)
    except BadSignature:
        return []
    if not isinstance(entries, list):
        return []
    return [
        (entry[0], entry[1])
        for entry in entries
        if isinstance(entry, list) and len(entry) == 2 and all(type(n) is int for n in entry)
    ]


def trusted_device(user_id: int | None) -> bool:
    """Whether this browser holds a valid device cookie for the account ``user_id``."""
    if user_id is None:
        return False
    oldest = utcnow().timestamp() - current_app.config["SIGNIN_DEVICE_DAYS"] * 86400
    return any(account == user_id and at >= oldest for account, at in _remembered())


def remember_device(response: Response, user_id: int) -> None:
    """After a full sign-in (password, and code when the account has one): the long-lived
    signed cookie that tells the account-wide count this browser is the owner's."""
    now = int(utcnow().timestamp())
    entries = [[user_id, now]] + [[a, at] for a, at in _remembered() if a != user_id]
    secure = current_app.config["SECURE_COOKIES"]
    response.set_cookie(
        _device_cookie_name(),
        _serializer().dumps(entries[:_DEVICES_KEPT]),
        max_age=current_app.config["SIGNIN_DEVICE_DAYS"] * 86400,
        path="/",
        secure=secure,
        httponly=True,
        samesite="Lax",
    )
