"""Team, Send records; Team, Import bundles; Team, Sync conflicts: the GUI of sync bundles.

Sending checks consent to share for every record and, where it does not cover one, asks for a
decision under the seven golden rules before anything is written; a long export shows its progress
with Cancel, and a cancelled one writes nothing. Importing shows what each bundle would change (new,
updated, identical, conflicting) before applying it, and a report afterwards that can be saved. A
conflict shows the stored and the incoming version side by side, answer by answer; the coordinator
keeps one, or takes chosen answers from the incoming one (those dialogs are in conflict_dialogs).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.common import atomic, uk_time
from caf_desktop.common.errors import CafError
from caf_desktop.gui.shared.layout_memory import remember_size
from caf_desktop.gui.shared.passphrase import ask_passphrase
from caf_desktop.gui.shared.records_host import RecordsHost
from caf_desktop.gui.sync.conflict_dialogs import (
    ConflictDialog,
    ConflictsDialog,
    form_title,
    settle_conflicts,
)

if TYPE_CHECKING:
    from caf_desktop.sync.bundles import (
        Addressee,
        BundlePlan,
        ExportPhase,
        ExportReport,
        ImportReport,
        Rejection,
    )
    from caf_desktop.trust.identity import Identity
    from caf_desktop.trust.team import TeamFile

CHANGE_WORDS = {
    "new": "New",
    "updated": "Updated",
    "identical": "Already here, unchanged",
    "conflict": "Conflict: both versions kept for you to settle",
    "outdated": "Older than the version here: left as it is",
}
# The preview lists each bundle's records by what will happen, the ones that need a person first, then
# by the child's name.
CHANGE_ORDER = ("conflict", "new", "updated", "identical", "outdated")
COUNT_WORDS = {
    "conflict": ("conflict to settle", "conflicts to settle"),
    "new": ("new", "new"),
    "updated": ("updated", "updated"),
    "identical": ("already here", "already here"),
    "outdated": ("older than here", "older than here"),
}
NOTE_COLOUR = "#595959"  # grey that still reads at 7:1 on a light window: "nothing to do", not "refused"


def _unlocked(window: RecordsHost, purpose: str) -> tuple[Identity, TeamFile] | None:
    """The identity and the joined team, or None after saying plainly why not."""
    from caf_desktop.trust import (  # noqa: PLC0415
        identity,
        team,
    )

    home = window.store.home
    if home is None:
        QMessageBox.information(window, "Bundles", "Bundles are sent and imported from a laptop's own store.")
        return None
    joined = team.load_joined_team(home)
    if joined is None:
        QMessageBox.information(
            window, "Not in a team yet", "Join your locality team first: Team, Locality team, Join a team."
        )
        return None
    passphrase = ask_passphrase(window, purpose)
    if passphrase is None:
        return None
    try:
        return identity.load_identity(home, passphrase), joined
    except CafError as problem:
        QMessageBox.warning(window, "Passphrase", str(problem))
        return None


# --- sending ---------------------------------------------------------------------------------------------


class SendDialog(QDialog):
    """Which records go in the bundle."""

    def __init__(
        self,
        team_name: str,
        selected: str | None,
        parent: QWidget | None = None,
        *,
        workers: Sequence[Addressee] = (),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("send-bundle")
        self.setWindowTitle("Send records")
        layout = QVBoxLayout(self)
        self.workers = list(workers)
        self.to = QComboBox(self)
        self.to.setObjectName("send-to")
        self.to.setAccessibleName("Send to")
        self.to.addItem(f"{team_name}'s coordinators")
        for worker in self.workers:
            self.to.addItem(worker.name)
        self.with_team_file = QCheckBox("Include the latest team file (new contacts, revocations)", self)
        self.with_team_file.setObjectName("send-team-file")
        if self.workers:  # a coordinator sends back to one worker too
            row = QHBoxLayout()
            row.addWidget(QLabel("Send to:", self))
            row.addWidget(self.to, 1)
            layout.addLayout(row)
            layout.addWidget(self.with_team_file)
            self.to.currentIndexChanged.connect(lambda i: self.with_team_file.setEnabled(i > 0))
        self.with_team_file.setEnabled(False)
        intro = QLabel(
            "The bundle is signed by you and encrypted so that only the people it is for (and you) can "
            "open it. Carry it on a USB stick or send it by secure e-mail.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.changed = QRadioButton("Records changed since the last bundle", self)
        self.everything = QRadioButton("Every record", self)
        self.only_selected = QRadioButton("Only the record selected", self)
        self.changed.setChecked(True)
        self.only_selected.setEnabled(selected is not None)
        self.selected = selected
        group = QButtonGroup(self)
        for button in (self.changed, self.everything, self.only_selected):
            group.addButton(button)
            layout.addWidget(button)
        note = QLabel(
            "Consent to share is checked for every record. Typing not yet saved as a version stays on "
            "this laptop. Pre-assessment checklists are never sent.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        send = buttons.addButton("Choose a folder and send…", QDialogButtonBox.ButtonRole.AcceptRole)
        send.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def addressee(self) -> Addressee | None:
        """One worker, or None for the team's coordinators."""
        index = self.to.currentIndex()
        return self.workers[index - 1] if index > 0 else None

    def selection(self) -> Any:
        from caf_desktop.sync.bundles import Selection  # noqa: PLC0415

        if self.only_selected.isChecked() and self.selected is not None:
            return [self.selected]
        return Selection.ALL if self.everything.isChecked() else Selection.CHANGED


def _sent_message(report: ExportReport, team_name: str) -> str:
    count = len(report.record_ids)
    who = f"{team_name}'s coordinator" if report.addressee.to_team else report.addressee.name
    lines = [
        f"Wrote {count} record{'s' if count != 1 else ''} to {report.path.name} in {report.path.parent}.",
        f"Give it to {who}.",
    ]
    if report.unsaved_typing:
        lines.append(
            f"{len(report.unsaved_typing)} record(s) had typing not yet saved as a version: their last saved "
            "version was sent."
        )
    if report.without_consent:
        lines.append(
            f"{len(report.without_consent)} record(s) went under your decision to share without consent."
        )
    return "\n".join(lines)


PROGRESS_AFTER_MS = 400  # an export done sooner shows no progress dialog at all, not even a flash of one
REPAINT_EVERY_S = 0.1  # how often the dialog repaints (and takes a click on Cancel) while an export runs


class _SendProgress:
    """How far writing a bundle has got, with Cancel: `export_bundle`'s progress callback.

    A wait cursor shows until the dialog does (after `PROGRESS_AFTER_MS`); then the normal cursor, so
    Cancel looks clickable. Cancel is honoured at the export's next call, by raising `ExportCancelled`,
    so nothing is written. The window-modal dialog's `setValue` processes events itself (Qt documents
    it), which is what paints it and takes the click: so it is called at most every `REPAINT_EVERY_S`
    (and at each change of phase), which keeps the cost of watching an export next to nothing."""

    def __init__(self, parent: QWidget) -> None:
        self.dialog = QProgressDialog(parent)
        self.dialog.setObjectName("send-progress")
        self.dialog.setWindowTitle("Send records")
        self.dialog.setLabelText("Writing the bundle…")
        self.cancel_button = QPushButton("Cancel", self.dialog)
        self.cancel_button.setObjectName("send-progress-cancel")
        self.dialog.setCancelButton(self.cancel_button)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(PROGRESS_AFTER_MS)
        self.dialog.setMinimumWidth(440)
        self.dialog.setAutoReset(False)  # it stays up at 100% while the file is written and remembered
        self.dialog.setAutoClose(False)
        self.phase: str | None = None
        self.repainted = 0.0
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self.waiting = True

    def __call__(self, phase: ExportPhase, done: int, total: int) -> None:
        from caf_desktop.sync.bundles import ExportCancelled  # noqa: PLC0415

        if self.dialog.wasCanceled():
            raise ExportCancelled
        moment = time.monotonic()
        if phase == self.phase and done < total and moment - self.repainted < REPAINT_EVERY_S:
            return
        self.repainted = moment
        if phase != self.phase:
            self.phase = phase
            self.dialog.setLabelText(f"Writing the bundle…\n{phase}.")
        if total != self.dialog.maximum():
            self.dialog.setMaximum(total)
        was_visible = self.dialog.isVisible()
        if done != self.dialog.value() or was_visible:  # setValue(0) again would restart its clock
            self.dialog.setValue(done)  # shows the dialog once PROGRESS_AFTER_MS have passed
        if self.dialog.isVisible() and not was_visible:
            self._stop_waiting()
            QApplication.processEvents()  # paint it now, not at the next call
        if self.dialog.wasCanceled():
            raise ExportCancelled
        if done == total:  # the file is being written: too late to stop
            self.cancel_button.setEnabled(False)

    def _stop_waiting(self) -> None:
        if self.waiting:
            QGuiApplication.restoreOverrideCursor()
            self.waiting = False

    def close(self) -> None:
        """Takes the dialog and the wait cursor away (the export is over, whichever way)."""
        self._stop_waiting()
        self.dialog.reset()  # also stops the timer that would show it later
        self.dialog.hide()
        self.dialog.deleteLater()


@contextlib.contextmanager
def _send_progress(window: QWidget) -> Iterator[_SendProgress]:
    progress = _SendProgress(window)
    try:
        yield progress
    finally:
        progress.close()


def send_bundle(window: RecordsHost) -> Path | None:
    """Team, Send records: a signed, encrypted bundle for the team's coordinators."""
    from caf_desktop.gui.shared.sharing_dialog import (  # noqa: PLC0415
        SharingDecisionDialog,
        on_child_protection_pathway,
    )
    from caf_desktop.practice.sharing import SharingRefused  # noqa: PLC0415
    from caf_desktop.sync import bundles  # noqa: PLC0415
    from caf_desktop.trust import team  # noqa: PLC0415

    home = window.store.home
    joined = team.load_joined_team(home) if home is not None else None
    window.autosave()
    selected = window.record_id or (window.case_list.selected().id if window.case_list.selected() else None)
    workers = bundles.members_of(home) if home is not None and team.is_coordinator(home) else []
    dialog = SendDialog(joined.name if joined else "the team", selected, window, workers=workers)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    folder = QFileDialog.getExistingDirectory(window, "Where to put the bundle")
    if not folder:
        return None
    unlocked = _unlocked(window, "sign the bundle")
    if unlocked is None:
        return None
    identity, joined = unlocked
    profile = window.store.profile()
    me = profile.name if profile else identity.name
    decision = None
    try:
        for _ in range(2):
            try:
                to = dialog.addressee()
                attachments = (
                    [bundles.Attachment(bundles.TEAM_FILE, json.dumps(dict(joined.document)).encode())]
                    if to is not None and dialog.with_team_file.isChecked()
                    else []
                )
                with _send_progress(window) as progress:
                    report = bundles.export_bundle(
                        window.store,
                        identity,
                        joined,
                        dialog.selection(),
                        Path(folder),
                        to=to,
                        without_consent=decision,
                        attachments=attachments,
                        progress=progress,
                    )
                break
            except SharingRefused as refused:
                recipient = dialog.addressee().consent_name if dialog.addressee() else joined.name
                asked = SharingDecisionDialog(
                    refused.gaps,
                    recipient,
                    me,
                    window,
                    child_protection=on_child_protection_pathway(window.store, refused.gaps),
                )
                accepted = asked.exec() == QDialog.DialogCode.Accepted and not asked.missing()
                if not accepted:
                    window.statusBar().showMessage(
                        "No bundle was written: consent to share does not cover it.", 8000
                    )
                    return None
                decision = asked.decision()
        else:  # pragma: no cover - a decision always covers what it was asked for
            return None
    except bundles.ExportCancelled as cancelled:
        window.statusBar().showMessage(str(cancelled), 8000)
        return None
    except bundles.NothingToSend as nothing:
        QMessageBox.information(window, "Nothing to send", str(nothing))
        return None
    except CafError as problem:
        QMessageBox.warning(window, "No bundle was written", str(problem))
        return None
    QMessageBox.information(window, "Bundle written", _sent_message(report, joined.name))
    return report.path


# --- importing -------------------------------------------------------------------------------------------


def _table(headers: list[str], rows: list[list[str]], parent: QWidget) -> QTableWidget:
    table = QTableWidget(len(rows), len(headers), parent)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(text))
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def _made(created: str | None) -> str:
    """When a bundle says it was made, in UK time: "26 November 2026 at 10:15"."""
    try:
        moment = dt.datetime.fromisoformat(created or "")
    except ValueError:
        return "at a time it does not say"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return f"on {uk_time.spoken(moment)}"


def _counted(changes: Sequence[Any]) -> str:
    """`3 records: 2 new, 1 conflict to settle`."""
    total = len(changes)
    parts = []
    for change in CHANGE_ORDER:
        number = sum(1 for c in changes if str(c.change) == change)
        if number:
            one, many = COUNT_WORDS[change]
            parts.append(f"{number} {one if number == 1 else many}")
    head = f"{total} record{'s' if total != 1 else ''}"
    return f"{head}: {', '.join(parts)}" if parts else head


def _sorted_changes(changes: Sequence[Any]) -> list[Any]:
    order = {change: index for index, change in enumerate(CHANGE_ORDER)}
    return sorted(changes, key=lambda c: (order.get(str(c.change), len(order)), (c.child or "").casefold()))


def preview_order(plans: Sequence[BundlePlan]) -> list[BundlePlan]:
    """Bundles as they were made, oldest first (a sender's in the order of their numbers): the order
    they are shown in and applied in."""
    return sorted(plans, key=lambda p: (p.facts.created or "", p.facts.sequence or 0, p.bundle.path.name))


def _summary(plans: Sequence[BundlePlan], already: int, refused: int, failed: int = 0) -> str:
    """The preview's first line: the totals over every bundle chosen, and how the records are listed."""
    every_change = [c for plan in plans for c in plan.changes]
    summary = [
        f"{len(plans)} bundle{'s' if len(plans) != 1 else ''} to import, {_counted(every_change)}."
        if plans
        else "Nothing to import."
    ]
    if already:
        summary.append(f"{already} already imported, nothing to do.")
    if refused:
        summary.append(f"{refused} refused.")
    if failed:  # a failure here, not in the bundle: "refused" would blame the sender
        summary.append(f"{failed} cannot be imported.")
    if plans:
        summary.append(
            "Each bundle's records are listed by what will happen, conflicts first, then by child."
        )
    return " ".join(summary)


class ImportPreviewDialog(QDialog):
    """What importing would change, bundle by bundle, with totals; bundles already imported (nothing to
    do, in grey) and bundles refused (in red, with why)."""

    def __init__(
        self,
        plans: list[BundlePlan],
        rejected: list[Rejection],
        parent: QWidget | None = None,
        *,
        already_imported: Sequence[Rejection] = (),
    ) -> None:
        from caf_desktop.sync.bundles import FAILED  # noqa: PLC0415

        super().__init__(parent)
        self.setObjectName("import-preview")
        self.setWindowTitle("Import bundles: what will change")
        remember_size(self, "import-preview", (900, 600))
        plans = preview_order(plans)
        layout = QVBoxLayout(self)
        failed = sum(1 for r in rejected if r.code == FAILED)
        self.summary = QLabel(_summary(plans, len(already_imported), len(rejected) - failed, failed), self)
        self.summary.setObjectName("import-summary")
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        layout.addWidget(self.summary)
        for plan in plans:
            facts = plan.facts
            heading = QLabel(
                f"✔ {plan.bundle.path.name}: from {plan.bundle.signer.name}, made {_made(facts.created)}. "
                f"{_counted(plan.changes)}. Signed by a member of your team and not changed since.",
                self,
            )
            heading.setObjectName(f"plan-heading:{plan.bundle.path.name}")
            heading.setWordWrap(True)
            layout.addWidget(heading)
            rows = [
                [
                    c.child or "(no name)",
                    form_title(c.form_id),
                    CHANGE_WORDS.get(str(c.change), str(c.change))
                    + (
                        f". Possible match: {c.possible_match}, already here; kept apart, check whether "
                        "this is the same child"
                        if c.possible_match
                        else ""
                    ),
                ]
                for c in _sorted_changes(plan.changes)
            ]
            table = _table(["Child", "Form", "What happens"], rows, self)
            table.setObjectName(f"plan:{plan.bundle.path.name}")
            table.setAccessibleName(f"Records in {plan.bundle.path.name}")
            layout.addWidget(table, 1)
        for repeat in already_imported:
            label = QLabel(f"● {repeat.path.name}: {repeat.reason}", self)
            label.setObjectName(f"already-imported:{repeat.path.name}")
            label.setWordWrap(True)
            label.setStyleSheet(f"color: {NOTE_COLOUR};")
            layout.addWidget(label)
        for rejection in rejected:
            verdict = "cannot be imported" if rejection.code == FAILED else "is refused"
            label = QLabel(f"✖ {rejection.path.name} {verdict}: {rejection.reason}", self)
            label.setObjectName(f"rejected:{rejection.path.name}")
            label.setWordWrap(True)
            label.setProperty("role", "error")
            layout.addWidget(label)
        if not plans:
            layout.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.import_button = buttons.addButton(
            f"Import {len(plans)} bundle{'s' if len(plans) != 1 else ''}" if plans else "Import",
            QDialogButtonBox.ButtonRole.AcceptRole,
        )
        self.import_button.setEnabled(bool(plans))
        if not plans:
            buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("Close")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def report_text(report: ImportReport, when: dt.datetime) -> str:
    """The import report a coordinator can save or print: counts, bundles, refusals (no names)."""
    from caf_desktop.sync.bundles import FAILED  # noqa: PLC0415

    counts = report.as_json()
    lines = [
        f"CAF Desktop import report, {uk_time.stamp(when)} (UK time)",
        "",
        f"New records: {counts['imported']}",
        f"Updated: {counts['updated']}",
        f"Already here: {counts['identical']}",
        f"Conflicts kept for a person to settle: {counts['conflicts']}",
        f"Older than ours, ignored: {counts.get('outdated', 0)}",
        "",
    ]
    for item in report.imported:
        lines.append(
            f"Imported {item.bundle.path.name} (bundle {item.bundle.bundle_id}) from {item.bundle.signer.name}."
        )
    for rejection in report.rejected:
        verdict = "Not imported" if rejection.code == FAILED else "Refused"
        lines.append(f"{verdict} {rejection.path.name}: {rejection.reason}")
    for repeat in report.already_imported:
        lines.append(f"Already imported, nothing to do: {repeat.path.name}.")
    return "\n".join(lines) + "\n"


class ImportReportDialog(QDialog):
    def __init__(self, text: str, conflicts: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("import-report")
        self.setWindowTitle("Import report")
        remember_size(self, "import-report", (700, 420))
        self.text = text
        layout = QVBoxLayout(self)
        shown = QPlainTextEdit(text, self)
        shown.setReadOnly(True)
        shown.setObjectName("import-report-text")
        layout.addWidget(shown)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_button = buttons.addButton("Save report…", QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.clicked.connect(self.save)
        self.print_button = buttons.addButton("Print…", QDialogButtonBox.ButtonRole.ActionRole)
        self.print_button.clicked.connect(self.print_report)
        self.conflicts_button = buttons.addButton("Settle conflicts…", QDialogButtonBox.ButtonRole.ActionRole)
        self.conflicts_button.setVisible(conflicts > 0)
        self.conflicts_button.clicked.connect(lambda: self.done(2))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Save the import report", "import-report.txt", "Text (*.txt)"
        )
        if chosen:
            atomic.write_text(Path(chosen), self.text)

    def print_report(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog  # noqa: PLC0415

        from caf_desktop.gui.printing.qt_printing import a4_printer  # noqa: PLC0415

        # The print dialog keeps only a C++ pointer to its printer: the report dialog holds the
        # printer, so it outlives the print dialog whatever order Python frees things in.
        self.printer = a4_printer("CAF Desktop import report")
        self.printer.setFullPage(False)
        chooser = QPrintDialog(self.printer, self)
        if chooser.exec() == QDialog.DialogCode.Accepted:
            self.print_to(self.printer)
        chooser.deleteLater()

    def print_to(self, printer: Any) -> None:
        """The report on paper, as plain text (it names bundles and senders, never a child)."""
        document = QTextDocument()
        document.setPlainText(self.text)
        document.print_(printer)


def import_bundles(window: RecordsHost) -> ImportReport | None:
    """Team, Import bundles: verify each, show what would change, apply, report."""
    from caf_desktop.sync import bundles  # noqa: PLC0415

    chosen, _ = QFileDialog.getOpenFileNames(
        window, "Import bundles", "", f"Bundles (*{bundles.SUFFIX});;All files (*)"
    )
    if not chosen:
        return None
    unlocked = _unlocked(window, "open the bundles")
    if unlocked is None:
        return None
    identity, joined = unlocked
    paths = [Path(p) for p in chosen]
    plans: list[BundlePlan] = []
    rejected: list[Rejection] = []
    already: list[Rejection] = []
    progress = QProgressDialog("Checking the bundles…", "Cancel", 0, len(paths), window)
    progress.setWindowModality(Qt.WindowModality.WindowModal)
    progress.setMinimumDuration(400)
    for number, path in enumerate(paths):
        if progress.wasCanceled():
            return None
        progress.setValue(number)
        try:
            plans.append(bundles.inspect_bundle(window.store, identity, joined, path))
        except bundles.BundleAlreadyImported as repeat:
            already.append(bundles.Rejection(path, repeat.reason, repeat.code))
        except CafError as problem:
            rejected.append(bundles.Rejection(path, str(problem), getattr(problem, "code", "rejected")))
        except Exception as problem:  # noqa: BLE001 - one bundle that breaks CAF Desktop must not drop the others
            rejected.append(bundles.import_failure(window.store, path, problem))
    progress.setValue(len(paths))
    plans = preview_order(plans)
    preview = ImportPreviewDialog(plans, rejected, window, already_imported=already)
    if preview.exec() != QDialog.DialogCode.Accepted or not plans:
        return None
    # What the preview showed is what is applied: the bundles are not read from their files again.
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        report = bundles.apply_bundles(window.store, [plan.bundle for plan in plans], home=window.store.home)
    except CafError as problem:  # the store itself failed (a full disk, say); each bundle is all or nothing
        window.case_list.refresh()
        QMessageBox.warning(
            window,
            "The import stopped",
            f"{problem} A bundle the report had not reached was not imported at all; import it again once "
            "this is put right (a bundle imported already is shown as that, with nothing to do).",
        )
        return None
    finally:
        QGuiApplication.restoreOverrideCursor()
    report.rejected[:0] = rejected
    report.already_imported[:0] = already
    window.case_list.refresh()
    shown = ImportReportDialog(
        report_text(report, dt.datetime.now().astimezone()), report.count(bundles.Change.CONFLICT), window
    )
    if shown.exec() == 2:
        settle_conflicts(window)
    return report


__all__ = [
    "ConflictDialog",
    "ConflictsDialog",
    "ImportPreviewDialog",
    "ImportReportDialog",
    "SendDialog",
    "import_bundles",
    "report_text",
    "send_bundle",
    "settle_conflicts",
]
