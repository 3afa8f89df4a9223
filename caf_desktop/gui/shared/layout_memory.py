"""The user's settings file, and dialogs that open at the size the user last gave them (a coordinator
settling twenty conflicts should not have to widen the side-by-side view twenty times)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QDialog

from caf_desktop.common import paths


def settings() -> QSettings:
    """Window layout and preferences, kept in the user's home folder (not the registry)."""
    folder = paths.home()
    folder.mkdir(parents=True, exist_ok=True)
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


def remember_size(dialog: QDialog, key: str, default: tuple[int, int]) -> None:
    """Sizes `dialog` as it was when last closed (else `default`), and keeps its size when it closes.
    The size is kept in the home folder's settings.ini, under `dialogs/KEY`; a size from a bigger
    screen is brought back onto this one by Qt."""
    dialog.resize(*default)
    stored = settings().value(f"dialogs/{key}")
    if isinstance(stored, QByteArray):
        dialog.restoreGeometry(stored)

    def keep(_result: int) -> None:
        kept = settings()
        kept.setValue(f"dialogs/{key}", dialog.saveGeometry())
        kept.sync()

    dialog.finished.connect(keep)
