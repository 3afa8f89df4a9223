"""Signing the PDFs CAF Desktop prints, and checking the signatures in any PDF (pyHanko, PAdES B-B).

A laptop is offline, so there is no timestamp server: the signing time is the one the laptop's clock
states (the signature dictionary's `/M`), and verification judges the certificate at that time. The
signature embeds the signer's certificate and the chain that issued it, and shows on the last page as
a one-line stamp ("Signed digitally by Alex Worker, 26/11/2026 14:05") set in the same font as the
form, so any name prints as written. Verification trusts only the roots it is given: the user's own
certificate and their team's CA (`trust_roots`), never the operating system's list, and fetches
nothing. This module imports no Qt.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import logging
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from pyhanko.keys import internal as pyhanko_keys
from pyhanko.pdf_utils import content, generic, layout
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.errors import SignatureValidationError
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko.stamp.text import TextStamp, TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathBuildingError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from caf_desktop.common import uk_time
from caf_desktop.common.errors import CafError
from caf_desktop.trust import identity as identities
from caf_desktop.trust.identity import Identity

DEFAULT_REASON = "I confirm that this record is accurate."
FIELD_PREFIX = "Signature"
STAMP_FONT_SIZE = 7.5
STAMP_PREFIX = "Signed digitally by"
_MM = 72 / 25.4
# The stamp sits where the pages `pdf_render` draws have room for it, whatever their content: the
# band between the bottom of the text frame (20 mm) and the footer rule (14 mm) on the last page.
# A second signature takes the band under the header rule; any more are signed without a stamp.
_STAMP_BANDS = ((15.0 * _MM, 19.6 * _MM, "bottom"), (18.6 * _MM, 23.2 * _MM, "top"))
_STAMP_MARGIN = 16 * _MM
_TS_FORMAT = "%Y-%m-%dT%H:%M:%S%z"  # how pyHanko hands the signing time to the stamp
# A file that is not a PDF can make the parser fail in many ways; each is the same answer to the user.
_DAMAGED = (PdfError, ValueError, KeyError, IndexError, TypeError, AttributeError, zlib.error)

# pyHanko logs every untrusted chain at WARNING level with a traceback. With no handler of our own,
# Python's last-resort handler would print it on the terminal; the report already says it plainly.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).addHandler(logging.NullHandler())


class PdfUnreadable(CafError):
    """A file that is not a PDF, or a PDF too damaged to read or sign."""

    def __init__(self, problem: str, source: str | None = None) -> None:
        subject = f"{source}: this file" if source else "This file"
        super().__init__(f"{subject} {problem}")
        self.problem = problem
        self.source = source


class NotReadyToSign(CafError):
    """A record that is not finished: a signature vouches for a complete, saved record."""

    exit_status = 1


def refuse_unfinished(status: str, *, unsaved_changes: bool) -> None:
    """`NotReadyToSign` unless a record in this state may be signed: complete (or already signed,
    shared or closed, for a fresh signed copy), with no typing kept since its last save."""
    if status == "draft":
        raise NotReadyToSign("Mark the record complete before signing it; nothing was written.")
    if unsaved_changes:
        raise NotReadyToSign(
            "The record has changes that are not saved yet. Save them (or undo them) before signing; "
            "nothing was written."
        )


@dataclass(frozen=True)
class SignatureReport:
    """What one signature in a PDF says, judged against the user's trust roots.

    `intact`: the signed bytes are unchanged and nothing but further signatures or form filling was
    added after them. `trusted`: the signer's certificate chains to one of the trust roots (at the
    time the signature states). `summary`: one plain sentence saying both.
    """

    signer: str
    signed_at: dt.datetime | None
    intact: bool
    trusted: bool
    summary: str

    def as_json(self) -> dict[str, Any]:
        return {
            "signer": self.signer,
            "signed_at": self.signed_at.isoformat() if self.signed_at is not None else None,
            "intact": self.intact,
            "trusted": self.trusted,
            "summary": self.summary,
        }


# --- times as people read them ---------------------------------------------------------------------


@functools.cache
def stamp_time(moment: dt.datetime) -> str:
    """`26/11/2026 14:05`, in UK time: how the stamp on the page shows the signing time."""
    return uk_time.stamp(moment)


def spoken_time(moment: dt.datetime) -> str:
    """`26 November 2026 at 14:05`, in UK time, with English month names whatever the locale."""
    return uk_time.spoken(moment)


# --- the stamp ---------------------------------------------------------------------------------------


def _stamp_page(text: str, width: float, height: float) -> bytes:
    """A one-page PDF the size of the stamp, drawn by reportlab in the form's own font."""
    from reportlab.pdfbase import pdfmetrics  # noqa: PLC0415 - only signing draws
    from reportlab.pdfgen.canvas import Canvas  # noqa: PLC0415

    from caf_desktop.paper import styles as pdf_render  # noqa: PLC0415 - its fonts; verifying needs none of it

    pdf_render.register_fonts()
    font, size, padding = pdf_render.REGULAR, STAMP_FONT_SIZE, 3.0
    text = pdf_render.clean(text)
    while size > 5 and pdfmetrics.stringWidth(text, font, size) > width - 2 * padding:
        size -= 0.5
    while len(text) > 1 and pdfmetrics.stringWidth(text + "…", font, size) > width - 2 * padding:
        text = text[:-1]  # only a name longer than the page is wide gets here
    output = io.BytesIO()
    canvas = Canvas(output, pagesize=(width, height), invariant=1, pageCompression=1)
    canvas.setFillColor(pdf_render.LABEL_BACK)
    canvas.setStrokeColor(pdf_render.RULE_LINE)
    canvas.setLineWidth(0.5)
    canvas.rect(0.25, 0.25, width - 0.5, height - 0.5, stroke=1, fill=1)
    canvas.setFillColor(pdf_render.INK)
    canvas.setFont(font, size)
    canvas.drawString(padding, (height - size * 0.72) / 2, text)
    canvas.showPage()
    canvas.save()
    return output.getvalue()


class _DrawnStamp(TextStamp):
    """pyHanko's text stamp, with its text drawn by reportlab: pyHanko's own fonts are the PDF base
    fonts (Latin-1 only, so `Łukasiewicz` would print wrong) unless fontTools and HarfBuzz are added."""

    def _render_inner_content(self) -> list[bytes]:
        params = self.text_params or {}
        moment = dt.datetime.strptime(params["ts"], _TS_FORMAT)
        text = f"{STAMP_PREFIX} {params.get('signer', '')}, {stamp_time(moment)}"
        box = self.box
        drawn = _stamp_page(text, box.width, box.height)
        assert self.writer is not None  # pyHanko gives every stamp the writer it signs with
        xobject = self.writer.import_page_as_xobject(PdfFileReader(io.BytesIO(drawn)))
        self.set_resource(content.ResourceType.XOBJECT, generic.NameObject("/Drawn"), xobject)
        return [b"/Drawn Do"]


@dataclass(frozen=True)
class _DrawnStampStyle(TextStampStyle):
    # A TextStampStyle, so pyHanko hands over the signing time it writes in the signature (as `ts`).
    timestamp_format: str = _TS_FORMAT
    border_width: int = 0

    def create_stamp(self, writer: Any, box: layout.BoxConstraints, text_params: dict[str, Any]) -> TextStamp:
        return _DrawnStamp(writer=writer, style=self, box=box, text_params=text_params)


# --- signing -----------------------------------------------------------------------------------------


def _reader_problem(pdf: bytes) -> str | None:
    if b"%PDF-" not in pdf[:1024]:
        return "is not a PDF (it does not start as one). Check that you chose the right file."
    return None


def _last_page_box(writer: IncrementalPdfFileWriter) -> tuple[float, float, float, float]:
    page_ref, _resources = writer.find_page_for_modification(-1)  # type: ignore[no-untyped-call] # pyHanko leaves it unannotated
    page: Any = page_ref.get_object()
    while "/MediaBox" not in page and "/Parent" in page:
        page = page["/Parent"]
    left, bottom, right, top = (float(value) for value in page["/MediaBox"])
    return left, bottom, right, top


def _field_for(writer: IncrementalPdfFileWriter) -> fields.SigFieldSpec:
    """A new signature field with a name not yet taken, and its stamp's place on the last page."""
    taken = {name for name, _value, _ref in fields.enumerate_sig_fields(writer.prev)}
    number = next(n for n in range(1, len(taken) + 2) if f"{FIELD_PREFIX}{n}" not in taken)
    signed = len(writer.prev.embedded_signatures)
    name = f"{FIELD_PREFIX}{number}"
    if signed >= len(_STAMP_BANDS):
        return fields.SigFieldSpec(name)  # no room left for another stamp: signed, not shown
    left, bottom, right, top = _last_page_box(writer)
    low, high, edge = _STAMP_BANDS[signed]
    y1, y2 = (bottom + low, bottom + high) if edge == "bottom" else (top - high, top - low)
    box = (round(left + _STAMP_MARGIN), round(y1), round(right - _STAMP_MARGIN), round(y2))
    return fields.SigFieldSpec(name, on_page=-1, box=box)


def _signer(identity: Identity) -> signers.SimpleSigner:
    certificate = pyhanko_keys.translate_pyca_cryptography_cert_to_asn1(identity.certificate)
    chain = [pyhanko_keys.translate_pyca_cryptography_cert_to_asn1(c) for c in identity.chain]
    # What the signature embeds: the certificate and the chain that issued it.
    registry = SimpleCertificateStore.from_certs([certificate, *chain])  # type: ignore[no-untyped-call] # pyHanko leaves it unannotated
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=pyhanko_keys.translate_pyca_cryptography_key_to_asn1(identity.key),
        cert_registry=registry,
    )


def sign_pdf(
    pdf: bytes, identity: Identity, *, reason: str = DEFAULT_REASON, location: str | None = None
) -> bytes:
    """The PDF with a PAdES B-B signature by `identity` added as an incremental update, shown as a
    stamp on the last page. A PDF that is already signed keeps its signatures intact."""
    problem = _reader_problem(pdf)
    if problem:
        raise PdfUnreadable(problem)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        if writer.security_handler is not None:
            raise PdfUnreadable("is encrypted; CAF Desktop signs only the PDFs it prints.")
        spec = _field_for(writer)
        metadata = signers.PdfSignatureMetadata(
            field_name=spec.sig_field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
            name=identity.name,
        )
        signer = signers.PdfSigner(
            metadata, _signer(identity), stamp_style=_DrawnStampStyle(), new_field_spec=spec
        )
        output = signer.sign_pdf(writer)
    except (SigningError, *_DAMAGED) as error:
        if isinstance(error, PdfUnreadable):
            raise
        raise PdfUnreadable("is a damaged PDF that cannot be signed. Print it again.") from error
    signed: bytes = output.getvalue()
    return signed


# --- verifying ---------------------------------------------------------------------------------------


def _cryptography_certificate(certificate: Any) -> x509.Certificate:
    return x509.load_der_x509_certificate(certificate.dump())


def _sha256(certificate: x509.Certificate) -> bytes:
    return certificate.fingerprint(hashes.SHA256())


def _intact(status: PdfSignatureStatus) -> bool:
    """The signed bytes are as signed, and whatever follows them only adds signatures or fills in
    form fields (pyHanko's difference analysis); never rewritten pages."""
    if not (status.intact and status.valid) or status.coverage is None:
        return False
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.docmdp_ok is True


_CHANGED = "the document has been CHANGED since it was signed: do not rely on it."


def _not_trusted_because(status: PdfSignatureStatus) -> str:
    problem = str(getattr(status.trust_problem_indic, "name", "") or "")
    if status.revoked or "REVOKED" in problem:
        return "their certificate has been revoked"
    if "EXPIRED" in problem or "OUT_OF_BOUNDS" in problem or "NOT_YET_VALID" in problem:
        return "their certificate was not valid at the time the signature states"
    if "SIG_CONSTRAINTS" in problem:
        return "their certificate is not meant for signing documents"
    return "their certificate was not issued by your team"


def _trust(status: PdfSignatureStatus, signed_at: dt.datetime | None) -> tuple[bool, str]:
    """Whether the signer is trusted, and the words that say so (or why not)."""
    path = status.validation_path
    if status.trust_problem_indic is not None or path is None:
        return False, f"the signer is not trusted: {_not_trusted_because(status)}"
    signing = _cryptography_certificate(status.signing_cert)
    # PKIX never checks the dates of a trust anchor, and a self-signed certificate is its own anchor.
    if signed_at is not None and not (
        signing.not_valid_before_utc <= signed_at <= signing.not_valid_after_utc
    ):
        return (
            False,
            "the signer is not trusted: their certificate was not valid at the time the signature states",
        )
    anchor = _cryptography_certificate(path.first)
    if _sha256(anchor) == _sha256(signing):
        return True, "trusted (your own certificate)"
    return True, f"trusted (certificate issued by {identities.common_name(anchor)})"


def _report(embedded: Any, roots: list[Any], revoked: Revoked | None = None) -> SignatureReport:
    try:
        signer = identities.common_name(_cryptography_certificate(embedded.signer_cert))
    except (*_DAMAGED, SignatureValidationError):
        signer = "(an unreadable signer)"
    try:
        signed_at: dt.datetime | None = embedded.self_reported_timestamp
    except _DAMAGED:
        signed_at = None
    if signed_at is not None and signed_at.tzinfo is None:
        signed_at = signed_at.replace(tzinfo=dt.UTC)  # a PDF date without its offset: read as UTC
    when = f" on {spoken_time(signed_at)}" if signed_at is not None else " (no signing time is recorded)"
    opening = f"Signed by {signer}{when}"
    # No timestamp server: the certificate is judged at the time the signature states. A time still
    # to come is not believed: then it is judged now.
    now = dt.datetime.now(dt.UTC)
    moment = min(signed_at, now) if signed_at is not None else now
    context = ValidationContext(trust_roots=roots, allow_fetching=False, moment=moment)
    try:
        status: PdfSignatureStatus | None = validate_pdf_signature(embedded, context)
    except (*_DAMAGED, SignatureValidationError, PathBuildingError):
        status = None  # a signature that cannot even be checked: the file was changed or damaged
    if status is None:
        return SignatureReport(signer, signed_at, False, False, f"{opening}, but {_CHANGED}")
    trusted, trust_words = _trust(status, signed_at)
    if trusted and revoked is not None and revoked(_cryptography_certificate(status.signing_cert)):
        trusted, trust_words = False, "the signer is not trusted: your team has revoked their certificate"
    if not _intact(status):
        return SignatureReport(signer, signed_at, False, trusted, f"{opening}, but {_CHANGED}")
    information = _information_changed(embedded)
    if information:
        return SignatureReport(
            signer,
            signed_at,
            False,
            trusted,
            f"{opening}, but the document's {_listed(information)} {'has' if len(information) == 1 else 'have'} "
            f"been CHANGED since it was signed: do not rely on {'it' if len(information) == 1 else 'them'}.",
        )
    separator = "; but " if not trusted else "; "
    return SignatureReport(
        signer, signed_at, True, trusted, f"{opening}; unchanged since{separator}{trust_words}."
    )


# Document information a PDF tool may rewrite on its own when it saves (pyHanko sets both when it adds
# a signature): not what a reader relies on, so a change to them alone is not reported.
_TOOL_INFORMATION = frozenset({"/ModDate", "/Producer"})
_INFORMATION_WORDS = {
    "/Title": "title",
    "/Author": "author",
    "/Subject": "subject",
    "/Keywords": "keywords",
    "/Creator": "creator",
    "/CreationDate": "creation date",
}


def _information_changed(embedded: Any) -> list[str]:
    """What of the document information dictionary (title, author ...) differs between the revision
    the signature covers and the file as it is. pyHanko's difference analysis follows the document
    catalogue, and the information dictionary hangs off the trailer instead, so an incremental update
    that retitles a signed PDF passes it unseen."""
    try:
        reader = embedded.reader
        signed = reader.get_historical_resolver(embedded.signed_revision)
        before, after = _information(signed), _information(reader)
    except (*_DAMAGED, SignatureValidationError):
        return ["information"]  # it cannot be compared: say it may have changed rather than "unchanged"
    order = list(_INFORMATION_WORDS)
    changed = sorted(
        (
            key
            for key in set(before) | set(after)
            if key not in _TOOL_INFORMATION and before.get(key) != after.get(key)
        ),
        key=lambda key: (order.index(key) if key in order else len(order), key),
    )
    return list(dict.fromkeys(_INFORMATION_WORDS.get(key, "other information") for key in changed))


def _information(resolver: Any) -> dict[str, Any]:
    """The document information dictionary as `resolver` (the file now, or one revision) reads it."""
    reference = resolver.trailer_view.raw_get("/Info") if "/Info" in resolver.trailer_view else None
    if reference is None:
        return {}
    value = resolver.get_object(reference.reference) if hasattr(reference, "reference") else reference
    if not isinstance(value, dict):
        return {}
    return {str(key): str(item) for key, item in value.items()}


def _listed(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


Revoked = Callable[[x509.Certificate], bool]


def verify_pdf(
    pdf: bytes,
    trust_roots: Sequence[x509.Certificate],
    *,
    source: str | None = None,
    revoked: Revoked | None = None,
) -> list[SignatureReport]:
    """A report for each signature in the PDF, in signing order (an empty list if it has none).
    A signer whose certificate `revoked` says the team has revoked is not trusted.

    `PdfUnreadable` if the file is not a PDF or is too damaged to read; `source` names it there.
    """
    problem = _reader_problem(pdf)
    if problem:
        raise PdfUnreadable(problem, source)
    roots = [pyhanko_keys.translate_pyca_cryptography_cert_to_asn1(c) for c in trust_roots]
    try:
        embedded = list(PdfFileReader(io.BytesIO(pdf)).embedded_signatures)
    except _DAMAGED as error:
        raise PdfUnreadable("is a damaged PDF that cannot be read. Ask for a fresh copy.", source) from error
    return [_report(signature, roots, revoked) for signature in embedded]


def trust_roots(home: Path) -> list[x509.Certificate]:
    """The certificates a signature must chain to: the user's own certificate (and the chain that
    issued it), and the CA of the team the user has joined (its team file's signature checked)."""
    roots = list(identities.own_certificates(home))
    team = _joined_team(home)
    if team is not None:
        roots.append(team.ca_certificate)
    unique: dict[bytes, x509.Certificate] = {}
    for root in roots:
        unique.setdefault(_sha256(root), root)
    return list(unique.values())


def revocations(home: Path) -> Revoked | None:
    """Whether the user's team has revoked a certificate (None before joining a team)."""
    team = _joined_team(home)
    return team.is_revoked if team is not None else None


def _joined_team(home: Path) -> Any:
    from caf_desktop.trust import team  # noqa: PLC0415 - the team module is needed only with a team

    try:
        return team.load_joined_team(home)
    except CafError:
        return None  # a team file this version cannot read, or one that fails its check: trust only you
