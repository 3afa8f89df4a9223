"""The case list's queries, and the acknowledgements of safeguarding banners."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import Session, defer, selectinload

from caf_desktop.store import clock
from caf_desktop.store.info import (
    ORDER_COLUMNS,
    Acknowledgement,
    RecordInfo,
    RecordQuery,
    as_utc,
    chunks,
    flagged_open_cases,
    flagged_record_ids,
    fold,
    record_info,
)
from caf_desktop.store.models import (
    Case,
    Record,
    SafeguardingAcknowledgement,
)
from caf_desktop.store.records import RecordsMixin


class CaseListMixin(RecordsMixin):
    """Safeguarding acknowledgements, and the case list: counting, filtering, ordering, paging."""

    def acknowledge_safeguarding(self, record_id: str, causes: Sequence[str]) -> Acknowledgement:
        """Keeps that the store's user acknowledged the safeguarding banner of the record's current
        version, for these causes (indicator ids, `immediate-danger`), and audits it."""
        moment = clock.now()
        with self.session() as session:
            record = self.record_row(session, record_id)
            kept = sorted(set(causes))
            session.add(
                SafeguardingAcknowledgement(
                    record_id=record.id, version=record.version, causes=kept, actor=self.actor, at=moment
                )
            )
            self.audit_in(
                session, "safeguarding acknowledged", record.uuid, {"version": record.version, "causes": kept}
            )
            return Acknowledgement(record.uuid, record.version, tuple(kept), self.actor, moment)

    def safeguarding_acknowledgement(self, record_id: str, causes: Sequence[str]) -> Acknowledgement | None:
        """The newest acknowledgement of the record's current version that covers every one of
        `causes`; None when the banner must be answered again (docs/decisions.md, "Safeguarding")."""
        from caf_desktop.practice.safeguarding import covers  # noqa: PLC0415

        with self.session() as session:
            record = self.record_row(session, record_id)
            rows = session.scalars(
                select(SafeguardingAcknowledgement)
                .where(
                    SafeguardingAcknowledgement.record_id == record.id,
                    SafeguardingAcknowledgement.version == record.version,
                )
                .order_by(SafeguardingAcknowledgement.id.desc())
            )
            for row in rows:
                if covers(row.causes, causes):
                    return Acknowledgement(
                        record.uuid, row.version, tuple(row.causes), row.actor, as_utc(row.at) or clock.now()
                    )
            return None

    def _filtered(self, query: RecordQuery) -> Any:
        statement = select(Record)
        if not query.include_deleted:
            statement = statement.where(Record.deleted_at.is_(None))
        if query.search.strip():
            for word in fold(query.search).split():
                escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                statement = statement.where(Record.search_key.like(f"%{escaped}%", escape="\\"))
        if query.statuses:
            statement = statement.where(Record.status.in_(list(query.statuses)))
        if query.levels:
            statement = statement.where(Record.level.in_(list(query.levels)))
        return statement

    def count(self, query: RecordQuery | None = None) -> int:
        query = query or RecordQuery()
        with self.session() as session:
            return int(
                session.scalar(select(func.count()).select_from(self._filtered(query).subquery())) or 0
            )

    def list_records(self, query: RecordQuery | None = None) -> list[RecordInfo]:
        """A page of the case list. Documents are not loaded (their `document` is empty): use `get`."""
        query = query or RecordQuery()
        column = ORDER_COLUMNS.get(query.order_by, Record.updated_at)
        # Blank values last either way, and the same on SQLite and PostgreSQL.
        order = (column.desc() if query.descending else column.asc()).nulls_last()
        tie_break = Record.id.desc() if query.descending else Record.id.asc()  # follows the index's order
        if query.order_by == "attention":
            return self._list_by_attention(query)
        orders = [order, tie_break]
        statement = self._filtered(query).order_by(*orders).offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        with self.session() as session:
            return self._page(session, [statement])

    def _list_by_attention(self, query: RecordQuery) -> list[RecordInfo]:
        """The case list's default order: the records of cases flagged for safeguarding, then the
        others, each part newest first (`descending=False` turns both round). The flagged records
        are few: their ids come through two indexes and are ordered here; the others are one walk of
        `ix_records_list` that leaves those ids out. (The flag as an SQL condition made SQLite read
        every row to count the flagged ones: seconds at 100,000 records.)"""
        base = self._filtered(query)
        by_change = (
            (Record.updated_at.desc(), Record.id.desc())
            if query.descending
            else (Record.updated_at.asc(), Record.id.asc())
        )
        with self.session() as session:
            flagged_ids = sorted(session.scalars(flagged_record_ids()))
            matching: list[tuple[Any, int]] = []
            for chunk in chunks(flagged_ids):
                statement = base.where(Record.id.in_(chunk)).with_only_columns(Record.updated_at, Record.id)
                matching.extend((row.updated_at, row.id) for row in session.execute(statement))
            matching.sort(reverse=query.descending)
            flagged = [row_id for _, row_id in matching]
            others = base.where(Record.id.not_in(flagged_record_ids())).order_by(*by_change)
            if query.descending:
                in_first = len(flagged)
            else:
                in_first = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
                in_first -= len(flagged)
            end = None if query.limit is None else query.offset + query.limit
            pages: list[Record] = []
            if query.descending:
                pages += self._records_in_order(session, flagged[query.offset : end])
                if end is None or end > in_first:
                    skip = max(0, query.offset - in_first)
                    pages += session.scalars(
                        self._without_documents(
                            others.offset(skip).limit(
                                None if end is None else end - max(query.offset, in_first)
                            )
                        )
                    )
            else:
                if query.offset < in_first:
                    pages += session.scalars(
                        self._without_documents(
                            others.offset(query.offset).limit(
                                None if end is None else min(end, in_first) - query.offset
                            )
                        )
                    )
                if end is None or end > in_first:
                    pages += self._records_in_order(
                        session,
                        flagged[max(0, query.offset - in_first) : None if end is None else end - in_first],
                    )
            return self._marked(session, [record_info(r, with_document=False) for r in pages])

    @staticmethod
    def _without_documents(statement: Any) -> Any:
        return statement.options(defer(Record.document), selectinload(Record.case))

    def _records_in_order(self, session: Session, ids: Sequence[int]) -> list[Record]:
        """The records with these ids (without their documents), in the order given."""
        found: dict[int, Record] = {}
        for chunk in chunks(list(ids)):
            found.update(
                (r.id, r)
                for r in session.scalars(self._without_documents(select(Record).where(Record.id.in_(chunk))))
            )
        return [found[i] for i in ids if i in found]

    def _page(self, session: Session, statements: Sequence[Any]) -> list[RecordInfo]:
        """The rows of the statements, in order, without their documents, marked as `_marked` says."""
        rows = [
            record_info(r, with_document=False)
            for statement in statements
            for r in session.scalars(self._without_documents(statement))
        ]
        return self._marked(session, rows)

    @staticmethod
    def _marked(session: Session, rows: list[RecordInfo]) -> list[RecordInfo]:
        """The rows, each marked when its case is flagged for safeguarding (one more query, over this
        page's cases only)."""
        case_ids = sorted({r.case_id for r in rows if r.case_id is not None})
        flagged_cases: set[str] = set()
        for chunk in chunks(case_ids):
            flagged_cases.update(
                session.scalars(
                    select(Case.uuid).where(Case.uuid.in_(chunk), Case.id.in_(flagged_open_cases()))
                )
            )
        return [
            dataclasses.replace(r, case_safeguarding=True) if r.case_id in flagged_cases else r for r in rows
        ]

    def records_of_form(self, form_id: str, version: str) -> list[RecordInfo]:
        """Every record (not deleted) made with this version of a form, with its document, in one query:
        what a new version of the form would touch (`forms diff`, Publish, `records migrate`)."""
        with self.session() as session:
            rows = session.scalars(
                select(Record).where(
                    Record.form_id == form_id, Record.form_version == version, Record.deleted_at.is_(None)
                )
            ).all()
            return [record_info(r) for r in rows]

    def unsaved(self) -> list[RecordInfo]:
        """Records whose autosaved working copy is newer than their last save: drafts to recover."""
        with self.session() as session:
            rows = session.scalars(
                select(Record).where(Record.autosaved_at.is_not(None), Record.deleted_at.is_(None))
            )
            return [info for info in (record_info(r) for r in rows) if info.has_unsaved_changes]
