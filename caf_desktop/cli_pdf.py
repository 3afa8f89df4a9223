"""The command line's pdf and pdf-verify: drawing, signing and checking PDFs."""

from __future__ import annotations

from typing import Any


def add_commands(commands: Any) -> None:
    """Adds this module's subcommands to the `caf-desktop` parser."""
