"""each stored finding's patient text by its message id and values (rules/messages.py), so that
it is worded again in any language without evaluating the answers again: given to the findings
stored before, from their answers evaluated again

Downgrading removes every finding's message, those written at submit too; upgrading again gives
back only those it can derive (the others keep their stored English text).

Revision ID: a7c4e2f9b1d0
Revises: f5a1d2c3b4e6
Create Date: 2026-12-07 20:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "a7c4e2f9b1d0"
down_revision = "f5a1d2c3b4e6"
branch_labels = None
depends_on = None

# A finding evaluated again gives its message only if it is the same finding (its words may
# have been mended since: the message words it as the rules do now, as the outcome page did).
SAME_FINDING = ("outcome", "clearance", "earliest_date", "answers")

_SCREENINGS = sa.table(
    "screenings",
    sa.column("id", sa.Integer),
    sa.column("ruleset_id", sa.String),
    sa.column("ruleset_version", sa.String),
    sa.column("appointment_date", sa.Date),
    sa.column("answers", sa.JSON),
    sa.column("questions_not_asked", sa.JSON),
    sa.column("findings", sa.JSON),
    sa.column("submitted_at", sa.DateTime),
)


def upgrade():
    give_stored_findings_their_messages(op.get_bind())


def give_stored_findings_their_messages(connection) -> int:
    """Add its message to every stored finding that its screening's answers, evaluated again,
    give again; returns how many findings got one. A
    finding that cannot be given one keeps its stored English text, in every language."""
    # Imported here: the rules' data are what this migration applies.
    from rules import AnswerError, evaluate
    from screening.lifecycle import stored_findings

    given = 0
    for row in connection.execute(sa.select(_SCREENINGS)).all():
        if all("message" in finding for finding in row.findings):
            continue
        try:
            result = evaluate(
                treatment=row.ruleset_id,
                appointment_date=row.appointment_date,
                answers=row.answers,
                # Seen on the appointment day: answers given after the submit (at check-in)
                # stay dates in the past, and no finding depends on the day it is evaluated.
                today=row.appointment_date,
                version=row.ruleset_version,
                not_asked=row.questions_not_asked or (),
            )
        except (AnswerError, KeyError):
            continue
        again = {finding["rule_id"]: finding for finding in stored_findings(result)}
        findings = []
        for finding in row.findings:
            fresh = again.get(finding["rule_id"])
            same = fresh is not None and all(fresh[key] == finding[key] for key in SAME_FINDING)
            if same and "message" not in finding:
                finding = {**finding, "message": fresh["message"]}
                given += 1
            findings.append(finding)
        if findings != row.findings:
            connection.execute(
                sa.update(_SCREENINGS).where(_SCREENINGS.c.id == row.id).values(findings=findings)
            )
    return given


def downgrade():
    connection = op.get_bind()
    for row in connection.execute(sa.select(_SCREENINGS.c.id, _SCREENINGS.c.findings)).all():
        findings = [
            {key: value for key, value in finding.items() if key != "message"}
            for finding in row.findings
        ]
        if findings != row.findings:
            connection.execute(
                sa.update(_SCREENINGS).where(_SCREENINGS.c.id == row.id).values(findings=findings)
            )
