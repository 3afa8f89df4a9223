"""Detached CMS signatures: made with pyHanko, checked to the team CA, and verified by openssl too."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from caf_desktop.trust import cms, identity, team
from caf_desktop.trust.identity import Identity
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.conftest import require_tool

MANIFEST = b'{"format": 1, "bundle": "0b6c6f0e-8a0e-4f4e-9d4e-3f1c2d5e6a7b", "records": 3}\n'


def make_ca(name: str = "Testford Locality Team CA") -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A team CA made the way `team init` makes one."""
    return team.new_certificate_authority(name, str(uuid.uuid4()), dt.datetime.now(dt.UTC))


CA = make_ca()
OTHER_CA = make_ca("Elsewhere Locality Team CA")


def member(
    name: str,
    ca: tuple[ec.EllipticCurvePrivateKey, x509.Certificate] = CA,
    *,
    days: int = 730,
    now: dt.datetime | None = None,
) -> Identity:
    """A practitioner enrolled in the team of `ca`."""
    made = identity.create_identity(name, "Testford Family Hub")
    ca_key, ca_certificate = ca
    certificate = identity.signing_certificate(
        made.certificate.subject, made.key.public_key(), ca_certificate.subject, ca_key, days=days, now=now
    )
    return Identity(made.key, certificate, (ca_certificate,), made.age)


@pytest.fixture(scope="module")
def worker() -> Identity:
    return member("Nia Fieldwright")


@pytest.fixture(scope="module")
def signature(worker: Identity) -> bytes:
    return cms.sign_detached(MANIFEST, worker)


def pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def test_a_signature_verifies_and_names_its_signer(worker: Identity, signature: bytes) -> None:
    signer = cms.verify_detached(MANIFEST, signature, trust_roots=[CA[1]])
    assert signer.certificate == worker.certificate
    assert signer.name == "Nia Fieldwright"
    assert signer.fingerprint == worker.fingerprint
    assert signer.signing_time is not None
    assert abs(signer.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_the_signature_is_a_detached_cades_signed_data(worker: Identity, signature: bytes) -> None:
    from asn1crypto import cms as asn1_cms  # type: ignore[import-untyped, unused-ignore]

    content_info = asn1_cms.ContentInfo.load(signature)
    assert content_info["content_type"].native == "signed_data"
    signed_data = content_info["content"]
    assert signed_data["encap_content_info"]["content"].native is None  # detached
    (signer_info,) = signed_data["signer_infos"]
    attributes = {a["type"].native for a in signer_info["signed_attrs"]}
    assert {"content_type", "message_digest", "signing_certificate_v2"} <= attributes
    embedded = {c.chosen.dump() for c in signed_data["certificates"]}
    assert worker.certificate.public_bytes(serialization.Encoding.DER) in embedded
    assert CA[1].public_bytes(serialization.Encoding.DER) in embedded


def test_changed_data_is_rejected(signature: bytes) -> None:
    with pytest.raises(cms.SignatureRejected, match="changed after it was signed") as caught:
        cms.verify_detached(MANIFEST.replace(b"3", b"4"), signature, trust_roots=[CA[1]])
    assert caught.value.exit_status == 1


def test_a_damaged_signature_value_is_rejected(signature: bytes) -> None:
    damaged = bytearray(signature)
    # The ECDSA signature value sits at the end of the SignerInfo, the last thing in the file.
    damaged[-5] ^= 0x01
    with pytest.raises(cms.SignatureRejected):
        cms.verify_detached(MANIFEST, bytes(damaged), trust_roots=[CA[1]])


@pytest.mark.parametrize(
    "not_cms",
    [
        b"",
        b"hello",
        b"\x30\x03\x02\x01\x05",
        pem(CA[1]),
        b"-----BEGIN PKCS7-----\nAAAA\n-----END PKCS7-----\n",
    ],
    ids=["empty", "text", "another-der", "a-certificate", "bad-pem"],
)
def test_a_file_that_is_not_cms_is_rejected(not_cms: bytes) -> None:
    with pytest.raises(cms.SignatureRejected, match="not a signature CAF Desktop can read"):
        cms.verify_detached(MANIFEST, not_cms, trust_roots=[CA[1]])


def test_a_pem_armoured_signature_is_read_too(worker: Identity, signature: bytes) -> None:
    from asn1crypto import pem as asn1_pem  # type: ignore[import-untyped, unused-ignore]

    armoured = asn1_pem.armor("CMS", signature)
    assert cms.verify_detached(MANIFEST, armoured, trust_roots=[CA[1]]).certificate == worker.certificate


def test_a_signer_from_another_team_is_rejected() -> None:
    stranger = member("Oren Elsewhere", OTHER_CA)
    with pytest.raises(cms.SignatureRejected, match="not issued by this team's certificate authority"):
        cms.verify_detached(MANIFEST, cms.sign_detached(MANIFEST, stranger), trust_roots=[CA[1]])


def test_a_self_signed_signer_is_rejected() -> None:
    newcomer = identity.create_identity("Petra Notyet")
    with pytest.raises(cms.SignatureRejected, match="self-signed"):
        cms.verify_detached(MANIFEST, cms.sign_detached(MANIFEST, newcomer), trust_roots=[CA[1]])


def test_a_signer_claiming_a_forged_chain_is_rejected() -> None:
    """A stranger's CA with the team CA's very name, embedded in the signature, changes nothing."""
    forged_ca = make_ca("Testford Locality Team CA")
    impostor = member("Quinn Impostor", forged_ca)
    with pytest.raises(cms.SignatureRejected, match="not issued by this team's"):
        cms.verify_detached(MANIFEST, cms.sign_detached(MANIFEST, impostor), trust_roots=[CA[1]])


def test_a_revoked_signer_is_rejected(worker: Identity, signature: bytes) -> None:
    with pytest.raises(cms.SignatureRejected, match="revoked"):
        cms.verify_detached(
            MANIFEST, signature, trust_roots=[CA[1]], revoked_fingerprints=[worker.fingerprint]
        )
    with pytest.raises(cms.SignatureRejected, match="revoked"):
        cms.verify_detached(
            MANIFEST, signature, trust_roots=[CA[1]], revoked_serials=[worker.certificate.serial_number]
        )
    other = member("Rhys Unrelated")
    assert cms.verify_detached(
        MANIFEST, signature, trust_roots=[CA[1]], revoked_fingerprints=[other.fingerprint]
    )


def test_an_expired_certificate_is_rejected(worker: Identity, signature: bytes) -> None:
    later = worker.certificate.not_valid_after_utc + dt.timedelta(days=1)
    with pytest.raises(cms.SignatureRejected, match="expired on"):
        cms.verify_detached(MANIFEST, signature, trust_roots=[CA[1]], at=later)
    earlier = worker.certificate.not_valid_before_utc - dt.timedelta(days=1)
    with pytest.raises(cms.SignatureRejected, match="not valid until"):
        cms.verify_detached(MANIFEST, signature, trust_roots=[CA[1]], at=earlier)


def test_a_certificate_that_expired_before_signing_is_rejected() -> None:
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=1000)
    lapsed = member("Sol Lapsed", days=30, now=long_ago)
    with pytest.raises(cms.SignatureRejected, match="expired on"):
        cms.verify_detached(MANIFEST, cms.sign_detached(MANIFEST, lapsed), trust_roots=[CA[1]])


def test_a_file_signed_by_the_root_itself_obeys_the_roots_dates() -> None:
    ca_key, ca_certificate = CA
    signature = cms.sign_detached_with(MANIFEST, ca_key, ca_certificate)
    assert (
        cms.verify_detached(MANIFEST, signature, trust_roots=[ca_certificate]).certificate == ca_certificate
    )
    with pytest.raises(cms.SignatureRejected, match="expired"):
        cms.verify_detached(
            MANIFEST,
            signature,
            trust_roots=[ca_certificate],
            at=ca_certificate.not_valid_after_utc + dt.timedelta(days=1),
        )


def test_no_trust_roots_trusts_nothing(signature: bytes) -> None:
    with pytest.raises(cms.SignatureRejected, match="no team certificate authority"):
        cms.verify_detached(MANIFEST, signature, trust_roots=[])


def test_a_naive_time_is_taken_as_utc(signature: bytes) -> None:
    naive = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert cms.verify_detached(MANIFEST, signature, trust_roots=[CA[1]], at=naive)


def test_signing_and_verifying_work_inside_a_running_event_loop(worker: Identity) -> None:
    async def inside() -> cms.Signer:
        made = cms.sign_detached(MANIFEST, worker)
        return cms.verify_detached(MANIFEST, made, trust_roots=[CA[1]])

    assert asyncio.run(inside()).certificate == worker.certificate


# --- openssl ---------------------------------------------------------------------------------------------


def openssl_verify(
    folder: Path, content: bytes, signature: bytes, *extra: str
) -> subprocess.CompletedProcess[str]:
    openssl = require_tool("openssl")
    (folder / "manifest.json").write_bytes(content)
    (folder / "manifest.json.p7s").write_bytes(signature)
    (folder / "ca.pem").write_bytes(pem(CA[1]))
    return subprocess.run(
        [
            openssl,
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(folder / "manifest.json.p7s"),
            "-content",
            str(folder / "manifest.json"),
            "-CAfile",
            str(folder / "ca.pem"),
            "-out",
            os.devnull,
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.needs_tool("openssl")
@pytest.mark.parametrize("purpose", [(), ("-purpose", "any")], ids=["smime-purpose", "any-purpose"])
def test_openssl_verifies_the_signature(tmp_path: Path, signature: bytes, purpose: tuple[str, ...]) -> None:
    result = openssl_verify(tmp_path, MANIFEST, signature, *purpose)
    assert result.returncode == 0, result.stderr
    assert "Verification successful" in result.stderr


@pytest.mark.needs_tool("openssl")
def test_openssl_rejects_changed_content(tmp_path: Path, signature: bytes) -> None:
    result = openssl_verify(tmp_path, MANIFEST + b" ", signature, "-purpose", "any")
    assert result.returncode != 0
    assert "Verification failure" in result.stderr


@pytest.mark.needs_tool("openssl")
def test_openssl_rejects_a_signer_from_another_team(tmp_path: Path) -> None:
    stranger = member("Oren Elsewhere", OTHER_CA)
    result = openssl_verify(tmp_path, MANIFEST, cms.sign_detached(MANIFEST, stranger), "-purpose", "any")
    assert result.returncode != 0


@pytest.mark.needs_tool("openssl")
def test_a_signature_made_by_openssl_verifies_here(tmp_path: Path, worker: Identity) -> None:
    openssl = require_tool("openssl")
    (tmp_path / "manifest.json").write_bytes(MANIFEST)
    (tmp_path / "signer.pem").write_bytes(pem(worker.certificate))
    (tmp_path / "key.pem").write_bytes(
        worker.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    subprocess.run(
        [
            openssl,
            "cms",
            "-sign",
            "-binary",
            "-outform",
            "DER",
            "-in",
            str(tmp_path / "manifest.json"),
            "-signer",
            str(tmp_path / "signer.pem"),
            "-inkey",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "manifest.json.p7s"),
        ],
        check=True,
        capture_output=True,
    )
    made = (tmp_path / "manifest.json.p7s").read_bytes()
    assert cms.verify_detached(MANIFEST, made, trust_roots=[CA[1]]).certificate == worker.certificate
