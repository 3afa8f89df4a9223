"""Every modal dialog the main window opens, opened for real over the whole app and closed as a person
would: the app stays alive, Cancel leaves everything as it was, and accepting does the thing.

The window comes from `caf_desktop.gui.app.records_window`, the API scripts outside the suite use.
A dialog that crashes kills the pytest worker, which pytest-xdist reports as a failed test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from caf_desktop.common import paths
from caf_desktop.common.errors import CafError
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.app import records_window
from caf_desktop.gui.printing.pdf_actions import ExportPdfDialog
from caf_desktop.gui.printing.qt_printing import PrintPreviewDialog
from caf_desktop.gui.records.window import (
    AuditDialog,
    HistoryDialog,
    NewRecordDialog,
    PreferencesDialog,
    RecordsWindow,
    lock_minutes,
)
from caf_desktop.gui.shared.main_window import ChooseFormDialog
from caf_desktop.gui.team.team_page import TeamDialog
from caf_desktop.store.store import Profile, Store
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrintPreviewWidget
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QPushButton

from tests.conftest import example
from tests.gui.conftest import type_text
from tests.gui.modal import ModalDialogs, reject

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A worker's home with one child's CAF and TAC meeting record (fictional people)."""
    folder = tmp_path / "home"
    store = Store.create(
        folder, PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    caf = store.add_record(shipped_catalogue().get("caf-assessment"), example("caf-assessment"))
    meeting = example("tac-meeting")
    meeting["child"] = {**meeting["child"], **example("caf-assessment")["child"]}
    store.add_record(shipped_catalogue().get("tac-meeting"), meeting, child_id=_child(store, caf.id))
    store.close()
    return folder


def _child(store: Store, record_id: str) -> str:
    from tests.store.support import child_of

    return child_of(store, record_id)


@pytest.fixture
def window(home: Path, qtbot: Any) -> Iterator[RecordsWindow]:
    opened = records_window(home, PASSPHRASE)
    qtbot.addWidget(opened)
    opened.resize(1366, 768)
    opened.show()
    qtbot.waitExposed(opened)
    yield opened
    opened.close()


def record_of(window: RecordsWindow, form_id: str) -> str:
    return next(r.id for r in window.store.list_records() if r.form_id == form_id)


def menu_action(window: RecordsWindow, text: str) -> QAction:
    """The menu item a person would choose, by the words it shows."""
    (found,) = [a for a in window.findChildren(QAction) if a.text().replace("&", "") == text]
    return found


def audit_actions(window: RecordsWindow, record_id: str) -> list[str]:
    return [e.action for e in window.store.audit_events(record_id)]


def click(dialog: Any, text: str) -> None:
    """Clicks the button of `dialog` that says `text`."""
    (button,) = [b for b in dialog.findChildren(QPushButton) if b.text().replace("&", "") == text]
    assert button.isEnabled(), f"{text} is not enabled"
    button.click()


# --- the API for driving the app --------------------------------------------------------------------------


def test_records_window_opens_the_store_of_a_home_unlocked_and_open_record_returns_its_view(
    home: Path, qtbot: Any
) -> None:
    window = records_window(home, PASSPHRASE)
    qtbot.addWidget(window)
    assert not window.isVisible()  # the caller shows it
    assert not window.locked
    assert window.store.home == home
    assert paths.home() == home.resolve()  # its settings go to that home
    assert window.case_list.model.total == 2
    view = window.open_record(record_of(window, "caf-assessment"))
    assert view is window.view
    assert view is not None
    assert view.value()["child"]["family_name"] == "Łukasiewicz-O'Brien"
    window.close()


def test_records_window_refuses_a_wrong_passphrase_plainly(home: Path, qtbot: Any) -> None:
    before = paths.home()
    with pytest.raises(CafError, match="passphrase is not right"):
        records_window(home, "not the passphrase")
    assert paths.home() == before  # nothing changed


# --- printing -------------------------------------------------------------------------------------------


def test_print_preview_runs_and_cancel_prints_nothing(window: RecordsWindow, dialogs: ModalDialogs) -> None:
    record_id = record_of(window, "tac-meeting")
    window.open_record(record_id)
    pages: list[int] = []

    def look_then_cancel(preview: PrintPreviewDialog) -> None:
        preview.resize(1366, 768)
        widget = preview.findChild(QPrintPreviewWidget)
        assert widget is not None
        widget.updatePreview()  # paints every page on the dialog's own printer
        pages.append(widget.pageCount())
        preview.reject()

    dialogs.expect(PrintPreviewDialog, look_then_cancel)
    window.print_action.trigger()

    assert pages[0] > 1
    assert "printed" not in audit_actions(window, record_id)
    assert window.isVisible()
    assert window.view is not None  # the app is alive and the record still open


def test_print_tac_plan_prints_every_page_of_the_plan_on_the_chosen_printer(
    window: RecordsWindow, dialogs: ModalDialogs, tmp_path: Path
) -> None:
    plan = record_of(window, "tac-meeting")
    window.open_record(record_of(window, "caf-assessment"))  # the plan of this child's case prints
    paper = tmp_path / "printer.pdf"

    def print_it(preview: PrintPreviewDialog) -> None:
        preview.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        preview.printer.setOutputFileName(str(paper))
        (button,) = [a for a in preview.findChildren(QAction) if a.text() == "Print"]
        button.trigger()  # opens the system print dialog, answered next

    def choose_printer(chooser: QPrintDialog) -> None:
        assert chooser.printer().outputFileName() == str(paper)
        chooser.accept()

    dialogs.expect(PrintPreviewDialog, print_it)
    dialogs.expect(QPrintDialog, choose_printer)
    menu_action(window, "Print TAC plan of this case…").trigger()

    from caf_desktop.gui.printing.qt_printing import page_count
    from caf_desktop.paper.render import render_pdf

    stored = window.store.get(plan)
    drawn = render_pdf(shipped_catalogue().get("tac-meeting"), stored.document)
    assert len(pypdf.PdfReader(paper).pages) == page_count(drawn) > 1
    assert "printed" in audit_actions(window, plan)
    assert window.isVisible()


# --- export as PDF ------------------------------------------------------------------------------------------


def test_cancelling_export_as_pdf_writes_nothing(window: RecordsWindow, dialogs: ModalDialogs) -> None:
    record_id = record_of(window, "caf-assessment")
    window.open_record(record_id)
    dialogs.expect(ExportPdfDialog, reject)  # no file dialog may open after it
    window.export_pdf_action.trigger()
    assert "pdf exported" not in audit_actions(window, record_id)
    assert window.isVisible()


def test_export_as_pdf_saves_where_chosen(
    window: RecordsWindow, dialogs: ModalDialogs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    record_id = record_of(window, "caf-assessment")
    window.open_record(record_id)
    chosen = tmp_path / "for-the-file.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(chosen), ""))
    dialogs.expect(ExportPdfDialog, lambda dialog: click(dialog, "Choose where to save…"))
    window.export_pdf_action.trigger()
    assert chosen.read_bytes().startswith(b"%PDF")
    assert audit_actions(window, record_id)[-1] == "pdf exported"


# --- records --------------------------------------------------------------------------------------------------


def test_cancelling_a_new_record_makes_none(window: RecordsWindow, dialogs: ModalDialogs, qtbot: Any) -> None:
    def type_then_cancel(dialog: NewRecordDialog) -> None:
        qtbot.keyClicks(dialog.given, "Sam")
        dialog.reject()

    dialogs.expect(NewRecordDialog, type_then_cancel)
    qtbot.mouseClick(window.case_list.new_button, Qt.MouseButton.LeftButton)
    assert window.store.count() == 2
    assert window.view is None


def test_a_new_record_is_made_and_opened_for_the_child_named(
    window: RecordsWindow, dialogs: ModalDialogs, qtbot: Any
) -> None:
    def name_the_child(dialog: NewRecordDialog) -> None:
        dialog.form_choice.setCurrentIndex(dialog.form_choice.findData("caf-assessment@1.1.0"))
        type_text(qtbot, dialog.given, "Rhiannon")
        type_text(qtbot, dialog.family, "Fictionalé")
        qtbot.keyClicks(dialog.birth, "02/02/2019")
        click(dialog, "Start")

    dialogs.expect(NewRecordDialog, name_the_child)
    qtbot.mouseClick(window.case_list.new_button, Qt.MouseButton.LeftButton)
    assert window.store.count() == 3
    assert window.view is not None
    assert window.view.value()["child"]["family_name"] == "Fictionalé"
    assert window.record_id is not None
    assert window.store.get(window.record_id).child == "Rhiannon Fictionalé"


def test_history_closed_changes_nothing_and_restore_makes_a_new_version(
    window: RecordsWindow, dialogs: ModalDialogs
) -> None:
    record_id = record_of(window, "caf-assessment")
    view = window.open_record(record_id)
    assert view is not None
    changed = view.value()
    changed["child"]["family_name"] = "Smith"
    view.set_value(changed)
    window.save()

    dialogs.expect(HistoryDialog, lambda dialog: click(dialog, "Close"))
    menu_action(window, "History…").trigger()
    assert len(window.store.revisions(record_id)) == 2
    assert view.value()["child"]["family_name"] == "Smith"

    def restore_the_first(dialog: HistoryDialog) -> None:
        dialog.list.setCurrentRow(1)  # version 1, the oldest
        assert "Family name: “Łukasiewicz-O'Brien” → “Smith”" in dialog.changes.toPlainText()
        click(dialog, "Restore this version")

    dialogs.expect(HistoryDialog, restore_the_first)
    menu_action(window, "History…").trigger()
    assert view.value()["child"]["family_name"] == "Łukasiewicz-O'Brien"
    reasons = [r.reason for r in window.store.revisions(record_id)]
    assert reasons == ["created", "saved", "restored from revision 1"]


def test_the_audit_log_lists_what_happened_and_closes(window: RecordsWindow, dialogs: ModalDialogs) -> None:
    record_id = record_of(window, "caf-assessment")
    window.open_record(record_id)
    seen: list[str] = []

    def read_then_close(dialog: AuditDialog) -> None:
        seen.extend(dialog.events.item(i).text() for i in range(dialog.events.count()))
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close).click()

    dialogs.expect(AuditDialog, read_then_close)
    before = audit_actions(window, record_id)
    menu_action(window, "Audit log…").trigger()
    assert [line.split("  ")[1] for line in seen] == ["created", "opened"]
    assert audit_actions(window, record_id) == before


def test_preferences_cancel_keeps_the_lock_delay_and_ok_changes_it(
    window: RecordsWindow, dialogs: ModalDialogs
) -> None:
    def set_three_then(button: QDialogButtonBox.StandardButton) -> Any:
        def answer(dialog: PreferencesDialog) -> None:
            dialog.minutes.setValue(3)
            dialog.findChild(QDialogButtonBox).button(button).click()

        return answer

    dialogs.expect(PreferencesDialog, set_three_then(QDialogButtonBox.StandardButton.Cancel))
    menu_action(window, "Preferences…").trigger()
    assert lock_minutes() == 10
    assert window.idle_timer.interval() == 10 * 60 * 1000

    dialogs.expect(PreferencesDialog, set_three_then(QDialogButtonBox.StandardButton.Ok))
    menu_action(window, "Preferences…").trigger()
    assert lock_minutes() == 3
    assert window.idle_timer.interval() == 3 * 60 * 1000


def test_the_team_page_opens_from_the_team_menu_and_closes(
    window: RecordsWindow, dialogs: ModalDialogs, home: Path
) -> None:
    said: list[str] = []

    def read_then_close(dialog: TeamDialog) -> None:
        said.append(dialog.status.text())
        click(dialog, "Close")

    dialogs.expect(TeamDialog, read_then_close)
    window.team_action.trigger()
    assert said[0].startswith("This laptop is not part of a locality team yet.")
    from caf_desktop.trust import team

    assert team.load_joined_team(home) is None  # closing it joined or made nothing
    assert window.isVisible()


def test_opening_a_json_file_asks_which_form_and_cancel_imports_nothing(
    window: RecordsWindow, dialogs: ModalDialogs, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    saved = tmp_path / "answers.json"
    saved.write_text(json.dumps(example("tac-meeting")), encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(saved), ""))
    guesses: list[str] = []

    def cancel(dialog: ChooseFormDialog) -> None:
        guesses.append(str(dialog.combo.currentData()))
        click(dialog, "Cancel")

    dialogs.expect(ChooseFormDialog, cancel)
    menu_action(window, "Open JSON file…").trigger()
    assert guesses == ["tac-meeting@1.1.0"]  # the best match is offered first: the version it fits
    assert window.store.count() == 2
    assert window.view is None

    dialogs.expect(ChooseFormDialog, lambda dialog: click(dialog, "Open"))
    menu_action(window, "Open JSON file…").trigger()
    assert window.store.count() == 3
    assert window.view is not None
    assert window.view.definition.id == "tac-meeting"


# A popup asks the platform to raise it and grab the keyboard, which the offscreen platform cannot do.
@pytest.mark.qt_log_ignore("This plugin does not support raise", "This plugin does not support grabbing")
def test_a_date_picked_from_the_calendar_is_written(
    window: RecordsWindow, dialogs: ModalDialogs, qtbot: Any
) -> None:
    import datetime as dt

    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import QCalendarWidget, QDialog

    record_id = record_of(window, "caf-assessment")
    view = window.open_record(record_id)
    assert view is not None
    editor = view.go_to("/child/date_of_birth")
    assert editor is not None

    def pick(popup: QDialog) -> None:
        calendar = popup.findChild(QCalendarWidget)
        assert calendar is not None
        calendar.setSelectedDate(QDate(2017, 3, 15))
        calendar.activated.emit(QDate(2017, 3, 15))  # what Enter on a day does

    dialogs.expect(QDialog, pick)
    qtbot.mouseClick(editor.button, Qt.MouseButton.LeftButton)  # type: ignore[attr-defined]
    assert view.value()["child"]["date_of_birth"] == dt.date(2017, 3, 15).isoformat()
    assert editor.line.text() == "15/03/2017"  # type: ignore[attr-defined]


def test_the_lock_cancels_a_dialog_left_open_so_no_record_shows_over_it(
    window: RecordsWindow, dialogs: ModalDialogs, qtbot: Any
) -> None:
    record_id = record_of(window, "caf-assessment")
    window.open_record(record_id)
    versions = len(window.store.revisions(record_id))
    seen: list[bool] = []

    def locked_while_open(dialog: HistoryDialog) -> None:
        window.lock()  # what the idle timer does while History waits, showing the record's answers
        seen.append(dialog.isVisible())

    dialogs.expect(HistoryDialog, locked_while_open)
    window.history_action.trigger()
    assert seen == [False]  # gone with the lock, as Cancel would
    assert window.locked
    assert window.stack.currentWidget() is window.lock_page
    assert QApplication.activeModalWidget() is None  # nothing stands between the person and the passphrase
    assert len(window.store.revisions(record_id)) == versions  # cancelled: nothing restored
    qtbot.keyClicks(window.lock_page.passphrase, PASSPHRASE)
    window.unlock()
    assert window.view is not None
    assert window.view.isVisible()


def test_a_new_record_dialog_left_open_until_the_lock_makes_nothing(
    window: RecordsWindow, dialogs: ModalDialogs, qtbot: Any
) -> None:
    def locked_while_open(dialog: NewRecordDialog) -> None:
        qtbot.keyClicks(dialog.given, "Sam")
        window.lock()

    dialogs.expect(NewRecordDialog, locked_while_open)
    qtbot.mouseClick(window.case_list.new_button, Qt.MouseButton.LeftButton)
    assert window.locked
    assert window.stack.currentWidget() is window.lock_page
    assert window.store.count() == 2
