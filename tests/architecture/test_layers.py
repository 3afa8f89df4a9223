"""The rooms and their arrows (docs/architecture.md) hold: checked by the tool, and shown failing.

import-linter's contracts live in pyproject.toml; `.ci/run` runs `lint-imports` too. The other rules of
the house (private names stay in their module, long modules say why, every room says what it owns) are
not import-linter's, so they are checked here from the source.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "caf_desktop"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
LONG_MODULE_LINES = 800
LONG_MODULE_REASON = "Why this module is over 800 lines:"
ROOMS = ["common", "formengine", "practice", "trust", "store", "sync", "paper", "demo", "cli", "gui"]


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def product_modules() -> list[tuple[str, Path]]:
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules.append((name, path))
    return modules


def test_the_contracts_hold_for_the_tree_as_it_is() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "forbidden_import", "complaint"),
    [
        (
            "store/models.py",
            "import caf_desktop.sync.bundles",
            "caf_desktop.store is not allowed to import caf_desktop.sync",
        ),
        (
            "formengine/pointers.py",
            "import caf_desktop.store.store",
            "caf_desktop.formengine is not allowed to import caf_desktop.store",
        ),
        (
            "cli/__init__.py",
            "import caf_desktop.gui.app",
            "caf_desktop.cli is not allowed to import caf_desktop.gui",
        ),
        (
            "practice/drift.py",
            "import PySide6.QtCore",
            "caf_desktop.practice is not allowed to import PySide6",
        ),
        (
            "common/atomic.py",
            "def later():\n    import caf_desktop.common.paths",
            "No cycles are allowed in caf_desktop.common",
        ),
    ],
)
def test_a_forbidden_import_breaks_the_contract(
    tmp_path: Path, module: str, forbidden_import: str, complaint: str
) -> None:
    """The same check, on a copy of the package with one import the map forbids (a lazy one for the circle)."""
    shutil.copytree(PACKAGE, tmp_path / "caf_desktop", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    if module == "common/atomic.py":  # paths must import atomic for the lazy import back to close a circle
        with (tmp_path / "caf_desktop/common/paths.py").open("a") as paths:
            paths.write("\nimport caf_desktop.common.atomic\n")
    with (tmp_path / "caf_desktop" / module).open("a") as source:
        source.write(f"\n{forbidden_import}\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    assert complaint in result.stdout


def test_a_leading_underscore_means_this_module_only() -> None:
    crossings = []
    for name, path in product_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("caf_desktop"):
                crossings += [
                    f"{name}:{node.lineno} takes {alias.name} from {node.module}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert crossings == []


def test_a_module_over_800_lines_says_why_at_its_top() -> None:
    unexplained = []
    for name, path in product_modules():
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > LONG_MODULE_LINES:
            docstring = ast.get_docstring(ast.parse(source)) or ""
            if LONG_MODULE_REASON not in docstring:
                unexplained.append(f"{name}: {len(source.splitlines())} lines")
    assert unexplained == []


def test_every_room_and_module_opens_with_what_it_is_for() -> None:
    silent = [
        name
        for name, path in product_modules()
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        and path.name != "__init__.py"
        and "migrations" not in path.parts
    ]
    rooms_silent = [
        room
        for room in ROOMS
        if not ast.get_docstring(ast.parse((PACKAGE / room / "__init__.py").read_text()))
    ]
    assert (silent, rooms_silent) == ([], [])


def test_the_readme_layout_table_names_every_room() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    architecture = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for room in ROOMS:
        assert f"`caf_desktop/{room}/`" in readme
        assert f"caf_desktop/{room}/" in architecture
    on_disk = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert on_disk - {"schemas", "__pycache__"} == set(ROOMS)
