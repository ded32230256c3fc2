"""an index of screenings by the address they were sent from and when: the per-address limit on
questionnaires sent counts them (intake.limits.submit_refusal)

Revision ID: b8d2e6f4a1c3
Revises: a7c4e2f9b1d0
Create Date: 2026-12-07 21:40:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "b8d2e6f4a1c3"
down_revision = "a7c4e2f9b1d0"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_screenings_sent_from", "screenings", ["consent_ip", "submitted_at"])


def downgrade():
    op.drop_index("ix_screenings_sent_from", table_name="screenings")
