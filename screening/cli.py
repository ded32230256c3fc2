"""Every command of ``flask --app screening``: ``init-db``, ``purge``, ``backup``, ``export``,
``staff ...``, ``audit ...``, ``invite create``, ``api-token ...``, ``reminders send`` and
``outbox send``. The app factory attaches them (``register_commands``).

Only the commands are here: their arguments, what they print and how they exit. What they do is
in the modules they call (``database``, ``retention``, ``backup``, ``records.exports``,
``auth``, ``audit``, ``outreach``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from rules import RULESETS

from .access import STAFF_ROLES
from .database import init_db
from .extensions import db
from .models import Status
from .records.exports import (
    DATE_FIELDS,
    FORMATS,
    OUTCOMES,
    ExportFilters,
    audit_export,
    clinic_timezone,
    export_to_file,
)

staff_cli = AppGroup("staff", help="Staff accounts. No account exists until one is created.")
audit_cli = AppGroup("audit", help="The audit trail.")
invite_cli = AppGroup("invite", help="Invitations to screen before an appointment.")
api_token_cli = AppGroup("api-token", help="Tokens for booking systems using the API.")
reminders_cli = AppGroup("reminders", help="Reminders timed to the rules' windows.")
outbox_cli = AppGroup("outbox", help="The emails waiting to be sent.")


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database tables."""
    init_db()
    click.echo("Database is up to date.")


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Delete or end what has outlived its time (cron, daily): unsubmitted drafts, patients'
    outcome links, old emails. Medical records are never touched."""
    from .retention import purge

    click.echo(purge().as_text())


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
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


_DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True)
@click.option("--from", "date_from", type=_DAY, required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "date_to", type=_DAY, required=True, help="Last day, YYYY-MM-DD.")
@click.option(
    "--date-field", type=click.Choice(DATE_FIELDS), default="submitted", show_default=True
)
@click.option("--outcome", type=click.Choice(OUTCOMES))
@click.option("--status", type=click.Choice(Status.ALL))
@click.option("--treatment", type=click.Choice(list(RULESETS)))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@with_appcontext
def export_command(fmt, date_from, date_to, date_field, outcome, status, treatment, out):
    """Export screenings to a file, for scheduled jobs; audited like a download."""
    try:
        filters = ExportFilters(
            date_field=date_field,
            date_from=date_from.date(),
            date_to=date_to.date(),
            outcome=outcome,
            status=status,
            treatment=treatment,
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--from/--to") from None
    rows = export_to_file(db.session(), fmt, filters, out, clinic_timezone())
    audit_export(fmt, rows, filters)
    click.echo(f"Wrote {rows} screening{'' if rows == 1 else 's'} to {out}.")


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


@invite_cli.command("create")
@click.option("--first-name", required=True)
@click.option("--last-name", required=True)
@click.option("--email", default="")
@click.option("--phone", default="")
@click.option("--treatment", required=True)
@click.option("--date", "appointment_date", required=True, help="YYYY-MM-DD")
@click.option("--time", "appointment_time", required=True, help="HH:MM")
def create_invitation_command(**fields):
    """Create an invitation and print its link (emailed too when SMTP is set up)."""
    from .outreach import invitations

    try:
        invitation, token = invitations.create_invitation(**fields, via="cli")
    except invitations.InvitationError as error:
        for field, messages in error.errors.items():
            click.echo(f"{field}: {messages[0]}", err=True)
        raise SystemExit(1) from None
    click.echo(invitations.invitation_url(token))  # first: it is the only copy of the token
    if invitations.email_queued(invitation):
        click.echo(f"Queued an email to {invitation.email}: the outbox sends it.", err=True)


@api_token_cli.command("create")
@click.option("--name", required=True, help="Which booking system uses it.")
def create_api_token_command(name: str):
    """Create a token and print it once; only its hash is kept."""
    from .outreach import invitations

    try:
        click.echo(invitations.create_api_token(name))
    except invitations.InvitationError as error:
        click.echo(error.errors["name"][0], err=True)
        raise SystemExit(1) from None


@api_token_cli.command("revoke")
@click.option("--name", required=True)
def revoke_api_token_command(name: str):
    """Revoke a token at once."""
    from .outreach import invitations

    if not invitations.revoke_api_token(name):
        click.echo(f"No token named {name}.", err=True)
        raise SystemExit(1)
    click.echo(f"Revoked {name}.")


@reminders_cli.command("send")
def send_reminders_command():
    """Queue today's reminders in the outbox (run daily from cron); none is ever queued twice.
    The outbox sender (``outbox send``) sends them."""
    from .clock import clinic_today
    from .outreach import mailer, reminders

    if not mailer.mail_enabled():
        due = reminders.due_reminders(clinic_today())
        click.echo(f"Email is not set up (MAIL_SERVER): {len(due)} reminders not sent.", err=True)
        raise SystemExit(1)
    queued = reminders.queue_due_reminders(clinic_today())
    click.echo(f"Queued {queued} reminders: the outbox sends them.")


@outbox_cli.command("send")
@click.option("--watch", is_flag=True, help="Keep sending, every few seconds (a service).")
@click.option("--interval", default=3.0, show_default=True, help="Seconds between rounds.")
def send_outbox_command(watch: bool, interval: float):
    """Send the emails that are due: once (cron, every minute), or with --watch as a service."""
    from .outreach import mailer, outbox

    if not mailer.mail_enabled():
        click.echo("Email is not set up (MAIL_SERVER): nothing can be sent.", err=True)
        # Beside `make run` without SMTP, the watcher simply has nothing to do.
        raise SystemExit(0 if watch else 1)
    if watch:
        senders = current_app.config["OUTBOX_SENDERS"]
        click.echo(
            f"Sending the outbox every {interval:g} s, {senders} at once; stop with Ctrl+C.",
            err=True,
        )
        outbox.watch_with_threads(current_app._get_current_object(), interval, senders)
        return
    counts = outbox.send_due()
    click.echo(
        f"Sent {counts.sent}, voided {counts.voided}, failed {counts.failed}; "
        f"{counts.retrying} to try again later."
    )


def register_commands(app: Flask) -> None:
    """Attach the app's commands to ``flask``."""
    for command in (
        init_db_command,
        purge_command,
        backup_command,
        staff_cli,
        audit_cli,
        export_command,
        invite_cli,
        api_token_cli,
        reminders_cli,
        outbox_cli,
    ):
        app.cli.add_command(command)
