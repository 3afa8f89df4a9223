"""Shared fixtures: every test runs with its own home folder and, for Qt, the offscreen platform."""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TESTS = Path(__file__).parent
EXAMPLES = TESTS / "examples"


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No test ever touches the real user's data folder."""
    from caf_desktop.common import paths

    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("CAF_DESKTOP_HOME", str(home))
    paths.set_home(None)
    yield home
    paths.set_home(None)


@dataclass
class CliResult:
    status: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    """Runs `caf-desktop ARGS` in-process (as `run()`), capturing stdout and stderr."""
    from caf_desktop.cli.entry import run

    def invoke(*args: str | os.PathLike[str]) -> CliResult:
        out, err = io.StringIO(), io.StringIO()
        status = run([str(a) for a in args], out, err)
        return CliResult(status, out.getvalue(), err.getvalue())

    return invoke


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*/*.json"))


def example(form_id: str, name: str = "full") -> dict[str, Any]:
    """A fictional filled example of a shipped form (tests/examples/FORM/NAME.json), a fresh copy."""
    loaded: dict[str, Any] = json.loads((EXAMPLES / form_id / f"{name}.json").read_text(encoding="utf-8"))
    return loaded


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def write_json(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def tool_missing(reason: str) -> NoReturn:
    """Skips the test with `reason`, or fails it when CAF_DESKTOP_REQUIRE_TOOLS is set (as CI does)."""
    if os.environ.get("CAF_DESKTOP_REQUIRE_TOOLS"):
        pytest.fail(f"{reason} (CAF_DESKTOP_REQUIRE_TOOLS is set, so this is an error)")
    pytest.skip(reason)


def require_tool(name: str) -> str:
    """The path of an external program the test needs (pdftotext, qpdf, ...); without it the test is
    skipped with a reason on a developer's machine, and fails in CI."""
    found = shutil.which(name)
    if found is None:
        tool_missing(f"{name} is not installed, so this test cannot run")
    return found
