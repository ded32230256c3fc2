"""new date requests: a patient asks for a new date from a reschedule's outcome page

Revision ID: 4c2a9e7d1b38
Revises: d1e5a7c3b9f2
Create Date: 2026-12-08 00:10:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "4c2a9e7d1b38"
down_revision = "d1e5a7c3b9f2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "new_date_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("screening_id", sa.Integer(), nullable=False),
        sa.Column("preferred_times", sa.Text(), nullable=False),
        sa.Column("contact_by", sa.String(length=8), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["done_by_id"],
            ["staff_users.id"],
            name=op.f("fk_new_date_requests_done_by_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["screening_id"],
            ["screenings.id"],
            name=op.f("fk_new_date_requests_screening_id_screenings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_new_date_requests")),
    )
    with op.batch_alter_table("new_date_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_new_date_requests_screening_id"), ["screening_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("new_date_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_new_date_requests_screening_id"))
    op.drop_table("new_date_requests")
