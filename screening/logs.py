"""Keep patients' link tokens out of the request logs."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"(/intake/(?:invite|resume|result)/)[A-Za-z0-9_\-]+")


def redact(text: str) -> str:
    """The text with every link token in a path replaced by ``[token]``."""
    return _TOKEN_IN_PATH.sub(r"\1[token]", text)


class RedactTokens(logging.Filter):
    """A log filter: a token in a logged URL would open a patient's answers."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def install_redaction() -> None:
    """Redact the development server's request log (once per process)."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
