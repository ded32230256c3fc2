"""Preclear's web app: the patient's questionnaire, and later the staff pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from .config import PLACEHOLDER_SECRET_KEY, Defaults, write_instance_config

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``instance/config.py``, then ``test_config``."""
    app = Flask(
        __name__,
        instance_path=str(PROJECT_ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.from_object(Defaults)
    if test_config is None:
        write_instance_config(Path(app.instance_path))
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    _refuse_placeholder_secret(app)

    register_blueprints(app)
    return app


def _refuse_placeholder_secret(app: Flask) -> None:
    key = app.config.get("SECRET_KEY")
    if (not key or key == PLACEHOLDER_SECRET_KEY) and not (app.debug or app.testing):
        raise RuntimeError("SECRET_KEY is missing or a placeholder: set it in instance/config.py")


def register_blueprints(app: Flask) -> None:
    """Attach one blueprint per kind of user."""
    from .public import bp as public_bp

    app.register_blueprint(public_bp)
