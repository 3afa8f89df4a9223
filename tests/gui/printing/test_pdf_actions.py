"""File, Export as PDF (signed or not, for sharing or not), File, Print, and checking a signed PDF."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.printing import pdf_actions
from caf_desktop.gui.printing.pdf_actions import ExportPdfDialog
from caf_desktop.gui.printing.qt_printing import PrintPreviewDialog
from caf_desktop.gui.records.window import RecordsWindow
from caf_desktop.gui.shared.sharing_dialog import SharingDecisionDialog
from caf_desktop.paper.sign import trust_roots, verify_pdf
from caf_desktop.store.store import Profile, Store
from PySide6.QtGui import QAction
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QPlainTextEdit, QRadioButton

from tests.conftest import example, require_tool
from tests.gui.modal import ModalDialogs, accept

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.create(
        tmp_path / "home", PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    yield opened
    opened.close()


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
    monkeypatch: pytest.MonkeyPatch,
    dialogs: ModalDialogs,
    *,
    sign: bool = False,
    share_with: str = "",
    out: Path | None = None,
) -> list[ExportPdfDialog]:
    """Answers the real Export as PDF dialog as a worker would: tick Sign, name who it is for, and
    press "Choose where to save…" (whose file dialog answers `out`)."""
    shown: list[ExportPdfDialog] = []

    def answer(dialog: ExportPdfDialog) -> None:
        shown.append(dialog)
        if sign:
            assert dialog.sign.isEnabled()
            dialog.sign.click()
        dialog.share_with.setEditText(share_with)
        dialog.save_button.click()

    dialogs.expect(ExportPdfDialog, answer)
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
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path, dialogs: ModalDialogs
) -> None:
    record_id = open_new(window, "caf-assessment", example("caf-assessment"))
    shown = answer_export(monkeypatch, dialogs, out=exports / "for-the-file")
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
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path, dialogs: ModalDialogs
) -> None:
    record_id = open_new(window, "tac-meeting", example("tac-meeting"), status="complete")
    answer_export(monkeypatch, dialogs, sign=True, out=exports / "plan.pdf")
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
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path, dialogs: ModalDialogs
) -> None:
    record_id = open_new(window, "tac-meeting", example("tac-meeting"), status="complete")
    answer_export(monkeypatch, dialogs, sign=True, out=exports / "plan.pdf")
    monkeypatch.setattr(pdf_actions, "ask_passphrase", lambda parent, purpose: "not the passphrase")
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: warned.append(text))

    assert pdf_actions.export_pdf(window) is None
    assert warned == ["That passphrase is not right. Check Caps Lock and try again. Nothing was written."]
    assert list(exports.iterdir()) == []
    assert window.store.get(record_id).status == "complete"


def test_sharing_a_pdf_without_consent_is_blocked_unless_the_worker_decides(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path, dialogs: ModalDialogs
) -> None:
    document = example("caf-assessment")
    document["consent"]["share"] = {"given": False}
    record_id = open_new(window, "caf-assessment", document)
    answer_export(monkeypatch, dialogs, share_with="Fictonwood Youth Club")  # no file dialog may open
    gaps: list[str] = []

    def refuse(dialog: SharingDecisionDialog) -> None:
        gaps.append(dialog.findChild(QLabel, "sharing-gaps").text())
        assert not dialog.share_button.isEnabled()  # nothing decided yet
        dialog.cancel_button.click()  # "Don't share"

    dialogs.expect(SharingDecisionDialog, refuse)
    assert pdf_actions.export_pdf(window) is None
    assert len(gaps) == 1
    assert "consent to share was refused." in gaps[0]
    assert "Nothing was exported" in window.statusBar().currentMessage()
    assert "shared" not in [e.action for e in window.store.audit_events(record_id)]


def test_a_pdf_is_shared_without_consent_once_the_worker_answers_the_golden_rules(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path, dialogs: ModalDialogs, qtbot: Any
) -> None:
    document = example("caf-assessment")
    document["consent"]["share"] = {"given": False}
    # The child disclosed harm: the child-protection pathway, on which the significant-harm ground is offered.
    document["parenting"]["basic_care"]["indicators"] = ["basic_care.l4.disclosure_of_abuse"]
    record_id = open_new(window, "caf-assessment", document)
    answer_export(monkeypatch, dialogs, share_with="Fictonwood Youth Club", out=exports / "mash.pdf")

    def decide(dialog: SharingDecisionDialog) -> None:
        dialog.findChild(QRadioButton, "ground:child_at_risk").click()
        dialog.findChild(QPlainTextEdit, "rule:framework").setPlainText("For a strategy discussion.")
        dialog.findChild(QPlainTextEdit, "rule:open").setPlainText(
            "Not told: it could put the child at risk."
        )
        qtbot.keyClicks(
            dialog.findChild(QPlainTextEdit, "rule:public_interest"), "The child disclosed harm at home."
        )
        assert not dialog.share_button.isEnabled()  # rule 6 is not confirmed yet
        dialog.proportionate.click()
        dialog.share_button.click()

    dialogs.expect(SharingDecisionDialog, decide)
    assert pdf_actions.export_pdf(window) == exports / "mash.pdf"
    (shared,) = [e for e in window.store.audit_events(record_id) if e.action == "shared"]
    assert shared.details["recipient"] == "Fictonwood Youth Club"
    assert shared.details["basis"] == "without consent"
    assert shared.details["ground"] == "child_at_risk"


def test_sharing_a_pdf_with_consent_is_logged(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path, dialogs: ModalDialogs
) -> None:
    document = example("caf-assessment")
    document["consent"]["share"] = {
        "given": True,
        "scope": "named_only",
        "agencies": ["School Nursing Service"],
    }
    record_id = open_new(window, "caf-assessment", document)
    shown = answer_export(
        monkeypatch, dialogs, share_with="School Nursing Service", out=exports / "nurse.pdf"
    )
    assert pdf_actions.export_pdf(window) == exports / "nurse.pdf"
    assert "School Nursing Service" in [
        shown[0].share_with.itemText(i) for i in range(shown[0].share_with.count())
    ]
    (shared,) = [e for e in window.store.audit_events(record_id) if e.action == "shared"]
    assert shared.details == {"recipient": "School Nursing Service", "purpose": "pdf", "basis": "consent"}


def test_print_sends_every_page_to_the_printer(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path, dialogs: ModalDialogs
) -> None:
    import pypdf

    record_id = open_new(window, "tac-meeting", example("tac-meeting"))
    printed = exports / "printer-output.pdf"

    def print_it(preview: PrintPreviewDialog) -> None:
        preview.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        preview.printer.setOutputFileName(str(printed))
        (print_button,) = [a for a in preview.findChildren(QAction) if a.text() == "Print"]
        print_button.trigger()  # the system print dialog opens, answered next

    dialogs.expect(PrintPreviewDialog, print_it)
    dialogs.expect(QPrintDialog, accept)
    pdf_actions.print_record(window)

    exported = exports / "exported.pdf"
    answer_export(monkeypatch, dialogs, out=exported)
    pdf_actions.export_pdf(window)
    assert len(pypdf.PdfReader(printed).pages) == len(pypdf.PdfReader(exported).pages) > 1
    assert "printed" in [e.action for e in window.store.audit_events(record_id)]


def test_verify_says_whether_a_pdf_was_changed(
    window: RecordsWindow, monkeypatch: pytest.MonkeyPatch, exports: Path, dialogs: ModalDialogs
) -> None:
    open_new(window, "tac-meeting", example("tac-meeting"), status="complete")
    answer_export(monkeypatch, dialogs, sign=True, out=exports / "plan.pdf")
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
