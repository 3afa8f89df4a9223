"""initial store

Revision ID: 0001
Revises:
Create Date: 2026-11-26 12:44:21.843722
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_record_uuid"), ["record_uuid"], unique=False)

    op.create_table(
        "children",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("given_names", sa.String(length=200), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("family_key", sa.String(length=200), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("expected_date", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=20), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.create_index("ix_children_family_dob", ["family_key", "date_of_birth"], unique=False)

    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("lead_professional", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("agreed_level", sa.Integer(), nullable=True),
        sa.Column("opened", sa.Date(), nullable=False),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.Column("closed", sa.Date(), nullable=True),
        sa.Column("attention", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_child_id"), ["child_id"], unique=False)

    op.create_table(
        "records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("form_version", sa.String(length=40), nullable=False),
        sa.Column("definition_digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("autosaved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("child_name", sa.Text(), nullable=False),
        sa.Column("search_key", sa.Text(), nullable=False),
        sa.Column("child_dob", sa.Date(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("suggested_level", sa.Integer(), nullable=True),
        sa.Column("lead_professional", sa.String(length=200), nullable=True),
        sa.Column("next_review", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_records_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            "ix_records_list",
            ["deleted_at", "updated_at", "id", "status", "level", "search_key"],
            unique=False,
        )
        batch_op.create_index("ix_records_search", ["deleted_at", "search_key"], unique=False)

    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("given", sa.Boolean(), nullable=True),
        sa.Column("given_by", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=60), nullable=True),
        sa.Column("basis", sa.String(length=60), nullable=True),
        sa.Column("scope", sa.String(length=60), nullable=True),
        sa.Column("agencies", sa.JSON(), nullable=True),
        sa.Column("given_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_record_id"), ["record_id"], unique=False)

    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["records.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_revisions_record_id"), ["record_id"], unique=False)

    # Sync bundles (docs/bundles.md).
    op.create_table(
        "bundles_received",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("team", sa.String(length=64), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("created", sa.String(length=40), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sender", "sequence", name="uq_bundles_received_sender_sequence"),
        sa.UniqueConstraint("uuid"),
    )
    op.create_table(
        "bundles_sent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sender", "sequence", name="uq_bundles_sent_sender_sequence"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("bundles_sent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bundles_sent_recipient"), ["recipient"], unique=False)

    op.create_table(
        "sync_conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=False),
        sa.Column("bundle_uuid", sa.String(length=36), nullable=False),
        sa.Column("sender", sa.String(length=64), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=False),
        sa.Column("stored_version", sa.Integer(), nullable=False),
        sa.Column("incoming_version", sa.Integer(), nullable=False),
        sa.Column("incoming_base_version", sa.Integer(), nullable=True),
        sa.Column("incoming_status", sa.String(length=20), nullable=False),
        sa.Column("incoming_form_id", sa.String(length=100), nullable=False),
        sa.Column("incoming_form_version", sa.String(length=40), nullable=False),
        sa.Column("incoming_author", sa.String(length=200), nullable=False),
        sa.Column("incoming_updated", sa.String(length=40), nullable=False),
        sa.Column(
            "incoming_document",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("uuid"),
    )
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sync_conflicts_record_uuid"), ["record_uuid"], unique=False)

    op.create_table(
        "bundle_received_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle_id"],
            ["bundles_received.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bundle_received_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bundle_received_records_bundle_id"), ["bundle_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bundle_received_records_record_uuid"), ["record_uuid"], unique=False
        )

    op.create_table(
        "bundle_sent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["bundle_id"],
            ["bundles_sent.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("bundle_sent_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bundle_sent_records_bundle_id"), ["bundle_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bundle_sent_records_record_uuid"), ["record_uuid"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("bundle_sent_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bundle_sent_records_record_uuid"))
        batch_op.drop_index(batch_op.f("ix_bundle_sent_records_bundle_id"))

    op.drop_table("bundle_sent_records")
    with op.batch_alter_table("bundle_received_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bundle_received_records_record_uuid"))
        batch_op.drop_index(batch_op.f("ix_bundle_received_records_bundle_id"))

    op.drop_table("bundle_received_records")
    with op.batch_alter_table("sync_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sync_conflicts_record_uuid"))

    op.drop_table("sync_conflicts")
    with op.batch_alter_table("bundles_sent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bundles_sent_recipient"))

    op.drop_table("bundles_sent")
    op.drop_table("bundles_received")

    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_revisions_record_id"))

    op.drop_table("revisions")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_record_id"))

    op.drop_table("consents")
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_index("ix_records_search")
        batch_op.drop_index("ix_records_list")
        batch_op.drop_index(batch_op.f("ix_records_case_id"))

    op.drop_table("records")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_child_id"))

    op.drop_table("cases")
    op.drop_table("meta")
    with op.batch_alter_table("children", schema=None) as batch_op:
        batch_op.drop_index("ix_children_family_dob")

    op.drop_table("children")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_record_uuid"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
