"""The store's tables, as typed SQLAlchemy 2.x models. The same models serve SQLCipher and PostgreSQL.

Columns that the case list sorts, filters and searches on (the child's name, date of birth, level of
need, lead professional, next review) are copied from the document when a record is saved, so the
list never parses documents.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql import false

Document = JSON().with_variant(JSONB(), "postgresql")
# A document that may be absent: None is SQL NULL, never the JSON text "null".
OptionalDocument = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


class Base(DeclarativeBase):
    pass


class Meta(Base):
    """Facts about the store itself: who it belongs to, when it was made (no personal data of children)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Child(Base):
    """The person a record is about."""

    __tablename__ = "children"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    given_names: Mapped[str] = mapped_column(String(200), default="")
    family_name: Mapped[str] = mapped_column(String(200), default="")
    name_key: Mapped[str] = mapped_column(Text, default="")  # folded "given family", for matching
    family_key: Mapped[str] = mapped_column(String(200), default="")
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    expected_date: Mapped[dt.date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    cases: Mapped[list[Case]] = relationship(back_populates="child")

    __table_args__ = (Index("ix_children_family_dob", "family_key", "date_of_birth"),)


class Case(Base):
    """A CAF episode for one child: from the assessment to closure."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id"), index=True)
    lead_professional: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")
    agreed_level: Mapped[int | None] = mapped_column(Integer)
    opened: Mapped[dt.date] = mapped_column(Date)
    next_review: Mapped[dt.date | None] = mapped_column(Date)
    closed: Mapped[dt.date | None] = mapped_column(Date)
    attention: Mapped[str | None] = mapped_column(Text)  # drift warnings, worked out at each save
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    child: Mapped[Child] = relationship(back_populates="cases")
    records: Mapped[list[Record]] = relationship(back_populates="case")


class Record(Base):
    """One form filled in: the working copy of its document, and what the case list shows of it."""

    __tablename__ = "records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(100))
    form_version: Mapped[str] = mapped_column(String(40))
    definition_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    document: Mapped[dict[str, Any]] = mapped_column(Document)
    version: Mapped[int] = mapped_column(Integer, default=1)
    base_version: Mapped[int | None] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    saved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    autosaved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Copied from the document at each save, for the case list.
    child_name: Mapped[str] = mapped_column(Text, default="")
    search_key: Mapped[str] = mapped_column(Text, default="")
    child_dob: Mapped[dt.date | None] = mapped_column(Date)
    level: Mapped[int | None] = mapped_column(Integer)
    suggested_level: Mapped[int | None] = mapped_column(Integer)
    # The document has a cause for the safeguarding banner (`caf_desktop.practice.safeguarding.banner_causes`).
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    lead_professional: Mapped[str | None] = mapped_column(String(200))
    next_review: Mapped[dt.date | None] = mapped_column(Date)
    case: Mapped[Case | None] = relationship(back_populates="records")

    __table_args__ = (
        # Covering indexes: the case list's count, search and filters read only the index, never the
        # rows (which hold the documents, and which SQLCipher would decrypt page by page).
        Index("ix_records_list", "deleted_at", "updated_at", "id", "status", "level", "search_key"),
        Index("ix_records_search", "deleted_at", "search_key"),
        # The case list's default order finds the few records with a safeguarding cause at once.
        Index("ix_records_safeguarding", "safeguarding", "case_id"),
    )


class Revision(Base):
    """A kept version of a record: every explicit or completing save, and every restore.

    `document` is None while the revision is the record's document itself: a record imported from a
    bundle is written once, not twice (record and first revision), and the store copies the document
    into the revision before the record's document next changes (`Store.unshare_revisions`)."""

    __tablename__ = "revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20))
    document: Mapped[dict[str, Any] | None] = mapped_column(OptionalDocument)
    reason: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # The form version the revision's document was made with (restoring it restores that version).
    form_version: Mapped[str | None] = mapped_column(String(40), nullable=True)


class SafeguardingAcknowledgement(Base):
    """A person acknowledged the safeguarding banner of one version of a record: who, when, and the
    causes the banner showed (indicator ids, and `immediate-danger`). Kept for good, like the audit."""

    __tablename__ = "safeguarding_acknowledgements"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    causes: Mapped[list[str]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Consent(Base):
    """Consent to assess or to share, as recorded in a record, kept apart so it can be looked up."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # "assess" or "share"
    given: Mapped[bool | None] = mapped_column(Boolean)
    given_by: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(60))
    basis: Mapped[str | None] = mapped_column(String(60))
    scope: Mapped[str | None] = mapped_column(String(60))
    agencies: Mapped[list[str] | None] = mapped_column(JSON)
    given_on: Mapped[dt.date | None] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditEvent(Base):
    """Who did what to which record, when; each event carries the hash of the one before it."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))  # ISO 8601 UTC, hashed exactly as stored
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40), index=True)
    record_uuid: Mapped[str | None] = mapped_column(String(36), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


# --- sync bundles (docs/bundles.md) ---------------------------------------------------------------------


class BundleSent(Base):
    """A sync bundle this store's user made: its per-sender sequence number is reserved here first."""

    __tablename__ = "bundles_sent"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    sender: Mapped[str] = mapped_column(String(64))  # the sender's certificate fingerprint
    sequence: Mapped[int] = mapped_column(Integer)
    recipient: Mapped[str] = mapped_column(String(200), index=True)  # "team:<id>" or "worker:<fingerprint>"
    file_sha256: Mapped[str | None] = mapped_column(String(64))  # None until the file is written
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("sender", "sequence", name="uq_bundles_sent_sender_sequence"),)


class BundleSentRecord(Base):
    """Which version of which record went into a bundle: "changed since the last bundle" reads this."""

    __tablename__ = "bundle_sent_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundles_sent.id"), index=True)
    record_uuid: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer)


class BundleReceived(Base):
    """A bundle imported into this store. The unique constraints are the replay check: the same bundle,
    or another with the same sender and sequence number, cannot be imported twice, even by two
    coordinators at the same moment."""

    __tablename__ = "bundles_received"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    sender: Mapped[str] = mapped_column(String(64))  # the signer's certificate fingerprint
    sequence: Mapped[int] = mapped_column(Integer)
    team: Mapped[str] = mapped_column(String(64))
    file_sha256: Mapped[str] = mapped_column(String(64))
    created: Mapped[str] = mapped_column(String(40))  # as the sender's manifest says it (their clock)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("sender", "sequence", name="uq_bundles_received_sender_sequence"),)


class BundleReceivedRecord(Base):
    """Which record (and version) a received bundle held, and what importing it did."""

    __tablename__ = "bundle_received_records"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundles_received.id"), index=True)
    record_uuid: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(20))  # new, updated, identical, conflict, outdated


class SyncConflict(Base):
    """An incoming version kept beside the stored record because both changed: a person resolves it."""

    __tablename__ = "sync_conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    record_uuid: Mapped[str] = mapped_column(String(36), index=True)
    bundle_uuid: Mapped[str] = mapped_column(String(36))
    sender: Mapped[str] = mapped_column(String(64))
    sender_name: Mapped[str] = mapped_column(String(200))
    stored_version: Mapped[int] = mapped_column(Integer)
    incoming_version: Mapped[int] = mapped_column(Integer)
    incoming_base_version: Mapped[int | None] = mapped_column(Integer)
    incoming_status: Mapped[str] = mapped_column(String(20))
    incoming_form_id: Mapped[str] = mapped_column(String(100))
    incoming_form_version: Mapped[str] = mapped_column(String(40))
    incoming_author: Mapped[str] = mapped_column(String(200))
    incoming_updated: Mapped[str] = mapped_column(String(40))
    incoming_document: Mapped[dict[str, Any]] = mapped_column(Document)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(String(20))  # stored, incoming, combined
    resolved_by: Mapped[str | None] = mapped_column(String(200))
