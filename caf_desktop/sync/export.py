"""Writing a bundle: who it is for, which records, the manifest, signing, zipping, encrypting."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import re
import stat
import unicodedata
import uuid as uuid_module
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caf_desktop import __version__
from caf_desktop.common import atomic
from caf_desktop.common.errors import CafError, UnknownForm
from caf_desktop.store.sync import (
    OutgoingRecord,
    SyncedRecord,
)
from caf_desktop.sync.format import (
    FORMAT,
    KIND,
    MANIFEST,
    RECORDS_FOLDER,
    SIGNATURE,
    SUFFIX,
    CannotSend,
    NothingToSend,
    canonical,
    check_attachment_name,
    coordinator_fingerprints,
    sha256,
    timestamp,
)

if TYPE_CHECKING:
    from caf_desktop.practice.sharing import ShareWithoutConsent, SharingGap
    from caf_desktop.store.store import Store
    from caf_desktop.trust.identity import Identity
    from caf_desktop.trust.team import TeamFile


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
        check_attachment_name(attachment.name)
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
    sharing.refuse_unless_shareable(store, gaps, without_consent)
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
    file_sha256 = sha256(encrypted)
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
            files[f"{RECORDS_FOLDER}/{item.record.id}.json"] = canonical(record_json(item.record))
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
    role = "coordinator" if identity.fingerprint in coordinator_fingerprints(team) else "worker"
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
        "created": timestamp(moment),
        "recipients": {
            "name": addressee.name,
            "age": list(addressee.age_recipients),
            "certificates": list(addressee.certificates),
        },
        "forms": [forms[key] for key in sorted(forms)],
        "files": {name: sha256(data) for name, data in sorted(files.items())},
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
