"""a revision may share its record's document

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 17:00:00

A record imported from a bundle used to be written twice, as the record and as its first revision:
half an import's writing. Now the revision's document is NULL while it is the record's own, and the
store copies it in before the record's document changes (see `Revision` in models.py).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.alter_column("document", existing_type=_DOCUMENT, nullable=True)


def downgrade() -> None:
    # A shared revision takes its record's document again before the column may not be empty.
    op.execute(
        "UPDATE revisions SET document = (SELECT records.document FROM records "
        "WHERE records.id = revisions.record_id) WHERE document IS NULL"
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.alter_column("document", existing_type=_DOCUMENT, nullable=False)
