"""Run as a separate process by the kill test: opens a record in the real window and types into it,
one character every 40 ms, printing each character's time, until it is killed."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    home, passphrase, record_id, pointer = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    from caf_desktop.common import paths
    from caf_desktop.gui.app import make_application
    from caf_desktop.gui.records.window import RecordsWindow
    from caf_desktop.store.store import Store
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtGui import QTextCursor
    from PySide6.QtTest import QTest

    paths.set_home(home)
    app = make_application([sys.argv[0]])
    window = RecordsWindow(Store.open(home, passphrase))
    window.show()
    view = window.open_record(record_id)
    assert view is not None
    view.go_to(pointer)
    box = view.editor(pointer).focus_widget()  # type: ignore[union-attr]
    box.moveCursor(QTextCursor.MoveOperation.End)  # type: ignore[attr-defined]  # carry on where the text ends
    letters = iter("abcdefghijklmnopqrstuvwxyz" * 100)

    def type_one() -> None:
        letter = next(letters)
        QTest.keyClick(box, letter, Qt.KeyboardModifier.NoModifier)
        print(f"{letter} {time.time():.4f}", flush=True)

    timer = QTimer()
    timer.setInterval(40)
    timer.timeout.connect(type_one)
    timer.start()
    print("ready", flush=True)
    app.exec()


if __name__ == "__main__":
    main()
