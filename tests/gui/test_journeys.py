"""Journeys: the real main window driven as each kind of user drives it, window to window.

Each journey starts from `caf_desktop.gui.app.records_window(home, passphrase)` (CONTRACT.md), reaches
every step through the menu actions by their `action-...` names, and answers every dialog for real
(tests/gui/modal.py): nothing here mocks `exec`. The people are fictional.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from caf_desktop.formengine import pointers
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.app import records_window
from caf_desktop.gui.form.qt_guidance import SafeguardingBanner
from caf_desktop.gui.printing.pdf_actions import ExportPdfDialog
from caf_desktop.gui.printing.qt_printing import PrintPreviewDialog
from caf_desktop.gui.records.case_list import CaseListModel
from caf_desktop.gui.records.window import NewRecordDialog, RecordsWindow
from caf_desktop.gui.sync.bundle_actions import ConflictDialog, ConflictsDialog
from caf_desktop.gui.team.team_page import TeamDialog
from caf_desktop.store.store import Profile, Store
from caf_desktop.trust import team
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QFileDialog, QFrame, QInputDialog, QLineEdit, QPushButton

from tests.conftest import example, require_tool
from tests.gui.conftest import type_text
from tests.gui.modal import ModalDialogs
from tests.gui.sync.test_bundle_actions import Person, plan_rows

PASSPHRASE = "correct horse battery staple"
TEAM = "Northtown Locality Team"
DANGER = "health.l4.non_accidental_injury"

Opener = Callable[[Path], RecordsWindow]


def make_home(folder: Path, name: str, role: str = "worker") -> Path:
    Store.create(folder, PASSPHRASE, Profile(name, role, "Northtown"), kdf_cost=2**12).close()
    return folder


@pytest.fixture
def open_window(qtbot: Any) -> Iterator[Opener]:
    """Opens the app's main window over a home as the app does after the unlock dialog; closes it after."""
    opened: list[RecordsWindow] = []

    def opener(home: Path) -> RecordsWindow:
        window = records_window(home, PASSPHRASE)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        qtbot.waitExposed(window)
        with qtbot.waitActive(window):
            window.activateWindow()
        opened.append(window)
        return window

    yield opener
    for window in opened:
        window.close()


def action(window: RecordsWindow, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, f"no menu action {name}"
    assert found.isEnabled(), f"{name} is not enabled"
    return found


def click(dialog: Any, text: str) -> None:
    (button,) = [b for b in dialog.findChildren(QPushButton) if b.text().replace("&", "") == text]
    assert button.isEnabled(), f"{text} is not enabled"
    button.click()


def type_passphrase(dialog: QInputDialog) -> None:
    """The passphrase prompt that signing opens: the person types it and presses OK."""
    (box,) = dialog.findChildren(QLineEdit)
    assert box.echoMode() == QLineEdit.EchoMode.Password
    box.setText(PASSPHRASE)
    dialog.accept()


def print_to(paper: Path, dialogs: ModalDialogs) -> None:
    """Expects the print preview; Print in it, and OK in the system print dialog, print to `paper`."""

    def print_it(preview: PrintPreviewDialog) -> None:
        preview.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        preview.printer.setOutputFileName(str(paper))
        (button,) = [a for a in preview.findChildren(QAction) if a.text() == "Print"]
        button.trigger()

    dialogs.expect(PrintPreviewDialog, print_it)
    dialogs.expect(QPrintDialog, lambda chooser: chooser.accept())


def audit_actions(window: RecordsWindow, record_id: str) -> list[str]:
    return [e.action for e in window.store.audit_events(record_id)]


# --- a locality worker: a new CAF to a signed PDF and the printer ----------------------------------------


def test_a_worker_completes_a_new_caf_signs_it_and_prints_it(
    tmp_path: Path,
    open_window: Opener,
    dialogs: ModalDialogs,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = open_window(make_home(tmp_path / "hannah", "Hannah Testwell"))
    assert window.store.count() == 0

    def start_a_caf(dialog: NewRecordDialog) -> None:
        dialog.form_choice.setCurrentIndex(dialog.form_choice.findData("caf-assessment@1.1.0"))
        type_text(qtbot, dialog.given, "Zoë")
        type_text(qtbot, dialog.family, "Łukasiewicz-O'Brien")
        qtbot.keyClicks(dialog.birth, "14/03/2016")
        click(dialog, "Start")

    dialogs.expect(NewRecordDialog, start_a_caf)
    action(window, "action-new-record").trigger()
    view = window.view
    assert view is not None
    record_id = window.record_id
    assert record_id is not None

    # The rest of the visit, as the example records it, then a few answers typed at the keyboard.
    answers = example("caf-assessment")
    answers["child"] = {**answers["child"], **view.value()["child"]}
    view.set_value(answers)
    aka = view.go_to("/child/aka")
    assert aka is not None
    box = aka.focus_widget()
    box.selectAll()
    type_text(qtbot, box, "Zo")
    assert view.value()["child"]["aka"] == "Zo"

    action(window, "action-save").trigger()
    action(window, "action-mark-complete").trigger()
    assert window.store.get(record_id).status == "complete"

    exports = tmp_path / "exports"
    exports.mkdir()
    written = exports / "zoe-caf.pdf"

    def sign_and_save(dialog: ExportPdfDialog) -> None:
        assert dialog.sign.isEnabled()  # complete and saved, so it may be signed
        dialog.sign.click()
        dialog.save_button.click()

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(written), ""))
    dialogs.expect(ExportPdfDialog, sign_and_save)
    dialogs.expect(QInputDialog, type_passphrase)
    action(window, "action-export-pdf").trigger()

    assert window.store.get(record_id).status == "signed"
    checked = subprocess.run(
        [require_tool("pdfsig"), str(written)], capture_output=True, text=True, check=False
    )
    assert "Signature is Valid" in checked.stdout
    assert "Hannah Testwell" in checked.stdout

    paper = tmp_path / "printer.pdf"
    print_to(paper, dialogs)
    action(window, "action-print").trigger()
    assert len(pypdf.PdfReader(paper).pages) > 1
    assert audit_actions(window, record_id)[-1] == "printed"
    assert window.isVisible()
    assert window.view is not None  # alive, the record still open


# --- a lead professional: a TAC meeting from the case, to the printed plan -------------------------------


def test_a_lead_professional_records_a_tac_meeting_from_the_case_and_prints_the_plan(
    tmp_path: Path, open_window: Opener, dialogs: ModalDialogs, qtbot: Any
) -> None:
    home = make_home(tmp_path / "lena", "Lena Lead")
    store = Store.open(home, PASSPHRASE)
    caf = store.add_record(
        shipped_catalogue().get("caf-assessment"), example("caf-assessment"), status="complete"
    )
    store.close()
    window = open_window(home)
    window.open_record(caf.id)

    action(window, "action-new-tac-meeting-for-this-child").trigger()
    view = window.view
    assert view is not None
    meeting_id = window.record_id
    assert meeting_id not in (None, caf.id)
    started = view.value()
    caf_document = example("caf-assessment")
    assert started["child"]["family_name"] == caf_document["child"]["family_name"]  # from the case
    assert started["child"]["given_names"] == caf_document["child"]["given_names"]
    meeting_form, caf_form = shipped_catalogue().get("tac-meeting"), shipped_catalogue().get("caf-assessment")
    caf_reference = pointers.resolve(caf_document, caf_form.subject.reference)
    assert caf_reference
    assert pointers.resolve(started, meeting_form.subject.reference) == caf_reference

    plan = example("tac-meeting")
    plan["child"] = started["child"]
    for key, value in started.items():  # what the case brought stays as it came
        if key != "child":
            plan[key] = value if not isinstance(value, dict) else {**plan.get(key, {}), **value}
    view.set_value(plan)
    action(window, "action-save").trigger()
    action(window, "action-mark-complete").trigger()
    assert window.store.get(meeting_id).status == "complete"

    window.open_record(caf.id)  # the plan prints from any record of the case
    paper = tmp_path / "plan.pdf"
    print_to(paper, dialogs)
    action(window, "action-print-tac-plan").trigger()
    from caf_desktop.gui.printing.qt_printing import page_count
    from caf_desktop.paper.render import render_pdf

    drawn = render_pdf(shipped_catalogue().get("tac-meeting"), window.store.get(meeting_id).document)
    assert len(pypdf.PdfReader(paper).pages) == page_count(drawn) > 1  # the plan just recorded, whole
    assert "printed" in audit_actions(window, meeting_id)

    # Six weeks on: the review starts with every action of that plan not yet done.
    action(window, "action-new-tac-review-for-this-child").trigger()
    assert window.view is not None
    review = window.view.value()
    carried = [item["action"] for item in review["action_progress"]]
    open_in_plan = [a["action"] for a in plan["actions"] if a.get("progress") != "completed"]
    assert carried == open_in_plan
    assert carried


# --- a coordinator: the team, an import, a conflict -------------------------------------------------------


@pytest.fixture
def team_of_two(tmp_path: Path) -> dict[str, Path]:
    coordinator = make_home(tmp_path / "cora", "Cora Ordinator", "coordinator")
    worker = make_home(tmp_path / "sam", "Sam Carter")
    made = team.create_team(coordinator, PASSPHRASE, TEAM)
    team.join_team(worker, made)
    request = team.make_request(worker, PASSPHRASE)
    team.install_issued(worker, PASSPHRASE, team.issue_certificate(coordinator, PASSPHRASE, request))
    outbox = tmp_path / "usb-stick"
    outbox.mkdir()
    return {"coordinator": coordinator, "worker": worker, "outbox": outbox}


def test_a_coordinator_sees_the_team_imports_a_workers_records_and_settles_a_conflict(
    team_of_two: dict[str, Path],
    open_window: Opener,
    dialogs: ModalDialogs,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = Person(monkeypatch, team_of_two["outbox"], dialogs)
    worker = open_window(team_of_two["worker"])
    coordinator = open_window(team_of_two["coordinator"])
    definition = shipped_catalogue().get("caf-assessment")
    document = example("caf-assessment")
    document["consent"]["share"] = {"given": True, "scope": "all_listed"}
    record_id = worker.store.add_record(definition, document).id

    seen: list[str] = []

    def look_at_the_team(page: TeamDialog) -> None:
        seen.append(page.windowTitle())
        page.reject()

    dialogs.expect(TeamDialog, look_at_the_team)
    action(coordinator, "action-team").trigger()
    assert seen == ["Locality team"]

    person.expect_send()
    action(worker, "action-send-records").trigger()
    sent = sorted(team_of_two["outbox"].glob("*.cafbundle"))
    assert len(sent) == 1
    person.import_files = sent
    person.expect_import()
    action(coordinator, "action-import-bundles").trigger()
    assert plan_rows(person.previews[-1])[0][2] == "New"
    assert (
        coordinator.store.get(record_id).document["child"]["family_name"] == document["child"]["family_name"]
    )

    # Both change the same answer: the import keeps both for a person to settle.
    ours = coordinator.store.get(record_id).document
    ours["child"]["aka"] = "Addie"
    coordinator.store.save(record_id, ours, definition)
    theirs = worker.store.get(record_id).document
    theirs["child"]["aka"] = "Zo"
    worker.store.save(record_id, theirs, definition)
    for old in sent:
        old.unlink()
    person.expect_send()
    action(worker, "action-send-records").trigger()
    person.import_files = sorted(team_of_two["outbox"].glob("*.cafbundle"))
    person.expect_import()
    action(coordinator, "action-import-bundles").trigger()
    assert "Conflicts kept for a person to settle: 1" in person.reports[-1]
    assert coordinator.store.get(record_id).document["child"]["aka"] == "Addie"  # nothing overwritten

    def settle(conflicts: ConflictsDialog) -> None:
        click(conflicts, "Settle…")
        click(conflicts, "Close")

    def keep_sams(dialog: ConflictDialog) -> None:
        click(dialog, "Keep Sam Carter's")

    dialogs.expect(ConflictsDialog, settle)
    dialogs.expect(ConflictDialog, keep_sams)
    (conflicts_action,) = [
        a for a in coordinator.findChildren(QAction) if a.text().startswith("Sync &conflicts")
    ]
    conflicts_action.trigger()
    assert coordinator.store.get(record_id).document["child"]["aka"] == "Zo"
    assert coordinator.store.conflicts() == []


# --- anyone: reopening a record with a sign of significant harm -------------------------------------------


def test_reopening_a_level_4_record_shows_the_banner_until_acknowledged_and_slim_after(
    tmp_path: Path, open_window: Opener, qtbot: Any
) -> None:
    home = make_home(tmp_path / "ada", "Ada Worker")
    store = Store.open(home, PASSPHRASE)
    document = example("caf-assessment")
    document["development"]["health"]["indicators"].append(DANGER)
    record_id = store.add_record(shipped_catalogue().get("caf-assessment"), document).id
    store.close()

    window = open_window(home)
    window.open_record(record_id)
    banner = window.findChild(QFrame, "safeguarding-banner")
    assert isinstance(banner, SafeguardingBanner)
    assert banner.isVisible()
    assert QApplication.focusWidget() is banner
    qtbot.keyClick(banner, Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert not banner.needs_acknowledgement
    assert "safeguarding acknowledged" in audit_actions(window, record_id)
    window.close()

    again = open_window(home)  # the app started again the next day
    again.open_record(record_id)
    banner = again.findChild(QFrame, "safeguarding-banner")
    assert isinstance(banner, SafeguardingBanner)
    assert banner.isVisible()  # still there, as a slim bar
    assert not banner.needs_acknowledgement
    assert "Acknowledged by Ada Worker" in banner.text.text()
    action(again, "action-back-to-the-case-list").trigger()
    model = again.case_list.model
    first = model.record_at(0)
    assert first is not None
    assert first.id == record_id  # listed first
    assert model.data(model.index(0, CaseListModel.ATTENTION)).startswith("⚠ Safeguarding")
