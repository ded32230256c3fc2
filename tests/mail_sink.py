"""A local SMTP server for the tests (aiosmtpd on 127.0.0.1) that keeps what it is sent."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy


class MailSink:
    """An SMTP server's handler that keeps every message it is sent."""

    port: int

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802  (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self):
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def texts(self) -> list[str]:
        return [f"{m['Subject']}\n{m.get_content()}" for m in self.messages]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send_outbox(app):
    """Run the outbox sender once, as cron does (``flask outbox send``); returns its result."""
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    return result
