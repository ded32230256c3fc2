"""how findings end: the lifecycle of lifecycle.md applied to stored screenings

Revision ID: b7d2e9c41a65
Revises: 9f3c2a6d4b18
Create Date: 2026-12-07 10:00:00.000000

Adds what the lifecycle keeps (cancellations, notes verified for named findings, answers changed
after submission, the person's keys for linking screenings, comparisons) and derives every stored
screening's state under the new rules of ending:

- how each stored finding ends is read from its rule's data, as the app reads it;
- a finding "resolved" by a decision that cannot end it under its rule is open again, except a
  re-check finding resolved by an acknowledgement that moved the visit: it waits for the
  patient's fresh answer;
- a note verified before this change covers the findings already resolved with it (open
  note findings of its kind stay uncovered until a nurse verifies a note for them);
- the status is derived again, and every screening whose status changed is listed for a nurse
  (``status_changes``), soonest appointment first on its page.
"""

from datetime import UTC, datetime
from types import SimpleNamespace

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d2e9c41a65"
down_revision = "9f3c2a6d4b18"
branch_labels = None
depends_on = None

WHY = "How findings end (lifecycle.md) applied to screenings stored before it"


def upgrade():
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("date_of_birth", sa.Date(), nullable=True))
        for name, length in (("last_name_key", 100), ("email_key", 254), ("phone_key", 40)):
            batch_op.add_column(
                sa.Column(name, sa.String(length=length), server_default="", nullable=False)
            )
        batch_op.add_column(sa.Column("comparison", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch_op.create_index(
            "ix_screenings_person",
            ["date_of_birth", "last_name_key", "submitted_at", "id"],
            unique=False,
        )
        # Only screenings with a blocking finding: what a newer one is compared with.
        batch_op.create_index(
            "ix_screenings_person_flagged",
            ["date_of_birth", "last_name_key", "submitted_at", "id"],
            unique=False,
            sqlite_where=sa.text("outcome != 'clear'"),
            postgresql_where=sa.text("outcome != 'clear'"),
        )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("covers", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.alter_column("covers", server_default=None)
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("cancel_reason", sa.Text(), server_default="", nullable=False)
        )
    # A patient's re-check from their link is a decision with no member of staff.
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.alter_column("staff_id", existing_type=sa.Integer(), nullable=True)
    # The defaults only filled the rows already stored; new rows get theirs from the models.
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        for name in ("last_name_key", "email_key", "phone_key"):
            batch_op.alter_column(name, server_default=None)
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.alter_column("cancel_reason", server_default=None)

    op.create_table(
        "answer_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.String(length=64), nullable=False),
        sa.Column("old_value", sa.JSON(), nullable=True),
        sa.Column("new_value", sa.JSON(), nullable=True),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_answer_changes_screening_id_screenings"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_answer_changes_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff_users.id"], name=op.f("fk_answer_changes_staff_id_staff_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_answer_changes")),
    )
    with op.batch_alter_table("answer_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_answer_changes_screening_id"), ["screening_id"], unique=False
        )
    op.create_table(
        "status_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("status_before", sa.String(length=32), nullable=False),
        sa.Column("status_after", sa.String(length=32), nullable=False),
        sa.Column("why", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_status_changes_screening_id_screenings"),
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"],
            ["staff_users.id"],
            name=op.f("fk_status_changes_handled_by_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_changes")),
    )
    with op.batch_alter_table("status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_status_changes_screening_id"), ["screening_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_status_changes_handled_at"), ["handled_at"], unique=False
        )

    derive_stored_screenings(op.get_bind())


def derive_stored_screenings(connection) -> int:
    """Derive every stored screening's state under the rules of ending; returns how many
    screenings changed status (each listed in ``status_changes``)."""
    # Imported here: the rules' data and the lifecycle are what this migration applies.
    from rules import Ends
    from screening.lifecycle import (
        ACKNOWLEDGED,
        AWAITING_RECHECK,
        ENDED_BY_DECISION,
        RESOLVED,
        derive_status,
        endings,
    )
    from screening.people import person_columns

    screenings = sa.table(
        "screenings",
        sa.column("id", sa.Integer),
        sa.column("last_name", sa.String),
        sa.column("email", sa.String),
        sa.column("phone", sa.String),
        sa.column("answers", sa.JSON),
        sa.column("ruleset_id", sa.String),
        sa.column("ruleset_version", sa.String),
        sa.column("findings", sa.JSON),
        sa.column("finding_states", sa.JSON),
        sa.column("status", sa.String),
        sa.column("row_version", sa.Integer),
        sa.column("date_of_birth", sa.Date),
        sa.column("last_name_key", sa.String),
        sa.column("email_key", sa.String),
        sa.column("phone_key", sa.String),
    )
    notes = sa.table(
        "notes",
        sa.column("id", sa.Integer),
        sa.column("screening_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("verified_at", sa.DateTime),
        sa.column("covers", sa.JSON),
    )
    decisions = sa.table(
        "decisions",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("details", sa.JSON),
    )
    status_changes = sa.table(
        "status_changes",
        sa.column("screening_id", sa.Integer),
        sa.column("status_before", sa.String),
        sa.column("status_after", sa.String),
        sa.column("why", sa.String),
        sa.column("created_at", sa.DateTime),
    )
    moves = {
        row.id
        for row in connection.execute(
            sa.select(decisions.c.id, decisions.c.details).where(decisions.c.kind == "acknowledge")
        )
        if (row.details or {}).get("new_appointment_date")
    }
    notes_by_screening: dict[int, list] = {}
    for row in connection.execute(sa.select(notes)):
        notes_by_screening.setdefault(row.screening_id, []).append(row)
    now = datetime.now(UTC).replace(tzinfo=None)
    changed = 0
    for row in connection.execute(sa.select(screenings)).all():
        findings = row.findings
        ends = endings(row.ruleset_id, row.ruleset_version)
        states = {}
        for finding in findings:
            state = (row.finding_states or {}).get(finding["rule_id"])
            if state is None:
                continue
            way = ends(finding)
            if state.get("state") == ACKNOWLEDGED:
                states[finding["rule_id"]] = state  # the patient was told; it ends nothing
            elif state.get("state") == RESOLVED:
                if way in ENDED_BY_DECISION:
                    states[finding["rule_id"]] = state
                elif way is Ends.RECHECK and state.get("decision_id") in moves:
                    states[finding["rule_id"]] = {**state, "state": AWAITING_RECHECK}
        resolved = {rule_id for rule_id, s in states.items() if s["state"] == RESOLVED}
        kept_notes = []
        for note in notes_by_screening.get(row.id, []):
            covers = (
                [
                    f["rule_id"]
                    for f in findings
                    if f["rule_id"] in resolved
                    and ends(f) is Ends.NOTE
                    and f["clearance"] == note.kind
                ]
                if note.verified_at is not None
                else []
            )
            connection.execute(notes.update().where(notes.c.id == note.id).values(covers=covers))
            verified = note.verified_at is not None
            kept_notes.append(SimpleNamespace(kind=note.kind, verified=verified, covers=covers))
        status = derive_status(findings, states, kept_notes, ends)
        person = person_columns(row.last_name, row.email, row.phone, row.answers)
        connection.execute(
            screenings.update()
            .where(screenings.c.id == row.id)
            .values(
                finding_states=states,
                status=status,
                row_version=row.row_version + 1,
                **person,
            )
        )
        if status != row.status:
            changed += 1
            connection.execute(
                status_changes.insert().values(
                    screening_id=row.id,
                    status_before=row.status,
                    status_after=status,
                    why=WHY,
                    created_at=now,
                )
            )
    return changed


def downgrade():
    op.drop_table("status_changes")
    op.drop_table("answer_changes")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.alter_column("staff_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("cancel_reason")
        batch_op.drop_column("cancelled_at")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_column("covers")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_index("ix_screenings_person_flagged")
        batch_op.drop_index("ix_screenings_person")
        batch_op.drop_column("cancelled_at")
        batch_op.drop_column("comparison")
        for name in ("phone_key", "email_key", "last_name_key", "date_of_birth"):
            batch_op.drop_column(name)
