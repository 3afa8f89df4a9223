"""The one family of errors a user can cause or meet, each carrying a plain sentence.

Anything that is not a `CafError` is a bug: the GUI shows a crash dialog and the CLI a short apology.
The sentence of a `CafError` says what went wrong and what to do, and never holds personal data
from a record (file names and form ids are fine).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caf_desktop.common.findings import Finding


class CafError(Exception):
    """A known failure. `str(error)` is the plain sentence to show; `exit_status` follows CONTRACT.md."""

    exit_status: int = 2

    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence

    def __str__(self) -> str:
        return self.sentence


class InputFileError(CafError):
    """A file the user named cannot be used: missing, unreadable, not text, not JSON."""


class FileMissing(InputFileError):
    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: there is no such file. Check the name and the folder.")
        self.path = path


class FileUnreadable(InputFileError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: the file cannot be read ({reason}).")
        self.path = path


class MalformedJSON(InputFileError):
    """The file is not valid JSON; the sentence gives the line and column."""

    def __init__(self, path: str, line: int, column: int, problem: str) -> None:
        super().__init__(
            f"{path}: this is not valid JSON: {problem} at line {line}, column {column}. "
            "Correct the file, or export it again."
        )
        self.path = path
        self.line = line
        self.column = column


class UnknownForm(CafError):
    def __init__(self, form_id: str, version: str | None, suggestion: str | None) -> None:
        what = f"version {version} of the form {form_id!r}" if version else f"the form {form_id!r}"
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        super().__init__(
            f"There is no installed form definition for {what}.{hint} "
            "`caf-desktop forms list` shows the installed forms."
        )
        self.form_id = form_id
        self.version = version


class UnsupportedFormat(CafError):
    """Something written by a newer version of CAF Desktop."""


class DefinitionInvalid(CafError):
    """A form definition that fails `forms check`; carries every finding."""

    exit_status = 1

    def __init__(self, source: str, findings: Sequence[Finding]) -> None:
        first = findings[0].describe() if findings else source
        more = f" ({len(findings) - 1} more problems)" if len(findings) > 1 else ""
        super().__init__(
            f"The form definition {source} has problems: {first}{more}. Run `caf-desktop forms check`."
        )
        self.source = source
        self.findings = list(findings)


class DocumentInvalid(CafError):
    """A document that fails validation where a valid one is needed; carries every finding."""

    exit_status = 1

    def __init__(self, findings: Sequence[Finding]) -> None:
        first = findings[0].describe() if findings else ""
        more = f" ({len(findings) - 1} more problems)" if len(findings) > 1 else ""
        super().__init__(f"The document is not valid: {first}{more}")
        self.findings = list(findings)
