"""The `caf-desktop` command line (CONTRACT.md): the parser assembled from the command modules, `run()`
does the work and `main()` parses and exits.

Every known failure is a `CafError` and becomes a plain sentence on stderr with the contract's exit
status (0 fine, 1 invalid or rejected, 2 usage or input error). Anything else is a bug: a short
apology on stderr, the details in the log file, never a traceback on the terminal. The log keeps the
stack but not the data: any text of the documents, names or passphrases the command handled is
removed from the error messages it writes (`common.redactor`).

With no command, `run()` calls the `without_command` it is given: `caf_desktop.launcher` passes the
desktop window there, so this package never imports the GUI.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO

from caf_desktop import __version__
from caf_desktop.cli import bundle, common, demo, forms, pdf, records, stores, team, thresholds
from caf_desktop.cli.common import EXIT_BUG, EXIT_CLOSED_PIPE, EXIT_OK, EXIT_USAGE, Handler, Parser
from caf_desktop.common import library_warnings, paths
from caf_desktop.common.errors import CafError


def parser() -> Parser:
    """The whole command line: the global options and every command, in the order `--help` lists them."""
    parser = Parser(
        prog="caf-desktop",
        description="Common Assessment Framework (CAF) and Team Around the Child records, offline. "
        "With no command, opens the app.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and stop")
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="the folder that holds this user's data (default: CAF_DESKTOP_HOME or the user data folder)",
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="use a team's shared database (postgresql+psycopg://...) instead of the encrypted store in "
        f"the home folder (default: {common.DATABASE_URL_VARIABLE})",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    forms.add_commands(commands)
    thresholds.add_commands(commands)
    stores.add_init(commands)
    records.add_commands(commands)
    demo.add_commands(commands)
    stores.add_commands(commands)
    pdf.add_commands(commands)
    team.add_commands(commands)
    bundle.add_commands(commands)
    designer = commands.add_parser(
        "designer", help="open the form designer (on a form definition file, or none)"
    )
    designer.add_argument("file", nargs="?", metavar="FILE", help="a form definition file to change")
    designer.set_defaults(window="designer")
    return parser


# --- entry points ---------------------------------------------------------------------------------------

NO_COMMAND = "No command given. `caf-desktop --help` lists the commands; `caf-desktop` alone opens the app."


def run(
    argv: Sequence[str],
    stdout: TextIO,
    stderr: TextIO,
    *,
    without_command: Callable[[], int] | None = None,
    open_window: Callable[[argparse.Namespace], int] | None = None,
) -> int:
    """Runs one command line and returns its exit status; never raises for anything a user can cause.

    A command line with no command (only the global options) calls `without_command` once the home
    folder is set and checked, inside the same error handling: the launcher's desktop window."""
    common.redactor.forget()  # one command at a time: a fresh memory of what a bug report must not say
    Parser.output = stdout
    try:
        args = parser().parse_args(list(argv))
    except common.UsageError as error:
        stderr.write(f"{error}\n")
        return EXIT_USAGE
    except SystemExit as exit_request:  # --help prints and asks to exit
        return int(exit_request.code or 0)
    if args.version:
        stdout.write(f"caf-desktop {__version__}\n")
        return EXIT_OK
    handler: Handler | None = getattr(args, "handler", None)
    try:
        if args.home:
            paths.set_home(args.home)
        paths.home()  # a home named in the environment is checked here too, before any command
        if handler is None and getattr(args, "window", None) is not None:
            if open_window is None:
                stderr.write(
                    f"The {args.window} is a window of the app: run `caf-desktop {args.window}` from the installed app.\n"
                )
                return EXIT_USAGE
            return open_window(args)
        if handler is None:
            if without_command is None:
                stderr.write(NO_COMMAND + "\n")
                return EXIT_USAGE
            return without_command()
        return handler(args, stdout, stderr)
    except CafError as error:
        stderr.write(f"{error}\n")
        return error.exit_status
    except KeyboardInterrupt:
        stderr.write("Stopped.\n")
        return 130
    except BrokenPipeError:
        return quiet_after_closed_pipe()
    except Exception:  # noqa: BLE001 - the last line of defence: a bug becomes an apology and a log entry
        return _report_bug(stderr)


def _report_bug(stderr: TextIO) -> int:
    error = sys.exc_info()[1]
    details = common.redactor.report(error) if error is not None else ""
    where = "the log"
    try:
        log_dir = paths.log_dir()
        log_dir.mkdir(parents=True, exist_ok=True)
        log_file = log_dir / "errors.log"
        with log_file.open("a", encoding="utf-8") as handle:
            handle.write(details + "\n")
        where = str(log_file)
    except OSError:
        pass
    stderr.write(
        f"CAF Desktop met an internal error and stopped; nothing was changed. This is a bug: please report it with {where}.\n"
    )
    return EXIT_BUG


def main(
    without_command: Callable[[], int] | None = None,
    open_window: Callable[[argparse.Namespace], int] | None = None,
) -> NoReturn:
    """Runs `sys.argv` and exits with its status; with no command, `without_command` (the launcher's
    desktop window), else a usage error."""
    library_warnings.send_to_log()
    status = run(
        sys.argv[1:], sys.stdout, sys.stderr, without_command=without_command, open_window=open_window
    )
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        status = quiet_after_closed_pipe()
    sys.exit(status)


def quiet_after_closed_pipe() -> int:
    """The reader of our output went away (`caf-desktop records list | head -1`): that is normal, so stop
    without a word. Python would complain again when it flushes stdout at exit, so point stdout at the
    null device first. The status is a shell's for a program ended by SIGPIPE."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file behind stdout (a test's StringIO)
        pass
    return EXIT_CLOSED_PIPE
