"""The locality team: its certificate authority, the signed team file, enrolment and revocation.

The coordinator holds the team's certificate authority (CA) and issues each worker's certificate; the
signed team file tells every laptop whom to trust (the CA), whom to send bundles to (the coordinators'
age recipients), whom to stop trusting (the revocation list) and whom to phone (locality contacts).
docs/team.md describes the files and the steps.

Public API (the bundle, PDF and GUI code rely on these names; keep them stable):

- `load_joined_team(home) -> TeamFile | None`: the team this home trusts (worker or coordinator), its
  signature checked again on every load; None before `team join` or `team init`.
- `TeamFile`: `.team_id`, `.name`, `.serial`, `.issued_at`, `.ca_certificate`, `.fingerprint` and
  `.readable_fingerprint` (of the CA), `.coordinators`, `.coordinator_recipients` (age recipients),
  `.coordinator_certificates`, `.revoked`, `.contacts` (`TeamContact`: id, name, phone, when,
  placeholder), `.contact(id)`, `.is_revoked(certificate) -> bool`, `.issued_certificate(certificate)`,
  `.verify(data, signature, at=None) -> cms.Signer` (a detached CMS by a member, to this team's CA,
  not revoked; `cms.SignatureRejected` otherwise), `.document` (the JSON as signed).
- Coordinator: `create_team`, `export_team`, `set_contacts`, `issue_certificate`, `revoke`,
  `backup_coordinator_key`, `load_authority`, `load_state`, `is_coordinator`, `change_passphrase`.
- Worker: `read_team_file`, `check_joinable`, `join_team`, `update_team`, `make_request`,
  `read_request`, `read_issued`, `install_issued`, `certificate_status`, `readable_key_fingerprint`.
- Files: `parse_team_file`, `parse_request`, `parse_issued`, `write_document`, `canonical_json`.
  Errors are `TeamError` (exit status 2) and its kinds; the rejected ones (`TeamFileRejected`,
  `TeamMismatch`, `RequestRejected`, `CertificateRejected`) have exit status 1.

Files in the home folder (each written whole or not at all, readable by the user only):
`team-ca.p12` (coordinator: the CA's key and certificate, PKCS#12 under the user's passphrase),
`team-state.json` (coordinator: members issued, revocations, contacts, the team file's serial) and
`team.json` (everyone: the current signed team file, exactly as exported).
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import json
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from caf_desktop.common import atomic, jsonfiles
from caf_desktop.common.errors import CafError, UnsupportedFormat
from caf_desktop.trust import cms, identity
from caf_desktop.trust.identity import Identity, common_name, fingerprint, public_key_digest

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


_LARGEST_NUMBER = 2**31 - 1  # serials and counts are kept in 32-bit columns


def canonical_json(value: Any) -> bytes:
    """The bytes that are signed: sorted keys, no spaces, UTF-8 (see docs/team.md)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def certificate_pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def readable_key_fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the public key, in groups of four to read aloud: it stays the same when the key's
    certificate is re-issued, so worker and coordinator compare it over the telephone at enrolment."""
    return identity.readable(public_key_digest(certificate))


def _now(now: dt.datetime | None) -> dt.datetime:
    return (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)


def _timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _private(path: Path) -> None:
    if os.name == "posix":
        path.chmod(0o600)


def _write_private_json(path: Path, value: Any) -> None:
    atomic.write_json(path, value)
    _private(path)


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


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _serial_hex(serial: int) -> str:
    return format(serial, "x")


class _Fields:
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
        if not isinstance(found, int) or isinstance(found, bool) or not 0 <= found <= _LARGEST_NUMBER:
            raise self.fail(key, "a whole number is missing")
        return found

    def items(self, key: str) -> list[_Fields]:
        found = self.value.get(key)
        if not isinstance(found, list):
            raise self.fail(key, "a list is missing")
        return [_Fields(item, self.source, self.what, self.error) for item in found]

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
            and _issued_by(certificate, ca_certificate)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "serial": _serial_hex(self.serial) if self.serial is not None else None,
            "name": self.name,
            "date": self.date,
        }

    @classmethod
    def from_json(cls, fields: _Fields) -> Revocation:
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
    def from_json(cls, fields: _Fields) -> TeamContact:
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
        return certificate == self.ca_certificate or _issued_by(certificate, self.ca_certificate)

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
    fields = _Fields(document, source, "a CAF Desktop team file", TeamFileInvalid)
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
        if not _issued_by(coordinator.certificate, ca_certificate):
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


# --- the coordinator's authority ------------------------------------------------------------------------


@dataclass
class Member:
    """A certificate the coordinator issued (kept in team-state.json, on the coordinator's laptop only)."""

    name: str
    organisation: str
    role: str
    fingerprint: str
    serial: int
    key: str  # SHA-256 of the public key (identity.public_key_digest)
    age_recipient: str
    issued_at: str
    not_after: str

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "organisation": self.organisation,
            "role": self.role,
            "fingerprint": self.fingerprint,
            "serial": _serial_hex(self.serial),
            "key": self.key,
            "age_recipient": self.age_recipient,
            "issued_at": self.issued_at,
            "not_after": self.not_after,
        }

    @classmethod
    def from_json(cls, fields: _Fields) -> Member:
        try:
            serial = int(fields.text("serial"), 16)
        except ValueError:
            raise fields.fail("serial", "a serial number cannot be read") from None
        return cls(
            fields.text("name"),
            fields.text("organisation", optional=True),
            fields.text("role", optional=True),
            fields.text("fingerprint"),
            serial,
            fields.text("key"),
            fields.text("age_recipient", optional=True),
            fields.text("issued_at"),
            fields.text("not_after"),
        )


@dataclass
class TeamState:
    team_id: str
    name: str
    serial: int
    coordinators: list[Coordinator]
    contacts: list[TeamContact]
    members: list[Member]
    revoked: list[Revocation]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": STATE_FORMAT,
            "team_id": self.team_id,
            "name": self.name,
            "serial": self.serial,
            "coordinators": [c.as_json() for c in self.coordinators],
            "contacts": [c.as_json() for c in self.contacts],
            "members": [m.as_json() for m in self.members],
            "revoked": [r.as_json() for r in self.revoked],
        }


def load_state(home: Path) -> TeamState | None:
    """The coordinator's record of the team (no passphrase needed); None on a worker's laptop."""
    path = home / TEAM_STATE_FILE
    if not path.exists():
        return None
    source = str(path)
    fields = _Fields(jsonfiles.load(path), source, "team state file", TeamFileInvalid)
    version = fields.integer("format")
    if version > STATE_FORMAT:
        raise UnsupportedFormat(
            f"{source} was written by a newer version of CAF Desktop. Update CAF Desktop to use it."
        )
    return TeamState(
        team_id=fields.text("team_id"),
        name=fields.text("name"),
        serial=fields.integer("serial"),
        coordinators=[
            Coordinator(item.text("name"), item.certificate("certificate"), item.text("age_recipient"))
            for item in fields.items("coordinators")
        ],
        contacts=[TeamContact.from_json(item) for item in fields.items("contacts")],
        members=[Member.from_json(item) for item in fields.items("members")],
        revoked=[Revocation.from_json(item) for item in fields.items("revoked")],
    )


@dataclass
class TeamAuthority:
    """The coordinator's unlocked CA and the team's state."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    state: TeamState


def is_coordinator(home: Path) -> bool:
    return (home / TEAM_CA_FILE).is_file()


def _save_ca(
    home: Path, key: ec.EllipticCurvePrivateKey, certificate: x509.Certificate, passphrase: str
) -> None:
    identity.write_pkcs12(home / TEAM_CA_FILE, "team CA", key, certificate, (), passphrase=passphrase)


def _load_ca(home: Path, passphrase: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    path = home / TEAM_CA_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotACoordinator(home) from None
    except OSError as error:
        raise TeamError(f"{path} cannot be read: {error.strerror or 'the system refused'}.") from None
    damaged = TeamError(
        f"The team certificate authority {path} cannot be read: it is damaged. Restore it from a backup."
    )
    try:
        key, certificate, _ = identity.read_pkcs12(data, passphrase)
    except identity.Pkcs12Damaged:
        raise damaged from None
    return key, certificate


def load_authority(home: Path, passphrase: str) -> TeamAuthority:
    """The coordinator's CA, unlocked (`NotACoordinator` on a worker's laptop, `WrongPassphrase`)."""
    key, certificate = _load_ca(home, passphrase)
    state = load_state(home)
    if state is None:
        raise TeamError(
            f"The team's record {home / TEAM_STATE_FILE} is missing, though the team certificate authority "
            "is there. Restore it from a backup."
        )
    return TeamAuthority(key, certificate, state)


def change_passphrase(home: Path, old: str, new: str) -> None:
    """Re-protects the team CA under a new passphrase (it shares the store's and the identity's)."""
    if not is_coordinator(home):
        return
    key, certificate = _load_ca(home, old)
    _save_ca(home, key, certificate, new)


def new_certificate_authority(
    name: str, team_id: str, now: dt.datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A team's certificate authority: a new key and its self-signed CA certificate (pathlen 0)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name[:60]} CA"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name[:64]),
            # Two teams of the same name still have different CA names.
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"CAF Desktop team {team_id}"),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                # digitalSignature too: the CA signs the team file itself.
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _member(certificate: x509.Certificate, age_recipient: str, now: dt.datetime) -> Member:
    def attribute(oid: x509.ObjectIdentifier) -> str:
        found = certificate.subject.get_attributes_for_oid(oid)
        return str(found[0].value) if found else ""

    return Member(
        name=common_name(certificate),
        organisation=attribute(NameOID.ORGANIZATION_NAME),
        role=attribute(NameOID.ORGANIZATIONAL_UNIT_NAME),
        fingerprint=fingerprint(certificate),
        serial=certificate.serial_number,
        key=public_key_digest(certificate),
        age_recipient=age_recipient,
        issued_at=_timestamp(now),
        not_after=_timestamp(certificate.not_valid_after_utc),
    )


def _signed(authority: TeamAuthority, now: dt.datetime) -> TeamFile:
    state = authority.state
    body = {
        "format": TEAM_FORMAT,
        "kind": TEAM_KIND,
        "team_id": state.team_id,
        "name": state.name,
        "serial": state.serial,
        "issued_at": _timestamp(now),
        "ca_certificate": certificate_pem(authority.certificate),
        "coordinators": [c.as_json() for c in state.coordinators],
        "revoked": [r.as_json() for r in state.revoked],
        "contacts": [c.as_json() for c in state.contacts],
    }
    signature = cms.sign_detached_with(canonical_json(body), authority.key, authority.certificate)
    document = {**body, "signature": base64.b64encode(signature).decode("ascii")}
    return parse_team_file(document, "the new team file")


def _publish(home: Path, authority: TeamAuthority, now: dt.datetime) -> TeamFile:
    """Signs the next team file and keeps it, and the state, in the coordinator's home."""
    authority.state.serial += 1
    team = _signed(authority, now)
    _write_private_json(home / TEAM_STATE_FILE, authority.state.as_json())
    _write_private_json(home / TEAM_FILE, dict(team.document))
    return team


def _contacts_with(contacts: Sequence[TeamContact], numbers: Mapping[str, str]) -> list[TeamContact]:
    unknown = sorted(set(numbers) - set(SETTABLE_CONTACTS))
    if unknown:
        raise TeamError(f"There is no locality contact called {unknown[0]!r}.")
    updated = []
    for contact in contacts:
        number = numbers.get(contact.id, "").strip()
        updated.append(dataclasses.replace(contact, phone=number, placeholder=False) if number else contact)
    known = {c.id for c in contacts}
    for contact_id, number in numbers.items():
        if contact_id not in known and number.strip():
            updated.append(
                TeamContact(contact_id, SETTABLE_CONTACTS[contact_id].capitalize(), number.strip())
            )
    return updated


def create_team(
    home: Path,
    passphrase: str,
    name: str,
    *,
    contacts: Mapping[str, str] | None = None,
    now: dt.datetime | None = None,
) -> TeamFile:
    """Makes the team's CA, re-issues the coordinator's own certificate from it and signs the first
    team file (serial 1), kept in the home as team.json. `contacts` maps SETTABLE_CONTACTS ids to numbers."""
    name = " ".join(name.split())
    if not name:
        raise TeamError("Give the team a name with --name, such as 'Northtown Locality Team'.")
    if is_coordinator(home):
        raise TeamExists(
            f"This home already holds a team's certificate authority ({home / TEAM_CA_FILE}). "
            "`caf-desktop team show` describes the team."
        )
    if (home / TEAM_FILE).exists() and load_state(home) is None:
        raise TeamExists(
            "This home has joined a team as a worker; a coordinator's team is made in a home of its own."
        )
    moment = _now(now)
    own = identity.load_identity(home, passphrase)  # checks the passphrase before anything is made
    team_id = str(uuid.uuid4())
    ca_key, ca_certificate = new_certificate_authority(name, team_id, moment)
    coordinator_certificate = identity.signing_certificate(
        own.certificate.subject,
        own.key.public_key(),
        ca_certificate.subject,
        ca_key,
        days=MEMBER_DAYS,
        now=moment,
    )
    state = TeamState(
        team_id=team_id,
        name=name,
        serial=0,
        coordinators=[Coordinator(own.name, coordinator_certificate, own.age.recipient)],
        contacts=_contacts_with(default_contacts(), contacts or {}),
        members=[_member(coordinator_certificate, own.age.recipient, moment)],
        revoked=[],
    )
    authority = TeamAuthority(ca_key, ca_certificate, state)
    team = _signed(dataclasses.replace(authority, state=dataclasses.replace(state, serial=1)), moment)
    # The CA file goes last: it is what makes this home a coordinator's, so a failure before it
    # leaves a home where `team init` simply runs again.
    # What identity.install_certificate does, without unlocking the identity a second time.
    identity.save_identity(
        home, Identity(own.key, coordinator_certificate, (ca_certificate,), own.age), passphrase
    )
    state.serial = team.serial
    _write_private_json(home / TEAM_STATE_FILE, state.as_json())
    _write_private_json(home / TEAM_FILE, dict(team.document))
    _save_ca(home, ca_key, ca_certificate, passphrase)
    return team


def export_team(home: Path, passphrase: str, *, now: dt.datetime | None = None) -> TeamFile:
    """Signs the team file afresh, with the next serial number, and keeps it as home/team.json."""
    return _publish(home, load_authority(home, passphrase), _now(now))


def set_contacts(
    home: Path, passphrase: str, numbers: Mapping[str, str], *, now: dt.datetime | None = None
) -> TeamFile:
    """Sets locality contact numbers (ids of SETTABLE_CONTACTS) and signs the next team file."""
    authority = load_authority(home, passphrase)
    authority.state.contacts = _contacts_with(authority.state.contacts, numbers)
    return _publish(home, authority, _now(now))


def backup_coordinator_key(home: Path, passphrase: str, out: Path) -> None:
    """Writes the coordinator's age identity in age's own key-file format (`age -d -i FILE`), never over
    an existing file, readable by the user only."""
    if not is_coordinator(home):
        raise NotACoordinator(home)
    if out.exists():
        raise TeamError(f"{out} already exists; nothing was written. Choose a new file name.")
    own = identity.load_identity(home, passphrase)
    try:
        atomic.write_text(out, own.age.key_file_text(), replace=False)
    except FileExistsError:
        raise TeamError(f"{out} already exists; nothing was written. Choose a new file name.") from None
    except OSError as error:
        raise TeamError(
            f"{out} cannot be written: {error.strerror or 'the system refused'}. Nothing was written."
        ) from None
    _private(out)


# --- joining and updating -------------------------------------------------------------------------------


def check_joinable(home: Path, team: TeamFile, *, replace: bool = False) -> TeamFile | None:
    """Refuses (before any question is asked) what `join_team` would refuse; returns the team held now."""
    if is_coordinator(home):
        raise TeamExists(
            "This home holds its own team's certificate authority: a coordinator does not join a team. "
            "Use a separate home (--home) to try the worker's side."
        )
    try:
        current = load_joined_team(home)
    except CafError:
        if not replace:
            raise
        current = None  # a damaged team.json is replaced, when asked to, like another team's
    if current is not None and current.fingerprint != team.fingerprint and not replace:
        raise TeamMismatch(
            f"This home already trusts the team {current.name!r} (fingerprint {current.readable_fingerprint}), "
            f"and this file is another team's ({team.name!r}, fingerprint {team.readable_fingerprint}). "
            "Nothing was changed. To leave the old team and trust this one, add --replace."
        )
    return current


def join_team(home: Path, team: TeamFile, *, replace: bool = False) -> TeamFile:
    """Trusts `team` from now on (after the user has compared its fingerprint with the coordinator's).
    A home that trusts another team's CA refuses unless `replace`; the same team is taken if newer."""
    current = check_joinable(home, team, replace=replace)
    if current is not None and current.fingerprint == team.fingerprint and current.serial >= team.serial:
        return current
    _write_private_json(home / TEAM_FILE, dict(team.document))
    return team


def update_team(home: Path, team: TeamFile) -> bool:
    """Takes a newer team file from the team already trusted; False if it is the one held already."""
    current = load_joined_team(home)
    if current is None:
        raise NotJoined(home)
    if current.fingerprint != team.fingerprint or current.team_id != team.team_id:
        raise TeamMismatch(
            f"This team file was signed by another certificate authority (fingerprint {team.readable_fingerprint}) "
            f"than the team this home trusts ({current.name!r}, fingerprint {current.readable_fingerprint}). "
            "Nothing was changed. If your team really has a new authority, join it again with "
            "`caf-desktop team join --replace`."
        )
    if team.serial == current.serial and canonical_json(team.document) == canonical_json(current.document):
        return False
    if team.serial <= current.serial:
        raise TeamFileRejected(
            f"This team file (number {team.serial}, signed {team.issued_at:%Y-%m-%d}) is older than the one "
            f"this home has (number {current.serial}); nothing was changed. Ask your coordinator for the latest."
        )
    if is_coordinator(home):
        raise TeamExists("The coordinator's own team file changes with `team export`, not `team update`.")
    _write_private_json(home / TEAM_FILE, dict(team.document))
    return True


# --- enrolment ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnrolmentRequest:
    """A worker's request for a certificate: a PKCS#10 CSR (proof of possession of the key) inside a
    JSON document that the same key signs, so the team id and age recipient cannot be swapped."""

    team_id: str
    name: str
    organisation: str
    role: str
    age_recipient: str
    csr: x509.CertificateSigningRequest
    created_at: dt.datetime
    document: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def key_fingerprint(self) -> str:
        public = self.csr.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)  # checked when it was read
        return identity.key_digest(public)

    @property
    def readable_key_fingerprint(self) -> str:
        return identity.readable(self.key_fingerprint)


def make_request(home: Path, passphrase: str, *, now: dt.datetime | None = None) -> EnrolmentRequest:
    """An enrolment request for the team this home has joined, signed by the identity's key."""
    team = load_joined_team(home)
    if team is None:
        raise NotJoined(home)
    if is_coordinator(home):
        raise TeamExists(
            "The coordinator's certificate was issued when the team was made; no request is needed."
        )
    own = identity.load_identity(home, passphrase)
    csr = (
        x509.CertificateSigningRequestBuilder()
        .subject_name(own.certificate.subject)
        .sign(own.key, hashes.SHA256())
    )

    def attribute(oid: x509.ObjectIdentifier) -> str:
        found = own.certificate.subject.get_attributes_for_oid(oid)
        return str(found[0].value) if found else ""

    body = {
        "format": REQUEST_FORMAT,
        "kind": REQUEST_KIND,
        "team_id": team.team_id,
        "name": own.name,
        "organisation": attribute(NameOID.ORGANIZATION_NAME),
        "role": attribute(NameOID.ORGANIZATIONAL_UNIT_NAME),
        "age_recipient": own.age.recipient,
        "created_at": _timestamp(_now(now)),
        "csr": csr.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    }
    signature = own.key.sign(canonical_json(body), ec.ECDSA(hashes.SHA256()))
    document = {**body, "signature": base64.b64encode(signature).decode("ascii")}
    return parse_request(document, "the new request")


def parse_request(document: Any, source: str) -> EnrolmentRequest:
    fields = _Fields(document, source, "a CAF Desktop enrolment request", RequestInvalid)
    fields.check_kind(REQUEST_KIND, REQUEST_FORMAT)
    try:
        csr = x509.load_pem_x509_csr(fields.text("csr").encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise fields.fail("csr", "the certificate signing request cannot be read") from None
    signature = fields.base64("signature")
    request = EnrolmentRequest(
        team_id=fields.text("team_id"),
        name=fields.text("name"),
        organisation=fields.text("organisation", optional=True),
        role=fields.text("role", optional=True),
        age_recipient=fields.text("age_recipient"),
        csr=csr,
        created_at=fields.timestamp("created_at"),
        document=dict(fields.value),
    )
    public = csr.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(public.curve, ec.SECP256R1):
        raise RequestRejected(f"{source}: the request's key is not an ECDSA P-256 key, as CAF Desktop makes.")
    if not csr.is_signature_valid:
        raise RequestRejected(
            f"{source}: the certificate signing request's own signature does not verify, so it was changed "
            "or forged. Ask the worker to make a new request."
        )
    body = {key: value for key, value in fields.value.items() if key != "signature"}
    try:
        public.verify(signature, canonical_json(body), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise RequestRejected(
            f"{source}: the request was changed after the worker made it (its signature does not verify). "
            "Ask the worker to make a new request."
        ) from None
    names = csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if not names or str(names[0].value) != request.name:
        raise RequestRejected(
            f"{source}: the name in the request does not match the name in its key's request."
        )
    if not request.age_recipient.startswith("age1"):
        raise RequestRejected(f"{source}: the request's age recipient is not an age public key (age1...).")
    return request


def read_request(path: Path) -> EnrolmentRequest:
    return parse_request(jsonfiles.load(path), str(path))


@dataclass(frozen=True)
class IssuedCertificate:
    """What the coordinator sends back: the certificate, its chain (the CA) and the current team file."""

    team_id: str
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    team: TeamFile
    document: Mapping[str, Any] = field(repr=False, compare=False)


def issue_certificate(
    home: Path,
    passphrase: str,
    request: EnrolmentRequest,
    *,
    days: int = MEMBER_DAYS,
    now: dt.datetime | None = None,
) -> IssuedCertificate:
    """Issues a worker's certificate from the team CA for the key in `request`, and records it."""
    authority = load_authority(home, passphrase)
    state = authority.state
    if request.team_id != state.team_id:
        raise TeamMismatch(
            f"This request is for another team (team id {request.team_id}), not {state.name!r} "
            f"({state.team_id}). Ask the worker to join this team's file first, then make a new request."
        )
    key = request.key_fingerprint
    for revocation in state.revoked:
        revoked_member = next(
            (
                m
                for m in state.members
                if m.fingerprint == revocation.fingerprint or m.serial == revocation.serial
            ),
            None,
        )
        if revoked_member is not None and revoked_member.key == key:
            raise RequestRejected(
                f"A certificate for this key ({identity.readable(key)}) was revoked on {revocation.date}: the key may be "
                "in someone else's hands. The worker needs a new identity on a laptop you trust."
            )
    moment = _now(now)
    public = request.csr.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)  # parse_request checked it
    certificate = identity.signing_certificate(
        request.csr.subject, public, authority.certificate.subject, authority.key, days=days, now=moment
    )
    team = load_joined_team(home)
    if team is None or team.fingerprint != fingerprint(authority.certificate):
        team = _publish(home, authority, moment)
    state.members.append(_member(certificate, request.age_recipient, moment))
    _write_private_json(home / TEAM_STATE_FILE, state.as_json())
    document = {
        "format": ISSUED_FORMAT,
        "kind": ISSUED_KIND,
        "team_id": state.team_id,
        "certificate": certificate_pem(certificate),
        "chain": [certificate_pem(authority.certificate)],
        "team": dict(team.document),
    }
    return IssuedCertificate(state.team_id, certificate, (authority.certificate,), team, document)


def parse_issued(document: Any, source: str) -> IssuedCertificate:
    fields = _Fields(document, source, "a CAF Desktop certificate file", IssuedInvalid)
    fields.check_kind(ISSUED_KIND, ISSUED_FORMAT)
    chain_value = fields.value.get("chain")
    if not isinstance(chain_value, list):
        raise fields.fail("chain", "the certificate chain is missing")
    chain: list[x509.Certificate] = []
    for text in chain_value:
        try:
            chain.append(x509.load_pem_x509_certificate(str(text).encode("ascii")))
        except (ValueError, UnicodeEncodeError):
            raise fields.fail("chain", "a certificate of the chain cannot be read") from None
    team = parse_team_file(fields.value.get("team"), f"{source} (its team file)")
    return IssuedCertificate(
        fields.text("team_id"), fields.certificate("certificate"), tuple(chain), team, dict(fields.value)
    )


def read_issued(path: Path) -> IssuedCertificate:
    return parse_issued(jsonfiles.load(path), str(path))


@dataclass(frozen=True)
class Installed:
    identity: Identity
    team: TeamFile
    team_updated: bool


def install_issued(
    home: Path, passphrase: str, issued: IssuedCertificate, *, now: dt.datetime | None = None
) -> Installed:
    """Installs a certificate the coordinator issued, after checking that it comes from the team this home
    trusts and is for this identity's key; takes the team file it brings if that is newer."""
    current = load_joined_team(home)
    if current is None:
        raise NotJoined(home)
    certificate = issued.certificate
    if issued.team.fingerprint != current.fingerprint or issued.team_id != current.team_id:
        raise TeamMismatch(
            f"This certificate comes from another team ({issued.team.name!r}, fingerprint "
            f"{issued.team.readable_fingerprint}), not the one this home trusts ({current.name!r}). Nothing was changed."
        )
    if not _issued_by(certificate, current.ca_certificate):
        raise CertificateRejected(
            "That certificate was not issued by your team's certificate authority, so it was not installed. "
            "Ask your coordinator to issue it again."
        )
    moment = _now(now)
    if (
        not certificate.not_valid_before_utc
        <= moment + dt.timedelta(minutes=5)
        <= certificate.not_valid_after_utc
    ):
        raise CertificateRejected(
            f"That certificate is not valid now (valid from {certificate.not_valid_before_utc:%Y-%m-%d} to "
            f"{certificate.not_valid_after_utc:%Y-%m-%d}); check the laptop's clock, or ask for a new one."
        )
    newest = issued.team if issued.team.serial > current.serial else current
    if newest.is_revoked(certificate):
        raise CertificateRejected("That certificate has been revoked by the team; it was not installed.")
    try:
        installed = identity.install_certificate(home, passphrase, certificate, (current.ca_certificate,))
    except identity.CertificateMismatch:
        # A rejected file (exit status 1), where identity says it as an input error.
        raise CertificateRejected(
            "That certificate was issued for another key, not for this laptop's identity. Nothing was changed. "
            "Ask your coordinator for the certificate issued from your own enrolment request."
        ) from None
    updated = newest is not current
    if updated and not is_coordinator(home):
        _write_private_json(home / TEAM_FILE, dict(newest.document))
    return Installed(installed, newest, updated)


# --- revocation -----------------------------------------------------------------------------------------


def _hex_of(text: str) -> str | None:
    compact = re.sub(r"[\s:]", "", text).lower()
    return compact if re.fullmatch(r"[0-9a-f]{16,64}", compact) else None


def revoke(
    home: Path, passphrase: str, who: str, *, now: dt.datetime | None = None
) -> tuple[list[Revocation], TeamFile]:
    """Revokes the certificates of a member, named by certificate or key fingerprint (whole, or the
    first 16 or more hex digits, spaces allowed) or by name, and signs the next team file. Returns the
    new revocations (none if they were revoked already)."""
    authority = load_authority(home, passphrase)
    state = authority.state
    wanted = who.strip()
    if not wanted:
        raise TeamError("Name the certificate to revoke: its fingerprint, or the member's name.")
    digits = _hex_of(wanted)
    if digits is not None:
        chosen = [m for m in state.members if m.fingerprint.startswith(digits) or m.key.startswith(digits)]
    else:
        chosen = [m for m in state.members if m.name.casefold() == " ".join(wanted.split()).casefold()]
        if len({m.key for m in chosen}) > 1:
            listed = "; ".join(
                f"{m.name} ({m.organisation or 'no organisation'}): {m.fingerprint}" for m in chosen
            )
            raise TeamError(
                f"More than one member is called {wanted!r}. Revoke by fingerprint instead: {listed}."
            )
    own_keys = {public_key_digest(c.certificate) for c in state.coordinators}
    if any(m.key in own_keys for m in chosen):
        raise TeamError("That is a coordinator's own certificate; it cannot be revoked with `team revoke`.")
    moment = _now(now)
    date = moment.date().isoformat()
    if not chosen:
        if digits is not None and len(digits) == 64:
            # A certificate this laptop did not issue, or issued before its record was lost.
            chosen_revocations = [Revocation(digits, None, "(not in this team's records)", date)]
        else:
            raise TeamError(
                f"No member of the team is called or has the fingerprint {wanted!r}. "
                "`caf-desktop team show` lists the members."
            )
    else:
        chosen_revocations = [Revocation(m.fingerprint, m.serial, m.name, date) for m in chosen]
    already = {r.fingerprint for r in state.revoked if r.fingerprint}
    new = [r for r in chosen_revocations if r.fingerprint not in already]
    if not new:
        team = load_joined_team(home)
        if team is not None:
            return [], team
    state.revoked.extend(new)
    return new, _publish(home, authority, moment)


# --- the state of this laptop's certificate ---------------------------------------------------------------


@dataclass(frozen=True)
class CertificateStatus:
    """Where this home's certificate stands with its team.

    `state`: "missing", "self_signed", "issued_by_team", "issued_by_other", "revoked" or "expired"."""

    state: str
    certificate: x509.Certificate | None

    @property
    def chains_to_team(self) -> bool:
        return self.state == "issued_by_team"

    def describe(self) -> str:
        return {
            "missing": "There is no certificate in this home yet.",
            "self_signed": "Self-signed: not yet enrolled in a team. Send `team request` to your coordinator.",
            "issued_by_team": "Issued by the team's certificate authority.",
            "issued_by_other": "Issued by another certificate authority, not this team's: ask for a new one.",
            "revoked": "Revoked by the team: signatures made with it are refused.",
            "expired": "Expired: ask your coordinator for a new certificate.",
        }[self.state]


def certificate_status(
    home: Path, team: TeamFile | None, *, now: dt.datetime | None = None
) -> CertificateStatus:
    """The state of this home's certificate (from its public copy: no passphrase needed)."""
    certificates = identity.own_certificates(home)
    if not certificates:
        return CertificateStatus("missing", None)
    certificate = certificates[0]
    if certificate.issuer == certificate.subject and _issued_by(certificate, certificate):
        return CertificateStatus("self_signed", certificate)
    if team is None or not _issued_by(certificate, team.ca_certificate):
        return CertificateStatus("issued_by_other", certificate)
    if team.is_revoked(certificate):
        return CertificateStatus("revoked", certificate)
    if _now(now) > certificate.not_valid_after_utc:
        return CertificateStatus("expired", certificate)
    return CertificateStatus("issued_by_team", certificate)
