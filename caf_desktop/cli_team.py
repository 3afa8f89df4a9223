"""The command line's team and bundle: the locality team, enrolment and sync bundles."""

from __future__ import annotations

from typing import Any


def add_commands(commands: Any) -> None:
    """Adds this module's subcommands to the `caf-desktop` parser."""
