"""Reading a bundle without a store: decrypt, unzip safely, verify the signature, manifest and records."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import stat
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caf_desktop.common import jsonfiles
from caf_desktop.common.errors import CafError, InputFileError, UnknownForm
from caf_desktop.store.sync import (
    IncomingBundle,
    SyncedRecord,
    WriteAccess,
)
from caf_desktop.sync.format import (
    DEFAULT_LIMITS,
    FORMAT,
    KIND,
    MANIFEST,
    RECORDS_FOLDER,
    SIGNATURE,
    UUID_PATTERN,
    BundleAlreadyImported,
    BundleFacts,
    BundleRejected,
    Limits,
    check_attachment_name,
    coordinator_fingerprints,
    rejected,
    sha256,
)

if TYPE_CHECKING:
    from caf_desktop.formengine.definitions import Catalogue, FormDefinition
    from caf_desktop.trust.cms import Signer
    from caf_desktop.trust.identity import Identity
    from caf_desktop.trust.team import TeamFile


_AGE_MAGIC = b"age-encryption.org/v1\n"


_STATUSES = ("draft", "complete", "signed", "shared", "closed")


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
        raise rejected(
            f"The file is {size // (1 << 20)} MiB, more than a bundle may be ({limits.file_bytes // (1 << 20)} MiB).",
            "too-large",
        )
    return jsonfiles.read_bytes(path)


def _decrypt(data: bytes, identity: Identity) -> bytes:
    import pyrage  # noqa: PLC0415

    if not data.startswith(_AGE_MAGIC):
        raise rejected(
            "This is not a CAF Desktop bundle: it is not an encrypted CAF Desktop file (it may be cut short, or another kind of file).",
            "not-a-bundle",
        )
    try:
        key = pyrage.x25519.Identity.from_str(identity.age.secret)
        plain: bytes = pyrage.decrypt(data, [key])
    except pyrage.DecryptError as error:
        if "no matching keys" in str(error).lower():
            raise rejected(
                "This bundle was not sent to you: it is encrypted for other people's keys, so it cannot be opened here. "
                "If it should be for you, ask the sender to export it again for you.",
                "not-for-you",
            ) from None
        raise rejected(
            "The bundle is damaged: it cannot be decrypted (it was cut short or changed after it was made). "
            "Ask the sender to export it again.",
            "damaged",
        ) from None
    return plain


def _unsafe(problem: str) -> BundleRejected:
    return rejected(
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
        raise rejected(
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
        raise rejected(
            f"The bundle's content is damaged: {info.filename} cannot be read. Ask the sender to export it again.",
            "damaged",
        ) from None
    if len(data) != info.file_size:
        raise rejected(
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
    bad = rejected(
        "The bundle's list of contents cannot be read: it is damaged or was not made by CAF Desktop.",
        "damaged",
        facts,
    )
    bundle_id, sequence = manifest.get("bundle"), manifest.get("sequence")
    files, recipients = manifest.get("files"), manifest.get("recipients")
    if not isinstance(bundle_id, str) or not UUID_PATTERN.fullmatch(bundle_id):
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
    bad = rejected(
        f"The bundle's record file {name} cannot be read: it was not made by CAF Desktop.", "damaged", facts
    )
    try:
        read = json_object(data.decode("utf-8"), "document")
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
        or not UUID_PATTERN.fullmatch(record_id)
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
        child_id=child if isinstance(child, str) and UUID_PATTERN.fullmatch(child) else None,
        case_id=case if isinstance(case, str) and UUID_PATTERN.fullmatch(case) else None,
        document_json=document_json,
    )


_SPACE = " \t\n\r"  # JSON's whitespace


def json_object(text: str, keep: str) -> tuple[dict[str, Any], str | None] | None:
    """The members of the JSON object `text` is, with the text of member `keep`'s value as it stands
    in `text`; None when `text` is not one JSON object. (The text saves the store encoding a record's
    document again.) Malformed JSON inside raises ValueError, as `json.loads` does, and so does a name
    given twice: one reader would take the first value and another the last. Public so that its
    tests can try the many ways a JSON text can be laid out, one by one."""
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
    file_sha256 = sha256(data)
    # 1. Decrypt, 2. open the ZIP safely, 3. the signature: by a member of this team, not revoked.
    archive, members = _open_zip(_decrypt(data, identity), limits)
    manifest, facts, signer = _signed_manifest(archive, members, team, at)
    # A newer format is refused before anything else in it is read.
    if facts.format is None or manifest.get("kind") != KIND:
        raise rejected(
            "The bundle's list of contents does not say what it is: it was not made by CAF Desktop.",
            "damaged",
            facts,
        )
    if facts.format < 1:
        # Format 1 is the first there was: a smaller number is not one any version of CAF Desktop wrote.
        raise rejected(
            f"The bundle's list of contents gives bundle format {facts.format}, which no version of CAF Desktop "
            "writes: it was not made by CAF Desktop. Ask the sender to export it again.",
            "damaged",
            facts,
        )
    if facts.format > FORMAT:
        raise rejected(
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
            raise repeat_rejection(error, facts) from None
    # 5. Every file as the manifest lists it: none missing, none added, none changed.
    contents = _listed_files(archive, members, hashes, facts)
    records: list[SyncedRecord] = []
    attachments: dict[str, bytes] = {}
    for name, content in contents.items():
        if name.startswith(f"{RECORDS_FOLDER}/"):
            records.append(_parse_record(name, content, facts))
            continue
        try:
            check_attachment_name(name)
        except CafError:
            raise rejected(
                f"The bundle holds a file CAF Desktop does not know ({name}).", "damaged", facts
            ) from None
        if signer.fingerprint not in coordinators:
            raise rejected(
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


def repeat_rejection(error: Any, facts: BundleFacts) -> BundleRejected:
    """The rejection for a bundle the store has seen (`store.sync.AlreadyImported`): only this very
    file again is "already imported"; anything else with a used id or sequence number is a replay."""
    if error.what == "bundle":
        return BundleAlreadyImported(str(error), facts)
    return rejected(str(error), "replay", facts)


def _signed_manifest(
    archive: zipfile.ZipFile, members: Mapping[str, zipfile.ZipInfo], team: TeamFile, at: dt.datetime | None
) -> tuple[dict[str, Any], BundleFacts, Signer]:
    from caf_desktop.trust import cms  # noqa: PLC0415

    for required in (MANIFEST, SIGNATURE):
        if required not in members:
            raise rejected(
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
        raise rejected(
            f"The bundle's signature was not accepted: {error.reason}", "signature", facts
        ) from None
    if repeated is not None:
        # Signed, but readable two ways: one reader would take the first value, another the last.
        raise rejected(
            f"The bundle's signed list of contents gives the name {repeated[:40]!r} twice, so it can be read two "
            "ways: it was not made by CAF Desktop.",
            "damaged",
            facts,
        )
    if not isinstance(manifest, dict):
        raise rejected(
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
        raise rejected("The bundle names another sender than the one who signed it.", "signature", facts)
    if facts.team_id != team.team_id:
        raise rejected(
            f"The bundle is for another team, not {team.name}.",
            "wrong-team",
            facts,
        )
    coordinators = coordinator_fingerprints(team)
    if signer.fingerprint == identity.fingerprint:
        raise rejected(
            "This is a bundle you exported yourself; it is for the people it was sent to, not for importing here.",
            "own-bundle",
            facts,
        )
    if identity.fingerprint not in coordinators and signer.fingerprint not in coordinators:
        raise rejected(
            f"The bundle is signed by {signer.name}, who is not a coordinator of the team: a worker's laptop "
            "takes bundles from the team's coordinators only.",
            "not-from-coordinator",
            facts,
        )
    if identity.age.recipient not in age_recipients:
        raise rejected(
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
        raise rejected(
            f"The bundle has been changed since it was signed ({missing[0]} is in its signed list of contents but missing). "
            "Ask the sender to export it again.",
            "tampered",
            facts,
        )
    extra = sorted(present - set(hashes))
    if extra:
        raise rejected(
            f"The bundle has been changed since it was signed ({extra[0]} is not in its signed list of contents). "
            "Ask the sender to export it again.",
            "tampered",
            facts,
        )
    contents: dict[str, bytes] = {}
    for name in sorted(hashes):
        content = _member_bytes(archive, members[name])
        if sha256(content) != hashes[name]:
            raise rejected(
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
                raise rejected(
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
            raise rejected(
                f"The record {record.id} is not valid for its form ({definition.title} {definition.version}): "
                f"{problems[0].describe().rstrip('.')}{more}.",
                "invalid-record",
                facts,
            )
    return definitions
