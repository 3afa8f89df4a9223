"""Starts CAF Desktop: the desktop window when the command line names no command, else that command.

This module sits one layer above both `caf_desktop.gui` and `caf_desktop.cli`, which never import each
other: the CLI parses the global options (--home, --database-url, --version, --help) and sets the home
folder as for any command, then, with no command given, calls back here to open the window.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from caf_desktop import cli
from caf_desktop.cli.common import EXIT_USAGE


def start_gui() -> int:
    """Opens the desktop window and returns its exit status (or a usage error if Qt is not installed)."""
    try:
        from caf_desktop.gui.app import run_app  # noqa: PLC0415 - the command line must work without Qt
    except ImportError:
        sys.stderr.write(
            "The desktop window is not available in this installation. `caf-desktop --help` lists the commands.\n"
        )
        return EXIT_USAGE
    status: int = run_app()
    return status


def open_window(args: argparse.Namespace) -> int:
    """A command that is a window of the app (`caf-desktop designer [FILE]`)."""
    try:
        from caf_desktop.gui.app import run_designer  # noqa: PLC0415 - the command line must work without Qt
    except ImportError:
        sys.stderr.write(
            "The form designer is not available in this installation: it needs the desktop app.\n"
        )
        return EXIT_USAGE
    status: int = run_designer(args.file)
    return status


def main() -> NoReturn:
    """The `caf-desktop` command: `caf-desktop` alone opens the window, `caf-desktop COMMAND` runs it."""
    cli.main(without_command=start_gui, open_window=open_window)
