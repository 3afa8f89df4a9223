"""DESIGN.md section 2: the core imports no Qt, so the CLI and the core tests run without a display."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import caf_desktop


def core_modules() -> list[str]:
    names = [
        module.name
        for module in pkgutil.walk_packages(caf_desktop.__path__, "caf_desktop.")
        # Migration scripts run only inside Alembic; they import no Qt either (their package does).
        if not module.name.startswith(
            ("caf_desktop.gui", "caf_desktop._", "caf_desktop.store.migrations.", "caf_desktop.launcher")
        )
    ]
    return ["caf_desktop", *names]


def test_the_core_has_modules_to_check() -> None:
    modules = core_modules()
    assert {
        "caf_desktop.cli.entry",
        "caf_desktop.formengine.validation",
        "caf_desktop.formengine.checker",
        "caf_desktop.formengine.definitions",
        "caf_desktop.paper.render",
    } <= set(modules)


def test_importing_every_core_module_loads_no_qt() -> None:
    program = (
        "import importlib, sys\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "from caf_desktop.cli.entry import run\n"
        "import io\n"
        "run(['forms', 'check'], io.StringIO(), io.StringIO())\n"
        "run(['forms', 'list', '--json'], io.StringIO(), io.StringIO())\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout
