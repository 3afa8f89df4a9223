"""The one module that knows where CAF Desktop keeps things for a user.

Everything for one user lives under the home folder: the platformdirs user data folder unless
`--home` or `CAF_DESKTOP_HOME` names another (tests always do).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import platformdirs

APP_NAME = "CAF Desktop"
HOME_ENVIRONMENT_VARIABLE = "CAF_DESKTOP_HOME"

_override: Path | None = None


def set_home(path: str | os.PathLike[str] | None) -> None:
    """Makes `path` the home for this process (None goes back to the environment or the default)."""
    global _override  # noqa: PLW0603 - one process, one home; set once by the CLI or the tests
    _override = Path(path).expanduser().resolve() if path is not None else None


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
        return Path(from_environment).expanduser().resolve()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False))


def log_dir() -> Path:
    return home() / "logs"


def user_forms_dir() -> Path:
    """Form definitions and rulesets received from the team, beside the ones the app ships."""
    return home() / "forms"
