"""The launcher: `caf-desktop` alone opens the window, a command runs on the command line."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

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


def test_the_designer_opens_on_the_file_it_is_given(qtbot: Any) -> None:
    from caf_desktop.gui.app import designer_window

    window = designer_window(str(Path(__file__).parents[2] / "forms" / "tac-review" / "1.0.0.json"))
    qtbot.addWidget(window)
    window.show()
    assert window.windowTitle() == "TAC review 1.0.1 (draft) — Form designer"


def test_the_designer_command_starts_the_app_and_refuses_a_file_that_is_not_a_form(tmp_path: Path) -> None:
    """The real command, in its own process: a bad file is a plain sentence and exit 2; a good one
    starts the window's event loop (still running after two seconds, then stopped)."""
    import os

    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CAF_DESKTOP_HOME": str(tmp_path / "home")}
    bad = tmp_path / "notes.json"
    bad.write_text("[1, 2]", encoding="utf-8")
    command = [sys.executable, "-m", "caf_desktop", "designer"]
    refused = subprocess.run(
        [*command, str(bad)], capture_output=True, text=True, env=environment, timeout=60, check=False
    )
    assert refused.returncode == 2
    assert "does not hold a form definition" in refused.stderr
    assert "Traceback" not in refused.stderr
    form = Path(__file__).parents[2] / "forms" / "tac-review" / "1.0.0.json"
    running = subprocess.Popen(
        [*command, str(form)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            running.wait(timeout=3)
    finally:
        running.terminate()
        _, err = running.communicate(timeout=30)
    assert "Traceback" not in err


def test_the_designer_is_a_window_the_command_line_alone_cannot_open() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run(["designer"], out, err) == 2
    assert "is a window of the app" in err.getvalue()
