"""Sync bundles (DESIGN.md section 6, docs/bundles.md): export, verify, plan, import, and every way a
bundle is refused with nothing imported.

The team is real (tests/sync/bundle_world.py: the team module's CA, enrolment and revocation); every person
and child is fictional. Bad bundles that must get past the signature to be caught by a later check
are built by hand, then signed and encrypted properly.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import itertools
import json
import os
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyrage
import pytest
from caf_desktop.common.errors import CafError
from caf_desktop.practice.sharing import ShareWithoutConsent, SharingRefused
from caf_desktop.store.store import Store
from caf_desktop.sync import bundles
from caf_desktop.sync import export as exporting
from caf_desktop.sync import read as reading
from caf_desktop.sync.bundles import BundleRejected, Change, Selection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.store.support import definition, edited, example
from tests.sync.bundle_world import (
    World,
    caf,
    make_world,
    manifest_for,
    new_store,
    record_file,
    seal,
    symlink_entry,
)

CAF = "caf-assessment"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("team"))


@pytest.fixture
def worker_store(tmp_path: Path) -> Iterator[Store]:
    store = new_store(tmp_path, "Hannah Testwell")
    yield store
    store.close()


@pytest.fixture
def coordinator_store(tmp_path: Path) -> Iterator[Store]:
    store = new_store(tmp_path, "Cora Ordinator", "coordinator")
    yield store
    store.close()


def export(store: Store, world: World, out: Path, selection: Any = Selection.ALL, **options: Any) -> Path:
    return bundles.export_bundle(store, world.worker.identity, world.team, selection, out, **options).path


def import_as_coordinator(store: Store, world: World, path: Path) -> bundles.BundleImport:
    return bundles.import_bundle(store, world.coordinator.identity, world.team, path)


def decrypt(path: Path, world: World) -> zipfile.ZipFile:
    key = pyrage.x25519.Identity.from_str(world.coordinator.identity.age.secret)
    return zipfile.ZipFile(io.BytesIO(pyrage.decrypt(path.read_bytes(), [key])))


def rejection(store: Store, world: World, path: Path) -> BundleRejected:
    """Imports `path` as the coordinator, expecting a refusal that imported nothing."""
    before = (store.count(), len(store.conflicts()))
    with pytest.raises(BundleRejected) as caught:
        import_as_coordinator(store, world, path)
    assert (store.count(), len(store.conflicts())) == before
    assert caught.value.reason.endswith("Nothing was imported.")
    last = store.audit_events()[-1]
    assert last.action == "bundle rejected"
    assert last.details["reason"] == caught.value.code
    return caught.value


# --- export ---------------------------------------------------------------------------------------------


def test_a_worker_sends_records_and_the_coordinator_gets_them_unchanged(
    world: World, worker_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    first = worker_store.add_record(definition(CAF), caf())
    second = worker_store.add_record(definition(CAF), caf("Barnaby", "Okonkwo", "2019-05-01"))

    path = export(worker_store, world, tmp_path)
    plan = bundles.inspect_bundle(coordinator_store, world.coordinator.identity, world.team, path)
    result = import_as_coordinator(coordinator_store, world, path)

    assert [c.change for c in plan.changes] == [Change.NEW, Change.NEW]
    assert {c.child for c in plan.changes} == {"Zoë Łukasiewicz-O'Brien", "Barnaby Okonkwo"}
    assert result.count(Change.NEW) == 2
    for sent in (first, second):
        received = coordinator_store.get(sent.id)
        assert received.document == sent.document
        assert (received.form_id, received.form_version, received.status) == (
            CAF,
            "1.1.0",
            "draft",
        )  # made with the newest
        assert (received.version, received.base_version) == (1, 1)
        assert received.child == sent.child
        assert received.case_id == sent.case_id  # the same case id in both stores
    imported = coordinator_store.audit_events()[-1]
    assert imported.action == "bundle imported"
    assert imported.details["sender"] == world.worker.identity.fingerprint
    assert imported.details["new"] == 2


def test_the_file_is_named_for_its_sender_and_time_and_holds_the_standard_parts(
    world: World, worker_store: Store, tmp_path: Path
) -> None:
    record = worker_store.add_record(definition(CAF), caf())
    moment = dt.datetime(2026, 11, 26, 9, 5, tzinfo=dt.UTC)

    report = bundles.export_bundle(
        worker_store, world.worker.identity, world.team, [record.id], tmp_path, now=moment
    )

    assert report.path.name == "caf-hannah-testwell-20261126-0905-1.cafbundle"
    assert report.path.read_bytes().startswith(b"age-encryption.org/v1\n")
    archive = decrypt(report.path, world)
    assert sorted(archive.namelist()) == ["manifest.json", "manifest.json.p7s", f"records/{record.id}.json"]
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == 1
    assert manifest["bundle"] == report.bundle_id
    assert manifest["sequence"] == 1
    assert manifest["created"] == "2026-11-26T09:05:00Z"
    assert manifest["sender"]["fingerprint"] == world.worker.identity.fingerprint
    assert manifest["recipients"]["age"] == list(world.team.coordinator_recipients)
    assert manifest["forms"] == [{"id": CAF, "version": "1.1.0", "digest": definition(CAF).digest}]
    assert set(manifest["files"]) == {f"records/{record.id}.json"}
    carried = json.loads(archive.read(f"records/{record.id}.json"))
    assert carried["document"] == record.document
    assert (carried["version"], carried["base_version"], carried["status"]) == (1, None, "draft")
    event = worker_store.audit_events()[-2]  # then one "shared" per record
    assert event.action == "bundle exported"
    assert event.details["file_sha256"] == report.file_sha256
    assert "Hannah" not in json.dumps(event.details)
    assert [e.action for e in worker_store.audit_events(record.id)][-1] == "shared"


def test_sequence_numbers_grow_and_an_existing_file_is_never_replaced(
    world: World, worker_store: Store, tmp_path: Path
) -> None:
    record = worker_store.add_record(definition(CAF), caf())
    first = bundles.export_bundle(worker_store, world.worker.identity, world.team, [record.id], tmp_path)
    taken = tmp_path / "taken.cafbundle"
    taken.write_bytes(b"keep me")

    with pytest.raises(CafError, match="already exists; nothing was written"):
        bundles.export_bundle(worker_store, world.worker.identity, world.team, [record.id], taken)
    second = bundles.export_bundle(worker_store, world.worker.identity, world.team, [record.id], tmp_path)

    assert taken.read_bytes() == b"keep me"
    assert (first.sequence, second.sequence) == (1, 2)


def test_consent_must_cover_the_team_or_nothing_is_written(
    world: World, worker_store: Store, tmp_path: Path
) -> None:
    covered = worker_store.add_record(definition(CAF), caf())
    named_only = caf("Barnaby", "Okonkwo", "2019-05-01")
    named_only["consent"]["share"]["scope"] = "named_only"  # the team is not among the named services
    # She told her teacher she is afraid to go home: a disclosure, a child-protection indicator.
    named_only["parenting"]["basic_care"]["indicators"] = ["basic_care.l4.disclosure_of_abuse"]
    uncovered = worker_store.add_record(definition(CAF), named_only)

    with pytest.raises(SharingRefused) as caught:
        export(worker_store, world, tmp_path)

    assert [gap.record_id for gap in caught.value.gaps] == [uncovered.id]
    assert "Northtown Locality Team is not named" in str(caught.value)
    assert list(tmp_path.glob("*.cafbundle")) == []
    decision = ShareWithoutConsent(
        reason="The child told her teacher she is afraid to go home; social care asked for the CAF.",
        decided_by="Hannah Testwell",
    )
    report = bundles.export_bundle(
        worker_store, world.worker.identity, world.team, Selection.ALL, tmp_path, without_consent=decision
    )
    assert report.without_consent == (uncovered.id,)
    bases = {e.record_uuid: e.details["basis"] for e in worker_store.audit_events() if e.action == "shared"}
    assert bases == {covered.id: "consent", uncovered.id: "without consent"}


def test_a_decision_aid_is_left_out_of_all_and_never_sent(
    world: World, worker_store: Store, tmp_path: Path
) -> None:
    checklist = worker_store.add_record(definition("caf-pre-assessment"), example("caf-pre-assessment/full"))
    record = worker_store.add_record(definition(CAF), caf())

    report = bundles.export_bundle(worker_store, world.worker.identity, world.team, Selection.ALL, tmp_path)

    assert (report.record_ids, report.left_out) == ((record.id,), (checklist.id,))
    with pytest.raises(SharingRefused, match="never shared"):
        bundles.export_bundle(worker_store, world.worker.identity, world.team, [checklist.id], tmp_path)


def test_changed_since_the_last_bundle(
    world: World, worker_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    first = worker_store.add_record(definition(CAF), caf())
    second = worker_store.add_record(definition(CAF), caf("Barnaby", "Okonkwo", "2019-05-01"))
    export(worker_store, world, tmp_path / "one.cafbundle", Selection.CHANGED)

    with pytest.raises(bundles.NothingToSend, match="No record has changed since the last bundle"):
        export(worker_store, world, tmp_path / "none.cafbundle", Selection.CHANGED)
    worker_store.save(second.id, edited(second.document, "She likes drawing."), definition(CAF))
    report = bundles.export_bundle(
        worker_store, world.worker.identity, world.team, Selection.CHANGED, tmp_path / "two.cafbundle"
    )

    assert report.record_ids == (second.id,)
    assert first.id not in report.record_ids


def test_typing_not_yet_saved_stays_on_the_laptop(world: World, worker_store: Store, tmp_path: Path) -> None:
    record = worker_store.add_record(definition(CAF), caf())
    worker_store.autosave(record.id, edited(record.document, "half a sentence"))

    report = bundles.export_bundle(worker_store, world.worker.identity, world.team, [record.id], tmp_path)

    assert report.unsaved_typing == (record.id,)
    carried = json.loads(decrypt(report.path, world).read(f"records/{record.id}.json"))
    assert carried["document"] == record.document


def test_a_worker_not_yet_enrolled_cannot_send(world: World, worker_store: Store, tmp_path: Path) -> None:
    record = worker_store.add_record(definition(CAF), caf())

    with pytest.raises(bundles.CannotSend, match="not yet issued by the team"):
        bundles.export_bundle(worker_store, world.stranger.identity, world.team, [record.id], tmp_path)
    with pytest.raises(bundles.CannotSend, match="revoked"):
        bundles.export_bundle(worker_store, world.revoked.identity, world.team, [record.id], tmp_path)
    assert list(tmp_path.glob("*.cafbundle")) == []


# --- export progress and cancelling --------------------------------------------------------------------


def _runs(phases: list[bundles.ExportPhase]) -> list[bundles.ExportPhase]:
    """The phases in the order they came, each once."""
    return [phase for index, phase in enumerate(phases) if index == 0 or phases[index - 1] != phase]


def test_the_export_tells_how_far_it_has_got_until_just_before_the_file_is_written(
    world: World, worker_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bundles.PROGRESS_EVERY <= 50  # a coordinator's 10,000 records move the bar every 50 at most
    monkeypatch.setattr(exporting, "PROGRESS_EVERY", 2)  # five records then make several batches
    for n in range(5):
        worker_store.add_record(definition(CAF), caf("Barnaby", f"Okonkwo-{n}", "2019-05-01"))
    out = tmp_path / "outbox"
    out.mkdir()
    calls: list[tuple[bundles.ExportPhase, int, int]] = []
    on_disk_at_the_last_call: list[list[Path]] = []

    def watch(phase: bundles.ExportPhase, done: int, total: int) -> None:
        calls.append((phase, done, total))
        if done == total:
            on_disk_at_the_last_call.append(list(out.iterdir()))

    report = bundles.export_bundle(
        worker_store, world.worker.identity, world.team, Selection.ALL, out, progress=watch
    )

    total = 5 + (5 + 2) + 1  # read each record; write each, the manifest and its signature; encrypt
    assert {t for _, _, t in calls} == {total}
    counts = [done for _, done, _ in calls]
    assert counts[0] == 0
    assert counts == sorted(counts)  # it only grows
    assert calls[-1] == (bundles.ExportPhase.SAVING, total, total)
    assert _runs([phase for phase, _, _ in calls]) == list(bundles.ExportPhase)
    steps = [later - earlier for earlier, later in itertools.pairwise(counts)]
    assert max(steps) <= 2  # never more than PROGRESS_EVERY records (or files) between two calls
    assert [done for phase, done, _ in calls if phase is bundles.ExportPhase.READING] == [0, 2, 4, 5]
    assert on_disk_at_the_last_call == [[]]  # the last call comes before the file is written
    assert list(out.iterdir()) == [report.path]


@pytest.mark.parametrize(
    "phase",
    [bundles.ExportPhase.READING, bundles.ExportPhase.WRITING, bundles.ExportPhase.SAVING],
    ids=["while-reading", "while-writing", "at-the-last-moment"],
)
def test_a_cancelled_export_writes_nothing_remembers_nothing_and_the_next_one_is_normal(
    world: World,
    worker_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    phase: bundles.ExportPhase,
) -> None:
    monkeypatch.setattr(exporting, "PROGRESS_EVERY", 2)
    records = [
        worker_store.add_record(definition(CAF), caf("Barnaby", f"Okonkwo-{n}", "2019-05-01")).id
        for n in range(5)
    ]
    out = tmp_path / "outbox"
    out.mkdir()
    audited = [(e.action, e.record_uuid) for e in worker_store.audit_events()]
    seen: list[tuple[bundles.ExportPhase, int, int]] = []

    def cancel_part_way(now: bundles.ExportPhase, done: int, total: int) -> None:
        seen.append((now, done, total))
        if [p for p, _, _ in seen].count(phase) == 2:  # the second call in that phase: part way
            raise bundles.ExportCancelled

    with pytest.raises(bundles.ExportCancelled) as cancelled:
        bundles.export_bundle(
            worker_store, world.worker.identity, world.team, Selection.CHANGED, out, progress=cancel_part_way
        )

    assert str(cancelled.value) == "Sending was cancelled; no bundle was written."
    assert isinstance(cancelled.value, CafError)
    assert 0 < seen[-1][1] < seen[-1][2] or phase is bundles.ExportPhase.SAVING
    assert list(out.iterdir()) == []  # no bundle, and no part of one
    assert [(e.action, e.record_uuid) for e in worker_store.audit_events()] == audited  # nothing shared
    again = bundles.export_bundle(worker_store, world.worker.identity, world.team, Selection.CHANGED, out)
    assert again.record_ids == tuple(records)  # nothing was remembered as sent
    assert again.sequence == 1  # the number the cancelled export took was given back
    assert again.path.name.endswith("-1.cafbundle")
    assert [e.action for e in worker_store.audit_events()].count("shared") == 5


# --- what an import changes -----------------------------------------------------------------------------


def test_a_newer_version_updates_and_the_same_again_is_identical(
    world: World, worker_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    record = worker_store.add_record(definition(CAF), caf())
    import_as_coordinator(coordinator_store, world, export(worker_store, world, tmp_path / "1.cafbundle"))
    worker_store.save(record.id, edited(record.document, "She wants to stay at Brightwell."), definition(CAF))
    newer = export(worker_store, world, tmp_path / "2.cafbundle")
    again = export(worker_store, world, tmp_path / "3.cafbundle", [record.id])

    updated = import_as_coordinator(coordinator_store, world, newer)
    identical = import_as_coordinator(coordinator_store, world, again)

    assert [c.change for c in updated.outcome.changes] == [Change.UPDATED]
    assert [c.change for c in identical.outcome.changes] == [Change.IDENTICAL]
    stored = coordinator_store.get(record.id)
    assert stored.document["child_voice"]["wishes"] == "She wants to stay at Brightwell."
    assert (stored.version, stored.base_version) == (2, 2)
    assert [r.reason for r in coordinator_store.revisions(record.id)] == [
        "imported from a bundle (version 1)",
        "updated from a bundle (version 2)",
    ]


def test_a_late_bundle_changes_nothing_and_a_gap_in_sequence_is_fine(
    world: World, worker_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    record = worker_store.add_record(definition(CAF), caf())
    older = export(worker_store, world, tmp_path / "1.cafbundle")
    worker_store.save(record.id, edited(record.document, "later words"), definition(CAF))
    export(worker_store, world, tmp_path / "2.cafbundle")  # lost in the post: a gap
    worker_store.save(record.id, edited(record.document, "latest words"), definition(CAF))
    newest = export(worker_store, world, tmp_path / "3.cafbundle")

    import_as_coordinator(coordinator_store, world, newest)
    late = import_as_coordinator(coordinator_store, world, older)

    assert [c.change for c in late.outcome.changes] == [Change.OUTDATED]
    assert coordinator_store.get(record.id).document["child_voice"]["wishes"] == "latest words"


def test_both_sides_changed_keeps_both_until_a_person_decides(
    world: World, worker_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    record = worker_store.add_record(definition(CAF), caf())
    import_as_coordinator(coordinator_store, world, export(worker_store, world, tmp_path / "1.cafbundle"))
    coordinator_store.save(record.id, edited(record.document, "the coordinator's note"), definition(CAF))
    worker_store.save(record.id, edited(record.document, "the worker's note"), definition(CAF))

    result = import_as_coordinator(
        coordinator_store, world, export(worker_store, world, tmp_path / "2.cafbundle")
    )

    assert [c.change for c in result.outcome.changes] == [Change.CONFLICT]
    assert coordinator_store.get(record.id).document["child_voice"]["wishes"] == "the coordinator's note"
    [conflict] = coordinator_store.conflicts()
    assert conflict.record_id == record.id
    assert conflict.incoming_document["child_voice"]["wishes"] == "the worker's note"
    assert (conflict.stored_version, conflict.incoming_version) == (2, 2)
    assert conflict.sender_name == "Hannah Testwell"

    settled = bundles.resolve_conflict(coordinator_store, conflict.id, "incoming")

    assert settled.document["child_voice"]["wishes"] == "the worker's note"
    assert coordinator_store.conflicts() == []
    assert [r.document["child_voice"].get("wishes") for r in coordinator_store.revisions(record.id)][-2:] == [
        "the coordinator's note",
        "the worker's note",
    ]
    assert coordinator_store.audit_events(record.id)[-1].action == "sync conflict settled"


def test_a_combined_version_must_be_valid_and_goes_back_as_an_update(
    world: World, worker_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    record = worker_store.add_record(definition(CAF), caf())
    import_as_coordinator(coordinator_store, world, export(worker_store, world, tmp_path / "1.cafbundle"))
    coordinator_store.save(record.id, edited(record.document, "theirs"), definition(CAF))
    worker_store.save(record.id, edited(record.document, "mine"), definition(CAF))
    import_as_coordinator(coordinator_store, world, export(worker_store, world, tmp_path / "2.cafbundle"))
    [conflict] = coordinator_store.conflicts()
    broken = copy.deepcopy(record.document)
    broken["child"]["date_of_birth"] = "not a date"

    with pytest.raises(CafError, match="not valid"):
        bundles.resolve_conflict(coordinator_store, conflict.id, "combined", broken)
    combined = bundles.resolve_conflict(
        coordinator_store, conflict.id, "combined", edited(record.document, "theirs and mine")
    )

    assert (combined.version, combined.base_version) == (3, 2)
    back = bundles.export_bundle(
        coordinator_store,
        world.coordinator.identity,
        world.team,
        [record.id],
        tmp_path / "back.cafbundle",
        to=bundles.worker_addressee(
            "Hannah Testwell",
            world.worker.identity.age.recipient,
            certificate=world.worker.identity.fingerprint,
            organisation="Brightwell Primary School",
        ),
    )
    taken = bundles.import_bundle(worker_store, world.worker.identity, world.team, back.path)
    assert [c.change for c in taken.outcome.changes] == [Change.UPDATED]
    assert worker_store.get(record.id).document["child_voice"]["wishes"] == "theirs and mine"


def test_the_coordinator_sends_an_updated_plan_back_to_the_worker(
    world: World, worker_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    worker_store.add_record(definition(CAF), caf("Zoë", "Kowalczyk", "2016-09-01"))
    [child] = worker_store.find_children("Zoë", "Kowalczyk", dt.date(2016, 9, 1))
    meeting = example("tac-meeting/full")
    plan = worker_store.add_record(definition("tac-meeting"), meeting, child_id=child.id)
    import_as_coordinator(coordinator_store, world, export(worker_store, world, tmp_path / "1.cafbundle"))
    updated = copy.deepcopy(meeting)
    updated["actions"][0]["desired_outcome"] = "Agreed at the review: continue for six weeks."
    coordinator_store.save(plan.id, updated, definition("tac-meeting"))
    to_worker = bundles.members_of(world.coordinator.home)
    hannah = next(m for m in to_worker if m.name == "Hannah Testwell")

    report = bundles.export_bundle(
        coordinator_store, world.coordinator.identity, world.team, Selection.CHANGED, tmp_path, to=hannah
    )
    result = bundles.import_bundle(worker_store, world.worker.identity, world.team, report.path)

    assert report.record_ids == (plan.id,)
    assert [c.change for c in result.outcome.changes] == [Change.UPDATED]
    assert (
        worker_store.get(plan.id).document["actions"][0]["desired_outcome"].startswith("Agreed at the review")
    )
    # Only the worker it is for can open it.
    with pytest.raises(BundleRejected, match="not sent to you"):
        bundles.import_bundle(worker_store, world.second_worker.identity, world.team, report.path)


def test_a_new_team_file_travels_with_the_coordinators_bundle(
    world: World, worker_store: Store, tmp_path: Path
) -> None:
    worker_home = tmp_path / "hannah-home"
    shutil.copytree(world.worker.home, worker_home)  # it holds the team file from before the revocation
    held = json.loads((worker_home / "team.json").read_text())["serial"]
    hannah = bundles.worker_addressee("Hannah Testwell", world.worker.identity.age.recipient)

    report = bundles.export_bundle(
        worker_store,
        world.coordinator.identity,
        world.team,
        [],
        tmp_path / "team.cafbundle",
        to=hannah,
        attachments=[bundles.Attachment("team.json", json.dumps(dict(world.team.document)).encode())],
    )
    result = bundles.import_bundle(
        worker_store, world.worker.identity, world.team, report.path, home=worker_home
    )

    assert held < world.team.serial
    assert result.installed == ("team.json",)
    assert json.loads((worker_home / "team.json").read_text())["serial"] == world.team.serial


def test_forms_travel_with_the_coordinators_bundle(
    world: World, worker_store: Store, tmp_path: Path, private_home: Path
) -> None:
    root = Path(__file__).parents[2] / "forms"
    closure = (root / "caf-closure" / "1.0.0.json").read_bytes()
    ruleset = (root / "thresholds" / "caf-continuum" / "1.0.0.json").read_bytes()
    hannah = bundles.worker_addressee("Hannah Testwell", world.worker.identity.age.recipient)
    wrongly_named = bundles.Attachment("forms/tac-review/1.0.0.json", closure)  # its id says caf-closure

    report = bundles.export_bundle(
        worker_store,
        world.coordinator.identity,
        world.team,
        [],
        tmp_path / "forms.cafbundle",
        to=hannah,
        attachments=[
            bundles.Attachment("forms/caf-closure/1.0.0.json", closure),
            bundles.Attachment("thresholds/caf-continuum/1.0.0.json", ruleset),
            wrongly_named,
        ],
    )
    result = bundles.import_bundle(
        worker_store, world.worker.identity, world.team, report.path, home=world.worker.home
    )

    assert result.installed == ("forms/caf-closure/1.0.0.json", "thresholds/caf-continuum/1.0.0.json")
    assert (private_home / "forms" / "caf-closure" / "1.0.0.json").read_bytes() == closure
    assert (private_home / "forms" / "thresholds" / "caf-continuum" / "1.0.0.json").read_bytes() == ruleset
    assert not (private_home / "forms" / "tac-review").exists()
    with pytest.raises(CafError, match="cannot go in a bundle"):
        bundles.export_bundle(
            worker_store,
            world.coordinator.identity,
            world.team,
            [],
            tmp_path,
            to=hannah,
            attachments=[bundles.Attachment("../evil.json", b"{}")],
        )


def test_only_a_coordinator_may_send_forms(world: World, worker_store: Store, tmp_path: Path) -> None:
    entries = [("forms/caf-closure/1.0.0.json", b"{}")]
    path = hand_made(
        world,
        tmp_path,
        entries=entries,
        sender=world.second_worker.identity,
        manifest={"recipients": list(world.team.coordinator_recipients)},
    )
    store = new_store(tmp_path, "Cora Ordinator", "coordinator")
    try:
        error = rejection(store, world, path)
    finally:
        store.close()
    assert error.code == "not-from-coordinator"


def test_several_bundles_at_once_and_a_folder(
    world: World, worker_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    worker_store.add_record(definition(CAF), caf())
    export(worker_store, world, inbox, Selection.CHANGED)
    worker_store.add_record(definition(CAF), caf("Barnaby", "Okonkwo", "2019-05-01"))
    export(worker_store, world, inbox, Selection.CHANGED)
    (inbox / "broken.cafbundle").write_bytes(b"age-encryption.org/v1\n-> X25519 nonsense\n")
    (inbox / "notes.txt").write_text("not a bundle")

    report = bundles.import_bundles(coordinator_store, world.coordinator.identity, world.team, [inbox])

    assert report.as_json()["imported"] == 2
    assert [r.path.name for r in report.rejected] == ["broken.cafbundle"]
    assert coordinator_store.count() == 2


# --- every bad bundle is refused, nothing imported ------------------------------------------------------


@pytest.fixture
def sent(world: World, worker_store: Store, tmp_path: Path) -> Path:
    """A good bundle of two records from the worker."""
    worker_store.add_record(definition(CAF), caf())
    worker_store.add_record(definition(CAF), caf("Barnaby", "Okonkwo", "2019-05-01"))
    return export(worker_store, world, tmp_path / "good.cafbundle")


@pytest.mark.parametrize("keep", [0.999, 0.75, 0.5, 0.1, 0.01])
def test_a_truncated_bundle(
    world: World, coordinator_store: Store, sent: Path, tmp_path: Path, keep: float
) -> None:
    cut = tmp_path / "cut.cafbundle"
    data = sent.read_bytes()
    cut.write_bytes(data[: int(len(data) * keep)])

    error = rejection(coordinator_store, world, cut)

    assert error.code in {"damaged", "not-a-bundle"}


@pytest.mark.parametrize("where", [5, 30, 60, 120, 200, 1000, -500, -1])
def test_one_flipped_byte_anywhere(
    world: World, coordinator_store: Store, sent: Path, tmp_path: Path, where: int
) -> None:
    data = bytearray(sent.read_bytes())
    data[where] ^= 0x01
    flipped = tmp_path / "flipped.cafbundle"
    flipped.write_bytes(bytes(data))

    error = rejection(coordinator_store, world, flipped)

    assert error.code in {"damaged", "not-a-bundle", "not-for-you"}


def test_a_bundle_for_another_coordinator(
    world: World, worker_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    record = worker_store.add_record(definition(CAF), caf())
    elsewhere = bundles.worker_addressee(
        "Olga Otherteam",
        world.other_coordinator.identity.age.recipient,
        organisation="Brightwell Primary School",  # a service the consent covers: only the key is wrong
    )
    path = bundles.export_bundle(
        worker_store, world.worker.identity, world.team, [record.id], tmp_path, to=elsewhere
    ).path

    error = rejection(coordinator_store, world, path)

    assert error.code == "not-for-you"
    assert error.reason.startswith("This bundle was not sent to you")


def hand_made(world: World, tmp_path: Path, name: str = "hand.cafbundle", **options: Any) -> Path:
    """A bundle built by hand: `entries` (default: one valid record), signed by `sender` (default the
    worker), encrypted to the team's coordinators; the manifest from `manifest_for(**manifest)`."""
    sender = options.pop("sender", world.worker.identity)
    entries = options.pop("entries", None)
    if entries is None:
        entries = [record_file(str(uuid.uuid4()), caf())]
    manifest_options = {"team_file": world.team, **options.pop("manifest", {})}
    files = {n if isinstance(n, str) else n.filename: d for n, d in entries}
    manifest = manifest_for(files, sender=sender, **manifest_options)
    recipients = options.pop("recipients", list(world.team.coordinator_recipients))
    assert not options
    path = tmp_path / name
    path.write_bytes(seal(entries, manifest, sender=sender, recipients=recipients))
    return path


def test_a_hand_made_bundle_is_accepted_when_it_is_right(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    """The control for the tests below: what they change is what makes them fail."""
    result = import_as_coordinator(coordinator_store, world, hand_made(world, tmp_path))
    assert result.count(Change.NEW) == 1


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("other_coordinator", "not issued by this team's certificate authority"),
        ("stranger", "self-signed certificate"),
        ("revoked", "has been revoked"),
    ],
)
def test_an_unknown_self_signed_or_revoked_sender(
    world: World, coordinator_store: Store, tmp_path: Path, who: str, expected: str
) -> None:
    sender = getattr(world, who).identity

    error = rejection(coordinator_store, world, hand_made(world, tmp_path, sender=sender))

    assert error.code == "signature"
    assert expected in error.reason


def test_a_bundle_for_another_team(world: World, coordinator_store: Store, tmp_path: Path) -> None:
    manifest = {"team_file": world.other_team}
    path = hand_made(world, tmp_path, manifest=manifest)

    error = rejection(coordinator_store, world, path)

    assert error.code == "wrong-team"
    assert "for another team" in error.reason


def test_a_bundle_passed_on_to_someone_it_does_not_name(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    path = hand_made(world, tmp_path, manifest={"recipients": [world.second_worker.identity.age.recipient]})

    error = rejection(coordinator_store, world, path)

    assert error.code == "not-a-recipient"


def test_a_worker_takes_bundles_from_coordinators_only(
    world: World, worker_store: Store, tmp_path: Path
) -> None:
    path = hand_made(
        world,
        tmp_path,
        sender=world.second_worker.identity,
        manifest={"recipients": [world.worker.identity.age.recipient]},
        recipients=[world.worker.identity.age.recipient],
    )

    with pytest.raises(BundleRejected) as caught:
        bundles.import_bundle(worker_store, world.worker.identity, world.team, path)

    assert caught.value.code == "not-from-coordinator"
    assert worker_store.count() == 0


def test_the_same_bundle_again_is_already_imported_and_a_reused_sequence_number_is_a_replay(
    world: World, coordinator_store: Store, sent: Path, tmp_path: Path
) -> None:
    import_as_coordinator(coordinator_store, world, sent)
    copied = tmp_path / "copy.cafbundle"
    shutil.copy(sent, copied)
    sequence = json.loads(decrypt(sent, world).read("manifest.json"))["sequence"]

    with pytest.raises(bundles.BundleAlreadyImported) as again:
        import_as_coordinator(coordinator_store, world, copied)
    reused = rejection(
        coordinator_store,
        world,
        hand_made(world, tmp_path, manifest={"sequence": sequence, "bundle_id": str(uuid.uuid4())}),
    )

    assert again.value.code == "already-imported"
    assert again.value.reason.startswith("This bundle was already imported on ")
    assert again.value.reason.endswith("; there is nothing to do.")
    assert coordinator_store.count() == 2
    assert reused.code == "replay"
    assert not isinstance(reused, bundles.BundleAlreadyImported)
    assert "same sender and sequence number" in reused.reason


def test_a_replay_with_the_same_bundle_id_and_other_contents_is_refused(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    """Only the very file imported before is "already imported". The same bundle id, properly signed
    by the same sender with its sequence number but holding another record, is a replay: refused."""
    bundle_id = str(uuid.uuid4())
    first = hand_made(world, tmp_path, "first.cafbundle", manifest={"bundle_id": bundle_id})
    import_as_coordinator(coordinator_store, world, first)
    other = hand_made(
        world,
        tmp_path,
        "other.cafbundle",
        manifest={"bundle_id": bundle_id},
        entries=[record_file(str(uuid.uuid4()), caf("Barnaby", "Okonkwo", "2019-05-01"))],
    )

    refused = rejection(coordinator_store, world, other)

    assert refused.code == "replay"
    assert not isinstance(refused, bundles.BundleAlreadyImported)
    assert "this file is not the one that was imported" in refused.reason
    assert coordinator_store.count() == 1


def test_what_the_preview_showed_is_what_is_applied(
    world: World, coordinator_store: Store, sent: Path, tmp_path: Path
) -> None:
    """The GUI previews a bundle, then applies the bundle it verified: a file changed or replaced in
    between (by mistake or on purpose) changes nothing that is imported."""
    plan = bundles.inspect_bundle(coordinator_store, world.coordinator.identity, world.team, sent)
    sent.write_bytes(b"replaced after the preview")

    report = bundles.apply_bundles(coordinator_store, [plan.bundle])

    assert report.rejected == []
    assert report.count(Change.NEW) == plan.count(Change.NEW) == 2
    assert sorted(r.child for r in coordinator_store.list_records()) == [
        "Barnaby Okonkwo",
        "Zoë Łukasiewicz-O'Brien",
    ]
    assert coordinator_store.audit_events()[-1].action == "bundle imported"


def test_a_previewed_bundle_imported_meanwhile_is_already_imported_when_applied(
    world: World, coordinator_store: Store, sent: Path
) -> None:
    """Two previews of one bundle (two windows, or the same file chosen twice): the second to be
    applied is a repeat, reported as already imported (not a refusal) and audited, with nothing
    imported twice."""
    first, second = (
        bundles.inspect_bundle(coordinator_store, world.coordinator.identity, world.team, sent)
        for _ in range(2)
    )
    bundles.apply_bundles(coordinator_store, [first.bundle])

    report = bundles.apply_bundles(coordinator_store, [second.bundle])

    assert (report.imported, report.rejected) == ([], [])
    [repeat] = report.already_imported
    assert (repeat.code, repeat.path) == ("already-imported", sent)
    assert "already imported" in repeat.reason
    assert report.as_json()["already_imported"] == [{"file": str(sent), "message": repeat.reason}]
    assert coordinator_store.count() == 2
    assert coordinator_store.audit_events()[-1].action == "bundle already imported"


def test_a_bundle_from_a_newer_version(world: World, coordinator_store: Store, tmp_path: Path) -> None:
    error = rejection(coordinator_store, world, hand_made(world, tmp_path, manifest={"format_version": 2}))

    assert error.code == "newer-format"
    assert "Update CAF Desktop" in error.reason


@pytest.mark.parametrize("format_version", [0, -1])
def test_a_bundle_format_no_version_ever_wrote_is_refused(
    world: World, coordinator_store: Store, tmp_path: Path, format_version: int
) -> None:
    """Found by the fuzzer: a signed manifest saying format 0 was read as if it were format 1."""
    error = rejection(
        coordinator_store, world, hand_made(world, tmp_path, manifest={"format_version": format_version})
    )

    assert error.code == "damaged"
    assert f"bundle format {format_version}" in error.reason
    assert coordinator_store.count() == 0


@pytest.mark.parametrize(
    "entry",
    [
        ("../escape.json", b"{}"),
        ("records/../../escape.json", b"{}"),
        ("/etc/passwd", b"{}"),
        ("C:/Windows/evil.json", b"{}"),
        ("records\\evil.json", b"{}"),
    ],
    ids=["dot-dot", "dot-dot-inside", "absolute", "drive", "backslash"],
)
def test_a_zip_with_paths_outside_the_bundle(
    world: World, coordinator_store: Store, tmp_path: Path, entry: tuple[str, bytes]
) -> None:
    record = record_file(str(uuid.uuid4()), caf())
    path = hand_made(world, tmp_path, entries=[record, entry])

    error = rejection(coordinator_store, world, path)

    assert error.code == "unsafe-zip"


def test_a_zip_with_a_symbolic_link(world: World, coordinator_store: Store, tmp_path: Path) -> None:
    record = record_file(str(uuid.uuid4()), caf())
    path = hand_made(world, tmp_path, entries=[record, symlink_entry("records/link.json", "/etc/passwd")])

    error = rejection(coordinator_store, world, path)

    assert error.code == "unsafe-zip"
    assert "symbolic link" in error.reason


def test_a_zip_with_a_name_twice(world: World, coordinator_store: Store, tmp_path: Path) -> None:
    record = record_file(str(uuid.uuid4()), caf())
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = hand_made(world, tmp_path, entries=[record, record])

    error = rejection(coordinator_store, world, path)

    assert error.code == "unsafe-zip"
    assert "appears twice" in error.reason


def test_a_zip_that_would_expand_hugely(world: World, coordinator_store: Store, tmp_path: Path) -> None:
    record = record_file(str(uuid.uuid4()), caf())
    bomb = ("records/bomb.json", b"0" * (20 << 20))  # 20 MiB of one byte: about 20 KiB compressed

    error = rejection(coordinator_store, world, hand_made(world, tmp_path, entries=[record, bomb]))

    assert error.code == "unsafe-zip"
    assert "would expand" in error.reason


def test_a_record_invalid_against_its_form(world: World, coordinator_store: Store, tmp_path: Path) -> None:
    document = caf()
    document["child"]["date_of_birth"] = "the fourteenth of March"
    path = hand_made(world, tmp_path, entries=[record_file(str(uuid.uuid4()), document)])

    error = rejection(coordinator_store, world, path)

    assert error.code == "invalid-record"
    assert "is not valid for its form (Common Assessment Framework (CAF) assessment 1.0.0)" in error.reason
    assert "/child/date_of_birth: " in error.reason
    assert ".. " not in error.reason


def test_a_newer_form_and_ruleset_from_the_coordinator_are_used_once_received(
    world: World, worker_store: Store, tmp_path: Path, private_home: Path
) -> None:
    from caf_desktop.formengine import definitions
    from caf_desktop.practice import thresholds

    root = Path(__file__).parents[2] / "forms"
    closure = json.loads((root / "caf-closure" / "1.1.0.json").read_text(encoding="utf-8"))
    closure["version"] = "1.2.0"  # newer than the newest shipped
    closure["title"] = "CAF closure (revised locally)"
    ruleset = json.loads((root / "thresholds" / "caf-continuum" / "1.0.0.json").read_text(encoding="utf-8"))
    ruleset["version"] = "1.1.0"
    hannah = bundles.worker_addressee("Hannah Testwell", world.worker.identity.age.recipient)
    assert definitions.installed_catalogue().get("caf-closure").version == "1.1.0"

    report = bundles.export_bundle(
        worker_store,
        world.coordinator.identity,
        world.team,
        [],
        tmp_path / "forms.cafbundle",
        to=hannah,
        attachments=[
            bundles.Attachment("forms/caf-closure/1.2.0.json", json.dumps(closure).encode()),
            bundles.Attachment("thresholds/caf-continuum/1.1.0.json", json.dumps(ruleset).encode()),
        ],
    )
    bundles.import_bundle(
        worker_store, world.worker.identity, world.team, report.path, home=world.worker.home
    )

    catalogue = definitions.installed_catalogue()
    assert catalogue.get("caf-closure").title == "CAF closure (revised locally)"  # the newest is used
    assert catalogue.get("caf-closure", "1.1.0").title != closure["title"]  # the shipped ones stay
    assert catalogue.get("caf-closure", "1.0.0").title != closure["title"]
    assert thresholds.ruleset("caf-continuum").version == "1.1.0"
    # A new record can be made with it, and a damaged received file is left out, not fatal.
    worker_store.add_record(catalogue.get("caf-closure"), example("caf-closure/full-1.1.0"))
    (private_home / "forms" / "caf-closure" / "1.3.0.json").write_text("{not json", encoding="utf-8")
    assert definitions.installed_catalogue().get("caf-closure").version == "1.2.0"


def test_a_record_of_a_form_version_not_installed(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    entry = record_file(str(uuid.uuid4()), caf(), form_version="9.0.0")

    error = rejection(coordinator_store, world, hand_made(world, tmp_path, entries=[entry]))

    assert error.code == "unknown-form"


def test_a_manifest_that_lists_a_missing_file(world: World, coordinator_store: Store, tmp_path: Path) -> None:
    kept, lost = record_file(str(uuid.uuid4()), caf()), record_file(str(uuid.uuid4()), caf())
    path = hand_made(world, tmp_path, entries=[kept], manifest={"listed": dict([kept, lost])})

    error = rejection(coordinator_store, world, path)

    assert error.code == "tampered"
    assert f"{lost[0]} is in its signed list of contents but missing" in error.reason


def test_a_file_the_manifest_does_not_list(world: World, coordinator_store: Store, tmp_path: Path) -> None:
    listed, added = record_file(str(uuid.uuid4()), caf()), record_file(str(uuid.uuid4()), caf())
    path = hand_made(world, tmp_path, entries=[listed, added], manifest={"listed": dict([listed])})

    error = rejection(coordinator_store, world, path)

    assert error.code == "tampered"
    assert f"{added[0]} is not in its signed list of contents" in error.reason


def test_a_record_changed_after_signing(world: World, coordinator_store: Store, tmp_path: Path) -> None:
    record_id = str(uuid.uuid4())
    signed = record_file(record_id, caf())
    changed = record_file(record_id, caf("Someone", "Else", "2015-01-01"))
    path = hand_made(world, tmp_path, entries=[changed], manifest={"listed": dict([signed])})

    error = rejection(coordinator_store, world, path)

    assert error.reason == (
        f"The bundle has been changed since it was signed (records/{record_id}.json is not what the sender signed). "
        "Ask the sender to export it again. Nothing was imported."
    )


def test_one_bad_record_stops_the_whole_bundle(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    good = record_file(str(uuid.uuid4()), caf())
    document = caf("Barnaby", "Okonkwo", "2019-05-01")
    document["child"]["date_of_birth"] = "soon"
    bad = record_file(str(uuid.uuid4()), document)

    rejection(coordinator_store, world, hand_made(world, tmp_path, entries=[good, bad]))

    assert coordinator_store.count() == 0


def test_importing_your_own_bundle(world: World, worker_store: Store, sent: Path) -> None:
    with pytest.raises(BundleRejected) as caught:
        bundles.import_bundle(worker_store, world.worker.identity, world.team, sent)
    assert caught.value.code == "own-bundle"


def test_a_rejection_is_audited_without_names(world: World, coordinator_store: Store, tmp_path: Path) -> None:
    rejection(coordinator_store, world, hand_made(world, tmp_path, sender=world.stranger.identity))

    details = coordinator_store.audit_events()[-1].details
    assert details["reason"] == "signature"
    assert len(details["file_sha256"]) == 64
    assert "Sam" not in json.dumps(details)
    assert "Stranger" not in json.dumps(details)


# --- standard tools read a bundle -----------------------------------------------------------------------


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CAF_DESKTOP_REQUIRE_TOOLS"):
            pytest.fail(f"{name} is not installed (CAF_DESKTOP_REQUIRE_TOOLS is set, so this is an error)")
        pytest.skip(f"{name} is not installed, so the interoperability test did not run")
    return found


def test_age_decrypts_a_bundle_and_openssl_verifies_its_manifest(
    world: World, sent: Path, tmp_path: Path
) -> None:
    age, openssl = tool("age"), tool("openssl")
    key = tmp_path / "coordinator.key"
    key.write_text(world.coordinator.identity.age.key_file_text())
    key.chmod(0o600)

    decrypted = subprocess.run(
        [age, "-d", "-i", str(key), str(sent)], capture_output=True, check=True, timeout=60
    ).stdout
    archive = zipfile.ZipFile(io.BytesIO(decrypted))
    (tmp_path / "manifest.json").write_bytes(archive.read("manifest.json"))
    (tmp_path / "manifest.json.p7s").write_bytes(archive.read("manifest.json.p7s"))
    (tmp_path / "ca.pem").write_text(world.team.document["ca_certificate"])
    verified = subprocess.run(
        [
            openssl,
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "manifest.json.p7s"),
            "-content",
            str(tmp_path / "manifest.json"),
            "-CAfile",
            str(tmp_path / "ca.pem"),
            "-purpose",
            "any",
            "-out",
            os.devnull,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert verified.returncode == 0, verified.stderr
    assert "Verification successful" in verified.stderr


def test_openssl_refuses_a_changed_manifest(world: World, sent: Path, tmp_path: Path) -> None:
    openssl = tool("openssl")
    archive = decrypt(sent, world)
    manifest = archive.read("manifest.json").replace(b'"sequence": 1', b'"sequence": 2')
    (tmp_path / "manifest.json").write_bytes(manifest)
    (tmp_path / "manifest.json.p7s").write_bytes(archive.read("manifest.json.p7s"))
    (tmp_path / "ca.pem").write_text(world.team.document["ca_certificate"])

    verified = subprocess.run(
        [
            openssl,
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "manifest.json.p7s"),
            "-content",
            str(tmp_path / "manifest.json"),
            "-CAfile",
            str(tmp_path / "ca.pem"),
            "-purpose",
            "any",
            "-out",
            os.devnull,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert verified.returncode != 0


# --- a record comes out as it went in -----------------------------------------------------------------


_texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=60)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=st.fixed_dictionaries(
        {
            "views": _texts,
            "given_name": st.sampled_from(["Zoë", "Oluwaseun", "Siân", "Mạnh", "Aleksandra", "Tūī"]),
            "status": st.sampled_from(["draft", "complete"]),
            "saves": st.integers(min_value=0, max_value=3),
        }
    )
)
def test_a_record_goes_through_a_bundle_unchanged(
    world: World, tmp_path_factory: pytest.TempPathFactory, case: dict[str, Any]
) -> None:
    folder = tmp_path_factory.mktemp("round-trip")
    store = new_store(folder, "Hannah Testwell")
    try:
        document = caf(case["given_name"])
        document["child_voice"]["childs_views"] = case["views"]
        record = store.add_record(definition(CAF), document, status=case["status"])
        for n in range(case["saves"]):
            store.save(record.id, edited(document, f"{case['views']} {n}"), definition(CAF))
        sent = store.get(record.id)
        path = export(store, world, folder)
    finally:
        store.close()

    [received] = bundles.read_bundle(path, world.coordinator.identity, world.team).records

    assert received.id == sent.id
    assert received.document == sent.document
    assert (received.form_id, received.form_version, received.status) == (
        sent.form_id,
        sent.form_version,
        sent.status,
    )
    assert (received.version, received.base_version) == (sent.version, sent.base_version)
    assert received.document_json is not None
    assert json.loads(received.document_json) == received.document  # the text the store keeps


# --- reading a record's JSON, and the document's text with it --------------------------------------------

_json_values = st.recursive(
    # Within what jsonfiles accepts from outside: finite numbers, and integers that fit the
    # database's columns (a record's versions; its document may hold up to I-JSON's 2^53).
    st.none()
    | st.booleans()
    | st.integers(-(2**31) + 1, 2**31 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(
    members=st.dictionaries(
        st.sampled_from(["document", "uuid", "é", ""]) | _texts, _json_values, max_size=5
    ),
    indent=st.sampled_from([None, 0, 2]),
    ensure_ascii=st.booleans(),
    compact=st.booleans(),
)
def test_a_record_file_is_read_as_json_loads_reads_it(
    members: dict[str, Any], indent: int | None, ensure_ascii: bool, compact: bool
) -> None:
    text = json.dumps(
        members, indent=indent, ensure_ascii=ensure_ascii, separators=(",", ":") if compact else None
    )

    read = reading.json_object(f" \n{text}\t ", "document")

    assert read is not None
    found, kept = read
    assert found == json.loads(text)
    assert list(found) == list(json.loads(text))
    if "document" in members:
        assert kept is not None
        assert json.loads(kept) == members["document"]
    else:
        assert kept is None


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ('{ "document" :\n\t{"a" : [1, 2]} }', '{"a" : [1, 2]}'),
        ('{"documents": 1}', None),
        ("{}", None),
    ],
)
def test_the_documents_text_is_as_it_stands(text: str, kept: str | None) -> None:
    assert reading.json_object(text, "document") == (json.loads(text), kept)


def test_a_record_file_giving_a_name_twice_is_refused() -> None:
    """json.loads would take the last; another reader the first: neither is guessed."""
    with pytest.raises(ValueError, match="given twice"):
        reading.json_object('{"document": {"a": 1}, "document": {"b": 2}}', "document")


@pytest.mark.parametrize("text", ["[1]", '"text"', '{"a": 1,}', '{"a" 1}', '{"a": 1} {}', "\ufeff{}", ""])
def test_what_is_not_one_json_object_is_refused(text: str) -> None:
    try:
        loaded = json.loads(text)
    except ValueError:
        loaded = None
    assert not isinstance(loaded, dict)  # the control: not a record file for json.loads either
    assert reading.json_object(text, "document") is None


@pytest.mark.parametrize(
    ("text", "problem"), [('{"a": nul}', "Expecting value"), ('{"a": "unterminated}', "Unterminated string")]
)
def test_malformed_json_in_an_object_is_refused_as_json_loads_refuses_it(text: str, problem: str) -> None:
    with pytest.raises(json.JSONDecodeError, match=problem):
        json.loads(text)
    with pytest.raises(json.JSONDecodeError, match=problem):
        reading.json_object(text, "document")


def test_a_record_file_laid_out_otherwise_is_imported_the_same(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    """A hand-made record file (indented, non-ASCII escaped): its document is stored as it reads."""
    record_id, document = str(uuid.uuid4()), caf("Siân", "Ŵyn-Łukasiewicz")
    name, data = record_file(record_id, document)
    laid_out = json.dumps(json.loads(data), indent=3, ensure_ascii=True).encode("ascii")

    result = import_as_coordinator(
        coordinator_store, world, hand_made(world, tmp_path, entries=[(name, laid_out)])
    )

    assert result.count(Change.NEW) == 1
    assert coordinator_store.get(record_id).document == document
    assert coordinator_store.revisions(record_id)[0].document == document
    assert coordinator_store.get(record_id).child == "Siân Ŵyn-Łukasiewicz"
