"""Dialogs that open at the size the user last gave them (a coordinator settling twenty conflicts
should not have to widen the side-by-side view twenty times)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray
from PySide6.QtWidgets import QDialog


def remember_size(dialog: QDialog, key: str, default: tuple[int, int]) -> None:
    """Sizes `dialog` as it was when last closed (else `default`), and keeps its size when it closes.
    The size is kept in the home folder's settings.ini, under `dialogs/KEY`; a size from a bigger
    screen is brought back onto this one by Qt."""
    from caf_desktop.gui.shared.main_window import settings  # noqa: PLC0415 - the window module imports dialogs

    dialog.resize(*default)
    stored = settings().value(f"dialogs/{key}")
    if isinstance(stored, QByteArray):
        dialog.restoreGeometry(stored)

    def keep(_result: int) -> None:
        kept = settings()
        kept.setValue(f"dialogs/{key}", dialog.saveGeometry())
        kept.sync()

    dialog.finished.connect(keep)
