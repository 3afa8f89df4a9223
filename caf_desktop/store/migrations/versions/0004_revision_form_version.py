"""revisions: the form version each revision was made with

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 00:40:00

A draft can now move to a newer version of its form (`records migrate`), and the move is undone by
restoring the revision before it. So each revision keeps the form version its document was made
with, and restoring it restores that version too. Existing revisions take their record's version:
until now a record's version changed only when a bundle brought a newer one, and then its earlier
revisions were never restored under another version.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("revisions", sa.Column("form_version", sa.String(40), nullable=True))
    revisions = sa.table(
        "revisions", sa.column("record_id", sa.Integer()), sa.column("form_version", sa.String())
    )
    records = sa.table("records", sa.column("id", sa.Integer()), sa.column("form_version", sa.String()))
    op.execute(
        revisions.update().values(
            form_version=sa.select(records.c.form_version)
            .where(records.c.id == revisions.c.record_id)
            .scalar_subquery()
        )
    )


def downgrade() -> None:
    op.drop_column("revisions", "form_version")
