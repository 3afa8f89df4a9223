"""Children, records and their revisions: adding, saving, restoring, deleting."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import (
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from caf_desktop.common.errors import CafError
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.practice.sharing import ConsentSources
from caf_desktop.store import clock
from caf_desktop.store.core import StoreCore
from caf_desktop.store.info import (
    CONSENT_PARTS,
    STATUSES,
    ChildMatch,
    RecordInfo,
    RevisionInfo,
    Summary,
    as_utc,
    chunks,
    closes_case,
    consent_parts,
    consent_values,
    fold,
    record_info,
    summarise,
    summary_values,
)
from caf_desktop.store.models import (
    Case,
    Child,
    Consent,
    Meta,
    Record,
    Revision,
    SafeguardingAcknowledgement,
)
from caf_desktop.store.opening import (
    RETENTION_DAYS_AFTER_DELETE,
    RecordNotFound,
)


class RecordsMixin(StoreCore):
    """Children and their cases, records, and revisions.

    Shared with the other concerns (`core.SHARED_MACHINERY`): `record_row`, a record's row by its id;
    `copy_summary`, the case list's columns from a document's summary; `update_case`, what a saved
    record makes of its case (drift, agreed level, lead professional, next review, closing);
    `update_consents`, the consent rows from the document; `unshare_revisions`, called before a
    record's document is replaced."""

    def find_children(
        self, given_names: str, family_name: str, date_of_birth: dt.date | None
    ) -> list[ChildMatch]:
        """Children who may be this one: the same family name and date of birth, or names that nearly match."""
        family = fold(family_name)
        if not family:
            return []
        wanted = fold(f"{given_names} {family_name}")
        with self.session() as session:
            candidates = list(
                session.scalars(
                    select(Child).where(
                        or_(Child.family_key == family, Child.family_key.like(family[:3] + "%"))
                    )
                )
            )
        import difflib  # noqa: PLC0415

        found: list[ChildMatch] = []
        for child in candidates:
            same_birth = date_of_birth is not None and child.date_of_birth == date_of_birth
            exact = child.family_key == family and same_birth
            close = difflib.SequenceMatcher(None, child.name_key, wanted).ratio() >= 0.8 and (
                same_birth or date_of_birth is None or child.date_of_birth is None
            )
            if exact or close or (child.family_key == family and same_birth):
                found.append(
                    ChildMatch(
                        child.uuid,
                        f"{child.given_names} {child.family_name}".strip(),
                        child.date_of_birth,
                        exact,
                        child.given_names,
                        child.family_name,
                        child.expected_date,
                    )
                )
        return sorted(found, key=lambda m: (not m.exact, m.name))

    def possible_matches(
        self, people: Mapping[str, tuple[str, str, dt.date | None]]
    ) -> dict[str, list[ChildMatch]]:
        """For each key's child (given names, family name, date of birth), the stored children with the
        same family name and date of birth and nearly the same given names: who a new child from a
        bundle may be (never merged by
        this; a person decides). One query for each 500 family names."""
        import difflib  # noqa: PLC0415

        wanted = {
            key: (fold(family), born, fold(given))
            for key, (given, family, born) in people.items()
            if fold(family) and born
        }
        by_family: dict[str, list[Child]] = {}
        with self.session() as session:
            for chunk in chunks(sorted({family for family, _, _ in wanted.values()})):
                for child in session.scalars(select(Child).where(Child.family_key.in_(chunk))):
                    by_family.setdefault(child.family_key, []).append(child)
        found: dict[str, list[ChildMatch]] = {}
        for key, (family, born, given) in wanted.items():
            matches = [
                ChildMatch(
                    c.uuid,
                    f"{c.given_names} {c.family_name}".strip(),
                    c.date_of_birth,
                    True,
                    c.given_names,
                    c.family_name,
                    c.expected_date,
                )
                for c in by_family.get(family, [])
                # Twins share a family name and a birthday: the given names must nearly match too.
                if c.date_of_birth == born
                and difflib.SequenceMatcher(None, fold(c.given_names), given).ratio() >= 0.8
            ]
            if matches:
                found[key] = sorted(matches, key=lambda m: m.name)
        return found

    def child_of(self, record_id: str) -> str | None:
        """The id of the child a record is about (None for a record with no child named yet)."""
        with self.session() as session:
            record = self.record_row(session, record_id)
            return record.case.child.uuid if record.case is not None else None

    def child_case(self, child_id: str) -> tuple[ChildMatch, list[RecordInfo]]:
        """The child as stored, and the records (not deleted) of their open case, most recently
        changed first: what a new record for this child starts from. No open case: no records."""
        with self.session() as session:
            child = session.scalars(select(Child).where(Child.uuid == child_id)).first()
            if child is None:
                raise CafError(f"There is no child {child_id!r} in the store.")
            case = session.scalars(
                select(Case).where(Case.child_id == child.id, Case.status == "open").order_by(Case.id.desc())
            ).first()
            rows = (
                session.scalars(
                    select(Record)
                    .where(Record.case_id == case.id, Record.deleted_at.is_(None))
                    .order_by(Record.updated_at.desc(), Record.id.desc())
                ).all()
                if case is not None
                else []
            )
            facts = ChildMatch(
                child.uuid,
                f"{child.given_names} {child.family_name}".strip(),
                child.date_of_birth,
                True,
                child.given_names,
                child.family_name,
                child.expected_date,
            )
            return facts, [record_info(row) for row in rows]

    def starting_document(self, definition: FormDefinition, child_id: str) -> dict[str, Any]:
        """What a new record of `definition` for this child starts with, from the child's open case
        (`caf_desktop.practice.case_start`): the stored names, the CAF reference, the lead professional and,
        for a TAC review, the open actions of the last TAC plan."""
        from caf_desktop.practice import case_start  # noqa: PLC0415

        child, records = self.child_case(child_id)
        return case_start.starting_document(
            definition,
            case_start.ChildFacts(
                child.given_names, child.family_name, child.date_of_birth, child.expected_date
            ),
            [case_start.CaseDocument(r.form_id, r.document, r.updated) for r in records],
        )

    def _child_for(self, session: Session, summary: Summary, child_id: str | None) -> Child | None:
        if child_id is not None:
            child = session.scalars(select(Child).where(Child.uuid == child_id)).first()
            if child is None:
                raise CafError(f"There is no child {child_id!r} in the store.")
            return child
        if not summary.family_name and not summary.given_names:
            return None
        moment = clock.now()
        child = Child(
            uuid=str(uuid_module.uuid4()),
            given_names=summary.given_names,
            family_name=summary.family_name,
            name_key=fold(summary.child_name),
            family_key=fold(summary.family_name),
            date_of_birth=summary.date_of_birth,
            expected_date=summary.expected_date,
            sex=summary.sex,
            address=summary.address,
            created_at=moment,
            updated_at=moment,
        )
        session.add(child)
        session.flush()
        return child

    def _case_for(self, session: Session, child: Child | None) -> Case | None:
        if child is None:
            return None
        case = session.scalars(
            select(Case).where(Case.child_id == child.id, Case.status == "open").order_by(Case.id.desc())
        ).first()
        if case is None:
            moment = clock.now()
            case = Case(
                uuid=str(uuid_module.uuid4()),
                child_id=child.id,
                status="open",
                opened=moment.date(),
                created_at=moment,
                updated_at=moment,
            )
            session.add(case)
            session.flush()
        return case

    def record_row(self, session: Session, record_id: str, *, for_update: bool = False) -> Record:
        """The record's row (`RecordNotFound` if there is none); `for_update` locks it."""
        statement = select(Record).where(Record.uuid == record_id)
        if for_update:
            statement = statement.with_for_update()  # two coordinators saving one record take turns
        record = session.scalars(statement).first()
        if record is None:
            raise RecordNotFound(record_id)
        return record

    @staticmethod
    def copy_summary(record: Record, summary: Summary) -> None:
        for key, value in summary_values(record.form_id, summary).items():
            setattr(record, key, value)

    def update_case(self, record: Record, summary: Summary) -> None:
        case = record.case
        if case is None:
            return
        from caf_desktop.store import drift  # noqa: PLC0415

        records = [record, *(r for r in case.records if r is not record and r.deleted_at is None)]
        case.attention = drift.attention(
            (
                drift.case_record(
                    r.form_id, r.document, as_utc(r.created_at) or clock.now(), r.status, r.level
                )
                for r in records
            ),
            clock.now().date(),
        )
        if summary.level is not None:
            case.agreed_level = summary.level
        if summary.lead_professional:
            case.lead_professional = summary.lead_professional
        if summary.next_review is not None:
            case.next_review = summary.next_review
        if closes_case(record.status, summary):
            case.status, case.closed, case.attention = "closed", summary.closed_on, None
        case.updated_at = clock.now()

    def refresh_guidance(self) -> int:
        """Works the case list's stored guidance out again when the threshold guidance has changed since
        this store last did (a new version of a ruleset, shipped or from the team): the suggested level
        and the safeguarding flag are kept with each record when it is saved, so without this a record
        saved under 1.0.0 would keep a child-in-need level 4 flagged as child protection, or miss a
        sign that a newer version reads as child protection. Only the records a change of guidance can
        touch are read: those flagged, or with a suggested level of 3 or more (no 1.0.0 indicator below
        level 3 became a sign of harm). Returns how many records changed."""
        import json  # noqa: PLC0415

        from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415
        from caf_desktop.practice.thresholds import installed_rulesets  # noqa: PLC0415

        versions = json.dumps({key: r.version for key, r in sorted(installed_rulesets().items())})
        changed = 0
        with self.session() as session:
            seen = session.get(Meta, "guidance.rulesets")
            if seen is not None and seen.value == versions:
                return 0
            catalogue = installed_catalogue()
            rows = session.scalars(
                select(Record).where(
                    Record.deleted_at.is_(None),
                    or_(Record.safeguarding.is_(True), Record.suggested_level >= 3),
                )
            ).all()
            for record in rows:
                try:
                    definition = catalogue.get(record.form_id, record.form_version)
                except CafError:
                    continue  # a form this app no longer has: its stored guidance stays
                summary = summarise(definition, record.document)
                if (summary.safeguarding, summary.suggested_level) != (
                    record.safeguarding,
                    record.suggested_level,
                ):
                    self.copy_summary(record, summary)
                    changed += 1
            session.merge(Meta(key="guidance.rulesets", value=versions))
        return changed

    def refresh_attention(self, today: dt.date | None = None, *, force: bool = False) -> int:
        """Works drift out again for every open case with a record that can drift (a CAF, TAC record,
        referral or oversight), once a day: a review, a referral's decision or an oversight becomes
        overdue as days pass, with nobody saving anything. Returns how many cases changed."""
        from caf_desktop.store import drift  # noqa: PLC0415

        today = today or clock.now().date()
        changed = 0
        with self.session() as session:
            done = session.get(Meta, "attention.refreshed_on")
            if done is not None and done.value == today.isoformat() and not force:
                return 0
            cases = session.scalars(
                select(Case)
                .where(Case.status == "open")
                .where(
                    Case.id.in_(
                        select(Record.case_id).where(
                            Record.form_id.in_(drift.DRIFTING_FORMS), Record.deleted_at.is_(None)
                        )
                    )
                )
            ).all()
            for case in cases:
                records = [r for r in case.records if r.deleted_at is None]
                records.sort(key=lambda r: r.updated_at, reverse=True)
                attention = drift.attention(
                    (
                        drift.case_record(
                            r.form_id, r.document, as_utc(r.created_at) or clock.now(), r.status, r.level
                        )
                        for r in records
                    ),
                    today,
                )
                if attention != case.attention:
                    case.attention = attention
                    changed += 1
            session.merge(Meta(key="attention.refreshed_on", value=today.isoformat()))
        return changed

    def update_consents(self, session: Session, record: Record, *, fresh: bool = False) -> None:
        """Copies the document's consents into their rows (`fresh`: the record is new, so it has none yet
        and looking them up can be skipped)."""
        for kind, values in consent_values(record.document).items():
            row = (
                None
                if fresh
                else session.scalars(
                    select(Consent).where(Consent.record_id == record.id, Consent.kind == kind)
                ).first()
            )
            if row is None:
                row = Consent(record_id=record.id, kind=kind)
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = clock.now()

    def add_record(
        self,
        definition: FormDefinition,
        document: dict[str, Any],
        *,
        status: str = "draft",
        child_id: str | None = None,
        record_id: str | None = None,
    ) -> RecordInfo:
        """Stores a document as a new record (and its first revision); joins or makes the child's case."""
        summary = summarise(definition, document)
        moment = clock.now()
        with self.session() as session:
            child = self._child_for(session, summary, child_id)
            case = self._case_for(session, child)
            record = Record(
                uuid=record_id or str(uuid_module.uuid4()),
                case=case,
                form_id=definition.id,
                form_version=definition.version,
                definition_digest=definition.digest,
                status=status,
                document=document,
                version=1,
                author=self.actor,
                created_at=moment,
                updated_at=moment,
                saved_at=moment,
            )
            self.copy_summary(record, summary)
            session.add(record)
            session.flush()
            session.add(
                Revision(
                    record_id=record.id,
                    number=1,
                    status=status,
                    document=document,
                    reason="created",
                    author=self.actor,
                    created_at=moment,
                    form_version=definition.version,
                )
            )
            self.update_case(record, summary)
            self.update_consents(session, record)
            self.audit_in(session, "created", record.uuid, {"form": definition.key})
            return record_info(record)

    def get(self, record_id: str) -> RecordInfo:
        with self.session() as session:
            return record_info(self.record_row(session, record_id))

    def case_records(self, record_id: str) -> list[RecordInfo]:
        """The record and the others of its child's case (not deleted), most recently saved first."""
        with self.session() as session:
            record = self.record_row(session, record_id)
            if record.case_id is None:
                return [record_info(record)]
            rows = session.scalars(
                select(Record)
                .where(Record.case_id == record.case_id, Record.deleted_at.is_(None))
                .order_by(Record.updated_at.desc(), Record.id.desc())
            ).all()
            return [record_info(row) for row in rows]

    def consent_sources(self, record_ids: Sequence[str]) -> dict[str, ConsentSources]:
        """For each record, the documents (their consent-bearing parts only) that `case_records` would
        give, own first: three queries for all the records, not several per record. `RecordNotFound`
        for the first id (in the order given) that is not in the store."""
        wanted = list(dict.fromkeys(record_ids))
        parts = [Record.document[part].label(part) for part in CONSENT_PARTS]
        with self.session() as session:
            # The columns before the document only: reading those after it would read the document too.
            rows: dict[str, Any] = {}
            for chunk in chunks(wanted):
                rows.update(
                    (row.uuid, row)
                    for row in session.execute(
                        select(
                            Record.id, Record.uuid, Record.case_id, Record.form_id, Record.form_version
                        ).where(Record.uuid.in_(chunk))
                    )
                )
            for record_id in wanted:
                if record_id not in rows:
                    raise RecordNotFound(record_id)
            case_ids = sorted({row.case_id for row in rows.values() if row.case_id is not None})
            caseless = sorted(row.id for row in rows.values() if row.case_id is None)
            by_case: dict[int, list[tuple[str, dict[str, Any]]]] = {}
            read: dict[str, tuple[str, dict[str, Any]]] = {}  # by record id: child's name, parts
            for chunk in chunks(case_ids):
                statement = (
                    select(Record.uuid, Record.case_id, Record.child_name, Record.deleted_at, *parts)
                    .where(Record.case_id.in_(chunk))
                    .order_by(Record.case_id, Record.updated_at.desc(), Record.id.desc())
                )
                for row in session.execute(statement):
                    read[row.uuid] = (row.child_name, consent_parts(row))
                    if row.deleted_at is None:
                        by_case.setdefault(row.case_id, []).append((row.uuid, read[row.uuid][1]))
            for chunk in chunks(caseless):
                statement = select(Record.uuid, Record.child_name, *parts).where(Record.id.in_(chunk))
                for row in session.execute(statement):
                    read[row.uuid] = (row.child_name, consent_parts(row))
        sources: dict[str, ConsentSources] = {}
        for record_id in wanted:
            row = rows[record_id]
            child, own = read[record_id]
            if row.case_id is None:
                documents = [(record_id, own)]
            else:
                case = by_case.get(row.case_id, [])  # the record itself is not there if it is deleted
                documents = [d for d in case if d[0] == record_id] + [d for d in case if d[0] != record_id]
            sources[record_id] = ConsentSources(
                record_id=record_id,
                form_id=row.form_id,
                form_version=row.form_version,
                child=child,
                documents=tuple(documents),
            )
        return sources

    def autosave(
        self, record_id: str, document: dict[str, Any], definition: FormDefinition | None = None
    ) -> None:
        """Keeps the working copy, cheaply: no revision. The first autosave after a save is audited as
        an edit; the ones after it are not (every two seconds of typing is not an event)."""
        with self.session() as session:
            record = self.record_row(session, record_id)
            first_since_save = record.autosaved_at is None
            self.unshare_revisions(session, record)
            record.document = document
            record.autosaved_at = clock.now()
            record.updated_at = record.autosaved_at
            if definition is not None:
                self.copy_summary(record, summarise(definition, document))
            if first_since_save:
                self.audit_in(session, "edited", record.uuid, {"version": record.version})

    def save(
        self,
        record_id: str,
        document: dict[str, Any],
        definition: FormDefinition,
        *,
        status: str | None = None,
        reason: str = "saved",
    ) -> RevisionInfo:
        """An explicit save (or marking complete): the working copy becomes a new revision."""
        with self.session() as session:
            record = self.record_row(session, record_id, for_update=True)
            return self._new_revision(session, record, document, definition, status=status, reason=reason)

    def _new_revision(
        self,
        session: Session,
        record: Record,
        document: dict[str, Any],
        definition: FormDefinition,
        *,
        status: str | None,
        reason: str,
    ) -> RevisionInfo:
        moment = clock.now()
        if status is not None:
            record.status = status
        self.unshare_revisions(session, record)
        record.document = document
        record.version += 1
        record.saved_at = moment
        record.autosaved_at = None
        record.updated_at = moment
        summary = summarise(definition, document)
        self.copy_summary(record, summary)
        self.update_case(record, summary)
        self.update_consents(session, record)
        number = (
            session.scalar(select(func.max(Revision.number)).where(Revision.record_id == record.id)) or 0
        ) + 1
        revision = Revision(
            record_id=record.id,
            number=number,
            status=record.status,
            document=document,
            reason=reason,
            author=self.actor,
            created_at=moment,
            form_version=record.form_version,
        )
        session.add(revision)
        action = "completed" if status == "complete" else "changed"
        self.audit_in(session, action, record.uuid, {"revision": number, "version": record.version})
        return RevisionInfo(number, record.status, reason, self.actor, moment, document, record.form_version)

    def revisions(self, record_id: str) -> list[RevisionInfo]:
        with self.session() as session:
            record = self.record_row(session, record_id)
            rows = session.scalars(
                select(Revision).where(Revision.record_id == record.id).order_by(Revision.number)
            )
            return [
                RevisionInfo(
                    r.number,
                    r.status,
                    r.reason,
                    r.author,
                    as_utc(r.created_at) or clock.now(),
                    r.document if r.document is not None else record.document,
                    r.form_version or record.form_version,
                )
                for r in rows
            ]

    @staticmethod
    def unshare_revisions(session: Session, record: Record) -> None:
        """Gives a revision that shares the record's document (`Revision.document` None, as an import
        writes them) its own copy, in the database, before the record's document is replaced. Every
        change to `Record.document` calls this first; it costs an indexed look at the record's
        revisions when none is shared."""
        session.execute(
            update(Revision)
            .where(Revision.record_id == record.id, Revision.document.is_(None))
            .values(document=select(Record.document).where(Record.id == record.id).scalar_subquery())
            .execution_options(synchronize_session=False)
        )

    def restore(self, record_id: str, number: int, definition: FormDefinition) -> RevisionInfo:
        """Makes an earlier revision current again, as a new revision (nothing is rewritten). A revision
        made with another version of the form (before a move to a newer version) brings that version
        back with it: restoring the revision before a move undoes the move."""
        chosen = next((r for r in self.revisions(record_id) if r.number == number), None)
        if chosen is None:
            raise CafError(f"Record {record_id} has no revision {number}.")
        reason = f"restored from revision {number}"
        if chosen.form_version is not None and chosen.form_version != definition.version:
            from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

            earlier = installed_catalogue().get(definition.id, chosen.form_version)
            return self.move_to_version(record_id, chosen.document, earlier, reason=reason)
        return self.save(record_id, chosen.document, definition, reason=reason)

    def move_to_version(
        self, record_id: str, document: dict[str, Any], definition: FormDefinition, *, reason: str
    ) -> RevisionInfo:
        """A draft moves to another version of its form with its migrated document, as a new revision
        (audited as `migrated`). Only a draft moves: complete, signed and shared records stay as they
        were completed or signed."""
        with self.session() as session:
            record = self.record_row(session, record_id, for_update=True)
            if record.form_id != definition.id:
                raise CafError(f"Record {record_id} is a {record.form_id}, not a {definition.id}.")
            if record.status != "draft":
                raise CafError(
                    f"Record {record_id} is {record.status}: only drafts move to another version of their form "
                    "(a complete, signed or shared record stays as it was)."
                )
            was = record.form_version
            record.form_version = definition.version
            record.definition_digest = definition.digest
            revision = self._new_revision(session, record, document, definition, status=None, reason=reason)
            self.audit_in(
                session,
                "migrated",
                record.uuid,
                {"form": definition.id, "from": was, "to": definition.version, "revision": revision.number},
            )
            return revision

    def set_status(self, record_id: str, status: str) -> None:
        if status not in STATUSES:
            raise CafError(f"{status!r} is not a record status; use one of {', '.join(STATUSES)}.")
        with self.session() as session:
            record = self.record_row(session, record_id)
            record.status = status
            record.updated_at = clock.now()
            self.audit_in(session, f"status {status}", record.uuid, {})

    def delete(self, record_id: str) -> None:
        """Soft delete: hidden from the case list, kept for the retention period, undoable until then."""
        with self.session() as session:
            record = self.record_row(session, record_id)
            record.deleted_at = clock.now()
            self.audit_in(session, "deleted", record.uuid, {})

    def undelete(self, record_id: str) -> None:
        with self.session() as session:
            record = self.record_row(session, record_id)
            record.deleted_at = None
            self.audit_in(session, "undeleted", record.uuid, {})

    def purge_deleted(
        self, *, older_than_days: int = RETENTION_DAYS_AFTER_DELETE, at: dt.datetime | None = None
    ) -> int:
        """Removes for good the records deleted more than `older_than_days` ago, with their revisions."""
        cutoff = (at or clock.now()) - dt.timedelta(days=older_than_days)
        with self.session() as session:
            doomed = list(session.scalars(select(Record).where(Record.deleted_at.is_not(None))))
            doomed = [r for r in doomed if (as_utc(r.deleted_at) or clock.now()) < cutoff]
            for record in doomed:
                session.execute(delete(Revision).where(Revision.record_id == record.id))
                session.execute(delete(Consent).where(Consent.record_id == record.id))
                session.execute(
                    delete(SafeguardingAcknowledgement).where(
                        SafeguardingAcknowledgement.record_id == record.id
                    )
                )
                self.audit_in(session, "purged", record.uuid, {})
                session.delete(record)
            return len(doomed)
