"""Command-line tools for reaching patients: invitations, API tokens, reminders, the outbox."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

invite_cli = AppGroup("invite", help="Invitations to screen before an appointment.")
api_token_cli = AppGroup("api-token", help="Tokens for booking systems using the API.")
reminders_cli = AppGroup("reminders", help="Reminders timed to the rules' windows.")
outbox_cli = AppGroup("outbox", help="The emails waiting to be sent.")


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
