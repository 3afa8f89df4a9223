"""The command line: argparse over the core, no Qt. `main` parses and exits; `run` does the work."""

from caf_desktop.cli.entry import main, run

__all__ = ["main", "run"]
