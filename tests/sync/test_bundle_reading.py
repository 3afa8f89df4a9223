"""Reading bundles fails closed (issue 12): each bundle of a folder is its own transaction and its
own line of the report, whatever the others do; every ZIP entry, folders too, is in the signed list
or the bundle is refused; a signed manifest that gives a name twice is refused.

The hostile bundles are made here with the enrolled worker's real key and standard tools
(tests/sync/bundle_tools.py: openssl cms, zip, age), never with CAF Desktop's own signing code.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.store.store import Profile, Store
from caf_desktop.sync import bundles
from caf_desktop.sync import read as reading
from caf_desktop.sync.bundles import BundleRejected, Change

from tests.conftest import CliResult
from tests.sync.bundle_tools import manifest_bytes, tool_bundle
from tests.sync.bundle_world import (
    KDF_COST,
    PASSPHRASE,
    World,
    caf,
    make_world,
    manifest_for,
    new_store,
    record_file,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("team"))


@pytest.fixture
def coordinator_store(tmp_path: Path) -> Iterator[Store]:
    store = new_store(tmp_path, "Cora Ordinator", "coordinator")
    yield store
    store.close()


def by_tools(
    world: World,
    tmp_path: Path,
    name: str,
    files: dict[str, bytes],
    *,
    manifest: bytes | None = None,
    sequence: int = 1,
    **options: Any,
) -> Path:
    """A bundle from the worker to the team's coordinators, made with openssl, zip and age."""
    if manifest is None:
        manifest = manifest_bytes(
            manifest_for(
                files,
                sender=world.worker.identity,
                team_file=world.team,
                bundle_id=str(uuid.uuid4()),
                sequence=sequence,
            )
        )
    return tool_bundle(
        files,
        manifest,
        sender=world.worker.identity,
        recipients=list(world.team.coordinator_recipients),
        work=tmp_path / f"work-{name}",
        out=tmp_path / name,
        **options,
    )


def one_record(given: str = "Ada") -> dict[str, bytes]:
    return dict([record_file(str(uuid.uuid4()), caf(given, "Testcase", "2018-02-03"))])


def refused(store: Store, world: World, path: Path) -> BundleRejected:
    before = (store.count(), len(store.conflicts()), len(store.audit_events()))
    with pytest.raises(BundleRejected) as caught:
        bundles.import_bundle(store, world.coordinator.identity, world.team, path)
    assert (store.count(), len(store.conflicts())) == before[:2]
    assert len(store.audit_events()) == before[2] + 1  # the refusal itself, nothing else
    assert caught.value.reason.endswith("Nothing was imported.")
    return caught.value


def test_a_bundle_made_with_the_standard_tools_is_accepted_when_it_is_right(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    """The control: what the tests below change is what makes them fail."""
    path = by_tools(world, tmp_path, "good.cafbundle", one_record())

    result = bundles.import_bundle(coordinator_store, world.coordinator.identity, world.team, path)

    assert result.count(Change.NEW) == 1


# --- every entry is in the signed list ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "data"),
    [
        ("records/hidden/", b'{"uuid": "not listed anywhere"}'),  # a folder entry carrying data
        ("extra/", b""),  # an empty folder entry, not listed
        ("records/" + "x" * 20 + "/", b"A" * 200_000),  # a big one: never read past its size check
    ],
)
def test_a_folder_entry_not_in_the_signed_list_is_refused(
    world: World, coordinator_store: Store, tmp_path: Path, entry: str, data: bytes
) -> None:
    path = by_tools(world, tmp_path, "folder.cafbundle", one_record(), raw_entries=[(entry, data)])

    error = refused(coordinator_store, world, path)

    assert error.code == "tampered"
    assert f"({entry} is not in its signed list of contents)" in error.reason


def test_zip_r_with_its_folder_entries_is_refused_and_zip_r_d_is_accepted(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    """`zip -r` writes an entry for each folder (records/); CAF Desktop never does, and nothing
    unlisted is read, so such a bundle is refused, whatever the folder entry holds."""
    with_folders = by_tools(world, tmp_path, "folders.cafbundle", one_record(), folder_entries=True)
    error = refused(coordinator_store, world, with_folders)
    assert "(records/ is not in its signed list of contents)" in error.reason

    without = by_tools(world, tmp_path, "plain.cafbundle", one_record("Bea"), sequence=2)
    assert (
        bundles.import_bundle(coordinator_store, world.coordinator.identity, world.team, without).count(
            Change.NEW
        )
        == 1
    )


def test_a_folder_entry_that_would_expand_hugely_is_refused_before_it_is_read(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    bomb = zipfile.ZipInfo("records/bomb/")
    bomb.compress_type = zipfile.ZIP_DEFLATED
    path = by_tools(world, tmp_path, "bomb.cafbundle", one_record(), raw_entries=[(bomb, b"\0" * (40 << 20))])

    error = refused(coordinator_store, world, path)

    assert error.code == "unsafe-zip"
    assert "records/bomb/" in error.reason


def test_a_signed_manifest_that_gives_a_name_twice_is_refused(
    world: World, coordinator_store: Store, tmp_path: Path
) -> None:
    """Signed by the worker, and read two ways: the first "files" lists a harmless record, the
    last another. Whichever a reader takes, it is refused."""
    shown, hidden = one_record("Ada"), one_record("Hidden")
    manifest = manifest_for(
        {**shown, **hidden}, sender=world.worker.identity, team_file=world.team, bundle_id=str(uuid.uuid4())
    )
    first = json.dumps({n: hashlib.sha256(d).hexdigest() for n, d in shown.items()})
    text = json.dumps(manifest, indent=2, sort_keys=True)
    text = text.replace('  "files": {', f'  "files": {first},\n  "files": {{', 1)
    path = by_tools(world, tmp_path, "twice.cafbundle", {**shown, **hidden}, manifest=text.encode())

    error = refused(coordinator_store, world, path)

    assert error.code == "damaged"
    assert "gives the name 'files' twice" in error.reason


# --- each bundle is its own transaction and its own line ------------------------------------------------


@pytest.fixture
def inbox(world: World, tmp_path: Path) -> Path:
    """Three good bundles from the worker, one record each, in the order they are imported."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    for number, given in enumerate(("Ada", "Bea", "Cai"), start=1):
        made = by_tools(world, tmp_path, f"{number}.cafbundle", one_record(given), sequence=number)
        made.rename(folder / made.name)
    return folder


def break_second_bundle(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second bundle fails late, in the store, after its bundle row is written and before its
    records are (a "crash" inside its transaction, as a bug or a failing disk would)."""
    real = Store._insert_new

    def insert_new(self: Store, session: Any, bundle: Any, new: Any, moment: Any) -> None:
        if bundle.sequence == 2:
            raise RuntimeError("a record that breaks at insert (Ada Testcase)")
        real(self, session, bundle, new, moment)

    monkeypatch.setattr(Store, "_insert_new", insert_new)


def test_a_bundle_that_fails_late_does_not_stop_or_undo_the_others(
    world: World, coordinator_store: Store, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_second_bundle(monkeypatch)

    report = bundles.import_bundles(coordinator_store, world.coordinator.identity, world.team, [inbox])

    assert [r.bundle.path.name for r in report.imported] == ["1.cafbundle", "3.cafbundle"]
    [failed] = report.rejected
    assert failed.path.name == "2.cafbundle"
    assert failed.code == bundles.FAILED
    assert failed.reason == (
        "CAF Desktop met an internal error while importing this bundle, and nothing from it was imported. "
        "This is a bug: please report it. The other bundles were not affected."
    )
    assert coordinator_store.count() == 2
    assert report.as_json()["imported"] == 2
    assert report.as_json()["rejected"] == [{"file": str(inbox / "2.cafbundle"), "reason": failed.reason}]
    [audited] = [e for e in coordinator_store.audit_events() if e.action == "bundle import failed"]
    assert audited.details["reason"] == "failed"
    assert "Ada" not in json.dumps(audited.details)

    # Nothing of it was kept, not even its bundle row: once put right, it imports as new.
    monkeypatch.undo()
    again = bundles.import_bundles(
        coordinator_store, world.coordinator.identity, world.team, [inbox / "2.cafbundle"]
    )
    assert again.as_json()["imported"] == 1
    assert coordinator_store.count() == 3


def test_a_failure_while_reading_one_bundle_does_not_stop_the_next(
    world: World, coordinator_store: Store, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = bundles.read_bundle

    def read_bundle(path: Path, *args: Any, **kwargs: Any) -> Any:
        if path.name == "1.cafbundle":
            raise RecursionError("maximum recursion depth exceeded")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(reading, "read_bundle", read_bundle)

    report = bundles.import_bundles(coordinator_store, world.coordinator.identity, world.team, [inbox])

    assert [r.bundle.path.name for r in report.imported] == ["2.cafbundle", "3.cafbundle"]
    assert [(r.path.name, r.code) for r in report.rejected] == [("1.cafbundle", "failed")]


def coordinator_home(world: World, tmp_path: Path) -> Path:
    home = tmp_path / "cora-home"
    shutil.copytree(world.coordinator.home, home)
    Store.create(
        home, PASSPHRASE, Profile("Cora Ordinator", "coordinator", "Fictonwood"), kdf_cost=KDF_COST
    ).close()
    return home


@pytest.mark.parametrize("as_json", [False, True])
def test_the_command_line_lists_each_bundle_and_what_was_imported_before_and_after_the_failure(
    *,
    world: World,
    inbox: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cli: Any,
    as_json: bool,
) -> None:
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CAF_DESKTOP_DATABASE_URL", raising=False)
    home = coordinator_home(world, tmp_path)
    break_second_bundle(monkeypatch)

    result: CliResult = cli("--home", home, "bundle", "import", inbox, *(["--json"] if as_json else []))

    assert result.status == 1
    assert "internal error and stopped" not in result.err
    assert "nothing was changed" not in result.err.lower()
    assert "Traceback" not in result.out + result.err
    if as_json:
        shown = result.json()
        assert shown["imported"] == 2
        assert [b["file"] for b in shown["bundles"]] == [
            str(inbox / "1.cafbundle"),
            str(inbox / "3.cafbundle"),
        ]
        assert [r["file"] for r in shown["rejected"]] == [str(inbox / "2.cafbundle")]
    else:
        assert result.out.splitlines() == [
            f"{inbox / '1.cafbundle'}: imported from Hannah Testwell: 1 new.",
            f"{inbox / '3.cafbundle'}: imported from Hannah Testwell: 1 new.",
        ]
        assert result.err.startswith(
            f"{inbox / '2.cafbundle'}: CAF Desktop met an internal error while importing"
        )
    listed = cli("--home", home, "records", "list", "--json")
    assert len(listed.json()) == 2
