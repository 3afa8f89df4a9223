"""The app over the store: first run, unlock, the case list, records that keep themselves, history,
the audit log, deleting with undo, and the lock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.records.case_list import CaseListModel
from caf_desktop.gui.records.window import (
    SESSION_MARKER,
    AuditDialog,
    HistoryDialog,
    NewRecordDialog,
    RecordsWindow,
)
from caf_desktop.gui.shared.store_dialogs import UnlockDialog, WelcomeDialog
from caf_desktop.store.store import RecordQuery, Store
from caf_desktop.trust import keyfile
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox

from tests.conftest import example
from tests.gui.conftest import type_text
from tests.store.support import child_of

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    from caf_desktop.store.store import Profile

    opened = Store.create(
        tmp_path / "home", PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    for form_id in ("caf-assessment", "tac-meeting", "tac-review", "caf-closure"):
        opened.add_record(shipped_catalogue().get(form_id), example(form_id))
    yield opened
    opened.close()


def field(window: RecordsWindow, pointer: str) -> Any:
    """The input of a question, its section shown (as going to it from the problems panel does)."""
    assert window.view is not None
    editor = window.view.go_to(pointer)
    assert editor is not None
    return editor.focus_widget()


def open_caf(window: RecordsWindow) -> str:
    record = next(r for r in window.store.list_records() if r.form_id == "caf-assessment")
    window.open_record(record.id)
    return record.id


# --- first run and unlocking ---------------------------------------------------------------------------


def test_the_welcome_asks_who_you_are_and_a_good_passphrase(tmp_path: Path, qtbot: Any) -> None:
    dialog = WelcomeDialog(tmp_path / "new-home", kdf_cost=2**12)
    qtbot.addWidget(dialog)
    dialog.name.setText("Bea Practitioner")
    dialog.organisation.setText("Fictional Council")
    qtbot.keyClicks(dialog.passphrase, "short")
    dialog.create()
    assert dialog.problem.text().startswith("Too short")
    assert "Too short" in dialog.strength.text()
    dialog.passphrase.setText(PASSPHRASE)
    dialog.confirmation.setText(PASSPHRASE + "x")
    dialog.create()
    assert dialog.problem.text() == "The two passphrases are not the same. Type them again."
    assert not (tmp_path / "new-home" / "caf.key").exists()
    dialog.confirmation.setText(PASSPHRASE)
    dialog.create()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.store is not None
    profile = dialog.store.profile()
    assert profile is not None
    assert (profile.name, profile.role, profile.organisation) == (
        "Bea Practitioner",
        "worker",
        "Fictional Council",
    )
    assert dialog.passphrase.text() == ""  # not kept once used
    dialog.store.close()


def test_unlock_says_plainly_when_the_passphrase_is_wrong_and_slows_repeated_tries(
    store: Store, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert store.home is not None
    dialog = UnlockDialog(store.home)
    qtbot.addWidget(dialog)
    for _ in range(3):
        dialog.passphrase.setText("not the passphrase")
        dialog.unlock()
        assert dialog.problem.text() == "That passphrase is not right. Check Caps Lock and try again."
    assert dialog.wait_notice.text() == "After several wrong passphrases, the next try waits: 1 second."
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    dialog.passphrase.setText("not the passphrase either")
    dialog.unlock()  # as if the button were pressed anyway
    assert dialog.problem.text() == "Too many wrong passphrases. Wait 1 second, then try again."
    later = keyfile.time.time() + 120
    monkeypatch.setattr(keyfile.time, "time", lambda: later)
    # the countdown looks again each second: the wait is over, so Unlock can be pressed again
    qtbot.waitUntil(
        lambda: dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled(), timeout=3000
    )
    assert dialog.wait_notice.text() == ""
    dialog.passphrase.setText(PASSPHRASE)
    dialog.unlock()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.store is not None
    dialog.store.close()


# --- the case list ---------------------------------------------------------------------------------------


def test_the_case_list_model_is_a_sound_qt_model(store: Store, qtmodeltester: Any) -> None:
    qtmodeltester.check(CaseListModel(store))


def test_the_case_list_shows_each_record_with_its_facts(window: RecordsWindow) -> None:
    model = window.case_list.model
    rows = {model.data(model.index(r, CaseListModel.FORM)): r for r in range(model.rowCount())}
    caf = rows["CAF assessment"]  # the whole title is its tooltip
    tooltip = model.data(model.index(caf, CaseListModel.FORM), Qt.ItemDataRole.ToolTipRole)
    assert tooltip == "Common Assessment Framework (CAF) assessment"
    assert model.data(model.index(caf, CaseListModel.CHILD)) == "Zoë Łukasiewicz-O'Brien"
    assert model.data(model.index(caf, CaseListModel.DOB)) == "14/03/2017"
    assert model.data(model.index(caf, CaseListModel.LEVEL)) == "Level 3"
    assert model.data(model.index(caf, CaseListModel.LEAD)) == "Hannah Testwell"
    assert model.data(model.index(caf, CaseListModel.STATUS)) == "Draft"
    assert window.case_list.count_label.text() == "4 records"


def test_an_overdue_review_says_so_in_words(store: Store, window: RecordsWindow) -> None:
    document = example("tac-review")
    document["outcome"] = {"decision": "continue", "next_review_date": "2020-01-01"}
    store.add_record(shipped_catalogue().get("tac-review"), document)
    window.case_list.refresh()
    model = window.case_list.model
    shown = [model.data(model.index(r, CaseListModel.REVIEW)) for r in range(model.rowCount())]
    assert "⚠ Overdue: 01/01/2020" in shown


def test_once_the_caf_is_closed_no_review_is_shown_as_overdue(store: Store, window: RecordsWindow) -> None:
    catalogue = shipped_catalogue()
    document = example("tac-review")
    document["outcome"] = {"decision": "continue", "next_review_date": "2020-01-01"}
    review = store.add_record(catalogue.get("tac-review"), document)
    closure = example("caf-closure")
    closure["child"] = {**closure["child"], **document["child"]}
    store.add_record(
        catalogue.get("caf-closure"), closure, status="complete", child_id=child_of(store, review.id)
    )

    window.case_list.refresh()

    model = window.case_list.model
    shown = [model.data(model.index(r, CaseListModel.REVIEW)) for r in range(model.rowCount())]
    assert "01/01/2020" in shown
    assert not any(text and "Overdue" in text for text in shown)


def test_search_as_you_type_filters_and_sorting_works(window: RecordsWindow, qtbot: Any) -> None:
    page = window.case_list
    qtbot.keyClicks(page.search, "zoe luk")
    qtbot.waitUntil(lambda: page.model.total == 2, timeout=2000)  # the CAF and the TAC meeting
    assert page.count_label.text() == "2 records match"
    page.search.clear()
    page.status_filter.setCurrentIndex(page.status_filter.findData("draft"))
    page.level_filter.setCurrentIndex(page.level_filter.findData(3))
    page.apply_filters()
    assert page.model.total == 2  # the CAF, and the TAC meeting: its 1.1.0 record holds the level agreed
    page.level_filter.setCurrentIndex(0)
    page.apply_filters()
    page.table.sortByColumn(CaseListModel.CHILD, Qt.SortOrder.AscendingOrder)
    names = [page.model.data(page.model.index(r, CaseListModel.CHILD)) for r in range(page.model.rowCount())]
    assert names == sorted(names, key=lambda n: n.lower().replace("ö", "o"))


# --- records ----------------------------------------------------------------------------------------------


def test_a_new_record_offers_the_child_who_is_already_there(
    window: RecordsWindow, store: Store, qtbot: Any
) -> None:
    dialog = NewRecordDialog(store, window)
    qtbot.addWidget(dialog)
    dialog.form_choice.setCurrentIndex(dialog.form_choice.findData("tac-review@1.1.0"))
    type_text(qtbot, dialog.given, "Zoë")
    type_text(qtbot, dialog.family, "Łukasiewicz-O'Brien")
    qtbot.keyClicks(dialog.birth, "14/03/2017")
    dialog.start()
    assert dialog.matches.isVisibleTo(dialog)
    assert dialog.matches.item(0).text() == "Zoë Łukasiewicz-O'Brien, born 14/03/2017"
    dialog.start()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.child_id is not None
    definition = dialog.definition()
    view = window.start_record(definition, dialog.starting_document(definition), dialog.child_id)
    assert view.value()["child"] == {
        "given_names": "Zoë",
        "family_name": "Łukasiewicz-O'Brien",
        "date_of_birth": "2017-03-14",
        "caf_reference": "MK-2026-0417",  # from her CAF: the review starts from her case
    }
    assert window.record_id is not None
    new = store.get(window.record_id)
    caf = next(r for r in store.list_records() if r.form_id == "caf-assessment")
    assert new.case_id == caf.case_id  # one file per child


def test_typing_is_kept_by_autosave_without_saving_a_version(
    window: RecordsWindow, store: Store, qtbot: Any
) -> None:
    record_id = open_caf(window)
    assert window.view is not None
    box = field(window, "/child/aka")
    box.setFocus()
    box.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(box, "Known as Zed")
    qtbot.waitUntil(lambda: store.get(record_id).document["child"].get("aka") == "Known as Zed", timeout=4000)
    assert store.get(record_id).has_unsaved_changes
    assert len(store.revisions(record_id)) == 1
    window.save()
    assert len(store.revisions(record_id)) == 2
    assert not store.get(record_id).has_unsaved_changes


def test_leaving_a_record_keeps_its_typing_at_once(window: RecordsWindow, store: Store, qtbot: Any) -> None:
    record_id = open_caf(window)
    assert window.view is not None
    qtbot.keyClicks(field(window, "/child/religion"), " (practising)")
    window.show_start()
    assert store.get(record_id).document["child"]["religion"].endswith(" (practising)")
    assert window.stack.currentWidget() is window.case_list


def test_history_shows_what_changed_and_restores_as_a_new_version(
    window: RecordsWindow, store: Store, qtbot: Any
) -> None:
    record_id = open_caf(window)
    assert window.view is not None
    family = field(window, "/child/family_name")
    family.selectAll()  # type: ignore[attr-defined]
    qtbot.keyClicks(family, "Smith")
    window.save()
    dialog = HistoryDialog(store, store.get(record_id), window.view.definition, window.view.value(), window)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 2
    dialog.list.setCurrentRow(1)  # version 1, the oldest
    assert "Family name: “Łukasiewicz-O'Brien” → “Smith”" in dialog.changes.toPlainText()
    dialog.restored.connect(window.restore_revision)
    dialog.restore_button.click()
    assert window.view.value()["child"]["family_name"] == "Łukasiewicz-O'Brien"
    revisions = store.revisions(record_id)
    assert [r.reason for r in revisions] == ["created", "saved", "restored from revision 1"]


def test_the_audit_log_of_a_record(window: RecordsWindow, store: Store, qtbot: Any) -> None:
    record_id = open_caf(window)
    window.save()
    dialog = AuditDialog(store, record_id, window)
    qtbot.addWidget(dialog)
    lines = [dialog.events.item(i).text() for i in range(dialog.events.count())]
    assert [line.split("  ")[1] for line in lines] == ["created", "opened", "changed"]
    assert all(line.endswith("by Ada Worker") for line in lines)


def test_marking_complete_saves_a_complete_version(window: RecordsWindow, store: Store) -> None:
    record_id = open_caf(window)
    window.mark_complete()
    assert store.get(record_id).status == "complete"
    assert store.revisions(record_id)[-1].reason == "marked complete"


def test_delete_hides_a_record_and_undo_brings_it_back(
    window: RecordsWindow, store: Store, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Yes)
    record = store.list_records()[0]
    window.delete_record(record.id)
    assert store.count() == 3
    assert window.case_list.model.total == 3
    undo = window.findChild(type(window.case_list.new_button), "undo-delete")
    assert undo is not None
    qtbot.mouseClick(undo, Qt.MouseButton.LeftButton)
    assert store.count() == 4
    assert store.count(RecordQuery(include_deleted=True)) == 4


# --- the lock -------------------------------------------------------------------------------------------------


def test_locking_hides_every_record_and_keeps_the_typing(
    window: RecordsWindow, store: Store, qtbot: Any
) -> None:
    record_id = open_caf(window)
    assert window.view is not None
    qtbot.keyClicks(field(window, "/child/religion"), " and kept")
    window.lock()
    assert window.stack.currentWidget() is window.lock_page
    assert not window.view.isVisible()
    assert window.windowTitle() == "CAF Desktop — locked"
    assert not window.save_action.isEnabled()  # no shortcut reaches a record while locked
    assert store.get(record_id).document["child"]["religion"].endswith(" and kept")
    qtbot.keyClicks(window.lock_page.passphrase, "wrong passphrase")
    window.unlock()
    assert window.lock_page.problem.text() == "That passphrase is not right. Check Caps Lock and try again."
    assert window.locked
    qtbot.keyClicks(window.lock_page.passphrase, PASSPHRASE)
    qtbot.keyClick(window.lock_page.passphrase, Qt.Key.Key_Return)
    assert not window.locked
    assert window.view.isVisible()
    assert window.save_action.isEnabled()
    assert window.view.value()["child"]["religion"].endswith(" and kept")


def test_the_window_locks_itself_when_left_idle(window: RecordsWindow, qtbot: Any) -> None:
    window.idle_timer.setInterval(50)
    window.idle_timer.start()
    qtbot.waitUntil(lambda: window.locked, timeout=2000)
    assert window.stack.currentWidget() is window.lock_page


# --- closing -----------------------------------------------------------------------------------------------------


def test_a_clean_close_leaves_no_sign_of_a_crash(store: Store, qtbot: Any) -> None:
    assert store.home is not None
    window = RecordsWindow(store)
    qtbot.addWidget(window)
    assert (store.home / SESSION_MARKER).exists()
    window.close()
    assert not (store.home / SESSION_MARKER).exists()
    record = store.list_records()[0]
    store.autosave(record.id, store.get(record.id).document)
    again = RecordsWindow(store)
    qtbot.addWidget(again)
    notice = again.case_list.notice.text()
    assert notice.startswith("⚠ Recovered draft: 1 record has changes not yet saved as a version")
    assert "did not close properly" not in notice
    again.close()


def test_the_lock_delay_is_a_preference_kept_in_the_home(window: RecordsWindow, qtbot: Any) -> None:
    from caf_desktop.gui.records.window import PreferencesDialog, lock_minutes

    assert lock_minutes() == 10
    dialog = PreferencesDialog(window)
    qtbot.addWidget(dialog)
    dialog.minutes.setValue(3)
    dialog.accept()
    assert lock_minutes() == 3


def test_the_safeguarding_banner_is_audited_when_shown_and_acknowledged(
    window: RecordsWindow, store: Store, qtbot: Any
) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QCheckBox

    record_id = open_caf(window)
    assert window.view is not None
    window.view.go_to("/development/health/indicators")
    box = window.view.findChild(QCheckBox, "/development/health/indicators=health.l4.non_accidental_injury")
    assert box is not None
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert window.view.banner is not None
    qtbot.mouseClick(window.view.banner.button, Qt.MouseButton.LeftButton)
    actions = [e.action for e in store.audit_events(record_id)]
    assert actions[-2:] == ["safeguarding banner shown", "safeguarding acknowledged"]


def test_the_case_list_shows_the_agreed_level_and_a_differing_suggestion(
    store: Store, window: RecordsWindow
) -> None:
    document = example("caf-assessment")
    document["level_of_need"] = {"agreed_level": 2, "rationale": "Needs are being met by school."}
    record = store.add_record(shipped_catalogue().get("caf-assessment"), document)
    assert store.get(record.id).suggested_level == 3
    window.case_list.refresh()
    model = window.case_list.model
    row = next(r for r in range(model.rowCount()) if model.record_at(r).id == record.id)  # type: ignore[union-attr]
    assert model.data(model.index(row, CaseListModel.LEVEL)) == "Level 2 (suggested 3)"


def test_drift_shows_in_the_case_list_and_on_opening_the_case(store: Store, window: RecordsWindow) -> None:
    meeting = example("tac-meeting")
    meeting["outcome"] = {"decision": "continue", "next_review_date": "2026-01-05"}
    record = store.add_record(shipped_catalogue().get("tac-meeting"), meeting)
    assert store.get(record.id).attention is not None
    assert "The review due on 05/01/2026 has not been held." in (store.get(record.id).attention or "")
    window.case_list.refresh()
    model = window.case_list.model
    row = next(r for r in range(model.rowCount()) if model.record_at(r).id == record.id)  # type: ignore[union-attr]
    assert model.data(model.index(row, CaseListModel.ATTENTION)).startswith("⚠ The review due on 05/01/2026")
    window.open_record(record.id)
    assert window.banner.text().startswith("⚠ On this case: The review due on 05/01/2026 has not been held.")


def test_a_review_that_falls_overdue_overnight_shows_without_anyone_saving(
    store: Store, window: RecordsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    from caf_desktop.store import clock

    meeting = example("tac-meeting")
    meeting["outcome"] = {"decision": "continue", "next_review_date": "2099-01-05"}
    for action in meeting["actions"]:
        action["by_when"] = "2099-01-01"
    record = store.add_record(shipped_catalogue().get("tac-meeting"), meeting)
    window.case_list.refresh()
    model = window.case_list.model

    def shown() -> str:
        row = next(r for r in range(model.rowCount()) if model.record_at(r).id == record.id)  # type: ignore[union-attr]
        return str(model.data(model.index(row, CaseListModel.ATTENTION)))

    assert shown() == ""
    later = dt.datetime(2099, 1, 6, 9, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "now", lambda: later)
    window.refresh_attention()  # the window's timer does this every ten minutes
    assert shown().startswith("⚠ The review due on 05/01/2099 has not been held.")


def test_the_banner_names_the_numbers_the_teams_coordinator_set(
    window: RecordsWindow, store: Store, qtbot: Any
) -> None:
    from caf_desktop.trust import team
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QCheckBox

    assert store.home is not None
    team.create_team(store.home, PASSPHRASE, "Northtown Locality Team", contacts={"mash": "01632 960 123"})
    open_caf(window)
    assert window.view is not None
    window.view.go_to("/development/health/indicators")
    box = window.view.findChild(QCheckBox, "/development/health/indicators=health.l4.non_accidental_injury")
    assert box is not None
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert window.view.banner is not None
    assert window.view.banner.isVisible()
    contacts = window.view.banner.contacts.text()
    assert "01632 960 123" in contacts
    assert "999" in window.view.banner.text.text() or "999" in contacts
