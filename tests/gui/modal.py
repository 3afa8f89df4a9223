"""Answering real modal dialogs: the dialog is opened for real and closed from a QTimer.

A test says which dialogs it expects, in order, and what a person does in each:

    def test_cancel(window, dialogs):
        dialogs.expect(ExportPdfDialog, lambda dialog: dialog.reject())
        pdf_actions.export_pdf(window)

`dialogs.expect` queues the answer; while anything is queued, `QDialog.exec` runs for real (the
autouse guard in conftest.py refuses every dialog nobody expects). A timer looks for the active modal
widget every few milliseconds; when it is up, it is checked to be of the expected kind and handed to
the answer, which must close it (a dialog left open is closed and fails the test, so nothing hangs).
An answer may open a dialog inside the dialog (Print in a print preview opens the print dialog): the
next expectation answers that one while the first answer is still running. A dialog that crashes
kills the process, which pytest-xdist reports as a failed test.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialog, QProgressDialog, QWidget

W = TypeVar("W", bound=QWidget)

POLL_MS = 20
TIMEOUT_S = 30.0  # rendering a PDF on a busy two-core machine can take a few seconds


@dataclass
class _Expected:
    kind: type[QWidget]
    answer: Callable[[Any], None]
    deadline: float | None = None


@dataclass
class ModalDialogs:
    """The dialogs a test expects, in order, each with its answer; `answered` are those seen."""

    queue: list[_Expected] = field(default_factory=list)
    answered: list[QWidget] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _handled: set[int] = field(default_factory=set)
    _polling: bool = False

    def expect(self, kind: type[W], answer: Callable[[W], None]) -> None:
        """The next modal dialog to open is a `kind`; `answer` does what a person would, and closes it."""
        self.queue.append(_Expected(kind, answer))
        if not self._polling:
            self._polling = True
            QTimer.singleShot(POLL_MS, self._poll)

    @property
    def expecting(self) -> bool:
        return bool(self.queue)

    def _poll(self) -> None:
        if not self.queue:
            self._polling = False
            return
        # The next look is booked before answering: an answer that opens a dialog inside its own
        # dialog runs a nested event loop, and that dialog is answered from it.
        QTimer.singleShot(POLL_MS, self._poll)
        expected = self.queue[0]
        if expected.deadline is None:
            expected.deadline = time.monotonic() + TIMEOUT_S
        modal = QApplication.activeModalWidget()
        if isinstance(modal, QProgressDialog):
            modal = None  # shown while work runs, never exec'd: not a dialog a person answers
        if modal is None or not modal.isVisible() or id(modal) in self._handled:
            if time.monotonic() > expected.deadline:
                self.queue.clear()
                self._fail(f"no {expected.kind.__name__} opened within {TIMEOUT_S:g} s")
            return
        self.queue.pop(0)
        self._handled.add(id(modal))
        self.answered.append(modal)
        if not isinstance(modal, expected.kind):
            self._close(modal)
            self._fail(f"expected a {expected.kind.__name__} but a {type(modal).__name__} opened")
        try:
            expected.answer(modal)
        except BaseException:
            self._close(modal)
            raise
        finally:
            self._handled.discard(id(modal))
        if modal.isVisible():
            self._close(modal)
            self._fail(f"the {type(modal).__name__} was still open after its answer")

    def _close(self, modal: QWidget) -> None:
        if isinstance(modal, QDialog):
            modal.reject()
        else:
            modal.close()

    def _fail(self, problem: str) -> None:
        self.problems.append(problem)
        raise AssertionError(problem)  # pytest-qt fails the test with it


_current: ModalDialogs | None = None


def expecting() -> bool:
    """Whether a test has queued an answer for the next modal dialog (so it may run for real)."""
    return _current is not None and _current.expecting


@pytest.fixture
def dialogs(qtbot: Any) -> Iterator[ModalDialogs]:
    """Expect real modal dialogs and answer them; every one expected must have opened by the end."""
    global _current  # noqa: PLW0603 - the conftest guard asks whether a dialog is expected
    script = ModalDialogs()
    _current = script
    try:
        yield script
    finally:
        _current = None
        left = [expected.kind.__name__ for expected in script.queue]
        script.queue.clear()
    assert not left, f"expected dialogs that never opened: {left}"
    assert not script.problems, script.problems


def accept(dialog: QDialog) -> None:
    dialog.accept()


def reject(dialog: QDialog) -> None:
    dialog.reject()
