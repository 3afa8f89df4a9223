"""The store's core: its engine and transactions, the user, and the audit trail (a hash chain)."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Engine,
    Text,
    bindparam,
    cast,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from caf_desktop.store import clock
from caf_desktop.store.info import (
    AuditReport,
    Profile,
)
from caf_desktop.store.models import (
    AuditEvent,
    Base,
    Meta,
)
from caf_desktop.store.opening import (
    AUDIT_ANCHOR_FILE,
    DATABASE_FILE,
    StoreUnavailable,
    plain_reason,
)

_AUDIT_HEAD = "caf.audit_head"  # session.info: the chain's new head, anchored once the session commits


TABLES = Base.metadata.tables  # for inserts by executemany, without an ORM object per row


def event_hash(previous: str, event: tuple[str, str, str, str | None, dict[str, Any]]) -> str:
    """An audit event's hash: SHA-256 of the previous event's hash and this event's (at, actor, action,
    record id, details) as canonical JSON. Anyone can recompute it (that is the point of a chain);
    the store's tests do, to forge an edit that rehashes the event it changes."""
    body = json.dumps(
        [previous, *event],
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# The concerns' shared machinery. `store.Store` is one class made of mixins by concern, one module each
# (this core, `records`, `caselist`, `importing`, `exchange`). What one concern uses of another's has a
# public name, because a leading underscore means "this module only" (docs/architecture.md); these
# names are still not the store's API: nothing outside `caf_desktop.store` and its tests uses them
# (tests/architecture/test_layers.py checks that). Each is documented where it is defined.
SHARED_MACHINERY = frozenset(
    {
        # the core (this module)
        "actor",
        "audit_in",
        "audit_many_in",
        "bulk_insert",
        # the records (`records.RecordsMixin`)
        "copy_summary",
        "record_row",
        "unshare_revisions",
        "update_case",
        "update_consents",
        # importing (`importing.ImportMixin`)
        "replace_document",
    }
)


class StoreCore:
    """The engine, its transactions, the user and the audit trail, which every part of the store uses.

    Shared with the other concerns (`SHARED_MACHINERY`): `actor`, the name the audit trail and new
    revisions give the person at work; `audit_in` and `audit_many_in`, which append to the audit trail
    inside a transaction already open; `bulk_insert`, rows by one executemany."""

    def __init__(
        self, engine: Engine, *, home: Path | None = None, actor: str = "", anchor_key: bytes | None = None
    ) -> None:
        self.engine = engine
        self.home = home
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.actor = actor
        # The key that authenticates audit.anchor: derived from the database key, so the anchor can be
        # written only by someone who can open the database, and read as genuine only with it.
        self._anchor_key = anchor_key

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction; a database failure (disk full, file locked) becomes a plain StoreUnavailable."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except DBAPIError as error:
            raise StoreUnavailable(plain_reason(error)) from error
        head = session.info.pop(_AUDIT_HEAD, None)
        if head is not None:
            self._anchor_audit(head)

    @property
    def database_path(self) -> Path | None:
        return self.home / DATABASE_FILE if self.home is not None else None

    def set_profile(self, profile: Profile) -> None:
        with self.session() as session:
            for key, value in (
                ("user.name", profile.name),
                ("user.role", profile.role),
                ("user.organisation", profile.organisation),
            ):
                session.merge(Meta(key=key, value=value))
        self.actor = profile.name

    def profile(self) -> Profile | None:
        with self.session() as session:
            values = {m.key: m.value for m in session.scalars(select(Meta).where(Meta.key.like("user.%")))}
        if "user.name" not in values:
            return None
        return Profile(values["user.name"], values.get("user.role", ""), values.get("user.organisation", ""))

    def audit_in(
        self, session: Session, action: str, record_uuid: str | None, details: dict[str, Any]
    ) -> None:
        """Appends an event to the audit trail inside the session's transaction (anchored outside the
        database once it commits); `audit` does the same in a transaction of its own."""
        if self.engine.dialect.name == "postgresql":
            # One writer at a time appends to the chain, or two could both follow the same last event.
            session.execute(text("SELECT pg_advisory_xact_lock(424242)"))
        last = session.scalars(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1).with_for_update()
        ).first()
        previous = last.hash if last is not None else "0" * 64
        at = clock.now().isoformat(timespec="microseconds")
        digest = event_hash(previous, (at, self.actor, action, record_uuid, details))
        session.add(
            AuditEvent(
                at=at,
                actor=self.actor,
                action=action,
                record_uuid=record_uuid,
                details=details,
                previous_hash=previous,
                hash=digest,
            )
        )
        # The head of the chain is kept apart too, so removing the newest events is noticed; and
        # outside the database (audit.anchor), so removing them with this row is noticed as well.
        session.merge(Meta(key="audit.head", value=digest))
        session.info[_AUDIT_HEAD] = digest

    def audit(
        self, action: str, record_uuid: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        """Records an event (details must hold no personal data: ids, counts, form ids, hashes)."""
        with self.session() as session:
            self.audit_in(session, action, record_uuid, details or {})

    def audit_events(self, record_uuid: str | None = None) -> list[AuditEvent]:
        with self.session() as session:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if record_uuid is not None:
                query = query.where(AuditEvent.record_uuid == record_uuid)
            events = list(session.scalars(query))
            session.expunge_all()
            return events

    def _anchor_mac(self, head: str) -> str:
        assert self._anchor_key is not None
        return hmac.new(self._anchor_key, f"caf-desktop audit anchor 1 {head}".encode(), "sha256").hexdigest()

    def _anchor_audit(self, head: str) -> None:
        """Writes the chain's head to audit.anchor (SQLCipher stores only), after the commit that
        made it. A crash or a full disk between the two leaves the anchor one step behind, which
        `verify_audit` accepts: it asks only that the anchored event is still in the chain."""
        if self.home is None or self._anchor_key is None:
            return
        body = json.dumps({"format": 1, "head": head, "mac": self._anchor_mac(head)}) + "\n"
        target = self.home / AUDIT_ANCHOR_FILE
        temporary = target.with_name(f".{AUDIT_ANCHOR_FILE}.part")
        # Whole or not at all (a rename), but not synced to disk: an fsync at every audited save
        # tripled the cost of an event. A power cut can leave the last anchor unwritten (it is
        # then behind, which is accepted) or, on some file systems, empty: then `verify_audit`
        # says the end cannot be checked, never that the trail is intact (docs/audit.md).
        with contextlib.suppress(OSError):
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                stream.write(body)
            temporary.replace(target)

    def _anchored_head(self) -> tuple[str | None, str | None]:
        """The head audit.anchor vouches for, or the sentence saying why there is none to trust."""
        assert self.home is not None
        path = self.home / AUDIT_ANCHOR_FILE
        try:
            anchor = json.loads(path.read_text(encoding="utf-8"))
            head, mac = anchor["head"], anchor["mac"]
            genuine = (
                isinstance(head, str)
                and isinstance(mac, str)
                and hmac.compare_digest(mac, self._anchor_mac(head))
            )
        except FileNotFoundError:
            return None, (
                f"The end of the audit trail cannot be checked: its anchor ({AUDIT_ANCHOR_FILE}, kept beside the "
                "database) is missing, so the newest events may have been removed with it. Restore the home "
                "folder from a backup, or tell whoever looks after this laptop's records."
            )
        except (OSError, ValueError, KeyError, TypeError):
            genuine = False
        if not genuine:
            return None, (
                f"The end of the audit trail cannot be checked: its anchor ({AUDIT_ANCHOR_FILE}) is damaged or was "
                "not written with this store's key. Restore the home folder from a backup, or tell whoever looks "
                "after this laptop's records."
            )
        return str(head), None

    def verify_audit(self) -> AuditReport:
        """Walks the chain: an edited event no longer matches its hash; a removed one breaks the link;
        and (an encrypted store in a home) the head anchored outside the database must be in it, so
        the newest events cannot be removed together with the database's own note of the head."""
        previous = "0" * 64
        checked = 0
        anchored, anchor_problem = (None, None)
        if self.home is not None and self._anchor_key is not None:
            anchored, anchor_problem = self._anchored_head()
        anchor_seen = False
        with self.session() as session:
            for audit_event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
                fields = (
                    audit_event.at,
                    audit_event.actor,
                    audit_event.action,
                    audit_event.record_uuid,
                    audit_event.details,
                )
                expected = event_hash(audit_event.previous_hash, fields)
                if audit_event.previous_hash != previous:
                    return AuditReport(
                        False,
                        checked,
                        audit_event.id,
                        f"Audit event {audit_event.id} ({audit_event.at}, {audit_event.action}) does not follow the event before it: an event has been removed or reordered.",
                    )
                if audit_event.hash != expected:
                    return AuditReport(
                        False,
                        checked,
                        audit_event.id,
                        f"Audit event {audit_event.id} ({audit_event.at}, {audit_event.action}) has been changed since it was written.",
                    )
                previous = audit_event.hash
                checked += 1
                anchor_seen = anchor_seen or audit_event.hash == anchored
            head = session.get(Meta, "audit.head")
            if head is not None and head.value != previous:
                return AuditReport(
                    False,
                    checked,
                    None,
                    f"The newest audit events have been removed: the trail ends after {checked} events, "
                    "but it had reached a later event.",
                )
        if anchor_problem is not None:
            return AuditReport(False, checked, None, anchor_problem)
        if anchored is not None and not anchor_seen:
            return AuditReport(
                False,
                checked,
                None,
                f"The newest audit events have been removed: the trail ends after {checked} events, but its "
                f"anchor outside the database ({AUDIT_ANCHOR_FILE}) names a later event that is no longer there.",
            )
        return AuditReport(
            True,
            checked,
            None,
            f"The audit trail is intact: {checked} event{'s' if checked != 1 else ''} checked.",
        )

    def audit_many_in(
        self, session: Session, events: Sequence[tuple[str, str | None, dict[str, Any]]]
    ) -> None:
        """Appends several events to the chain in one go: the last event is read once, not per event,
        and the events go in by one executemany, in order, so their ids follow the chain."""
        if not events:
            return
        if self.engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(424242)"))  # as `audit_in` does
        last = session.scalars(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1).with_for_update()
        ).first()
        previous = last.hash if last is not None else "0" * 64
        rows = []
        for action, record_uuid, details in events:
            at = clock.now().isoformat(timespec="microseconds")
            digest = event_hash(previous, (at, self.actor, action, record_uuid, details))
            rows.append(
                {
                    "at": at,
                    "actor": self.actor,
                    "action": action,
                    "record_uuid": record_uuid,
                    "details": details,
                    "previous_hash": previous,
                    "hash": digest,
                }
            )
            previous = digest
        self.bulk_insert(session, "audit_events", rows)
        session.merge(Meta(key="audit.head", value=previous))
        session.info[_AUDIT_HEAD] = previous

    def audit_many(self, events: Sequence[tuple[str, str | None, dict[str, Any]]]) -> None:
        """Records several events (action, record id, details) in one transaction, in order."""
        with self.session() as session:
            self.audit_many_in(session, events)

    def bulk_insert(
        self,
        session: Session,
        table_name: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        json_text: str | None = None,
    ) -> None:
        """Inserts rows (all with the same columns) by one executemany, in order. `json_text` names a
        document column whose values are JSON text already made (the bundle's own text of each
        document), bound as they are instead of parsed and encoded again.

        On SQLCipher the driver's executemany is called directly, with each value made by the bind
        processor SQLAlchemy itself would use for its column (dates and times as SQLite stores them,
        JSON encoded, ...): compiling and checking the parameters of each row costs SQLAlchemy about
        as much as SQLite's writing of a bundle's 1,000 records. PostgreSQL goes through SQLAlchemy,
        casting JSON text to JSONB."""
        if not rows:
            return
        table = TABLES[table_name]
        names = list(rows[0])
        if any(list(row) != names for row in rows):
            raise AssertionError(f"rows for {table_name} must all name the same columns, in the same order")
        dialect = self.engine.dialect
        if dialect.name != "sqlite":
            if json_text is None:
                session.execute(insert(table), rows)
                return
            parameter = f"{json_text}_text"
            statement = insert(table).values({json_text: cast(bindparam(parameter, type_=Text()), JSONB)})
            session.execute(
                statement, [{(parameter if k == json_text else k): v for k, v in row.items()} for row in rows]
            )
            return
        processors = [
            None if name == json_text else table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        ]
        converting = [(i, p) for i, p in enumerate(processors) if p is not None]
        # Most rows of a bundle share their moments (created, saved): each is formatted once.
        formatted: dict[tuple[int, dt.date, Any], Any] = {}
        values = []
        for row in rows:
            made = list(row.values())
            for index, processor in converting:
                value = made[index]
                if value is None:
                    continue
                if isinstance(value, dt.date):  # datetimes too
                    # Equal moments in other time zones are stored as their own wall time.
                    key = (index, value, value.utcoffset() if isinstance(value, dt.datetime) else None)
                    done = formatted.get(key)
                    if done is None:
                        done = formatted[key] = processor(value)
                    made[index] = done
                else:
                    made[index] = processor(value)
            values.append(tuple(made))
        columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
        marks = ", ".join("?" * len(names))
        session.connection().exec_driver_sql(
            f"INSERT INTO {table_name} ({columns}) VALUES ({marks})",  # noqa: S608 - our own table and column names
            values,
        )
