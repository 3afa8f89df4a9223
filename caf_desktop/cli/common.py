"""What every command of the command line shares: exit statuses, the parser, passphrases and stores.

The command modules (forms, records, bundle, ...) import this one; it never imports them back.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from caf_desktop.common import paths
from caf_desktop.common.errors import CafError
from caf_desktop.common.findings import Finding

if TYPE_CHECKING:
    from caf_desktop.store.store import Store

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_BUG = 70
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE, as a shell reports `yes | head -1`

# The names of the variables, not passphrases.
PASSPHRASE_VARIABLE = "CAF_DESKTOP_PASSPHRASE"  # noqa: S105
NEW_PASSPHRASE_VARIABLE = "CAF_DESKTOP_NEW_PASSPHRASE"  # noqa: S105
DATABASE_URL_VARIABLE = "CAF_DESKTOP_DATABASE_URL"


class UsageError(Exception):
    """A command line argparse cannot read; `run()` says why and exits with EXIT_USAGE."""


class Parser(argparse.ArgumentParser):
    """An argparse parser that raises instead of exiting, so `run()` stays in charge of the exit status,
    and prints help to the stream `run()` was given."""

    output: TextIO = sys.stdout

    def error(self, message: str) -> Any:
        raise UsageError(f"{message}. Try `{self.prog} --help`.")

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            Parser.output.write(message)


Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]


def count(text: str) -> int:
    """An argparse type: a whole number of 1 or more (`demo --records N`)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def print_json(value: Any, stdout: TextIO) -> None:
    """Every command's --json output: indented, non-ASCII kept as typed."""
    stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


def report_findings(
    found: Sequence[Finding], where: str, outcome: str, *, json_out: bool, stdout: TextIO, stderr: TextIO
) -> int:
    """The problems of a check, as `validate`, `records add` and `records complete` all say them: one
    line each on stdout (or the JSON list), and the count with `outcome` on stderr."""
    if json_out:
        print_json([{"path": f.path, "message": f.message} for f in found], stdout)
    else:
        for finding in found:
            stdout.write(f"{where}: {finding.path or '/'}: {finding.message}\n")
    stderr.write(f"{where}: {len(found)} problem{'s' if len(found) != 1 else ''} found {outcome}\n")
    return EXIT_INVALID


# --- passphrases and stores ------------------------------------------------------------------------------


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):  # closed or replaced (a pipe, a test's capture)
        return False


def _ask(prompt: str) -> str:
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise CafError("No passphrase was typed; nothing was changed.") from None


def ask_passphrase(
    variable: str = PASSPHRASE_VARIABLE, prompt: str = "Passphrase: ", *, confirm: bool = False
) -> str:
    """From the environment variable, else typed at the terminal without echo (twice with `confirm`)."""
    passphrase = os.environ.get(variable, "")
    if not passphrase:
        if not stdin_is_terminal():
            raise CafError(
                f"A passphrase is needed and there is no terminal to type it in: set the environment variable {variable}, or run the command in a terminal."
            )
        passphrase = _ask(prompt)
        if confirm and _ask("Type it again: ") != passphrase:
            raise CafError("The two passphrases typed are not the same; nothing was changed. Try again.")
    redactor.remember(passphrase)
    return passphrase


def strong_enough(passphrase: str) -> None:
    from caf_desktop.trust.keyfile import passphrase_strength  # noqa: PLC0415

    score, hint = passphrase_strength(passphrase)
    if score == 0:
        raise CafError(f"That passphrase cannot be used. {hint} Nothing was changed.")


def database_url(args: argparse.Namespace) -> str | None:
    url: str | None = args.database_url or os.environ.get(DATABASE_URL_VARIABLE) or None
    return url


def shown_url(url: str) -> str:
    """The URL without its password, or a plain error if it is not a URL at all."""
    from sqlalchemy.engine import make_url  # noqa: PLC0415
    from sqlalchemy.exc import ArgumentError  # noqa: PLC0415

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        # Store.open_url would fail inside its own error handling on such a URL; say it plainly here.
        raise CafError(
            "The database URL cannot be read. Write it like postgresql+psycopg://user@server:5432/database."
        ) from None


def refuse_shared(args: argparse.Namespace, command: str) -> None:
    if database_url(args):
        raise CafError(
            f"`caf-desktop {command}` works on the encrypted store in the home folder, not on a shared database, "
            f"whose server controls who may open it and backs it up. Run it without --database-url and with {DATABASE_URL_VARIABLE} unset."
        )


def home_with_store() -> Path:
    from caf_desktop.store.store import DATABASE_FILE, KEY_FILE, StoreNotInitialised  # noqa: PLC0415

    home = paths.home()
    # A database without its key is not "no records yet": Store.open says what is missing.
    if not (home / KEY_FILE).is_file() and not (home / DATABASE_FILE).exists():
        raise StoreNotInitialised(home)
    return home


def open_shared(url: str) -> Store:
    from caf_desktop.store.store import Store  # noqa: PLC0415

    shown = shown_url(url)
    try:
        shared = Store.open_url(url)
    except ImportError as error:
        raise CafError(
            f"This installation cannot reach the database at {shown}: its driver ({error.name}) is not installed. "
            "Install it with: pip install 'caf-desktop[postgres]'."
        ) from None
    profile = shared.profile()
    if profile is None:
        return shared
    # Store.open_url does not read the profile as Store.open does: name the actor from it here.
    return Store(shared.engine, actor=profile.name)


@contextmanager
def opened(args: argparse.Namespace, *, passphrase: str | None = None) -> Iterator[Store]:
    """The store the command works on: the shared database if one is named, else the home's own
    (unlocked by `passphrase` if the command has already asked for it, for its identity too)."""
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415

    from caf_desktop.store.store import Store  # noqa: PLC0415

    url = database_url(args)
    if url:
        store = open_shared(url)
    else:
        home = home_with_store()
        store = Store.open(home, passphrase if passphrase is not None else ask_passphrase())
    try:
        yield store
    except OperationalError as error:  # a full disk, a server that went away
        reason = (
            str(error.orig).strip().splitlines()[0][:200] if error.orig is not None else "no reason given"
        )
        raise CafError(
            f"The records could not be read or written ({reason}). Try again; if it persists, ask your IT team."
        ) from None
    finally:
        store.close()


# --- bug reports without personal data ---------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_REMOVED = "[removed]"


class Redactor:
    """What a bug report must not repeat: the text of every document, name and passphrase this command
    handled. The stack of a bug is code and safe to log; its message may quote data, so it is scrubbed."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.words: set[str] = set()

    def forget(self) -> None:
        """Starts a new command: nothing remembered from the one before."""
        self.values.clear()
        self.words.clear()

    def remember(self, value: Any) -> None:
        if isinstance(value, str):
            text = value.strip()
            if len(text) >= 2:
                self.values.add(text)
                self.words.update(w.casefold() for w in _WORD.findall(text) if len(w) >= 3)
        elif isinstance(value, dict):
            for item in value.values():
                self.remember(item)
        elif isinstance(value, list | tuple):
            for item in value:
                self.remember(item)

    def scrub(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            for form in {
                value,
                repr(value)[1:-1],
                json.dumps(value)[1:-1],
                json.dumps(value, ensure_ascii=False)[1:-1],
            }:
                if form in text:
                    text = re.sub(rf"(?<!\w){re.escape(form)}(?!\w)", _REMOVED, text)
        return _WORD.sub(lambda m: _REMOVED if m.group().casefold() in self.words else m.group(), text)

    def report(self, error: BaseException) -> str:
        """The traceback of `error` and the errors it came from, with their messages scrubbed."""
        chain: list[BaseException] = []
        current: BaseException | None = error
        while current is not None and current not in chain:
            chain.append(current)
            current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
        parts: list[str] = []
        for position, link in enumerate(reversed(chain)):
            if position:
                caused = chain[len(chain) - position] is link.__cause__
                parts.append(
                    "\nThe error above caused this one:\n\n"
                    if caused
                    else "\nWhile handling the error above, another one happened:\n\n"
                )
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.format_tb(link.__traceback__))
            statement_error = getattr(sys.modules.get("sqlalchemy.exc"), "StatementError", None)
            if statement_error is not None and isinstance(link, statement_error):
                link.hide_parameters = True  # SQLAlchemy would repeat the values of the failed statement
            try:
                message = str(link)
            except Exception:  # noqa: BLE001 - a broken __str__ must not hide the report
                message = "(the message could not be read)"
            name = type(link).__qualname__
            module = type(link).__module__
            if module not in ("builtins", "__main__"):
                name = f"{module}.{name}"
            parts.append(f"{name}: {self.scrub(message)}\n" if message else f"{name}\n")
        return "".join(parts)


redactor = Redactor()  # one command at a time: `run()` makes it forget between commands
