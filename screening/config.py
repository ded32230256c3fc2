"""Configuration defaults; ``instance/config.py`` and the test mapping override them."""

from __future__ import annotations

import secrets
from pathlib import Path

PLACEHOLDER_SECRET_KEY = "change-me"  # noqa: S105  (refused at start-up)


class Defaults:
    """Settings a clinic can override in ``instance/config.py``."""

    SECRET_KEY = PLACEHOLDER_SECRET_KEY
    CLINIC_NAME = "Rumi Aesthetics"
    CLINIC_PHONE = "(909) 218-3993"
    CLINIC_ADDRESS = ""
    CLINIC_TIMEZONE = "America/Los_Angeles"


def write_instance_config(instance_path: Path) -> Path:
    """Create ``instance/config.py`` with a fresh random secret key, unless it exists."""
    instance_path.mkdir(parents=True, exist_ok=True)
    config_file = instance_path / "config.py"
    if not config_file.exists():
        config_file.write_text(
            "# Created on first start. Keep it secret; it is not in version control.\n"
            f"SECRET_KEY = {secrets.token_hex(32)!r}\n",
            encoding="utf-8",
        )
        config_file.chmod(0o600)
    return config_file
