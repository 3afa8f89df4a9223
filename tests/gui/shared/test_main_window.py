"""The main window: start a form, save and open JSON without losing anything, remember the layout."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.shared import main_window
from caf_desktop.gui.shared.main_window import MainWindow, guess_form
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.conftest import EXAMPLES


@pytest.fixture
def window(qtbot: Any) -> Iterator[MainWindow]:
    shown = MainWindow()
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    # Not left to pytest-qt: closing a window with changes asks first, and tests answer no questions late.
    if shown.view is not None:
        shown.view.document.modified = False
    shown.close()
    shown.deleteLater()


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Message boxes answer Ok / Discard and record what they said."""
    said: list[tuple[str, str]] = []

    def warning(parent: Any, title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
        said.append((title, text))
        return QMessageBox.StandardButton.Ok

    def question(parent: Any, title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
        said.append((title, text))
        return QMessageBox.StandardButton.Discard

    monkeypatch.setattr(QMessageBox, "warning", warning)
    monkeypatch.setattr(QMessageBox, "question", question)
    monkeypatch.setattr(QMessageBox, "information", warning)
    return said


def test_the_start_page_lists_the_forms_and_starts_one(window: MainWindow, qtbot: Any) -> None:
    forms = window.start_page.forms
    titles = [forms.item(i).text().split("\n")[0] for i in range(forms.count())]
    assert "Common Assessment Framework (CAF) assessment" in titles
    forms.setCurrentRow(titles.index("TAC review"))
    forms.itemActivated.emit(forms.currentItem())
    assert window.view is not None
    assert window.view.definition.id == "tac-review"
    assert window.windowTitle() == "Not saved — TAC review — CAF Desktop"


def test_save_as_writes_the_document_whole_and_warns_about_personal_data(
    window: MainWindow,
    qtbot: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    answers: list[tuple[str, str]],
) -> None:
    view = window.new_form(shipped_catalogue().get("tac-review"))
    qtbot.keyClicks(view.editor("/child/given_names").focus_widget(), "Ada")  # type: ignore[union-attr]
    target = tmp_path / "review"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "JSON files (*.json)")
    )
    assert window.windowTitle() == "Not saved* — TAC review — CAF Desktop"
    assert window.save_as()
    saved = tmp_path / "review.json"
    assert json.loads(saved.read_text(encoding="utf-8")) == {"child": {"given_names": "Ada"}}
    assert [p.name for p in tmp_path.iterdir()] == ["review.json"]  # no temporary files left behind
    assert answers[0] == ("Personal data", main_window.PERSONAL_DATA_WARNING)
    assert window.windowTitle() == "review.json — TAC review — CAF Desktop"


def test_ctrl_s_saves_to_the_same_file(
    window: MainWindow, qtbot: Any, tmp_path: Path, answers: list[tuple[str, str]]
) -> None:
    path = tmp_path / "meeting.json"
    path.write_text("{}", encoding="utf-8")
    view = window.open_path(path, shipped_catalogue().get("tac-meeting"))
    assert view is not None
    line = view.editor("/meeting/location").focus_widget()  # type: ignore[union-attr]
    line.setFocus()
    qtbot.keyClicks(line, "Family room")
    qtbot.keyClick(line, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert json.loads(path.read_text(encoding="utf-8")) == {"meeting": {"location": "Family room"}}


def test_a_failed_save_says_why_and_leaves_no_file(
    window: MainWindow, tmp_path: Path, answers: list[tuple[str, str]]
) -> None:
    window.new_form(shipped_catalogue().get("tac-review"), {"notes": "kept"})
    target = tmp_path / "no-such-folder" / "review.json"
    assert not window.save_to(target)
    title, text = answers[-1]
    assert title == "Not saved"
    assert text.startswith(f"The form could not be saved to {target}: ")
    assert "Traceback" not in text
    assert not target.parent.exists()
    assert window.view is not None
    assert window.view.value() == {"notes": "kept"}  # nothing lost


def test_opening_a_file_that_is_not_json_says_so_plainly(
    window: MainWindow, tmp_path: Path, answers: list[tuple[str, str]]
) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"child": ', encoding="utf-8")
    assert window.open_path(broken, shipped_catalogue().get("caf-assessment")) is None
    assert answers[-1] == (
        "Cannot open the file",
        f"{broken}: this is not valid JSON: the file ends before the JSON does (is it cut short?) at line 1, column 11. Correct the file, or export it again.",
    )
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    assert window.open_path(listed, shipped_catalogue().get("caf-assessment")) is None
    assert answers[-1] == (
        "Cannot open the file",
        "list.json does not hold the answers of a form (it is not a JSON object).",
    )
    assert window.view is None


def test_opening_a_saved_example_guesses_its_form(tmp_path: Path) -> None:
    for path in EXAMPLES.glob("*/full.json"):
        guessed = guess_form(json.loads(path.read_text(encoding="utf-8")))
        assert guessed is not None
        assert guessed.id == path.parent.name


def test_unsaved_changes_are_not_lost_without_asking(
    window: MainWindow, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = window.new_form(shipped_catalogue().get("tac-review"))
    qtbot.keyClicks(view.editor("/child/given_names").focus_widget(), "Ada")  # type: ignore[union-attr]
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Cancel)
    window.close()
    assert window.isVisible()
    assert window.view is view
    monkeypatch.setattr(QMessageBox, "question", lambda *args: QMessageBox.StandardButton.Discard)
    window.close()
    assert not window.isVisible()


def test_undo_and_redo_from_the_edit_menu(window: MainWindow, qtbot: Any) -> None:
    view = window.new_form(shipped_catalogue().get("tac-review"))
    assert not window.undo_action.isEnabled()
    qtbot.keyClicks(view.editor("/child/given_names").focus_widget(), "Ada")  # type: ignore[union-attr]
    assert window.undo_action.isEnabled()
    window.undo_action.trigger()
    assert view.value() == {}
    assert window.redo_action.isEnabled()
    window.redo_action.trigger()
    assert view.value() == {"child": {"given_names": "Ada"}}


def test_the_window_remembers_its_size(qtbot: Any, private_home: Path) -> None:
    first = MainWindow()
    qtbot.addWidget(first)
    first.resize(700, 500)  # inside the offscreen screen (800x600), which restoreGeometry respects
    first.show()
    qtbot.waitExposed(first)
    first.close()
    assert (private_home / "settings.ini").exists()
    second = MainWindow()
    qtbot.addWidget(second)
    assert (second.width(), second.height()) == (700, 500)


def test_mark_complete_reports_what_is_missing(window: MainWindow, answers: list[tuple[str, str]]) -> None:
    window.new_form(shipped_catalogue().get("caf-closure"))
    window.complete_action.trigger()
    assert window.statusBar().currentMessage().startswith("Not complete yet: ")
    window.new_form(
        shipped_catalogue().get("caf-closure"),
        json.loads((EXAMPLES / "caf-closure" / "full-1.1.0.json").read_text(encoding="utf-8")),
    )
    window.complete_action.trigger()
    assert answers[-1][0] == "Complete"
