"""Sync bundles: records from a worker's laptop to the locality team, and back, as one signed, encrypted file.

A bundle is standard parts only (DESIGN.md section 6; docs/bundles.md describes the format):

1. a ZIP with `manifest.json` at its root (format, bundle id, team, sender, per-sender sequence number,
   created-at, intended recipients, forms, and the SHA-256 of every other file) and `records/<id>.json`;
2. `manifest.json.p7s` at its root: a detached CMS SignedData (CAdES-BES) over `manifest.json` by the
   sender's certificate, issued by the team's certificate authority;
3. the ZIP encrypted with age to the recipients (the team's coordinators, or one worker) and the sender.

Importing fails closed, in this order: decrypt; open the ZIP safely; verify the signature to the team's
CA (not revoked); check the team, that this user is a recipient, and that the bundle and its sequence
number are new; re-hash every file; refuse a newer format; validate every record against its form;
plan (new, updated, identical, conflict, outdated); apply in one transaction; audit. A rejection is a
`BundleRejected` whose sentence says what was wrong and that nothing was imported.

Public API (the CLI and the GUI use these names):

- `export_bundle(store, identity, team, selection, out, *, to=None, without_consent=None,
  attachments=(), progress=None) -> ExportReport` (`progress` is an `ExportProgress`; it stops the
  export by raising `ExportCancelled`)
- `read_bundle(path, identity, team) -> VerifiedBundle` (no store: everything up to validation)
- `inspect_bundle(store, identity, team, path) -> BundlePlan` (what importing would do; changes nothing)
- `import_bundle(store, identity, team, path) -> BundleImport`; `import_bundles(..., paths) -> ImportReport`;
  `apply_bundle(store, verified)` / `apply_bundles(store, verified)` apply what `inspect_bundle` previewed
- `bundle_files(paths) -> list[Path]` (folders become the `*.cafbundle` files in them)
- `resolve_conflict(store, conflict_id, keep, document=None) -> RecordInfo`
- `team_addressee(team)`, `worker_addressee(name, age_recipient, ...)`, `members_of(home)`
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import io
import json
import logging
import re
import stat
import traceback
import unicodedata
import uuid as uuid_module
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caf_desktop import __version__
from caf_desktop.common import atomic, jsonfiles
from caf_desktop.common.errors import CafError, InputFileError, UnknownForm
from caf_desktop.store.sync import (
    Change,
    ImportOutcome,
    IncomingBundle,
    NotPermitted,
    OutgoingRecord,
    PlannedChange,
    SyncedRecord,
    WriteAccess,
)

if TYPE_CHECKING:
    from caf_desktop.formengine.definitions import Catalogue, FormDefinition
    from caf_desktop.practice.sharing import ShareWithoutConsent, SharingGap
    from caf_desktop.store.store import RecordInfo, Store
    from caf_desktop.trust.cms import Signer
    from caf_desktop.trust.identity import Identity
    from caf_desktop.trust.team import TeamFile

__all__ = [
    "DEFAULT_LIMITS",
    "FAILED",
    "FORMAT",
    "KIND",
    "SUFFIX",
    "Addressee",
    "Attachment",
    "BundleAlreadyImported",
    "BundleFacts",
    "BundleImport",
    "BundlePlan",
    "BundleRejected",
    "CannotSend",
    "Change",
    "ExportCancelled",
    "ExportPhase",
    "ExportProgress",
    "ExportReport",
    "ImportOutcome",
    "ImportReport",
    "Limits",
    "NothingToSend",
    "PlannedChange",
    "Rejection",
    "Selection",
    "SyncedRecord",
    "VerifiedBundle",
    "apply_bundle",
    "apply_bundles",
    "bundle_files",
    "default_file_name",
    "export_bundle",
    "import_bundle",
    "import_bundles",
    "import_failure",
    "inspect_bundle",
    "members_of",
    "read_bundle",
    "resolve_conflict",
    "team_addressee",
    "worker_addressee",
]

FORMAT = 1
KIND = "caf-desktop bundle"
SUFFIX = ".cafbundle"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.p7s"
RECORDS_FOLDER = "records"
FORMS_FOLDER = "forms"  # forms/<id>/<version>.json: form definitions the coordinator sends out
RULESETS_FOLDER = "thresholds"  # thresholds/<id>/<version>.json: threshold rulesets
TEAM_FILE = "team.json"  # a newer signed team file, from the coordinator
_AGE_MAGIC = b"age-encryption.org/v1\n"
_STATUSES = ("draft", "complete", "signed", "shared", "closed")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Limits:
    """What a bundle may hold before it is refused unopened (a ZIP bomb or a damaged file)."""

    file_bytes: int = 1 << 30  # the encrypted file
    members: int = 50_000
    member_bytes: int = 64 << 20  # one file inside, uncompressed
    total_bytes: int = 768 << 20  # every file inside, uncompressed
    ratio: int = 100  # uncompressed / compressed, for members of 1 MiB or more
    ratio_floor: int = 1 << 20


DEFAULT_LIMITS = Limits()


# --- errors ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleFacts:
    """What a bundle's manifest says of itself, verified or not (a rejection carries what it could read)."""

    bundle_id: str | None = None
    team_id: str | None = None
    sender_name: str | None = None
    sender_fingerprint: str | None = None
    sequence: int | None = None
    created: str | None = None
    recipients: tuple[str, ...] = ()
    record_count: int | None = None
    format: int | None = None


class BundleRejected(CafError):
    """A bundle that was not imported. `reason` is the plain sentence; `code` a short word for the audit
    trail (which must not hold the names a sentence may); `facts` what the manifest said, unverified."""

    exit_status = 1

    def __init__(self, reason: str, code: str, facts: BundleFacts | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.facts = facts or BundleFacts()
        self.audit_details: dict[str, Any] = {}  # more for the audit event: ids only, never a name


class BundleAlreadyImported(BundleRejected):
    """This very bundle file was imported before (its id is recorded with this file's SHA-256): there is
    nothing to do, and it is reported as that, not as a refusal. It is a `BundleRejected` so that a
    caller that does not tell the two apart still imports nothing. The same id in a different file,
    or a sender's sequence number used again, stays a `BundleRejected` ("replay")."""

    exit_status = 0

    def __init__(self, reason: str, facts: BundleFacts | None = None) -> None:
        super().__init__(reason, "already-imported", facts)


class NothingToSend(CafError):
    def __init__(self, what: str) -> None:
        super().__init__(f"{what}; no bundle was written.")


class CannotSend(CafError):
    """The sender cannot make a bundle yet (not enrolled, revoked, no recipients)."""


class ExportCancelled(CafError):
    """The person stopped an export part way. An `ExportProgress` callback raises it (the GUI's, when
    Cancel is clicked); `export_bundle` then writes no file and remembers nothing as sent."""

    def __init__(self) -> None:
        super().__init__("Sending was cancelled; no bundle was written.")


def _rejected(reason: str, code: str, facts: BundleFacts | None = None) -> BundleRejected:
    return BundleRejected(f"{reason} Nothing was imported.", code, facts)


# --- who a bundle is for --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Addressee:
    """Who a bundle is for. `key` names them in the store's record of bundles sent (for "changed since
    the last bundle"); `consent_name` is whom consent to share must cover."""

    name: str
    age_recipients: tuple[str, ...]
    certificates: tuple[str, ...]  # SHA-256 fingerprints, when known
    key: str
    consent_name: str
    to_team: bool


def team_addressee(team: TeamFile) -> Addressee:
    """The team's coordinators: where a worker's bundles go."""
    from caf_desktop.trust.identity import fingerprint  # noqa: PLC0415

    return Addressee(
        name=team.name,
        age_recipients=tuple(team.coordinator_recipients),
        certificates=tuple(fingerprint(c) for c in team.coordinator_certificates),
        key=f"team:{team.team_id}",
        consent_name=team.name,
        to_team=True,
    )


def worker_addressee(
    name: str, age_recipient: str, *, certificate: str | None = None, organisation: str = ""
) -> Addressee:
    """One worker, as the coordinator knows them from their enrolment (or from `--to RECIPIENT`)."""
    if not re.fullmatch(r"age1[0-9a-z]{58}", age_recipient.strip()):
        raise CafError(
            f"{age_recipient!r} is not an age recipient (they look like age1 followed by 58 letters and digits)."
        )
    recipient = age_recipient.strip()
    return Addressee(
        name=name or recipient,
        age_recipients=(recipient,),
        certificates=(certificate,) if certificate else (),
        key=f"worker:{certificate or recipient}",
        consent_name=organisation or name or recipient,
        to_team=False,
    )


def members_of(home: Path) -> list[Addressee]:
    """The workers a coordinator enrolled (from the team state), newest certificate of each last."""
    from caf_desktop.trust import team as team_module  # noqa: PLC0415

    state = team_module.load_state(home)
    if state is None:
        return []
    coordinators = {c.age_recipient for c in state.coordinators}
    revoked = {r.fingerprint for r in state.revoked if r.fingerprint}
    return [
        worker_addressee(m.name, m.age_recipient, certificate=m.fingerprint, organisation=m.organisation)
        for m in state.members
        if m.age_recipient and m.age_recipient not in coordinators and m.fingerprint not in revoked
    ]


# --- export ---------------------------------------------------------------------------------------------


class Selection(StrEnum):
    ALL = "all"  # every record that may be shared
    CHANGED = "changed"  # records changed since the last bundle to the same addressee


class ExportPhase(StrEnum):
    """What an export is doing, in words a progress dialog can show as they are."""

    CHECKING_CONSENT = "Checking consent to share"
    READING = "Reading the records"
    WRITING = "Adding the records to the bundle"
    SAVING = "Encrypting and saving the bundle"


ExportProgress = Callable[[ExportPhase, int, int], None]
"""`progress(phase, done, total)`: how far an export has got, in steps. Reading each record is a step,
writing each file into the bundle (records, attachments, the manifest and its signature) is one, and
encrypting the whole is the last. `total` is the same in every call; `done` only grows, from 0 to
`total`. `export_bundle` calls it at each change of phase and at least every `PROGRESS_EVERY` records
(not per byte, so a callback that repaints a dialog costs next to nothing). The last call, with
`done == total`, comes just before the file is written: the last moment the export can be stopped,
which the callback does by raising `ExportCancelled`."""

PROGRESS_EVERY = 50  # records (or files) between two calls of an export's progress callback


@dataclass(frozen=True)
class Attachment:
    """A file the coordinator sends with the records: a form definition, a threshold ruleset or the
    team file. `name` is its path in the bundle (forms/<id>/<version>.json, thresholds/<id>/<version>.json,
    team.json)."""

    name: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class ExportReport:
    path: Path
    bundle_id: str
    sequence: int
    file_sha256: str
    record_ids: tuple[str, ...]
    addressee: Addressee
    attachments: tuple[str, ...] = ()
    unsaved_typing: tuple[str, ...] = ()  # records whose unsaved typing stayed behind (last save sent)
    left_out: tuple[str, ...] = ()  # records of forms that are never shared (decision aids)
    without_consent: tuple[str, ...] = ()  # records shared under a decision to share without consent


def slug(name: str) -> str:
    """A name as it can stand in a file name: "Zoë O'Brien" -> "zoe-obrien"."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", folded.replace("'", "")).strip("-")[:40] or "sender"


def default_file_name(sender_name: str, created: dt.datetime, sequence: int) -> str:
    """caf-<sender>-<YYYYMMDD-HHMM>-<sequence>.cafbundle: who sent it and when, at a glance."""
    return f"caf-{slug(sender_name)}-{created:%Y%m%d-%H%M}-{sequence}{SUFFIX}"


def _canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def record_json(record: SyncedRecord) -> dict[str, Any]:
    """`records/<id>.json`: the record as a bundle carries it."""
    return {
        "uuid": record.id,
        "form_id": record.form_id,
        "form_version": record.form_version,
        "status": record.status,
        "version": record.version,
        "base_version": record.base_version,
        "document": record.document,
        "author": record.author,
        "updated": record.updated,
        "child": record.child_id,
        "case": record.case_id,
    }


def _check_can_send(identity: Identity, team: TeamFile) -> None:
    if identity.self_signed or not team.issued_certificate(identity.certificate):
        raise CannotSend(
            f"Your certificate is not yet issued by the team {team.name!r}, so the coordinator could not trust "
            "a bundle signed with it. Send `caf-desktop team request` to your coordinator and install the "
            "certificate they issue; no bundle was written."
        )
    if team.is_revoked(identity.certificate):
        raise CannotSend(
            "Your certificate has been revoked by the team's coordinator, so bundles signed with it are refused. "
            "Ask your coordinator for a new one; no bundle was written."
        )


def _choose(
    store: Store, selection: Sequence[str] | Selection, addressee: Addressee
) -> tuple[list[str], list[str]]:
    """The records to send and the ones left out because their form is never shared."""
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415
    from caf_desktop.store.store import RecordQuery  # noqa: PLC0415

    if isinstance(selection, Selection):
        if selection is Selection.ALL:
            candidates = [(r.id, r.form_id, r.form_version) for r in store.list_records(RecordQuery())]
            candidates.reverse()  # oldest first, as they were made
        else:
            received_from = None if addressee.to_team else (addressee.certificates or (None,))[0]
            ids = store.changed_since_last_bundle(addressee.key, received_from=received_from)
            infos = {r.id: r for r in store.list_records(RecordQuery())}
            candidates = [(i, infos[i].form_id, infos[i].form_version) for i in ids if i in infos]
        catalogue = installed_catalogue()
        chosen: list[str] = []
        left_out: list[str] = []
        for record_id, form_id, form_version in candidates:
            try:
                shareable = catalogue.get(form_id, form_version).shareable
            except UnknownForm:
                shareable = True
            (chosen if shareable else left_out).append(record_id)
        return chosen, left_out
    return list(dict.fromkeys(selection)), []


def export_bundle(
    store: Store,
    identity: Identity,
    team: TeamFile,
    selection: Sequence[str] | Selection,
    out: Path,
    *,
    to: Addressee | None = None,
    without_consent: ShareWithoutConsent | None = None,
    attachments: Sequence[Attachment] = (),
    now: dt.datetime | None = None,
    progress: ExportProgress | None = None,
) -> ExportReport:
    """Writes a signed, encrypted bundle of the chosen records to `out` (a new file, or a folder to put
    a named one in), for the team's coordinators or, with `to`, for one worker. Consent to share must
    cover every record, or `without_consent` records the decision to share anyway (`SharingRefused`
    otherwise). Remembers what was sent, and audits it.

    `progress`, when given, hears how far the export has got (`ExportProgress` says when and with what),
    because a coordinator's bundle of thousands of records takes many seconds and a person should see it
    move and be able to stop it. Whatever it raises (`ExportCancelled`, for a Cancel button) stops the
    export and comes out of this function: no file is written, not even in part, nothing is remembered
    as sent (the sequence number taken is given back, so the next bundle gets it) and nothing is audited
    as shared."""
    from caf_desktop.practice import sharing  # noqa: PLC0415
    from caf_desktop.trust import cms  # noqa: PLC0415

    _check_can_send(identity, team)
    addressee = to or team_addressee(team)
    if not addressee.age_recipients:
        raise CannotSend("The team file names no coordinator to send bundles to; no bundle was written.")
    record_ids, left_out = _choose(store, selection, addressee)
    for attachment in attachments:
        _check_attachment_name(attachment.name)
    if not record_ids and not attachments:
        if selection is Selection.CHANGED:
            raise NothingToSend(f"No record has changed since the last bundle to {addressee.name}")
        raise NothingToSend("There are no records to send")
    step = progress or _no_progress
    reading = len(record_ids)
    writing = len(record_ids) + len(attachments) + 2  # and the manifest and its signature
    total = reading + writing + 1  # and encrypting
    step(ExportPhase.CHECKING_CONSENT, 0, total)
    gaps: list[SharingGap] = sharing.check(
        store, record_ids, addressee.consent_name, is_locality_team=addressee.to_team
    )
    sharing.refuse_unless_covered(gaps, without_consent)
    outgoing, files = _read_outgoing(store, record_ids, lambda done: step(ExportPhase.READING, done, total))
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    if out.is_dir():
        target = out  # named once the sequence number is known
    else:
        target = out
        if target.exists():
            raise CafError(f"{target} already exists; nothing was written. Choose a new file name.")
    bundle_id = str(uuid_module.uuid4())
    sequence = store.reserve_bundle(bundle_id, identity.fingerprint, addressee.key)
    try:
        if target.is_dir():
            target = target / default_file_name(identity.name, moment, sequence)
        files.update((a.name, a.data) for a in attachments)
        step(ExportPhase.WRITING, reading, total)
        manifest = _manifest(
            identity,
            team,
            addressee,
            bundle_id=bundle_id,
            sequence=sequence,
            moment=moment,
            outgoing=outgoing,
            files=files,
        )
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
        signature = cms.sign_detached(manifest_bytes, identity)
        zipped = _zip(
            {MANIFEST: manifest_bytes, SIGNATURE: signature, **files},
            written=lambda count: step(ExportPhase.WRITING, reading + count, total),
        )
        step(ExportPhase.SAVING, total - 1, total)
        encrypted = _encrypt(zipped, [*addressee.age_recipients, identity.age.recipient])
        step(ExportPhase.SAVING, total, total)  # the last moment to stop: nothing is written yet
        _write_new(target, encrypted)
    except BaseException:
        store.forget_bundle(bundle_id)
        raise
    file_sha256 = _sha256(encrypted)
    store.bundle_written(
        bundle_id,
        file_sha256,
        [(item.record.id, item.record.version) for item in outgoing],
        {
            "bundle": bundle_id,
            "sender": identity.fingerprint,
            "sequence": sequence,
            "file_sha256": file_sha256,
            "records": len(outgoing),
            "files": len(attachments),
            "to": addressee.key,
        },
    )
    if record_ids:
        sharing.log_shared(
            store,
            record_ids,
            addressee.consent_name,
            purpose="sync bundle",
            without_consent=without_consent,
            gaps=gaps,
        )
    return ExportReport(
        path=target,
        bundle_id=bundle_id,
        sequence=sequence,
        file_sha256=file_sha256,
        record_ids=tuple(record_ids),
        addressee=addressee,
        attachments=tuple(a.name for a in attachments),
        unsaved_typing=tuple(item.record.id for item in outgoing if item.unsaved_typing),
        left_out=tuple(left_out),
        without_consent=tuple(gap.record_id for gap in gaps),
    )


def _read_outgoing(
    store: Store, record_ids: Sequence[str], read: Callable[[int], None]
) -> tuple[list[OutgoingRecord], dict[str, bytes]]:
    """The records as the store sends them, and each as its file in the bundle. They are read
    `PROGRESS_EVERY` at a time (no slower than all at once), so that `read(count)` can tell how many
    are in at the start, between batches and at the end; whatever it raises stops the reading."""
    outgoing: list[OutgoingRecord] = []
    files: dict[str, bytes] = {}
    read(0)
    for start in range(0, len(record_ids), PROGRESS_EVERY):
        for item in store.outgoing_records(record_ids[start : start + PROGRESS_EVERY]):
            outgoing.append(item)
            files[f"{RECORDS_FOLDER}/{item.record.id}.json"] = _canonical(record_json(item.record))
        read(len(outgoing))
    return outgoing, files


def _manifest(
    identity: Identity,
    team: TeamFile,
    addressee: Addressee,
    *,
    bundle_id: str,
    sequence: int,
    moment: dt.datetime,
    outgoing: Sequence[Any],
    files: Mapping[str, bytes],
) -> dict[str, Any]:
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    catalogue = installed_catalogue()
    forms: dict[str, dict[str, str]] = {}
    for item in outgoing:
        record: SyncedRecord = item.record
        if record.form_key not in forms:
            entry = {"id": record.form_id, "version": record.form_version}
            with contextlib.suppress(UnknownForm):
                entry["digest"] = catalogue.get(record.form_id, record.form_version).digest
            forms[record.form_key] = entry
    role = "coordinator" if identity.fingerprint in _coordinator_fingerprints(team) else "worker"
    return {
        "format": FORMAT,
        "kind": KIND,
        "app": f"caf-desktop {__version__}",
        "bundle": bundle_id,
        "team": team.team_id,
        "sender": {
            "name": identity.name,
            "fingerprint": identity.fingerprint,
            "role": role,
            "age_recipient": identity.age.recipient,
        },
        "sequence": sequence,
        "created": _timestamp(moment),
        "recipients": {
            "name": addressee.name,
            "age": list(addressee.age_recipients),
            "certificates": list(addressee.certificates),
        },
        "forms": [forms[key] for key in sorted(forms)],
        "files": {name: _sha256(data) for name, data in sorted(files.items())},
    }


def _no_progress(phase: ExportPhase, done: int, total: int) -> None:
    """The progress callback of an export nobody watches."""


def _zip(files: Mapping[str, bytes], *, written: Callable[[int], None] | None = None) -> bytes:
    """The files zipped in the order given. `written(count)` hears how many are in, every
    `PROGRESS_EVERY` files and after the last (compressing is most of an export's time); whatever it
    raises stops the zipping."""
    buffer = io.BytesIO()
    last = len(files)
    # A fixed date in every entry: the manifest carries the real time, and equal content zips equally.
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for count, (name, data) in enumerate(files.items(), start=1):
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (stat.S_IFREG | 0o600) << 16
            archive.writestr(info, data)
            if written is not None and (count % PROGRESS_EVERY == 0 or count == last):
                written(count)
    return buffer.getvalue()


def _encrypt(data: bytes, recipients: Iterable[str]) -> bytes:
    import pyrage  # noqa: PLC0415

    try:
        keys = [pyrage.x25519.Recipient.from_str(r) for r in dict.fromkeys(recipients)]
    except (ValueError, pyrage.RecipientError) as error:
        raise CannotSend(
            f"A recipient's age key cannot be read ({error}); no bundle was written. Check the team file."
        ) from None
    encrypted: bytes = pyrage.encrypt(data, keys)
    return encrypted


def _write_new(path: Path, data: bytes) -> None:
    exists = CafError(f"{path} already exists; nothing was written. Choose a new file name.")
    if path.exists():
        raise exists
    try:
        atomic.write_bytes(path, data, replace=False)
    except FileExistsError:
        raise exists from None
    except OSError as error:
        raise CafError(
            f"{path} cannot be written: {error.strerror or 'the system refused'}. Nothing was written."
        ) from None


def _coordinator_fingerprints(team: TeamFile) -> set[str]:
    from caf_desktop.trust.identity import fingerprint  # noqa: PLC0415

    return {fingerprint(c) for c in team.coordinator_certificates}


# --- reading a bundle -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle that passed every check that needs no store: decrypted, safe, signed by a member of
    the team, for this user, intact, of a known format, every record valid against its form."""

    path: Path
    file_sha256: str
    facts: BundleFacts
    signer: Signer
    sender_role: str
    records: tuple[SyncedRecord, ...]
    definitions: dict[str, FormDefinition] = field(repr=False)
    attachments: dict[str, bytes] = field(repr=False)
    coordinators: frozenset[str] = frozenset()  # the team's coordinators' fingerprints

    @property
    def access(self) -> WriteAccess:
        """Whose records this bundle may write: a worker's, what they created or were sent; the
        coordinators', what they sent this worker or this worker sent the team."""
        if self.sender_role == "coordinator":
            return WriteAccess.of_coordinators(tuple(sorted(self.coordinators)), self.facts.team_id or "")
        return WriteAccess.of_worker(self.signer.fingerprint)

    @property
    def bundle_id(self) -> str:
        assert self.facts.bundle_id is not None  # always there once verified
        return self.facts.bundle_id

    def incoming(self) -> IncomingBundle:
        return IncomingBundle(
            id=self.bundle_id,
            sender=self.signer.fingerprint,
            sender_name=self.signer.name,
            sequence=self.facts.sequence or 0,
            team=self.facts.team_id or "",
            file_sha256=self.file_sha256,
            created=self.facts.created or "",
            records=self.records,
            definitions=self.definitions,
            access=self.access,
        )


def _read_file(path: Path, limits: Limits) -> bytes:
    from caf_desktop.common import jsonfiles  # noqa: PLC0415

    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # reading it says plainly what is wrong
    if size > limits.file_bytes and not path.is_dir():
        raise _rejected(
            f"The file is {size // (1 << 20)} MiB, more than a bundle may be ({limits.file_bytes // (1 << 20)} MiB).",
            "too-large",
        )
    return jsonfiles.read_bytes(path)


def _decrypt(data: bytes, identity: Identity) -> bytes:
    import pyrage  # noqa: PLC0415

    if not data.startswith(_AGE_MAGIC):
        raise _rejected(
            "This is not a CAF Desktop bundle: it is not an encrypted CAF Desktop file (it may be cut short, or another kind of file).",
            "not-a-bundle",
        )
    try:
        key = pyrage.x25519.Identity.from_str(identity.age.secret)
        plain: bytes = pyrage.decrypt(data, [key])
    except pyrage.DecryptError as error:
        if "no matching keys" in str(error).lower():
            raise _rejected(
                "This bundle was not sent to you: it is encrypted for other people's keys, so it cannot be opened here. "
                "If it should be for you, ask the sender to export it again for you.",
                "not-for-you",
            ) from None
        raise _rejected(
            "The bundle is damaged: it cannot be decrypted (it was cut short or changed after it was made). "
            "Ask the sender to export it again.",
            "damaged",
        ) from None
    return plain


def _unsafe(problem: str) -> BundleRejected:
    return _rejected(
        f"The bundle's contents are unsafe to open: {problem}. CAF Desktop never makes such a bundle.",
        "unsafe-zip",
    )


def _check_member_name(name: str) -> None:
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or re.match(r"[A-Za-z]:", name):
        raise _unsafe(f"the file name {name!r} is an absolute path or not a plain path")
    parts = name.rstrip("/").split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise _unsafe(f"the file name {name!r} points outside the bundle (or holds '..')")


def _open_zip(data: bytes, limits: Limits) -> tuple[zipfile.ZipFile, dict[str, zipfile.ZipInfo]]:
    """The archive and its regular files by name, after every check the central directory allows."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError):
        raise _rejected(
            "The bundle's content is damaged: its contents cannot be read. Ask the sender to export it again.",
            "damaged",
        ) from None
    if len(infos) > limits.members:
        raise _unsafe(f"it holds {len(infos)} files, more than {limits.members}")
    members: dict[str, zipfile.ZipInfo] = {}
    folded: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        _check_member_name(name)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise _unsafe(f"{name!r} is a symbolic link")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise _unsafe(f"{name!r} is not a plain file")
        if name.casefold() in folded:
            raise _unsafe(f"the name {name!r} appears twice")
        folded.add(name.casefold())
        # A folder entry ("records/") is an entry like any other: it may carry data (zipfile reads it),
        # so it is size-checked here and must be in the signed list like every file, or the bundle is
        # refused. CAF Desktop never writes one.
        if info.flag_bits & 0x1:
            raise _unsafe(f"{name!r} is locked with a password inside the bundle")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unsafe(f"{name!r} is compressed in a way CAF Desktop does not use")
        if info.file_size > limits.member_bytes:
            raise _unsafe(f"{name!r} would expand to {info.file_size // (1 << 20)} MiB")
        if info.file_size >= limits.ratio_floor and info.file_size > limits.ratio * max(
            info.compress_size, 1
        ):
            raise _unsafe(f"{name!r} would expand {info.file_size // max(info.compress_size, 1)} times")
        total += info.file_size
        if total > limits.total_bytes:
            raise _unsafe(f"its files would expand to more than {limits.total_bytes // (1 << 20)} MiB")
        members[name] = info
    return archive, members


def _member_bytes(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """A member's bytes, never more than its declared size (a lying header cannot make it bigger)."""
    try:
        with archive.open(info) as stream:
            data = stream.read(info.file_size + 1)
    except (zipfile.BadZipFile, zlib.error, ValueError, EOFError, OSError, RuntimeError):
        raise _rejected(
            f"The bundle's content is damaged: {info.filename} cannot be read. Ask the sender to export it again.",
            "damaged",
        ) from None
    if len(data) != info.file_size:
        raise _rejected(
            f"The bundle's content is damaged: {info.filename} is not the size the bundle says. Ask the sender to export it again.",
            "damaged",
        )
    return data


def _facts(manifest: Any) -> BundleFacts:
    """What the manifest says, read leniently (for messages and for `bundle inspect`)."""
    if not isinstance(manifest, dict):
        return BundleFacts()

    def text(value: Any) -> str | None:
        return value if isinstance(value, str) else None

    def mapping(value: Any) -> dict[str, Any]:
        return value if isinstance(value, dict) else {}

    sender, recipients = mapping(manifest.get("sender")), mapping(manifest.get("recipients"))
    files = mapping(manifest.get("files"))
    sequence = manifest.get("sequence")
    version = manifest.get("format")
    names = recipients.get("name")
    return BundleFacts(
        bundle_id=text(manifest.get("bundle")),
        team_id=text(manifest.get("team")),
        sender_name=text(sender.get("name")),
        sender_fingerprint=text(sender.get("fingerprint")),
        sequence=sequence if isinstance(sequence, int) and not isinstance(sequence, bool) else None,
        created=text(manifest.get("created")),
        recipients=(names,) if isinstance(names, str) else (),
        record_count=sum(1 for n in files if isinstance(n, str) and n.startswith(f"{RECORDS_FOLDER}/")),
        format=version if isinstance(version, int) and not isinstance(version, bool) else None,
    )


def _manifest_field(
    manifest: dict[str, Any], facts: BundleFacts
) -> tuple[str, int, dict[str, str], list[str]]:
    """The manifest's bundle id, sequence, file hashes and age recipients, or a rejection."""
    bad = _rejected(
        "The bundle's list of contents cannot be read: it is damaged or was not made by CAF Desktop.",
        "damaged",
        facts,
    )
    bundle_id, sequence = manifest.get("bundle"), manifest.get("sequence")
    files, recipients = manifest.get("files"), manifest.get("recipients")
    if not isinstance(bundle_id, str) or not _UUID.fullmatch(bundle_id):
        raise bad
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 1:
        raise bad
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v)
        for k, v in files.items()
    ):
        raise bad
    age = recipients.get("age") if isinstance(recipients, dict) else None
    if not isinstance(age, list) or not all(isinstance(r, str) for r in age):
        raise bad
    return bundle_id, sequence, files, age


def _parse_record(name: str, data: bytes, facts: BundleFacts) -> SyncedRecord:
    bad = _rejected(
        f"The bundle's record file {name} cannot be read: it was not made by CAF Desktop.", "damaged", facts
    )
    try:
        read = _json_object(data.decode("utf-8"), "document")
    except (UnicodeDecodeError, ValueError):
        raise bad from None
    if read is None:
        raise bad
    raw, document_json = read
    record_id, version, base = raw.get("uuid"), raw.get("version"), raw.get("base_version")
    texts = [raw.get(k) for k in ("form_id", "form_version", "status", "author", "updated")]
    if (
        not isinstance(record_id, str)
        or name != f"{RECORDS_FOLDER}/{record_id}.json"
        or not _UUID.fullmatch(record_id)
        or not all(isinstance(t, str) for t in texts)
        or not isinstance(version, int)
        or isinstance(version, bool)
        or version < 1
        or not (base is None or (isinstance(base, int) and not isinstance(base, bool)))
        or not isinstance(raw.get("document"), dict)
        or raw.get("status") not in _STATUSES
    ):
        raise bad
    child, case = raw.get("child"), raw.get("case")
    return SyncedRecord(
        id=record_id,
        form_id=raw["form_id"],
        form_version=raw["form_version"],
        status=raw["status"],
        version=version,
        base_version=base,
        document=raw["document"],
        author=raw["author"],
        updated=raw["updated"],
        child_id=child if isinstance(child, str) and _UUID.fullmatch(child) else None,
        case_id=case if isinstance(case, str) and _UUID.fullmatch(case) else None,
        document_json=document_json,
    )


_SPACE = " \t\n\r"  # JSON's whitespace


def _json_object(text: str, keep: str) -> tuple[dict[str, Any], str | None] | None:
    """The members of the JSON object `text` is, with the text of member `keep`'s value as it stands
    in `text`; None when `text` is not one JSON object. (The text saves the store encoding a record's
    document again.) Malformed JSON inside raises ValueError, as `json.loads` does, and so does a name
    given twice: one reader would take the first value and another the last."""
    end = len(text)

    def skip(index: int) -> int:
        while index < end and text[index] in _SPACE:
            index += 1
        return index

    index = skip(0)
    if text[index : index + 1] != "{":
        return None
    members: dict[str, Any] = {}
    kept: str | None = None
    index = skip(index + 1)
    if text[index : index + 1] == "}":
        index += 1
    else:
        while True:
            if text[index : index + 1] != '"':
                return None
            name, index = jsonfiles.raw_decode(text, index, jsonfiles.DATABASE_INTEGER_LIMITS)
            if name in members:
                raise ValueError(f"the name {name[:40]!r} is given twice")
            index = skip(index)
            if text[index : index + 1] != ":":
                return None
            start = skip(index + 1)
            # Versions go into 32-bit columns; a document's own numbers may be as large as JSON allows.
            limits = jsonfiles.DEFAULT_LIMITS if name == keep else jsonfiles.DATABASE_INTEGER_LIMITS
            members[name], index = jsonfiles.raw_decode(text, start, limits)
            if name == keep:
                kept = text[start:index]
            index = skip(index)
            if text[index : index + 1] == ",":
                index = skip(index + 1)
            elif text[index : index + 1] == "}":
                index += 1
                break
            else:
                return None
    return (members, kept) if skip(index) == end else None


def _check_attachment_name(name: str) -> None:
    if name == TEAM_FILE:
        return
    if re.fullmatch(rf"({FORMS_FOLDER}|{RULESETS_FOLDER})/[a-z0-9][a-z0-9-]*/\d+\.\d+\.\d+\.json", name):
        return
    raise CafError(
        f"{name!r} cannot go in a bundle: only records, form definitions (forms/ID/VERSION.json), threshold "
        "rulesets (thresholds/ID/VERSION.json) and the team file (team.json)."
    )


def read_bundle(
    path: Path,
    identity: Identity,
    team: TeamFile,
    *,
    catalogue: Catalogue | None = None,
    limits: Limits = DEFAULT_LIMITS,
    at: dt.datetime | None = None,
    check_new: Callable[[str, str, int, str], None] | None = None,
) -> VerifiedBundle:
    """Opens and checks a bundle as far as it can without a store, or raises `BundleRejected`.
    Nothing is written anywhere. `check_new(bundle_id, sender_fingerprint, sequence, file_sha256)` is
    called once the sender and recipients are checked, before the files are re-hashed (the replay
    check: it raises `AlreadyImported`, which becomes `BundleAlreadyImported` for this very file again
    and a "replay" `BundleRejected` otherwise)."""
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    data = _read_file(path, limits)
    file_sha256 = _sha256(data)
    # 1. Decrypt, 2. open the ZIP safely, 3. the signature: by a member of this team, not revoked.
    archive, members = _open_zip(_decrypt(data, identity), limits)
    manifest, facts, signer = _signed_manifest(archive, members, team, at)
    # A newer format is refused before anything else in it is read.
    if facts.format is None or manifest.get("kind") != KIND:
        raise _rejected(
            "The bundle's list of contents does not say what it is: it was not made by CAF Desktop.",
            "damaged",
            facts,
        )
    if facts.format > FORMAT:
        raise _rejected(
            f"The bundle was made by a newer version of CAF Desktop (bundle format {facts.format}; this version "
            f"reads format {FORMAT}). Update CAF Desktop, then import it again.",
            "newer-format",
            facts,
        )
    bundle_id, sequence, hashes, age_recipients = _manifest_field(manifest, facts)
    # 4. From a member who may send it to this user, in this team.
    coordinators = _check_addressing(identity, team, signer, facts, age_recipients)
    if check_new is not None:
        from caf_desktop.store.sync import AlreadyImported  # noqa: PLC0415

        try:
            check_new(bundle_id, signer.fingerprint, sequence, file_sha256)
        except AlreadyImported as error:
            raise _repeat(error, facts) from None
    # 5. Every file as the manifest lists it: none missing, none added, none changed.
    contents = _listed_files(archive, members, hashes, facts)
    records: list[SyncedRecord] = []
    attachments: dict[str, bytes] = {}
    for name, content in contents.items():
        if name.startswith(f"{RECORDS_FOLDER}/"):
            records.append(_parse_record(name, content, facts))
            continue
        try:
            _check_attachment_name(name)
        except CafError:
            raise _rejected(
                f"The bundle holds a file CAF Desktop does not know ({name}).", "damaged", facts
            ) from None
        if signer.fingerprint not in coordinators:
            raise _rejected(
                f"The bundle holds {name}, which only a coordinator may send.", "not-from-coordinator", facts
            )
        attachments[name] = content
    # 6. Every record valid against its own form version.
    definitions = _validated(records, catalogue or installed_catalogue(), facts)
    return VerifiedBundle(
        path=path,
        file_sha256=file_sha256,
        facts=BundleFacts(
            bundle_id=bundle_id,
            team_id=facts.team_id,
            sender_name=signer.name,
            sender_fingerprint=signer.fingerprint,
            sequence=facts.sequence,
            created=facts.created,
            recipients=facts.recipients,
            record_count=len(records),
            format=facts.format,
        ),
        signer=signer,
        sender_role="coordinator" if signer.fingerprint in coordinators else "worker",
        records=tuple(records),
        definitions=definitions,
        attachments=attachments,
        coordinators=frozenset(coordinators),
    )


def _repeat(error: Any, facts: BundleFacts) -> BundleRejected:
    """The rejection for a bundle the store has seen (`store.sync.AlreadyImported`): only this very
    file again is "already imported"; anything else with a used id or sequence number is a replay."""
    if error.what == "bundle":
        return BundleAlreadyImported(str(error), facts)
    return _rejected(str(error), "replay", facts)


def _signed_manifest(
    archive: zipfile.ZipFile, members: Mapping[str, zipfile.ZipInfo], team: TeamFile, at: dt.datetime | None
) -> tuple[dict[str, Any], BundleFacts, Signer]:
    from caf_desktop.trust import cms  # noqa: PLC0415

    for required in (MANIFEST, SIGNATURE):
        if required not in members:
            raise _rejected(
                f"The bundle has no signed list of contents ({required}), so it cannot be checked. Ask the sender "
                "to export it again.",
                "damaged",
            )
    manifest_bytes = _member_bytes(archive, members[MANIFEST])
    signature = _member_bytes(archive, members[SIGNATURE])
    repeated: str | None = None
    try:
        manifest = jsonfiles.parse(
            manifest_bytes.decode("utf-8"), MANIFEST, jsonfiles.DATABASE_INTEGER_LIMITS
        )
    except InputFileError:
        manifest, repeated = None, _repeated_name(manifest_bytes)
    except UnicodeDecodeError:
        manifest = None
    facts = _facts(manifest)
    try:
        signer = team.verify(manifest_bytes, signature, at=at)
    except cms.SignatureRejected as error:
        raise _rejected(
            f"The bundle's signature was not accepted: {error.reason}", "signature", facts
        ) from None
    if repeated is not None:
        # Signed, but readable two ways: one reader would take the first value, another the last.
        raise _rejected(
            f"The bundle's signed list of contents gives the name {repeated[:40]!r} twice, so it can be read two "
            "ways: it was not made by CAF Desktop.",
            "damaged",
            facts,
        )
    if not isinstance(manifest, dict):
        raise _rejected(
            "The bundle's list of contents cannot be read: it was not made by CAF Desktop.", "damaged", facts
        )
    return manifest, facts, signer


def _repeated_name(text: bytes) -> str | None:
    """The name a refused manifest gives twice, if that is why it was refused (for the sentence)."""
    try:
        json.loads(text.decode("utf-8"), object_pairs_hook=_no_repeated_names)
    except _RepeatedName as error:
        return error.name
    except (ValueError, RecursionError):
        return None
    return None


class _RepeatedName(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _no_repeated_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """`json.loads`'s object hook for the manifest: a name given twice in one object is refused."""
    members = dict(pairs)
    if len(members) != len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _RepeatedName(name)
            seen.add(name)
    return members


def _check_addressing(
    identity: Identity, team: TeamFile, signer: Signer, facts: BundleFacts, age_recipients: Sequence[str]
) -> set[str]:
    """Checks the bundle is this team's, from someone who may send it, to this user; returns the
    fingerprints of the team's coordinators."""
    if facts.sender_fingerprint != signer.fingerprint:
        raise _rejected("The bundle names another sender than the one who signed it.", "signature", facts)
    if facts.team_id != team.team_id:
        raise _rejected(
            f"The bundle is for another team, not {team.name}.",
            "wrong-team",
            facts,
        )
    coordinators = _coordinator_fingerprints(team)
    if signer.fingerprint == identity.fingerprint:
        raise _rejected(
            "This is a bundle you exported yourself; it is for the people it was sent to, not for importing here.",
            "own-bundle",
            facts,
        )
    if identity.fingerprint not in coordinators and signer.fingerprint not in coordinators:
        raise _rejected(
            f"The bundle is signed by {signer.name}, who is not a coordinator of the team: a worker's laptop "
            "takes bundles from the team's coordinators only.",
            "not-from-coordinator",
            facts,
        )
    if identity.age.recipient not in age_recipients:
        raise _rejected(
            "This bundle was not sent to you: its signed list of recipients does not name you (it was passed on "
            "by someone it was meant for).",
            "not-a-recipient",
            facts,
        )
    return coordinators


def _listed_files(
    archive: zipfile.ZipFile,
    members: Mapping[str, zipfile.ZipInfo],
    hashes: Mapping[str, str],
    facts: BundleFacts,
) -> dict[str, bytes]:
    present = set(members) - {MANIFEST, SIGNATURE}
    missing = sorted(set(hashes) - present)
    if missing:
        raise _rejected(
            f"The bundle has been changed since it was signed ({missing[0]} is in its signed list of contents but missing). "
            "Ask the sender to export it again.",
            "tampered",
            facts,
        )
    extra = sorted(present - set(hashes))
    if extra:
        raise _rejected(
            f"The bundle has been changed since it was signed ({extra[0]} is not in its signed list of contents). "
            "Ask the sender to export it again.",
            "tampered",
            facts,
        )
    contents: dict[str, bytes] = {}
    for name in sorted(hashes):
        content = _member_bytes(archive, members[name])
        if _sha256(content) != hashes[name]:
            raise _rejected(
                f"The bundle has been changed since it was signed ({name} is not what the sender signed). "
                "Ask the sender to export it again.",
                "tampered",
                facts,
            )
        contents[name] = content
    return contents


def _validated(
    records: Sequence[SyncedRecord], catalogue: Catalogue, facts: BundleFacts
) -> dict[str, FormDefinition]:
    """The form definition of each record's form version, once every record is valid against its own."""
    from caf_desktop.formengine import validation  # noqa: PLC0415

    definitions: dict[str, FormDefinition] = {}
    for record in records:
        definition = definitions.get(record.form_key)
        if definition is None:
            try:
                definition = catalogue.get(record.form_id, record.form_version)
            except UnknownForm:
                raise _rejected(
                    f"The record {record.id} uses the form {record.form_id} version {record.form_version}, which is "
                    "not installed here. Update CAF Desktop (or the team's forms), then import the bundle again.",
                    "unknown-form",
                    facts,
                ) from None
            definitions[record.form_key] = definition
        if validation.is_valid_draft(definition, record.document):
            continue  # the compiled check: the explanations are worked out only for a record that fails
        problems = validation.findings(definition, record.document)
        if problems:
            more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
            raise _rejected(
                f"The record {record.id} is not valid for its form ({definition.title} {definition.version}): "
                f"{problems[0].describe().rstrip('.')}{more}.",
                "invalid-record",
                facts,
            )
    return definitions


# --- planning and importing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class BundlePlan:
    """What importing a verified bundle would do, record by record (for the GUI's preview)."""

    bundle: VerifiedBundle
    changes: tuple[PlannedChange, ...]

    @property
    def facts(self) -> BundleFacts:
        return self.bundle.facts

    def count(self, change: Change) -> int:
        return sum(1 for c in self.changes if c.change is change)


@dataclass(frozen=True)
class BundleImport:
    """What importing one bundle did."""

    bundle: VerifiedBundle
    outcome: ImportOutcome
    installed: tuple[str, ...] = ()  # attachments taken: the team file, forms, rulesets

    def count(self, change: Change) -> int:
        return self.outcome.count(change)


@dataclass(frozen=True)
class Rejection:
    path: Path
    reason: str
    code: str


@dataclass
class ImportReport:
    """What importing several bundles did; `as_json()` is `bundle import --json`'s output.
    `already_imported` holds the bundles imported before, file for file (`BundleAlreadyImported`):
    nothing to do, and not refusals."""

    imported: list[BundleImport] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    already_imported: list[Rejection] = field(default_factory=list)

    def refused(self, path: Path, error: BundleRejected) -> None:
        """Files a bundle that was not imported under what it was: a repeat, or a refusal."""
        kept = self.already_imported if isinstance(error, BundleAlreadyImported) else self.rejected
        kept.append(Rejection(path, error.reason, error.code))

    def count(self, change: Change) -> int:
        return sum(result.count(change) for result in self.imported)

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": self.count(Change.NEW),
            "updated": self.count(Change.UPDATED),
            "identical": self.count(Change.IDENTICAL),
            "conflicts": self.count(Change.CONFLICT),
            "outdated": self.count(Change.OUTDATED),
            "bundles": [
                {"file": str(r.bundle.path), "bundle": r.bundle.bundle_id, "sender": r.bundle.signer.name}
                for r in self.imported
            ],
            "rejected": [{"file": str(r.path), "reason": r.reason} for r in self.rejected],
            "already_imported": [{"file": str(r.path), "message": r.reason} for r in self.already_imported],
        }


def inspect_bundle(
    store: Store, identity: Identity, team: TeamFile, path: Path, *, catalogue: Catalogue | None = None
) -> BundlePlan:
    """Verifies a bundle and plans its import without changing anything (`BundleRejected` if it would
    be refused, including a bundle imported before)."""

    from caf_desktop.store.store import summarise  # noqa: PLC0415

    bundle = read_bundle(path, identity, team, catalogue=catalogue, check_new=store.check_not_imported)
    by_id = {r.id: r for r in bundle.records}
    try:
        planned = store.plan_import(bundle.signer.fingerprint, bundle.records, access=bundle.access)
    except NotPermitted as error:
        rejection = _trespassing(error, bundle)
        _audit_rejection(store, bundle.path, rejection, bundle.file_sha256)
        raise rejection from None
    summaries = {
        change.record_id: summarise(
            bundle.definitions[by_id[change.record_id].form_key], by_id[change.record_id].document
        )
        for change in planned
        if change.change is Change.NEW or not change.child
    }
    # A new child is made new, never merged; one with the family name and birth date of a child here
    # is shown to the person importing, as New record shows it (docs/bundles.md, "Who may write what").
    matches = store.possible_matches(
        {
            record_id: (summary.given_names, summary.family_name, summary.date_of_birth)
            for record_id, summary in summaries.items()
        }
    )
    changes = []
    for change in planned:
        incoming = by_id[change.record_id]
        summary = summaries.get(change.record_id)
        found = matches.get(change.record_id, [])
        # A record that names one of them is about that child, not a new one.
        maybe = change.change is Change.NEW and all(m.id != incoming.child_id for m in found)
        changes.append(
            replace(
                change,
                child=change.child or (summary.child_name if summary is not None else ""),
                possible_match=_possible_match(found) if maybe and found else "",
            )
        )
    return BundlePlan(bundle, tuple(changes))


def _possible_match(matches: Sequence[Any]) -> str:
    from caf_desktop.common import uk_time  # noqa: PLC0415

    def one(match: Any) -> str:
        born = f", born {uk_time.day_words(match.date_of_birth)}" if match.date_of_birth else ""
        return f"{match.name}{born}"

    return "; ".join(one(m) for m in matches)


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pauses Python's cycle collector while a bundle is read and applied (reference counting still
    frees everything as usual). Reading a bundle makes hundreds of thousands of objects (the parsed
    documents) and no reference cycles, so the full collections they set off walk the whole heap for
    nothing: about 0.1 s an import of 1,000 records. Nested or already paused: left as it is."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def import_bundle(
    store: Store,
    identity: Identity,
    team: TeamFile,
    path: Path,
    *,
    home: Path | None = None,
    catalogue: Catalogue | None = None,
) -> BundleImport:
    """Verifies a bundle and applies it in one transaction, or raises `BundleRejected` having imported
    nothing. Both are audited (a rejection with what could be read of it: never a name). `home` is
    where a team file the coordinator sent is taken in (a worker's import)."""
    with _cycle_collector_paused():
        try:
            bundle = read_bundle(
                path, identity, team, catalogue=catalogue, check_new=store.check_not_imported
            )
        except BundleRejected as error:
            _audit_rejection(store, path, error, None)
            raise
        return apply_bundle(store, bundle, home=home)


def apply_bundle(store: Store, bundle: VerifiedBundle, *, home: Path | None = None) -> BundleImport:
    """Applies a bundle `read_bundle` verified (the one a preview showed: the file is not read again,
    so what is applied is what was shown, whatever happened to the file since) in one transaction.
    Raises `BundleAlreadyImported` having imported nothing when it was imported meanwhile. Both
    are audited, as `import_bundle` audits them."""
    from caf_desktop.store.sync import AlreadyImported  # noqa: PLC0415

    try:
        with _cycle_collector_paused():
            outcome = store.apply_import(bundle.incoming())
    except AlreadyImported as error:
        rejection = _repeat(error, bundle.facts)
        _audit_rejection(store, bundle.path, rejection, bundle.file_sha256)
        raise rejection from None
    except NotPermitted as error:
        rejection = _trespassing(error, bundle)
        _audit_rejection(store, bundle.path, rejection, bundle.file_sha256)
        raise rejection from None
    installed = _take_attachments(bundle, home) if bundle.attachments and home is not None else ()
    return BundleImport(bundle, outcome, installed)


def apply_bundles(
    store: Store, verified: Sequence[VerifiedBundle], *, home: Path | None = None
) -> ImportReport:
    """Applies verified bundles one by one (one refused does not stop the others), then checkpoints
    the store once for all of them: the GUI's import, after its preview."""
    report = ImportReport()
    for bundle in verified:
        try:
            report.imported.append(apply_bundle(store, bundle, home=home))
        except BundleRejected as error:
            report.refused(bundle.path, error)
        except Exception as error:  # noqa: BLE001 - one bundle's failure must not take the others' lines with it
            report.rejected.append(
                import_failure(store, bundle.path, error, bundle.file_sha256, bundle.facts)
            )
    _checkpoint(store, report)
    return report


_TRIED = {
    "record": "replace record {target}, which {sender} did not create and was not sent",
    "case": "add record {record} to case {target}, a case {sender} did not create and was not sent",
    "child": "add record {record} to child {target}, a child {sender} did not create a record for and was not sent",
    "other-child": "add record {record} to case {target} while naming another child for it",
}


def _trespassing(error: NotPermitted, bundle: VerifiedBundle) -> BundleRejected:
    """The sentence for a bundle that writes where its sender may not: who, and what they tried."""
    sender = bundle.signer.name
    tried = [
        _TRIED[t.kind].format(sender=sender, record=t.record_id, target=t.target_id) for t in error.trespasses
    ]
    shown = "; ".join(tried[:3]) + (f"; and {len(tried) - 3} more" if len(tried) > 3 else "")
    if bundle.sender_role == "coordinator":
        rule = (
            "A coordinator's bundle may change only records you sent to the team or were sent, and add "
            "records only to those children and cases."
        )
    else:
        rule = (
            "A worker's bundle may change only records they created or were sent, and add records only to "
            "cases they created or were sent; check with them what happened before importing anything from them."
        )
    rejection = _rejected(
        f"{sender}'s bundle was refused: it tries to {shown}. {rule}", "not-permitted", bundle.facts
    )
    rejection.audit_details = {
        "tried": [{"kind": t.kind, "record": t.record_id, "target": t.target_id} for t in error.trespasses][
            :100
        ]
    }
    return rejection


_log = logging.getLogger(__name__)

FAILED = "failed"  # the code of a bundle whose import failed in CAF Desktop or the store, not in the bundle


def import_failure(
    store: Store,
    path: Path,
    error: Exception,
    file_sha256: str | None = None,
    facts: BundleFacts | None = None,
) -> Rejection:
    """The report's line for a bundle whose import broke off (its transaction was rolled back, so
    nothing of it is in the store), audited when the store still takes an event. A known failure (a
    full disk, the database server gone) says itself; anything else is a bug, logged by its kind and
    where it happened, never by its message (which may quote a record)."""
    if isinstance(error, CafError):
        reason = f"{error} Nothing from this bundle was imported; import it again once this is put right."
    else:
        _log.error(
            "importing a bundle failed: %s\n%s",
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        reason = (
            "CAF Desktop met an internal error while importing this bundle, and nothing from it was imported. "
            "This is a bug: please report it. The other bundles were not affected."
        )
    rejection = BundleRejected(reason, FAILED, facts)
    with contextlib.suppress(Exception):  # the store may be what failed: the report still says it all
        _audit_rejection(store, path, rejection, file_sha256, action="bundle import failed")
    return Rejection(path, rejection.reason, FAILED)


def _checkpoint(store: Store, report: ImportReport) -> None:
    """Copies the imports' pages out of the write-ahead log (Store._wal_kept). They are committed
    already, so a checkpoint that fails loses nothing and must not hide what was imported: the
    connection checkpoints again on its own later."""
    if not report.imported:
        return
    with contextlib.suppress(CafError):
        store.checkpoint()


def _audit_rejection(
    store: Store, path: Path, error: BundleRejected, file_sha256: str | None, *, action: str | None = None
) -> None:
    if file_sha256 is None:
        try:
            file_sha256 = _sha256(path.read_bytes())
        except OSError:
            file_sha256 = None
    store.audit(
        action
        or ("bundle already imported" if isinstance(error, BundleAlreadyImported) else "bundle rejected"),
        None,
        {
            "file_sha256": file_sha256,
            "bundle": error.facts.bundle_id
            if error.facts.bundle_id and _UUID.fullmatch(error.facts.bundle_id)
            else None,
            "sender": error.facts.sender_fingerprint
            if error.facts.sender_fingerprint and _FINGERPRINT.fullmatch(error.facts.sender_fingerprint)
            else None,
            "reason": error.code,
            **error.audit_details,
        },
    )


def bundle_files(paths: Iterable[Path]) -> list[Path]:
    """The files to import: each file named, and every `*.cafbundle` in each folder named (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix == SUFFIX and p.is_file()))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def import_bundles(
    store: Store,
    identity: Identity,
    team: TeamFile,
    paths: Iterable[Path],
    *,
    home: Path | None = None,
    catalogue: Catalogue | None = None,
) -> ImportReport:
    """Imports each bundle on its own (one rejected bundle does not stop the others), then checkpoints
    the store once for all of them."""
    report = ImportReport()
    # Oldest first by sequence within a sender is what the plan expects; file names sort that way too.
    for path in bundle_files(paths):
        try:
            report.imported.append(import_bundle(store, identity, team, path, home=home, catalogue=catalogue))
        except BundleRejected as error:
            report.refused(path, error)
        except Exception as error:  # noqa: BLE001 - each bundle is its own transaction and its own line
            report.rejected.append(import_failure(store, path, error, None))
    _checkpoint(store, report)
    return report


def _take_attachments(bundle: VerifiedBundle, home: Path) -> tuple[str, ...]:
    """Takes in what a coordinator sent besides records: a newer team file for `home` (checked against
    the team it trusts; an older one, or another team's, is left), and form definitions and threshold
    rulesets (checked, kept in `paths.user_forms_dir()` as forms/ID/VERSION.json and
    forms/thresholds/ID/VERSION.json, never over a file already there). Returns what was taken."""
    from caf_desktop.common import paths  # noqa: PLC0415
    from caf_desktop.formengine import checker as formcheck  # noqa: PLC0415
    from caf_desktop.practice import thresholds  # noqa: PLC0415
    from caf_desktop.trust import team as team_module  # noqa: PLC0415

    taken: list[str] = []
    for name, data in sorted(bundle.attachments.items()):
        try:
            raw = jsonfiles.parse(data.decode("utf-8"), name)
        except (UnicodeDecodeError, InputFileError):
            continue
        if name == TEAM_FILE:
            try:
                newer = team_module.parse_team_file(raw, f"{bundle.path} ({TEAM_FILE})")
                if team_module.update_team(home, newer):
                    taken.append(name)
            except team_module.TeamError:
                pass  # not newer, or not this team's: the team file this laptop trusts stays
            continue
        _, form_id, file_name = name.split("/")
        if not isinstance(raw, dict) or (raw.get("id"), raw.get("version")) != (
            form_id,
            file_name[: -len(".json")],
        ):
            continue  # its id and version must be the ones its name says
        checker = (
            formcheck.check_definition if name.startswith(f"{FORMS_FOLDER}/") else thresholds.check_ruleset
        )
        if next(iter(checker(raw, name)), None) is not None:
            continue  # a definition with problems is not installed
        target = paths.user_forms_dir() / name.removeprefix(f"{FORMS_FOLDER}/")
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(target, data, replace=False)
        taken.append(name)
    if taken:
        from caf_desktop.formengine import definitions  # noqa: PLC0415

        definitions.forget_received()
        thresholds.forget_received()
    return tuple(taken)


# --- conflicts ------------------------------------------------------------------------------------------


def resolve_conflict(
    store: Store,
    conflict_id: str,
    keep: str,
    document: dict[str, Any] | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> RecordInfo:
    """Settles a sync conflict: `keep` is "stored", "incoming" or "combined" (with `document`, which
    must be valid against the stored record's form)."""
    from caf_desktop.common.errors import DocumentInvalid  # noqa: PLC0415
    from caf_desktop.formengine import validation  # noqa: PLC0415
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    catalogue = catalogue or installed_catalogue()
    conflict = store.conflict(conflict_id)
    if keep == "incoming":
        definition = catalogue.get(conflict.incoming_form_id, conflict.incoming_form_version)
    else:
        stored = store.get(conflict.record_id)
        definition = catalogue.get(stored.form_id, stored.form_version)
    if document is not None and not validation.is_valid_draft(definition, document):
        problems = validation.findings(definition, document)
        if problems:
            raise DocumentInvalid(problems)
    return store.resolve_conflict(conflict_id, keep, definition, document)
