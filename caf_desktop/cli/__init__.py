"""The command line: argparse over the core, no Qt and no GUI (`caf_desktop.launcher` opens the window).

`main` parses and exits; `run` does the work. `common` holds what the command modules share; each command
group has its module (forms, thresholds, stores, records, demo, pdf, team, bundle); `entry` assembles them.
It may use every room below it but never `caf_desktop.gui`.
"""

from caf_desktop.cli.entry import main, run

__all__ = ["main", "run"]
