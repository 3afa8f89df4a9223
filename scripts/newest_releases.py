"""Tries CAF Desktop against the newest releases of everything it depends on, on purpose.

The app installs the versions in constraints.txt, so an upstream release (a new deprecation, a changed
API) cannot surprise a newcomer on a fresh machine. This script is how we meet such releases first: it
makes a scratch virtual environment, installs the package and its test extras from the ranges in
pyproject.toml alone (no constraints), lists what moved against the pins, and runs the whole suite.

    python scripts/newest_releases.py            # try; the pins stay as they are
    python scripts/newest_releases.py --update   # and, if the suite passes, write the new pins

Exit status: the suite's (0 when it passed on the newest releases).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"


def pins(text: str) -> dict[str, str]:
    """`name==version` lines (comments and editable installs left out), by lower-case name."""
    found: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "-e")) or "==" not in line:
            continue
        name, version = line.split("==", 1)
        found[name.strip().lower().replace("_", "-")] = version.strip()
    return found


def moved(old: dict[str, str], new: dict[str, str]) -> list[str]:
    lines = []
    for name in sorted(old.keys() | new.keys()):
        before, after = old.get(name), new.get(name)
        if before != after:
            lines.append(f"  {name}: {before or '(not pinned)'} -> {after or '(no longer needed)'}")
    return lines


def header(text: str) -> str:
    return "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--update", action="store_true", help="write constraints.txt if the suite passes")
    parser.add_argument("pytest_args", nargs="*", default=["-n", "2"], help="arguments for pytest")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="caf-newest-") as scratch:
        environment = Path(scratch) / "venv"
        venv.create(environment, with_pip=True)
        python = str(environment / ("Scripts" if sys.platform == "win32" else "bin") / "python")
        print(f"Installing the newest releases into {environment} ...", flush=True)
        subprocess.run(
            [python, "-m", "pip", "install", "-q", "--upgrade", "-e", f"{ROOT}[test]"], check=True, cwd=ROOT
        )
        frozen = subprocess.run(
            [python, "-m", "pip", "freeze", "--all", "--exclude-editable"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        # setuptools is pinned (the tests build a wheel with it); pip itself is the venv's own business.
        frozen = "".join(line + "\n" for line in frozen.splitlines() if not line.startswith("pip=="))
        changes = moved(pins(CONSTRAINTS.read_text(encoding="utf-8")), pins(frozen))
        print("Moved against constraints.txt:" if changes else "Nothing moved against constraints.txt.")
        print("\n".join(changes))
        print("Running the suite on the newest releases ...", flush=True)
        status = subprocess.run([python, "-m", "pytest", *args.pytest_args], check=False, cwd=ROOT).returncode
        if status == 0 and args.update and changes:
            body = "".join(line + "\n" for line in frozen.splitlines() if line and not line.startswith("#"))
            CONSTRAINTS.write_text(header(CONSTRAINTS.read_text(encoding="utf-8")) + body, encoding="utf-8")
            print("The suite passed: constraints.txt now pins these releases. Commit it with what moved.")
        elif status != 0:
            print("The suite failed on the newest releases: the pins stay. See docs/dependencies.md.")
        return status


if __name__ == "__main__":
    sys.exit(main())
