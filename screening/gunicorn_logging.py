"""gunicorn's access log without patients' link tokens (``gunicorn.conf.py`` selects it).

A token in a logged URL, or in the referrer of the stylesheet a page opened by its link asks
for, would open a patient's answers to anyone who can read the logs.
"""

from __future__ import annotations

from gunicorn.glogging import Logger

from .logs import redact


class RedactingLogger(Logger):
    """gunicorn's logger, with every link token in the access log's atoms replaced."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {
            key: redact(value) if isinstance(value, str) else value for key, value in atoms.items()
        }
