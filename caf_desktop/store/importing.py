"""Importing sync bundles: checking them, planning the changes, applying them in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import uuid as uuid_module
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    func,
    or_,
    select,
    union,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.store import clock
from caf_desktop.store.caselist import CaseListMixin
from caf_desktop.store.core import TABLES
from caf_desktop.store.info import (
    Summary,
    as_utc,
    chunks,
    closes_case,
    consent_values,
    fold,
    parse_iso,
    summarise,
    summary_values,
)
from caf_desktop.store.models import (
    BundleReceived,
    BundleReceivedRecord,
    BundleSent,
    BundleSentRecord,
    Case,
    Child,
    Record,
    Revision,
    SyncConflict,
)
from caf_desktop.store.opening import (
    RACE_RETRIES,
    WAL_KEPT,
    StoreUnavailable,
    lost_a_race,
    plain_reason,
)
from caf_desktop.store.sync import (
    AlreadyImported,
    Change,
    ImportOutcome,
    IncomingBundle,
    NotPermitted,
    PlannedChange,
    StoredState,
    SyncedRecord,
    Trespass,
    WriteAccess,
    classify,
)


@dataclass(eq=False)
class _NewRow:
    """A child or case a bundle's new records need, before it is inserted (then `id` is its id)."""

    values: dict[str, Any]
    parent: Child | _NewRow | None = None  # a case's child
    id: int | None = None


def _planned(incoming: SyncedRecord, stored: tuple[Record, StoredState] | None) -> PlannedChange:
    record, state = stored if stored is not None else (None, None)
    return PlannedChange(
        record_id=incoming.id,
        change=classify(state, incoming),
        form_id=incoming.form_id,
        form_version=incoming.form_version,
        incoming_version=incoming.version,
        stored_version=state.version if state is not None else None,
        child=record.child_name if record is not None else "",
    )


class ImportMixin(CaseListMixin):
    """Importing bundles (caf_desktop.sync.bundles; docs/bundles.md).

    Shared with the other concerns (`core.SHARED_MACHINERY`): `replace_document`, which `exchange`
    uses to resolve a conflict."""

    def check_not_imported(self, bundle_id: str, sender: str, sequence: int, file_sha256: str) -> None:
        """`AlreadyImported` if this bundle, or another with its sender and sequence number, was imported.
        Its `what` is "bundle" only when the bundle id is recorded with this very file (`file_sha256`)."""
        with self.session() as session:
            self._check_not_imported(session, bundle_id, sender, sequence, file_sha256)

    @staticmethod
    def _check_not_imported(
        session: Session, bundle_id: str, sender: str, sequence: int, file_sha256: str
    ) -> None:
        earlier = session.scalars(
            select(BundleReceived).where(
                or_(
                    BundleReceived.uuid == bundle_id,
                    (BundleReceived.sender == sender) & (BundleReceived.sequence == sequence),
                )
            )
        ).first()
        if earlier is not None:
            if earlier.uuid != bundle_id:
                what = "sequence"
            elif earlier.file_sha256 == file_sha256:
                what = "bundle"  # the very file imported before: nothing to do
            else:
                what = "changed"  # the same id in another file: a replay, whatever it holds
            raise AlreadyImported(what, as_utc(earlier.received_at))

    def _stored_states(
        self, session: Session, sender: str, record_ids: Sequence[str], *, for_update: bool
    ) -> dict[str, tuple[Record, StoredState]]:
        states: dict[str, tuple[Record, StoredState]] = {}
        for chunk in chunks(sorted(set(record_ids))):
            statement = select(Record).where(Record.uuid.in_(chunk)).order_by(Record.uuid)
            if for_update:
                # Locked in one order, so two coordinators importing overlapping bundles take turns.
                statement = statement.with_for_update()
            records = list(session.scalars(statement))
            received: dict[str, int] = {  # noqa: C416 - a Result has .keys(): dict() takes it for a mapping
                record_uuid: version
                for record_uuid, version in session.execute(
                    select(BundleReceivedRecord.record_uuid, func.max(BundleReceivedRecord.version))
                    .join(BundleReceived, BundleReceived.id == BundleReceivedRecord.bundle_id)
                    .where(BundleReceived.sender == sender, BundleReceivedRecord.record_uuid.in_(chunk))
                    .group_by(BundleReceivedRecord.record_uuid)
                )
            }
            for record in records:
                states[record.uuid] = (
                    record,
                    StoredState(
                        form_id=record.form_id,
                        version=record.version,
                        base_version=record.base_version,
                        status=record.status,
                        document=record.document,
                        unsaved_typing=record.autosaved_at is not None,
                        received_version=received.get(record.uuid),
                    ),
                )
        return states

    @staticmethod
    def _check_access(session: Session, access: WriteAccess, records: Sequence[SyncedRecord]) -> None:
        """`NotPermitted` unless every stored record the bundle names is the sender's, and every new
        record goes into a case or child that is the sender's or new (docs/bundles.md, "Who may write
        what"). Read from this store's own record of bundles received and sent, never the bundle's."""
        theirs = union(
            select(BundleReceivedRecord.record_uuid.label("uuid"))
            .join(BundleReceived, BundleReceived.id == BundleReceivedRecord.bundle_id)
            .where(
                BundleReceived.sender.in_(access.creators),
                BundleReceivedRecord.outcome == Change.NEW.value,
            ),
            select(BundleSentRecord.record_uuid.label("uuid"))
            .join(BundleSent, BundleSent.id == BundleSentRecord.bundle_id)
            .where(BundleSent.recipient.in_(access.sent_to), BundleSent.file_sha256.is_not(None)),
        ).subquery()
        record_ids = sorted({r.id for r in records})
        stored: set[str] = set()
        allowed: set[str] = set()
        for chunk in chunks(record_ids):
            stored.update(session.scalars(select(Record.uuid).where(Record.uuid.in_(chunk))))
            allowed.update(session.scalars(select(theirs.c.uuid).where(theirs.c.uuid.in_(chunk)).distinct()))
        new = [r for r in records if r.id not in stored]
        case_ids = sorted({r.case_id for r in new if r.case_id})
        child_ids = sorted({r.child_id for r in new if r.child_id})
        case_child: dict[str, str] = {}  # stored case -> its child
        allowed_cases: set[str] = set()
        stored_children: set[str] = set()
        allowed_children: set[str] = set()
        for chunk in chunks(case_ids):
            case_child.update(
                session.execute(
                    select(Case.uuid, Child.uuid)
                    .join(Child, Child.id == Case.child_id)
                    .where(Case.uuid.in_(chunk))
                ).all()
            )
            allowed_cases.update(
                session.scalars(
                    select(Case.uuid)
                    .join(Record, Record.case_id == Case.id)
                    .where(Case.uuid.in_(chunk), Record.uuid.in_(select(theirs.c.uuid)))
                    .distinct()
                )
            )
        for chunk in chunks(child_ids):
            stored_children.update(session.scalars(select(Child.uuid).where(Child.uuid.in_(chunk))))
            allowed_children.update(
                session.scalars(
                    select(Child.uuid)
                    .join(Case, Case.child_id == Child.id)
                    .join(Record, Record.case_id == Case.id)
                    .where(Child.uuid.in_(chunk), Record.uuid.in_(select(theirs.c.uuid)))
                    .distinct()
                )
            )
        trespasses: list[Trespass] = []
        for incoming in sorted(records, key=lambda r: r.id):
            if incoming.id in stored:
                if incoming.id not in allowed:
                    trespasses.append(Trespass("record", incoming.id, incoming.id))
                continue
            if incoming.case_id and incoming.case_id in case_child:
                if incoming.case_id not in allowed_cases:
                    trespasses.append(Trespass("case", incoming.id, incoming.case_id))
                elif incoming.child_id and incoming.child_id != case_child[incoming.case_id]:
                    trespasses.append(Trespass("other-child", incoming.id, incoming.case_id))
            elif incoming.child_id in stored_children and incoming.child_id not in allowed_children:
                assert incoming.child_id is not None  # it is a stored child's id
                trespasses.append(Trespass("child", incoming.id, incoming.child_id))
        if trespasses:
            raise NotPermitted(tuple(trespasses))

    def plan_import(
        self, sender: str, records: Sequence[SyncedRecord], *, access: WriteAccess | None = None
    ) -> list[PlannedChange]:
        """What importing these records from `sender` would do, changing nothing; `NotPermitted` if it
        writes where the sender may not (`access`; by default, the sender's as a worker)."""
        with self.session() as session:
            self._check_access(session, access or WriteAccess.of_worker(sender), records)
            states = self._stored_states(session, sender, [r.id for r in records], for_update=False)
        return [_planned(r, states.get(r.id)) for r in records]

    def apply_import(self, bundle: IncomingBundle) -> ImportOutcome:
        """Applies a verified bundle in one transaction: new records added, updates applied, conflicts
        kept beside the stored record, the bundle remembered (so it cannot be imported again) and
        audited. Two coordinators importing at once take turns on the records they share; whoever loses
        a race for a new row starts again and then finds it there."""
        for attempt in range(RACE_RETRIES):
            try:
                with self.session() as session:
                    self._wal_kept(session)
                    return self._apply_import(session, bundle)
            except StoreUnavailable as error:
                if not lost_a_race(error) or attempt == RACE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _wal_kept(self, session: Session) -> None:
        """SQLCipher: this transaction's commit leaves its pages in the write-ahead log instead of
        copying them into the database there and then (SQLite's automatic checkpoint, about half the
        time of writing a big bundle). The data is committed either way; `checkpoint()` copies it
        after the import, and the connection checkpoints as usual again once it is given back."""
        if self.engine.dialect.name != "sqlite":
            return
        connection = session.connection()
        connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        connection.info[WAL_KEPT] = True  # the pooled connection's own info, read at checkin

    def checkpoint(self) -> None:
        """Copies what the write-ahead log holds into the database file (SQLCipher; nothing to do on
        PostgreSQL). Run after importing bundles; it waits for nobody and nobody waits for it."""
        if self.engine.dialect.name != "sqlite":
            return
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except DBAPIError as error:
            raise StoreUnavailable(plain_reason(error)) from error

    def _apply_import(self, session: Session, bundle: IncomingBundle) -> ImportOutcome:
        self._check_not_imported(session, bundle.id, bundle.sender, bundle.sequence, bundle.file_sha256)
        moment = clock.now()
        received = BundleReceived(
            uuid=bundle.id,
            sender=bundle.sender,
            sequence=bundle.sequence,
            team=bundle.team,
            file_sha256=bundle.file_sha256,
            created=bundle.created,
            received_at=moment,
        )
        session.add(received)
        session.flush()  # a second import of the same bundle waits here, then fails and finds it
        states = self._stored_states(session, bundle.sender, [r.id for r in bundle.records], for_update=True)
        # After the locks: what the sender may write is read as the imports before this one left it.
        self._check_access(session, bundle.write_access, bundle.records)
        incoming_records = sorted(bundle.records, key=lambda r: r.id)
        changes = [_planned(incoming, states.get(incoming.id)) for incoming in incoming_records]
        events: list[tuple[str, str | None, dict[str, Any]]] = []
        new = [i for i, c in zip(incoming_records, changes, strict=True) if c.change is Change.NEW]
        if new:
            # New records are most of a bundle: their rows go in by executemany, table by table.
            self._insert_new(session, bundle, new, moment)
            events.extend(
                (
                    "imported from bundle",
                    incoming.id,
                    {"bundle": bundle.id, "version": incoming.version, "form": incoming.form_key},
                )
                for incoming in new
            )
        # Updates and conflicts are rarer, and change stored rows: the ORM does those, flushed once.
        with session.no_autoflush:
            for incoming, planned in zip(incoming_records, changes, strict=True):
                stored = states.get(incoming.id)
                if planned.change is Change.UPDATED and stored is not None:
                    definition = bundle.definitions[incoming.form_key]
                    self._update_from_incoming(session, stored[0], incoming, definition, moment)
                    events.append(
                        (
                            "updated from bundle",
                            incoming.id,
                            {
                                "bundle": bundle.id,
                                "version": incoming.version,
                                "from_version": stored[1].version,
                            },
                        )
                    )
                elif planned.change is Change.CONFLICT and stored is not None:
                    conflict_id = str(uuid_module.uuid4())
                    session.add(
                        SyncConflict(
                            uuid=conflict_id,
                            record_uuid=incoming.id,
                            bundle_uuid=bundle.id,
                            sender=bundle.sender,
                            sender_name=bundle.sender_name,
                            stored_version=stored[1].version,
                            incoming_version=incoming.version,
                            incoming_base_version=incoming.base_version,
                            incoming_status=incoming.status,
                            incoming_form_id=incoming.form_id,
                            incoming_form_version=incoming.form_version,
                            incoming_author=incoming.author,
                            incoming_updated=incoming.updated,
                            incoming_document=incoming.document,
                            received_at=moment,
                        )
                    )
                    events.append(
                        (
                            "sync conflict kept",
                            incoming.id,
                            {
                                "bundle": bundle.id,
                                "conflict": conflict_id,
                                "stored_version": stored[1].version,
                                "incoming_version": incoming.version,
                            },
                        )
                    )
        if incoming_records:
            self.bulk_insert(
                session,
                "bundle_received_records",
                [
                    {
                        "bundle_id": received.id,
                        "record_uuid": incoming.id,
                        "version": incoming.version,
                        "outcome": planned.change.value,
                    }
                    for incoming, planned in zip(incoming_records, changes, strict=True)
                ],
            )
        outcome = ImportOutcome(bundle.id, tuple(changes))
        events.append(
            (
                "bundle imported",
                None,
                {
                    "bundle": bundle.id,
                    "sender": bundle.sender,
                    "sequence": bundle.sequence,
                    "file_sha256": bundle.file_sha256,
                    **{change.value: outcome.count(change) for change in Change},
                },
            )
        )
        self.audit_many_in(session, events)
        return outcome

    def _insert_made(self, session: Session, table_name: str, made: Sequence[_NewRow]) -> None:
        """Inserts new children or cases by one executemany, and gives each its id (by its uuid)."""
        if not made:
            return
        self.bulk_insert(session, table_name, [row.values for row in made])
        ids = self._ids_of(session, table_name, [row.values["uuid"] for row in made])
        for row in made:
            row.id = ids[row.values["uuid"]]

    def _ids_of(self, session: Session, table_name: str, uuids: Sequence[str]) -> dict[str, int]:
        """The row ids of rows just inserted, by their uuids (a few indexed queries)."""
        table = TABLES[table_name]
        found: dict[str, int] = {}
        for chunk in chunks(list(uuids)):
            rows = session.execute(select(table.c.uuid, table.c.id).where(table.c.uuid.in_(chunk)))
            found.update((uuid, id_) for uuid, id_ in rows)
        return found

    def _insert_new(
        self,
        session: Session,
        bundle: IncomingBundle,
        new: Sequence[SyncedRecord],
        moment: dt.datetime,
    ) -> None:
        """New records from a bundle, in the child and case the sender's store had them in (same ids),
        each with its first revision and its consents: the rows the ORM would make of them one by one
        (`add_record`'s), in a few executemany statements for the whole bundle. A child or case already
        stored is taken as it is (and the case updated as a save would); a child named by no stored one
        is made once for all its records, and so is a case."""
        stored_children, stored_cases = self._children_and_cases(session, new)
        children: dict[str, Child | _NewRow] = dict(stored_children)
        cases: dict[str, Case | _NewRow] = dict(stored_cases)
        # The newest open case of each stored child, for a record whose case is not stored (one query).
        open_cases: dict[int, Case] = {}
        for id_chunk in chunks(sorted(child.id for child in stored_children.values())):
            for open_case in session.scalars(
                select(Case)
                .where(Case.child_id.in_(id_chunk), Case.status == "open")
                .order_by(Case.id.desc())
            ):
                open_cases.setdefault(open_case.child_id, open_case)
        planned: list[tuple[SyncedRecord, FormDefinition, Summary, Case | _NewRow | None]] = []
        in_case: dict[Case | _NewRow, list[tuple[SyncedRecord, Summary]]] = {}
        for incoming in new:
            definition = bundle.definitions[incoming.form_key]
            summary = summarise(definition, incoming.document)  # once per record
            child = children.get(incoming.child_id) if incoming.child_id else None
            if child is None and (summary.family_name or summary.given_names):
                child = _NewRow(
                    {
                        "uuid": incoming.child_id or str(uuid_module.uuid4()),
                        "given_names": summary.given_names,
                        "family_name": summary.family_name,
                        "name_key": fold(summary.child_name),
                        "family_key": fold(summary.family_name),
                        "date_of_birth": summary.date_of_birth,
                        "expected_date": summary.expected_date,
                        "sex": summary.sex,
                        "address": summary.address,
                        "created_at": moment,
                        "updated_at": moment,
                    }
                )
                children[child.values["uuid"]] = child
            case: Case | _NewRow | None = cases.get(incoming.case_id) if incoming.case_id else None
            if case is None and isinstance(child, Child):
                case = open_cases.get(child.id)
            if case is None and child is not None:
                case = _NewRow(
                    {
                        "uuid": incoming.case_id or str(uuid_module.uuid4()),
                        "status": "open",
                        "opened": moment.date(),
                        "created_at": moment,
                    },
                    parent=child,
                )
                cases[case.values["uuid"]] = case
            planned.append((incoming, definition, summary, case))
            if case is not None:
                in_case.setdefault(case, []).append((incoming, summary))

        made_children = [c for c in children.values() if isinstance(c, _NewRow)]
        self._insert_made(session, "children", made_children)
        self._settle_cases(session, in_case, moment)
        self._insert_made(session, "cases", [c for c in cases.values() if isinstance(c, _NewRow)])

        # Each document as JSON text once, for both its rows: the text the bundle held, if given.
        encoded = [
            incoming.document_json if incoming.document_json is not None else json.dumps(incoming.document)
            for incoming, *_ in planned
        ]
        record_rows = []
        for (incoming, definition, summary, its_case), document_json in zip(planned, encoded, strict=True):
            record_rows.append(
                {
                    "uuid": incoming.id,
                    "case_id": its_case.id if its_case is not None else None,
                    "form_id": incoming.form_id,
                    "form_version": incoming.form_version,
                    "definition_digest": definition.digest,
                    "status": incoming.status,
                    "document": document_json,
                    "version": incoming.version,
                    "base_version": incoming.version,
                    "author": incoming.author,
                    "created_at": moment,
                    "updated_at": parse_iso(incoming.updated) or moment,
                    "saved_at": moment,
                    **summary_values(incoming.form_id, summary),
                }
            )
        self.bulk_insert(session, "records", record_rows, json_text="document")
        record_ids = self._ids_of(session, "records", [row["uuid"] for row in record_rows])
        # Each first revision shares its record's document (None) instead of a second copy of it.
        self.bulk_insert(
            session,
            "revisions",
            [
                {
                    "record_id": record_ids[incoming.id],
                    "number": 1,
                    "status": incoming.status,
                    "document": None,
                    "reason": f"imported from a bundle (version {incoming.version})",
                    "author": incoming.author,
                    "created_at": moment,
                    "form_version": incoming.form_version,
                }
                for incoming, *_ in planned
            ],
        )
        updated_at = clock.now()
        consent_rows = [
            {"record_id": record_ids[incoming.id], "kind": kind, **values, "updated_at": updated_at}
            for incoming, *_ in planned
            for kind, values in consent_values(incoming.document).items()
        ]
        self.bulk_insert(session, "consents", consent_rows)

    @staticmethod
    def _settle_cases(
        session: Session,
        in_case: dict[Case | _NewRow, list[tuple[SyncedRecord, Summary]]],
        moment: dt.datetime,
    ) -> None:
        """What the new records make of their cases, as `update_case` would after each one: the drift
        of all the case's records (the last one first, then those stored, then the other new ones), and
        the agreed level, lead professional and next review of the last record that says them."""
        from caf_desktop.practice.drift import CaseRecord  # noqa: PLC0415
        from caf_desktop.store import drift  # noqa: PLC0415

        stored: dict[int, list[CaseRecord]] = {}
        stored_ids = sorted(case.id for case in in_case if isinstance(case, Case))
        for id_chunk in chunks(stored_ids):
            for case_id, form_id, document, created_at, status, level in session.execute(
                select(
                    Record.case_id,
                    Record.form_id,
                    Record.document,
                    Record.created_at,
                    Record.status,
                    Record.level,
                )
                .where(Record.case_id.in_(id_chunk), Record.deleted_at.is_(None))
                .order_by(Record.id)
            ):
                stored.setdefault(case_id, []).append(
                    drift.case_record(form_id, document, as_utc(created_at) or clock.now(), status, level)
                )
        for case, members in in_case.items():
            added = [
                drift.case_record(incoming.form_id, incoming.document, moment, incoming.status, summary.level)
                for incoming, summary in members
            ]
            before = stored.get(case.id, []) if isinstance(case, Case) else []
            attention = drift.attention([added[-1], *before, *added[:-1]], clock.now().date())
            # The same keys for every case, in the same order (new cases go in by one executemany).
            values: dict[str, Any] = (
                {
                    "agreed_level": case.agreed_level,
                    "lead_professional": case.lead_professional,
                    "next_review": case.next_review,
                    "status": case.status,
                    "closed": case.closed,
                }
                if isinstance(case, Case)
                else {
                    "agreed_level": None,
                    "lead_professional": None,
                    "next_review": None,
                    "status": "open",
                    "closed": None,
                }
            )
            values["attention"] = attention
            for incoming, summary in members:
                if summary.level is not None:
                    values["agreed_level"] = summary.level
                if summary.lead_professional:
                    values["lead_professional"] = summary.lead_professional
                if summary.next_review is not None:
                    values["next_review"] = summary.next_review
                if closes_case(incoming.status, summary):
                    values |= {"status": "closed", "closed": summary.closed_on, "attention": None}
            values["updated_at"] = clock.now()
            if isinstance(case, Case):
                for key, value in values.items():
                    setattr(case, key, value)
            else:
                parent = case.parent
                assert parent is not None  # a case is made for a child
                assert parent.id is not None  # who is in by now
                case.values |= values | {"child_id": parent.id}

    @staticmethod
    def _children_and_cases(
        session: Session, incoming: Sequence[SyncedRecord]
    ) -> tuple[dict[str, Child], dict[str, Case]]:
        """The children and cases already stored that incoming records name, by id (two queries)."""
        child_ids = sorted({r.child_id for r in incoming if r.child_id})
        case_ids = sorted({r.case_id for r in incoming if r.case_id})
        children: dict[str, Child] = {}
        cases: dict[str, Case] = {}
        for chunk in chunks(child_ids):
            children.update((c.uuid, c) for c in session.scalars(select(Child).where(Child.uuid.in_(chunk))))
        for chunk in chunks(case_ids):
            cases.update((c.uuid, c) for c in session.scalars(select(Case).where(Case.uuid.in_(chunk))))
        return children, cases

    def replace_document(
        self,
        session: Session,
        record: Record,
        definition: FormDefinition,
        document: dict[str, Any],
        *,
        status: str,
        version: int,
        base_version: int,
        reason: str,
        author: str,
        moment: dt.datetime,
    ) -> None:
        """Makes `document` the record's new version, as a revision (typing kept but never saved is
        first kept as a revision of its own), and updates its summary, case and consents."""
        self.unshare_revisions(session, record)
        number = session.scalar(select(func.max(Revision.number)).where(Revision.record_id == record.id)) or 0
        if record.autosaved_at is not None and record.document != document:
            # Typing kept but never saved is kept as a version before it is replaced.
            number += 1
            session.add(
                Revision(
                    record_id=record.id,
                    number=number,
                    status=record.status,
                    document=record.document,
                    reason="unsaved typing, kept before a sync change",
                    author=self.actor,
                    created_at=moment,
                    form_version=record.form_version,
                )
            )
        record.form_id = definition.id
        record.form_version = definition.version
        record.definition_digest = definition.digest
        record.status = status
        record.document = document
        record.version = version
        record.base_version = base_version
        record.saved_at = moment
        record.autosaved_at = None
        record.updated_at = moment
        summary = summarise(definition, document)
        self.copy_summary(record, summary)
        self.update_case(record, summary)
        self.update_consents(session, record)
        session.add(
            Revision(
                record_id=record.id,
                number=number + 1,
                status=status,
                document=document,
                reason=reason,
                author=author,
                created_at=moment,
                form_version=definition.version,
            )
        )

    def _update_from_incoming(
        self,
        session: Session,
        record: Record,
        incoming: SyncedRecord,
        definition: FormDefinition,
        moment: dt.datetime,
    ) -> None:
        self.replace_document(
            session,
            record,
            definition,
            incoming.document,
            status=incoming.status,
            version=incoming.version,
            base_version=incoming.version,
            reason=f"updated from a bundle (version {incoming.version})",
            author=incoming.author,
            moment=moment,
        )
        record.updated_at = parse_iso(incoming.updated) or moment
