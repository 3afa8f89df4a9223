"""Safeguarding in the store: the case list's flag and order, and acknowledgements of the banner kept
per record and version, on SQLCipher and PostgreSQL, with the migration that brought them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from caf_desktop.store import opening
from caf_desktop.store import store as store_module
from caf_desktop.store.store import RecordQuery, Store
from sqlalchemy import inspect, text

from tests.store.conftest import PASSPHRASE
from tests.store.support import assessment, child_of, definition, example

DANGER = "health.l4.non_accidental_injury"


def in_danger(given: str = "Mira", family: str = "Fenwick-Adeyemi") -> dict[str, Any]:
    """A CAF about a fictional child with a level-4 (safeguarding) indicator chosen."""
    document = assessment(given, family, "2016-05-02")
    document["development"]["health"]["indicators"].append(DANGER)
    return document


def test_a_record_with_a_level_4_indicator_is_flagged_and_listed_first(store: Store) -> None:
    flagged = store.add_record(definition("caf-assessment"), in_danger()).id
    store.add_record(definition("caf-assessment"), assessment("Tobias", "Ashgrove", "2018-01-09"))
    newest = store.add_record(definition("tac-meeting"), example("tac-meeting/full")).id

    info = store.get(flagged)
    assert (info.safeguarding, info.flags_safeguarding, info.suggested_level) == (True, True, 4)
    assert not store.get(newest).flags_safeguarding
    by_change = [r.id for r in store.list_records(RecordQuery())]
    assert by_change[0] == newest  # newest first, as before
    by_attention = [r.id for r in store.list_records(RecordQuery(order_by="attention"))]
    assert by_attention[0] == flagged
    assert by_attention[1:] == [i for i in by_change if i != flagged]
    reversed_ids = [r.id for r in store.list_records(RecordQuery(order_by="attention", descending=False))]
    assert reversed_ids[-1] == flagged


def test_every_record_of_the_case_is_flagged_and_listed_first(store: Store) -> None:
    flagged = store.add_record(definition("caf-assessment"), in_danger()).id
    plan = store.add_record(
        definition("tac-meeting"), example("tac-meeting/full"), child_id=child_of(store, flagged)
    ).id
    newest = store.add_record(definition("caf-assessment"), assessment("Tobias", "Ashgrove", "2018-01-09")).id

    listed = store.list_records(RecordQuery(order_by="attention"))

    assert [r.id for r in listed] == [plan, flagged, newest]
    assert [r.flags_safeguarding for r in listed] == [True, True, False]
    assert not store.get(plan).safeguarding  # the plan itself records no such indicator
    # Page by page (the case list fetches 200 at a time), the same order, across the boundary too.
    for size in (1, 2):
        pages = [
            r.id
            for offset in range(0, 3, size)
            for r in store.list_records(RecordQuery(order_by="attention", offset=offset, limit=size))
        ]
        assert pages == [plan, flagged, newest]
    assert store.count(RecordQuery(order_by="attention")) == 3
    oldest_first = store.list_records(RecordQuery(order_by="attention", descending=False, offset=1, limit=2))
    assert [r.id for r in oldest_first] == [flagged, plan]


def test_a_closed_case_is_not_flagged_and_does_not_come_first(store: Store) -> None:
    flagged = store.add_record(definition("caf-assessment"), in_danger()).id
    closure = example("caf-closure/full")
    closure_id = store.add_record(definition("caf-closure"), closure, child_id=child_of(store, flagged)).id
    store.save(closure_id, closure, definition("caf-closure"), status="complete")
    other = store.add_record(definition("caf-assessment"), assessment("Tobias", "Ashgrove", "2018-01-09")).id

    info = store.get(flagged)
    assert (info.safeguarding, info.case_closed, info.flags_safeguarding) == (True, True, False)
    assert store.list_records(RecordQuery(order_by="attention"))[0].id == other


def test_unticking_the_indicator_takes_the_flag_away(store: Store) -> None:
    flagged = store.add_record(definition("caf-assessment"), in_danger()).id
    store.autosave(flagged, assessment("Mira", "Fenwick-Adeyemi", "2016-05-02"), definition("caf-assessment"))
    assert not store.get(flagged).safeguarding


def test_an_acknowledgement_is_kept_for_its_version_with_who_and_when(store: Store) -> None:
    record_id = store.add_record(definition("caf-assessment"), in_danger()).id
    assert store.safeguarding_acknowledgement(record_id, [DANGER]) is None
    before = store_module.now()

    made = store.acknowledge_safeguarding(record_id, [DANGER])

    found = store.safeguarding_acknowledgement(record_id, [DANGER])
    assert found is not None
    assert (found.version, found.causes, found.by) == (1, (DANGER,), "Test Worker")
    assert before <= found.at <= store_module.now()
    assert found == made
    [event] = [e for e in store.audit_events(record_id) if e.action == "safeguarding acknowledged"]
    assert (event.actor, event.details) == ("Test Worker", {"version": 1, "causes": [DANGER]})
    assert dt.datetime.fromisoformat(event.at) >= before
    assert store.verify_audit().ok
    # A danger chosen after the acknowledgement is not covered by it.
    assert store.safeguarding_acknowledgement(record_id, [DANGER, "immediate-danger"]) is None
    # Typing kept by autosave is the same version: still acknowledged.
    store.autosave(record_id, in_danger(), definition("caf-assessment"))
    assert store.safeguarding_acknowledgement(record_id, [DANGER]) is not None


def test_a_newer_version_needs_its_own_acknowledgement(store: Store) -> None:
    record_id = store.add_record(definition("caf-assessment"), in_danger()).id
    store.acknowledge_safeguarding(record_id, [DANGER])

    store.save(record_id, in_danger(), definition("caf-assessment"))

    assert store.get(record_id).version == 2
    assert store.safeguarding_acknowledgement(record_id, [DANGER]) is None
    store.acknowledge_safeguarding(record_id, [DANGER])
    again = store.safeguarding_acknowledgement(record_id, [DANGER])
    assert again is not None
    assert again.version == 2


def test_an_acknowledgement_survives_closing_the_store(home: Path, sqlcipher_store: Store) -> None:
    record_id = sqlcipher_store.add_record(definition("caf-assessment"), in_danger()).id
    sqlcipher_store.acknowledge_safeguarding(record_id, [DANGER])
    sqlcipher_store.close()

    reopened = Store.open(home, PASSPHRASE)
    try:
        found = reopened.safeguarding_acknowledgement(record_id, [DANGER])
        assert found is not None
        assert found.by == "Test Worker"
    finally:
        reopened.close()


def test_purging_a_deleted_record_removes_its_acknowledgements(store: Store) -> None:
    record_id = store.add_record(definition("caf-assessment"), in_danger()).id
    store.acknowledge_safeguarding(record_id, [DANGER])
    store.delete(record_id)

    assert store.purge_deleted(at=store_module.now() + dt.timedelta(days=31)) == 1

    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM safeguarding_acknowledgements")).scalar() == 0


def _migrate_to(store: Store, revision: str) -> None:
    from alembic import command

    config = opening.migration_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        if revision == "head":
            command.upgrade(config, revision)
        else:
            command.downgrade(config, revision)


def test_the_migration_flags_stored_records_and_goes_both_ways(store: Store) -> None:
    """Going back to 0002 drops the flag and the acknowledgements; coming forward flags the records
    already stored whose guidance is level 4, and only those."""
    flagged = store.add_record(definition("caf-assessment"), in_danger()).id
    plain = store.add_record(definition("caf-assessment"), assessment("Tobias", "Ashgrove", "2018-01-09")).id
    store.acknowledge_safeguarding(flagged, [DANGER])

    _migrate_to(store, "0002")
    with store.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        columns = {c["name"] for c in inspect(connection).get_columns("records")}
    assert "safeguarding_acknowledgements" not in tables
    assert "safeguarding" not in columns

    store_module.migrate(store.engine)

    assert store.get(flagged).safeguarding
    assert not store.get(plain).safeguarding
    assert store.list_records(RecordQuery(order_by="attention"))[0].id == flagged
    assert store.safeguarding_acknowledgement(flagged, [DANGER]) is None  # an older app kept none
    store.acknowledge_safeguarding(flagged, [DANGER])
    assert store.safeguarding_acknowledgement(flagged, [DANGER]) is not None
