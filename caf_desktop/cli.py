"""The `caf-desktop` command (CONTRACT.md): `main()` parses and exits, `run()` does the work.

Every known failure is a `CafError` and becomes a plain sentence on stderr with the contract's exit
status (0 fine, 1 invalid or rejected, 2 usage or input error). Anything else is a bug: a short
apology on stderr, the details in the log file, never a traceback on the terminal.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from caf_desktop import __version__, jsonfiles, paths
from caf_desktop.errors import CafError
from caf_desktop.findings import Finding

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_BUG = 70

log = logging.getLogger("caf_desktop")


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An argparse parser that raises instead of exiting, so `run()` stays in charge of the exit status,
    and prints help to the stream `run()` was given."""

    output: TextIO = sys.stdout

    def error(self, message: str) -> Any:
        raise _UsageError(f"{message}. Try `{self.prog} --help`.")

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            _Parser.output.write(message)


Handler = Callable[[argparse.Namespace, TextIO, TextIO], int]


def _parser() -> _Parser:
    parser = _Parser(
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    forms = commands.add_parser("forms", help="list and check form definitions")
    forms_commands = forms.add_subparsers(
        dest="forms_command", metavar="SUBCOMMAND", required=True, parser_class=_Parser
    )
    forms_list = forms_commands.add_parser("list", help="installed form definitions")
    forms_list.add_argument("--json", action="store_true", help="print JSON")
    forms_list.set_defaults(handler=_forms_list)
    forms_check = forms_commands.add_parser(
        "check", help="check form definitions (default: every installed one)"
    )
    forms_check.add_argument("paths", nargs="*", metavar="PATH", help="definition files, or folders of them")
    forms_check.set_defaults(handler=_forms_check)

    validate = commands.add_parser("validate", help="check a document against its form")
    validate.add_argument("form", metavar="FORM_ID", help="the form id, optionally with @VERSION")
    validate.add_argument("data", metavar="DATA.json", help="the document")
    validate.add_argument(
        "--complete", action="store_true", help="apply the 'mark complete' rules: every required answer"
    )
    validate.add_argument("--json", action="store_true", help='print [{"path", "message"}]')
    validate.set_defaults(handler=_validate)
    return parser


def _print_json(value: Any, stdout: TextIO) -> None:
    stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


# --- forms ----------------------------------------------------------------------------------------------


def _forms_list(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.definitions import shipped_catalogue  # noqa: PLC0415 - keeps `--version` instant

    definitions = shipped_catalogue().all()
    if args.json:
        _print_json([{"id": d.id, "version": d.version, "title": d.title} for d in definitions], stdout)
    else:
        width = max((len(d.id) for d in definitions), default=0)
        for d in definitions:
            stdout.write(f"{d.id:<{width}}  {d.version:<8}  {d.title}\n")
    return EXIT_OK


def _definition_files(arguments: Sequence[str]) -> list[tuple[Path, str]]:
    from caf_desktop.definitions import display_name, shipped_definition_files  # noqa: PLC0415

    if not arguments:
        return [(Path(str(f)), display_name(f)) for f in shipped_definition_files()]
    files: list[tuple[Path, str]] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*.json") if "thresholds" not in p.relative_to(path).parts)
            files.extend((p, str(p)) for p in found)
        else:
            files.append((path, argument))
    return files


def _forms_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formcheck import check_files  # noqa: PLC0415

    report = check_files(_definition_files(args.paths))
    for error in report.unreadable:
        stderr.write(f"{error}\n")
    for finding in report.findings:
        stdout.write(finding.describe() + "\n")
    problems = len(report.findings)
    summary = f"Checked {report.checked} form definition{'s' if report.checked != 1 else ''}: "
    summary += (
        "no problems found." if not problems else f"{problems} problem{'s' if problems != 1 else ''} found."
    )
    (stderr if problems or report.unreadable else stdout).write(summary + "\n")
    if report.unreadable:
        return EXIT_USAGE
    return EXIT_INVALID if problems else EXIT_OK


# --- validate -------------------------------------------------------------------------------------------


def _validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop import validation  # noqa: PLC0415
    from caf_desktop.definitions import shipped_catalogue  # noqa: PLC0415

    definition = shipped_catalogue().lookup(args.form)
    document = jsonfiles.load(Path(args.data))
    found: list[Finding] = validation.findings(definition, document, complete=args.complete)
    mode = "complete" if args.complete else "draft"
    if args.json:
        _print_json([{"path": f.path, "message": f.message} for f in found], stdout)
    elif found:
        for finding in found:
            stdout.write(f"{args.data}: {finding.path or '/'}: {finding.message}\n")
    else:
        stdout.write(f"{args.data}: no problems ({definition.title} {definition.version}, {mode} check).\n")
    if found:
        stderr.write(
            f"{args.data}: {len(found)} problem{'s' if len(found) != 1 else ''} found ({mode} check).\n"
        )
        return EXIT_INVALID
    return EXIT_OK


# --- entry points ---------------------------------------------------------------------------------------


def run(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    """Runs one command line and returns its exit status; never raises for anything a user can cause."""
    _Parser.output = stdout
    try:
        args = _parser().parse_args(list(argv))
    except _UsageError as error:
        stderr.write(f"{error}\n")
        return EXIT_USAGE
    except SystemExit as exit_request:  # --help prints and asks to exit
        return int(exit_request.code or 0)
    if args.version:
        stdout.write(f"caf-desktop {__version__}\n")
        return EXIT_OK
    if args.home:
        paths.set_home(args.home)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        return _start_gui(stdout, stderr)
    try:
        return handler(args, stdout, stderr)
    except CafError as error:
        stderr.write(f"{error}\n")
        return error.exit_status
    except KeyboardInterrupt:
        stderr.write("Stopped.\n")
        return 130
    except Exception:  # noqa: BLE001 - the last line of defence: a bug becomes an apology and a log entry
        return _report_bug(stderr)


def _report_bug(stderr: TextIO) -> int:
    details = traceback.format_exc()
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


def _start_gui(stdout: TextIO, stderr: TextIO) -> int:
    try:
        from caf_desktop.gui.app import run_app  # noqa: PLC0415 - the CLI must work without Qt
    except ImportError:
        stderr.write(
            "The desktop window is not available in this installation. `caf-desktop --help` lists the commands.\n"
        )
        return EXIT_USAGE
    status: int = run_app()
    return status


def main() -> None:
    sys.exit(run(sys.argv[1:], sys.stdout, sys.stderr))
