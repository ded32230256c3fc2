"""the version of the consent text a screening's patient signed, beside its language and hash
(consent documents are released files, rules/treatments/<id>/consent.v<N>.<language>.md); every
screening stored before signed version 1, the only one there was

Revision ID: f5a1d2c3b4e6
Revises: e4b7c9a1f2d3
Create Date: 2026-12-07 19:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f5a1d2c3b4e6"
down_revision = "e4b7c9a1f2d3"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN with its default: no copy of the screenings table.
    op.add_column(
        "screenings",
        sa.Column("consent_version", sa.String(length=8), server_default="1", nullable=False),
    )


def downgrade():
    op.drop_column("screenings", "consent_version")
