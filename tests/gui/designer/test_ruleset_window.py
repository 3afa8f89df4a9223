"""The threshold guidance editor, as a coordinator would use it: real widgets and dialogs, offscreen."""

from __future__ import annotations

import stat
from typing import Any

from caf_desktop.common import paths
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.formengine.drafting import Draft
from caf_desktop.gui.designer.ruleset_window import RulesetWindow
from caf_desktop.gui.designer.window import DesignerWindow
from caf_desktop.practice import thresholds
from PySide6.QtWidgets import QInputDialog

from tests.gui.modal import ModalDialogs


def test_a_coordinator_moves_an_indicator_sets_its_pathway_and_an_interval_then_publishes(
    qtbot: Any, dialogs: ModalDialogs
) -> None:
    designer = DesignerWindow(Draft(shipped_catalogue().get("caf-assessment")))
    qtbot.addWidget(designer)
    designer.ruleset_action.trigger()  # File > Edit the threshold guidance
    editor = designer.ruleset_editor
    assert isinstance(editor, RulesetWindow)
    assert editor.windowTitle().endswith("1.2.0 (draft) — Threshold guidance editor")

    editor.select("learning.l3.persistent_absence")
    assert editor.id_label.text() == "learning.l3.persistent_absence"
    assert not editor.pathway.isEnabled()  # a pathway is for level 4 only

    def to_level_4(dialog: QInputDialog) -> None:
        dialog.setTextValue("Level 4")
        dialog.accept()

    dialogs.expect(QInputDialog, to_level_4)
    editor.move_action.trigger()
    assert editor.id_label.text() == "learning.l4.persistent_absence"
    assert editor.pathway.isEnabled()
    assert editor.pathway.currentData() == "child_protection"  # when in doubt
    editor.pathway.setCurrentIndex(editor.pathway.findData("child_in_need"))
    editor.pathway.activated.emit(editor.pathway.currentIndex())
    assert not editor.retire_action.isEnabled()  # a level-4 indicator is never retired

    editor.intervals["oversight_days"].setValue(60)
    editor.intervals["oversight_days"].editingFinished.emit()
    editor.undo_action.trigger()
    assert editor.intervals["oversight_days"].value() == 90
    editor.redo_action.trigger()
    assert editor.intervals["oversight_days"].value() == 60

    assert editor.findings.item(0).text() == "No problems."
    editor.publish_button.click()
    published = paths.user_forms_dir() / "thresholds" / "caf-continuum" / "1.2.0.json"
    assert not published.stat().st_mode & stat.S_IWUSR
    guidance = thresholds.ruleset("caf-continuum")  # every record now reads the new version
    assert guidance.version == "1.2.0"
    assert guidance.intervals.oversight_days == 60
    result = thresholds.evaluate(guidance, ["learning.l3.persistent_absence"])  # an old record's tick
    assert (result.level, result.pathway, result.safeguarding) == (4, "child_in_need", False)
    assert "Published 1.2.0" in editor.message.text()
