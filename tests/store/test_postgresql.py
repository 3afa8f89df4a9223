"""The shared store on PostgreSQL: opening, migrating, and several writers at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from caf_desktop.common.errors import CafError
from caf_desktop.store import opening
from caf_desktop.store.models import AuditEvent, Revision
from caf_desktop.store.store import Store, StoreTooNew, StoreUnavailable
from sqlalchemy import func, select, text

from tests.store.conftest import PG_SERVER, pg_url
from tests.store.support import assessment, collect_leaked_connections, definition, edited

StoreFactory = Callable[..., Store]


def run_together(*jobs: Callable[[], None]) -> list[BaseException]:
    """Runs the jobs in threads that start at the same moment; returns what they raised."""
    start = threading.Barrier(len(jobs))
    failures: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a writer is stuck"
    return failures


def test_opening_a_new_database_migrates_it(pg_store_factory: StoreFactory) -> None:
    store = pg_store_factory(fresh=True)
    head, _ = opening.schema_revisions()
    with store.session() as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
        tables = set(session.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")))
    assert {"records", "revisions", "audit_events", "children", "cases", "consents", "meta"} <= tables
    assert store.home is None
    assert store.database_path is None
    again = pg_store_factory(store.database_name)  # a second open finds it current
    assert again.count() == 0
    assert again.profile() is not None


def test_documents_are_stored_as_jsonb(pg_store_factory: StoreFactory) -> None:
    store = pg_store_factory()
    record = store.add_record(definition("caf-assessment"), assessment())
    with store.session() as session:
        kind = session.execute(text("SELECT jsonb_typeof(document) FROM records")).scalar()
        name = session.execute(
            text("SELECT document -> 'child' ->> 'given_names' FROM records WHERE uuid = :id"),
            {"id": record.id},
        ).scalar()
    assert (kind, name) == ("object", "Zoë")


def test_an_unreachable_server_is_a_plain_sentence() -> None:
    with pytest.raises(StoreUnavailable) as caught:
        Store.open_url("postgresql+psycopg://caf:s3cret-pw@127.0.0.1:1/caf")
    message = str(caught.value)
    assert message.startswith(
        "The records cannot be opened: the database at postgresql+psycopg://caf:***@127.0.0.1:1/caf did not answer"
    )
    assert "s3cret-pw" not in message


def test_a_database_from_a_newer_app_is_refused(pg_store_factory: StoreFactory) -> None:
    store = pg_store_factory(fresh=True)
    with store.session() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()

    with pytest.raises(StoreTooNew, match="store version 9999"):
        pg_store_factory(store.database_name)

    collect_leaked_connections()
    with psycopg.connect(f"postgresql://postgres@{PG_SERVER}/{store.database_name}") as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("9999",)]


def test_a_refused_database_is_not_left_connected(pg_store_factory: StoreFactory, pg_admin: Any) -> None:
    """Refusing a newer database must close the connection it opened to look (the engine is
    disposed), or each refused try leaves a connection on the server until garbage collection."""
    store = pg_store_factory(fresh=True)
    with store.session() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()

    with pytest.raises(StoreTooNew) as caught:
        Store.open_url(pg_url(store.database_name))
    # The server drops a closed connection from pg_stat_activity a moment after the client goes,
    # so wait for it (a leaked connection, held by the traceback in `caught`, never goes).
    deadline = time.monotonic() + 5
    while True:
        left_open = pg_admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (store.database_name,)
        ).fetchone()[0]
        if left_open == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    del caught
    collect_leaked_connections()

    assert left_open == 0


def test_a_shared_store_has_no_passphrase_or_file_backup(
    pg_store_factory: StoreFactory, tmp_path: Path
) -> None:
    store = pg_store_factory()
    with pytest.raises(CafError, match="A shared database has no passphrase of its own"):
        store.change_passphrase("a", "b")
    with pytest.raises(CafError, match="pg_dump"):
        store.backup(tmp_path / "out.db", "x")
    assert not (tmp_path / "out.db").exists()


def test_each_connection_writes_as_its_own_actor(pg_store_factory: StoreFactory) -> None:
    ann = pg_store_factory(actor="Ann Coordinator")
    ben = pg_store_factory(ann.database_name, actor="Ben Coordinator", profile=False)
    record = ann.add_record(definition("caf-assessment"), assessment())
    ben.delete(record.id)
    assert [(e.action, e.actor) for e in ann.audit_events(record.id)] == [
        ("created", "Ann Coordinator"),
        ("deleted", "Ben Coordinator"),
    ]


def test_two_coordinators_adding_at_once_lose_nothing(pg_store_factory: StoreFactory) -> None:
    ann = pg_store_factory(actor="Ann Coordinator")
    ben = pg_store_factory(ann.database_name, actor="Ben Coordinator", profile=False)
    caf = definition("caf-assessment")
    added: dict[str, list[str]] = {"Ann": [], "Ben": []}

    def adder(store: Store, who: str) -> Callable[[], None]:
        def job() -> None:
            for n in range(50):
                added[who].append(store.add_record(caf, assessment(who, f"Family {n}", "2018-01-01")).id)

        return job

    assert run_together(adder(ann, "Ann"), adder(ben, "Ben")) == []

    everything = ann.list_records()
    assert len(everything) == ann.count() == ben.count() == 100
    assert {r.id for r in everything} == set(added["Ann"]) | set(added["Ben"])
    report = ann.verify_audit()
    assert report.ok, report.message
    events = ann.audit_events()
    assert len(events) == 100
    assert len({e.previous_hash for e in events}) == 100  # no two events follow the same one


def test_an_append_waits_for_the_writer_before_it(pg_store_factory: StoreFactory, pg_admin: Any) -> None:
    """The chain's weak spot, made to happen every time: Ann's transaction has appended an event
    and not yet committed when Ben appends his. SELECT ... FOR UPDATE on the last row alone lets
    Ben read the same last event as Ann once she commits (PostgreSQL re-checks only the row it
    locked, not whether a newer one appeared), so both would follow it; the append must wait for
    Ann and then follow her event."""
    ann = pg_store_factory(actor="Ann Coordinator")
    ben = pg_store_factory(ann.database_name, actor="Ben Coordinator", profile=False)
    ann.audit("opened")
    failures: list[BaseException] = []

    def ben_appends() -> None:
        try:
            ben.audit("imported", None, {"count": 2})
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    with ann.session() as session:
        ann.audit_in(session, "imported", None, {"count": 1})
        session.flush()
        ben_thread = threading.Thread(target=ben_appends)
        ben_thread.start()
        # Until Ben is waiting for a lock held by Ann (or, if nothing serialises, has finished).
        deadline = time.monotonic() + 10
        while ben_thread.is_alive() and time.monotonic() < deadline:
            waiting = pg_admin.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                (ann.database_name,),
            ).fetchone()[0]
            if waiting:
                break
            time.sleep(0.01)

    ben_thread.join(timeout=30)
    assert failures == []
    events = ann.audit_events()
    assert [(e.actor, e.details) for e in events] == [
        ("Ann Coordinator", {}),
        ("Ann Coordinator", {"count": 1}),
        ("Ben Coordinator", {"count": 2}),
    ]
    assert events[2].previous_hash == events[1].hash
    assert ann.verify_audit().ok


def test_the_first_events_of_an_empty_trail_at_once(pg_store_factory: StoreFactory) -> None:
    """With no event yet there is no row to lock: two first appends must still make one chain."""
    ann = pg_store_factory(actor="Ann Coordinator")
    ben = pg_store_factory(ann.database_name, actor="Ben Coordinator", profile=False)
    for _ in range(5):
        with ann.session() as session:
            session.execute(text("DELETE FROM audit_events"))
        assert run_together(lambda: ann.audit("first"), lambda: ben.audit("first")) == []
        assert ann.verify_audit().ok


def test_two_coordinators_saving_one_record_at_once(pg_store_factory: StoreFactory) -> None:
    """Both save the same record 20 times: every save is a revision with its own number, and the
    record's version counts them all (a lost update would hide a save from conflict detection)."""
    ann = pg_store_factory(actor="Ann Coordinator")
    ben = pg_store_factory(ann.database_name, actor="Ben Coordinator", profile=False)
    caf = definition("caf-assessment")
    record = ann.add_record(caf, assessment())

    def saver(store: Store, who: str) -> Callable[[], None]:
        def job() -> None:
            for n in range(20):
                store.save(record.id, edited(assessment(), f"{who} {n}"), caf)

        return job

    failures = run_together(saver(ann, "Ann"), saver(ben, "Ben"))

    assert failures == []
    with ann.session() as session:
        numbers = sorted(session.scalars(select(Revision.number)))
        saves = session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "changed")
        )
    assert saves == 40
    assert numbers == list(range(1, 42))
    assert ann.get(record.id).version == 41
    assert ann.verify_audit().ok
