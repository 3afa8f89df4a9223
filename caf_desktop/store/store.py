"""The store's API: what the CLI and the GUI do with records, children, revisions and the audit trail.

On a laptop the store is a SQLCipher database in the home folder, encrypted with a random key that
the passphrase unwraps (`caf_desktop.trust.keyfile`). A locality team can point the same code at PostgreSQL
with a SQLAlchemy URL. The schema is migrated by Alembic when the store opens, after the database file
is copied aside; a store written by a newer app is refused with a sentence.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import json
import os
import shutil
import unicodedata
import uuid as uuid_module
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    URL,
    Engine,
    Text,
    bindparam,
    cast,
    create_engine,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    text,
    union,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, aliased, defer, selectinload, sessionmaker

from caf_desktop.common.errors import CafError
from caf_desktop.formengine import pointers
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.store.models import (
    AuditEvent,
    Base,
    BundleReceived,
    BundleReceivedRecord,
    BundleSent,
    BundleSentRecord,
    Case,
    Child,
    Consent,
    Meta,
    Record,
    Revision,
    SafeguardingAcknowledgement,
    SyncConflict,
)
from caf_desktop.store.sync import (
    RESOLUTIONS,
    AlreadyImported,
    Change,
    ConflictInfo,
    ConflictNotFound,
    ImportOutcome,
    IncomingBundle,
    NotPermitted,
    OutgoingRecord,
    PlannedChange,
    StoredState,
    SyncedRecord,
    Trespass,
    WriteAccess,
    classify,
)
from caf_desktop.trust import identity, keyfile

DATABASE_FILE = "caf.db"
KEY_FILE = "caf.key"
AUDIT_ANCHOR_FILE = "audit.anchor"  # the end of the audit trail, outside the database (docs/audit.md)
_AUDIT_HEAD = "caf.audit_head"  # session.info: the chain's new head, anchored once the session commits
BACKUP_FOLDER = "backups"
RETENTION_DAYS_AFTER_DELETE = 30
STATUSES = ("draft", "complete", "signed", "shared", "closed")
_T = TypeVar("_T")
_TABLES = Base.metadata.tables  # for inserts by executemany, without an ORM object per row


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


def _refuse_empty_database(database: Path) -> None:
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


def _plain_reason(error: DBAPIError) -> str:
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


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes: the store writes UTC, so read them as UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# Letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Ø": "O",
        "ø": "o",
        "Đ": "D",
        "đ": "d",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "ß": "ss",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Þ": "Th",
        "þ": "th",
    }
)


def fold(text_value: str) -> str:
    """Lower case without accents, for matching names: "Zoë Łukasiewicz" -> "zoe lukasiewicz"."""
    if text_value.isascii():  # nothing to decompose or strip: the same answer, without a loop per letter
        return " ".join(text_value.lower().split())
    decomposed = unicodedata.normalize("NFKD", text_value.translate(_UNDECOMPOSED))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Profile:
    name: str
    role: str
    organisation: str


@dataclass(frozen=True)
class Summary:
    """What the case list and the child index need from a document, by the definition's `subject`."""

    given_names: str = ""
    family_name: str = ""
    date_of_birth: dt.date | None = None
    expected_date: dt.date | None = None
    sex: str | None = None
    address: str | None = None
    reference: str | None = None
    level: int | None = None
    suggested_level: int | None = None
    safeguarding: bool = False  # a cause for the safeguarding banner (`caf_desktop.practice.safeguarding`)
    lead_professional: str | None = None
    next_review: dt.date | None = None
    closed_on: dt.date | None = None  # a closure's date (the case closes once the record is complete)

    @property
    def child_name(self) -> str:
        return " ".join(p for p in (self.given_names.strip(), self.family_name.strip()) if p)


@functools.lru_cache(maxsize=1024)
def _tokens(pointer: str) -> tuple[str, ...]:
    """A pointer's tokens, split once (a definition's `subject` names the same few in every record)."""
    return tuple(pointers.split(pointer))


def summarise(definition: FormDefinition, document: dict[str, Any]) -> Summary:
    subject = definition.subject

    def at(pointer: str | None) -> Any:
        return pointers.resolve(document, _tokens(pointer), None) if pointer else None

    def text_at(pointer: str | None) -> str | None:
        value = at(pointer)
        return value.strip() if isinstance(value, str) and value.strip() else None

    level = at(subject.level)
    suggested = None
    safeguarding = False
    if definition.ruleset is not None:
        from caf_desktop.practice.safeguarding import banner_causes  # noqa: PLC0415
        from caf_desktop.practice.thresholds import ruleset, suggested_level  # noqa: PLC0415

        try:
            rules = ruleset(definition.ruleset)
            suggested = suggested_level(rules, document, explain=False).level
            safeguarding = bool(banner_causes(rules, document))
        except CafError:
            suggested = None
    return Summary(
        suggested_level=suggested,
        safeguarding=safeguarding,
        given_names=text_at(subject.given_names) or "",
        family_name=text_at(subject.family_name) or "",
        date_of_birth=_date(at(subject.date_of_birth)),
        expected_date=_date(at(subject.expected_date)),
        sex=text_at(subject.sex),
        address=text_at(subject.address),
        reference=text_at(subject.reference),
        level=level if isinstance(level, int) and not isinstance(level, bool) else None,
        lead_professional=text_at(subject.lead_professional),
        next_review=_date(at(subject.next_review)),
        closed_on=_date(at(subject.closed_on)),
    )


_FINISHED = frozenset({"complete", "signed", "shared", "closed"})


def _closes_case(status: str, summary: Summary) -> bool:
    """Whether a record closes its case: a closure (its form's `subject` names `closed_on`) with its
    date, once it is complete. A closed case asks for nothing more (no drift, no reviews due), and the
    child's next record starts a new case. A draft closure closes nothing."""
    return summary.closed_on is not None and status in _FINISHED


def _summary_values(form_id: str, summary: Summary) -> dict[str, Any]:
    """A record's columns for the case list, from its document's summary."""
    return {
        "child_name": summary.child_name,
        "search_key": fold(f"{summary.child_name} {summary.reference or ''} {form_id}"),
        "child_dob": summary.date_of_birth or summary.expected_date,
        "level": summary.level,
        "suggested_level": summary.suggested_level,
        "safeguarding": summary.safeguarding,
        "lead_professional": summary.lead_professional,
        "next_review": summary.next_review,
    }


def _consent_values(document: Any) -> dict[str, dict[str, Any]]:
    """The consents a document records (`/consent/assess`, `/consent/share`), as their rows' columns."""
    consent = document.get("consent") if isinstance(document, dict) else None
    if not isinstance(consent, dict):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for kind in ("assess", "share"):
        part = consent.get(kind)
        if not isinstance(part, dict):
            continue
        found[kind] = {
            "given": part.get("given") if isinstance(part.get("given"), bool) else None,
            "given_by": part.get("given_by"),
            "role": part.get("given_by_role"),
            "basis": part.get("basis"),
            "scope": part.get("scope"),
            "agencies": part.get("agencies") if isinstance(part.get("agencies"), list) else None,
            "given_on": _date(part.get("date")),
            "withdrawn_on": _date(part.get("withdrawn_date")) if part.get("withdrawn") else None,
        }
    return found


# --- what the store hands out (plain data, never live ORM objects) -------------------------------------


@dataclass(frozen=True, kw_only=True)
class RecordInfo:
    id: str
    form_id: str
    form_version: str
    definition_digest: str
    status: str
    document: dict[str, Any] = field(repr=False)  # never in a log line
    version: int
    base_version: int | None
    child: str
    child_dob: dt.date | None
    level: int | None
    lead_professional: str | None
    suggested_level: int | None = None
    next_review: dt.date | None
    created: dt.datetime
    updated: dt.datetime
    saved: dt.datetime | None
    autosaved: dt.datetime | None
    deleted: dt.datetime | None
    case_id: str | None = None
    attention: str | None = None
    case_closed: bool = False  # its case was closed (a completed CAF closure): nothing is due any more
    safeguarding: bool = False  # its document has a cause for the safeguarding banner
    case_safeguarding: bool = False  # a record of its case has one (the case list reads this)

    @property
    def flags_safeguarding(self) -> bool:
        """Whether the case list flags it: a safeguarding cause in it, or in another record of its
        case, while the case is open."""
        return (self.safeguarding or self.case_safeguarding) and not self.case_closed

    @property
    def has_unsaved_changes(self) -> bool:
        """Autosaved since the last explicit save: typing that was kept but not yet saved on purpose."""
        return self.autosaved is not None and (self.saved is None or self.autosaved > self.saved)


@dataclass(frozen=True, kw_only=True)
class ConsentSources:
    """What `sharing.check` needs of a record: its form and child, and the parts of the documents that
    may record the consent to share that applies to it (`consent`, `services`, `assessor` and
    `lead_professional`; the others are left out), by record id, in the order they are looked at: the
    record's own first, then the others of its child's case (not deleted), most recently saved first."""

    record_id: str
    form_id: str
    form_version: str
    child: str
    documents: tuple[tuple[str, dict[str, Any]], ...] = field(repr=False)


# The parts of a document that say whether consent to share covers a recipient (`sharing.ConsentToShare`).
CONSENT_PARTS = ("consent", "services", "assessor", "lead_professional")


@dataclass(frozen=True)
class RevisionInfo:
    number: int
    status: str
    reason: str
    author: str
    created: dt.datetime
    document: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Acknowledgement:
    """A person acknowledged the safeguarding banner of a record's version, for these causes."""

    record_id: str
    version: int
    causes: tuple[str, ...]
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class ChildMatch:
    id: str
    name: str
    date_of_birth: dt.date | None
    exact: bool
    # The names as stored, so a record started for this child spells them the same way.
    given_names: str = ""
    family_name: str = ""
    expected_date: dt.date | None = None


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    message: str = ""


@dataclass
class RecordQuery:
    """What the case list asks for: search text, filters, order, and a page. `order_by` "attention"
    puts the records the case list flags for safeguarding first, then by last change."""

    search: str = ""
    statuses: Sequence[str] = ()
    levels: Sequence[int] = ()
    include_deleted: bool = False
    order_by: str = "updated"
    descending: bool = True
    offset: int = 0
    limit: int | None = None


_ORDER_COLUMNS = {
    "child": Record.search_key,
    "dob": Record.child_dob,
    "form": Record.form_id,
    "status": Record.status,
    "level": Record.level,
    "lead": Record.lead_professional,
    "updated": Record.updated_at,
    "review": Record.next_review,
}


def _info(record: Record, *, with_document: bool = True) -> RecordInfo:
    return RecordInfo(
        id=record.uuid,
        form_id=record.form_id,
        form_version=record.form_version,
        definition_digest=record.definition_digest,
        status=record.status,
        document=record.document if with_document else {},
        version=record.version,
        base_version=record.base_version,
        child=record.child_name,
        child_dob=record.child_dob,
        level=record.level,
        suggested_level=record.suggested_level,
        lead_professional=record.lead_professional,
        next_review=record.next_review,
        created=as_utc(record.created_at) or now(),
        updated=as_utc(record.updated_at) or now(),
        saved=as_utc(record.saved_at),
        autosaved=as_utc(record.autosaved_at),
        deleted=as_utc(record.deleted_at),
        case_id=record.case.uuid if record.case is not None else None,
        attention=record.case.attention if record.case is not None else None,
        case_closed=record.case is not None and record.case.status == "closed",
        safeguarding=bool(record.safeguarding),
    )


def _flagged_open_cases() -> Any:
    """The ids of the open cases in which a record (not deleted) has a cause for the safeguarding
    banner: the case list flags every record of such a case."""
    flagged = aliased(Record)
    return (
        select(flagged.case_id)
        .join(Case, Case.id == flagged.case_id)
        .where(flagged.safeguarding.is_(True), flagged.deleted_at.is_(None), Case.status != "closed")
    )


def _flagged_record_ids() -> Any:
    """The ids of the records the case list flags for safeguarding (`RecordInfo.flags_safeguarding`):
    those of flagged open cases, through `ix_records_case_id`, and a record with no case that has a
    cause itself, through `ix_records_safeguarding`. Deleted ones too: the list's filters decide."""
    in_case, alone = aliased(Record), aliased(Record)
    return union(
        select(in_case.id).where(in_case.case_id.in_(_flagged_open_cases())),
        select(alone.id).where(alone.safeguarding.is_(True), alone.case_id.is_(None)),
    )


# --- engines ---------------------------------------------------------------------------------------------


def _quiet_sqlcipher() -> None:
    """SQLCipher's log level is global: set it before any connection, so a wrong key is our plain
    sentence alone, not also SQLCipher's own lines on stderr."""
    import sqlcipher3  # noqa: PLC0415

    probe = sqlcipher3.connect(":memory:")
    try:
        probe.execute("PRAGMA cipher_log_level = NONE")
    finally:
        probe.close()


def _sqlcipher_engine(path: Path, key: bytes) -> Engine:
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
        if record.info.pop(_WAL_KEPT, False):
            connection.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}")

    return engine


_WAL_KEPT = "caf_desktop.wal_kept"
_AUTOCHECKPOINT_PAGES = 1000  # SQLite's default: copy the log into the database once it holds 4 MB


def _migration_config() -> Any:
    from alembic.config import Config  # noqa: PLC0415 - alembic is only needed when opening a store

    from caf_desktop.store import migrations  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return config


def _head_and_known() -> tuple[str, set[str]]:
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    scripts = ScriptDirectory.from_config(_migration_config())
    known = {script.revision for script in scripts.walk_revisions()}
    head = scripts.get_current_head()
    assert head is not None
    return head, known


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, DBAPIError):
            connection.rollback()
            return None


def migrate(engine: Engine, backup_of: Path | None = None) -> None:
    """Brings the schema up to this app's version; copies the database file aside first."""
    from alembic import command  # noqa: PLC0415

    head, known = _head_and_known()
    current = _current_revision(engine)
    if current == head:
        return
    if current is not None and current not in known:
        raise StoreTooNew(current)
    if current is not None and backup_of is not None and backup_of.exists():
        with engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        folder = backup_of.parent / BACKUP_FOLDER
        folder.mkdir(exist_ok=True)
        stamp = now().strftime("%Y%m%dT%H%M%S%fZ")
        shutil.copy2(backup_of, folder / f"{backup_of.stem}-{stamp}-before-{head}{backup_of.suffix}")
    config = _migration_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


# --- the store ---------------------------------------------------------------------------------------------


class Store:
    """One user's (or one team's) records. Methods commit their own work; errors are `CafError`s."""

    def __init__(
        self, engine: Engine, *, home: Path | None = None, actor: str = "", anchor_key: bytes | None = None
    ) -> None:
        self.engine = engine
        self.home = home
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._actor = actor
        # The key that authenticates audit.anchor: derived from the database key, so the anchor can be
        # written only by someone who can open the database, and read as genuine only with it.
        self._anchor_key = anchor_key

    # Opening ------------------------------------------------------------------------------------------

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
        _refuse_empty_database(database)
        key = keyfile.unlock(home / KEY_FILE, passphrase)
        return cls._open_sqlcipher(home, key)

    @classmethod
    def _open_sqlcipher(cls, home: Path, key: bytes, *, creating: bool = False) -> Store:
        path = home / DATABASE_FILE
        engine = _sqlcipher_engine(path, key)
        try:
            if not creating and _current_revision(engine) is None:
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
        store._actor = profile.name if profile is not None else ""
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
            store._actor = profile.name
        return store

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction; a database failure (disk full, file locked) becomes a plain StoreUnavailable."""
        try:
            with self._sessions() as session, session.begin():
                yield session
        except DBAPIError as error:
            raise StoreUnavailable(_plain_reason(error)) from error
        head = session.info.pop(_AUDIT_HEAD, None)
        if head is not None:
            self._anchor_audit(head)

    @property
    def database_path(self) -> Path | None:
        return self.home / DATABASE_FILE if self.home is not None else None

    # The user ------------------------------------------------------------------------------------------

    def set_profile(self, profile: Profile) -> None:
        with self.session() as session:
            for key, value in (
                ("user.name", profile.name),
                ("user.role", profile.role),
                ("user.organisation", profile.organisation),
            ):
                session.merge(Meta(key=key, value=value))
        self._actor = profile.name

    def profile(self) -> Profile | None:
        with self.session() as session:
            values = {m.key: m.value for m in session.scalars(select(Meta).where(Meta.key.like("user.%")))}
        if "user.name" not in values:
            return None
        return Profile(values["user.name"], values.get("user.role", ""), values.get("user.organisation", ""))

    # Audit ------------------------------------------------------------------------------------------------

    @staticmethod
    def _event_hash(previous: str, event: tuple[str, str, str, str | None, dict[str, Any]]) -> str:
        body = json.dumps(
            [previous, *event],
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(body.encode("utf-8")).hexdigest()

    def _audit(self, session: Session, action: str, record_uuid: str | None, details: dict[str, Any]) -> None:
        if self.engine.dialect.name == "postgresql":
            # One writer at a time appends to the chain, or two could both follow the same last event.
            session.execute(text("SELECT pg_advisory_xact_lock(424242)"))
        last = session.scalars(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1).with_for_update()
        ).first()
        previous = last.hash if last is not None else "0" * 64
        at = now().isoformat(timespec="microseconds")
        digest = self._event_hash(previous, (at, self._actor, action, record_uuid, details))
        session.add(
            AuditEvent(
                at=at,
                actor=self._actor,
                action=action,
                record_uuid=record_uuid,
                details=details,
                previous_hash=previous,
                hash=digest,
            )
        )
        # The head of the chain is kept apart too, so removing the newest events is noticed; and
        # outside the database (audit.anchor), so removing them with this row is noticed as well.
        session.merge(Meta(key="audit.head", value=digest))
        session.info[_AUDIT_HEAD] = digest

    def audit(
        self, action: str, record_uuid: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        """Records an event (details must hold no personal data: ids, counts, form ids, hashes)."""
        with self.session() as session:
            self._audit(session, action, record_uuid, details or {})

    def audit_events(self, record_uuid: str | None = None) -> list[AuditEvent]:
        with self.session() as session:
            query = select(AuditEvent).order_by(AuditEvent.id)
            if record_uuid is not None:
                query = query.where(AuditEvent.record_uuid == record_uuid)
            events = list(session.scalars(query))
            session.expunge_all()
            return events

    def _anchor_mac(self, head: str) -> str:
        assert self._anchor_key is not None
        return hmac.new(self._anchor_key, f"caf-desktop audit anchor 1 {head}".encode(), "sha256").hexdigest()

    def _anchor_audit(self, head: str) -> None:
        """Writes the chain's head to audit.anchor (SQLCipher stores only), after the commit that
        made it. A crash or a full disk between the two leaves the anchor one step behind, which
        `verify_audit` accepts: it asks only that the anchored event is still in the chain."""
        if self.home is None or self._anchor_key is None:
            return
        body = json.dumps({"format": 1, "head": head, "mac": self._anchor_mac(head)}) + "\n"
        target = self.home / AUDIT_ANCHOR_FILE
        temporary = target.with_name(f".{AUDIT_ANCHOR_FILE}.part")
        # Whole or not at all (a rename), but not synced to disk: an fsync at every audited save
        # tripled the cost of an event. A power cut can leave the last anchor unwritten (it is
        # then behind, which is accepted) or, on some file systems, empty: then `verify_audit`
        # says the end cannot be checked, never that the trail is intact (docs/audit.md).
        with contextlib.suppress(OSError):
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
                stream.write(body)
            temporary.replace(target)

    def _anchored_head(self) -> tuple[str | None, str | None]:
        """The head audit.anchor vouches for, or the sentence saying why there is none to trust."""
        assert self.home is not None
        path = self.home / AUDIT_ANCHOR_FILE
        try:
            anchor = json.loads(path.read_text(encoding="utf-8"))
            head, mac = anchor["head"], anchor["mac"]
            genuine = (
                isinstance(head, str)
                and isinstance(mac, str)
                and hmac.compare_digest(mac, self._anchor_mac(head))
            )
        except FileNotFoundError:
            return None, (
                f"The end of the audit trail cannot be checked: its anchor ({AUDIT_ANCHOR_FILE}, kept beside the "
                "database) is missing, so the newest events may have been removed with it. Restore the home "
                "folder from a backup, or tell whoever looks after this laptop's records."
            )
        except (OSError, ValueError, KeyError, TypeError):
            genuine = False
        if not genuine:
            return None, (
                f"The end of the audit trail cannot be checked: its anchor ({AUDIT_ANCHOR_FILE}) is damaged or was "
                "not written with this store's key. Restore the home folder from a backup, or tell whoever looks "
                "after this laptop's records."
            )
        return str(head), None

    def verify_audit(self) -> AuditReport:
        """Walks the chain: an edited event no longer matches its hash; a removed one breaks the link;
        and (an encrypted store in a home) the head anchored outside the database must be in it, so
        the newest events cannot be removed together with the database's own note of the head."""
        previous = "0" * 64
        checked = 0
        anchored, anchor_problem = (None, None)
        if self.home is not None and self._anchor_key is not None:
            anchored, anchor_problem = self._anchored_head()
        anchor_seen = False
        with self.session() as session:
            for audit_event in session.scalars(select(AuditEvent).order_by(AuditEvent.id)):
                fields = (
                    audit_event.at,
                    audit_event.actor,
                    audit_event.action,
                    audit_event.record_uuid,
                    audit_event.details,
                )
                expected = self._event_hash(audit_event.previous_hash, fields)
                if audit_event.previous_hash != previous:
                    return AuditReport(
                        False,
                        checked,
                        audit_event.id,
                        f"Audit event {audit_event.id} ({audit_event.at}, {audit_event.action}) does not follow the event before it: an event has been removed or reordered.",
                    )
                if audit_event.hash != expected:
                    return AuditReport(
                        False,
                        checked,
                        audit_event.id,
                        f"Audit event {audit_event.id} ({audit_event.at}, {audit_event.action}) has been changed since it was written.",
                    )
                previous = audit_event.hash
                checked += 1
                anchor_seen = anchor_seen or audit_event.hash == anchored
            head = session.get(Meta, "audit.head")
            if head is not None and head.value != previous:
                return AuditReport(
                    False,
                    checked,
                    None,
                    f"The newest audit events have been removed: the trail ends after {checked} events, "
                    "but it had reached a later event.",
                )
        if anchor_problem is not None:
            return AuditReport(False, checked, None, anchor_problem)
        if anchored is not None and not anchor_seen:
            return AuditReport(
                False,
                checked,
                None,
                f"The newest audit events have been removed: the trail ends after {checked} events, but its "
                f"anchor outside the database ({AUDIT_ANCHOR_FILE}) names a later event that is no longer there.",
            )
        return AuditReport(
            True,
            checked,
            None,
            f"The audit trail is intact: {checked} event{'s' if checked != 1 else ''} checked.",
        )

    # Children ------------------------------------------------------------------------------------------

    def find_children(
        self, given_names: str, family_name: str, date_of_birth: dt.date | None
    ) -> list[ChildMatch]:
        """Children who may be this one: the same family name and date of birth, or names that nearly match."""
        family = fold(family_name)
        if not family:
            return []
        wanted = fold(f"{given_names} {family_name}")
        with self.session() as session:
            candidates = list(
                session.scalars(
                    select(Child).where(
                        or_(Child.family_key == family, Child.family_key.like(family[:3] + "%"))
                    )
                )
            )
        import difflib  # noqa: PLC0415

        found: list[ChildMatch] = []
        for child in candidates:
            same_birth = date_of_birth is not None and child.date_of_birth == date_of_birth
            exact = child.family_key == family and same_birth
            close = difflib.SequenceMatcher(None, child.name_key, wanted).ratio() >= 0.8 and (
                same_birth or date_of_birth is None or child.date_of_birth is None
            )
            if exact or close or (child.family_key == family and same_birth):
                found.append(
                    ChildMatch(
                        child.uuid,
                        f"{child.given_names} {child.family_name}".strip(),
                        child.date_of_birth,
                        exact,
                        child.given_names,
                        child.family_name,
                        child.expected_date,
                    )
                )
        return sorted(found, key=lambda m: (not m.exact, m.name))

    def possible_matches(
        self, people: Mapping[str, tuple[str, str, dt.date | None]]
    ) -> dict[str, list[ChildMatch]]:
        """For each key's child (given names, family name, date of birth), the stored children with the
        same family name and date of birth and nearly the same given names: who a new child from a
        bundle may be (never merged by
        this; a person decides). One query for each 500 family names."""
        import difflib  # noqa: PLC0415

        wanted = {
            key: (fold(family), born, fold(given))
            for key, (given, family, born) in people.items()
            if fold(family) and born
        }
        by_family: dict[str, list[Child]] = {}
        with self.session() as session:
            for chunk in _chunks(sorted({family for family, _, _ in wanted.values()})):
                for child in session.scalars(select(Child).where(Child.family_key.in_(chunk))):
                    by_family.setdefault(child.family_key, []).append(child)
        found: dict[str, list[ChildMatch]] = {}
        for key, (family, born, given) in wanted.items():
            matches = [
                ChildMatch(
                    c.uuid,
                    f"{c.given_names} {c.family_name}".strip(),
                    c.date_of_birth,
                    True,
                    c.given_names,
                    c.family_name,
                    c.expected_date,
                )
                for c in by_family.get(family, [])
                # Twins share a family name and a birthday: the given names must nearly match too.
                if c.date_of_birth == born
                and difflib.SequenceMatcher(None, fold(c.given_names), given).ratio() >= 0.8
            ]
            if matches:
                found[key] = sorted(matches, key=lambda m: m.name)
        return found

    def child_of(self, record_id: str) -> str | None:
        """The id of the child a record is about (None for a record with no child named yet)."""
        with self.session() as session:
            record = self._record(session, record_id)
            return record.case.child.uuid if record.case is not None else None

    def child_case(self, child_id: str) -> tuple[ChildMatch, list[RecordInfo]]:
        """The child as stored, and the records (not deleted) of their open case, most recently
        changed first: what a new record for this child starts from. No open case: no records."""
        with self.session() as session:
            child = session.scalars(select(Child).where(Child.uuid == child_id)).first()
            if child is None:
                raise CafError(f"There is no child {child_id!r} in the store.")
            case = session.scalars(
                select(Case).where(Case.child_id == child.id, Case.status == "open").order_by(Case.id.desc())
            ).first()
            rows = (
                session.scalars(
                    select(Record)
                    .where(Record.case_id == case.id, Record.deleted_at.is_(None))
                    .order_by(Record.updated_at.desc(), Record.id.desc())
                ).all()
                if case is not None
                else []
            )
            facts = ChildMatch(
                child.uuid,
                f"{child.given_names} {child.family_name}".strip(),
                child.date_of_birth,
                True,
                child.given_names,
                child.family_name,
                child.expected_date,
            )
            return facts, [_info(row) for row in rows]

    def starting_document(self, definition: FormDefinition, child_id: str) -> dict[str, Any]:
        """What a new record of `definition` for this child starts with, from the child's open case
        (`caf_desktop.practice.case_start`): the stored names, the CAF reference, the lead professional and,
        for a TAC review, the open actions of the last TAC plan."""
        from caf_desktop.practice import case_start  # noqa: PLC0415

        child, records = self.child_case(child_id)
        return case_start.starting_document(
            definition,
            case_start.ChildFacts(
                child.given_names, child.family_name, child.date_of_birth, child.expected_date
            ),
            [case_start.CaseDocument(r.form_id, r.document, r.updated) for r in records],
        )

    def _child_for(self, session: Session, summary: Summary, child_id: str | None) -> Child | None:
        if child_id is not None:
            child = session.scalars(select(Child).where(Child.uuid == child_id)).first()
            if child is None:
                raise CafError(f"There is no child {child_id!r} in the store.")
            return child
        if not summary.family_name and not summary.given_names:
            return None
        moment = now()
        child = Child(
            uuid=str(uuid_module.uuid4()),
            given_names=summary.given_names,
            family_name=summary.family_name,
            name_key=fold(summary.child_name),
            family_key=fold(summary.family_name),
            date_of_birth=summary.date_of_birth,
            expected_date=summary.expected_date,
            sex=summary.sex,
            address=summary.address,
            created_at=moment,
            updated_at=moment,
        )
        session.add(child)
        session.flush()
        return child

    def _case_for(self, session: Session, child: Child | None) -> Case | None:
        if child is None:
            return None
        case = session.scalars(
            select(Case).where(Case.child_id == child.id, Case.status == "open").order_by(Case.id.desc())
        ).first()
        if case is None:
            moment = now()
            case = Case(
                uuid=str(uuid_module.uuid4()),
                child_id=child.id,
                status="open",
                opened=moment.date(),
                created_at=moment,
                updated_at=moment,
            )
            session.add(case)
            session.flush()
        return case

    # Records --------------------------------------------------------------------------------------------

    def _record(self, session: Session, record_id: str, *, for_update: bool = False) -> Record:
        statement = select(Record).where(Record.uuid == record_id)
        if for_update:
            statement = statement.with_for_update()  # two coordinators saving one record take turns
        record = session.scalars(statement).first()
        if record is None:
            raise RecordNotFound(record_id)
        return record

    @staticmethod
    def _copy_summary(record: Record, summary: Summary) -> None:
        for key, value in _summary_values(record.form_id, summary).items():
            setattr(record, key, value)

    def _update_case(self, record: Record, summary: Summary) -> None:
        case = record.case
        if case is None:
            return
        from caf_desktop.practice.drift import CaseRecord, drift_flags  # noqa: PLC0415

        records = [record, *(r for r in case.records if r is not record)]
        flags = drift_flags(
            [CaseRecord(r.form_id, r.document, as_utc(r.created_at) or now()) for r in records], now().date()
        )
        case.attention = " ".join(f.message for f in flags) or None
        if summary.level is not None:
            case.agreed_level = summary.level
        if summary.lead_professional:
            case.lead_professional = summary.lead_professional
        if summary.next_review is not None:
            case.next_review = summary.next_review
        if _closes_case(record.status, summary):
            case.status, case.closed, case.attention = "closed", summary.closed_on, None
        case.updated_at = now()

    def refresh_attention(self, today: dt.date | None = None, *, force: bool = False) -> int:
        """Works drift out again for every open case with a TAC record, once a day: a review becomes
        overdue as days pass, with nobody saving anything. Returns how many cases changed."""
        from caf_desktop.practice.drift import CaseRecord, drift_flags  # noqa: PLC0415

        today = today or now().date()
        changed = 0
        with self.session() as session:
            done = session.get(Meta, "attention.refreshed_on")
            if done is not None and done.value == today.isoformat() and not force:
                return 0
            cases = session.scalars(
                select(Case)
                .where(Case.status == "open")
                .where(
                    Case.id.in_(
                        select(Record.case_id).where(
                            Record.form_id.in_(("tac-meeting", "tac-review")), Record.deleted_at.is_(None)
                        )
                    )
                )
            ).all()
            for case in cases:
                records = [r for r in case.records if r.deleted_at is None]
                records.sort(key=lambda r: r.updated_at, reverse=True)
                flags = drift_flags(
                    [CaseRecord(r.form_id, r.document, as_utc(r.created_at) or now()) for r in records], today
                )
                attention = " ".join(f.message for f in flags) or None
                if attention != case.attention:
                    case.attention = attention
                    changed += 1
            session.merge(Meta(key="attention.refreshed_on", value=today.isoformat()))
        return changed

    def _update_consents(self, session: Session, record: Record, *, fresh: bool = False) -> None:
        """Copies the document's consents into their rows (`fresh`: the record is new, so it has none yet
        and looking them up can be skipped)."""
        for kind, values in _consent_values(record.document).items():
            row = (
                None
                if fresh
                else session.scalars(
                    select(Consent).where(Consent.record_id == record.id, Consent.kind == kind)
                ).first()
            )
            if row is None:
                row = Consent(record_id=record.id, kind=kind)
                session.add(row)
            for key, value in values.items():
                setattr(row, key, value)
            row.updated_at = now()

    def add_record(
        self,
        definition: FormDefinition,
        document: dict[str, Any],
        *,
        status: str = "draft",
        child_id: str | None = None,
        record_id: str | None = None,
    ) -> RecordInfo:
        """Stores a document as a new record (and its first revision); joins or makes the child's case."""
        summary = summarise(definition, document)
        moment = now()
        with self.session() as session:
            child = self._child_for(session, summary, child_id)
            case = self._case_for(session, child)
            record = Record(
                uuid=record_id or str(uuid_module.uuid4()),
                case=case,
                form_id=definition.id,
                form_version=definition.version,
                definition_digest=definition.digest,
                status=status,
                document=document,
                version=1,
                author=self._actor,
                created_at=moment,
                updated_at=moment,
                saved_at=moment,
            )
            self._copy_summary(record, summary)
            session.add(record)
            session.flush()
            session.add(
                Revision(
                    record_id=record.id,
                    number=1,
                    status=status,
                    document=document,
                    reason="created",
                    author=self._actor,
                    created_at=moment,
                )
            )
            self._update_case(record, summary)
            self._update_consents(session, record)
            self._audit(session, "created", record.uuid, {"form": definition.key})
            return _info(record)

    def get(self, record_id: str) -> RecordInfo:
        with self.session() as session:
            return _info(self._record(session, record_id))

    def case_records(self, record_id: str) -> list[RecordInfo]:
        """The record and the others of its child's case (not deleted), most recently saved first."""
        with self.session() as session:
            record = self._record(session, record_id)
            if record.case_id is None:
                return [_info(record)]
            rows = session.scalars(
                select(Record)
                .where(Record.case_id == record.case_id, Record.deleted_at.is_(None))
                .order_by(Record.updated_at.desc(), Record.id.desc())
            ).all()
            return [_info(row) for row in rows]

    def consent_sources(self, record_ids: Sequence[str]) -> dict[str, ConsentSources]:
        """For each record, the documents (their consent-bearing parts only) that `case_records` would
        give, own first: three queries for all the records, not several per record. `RecordNotFound`
        for the first id (in the order given) that is not in the store."""
        wanted = list(dict.fromkeys(record_ids))
        parts = [Record.document[part].label(part) for part in CONSENT_PARTS]
        with self.session() as session:
            # The columns before the document only: reading those after it would read the document too.
            rows: dict[str, Any] = {}
            for chunk in _chunks(wanted):
                rows.update(
                    (row.uuid, row)
                    for row in session.execute(
                        select(
                            Record.id, Record.uuid, Record.case_id, Record.form_id, Record.form_version
                        ).where(Record.uuid.in_(chunk))
                    )
                )
            for record_id in wanted:
                if record_id not in rows:
                    raise RecordNotFound(record_id)
            case_ids = sorted({row.case_id for row in rows.values() if row.case_id is not None})
            caseless = sorted(row.id for row in rows.values() if row.case_id is None)
            by_case: dict[int, list[tuple[str, dict[str, Any]]]] = {}
            read: dict[str, tuple[str, dict[str, Any]]] = {}  # by record id: child's name, parts
            for chunk in _chunks(case_ids):
                statement = (
                    select(Record.uuid, Record.case_id, Record.child_name, Record.deleted_at, *parts)
                    .where(Record.case_id.in_(chunk))
                    .order_by(Record.case_id, Record.updated_at.desc(), Record.id.desc())
                )
                for row in session.execute(statement):
                    read[row.uuid] = (row.child_name, _consent_parts(row))
                    if row.deleted_at is None:
                        by_case.setdefault(row.case_id, []).append((row.uuid, read[row.uuid][1]))
            for chunk in _chunks(caseless):
                statement = select(Record.uuid, Record.child_name, *parts).where(Record.id.in_(chunk))
                for row in session.execute(statement):
                    read[row.uuid] = (row.child_name, _consent_parts(row))
        sources: dict[str, ConsentSources] = {}
        for record_id in wanted:
            row = rows[record_id]
            child, own = read[record_id]
            if row.case_id is None:
                documents = [(record_id, own)]
            else:
                case = by_case.get(row.case_id, [])  # the record itself is not there if it is deleted
                documents = [d for d in case if d[0] == record_id] + [d for d in case if d[0] != record_id]
            sources[record_id] = ConsentSources(
                record_id=record_id,
                form_id=row.form_id,
                form_version=row.form_version,
                child=child,
                documents=tuple(documents),
            )
        return sources

    def autosave(
        self, record_id: str, document: dict[str, Any], definition: FormDefinition | None = None
    ) -> None:
        """Keeps the working copy, cheaply: no revision. The first autosave after a save is audited as
        an edit; the ones after it are not (every two seconds of typing is not an event)."""
        with self.session() as session:
            record = self._record(session, record_id)
            first_since_save = record.autosaved_at is None
            self._unshare_revisions(session, record)
            record.document = document
            record.autosaved_at = now()
            record.updated_at = record.autosaved_at
            if definition is not None:
                self._copy_summary(record, summarise(definition, document))
            if first_since_save:
                self._audit(session, "edited", record.uuid, {"version": record.version})

    def save(
        self,
        record_id: str,
        document: dict[str, Any],
        definition: FormDefinition,
        *,
        status: str | None = None,
        reason: str = "saved",
    ) -> RevisionInfo:
        """An explicit save (or marking complete): the working copy becomes a new revision."""
        moment = now()
        with self.session() as session:
            record = self._record(session, record_id, for_update=True)
            if status is not None:
                record.status = status
            self._unshare_revisions(session, record)
            record.document = document
            record.version += 1
            record.saved_at = moment
            record.autosaved_at = None
            record.updated_at = moment
            summary = summarise(definition, document)
            self._copy_summary(record, summary)
            self._update_case(record, summary)
            self._update_consents(session, record)
            number = (
                session.scalar(select(func.max(Revision.number)).where(Revision.record_id == record.id)) or 0
            ) + 1
            revision = Revision(
                record_id=record.id,
                number=number,
                status=record.status,
                document=document,
                reason=reason,
                author=self._actor,
                created_at=moment,
            )
            session.add(revision)
            action = "completed" if status == "complete" else "changed"
            self._audit(session, action, record.uuid, {"revision": number, "version": record.version})
            return RevisionInfo(number, record.status, reason, self._actor, moment, document)

    def revisions(self, record_id: str) -> list[RevisionInfo]:
        with self.session() as session:
            record = self._record(session, record_id)
            rows = session.scalars(
                select(Revision).where(Revision.record_id == record.id).order_by(Revision.number)
            )
            return [
                RevisionInfo(
                    r.number,
                    r.status,
                    r.reason,
                    r.author,
                    as_utc(r.created_at) or now(),
                    r.document if r.document is not None else record.document,
                )
                for r in rows
            ]

    @staticmethod
    def _unshare_revisions(session: Session, record: Record) -> None:
        """Gives a revision that shares the record's document (`Revision.document` None, as an import
        writes them) its own copy, in the database, before the record's document is replaced. Every
        change to `Record.document` calls this first; it costs an indexed look at the record's
        revisions when none is shared."""
        session.execute(
            update(Revision)
            .where(Revision.record_id == record.id, Revision.document.is_(None))
            .values(document=select(Record.document).where(Record.id == record.id).scalar_subquery())
            .execution_options(synchronize_session=False)
        )

    def restore(self, record_id: str, number: int, definition: FormDefinition) -> RevisionInfo:
        """Makes an earlier revision current again, as a new revision (nothing is rewritten)."""
        chosen = next((r for r in self.revisions(record_id) if r.number == number), None)
        if chosen is None:
            raise CafError(f"Record {record_id} has no revision {number}.")
        return self.save(record_id, chosen.document, definition, reason=f"restored from revision {number}")

    def set_status(self, record_id: str, status: str) -> None:
        if status not in STATUSES:
            raise CafError(f"{status!r} is not a record status; use one of {', '.join(STATUSES)}.")
        with self.session() as session:
            record = self._record(session, record_id)
            record.status = status
            record.updated_at = now()
            self._audit(session, f"status {status}", record.uuid, {})

    def delete(self, record_id: str) -> None:
        """Soft delete: hidden from the case list, kept for the retention period, undoable until then."""
        with self.session() as session:
            record = self._record(session, record_id)
            record.deleted_at = now()
            self._audit(session, "deleted", record.uuid, {})

    def undelete(self, record_id: str) -> None:
        with self.session() as session:
            record = self._record(session, record_id)
            record.deleted_at = None
            self._audit(session, "undeleted", record.uuid, {})

    def purge_deleted(
        self, *, older_than_days: int = RETENTION_DAYS_AFTER_DELETE, at: dt.datetime | None = None
    ) -> int:
        """Removes for good the records deleted more than `older_than_days` ago, with their revisions."""
        cutoff = (at or now()) - dt.timedelta(days=older_than_days)
        with self.session() as session:
            doomed = list(session.scalars(select(Record).where(Record.deleted_at.is_not(None))))
            doomed = [r for r in doomed if (as_utc(r.deleted_at) or now()) < cutoff]
            for record in doomed:
                session.execute(delete(Revision).where(Revision.record_id == record.id))
                session.execute(delete(Consent).where(Consent.record_id == record.id))
                session.execute(
                    delete(SafeguardingAcknowledgement).where(
                        SafeguardingAcknowledgement.record_id == record.id
                    )
                )
                self._audit(session, "purged", record.uuid, {})
                session.delete(record)
            return len(doomed)

    # Safeguarding ----------------------------------------------------------------------------------------

    def acknowledge_safeguarding(self, record_id: str, causes: Sequence[str]) -> Acknowledgement:
        """Keeps that the store's user acknowledged the safeguarding banner of the record's current
        version, for these causes (indicator ids, `immediate-danger`), and audits it."""
        moment = now()
        with self.session() as session:
            record = self._record(session, record_id)
            kept = sorted(set(causes))
            session.add(
                SafeguardingAcknowledgement(
                    record_id=record.id, version=record.version, causes=kept, actor=self._actor, at=moment
                )
            )
            self._audit(
                session, "safeguarding acknowledged", record.uuid, {"version": record.version, "causes": kept}
            )
            return Acknowledgement(record.uuid, record.version, tuple(kept), self._actor, moment)

    def safeguarding_acknowledgement(self, record_id: str, causes: Sequence[str]) -> Acknowledgement | None:
        """The newest acknowledgement of the record's current version that covers every one of
        `causes`; None when the banner must be answered again (docs/decisions.md, "Safeguarding")."""
        from caf_desktop.practice.safeguarding import covers  # noqa: PLC0415

        with self.session() as session:
            record = self._record(session, record_id)
            rows = session.scalars(
                select(SafeguardingAcknowledgement)
                .where(
                    SafeguardingAcknowledgement.record_id == record.id,
                    SafeguardingAcknowledgement.version == record.version,
                )
                .order_by(SafeguardingAcknowledgement.id.desc())
            )
            for row in rows:
                if covers(row.causes, causes):
                    return Acknowledgement(
                        record.uuid, row.version, tuple(row.causes), row.actor, as_utc(row.at) or now()
                    )
            return None

    # The case list ---------------------------------------------------------------------------------------

    def _filtered(self, query: RecordQuery) -> Any:
        statement = select(Record)
        if not query.include_deleted:
            statement = statement.where(Record.deleted_at.is_(None))
        if query.search.strip():
            for word in fold(query.search).split():
                escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                statement = statement.where(Record.search_key.like(f"%{escaped}%", escape="\\"))
        if query.statuses:
            statement = statement.where(Record.status.in_(list(query.statuses)))
        if query.levels:
            statement = statement.where(Record.level.in_(list(query.levels)))
        return statement

    def count(self, query: RecordQuery | None = None) -> int:
        query = query or RecordQuery()
        with self.session() as session:
            return int(
                session.scalar(select(func.count()).select_from(self._filtered(query).subquery())) or 0
            )

    def list_records(self, query: RecordQuery | None = None) -> list[RecordInfo]:
        """A page of the case list. Documents are not loaded (their `document` is empty): use `get`."""
        query = query or RecordQuery()
        column = _ORDER_COLUMNS.get(query.order_by, Record.updated_at)
        # Blank values last either way, and the same on SQLite and PostgreSQL.
        order = (column.desc() if query.descending else column.asc()).nulls_last()
        tie_break = Record.id.desc() if query.descending else Record.id.asc()  # follows the index's order
        if query.order_by == "attention":
            return self._list_by_attention(query)
        orders = [order, tie_break]
        statement = self._filtered(query).order_by(*orders).offset(query.offset)
        if query.limit is not None:
            statement = statement.limit(query.limit)
        with self.session() as session:
            return self._page(session, [statement])

    def _list_by_attention(self, query: RecordQuery) -> list[RecordInfo]:
        """The case list's default order: the records of cases flagged for safeguarding, then the
        others, each part newest first (`descending=False` turns both round). The flagged records
        are few: their ids come through two indexes and are ordered here; the others are one walk of
        `ix_records_list` that leaves those ids out. (The flag as an SQL condition made SQLite read
        every row to count the flagged ones: seconds at 100,000 records.)"""
        base = self._filtered(query)
        by_change = (
            (Record.updated_at.desc(), Record.id.desc())
            if query.descending
            else (Record.updated_at.asc(), Record.id.asc())
        )
        with self.session() as session:
            flagged_ids = sorted(session.scalars(_flagged_record_ids()))
            matching: list[tuple[Any, int]] = []
            for chunk in _chunks(flagged_ids):
                statement = base.where(Record.id.in_(chunk)).with_only_columns(Record.updated_at, Record.id)
                matching.extend((row.updated_at, row.id) for row in session.execute(statement))
            matching.sort(reverse=query.descending)
            flagged = [row_id for _, row_id in matching]
            others = base.where(Record.id.not_in(_flagged_record_ids())).order_by(*by_change)
            if query.descending:
                in_first = len(flagged)
            else:
                in_first = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
                in_first -= len(flagged)
            end = None if query.limit is None else query.offset + query.limit
            pages: list[Record] = []
            if query.descending:
                pages += self._records_in_order(session, flagged[query.offset : end])
                if end is None or end > in_first:
                    skip = max(0, query.offset - in_first)
                    pages += session.scalars(
                        self._without_documents(
                            others.offset(skip).limit(
                                None if end is None else end - max(query.offset, in_first)
                            )
                        )
                    )
            else:
                if query.offset < in_first:
                    pages += session.scalars(
                        self._without_documents(
                            others.offset(query.offset).limit(
                                None if end is None else min(end, in_first) - query.offset
                            )
                        )
                    )
                if end is None or end > in_first:
                    pages += self._records_in_order(
                        session,
                        flagged[max(0, query.offset - in_first) : None if end is None else end - in_first],
                    )
            return self._marked(session, [_info(r, with_document=False) for r in pages])

    @staticmethod
    def _without_documents(statement: Any) -> Any:
        return statement.options(defer(Record.document), selectinload(Record.case))

    def _records_in_order(self, session: Session, ids: Sequence[int]) -> list[Record]:
        """The records with these ids (without their documents), in the order given."""
        found: dict[int, Record] = {}
        for chunk in _chunks(list(ids)):
            found.update(
                (r.id, r)
                for r in session.scalars(self._without_documents(select(Record).where(Record.id.in_(chunk))))
            )
        return [found[i] for i in ids if i in found]

    def _page(self, session: Session, statements: Sequence[Any]) -> list[RecordInfo]:
        """The rows of the statements, in order, without their documents, marked as `_marked` says."""
        rows = [
            _info(r, with_document=False)
            for statement in statements
            for r in session.scalars(self._without_documents(statement))
        ]
        return self._marked(session, rows)

    @staticmethod
    def _marked(session: Session, rows: list[RecordInfo]) -> list[RecordInfo]:
        """The rows, each marked when its case is flagged for safeguarding (one more query, over this
        page's cases only)."""
        case_ids = sorted({r.case_id for r in rows if r.case_id is not None})
        flagged_cases: set[str] = set()
        for chunk in _chunks(case_ids):
            flagged_cases.update(
                session.scalars(
                    select(Case.uuid).where(Case.uuid.in_(chunk), Case.id.in_(_flagged_open_cases()))
                )
            )
        return [
            dataclasses.replace(r, case_safeguarding=True) if r.case_id in flagged_cases else r for r in rows
        ]

    def unsaved(self) -> list[RecordInfo]:
        """Records whose autosaved working copy is newer than their last save: drafts to recover."""
        with self.session() as session:
            rows = session.scalars(
                select(Record).where(Record.autosaved_at.is_not(None), Record.deleted_at.is_(None))
            )
            return [info for info in (_info(r) for r in rows) if info.has_unsaved_changes]

    # Passphrase and backup (SQLCipher) ---------------------------------------------------------------

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

    # Sync bundles (caf_desktop.sync.bundles; docs/bundles.md) ------------------------------------------------------

    def outgoing_records(self, record_ids: Sequence[str]) -> list[OutgoingRecord]:
        """The records as a bundle carries them, in the order asked: the last saved version of each
        (typing kept by autosave but not yet saved as a version stays here)."""
        rows: dict[str, Record] = {}
        with self.session() as session:
            for chunk in _chunks(list(dict.fromkeys(record_ids))):
                statement = (
                    select(Record)
                    .where(Record.uuid.in_(chunk))
                    .options(selectinload(Record.case).selectinload(Case.child))
                )
                rows.update((r.uuid, r) for r in session.scalars(statement))
            outgoing: list[OutgoingRecord] = []
            for record_id in dict.fromkeys(record_ids):
                record = rows.get(record_id)
                if record is None or record.deleted_at is not None:
                    raise RecordNotFound(record_id)
                document = record.document
                unsaved = record.autosaved_at is not None
                if unsaved:
                    latest = session.scalars(
                        select(Revision)
                        .where(Revision.record_id == record.id)
                        .order_by(Revision.number.desc())
                        .limit(1)
                    ).first()
                    if latest is not None and latest.document is not None:
                        document = latest.document  # else the revision is the record's own document
                case = record.case
                synced = SyncedRecord(
                    id=record.uuid,
                    form_id=record.form_id,
                    form_version=record.form_version,
                    status=record.status,
                    version=record.version,
                    base_version=record.base_version,
                    document=document,
                    author=record.author,
                    updated=_iso(record.saved_at or record.updated_at),
                    child_id=case.child.uuid if case is not None else None,
                    case_id=case.uuid if case is not None else None,
                )
                outgoing.append(OutgoingRecord(synced, unsaved))
            return outgoing

    def changed_since_last_bundle(self, recipient: str, *, received_from: str | None = None) -> list[str]:
        """The records (not deleted) whose current version has not yet gone to `recipient` in a bundle,
        leaving out those received in a bundle and not changed here since. With `received_from` (a
        sender's certificate fingerprint), only records that sender has sent here."""
        with self.session() as session:
            sent = {
                (record_uuid, version)
                for record_uuid, version in session.execute(
                    select(BundleSentRecord.record_uuid, BundleSentRecord.version)
                    .join(BundleSent, BundleSent.id == BundleSentRecord.bundle_id)
                    .where(BundleSent.recipient == recipient, BundleSent.file_sha256.is_not(None))
                )
            }
            statement = select(Record.uuid, Record.version, Record.base_version, Record.autosaved_at).where(
                Record.deleted_at.is_(None)
            )
            if received_from is not None:
                statement = statement.where(
                    Record.uuid.in_(
                        select(BundleReceivedRecord.record_uuid)
                        .join(BundleReceived, BundleReceived.id == BundleReceivedRecord.bundle_id)
                        .where(BundleReceived.sender == received_from)
                    )
                )
            rows = session.execute(statement.order_by(Record.id)).all()
        return [
            uuid
            for uuid, version, base_version, autosaved_at in rows
            if (uuid, version) not in sent and (base_version != version or autosaved_at is not None)
        ]

    def reserve_bundle(self, bundle_id: str, sender: str, recipient: str) -> int:
        """Takes the sender's next sequence number for a bundle about to be written (numbers only grow;
        one taken by a bundle that was never written leaves a gap, which receivers accept)."""
        for attempt in range(_RACE_RETRIES):
            try:
                with self.session() as session:
                    last = session.scalar(
                        select(func.max(BundleSent.sequence)).where(BundleSent.sender == sender)
                    )
                    sequence = (last or 0) + 1
                    session.add(
                        BundleSent(
                            uuid=bundle_id,
                            sender=sender,
                            sequence=sequence,
                            recipient=recipient,
                            created_at=now(),
                        )
                    )
            except StoreUnavailable as error:
                if not _lost_a_race(error) or attempt == _RACE_RETRIES - 1:
                    raise
            else:
                return sequence
        raise AssertionError("unreachable")  # pragma: no cover

    def bundle_written(
        self, bundle_id: str, file_sha256: str, records: Sequence[tuple[str, int]], details: dict[str, Any]
    ) -> None:
        """Remembers what a written bundle holds (for "changed since the last bundle"), and audits it."""
        with self.session() as session:
            sent = session.scalars(select(BundleSent).where(BundleSent.uuid == bundle_id)).one()
            sent.file_sha256 = file_sha256
            if records:  # one executemany, not an ORM object per row
                session.execute(
                    insert(_TABLES["bundle_sent_records"]),
                    [
                        {"bundle_id": sent.id, "record_uuid": record_id, "version": version}
                        for record_id, version in records
                    ],
                )
            self._audit(session, "bundle exported", None, details)

    def forget_bundle(self, bundle_id: str) -> None:
        """Drops the reservation of a bundle that was not written (its sequence number stays unused)."""
        with self.session() as session:
            session.execute(
                delete(BundleSent).where(BundleSent.uuid == bundle_id, BundleSent.file_sha256.is_(None))
            )

    def check_not_imported(self, bundle_id: str, sender: str, sequence: int, file_sha256: str) -> None:
        """`AlreadyImported` if this bundle, or another with its sender and sequence number, was imported.
        Its `what` is "bundle" only when the bundle id is recorded with this very file (`file_sha256`)."""
        with self.session() as session:
            self._check_not_imported(session, bundle_id, sender, sequence, file_sha256)

    @staticmethod
    def _check_not_imported(
        session: Session, bundle_id: str, sender: str, sequence: int, file_sha256: str
    ) -> None:
        earlier = session.scalars(
            select(BundleReceived).where(
                or_(
                    BundleReceived.uuid == bundle_id,
                    (BundleReceived.sender == sender) & (BundleReceived.sequence == sequence),
                )
            )
        ).first()
        if earlier is not None:
            if earlier.uuid != bundle_id:
                what = "sequence"
            elif earlier.file_sha256 == file_sha256:
                what = "bundle"  # the very file imported before: nothing to do
            else:
                what = "changed"  # the same id in another file: a replay, whatever it holds
            raise AlreadyImported(what, as_utc(earlier.received_at))

    def _stored_states(
        self, session: Session, sender: str, record_ids: Sequence[str], *, for_update: bool
    ) -> dict[str, tuple[Record, StoredState]]:
        states: dict[str, tuple[Record, StoredState]] = {}
        for chunk in _chunks(sorted(set(record_ids))):
            statement = select(Record).where(Record.uuid.in_(chunk)).order_by(Record.uuid)
            if for_update:
                # Locked in one order, so two coordinators importing overlapping bundles take turns.
                statement = statement.with_for_update()
            records = list(session.scalars(statement))
            received: dict[str, int] = {  # noqa: C416 - a Result has .keys(): dict() takes it for a mapping
                record_uuid: version
                for record_uuid, version in session.execute(
                    select(BundleReceivedRecord.record_uuid, func.max(BundleReceivedRecord.version))
                    .join(BundleReceived, BundleReceived.id == BundleReceivedRecord.bundle_id)
                    .where(BundleReceived.sender == sender, BundleReceivedRecord.record_uuid.in_(chunk))
                    .group_by(BundleReceivedRecord.record_uuid)
                )
            }
            for record in records:
                states[record.uuid] = (
                    record,
                    StoredState(
                        form_id=record.form_id,
                        version=record.version,
                        base_version=record.base_version,
                        status=record.status,
                        document=record.document,
                        unsaved_typing=record.autosaved_at is not None,
                        received_version=received.get(record.uuid),
                    ),
                )
        return states

    @staticmethod
    def _check_access(session: Session, access: WriteAccess, records: Sequence[SyncedRecord]) -> None:
        """`NotPermitted` unless every stored record the bundle names is the sender's, and every new
        record goes into a case or child that is the sender's or new (docs/bundles.md, "Who may write
        what"). Read from this store's own record of bundles received and sent, never the bundle's."""
        theirs = union(
            select(BundleReceivedRecord.record_uuid.label("uuid"))
            .join(BundleReceived, BundleReceived.id == BundleReceivedRecord.bundle_id)
            .where(
                BundleReceived.sender.in_(access.creators),
                BundleReceivedRecord.outcome == Change.NEW.value,
            ),
            select(BundleSentRecord.record_uuid.label("uuid"))
            .join(BundleSent, BundleSent.id == BundleSentRecord.bundle_id)
            .where(BundleSent.recipient.in_(access.sent_to), BundleSent.file_sha256.is_not(None)),
        ).subquery()
        record_ids = sorted({r.id for r in records})
        stored: set[str] = set()
        allowed: set[str] = set()
        for chunk in _chunks(record_ids):
            stored.update(session.scalars(select(Record.uuid).where(Record.uuid.in_(chunk))))
            allowed.update(session.scalars(select(theirs.c.uuid).where(theirs.c.uuid.in_(chunk)).distinct()))
        new = [r for r in records if r.id not in stored]
        case_ids = sorted({r.case_id for r in new if r.case_id})
        child_ids = sorted({r.child_id for r in new if r.child_id})
        case_child: dict[str, str] = {}  # stored case -> its child
        allowed_cases: set[str] = set()
        stored_children: set[str] = set()
        allowed_children: set[str] = set()
        for chunk in _chunks(case_ids):
            case_child.update(
                session.execute(
                    select(Case.uuid, Child.uuid)
                    .join(Child, Child.id == Case.child_id)
                    .where(Case.uuid.in_(chunk))
                ).all()
            )
            allowed_cases.update(
                session.scalars(
                    select(Case.uuid)
                    .join(Record, Record.case_id == Case.id)
                    .where(Case.uuid.in_(chunk), Record.uuid.in_(select(theirs.c.uuid)))
                    .distinct()
                )
            )
        for chunk in _chunks(child_ids):
            stored_children.update(session.scalars(select(Child.uuid).where(Child.uuid.in_(chunk))))
            allowed_children.update(
                session.scalars(
                    select(Child.uuid)
                    .join(Case, Case.child_id == Child.id)
                    .join(Record, Record.case_id == Case.id)
                    .where(Child.uuid.in_(chunk), Record.uuid.in_(select(theirs.c.uuid)))
                    .distinct()
                )
            )
        trespasses: list[Trespass] = []
        for incoming in sorted(records, key=lambda r: r.id):
            if incoming.id in stored:
                if incoming.id not in allowed:
                    trespasses.append(Trespass("record", incoming.id, incoming.id))
                continue
            if incoming.case_id and incoming.case_id in case_child:
                if incoming.case_id not in allowed_cases:
                    trespasses.append(Trespass("case", incoming.id, incoming.case_id))
                elif incoming.child_id and incoming.child_id != case_child[incoming.case_id]:
                    trespasses.append(Trespass("other-child", incoming.id, incoming.case_id))
            elif incoming.child_id in stored_children and incoming.child_id not in allowed_children:
                assert incoming.child_id is not None  # it is a stored child's id
                trespasses.append(Trespass("child", incoming.id, incoming.child_id))
        if trespasses:
            raise NotPermitted(tuple(trespasses))

    def plan_import(
        self, sender: str, records: Sequence[SyncedRecord], *, access: WriteAccess | None = None
    ) -> list[PlannedChange]:
        """What importing these records from `sender` would do, changing nothing; `NotPermitted` if it
        writes where the sender may not (`access`; by default, the sender's as a worker)."""
        with self.session() as session:
            self._check_access(session, access or WriteAccess.of_worker(sender), records)
            states = self._stored_states(session, sender, [r.id for r in records], for_update=False)
        return [_planned(r, states.get(r.id)) for r in records]

    def apply_import(self, bundle: IncomingBundle) -> ImportOutcome:
        """Applies a verified bundle in one transaction: new records added, updates applied, conflicts
        kept beside the stored record, the bundle remembered (so it cannot be imported again) and
        audited. Two coordinators importing at once take turns on the records they share; whoever loses
        a race for a new row starts again and then finds it there."""
        for attempt in range(_RACE_RETRIES):
            try:
                with self.session() as session:
                    self._wal_kept(session)
                    return self._apply_import(session, bundle)
            except StoreUnavailable as error:
                if not _lost_a_race(error) or attempt == _RACE_RETRIES - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _wal_kept(self, session: Session) -> None:
        """SQLCipher: this transaction's commit leaves its pages in the write-ahead log instead of
        copying them into the database there and then (SQLite's automatic checkpoint, about half the
        time of writing a big bundle). The data is committed either way; `checkpoint()` copies it
        after the import, and the connection checkpoints as usual again once it is given back."""
        if self.engine.dialect.name != "sqlite":
            return
        connection = session.connection()
        connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        connection.info[_WAL_KEPT] = True  # the pooled connection's own info, read at checkin

    def checkpoint(self) -> None:
        """Copies what the write-ahead log holds into the database file (SQLCipher; nothing to do on
        PostgreSQL). Run after importing bundles; it waits for nobody and nobody waits for it."""
        if self.engine.dialect.name != "sqlite":
            return
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
        except DBAPIError as error:
            raise StoreUnavailable(_plain_reason(error)) from error

    def _apply_import(self, session: Session, bundle: IncomingBundle) -> ImportOutcome:
        self._check_not_imported(session, bundle.id, bundle.sender, bundle.sequence, bundle.file_sha256)
        moment = now()
        received = BundleReceived(
            uuid=bundle.id,
            sender=bundle.sender,
            sequence=bundle.sequence,
            team=bundle.team,
            file_sha256=bundle.file_sha256,
            created=bundle.created,
            received_at=moment,
        )
        session.add(received)
        session.flush()  # a second import of the same bundle waits here, then fails and finds it
        states = self._stored_states(session, bundle.sender, [r.id for r in bundle.records], for_update=True)
        # After the locks: what the sender may write is read as the imports before this one left it.
        self._check_access(session, bundle.write_access, bundle.records)
        incoming_records = sorted(bundle.records, key=lambda r: r.id)
        changes = [_planned(incoming, states.get(incoming.id)) for incoming in incoming_records]
        events: list[tuple[str, str | None, dict[str, Any]]] = []
        new = [i for i, c in zip(incoming_records, changes, strict=True) if c.change is Change.NEW]
        if new:
            # New records are most of a bundle: their rows go in by executemany, table by table.
            self._insert_new(session, bundle, new, moment)
            events.extend(
                (
                    "imported from bundle",
                    incoming.id,
                    {"bundle": bundle.id, "version": incoming.version, "form": incoming.form_key},
                )
                for incoming in new
            )
        # Updates and conflicts are rarer, and change stored rows: the ORM does those, flushed once.
        with session.no_autoflush:
            for incoming, planned in zip(incoming_records, changes, strict=True):
                stored = states.get(incoming.id)
                if planned.change is Change.UPDATED and stored is not None:
                    definition = bundle.definitions[incoming.form_key]
                    self._update_from_incoming(session, stored[0], incoming, definition, moment)
                    events.append(
                        (
                            "updated from bundle",
                            incoming.id,
                            {
                                "bundle": bundle.id,
                                "version": incoming.version,
                                "from_version": stored[1].version,
                            },
                        )
                    )
                elif planned.change is Change.CONFLICT and stored is not None:
                    conflict_id = str(uuid_module.uuid4())
                    session.add(
                        SyncConflict(
                            uuid=conflict_id,
                            record_uuid=incoming.id,
                            bundle_uuid=bundle.id,
                            sender=bundle.sender,
                            sender_name=bundle.sender_name,
                            stored_version=stored[1].version,
                            incoming_version=incoming.version,
                            incoming_base_version=incoming.base_version,
                            incoming_status=incoming.status,
                            incoming_form_id=incoming.form_id,
                            incoming_form_version=incoming.form_version,
                            incoming_author=incoming.author,
                            incoming_updated=incoming.updated,
                            incoming_document=incoming.document,
                            received_at=moment,
                        )
                    )
                    events.append(
                        (
                            "sync conflict kept",
                            incoming.id,
                            {
                                "bundle": bundle.id,
                                "conflict": conflict_id,
                                "stored_version": stored[1].version,
                                "incoming_version": incoming.version,
                            },
                        )
                    )
        if incoming_records:
            self._bulk_insert(
                session,
                "bundle_received_records",
                [
                    {
                        "bundle_id": received.id,
                        "record_uuid": incoming.id,
                        "version": incoming.version,
                        "outcome": planned.change.value,
                    }
                    for incoming, planned in zip(incoming_records, changes, strict=True)
                ],
            )
        outcome = ImportOutcome(bundle.id, tuple(changes))
        events.append(
            (
                "bundle imported",
                None,
                {
                    "bundle": bundle.id,
                    "sender": bundle.sender,
                    "sequence": bundle.sequence,
                    "file_sha256": bundle.file_sha256,
                    **{change.value: outcome.count(change) for change in Change},
                },
            )
        )
        self._audit_many(session, events)
        return outcome

    def _audit_many(self, session: Session, events: Sequence[tuple[str, str | None, dict[str, Any]]]) -> None:
        """Appends several events to the chain in one go: the last event is read once, not per event,
        and the events go in by one executemany, in order, so their ids follow the chain."""
        if not events:
            return
        if self.engine.dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(424242)"))  # as `_audit` does
        last = session.scalars(
            select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1).with_for_update()
        ).first()
        previous = last.hash if last is not None else "0" * 64
        rows = []
        for action, record_uuid, details in events:
            at = now().isoformat(timespec="microseconds")
            digest = self._event_hash(previous, (at, self._actor, action, record_uuid, details))
            rows.append(
                {
                    "at": at,
                    "actor": self._actor,
                    "action": action,
                    "record_uuid": record_uuid,
                    "details": details,
                    "previous_hash": previous,
                    "hash": digest,
                }
            )
            previous = digest
        self._bulk_insert(session, "audit_events", rows)
        session.merge(Meta(key="audit.head", value=previous))
        session.info[_AUDIT_HEAD] = previous

    def audit_many(self, events: Sequence[tuple[str, str | None, dict[str, Any]]]) -> None:
        """Records several events (action, record id, details) in one transaction, in order."""
        with self.session() as session:
            self._audit_many(session, events)

    def _bulk_insert(
        self,
        session: Session,
        table_name: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        json_text: str | None = None,
    ) -> None:
        """Inserts rows (all with the same columns) by one executemany, in order. `json_text` names a
        document column whose values are JSON text already made (the bundle's own text of each
        document), bound as they are instead of parsed and encoded again.

        On SQLCipher the driver's executemany is called directly, with each value made by the bind
        processor SQLAlchemy itself would use for its column (dates and times as SQLite stores them,
        JSON encoded, ...): compiling and checking the parameters of each row costs SQLAlchemy about
        as much as SQLite's writing of a bundle's 1,000 records. PostgreSQL goes through SQLAlchemy,
        casting JSON text to JSONB."""
        if not rows:
            return
        table = _TABLES[table_name]
        names = list(rows[0])
        if any(list(row) != names for row in rows):
            raise AssertionError(f"rows for {table_name} must all name the same columns, in the same order")
        dialect = self.engine.dialect
        if dialect.name != "sqlite":
            if json_text is None:
                session.execute(insert(table), rows)
                return
            parameter = f"{json_text}_text"
            statement = insert(table).values({json_text: cast(bindparam(parameter, type_=Text()), JSONB)})
            session.execute(
                statement, [{(parameter if k == json_text else k): v for k, v in row.items()} for row in rows]
            )
            return
        processors = [
            None if name == json_text else table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in names
        ]
        converting = [(i, p) for i, p in enumerate(processors) if p is not None]
        # Most rows of a bundle share their moments (created, saved): each is formatted once.
        formatted: dict[tuple[int, dt.date, Any], Any] = {}
        values = []
        for row in rows:
            made = list(row.values())
            for index, processor in converting:
                value = made[index]
                if value is None:
                    continue
                if isinstance(value, dt.date):  # datetimes too
                    # Equal moments in other time zones are stored as their own wall time.
                    key = (index, value, value.utcoffset() if isinstance(value, dt.datetime) else None)
                    done = formatted.get(key)
                    if done is None:
                        done = formatted[key] = processor(value)
                    made[index] = done
                else:
                    made[index] = processor(value)
            values.append(tuple(made))
        columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
        marks = ", ".join("?" * len(names))
        session.connection().exec_driver_sql(
            f"INSERT INTO {table_name} ({columns}) VALUES ({marks})",  # noqa: S608 - our own table and column names
            values,
        )

    def _insert_made(self, session: Session, table_name: str, made: Sequence[_NewRow]) -> None:
        """Inserts new children or cases by one executemany, and gives each its id (by its uuid)."""
        if not made:
            return
        self._bulk_insert(session, table_name, [row.values for row in made])
        ids = self._ids_of(session, table_name, [row.values["uuid"] for row in made])
        for row in made:
            row.id = ids[row.values["uuid"]]

    def _ids_of(self, session: Session, table_name: str, uuids: Sequence[str]) -> dict[str, int]:
        """The row ids of rows just inserted, by their uuids (a few indexed queries)."""
        table = _TABLES[table_name]
        found: dict[str, int] = {}
        for chunk in _chunks(list(uuids)):
            rows = session.execute(select(table.c.uuid, table.c.id).where(table.c.uuid.in_(chunk)))
            found.update((uuid, id_) for uuid, id_ in rows)
        return found

    def _insert_new(
        self,
        session: Session,
        bundle: IncomingBundle,
        new: Sequence[SyncedRecord],
        moment: dt.datetime,
    ) -> None:
        """New records from a bundle, in the child and case the sender's store had them in (same ids),
        each with its first revision and its consents: the rows the ORM would make of them one by one
        (`add_record`'s), in a few executemany statements for the whole bundle. A child or case already
        stored is taken as it is (and the case updated as a save would); a child named by no stored one
        is made once for all its records, and so is a case."""
        stored_children, stored_cases = self._children_and_cases(session, new)
        children: dict[str, Child | _NewRow] = dict(stored_children)
        cases: dict[str, Case | _NewRow] = dict(stored_cases)
        # The newest open case of each stored child, for a record whose case is not stored (one query).
        open_cases: dict[int, Case] = {}
        for id_chunk in _chunks(sorted(child.id for child in stored_children.values())):
            for open_case in session.scalars(
                select(Case)
                .where(Case.child_id.in_(id_chunk), Case.status == "open")
                .order_by(Case.id.desc())
            ):
                open_cases.setdefault(open_case.child_id, open_case)
        planned: list[tuple[SyncedRecord, FormDefinition, Summary, Case | _NewRow | None]] = []
        in_case: dict[Case | _NewRow, list[tuple[SyncedRecord, Summary]]] = {}
        for incoming in new:
            definition = bundle.definitions[incoming.form_key]
            summary = summarise(definition, incoming.document)  # once per record
            child = children.get(incoming.child_id) if incoming.child_id else None
            if child is None and (summary.family_name or summary.given_names):
                child = _NewRow(
                    {
                        "uuid": incoming.child_id or str(uuid_module.uuid4()),
                        "given_names": summary.given_names,
                        "family_name": summary.family_name,
                        "name_key": fold(summary.child_name),
                        "family_key": fold(summary.family_name),
                        "date_of_birth": summary.date_of_birth,
                        "expected_date": summary.expected_date,
                        "sex": summary.sex,
                        "address": summary.address,
                        "created_at": moment,
                        "updated_at": moment,
                    }
                )
                children[child.values["uuid"]] = child
            case: Case | _NewRow | None = cases.get(incoming.case_id) if incoming.case_id else None
            if case is None and isinstance(child, Child):
                case = open_cases.get(child.id)
            if case is None and child is not None:
                case = _NewRow(
                    {
                        "uuid": incoming.case_id or str(uuid_module.uuid4()),
                        "status": "open",
                        "opened": moment.date(),
                        "created_at": moment,
                    },
                    parent=child,
                )
                cases[case.values["uuid"]] = case
            planned.append((incoming, definition, summary, case))
            if case is not None:
                in_case.setdefault(case, []).append((incoming, summary))

        made_children = [c for c in children.values() if isinstance(c, _NewRow)]
        self._insert_made(session, "children", made_children)
        self._settle_cases(session, in_case, moment)
        self._insert_made(session, "cases", [c for c in cases.values() if isinstance(c, _NewRow)])

        # Each document as JSON text once, for both its rows: the text the bundle held, if given.
        encoded = [
            incoming.document_json if incoming.document_json is not None else json.dumps(incoming.document)
            for incoming, *_ in planned
        ]
        record_rows = []
        for (incoming, definition, summary, its_case), document_json in zip(planned, encoded, strict=True):
            record_rows.append(
                {
                    "uuid": incoming.id,
                    "case_id": its_case.id if its_case is not None else None,
                    "form_id": incoming.form_id,
                    "form_version": incoming.form_version,
                    "definition_digest": definition.digest,
                    "status": incoming.status,
                    "document": document_json,
                    "version": incoming.version,
                    "base_version": incoming.version,
                    "author": incoming.author,
                    "created_at": moment,
                    "updated_at": _parse_iso(incoming.updated) or moment,
                    "saved_at": moment,
                    **_summary_values(incoming.form_id, summary),
                }
            )
        self._bulk_insert(session, "records", record_rows, json_text="document")
        record_ids = self._ids_of(session, "records", [row["uuid"] for row in record_rows])
        # Each first revision shares its record's document (None) instead of a second copy of it.
        self._bulk_insert(
            session,
            "revisions",
            [
                {
                    "record_id": record_ids[incoming.id],
                    "number": 1,
                    "status": incoming.status,
                    "document": None,
                    "reason": f"imported from a bundle (version {incoming.version})",
                    "author": incoming.author,
                    "created_at": moment,
                }
                for incoming, *_ in planned
            ],
        )
        updated_at = now()
        consent_rows = [
            {"record_id": record_ids[incoming.id], "kind": kind, **values, "updated_at": updated_at}
            for incoming, *_ in planned
            for kind, values in _consent_values(incoming.document).items()
        ]
        self._bulk_insert(session, "consents", consent_rows)

    @staticmethod
    def _settle_cases(
        session: Session,
        in_case: dict[Case | _NewRow, list[tuple[SyncedRecord, Summary]]],
        moment: dt.datetime,
    ) -> None:
        """What the new records make of their cases, as `_update_case` would after each one: the drift
        of all the case's records (the last one first, then those stored, then the other new ones), and
        the agreed level, lead professional and next review of the last record that says them."""
        from caf_desktop.practice.drift import CaseRecord, drift_flags  # noqa: PLC0415

        stored: dict[int, list[CaseRecord]] = {}
        stored_ids = sorted(case.id for case in in_case if isinstance(case, Case))
        for id_chunk in _chunks(stored_ids):
            for case_id, form_id, document, created_at in session.execute(
                select(Record.case_id, Record.form_id, Record.document, Record.created_at)
                .where(Record.case_id.in_(id_chunk))
                .order_by(Record.id)
            ):
                stored.setdefault(case_id, []).append(
                    CaseRecord(form_id, document, as_utc(created_at) or now())
                )
        for case, members in in_case.items():
            added = [CaseRecord(incoming.form_id, incoming.document, moment) for incoming, _ in members]
            before = stored.get(case.id, []) if isinstance(case, Case) else []
            flags = drift_flags([added[-1], *before, *added[:-1]], now().date())
            # The same keys for every case, in the same order (new cases go in by one executemany).
            values: dict[str, Any] = (
                {
                    "agreed_level": case.agreed_level,
                    "lead_professional": case.lead_professional,
                    "next_review": case.next_review,
                    "status": case.status,
                    "closed": case.closed,
                }
                if isinstance(case, Case)
                else {
                    "agreed_level": None,
                    "lead_professional": None,
                    "next_review": None,
                    "status": "open",
                    "closed": None,
                }
            )
            values["attention"] = " ".join(f.message for f in flags) or None
            for incoming, summary in members:
                if summary.level is not None:
                    values["agreed_level"] = summary.level
                if summary.lead_professional:
                    values["lead_professional"] = summary.lead_professional
                if summary.next_review is not None:
                    values["next_review"] = summary.next_review
                if _closes_case(incoming.status, summary):
                    values |= {"status": "closed", "closed": summary.closed_on, "attention": None}
            values["updated_at"] = now()
            if isinstance(case, Case):
                for key, value in values.items():
                    setattr(case, key, value)
            else:
                parent = case.parent
                assert parent is not None  # a case is made for a child
                assert parent.id is not None  # who is in by now
                case.values |= values | {"child_id": parent.id}

    @staticmethod
    def _children_and_cases(
        session: Session, incoming: Sequence[SyncedRecord]
    ) -> tuple[dict[str, Child], dict[str, Case]]:
        """The children and cases already stored that incoming records name, by id (two queries)."""
        child_ids = sorted({r.child_id for r in incoming if r.child_id})
        case_ids = sorted({r.case_id for r in incoming if r.case_id})
        children: dict[str, Child] = {}
        cases: dict[str, Case] = {}
        for chunk in _chunks(child_ids):
            children.update((c.uuid, c) for c in session.scalars(select(Child).where(Child.uuid.in_(chunk))))
        for chunk in _chunks(case_ids):
            cases.update((c.uuid, c) for c in session.scalars(select(Case).where(Case.uuid.in_(chunk))))
        return children, cases

    def _replace_document(
        self,
        session: Session,
        record: Record,
        definition: FormDefinition,
        document: dict[str, Any],
        *,
        status: str,
        version: int,
        base_version: int,
        reason: str,
        author: str,
        moment: dt.datetime,
    ) -> None:
        self._unshare_revisions(session, record)
        number = session.scalar(select(func.max(Revision.number)).where(Revision.record_id == record.id)) or 0
        if record.autosaved_at is not None and record.document != document:
            # Typing kept but never saved is kept as a version before it is replaced.
            number += 1
            session.add(
                Revision(
                    record_id=record.id,
                    number=number,
                    status=record.status,
                    document=record.document,
                    reason="unsaved typing, kept before a sync change",
                    author=self._actor,
                    created_at=moment,
                )
            )
        record.form_id = definition.id
        record.form_version = definition.version
        record.definition_digest = definition.digest
        record.status = status
        record.document = document
        record.version = version
        record.base_version = base_version
        record.saved_at = moment
        record.autosaved_at = None
        record.updated_at = moment
        summary = summarise(definition, document)
        self._copy_summary(record, summary)
        self._update_case(record, summary)
        self._update_consents(session, record)
        session.add(
            Revision(
                record_id=record.id,
                number=number + 1,
                status=status,
                document=document,
                reason=reason,
                author=author,
                created_at=moment,
            )
        )

    def _update_from_incoming(
        self,
        session: Session,
        record: Record,
        incoming: SyncedRecord,
        definition: FormDefinition,
        moment: dt.datetime,
    ) -> None:
        self._replace_document(
            session,
            record,
            definition,
            incoming.document,
            status=incoming.status,
            version=incoming.version,
            base_version=incoming.version,
            reason=f"updated from a bundle (version {incoming.version})",
            author=incoming.author,
            moment=moment,
        )
        record.updated_at = _parse_iso(incoming.updated) or moment

    def conflicts(self, *, include_resolved: bool = False) -> list[ConflictInfo]:
        """Incoming versions kept beside stored records, oldest first; resolved ones only if asked."""
        with self.session() as session:
            statement = select(SyncConflict).order_by(SyncConflict.id)
            if not include_resolved:
                statement = statement.where(SyncConflict.resolved_at.is_(None))
            return [_conflict_info(c) for c in session.scalars(statement)]

    def conflict(self, conflict_id: str) -> ConflictInfo:
        with self.session() as session:
            found = session.scalars(select(SyncConflict).where(SyncConflict.uuid == conflict_id)).first()
            if found is None:
                raise ConflictNotFound(conflict_id)
            return _conflict_info(found)

    def resolve_conflict(
        self,
        conflict_id: str,
        keep: str,
        definition: FormDefinition,
        document: dict[str, Any] | None = None,
    ) -> RecordInfo:
        """Settles a conflict: keep the stored version, the incoming one, or a `document` combined by
        a person (`keep="combined"`). `definition` is the form of the version kept. Nothing is lost:
        the version not kept stays in the record's revisions or in the resolved conflict."""
        if keep not in RESOLUTIONS:
            raise CafError(
                f"{keep!r} is not a way to settle a conflict; use one of {', '.join(RESOLUTIONS)}."
            )
        if (keep == "combined") != (document is not None):
            raise CafError("A combined version needs its document, and only a combined version takes one.")
        moment = now()
        with self.session() as session:
            conflict = session.scalars(
                select(SyncConflict).where(SyncConflict.uuid == conflict_id).with_for_update()
            ).first()
            if conflict is None:
                raise ConflictNotFound(conflict_id)
            if conflict.resolved_at is not None:
                raise CafError(
                    f"The sync conflict {conflict_id} was already settled by {conflict.resolved_by} "
                    f"(kept {conflict.resolution}); nothing was changed."
                )
            record = self._record(session, conflict.record_uuid, for_update=True)
            newer = max(record.version, conflict.incoming_version) + 1
            if keep == "incoming":
                # The incoming version as it is: both sides now hold the same version.
                self._replace_document(
                    session,
                    record,
                    definition,
                    conflict.incoming_document,
                    status=conflict.incoming_status,
                    version=conflict.incoming_version,
                    base_version=conflict.incoming_version,
                    reason=f"sync conflict settled: kept the version from {conflict.sender_name}",
                    author=self._actor,
                    moment=moment,
                )
            else:
                # A new version here, built on the incoming one, so that the other side takes it as an
                # update when it comes back to them.
                self._replace_document(
                    session,
                    record,
                    definition,
                    record.document if document is None else document,
                    status=record.status,
                    version=newer,
                    base_version=conflict.incoming_version,
                    reason="sync conflict settled: "
                    + ("kept this copy" if keep == "stored" else "combined both versions"),
                    author=self._actor,
                    moment=moment,
                )
            conflict.resolved_at = moment
            conflict.resolution = keep
            conflict.resolved_by = self._actor
            self._audit(
                session,
                "sync conflict settled",
                record.uuid,
                {"conflict": conflict_id, "kept": keep, "version": record.version},
            )
            return _info(record)


_RACE_RETRIES = 5
# PostgreSQL's unique violation, deadlock and serialisation failure: another writer got there first.
_RACE_STATES = frozenset({"23505", "40P01", "40001"})


def _lost_a_race(error: StoreUnavailable) -> bool:
    cause = error.__cause__
    if isinstance(cause, IntegrityError):
        return True
    state = getattr(getattr(cause, "orig", None), "sqlstate", None)
    return state in _RACE_STATES


@dataclass(eq=False)
class _NewRow:
    """A child or case a bundle's new records need, before it is inserted (then `id` is its id)."""

    values: dict[str, Any]
    parent: Child | _NewRow | None = None  # a case's child
    id: int | None = None


def _chunks(items: list[_T], size: int = 500) -> Iterator[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _consent_parts(row: Any) -> dict[str, Any]:
    """The consent-bearing parts of a document, as `consent_sources` selects them (absent ones left out)."""
    return {part: value for part in CONSENT_PARTS if (value := getattr(row, part)) is not None}


def _iso(moment: dt.datetime | None) -> str:
    return (as_utc(moment) or now()).isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse_iso(text_value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text_value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _planned(incoming: SyncedRecord, stored: tuple[Record, StoredState] | None) -> PlannedChange:
    record, state = stored if stored is not None else (None, None)
    return PlannedChange(
        record_id=incoming.id,
        change=classify(state, incoming),
        form_id=incoming.form_id,
        form_version=incoming.form_version,
        incoming_version=incoming.version,
        stored_version=state.version if state is not None else None,
        child=record.child_name if record is not None else "",
    )


def _conflict_info(conflict: SyncConflict) -> ConflictInfo:
    return ConflictInfo(
        id=conflict.uuid,
        record_id=conflict.record_uuid,
        bundle_id=conflict.bundle_uuid,
        sender=conflict.sender,
        sender_name=conflict.sender_name,
        stored_version=conflict.stored_version,
        incoming_version=conflict.incoming_version,
        incoming_base_version=conflict.incoming_base_version,
        incoming_status=conflict.incoming_status,
        incoming_form_id=conflict.incoming_form_id,
        incoming_form_version=conflict.incoming_form_version,
        incoming_author=conflict.incoming_author,
        incoming_updated=conflict.incoming_updated,
        incoming_document=conflict.incoming_document,
        received=as_utc(conflict.received_at) or now(),
        resolved=as_utc(conflict.resolved_at),
        resolution=conflict.resolution,
        resolved_by=conflict.resolved_by,
    )
