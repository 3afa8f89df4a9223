"""Opening a store: its files, the SQLCipher engine, migrations, and the errors of opening one."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    URL,
    Engine,
    create_engine,
    event,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from caf_desktop.common.errors import CafError
from caf_desktop.store import clock

DATABASE_FILE = "caf.db"


KEY_FILE = "caf.key"


AUDIT_ANCHOR_FILE = "audit.anchor"  # the end of the audit trail, outside the database (docs/audit.md)


BACKUP_FOLDER = "backups"


RETENTION_DAYS_AFTER_DELETE = 30


class StoreNotInitialised(CafError):
    def __init__(self, home: Path) -> None:
        super().__init__(
            f"There are no records in {home} yet. Run `caf-desktop init`, or start the app to set up."
        )


class StoreExists(CafError):
    def __init__(self, home: Path) -> None:
        if (home / DATABASE_FILE).exists() and not (home / KEY_FILE).exists():
            super().__init__(
                f"{home} already holds a database of records, but its key file {KEY_FILE} is missing; nothing "
                f"was changed. Restore {KEY_FILE} from a backup, or open a backup made with `caf-desktop db "
                "backup`, which needs only the passphrase. A new store is never made over these records."
            )
            return
        super().__init__(
            f"{home} already holds a store of records; nothing was changed. Use another --home to start afresh."
        )


class HomeNotEmpty(CafError):
    def __init__(self, home: Path, why: str) -> None:
        super().__init__(
            f"A new store of records is not made in {home}: {why}. Nothing was changed. Choose a folder "
            "that does not exist yet (init makes it) or an empty one, with --home."
        )


# What a home may already hold when a store is made in it: the log of an earlier command's bug.


_SETUP_MAY_FIND = frozenset({"logs"})


def refuse_unsuitable_home(home: Path) -> None:
    """A person names the folder for a new store (`init --home`): it must not exist yet, or be empty
    (but for the logs of an earlier command), so setting up never changes the permissions of a folder
    that holds other files, nor writes the store among them."""
    if (home / KEY_FILE).exists() or (home / DATABASE_FILE).exists():
        raise StoreExists(home)
    if not home.exists():
        return
    if not home.is_dir():
        raise HomeNotEmpty(home, "it is a file, not a folder")
    try:
        found = [entry.name for entry in home.iterdir() if entry.name not in _SETUP_MAY_FIND]
    except OSError as error:
        raise HomeNotEmpty(home, f"it cannot be read ({error.strerror})") from None
    if found:
        raise HomeNotEmpty(home, f"it already holds {len(found)} other file{'s' if len(found) != 1 else ''}")


@contextmanager
def all_or_nothing(home: Path) -> Iterator[None]:
    """Setting up a home: if the block fails (a full disk), everything it made in `home` is removed
    again, the folders it made included, so the home is as it was and setup can be tried again.
    Close any store opened in the block before it ends."""
    made_folder = _first_missing(home)
    before = {entry.name for entry in home.iterdir()} if made_folder is None else set()
    try:
        yield
    except BaseException:
        _undo_setup(home, made_folder, before)
        raise


def _first_missing(folder: Path) -> Path | None:
    """The outermost folder of `folder`'s path that does not exist yet (None if it exists)."""
    missing = None
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing = candidate
    return missing


def _undo_setup(home: Path, made_folder: Path | None, before: set[str]) -> None:
    """Removes what a failed `Store.create` made, so the home is as it was before."""
    if made_folder is not None:
        shutil.rmtree(made_folder, ignore_errors=True)
        return
    with contextlib.suppress(OSError):
        for entry in home.iterdir():
            if entry.name in before:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def refuse_empty_database(database: Path) -> None:
    """SQLite takes an empty file for a new database and would write a schema into it: a 0-byte
    caf.db is a copy that did not finish, or a sync tool's placeholder, never a store."""
    try:
        size = database.stat().st_size
    except OSError as error:
        raise StoreUnavailable(f"the database file {database} cannot be read ({error.strerror})") from None
    if size == 0:
        raise StoreUnavailable(
            f"the database file {database} is empty (0 bytes): a copy that did not finish, or a sync tool's "
            "placeholder. Restore it from a backup; it was left as it is, and nothing was created in its place"
        )


class StoreTooNew(CafError):
    def __init__(self, revision: str) -> None:
        super().__init__(
            f"These records were saved by a newer version of CAF Desktop (store version {revision}). "
            "Update CAF Desktop to open them; nothing was changed."
        )


class StoreUnavailable(CafError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"The records cannot be opened: {reason}.")


class RecordNotFound(CafError):
    def __init__(self, record_id: str) -> None:
        super().__init__(f"There is no record {record_id!r}. `caf-desktop records list` shows the records.")


def plain_reason(error: DBAPIError) -> str:
    text_of_error = str(error.orig).lower()
    if "full" in text_of_error or "no space" in text_of_error:
        return "the disk is full; free some space and try again (nothing was changed)"
    if "locked" in text_of_error or "busy" in text_of_error:
        return (
            "the database is busy or locked by another program; try again in a moment (nothing was changed)"
        )
    if "readonly" in text_of_error or "read-only" in text_of_error or "permission" in text_of_error:
        return "the database cannot be written (a read-only disk or folder?); nothing was changed"
    if "could not connect" in text_of_error or "connection" in text_of_error:
        return "the database server did not answer; check the network and try again (nothing was changed)"
    return "the database refused the change, so nothing was changed"


def _quiet_sqlcipher() -> None:
    """SQLCipher's log level is global: set it before any connection, so a wrong key is our plain
    sentence alone, not also SQLCipher's own lines on stderr."""
    import sqlcipher3  # noqa: PLC0415

    probe = sqlcipher3.connect(":memory:")
    try:
        probe.execute("PRAGMA cipher_log_level = NONE")
    finally:
        probe.close()


def sqlcipher_engine(path: Path, key: bytes) -> Engine:
    _quiet_sqlcipher()
    url = URL.create("sqlite+pysqlcipher", password=f"x'{key.hex()}'", database=str(path))
    # hide_parameters: an error message must never quote a record's answers (or the key).
    engine = create_engine(url, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        # temp_store=MEMORY: no plaintext temporary files; WAL with NORMAL sync keeps autosave cheap
        # and survives a killed process (the WAL is in the OS's hands once written).
        for pragma in (
            "temp_store=MEMORY",
            "journal_mode=WAL",
            "synchronous=NORMAL",
            "foreign_keys=ON",
            "secure_delete=ON",
        ):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "checkin")
    def _checkpoints_back_on(connection: Any, record: Any) -> None:
        # A connection that took a bundle without checkpointing (`Store._wal_kept`) goes back to the
        # pool checkpointing as usual.
        if record.info.pop(WAL_KEPT, False):
            connection.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}")

    return engine


WAL_KEPT = "caf_desktop.wal_kept"


_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default: copy the log into the database once it holds 4 MB


def migration_config() -> Any:
    """The Alembic configuration of the store's schema migrations (`caf_desktop.store.migrations`).
    Public for the store's tests too, which take a store back to an older schema to open it again."""
    from alembic.config import Config  # noqa: PLC0415 - alembic is only needed when opening a store

    from caf_desktop.store import migrations  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return config


def schema_revisions() -> tuple[str, set[str]]:
    """This app's newest schema revision, and every revision it knows (a store at another is from a
    newer app). Public for the store's tests too, which compare a store's revision with these."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    scripts = ScriptDirectory.from_config(migration_config())
    known = {script.revision for script in scripts.walk_revisions()}
    head = scripts.get_current_head()
    assert head is not None
    return head, known


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, DBAPIError):
            connection.rollback()
            return None


def migrate(engine: Engine, backup_of: Path | None = None) -> None:
    """Brings the schema up to this app's version; copies the database file aside first."""
    from alembic import command  # noqa: PLC0415

    head, known = schema_revisions()
    current = current_revision(engine)
    if current == head:
        return
    if current is not None and current not in known:
        raise StoreTooNew(current)
    if current is not None and backup_of is not None and backup_of.exists():
        with engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        folder = backup_of.parent / BACKUP_FOLDER
        folder.mkdir(exist_ok=True)
        stamp = clock.now().strftime("%Y%m%dT%H%M%S%fZ")
        shutil.copy2(backup_of, folder / f"{backup_of.stem}-{stamp}-before-{head}{backup_of.suffix}")
    config = migration_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


# --- the store ---------------------------------------------------------------------------------------------


RACE_RETRIES = 5
# PostgreSQL's unique violation, deadlock and serialisation failure: another writer got there first.


_RACE_STATES = frozenset({"23505", "40P01", "40001"})


def lost_a_race(error: StoreUnavailable) -> bool:
    cause = error.__cause__
    if isinstance(cause, IntegrityError):
        return True
    state = getattr(getattr(cause, "orig", None), "sqlstate", None)
    return state in _RACE_STATES
