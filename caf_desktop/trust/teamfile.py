"""The signed team file: its format, its errors, its verification, and the helpers the team modules share."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from caf_desktop.common import atomic, jsonfiles
from caf_desktop.common.errors import CafError, UnsupportedFormat
from caf_desktop.trust import cms, identity
from caf_desktop.trust.identity import fingerprint, public_key_digest

TEAM_FILE = "team.json"
TEAM_CA_FILE = "team-ca.p12"
TEAM_STATE_FILE = "team-state.json"

TEAM_FORMAT = 1
REQUEST_FORMAT = 1
ISSUED_FORMAT = 1
STATE_FORMAT = 1
TEAM_KIND = "caf-desktop team"
REQUEST_KIND = "caf-desktop enrolment request"
ISSUED_KIND = "caf-desktop certificate"

CA_DAYS = 3653  # about ten years: a new CA means every worker joins again
MEMBER_DAYS = 730  # about two years
# The contacts a coordinator sets for the locality, by their id in the threshold ruleset.
SETTABLE_CONTACTS = {
    "mash": "children's social care front door",
    "out_of_hours": "out-of-hours duty team",
    "police_non_emergency": "police non-emergency number",
}


# --- errors ---------------------------------------------------------------------------------------------


class TeamError(CafError):
    """A team action that cannot be done as asked (a usage or input error: exit status 2)."""


class TeamFileInvalid(TeamError):
    """Not a team file, or one that is cut short or damaged."""


class TeamFileRejected(TeamError):
    """A team file that must not be trusted: its signature, its CA or its serial is wrong."""

    exit_status = 1


class NotACoordinator(TeamError):
    def __init__(self, home: Path) -> None:
        super().__init__(
            f"This is a coordinator's command, and there is no team certificate authority in {home} "
            f"({TEAM_CA_FILE}). Run it on the coordinator's laptop, or create the team there with "
            "`caf-desktop team init --name TEAM`."
        )


class NotJoined(TeamError):
    def __init__(self, home: Path) -> None:
        super().__init__(
            f"This home ({home}) has not joined a team yet. Ask your coordinator for the team file and run "
            "`caf-desktop team join TEAM.json`."
        )


class TeamExists(TeamError):
    pass


class TeamMismatch(TeamError):
    """A team file, request or certificate that belongs to another team."""

    exit_status = 1


class RequestInvalid(TeamError):
    pass


class RequestRejected(TeamError):
    exit_status = 1


class IssuedInvalid(TeamError):
    pass


class CertificateRejected(TeamError):
    exit_status = 1


class OutputExists(TeamError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} already exists; nothing was written. Choose a new name, or add --force to replace it."
        )


# --- small helpers --------------------------------------------------------------------------------------


LARGEST_NUMBER = 2**31 - 1  # serials and counts are kept in 32-bit columns


def canonical_json(value: Any) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, UTF-8 (see docs/team.md)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def certificate_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def readable_key_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the public key, in groups of four to read aloud: it stays the same when the key's
    certificate is re-issued, so worker and coordinator compare it over the telephone at enrolment."""
    return identity.readable(public_key_digest(certificate))


def now_or_given(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)


def utc_timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def make_private(path: Path) -> None:
    if os.name == "posix":
        path.chmod(0o600)


def write_private_json(path: Path, value: Any) -> None:
    atomic.write_json(path, value)
    make_private(path)


def write_document(path: Path, document: Mapping[str, Any], *, replace: bool = False) -> None:
    """Writes a team file, request or certificate file, whole or not at all (never over a file
    unless `replace`)."""
    try:
        atomic.write_json(path, dict(document), replace=replace)
    except FileExistsError:
        raise OutputExists(path) from None
    except OSError as error:
        raise TeamError(
            f"{path} cannot be written: {error.strerror or 'the system refused'}. Nothing was written."
        ) from None


def issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def serial_hex(serial: int) -> str:
    return format(serial, "x")


class DocumentFields:
    """Reads the fields of one JSON object, each failure a plain sentence naming the file and field."""

    def __init__(self, value: Any, source: str, what: str, error: type[TeamError]) -> None:
        if not isinstance(value, dict):
            raise error(f"{source}: this is not {what} (it is not a JSON object).")
        self.value: dict[str, Any] = value
        self.source = source
        self.what = what
        self.error = error

    def fail(self, key: str, problem: str) -> TeamError:
        return self.error(f"{self.source}: {problem} (at {key!r}); this is not a usable {self.what}.")

    def text(self, key: str, *, optional: bool = False) -> str:
        found = self.value.get(key)
        if found is None and optional:
            return ""
        if not isinstance(found, str) or (not found.strip() and not optional):
            raise self.fail(key, "a piece of text is missing")
        return found

    def integer(self, key: str) -> int:
        found = self.value.get(key)
        if not isinstance(found, int) or isinstance(found, bool) or not 0 <= found <= LARGEST_NUMBER:
            raise self.fail(key, "a whole number is missing")
        return found

    def items(self, key: str) -> list[DocumentFields]:
        found = self.value.get(key)
        if not isinstance(found, list):
            raise self.fail(key, "a list is missing")
        return [DocumentFields(item, self.source, self.what, self.error) for item in found]

    def certificate(self, key: str) -> x509.Certificate:
        text = self.text(key)
        try:
            return x509.load_pem_x509_certificate(text.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise self.fail(key, "the certificate cannot be read") from None

    def timestamp(self, key: str) -> dt.datetime:
        text = self.text(key)
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(key, "the date and time cannot be read") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)

    def base64(self, key: str) -> bytes:
        try:
            return base64.b64decode(self.text(key), validate=True)
        except (binascii.Error, ValueError):
            raise self.fail(key, "the signature is not base64") from None

    def check_kind(self, kind: str, supported: int) -> None:
        found = self.value.get("kind")
        if found != kind:
            seen = {
                TEAM_KIND: "a team file",
                REQUEST_KIND: "an enrolment request",
                ISSUED_KIND: "a certificate file",
            }
            looks = f" (it looks like {seen[found]})" if isinstance(found, str) and found in seen else ""
            raise self.error(f"{self.source}: this is not {self.what}{looks}.")
        version = self.value.get("format")
        if not isinstance(version, int) or isinstance(version, bool):
            raise self.fail("format", "the format number is missing")
        if version > supported:
            raise UnsupportedFormat(
                f"{self.source} was written by a newer version of CAF Desktop (format {version}). "
                "Update CAF Desktop to use it."
            )


# --- the team file --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coordinator:
    name: str
    certificate: x509.Certificate
    age_recipient: str

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "certificate": certificate_pem(self.certificate),
            "age_recipient": self.age_recipient,
        }


@dataclass(frozen=True)
class Revocation:
    """A certificate the team no longer trusts, by SHA-256 fingerprint and/or serial (hex) under the CA."""

    fingerprint: str | None
    serial: int | None
    name: str
    date: str  # YYYY-MM-DD

    def matches(self, certificate: x509.Certificate, ca_certificate: x509.Certificate) -> bool:
        if self.fingerprint is not None and self.fingerprint == fingerprint(certificate):
            return True
        return (
            self.serial is not None
            and self.serial == certificate.serial_number
            and certificate.issuer == ca_certificate.subject
            and issued_by(certificate, ca_certificate)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "serial": serial_hex(self.serial) if self.serial is not None else None,
            "name": self.name,
            "date": self.date,
        }

    @classmethod
    def from_json(cls, fields: DocumentFields) -> Revocation:
        found = fields.value.get("fingerprint")
        serial = fields.value.get("serial")
        if found is not None and (not isinstance(found, str) or not re.fullmatch(r"[0-9a-f]{64}", found)):
            raise fields.fail("fingerprint", "a revoked certificate's fingerprint cannot be read")
        try:
            number = int(serial, 16) if isinstance(serial, str) else None
        except ValueError:
            number = None
        if serial is not None and number is None:
            raise fields.fail("serial", "a revoked certificate's serial number cannot be read")
        if found is None and number is None:
            raise fields.fail("revoked", "a revoked certificate has neither fingerprint nor serial number")
        return cls(found, number, fields.text("name", optional=True), fields.text("date", optional=True))


@dataclass(frozen=True)
class TeamContact:
    """A locality contact: `id` as in the threshold ruleset (mash, out_of_hours, police_non_emergency...)."""

    id: str
    name: str
    phone: str
    when: str = ""
    placeholder: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "phone": self.phone,
            "when": self.when,
            "placeholder": self.placeholder,
        }

    @classmethod
    def from_json(cls, fields: DocumentFields) -> TeamContact:
        return cls(
            fields.text("id"),
            fields.text("name"),
            fields.text("phone"),
            fields.text("when", optional=True),
            fields.value.get("placeholder") is True,
        )


def default_contacts() -> tuple[TeamContact, ...]:
    """The threshold ruleset's contacts: the numbers the coordinator has not set yet are placeholders."""
    from caf_desktop.practice.thresholds import ruleset  # noqa: PLC0415 - loading the ruleset costs a moment

    return tuple(TeamContact(c.id, c.name, c.phone, c.when or "", c.placeholder) for c in ruleset().contacts)


@dataclass(frozen=True)
class TeamFile:
    """A team file whose signature by its own CA has been checked."""

    team_id: str
    name: str
    serial: int
    issued_at: dt.datetime
    ca_certificate: x509.Certificate
    coordinators: tuple[Coordinator, ...]
    revoked: tuple[Revocation, ...]
    contacts: tuple[TeamContact, ...]
    document: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the CA certificate: what identifies the team."""
        return fingerprint(self.ca_certificate)

    @property
    def readable_fingerprint(self) -> str:
        return identity.readable_fingerprint(self.ca_certificate)

    @property
    def coordinator_recipients(self) -> tuple[str, ...]:
        return tuple(c.age_recipient for c in self.coordinators)

    @property
    def coordinator_certificates(self) -> tuple[x509.Certificate, ...]:
        return tuple(c.certificate for c in self.coordinators)

    def is_revoked(self, certificate: x509.Certificate) -> bool:
        return any(r.matches(certificate, self.ca_certificate) for r in self.revoked)

    def issued_certificate(self, certificate: x509.Certificate) -> bool:
        """Whether the team's CA issued `certificate` (or it is the CA itself)."""
        return certificate == self.ca_certificate or issued_by(certificate, self.ca_certificate)

    def verify(self, data: bytes, signature: bytes, at: dt.datetime | None = None) -> cms.Signer:
        """Who signed `data` (a detached CMS), if it is a member of this team, not revoked."""
        signer = cms.verify_detached(
            data,
            signature,
            trust_roots=[self.ca_certificate],
            revoked_fingerprints=[r.fingerprint for r in self.revoked if r.fingerprint],
            revoked_serials=[r.serial for r in self.revoked if r.serial is not None],
            at=at,
        )
        if signer.certificate == self.ca_certificate:
            # The CA signs team files and certificates; a member's bundle or PDF is signed by the member.
            raise cms.SignatureRejected(
                "This was signed by the team's certificate authority itself, not by a member of the team."
            )
        return signer

    def contact(self, contact_id: str) -> TeamContact | None:
        return next((c for c in self.contacts if c.id == contact_id), None)


def parse_team_file(document: Any, source: str) -> TeamFile:
    """A team file from its JSON, its signature checked against the CA certificate it carries."""
    fields = DocumentFields(document, source, "a CAF Desktop team file", TeamFileInvalid)
    fields.check_kind(TEAM_KIND, TEAM_FORMAT)
    team_id = fields.text("team_id")
    try:
        uuid.UUID(team_id)
    except ValueError:
        raise fields.fail("team_id", "the team id is not a UUID") from None
    ca_certificate = fields.certificate("ca_certificate")
    signature = fields.base64("signature")
    coordinators = tuple(
        Coordinator(item.text("name"), item.certificate("certificate"), item.text("age_recipient"))
        for item in fields.items("coordinators")
    )
    revoked = tuple(Revocation.from_json(item) for item in fields.items("revoked"))
    contacts = tuple(TeamContact.from_json(item) for item in fields.items("contacts"))
    team = TeamFile(
        team_id=team_id,
        name=fields.text("name"),
        serial=fields.integer("serial"),
        issued_at=fields.timestamp("issued_at"),
        ca_certificate=ca_certificate,
        coordinators=coordinators,
        revoked=revoked,
        contacts=contacts,
        document=dict(fields.value),
    )
    try:
        constraints = ca_certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        constraints = None
    if constraints is None or not constraints.ca:
        raise TeamFileRejected(f"{source}: the team file's certificate is not a certificate authority.")
    body = {key: value for key, value in fields.value.items() if key != "signature"}
    try:
        signer = cms.verify_detached(canonical_json(body), signature, trust_roots=[ca_certificate])
    except cms.SignatureRejected as error:
        raise TeamFileRejected(
            f"{source}: the team file's signature does not verify, so it was changed or forged after the "
            f"coordinator signed it. Ask your coordinator for the team file again. ({error.reason})"
        ) from None
    if signer.certificate != ca_certificate:
        raise TeamFileRejected(
            f"{source}: the team file is not signed by its team's certificate authority. Ask your coordinator "
            "for the team file again."
        )
    for coordinator in coordinators:
        if not issued_by(coordinator.certificate, ca_certificate):
            raise TeamFileRejected(
                f"{source}: the certificate of the coordinator {coordinator.name} was not issued by the team's "
                "certificate authority."
            )
    return team


def read_team_file(path: Path) -> TeamFile:
    """A team file from disk (`FileMissing`, `MalformedJSON`, `TeamFileInvalid`, `TeamFileRejected`)."""
    return parse_team_file(jsonfiles.load(path), str(path))


def load_joined_team(home: Path) -> TeamFile | None:
    """The team this home has joined or created, checked again; None if there is none yet."""
    path = home / TEAM_FILE
    if not path.exists():
        return None
    return read_team_file(path)
