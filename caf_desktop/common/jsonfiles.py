"""Reading files the user names (JSON above all), with every failure turned into a typed, plain error.

Every JSON the app reads from outside (documents, form definitions, team files, requests,
certificates, key files, bundles) goes through `parse`, which sets limits before anything else looks
at the value: its size, how deeply it nests, how long a number may be and how large an integer, and no
name twice in one object. A file past a limit is refused with a sentence, never a RecursionError or a
number too large for the database.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caf_desktop.common.errors import FileMissing, FileUnreadable, InputFileError, MalformedJSON


@dataclass(frozen=True)
class JSONLimits:
    """What an untrusted JSON value may be. The defaults are far above anything CAF Desktop writes:
    a full CAF nests about eight deep, and its longest number is a year."""

    max_characters: int = 64 * 1024 * 1024
    max_depth: int = 64
    max_number_characters: int = 40
    # I-JSON (RFC 7493): integers beyond 2^53 do not survive other JSON readers.
    max_integer: int = 2**53 - 1


DEFAULT_LIMITS = JSONLimits()
# Sequence numbers and versions go into 32-bit integer columns (PostgreSQL's `integer`).
DATABASE_INTEGER_LIMITS = JSONLimits(max_integer=2**31 - 1)


class JSONRefused(InputFileError):
    """Well-formed JSON, perhaps, but past one of the limits: too big, too deep, a number too long,
    or a name given twice."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(
            f"{source}: this JSON cannot be used: {problem}. CAF Desktop never writes such a "
            "file: use the file as it was made or exported, or ask whoever sent it for it again."
        )
        self.source = source
        self.problem = problem


class JSONLimitExceeded(ValueError):
    """What `raw_decode` raises past a limit; a ValueError, as `json.JSONDecodeError` is, so a caller
    that already treats malformed JSON as a refusal treats this the same way."""


def _decoder(limits: JSONLimits) -> json.JSONDecoder:
    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        value = dict(pairs)
        if len(value) != len(pairs):
            seen: set[str] = set()
            for name, _ in pairs:
                if name in seen:
                    shown = name if len(name) <= 40 else name[:40] + "..."
                    raise JSONLimitExceeded(f"the name {shown!r} is given twice in one object")
                seen.add(name)
        return value

    def integer(text: str) -> int:
        if len(text) > limits.max_number_characters:
            raise JSONLimitExceeded(f"a number has {len(text)} digits")
        value = int(text)
        if abs(value) > limits.max_integer:
            raise JSONLimitExceeded(f"the number {text} is too large")
        return value

    def real(text: str) -> float:
        if len(text) > limits.max_number_characters:
            raise JSONLimitExceeded(f"a number is {len(text)} characters long")
        value = float(text)
        if not math.isfinite(value):
            raise JSONLimitExceeded(f"the number {text} is too large")
        return value

    def constant(text: str) -> Any:
        raise JSONLimitExceeded(f"{text} is not a number JSON allows")

    return json.JSONDecoder(
        object_pairs_hook=unique, parse_int=integer, parse_float=real, parse_constant=constant
    )


_DECODERS = {
    DEFAULT_LIMITS: _decoder(DEFAULT_LIMITS),
    DATABASE_INTEGER_LIMITS: _decoder(DATABASE_INTEGER_LIMITS),
}


def _check_depth(value: Any, max_depth: int) -> None:
    """Walks the value without recursion; past `max_depth` containers deep is refused."""
    if not isinstance(value, dict | list):
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        container, depth = stack.pop()
        if depth > max_depth:
            raise JSONLimitExceeded(f"it nests more than {max_depth} levels deep")
        children = container.values() if isinstance(container, dict) else container
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def raw_decode(text: str, index: int = 0, limits: JSONLimits = DEFAULT_LIMITS) -> tuple[Any, int]:
    """`json.JSONDecoder.raw_decode` within the limits: `JSONLimitExceeded` past one, and
    `json.JSONDecodeError` for malformed JSON, both ValueErrors."""
    if len(text) - index > limits.max_characters:
        raise JSONLimitExceeded(f"it is more than {limits.max_characters // (1024 * 1024)} MB")
    decoder = _DECODERS.get(limits) or _decoder(limits)
    try:
        value, end = decoder.raw_decode(text, index)
    except RecursionError:
        raise JSONLimitExceeded(f"it nests more than {limits.max_depth} levels deep") from None
    _check_depth(value, limits.max_depth)
    return value, end


_PROBLEMS = {
    "Expecting ',' delimiter": "a comma is missing",
    "Expecting ':' delimiter": "a colon is missing",
    "Expecting value": "a value is missing or the file is empty",
    "Expecting property name enclosed in double quotes": "a name is not in double quotes, or a comma is left over",
    "Unterminated string starting at": "a piece of text has no closing quote",
    "Extra data": "there is more after the end of the JSON",
    "Invalid control character at": "a piece of text holds a line break or tab",
}


def parse(text: str, source: str, limits: JSONLimits = DEFAULT_LIMITS) -> Any:
    """Parses untrusted JSON text within `limits`; `source` names it in the error (`MalformedJSON`,
    `JSONRefused`)."""
    if len(text) > limits.max_characters:
        raise JSONRefused(source, f"it is more than {limits.max_characters // (1024 * 1024)} MB")
    decoder = _DECODERS.get(limits) or _decoder(limits)
    try:
        value = decoder.decode(text)
        _check_depth(value, limits.max_depth)
    except RecursionError:
        raise JSONRefused(source, f"it nests more than {limits.max_depth} levels deep") from None
    except JSONLimitExceeded as error:
        raise JSONRefused(source, str(error)) from None
    except json.JSONDecodeError as error:
        if error.pos >= len(text.rstrip()) and text.strip():
            problem = "the file ends before the JSON does (is it cut short?)"
        else:
            problem = _PROBLEMS.get(error.msg, error.msg[:1].lower() + error.msg[1:])
        raise MalformedJSON(source, error.lineno, error.colno, problem) from None
    return value


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


def load(path: Path, limits: JSONLimits = DEFAULT_LIMITS) -> Any:
    """The JSON value in the file at `path`, within `limits` (a file too big is not read at all)."""
    try:
        size = path.stat().st_size
    except OSError:
        size = 0  # read_bytes says why it cannot be read
    if size > limits.max_characters * 4:  # UTF-8 takes at most four bytes a character
        raise JSONRefused(str(path), f"it is more than {limits.max_characters // (1024 * 1024)} MB")
    return parse(read_text(path), str(path), limits)
