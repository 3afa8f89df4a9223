"""Who may write what through a bundle (docs/bundles.md, "Who may write what").

An enrolled worker's bundle is signed with their real key and passes every check of the file, so what
it may change is decided from the receiving store's own record of what was sent and received, never
from the record's `uuid`, `child` and `case` as the bundle gives them. The hostile bundles here are
made as an attacker would: record files written by hand, the manifest signed with `openssl cms -sign`
using the worker's own key and certificate, zipped with Python's zipfile and encrypted with `age`.
Every person and child is fictional.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.store.store import Store
from caf_desktop.sync import bundles
from caf_desktop.sync.bundles import BundleRejected, Change, Selection
from caf_desktop.trust.identity import Identity
from cryptography.hazmat.primitives import serialization

from tests.store.support import definition, edited
from tests.sync.bundle_world import World, caf, make_world, manifest_for, new_store, record_file

CAF = "caf-assessment"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("team"))


@pytest.fixture
def coordinator_store(tmp_path: Path) -> Iterator[Store]:
    store = new_store(tmp_path, "Cora Ordinator", "coordinator")
    yield store
    store.close()


@pytest.fixture
def hannah_store(tmp_path: Path) -> Iterator[Store]:
    store = new_store(tmp_path, "Hannah Testwell")
    yield store
    store.close()


@pytest.fixture
def idris_store(tmp_path: Path) -> Iterator[Store]:
    store = new_store(tmp_path, "Idris Fieldman")
    yield store
    store.close()


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; these tests make their hostile bundles with it")
    return found


def _pem(certificate: Any) -> bytes:
    return bytes(certificate.public_bytes(serialization.Encoding.PEM))


def forge(
    tmp_path: Path,
    name: str,
    records: list[tuple[str, bytes]],
    *,
    sender: Identity,
    team: Any,
    recipients: list[str],
    sequence: int,
) -> Path:
    """A bundle made with standard tools from hand-written record files: signed by `sender`'s own key
    (openssl cms), zipped (zipfile), encrypted to `recipients` (age)."""
    openssl, age = tool("openssl"), tool("age")
    work = tmp_path / f"forge-{name}"
    work.mkdir()
    files = dict(records)
    manifest = manifest_for(
        files,
        sender=sender,
        team_file=team,
        recipients=recipients,
        bundle_id=str(uuid.uuid4()),
        sequence=sequence,
    )
    manifest_bytes = json.dumps(manifest, indent=2).encode()
    (work / "manifest.json").write_bytes(manifest_bytes)
    key = work / "key.pem"
    key.write_bytes(
        sender.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key.chmod(0o600)
    (work / "cert.pem").write_bytes(_pem(sender.certificate))
    (work / "chain.pem").write_bytes(b"".join(_pem(c) for c in sender.chain) or _pem(sender.certificate))
    subprocess.run(
        [
            openssl, "cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER",
            "-in", str(work / "manifest.json"), "-signer", str(work / "cert.pem"), "-inkey", str(key),
            "-certfile", str(work / "chain.pem"), "-out", str(work / "manifest.json.p7s"),
        ],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest_bytes)
        archive.writestr("manifest.json.p7s", (work / "manifest.json.p7s").read_bytes())
        for entry, data in records:
            archive.writestr(entry, data)
    (work / "bundle.zip").write_bytes(buffer.getvalue())
    out = tmp_path / f"{name}.cafbundle"
    command = [age, "-e", "-o", str(out)]
    for recipient in recipients:
        command += ["-r", recipient]
    subprocess.run([*command, str(work / "bundle.zip")], check=True, capture_output=True, timeout=60)
    return out


def from_hannah(
    world: World, tmp_path: Path, name: str, *records: tuple[str, bytes], sequence: int = 50
) -> Path:
    return forge(
        tmp_path,
        name,
        list(records),
        sender=world.worker.identity,
        team=world.team,
        recipients=list(world.team.coordinator_recipients),
        sequence=sequence,
    )


def import_as_coordinator(store: Store, world: World, path: Path) -> bundles.BundleImport:
    return bundles.import_bundle(store, world.coordinator.identity, world.team, path)


def to_worker(world: World, who: str) -> bundles.Addressee:
    return next(m for m in bundles.members_of(world.coordinator.home) if m.name == who)


def snapshot(store: Store) -> Any:
    """What a person could see of the store: every record with its version and document, the cases and
    the conflicts waiting."""
    return (
        sorted(
            (r.id, r.version, json.dumps(store.get(r.id).document, sort_keys=True))
            for r in store.list_records()
        ),
        sorted((r.id, r.case_id) for r in store.list_records()),
        len(store.conflicts()),
    )


def refused(store: Store, world: World, path: Path, *, identity: Identity | None = None) -> BundleRejected:
    """Imports `path`, expecting the whole bundle refused as not permitted, audited, the store unchanged."""
    before = snapshot(store)
    with pytest.raises(BundleRejected) as caught:
        bundles.import_bundle(store, identity or world.coordinator.identity, world.team, path)
    assert snapshot(store) == before
    error = caught.value
    assert error.code == "not-permitted"
    assert error.reason.endswith("Nothing was imported.")
    last = store.audit_events()[-1]
    assert (last.action, last.details["reason"]) == ("bundle rejected", "not-permitted")
    assert "Hannah" not in json.dumps(last.details)
    assert "Cora" not in json.dumps(last.details)
    return error


@pytest.fixture
def idris_record(world: World, idris_store: Store, coordinator_store: Store, tmp_path: Path) -> Any:
    """Another worker's child, case and record, at the coordinator's: Hannah never worked with them."""
    record = idris_store.add_record(definition(CAF), caf("Tomasz", "Idrisfamily", "2015-04-04"))
    sent = bundles.export_bundle(
        idris_store, world.second_worker.identity, world.team, Selection.ALL, tmp_path / "idris.cafbundle"
    )
    import_as_coordinator(coordinator_store, world, sent.path)
    stored = coordinator_store.get(record.id)
    return stored, coordinator_store.child_of(record.id)


def test_a_worker_cannot_replace_another_workers_record(
    world: World, coordinator_store: Store, idris_record: Any, tmp_path: Path
) -> None:
    stored, child_id = idris_record
    replaced = edited(stored.document, "written over by someone else")
    hostile = from_hannah(
        world,
        tmp_path,
        "replace",
        record_file(stored.id, replaced, version=2, base_version=1, child=child_id, case=stored.case_id),
    )

    error = refused(coordinator_store, world, hostile)

    assert error.reason.startswith(
        f"Hannah Testwell's bundle was refused: it tries to replace record {stored.id},"
    )
    assert "Hannah Testwell did not create and was not sent" in error.reason
    assert coordinator_store.audit_events()[-1].details["tried"] == [
        {"kind": "record", "record": stored.id, "target": stored.id}
    ]
    assert coordinator_store.get(stored.id).document["child_voice"] == stored.document["child_voice"]


def test_a_worker_cannot_file_a_record_under_another_childs_case(
    world: World, coordinator_store: Store, idris_record: Any, tmp_path: Path
) -> None:
    stored, child_id = idris_record
    planted = str(uuid.uuid4())
    hostile = from_hannah(
        world,
        tmp_path,
        "case",
        record_file(planted, caf("Mallory", "Planted"), child=child_id, case=stored.case_id),
    )

    error = refused(coordinator_store, world, hostile)

    assert (
        f"add record {planted} to case {stored.case_id}, a case Hannah Testwell did not create"
        in error.reason
    )
    assert coordinator_store.case_records(stored.id) == coordinator_store.case_records(stored.id)[:1]


def test_a_worker_cannot_attach_a_record_to_another_child(
    world: World, coordinator_store: Store, idris_record: Any, tmp_path: Path
) -> None:
    _, child_id = idris_record
    planted = str(uuid.uuid4())
    hostile = from_hannah(
        world,
        tmp_path,
        "child",
        record_file(planted, caf("Mallory", "Planted"), child=child_id, case=str(uuid.uuid4())),
    )

    error = refused(coordinator_store, world, hostile)

    assert f"add record {planted} to child {child_id}, a child Hannah Testwell did not create" in error.reason


def test_one_trespass_refuses_the_whole_bundle(
    world: World, coordinator_store: Store, idris_record: Any, tmp_path: Path
) -> None:
    """A bundle of Hannah's own new record and one that replaces Idris's: nothing of it goes in."""
    stored, _ = idris_record
    own = str(uuid.uuid4())
    hostile = from_hannah(
        world,
        tmp_path,
        "mixed",
        record_file(own, caf("Ffion", "Ownchild", "2019-01-01")),
        record_file(stored.id, edited(stored.document, "over"), version=2, base_version=1),
    )
    report = bundles.import_bundles(coordinator_store, world.coordinator.identity, world.team, [hostile])

    assert report.imported == []
    [rejection] = report.rejected
    assert rejection.code == "not-permitted"
    assert "Hannah Testwell's bundle was refused" in rejection.reason
    assert own not in {r.id for r in coordinator_store.list_records()}


def test_a_worker_may_add_to_their_own_case_and_update_what_they_were_sent(
    world: World,
    coordinator_store: Store,
    hannah_store: Store,
    idris_record: Any,
    tmp_path: Path,
) -> None:
    """The legitimate flows: Hannah adds a record to her own child's case; the coordinator sends her
    Idris's record; she updates it and the coordinator takes the update."""
    first = hannah_store.add_record(definition(CAF), caf("Ffion", "Ownchild", "2019-01-01"))
    import_as_coordinator(
        coordinator_store,
        world,
        bundles.export_bundle(hannah_store, world.worker.identity, world.team, Selection.ALL, tmp_path).path,
    )
    child_id = coordinator_store.child_of(first.id)
    second = str(uuid.uuid4())
    own_case = from_hannah(
        world,
        tmp_path,
        "own-case",
        record_file(second, caf("Ffion", "Ownchild", "2019-01-01"), child=child_id, case=first.case_id),
    )
    assert import_as_coordinator(coordinator_store, world, own_case).count(Change.NEW) == 1
    assert coordinator_store.get(second).case_id == first.case_id

    stored, _ = idris_record
    sent = bundles.export_bundle(
        coordinator_store,
        world.coordinator.identity,
        world.team,
        [stored.id],
        tmp_path / "to-hannah.cafbundle",
        to=to_worker(world, "Hannah Testwell"),
    )
    assert (
        bundles.import_bundle(hannah_store, world.worker.identity, world.team, sent.path).count(Change.NEW)
        == 1
    )
    hannah_store.save(stored.id, edited(stored.document, "Hannah's visit"), definition(CAF))
    back = bundles.export_bundle(
        hannah_store, world.worker.identity, world.team, [stored.id], tmp_path / "back.cafbundle"
    )

    updated = import_as_coordinator(coordinator_store, world, back.path)

    assert updated.count(Change.UPDATED) == 1
    assert coordinator_store.get(stored.id).document["child_voice"]["wishes"] == "Hannah's visit"


# --- the worker's side: bundles from a coordinator ------------------------------------------------------


def from_cora(world: World, tmp_path: Path, name: str, *records: tuple[str, bytes]) -> Path:
    return forge(
        tmp_path,
        name,
        list(records),
        sender=world.coordinator.identity,
        team=world.team,
        recipients=[world.worker.identity.age.recipient],
        sequence=70,
    )


def test_a_coordinator_cannot_change_what_a_worker_never_sent(
    world: World, hannah_store: Store, tmp_path: Path
) -> None:
    """Hannah's own record, never sent: a coordinator's bundle may not replace it or add to its case."""
    kept = hannah_store.add_record(definition(CAF), caf("Gwen", "Notsent", "2018-08-08"))
    child_id = hannah_store.child_of(kept.id)
    planted = str(uuid.uuid4())
    hostile = from_cora(
        world,
        tmp_path,
        "coordinator",
        record_file(kept.id, edited(kept.document, "over"), version=2, base_version=1),
        record_file(planted, caf("Gwen", "Notsent", "2018-08-08"), child=child_id, case=kept.case_id),
    )

    error = refused(hannah_store, world, hostile, identity=world.worker.identity)

    assert error.reason.startswith("Cora Ordinator's bundle was refused: it tries to ")
    assert f"replace record {kept.id}, which Cora Ordinator did not create and was not sent" in error.reason
    assert f"add record {planted} to case {kept.case_id}" in error.reason
    assert "A coordinator's bundle may change only records you sent to the team or were sent" in error.reason


def test_a_coordinator_may_send_new_records_and_update_what_the_worker_sent(
    world: World, hannah_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    record = hannah_store.add_record(definition(CAF), caf("Gwen", "Sentchild", "2018-08-08"))
    import_as_coordinator(
        coordinator_store,
        world,
        bundles.export_bundle(hannah_store, world.worker.identity, world.team, Selection.ALL, tmp_path).path,
    )
    coordinator_store.save(record.id, edited(record.document, "from the review"), definition(CAF))
    child_id = hannah_store.child_of(record.id)
    new_in_case = str(uuid.uuid4())
    update_and_new = from_cora(
        world,
        tmp_path,
        "legit",
        record_file(record.id, edited(record.document, "from the review"), version=2, base_version=1),
        record_file(new_in_case, caf("Gwen", "Sentchild", "2018-08-08"), child=child_id, case=record.case_id),
        record_file(str(uuid.uuid4()), caf("Nia", "Brandnew", "2020-02-02")),
    )

    result = bundles.import_bundle(hannah_store, world.worker.identity, world.team, update_and_new)

    assert (result.count(Change.UPDATED), result.count(Change.NEW)) == (1, 2)
    assert hannah_store.get(new_in_case).case_id == record.case_id


def test_a_new_child_like_one_here_is_kept_apart_and_shown_as_a_possible_match(
    world: World, coordinator_store: Store, hannah_store: Store, idris_record: Any, tmp_path: Path
) -> None:
    """Hannah's own new record about a child with the name and birth date of Idris's: a new child, not
    merged into Idris's, and the preview offers the stored one as a possible match."""
    stored, idris_child = idris_record
    mine = hannah_store.add_record(definition(CAF), caf("Tomasz", "Idrisfamily", "2015-04-04"))
    sent = bundles.export_bundle(hannah_store, world.worker.identity, world.team, Selection.ALL, tmp_path)

    plan = bundles.inspect_bundle(coordinator_store, world.coordinator.identity, world.team, sent.path)
    result = import_as_coordinator(coordinator_store, world, sent.path)

    [change] = plan.changes
    assert change.change is Change.NEW
    assert change.possible_match == "Tomasz Idrisfamily, born 4 April 2015"
    assert result.count(Change.NEW) == 1
    assert coordinator_store.child_of(mine.id) not in {None, idris_child}
    assert coordinator_store.get(mine.id).case_id != stored.case_id


def test_a_signed_bundle_whose_sequence_is_two_to_the_63_is_refused_plainly(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    """A sequence number past any database column, signed with the worker's real key: a plain refusal
    (no internal error), nothing imported, and the refusal audited."""
    hostile = from_hannah(
        world,
        tmp_path,
        "huge-sequence",
        record_file(str(uuid.uuid4()), caf("Huge", "Sequence")),
        sequence=2**63,
    )
    before = snapshot(coordinator_store)
    with pytest.raises(BundleRejected) as caught:
        import_as_coordinator(coordinator_store, world, hostile)
    assert "cannot be read" in caught.value.reason or "damaged" in caught.value.code
    assert snapshot(coordinator_store) == before
    assert coordinator_store.audit_events()[-1].action == "bundle rejected"


def test_a_record_file_that_gives_a_name_twice_is_refused_whole(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    """`{"status": "draft", ..., "status": "signed"}` reads one way to one program and another way to
    the next: refused, not guessed (json.loads would have taken the last)."""
    name, body = record_file(str(uuid.uuid4()), caf("Twice", "Named"))
    doubled = body[:-1] + b', "status": "signed"}'
    hostile = from_hannah(world, tmp_path, "twice", (name, doubled))
    before = snapshot(coordinator_store)
    with pytest.raises(BundleRejected):
        import_as_coordinator(coordinator_store, world, hostile)
    assert snapshot(coordinator_store) == before
    assert coordinator_store.audit_events()[-1].action == "bundle rejected"
