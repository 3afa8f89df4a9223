"""safeguarding: acknowledgements of the banner, and the case list's flag

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 15:30:00

A record whose document has a cause for the safeguarding banner is flagged in the case list
(`records.safeguarding`), and each acknowledgement of the banner is kept per record and version,
with who and when (`safeguarding_acknowledgements`). Stored records are flagged from the suggested
level the store already keeps: with the shipped rules a suggestion of level 4 comes from a level-4
indicator or the immediate-danger answer, exactly the banner's causes today.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch on SQLite would copy the records table and drop the
    # old one, which the foreign keys of revisions and consents do not allow.
    op.add_column(
        "records", sa.Column("safeguarding", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    records = sa.table(
        "records", sa.column("safeguarding", sa.Boolean()), sa.column("suggested_level", sa.Integer())
    )
    op.execute(records.update().where(records.c.suggested_level == 4).values(safeguarding=True))
    op.create_index("ix_records_safeguarding", "records", ["safeguarding", "case_id"], unique=False)
    op.create_table(
        "safeguarding_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("causes", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["record_id"], ["records.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("safeguarding_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safeguarding_acknowledgements_record_id"), ["record_id"], unique=False
        )


def downgrade() -> None:
    # Going back loses the acknowledgements (an older app has nowhere to keep them); the audit trail
    # still says who acknowledged which version, and when.
    with op.batch_alter_table("safeguarding_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safeguarding_acknowledgements_record_id"))
    op.drop_table("safeguarding_acknowledgements")
    op.drop_index("ix_records_safeguarding", table_name="records")
    # Plain ALTER TABLE again (SQLite has DROP COLUMN since 3.35), for the reason `upgrade` gives.
    op.drop_column("records", "safeguarding")
