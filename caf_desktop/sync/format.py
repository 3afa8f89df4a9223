"""What a bundle is made of and how it is refused: names, limits, facts, errors, shared helpers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from caf_desktop.common.errors import CafError

if TYPE_CHECKING:
    from caf_desktop.trust.team import TeamFile


FORMAT = 1


KIND = "caf-desktop bundle"


SUFFIX = ".cafbundle"


MANIFEST = "manifest.json"


SIGNATURE = "manifest.json.p7s"


RECORDS_FOLDER = "records"


FORMS_FOLDER = "forms"  # forms/<id>/<version>.json: form definitions the coordinator sends out


RULESETS_FOLDER = "thresholds"  # thresholds/<id>/<version>.json: threshold rulesets


TEAM_FILE = "team.json"  # a newer signed team file, from the coordinator


UUID_PATTERN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


FINGERPRINT_PATTERN = re.compile(r"[0-9a-f]{64}")


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


def rejected(reason: str, code: str, facts: BundleFacts | None = None) -> BundleRejected:
    return BundleRejected(f"{reason} Nothing was imported.", code, facts)


def canonical(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def coordinator_fingerprints(team: TeamFile) -> set[str]:
    from caf_desktop.trust.identity import fingerprint  # noqa: PLC0415

    return {fingerprint(c) for c in team.coordinator_certificates}


def check_attachment_name(name: str) -> None:
    if name == TEAM_FILE:
        return
    if re.fullmatch(rf"({FORMS_FOLDER}|{RULESETS_FOLDER})/[a-z0-9][a-z0-9-]*/\d+\.\d+\.\d+\.json", name):
        return
    raise CafError(
        f"{name!r} cannot go in a bundle: only records, form definitions (forms/ID/VERSION.json), threshold "
        "rulesets (thresholds/ID/VERSION.json) and the team file (team.json)."
    )
