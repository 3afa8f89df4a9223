"""Enrolment: a worker's certificate request, the coordinator issuing the certificate, and installing it."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from caf_desktop.common import jsonfiles
from caf_desktop.trust import identity
from caf_desktop.trust.authority import is_coordinator, load_authority, new_member, publish_team_file
from caf_desktop.trust.identity import Identity, fingerprint
from caf_desktop.trust.teamfile import (
    ISSUED_FORMAT,
    ISSUED_KIND,
    MEMBER_DAYS,
    REQUEST_FORMAT,
    REQUEST_KIND,
    TEAM_FILE,
    TEAM_STATE_FILE,
    CertificateRejected,
    DocumentFields,
    IssuedInvalid,
    NotJoined,
    RequestInvalid,
    RequestRejected,
    TeamExists,
    TeamFile,
    TeamMismatch,
    canonical_json,
    certificate_pem,
    issued_by,
    load_joined_team,
    now_or_given,
    parse_team_file,
    utc_timestamp,
    write_private_json,
)

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
        "created_at": utc_timestamp(now_or_given(now)),
        "csr": csr.public_bytes(serialization.Encoding.PEM).decode("ascii"),
    }
    signature = own.key.sign(canonical_json(body), ec.ECDSA(hashes.SHA256()))
    document = {**body, "signature": base64.b64encode(signature).decode("ascii")}
    return parse_request(document, "the new request")


def parse_request(document: Any, source: str) -> EnrolmentRequest:
    fields = DocumentFields(document, source, "a CAF Desktop enrolment request", RequestInvalid)
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
    moment = now_or_given(now)
    public = request.csr.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)  # parse_request checked it
    certificate = identity.signing_certificate(
        request.csr.subject, public, authority.certificate.subject, authority.key, days=days, now=moment
    )
    team = load_joined_team(home)
    if team is None or team.fingerprint != fingerprint(authority.certificate):
        team = publish_team_file(home, authority, moment)
    state.members.append(new_member(certificate, request.age_recipient, moment))
    write_private_json(home / TEAM_STATE_FILE, state.as_json())
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
    fields = DocumentFields(document, source, "a CAF Desktop certificate file", IssuedInvalid)
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
    if not issued_by(certificate, current.ca_certificate):
        raise CertificateRejected(
            "That certificate was not issued by your team's certificate authority, so it was not installed. "
            "Ask your coordinator to issue it again."
        )
    moment = now_or_given(now)
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
        write_private_json(home / TEAM_FILE, dict(newest.document))
    return Installed(installed, newest, updated)
