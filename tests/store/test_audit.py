"""The audit trail: who did what when, hash-chained so that an edited or removed event is found."""

from __future__ import annotations

import itertools

import pytest
from caf_desktop.store.core import event_hash
from caf_desktop.store.models import AuditEvent
from caf_desktop.store.store import Store
from sqlalchemy import select, text, update

from tests.store.support import assessment, definition, edited

HASH_CHARS = frozenset("0123456789abcdef")


def _history(store: Store) -> str:
    """One record through its life: created, typed into, saved, typed into again, completed, deleted."""
    form = definition("caf-assessment")
    record = store.add_record(form, assessment())
    store.autosave(record.id, edited(assessment(), "a"))
    store.autosave(record.id, edited(assessment(), "ab"))  # not an event: still the same edit
    store.save(record.id, edited(assessment(), "ab"), form)
    store.autosave(record.id, edited(assessment(), "abc"))
    store.set_status(record.id, "signed")
    store.save(record.id, edited(assessment(), "abc"), form, status="complete")
    store.delete(record.id)
    store.undelete(record.id)
    return record.id


def test_every_change_is_an_event_with_the_actor(store: Store) -> None:
    record_id = _history(store)

    events = store.audit_events(record_id)

    assert [e.action for e in events] == [
        "created",
        "edited",
        "changed",
        "edited",
        "status signed",
        "completed",
        "deleted",
        "undeleted",
    ]
    assert {e.actor for e in events} == {"Test Worker"}
    assert all(e.record_uuid == record_id for e in events)
    assert events[0].details == {"form": definition("caf-assessment").key}
    assert events[2].details == {"revision": 2, "version": 2}
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert all(e.at.endswith("+00:00") for e in events)


def test_events_hold_no_personal_data(store: Store) -> None:
    _history(store)
    for event in store.audit_events():
        written = f"{event.action} {event.details} {event.record_uuid}"
        assert "Zo" not in written
        assert "ukasiewicz" not in written
        assert "2017-03-14" not in written


def test_the_chain_links_each_event_to_the_one_before(store: Store) -> None:
    _history(store)
    events = store.audit_events()
    assert events[0].previous_hash == "0" * 64
    for before, after in itertools.pairwise(events):
        assert after.previous_hash == before.hash
    assert all(len(e.hash) == 64 and set(e.hash) <= HASH_CHARS for e in events)
    assert len({e.hash for e in events}) == len(events)


def test_an_intact_trail_verifies(store: Store) -> None:
    _history(store)
    report = store.verify_audit()
    assert report.ok
    assert report.broken_at is None
    assert report.checked == len(store.audit_events())
    assert report.message == f"The audit trail is intact: {report.checked} events checked."


def test_a_trail_emptied_with_sql_is_reported(store: Store) -> None:
    store.audit("something happened")
    with store.session() as session:
        session.execute(text("DELETE FROM audit_events"))
    report = store.verify_audit()
    assert not report.ok
    assert (
        report.message
        == "The newest audit events have been removed: the trail ends after 0 events, but it had reached a later event."
    )


def test_removing_the_newest_event_is_reported(store: Store) -> None:
    store.audit("first")
    store.audit("second")
    with store.session() as session:
        session.execute(text("DELETE FROM audit_events WHERE id = (SELECT max(id) FROM audit_events)"))
    report = store.verify_audit()
    assert not report.ok
    assert report.message.startswith("The newest audit events have been removed")


def test_an_actor_changed_with_sql_is_found(store: Store) -> None:
    _history(store)
    victim = store.audit_events()[3]
    with store.session() as session:
        session.execute(
            text("UPDATE audit_events SET actor = 'Somebody Else' WHERE id = :id"), {"id": victim.id}
        )

    report = store.verify_audit()

    assert not report.ok
    assert report.broken_at == victim.id
    assert report.checked == 3
    assert report.message == (
        f"Audit event {victim.id} ({victim.at}, {victim.action}) has been changed since it was written."
    )


def test_details_changed_in_the_database_are_found(store: Store) -> None:
    _history(store)
    victim = next(e for e in store.audit_events() if e.action == "changed")
    with store.session() as session:
        session.execute(
            update(AuditEvent).where(AuditEvent.id == victim.id).values(details={"revision": 9, "version": 9})
        )

    report = store.verify_audit()

    assert not report.ok
    assert report.broken_at == victim.id
    assert "has been changed since it was written" in report.message
    assert str(victim.id) in report.message


def test_a_rewritten_action_and_time_are_found(store: Store) -> None:
    _history(store)
    victim = next(e for e in store.audit_events() if e.action == "deleted")
    with store.session() as session:
        session.execute(
            text("UPDATE audit_events SET action = 'viewed', at = :at WHERE id = :id"),
            {"id": victim.id, "at": victim.at.replace("20", "19", 1)},
        )
    report = store.verify_audit()
    assert (report.ok, report.broken_at) == (False, victim.id)


def test_a_removed_event_is_found_at_the_next_one(store: Store) -> None:
    _history(store)
    events = store.audit_events()
    removed, following = events[4], events[5]
    with store.session() as session:
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": removed.id})

    report = store.verify_audit()

    assert not report.ok
    assert report.broken_at == following.id
    assert report.checked == 4
    assert report.message == (
        f"Audit event {following.id} ({following.at}, {following.action}) does not follow the event before it: "
        "an event has been removed or reordered."
    )


def test_the_first_event_removed_is_found(store: Store) -> None:
    _history(store)
    first, second = store.audit_events()[:2]
    with store.session() as session:
        session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": first.id})
    report = store.verify_audit()
    assert (report.ok, report.broken_at, report.checked) == (False, second.id, 0)


def test_a_rehashed_edit_still_breaks_the_link_to_the_next_event(store: Store) -> None:
    """Someone who edits an event and recomputes its hash breaks the next event's link instead."""
    _history(store)
    events = store.audit_events()
    victim, following = events[2], events[3]
    forged_hash = event_hash(
        victim.previous_hash, (victim.at, "Somebody Else", victim.action, victim.record_uuid, victim.details)
    )
    with store.session() as session:
        session.execute(
            update(AuditEvent)
            .where(AuditEvent.id == victim.id)
            .values(actor="Somebody Else", hash=forged_hash)
        )
    report = store.verify_audit()
    assert (report.ok, report.broken_at) == (False, following.id)


def test_only_the_first_break_is_reported(store: Store) -> None:
    _history(store)
    events = store.audit_events()
    with store.session() as session:
        for victim in (events[6], events[2]):
            session.execute(text("UPDATE audit_events SET actor = 'X' WHERE id = :id"), {"id": victim.id})
    assert store.verify_audit().broken_at == events[2].id


@pytest.mark.parametrize("action", ["backed up", "exported"])
def test_store_level_events_have_no_record(store: Store, action: str) -> None:
    store.audit(action, None, {"count": 3})
    with store.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == action)).one()
        assert event.record_uuid is None
        assert event.details == {"count": 3}
        assert event.actor == "Test Worker"
    assert store.verify_audit().ok
