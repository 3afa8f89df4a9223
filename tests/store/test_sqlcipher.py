"""The laptop store: SQLCipher under a key wrapped by the passphrase, its key file, and migrations."""

from __future__ import annotations

import os
import shutil
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from caf_desktop.common.errors import CafError
from caf_desktop.store import opening
from caf_desktop.store.store import (
    KEY_FILE,
    Store,
    StoreExists,
    StoreNotInitialised,
    StoreTooNew,
    StoreUnavailable,
)
from caf_desktop.trust import keyfile

from tests.store.conftest import KDF_COST, PASSPHRASE, PROFILE
from tests.store.support import assessment, collect_leaked_connections, definition

WRONG = "correct horse battery stapler"


@pytest.fixture
def closed_home(home: Path) -> Path:
    """A store with one record, closed (so its write-ahead log is folded into caf.db)."""
    store = Store.create(home, PASSPHRASE, PROFILE, kdf_cost=KDF_COST)
    store.add_record(definition("caf-assessment"), assessment())
    store.close()
    return home


@pytest.fixture
def opened() -> Iterator[list[Store]]:
    """Stores a test opens, closed at the end whatever happens."""
    stores: list[Store] = []
    yield stores
    for store in stores:
        store.close()


def open_store(opened: list[Store], home: Path, passphrase: str = PASSPHRASE) -> Store:
    store = Store.open(home, passphrase)
    opened.append(store)
    return store


class Clock:
    """Stands in for `time` in caf_desktop.trust.keyfile, so waits pass without waiting."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(keyfile, "time", types.SimpleNamespace(time=fake.time))
    return fake


def raw_sql(home: Path, *statements: str) -> list[Any]:
    """Runs SQL on caf.db with the database key unwrapped from the key file, as a repair tool would."""
    key = keyfile.unlock(home / KEY_FILE, PASSPHRASE)
    connection = sqlcipher3.connect(str(home / "caf.db"))
    try:
        connection.execute(f"PRAGMA key=\"x'{key.hex()}'\"")
        results = [connection.execute(statement).fetchall() for statement in statements]
        connection.commit()
        return results
    finally:
        connection.close()


def side_files(home: Path) -> set[str]:
    return {p.name for p in home.iterdir()} - {
        "audit.anchor",
        "caf.db",
        "caf.key",
        "identity.p12",
        "age-identity.json",
        "certificate.pem",
    }


# --- creating and opening ----------------------------------------------------------------------------------------


def test_a_new_store_holds_the_profile_and_a_key_file(closed_home: Path, opened: list[Store]) -> None:
    assert sorted(p.name for p in closed_home.iterdir()) == [
        "age-identity.json",
        "audit.anchor",
        "caf.db",
        "caf.key",
        "certificate.pem",
        "identity.p12",
    ]
    if os.name == "posix":
        for private in (KEY_FILE, "identity.p12", "age-identity.json", "audit.anchor"):
            assert (closed_home / private).stat().st_mode & 0o777 == 0o600
    assert not (closed_home / "caf.db").read_bytes().startswith(b"SQLite format 3")  # encrypted
    store = open_store(opened, closed_home)
    assert store.profile() == PROFILE
    assert store.count() == 1
    assert [e.action for e in store.audit_events()][:3] == ["store created", "identity created", "created"]
    assert store.audit_events()[0].actor == "Test Worker"
    assert store.database_path == closed_home / "caf.db"


def test_the_records_are_not_readable_without_the_key(closed_home: Path) -> None:
    connection = sqlcipher3.connect(str(closed_home / "caf.db"))
    try:
        with pytest.raises(sqlcipher3.DatabaseError):
            connection.execute("SELECT count(*) FROM records").fetchall()
    finally:
        connection.close()
    assert b"ukasiewicz" not in (closed_home / "caf.db").read_bytes()


def test_opening_an_empty_folder_says_there_is_no_store(tmp_path: Path) -> None:
    with pytest.raises(StoreNotInitialised, match=r"There are no records in .* yet"):
        Store.open(tmp_path, PASSPHRASE)
    assert list(tmp_path.iterdir()) == []


def test_creating_twice_is_refused_and_changes_nothing(closed_home: Path, opened: list[Store]) -> None:
    key_before = (closed_home / KEY_FILE).read_bytes()
    with pytest.raises(StoreExists, match="already holds a store of records; nothing was changed"):
        Store.create(closed_home, "a new passphrase", PROFILE, kdf_cost=KDF_COST)
    assert (closed_home / KEY_FILE).read_bytes() == key_before
    assert open_store(opened, closed_home).count() == 1


def test_a_database_file_without_its_key_file_is_not_overwritten(closed_home: Path) -> None:
    (closed_home / KEY_FILE).unlink()
    with pytest.raises(StoreExists):
        Store.create(closed_home, PASSPHRASE, PROFILE, kdf_cost=KDF_COST)
    with pytest.raises(StoreUnavailable, match=r"key file caf\.key is missing"):
        Store.open(closed_home, PASSPHRASE)


def test_a_missing_database_file_is_an_error_not_a_new_empty_store(closed_home: Path) -> None:
    """The key file is there but caf.db is gone (moved, or lost): opening must say so, not quietly
    start an empty store that the next restore of caf.db would then clash with."""
    (closed_home / "caf.db").unlink()

    with pytest.raises(CafError):
        Store.open(closed_home, PASSPHRASE).close()

    assert not (closed_home / "caf.db").exists()


# --- the passphrase ------------------------------------------------------------------------------------------------


def test_a_wrong_passphrase_is_a_plain_sentence(closed_home: Path, clock: Clock) -> None:
    with pytest.raises(keyfile.WrongPassphrase) as caught:
        Store.open(closed_home, WRONG)
    assert str(caught.value) == "That passphrase is not right. Check Caps Lock and try again."
    assert isinstance(caught.value, CafError)


def test_after_three_wrong_tries_the_next_must_wait(
    closed_home: Path, clock: Clock, opened: list[Store]
) -> None:
    for _ in range(3):
        with pytest.raises(keyfile.WrongPassphrase):
            Store.open(closed_home, WRONG)

    with pytest.raises(keyfile.UnlockDelayed) as delayed:
        Store.open(closed_home, PASSPHRASE)  # even the right one, until the wait is over
    assert str(delayed.value) == "Too many wrong passphrases. Wait 1 second, then try again."
    assert delayed.value.seconds == pytest.approx(1.0)

    clock.now += 1.5
    with pytest.raises(keyfile.WrongPassphrase):
        Store.open(closed_home, WRONG)
    with pytest.raises(keyfile.UnlockDelayed) as longer:
        Store.open(closed_home, WRONG)
    assert longer.value.seconds == pytest.approx(2.0)  # the wait doubles
    assert "Wait 2 seconds" in str(longer.value)

    clock.now += 2.5
    assert open_store(opened, closed_home).count() == 1

    # The right passphrase started the count afresh: three free tries again.
    for _ in range(3):
        with pytest.raises(keyfile.WrongPassphrase):
            Store.open(closed_home, WRONG)
    with pytest.raises(keyfile.UnlockDelayed):
        Store.open(closed_home, WRONG)


def test_the_wait_never_exceeds_a_minute(closed_home: Path, clock: Clock) -> None:
    for _ in range(12):
        with pytest.raises(keyfile.WrongPassphrase):
            Store.open(closed_home, WRONG)
        clock.now += 61
    with pytest.raises(keyfile.WrongPassphrase):
        Store.open(closed_home, WRONG)
    assert keyfile.wait_before_next_try(closed_home / KEY_FILE, clock.now) == pytest.approx(60.0)


def test_changing_the_passphrase_rewraps_the_key_only(closed_home: Path, opened: list[Store]) -> None:
    database = closed_home / "caf.db"
    key_before = keyfile.unlock(closed_home / KEY_FILE, PASSPHRASE)
    header_before = database.read_bytes()[:16]  # SQLCipher's salt: a re-encrypted file has a new one
    inode_before = database.stat().st_ino
    store = open_store(opened, closed_home)
    records_before = store.list_records()

    store.change_passphrase(PASSPHRASE, "a brand new passphrase")
    store.close()

    with pytest.raises(keyfile.WrongPassphrase):
        Store.open(closed_home, PASSPHRASE)
    reopened = open_store(opened, closed_home, "a brand new passphrase")
    assert [r.id for r in reopened.list_records()] == [r.id for r in records_before]
    assert reopened.get(records_before[0].id).document == assessment()
    assert keyfile.unlock(closed_home / KEY_FILE, "a brand new passphrase") == key_before
    assert database.read_bytes()[:16] == header_before
    assert database.stat().st_ino == inode_before
    assert reopened.audit_events()[-1].action == "passphrase changed"
    assert reopened.verify_audit().ok


def test_changing_the_passphrase_needs_the_old_one(closed_home: Path, opened: list[Store]) -> None:
    key_file_before = (closed_home / KEY_FILE).read_bytes()
    store = open_store(opened, closed_home)
    with pytest.raises(keyfile.WrongPassphrase):
        store.change_passphrase(WRONG, "a brand new passphrase")
    assert (closed_home / KEY_FILE).read_bytes() == key_file_before


def test_another_stores_key_file_is_refused_plainly(tmp_path: Path, closed_home: Path) -> None:
    other = Store.create(tmp_path / "other", "their passphrase", PROFILE, kdf_cost=KDF_COST)
    other.close()
    shutil.copy(tmp_path / "other" / KEY_FILE, closed_home / KEY_FILE)
    database_before = (closed_home / "caf.db").read_bytes()

    with pytest.raises(keyfile.WrongPassphrase):
        Store.open(closed_home, PASSPHRASE)
    with pytest.raises(StoreUnavailable) as caught:
        Store.open(closed_home, "their passphrase")

    assert isinstance(caught.value, CafError)
    assert str(caught.value) == (
        "The records cannot be opened: the database file is damaged or belongs to another key."
    )
    assert (closed_home / "caf.db").read_bytes() == database_before


def test_a_damaged_database_file_is_refused_plainly(closed_home: Path) -> None:
    database = closed_home / "caf.db"
    database.write_bytes(b"\0" * 4096 + database.read_bytes()[4096:])
    with pytest.raises(StoreUnavailable, match="damaged or belongs to another key"):
        Store.open(closed_home, PASSPHRASE)


@pytest.mark.parametrize(
    "content",
    ["", "{not json", '{"format": 1}', "[]", "null"],
    ids=["empty", "not-json", "no-key", "list", "null"],
)
def test_a_damaged_key_file_is_a_plain_error(closed_home: Path, content: str) -> None:
    (closed_home / KEY_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(keyfile.KeyFileDamaged, match=r"The key file .* is damaged"):
        Store.open(closed_home, PASSPHRASE)


def test_a_key_file_from_a_newer_app_is_a_plain_error(closed_home: Path) -> None:
    (closed_home / KEY_FILE).write_text('{"format": 2}', encoding="utf-8")
    with pytest.raises(CafError, match="written by a newer version of CAF Desktop"):
        Store.open(closed_home, PASSPHRASE)


# --- backups ----------------------------------------------------------------------------------------------------


def test_a_backup_opens_with_the_passphrase_alone(
    tmp_path: Path, closed_home: Path, opened: list[Store]
) -> None:
    store = open_store(opened, closed_home)
    out = tmp_path / "backup.cafdb"

    store.backup(out, "backup passphrase")

    connection = sqlcipher3.connect(str(out))
    try:
        connection.execute("PRAGMA key='backup passphrase'")
        assert connection.execute("SELECT count(*) FROM records").fetchone() == (1,)
    finally:
        connection.close()
    assert store.audit_events()[-1].action == "backed up"
    with pytest.raises(CafError, match="already exists; nothing was written"):
        store.backup(out, "backup passphrase")


# --- migrations ---------------------------------------------------------------------------------------------------


def test_a_store_from_a_newer_app_is_refused_and_left_unchanged(closed_home: Path) -> None:
    raw_sql(closed_home, "UPDATE alembic_version SET version_num = '9999'")
    before = (closed_home / "caf.db").read_bytes()

    with pytest.raises(StoreTooNew) as caught:
        Store.open(closed_home, PASSPHRASE)

    assert str(caught.value) == (
        "These records were saved by a newer version of CAF Desktop (store version 9999). "
        "Update CAF Desktop to open them; nothing was changed."
    )
    assert (closed_home / "caf.db").read_bytes() == before
    assert not (closed_home / "backups").exists()
    assert raw_sql(closed_home, "SELECT version_num FROM alembic_version") == [[("9999",)]]


def test_a_refused_store_is_closed_again(closed_home: Path) -> None:
    """Refusing a newer store must close the database it opened to look (dispose the engine): an
    open connection keeps caf.db-wal and caf.db-shm beside it, and on Windows a lock on the folder."""
    raw_sql(closed_home, "UPDATE alembic_version SET version_num = '9999'")

    with pytest.raises(StoreTooNew) as caught:
        Store.open(closed_home, PASSPHRASE)
    left_behind = side_files(closed_home)
    del caught
    collect_leaked_connections()

    assert left_behind == set()


def test_a_new_store_and_a_current_one_make_no_backup(closed_home: Path, opened: list[Store]) -> None:
    open_store(opened, closed_home)
    assert not (closed_home / "backups").exists()


def _back_to_first_schema(home: Path) -> None:
    """Takes a closed store back to the first schema (0001), as an older CAF Desktop left it."""
    from alembic import command

    store = Store.open(home, PASSPHRASE)
    try:
        config = opening.migration_config()
        with store.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0001")
    finally:
        store.close()


def test_an_older_store_is_backed_up_before_it_is_migrated(
    closed_home: Path, opened: list[Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store left at the first schema (0001) by an older app: opening it copies the file aside
    first, then migrates it to this app's schema, keeping its record."""
    from alembic import command

    head, _ = opening.schema_revisions()
    assert head != "0001"
    _back_to_first_schema(closed_home)
    real_upgrade = command.upgrade
    seen: list[list[str]] = []

    def upgrade(config: Any, revision: str) -> None:
        seen.append([p.name for p in (closed_home / "backups").glob("*")])
        real_upgrade(config, revision)

    monkeypatch.setattr(command, "upgrade", upgrade)

    store = open_store(opened, closed_home)

    assert len(seen) == 1
    assert len(seen[0]) == 1  # the backup was there before the migration ran
    backup = closed_home / "backups" / seen[0][0]
    assert backup.name.startswith("caf-")
    assert backup.name.endswith(f"-before-{head}.db")
    assert store.count() == 1
    assert len(store.revisions(store.list_records()[0].id)) == 1
    key = keyfile.unlock(closed_home / KEY_FILE, PASSPHRASE)
    connection = sqlcipher3.connect(str(backup))
    try:
        connection.execute(f"PRAGMA key=\"x'{key.hex()}'\"")
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
        assert connection.execute("SELECT count(*) FROM records").fetchone() == (1,)
    finally:
        connection.close()
    assert raw_sql(closed_home, "SELECT version_num FROM alembic_version") == [[(head,)]]
    # 0004: each revision knows the form version it was made with (its record's, for older stores).
    assert raw_sql(
        closed_home,
        "SELECT revisions.form_version = records.form_version FROM revisions JOIN records ON records.id = revisions.record_id",
    ) == [[(1,)]]


def test_the_backup_before_a_migration_holds_unflushed_writes(
    closed_home: Path, opened: list[Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writes still in the write-ahead log (another window has the store open) are in the backup."""
    first = open_store(opened, closed_home)
    first.add_record(definition("caf-assessment"), assessment("Barnaby", "Okonkwo", "2020-02-29"))
    _, known = opening.schema_revisions()
    monkeypatch.setattr(opening, "schema_revisions", lambda: ("0099", {*known, "0099"}))
    from alembic import command

    monkeypatch.setattr(command, "upgrade", lambda config, revision: None)  # there is no "0099" to run

    open_store(opened, closed_home)

    [backup] = (closed_home / "backups").glob("*.db")
    key = keyfile.unlock(closed_home / KEY_FILE, PASSPHRASE)
    connection = sqlcipher3.connect(str(backup))
    try:
        connection.execute(f"PRAGMA key=\"x'{key.hex()}'\"")
        assert connection.execute("SELECT count(*) FROM records").fetchone() == (2,)
    finally:
        connection.close()


def test_a_refused_key_file_prints_nothing_but_the_sentence(
    tmp_path: Path, closed_home: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """SQLCipher logs its own failures to stderr ("ERROR CORE sqlcipher_page_cipher: hmac check
    failed..."); in the CLI those lines would stand beside the plain sentence."""
    other = Store.create(tmp_path / "other", "their passphrase", PROFILE, kdf_cost=KDF_COST)
    other.close()
    shutil.copy(tmp_path / "other" / KEY_FILE, closed_home / KEY_FILE)
    capfd.readouterr()

    with pytest.raises(StoreUnavailable):
        Store.open(closed_home, "their passphrase")

    assert capfd.readouterr().err == ""


def test_two_windows_on_one_laptop_store(closed_home: Path, opened: list[Store]) -> None:
    """The app and the command line open the same store and write at the same time."""
    import threading

    first, second = open_store(opened, closed_home), open_store(opened, closed_home)
    caf = definition("caf-assessment")
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def job(store: Store, who: str) -> None:
        start.wait()
        try:
            for n in range(25):
                record = store.add_record(caf, assessment(who, f"Family {n}", "2018-01-01"))
                store.autosave(record.id, assessment(who, f"Family {n}", "2018-01-02"))
        except BaseException as error:  # noqa: BLE001 - reported by the test
            failures.append(error)

    threads = [threading.Thread(target=job, args=(s, w)) for s, w in ((first, "Ann"), (second, "Ben"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert first.count() == second.count() == 51
    assert first.verify_audit().ok


# --- importing without the checkpoint in the way ---------------------------------------------------------------


def _imported(store: Store, count: int) -> list[str]:
    import uuid

    from caf_desktop.store.sync import IncomingBundle, SyncedRecord

    caf = definition("caf-assessment")
    ids = [str(uuid.uuid4()) for _ in range(count)]
    store.apply_import(
        IncomingBundle(
            id=str(uuid.uuid4()),
            sender="a" * 64,
            sender_name="Hannah Testwell",
            sequence=1,
            team=str(uuid.UUID(int=7)),
            file_sha256="f" * 64,
            created="2026-11-26T09:30:00Z",
            records=tuple(
                SyncedRecord(
                    id=record_id,
                    form_id="caf-assessment",
                    form_version=caf.version,
                    status="draft",
                    version=1,
                    base_version=None,
                    document=assessment(f"Child{n}", "Fieldfare", "2017-01-01"),
                    author="Hannah Testwell",
                    updated="2026-11-26T09:00:00Z",
                )
                for n, record_id in enumerate(ids)
            ),
            definitions={caf.key: caf},
        )
    )
    return ids


@pytest.fixture
def small_log(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite copies the log into caf.db once it holds 10 pages, not 1,000, so small imports show it."""
    monkeypatch.setattr(opening, "_AUTOCHECKPOINT_PAGES", 10)


@pytest.mark.usefixtures("small_log")
def test_an_import_is_kept_if_the_app_dies_before_the_checkpoint(
    closed_home: Path, opened: list[Store], tmp_path: Path
) -> None:
    """An import commits without copying its pages into caf.db (that waits for `checkpoint()`): the
    records are in the write-ahead log, so a laptop whose app is killed right after still has them."""
    store = open_store(opened, closed_home)
    store.add_record(definition("caf-assessment"), assessment("Ada", "Quill"))  # a save checkpoints
    ids = _imported(store, 40)
    crashed, without_log = tmp_path / "crashed", tmp_path / "without-log"
    shutil.copytree(closed_home, crashed)  # the files as a killed process leaves them
    shutil.copytree(closed_home, without_log)
    (without_log / "caf.db-wal").unlink()
    (without_log / "caf.db-shm").unlink(missing_ok=True)

    assert open_store(opened, without_log).count() == 2  # the import is not in caf.db yet
    reopened = open_store(opened, crashed)
    assert {r.id for r in reopened.list_records()} >= set(ids)
    assert reopened.count() == 42


@pytest.mark.usefixtures("small_log")
def test_after_an_import_the_store_checkpoints_as_usual(closed_home: Path, opened: list[Store]) -> None:
    store = open_store(opened, closed_home)
    _imported(store, 5)
    store.checkpoint()
    with store.engine.connect() as connection:  # the pool's one connection, the import's
        pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        busy, in_log, copied = connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
    assert pages == 10
    assert (busy, in_log - copied) == (0, 0)  # all of it is in caf.db
    assert store.count() == 6
