"""File, Export as PDF (signed or not, for sharing or not), File, Print, and checking a signed PDF."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.definitions import shipped_catalogue
from caf_desktop.gui import pdf_actions
from caf_desktop.gui.pdf_actions import ExportPdfDialog
from caf_desktop.gui.records_window import RecordsWindow
from caf_desktop.gui.sharing_dialog import SharingDecisionDialog
from caf_desktop.pdf_sign import trust_roots, verify_pdf
from caf_desktop.store.store import Profile, Store
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QFileDialog, QLabel, QMessageBox

from tests.conftest import EXAMPLES, require_tool
from tests.gui.conftest import show_records_window

PASSPHRASE = "correct horse battery staple"


def example(form_id: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / form_id / "full.json").read_text(encoding="utf-8"))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.create(
        tmp_path / "home", PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    yield opened
    opened.close()


@pytest.fixture
def window(store: Store, qtbot: Any) -> Iterator[RecordsWindow]:
    shown = show_records_window(store, qtbot)
    yield shown
    shown.close()
    shown.deleteLater()


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """Where the user chooses to save: apart from the home folder."""
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def pdf_text(path: Path) -> str:
    return subprocess.run(
        [require_tool("pdftotext"), "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def answer_export(
    monkeypatch: pytest.MonkeyPatch, *, sign: bool = False, share_with: str = "", out: Path | None = None
) -> list[ExportPdfDialog]:
    shown: list[ExportPdfDialog] = []

    def answer(dialog: ExportPdfDialog) -> int:
        shown.append(dialog)
        if sign:
            assert dialog.sign.isEnabled()
            dialog.sign.setChecked(True)
        dialog.share_with.setEditText(share_with)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportPdfDialog, "exec", answer)
    if out is not None:
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PDF documents (*.pdf)")
        )
    return shown


def open_new(window: RecordsWindow, form_id: str, document: dict[str, Any], status: str = "draft") -> str:
    record = window.store.add_record(shipped_catalogue().get(form_id), document, status=status)
    window.open_record(record.id)
    return record.id


def test_export_writes_the_pdf_where_chosen_and_audits_it(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path
) -> None:
    record_id = open_new(window, "caf-assessment", example("caf-assessment"))
    shown = answer_export(monkeypatch, out=exports / "for-the-file")
    written = pdf_actions.export_pdf(window)

    assert written == exports / "for-the-file.pdf"
    text = pdf_text(written)
    assert "Łukasiewicz-O'Brien" in text
    assert "OFFICIAL-SENSITIVE" in text
    warning = shown[0].findChild(QLabel, "export-warning")
    assert "personal information about a child" in warning.text()
    assert not shown[0].sign.isEnabled()  # a draft cannot be signed
    assert [e.action for e in window.store.audit_events(record_id)][-1] == "pdf exported"
    assert f"Saved the PDF to {written}" in window.statusBar().currentMessage()
    assert list(exports.iterdir()) == [written]  # nothing else written anywhere near it


def test_a_complete_record_is_signed_and_becomes_signed(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path
) -> None:
    record_id = open_new(window, "tac-meeting", example("tac-meeting"), status="complete")
    answer_export(monkeypatch, sign=True, out=exports / "plan.pdf")
    monkeypatch.setattr(pdf_actions, "ask_passphrase", lambda parent, purpose: PASSPHRASE)

    written = pdf_actions.export_pdf(window)

    assert written is not None
    assert window.store.home is not None
    (report,) = verify_pdf(written.read_bytes(), trust_roots(window.store.home))
    assert report.intact
    assert report.trusted
    assert report.signer == "Ada Worker"
    assert window.store.get(record_id).status == "signed"
    assert "Complete and signed. Printed " in pdf_text(written)  # the paper says what the record is
    actions = [e.action for e in window.store.audit_events(record_id)]
    assert actions[-2:] == ["signed", "pdf exported"]
    pdfsig = subprocess.run(
        [require_tool("pdfsig"), str(written)], check=False, capture_output=True, text=True
    )
    assert "Signature is Valid" in pdfsig.stdout


def test_a_wrong_passphrase_signs_nothing_and_writes_nothing(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path
) -> None:
    record_id = open_new(window, "tac-meeting", example("tac-meeting"), status="complete")
    answer_export(monkeypatch, sign=True, out=exports / "plan.pdf")
    monkeypatch.setattr(pdf_actions, "ask_passphrase", lambda parent, purpose: "not the passphrase")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: warned.append(text))

    assert pdf_actions.export_pdf(window) is None
    assert warned == ["That passphrase is not right. Check Caps Lock and try again. Nothing was written."]
    assert list(exports.iterdir()) == []
    assert window.store.get(record_id).status == "complete"


def test_sharing_a_pdf_without_consent_is_blocked_unless_the_worker_decides(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path
) -> None:
    document = example("caf-assessment")
    document["consent"]["share"] = {"given": False}
    record_id = open_new(window, "caf-assessment", document)
    answer_export(monkeypatch, share_with="Fictonwood Youth Club")  # no file dialog may open
    asked: list[SharingDecisionDialog] = []

    def refuse(dialog: SharingDecisionDialog) -> int:
        asked.append(dialog)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(SharingDecisionDialog, "exec", refuse)
    assert pdf_actions.export_pdf(window) is None
    assert len(asked) == 1
    assert "consent to share was refused." in asked[0].findChild(QLabel, "sharing-gaps").text()
    assert "Nothing was exported" in window.statusBar().currentMessage()
    assert "shared" not in [e.action for e in window.store.audit_events(record_id)]


def test_sharing_a_pdf_with_consent_is_logged(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path
) -> None:
    document = example("caf-assessment")
    document["consent"]["share"] = {
        "given": True,
        "scope": "named_only",
        "agencies": ["School Nursing Service"],
    }
    record_id = open_new(window, "caf-assessment", document)
    shown = answer_export(monkeypatch, share_with="School Nursing Service", out=exports / "nurse.pdf")
    assert pdf_actions.export_pdf(window) == exports / "nurse.pdf"
    assert "School Nursing Service" in [
        shown[0].share_with.itemText(i) for i in range(shown[0].share_with.count())
    ]
    (shared,) = [e for e in window.store.audit_events(record_id) if e.action == "shared"]
    assert shared.details == {"recipient": "School Nursing Service", "purpose": "pdf", "basis": "consent"}


def test_print_sends_every_page_to_the_printer(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path
) -> None:
    import pypdf

    record_id = open_new(window, "tac-meeting", example("tac-meeting"))
    printed = exports / "printer-output.pdf"

    def print_it(dialog: QPrintPreviewDialog) -> int:
        printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(printed))
        dialog.paintRequested.emit(printer)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(QPrintPreviewDialog, "exec", print_it)
    pdf_actions.print_record(window)

    exported = exports / "exported.pdf"
    answer_export(monkeypatch, out=exported)
    pdf_actions.export_pdf(window)
    assert len(pypdf.PdfReader(printed).pages) == len(pypdf.PdfReader(exported).pages) > 1
    assert "printed" in [e.action for e in window.store.audit_events(record_id)]


def test_verify_says_whether_a_pdf_was_changed(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path
) -> None:
    open_new(window, "tac-meeting", example("tac-meeting"), status="complete")
    answer_export(monkeypatch, sign=True, out=exports / "plan.pdf")
    monkeypatch.setattr(pdf_actions, "ask_passphrase", lambda parent, purpose: PASSPHRASE)
    signed = pdf_actions.export_pdf(window)
    assert signed is not None
    altered = exports / "altered.pdf"
    data = bytearray(signed.read_bytes())
    data[len(data) // 3] ^= 0x01
    altered.write_bytes(bytes(data))

    said: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text, *a: said.append(("ok", text)))
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: said.append(("warn", text)))
    for path in (signed, altered):
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, p=path, **k: (str(p), ""))
        pdf_actions.verify_signed_pdf(window)

    assert said[0][0] == "ok"
    assert "Ada Worker" in said[0][1]
    assert said[1][0] == "warn"
