"""Starting a record: forms in the order of the work, the child as stored, and a TAC meeting or review
that starts from the child's case."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.records.window import NewRecordDialog, RecordsWindow
from caf_desktop.store.store import Profile, Store
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog

from tests.conftest import example
from tests.store.support import child_of

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """One child (Zoë) with a CAF and a TAC plan in her open case."""
    opened = Store.create(
        tmp_path / "home", PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    caf = opened.add_record(shipped_catalogue().get("caf-assessment"), example("caf-assessment"))
    plan = example("tac-meeting")
    plan["child"] = {"given_names": "Zoe", "family_name": "Lukasiewicz"}  # spelt another way
    opened.add_record(shipped_catalogue().get("tac-meeting"), plan, child_id=child_of(opened, caf.id))
    yield opened
    opened.close()


def caf_of(store: Store) -> Any:
    return next(r for r in store.list_records() if r.form_id == "caf-assessment")


def test_new_record_lists_the_forms_in_the_order_of_the_work(store: Store, qtbot: Any) -> None:
    dialog = NewRecordDialog(store)
    qtbot.addWidget(dialog)
    titles = [dialog.form_choice.itemText(i) for i in range(dialog.form_choice.count())]
    assert titles == [
        "CAF pre-assessment checklist",
        "Common Assessment Framework (CAF) assessment",
        "TAC meeting record and delivery plan",
        "TAC review",
        "Management oversight",
        "Referral to children's social care (step up)",
        "CAF closure, step up and step down",
    ]


def test_choosing_the_child_offered_uses_their_names_as_stored(
    window: RecordsWindow, store: Store, qtbot: Any
) -> None:
    dialog = NewRecordDialog(store, window)
    qtbot.addWidget(dialog)
    dialog.form_choice.setCurrentIndex(dialog.form_choice.findData("caf-closure@1.1.0"))
    qtbot.keyClicks(dialog.given, "zoe")
    qtbot.keyClicks(dialog.family, "Lukasiewicz-OBrien")
    qtbot.keyClicks(dialog.birth, "14/03/2017")
    dialog.start()
    assert dialog.matches.isVisibleTo(dialog)
    assert dialog.matches.item(0).text() == "Zoë Łukasiewicz-O'Brien, born 14/03/2017 (a close match)"
    dialog.start()  # the first, the child already there, is chosen
    assert dialog.result() == QDialog.DialogCode.Accepted
    definition = dialog.definition()
    view = window.start_record(definition, dialog.starting_document(definition), dialog.child_id)
    assert view.value()["child"]["given_names"] == "Zoë"
    assert view.value()["child"]["family_name"] == "Łukasiewicz-O'Brien"
    assert view.value()["child"]["date_of_birth"] == "2017-03-14"
    assert view.value()["child"]["caf_reference"] == "MK-2026-0417"
    assert window.record_id is not None
    assert store.get(window.record_id).child == "Zoë Łukasiewicz-O'Brien"


def test_a_different_child_keeps_the_names_typed(window: RecordsWindow, store: Store, qtbot: Any) -> None:
    dialog = NewRecordDialog(store, window)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.given, "zoe")
    qtbot.keyClicks(dialog.family, "Lukasiewicz-OBrien")
    qtbot.keyClicks(dialog.birth, "14/03/2017")
    dialog.start()
    dialog.matches.setCurrentRow(dialog.matches.count() - 1)  # "A different child"
    dialog.start()
    assert dialog.child_id is None
    document = dialog.starting_document(dialog.definition())
    assert document["child"]["given_names"] == "zoe"


def test_a_new_tac_review_for_the_child_of_the_open_record_starts_from_the_case(
    window: RecordsWindow, store: Store
) -> None:
    caf = caf_of(store)
    window.open_record(caf.id)
    action = window.findChild(QAction, "action-new-tac-review-for-this-child")
    assert action is not None
    assert action.isEnabled()
    action.trigger()
    assert window.view is not None
    assert window.view.definition.id == "tac-review"
    document = window.view.value()
    assert document["child"]["given_names"] == "Zoë"
    assert document["child"]["caf_reference"] == "MK-2026-0417"
    open_ones = [a["action"] for a in example("tac-meeting")["actions"] if a.get("progress") != "completed"]
    assert [a["action"] for a in document["action_progress"]] == open_ones
    # The review joined the child's case; it is in the store already, with the carried actions.
    assert window.record_id is not None
    stored = store.get(window.record_id)
    assert stored.case_id == caf.case_id
    assert len(stored.document["action_progress"]) == len(open_ones)
    # The carried actions are on screen in the review's progress section.
    editor = window.view.go_to("/action_progress/0/action")
    assert editor is not None
    assert editor.focus_widget().toPlainText() == open_ones[0]  # type: ignore[attr-defined]


def test_a_new_tac_meeting_for_the_child_chosen_in_the_case_list(window: RecordsWindow, store: Store) -> None:
    page = window.case_list
    caf = caf_of(store)
    row = next(r for r in range(page.model.rowCount()) if page.model.record_at(r).id == caf.id)
    page.table.setCurrentIndex(page.model.index(row, 0))
    window.findChild(QAction, "action-new-tac-meeting-for-this-child").trigger()
    assert window.view is not None
    assert window.view.definition.id == "tac-meeting"
    document = window.view.value()
    assert document["child"]["caf_reference"] == "MK-2026-0417"
    assert document["lead_professional"]["name"] == "Tomáš Dvořák"  # the newest lead professional
    assert window.record_id is not None
    assert store.get(window.record_id).case_id == caf.case_id


def test_with_nothing_chosen_it_says_what_to_do(window: RecordsWindow) -> None:
    window.case_list.table.clearSelection()
    window.case_list.table.setCurrentIndex(window.case_list.model.index(-1, -1))
    window.findChild(QAction, "action-new-tac-meeting-for-this-child").trigger()
    assert window.view is None
    assert window.statusBar().currentMessage() == "Choose a child's record in the case list first."
