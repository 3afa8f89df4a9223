"""The store's side of sync bundles, on SQLCipher and PostgreSQL: what an import changes, replays,
conflicts and how they are settled, what was sent, and two coordinators importing at the same time.

Bundles here are `IncomingBundle`s made directly (their signing and encryption are tests/sync/test_bundles.py's
business); the rules they exercise are `caf_desktop.store.sync.classify`'s.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from caf_desktop.common.errors import CafError
from caf_desktop.store.models import Base, BundleReceived, Case, Child, Consent, Record, Revision
from caf_desktop.store.store import Store
from caf_desktop.store.sync import (
    AlreadyImported,
    Change,
    ConflictNotFound,
    IncomingBundle,
    NotPermitted,
    StoredState,
    SyncedRecord,
    classify,
)
from sqlalchemy import func, select, text, update

from tests.store.support import assessment, child_of, definition, edited, example
from tests.store.test_postgresql import run_together

CAF = definition("caf-assessment")
ANN = "a" * 64  # the senders' certificate fingerprints
BEN = "b" * 64


def synced(
    record_id: str,
    document: dict[str, Any],
    *,
    version: int = 1,
    base_version: int | None = None,
    status: str = "draft",
    child_id: str | None = None,
    case_id: str | None = None,
) -> SyncedRecord:
    return SyncedRecord(
        id=record_id,
        form_id="caf-assessment",
        form_version="1.0.0",
        status=status,
        version=version,
        base_version=base_version,
        document=document,
        author="Hannah Testwell",
        updated="2026-11-26T09:00:00Z",
        child_id=child_id,
        case_id=case_id,
    )


def bundle(
    *records: SyncedRecord, sender: str = ANN, sequence: int = 1, bundle_id: str | None = None
) -> IncomingBundle:
    return IncomingBundle(
        id=bundle_id or str(uuid.uuid4()),
        sender=sender,
        sender_name="Hannah Testwell",
        sequence=sequence,
        team=str(uuid.UUID(int=7)),
        file_sha256="f" * 64,
        created="2026-11-26T09:30:00Z",
        records=records,
        definitions={"caf-assessment@1.0.0": CAF},
    )


def sent_to(store: Store, fingerprint: str, *record_ids: str) -> None:
    """Records this store sent to a worker (their current versions), as an export remembers them: what
    lets that worker's bundles change them and add to their cases."""
    bundle_id = str(uuid.uuid4())
    store.reserve_bundle(bundle_id, "c" * 64, f"worker:{fingerprint}")
    store.bundle_written(
        bundle_id, "d" * 64, [(r, store.get(r).version) for r in record_ids], {"bundle": bundle_id}
    )


def changes(outcome: Any) -> list[Change]:
    return [c.change for c in outcome.changes]


# --- the rules, as a table ------------------------------------------------------------------------------

DOC = {"a": 1}
OTHER = {"a": 2}


@pytest.mark.parametrize(
    ("stored", "incoming", "expected"),
    [
        (None, synced("r", DOC), Change.NEW),
        (StoredState("caf-assessment", 3, None, "draft", DOC), synced("r", DOC, version=9), Change.IDENTICAL),
        # Built on the stored version: an update.
        (
            StoredState("caf-assessment", 3, None, "draft", DOC),
            synced("r", OTHER, version=4, base_version=3),
            Change.UPDATED,
        ),
        # ...unless there is typing here not yet saved.
        (
            StoredState("caf-assessment", 3, None, "draft", DOC, unsaved_typing=True),
            synced("r", OTHER, version=4, base_version=3),
            Change.CONFLICT,
        ),
        # Not changed here since it was imported: a newer version updates, an older one is ignored.
        (StoredState("caf-assessment", 3, 3, "draft", DOC), synced("r", OTHER, version=5), Change.UPDATED),
        (StoredState("caf-assessment", 3, 3, "draft", DOC), synced("r", OTHER, version=2), Change.OUTDATED),
        (StoredState("caf-assessment", 3, 3, "draft", DOC), synced("r", OTHER, version=3), Change.CONFLICT),
        # Changed here since, and there: a conflict.
        (StoredState("caf-assessment", 4, 3, "draft", DOC), synced("r", OTHER, version=4), Change.CONFLICT),
        (
            StoredState("caf-assessment", 4, 3, "draft", DOC),
            synced("r", OTHER, version=5, base_version=3),
            Change.CONFLICT,
        ),
        # A version already received from the same sender, or older: a late bundle.
        (
            StoredState("caf-assessment", 4, 3, "draft", DOC, received_version=3),
            synced("r", OTHER, version=2),
            Change.OUTDATED,
        ),
        # The same document with another status is a change like any other.
        (
            StoredState("caf-assessment", 3, 3, "draft", DOC),
            synced("r", DOC, version=4, status="complete"),
            Change.UPDATED,
        ),
        # One id, another form: a person must look.
        (StoredState("tac-meeting", 1, 1, "draft", DOC), synced("r", OTHER, version=2), Change.CONFLICT),
    ],
)
def test_what_an_incoming_record_does(
    stored: StoredState | None, incoming: SyncedRecord, expected: Change
) -> None:
    assert classify(stored, incoming) is expected


# --- applying -------------------------------------------------------------------------------------------


def test_new_records_keep_their_ids_versions_child_and_case(store: Store) -> None:
    record_id, child_id, case_id = (str(uuid.uuid4()) for _ in range(3))
    document = assessment("Oluwaseun", "Adeyemi", "2018-07-09")

    outcome = store.apply_import(
        bundle(synced(record_id, document, version=4, status="complete", child_id=child_id, case_id=case_id))
    )

    assert changes(outcome) == [Change.NEW]
    info = store.get(record_id)
    assert (info.version, info.base_version, info.status) == (4, 4, "complete")
    assert info.document == document
    assert info.child == "Oluwaseun Adeyemi"
    assert info.case_id == case_id
    with store.session() as session:
        assert session.scalars(select(Child.uuid)).all() == [child_id]
    assert [r.reason for r in store.revisions(record_id)] == ["imported from a bundle (version 4)"]
    actions = [(e.action, e.record_uuid) for e in store.audit_events()]
    assert actions[-2:] == [("imported from bundle", record_id), ("bundle imported", None)]
    assert store.audit_events()[-1].details == {
        "bundle": outcome.bundle_id,
        "sender": ANN,
        "sequence": 1,
        "file_sha256": "f" * 64,
        "new": 1,
        "updated": 0,
        "identical": 0,
        "conflict": 0,
        "outdated": 0,
    }


def test_two_records_of_one_child_share_the_case(store: Store) -> None:
    child_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    document = assessment("Siân", "Pritchard", "2016-02-02")

    store.apply_import(bundle(synced(first, document, child_id=child_id, case_id=case_id)))
    store.apply_import(bundle(synced(second, document, child_id=child_id, case_id=case_id), sequence=2))

    assert store.get(first).case_id == store.get(second).case_id == case_id
    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 1


def _tac(kind: str, given: str, family: str, dob: str, **changes: Any) -> dict[str, Any]:
    """A TAC meeting or review about this child (from the shipped examples)."""
    document = example(f"{kind}/full")
    document["child"].update(given_names=given, family_name=family, date_of_birth=dob)
    for part, values in changes.items():
        document[part].update(values)
    return document


def _synced_form(form_id: str, record_id: str, document: dict[str, Any], **options: Any) -> SyncedRecord:
    made = synced(record_id, document, **options)
    return dataclasses.replace(made, form_id=form_id)


def test_new_records_in_every_situation_make_the_rows_a_save_would(store: Store) -> None:
    """New records go in by bulk inserts, not one by one through the ORM: the rows must be what the
    one-by-one import made. A child and case stored, a stored child whose case is closed, a child and
    case new in the bundle with two records, a record about nobody, one that names no child or case."""
    ada = store.add_record(CAF, assessment("Ada", "Quill", "2015-01-01", level=2, lead="Pat Lead"))
    store.add_record(
        definition("tac-meeting"),
        _tac("tac-meeting", "Ada", "Quill", "2015-01-01"),
        child_id=child_of(store, ada.id),
    )
    ben = store.add_record(CAF, assessment("Ben", "Brook", "2016-02-02"))
    with store.session() as session:
        session.execute(update(Case).where(Case.uuid == ben.case_id).values(status="closed"))
    sent_to(store, ANN, ada.id, ben.id)
    child_ada, case_ada, child_ben = child_of(store, ada.id), ada.case_id, child_of(store, ben.id)
    ids = {
        name: str(uuid.UUID(int=n + 1)) for n, name in enumerate(("r1", "r2", "r3", "r4", "r5", "r6", "r7"))
    }
    cleo_child, cleo_case, ben_case = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    documents = {
        "r1": assessment("Ada", "Quill", "2015-01-01", level=3),
        "r2": _tac("tac-review", "Ada", "Quill", "2015-01-01"),
        "r3": assessment("Cleo", "New", "2018-03-03", level=1, lead="Lee Lead"),
        "r4": _tac("tac-meeting", "Cleo", "New", "2018-03-03", engagement={"missed_appointments": 3}),
        "r5": assessment("", "", None),
        "r6": assessment("Dee", "Dee", "2013-03-03", reference="REF-6"),
        "r7": assessment("Ben", "Brook", "2016-02-02"),
    }
    incoming = bundle(
        synced(ids["r1"], documents["r1"], child_id=child_ada, case_id=str(uuid.uuid4()), version=2),
        _synced_form("tac-review", ids["r2"], documents["r2"], child_id=child_ada, case_id=case_ada),
        synced(ids["r3"], documents["r3"], child_id=cleo_child, case_id=cleo_case, status="complete"),
        _synced_form("tac-meeting", ids["r4"], documents["r4"], child_id=cleo_child, case_id=cleo_case),
        synced(ids["r5"], documents["r5"]),
        synced(ids["r6"], documents["r6"]),
        synced(ids["r7"], documents["r7"], child_id=child_ben, case_id=ben_case),
    )
    incoming = dataclasses.replace(
        incoming,
        definitions={
            **incoming.definitions,
            "tac-meeting@1.0.0": definition("tac-meeting"),
            "tac-review@1.0.0": definition("tac-review"),
        },
    )

    outcome = store.apply_import(incoming)

    assert changes(outcome) == [Change.NEW] * 7
    actions = [(e.action, e.record_uuid) for e in store.audit_events()]
    assert actions[-8:] == [
        *(("imported from bundle", ids[n]) for n in sorted(ids)),
        ("bundle imported", None),
    ]
    got = {name: store.get(record_id) for name, record_id in ids.items()}
    # The case each record is in: the stored child's open case (r1, though it named another case), the
    # named stored case (r2), one new case for two records (r3, r4), none for a record about nobody
    # (r5), a new one (r6), and a new case for a stored child whose case is closed (r7).
    assert got["r1"].case_id == got["r2"].case_id == case_ada
    assert got["r3"].case_id == got["r4"].case_id == cleo_case
    assert got["r5"].case_id is None
    assert got["r6"].case_id not in (None, case_ada, cleo_case, ben_case, ben.case_id)
    assert got["r7"].case_id == ben_case
    assert child_of(store, ids["r3"]) == cleo_child
    assert child_of(store, ids["r7"]) == child_ben
    assert child_of(store, ids["r1"]) == child_ada
    with store.session() as session:
        cases = {c.uuid: c for c in session.scalars(select(Case))}
        assert session.scalar(select(func.count()).select_from(Child)) == 4  # Ada, Ben, Cleo, Dee
    # A case as a save leaves it: the drift of all its records, and the last level and lead said.
    assert cases[case_ada].agreed_level == 3
    assert cases[cleo_case].agreed_level == 1
    # ...the TAC meeting (r4) came after the CAF (r3), and names its own lead professional.
    assert cases[cleo_case].lead_professional == documents["r4"]["lead_professional"]["name"] != "Lee Lead"
    assert "missed" in (cases[cleo_case].attention or "")
    assert "again and again" in (cases[cleo_case].attention or "")
    assert store.refresh_attention(force=True) == 0  # the attention was already worked out right
    # Each record as `add_record` stores the same document: the case list's columns and the consents.
    for name, record_id in ids.items():
        form = definition(got[name].form_id)
        reference = store.add_record(form, documents[name])
        same = store.get(reference.id)
        for column in ("child", "child_dob", "level", "suggested_level", "lead_professional", "next_review"):
            assert getattr(got[name], column) == getattr(same, column), (name, column)
        assert got[name].document == documents[name]
        assert _consents(store, record_id) == _consents(store, reference.id)
        [revision] = store.revisions(record_id)
        assert revision.document == documents[name]
        assert (revision.number, revision.status, revision.author) == (1, got[name].status, "Hannah Testwell")
    with store.session() as session:
        keys = dict(session.execute(select(Record.uuid, Record.search_key)).all())
    assert "ref-6" in keys[ids["r6"]]
    assert store.verify_audit().ok


def _consents(store: Store, record_id: str) -> list[tuple[Any, ...]]:
    with store.session() as session:
        rows = session.execute(
            select(
                Consent.kind,
                Consent.given,
                Consent.given_by,
                Consent.role,
                Consent.basis,
                Consent.scope,
                Consent.agencies,
                Consent.given_on,
                Consent.withdrawn_on,
            )
            .join(Record, Record.id == Consent.record_id)
            .where(Record.uuid == record_id)
            .order_by(Consent.kind)
        ).all()
    return [tuple(row) for row in rows]


def test_a_completed_closure_in_a_bundle_closes_its_case(store: Store) -> None:
    """The coordinator's store closes a case as the worker's did: a completed closure, new or an
    update of a stored case, closes it on its date; a draft closure closes nothing."""
    stored = store.add_record(CAF, assessment("Ada", "Quill", "2015-01-01"))
    sent_to(store, ANN, stored.id)
    ada_child = child_of(store, stored.id)
    cleo_child, cleo_case, dee_child, dee_case = (str(uuid.uuid4()) for _ in range(4))

    def closure(given: str, family: str) -> dict[str, Any]:
        made = example("caf-closure/full")
        made["child"] = {**made["child"], "given_names": given, "family_name": family}
        return made

    ids = [str(uuid.uuid4()) for _ in range(4)]
    incoming = dataclasses.replace(
        bundle(
            _synced_form(
                "caf-closure",
                ids[0],
                closure("Ada", "Quill"),
                child_id=ada_child,
                case_id=stored.case_id,
                status="complete",
            ),
            synced(ids[1], assessment("Cleo", "New", "2018-03-03"), child_id=cleo_child, case_id=cleo_case),
            _synced_form(
                "caf-closure",
                ids[2],
                closure("Cleo", "New"),
                child_id=cleo_child,
                case_id=cleo_case,
                status="signed",
            ),
            _synced_form(
                "caf-closure", ids[3], closure("Dee", "Draft"), child_id=dee_child, case_id=dee_case
            ),
        ),
        definitions={"caf-assessment@1.0.0": CAF, "caf-closure@1.0.0": definition("caf-closure")},
    )

    store.apply_import(incoming)

    closed_on = dt.date.fromisoformat(example("caf-closure/full")["closure"]["date"])
    with store.session() as session:
        cases = {
            uuid_: (status, closed)
            for uuid_, status, closed in session.execute(select(Case.uuid, Case.status, Case.closed))
        }
    assert cases[stored.case_id] == ("closed", closed_on)
    assert cases[cleo_case] == ("closed", closed_on)
    assert cases[dee_case] == ("open", None)


def test_a_bundle_is_applied_once(store: Store) -> None:
    record_id = str(uuid.uuid4())
    first = bundle(synced(record_id, assessment()))
    store.apply_import(first)

    with pytest.raises(AlreadyImported, match="This bundle was already imported on ") as again:
        store.apply_import(first)
    assert again.value.what == "bundle"
    with pytest.raises(AlreadyImported, match="this file is not the one that was imported") as changed:
        store.apply_import(dataclasses.replace(first, file_sha256="e" * 64))
    assert changed.value.what == "changed"
    with pytest.raises(AlreadyImported, match="same sender and sequence number"):
        store.apply_import(bundle(synced(str(uuid.uuid4()), assessment()), sequence=1))
    with pytest.raises(AlreadyImported):
        store.check_not_imported(first.id, BEN, 9, first.file_sha256)

    store.apply_import(bundle(synced(str(uuid.uuid4()), assessment()), sequence=1, sender=BEN))
    store.apply_import(bundle(synced(str(uuid.uuid4()), assessment()), sequence=7))  # a gap is fine
    assert store.count() == 3


def test_an_update_replaces_the_document_and_keeps_the_old_one_as_a_revision(store: Store) -> None:
    record_id = str(uuid.uuid4())
    original = assessment()
    store.apply_import(bundle(synced(record_id, original)))
    newer = edited(original, "She wants to stay at her school.")

    outcome = store.apply_import(bundle(synced(record_id, newer, version=2), sequence=2))

    assert changes(outcome) == [Change.UPDATED]
    info = store.get(record_id)
    assert info.document == newer
    assert (info.version, info.base_version) == (2, 2)
    assert [r.document for r in store.revisions(record_id)] == [original, newer]


def test_unsaved_typing_is_never_overwritten(store: Store) -> None:
    record = store.add_record(CAF, assessment())
    sent_to(store, ANN, record.id)
    store.autosave(record.id, edited(record.document, "typed, not saved"))

    outcome = store.apply_import(
        bundle(synced(record.id, edited(record.document, "from the bundle"), version=2, base_version=1))
    )

    assert changes(outcome) == [Change.CONFLICT]
    assert store.get(record.id).document["child_voice"]["wishes"] == "typed, not saved"
    [conflict] = store.conflicts()
    settled = store.resolve_conflict(conflict.id, "incoming", CAF)
    assert settled.document["child_voice"]["wishes"] == "from the bundle"
    kept = [r.document["child_voice"].get("wishes") for r in store.revisions(record.id)]
    assert "typed, not saved" in kept  # kept as a version before it was replaced


def conflicted(store: Store) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """A record changed here (version 2) and in a bundle (version 2): one open conflict."""
    record_id = str(uuid.uuid4())
    original = assessment()
    store.apply_import(bundle(synced(record_id, original)))
    ours, theirs = edited(original, "ours"), edited(original, "theirs")
    store.save(record_id, ours, CAF)
    outcome = store.apply_import(bundle(synced(record_id, theirs, version=2), sequence=2))
    assert changes(outcome) == [Change.CONFLICT]
    return record_id, ours, theirs


@pytest.mark.parametrize(
    ("keep", "wishes", "version", "base_version"),
    [("stored", "ours", 3, 2), ("incoming", "theirs", 2, 2), ("combined", "ours and theirs", 3, 2)],
)
def test_settling_a_conflict(store: Store, keep: str, wishes: str, version: int, base_version: int) -> None:
    record_id, ours, theirs = conflicted(store)
    [conflict] = store.conflicts()
    assert conflict.incoming_document == theirs
    assert store.get(record_id).document == ours  # nothing overwritten until someone decides

    combined = edited(ours, "ours and theirs") if keep == "combined" else None
    settled = store.resolve_conflict(conflict.id, keep, CAF, combined)

    assert settled.document["child_voice"]["wishes"] == wishes
    assert (settled.version, settled.base_version) == (version, base_version)
    assert store.conflicts() == []
    [done] = store.conflicts(include_resolved=True)
    assert (done.resolution, done.resolved_by) == (keep, "Test Worker")
    event = store.audit_events(record_id)[-1]
    assert (event.action, event.details["kept"]) == ("sync conflict settled", keep)
    with pytest.raises(CafError, match="already settled"):
        store.resolve_conflict(conflict.id, "stored", CAF)


def test_settling_asks_for_a_document_only_when_combining(store: Store) -> None:
    conflicted(store)
    [conflict] = store.conflicts()
    with pytest.raises(CafError, match="combined version needs its document"):
        store.resolve_conflict(conflict.id, "combined", CAF)
    with pytest.raises(CafError, match="not a way to settle"):
        store.resolve_conflict(conflict.id, "both", CAF)
    with pytest.raises(ConflictNotFound):
        store.resolve_conflict(str(uuid.uuid4()), "stored", CAF)


def test_a_settled_record_goes_back_as_an_update(store: Store) -> None:
    """After "keep stored", the sender's next bundle built on what we sent back is an update."""
    record_id, ours, _ = conflicted(store)
    [conflict] = store.conflicts()
    settled = store.resolve_conflict(conflict.id, "stored", CAF)
    back = store.outgoing_records([record_id])[0].record
    assert (back.version, back.base_version) == (settled.version, 2)

    later = edited(ours, "both sides agree now")
    outcome = store.apply_import(bundle(synced(record_id, later, version=4, base_version=3), sequence=3))

    assert changes(outcome) == [Change.UPDATED]


def test_many_audit_events_in_one_go_keep_the_chain(store: Store) -> None:
    store.audit("opened")
    store.audit_many([("shared", "r1", {"basis": "consent"}), ("shared", "r2", {"basis": "consent"})])
    store.audit("closed")

    assert [(e.action, e.record_uuid) for e in store.audit_events()][-4:] == [
        ("opened", None),
        ("shared", "r1"),
        ("shared", "r2"),
        ("closed", None),
    ]
    assert store.verify_audit().ok


# --- what was sent --------------------------------------------------------------------------------------


def test_sequence_numbers_and_changed_since_the_last_bundle(store: Store) -> None:
    first = store.add_record(CAF, assessment())
    second = store.add_record(CAF, assessment("Barnaby", "Okonkwo", "2019-05-01"))
    received = str(uuid.uuid4())
    store.apply_import(bundle(synced(received, assessment("Tūī", "Ngata", "2015-05-05"))))
    team = "team:" + str(uuid.UUID(int=7))

    assert store.changed_since_last_bundle(team) == [first.id, second.id]  # not the one received
    one = str(uuid.uuid4())
    assert store.reserve_bundle(one, ANN, team) == 1
    store.bundle_written(one, "e" * 64, [(first.id, 1), (second.id, 1)], {"bundle": one})
    assert store.changed_since_last_bundle(team) == []
    store.save(second.id, edited(second.document, "more"), CAF)
    assert store.changed_since_last_bundle(team) == [second.id]
    assert store.changed_since_last_bundle("worker:" + BEN) == [first.id, second.id]
    assert store.changed_since_last_bundle("worker:" + BEN, received_from=ANN) == []

    unwritten = str(uuid.uuid4())
    assert store.reserve_bundle(unwritten, ANN, team) == 2
    store.forget_bundle(unwritten)
    assert store.reserve_bundle(str(uuid.uuid4()), ANN, team) == 2  # never written: its number is free
    assert store.reserve_bundle(str(uuid.uuid4()), BEN, team) == 1  # each sender counts their own


def test_outgoing_records_carry_the_last_saved_version(store: Store) -> None:
    record = store.add_record(CAF, assessment())
    store.autosave(record.id, edited(record.document, "not saved yet"))

    [outgoing] = store.outgoing_records([record.id])

    assert outgoing.unsaved_typing
    assert outgoing.record.document == record.document
    assert outgoing.record.case_id == record.case_id
    assert outgoing.record.updated.endswith("Z")


def _shared_revisions(store: Store) -> int:
    with store.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Revision).where(Revision.document.is_(None))) or 0
        )


def test_an_imported_record_is_written_once_and_its_first_version_outlives_every_change(store: Store) -> None:
    """A new record's first revision shares the record's document (written once, not twice); whatever
    changes the record next (typing, a save, a newer version from a bundle, a restore) first gives the
    revision its own copy, so the version imported is never lost."""
    record_id, other_id = str(uuid.uuid4()), str(uuid.uuid4())
    original, other = assessment("Ada", "Quill"), assessment("Ben", "Brook")
    store.apply_import(bundle(synced(record_id, original), synced(other_id, other)))
    assert _shared_revisions(store) == 2
    assert [r.document for r in store.revisions(record_id)] == [original]

    store.autosave(record_id, edited(original, "typed, not saved"), CAF)
    assert [r.document for r in store.revisions(record_id)] == [original]
    [outgoing] = store.outgoing_records([record_id])
    assert outgoing.record.document == original  # the last saved version goes, not the typing
    store.save(record_id, edited(original, "saved"), CAF)
    store.restore(record_id, 1, CAF)

    assert [r.document["child_voice"].get("wishes") for r in store.revisions(record_id)] == [
        original["child_voice"].get("wishes"),
        "saved",
        original["child_voice"].get("wishes"),
    ]
    assert store.get(record_id).document == original
    assert _shared_revisions(store) == 1  # the other record's, untouched
    assert [r.document for r in store.revisions(other_id)] == [other]


def test_the_migration_to_shared_revisions_goes_both_ways(store: Store) -> None:
    """Going back to the first schema gives every shared revision its document again (the column is
    not allowed to be empty there); coming forward again changes nothing that is stored."""
    from alembic import command
    from caf_desktop.store import opening
    from caf_desktop.store import store as store_module

    record_id = str(uuid.uuid4())
    original = assessment()
    store.apply_import(bundle(synced(record_id, original)))
    config = opening.migration_config()
    with store.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    with store.engine.connect() as connection:
        stored = connection.execute(text("SELECT document FROM revisions")).scalar()
    assert stored is not None
    assert (json.loads(stored) if isinstance(stored, str) else stored) == original

    store_module.migrate(store.engine)

    assert [r.document for r in store.revisions(record_id)] == [original]
    assert _shared_revisions(store) == 0


def test_the_models_and_the_migration_agree(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


# --- two coordinators at once (PostgreSQL) --------------------------------------------------------------

StoreFactory = Callable[..., Store]


def test_two_coordinators_importing_overlapping_bundles_at_once(pg_store_factory: StoreFactory) -> None:
    ann = pg_store_factory(actor="Ann Coordinator")
    ben = pg_store_factory(ann.database_name, actor="Ben Coordinator", profile=False)
    ids = [str(uuid.UUID(int=n + 1)) for n in range(45)]
    documents = {i: assessment(f"Child{n}", "Fieldfare", "2017-01-01") for n, i in enumerate(ids)}
    children = {i: str(uuid.uuid4()) for i in ids}
    # Two bundles from one worker that share 15 records (the second sent before the first was imported).
    from_ann = bundle(*(synced(i, documents[i], child_id=children[i]) for i in ids[:30]), sender=ANN)
    from_ben = bundle(
        *(synced(i, documents[i], child_id=children[i]) for i in ids[15:]), sender=ANN, sequence=2
    )
    outcomes: list[Any] = []

    failures = run_together(
        lambda: outcomes.append(ann.apply_import(from_ann)),
        lambda: outcomes.append(ben.apply_import(from_ben)),
    )

    assert failures == []
    with ann.session() as session:
        assert session.scalar(select(func.count()).select_from(Record)) == 45
        assert session.scalar(select(func.count(func.distinct(Record.uuid)))) == 45
        assert session.scalar(select(func.count()).select_from(Child)) == 45
    counts = sorted((o.count(Change.NEW), o.count(Change.IDENTICAL)) for o in outcomes)
    assert sum(new for new, _ in counts) == 45
    assert sum(same for _, same in counts) == 15
    assert ann.verify_audit().ok


def test_the_same_bundle_imported_by_two_at_once_goes_in_once(pg_store_factory: StoreFactory) -> None:
    ann = pg_store_factory(actor="Ann Coordinator")
    ben = pg_store_factory(ann.database_name, actor="Ben Coordinator", profile=False)
    shared = bundle(
        *(synced(str(uuid.uuid4()), assessment(f"Child{n}", "Wren", "2018-03-03")) for n in range(20))
    )
    refused: list[BaseException] = []

    def attempt(store: Store) -> Callable[[], None]:
        def job() -> None:
            try:
                store.apply_import(shared)
            except AlreadyImported as error:
                refused.append(error)

        return job

    assert run_together(attempt(ann), attempt(ben)) == []

    assert len(refused) == 1
    assert ann.count() == 20
    assert ann.verify_audit().ok


def test_updates_racing_for_one_record_lose_nothing(pg_store_factory: StoreFactory) -> None:
    """Version 2 (on 1) and version 3 (on 2) arrive at once from one worker, in two bundles: whichever
    is applied first, the record ends at version 3 with version 3's document."""
    ann = pg_store_factory(actor="Ann Coordinator")
    ben = pg_store_factory(ann.database_name, actor="Ben Coordinator", profile=False)
    for _ in range(5):
        record_id = str(uuid.uuid4())
        original = assessment()
        ann.apply_import(bundle(synced(record_id, original), sequence=_next_sequence(ann)))
        second = edited(original, "second")
        third = edited(copy.deepcopy(second), "third")
        two = bundle(synced(record_id, second, version=2, base_version=1), sequence=_next_sequence(ann))
        three = bundle(synced(record_id, third, version=3, base_version=2), sequence=two.sequence + 1)

        assert (
            run_together(lambda two=two: ann.apply_import(two), lambda three=three: ben.apply_import(three))
            == []
        )

        info = ann.get(record_id)
        assert (info.version, info.document["child_voice"]["wishes"]) == (3, "third")
        assert ann.conflicts() == []
    assert ann.verify_audit().ok


def test_two_coordinators_importing_at_once_let_no_worker_write_over_another(
    pg_store_factory: StoreFactory,
) -> None:
    """Ann's worker updates her record while, at the same moment on the other coordinator's laptop,
    another worker's bundle tries to replace it and to add a record to its case: whatever the order,
    the update goes in, the other bundle is refused whole, and nothing of it is stored."""
    ann = pg_store_factory(actor="Ann Coordinator")
    ben = pg_store_factory(ann.database_name, actor="Ben Coordinator", profile=False)
    for _ in range(5):
        record_id, child_id, case_id = (str(uuid.uuid4()) for _ in range(3))
        original = assessment()
        ann.apply_import(
            bundle(
                synced(record_id, original, child_id=child_id, case_id=case_id), sequence=_next_sequence(ann)
            )
        )
        update_ = bundle(
            synced(record_id, edited(original, "by its worker"), version=2, base_version=1),
            sequence=_next_sequence(ann),
        )
        planted = str(uuid.uuid4())
        hostile = bundle(
            synced(record_id, edited(original, "by another"), version=2, base_version=1),
            synced(
                planted, assessment("Mallory", "Planted", "2016-06-06"), child_id=child_id, case_id=case_id
            ),
            sender=BEN,
            sequence=_next_sequence(ann) + 1,
        )

        failures = run_together(lambda u=update_: ann.apply_import(u), lambda h=hostile: ben.apply_import(h))

        assert [type(f) for f in failures] == [NotPermitted]
        assert {t.kind for t in failures[0].trespasses} == {"record", "case"}  # type: ignore[attr-defined]
        assert ann.get(record_id).document["child_voice"]["wishes"] == "by its worker"
        with ann.session() as session:
            assert session.scalar(select(func.count()).select_from(Record).where(Record.uuid == planted)) == 0
            assert (
                session.scalar(
                    select(func.count()).select_from(BundleReceived).where(BundleReceived.uuid == hostile.id)
                )
                == 0
            )
    assert ann.conflicts() == []
    assert ann.verify_audit().ok


def _next_sequence(store: Store) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.max(BundleReceived.sequence))) or 0) + 1
