"""GUI fixtures: a FormView over a real definition, shown and active on the offscreen platform."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from caf_desktop.gui.form.view import FormView
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from tests.gui import modal
from tests.gui.modal import dialogs  # noqa: F401 - the fixture, for every GUI test

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def no_unexpected_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal dialog nobody answers would hang the suite: unless a test answers it, it fails the test.
    A dialog a test expects (the `dialogs` fixture, tests/gui/modal.py) runs for real."""
    from PySide6.QtWidgets import QDialog, QFileDialog, QMessageBox

    def refuse(*args: Any, **kwargs: Any) -> Any:
        texts = [a for a in args if isinstance(a, str)]
        raise AssertionError(f"an unexpected dialog opened: {texts[:2]}")

    real_exec = QDialog.exec

    def exec_if_expected(dialog: QDialog) -> int:
        if not modal.expecting():
            raise AssertionError(f"an unexpected dialog opened: {[dialog.windowTitle()]}")
        return int(real_exec(dialog))

    for name in ("question", "warning", "information", "critical", "about"):
        monkeypatch.setattr(QMessageBox, name, refuse)
    monkeypatch.setattr(QMessageBox, "exec", refuse)
    monkeypatch.setattr(QDialog, "exec", exec_if_expected)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", refuse)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", refuse)


@pytest.fixture
def show(qtbot: Any) -> Callable[[FormView], FormView]:
    """Shows a view as a person would see it: a real, active window at laptop size."""

    def shown(view: FormView) -> FormView:
        qtbot.addWidget(view)
        view.resize(1366, 768)
        view.show()
        qtbot.waitExposed(view)
        with qtbot.waitActive(view):
            view.activateWindow()
        return view

    return shown


def focused() -> QWidget | None:
    return QApplication.focusWidget()


def type_text(qtbot: Any, widget: QWidget, text: str) -> None:
    """Types like a keyboard: keyClicks for ASCII, one key event per character for anything else
    (PySide6 6.12's keyClicks aborts on non-ASCII)."""
    from PySide6.QtTest import QTest

    for character in text:
        if character.isascii():
            qtbot.keyClicks(widget, character)
        else:
            QTest.sendKeyEvent(
                QTest.KeyAction.Click, widget, Qt.Key.Key_unknown, character, Qt.KeyboardModifier.NoModifier
            )


def show_records_window(store: Any, qtbot: Any) -> Any:
    """The app's main window over a store, shown at laptop size (the caller closes it)."""
    from caf_desktop.gui.records.window import RecordsWindow

    window = RecordsWindow(store)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def window(store: Any, qtbot: Any) -> Iterator[Any]:
    """The main window over the module's `store` fixture, shown at laptop size; closed after."""
    shown = show_records_window(store, qtbot)
    yield shown
    shown.close()
    shown.deleteLater()
