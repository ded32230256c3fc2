"""the indexes of screenings by status, outcome and treatment alone dropped: the queue's
indexes lead with the status and hold the others, and every submit wrote a page to each

Revision ID: c9e3f7a2b5d1
Revises: b8d2e6f4a1c3
Create Date: 2026-12-07 22:30:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "c9e3f7a2b5d1"
down_revision = "b8d2e6f4a1c3"
branch_labels = None
depends_on = None

DROPPED = {
    "ix_screenings_status": ["status"],
    "ix_screenings_outcome": ["outcome"],
    "ix_screenings_treatment": ["treatment"],
}


def upgrade():
    for name in DROPPED:
        op.drop_index(name, table_name="screenings")


def downgrade():
    for name, columns in DROPPED.items():
        op.create_index(name, "screenings", columns)
