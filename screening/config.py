"""Configuration defaults; ``instance/config.py`` and the test mapping override them."""

from __future__ import annotations

import secrets
from pathlib import Path

from .private_files import private_file, private_folder

PLACEHOLDER_SECRET_KEY = "change-me"  # noqa: S105  (refused at start-up)


class Defaults:
    """Settings a clinic can override in ``instance/config.py``."""

    SECRET_KEY = PLACEHOLDER_SECRET_KEY
    CLINIC_NAME = "Rumi Aesthetics"
    CLINIC_PHONE = "(909) 218-3993"
    CLINIC_ADDRESS = ""
    CLINIC_TIMEZONE = "America/Los_Angeles"
    # The days the clinic sees patients: a new date offered to a patient after a reschedule
    # is the first of them the rules allow (``clinic_calendar``). Day names in English, and
    # dates (YYYY-MM-DD) the clinic is closed all the same, such as holidays.
    CLINIC_OPENING_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
    CLINIC_CLOSED_DATES: tuple[str, ...] = ()
    # Where a patient's request for a new date is emailed (a link to the screening, nothing
    # more); None: MAIL_FROM, the clinic's own address.
    CLINIC_EMAIL = None

    # Retention (README, "What is kept, and for how long"). Unsubmitted drafts, answers
    # included, are deleted this long after their link expired and their last change:
    DRAFT_LIFETIME_DAYS = 7
    # A patient's outcome link, and the uploads it takes, stop working this long after the
    # appointment; the screening stays in the records for staff.
    OUTCOME_LINK_DAYS = 30
    # Emails done with (sent, failed, voided) are kept this long for the outbox page.
    OUTBOX_KEEP_DAYS = 90
    # Screenings, notes, decisions and the audit trail are medical records: kept at least this
    # long (HIPAA keeps documentation 6 years; the clinic's state may ask more), never deleted
    # by the app. `flask purge` reports how many are older.
    RECORD_RETENTION_YEARS = 6
    API_RATE_LIMIT = "60 per minute"
    # What anyone may do without signing in, per address (``intake/limits.py``; a refusal is
    # a 429 page saying what was refused, and an audit row). A clinic's Wi-Fi or a mobile
    # carrier's shared address puts many patients behind one address, so each is several
    # times what a busy clinic's patients need in an hour (a patient starts one questionnaire,
    # sends it once or again after a mistake, and uploads a note or two) and far below what a
    # script would do. A valid invitation link starts its questionnaire whatever the count.
    PATIENT_DRAFT_RATE_LIMIT = "20 per hour"
    PATIENT_SUBMIT_RATE_LIMIT = "20 per hour"
    PATIENT_UPLOAD_RATE_LIMIT = "30 per hour"
    # Per address and day: at most 1 GB of 10 MB files from one address (a day's patients
    # behind it send a note or two each).
    PATIENT_UPLOAD_DAILY_LIMIT = "100 per day"
    # Per screening, counted in the database (every worker agrees, and no address can use up
    # another patient's uploads): a note of a few pages, photographed again once. Ten files
    # in all (``clearance.MAX_PATIENT_UPLOADS``).
    PATIENT_UPLOADS_PER_SCREENING_PER_DAY = 6
    # "Email me this link", per address (and 3 an hour per questionnaire): the clinic's mail
    # server must not become anyone's mailer.
    PATIENT_EMAIL_LINK_RATE_LIMIT = "10 per hour"
    RATELIMIT_STORAGE_URI = "memory://"
    # No X-RateLimit-* headers on every limited response: with Redis they cost two more round
    # trips a request, which the submit benchmark's goal (at least 0.7 of its baseline) cannot
    # spare. A refusal still says when to try again (Retry-After, ``errors._with_retry_after``).
    RATELIMIT_HEADERS_ENABLED = False

    # A patient may take longer than an hour over a page; the token lives as long as the session.
    WTF_CSRF_TIME_LIMIT = None
    # Every page says Referrer-Policy: no-referrer (a link token must never travel in a
    # Referer), so browsers send no Referer for Flask-WTF's HTTPS referrer check to compare:
    # the session-bound CSRF token and SameSite=Lax cookies do that job.
    WTF_CSRF_SSL_STRICT = False
    # Our validators write their own messages (translated by Flask-Babel); loading WTForms'
    # message catalogue on every form would cost about half a millisecond a request.
    WTF_I18N_ENABLED = False
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Secure, __Host- cookies (screening/security.py). Off only to serve plain http on this
    # machine: `make run` sets PRECLEAR_SECURE_COOKIES=false.
    SECURE_COOKIES = True
    # Behind a reverse proxy that sets X-Forwarded-For/-Proto: how many proxies to trust.
    TRUSTED_PROXIES = 0
    # hide_parameters: a database error must never write patient answers into the logs.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    # Room for a 10 MB clearance note, so an 11 MB one gets a plain message, not a bare 413.
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024

    STAFF_IDLE_MINUTES = 15
    STAFF_SESSION_HOURS = 8
    # Failed sign-ins (a wrong password or code) are counted over a moving window in the
    # limiter's storage (RATELIMIT_STORAGE_URI: Redis shares the counts between workers); past
    # a limit the next attempt is refused, 429 with Retry-After, before any password is
    # checked. Nothing locks: an attacker cannot keep the owner out, whose own browser (the
    # device cookie of a full sign-in there) the account-wide count never holds back.
    SIGNIN_FAILURES_PER_ACCOUNT_ADDRESS = "5 per 15 minutes"
    SIGNIN_FAILURES_PER_ADDRESS = "30 per 15 minutes"  # a clinic's staff share one address
    SIGNIN_FAILURES_PER_ACCOUNT = "20 per hour"  # from anywhere but the owner's own browsers
    SIGNIN_DEVICE_DAYS = 180  # how long a browser's device cookie counts
    # Two-step verification (TOTP): required of these roles, optional for the others.
    MFA_REQUIRED_ROLES = ("manager", "admin")
    MFA_PENDING_MINUTES = 10  # from the right password to the code (or the set-up)
    MFA_RECOVERY_CODES = 10
    UPLOAD_FOLDER = None  # instance/uploads
    # The audit trail's key (screening/audit/key.py): None is instance/audit.key. Keep a copy
    # apart from the database's backups; the app refuses to start without it once rows exist.
    AUDIT_KEY_FILE = None
    # Where the audit chain's head goes after each commit (screening/audit/anchor.py): None is
    # instance/audit.anchor; a path (a shared one for several hosts); "syslog:" or
    # "syslog:HOST:PORT"; or a list of a path and a syslog entry.
    AUDIT_ANCHOR = None

    PUBLIC_URL = "http://127.0.0.1:5000"  # how patients reach the app, for links in emails
    INVITATION_LIFETIME_DAYS = 14  # or until the appointment, whichever comes first
    MAIL_SERVER = None  # no SMTP: staff see the links and send them by hand
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_FROM = "clinic@localhost"
    # How long a sender holds a message it claimed before another may send it (``outbox``):
    # longer than the SMTP timeout, with room to record the result.
    OUTBOX_LEASE_SECONDS = 120
    OUTBOX_SENDERS = 4  # messages `outbox send --watch` sends at once, each on its own thread


def write_instance_config(instance_path: Path) -> Path:
    """Create ``instance/config.py`` with a fresh random secret key, unless it exists; it is
    created 0600 in a 0700 folder, never readable by others even for a moment."""
    private_folder(instance_path)
    config_file = instance_path / "config.py"
    if not config_file.exists():
        private_file(config_file).write_text(
            "# Created on first start. Keep it secret; it is not in version control.\n"
            f"SECRET_KEY = {secrets.token_hex(32)!r}\n",
            encoding="utf-8",
        )
    return config_file
