"""Bundles going out (their bookkeeping) and the conflicts that imports leave to resolve."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.orm import selectinload

from caf_desktop.common.errors import CafError
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.store import clock
from caf_desktop.store.core import TABLES
from caf_desktop.store.importing import ImportMixin
from caf_desktop.store.info import (
    RecordInfo,
    as_utc,
    chunks,
    iso,
    record_info,
)
from caf_desktop.store.models import (
    BundleReceived,
    BundleReceivedRecord,
    BundleSent,
    BundleSentRecord,
    Case,
    Record,
    Revision,
    SyncConflict,
)
from caf_desktop.store.opening import (
    RACE_RETRIES,
    RecordNotFound,
    StoreUnavailable,
    lost_a_race,
)
from caf_desktop.store.sync import (
    RESOLUTIONS,
    ConflictInfo,
    ConflictNotFound,
    OutgoingRecord,
    SyncedRecord,
)


def _conflict_info(conflict: SyncConflict) -> ConflictInfo:
    return ConflictInfo(
        id=conflict.uuid,
        record_id=conflict.record_uuid,
        bundle_id=conflict.bundle_uuid,
        sender=conflict.sender,
        sender_name=conflict.sender_name,
        stored_version=conflict.stored_version,
        incoming_version=conflict.incoming_version,
        incoming_base_version=conflict.incoming_base_version,
        incoming_status=conflict.incoming_status,
        incoming_form_id=conflict.incoming_form_id,
        incoming_form_version=conflict.incoming_form_version,
        incoming_author=conflict.incoming_author,
        incoming_updated=conflict.incoming_updated,
        incoming_document=conflict.incoming_document,
        received=as_utc(conflict.received_at) or clock.now(),
        resolved=as_utc(conflict.resolved_at),
        resolution=conflict.resolution,
        resolved_by=conflict.resolved_by,
    )


class ExchangeMixin(ImportMixin):
    """Outgoing bundles and their bookkeeping, and sync conflicts."""

    def outgoing_records(self, record_ids: Sequence[str]) -> list[OutgoingRecord]:
        """The records as a bundle carries them, in the order asked: the last saved version of each
        (typing kept by autosave but not yet saved as a version stays here)."""
        rows: dict[str, Record] = {}
        with self.session() as session:
            for chunk in chunks(list(dict.fromkeys(record_ids))):
                statement = (
                    select(Record)
                    .where(Record.uuid.in_(chunk))
                    .options(selectinload(Record.case).selectinload(Case.child))
                )
                rows.update((r.uuid, r) for r in session.scalars(statement))
            outgoing: list[OutgoingRecord] = []
            for record_id in dict.fromkeys(record_ids):
                record = rows.get(record_id)
                if record is None or record.deleted_at is not None:
                    raise RecordNotFound(record_id)
                document = record.document
                unsaved = record.autosaved_at is not None
                if unsaved:
                    latest = session.scalars(
                        select(Revision)
                        .where(Revision.record_id == record.id)
                        .order_by(Revision.number.desc())
                        .limit(1)
                    ).first()
                    if latest is not None and latest.document is not None:
                        document = latest.document  # else the revision is the record's own document
                case = record.case
                synced = SyncedRecord(
                    id=record.uuid,
                    form_id=record.form_id,
                    form_version=record.form_version,
                    status=record.status,
                    version=record.version,
                    base_version=record.base_version,
                    document=document,
                    author=record.author,
                    updated=iso(record.saved_at or record.updated_at),
                    child_id=case.child.uuid if case is not None else None,
                    case_id=case.uuid if case is not None else None,
                )
                outgoing.append(OutgoingRecord(synced, unsaved))
            return outgoing

    def changed_since_last_bundle(self, recipient: str, *, received_from: str | None = None) -> list[str]:
        """The records (not deleted) whose current version has not yet gone to `recipient` in a bundle,
        leaving out those received in a bundle and not changed here since. With `received_from` (a
        sender's certificate fingerprint), only records that sender has sent here."""
        with self.session() as session:
            sent = {
                (record_uuid, version)
                for record_uuid, version in session.execute(
                    select(BundleSentRecord.record_uuid, BundleSentRecord.version)
                    .join(BundleSent, BundleSent.id == BundleSentRecord.bundle_id)
                    .where(BundleSent.recipient == recipient, BundleSent.file_sha256.is_not(None))
                )
            }
            statement = select(Record.uuid, Record.version, Record.base_version, Record.autosaved_at).where(
                Record.deleted_at.is_(None)
            )
            if received_from is not None:
                statement = statement.where(
                    Record.uuid.in_(
                        select(BundleReceivedRecord.record_uuid)
                        .join(BundleReceived, BundleReceived.id == BundleReceivedRecord.bundle_id)
                        .where(BundleReceived.sender == received_from)
                    )
                )
            rows = session.execute(statement.order_by(Record.id)).all()
        return [
            uuid
            for uuid, version, base_version, autosaved_at in rows
            if (uuid, version) not in sent and (base_version != version or autosaved_at is not None)
        ]

    def reserve_bundle(self, bundle_id: str, sender: str, recipient: str) -> int:
        """Takes the sender's next sequence number for a bundle about to be written (numbers only grow;
        one taken by a bundle that was never written leaves a gap, which receivers accept)."""
        for attempt in range(RACE_RETRIES):
            try:
                with self.session() as session:
                    last = session.scalar(
                        select(func.max(BundleSent.sequence)).where(BundleSent.sender == sender)
                    )
                    sequence = (last or 0) + 1
                    session.add(
                        BundleSent(
                            uuid=bundle_id,
                            sender=sender,
                            sequence=sequence,
                            recipient=recipient,
                            created_at=clock.now(),
                        )
                    )
            except StoreUnavailable as error:
                if not lost_a_race(error) or attempt == RACE_RETRIES - 1:
                    raise
            else:
                return sequence
        raise AssertionError("unreachable")  # pragma: no cover

    def bundle_written(
        self, bundle_id: str, file_sha256: str, records: Sequence[tuple[str, int]], details: dict[str, Any]
    ) -> None:
        """Remembers what a written bundle holds (for "changed since the last bundle"), and audits it."""
        with self.session() as session:
            sent = session.scalars(select(BundleSent).where(BundleSent.uuid == bundle_id)).one()
            sent.file_sha256 = file_sha256
            if records:  # one executemany, not an ORM object per row
                session.execute(
                    insert(TABLES["bundle_sent_records"]),
                    [
                        {"bundle_id": sent.id, "record_uuid": record_id, "version": version}
                        for record_id, version in records
                    ],
                )
            self.audit_in(session, "bundle exported", None, details)

    def forget_bundle(self, bundle_id: str) -> None:
        """Drops the reservation of a bundle that was not written (its sequence number stays unused)."""
        with self.session() as session:
            session.execute(
                delete(BundleSent).where(BundleSent.uuid == bundle_id, BundleSent.file_sha256.is_(None))
            )

    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictInfo]:
        """Incoming versions kept beside stored records, oldest first; resolved ones only if asked."""
        with self.session() as session:
            statement = select(SyncConflict).order_by(SyncConflict.id)
            if not include_resolved:
                statement = statement.where(SyncConflict.resolved_at.is_(None))
            return [_conflict_info(c) for c in session.scalars(statement)]

    def conflict(self, conflict_id: str) -> ConflictInfo:
        with self.session() as session:
            found = session.scalars(select(SyncConflict).where(SyncConflict.uuid == conflict_id)).first()
            if found is None:
                raise ConflictNotFound(conflict_id)
            return _conflict_info(found)

    def resolve_conflict(
        self,
        conflict_id: str,
        keep: str,
        definition: FormDefinition,
        document: dict[str, Any] | None = None,
    ) -> RecordInfo:
        """Settles a conflict: keep the stored version, the incoming one, or a `document` combined by
        a person (`keep="combined"`). `definition` is the form of the version kept. Nothing is lost:
        the version not kept stays in the record's revisions or in the resolved conflict."""
        if keep not in RESOLUTIONS:
            raise CafError(
                f"{keep!r} is not a way to settle a conflict; use one of {', '.join(RESOLUTIONS)}."
            )
        if (keep == "combined") != (document is not None):
            raise CafError("A combined version needs its document, and only a combined version takes one.")
        moment = clock.now()
        with self.session() as session:
            conflict = session.scalars(
                select(SyncConflict).where(SyncConflict.uuid == conflict_id).with_for_update()
            ).first()
            if conflict is None:
                raise ConflictNotFound(conflict_id)
            if conflict.resolved_at is not None:
                raise CafError(
                    f"The sync conflict {conflict_id} was already settled by {conflict.resolved_by} "
                    f"(kept {conflict.resolution}); nothing was changed."
                )
            record = self.record_row(session, conflict.record_uuid, for_update=True)
            newer = max(record.version, conflict.incoming_version) + 1
            if keep == "incoming":
                # The incoming version as it is: both sides now hold the same version.
                self.replace_document(
                    session,
                    record,
                    definition,
                    conflict.incoming_document,
                    status=conflict.incoming_status,
                    version=conflict.incoming_version,
                    base_version=conflict.incoming_version,
                    reason=f"sync conflict settled: kept the version from {conflict.sender_name}",
                    author=self.actor,
                    moment=moment,
                )
            else:
                # A new version here, built on the incoming one, so that the other side takes it as an
                # update when it comes back to them.
                self.replace_document(
                    session,
                    record,
                    definition,
                    record.document if document is None else document,
                    status=record.status,
                    version=newer,
                    base_version=conflict.incoming_version,
                    reason="sync conflict settled: "
                    + ("kept this copy" if keep == "stored" else "combined both versions"),
                    author=self.actor,
                    moment=moment,
                )
            conflict.resolved_at = moment
            conflict.resolution = keep
            conflict.resolved_by = self.actor
            self.audit_in(
                session,
                "sync conflict settled",
                record.uuid,
                {"conflict": conflict_id, "kept": keep, "version": record.version},
            )
            return record_info(record)
