"""The built package carries forms/ and resources/: a wheel works outside the source tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.paper.test_render import pdftotext

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy of the sources: a build in the working tree writes build/ there, and two
    # builds at once (pytest -n 2 puts this module's tests, or another wheel test, on both workers)
    # trip over each other.
    source = tmp_path_factory.mktemp("source")
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for folder in ("caf_desktop", "forms", "resources"):
        shutil.copytree(ROOT / folder, source / folder, ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("caf_desktop-*.whl")
    return built


def test_the_wheel_holds_every_form_definition_and_the_meta_schema(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for definition in (ROOT / "forms").glob("*/*.json"):
        assert f"caf_desktop/_forms/{definition.parent.name}/{definition.name}" in names
    assert "caf_desktop/schemas/form-definition.schema.json" in names


def test_the_installed_package_checks_and_validates_from_anywhere(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        check=True,
    )
    program = (
        "import caf_desktop, sys\n"
        f"assert caf_desktop.__file__.startswith({str(target)!r}), caf_desktop.__file__\n"
        "from caf_desktop.cli.entry import main\n"
        "main()\n"
    )
    environment = {
        "PYTHONPATH": str(target),
        "PATH": "/usr/bin:/bin",
        "CAF_DESKTOP_HOME": str(tmp_path / "home"),
    }
    check = subprocess.run(
        [sys.executable, "-c", program, "forms", "check"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert "Checked 10 form definitions and 1 threshold ruleset: no problems found." in check.stdout
    example = ROOT / "tests" / "examples" / "tac-review" / "full.json"
    validate = subprocess.run(
        [sys.executable, "-c", program, "validate", "tac-review", str(example), "--complete"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr


def test_the_fonts_ship_in_the_wheel_and_print_from_an_installed_copy(wheel: Path, tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for font in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "LICENSE-DejaVu.txt"):
        assert f"caf_desktop/_resources/fonts/{font}" in names
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
    )
    program = (
        "import json, sys\n"
        "from caf_desktop.paper import render as pdf_render\n"
        "from caf_desktop.formengine.definitions import shipped_catalogue\n"
        f"assert str(pdf_render.resources_root()).startswith({str(site)!r}), pdf_render.resources_root()\n"
        "document = json.loads(open(sys.argv[1], encoding='utf-8').read())\n"
        "pdf = pdf_render.render_pdf(shipped_catalogue().get('tac-review'), document)\n"
        "open(sys.argv[2], 'wb').write(pdf)\n"
    )
    printed = tmp_path / "printed.pdf"
    environment = {
        "PYTHONPATH": str(site),
        "PATH": "/usr/bin:/bin",
        "CAF_DESKTOP_HOME": str(tmp_path / "home"),
    }
    run = subprocess.run(
        [sys.executable, "-c", program, str(EXAMPLES / "tac-review" / "full.json"), str(printed)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Nguyễn Văn An" in pdftotext(printed.read_bytes())
