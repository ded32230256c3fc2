"""Command-line tools: ``flask --app screening init-db | staff ... | audit verify``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate import upgrade

from .access import STAFF_ROLES
from .extensions import db


def init_db() -> None:
    """Bring the database up to the latest migration (safe to run again)."""
    upgrade()


staff_cli = AppGroup("staff", help="Staff accounts. No account exists until one is created.")
audit_cli = AppGroup("audit", help="The audit trail.")


@staff_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", required=True, multiple=True, type=click.Choice(STAFF_ROLES))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_staff_command(email: str, name: str, roles: tuple[str, ...], password_stdin: bool):
    """Create a staff account; asks for its password."""
    from .auth.service import AccountError, create_staff

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_staff(email, name, list(roles), password)
    except AccountError as error:
        for field, message in error.errors.items():
            click.echo(f"{field}: {message}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Created {user.email} ({user.roles}).")


@staff_cli.command("deactivate")
@click.option("--email", required=True)
def deactivate_staff_command(email: str):
    """Switch an account off; its sessions end at once."""
    from .auth.service import find_staff, set_active

    user = find_staff(email)
    if user is None:
        click.echo(f"No account for {email}.", err=True)
        raise SystemExit(1)
    set_active(user, False)
    click.echo(f"Deactivated {user.email}.")


@staff_cli.command("reset-mfa")
@click.option("--email", required=True)
def reset_mfa_command(email: str):
    """Take two-step verification off an account (a lost phone): its sessions end, and it sets
    the app up again at its next sign-in when its role needs it. Audited."""
    from .auth.mfa import reset
    from .auth.service import find_staff

    user = find_staff(email)
    if user is None:
        click.echo(f"No account for {email}.", err=True)
        raise SystemExit(1)
    had = user.has_mfa
    reset(user)
    click.echo(f"Two-step verification reset for {user.email}{'' if had else ' (it was off)'}.")


@staff_cli.command("list")
def list_staff_command():
    """Every account, its roles and whether it is on."""
    from sqlalchemy import select

    from .models import StaffUser

    for user in db.session.scalars(select(StaffUser).order_by(StaffUser.email)):
        click.echo(f"{user.email}\t{user.roles}\t{'active' if user.active else 'deactivated'}")


@audit_cli.command("verify")
def verify_audit_command():
    """Check the audit trail's hash chain; exits 1 at the first altered or removed row."""
    from .audit import verify_database

    count, problem = verify_database()
    if problem is not None:
        click.echo(f"Audit trail broken at row {problem.row_id}: {problem.problem}.", err=True)
        raise SystemExit(1)
    click.echo(f"Audit trail intact: {count} rows.")


def register_commands(app: Flask) -> None:
    """Attach the app's commands to ``flask``."""

    @app.cli.command("init-db")
    def init_db_command() -> None:
        """Create or upgrade the database tables."""
        init_db()
        click.echo("Database is up to date.")

    @app.cli.command("purge")
    def purge_command() -> None:
        """Delete or end what has outlived its time (cron, daily): unsubmitted drafts, patients'
        outcome links, old emails. Medical records are never touched."""
        from .retention import purge

        click.echo(purge().as_text())

    @app.cli.command("backup")
    @click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
    def backup_command(target: Path) -> None:
        """Write an online backup of the SQLite database to TARGET (a new file)."""
        from .backup import BackupRefused, backup_sqlite

        url = db.engine.url
        if url.get_backend_name() != "sqlite":
            click.echo(
                "The backup command copies SQLite databases. For PostgreSQL use pg_dump "
                "(for example: pg_dump --format=custom --file=preclear.dump DATABASE).",
                err=True,
            )
            raise SystemExit(2)
        try:
            report = backup_sqlite(Path(url.database), target)
        except BackupRefused as refused:
            click.echo(str(refused), err=True)
            raise SystemExit(1) from None
        click.echo(f"Backup written to {report.path} (SHA-256 {report.sha256}).")
        for table, count in report.row_counts.items():
            click.echo(f"  {table}: {count} rows")

    app.cli.add_command(staff_cli)
    app.cli.add_command(audit_cli)

    from .exports import export_command

    app.cli.add_command(export_command)

    from .outreach_cli import api_token_cli, invite_cli, outbox_cli, reminders_cli

    app.cli.add_command(invite_cli)
    app.cli.add_command(api_token_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(outbox_cli)
