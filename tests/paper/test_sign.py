"""Signing PDFs and checking their signatures: pyHanko signs, and both pyHanko and poppler's `pdfsig`
judge the result, as a reader of the file would with any PDF tool.

Every PDF here is made by reportlab in the test (uncompressed, so a test can change one letter of the
page's text); tests/cli/test_cli_pdf.py signs real printed records. Every person is fictional.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import uuid
from pathlib import Path

import pytest
from caf_desktop.paper import sign as pdf_sign
from caf_desktop.paper.sign import PdfUnreadable, SignatureReport, sign_pdf, trust_roots, verify_pdf
from caf_desktop.trust import identity, team
from caf_desktop.trust.identity import AgeKey, Identity
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from reportlab.pdfgen.canvas import Canvas

from tests.conftest import require_tool

PAGE_TEXT = "Fictional page for signing tests"
# An age key is part of an Identity but plays no part in signing PDFs.
NO_AGE_KEY = AgeKey("AGE-SECRET-KEY-1UNUSED", "age1unused")


def small_pdf(pages: int = 2) -> bytes:
    """An A4 PDF with uncompressed page content, so each page's text is plain in the file."""
    output = io.BytesIO()
    canvas = Canvas(output, pageCompression=0, invariant=1)
    for number in range(1, pages + 1):
        canvas.setFont("Helvetica", 12)
        canvas.drawString(72, 720, f"{PAGE_TEXT}, page {number} of {pages}")
        canvas.showPage()
    canvas.save()
    return output.getvalue()


def worker(name: str = "Alex Worker") -> Identity:
    made = identity.create_identity(name, "Brightwell Primary School")
    return Identity(made.key, made.certificate, (), NO_AGE_KEY)


def team_ca(
    name: str = "Fictonwood Early Help team",
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A team CA made the way `team init` makes one."""
    return team.new_certificate_authority(name, str(uuid.uuid4()), dt.datetime.now(dt.UTC))


def enrolled_worker(name: str, ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate) -> Identity:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    certificate = identity.signing_certificate(subject, key.public_key(), ca.subject, ca_key, days=365)
    return Identity(key, certificate, (ca,), NO_AGE_KEY)


def only(reports: list[SignatureReport]) -> SignatureReport:
    assert len(reports) == 1, reports
    return reports[0]


def changed_letter(pdf: bytes, text: bytes) -> bytes:
    """The PDF with the first letter of `text` (in a page's content) changed: one byte, same length."""
    at = pdf.index(text)
    altered = bytearray(pdf)
    altered[at] = ord("f") if altered[at] != ord("f") else ord("F")
    return bytes(altered)


def pdfsig(path: Path) -> str:
    result = subprocess.run([require_tool("pdfsig"), str(path)], capture_output=True, text=True, check=False)
    return result.stdout + result.stderr


# --- signing ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alex() -> Identity:
    return worker("Alex Worker")


@pytest.fixture(scope="module")
def signed(alex: Identity) -> bytes:
    return sign_pdf(small_pdf(), alex)


def test_a_signed_pdf_is_valid_in_pdfsig_and_passes_qpdf(signed: bytes, tmp_path: Path) -> None:
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    report = pdfsig(path)
    assert "Signature is Valid." in report
    assert "Signer Certificate Common Name: Alex Worker" in report
    assert "Signature Type: ETSI.CAdES.detached" in report  # PAdES, not the older PKCS#7 kind
    assert "Total document signed" in report
    checked = subprocess.run(
        [require_tool("qpdf"), "--check", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "No syntax or stream encoding errors found" in checked.stdout


def test_signing_keeps_the_pages_and_adds_only_to_the_end(signed: bytes) -> None:
    original = small_pdf()
    assert signed.startswith(original)  # an incremental update: the printed bytes are untouched
    pages = PdfFileReader(io.BytesIO(signed)).root["/Pages"]["/Count"]
    assert pages == 2


def test_the_stamp_shows_the_signer_and_the_time_on_the_last_page(tmp_path: Path) -> None:
    signer = worker("Zoë Łukasiewicz-O'Brien")
    before = dt.datetime.now(dt.UTC)
    path = tmp_path / "signed.pdf"
    path.write_bytes(sign_pdf(small_pdf(pages=3), signer))
    pdftotext = require_tool("pdftotext")
    pages = [
        subprocess.run(
            [pdftotext, "-f", str(n), "-l", str(n), str(path), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in (1, 2, 3)
    ]
    shown = f"Signed digitally by Zoë Łukasiewicz-O'Brien, {pdf_sign.stamp_time(before)}"
    after = f"Signed digitally by Zoë Łukasiewicz-O'Brien, {pdf_sign.stamp_time(dt.datetime.now(dt.UTC))}"
    assert shown in pages[2] or after in pages[2]  # the minute may turn while signing
    assert "Signed digitally" not in pages[0] + pages[1]


def test_a_name_in_any_alphabet_reads_right_in_the_report() -> None:
    signer = worker("Zoë Łukasiewicz-O'Brien")
    report = only(verify_pdf(sign_pdf(small_pdf(), signer), [signer.certificate]))
    assert report.signer == "Zoë Łukasiewicz-O'Brien"
    assert report.summary.startswith("Signed by Zoë Łukasiewicz-O'Brien on ")


def test_signing_something_that_is_not_a_pdf_is_refused_plainly(alex: Identity) -> None:
    with pytest.raises(PdfUnreadable) as refused:
        sign_pdf(b"Dear Alex, please find the assessment attached.", alex)
    assert str(refused.value) == (
        "This file is not a PDF (it does not start as one). Check that you chose the right file."
    )
    assert refused.value.exit_status == 2


# --- verifying -------------------------------------------------------------------------------------


def test_an_unchanged_pdf_signed_with_your_own_certificate(signed: bytes, alex: Identity) -> None:
    report = only(verify_pdf(signed, [alex.certificate]))
    assert (report.signer, report.intact, report.trusted) == ("Alex Worker", True, True)
    assert report.signed_at is not None
    assert abs(report.signed_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    assert report.summary == (
        f"Signed by Alex Worker on {pdf_sign.spoken_time(report.signed_at)}; unchanged since; "
        "trusted (your own certificate)."
    )


def test_a_stranger_is_not_trusted(signed: bytes) -> None:
    report = only(verify_pdf(signed, [worker("Morgan Stranger").certificate]))
    assert (report.intact, report.trusted) == (True, False)
    assert report.summary.endswith(
        "unchanged since; but the signer is not trusted: their certificate was not issued by your team."
    )
    assert not only(verify_pdf(signed, [])).trusted


def test_one_changed_byte_breaks_the_signature(signed: bytes, alex: Identity, tmp_path: Path) -> None:
    altered = changed_letter(signed, PAGE_TEXT.encode("ascii"))
    path = tmp_path / "altered.pdf"
    path.write_bytes(altered)
    report = pdfsig(path)
    assert "Digest Mismatch" in report
    assert "Signature is Valid" not in report
    changed = only(verify_pdf(altered, [alex.certificate]))
    assert changed.intact is False
    assert changed.summary.startswith("Signed by Alex Worker on ")
    assert changed.summary.endswith(
        ", but the document has been CHANGED since it was signed: do not rely on it."
    )
    assert only(verify_pdf(signed, [alex.certificate])).intact is True


def test_a_page_changed_after_signing_is_noticed(signed: bytes, alex: Identity) -> None:
    # An incremental update that draws on page 1: the signed bytes are untouched, so only pyHanko's
    # difference analysis (not a digest) can tell; poppler reports "not total document signed".
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    drawing = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 12 Tf 72 600 Td (Level 1) Tj ET"))
    writer.add_stream_to_page(0, drawing)
    output = io.BytesIO()
    writer.write(output)
    report = only(verify_pdf(output.getvalue(), [alex.certificate]))
    assert report.intact is False
    assert "CHANGED since it was signed" in report.summary


def test_a_second_signature_keeps_the_first_intact(signed: bytes, alex: Identity, tmp_path: Path) -> None:
    manager = worker("Siân Ŵyn")
    countersigned = sign_pdf(signed, manager)
    reports = verify_pdf(countersigned, [alex.certificate, manager.certificate])
    assert [(r.signer, r.intact, r.trusted) for r in reports] == [
        ("Alex Worker", True, True),
        ("Siân Ŵyn", True, True),
    ]
    path = tmp_path / "countersigned.pdf"
    path.write_bytes(countersigned)
    assert pdfsig(path).count("Signature is Valid.") == 2


def test_a_certificate_issued_by_the_team_ca_is_trusted_through_the_ca() -> None:
    ca_key, ca = team_ca()
    enrolled = enrolled_worker("Priya Enrolled", ca_key, ca)
    pdf = sign_pdf(small_pdf(), enrolled)
    report = only(verify_pdf(pdf, [ca]))
    assert (report.signer, report.intact, report.trusted) == ("Priya Enrolled", True, True)
    assert report.summary.endswith(
        "; unchanged since; trusted (certificate issued by Fictonwood Early Help team CA)."
    )
    _other_key, other_ca = team_ca("Another Council team CA")
    assert only(verify_pdf(pdf, [other_ca])).trusted is False


@pytest.mark.parametrize("issued_by", ["themselves", "the team CA"])
def test_a_certificate_that_had_expired_when_it_signed_is_not_trusted(issued_by: str) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Evelyn Lapsed")])
    ca_key, ca = team_ca()
    issuer, issuer_key = (subject, key) if issued_by == "themselves" else (ca.subject, ca_key)
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    expired = identity.signing_certificate(
        subject, key.public_key(), issuer, issuer_key, days=1, now=long_ago
    )
    root = expired if issued_by == "themselves" else ca
    lapsed = Identity(key, expired, () if issued_by == "themselves" else (ca,), NO_AGE_KEY)
    report = only(verify_pdf(sign_pdf(small_pdf(), lapsed), [root]))
    assert (report.intact, report.trusted) == (True, False)
    assert report.summary.endswith(
        "unchanged since; but the signer is not trusted: their certificate was not valid at the time the signature states."
    )


def test_a_pdf_without_signatures_has_no_reports() -> None:
    assert verify_pdf(small_pdf(), []) == []


@pytest.mark.parametrize(
    ("data", "sentence"),
    [
        (b"Dear Alex,\nthe assessment is attached.\n", "is not a PDF (it does not start as one)"),
        (b"", "is not a PDF (it does not start as one)"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Cat", "is a damaged PDF that cannot be read"),
    ],
    ids=["text", "empty", "cut-short"],
)
def test_a_file_that_is_not_a_readable_pdf_is_a_plain_error(data: bytes, sentence: str) -> None:
    with pytest.raises(PdfUnreadable) as unreadable:
        verify_pdf(data, [], source="visit.pdf")
    assert str(unreadable.value).startswith(f"visit.pdf: this file {sentence}")
    assert unreadable.value.exit_status == 2


def test_a_signed_pdf_cut_short_is_unreadable_or_changed(signed: bytes, alex: Identity) -> None:
    try:
        reports = verify_pdf(signed[: len(signed) - 200], [alex.certificate])
    except PdfUnreadable:
        return
    assert all(not r.intact for r in reports)


def test_a_report_as_json() -> None:
    moment = dt.datetime(2026, 11, 26, 14, 5, tzinfo=dt.UTC)
    report = SignatureReport("Alex Worker", moment, True, False, "Signed by Alex Worker ...")
    assert report.as_json() == {
        "signer": "Alex Worker",
        "signed_at": "2026-11-26T14:05:00+00:00",
        "intact": True,
        "trusted": False,
        "summary": "Signed by Alex Worker ...",
    }


@pytest.mark.parametrize(
    ("moment", "stamp", "spoken"),
    [
        (dt.datetime(2026, 11, 26, 14, 5, tzinfo=dt.UTC), "26/11/2026 14:05", "26 November 2026 at 14:05"),
        (dt.datetime(2026, 7, 1, 13, 5, tzinfo=dt.UTC), "01/07/2026 14:05", "1 July 2026 at 14:05"),  # BST
    ],
)
def test_times_read_in_uk_time(moment: dt.datetime, stamp: str, spoken: str) -> None:
    assert pdf_sign.stamp_time(moment) == stamp
    assert pdf_sign.spoken_time(moment) == spoken


# --- trust roots -----------------------------------------------------------------------------------


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


TEAM_PASSPHRASE = "a fictional team passphrase"


def team_home(root: Path, name: str) -> Path:
    home = root / name.lower().replace(" ", "-")
    home.mkdir()
    identity.save_identity(home, identity.create_identity(name), TEAM_PASSPHRASE, cost=2**12)
    return home


def test_trust_roots_are_your_own_certificate_and_your_teams_ca(tmp_path: Path, alex: Identity) -> None:
    (tmp_path / identity.CERTIFICATE_FILE).write_text(pem(alex.certificate), encoding="ascii")
    assert trust_roots(tmp_path) == [alex.certificate]
    coordinator = team_home(tmp_path, "Cora Ordinator")
    made = team.create_team(coordinator, TEAM_PASSPHRASE, "Fictonwood Locality Team")
    roots = trust_roots(coordinator)
    assert made.ca_certificate in roots
    assert identity.load_identity(coordinator, TEAM_PASSPHRASE).certificate in roots


@pytest.mark.parametrize(
    "team_file",
    [
        "not json at all",
        "[]",
        '{"name": "Fictonwood"}',
        '{"ca_certificate": 42}',
        '{"ca_certificate": "garbage"}',
    ],
)
def test_an_unreadable_team_file_is_skipped(tmp_path: Path, alex: Identity, team_file: str) -> None:
    (tmp_path / identity.CERTIFICATE_FILE).write_text(pem(alex.certificate), encoding="ascii")
    (tmp_path / "team.json").write_text(team_file, encoding="utf-8")
    assert trust_roots(tmp_path) == [alex.certificate]


def test_a_team_file_its_ca_did_not_sign_adds_no_trust(tmp_path: Path, alex: Identity) -> None:
    """Anyone can write a team.json naming their own CA; only a team file signed by it counts."""
    (tmp_path / identity.CERTIFICATE_FILE).write_text(pem(alex.certificate), encoding="ascii")
    _key, ca = team_ca()
    (tmp_path / "team.json").write_text(
        json.dumps({"name": "Fictonwood", "ca_certificate": pem(ca)}), encoding="utf-8"
    )
    assert trust_roots(tmp_path) == [alex.certificate]


def test_a_member_the_team_revoked_is_no_longer_trusted(tmp_path: Path) -> None:
    coordinator = team_home(tmp_path, "Cora Ordinator")
    made = team.create_team(coordinator, TEAM_PASSPHRASE, "Fictonwood Locality Team")
    member = team_home(tmp_path, "Rex Revokeson")
    team.join_team(member, made)
    issued = team.issue_certificate(coordinator, TEAM_PASSPHRASE, team.make_request(member, TEAM_PASSPHRASE))
    team.install_issued(member, TEAM_PASSPHRASE, issued)
    signed = sign_pdf(small_pdf(), identity.load_identity(member, TEAM_PASSPHRASE))

    before = only(verify_pdf(signed, trust_roots(coordinator), revoked=pdf_sign.revocations(coordinator)))
    assert (before.intact, before.trusted) == (True, True)

    team.revoke(coordinator, TEAM_PASSPHRASE, "Rex Revokeson")
    after = only(verify_pdf(signed, trust_roots(coordinator), revoked=pdf_sign.revocations(coordinator)))
    assert (after.intact, after.trusted) == (True, False)
    assert "your team has revoked their certificate" in after.summary


def test_a_home_without_an_identity_trusts_nobody(tmp_path: Path) -> None:
    assert trust_roots(tmp_path / "nowhere") == []


def retitled(signed: bytes, **information: str) -> bytes:
    """`signed` with its document information changed by an incremental update, as pypdf makes one:
    the signed bytes stay as they are, and a new revision follows them."""
    from pypdf import PdfWriter

    writer = PdfWriter(io.BytesIO(signed), incremental=True)
    writer.add_metadata({f"/{key}": value for key, value in information.items()})
    output = io.BytesIO()
    writer.write(output)
    altered = output.getvalue()
    assert altered.startswith(signed)
    return altered


def test_a_title_changed_after_signing_is_noticed(signed: bytes, alex: Identity, tmp_path: Path) -> None:
    altered = retitled(signed, Title="Level 1: no concerns")

    report = only(verify_pdf(altered, [alex.certificate]))

    assert report.intact is False
    assert report.summary.startswith("Signed by Alex Worker on ")
    assert report.summary.endswith(
        ", but the document's title has been CHANGED since it was signed: do not rely on it."
    )
    assert "unchanged since" not in report.summary


def test_several_fields_changed_after_signing_are_each_named(signed: bytes, alex: Identity) -> None:
    altered = retitled(signed, Title="Closed", Author="Someone Else", Subject="No further action")

    report = only(verify_pdf(altered, [alex.certificate]))

    assert report.intact is False
    assert "the document's title, author and subject have been CHANGED since it was signed" in report.summary


def test_a_countersignature_does_not_count_as_a_change_of_information(signed: bytes, alex: Identity) -> None:
    manager = worker("Siân Ŵyn")
    reports = verify_pdf(sign_pdf(signed, manager), [alex.certificate, manager.certificate])
    assert [r.intact for r in reports] == [True, True]
    assert all("unchanged since" in r.summary for r in reports)
