"""Shared fixtures: every test runs with its own home folder and, for Qt, the offscreen platform."""

from __future__ import annotations

import io
import json
import os
import re
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


# Examples are named after the form version they were written for: `full.json` is a document of
# version 1.0.0 of its form (the folder), `full-1.1.0.json` one of version 1.1.0. Published versions
# never change, and neither do their examples.
_VERSIONED = re.compile(r"^(?P<name>.+)-(?P<version>\d+\.\d+\.\d+)$")


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*/*.json"))


def example_version(path: Path) -> str:
    """The form version an example file was written for (`full-1.1.0.json`: 1.1.0; `full.json`: 1.0.0)."""
    found = _VERSIONED.match(path.stem)
    return found["version"] if found else "1.0.0"


def example_name(path: Path) -> str:
    """An example file's name without its version (`full-1.1.0.json`: full)."""
    found = _VERSIONED.match(path.stem)
    return found["name"] if found else path.stem


def example_path(form_id: str, name: str = "full", version: str | None = None) -> Path:
    """The example file `name` of `form_id` for `version`, or, without one, for the newest version of
    the form that has such an example (what a new record is made with)."""
    candidates = [p for p in (EXAMPLES / form_id).glob("*.json") if example_name(p) == name]
    if version is not None:
        candidates = [p for p in candidates if example_version(p) == version]
    if not candidates:
        raise FileNotFoundError(f"no example {name!r} of {form_id} {version or ''}".strip())
    return max(candidates, key=lambda p: tuple(int(n) for n in example_version(p).split(".")))


def example(form_id: str, name: str = "full", version: str | None = None) -> dict[str, Any]:
    """A fictional filled example of a shipped form, a fresh copy: of `version` (for example "1.0.0"),
    or of the newest version that has one (the shape a new record takes)."""
    loaded: dict[str, Any] = json.loads(example_path(form_id, name, version).read_text(encoding="utf-8"))
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
