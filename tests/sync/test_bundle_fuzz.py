"""Random and hostile bundles fed to `bundle inspect` and `bundle import` (issue 12): whatever the
bytes, ZIP or signed manifest, the answer is a plain refusal (`BundleRejected`, ending "Nothing was
imported."; exit 1 or 2 with a sentence at the command line) and the store is as it was.

The hostile ones are made as an attacker with the enrolled worker's key would make them: a ZIP,
encrypted to the coordinator with age (pyrage), the manifest signed by `openssl cms`.
"""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import uuid
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pyrage
import pytest
from caf_desktop.store.store import Store
from caf_desktop.sync import bundles
from caf_desktop.sync.bundles import BundleRejected
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sync.bundle_tools import signer_files, tool
from tests.sync.bundle_world import World, caf, make_world, manifest_for, new_store, record_file

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


SEQUENCES = itertools.count(1000)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("team"))


@pytest.fixture(scope="module")
def store(world: World, tmp_path_factory: pytest.TempPathFactory) -> Any:
    made = new_store(tmp_path_factory.mktemp("cora"), "Cora Ordinator", "coordinator")
    yield made
    made.close()


@pytest.fixture(scope="module")
def signing(world: World, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return signer_files(world.worker.identity, tmp_path_factory.mktemp("signer"))


def state(store: Store) -> tuple[int, int, list[str]]:
    events = store.audit_events()
    return store.count(), len(store.conflicts()), [e.action for e in events if e.action != "bundle rejected"]


def refused_plainly(store: Store, world: World, data: bytes, folder: Path) -> None:
    """`data` as a bundle file is refused by inspect and import alike, and changes nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4()}.cafbundle"
    path.write_bytes(data)
    before = state(store)
    for attempt in (bundles.inspect_bundle, bundles.import_bundle):
        with pytest.raises(BundleRejected) as caught:
            attempt(store, world.coordinator.identity, world.team, path)
        assert caught.value.reason.endswith("Nothing was imported."), caught.value.reason
        assert "Traceback" not in caught.value.reason
    assert state(store) == before
    path.unlink()


def encrypted(archive: bytes, world: World) -> bytes:
    recipient = pyrage.x25519.Recipient.from_str(world.coordinator.identity.age.recipient)
    return bytes(pyrage.encrypt(archive, [recipient]))


def zipped(entries: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # a name twice is one of the hostile things tried
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def openssl_signature(manifest: bytes, signing: tuple[Path, Path, Path], folder: Path) -> bytes:
    key, certificate, chain = signing
    folder.mkdir(parents=True, exist_ok=True)
    source, signature = folder / f"{uuid.uuid4()}.json", folder / f"{uuid.uuid4()}.p7s"
    source.write_bytes(manifest)
    command = [tool("openssl"), "cms", "-sign", "-binary", "-md", "sha256", "-in", str(source)]
    command += ["-signer", str(certificate), "-inkey", str(key), "-certfile", str(chain)]
    subprocess.run(
        [*command, "-outform", "DER", "-out", str(signature)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return signature.read_bytes()


names = st.one_of(
    st.sampled_from(
        [
            "manifest.json",
            "manifest.json.p7s",
            "records/",
            "records/x.json",
            "../evil",
            "/etc/passwd",
            "a\\b",
            "forms/",
        ]
    ),
    st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=30),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes(
    store: Store, world: World, tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    refused_plainly(store, world, data, tmp_path_factory.getbasetemp() / "random")


@FUZZ
@given(data=st.binary(max_size=500))
def test_random_bytes_after_the_age_header(
    store: Store, world: World, tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    refused_plainly(store, world, b"age-encryption.org/v1\n" + data, tmp_path_factory.getbasetemp() / "age")


@FUZZ
@given(plain=st.binary(max_size=2000))
def test_anything_encrypted_to_the_coordinator(
    store: Store, world: World, tmp_path_factory: pytest.TempPathFactory, plain: bytes
) -> None:
    refused_plainly(store, world, encrypted(plain, world), tmp_path_factory.getbasetemp() / "encrypted")


@FUZZ
@given(entries=st.lists(st.tuples(names, st.binary(max_size=200)), max_size=6))
def test_random_zips_encrypted_to_the_coordinator(
    store: Store, world: World, tmp_path_factory: pytest.TempPathFactory, entries: list[tuple[str, bytes]]
) -> None:
    try:
        archive = zipped(entries)
    except (ValueError, UnicodeEncodeError):
        return  # a name zipfile itself will not write
    refused_plainly(store, world, encrypted(archive, world), tmp_path_factory.getbasetemp() / "zips")


@FUZZ
@given(
    # Each of these decides what the bundle is, from whom, for whom or what it holds. ("created"
    # and "forms" are for people to read: a bundle does not stand or fall by them.)
    field=st.sampled_from(["format", "kind", "bundle", "team", "sender", "sequence", "recipients", "files"]),
    value=json_values,
    extra=st.lists(st.tuples(names, st.binary(max_size=100)), max_size=2),
)
def test_manifests_signed_by_the_worker_with_one_field_made_hostile(
    *,
    store: Store,
    world: World,
    signing: tuple[Path, Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
    field: str,
    value: Any,
    extra: list[tuple[str, bytes]],
) -> None:
    """Signed for real, so every check after the signature is reached: one field of an otherwise
    right manifest is replaced by random JSON, and random files may ride along unlisted."""
    record = record_file(str(uuid.uuid4()), caf("Ada", "Fuzzington", "2018-02-03"))
    manifest = manifest_for(
        dict([record]), sender=world.worker.identity, team_file=world.team, bundle_id=str(uuid.uuid4())
    )
    if value == manifest[field]:
        return  # unchanged: that is the good bundle the other tests accept
    manifest[field] = value
    manifest_bytes = json.dumps(manifest, sort_keys=True).encode()
    folder = tmp_path_factory.getbasetemp() / "signed"
    signature = openssl_signature(manifest_bytes, signing, folder)
    try:
        archive = zipped(
            [("manifest.json", manifest_bytes), ("manifest.json.p7s", signature), record, *extra]
        )
    except (ValueError, UnicodeEncodeError):
        return
    refused_plainly(store, world, encrypted(archive, world), folder)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=10_000), flip=st.integers(min_value=0, max_value=255))
def test_a_signed_bundle_cut_or_with_a_byte_changed_inside_the_encryption_is_refused_or_as_signed(
    *,
    store: Store,
    world: World,
    signing: tuple[Path, Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
    cut: int,
    flip: int,
) -> None:
    """A right bundle's ZIP damaged before it is encrypted: the age layer is sound, so the ZIP and
    signature checks are what must refuse it, or (a byte nothing relies on) import exactly what
    was signed."""
    record = record_file(str(uuid.uuid4()), caf("Bea", "Fuzzington", "2018-02-03"))
    manifest = json.dumps(
        manifest_for(
            dict([record]),
            sender=world.worker.identity,
            team_file=world.team,
            bundle_id=str(uuid.uuid4()),
            sequence=next(SEQUENCES),  # each its own: a sequence number used again is a replay
        ),
        sort_keys=True,
    ).encode()
    folder = tmp_path_factory.getbasetemp() / "damaged"
    archive = bytearray(
        zipped(
            [
                ("manifest.json", manifest),
                ("manifest.json.p7s", openssl_signature(manifest, signing, folder)),
                record,
            ]
        )
    )
    where = cut % len(archive)
    if flip:
        archive[where] ^= flip
    else:
        del archive[where:]
    path = folder / f"{uuid.uuid4()}.cafbundle"
    path.write_bytes(encrypted(bytes(archive), world))
    before = state(store)
    try:
        imported = bundles.import_bundle(store, world.coordinator.identity, world.team, path)
    except BundleRejected as error:
        refusal = error.reason
    else:
        refusal = None
    if refusal is not None:
        assert refusal.endswith("Nothing was imported."), refusal
        assert state(store) == before
        return
    # A byte the signature does not cover (a file's date in the ZIP, say) may change harmlessly:
    # then exactly what the worker signed is imported, and nothing else.
    [incoming] = imported.bundle.records
    assert incoming.document == json.loads(record[1])["document"]
    assert store.get(incoming.id).document == incoming.document


@pytest.mark.parametrize(
    "data", [b"", b"PK\x03\x04", b"age-encryption.org/v1\n-> X25519 \n---\n", b"\xff" * 100]
)
def test_the_command_line_refuses_them_in_a_sentence(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli: Any, data: bytes
) -> None:
    import shutil

    from caf_desktop.store.store import Profile

    from tests.sync.bundle_world import KDF_COST, PASSPHRASE

    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("CAF_DESKTOP_DATABASE_URL", raising=False)
    home = tmp_path / "cora"
    shutil.copytree(world.coordinator.home, home)
    Store.create(
        home, PASSPHRASE, Profile("Cora Ordinator", "coordinator", "Fictonwood"), kdf_cost=KDF_COST
    ).close()
    path = tmp_path / "hostile.cafbundle"
    path.write_bytes(data)

    for command in ("inspect", "import"):
        result = cli("--home", home, "bundle", command, path)
        assert result.status in {1, 2}, (command, result.err)
        assert "Traceback" not in result.out + result.err
        assert "internal error" not in result.err
    assert cli("--home", home, "records", "list", "--json").json() == []
