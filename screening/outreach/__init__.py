"""Reaching patients: every email the clinic sends, the invitation links, the reminders, the
outbox and its sender.

- ``invitations``: invitations to screen before a booked appointment (their single-use links),
  and the API tokens booking systems create them with.
- ``reminders``: reminders timed to the rules' windows, queued in the outbox.
- ``outbox``: every email is first a row, written with the change that causes it; the sender
  (``flask --app screening outbox send``) sends it later, outside any request or transaction.
- ``mailer``: the clinic's SMTP server, which only the outbox's sender talks to.
"""
