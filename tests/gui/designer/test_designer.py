"""The form designer tried as a new designer would: real widgets and real dialogs, offscreen.

A designer opens TAC review from the app's Form menu, renames Notes, retires a choice, adds a
question, undoes and redoes, publishes 1.1.0 after seeing the graded changes with the records they
touch, and the worker's draft is then offered the new version."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.common import paths
from caf_desktop.formengine.definitions import installed_catalogue, shipped_catalogue
from caf_desktop.gui.designer.window import AddQuestionDialog, DesignerWindow, PublishDialog
from caf_desktop.gui.records.window import RecordsWindow
from caf_desktop.store.store import Profile, Store
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QTreeWidgetItem, QWidget

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
    document = json.loads((EXAMPLES / "tac-review" / "full-1.1.0.json").read_text(encoding="utf-8"))
    document["outcome"]["decision"] = "close"
    store.add_record(shipped_catalogue().get("tac-review", "1.1.0"), document)
    shown = show_records_window(store, qtbot)
    yield shown
    shown.close()
    shown.deleteLater()
    store.close()


def outline_item(designer: DesignerWindow, ending: str) -> QTreeWidgetItem:
    found = designer.outline.findItems(ending, Qt.MatchFlag.MatchEndsWith | Qt.MatchFlag.MatchRecursive)
    assert found, f"no outline item ends with {ending}"
    return found[0]


def choose(designer: DesignerWindow, ending: str) -> None:
    designer.outline.setCurrentItem(outline_item(designer, ending))


def answer_text(text: str) -> Any:
    def answer(dialog: QInputDialog) -> None:
        dialog.setTextValue(text)
        dialog.accept()

    return answer


def answer_item(text: str) -> Any:
    def answer(dialog: QInputDialog) -> None:
        assert text in dialog.comboBoxItems()
        dialog.setTextValue(text)
        dialog.accept()

    return answer


def test_a_designer_changes_and_publishes_a_form_from_the_app(  # noqa: PLR0915 - one journey, window to window
    window: RecordsWindow, qtbot: Any, dialogs: ModalDialogs
) -> None:
    record = window.store.list_records()[0]
    window.open_record(record.id)
    window.design_action.trigger()
    designer = window.designer
    qtbot.waitExposed(designer)
    assert designer.draft.raw["version"] == "1.1.1"  # from the newest version
    assert designer.outline.accessibleName().startswith("Outline of the form")

    # Rename the id of Notes (F2), as the Edit menu offers it.
    assert designer.select_question("/notes")  # the review's notes, not a contact's
    assert designer.id_label.text() == "/notes"
    dialogs.expect(QInputDialog, answer_text("remarks"))
    designer.rename_action.trigger()
    assert outline_item(designer, "(remarks)") is not None
    assert designer.draft.migration_steps() == [{"rename": "/notes", "to": "/remarks"}]

    # Its title, typed in the properties, is words only: the id stays.
    assert designer.select_question("/remarks")
    designer.title_edit.setFocus()
    designer.title_edit.selectAll()
    qtbot.keyClicks(designer.title_edit, "Remarks")
    designer.title_edit.editingFinished.emit()
    assert designer.draft.raw["schema"]["properties"]["remarks"]["title"] == "Remarks"

    # Retire "Close the CAF": records that chose it continue the plan instead.
    assert designer.select_question("/outcome/decision")
    dialogs.expect(QInputDialog, answer_item("Close the CAF"))
    dialogs.expect(QInputDialog, answer_item("Continue with the TAC plan"))
    designer.retire_choice_action.trigger()
    assert "Close the CAF  (close)" not in [
        designer.choices_list.item(i).text() for i in range(designer.choices_list.count())
    ]

    # Add a question after the date of the review.
    assert designer.select_question("/review/date")

    def add(dialog: AddQuestionDialog) -> None:
        qtbot.keyClicks(dialog.title_edit, "Where was the review held")
        assert dialog.id_edit.text() == "where_was_the_review_held"
        dialog.id_edit.setText("venue")
        dialog.accept()

    dialogs.expect(AddQuestionDialog, add)
    designer.add_action.trigger()
    assert outline_item(designer, "(venue)") is not None
    assert designer.preview is not None
    designer.preview.build_all()
    assert designer.preview.findChild(QWidget, "/review/venue") is not None  # the real form view shows it

    # Undo and redo the last edit from the Edit menu.
    assert designer.undo_action.text() == "&Undo Add the question Where was the review held"
    designer.undo_action.trigger()
    assert "venue" not in designer.draft.raw["schema"]["properties"]["review"]["properties"]
    designer.redo_action.trigger()
    assert "venue" in designer.draft.raw["schema"]["properties"]["review"]["properties"]
    assert designer.findings.item(0).text().startswith("No problems")

    # Publish as 1.1.0, after reading the graded changes and the record they touch.
    designer.draft.raw["version"] = "1.2.0"
    designer.refresh()
    seen: list[str] = []

    def read_then_publish(dialog: PublishDialog) -> None:
        seen.append(dialog.summary.toPlainText())
        assert not dialog.publish_button.isDefault()
        dialog.publish_button.click()

    dialogs.expect(PublishDialog, read_then_publish)
    designer.publish_action.trigger()
    assert (
        "breaking: Notes (/notes) is renamed to /remarks. Its migration handles it. (1 record in this store)"
        in seen[0]
    )
    assert (
        "risky: What did the review decide? (/outcome/decision): the choice “Close the CAF” is retired."
        in seen[0]
    )
    assert "safe: Where was the review held (/review/venue) is a new question." in seen[0]
    published = paths.user_forms_dir() / "tac-review" / "1.2.0.json"
    assert not published.stat().st_mode & stat.S_IWUSR
    assert installed_catalogue().get("tac-review").version == "1.2.0"
    assert designer.draft.raw["version"] == "1.2.1"  # a new draft from the published version
    designer.close()

    # The worker's draft is offered the new version.
    window.open_record(record.id)
    assert "A newer version of this form (1.2.0) is available" in window.banner.text()


def test_a_question_a_rule_names_is_not_deleted_and_the_designer_says_why(qtbot: Any) -> None:
    from caf_desktop.formengine.drafting import Draft

    designer = DesignerWindow(Draft(shipped_catalogue().get("caf-assessment", "1.0.0")))
    qtbot.addWidget(designer)
    designer.show()
    assert designer.select_question("/child/is_unborn")
    designer.delete_action.trigger()
    assert designer.message.isVisible()
    assert designer.message.text() == (
        "Not changed: A rule still names “Is this an unborn baby?”: the rule of “Date of birth” depends on its "
        "answer. Change or remove that rule first."
    )
    assert "is_unborn" in designer.draft.raw["schema"]["properties"]["child"]["properties"]
    assert not designer.draft.can_undo


def test_a_rule_is_made_by_pointing_and_the_preview_follows_it(qtbot: Any, dialogs: ModalDialogs) -> None:
    from caf_desktop.formengine.drafting import Draft
    from caf_desktop.gui.designer.window import RuleDialog

    designer = DesignerWindow(Draft(shipped_catalogue().get("tac-review", "1.0.0")))
    qtbot.addWidget(designer)
    designer.show()
    assert designer.select_question("/outcome/reason_for_closure")

    def show_when_closing_or_stepping_up(dialog: RuleDialog) -> None:
        dialog.effect.setCurrentIndex(dialog.effect.findData("show"))
        dialog.question.setCurrentIndex(dialog.question.findData("/outcome/decision"))
        dialog.operator.setCurrentIndex(dialog.operator.findData("is_one_of"))
        labels = [dialog.values.item(i).text() for i in range(dialog.values.count())]
        assert "Close the CAF" in labels
        for i in range(dialog.values.count()):
            if dialog.values.item(i).text() in ("Close the CAF", "Step up to children's social care"):
                dialog.values.item(i).setCheckState(Qt.CheckState.Checked)
        dialog.accept()

    dialogs.expect(RuleDialog, show_when_closing_or_stepping_up)
    designer.rule_action.trigger()
    assert designer.draft.undo_label() == "Show “Reason for closure” by a rule"
    assert designer.findings.item(0).text().startswith("No problems")
    assert designer.preview is not None
    view = designer.preview
    view.build_all()
    view.set_current_section(len(view.definition.sections) - 1)  # Next steps and outcome

    def reason_shown() -> bool:  # found again each time: a new value may build new widgets
        reason = view.findChild(QWidget, "/outcome/reason_for_closure")
        return reason is not None and reason.isVisibleTo(view)

    view.set_value({"outcome": {"decision": "continue"}})
    qtbot.waitUntil(lambda: not reason_shown(), timeout=3000)
    view.set_value({"outcome": {"decision": "step_up"}})  # shown for the new second choice too
    qtbot.waitUntil(reason_shown, timeout=3000)


def test_the_json_view_is_kept_in_step_and_a_bad_edit_there_is_named(qtbot: Any) -> None:
    from caf_desktop.formengine.drafting import Draft

    designer = DesignerWindow(Draft(shipped_catalogue().get("tac-review", "1.0.0")))
    qtbot.addWidget(designer)
    designer.show()
    text = designer.json_view.toPlainText()
    assert '"title": "What has changed for the child since the last review?"' in text
    designer.json_view.setPlainText(
        text.replace("What has changed for the child since the last review?", "What is different?")
    )
    designer.apply_json_button.click()
    assert designer.draft.raw["schema"]["properties"]["what_changed"]["title"] == "What is different?"
    assert outline_item(designer, "(what_changed)").text(0).startswith("What is different?")
    designer.undo_action.trigger()
    assert designer.draft.raw["schema"]["properties"]["what_changed"]["title"].startswith("What has changed")

    designer.json_view.setPlainText(text.replace('"/notes"', '"/nowhere"'))
    designer.apply_json_button.click()  # valid JSON, but the layout names a field that is not there
    flagged = outline_item(designer, "(nowhere)")
    assert flagged.text(0).startswith("⚠")
    assert "is not a field of this form" in flagged.toolTip(0)
    assert designer.preview is None
    assert not designer.publish_action.isEnabled()

    designer.json_view.setPlainText("{not json")
    designer.apply_json_button.click()
    assert designer.message.text().startswith("Not changed: The JSON is not valid at line 1")


def test_a_designer_test_fills_the_preview_with_the_complete_check(qtbot: Any) -> None:
    from caf_desktop.formengine.drafting import Draft

    designer = DesignerWindow(Draft(shipped_catalogue().get("tac-review", "1.0.0")))
    qtbot.addWidget(designer)
    designer.show()
    designer.try_button.click()
    assert "before marking complete" in designer.try_result.text()
    assert designer.preview is not None
    designer.preview.set_value(
        json.loads((EXAMPLES / "tac-review" / "full.json").read_text(encoding="utf-8"))
    )
    designer.try_button.click()
    assert designer.try_result.text().startswith("Complete: nothing missing.")
