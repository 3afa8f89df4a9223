"""Writing a file whole or not at all: a private temporary file beside it, then a rename over it.

The temporary file sits in the target's own folder (never the system temp folder, which may be on
another disk or shared), is readable by its owner only, and is removed if anything goes wrong.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_text(path: Path, text: str, *, replace: bool = True) -> None:
    """Writes `text` to `path` in UTF-8. With `replace=False` an existing file is left alone and
    `FileExistsError` is raised, even if the file appeared while this one was being written."""
    write_bytes(path, text.encode("utf-8"), replace=replace)


def write_bytes(path: Path, data: bytes, *, replace: bool = True) -> None:
    """Writes `data` to `path` whole or not at all (see `write_text`)."""
    handle, temporary_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    temporary = Path(temporary_name)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if replace:
            temporary.replace(path)
        else:
            _move_without_replacing(temporary, path)
        _sync_folder(path.parent)
    finally:
        temporary.unlink(missing_ok=True)


def write_json(path: Path, value: Any, *, replace: bool = True) -> None:
    write_text(path, json.dumps(value, ensure_ascii=False, indent=2) + "\n", replace=replace)


def _move_without_replacing(temporary: Path, path: Path) -> None:
    try:
        # A hard link fails if the name is taken, with no window between the check and the write.
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError:
        # No hard links here (some network and FAT drives): check, then rename.
        if path.exists():
            raise FileExistsError(str(path)) from None
        temporary.replace(path)


def _sync_folder(folder: Path) -> None:
    """Makes the rename itself survive a power cut, where the system allows it (not on Windows)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
