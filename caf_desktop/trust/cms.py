"""Detached CMS signatures (CAdES-BES, made and checked with pyHanko) over bundle manifests and team files.

Public API (the bundle and team modules code against these names; keep them stable):

- `sign_detached(data, identity) -> bytes`: DER `ContentInfo` holding a detached `SignedData` over
  `data`, by the identity's key, with its certificate and chain embedded and the CAdES
  signing-certificate-v2 attribute. `sign_detached_with(data, key, certificate, chain)` does the same
  for a key that is not a user's identity (the team CA signing the team file).
- `verify_detached(data, signature, *, trust_roots, revoked_fingerprints=(), revoked_serials=(),
  at=None) -> Signer`: who signed, or `SignatureRejected` (exit status 1) with a plain reason.
  A signature is accepted only when pyHanko's `bottom_line` holds (intact, cryptographically valid,
  trusted to one of `trust_roots` at `at`, key usage allowed) and the signer is not revoked.

The same files verify with standard tools:

    openssl cms -verify -binary -inform DER -in manifest.json.p7s -content manifest.json \\
        -CAfile team-ca.pem -out /dev/null

(the worker certificates carry the emailProtection key purpose, which is what openssl's default
S/MIME signing purpose looks for; `-purpose any` works as well).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import logging
from collections.abc import Collection, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from caf_desktop.common.errors import CafError
from caf_desktop.trust.identity import Identity, common_name, fingerprint

DIGEST_ALGORITHM = "sha256"
# Keys that may sign: identity certificates carry both, the team CA carries digitalSignature.
_SIGNING_KEY_USAGES = frozenset({"digital_signature", "non_repudiation"})

_Result = TypeVar("_Result")

# pyHanko logs every rejected signature with its stack; the rejection is reported here, in a sentence.
# A NullHandler keeps Python's last-resort handler from printing those logs on the terminal, and lets
# an application that configures logging still collect them.
for _logger_name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_logger_name).addHandler(logging.NullHandler())


class SignatureRejected(CafError):
    """A signature that must not be relied on; `reason` is the plain sentence without a file name."""

    exit_status = 1

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Signer:
    """Who made a signature that verified."""

    certificate: x509.Certificate
    signing_time: dt.datetime | None  # as the signer's laptop claimed it; not proof of time

    @property
    def name(self) -> str:
        return common_name(self.certificate)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.certificate)


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _run(coroutine: Coroutine[Any, Any, _Result]) -> _Result:
    """Runs one of pyHanko's coroutines to the end, also from code already inside an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, coroutine).result()


def sign_detached_with(
    data: bytes,
    key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
    chain: Sequence[x509.Certificate] = (),
) -> bytes:
    """A DER detached CMS SignedData (CAdES-BES) over `data` by `key`, embedding `certificate` and `chain`."""
    from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415
    from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415
    from pyhanko.sign import signers  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415
    from pyhanko_certvalidator.registry import SimpleCertificateStore  # noqa: PLC0415

    signing_key = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    registry = SimpleCertificateStore()  # type: ignore[no-untyped-call, unused-ignore]
    registry.register_multiple([asn1_x509.Certificate.load(_der(c)) for c in chain])
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(_der(certificate)),
        signing_key=signing_key,
        cert_registry=registry,
    )
    content_info = _run(signer.async_sign_general_data(data, DIGEST_ALGORITHM, detached=True, use_cades=True))
    signature: bytes = content_info.dump()
    return signature


def sign_detached(data: bytes, identity: Identity) -> bytes:
    """A DER detached CMS SignedData (CAdES-BES) over `data` by the user's identity."""
    return sign_detached_with(data, identity.key, identity.certificate, identity.chain)


def _signed_data(signature: bytes) -> Any:
    """The SignedData of a DER (or PEM) CMS ContentInfo, or `SignatureRejected`."""
    from asn1crypto import cms as asn1_cms  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415
    from asn1crypto import pem  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415

    not_cms = SignatureRejected(
        "The signature file is not a signature CAF Desktop can read: it is damaged or is another kind of file."
    )
    try:
        if pem.detect(signature):
            _, _, signature = pem.unarmor(signature)
        content_info = asn1_cms.ContentInfo.load(signature)
        if content_info["content_type"].native != "signed_data":
            raise not_cms
        signed_data = content_info["content"]
        signer_infos = signed_data["signer_infos"]
        count = len(signer_infos)
        signed_data.native  # noqa: B018 - parses every part now, so damage shows here and not later
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        raise not_cms from None
    if count != 1:
        raise SignatureRejected(
            f"The signature file holds {count} signatures; CAF Desktop expects exactly one, by the sender."
        )
    return signed_data


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _in_date(certificate: x509.Certificate, moment: dt.datetime) -> bool:
    return certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc


def _why_untrusted(
    certificate: x509.Certificate, trust_roots: Sequence[x509.Certificate], at: dt.datetime, problem: str
) -> str:
    name = common_name(certificate)
    issuers = [root for root in trust_roots if root == certificate or _issued_by(certificate, root)]
    if not issuers:
        if certificate.issuer == certificate.subject:
            return (
                f"The signer ({name}) used a self-signed certificate, not one issued by the team: "
                "they have not been enrolled in the team yet. Ask them to send an enrolment request."
            )
        return (
            f"The signer ({name}) holds a certificate that was not issued by this team's certificate "
            "authority. It comes from another team, or it is forged."
        )
    if at > certificate.not_valid_after_utc:
        return (
            f"The signer's certificate ({name}) expired on {certificate.not_valid_after_utc:%Y-%m-%d}. "
            "They need a new certificate from the coordinator."
        )
    if at < certificate.not_valid_before_utc:
        return (
            f"The signer's certificate ({name}) is not valid until "
            f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC: check the laptop's clock."
        )
    for root in issuers:
        if at > root.not_valid_after_utc:
            return f"The team's certificate authority expired on {root.not_valid_after_utc:%Y-%m-%d}."
    return f"The signer's certificate ({name}) cannot be trusted: {problem}."


def verify_detached(
    data: bytes,
    signature: bytes,
    *,
    trust_roots: Sequence[x509.Certificate],
    revoked_fingerprints: Collection[str] = (),
    revoked_serials: Collection[int] = (),
    at: dt.datetime | None = None,
) -> Signer:
    """Who signed `data` with the detached CMS `signature`, if it verifies to one of `trust_roots` at `at`
    (default: now) and the signer's certificate is not revoked (by SHA-256 fingerprint, or by serial
    number of a certificate issued by one of the roots); `SignatureRejected` otherwise."""
    from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415
    from pyhanko.sign.validation import async_validate_detached_cms  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415
    from pyhanko.sign.validation.errors import SignatureValidationError  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415
    from pyhanko.sign.validation.settings import KeyUsageConstraints  # type: ignore[import-untyped, unused-ignore]  # noqa: PLC0415
    from pyhanko_certvalidator import ValidationContext  # noqa: PLC0415

    if not trust_roots:
        raise SignatureRejected("There is no team certificate authority to check the signature against.")
    moment = _utc(at or dt.datetime.now(dt.UTC))
    signed_data = _signed_data(signature)
    context = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(_der(root)) for root in trust_roots],
        moment=moment,
        allow_fetching=False,  # a laptop is offline; revocation is the team file's list, checked below
        revocation_mode="soft-fail",
    )
    try:
        status = _run(
            async_validate_detached_cms(
                data,
                signed_data,
                signer_validation_context=context,
                key_usage_settings=KeyUsageConstraints(key_usage=set(_SIGNING_KEY_USAGES)),
            )
        )
    except (SignatureValidationError, ValueError, TypeError, KeyError) as error:
        raise SignatureRejected(
            f"The signature cannot be checked: it is damaged or made in a way CAF Desktop does not accept ({_sentence(error)})."
        ) from None
    try:
        certificate = x509.load_der_x509_certificate(status.signing_cert.dump())
    except (AttributeError, ValueError):
        raise SignatureRejected(
            "The signature does not carry the signer's certificate, so nobody can tell who made it."
        ) from None
    if not status.intact:
        raise SignatureRejected(
            "The signed content was changed after it was signed (it no longer matches its signature)."
        )
    if not status.valid:
        raise SignatureRejected(
            "The signature itself is broken: it was not made by the certificate it names."
        )
    revoked = fingerprint(certificate) in {f.lower() for f in revoked_fingerprints} or (
        certificate.serial_number in set(revoked_serials)
        and any(_issued_by(certificate, root) for root in trust_roots)
    )
    if revoked:
        raise SignatureRejected(
            f"The signer's certificate ({common_name(certificate)}) has been revoked by the team's coordinator."
        )
    if not status.bottom_line:
        problem = str(status.trust_problem_indic or "no path to the team's certificate authority")
        raise SignatureRejected(_why_untrusted(certificate, trust_roots, moment, problem))
    # A trust anchor's own dates are not part of path validation, so a file signed by the root itself
    # (the team file, by the team CA) would pass after the root expired: check the dates here as well.
    issuers = [root for root in trust_roots if root == certificate or _issued_by(certificate, root)]
    if any(not _in_date(c, moment) for c in (certificate, *issuers)):
        raise SignatureRejected(_why_untrusted(certificate, trust_roots, moment, "out of date"))
    claimed = status.signer_reported_dt
    return Signer(certificate, claimed if isinstance(claimed, dt.datetime) else None)


def _utc(moment: dt.datetime) -> dt.datetime:
    """A time with no zone is taken to be UTC, as every time CAF Desktop writes is."""
    return moment.astimezone(dt.UTC) if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _sentence(error: BaseException) -> str:
    text = str(getattr(error, "failure_message", "") or error).strip().rstrip(".")
    return text[:200] or type(error).__name__
