"""The one module that knows where CAF Desktop keeps things for a user.

Everything for one user lives under the home folder: the platformdirs user data folder unless
`--home` or `CAF_DESKTOP_HOME` names another (tests always do).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import platformdirs

from caf_desktop.common.errors import CafError

APP_NAME = "CAF Desktop"
HOME_ENVIRONMENT_VARIABLE = "CAF_DESKTOP_HOME"

_override: Path | None = None
_LONGEST_NAME = 255  # bytes in one folder or file name, on every file system the app runs on


class HomeInvalid(CafError):
    def __init__(self, named: str, why: str) -> None:
        super().__init__(f"The home folder {named!r} cannot be used: {why}. Name another with --home.")


def _checked(named: str) -> Path:
    """The absolute home `named` stands for, or `HomeInvalid` saying why there is none."""
    try:
        expanded = Path(named).expanduser()
    except RuntimeError:  # "~someone" for a user the system does not know
        user = named[1:].split("/", 1)[0].split(os.sep, 1)[0]
        raise HomeInvalid(named[:80], f"there is no user called {user[:40]!r} on this computer") from None
    if "\0" in named:
        raise HomeInvalid(named[:80].replace("\0", ""), "it holds a NUL character")
    for part in expanded.parts:
        if len(os.fsencode(part)) > _LONGEST_NAME:
            raise HomeInvalid(
                named[:80] + ("..." if len(named) > 80 else ""),
                f"one of its names is {len(part)} characters long, more than the {_LONGEST_NAME} a folder's name may have",
            )
    try:
        return expanded.resolve()
    except (OSError, RuntimeError) as error:  # a loop of links, a name the system refuses
        raise HomeInvalid(
            named[:80], getattr(error, "strerror", None) or "the system cannot find it"
        ) from None


def set_home(path: str | os.PathLike[str] | None) -> None:
    """Makes `path` the home for this process (None goes back to the environment or the default)."""
    global _override  # noqa: PLW0603 - one process, one home; set once by the CLI or the tests
    _override = _checked(os.fspath(path)) if path is not None else None


def home() -> Path:
    """The folder that holds everything the app keeps for this user."""
    if _override is not None:
        return _override
    return _home_from(os.environ.get(HOME_ENVIRONMENT_VARIABLE) or None, os.environ.get("XDG_DATA_HOME"))


@functools.lru_cache(maxsize=8)
def _home_from(from_environment: str | None, _xdg_data_home: str | None) -> Path:
    """The home a setting names, worked out once per setting (resolving a path and asking platformdirs
    cost more than the lookups that ask for it, such as each record's ruleset while importing)."""
    if from_environment:
        return _checked(from_environment)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def log_dir() -> Path:
    return home() / "logs"


def user_forms_dir() -> Path:
    """Form definitions and rulesets received from the team, beside the ones the app ships."""
    return home() / "forms"
