"""consent language

Revision ID: 177774bfee26
Revises: 0bcc842f41f5
Create Date: 2026-11-26 10:13:07.156695

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "177774bfee26"
down_revision = "0bcc842f41f5"
branch_labels = None
depends_on = None


def upgrade():
    # Every screening signed before Spanish was offered was signed in English.
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consent_language", sa.String(length=8), server_default="en", nullable=False)
        )


def downgrade():
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        batch_op.drop_column("consent_language")
