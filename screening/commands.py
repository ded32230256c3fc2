"""Command-line tools: ``flask --app screening init-db``."""

from __future__ import annotations

import click
from flask import Flask
from flask_migrate import upgrade


def init_db() -> None:
    """Bring the database up to the latest migration (safe to run again)."""
    upgrade()


def register_commands(app: Flask) -> None:
    """Attach the app's commands to ``flask``."""

    @app.cli.command("init-db")
    def init_db_command() -> None:
        """Create or upgrade the database tables."""
        init_db()
        click.echo("Database is up to date.")
