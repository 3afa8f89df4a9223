"""The coordinator's authority: the team CA's key, the team state (members, age recipients, contacts) and publishing the team file."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from caf_desktop.common import atomic, jsonfiles
from caf_desktop.common.errors import UnsupportedFormat
from caf_desktop.trust import cms, identity
from caf_desktop.trust.identity import Identity, common_name, fingerprint, public_key_digest
from caf_desktop.trust.teamfile import (
    CA_DAYS,
    MEMBER_DAYS,
    SETTABLE_CONTACTS,
    STATE_FORMAT,
    TEAM_CA_FILE,
    TEAM_FILE,
    TEAM_FORMAT,
    TEAM_KIND,
    TEAM_STATE_FILE,
    Coordinator,
    DocumentFields,
    NotACoordinator,
    Revocation,
    TeamContact,
    TeamError,
    TeamExists,
    TeamFile,
    TeamFileInvalid,
    canonical_json,
    certificate_pem,
    default_contacts,
    make_private,
    now_or_given,
    parse_team_file,
    serial_hex,
    utc_timestamp,
    write_private_json,
)

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
            "serial": serial_hex(self.serial),
            "key": self.key,
            "age_recipient": self.age_recipient,
            "issued_at": self.issued_at,
            "not_after": self.not_after,
        }

    @classmethod
    def from_json(cls, fields: DocumentFields) -> Member:
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
    fields = DocumentFields(jsonfiles.load(path), source, "team state file", TeamFileInvalid)
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


def new_member(certificate: x509.Certificate, age_recipient: str, now: dt.datetime) -> Member:
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
        issued_at=utc_timestamp(now),
        not_after=utc_timestamp(certificate.not_valid_after_utc),
    )


def _signed(authority: TeamAuthority, now: dt.datetime) -> TeamFile:
    state = authority.state
    body = {
        "format": TEAM_FORMAT,
        "kind": TEAM_KIND,
        "team_id": state.team_id,
        "name": state.name,
        "serial": state.serial,
        "issued_at": utc_timestamp(now),
        "ca_certificate": certificate_pem(authority.certificate),
        "coordinators": [c.as_json() for c in state.coordinators],
        "revoked": [r.as_json() for r in state.revoked],
        "contacts": [c.as_json() for c in state.contacts],
    }
    signature = cms.sign_detached_with(canonical_json(body), authority.key, authority.certificate)
    document = {**body, "signature": base64.b64encode(signature).decode("ascii")}
    return parse_team_file(document, "the new team file")


def publish_team_file(home: Path, authority: TeamAuthority, now: dt.datetime) -> TeamFile:
    """Signs the next team file and keeps it, and the state, in the coordinator's home."""
    authority.state.serial += 1
    team = _signed(authority, now)
    write_private_json(home / TEAM_STATE_FILE, authority.state.as_json())
    write_private_json(home / TEAM_FILE, dict(team.document))
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
    moment = now_or_given(now)
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
        members=[new_member(coordinator_certificate, own.age.recipient, moment)],
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
    write_private_json(home / TEAM_STATE_FILE, state.as_json())
    write_private_json(home / TEAM_FILE, dict(team.document))
    _save_ca(home, ca_key, ca_certificate, passphrase)
    return team


def export_team(home: Path, passphrase: str, *, now: dt.datetime | None = None) -> TeamFile:
    """Signs the team file afresh, with the next serial number, and keeps it as home/team.json."""
    return publish_team_file(home, load_authority(home, passphrase), now_or_given(now))


def set_contacts(
    home: Path, passphrase: str, numbers: Mapping[str, str], *, now: dt.datetime | None = None
) -> TeamFile:
    """Sets locality contact numbers (ids of SETTABLE_CONTACTS) and signs the next team file."""
    authority = load_authority(home, passphrase)
    authority.state.contacts = _contacts_with(authority.state.contacts, numbers)
    return publish_team_file(home, authority, now_or_given(now))


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
    make_private(out)
