"""The finding: one problem at one place, shared by form checks, validation, the GUI, CLI and PDF."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem.

    `path` is a JSON Pointer: into the document for validation, into the definition file for
    `forms check`. `message` is a plain-English sentence. `source` names the file, when there is one.
    """

    path: str
    message: str
    source: str | None = None

    def describe(self) -> str:
        """The finding as one line: `file: /pointer: message`, leaving out what is not known."""
        parts = [p for p in (self.source, self.path or None) if p]
        return ": ".join([*parts, self.message])
