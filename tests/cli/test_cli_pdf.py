"""`caf-desktop pdf` and `caf-desktop pdf-verify` (CONTRACT.md), run in-process on a real store, with
the PDFs checked by poppler's tools as a reader of the file would. Every person is fictional."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.store.store import Store
from caf_desktop.trust import identity

from tests.conftest import CliResult, example_path, load_json, require_tool, write_json
from tests.paper.test_sign import changed_letter

Cli = Callable[..., CliResult]

PASSPHRASE = "correct horse battery staple"
CAF_FULL = example_path("caf-assessment")  # the newest version: what a new record is made with
CAF_DRAFT = example_path("caf-assessment", "draft")
PERSONAL_DATA = "It holds personal data: keep it as safe as the records"


def assert_plain(result: CliResult) -> None:
    """No traceback, ever; errors are sentences on stderr."""
    assert "Traceback" not in result.err + result.out
    assert 'File "' not in result.err


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the shell that runs the tests decides which store a test uses."""
    for variable in ("CAF_DESKTOP_PASSPHRASE", "CAF_DESKTOP_NEW_PASSPHRASE", "CAF_DESKTOP_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def home(cli: Cli, monkeypatch: pytest.MonkeyPatch, private_home: Path) -> Path:
    """A home with a store and an identity for Hannah Testwell, unlocked by PASSPHRASE."""
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)
    result = cli("init", "--name", "Hannah Testwell", "--organisation", "Brightwell Primary School")
    assert result.status == 0, result.err
    return private_home


@pytest.fixture
def record_id(cli: Cli, home: Path) -> str:
    added = cli("records", "add", "caf-assessment", CAF_FULL, "--json")
    assert added.status == 0, added.err
    record: str = added.json()["id"]
    return record


def mark_complete(home: Path, record: str) -> None:
    """What the app's "Mark complete" does: a save with the status complete."""
    store = Store.open(home, PASSPHRASE)
    try:
        definition = shipped_catalogue().lookup("caf-assessment")
        store.save(record, store.get(record).document, definition, status="complete")
    finally:
        store.close()


def status_and_events(home: Path, record: str) -> tuple[str, list[tuple[str, dict[str, object]]]]:
    store = Store.open(home, PASSPHRASE)
    try:
        return store.get(record).status, [(e.action, e.details) for e in store.audit_events(record)]
    finally:
        store.close()


def text_of(path: Path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        [require_tool("pdftotext"), *pages, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- pdf -------------------------------------------------------------------------------------------------


def test_pdf_of_a_stored_record(cli: Cli, home: Path, record_id: str, tmp_path: Path) -> None:
    out = tmp_path / "zoe.pdf"
    result = cli("pdf", record_id, "--out", out)
    assert result.status == 0, result.err
    assert result.out.startswith(
        f"Wrote record {record_id} (Common Assessment Framework (CAF) assessment 1.1.0) to {out}. "
    )
    assert PERSONAL_DATA in result.out
    assert out.read_bytes().startswith(b"%PDF-")
    assert out.stat().st_mode & 0o077 == 0  # readable by the user alone
    text = text_of(out)
    assert "Draft: not marked complete. Printed " in text
    assert "Zoë" in text
    status, events = status_and_events(home, record_id)
    assert status == "draft"
    assert events[-1] == ("pdf exported", {"form": "caf-assessment@1.1.0"})


def test_pdf_of_a_document_file(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "visit.pdf"
    result = cli("pdf", CAF_FULL, "--form", "caf-assessment", "--out", out)  # no store or passphrase needed
    assert result.status == 0, result.err
    assert result.out == (
        f"Wrote the document in {CAF_FULL} (Common Assessment Framework (CAF) assessment 1.1.0) to {out}. "
        f"{PERSONAL_DATA}, and delete it when it is no longer needed.\n"
    )
    assert "Not a stored record. Printed " in text_of(out)
    unsigned = cli("pdf-verify", out)
    assert unsigned.status == 1
    assert (
        unsigned.err
        == f"{out} has no digital signatures: nothing in it shows who made it or that it is unchanged.\n"
    )


def test_a_document_file_needs_its_form(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "visit.pdf"
    result = cli("pdf", CAF_FULL, "--out", out)
    assert result.status == 2
    assert result.err == (
        f"Say which form {CAF_FULL} is for, with --form FORM_ID. `caf-desktop forms list` shows the forms.\n"
    )
    missing = cli("pdf", tmp_path / "vistt.json", "--form", "caf-assessment", "--out", out)
    assert missing.status == 2
    assert (
        missing.err == f"{tmp_path / 'vistt.json'}: there is no such file. Check the name and the folder.\n"
    )
    assert not out.exists()


def test_a_record_is_printed_with_its_own_form(cli: Cli, home: Path, record_id: str, tmp_path: Path) -> None:
    result = cli("pdf", record_id, "--form", "tac-review", "--out", tmp_path / "review.pdf")
    assert result.status == 2
    assert result.err == (
        f"There is no file {record_id}. --form goes with a DATA.json file; "
        "a stored record is printed with its own form, so give its id alone.\n"
    )


def test_a_document_with_problems_is_not_printed(cli: Cli, tmp_path: Path) -> None:
    document = load_json(CAF_FULL)
    document["child"]["date_of_birth"] = "the fifth of May"
    data = write_json(tmp_path / "broken.json", document)
    out = tmp_path / "broken.pdf"
    result = cli("pdf", data, "--form", "caf-assessment", "--out", out)
    assert result.status == 1
    assert f"{data}: /child/date_of_birth: " in result.out
    assert result.err == f"{data}: 1 problem found (draft check); nothing was written.\n"
    assert not out.exists()


def test_signing_a_record_marks_it_signed(cli: Cli, home: Path, record_id: str, tmp_path: Path) -> None:
    mark_complete(home, record_id)
    out = tmp_path / "zoe-signed.pdf"
    result = cli("pdf", record_id, "--out", out, "--sign")
    assert result.status == 0, result.err
    assert (
        f"to {out}, signed by Hannah Testwell. The record is now marked signed. {PERSONAL_DATA}" in result.out
    )
    report = subprocess.run(
        [require_tool("pdfsig"), str(out)], capture_output=True, text=True, check=False
    ).stdout
    assert "Signature is Valid." in report
    assert "Signer Certificate Common Name: Hannah Testwell" in report
    checked = subprocess.run(
        [require_tool("qpdf"), "--check", str(out)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Complete and signed. Printed " in text_of(out, page=1)
    status, events = status_and_events(home, record_id)
    assert status == "signed"
    fingerprint = identity.load_identity(home, PASSPHRASE).fingerprint
    assert events[-2:] == [
        ("status signed", {}),
        ("signed", {"form": "caf-assessment@1.1.0", "to": "pdf", "certificate": fingerprint}),
    ]

    again = cli("pdf", record_id, "--out", tmp_path / "copy.pdf", "--sign")  # a fresh signed copy
    assert again.status == 0, again.err
    assert "now marked signed" not in again.out
    assert status_and_events(home, record_id)[0] == "signed"


def test_the_readme_way_to_sign_records_complete_then_pdf_sign(
    cli: Cli, home: Path, record_id: str, tmp_path: Path
) -> None:
    """README.md's example: a record added from the command line is a draft; `records complete`
    marks it complete, and then `pdf --sign` signs it."""
    out = tmp_path / "zoe-caf.pdf"
    assert cli("pdf", record_id, "--out", out, "--sign").status == 1  # a draft is not signed

    completed = cli("records", "complete", record_id)
    signed = cli("pdf", record_id, "--out", out, "--sign")

    assert completed.status == 0, completed.err
    assert signed.status == 0, signed.err
    assert "The record is now marked signed." in signed.out
    assert status_and_events(home, record_id)[0] == "signed"


def test_a_draft_is_not_signed(cli: Cli, home: Path, record_id: str, tmp_path: Path) -> None:
    out = tmp_path / "draft.pdf"
    result = cli("pdf", record_id, "--out", out, "--sign")
    assert result.status == 1
    assert result.err == "Mark the record complete before signing it; nothing was written.\n"
    assert not out.exists()
    assert status_and_events(home, record_id)[0] == "draft"


def test_signing_a_document_file_needs_it_complete(cli: Cli, home: Path, tmp_path: Path) -> None:
    out = tmp_path / "draft.pdf"
    result = cli("pdf", CAF_DRAFT, "--form", "caf-assessment", "--out", out, "--sign")
    assert result.status == 1
    assert "(complete check: a signed document must be complete); nothing was written.\n" in result.err
    assert not out.exists()
    signed = cli("pdf", CAF_FULL, "--form", "caf-assessment", "--out", out, "--sign")
    assert signed.status == 0, signed.err
    assert f"signed by Hannah Testwell. {PERSONAL_DATA}" in signed.out
    store = Store.open(home, PASSPHRASE)
    try:
        last = store.audit_events()[-1]
    finally:
        store.close()
    assert (last.action, last.record_uuid, sorted(last.details)) == (
        "signed",
        None,
        ["certificate", "form", "to"],
    )


def test_a_wrong_passphrase_signs_nothing(
    cli: Cli, home: Path, record_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mark_complete(home, record_id)
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", "not the passphrase at all")
    out = tmp_path / "signed.pdf"
    for source in (record_id, str(CAF_FULL)):
        result = cli(
            "pdf",
            source,
            *(["--form", "caf-assessment"] if source == str(CAF_FULL) else []),
            "--out",
            out,
            "--sign",
        )
        assert result.status == 2
        assert result.err == "That passphrase is not right. Check Caps Lock and try again.\n"
        assert_plain(result)
        assert not out.exists()
        assert not list(tmp_path.glob(".signed.pdf.*"))  # no temporary file left either
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)
    assert status_and_events(home, record_id)[0] == "complete"


def test_an_unknown_record_is_a_plain_error(cli: Cli, home: Path, tmp_path: Path) -> None:
    out = tmp_path / "nobody.pdf"
    result = cli("pdf", "0b6f2c4e-9d1a-4c1e-8f3a-6a2d5e7b9c10", "--out", out)
    assert result.status == 2
    assert result.err == (
        "There is no record '0b6f2c4e-9d1a-4c1e-8f3a-6a2d5e7b9c10'. `caf-desktop records list` shows the records.\n"
    )
    assert not out.exists()


def test_an_existing_file_is_never_overwritten(cli: Cli, home: Path, record_id: str, tmp_path: Path) -> None:
    out = tmp_path / "kept.pdf"
    out.write_bytes(b"%PDF-1.7 someone else's letter")
    result = cli("pdf", record_id, "--out", out)
    assert result.status == 2
    assert result.err == f"{out} already exists; nothing was written. Choose a new file name.\n"
    assert out.read_bytes() == b"%PDF-1.7 someone else's letter"


# --- pdf-verify --------------------------------------------------------------------------------------------


@pytest.fixture
def signed_pdf(cli: Cli, home: Path, record_id: str, tmp_path: Path) -> Path:
    mark_complete(home, record_id)
    out = tmp_path / "signed.pdf"
    result = cli("pdf", record_id, "--out", out, "--sign")
    assert result.status == 0, result.err
    return out


def test_verify_a_signed_pdf(cli: Cli, signed_pdf: Path) -> None:
    result = cli("pdf-verify", signed_pdf)
    assert result.status == 0, result.err
    assert result.out.startswith("Signed by Hannah Testwell on ")
    assert result.out.endswith("; unchanged since; trusted (your own certificate).\n")
    assert result.err == ""
    as_json = cli("pdf-verify", signed_pdf, "--json").json()
    assert [(r["signer"], r["intact"], r["trusted"]) for r in as_json] == [("Hannah Testwell", True, True)]
    assert as_json[0]["signed_at"].endswith("+00:00")
    assert as_json[0]["summary"] == result.out.strip()


def test_verify_an_altered_pdf(cli: Cli, signed_pdf: Path, tmp_path: Path) -> None:
    altered = tmp_path / "altered.pdf"
    # A letter of the document's title in its properties: inside the signed bytes, outside the signature.
    altered.write_bytes(changed_letter(signed_pdf.read_bytes(), b"Common Assessment Framework"))
    result = cli("pdf-verify", altered)
    assert result.status == 1
    assert "but the document has been CHANGED since it was signed: do not rely on it." in result.out
    assert result.err == (
        f"{altered}: Its signature is not intact: the file was changed after it was signed. "
        "Do not rely on it; ask the sender for a fresh copy.\n"
    )
    assert cli("pdf-verify", altered, "--json").json()[0]["intact"] is False


def test_verify_in_another_home_is_intact_but_not_trusted(cli: Cli, signed_pdf: Path, tmp_path: Path) -> None:
    result = cli("--home", tmp_path / "another-home", "pdf-verify", signed_pdf)  # no identity: trusts nobody
    assert result.status == 0, result.err
    assert result.out.endswith(
        "; unchanged since; but the signer is not trusted: their certificate was not issued by your team.\n"
    )


def test_verify_something_that_is_not_a_pdf(cli: Cli, tmp_path: Path) -> None:
    fake = tmp_path / "x.pdf"
    fake.write_text("Notes from the visit on Tuesday.\n", encoding="utf-8")
    result = cli("pdf-verify", fake)
    assert result.status == 2
    assert (
        result.err
        == f"{fake}: this file is not a PDF (it does not start as one). Check that you chose the right file.\n"
    )
    assert_plain(result)
    missing = cli("pdf-verify", tmp_path / "nothing.pdf")
    assert missing.status == 2
    assert (
        missing.err == f"{tmp_path / 'nothing.pdf'}: there is no such file. Check the name and the folder.\n"
    )


def test_verify_says_nothing_but_the_report_on_the_terminal(signed_pdf: Path, tmp_path: Path) -> None:
    # pyHanko logs a traceback for every untrusted chain; the command must not show it.
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "caf_desktop",
            "--home",
            str(tmp_path / "stranger"),
            "pdf-verify",
            str(signed_pdf),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1
