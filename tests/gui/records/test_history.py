"""History as a person reads it: indicators in words, and nothing to restore for the version that is
the record as it is now."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.records import version_dialog
from caf_desktop.gui.records.window import HistoryDialog, RecordsWindow
from caf_desktop.store.store import Profile, Store
from PySide6.QtWidgets import QWidget

from tests.conftest import EXAMPLES
from tests.gui.conftest import show_records_window
from tests.gui.modal import ModalDialogs


@pytest.fixture
def window(tmp_path: Path, qtbot: Any) -> Iterator[RecordsWindow]:
    store = Store.create(
        tmp_path / "home",
        "correct horse battery staple",
        Profile("Ada Worker", "worker", "Fictional Council"),
        kdf_cost=2**12,
    )
    document = json.loads((EXAMPLES / "caf-assessment" / "full.json").read_text(encoding="utf-8"))
    store.add_record(shipped_catalogue().get("caf-assessment"), document)
    shown = show_records_window(store, qtbot)
    yield shown
    shown.close()
    shown.deleteLater()
    store.close()


def history(window: RecordsWindow, qtbot: Any) -> HistoryDialog:
    assert window.view is not None
    assert window.record_id is not None
    dialog = HistoryDialog(
        window.store, window.store.get(window.record_id), window.view.definition, window.view.value(), window
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_history_names_indicators_by_their_words(window: RecordsWindow, qtbot: Any) -> None:
    record = window.store.list_records()[0]
    view = window.open_record(record.id)
    assert view is not None
    document = view.value()
    document["development"]["health"]["indicators"] = ["health.l2.missed_checks"]
    view.set_value(document)
    window.save()
    dialog = history(window, qtbot)
    dialog.list.setCurrentRow(1)  # version 1: the changes since are to the health indicators
    text = dialog.changes.toPlainText()
    assert "1. Health: Threshold indicators: removed “" in text
    assert "immunisations_up_to_date" not in text
    assert "health.l" not in text


def test_restore_is_off_for_the_version_that_is_the_record_now(window: RecordsWindow, qtbot: Any) -> None:
    record = window.store.list_records()[0]
    view = window.open_record(record.id)
    assert view is not None
    document = view.value()
    document["child"]["aka"] = "Zed"
    view.set_value(document)
    window.save()
    dialog = history(window, qtbot)
    assert dialog.list.currentRow() == 0  # the newest: the record as it is now
    assert "(the record as it is now)" in dialog.list.item(0).text()
    assert not dialog.restore_button.isEnabled()
    assert dialog.changes.toPlainText().startswith("Version 2 is the record as it is now.")
    dialog.list.setCurrentRow(1)
    assert dialog.restore_button.isEnabled()
    assert "(the record as it is now)" not in dialog.list.item(1).text()


def test_unsaved_typing_makes_the_newest_version_restorable(window: RecordsWindow, qtbot: Any) -> None:
    record = window.store.list_records()[0]
    view = window.open_record(record.id)
    assert view is not None
    document = view.value()
    document["child"]["aka"] = "Typed but not saved as a version"
    view.set_value(document)
    dialog = history(window, qtbot)
    assert dialog.list.count() == 1
    assert dialog.restore_button.isEnabled()  # restoring it takes the typing back out


def test_restoring_the_version_before_a_move_reopens_the_record_with_its_old_form(
    window: RecordsWindow, qtbot: Any, dialogs: ModalDialogs
) -> None:
    """A draft moved to a newer version of its form (`records migrate`) is put back by restoring the
    revision before the move, from History, as a worker would: the record opens again with the old
    version's questions, and its old answer is back where that version keeps it."""
    from caf_desktop.formengine import migration
    from caf_desktop.formengine.definitions import installed_catalogue

    install_review_1_2_0()
    old = shipped_catalogue().get("tac-review", "1.1.0")
    newer = installed_catalogue().get("tac-review", "1.2.0")
    document = json.loads((EXAMPLES / "tac-review" / "full-1.1.0.json").read_text(encoding="utf-8"))
    record = window.store.add_record(old, document)
    moved, _ = migration.apply_chain([newer], document)
    window.store.move_to_version(record.id, moved, newer, reason="moved from version 1.1.0 to 1.2.0")

    view = window.open_record(record.id)
    assert view is not None
    assert view.definition.version == "1.2.0"
    view.build_all()
    assert view.findChild(QWidget, "/remarks") is not None

    def restore_the_first(dialog: HistoryDialog) -> None:
        dialog.list.setCurrentRow(1)  # version 1, made with 1.1.0 (the newest, the move, is row 0)
        dialog.restore_button.click()

    dialogs.expect(HistoryDialog, restore_the_first)
    window.history_action.trigger()

    assert window.view is not None
    assert window.view.definition.version == "1.1.0"
    window.view.build_all()
    notes = window.view.findChild(QWidget, "/notes")
    assert notes is not None
    assert window.view.value()["notes"] == document["notes"]
    assert window.store.get(record.id).form_version == "1.1.0"
    assert "with version 1.1.0 of the form" in window.banner.text()


def install_review_1_2_0() -> None:
    """TAC review 1.2.0 in this home, as `forms publish` leaves it: made with the designer's model from
    the newest shipped version, Notes renamed to Remarks."""
    from caf_desktop.common import atomic, paths
    from caf_desktop.formengine.definitions import forget_received
    from caf_desktop.formengine.drafting import Draft

    draft = Draft(shipped_catalogue().get("tac-review", "1.1.0"), version="1.2.0")
    draft.rename("/notes", "remarks")
    draft.set_text("/remarks", "title", "Remarks")
    (paths.user_forms_dir() / "tac-review").mkdir(parents=True, exist_ok=True)
    atomic.write_json(paths.user_forms_dir() / "tac-review" / "1.2.0.json", draft.as_json())
    forget_received()


def test_a_worker_is_offered_the_newer_version_and_sees_what_changes_before_moving(
    window: RecordsWindow, qtbot: Any, dialogs: ModalDialogs
) -> None:
    install_review_1_2_0()
    old = shipped_catalogue().get("tac-review", "1.1.0")
    document = json.loads((EXAMPLES / "tac-review" / "full-1.1.0.json").read_text(encoding="utf-8"))
    record = window.store.add_record(old, document)

    window.open_record(record.id)
    assert window.banner.isVisibleTo(window)
    assert "A newer version of this form (1.2.0) is available for this draft" in window.banner.text()
    assert window.newer_version_action.isEnabled()
    seen: list[str] = []

    def look_then_decline(dialog: version_dialog.NewerVersionDialog) -> None:
        seen.append(dialog.preview.toPlainText())
        assert not dialog.move_button.isDefault()  # Enter does not move a record
        dialog.reject()

    dialogs.expect(version_dialog.NewerVersionDialog, look_then_decline)
    window.newer_version_action.trigger()
    assert "Moving this draft changes 1 of its answers:\n  • Notes moves to Remarks" in seen[0]
    assert "breaking: Notes (/notes) is renamed to /remarks." in seen[0]
    assert window.store.get(record.id).form_version == "1.1.0"  # Not now moves nothing

    dialogs.expect(version_dialog.NewerVersionDialog, lambda dialog: dialog.move_button.click())
    window.newer_version_action.trigger()
    moved = window.store.get(record.id)
    assert moved.form_version == "1.2.0"
    assert moved.document["remarks"] == document["notes"]
    assert window.view is not None
    assert window.view.definition.version == "1.2.0"
    assert "newer version" not in window.banner.text()
    assert not window.newer_version_action.isEnabled()
    assert "History (Ctrl+H) can restore the draft as it was" in window.banner.text()


def test_a_completed_record_is_never_offered_a_move(window: RecordsWindow, qtbot: Any) -> None:
    install_review_1_2_0()
    old = shipped_catalogue().get("tac-review", "1.1.0")
    document = json.loads((EXAMPLES / "tac-review" / "full-1.1.0.json").read_text(encoding="utf-8"))
    record = window.store.add_record(old, document, status="complete")
    window.open_record(record.id)
    assert "newer version" not in window.banner.text()
    assert not window.newer_version_action.isEnabled()


def test_a_move_that_would_overwrite_an_answer_is_shown_and_cannot_be_chosen(
    window: RecordsWindow, qtbot: Any
) -> None:
    from caf_desktop.common import atomic, paths
    from caf_desktop.formengine.definitions import forget_received, installed_catalogue

    raw = json.loads(json.dumps(dict(shipped_catalogue().get("tac-review", "1.1.0").raw)))
    raw["version"] = "1.2.0"
    raw["migration"] = {"from": "1.1.0", "steps": [{"rename": "/notes", "to": "/next_steps"}]}
    (paths.user_forms_dir() / "tac-review").mkdir(parents=True, exist_ok=True)
    atomic.write_json(paths.user_forms_dir() / "tac-review" / "1.2.0.json", raw)
    forget_received()
    document = json.loads((EXAMPLES / "tac-review" / "full-1.1.0.json").read_text(encoding="utf-8"))
    record = window.store.add_record(shipped_catalogue().get("tac-review", "1.1.0"), document)
    catalogue = installed_catalogue()
    move = version_dialog.plan_move(
        catalogue, window.store.get(record.id), catalogue.get("tac-review", "1.2.0")
    )
    dialog = version_dialog.NewerVersionDialog(move, window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.problem.isVisible()
    assert "already holds one: nothing was moved" in dialog.problem.text()
    assert not dialog.move_button.isEnabled()
