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
from caf_desktop.store.core import SHARED_MACHINERY
from caf_desktop.store.store import Store

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


def where(path: Path) -> Path:
    """A file's path as the repository names it (or below its folder's parent, outside it)."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.relative_to(path.parents[1])


def private_imports(paths: list[Path]) -> list[str]:
    """Every `from caf_desktop... import _name` in these files."""
    crossings = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("caf_desktop"):
                crossings += [
                    f"{where(path)}:{node.lineno} takes {alias.name} from {node.module}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    return crossings


def test_a_leading_underscore_means_this_module_only() -> None:
    """Neither the package nor its tests and benchmarks import a name another module keeps to itself."""
    tests = sorted((ROOT / "tests").rglob("*.py")) + sorted((ROOT / "benchmarks").rglob("*.py"))
    assert private_imports([path for _, path in product_modules()] + tests) == []


def test_a_test_importing_a_private_name_is_found(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    test = tmp_path / "tests" / "test_reaching.py"
    test.write_text(
        "from caf_desktop.gui.form.qt_containers import RepeatEditor, _ItemCard\n", encoding="utf-8"
    )
    assert private_imports([test]) == [
        "tests/test_reaching.py:1 takes _ItemCard from caf_desktop.gui.form.qt_containers"
    ]


def own_private_members(tree: ast.Module) -> set[str]:
    """The underscore names a module gives its classes' objects: the methods and class attributes its
    classes define, and the attributes it assigns to `self` or `cls`."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(item.name)
                elif isinstance(item, ast.Assign | ast.AnnAssign):
                    targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                    names.update(t.id for t in targets if isinstance(t, ast.Name))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id in ("self", "cls")
        ):
            names.add(node.attr)
    return {name for name in names if name.startswith("_") and not name.startswith("__")}


def private_members_from_elsewhere(room: Path) -> list[str]:
    """Every `self._name` or `cls._name` (a call or not) in a module of the room (its subrooms too)
    where `_name` belongs to another module of the room, not to this one: a mixin or subclass reaching
    into a private method or attribute defined in another module."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(room.rglob("*.py"))}
    owners: dict[str, set[Path]] = {}
    for path, tree in trees.items():
        for name in own_private_members(tree):
            owners.setdefault(name, set()).add(path)
    crossings = []
    for path, tree in trees.items():
        own = own_private_members(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in ("self", "cls")
                and node.attr in owners.keys() - own
            ):
                where = ", ".join(sorted(str(p.relative_to(room.parent)) for p in owners[node.attr]))
                crossings.append(f"{path.relative_to(room.parent)}:{node.lineno} uses {node.attr} of {where}")
    return crossings


def test_a_method_or_attribute_with_a_leading_underscore_is_used_only_in_its_module() -> None:
    """Mixins and subclasses in other modules of a room use what their bases share under public
    names (docs/architecture.md): `self._name` belongs to the module that defines `_name`."""
    assert [crossing for room in ROOMS for crossing in private_members_from_elsewhere(PACKAGE / room)] == []


def test_a_mixin_reaching_into_a_private_method_of_another_module_is_found(tmp_path: Path) -> None:
    """The same check, on a copy of the store with one concern calling one of the core's own private
    methods again (and a private helper of its own, which is fine)."""
    shutil.copytree(PACKAGE / "store", tmp_path / "store", ignore=shutil.ignore_patterns("__pycache__"))
    with (tmp_path / "store" / "records.py").open("a") as records:
        records.write(
            "\n\nclass Reaching(RecordsMixin):\n"
            "    def _own(self) -> None:\n        pass\n\n"
            "    def reach(self) -> str:\n        self._own()\n        return self._anchor_mac('head')\n"
        )
    crossings = private_members_from_elsewhere(tmp_path / "store")
    assert len(crossings) == 1, crossings
    assert "store/records.py" in crossings[0]
    assert "uses _anchor_mac of store/core.py" in crossings[0]


def test_the_store_s_shared_machinery_is_called_only_inside_the_store() -> None:
    """The store's concerns share some methods under public names (`store.core.SHARED_MACHINERY`); they
    are not the store's API, so no other room, benchmark or test but the store's own calls them."""
    assert [
        name for name in sorted(SHARED_MACHINERY - {"actor"}) if not callable(getattr(Store, name, None))
    ] == []
    outside = [p for p in sorted(PACKAGE.rglob("*.py")) if p.relative_to(PACKAGE).parts[0] != "store"]
    outside += [
        p for p in sorted((ROOT / "tests").rglob("*.py")) if p.relative_to(ROOT / "tests").parts[0] != "store"
    ]
    outside += sorted((ROOT / "benchmarks").rglob("*.py"))
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno} calls {node.func.attr}"
        for path in outside
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SHARED_MACHINERY
    ]
    assert calls == []


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
