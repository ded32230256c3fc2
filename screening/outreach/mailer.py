"""Email through the clinic's SMTP server, when one is configured.

Messages carry names, dates and links only: never an answer or a finding. Every message goes
through the outbox (``outbox``), which calls ``send_message`` outside any transaction.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app


def mail_enabled() -> bool:
    """Whether SMTP settings are present; without them staff send links by hand."""
    return bool(current_app.config.get("MAIL_SERVER"))


@dataclass(frozen=True)
class Outgoing:
    """One message as the mail server gets it."""

    to: str
    subject: str
    body: str
    message_id: str


def send_message(outgoing: Outgoing) -> None:
    """Send a plain-text message; raises ``OSError``/``smtplib.SMTPException`` on failure.

    Only the outbox calls this (``outbox``), with no transaction open.
    """
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = outgoing.to
    message["Subject"] = outgoing.subject
    message["Message-ID"] = outgoing.message_id
    message["Date"] = formatdate(localtime=False)
    message.set_content(outgoing.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
