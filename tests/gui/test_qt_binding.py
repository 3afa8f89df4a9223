"""The Qt binding itself must be sound: PySide6 6.12.0 lost a reference to None on every call that
returns nothing, and on Python 3.11 the process then aborts after a few thousand calls."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QWidget


def test_qt_calls_that_return_nothing_keep_none_alive(qtbot: object) -> None:
    widget = QWidget()
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.setEnabled(True)
    # On Python 3.12+ None is immortal and its count never moves; on 3.11 it must not fall.
    assert sys.getrefcount(None) >= before - 50
