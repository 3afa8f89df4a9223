"""The welcome and unlock dialogs as a person sees them: every sentence whole, and no stale problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from caf_desktop.gui.shared.store_dialogs import UnlockDialog, WelcomeDialog
from caf_desktop.store.store import Profile, Store
from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QWidget

PASSPHRASE = "correct horse battery staple"


def shown(dialog: QDialog, qtbot: Any) -> None:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)


def whole(label: QLabel, dialog: QDialog) -> bool:
    """The label has the height its words need at its width, all of it inside the dialog, and no other
    part of the dialog lies over it (a squeezed row paints the next one over the sentence's lines)."""
    QApplication.processEvents()  # the layout settles as a person would see it
    layout = dialog.layout()
    if dialog.height() < layout.totalHeightForWidth(dialog.width()):
        return False  # squeezed: Qt paints rows over each other and cuts the last one short
    area = QRect(label.mapTo(dialog, QPoint(0, 0)), label.size())
    others = [
        QRect(w.mapTo(dialog, QPoint(0, 0)), w.size())
        for w in dialog.findChildren(QWidget)
        if w is not label and w.isVisible() and w.parentWidget() is dialog
    ]
    return (
        label.height() >= label.heightForWidth(label.width())
        and dialog.rect().contains(area)
        and not any(area.intersects(other) for other in others)
    )


def test_the_strength_hint_and_the_problem_are_never_cut_off(tmp_path: Path, qtbot: Any) -> None:
    dialog = WelcomeDialog(tmp_path / "home", kdf_cost=2**12)
    shown(dialog, qtbot)
    dialog.name.setText("Bea Practitioner")
    qtbot.keyClicks(dialog.passphrase, "short")
    dialog.create()
    assert dialog.strength.text().startswith("Strength: Too short")
    assert dialog.problem.text().startswith("Too short")
    assert whole(dialog.strength, dialog)
    assert whole(dialog.problem, dialog)


def test_too_short_goes_once_the_passphrase_is_long_enough(tmp_path: Path, qtbot: Any) -> None:
    dialog = WelcomeDialog(tmp_path / "home", kdf_cost=2**12)
    shown(dialog, qtbot)
    dialog.name.setText("Bea Practitioner")
    qtbot.keyClicks(dialog.passphrase, "short")
    dialog.create()
    assert dialog.problem.text().startswith("Too short")
    qtbot.keyClicks(dialog.passphrase, " and now long enough")
    assert dialog.problem.text() == ""
    assert "Too short" not in dialog.strength.text()
    assert dialog.passphrase.accessibleDescription() == dialog.strength.text()  # a screen reader hears it


def test_a_problem_about_the_name_stays_until_the_name_is_typed(tmp_path: Path, qtbot: Any) -> None:
    dialog = WelcomeDialog(tmp_path / "home", kdf_cost=2**12)
    shown(dialog, qtbot)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    dialog.create()
    assert dialog.problem.text() == "Enter your name: it is recorded with everything you do."
    qtbot.keyClicks(dialog.confirmation, PASSPHRASE)
    assert dialog.problem.text() != ""  # still true: the name is still missing
    qtbot.keyClicks(dialog.name, "Bea")
    assert dialog.problem.text() == ""


def test_the_unlock_problem_is_shown_whole(tmp_path: Path, qtbot: Any) -> None:
    Store.create(
        tmp_path / "home", PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    ).close()
    dialog = UnlockDialog(tmp_path / "home")
    shown(dialog, qtbot)
    dialog.passphrase.setText("not the passphrase")
    dialog.unlock()
    assert dialog.problem.text() == "That passphrase is not right. Check Caps Lock and try again."
    assert whole(dialog.problem, dialog)


def test_records_without_their_key_file_open_the_unlock_dialog_which_says_what_is_missing(
    tmp_path: Path, qtbot: Any, dialogs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not the welcome, which would offer to make a new store over the records (issue 12)."""
    from caf_desktop.common import paths
    from caf_desktop.gui.app import open_store_interactively

    home = tmp_path / "home"
    Store.create(
        home, PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    ).close()
    (home / "caf.key").unlink()
    monkeypatch.setenv("CAF_DESKTOP_HOME", str(home))
    paths.set_home(None)
    seen: list[str] = []

    def answer(dialog: UnlockDialog) -> None:
        dialog.passphrase.setText(PASSPHRASE)
        dialog.unlock()
        seen.append(dialog.problem.text())
        assert whole(dialog.problem, dialog)
        dialog.reject()

    dialogs.expect(UnlockDialog, answer)

    assert open_store_interactively() is None
    assert len(seen) == 1
    assert "key file caf.key is missing" in seen[0]
    assert "backup" in seen[0]
    assert not (home / "caf.key").exists()
