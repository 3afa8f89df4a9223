"""No personal data where it should not be: the database, its WAL and journal, the key file, backups
and logs hold no readable text of a record; plain SQLite cannot open the database; no temporary
plaintext copy appears in the home folder or the system's temporary folder; a bug's log entry does not
quote the record it was working on.

The records carry marker text that appears nowhere else; a test writes them through the command line
and the store's API (add, autosave, save), then looks for the markers, byte for byte, in UTF-8 and
UTF-16-LE, in every file.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.store.store import Store

from tests.conftest import EXAMPLES, CliResult, load_json, write_json

Cli = Callable[..., CliResult]

PASSPHRASE = "correct horse battery staple"
FAMILY_NAME = "Xylophone-Quartermaine"
GIVEN_NAMES = "Ŷsolde-Ørnulf"
IN_LONG_TEXT = "marmalade-tangerine-77341"
LATER_TEXT = "periwinkle-obfuscation-55120"
MARKERS = (FAMILY_NAME, GIVEN_NAMES, IN_LONG_TEXT, LATER_TEXT, PASSPHRASE)
EXPECTED_IN_HOME = {
    *("caf.db", "caf.db-wal", "caf.db-shm", "caf.key", "audit.anchor", "logs", "backups", "backup.cafdb"),
    *("identity.p12", "age-identity.json", "certificate.pem"),
}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAF_DESKTOP_DATABASE_URL", raising=False)
    monkeypatch.delenv("CAF_DESKTOP_NEW_PASSPHRASE", raising=False)
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)


def marked_document() -> dict[str, Any]:
    document: dict[str, Any] = load_json(EXAMPLES / "caf-assessment" / "full.json")
    document["child"]["family_name"] = FAMILY_NAME
    document["child"]["given_names"] = GIVEN_NAMES
    filler = "Zoë's attendance has fallen and the family asked for help. " * 60
    document["assessment"]["reason"] = f"{filler}{IN_LONG_TEXT} {filler}"
    return document


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def markers_in(path: Path) -> list[str]:
    try:
        data = path.read_bytes()
    except OSError:  # gone already, or not ours to read
        return []
    return [
        f"{marker!r} ({encoding}) in {path}"
        for marker in MARKERS
        for encoding in ("utf-8", "utf-16-le")
        if marker.encode(encoding) in data
    ]


def assert_no_markers(folder: Path) -> None:
    found = [hit for path in files_under(folder) for hit in markers_in(path)]
    assert found == []


class TemporaryFolder:
    """What appears in the system's temporary folder while a test runs. Other processes write there
    too, so a new file counts against us only if it holds a marker, or is a SQLite temporary file."""

    def __init__(self, skip: Path) -> None:
        self.root = Path(tempfile.gettempdir())
        self.skip = skip  # pytest's own folder, where the tests keep their input files on purpose
        self.before = self.entries()

    def entries(self) -> set[Path]:
        try:
            return {p for p in self.root.iterdir() if p != self.skip}
        except OSError:  # pragma: no cover
            return set()

    def new_files(self) -> Iterator[Path]:
        for entry in self.entries() - self.before:
            if entry.is_file():
                yield entry
            elif entry.is_dir():
                try:
                    yield from (p for p in entry.rglob("*") if p.is_file())
                except OSError:  # pragma: no cover - removed while we looked
                    continue

    def assert_clean(self) -> None:
        new = list(self.new_files())
        assert [hit for path in new for hit in markers_in(path)] == []
        assert [p for p in new if p.name.startswith("etilqs_")] == []  # SQLite's temporary files


@pytest.fixture
def temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> TemporaryFolder:
    return TemporaryFolder(tmp_path_factory.getbasetemp().parent)


def test_store_files_hold_no_readable_personal_data(
    cli: Cli, private_home: Path, tmp_path: Path, temporary_folder: TemporaryFolder
) -> None:
    home = private_home
    assert cli("init", "--name", "Hannah Testwell").status == 0
    added = cli("records", "add", "caf-assessment", write_json(tmp_path / "in.json", marked_document()))
    assert added.status == 0, added.err
    record_id = added.out.strip()

    definition = shipped_catalogue().get("caf-assessment")
    changed = marked_document()
    changed["conclusions"]["needs_summary"] = f"Needs noted later: {LATER_TEXT}."
    store = Store.open(home, PASSPHRASE)
    try:
        store.autosave(record_id, changed, definition)
        assert (home / "caf.db-wal").exists()  # the WAL is written while the store is open
        assert_no_markers(home)
        store.save(record_id, changed, definition)
        changed["conclusions"]["goals"] = f"Goals: {LATER_TEXT} {FAMILY_NAME}"
        store.autosave(record_id, changed, definition)  # an unsaved working copy, as after a crash
        assert_no_markers(home)
        assert {p.name for p in home.iterdir()} <= EXPECTED_IN_HOME
        assert store.get(record_id).child == f"{GIVEN_NAMES} {FAMILY_NAME}"  # the data is there
    finally:
        store.close()

    assert cli("db", "backup", "--out", home / "backup.cafdb").status == 0
    assert cli("audit", "verify").status == 0
    assert_no_markers(home)
    assert {p.name for p in home.iterdir()} <= EXPECTED_IN_HOME
    assert not [p for p in files_under(home) if p.suffix in (".part", ".tmp") or p.name.endswith("-journal")]
    temporary_folder.assert_clean()

    with closing(sqlite3.connect(home / "caf.db")) as plain, pytest.raises(sqlite3.DatabaseError):
        plain.execute("select * from sqlite_master")


def test_a_bug_leaves_no_personal_data_in_the_log(
    cli: Cli,
    private_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    temporary_folder: TemporaryFolder,
) -> None:
    from caf_desktop.formengine import validation

    assert cli("init", "--name", "Hannah Testwell").status == 0
    path = write_json(tmp_path / "in.json", marked_document())
    log = private_home / "logs" / "errors.log"

    def judged_badly(definition: object, document: dict[str, Any], **kwargs: object) -> list[object]:
        raise RuntimeError(
            f"cannot judge {document['child']} because of {document['assessment']['reason'][-300:]}"
        )

    findings = validation.findings
    monkeypatch.setattr(validation, "findings", judged_badly)
    result = cli("records", "add", "caf-assessment", path)
    assert result.status == 70
    assert "This is a bug" in result.err
    # Words that also occur in the document are removed from the message ("cannot" does), others kept.
    assert "RuntimeError: [removed] judge {'given_names': '[removed]'" in log.read_text(encoding="utf-8")
    monkeypatch.setattr(validation, "findings", findings)

    def stored_badly(self: Store, definition: object, document: dict[str, Any], **kwargs: object) -> None:
        known: dict[str, str] = {}
        try:
            known.pop(document["child"]["family_name"])  # a KeyError that quotes the family name
        except KeyError as error:
            raise ValueError(json.dumps(document)) from error

    monkeypatch.setattr(Store, "add_record", stored_badly)
    result = cli("records", "add", "caf-assessment", path)
    assert result.status == 70
    text = log.read_text(encoding="utf-8")
    assert "KeyError: " in text
    assert "ValueError: " in text
    assert "in stored_badly" in text  # the stack is there, for whoever fixes the bug

    assert_no_markers(private_home)
    temporary_folder.assert_clean()
