"""The store's API: what the CLI and the GUI do with records, children, revisions and the audit trail.

On a laptop the store is a SQLCipher database in the home folder, encrypted with a random key that
the passphrase unwraps (`caf_desktop.trust.keyfile`). A locality team can point the same code at PostgreSQL
with a SQLAlchemy URL. The schema is migrated by Alembic when the store opens, after the database file
is copied aside; a store written by a newer app is refused with a sentence.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from sqlalchemy import (
    create_engine,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, SQLAlchemyError

from caf_desktop.common.errors import CafError
from caf_desktop.practice.sharing import ConsentSources
from caf_desktop.store.clock import now
from caf_desktop.store.exchange import ExchangeMixin
from caf_desktop.store.info import (
    CONSENT_PARTS,
    STATUSES,
    Acknowledgement,
    AuditReport,
    ChildMatch,
    Profile,
    RecordInfo,
    RecordQuery,
    RevisionInfo,
    Summary,
    as_utc,
    fold,
    summarise,
)
from caf_desktop.store.opening import (
    AUDIT_ANCHOR_FILE,
    BACKUP_FOLDER,
    DATABASE_FILE,
    KEY_FILE,
    RETENTION_DAYS_AFTER_DELETE,
    HomeNotEmpty,
    RecordNotFound,
    StoreExists,
    StoreNotInitialised,
    StoreTooNew,
    StoreUnavailable,
    all_or_nothing,
    current_revision,
    migrate,
    refuse_empty_database,
    refuse_unsuitable_home,
    sqlcipher_engine,
)
from caf_desktop.trust import identity, keyfile

__all__ = [
    "AUDIT_ANCHOR_FILE",
    "BACKUP_FOLDER",
    "CONSENT_PARTS",
    "DATABASE_FILE",
    "KEY_FILE",
    "RETENTION_DAYS_AFTER_DELETE",
    "STATUSES",
    "Acknowledgement",
    "AuditReport",
    "ChildMatch",
    "ConsentSources",
    "HomeNotEmpty",
    "Profile",
    "RecordInfo",
    "RecordNotFound",
    "RecordQuery",
    "RevisionInfo",
    "Store",
    "StoreExists",
    "StoreNotInitialised",
    "StoreTooNew",
    "StoreUnavailable",
    "Summary",
    "all_or_nothing",
    "as_utc",
    "fold",
    "migrate",
    "now",
    "refuse_unsuitable_home",
    "summarise",
]


class Store(ExchangeMixin):
    """One user's (or one team's) records. Methods commit their own work; errors are `CafError`s.

    Its parts are mixins by concern, each over the one before: `core.StoreCore` (engine, transactions,
    audit), `records`, `caselist`, `importing`, `exchange`; this class adds opening and the passphrase."""

    @classmethod
    def create(
        cls, home: Path, passphrase: str, profile: Profile, *, kdf_cost: int = keyfile.DEFAULT_COST
    ) -> Store:
        """Makes a new encrypted store in `home` for this user (an identity already there is kept). All
        or nothing: if any step fails (a full disk), everything it made is removed again, so the home is
        as it was and setting up can simply be tried again. `refuse_unsuitable_home` is for callers that
        let a person name the folder."""
        if (home / KEY_FILE).exists() or (home / DATABASE_FILE).exists():
            raise StoreExists(home)
        with all_or_nothing(home):
            home.mkdir(mode=0o700, parents=True, exist_ok=True)
            key = keyfile.create(home / KEY_FILE, passphrase, cost=kdf_cost)
            store = cls._open_sqlcipher(home, key, creating=True)
            try:
                store.set_profile(profile)
                store.audit("store created", None, {"role": profile.role})
                if not identity.has_identity(home):
                    made = identity.create_identity(profile.name, profile.organisation, profile.role)
                    identity.save_identity(home, made, passphrase, cost=kdf_cost)
                    store.audit("identity created", None, {"certificate": made.fingerprint})
            except BaseException:
                store.close()  # before its files are removed
                raise
        return store

    @classmethod
    def open(cls, home: Path, passphrase: str) -> Store:
        """Opens the encrypted store in `home` (`WrongPassphrase`, `StoreNotInitialised`, `StoreTooNew`,
        `StoreUnavailable`). Never creates one: a database that is empty or not a store is refused and
        left exactly as it is."""
        database = home / DATABASE_FILE
        if not (home / KEY_FILE).exists():
            if database.exists():
                raise StoreUnavailable(
                    f"the key file {KEY_FILE} is missing from {home}, though the database of records is there. "
                    f"Restore {KEY_FILE} from a backup, or open a backup made with `caf-desktop db backup`, which "
                    "needs only the passphrase. Nothing was changed, and no new store is made over these records"
                )
            raise StoreNotInitialised(home)
        if not database.exists():
            raise StoreUnavailable(
                f"the database file {DATABASE_FILE} is missing from {home}, though its key is there; "
                "restore it from a backup (nothing was created in its place)"
            )
        refuse_empty_database(database)
        key = keyfile.unlock(home / KEY_FILE, passphrase)
        return cls._open_sqlcipher(home, key)

    @classmethod
    def _open_sqlcipher(cls, home: Path, key: bytes, *, creating: bool = False) -> Store:
        path = home / DATABASE_FILE
        engine = sqlcipher_engine(path, key)
        try:
            if not creating and current_revision(engine) is None:
                # Unlocked, but no store's schema in it: never write one over whatever it is.
                raise StoreUnavailable(
                    f"the database file {path} holds no records of CAF Desktop (it is damaged, or another "
                    "program's file); restore it from a backup. It was left as it is"
                )
            migrate(engine, backup_of=path)
        except (OperationalError, DBAPIError) as error:
            engine.dispose()
            raise StoreUnavailable("the database file is damaged or belongs to another key") from error
        except CafError:
            engine.dispose()
            raise
        if os.name == "posix":
            # The database and its journal are for this user alone (SQLite gives -wal/-shm the same mode).
            home.chmod(0o700)
            path.chmod(0o600)
        store = cls(engine, home=home, anchor_key=hmac.digest(key, b"caf-desktop audit anchor", "sha256"))
        profile = store.profile()
        store.actor = profile.name if profile is not None else ""
        return store

    @classmethod
    def open_url(cls, url: str, *, actor: str = "") -> Store:
        """Opens a shared store at a SQLAlchemy URL (PostgreSQL for a locality team)."""
        engine = None
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreUnavailable(
                "that is not a database URL; write it like postgresql+psycopg://user@server/database"
            ) from None
        try:
            engine = create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
        except ImportError:
            raise StoreUnavailable(
                "the driver for this kind of database is not installed (for PostgreSQL: pip install 'caf-desktop[postgres]')"
            ) from None
        try:
            migrate(engine)
        except CafError:
            engine.dispose()
            raise
        except SQLAlchemyError as error:
            engine.dispose()
            raise StoreUnavailable(
                f"the database at {parsed.render_as_string(hide_password=True)} did not answer ({type(error).__name__})"
            ) from error
        store = cls(engine, actor=actor)
        profile = store.profile()
        if not actor and profile is not None:
            store.actor = profile.name
        return store

    def change_passphrase(self, old: str, new: str) -> None:
        if self.home is None:
            raise CafError(
                "A shared database has no passphrase of its own: its server controls who may open it."
            )
        keyfile.unlock(self.home / KEY_FILE, old)  # a wrong passphrase changes nothing
        identity.change_passphrase(self.home, old, new)
        from caf_desktop.trust import team  # noqa: PLC0415 - only a coordinator's home holds the team CA

        team.change_passphrase(self.home, old, new)
        keyfile.change_passphrase(self.home / KEY_FILE, old, new)
        self.audit("passphrase changed")

    def backup(self, out: Path, passphrase: str) -> None:
        """Writes an encrypted copy, keyed by the passphrase alone, so it opens without the key file."""
        if self.home is None:
            raise CafError("Back up a shared database with the server's own tools (pg_dump).")
        if out.exists():
            raise CafError(f"{out} already exists; nothing was written. Choose a new file name.")
        partial = out.with_name(out.name + ".part")
        partial.unlink(missing_ok=True)
        try:
            with self.engine.connect() as connection:
                connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
                quoted_path = str(partial).replace("'", "''")
                quoted_key = passphrase.replace("'", "''")
                connection.exec_driver_sql(f"ATTACH DATABASE '{quoted_path}' AS backup KEY '{quoted_key}'")
                connection.exec_driver_sql("SELECT sqlcipher_export('backup')")
                connection.exec_driver_sql("DETACH DATABASE backup")
            partial.replace(out)
        except (OSError, DBAPIError) as error:
            partial.unlink(missing_ok=True)
            raise CafError(
                f"The backup could not be written to {out}: {getattr(error, 'strerror', None) or 'the disk refused'}. Nothing was written."
            ) from error
        self.audit("backed up", None, {})
