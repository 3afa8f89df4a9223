"""Reading files the user names (JSON above all), with every failure turned into a typed, plain error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from caf_desktop.errors import FileMissing, FileUnreadable, MalformedJSON

_PROBLEMS = {
    "Expecting ',' delimiter": "a comma is missing",
    "Expecting ':' delimiter": "a colon is missing",
    "Expecting value": "a value is missing or the file is empty",
    "Expecting property name enclosed in double quotes": "a name is not in double quotes, or a comma is left over",
    "Unterminated string starting at": "a piece of text has no closing quote",
    "Extra data": "there is more after the end of the JSON",
    "Invalid control character at": "a piece of text holds a line break or tab",
}


def parse(text: str, source: str) -> Any:
    """Parses JSON text; `source` names it in the error."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) and text.strip():
            problem = "the file ends before the JSON does (is it cut short?)"
        else:
            problem = _PROBLEMS.get(error.msg, error.msg[:1].lower() + error.msg[1:])
        raise MalformedJSON(source, error.lineno, error.colno, problem) from None


def read_bytes(path: Path) -> bytes:
    """The file's bytes; `FileMissing` or `FileUnreadable` saying why not."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise FileMissing(str(path)) from None
    except IsADirectoryError:
        raise FileUnreadable(str(path), "it is a folder, not a file") from None
    except PermissionError:
        raise FileUnreadable(str(path), "permission denied") from None
    except OSError as error:
        raise FileUnreadable(str(path), error.strerror or "the system refused") from None


def read_text(path: Path) -> str:
    try:
        return read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileUnreadable(str(path), "it is not UTF-8 text; is it the right file?") from None


def load(path: Path) -> Any:
    """The JSON value in the file at `path`."""
    return parse(read_text(path), str(path))
