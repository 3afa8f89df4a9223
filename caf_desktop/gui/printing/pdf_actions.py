"""File, Export as PDF; File, Print; Verify a signed PDF; Print TAC plan: the paper side of a record.

Exporting asks whether to sign and whether the file is for sharing (which needs consent, or a
decision under the seven golden rules), warns that the file holds personal data, and writes only
where the user chose. Signing needs the passphrase (the identity is not kept unlocked) and a record
that is complete and saved; it moves the record to "signed". Everything is audited.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.common import atomic
from caf_desktop.common.errors import CafError
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.gui.shared.passphrase import ask_passphrase
from caf_desktop.gui.shared.records_host import RecordsHost
from caf_desktop.gui.shared.sharing_dialog import ask_to_share
from caf_desktop.practice import sharing

if TYPE_CHECKING:
    from caf_desktop.gui.shared.sharing_dialog import SharingAnswer
    from caf_desktop.paper.sign import SignatureReport
    from caf_desktop.trust.identity import Identity

PERSONAL_DATA_WARNING = (
    "This PDF will hold personal information about a child and family. Save it only where your "
    "organisation allows (an encrypted drive or your secure e-mail), and delete it once it has been sent."
)


@dataclass(frozen=True)
class ExportChoice:
    sign: bool
    share_with: str  # "" when the PDF is not for sharing


class ExportPdfDialog(QDialog):
    """Sign or not, for sharing or not, and the personal-data warning; then the file is chosen."""

    def __init__(
        self, *, can_sign: str | None, signer: str, agencies: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("export-pdf")
        self.setWindowTitle("Export as PDF")
        layout = QVBoxLayout(self)
        self.sign = QCheckBox(f"Sign it as {signer} (a digital signature anyone can check)", self)
        self.sign.setObjectName("export-sign")
        layout.addWidget(self.sign)
        if can_sign is not None:
            self.sign.setEnabled(False)
            why = QLabel(can_sign, self)
            why.setWordWrap(True)
            why.setObjectName("export-sign-why")
            layout.addWidget(why)
        share_label = QLabel("For sharing with (leave empty if the PDF is not to be shared):", self)
        layout.addWidget(share_label)
        self.share_with = QComboBox(self)
        self.share_with.setObjectName("export-share-with")
        self.share_with.setEditable(True)
        self.share_with.addItems(["", *agencies])
        self.share_with.setAccessibleName("For sharing with")
        share_label.setBuddy(self.share_with)
        layout.addWidget(self.share_with)
        warning = QLabel(f"⚠ {PERSONAL_DATA_WARNING}", self)
        warning.setWordWrap(True)
        warning.setProperty("role", "warning")
        warning.setObjectName("export-warning")
        layout.addWidget(warning)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save_button = buttons.addButton("Choose where to save…", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def choice(self) -> ExportChoice:
        return ExportChoice(self.sign.isChecked(), " ".join(self.share_with.currentText().split()))


def default_file_name(definition: FormDefinition, reference: str | None, today: dt.date) -> str:
    """A name that says what the file is without naming the child (file lists are seen by others)."""
    tail = re.sub(r"[^A-Za-z0-9-]+", "-", reference or "").strip("-")
    return f"{definition.id}{f'-{tail}' if tail else ''}-{today:%Y-%m-%d}.pdf"


def _agencies(document: dict[str, object]) -> list[str]:
    consent = sharing.ConsentToShare.from_document(document)
    if consent is None:
        return []
    return list(dict.fromkeys([*consent.agencies, *consent.listed_services]))


def _draw(
    window: RecordsHost, record_id: str | None = None, *, signing: bool = False
) -> tuple[FormDefinition, bytes] | None:
    """The PDF of a record: the open one as it stands on screen (its typing kept first), or another
    from the store. A complete record about to be signed prints as signed."""
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415
    from caf_desktop.paper.render import render_pdf, status_line  # noqa: PLC0415 - reportlab loads on first use

    record_id = record_id or window.record_id
    if record_id is None:
        return None
    view = window.view if record_id == window.record_id else None
    if view is not None:
        window.autosave()
    record = window.store.get(record_id)
    definition = (
        view.definition
        if view is not None
        else installed_catalogue().lookup(f"{record.form_id}@{record.form_version}")
    )
    status = "signed" if signing and record.status == "complete" else record.status
    profile = window.store.profile()
    pdf = render_pdf(
        definition,
        view.value() if view is not None else record.document,
        status_line=status_line(status),
        author=profile.name if profile else None,
    )
    return definition, pdf


def export_pdf(window: RecordsHost) -> Path | None:
    """File, Export as PDF: the open record, signed or not, for sharing or not."""
    from caf_desktop.paper.sign import refuse_unfinished, sign_pdf  # noqa: PLC0415
    from caf_desktop.trust import identity  # noqa: PLC0415

    if window.view is None or window.record_id is None:
        return None
    window.autosave()
    record_id = window.record_id
    record = window.store.get(record_id)
    profile = window.store.profile()
    me = profile.name if profile else "you"
    try:
        refuse_unfinished(record.status, unsaved_changes=record.has_unsaved_changes)
        can_sign = None
    except CafError as not_ready:
        can_sign = str(not_ready).replace("; nothing was written.", ".").replace(" nothing was written.", "")
    home = window.store.home
    if home is None or not identity.has_identity(home):
        can_sign = "There is no signing identity on this computer."
    dialog = ExportPdfDialog(can_sign=can_sign, signer=me, agencies=_agencies(record.document), parent=window)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    choice = dialog.choice()
    answer = None
    if choice.share_with:
        answer = ask_to_share(window, window.store, [record_id], choice.share_with, decided_by=me)
        if not answer.share:
            window.statusBar().showMessage("Nothing was exported: consent to share does not cover it.", 8000)
            return None
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    suggested = str(Path(documents) / default_file_name(window.view.definition, None, dt.date.today()))
    chosen, _ = QFileDialog.getSaveFileName(window, "Export as PDF", suggested, "PDF documents (*.pdf)")
    if not chosen:
        return None
    out = Path(chosen if chosen.lower().endswith(".pdf") else f"{chosen}.pdf")
    signer = None
    if choice.sign:
        passphrase = ask_passphrase(window, "sign the PDF")
        if passphrase is None or home is None:
            return None
        try:
            signer = identity.load_identity(home, passphrase)
        except CafError as problem:
            QMessageBox.warning(window, "Not signed", f"{problem} Nothing was written.")
            return None
    drawn = _draw(window, signing=signer is not None)
    if drawn is None:
        return None
    _, pdf = drawn
    if signer is not None:
        pdf = sign_pdf(pdf, signer, reason="Signed with CAF Desktop")
    return _write_and_log(
        window, record_id, record.status, out, pdf, signer=signer, choice=choice, answer=answer
    )


def _write_and_log(
    window: RecordsHost,
    record_id: str,
    status: str,
    out: Path,
    pdf: bytes,
    *,
    signer: Identity | None,
    choice: ExportChoice,
    answer: SharingAnswer | None,
) -> Path | None:
    """Writes the file whole or not at all, then records what happened: signed, exported, shared."""
    try:
        atomic.write_bytes(out, pdf)
    except OSError as error:
        QMessageBox.warning(
            window,
            "Not saved",
            f"The PDF could not be saved to {out}: {error.strerror or 'the system refused'}.",
        )
        return None
    details: dict[str, object] = {"signed": signer is not None, "for_sharing": bool(choice.share_with)}
    if signer is not None:
        details["certificate"] = signer.fingerprint
        if status == "complete":
            window.store.set_status(record_id, "signed")
        window.store.audit("signed", record_id, {"certificate": signer.fingerprint})
    window.store.audit("pdf exported", record_id, details)
    if choice.share_with and answer is not None:
        sharing.log_shared(
            window.store,
            [record_id],
            choice.share_with,
            purpose="pdf",
            without_consent=answer.decision,
            gaps=answer.gaps,
        )
    window.statusBar().showMessage(
        f"Saved {'the signed' if signer else 'the'} PDF to {out}. It holds personal data: keep it safe.",
        10000,
    )
    window.update_title()  # the status may have changed to signed
    return out


def print_record(window: RecordsHost, record_id: str | None = None) -> None:
    """File, Print: the system print dialog, with a preview, of the open (or given) record."""
    from caf_desktop.gui.printing.qt_printing import preview_dialog  # noqa: PLC0415

    drawn = _draw(window, record_id)
    if drawn is None:
        return
    definition, pdf = drawn
    record_id = record_id or window.record_id
    dialog = preview_dialog(pdf, definition.title, window)
    printed = dialog.exec()
    # Its rendered pages (a few MB each at print resolution) would otherwise live as long as the window.
    dialog.deleteLater()
    if printed == QDialog.DialogCode.Accepted:
        window.store.audit("printed", record_id, {"form": definition.key})


def print_tac_plan(window: RecordsHost) -> None:
    """Print TAC plan: the newest TAC meeting record of the selected (or open) record's case."""
    chosen = window.record_id or (window.case_list.selected().id if window.case_list.selected() else None)
    if chosen is None:
        window.statusBar().showMessage("Choose a case in the list first.", 6000)
        return
    plans = [r for r in window.store.case_records(chosen) if r.form_id == "tac-meeting"]
    if not plans:
        QMessageBox.information(
            window, "No TAC plan", "This case has no TAC meeting record yet. Make one with New record."
        )
        return
    print_record(window, plans[0].id)


def verify_pdf_file(window: QWidget, path: Path, home: Path | None) -> list[SignatureReport] | None:
    from caf_desktop.paper.sign import revocations, trust_roots, verify_pdf  # noqa: PLC0415

    try:
        return verify_pdf(
            path.read_bytes(),
            trust_roots(home) if home else [],
            source=path.name,
            revoked=revocations(home) if home else None,
        )
    except OSError as error:
        QMessageBox.warning(window, "Cannot read the file", f"{path} cannot be read: {error.strerror}.")
    except CafError as problem:
        QMessageBox.warning(window, "Not a PDF that can be checked", str(problem))
    return None


def verify_signed_pdf(window: RecordsHost) -> None:
    """Verify a signed PDF someone sent: each signature's signer, time, intact or not, trusted or not."""
    chosen, _ = QFileDialog.getOpenFileName(window, "Verify a signed PDF", "", "PDF documents (*.pdf)")
    if not chosen:
        return
    reports = verify_pdf_file(window, Path(chosen), window.store.home)
    if reports is None:
        return
    if not reports:
        QMessageBox.warning(window, "Not signed", f"{Path(chosen).name} has no digital signature.")
        return
    good = all(r.intact and r.trusted for r in reports)
    text = "\n\n".join(("✔ " if r.intact and r.trusted else "⚠ ") + r.summary for r in reports)
    box = QMessageBox.information if good else QMessageBox.warning
    box(window, "Signature check", text)
