"""The practitioner's identity: a signing key with its X.509 certificate, and an age key for bundles.

Both live in the home folder, protected by the same passphrase as the store:

- `identity.p12`: a standard PKCS#12 file (openssl and other tools read it) with the signing key
  (ECDSA P-256), the user's certificate and the chain that issued it. Self-signed until the team's
  coordinator issues a certificate from the team CA (`install_certificate`).
- `age-identity.json`: the X25519 age identity that opens bundles sent to this user, sealed with
  scrypt and AES-256-GCM like the database key (age's own passphrase files cost about 1.5 s to
  open here; scrypt at the store's cost takes about 0.1 s).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from caf_desktop.common import atomic, jsonfiles
from caf_desktop.common.errors import CafError, InputFileError, UnsupportedFormat
from caf_desktop.trust.keyfile import DEFAULT_COST, MAX_COST, MIN_COST, WrongPassphrase, derive_key

IDENTITY_FILE = "identity.p12"
CERTIFICATE_FILE = "certificate.pem"  # the public certificate and its chain, readable without the passphrase
AGE_IDENTITY_FILE = "age-identity.json"
AGE_FILE_FORMAT = 1
SELF_SIGNED_YEARS = 3
_AGE_PURPOSE = b"caf-desktop age identity"

Role = str  # "worker" or "coordinator"


class IdentityMissing(CafError):
    def __init__(self, home: Path) -> None:
        super().__init__(
            f"There is no signing identity in {home}. Run `caf-desktop init` (or open the app) to make one."
        )


class IdentityDamaged(CafError):
    def __init__(self, path: Path) -> None:
        super().__init__(
            f"The identity file {path} cannot be read: it is damaged or is not a CAF Desktop identity. "
            "Restore it from a backup, or ask your coordinator to issue you a new certificate."
        )


class CertificateMismatch(CafError):
    def __init__(self) -> None:
        super().__init__(
            "That certificate was issued for another key, not for this laptop's identity. "
            "Ask your coordinator for the certificate issued from your own enrolment request."
        )


def fingerprint(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, in hex: how certificates are named in files and audit events."""
    return certificate.fingerprint(hashes.SHA256()).hex()


def readable(digest: str) -> str:
    """The first half of a hex digest in groups of four, short enough to read aloud on the telephone."""
    short = digest[:32].upper()
    return " ".join(short[index : index + 4] for index in range(0, len(short), 4))


def readable_fingerprint(certificate: x509.Certificate) -> str:
    return readable(fingerprint(certificate))


def common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else "(no name)"


@dataclass(frozen=True)
class AgeKey:
    """An age X25519 identity: `secret` is AGE-SECRET-KEY-1..., `recipient` is age1..."""

    secret: str
    recipient: str

    @classmethod
    def generate(cls) -> AgeKey:
        import pyrage  # noqa: PLC0415 - a native module, loaded only when keys are made or used

        identity = pyrage.x25519.Identity.generate()
        return cls(str(identity), str(identity.to_public()))

    def key_file_text(self, created: dt.datetime | None = None) -> str:
        """age's own key-file format, as `age-keygen` writes it (for `age -d -i FILE`)."""
        created = created or dt.datetime.now(dt.UTC).replace(microsecond=0)
        return f"# created: {created.isoformat()}\n# public key: {self.recipient}\n{self.secret}\n"


@dataclass(frozen=True)
class Identity:
    """The user's signing key and certificate, the chain above it, and their age key."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    age: AgeKey

    @property
    def name(self) -> str:
        return common_name(self.certificate)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)

    @property
    def self_signed(self) -> bool:
        return self.certificate.issuer == self.certificate.subject

    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _subject(name: str, organisation: str, role: Role) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, name[:64])]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]))
    attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, role[:64]))
    return x509.Name(attributes)


def signing_certificate(
    subject: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    days: int,
    now: dt.datetime | None = None,
) -> x509.Certificate:
    """An end-entity certificate for signing documents and bundle manifests."""
    now = now or dt.datetime.now(dt.UTC)
    issuer_public = issuer_key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, ExtendedKeyUsageOID.CODE_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


def create_identity(name: str, organisation: str = "", role: Role = "worker") -> Identity:
    """A new key pair with a self-signed certificate, and a new age key."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _subject(name, organisation, role)
    certificate = signing_certificate(subject, key.public_key(), subject, key, days=365 * SELF_SIGNED_YEARS)
    return Identity(key, certificate, (), AgeKey.generate())


def _private(path: Path) -> None:
    if os.name == "posix":
        path.chmod(0o600)


def write_pkcs12(
    path: Path,
    name: str,
    key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...],
    *,
    passphrase: str,
) -> None:
    """A key and its certificates as a passphrase-protected PKCS#12 file, whole or not at all, readable
    by the user only (the identity's, and a coordinator's team CA)."""
    p12 = pkcs12.serialize_key_and_certificates(
        name.encode("utf-8"),
        key,
        certificate,
        list(chain) or None,
        serialization.BestAvailableEncryption(passphrase.encode("utf-8")),
    )
    atomic.write_bytes(path, p12)
    _private(path)


class Pkcs12Damaged(ValueError):
    """Not a PKCS#12 file holding an ECDSA key and its certificate."""


def read_pkcs12(
    data: bytes, passphrase: str
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, tuple[x509.Certificate, ...]]:
    """The key, certificate and chain in a PKCS#12 file's bytes (`WrongPassphrase`, `Pkcs12Damaged`)."""
    try:
        loaded = pkcs12.load_pkcs12(data, passphrase.encode("utf-8"))
    except ValueError as error:
        # cryptography says "Invalid password or PKCS12 data" for both; a PKCS#12 without a
        # password tells them apart.
        try:
            pkcs12.load_pkcs12(data, None)
        except ValueError:
            if data[:1] == b"\x30":  # a DER sequence: a PKCS#12 we cannot open with this passphrase
                raise WrongPassphrase() from None
        raise Pkcs12Damaged() from error
    key = loaded.key
    if not isinstance(key, ec.EllipticCurvePrivateKey) or loaded.cert is None:
        raise Pkcs12Damaged()
    return key, loaded.cert.certificate, tuple(item.certificate for item in loaded.additional_certs)


def save_identity(home: Path, identity: Identity, passphrase: str, *, cost: int = DEFAULT_COST) -> None:
    """Writes both files, each whole or not at all, readable by the user only."""
    write_pkcs12(
        home / IDENTITY_FILE,
        identity.name,
        identity.key,
        identity.certificate,
        identity.chain,
        passphrase=passphrase,
    )
    pem = b"".join(
        certificate.public_bytes(serialization.Encoding.PEM)
        for certificate in (identity.certificate, *identity.chain)
    )
    atomic.write_bytes(home / CERTIFICATE_FILE, pem)
    atomic.write_json(home / AGE_IDENTITY_FILE, _seal(identity.age, passphrase, cost))
    _private(home / AGE_IDENTITY_FILE)


def _seal(age: AgeKey, passphrase: str, cost: int) -> dict[str, Any]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    sealed = AESGCM(derive_key(passphrase, salt, cost)).encrypt(
        nonce, age.secret.encode("ascii"), _AGE_PURPOSE
    )
    return {
        "format": AGE_FILE_FORMAT,
        "recipient": age.recipient,
        "kdf": {"name": "scrypt", "n": cost, "r": 8, "p": 1, "salt": salt.hex()},
        "cipher": "AES-256-GCM",
        "nonce": nonce.hex(),
        "sealed_identity": sealed.hex(),
    }


def _unseal(path: Path, passphrase: str) -> AgeKey:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: PLC0415

    try:
        raw = jsonfiles.load(path)
    except InputFileError as error:
        raise IdentityDamaged(path) from error
    try:
        if int(raw.get("format", 0)) > AGE_FILE_FORMAT:
            raise UnsupportedFormat(
                f"The file {path} was written by a newer version of CAF Desktop. Update CAF Desktop to use it."
            )
        salt, nonce = bytes.fromhex(raw["kdf"]["salt"]), bytes.fromhex(raw["nonce"])
        sealed, cost, recipient = (
            bytes.fromhex(raw["sealed_identity"]),
            int(raw["kdf"]["n"]),
            str(raw["recipient"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise IdentityDamaged(path) from error
    if not MIN_COST <= cost <= MAX_COST or cost & (cost - 1) or len(nonce) != 12:
        raise IdentityDamaged(path)
    try:
        secret = AESGCM(derive_key(passphrase, salt, cost)).decrypt(nonce, sealed, _AGE_PURPOSE)
    except InvalidTag:
        raise WrongPassphrase() from None
    return AgeKey(secret.decode("ascii"), recipient)


def own_certificates(home: Path) -> tuple[x509.Certificate, ...]:
    """The user's certificate and its chain, from the public copy (empty if there is none yet)."""
    try:
        return tuple(x509.load_pem_x509_certificates((home / CERTIFICATE_FILE).read_bytes()))
    except (OSError, ValueError):
        return ()


def has_identity(home: Path) -> bool:
    return (home / IDENTITY_FILE).is_file()


def load_identity(home: Path, passphrase: str) -> Identity:
    """The user's identity (`IdentityMissing`, `WrongPassphrase` or `IdentityDamaged` otherwise)."""
    path = home / IDENTITY_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise IdentityMissing(home) from None
    except OSError as error:
        raise IdentityDamaged(path) from error
    try:
        key, certificate, chain = read_pkcs12(data, passphrase)
    except Pkcs12Damaged as error:
        raise IdentityDamaged(path) from error
    return Identity(key, certificate, chain, _unseal(home / AGE_IDENTITY_FILE, passphrase))


def install_certificate(
    home: Path, passphrase: str, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...]
) -> Identity:
    """Replaces the self-signed certificate with one the team issued for the same key."""
    identity = load_identity(home, passphrase)
    if certificate.public_key() != identity.key.public_key():
        raise CertificateMismatch()
    updated = Identity(identity.key, certificate, chain, identity.age)
    save_identity(home, updated, passphrase)
    return updated


def change_passphrase(home: Path, old: str, new: str) -> None:
    """Re-protects both identity files under a new passphrase (with the store's, they share one)."""
    if not has_identity(home):
        return
    save_identity(home, load_identity(home, old), new)


def key_digest(key: CertificatePublicKeyTypes) -> str:
    """SHA-256 of a public key (its SubjectPublicKeyInfo), in hex."""
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(der).hexdigest()


def public_key_digest(certificate: x509.Certificate) -> str:
    """SHA-256 of the certificate's public key: the same key keeps it when its certificate is reissued."""
    return key_digest(certificate.public_key())
