"""What a user sees on their terminal: only our sentences. No library warning, no complaint about a pipe
that was closed, and a fresh machine installs exactly the versions CI tested."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import tomllib
import warnings
from pathlib import Path

import pytest
from caf_desktop.common import library_warnings

from tests.conftest import EXAMPLES

ROOT = Path(__file__).parents[2]
CAF_FULL = EXAMPLES / "caf-assessment" / "full.json"


def caf_desktop(*args: str | Path, home: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """The real command in a new process, with Python's default warning filters (as a user has)."""
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    environment["CAF_DESKTOP_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "caf_desktop", *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        env=environment,
        **kwargs,  # type: ignore[call-overload]
    )


def test_printing_and_verifying_print_no_library_warning(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "visit.pdf"
    printed = caf_desktop("pdf", CAF_FULL, "--form", "caf-assessment", "--out", out, home=home)
    assert printed.returncode == 0, printed.stderr
    assert printed.stderr == ""
    verified = caf_desktop("pdf-verify", out, home=home)  # loads pyHanko, which imports cryptography's DSA
    assert verified.returncode == 1
    assert (
        verified.stderr
        == f"{out} has no digital signatures: nothing in it shows who made it or that it is unchanged.\n"
    )


def test_a_warning_goes_to_the_log_of_the_home_not_the_terminal(
    private_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        library_warnings.send_to_log()
        warnings.warn("a library changed its mind", UserWarning, stacklevel=1)
    assert capsys.readouterr().err == ""
    assert "UserWarning: a library changed its mind" in library_warnings.log_path().read_text(
        encoding="utf-8"
    )


def test_a_warning_never_makes_a_home_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "not-yet"
    monkeypatch.setenv("CAF_DESKTOP_HOME", str(missing))
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        library_warnings.send_to_log()
        warnings.warn("before init", UserWarning, stacklevel=1)
    assert not missing.exists()


def test_a_closed_pipe_ends_the_command_quietly(tmp_path: Path) -> None:
    """`caf-desktop thresholds list | head -1`: the reader goes away before we finish writing."""
    environment = {**os.environ, "CAF_DESKTOP_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "caf_desktop", "thresholds", "list"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    assert process.stdout is not None
    assert process.stderr is not None
    process.stdout.close()  # before the child has written a byte
    with process.stderr:
        error = process.stderr.read().decode()
    status = process.wait(timeout=60)
    assert error == ""
    assert status == 141
    assert not (tmp_path / "logs" / "errors.log").exists()


def test_a_closed_pipe_after_some_lines_is_quiet_too(tmp_path: Path) -> None:
    result = subprocess.run(  # noqa: S602 - the user's own pipeline, as they type it
        f"'{sys.executable}' -m caf_desktop thresholds list | head -1",
        shell=True,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "CAF_DESKTOP_HOME": str(tmp_path)},
    )
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 1


# --- the pinned set --------------------------------------------------------------------------------------


def pinned() -> dict[str, str]:
    found = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            found[name.lower().replace("_", "-")] = version
    return found


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9_.-]+", requirement)
    assert match is not None
    return match.group().lower().replace("_", "-")


def test_every_dependency_and_test_tool_is_pinned() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    unpinned = {requirement_name(r) for r in wanted} - pinned().keys()
    assert not unpinned, f"not in constraints.txt: {sorted(unpinned)}"


def test_the_readme_commands_and_ci_install_from_the_pins() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    installs = re.findall(r"pip install [^&\n]*", readme.split("## The command line")[0]) + re.findall(
        r"pip install [^&\n]*", ci
    )
    assert len(installs) >= 4
    for command in installs:
        assert "-c constraints.txt" in command, command


def test_the_readme_apt_line_names_every_system_package_ci_installs() -> None:
    """A newcomer following the README on a bare Debian machine gets every library Qt needs (a missing
    libxcb-cursor0 or libglib2.0-0 stops Qt before the first window)."""
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    [listed] = re.findall(r"apt_packages=\(([^)]*)\)", ci)
    [apt_line] = re.findall(r"`apt-get install ([^`]*)`", readme)
    assert sorted(apt_line.split()) == sorted(listed.split())


def test_every_folder_the_readme_layout_names_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout of the repository")[1]
    folders = re.findall(r"^\| `([^`]+)/` \|", layout, flags=re.MULTILINE)
    assert len(folders) >= 6
    assert [f for f in folders if not (ROOT / f).is_dir()] == []


def test_the_desktop_window_keeps_qts_notes_off_the_terminal(tmp_path: Path) -> None:
    """The app's first window on the offscreen platform makes Qt note that it "does not support
    propagateSizeHints()": a practitioner's terminal never shows it; the home's log keeps it."""
    home = tmp_path / "home"
    home.mkdir()
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    environment.update(CAF_DESKTOP_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    process = subprocess.Popen(
        [sys.executable, "-m", "caf_desktop"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
    )
    log = home / "logs" / library_warnings.WARNINGS_LOG
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (log.exists() and "Qt" in log.read_text(encoding="utf-8")):
            time.sleep(0.2)
    finally:
        process.kill()
        out, err = process.communicate(timeout=30)
    assert "Qt " in log.read_text(encoding="utf-8")  # the Welcome dialog was up and Qt said its piece
    assert err.decode() == ""
    assert out.decode() == ""
