"""Sending records to the team, importing them at the coordinator's, and settling a conflict, by GUI."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.records.window import RecordsWindow
from caf_desktop.gui.shared.sharing_dialog import SharingDecisionDialog
from caf_desktop.gui.sync import bundle_actions
from caf_desktop.gui.sync.bundle_actions import (
    ConflictDialog,
    ConflictsDialog,
    ImportPreviewDialog,
    ImportReportDialog,
    SendDialog,
)
from caf_desktop.store.store import Profile, Store
from caf_desktop.sync import bundles
from caf_desktop.sync import read as reading
from caf_desktop.sync.bundles import Selection
from caf_desktop.trust import team
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QRadioButton,
    QTableWidget,
)

from tests.conftest import EXAMPLES
from tests.gui.conftest import show_records_window
from tests.gui.modal import ModalDialogs

PASSPHRASE = "correct horse battery staple"
TEAM = "Northtown Locality Team"
ALSO_KNOWN_AS = "AKA/previous names"


def caf(given: str, share: dict[str, Any]) -> dict[str, Any]:
    document = json.loads((EXAMPLES / "caf-assessment" / "full.json").read_text(encoding="utf-8"))
    document["child"]["given_names"] = given
    document["consent"]["share"] = share
    return document


@pytest.fixture
def team_homes(tmp_path: Path, qtbot: Any) -> Iterator[dict[str, Any]]:
    coordinator = Store.create(
        tmp_path / "cora", PASSPHRASE, Profile("Cora Ordinator", "coordinator", "Northtown"), kdf_cost=2**12
    )
    worker = Store.create(
        tmp_path / "hannah",
        PASSPHRASE,
        Profile("Hannah Testwell", "worker", "Brightwell Primary School"),
        kdf_cost=2**12,
    )
    assert coordinator.home is not None
    assert worker.home is not None
    made = team.create_team(coordinator.home, PASSPHRASE, TEAM)
    team.join_team(worker.home, made)
    request = team.make_request(worker.home, PASSPHRASE)
    team.install_issued(
        worker.home, PASSPHRASE, team.issue_certificate(coordinator.home, PASSPHRASE, request)
    )
    windows = {}
    for key, store in (("coordinator", coordinator), ("worker", worker)):
        windows[key] = show_records_window(store, qtbot)
    outbox = tmp_path / "usb-stick"
    outbox.mkdir()
    yield {"outbox": outbox, **windows}
    for window in windows.values():
        window.close()
        window.deleteLater()
    coordinator.close()
    worker.close()


class Person:
    """Answers the dialogs as the worker or coordinator would, and keeps what they were told.

    Send records and the import preview and report are real dialogs, answered through `dialogs`:
    call `expect_send` or `expect_import` before the action that opens them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, outbox: Path, dialogs: ModalDialogs) -> None:
        self.told: list[tuple[str, str]] = []
        self.previews: list[ImportPreviewDialog] = []
        self.reports: list[str] = []
        self.import_files: list[Path] = []
        self.dialogs = dialogs
        monkeypatch.setattr(bundle_actions, "ask_passphrase", lambda parent, purpose: PASSPHRASE)
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(outbox))
        monkeypatch.setattr(
            QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(p) for p in self.import_files], "")
        )
        monkeypatch.setattr(
            QMessageBox, "information", lambda p, t, text, *a: self.told.append(("info", text))
        )
        monkeypatch.setattr(
            QMessageBox, "warning", lambda p, t, text, *a: self.told.append(("warning", text))
        )

    def expect_send(self, choose: Callable[[SendDialog], None] | None = None) -> None:
        """Send records opens next: `choose` picks what to send, then "Choose a folder and send…"."""

        def answer(dialog: SendDialog) -> None:
            if choose is not None:
                choose(dialog)
            click(dialog, "Choose a folder and send…")

        self.dialogs.expect(SendDialog, answer)

    def send(self, window: RecordsWindow) -> Path | None:
        self.expect_send()
        return bundle_actions.send_bundle(window)

    def expect_import(self, *, refused: bool = False) -> None:
        """The import preview opens next (Import when it may, else Cancel), then unless every bundle
        is `refused` the report (read, then Close)."""
        self.dialogs.expect(ImportPreviewDialog, self._preview)
        if not refused:
            self.dialogs.expect(ImportReportDialog, self._report)

    def import_bundles(self, window: RecordsWindow, *, refused: bool = False) -> Any:
        self.expect_import(refused=refused)
        return bundle_actions.import_bundles(window)

    def _preview(self, dialog: ImportPreviewDialog) -> None:
        self.previews.append(dialog)
        if dialog.import_button.isEnabled():
            dialog.import_button.click()
        else:  # nothing to import: the only way out is Close
            click(dialog, "Close")

    def _report(self, dialog: ImportReportDialog) -> None:
        self.reports.append(dialog.text)
        click(dialog, "Close")


def click(dialog: QDialog, text: str) -> None:
    """Clicks the button of `dialog` that says `text`."""
    (button,) = [b for b in dialog.findChildren(QPushButton) if b.text().replace("&", "") == text]
    assert button.isEnabled(), f"{text} is not enabled"
    button.click()


def menu_action(window: RecordsWindow, text: str) -> QAction:
    """The menu item a person would choose, by the words it shows."""
    (found,) = [a for a in window.findChildren(QAction) if a.text().replace("&", "") == text]
    return found


def plan_rows(dialog: ImportPreviewDialog) -> list[list[str]]:
    (table,) = dialog.findChildren(QTableWidget)
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def add(window: RecordsWindow, document: dict[str, Any]) -> str:
    return window.store.add_record(shipped_catalogue().get("caf-assessment"), document).id


def test_a_worker_sends_records_and_the_coordinator_sees_them_before_importing(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs
) -> None:
    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    record_id = add(worker, caf("Ada", {"given": True, "scope": "all_listed"}))

    sent = person.send(worker)

    assert sent is not None
    assert sent.parent == team_homes["outbox"]
    assert sent.name.startswith("caf-hannah-testwell-")
    assert "Wrote 1 record" in person.told[-1][1]
    person.import_files = [sent]
    report = person.import_bundles(coordinator)

    assert report is not None
    assert plan_rows(person.previews[0]) == [
        ["Ada Łukasiewicz-O'Brien", "Common Assessment Framework (CAF) assessment", "New"]
    ]
    assert "New records: 1" in person.reports[0]
    assert coordinator.store.get(record_id).child == "Ada Łukasiewicz-O'Brien"
    assert "bundle imported" in {e.action for e in coordinator.store.audit_events()}


def test_records_without_consent_to_share_are_not_sent_unless_the_worker_decides(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs
) -> None:
    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    add(worker, caf("Kai", {"given": False}))
    gaps: list[str] = []

    def decline(dialog: SharingDecisionDialog) -> None:
        gaps.append(dialog.findChild(QLabel, "sharing-gaps").text())
        click(dialog, "Don't share")

    person.expect_send()
    dialogs.expect(SharingDecisionDialog, decline)
    assert bundle_actions.send_bundle(worker) is None
    assert len(gaps) == 1
    assert "consent to share was refused." in gaps[0]
    assert list(team_homes["outbox"].iterdir()) == []  # nothing written
    assert "No bundle was written" in worker.statusBar().currentMessage()


def test_cancel_on_the_progress_dialog_writes_no_bundle_and_says_so(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, qtbot: Any, dialogs: ModalDialogs
) -> None:
    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    for given in ("Ada", "Bea", "Cy"):
        add(worker, caf(given, {"given": True, "scope": "all_listed"}))
    monkeypatch.setattr(bundle_actions, "PROGRESS_AFTER_MS", 0)  # three records are quick: show it at once
    export_bundle = bundles.export_bundle
    clicked: list[QProgressDialog] = []

    def export_and_click_cancel(*args: Any, progress: bundles.ExportProgress, **kwargs: Any) -> Any:
        def watched(phase: bundles.ExportPhase, done: int, total: int) -> None:
            progress(phase, done, total)
            if phase is bundles.ExportPhase.WRITING and not clicked:  # the bundle's number is taken
                dialog = worker.findChild(QProgressDialog, "send-progress")
                assert dialog is not None
                assert dialog.isVisible()
                assert dialog.windowModality() == Qt.WindowModality.WindowModal
                assert dialog.labelText().startswith("Writing the bundle…")
                assert QGuiApplication.overrideCursor() is None  # Cancel does not look busy
                clicked.append(dialog)
                cancel = dialog.findChild(QPushButton, "send-progress-cancel")
                qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)

        return export_bundle(*args, progress=watched, **kwargs)

    monkeypatch.setattr(bundles, "export_bundle", export_and_click_cancel)
    assert person.send(worker) is None

    assert len(clicked) == 1
    assert not clicked[0].isVisible()
    assert list(team_homes["outbox"].iterdir()) == []  # no bundle, and no part of one
    assert worker.statusBar().currentMessage() == "Sending was cancelled; no bundle was written."
    assert person.told == []  # a status-bar message, no box to dismiss
    assert QGuiApplication.overrideCursor() is None
    assert "shared" not in {e.action for e in worker.store.audit_events()}

    sent = person.send(worker)  # the next one is as if the first never was
    assert sent is not None
    assert sent.name.endswith("-1.cafbundle")
    assert "Wrote 3 records" in person.told[-1][1]


def test_a_decision_to_share_without_consent_then_the_bundle_is_written(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs
) -> None:
    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    document = caf("Kai", {"given": False})
    # Kai disclosed harm: the child-protection pathway, on which the significant-harm ground is offered.
    document["parenting"]["basic_care"]["indicators"] = ["basic_care.l4.disclosure_of_abuse"]
    add(worker, document)
    monkeypatch.setattr(bundle_actions, "PROGRESS_AFTER_MS", 0)
    asked: list[SharingDecisionDialog] = []

    def decide(dialog: SharingDecisionDialog) -> None:
        asked.append(dialog)
        QApplication.processEvents()  # a progress dialog left behind would show itself now
        assert not [shown for shown in worker.findChildren(QProgressDialog) if shown.isVisible()]
        assert QGuiApplication.overrideCursor() is None  # the question is not asked under a wait cursor
        dialog.findChild(QRadioButton, "ground:child_at_risk").setChecked(True)
        dialog.findChild(QPlainTextEdit, "rule:framework").setPlainText(
            "So the team can plan a strategy meeting."
        )
        dialog.findChild(QPlainTextEdit, "rule:open").setPlainText("Not told: it could put Kai at risk.")
        dialog.findChild(QPlainTextEdit, "rule:public_interest").setPlainText(
            "Kai disclosed that an adult at home hurt him."
        )
        dialog.proportionate.setChecked(True)
        assert dialog.missing() == []
        click(dialog, "Share without consent")

    person.expect_send()
    dialogs.expect(SharingDecisionDialog, decide)
    sent = bundle_actions.send_bundle(worker)

    assert len(asked) == 1
    assert sent is not None
    assert sent.exists()
    assert "went under your decision to share without consent" in person.told[-1][1]
    assert not [shown for shown in worker.findChildren(QProgressDialog) if shown.isVisible()]
    assert QGuiApplication.overrideCursor() is None


def test_a_changed_bundle_is_refused_and_nothing_is_imported(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs
) -> None:
    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    add(worker, caf("Ada", {"given": True, "scope": "all_listed"}))
    sent = person.send(worker)
    assert sent is not None
    data = bytearray(sent.read_bytes())
    data[len(data) // 2] ^= 0x40
    sent.write_bytes(bytes(data))
    before = coordinator.store.count()

    person.import_files = [sent]
    assert person.import_bundles(coordinator, refused=True) is None

    (preview,) = person.previews
    assert not preview.import_button.isEnabled()
    refused = preview.findChild(QLabel, f"rejected:{sent.name}")
    assert refused is not None
    assert "Nothing was imported" in refused.text() or "nothing was imported" in refused.text().lower()
    assert coordinator.store.count() == before


def test_a_conflict_is_settled_by_taking_chosen_answers_from_the_incoming_version(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs
) -> None:
    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    definition = shipped_catalogue().get("caf-assessment")
    record_id = add(worker, caf("Ada", {"given": True, "scope": "all_listed"}))
    person.import_files = [person.send(worker)]  # type: ignore[list-item]
    person.import_bundles(coordinator)

    ours = coordinator.store.get(record_id).document
    ours["comments"]["parent_carer"] = "Coordinator's note."
    ours["child"]["aka"] = "Addie"
    coordinator.store.save(record_id, ours, definition)
    theirs = worker.store.get(record_id).document
    theirs["child"]["aka"] = "Ada-Lou"
    health = theirs.setdefault("development", {}).setdefault("health", {})
    ours_indicators = ours.get("development", {}).get("health", {}).get("indicators")
    health["indicators"] = ["health.l2.missed_checks"]
    worker.store.save(record_id, theirs, definition)
    person.import_files = [person.send(worker)]  # type: ignore[list-item]
    person.import_bundles(coordinator)
    assert "Conflicts kept for a person to settle: 1" in person.reports[-1]
    assert coordinator.store.get(record_id).document["child"]["aka"] == "Addie"  # nothing overwritten

    waiting: list[int] = []

    def settle_the_one_waiting(conflicts: ConflictsDialog) -> None:
        waiting.append(conflicts.list.count())
        click(conflicts, "Settle…")  # opens the conflict side by side, answered next
        waiting.append(conflicts.list.count())
        click(conflicts, "Close")

    def take_theirs_for_known_as(dialog: ConflictDialog) -> None:
        labels = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
        row = next(i for i, label in enumerate(labels) if label.endswith(ALSO_KNOWN_AS))
        assert dialog.table.item(row, 1).text() == "“Addie”"
        assert dialog.table.item(row, 2).text() == "“Ada-Lou”"
        indicators = next(i for i, label in enumerate(labels) if label.endswith("Threshold indicators"))
        assert dialog.table.item(indicators, 2).text().startswith("“Missing immunisations")  # words, not ids
        dialog.table.item(row, 2).setCheckState(Qt.CheckState.Checked)
        dialog.combine_button.click()

    dialogs.expect(ConflictsDialog, settle_the_one_waiting)
    dialogs.expect(ConflictDialog, take_theirs_for_known_as)
    menu_action(coordinator, "Sync conflicts…").trigger()
    settled = coordinator.store.get(record_id).document
    assert settled["child"]["aka"] == "Ada-Lou"
    assert settled["comments"]["parent_carer"] == "Coordinator's note."
    assert settled.get("development", {}).get("health", {}).get("indicators") == ours_indicators  # not taken
    assert waiting == [1, 0]
    assert coordinator.store.conflicts() == []


def test_cancelling_a_conflict_keeps_both_versions(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs
) -> None:
    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    definition = shipped_catalogue().get("caf-assessment")
    record_id = add(worker, caf("Ada", {"given": True, "scope": "all_listed"}))
    person.import_files = [person.send(worker)]  # type: ignore[list-item]
    person.import_bundles(coordinator)
    ours = coordinator.store.get(record_id).document
    ours["child"]["aka"] = "Addie"
    coordinator.store.save(record_id, ours, definition)
    theirs = worker.store.get(record_id).document
    theirs["child"]["aka"] = "Ada-Lou"
    worker.store.save(record_id, theirs, definition)
    person.import_files = [person.send(worker)]  # type: ignore[list-item]

    # The report's "Settle conflicts…" opens the conflicts, as the coordinator would go on to do.
    dialogs.expect(ImportPreviewDialog, lambda preview: preview.import_button.click())
    dialogs.expect(ImportReportDialog, lambda report: click(report, "Settle conflicts…"))

    def open_then_close(conflicts: ConflictsDialog) -> None:
        click(conflicts, "Settle…")
        click(conflicts, "Close")

    dialogs.expect(ConflictsDialog, open_then_close)
    dialogs.expect(ConflictDialog, lambda dialog: click(dialog, "Cancel"))
    bundle_actions.import_bundles(coordinator)

    assert coordinator.store.get(record_id).document["child"]["aka"] == "Addie"
    assert len(coordinator.store.conflicts()) == 1  # still waiting for a person


def test_the_coordinator_sends_an_updated_record_and_the_team_file_back_to_a_worker(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs
) -> None:
    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    definition = shipped_catalogue().get("caf-assessment")
    record_id = add(worker, caf("Ada", {"given": True, "scope": "all_listed"}))
    person.import_files = [person.send(worker)]  # type: ignore[list-item]
    person.import_bundles(coordinator)
    assert coordinator.store.home is not None
    team.set_contacts(coordinator.store.home, PASSPHRASE, {"mash": "01632 960 777"})
    updated = coordinator.store.get(record_id).document
    updated["comments"]["parent_carer"] = "Agreed at the TAC meeting: fortnightly visits."
    coordinator.store.save(record_id, updated, definition)

    def to_the_worker(dialog: SendDialog) -> None:
        assert [dialog.to.itemText(i) for i in range(dialog.to.count())][1:] == ["Hannah Testwell"]
        dialog.to.setCurrentIndex(1)
        dialog.with_team_file.click()
        dialog.only_selected.click()

    person.expect_send(to_the_worker)
    coordinator.open_record(record_id)
    back = bundle_actions.send_bundle(coordinator)
    assert back is not None
    assert "Give it to Hannah Testwell." in person.told[-1][1]

    person.import_files = [back]
    person.import_bundles(worker)
    assert plan_rows(person.previews[-1])[0][2] == "Updated"
    assert worker.store.get(record_id).document["comments"]["parent_carer"].startswith("Agreed at the TAC")
    assert worker.store.home is not None
    joined = team.load_joined_team(worker.store.home)
    assert joined is not None
    contact = joined.contact("mash")
    assert contact is not None
    assert contact.phone == "01632 960 777"  # the newer team file came with it


def test_the_import_report_prints(qtbot: Any, tmp_path: Path, dialogs: ModalDialogs) -> None:
    import subprocess

    from PySide6.QtPrintSupport import QPrintDialog
    from PySide6.QtWidgets import QLineEdit

    from tests.conftest import require_tool

    dialog = ImportReportDialog(
        "CAF Desktop import report\n\nNew records: 3\nRefused bad.cafbundle: changed.\n", 0
    )
    qtbot.addWidget(dialog)
    assert not dialog.conflicts_button.isVisible()
    paper = tmp_path / "report.pdf"

    def print_to_a_file(chooser: QPrintDialog) -> None:
        # Offscreen there is no printer: the system dialog's own "Print to File (PDF)" is chosen.
        chooser.findChild(QLineEdit, "filename").setText(str(paper))
        chooser.accept()

    dialogs.expect(QPrintDialog, lambda chooser: chooser.reject())  # changed their mind
    dialog.print_button.click()
    assert not paper.exists()
    dialogs.expect(QPrintDialog, print_to_a_file)
    dialog.print_button.click()
    text = subprocess.run(
        [require_tool("pdftotext"), str(paper), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "New records: 3" in text
    assert "Refused bad.cafbundle: changed." in text


def test_the_import_report_opens_at_the_size_it_was_left(qtbot: Any) -> None:
    """A dialog the user widened opens wide again next time (the conflict view, the preview, the
    report: all keep their size in the home folder's settings)."""
    first = ImportReportDialog("CAF Desktop import report\n", 0)
    qtbot.addWidget(first)
    assert (first.width(), first.height()) == (700, 420)
    first.resize(760, 530)  # the offscreen test screen is 800 x 600
    first.done(0)

    again = ImportReportDialog("CAF Desktop import report\n", 0)
    qtbot.addWidget(again)

    assert (again.width(), again.height()) == (760, 530)


# --- what the coordinator reads before and while importing -------------------------------------------


def unlocked(window: RecordsWindow) -> tuple[Any, Any]:
    from caf_desktop.trust import identity

    home = window.store.home
    assert home is not None
    joined = team.load_joined_team(home)
    assert joined is not None
    return identity.load_identity(home, PASSPHRASE), joined


def export_changed(window: RecordsWindow, out: Path, *, now: Any = None) -> Path:
    own, joined = unlocked(window)
    return bundles.export_bundle(window.store, own, joined, Selection.CHANGED, out, now=now).path


# Taken before tests/gui/conftest.py's guard replaces it, so the dialogs below open for real.
REAL_EXEC = QDialog.exec


def close_soon(monkeypatch: pytest.MonkeyPatch, seen: list[QDialog], kind: type[QDialog]) -> None:
    """Lets the modal dialog of `kind` open for real and closes it from a timer as soon as it is up,
    keeping it in `seen` (a person reading it, then pressing Cancel). Gives up after about 10 s."""
    monkeypatch.setattr(kind, "exec", REAL_EXEC)
    tries = [500]

    def close() -> None:
        shown = QApplication.activeModalWidget()
        if not isinstance(shown, kind):
            tries[0] -= 1
            if tries[0] > 0:
                QTimer.singleShot(20, close)
            return
        shown.resize(1366, 768)
        seen.append(shown)
        shown.reject()

    QTimer.singleShot(0, close)


def test_the_preview_sorts_by_what_happens_then_child_with_totals_and_uk_times(
    team_homes: dict[str, Any], qtbot: Any, tmp_path: Path
) -> None:
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    definition = shipped_catalogue().get("caf-assessment")
    ada = add(worker, caf("Ada", {"given": True, "scope": "all_listed"}))
    first = export_changed(worker, team_homes["outbox"])
    own, joined = unlocked(coordinator)
    bundles.import_bundle(coordinator.store, own, joined, first)
    changed = worker.store.get(ada).document
    changed["child"]["aka"] = "Addie"
    worker.store.save(ada, changed, definition)
    add(worker, caf("Zed", {"given": True, "scope": "all_listed"}))
    add(worker, caf("Bea", {"given": True, "scope": "all_listed"}))
    summer = dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC)  # 10:30 in UK summer time
    second = export_changed(worker, team_homes["outbox"], now=summer)

    plan = bundles.inspect_bundle(coordinator.store, own, joined, second)
    preview = ImportPreviewDialog([plan], [])
    qtbot.addWidget(preview)
    preview.resize(1366, 768)
    preview.show()
    preview.grab().save(str(tmp_path / "import-preview.png"))

    assert plan_rows(preview) == [
        ["Bea Łukasiewicz-O'Brien", "Common Assessment Framework (CAF) assessment", "New"],
        ["Zed Łukasiewicz-O'Brien", "Common Assessment Framework (CAF) assessment", "New"],
        ["Ada Łukasiewicz-O'Brien", "Common Assessment Framework (CAF) assessment", "Updated"],
    ]
    heading = preview.findChild(QLabel, f"plan-heading:{second.name}")
    assert heading is not None
    assert (
        "from Hannah Testwell, made on 1 July 2026 at 10:30. 3 records: 2 new, 1 updated." in heading.text()
    )
    summary = preview.findChild(QLabel, "import-summary").text()
    assert summary.startswith("1 bundle to import, 3 records: 2 new, 1 updated.")
    assert "listed by what will happen, conflicts first, then by child" in summary
    for label in preview.findChildren(QLabel):
        for jargon in ("age", "ZIP", "manifest", "CMS", "UTC"):
            assert jargon not in label.text().split(), (jargon, label.text())


def test_a_bundle_imported_before_is_grey_and_nothing_to_do_not_refused(
    team_homes: dict[str, Any], qtbot: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    add(worker, caf("Ada", {"given": True, "scope": "all_listed"}))
    sent = export_changed(worker, team_homes["outbox"])
    own, joined = unlocked(coordinator)
    bundles.import_bundle(coordinator.store, own, joined, sent)
    damaged = team_homes["outbox"] / "damaged.cafbundle"
    damaged.write_bytes(b"not a bundle at all")
    monkeypatch.setattr(bundle_actions, "ask_passphrase", lambda parent, purpose: PASSPHRASE)
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(sent), str(damaged)], ""))
    seen: list[QDialog] = []
    close_soon(monkeypatch, seen, ImportPreviewDialog)

    assert bundle_actions.import_bundles(coordinator) is None  # nothing to import; the person closes it

    [preview] = seen
    preview.grab().save(str(tmp_path / "import-preview-repeat.png"))
    again = preview.findChild(QLabel, f"already-imported:{sent.name}")
    assert again is not None
    assert again.text().startswith(f"● {sent.name}: This bundle was already imported on ")
    assert again.text().endswith("; there is nothing to do.")
    assert again.property("role") != "error"
    assert "#595959" in again.styleSheet()
    assert preview.findChild(QLabel, f"rejected:{sent.name}") is None
    refused = preview.findChild(QLabel, f"rejected:{damaged.name}")
    assert refused is not None
    assert refused.property("role") == "error"
    assert "not an encrypted CAF Desktop file" in refused.text()
    assert preview.findChild(QLabel, "import-summary").text() == (
        "Nothing to import. 1 already imported, nothing to do. 1 refused."
    )
    assert not preview.import_button.isEnabled()
    assert coordinator.store.count() == 1


def test_the_conflict_names_the_child_and_whose_version_is_whose(
    team_homes: dict[str, Any], qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    definition = shipped_catalogue().get("caf-assessment")
    record_id = add(worker, caf("Ada", {"given": True, "scope": "all_listed"}))
    own, joined = unlocked(coordinator)
    bundles.import_bundle(coordinator.store, own, joined, export_changed(worker, team_homes["outbox"]))
    ours = coordinator.store.get(record_id).document
    ours["child"]["aka"] = "Addie"
    coordinator.store.save(record_id, ours, definition)
    theirs = worker.store.get(record_id).document
    theirs["child"]["aka"] = "Ada-Lou"
    worker.store.save(record_id, theirs, definition)
    bundles.import_bundle(coordinator.store, own, joined, export_changed(worker, team_homes["outbox"]))
    conflicts = bundle_actions.ConflictsDialog(coordinator)
    qtbot.addWidget(conflicts)
    seen: list[QDialog] = []
    close_soon(monkeypatch, seen, ConflictDialog)

    conflicts.settle()

    [dialog] = seen
    assert isinstance(dialog, ConflictDialog)
    dialog.grab().save(str(tmp_path / "conflict.png"))
    assert dialog.findChild(QLabel, "conflict-child").text() == (
        "Ada Łukasiewicz-O'Brien: Common Assessment Framework (CAF) assessment"
    )
    intro = dialog.findChild(QLabel, "conflict-intro").text()
    assert intro.startswith(
        "This record was changed here and on Hannah Testwell's laptop since the two last matched"
    )
    assert "\nYours: the version stored here (version " in intro
    assert "\nHannah Testwell's: version " in intro
    assert ", received here " in intro
    headers = [dialog.table.horizontalHeaderItem(c).text() for c in range(3)]
    assert headers == [
        "Question",
        "Yours (stored here)",
        "Hannah Testwell's (from their laptop): tick to take",
    ]
    assert (dialog.keep_stored.text(), dialog.keep_incoming.text()) == (
        "Keep yours",
        "Keep Hannah Testwell's",
    )
    assert coordinator.store.get(record_id).document["child"]["aka"] == "Addie"  # closed: nothing settled


def test_a_bundle_that_breaks_is_its_own_line_and_the_good_ones_selected_with_it_are_imported(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs, tmp_path: Path
) -> None:
    """Three bundles chosen together: the first breaks CAF Desktop while it is checked, the third
    while it is applied (a failing disk, a bug); the second is imported all the same, and the
    preview and the report give each its own line."""
    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    sent = []
    for given in ("Ada", "Bea", "Cai"):
        add(worker, caf(given, {"given": True, "scope": "all_listed"}))
        sent.append(export_changed(worker, team_homes["outbox"]))
    breaks_when_read, good, breaks_when_applied = sent
    real_read, real_insert = bundles.read_bundle, Store._insert_new

    def read_bundle(path: Path, *args: Any, **kwargs: Any) -> Any:
        if path == breaks_when_read:
            raise RecursionError("maximum recursion depth exceeded")
        return real_read(path, *args, **kwargs)

    def insert_new(self: Store, session: Any, bundle: Any, new: Any, moment: Any) -> None:
        if bundle.sequence == 3:
            raise RuntimeError("a record that breaks at insert")
        real_insert(self, session, bundle, new, moment)

    monkeypatch.setattr(reading, "read_bundle", read_bundle)
    monkeypatch.setattr(Store, "_insert_new", insert_new)
    person.import_files = sent

    report = person.import_bundles(coordinator)

    (preview,) = person.previews
    preview.resize(1366, 768)
    preview.grab().save(str(tmp_path / "import-preview-failed.png"))
    assert preview.findChild(QTableWidget, f"plan:{good.name}") is not None
    assert preview.findChild(QTableWidget, f"plan:{breaks_when_applied.name}") is not None
    first = preview.findChild(QLabel, f"rejected:{breaks_when_read.name}")
    assert first is not None
    assert first.text().startswith(
        f"✖ {breaks_when_read.name} cannot be imported: CAF Desktop met an internal error"
    )
    assert (
        preview.findChild(QLabel, "import-summary")
        .text()
        .startswith("2 bundles to import, 2 records: 2 new. 1 cannot be imported.")
    )
    assert report is not None
    assert [r.bundle.path for r in report.imported] == [good]
    assert [(r.path, r.code) for r in report.rejected] == [
        (breaks_when_read, "failed"),
        (breaks_when_applied, "failed"),
    ]
    (text,) = person.reports
    assert f"Imported {good.name} (bundle " in text
    assert f"Not imported {breaks_when_read.name}: CAF Desktop met an internal error" in text
    assert f"Not imported {breaks_when_applied.name}: CAF Desktop met an internal error" in text
    assert "New records: 1" in text
    assert person.told == []  # no "the import stopped" box: the report says it all
    assert coordinator.store.count() == 1


def test_a_bundle_replacing_a_record_its_sender_was_never_sent_is_refused_in_the_preview(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs, tmp_path: Path
) -> None:
    """The worker signs (openssl), zips and encrypts (age) a bundle replacing a record the coordinator
    made and never sent: the preview shows it refused, naming the worker and what they tried, and
    Import stays disabled."""
    from caf_desktop.trust import identity

    from tests.sync.bundle_world import record_file
    from tests.sync.test_bundle_authorisation import forge

    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    theirs = add(coordinator, caf("Bea", {"given": True, "scope": "all_listed"}))
    document = coordinator.store.get(theirs).document
    assert worker.store.home is not None
    joined = team.load_joined_team(worker.store.home)
    assert joined is not None
    hostile = forge(
        tmp_path,
        "hostile",
        [record_file(theirs, {**document, "child_voice": {"wishes": "over"}}, version=2, base_version=1)],
        sender=identity.load_identity(worker.store.home, PASSPHRASE),
        team=joined,
        recipients=list(joined.coordinator_recipients),
        sequence=3,
    )
    before = coordinator.store.get(theirs).document

    person.import_files = [hostile]
    assert person.import_bundles(coordinator, refused=True) is None

    (preview,) = person.previews
    assert not preview.import_button.isEnabled()
    refused = preview.findChild(QLabel, f"rejected:{hostile.name}")
    assert refused is not None
    assert "Hannah Testwell's bundle was refused: it tries to replace record" in refused.text()
    assert coordinator.store.get(theirs).document == before
    preview.resize(1366, 768)
    assert preview.grab().save(str(tmp_path / "refused-not-permitted.png"))  # looked at by a person


def test_a_new_child_like_one_already_here_is_shown_as_a_possible_match_and_kept_apart(
    team_homes: dict[str, Any], monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs, tmp_path: Path
) -> None:
    person = Person(monkeypatch, team_homes["outbox"], dialogs)
    worker: RecordsWindow = team_homes["worker"]
    coordinator: RecordsWindow = team_homes["coordinator"]
    here = add(coordinator, caf("Ada", {"given": True, "scope": "all_listed"}))
    theirs = add(worker, caf("Ada", {"given": True, "scope": "all_listed"}))
    sent = person.send(worker)
    assert sent is not None

    person.import_files = [sent]
    person.import_bundles(coordinator)

    (preview,) = person.previews
    [row] = plan_rows(preview)
    assert row[2].startswith("New. Possible match: Ada ")
    assert row[2].endswith("already here; kept apart, check whether this is the same child")
    assert coordinator.store.child_of(theirs) != coordinator.store.child_of(here)
    preview.resize(1366, 768)
    assert preview.grab().save(str(tmp_path / "possible-match.png"))  # looked at by a person
