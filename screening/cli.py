"""Command-line tools: ``flask --app screening init-db | staff ... | audit verify``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from .access import STAFF_ROLES
from .database import init_db
from .extensions import db

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
    """Check the audit trail's rows, order, count and anchor; exits 1 naming the first row
    altered, inserted or removed (rows not yet anchored are reported, exit 0)."""
    from .audit.key import audit_trail
    from .audit.verify import verify_database

    report = verify_database()
    for note in report.notes:
        click.echo(note, err=True)
    if report.problem is not None:
        where = f" at row {report.problem.row_id}" if report.problem.row_id is not None else ""
        click.echo(f"Audit trail broken{where}: {report.problem.problem}.", err=True)
        raise SystemExit(1)
    if audit_trail().key is None:
        click.echo(
            f"All {report.rows} rows verify as written before audit keys (plain SHA-256): "
            "to adopt a key for them, run flask --app screening audit adopt-key.",
            err=True,
        )
        raise SystemExit(1)
    keyed = report.rows - report.legacy_rows
    legacy = f", {report.legacy_rows} of them written before the key" if report.legacy_rows else ""
    click.echo(f"Audit trail intact: {report.rows} rows ({keyed} keyed{legacy}).")
    click.echo(f"Head: row {report.last_id}, MAC {report.last_mac}.")
    if report.anchored is not None:
        click.echo(f"Anchored: {report.anchored.rows} rows, up to row {report.anchored.last_id}.")
    if report.unanchored:
        click.echo(
            f"Not yet anchored: {report.unanchored} rows after row {report.anchored.last_id} "
            "(committed, their anchor not yet written: a crash between the two, or a commit "
            "under way; the next commit anchors them). Not a sign of tampering."
        )


@audit_cli.command("adopt-key")
def adopt_key_command():
    """Once, for a trail written before audit keys: make the key; the rows so far stay
    unkeyed (they must verify), every later row is keyed. Audited."""
    from .audit.verify import AuditTrailRefused, adopt_key

    try:
        report = adopt_key()
    except AuditTrailRefused as refused:
        click.echo(str(refused), err=True)
        raise SystemExit(1) from None
    click.echo(
        f"Audit key made; the {report.rows} rows written before it verify as unkeyed, every "
        "row from now on is keyed. Keep a copy of the key apart from the backups (README)."
    )


@audit_cli.command("reanchor")
def reanchor_command():
    """Anchor the trail at its stored head, after restoring a backup or moving the anchor:
    the chain must verify. Audited."""
    from .audit.verify import AuditTrailRefused, reanchor

    try:
        old, report = reanchor()
    except AuditTrailRefused as refused:
        click.echo(str(refused), err=True)
        raise SystemExit(1) from None
    held = "nothing readable" if old is None else f"{old.rows} rows up to row {old.last_id}"
    click.echo(f"Anchor set at {report.rows} rows up to row {report.last_id} (it held {held}).")


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
        from . import audit
        from .audit.key import audit_trail

        audit.record(
            audit.Action.BACKUP,
            object_type="database",
            detail=f"tables={len(report.row_counts)} rows={sum(report.row_counts.values())}",
        )
        db.session.commit()
        click.echo(f"Backup written to {report.path} (SHA-256 {report.sha256}).")
        for table, count in report.row_counts.items():
            click.echo(f"  {table}: {count} rows")
        click.echo(
            f"The audit key ({audit_trail().key_path}) is not in the backup: keep its copy "
            "apart from backups (README, 'The audit trail's key and anchor')."
        )

    app.cli.add_command(staff_cli)
    app.cli.add_command(audit_cli)

    from .records.exports import export_command

    app.cli.add_command(export_command)

    from .outreach_cli import api_token_cli, invite_cli, outbox_cli, reminders_cli

    app.cli.add_command(invite_cli)
    app.cli.add_command(api_token_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(outbox_cli)
