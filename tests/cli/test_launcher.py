"""The launcher: `caf-desktop` alone opens the window, a command runs on the command line."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from caf_desktop import launcher
from caf_desktop.cli import run


def test_no_command_calls_the_window_after_the_home_is_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caf_desktop.common import paths

    opened: list[Path] = []
    monkeypatch.setattr(launcher, "start_gui", lambda: opened.append(paths.home()) or 0)
    monkeypatch.setattr(sys, "argv", ["caf-desktop", "--home", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_request:
        launcher.main()
    assert exit_request.value.code == 0
    assert opened == [tmp_path]


def test_the_command_line_alone_never_opens_the_window() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run([], out, err) == 2
    assert "No command given" in err.getvalue()


def test_the_command_line_does_not_import_the_gui() -> None:
    program = (
        "import sys, caf_desktop.cli, caf_desktop.cli.entry\n"
        "print(sorted(m for m in sys.modules if m.startswith(('caf_desktop.gui', 'caf_desktop.launcher'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout


def test_the_designer_command_opens_the_designer_on_the_file(qtbot: object, tmp_path: Path) -> None:
    """`caf-desktop designer FILE` opens the real designer window over that file (its event loop runs
    and is ended from a timer, as a person closing it would)."""
    import argparse

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    form = Path(__file__).parents[2] / "forms" / "tac-review" / "1.0.0.json"
    seen: list[str] = []

    def look_then_close() -> None:
        seen.extend(w.windowTitle() for w in QApplication.topLevelWidgets() if w.isVisible())
        for widget in QApplication.topLevelWidgets():
            widget.close()
        QApplication.quit()

    QTimer.singleShot(300, look_then_close)
    assert launcher.open_window(argparse.Namespace(window="designer", file=str(form))) == 0
    assert "TAC review 1.0.1 (draft) — Form designer" in seen


def test_the_designer_is_a_window_the_command_line_alone_cannot_open() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["designer"], out, err) == 2
    assert "is a window of the app" in err.getvalue()
