"""Keeps the warnings that libraries print (deprecations, resource notes) off a user's terminal and out of
the GUI: a practitioner cannot act on them, and two lines about DSA under every `pdf` command read like a
fault. They go to the log in the home folder instead, where a developer looks.

Only the running app installs this (`caf_desktop.cli.entry.main`); the test suite keeps warnings as errors and
names the few third-party ones it ignores (pyproject.toml), so a new one is seen on purpose.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TextIO

from caf_desktop.common import paths

WARNINGS_LOG = "warnings.log"
# A log that only a developer reads must not grow without end on a laptop used for years.
_LOG_LIMIT_BYTES = 1_000_000


def _log_warning(  # noqa: PLR0917 - the signature of warnings.showwarning
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    write_to_log(warnings.formatwarning(message, category, filename, lineno, line))


def write_to_log(text: str) -> None:
    """Appends a library's note to the warnings log of the home (Qt's messages come here too)."""
    try:
        home = paths.home()
        if not home.is_dir():  # never make a home folder just to write a note in it
            return
        folder = home / "logs"
        folder.mkdir(exist_ok=True)
        log = folder / WARNINGS_LOG
        if log.exists() and log.stat().st_size > _LOG_LIMIT_BYTES:
            return
        with log.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError:
        pass


def send_to_log() -> None:
    """From now on, warnings are written to the log folder of the home, never to stderr."""
    warnings.showwarning = _log_warning


def log_path() -> Path:
    return paths.log_dir() / WARNINGS_LOG
