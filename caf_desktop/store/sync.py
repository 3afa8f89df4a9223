"""What the store knows of sync bundles: records as a bundle carries them, the plan of an import, conflicts.

The rules that decide what an incoming record does to the stored one (docs/bundles.md, "What an
import changes") live in `classify`, a pure function, so the GUI's preview, the import itself and the
tests all use the same one.

Versions: `version` counts the saves of a record where it was saved; `base_version` is the version
both sides last agreed on (set when a record is imported, `None` for a record never received). An
incoming record built on the stored version (its `base_version` is the stored `version`) updates it;
so does a newer version of a record that has not been changed here since it was last imported. A
version older than one already received from the same sender changes nothing (a late bundle).
Anything else where the documents differ is a conflict: both versions are kept for a person to decide.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from caf_desktop.common.errors import CafError
from caf_desktop.formengine.definitions import FormDefinition


class Change(StrEnum):
    """What importing one record does."""

    NEW = "new"  # not in the store: added
    UPDATED = "updated"  # a newer version of a record not changed here since: replaces it
    IDENTICAL = "identical"  # the same document and status: nothing to do
    CONFLICT = "conflict"  # both sides changed it: the incoming version is kept beside the stored one
    OUTDATED = "outdated"  # older than a version already received from the same sender: ignored


@dataclass(frozen=True, kw_only=True)
class SyncedRecord:
    """A record as a bundle carries it (`records/<id>.json`)."""

    id: str
    form_id: str
    form_version: str
    status: str
    version: int
    base_version: int | None
    document: dict[str, Any] = field(repr=False)  # never in a log line
    author: str
    updated: str  # ISO 8601 UTC, as the sender's store last changed it
    child_id: str | None = None
    case_id: str | None = None
    # The document as the JSON text it was read from, when a bundle's file holds it: the store keeps
    # that text rather than encoding `document` again. It must be the text `document` was parsed from.
    document_json: str | None = field(default=None, repr=False, compare=False)

    @property
    def form_key(self) -> str:
        return f"{self.form_id}@{self.form_version}"


@dataclass(frozen=True)
class OutgoingRecord:
    """A record to put in a bundle; `unsaved_typing` says its working copy had changes not yet saved
    as a version, which stay on this laptop (a bundle carries saved versions only)."""

    record: SyncedRecord
    unsaved_typing: bool


@dataclass(frozen=True)
class StoredState:
    """What `classify` needs to know of the stored record."""

    form_id: str
    version: int
    base_version: int | None
    status: str
    document: dict[str, Any] = field(repr=False)
    unsaved_typing: bool = False
    received_version: int | None = None  # the newest version already received from the same sender


def classify(stored: StoredState | None, incoming: SyncedRecord) -> Change:
    """What importing `incoming` does to `stored` (see the module's docstring)."""
    if stored is None:
        return Change.NEW
    if (
        stored.form_id == incoming.form_id
        and stored.status == incoming.status
        and stored.document == incoming.document
    ):
        return Change.IDENTICAL
    if stored.form_id != incoming.form_id:
        return Change.CONFLICT  # one id, two forms: a person must look
    if (
        not stored.unsaved_typing
        and incoming.base_version == stored.version
        and incoming.version > stored.version
    ):
        return Change.UPDATED
    if stored.received_version is not None and incoming.version <= stored.received_version:
        return Change.OUTDATED
    unchanged_here = (
        not stored.unsaved_typing
        and stored.base_version is not None
        and stored.version == stored.base_version
    )
    if unchanged_here and incoming.version > stored.version:
        return Change.UPDATED
    if unchanged_here and incoming.version < stored.version:
        return Change.OUTDATED
    return Change.CONFLICT


@dataclass(frozen=True, kw_only=True)
class PlannedChange:
    """One line of an import's preview."""

    record_id: str
    change: Change
    form_id: str
    form_version: str
    incoming_version: int
    stored_version: int | None
    child: str = ""  # the child's name, for the person looking at the preview (never logged)
    # A new record about a new child with the family name and date of birth of a child already here:
    # the stored child's name and date of birth, for a person to check (they are never merged).
    possible_match: str = ""


@dataclass(frozen=True)
class WriteAccess:
    """Whose records a bundle may write, from what this store itself recorded (docs/bundles.md, "Who may
    write what"): never from what the bundle says. A record is theirs when it first arrived here as new
    in a bundle from one of `creators` (certificate fingerprints), or this store sent it in a bundle to
    one of `sent_to` (`bundles_sent.recipient` keys); a stored case or child is theirs when one of
    their records is in it. `role` is the sender's ("worker" or "coordinator"), for the sentence."""

    creators: tuple[str, ...]
    sent_to: tuple[str, ...]
    role: str = "worker"

    @classmethod
    def of_worker(cls, fingerprint: str) -> WriteAccess:
        """A worker's bundle, at the coordinator's: what that worker created or was sent."""
        return cls((fingerprint,), (f"worker:{fingerprint}",), "worker")

    @classmethod
    def of_coordinators(cls, fingerprints: tuple[str, ...], team_id: str) -> WriteAccess:
        """A coordinator's bundle, at a worker's: what the team's coordinators sent here before (any of
        them: they share one store) and what this worker sent to the team."""
        return cls(fingerprints, (f"team:{team_id}",), "coordinator")


@dataclass(frozen=True)
class Trespass:
    """One thing a bundle tried that its sender may not do. `kind`: "record" (change a stored record
    that is not theirs), "case" (add a record to a stored case that is not theirs), "child" (add a
    record to a stored child who is not theirs), "other-child" (name a case and another child)."""

    kind: str
    record_id: str
    target_id: str


class NotPermitted(CafError):
    """A bundle tried to write where its sender may not: the whole bundle is refused."""

    exit_status = 1

    def __init__(self, trespasses: tuple[Trespass, ...]) -> None:
        super().__init__(f"The bundle tries {len(trespasses)} thing(s) its sender may not do.")
        self.trespasses = trespasses


@dataclass(frozen=True, kw_only=True)
class IncomingBundle:
    """A verified bundle, ready to apply: who sent it and what it holds."""

    id: str
    sender: str  # the signer's certificate fingerprint
    sender_name: str
    sequence: int
    team: str
    file_sha256: str
    created: str
    records: tuple[SyncedRecord, ...]
    definitions: dict[str, FormDefinition] = field(repr=False)  # by "form@version"
    # Whose records it may write; None: the sender's as a worker (`WriteAccess.of_worker(sender)`).
    access: WriteAccess | None = None

    @property
    def write_access(self) -> WriteAccess:
        return self.access if self.access is not None else WriteAccess.of_worker(self.sender)


@dataclass(frozen=True)
class ImportOutcome:
    """What applying a bundle did, record by record."""

    bundle_id: str
    changes: tuple[PlannedChange, ...]

    def count(self, change: Change) -> int:
        return sum(1 for c in self.changes if c.change is change)


@dataclass(frozen=True, kw_only=True)
class ConflictInfo:
    """An incoming version kept beside the stored record, waiting for a person."""

    id: str
    record_id: str
    bundle_id: str
    sender: str
    sender_name: str
    stored_version: int
    incoming_version: int
    incoming_base_version: int | None
    incoming_status: str
    incoming_form_id: str
    incoming_form_version: str
    incoming_author: str
    incoming_updated: str
    incoming_document: dict[str, Any] = field(repr=False)
    received: dt.datetime
    resolved: dt.datetime | None = None
    resolution: str | None = None
    resolved_by: str | None = None


RESOLUTIONS = ("stored", "incoming", "combined")


class AlreadyImported(CafError):
    """The bundle, or another with the same sender and sequence number, was imported before.

    `what` says which: "bundle" is this very file again (the bundle id is recorded and the file's
    SHA-256 is the one imported), harmless; "changed" is the same bundle id in a different file (a
    bundle changed or re-made since), and "sequence" another bundle id with a sender's sequence number
    already used: both are replays, refused."""

    exit_status = 1

    def __init__(self, what: str, when: dt.datetime | None) -> None:
        from caf_desktop.common import uk_time  # noqa: PLC0415

        on = f" on {uk_time.spoken(when)}" if when is not None else ""
        if what == "bundle":
            sentence = f"This bundle was already imported{on}; there is nothing to do."
        elif what == "changed":
            sentence = (
                f"A bundle with the same id was already imported{on}, and this file is not the one that was "
                "imported: it was changed or made again since, and was not imported. Ask the sender to export a "
                "new bundle."
            )
        else:
            sentence = (
                f"Another bundle with the same sender and sequence number was already imported{on}: "
                "this one is a replay or a copy, and was not imported. Ask the sender to export a new bundle."
            )
        super().__init__(sentence)
        self.what = what


class ConflictNotFound(CafError):
    def __init__(self, conflict_id: str) -> None:
        super().__init__(
            f"There is no sync conflict {conflict_id!r}. `caf-desktop bundle conflicts` lists them."
        )
