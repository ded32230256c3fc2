"""a screening sent without consent: the patient stopped once told the visit cannot go ahead
as booked, and was never asked to sign (its signature, text hash, version and time empty)

Revision ID: d1e5a7c3b9f2
Revises: c9e3f7a2b5d1
Create Date: 2026-12-08 00:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d1e5a7c3b9f2"
down_revision = "c9e3f7a2b5d1"
branch_labels = None
depends_on = None

COLUMNS = {
    "consent_signature": sa.String(length=200),
    "consent_text_hash": sa.String(length=64),
    "consent_signed_at": sa.DateTime(),
    "consent_version": sa.String(length=8),
}


def upgrade():
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        for name, kind in COLUMNS.items():
            batch_op.alter_column(name, existing_type=kind, nullable=True)


def downgrade():
    # A schema where every screening is signed cannot hold those that were not: refused, never
    # a made-up signature or a screening deleted.
    unsigned = op.get_bind().execute(
        sa.text("SELECT count(*) FROM screenings WHERE consent_signature IS NULL")
    )
    if unsigned.scalar_one():
        raise RuntimeError("Screenings sent without consent are stored: cannot downgrade.")
    with op.batch_alter_table("screenings", schema=None) as batch_op:
        for name, kind in COLUMNS.items():
            batch_op.alter_column(name, existing_type=kind, nullable=False)
