"""The `caf-desktop` command (CONTRACT.md): `main()` parses and exits, `run()` does the work.

Every known failure is a `CafError` and becomes a plain sentence on stderr with the contract's exit
status (0 fine, 1 invalid or rejected, 2 usage or input error). Anything else is a bug: a short
apology on stderr, the details in the log file, never a traceback on the terminal. The log keeps the
stack but not the data: any text of the documents, names or passphrases the command handled is
removed from the error messages it writes.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from caf_desktop import __version__
from caf_desktop.common import jsonfiles, library_warnings, paths
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
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="use a team's shared database (postgresql+psycopg://...) instead of the encrypted store in "
        f"the home folder (default: {DATABASE_URL_VARIABLE})",
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

    thresholds = commands.add_parser("thresholds", help="the threshold guidance (continuum of need)")
    thresholds_commands = thresholds.add_subparsers(
        dest="thresholds_command", metavar="SUBCOMMAND", required=True, parser_class=_Parser
    )
    thresholds_list = thresholds_commands.add_parser("list", help="the indicators of the installed ruleset")
    thresholds_list.add_argument("--json", action="store_true", help="print JSON")
    thresholds_list.set_defaults(handler=_thresholds_list)
    threshold = commands.add_parser("threshold", help="the guidance for a document or a set of indicators")
    source = threshold.add_mutually_exclusive_group(required=True)
    source.add_argument("data", metavar="DATA.json", nargs="?", help="a CAF document")
    source.add_argument("--indicators", metavar="ID[,ID...]", help="indicator ids, separated by commas")
    threshold.add_argument("--json", action="store_true", help="print JSON")
    threshold.set_defaults(handler=_threshold)

    _add_store_commands(commands)
    from caf_desktop.cli import bundle as cli_bundle  # noqa: PLC0415
    from caf_desktop.cli import pdf as cli_pdf  # noqa: PLC0415
    from caf_desktop.cli import team as cli_team  # noqa: PLC0415 - they use this module's helpers

    cli_pdf.add_commands(commands)
    cli_team.add_commands(commands)
    cli_bundle.add_commands(commands)
    return parser


def _thresholds_list(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.practice.thresholds import ruleset  # noqa: PLC0415

    rules = ruleset()
    rows = [
        {
            "id": i.id,
            "domain": rules.elements[i.element].domain,
            "element": i.element,
            "level": i.level,
            "text": i.text,
        }
        for element in rules.elements
        for i in rules.indicators_of(element)
    ]
    if args.json:
        _print_json(rows, stdout)
        return EXIT_OK
    for element_id, element in rules.elements.items():
        stdout.write(f"{element.title} ({rules.domains[element.domain]})\n")
        for row in (r for r in rows if r["element"] == element_id):
            stdout.write(f"  level {row['level']}  {row['id']}: {row['text']}\n")
    return EXIT_OK


def _threshold(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.practice.thresholds import evaluate, evaluate_document, parse_indicator_list, ruleset  # noqa: PLC0415

    rules = ruleset()
    if args.indicators is not None:
        result = evaluate(rules, parse_indicator_list(args.indicators))
    else:
        document = jsonfiles.load(Path(args.data))
        if not isinstance(document, dict):
            stderr.write(f"{args.data}: this file does not hold a CAF document (it is not a JSON object).\n")
            return EXIT_USAGE
        result = evaluate_document(rules, document)
    if args.json:
        _print_json(result.as_json(), stdout)
        return EXIT_OK
    stdout.write(f"Suggested level {result.level}: {result.label}\n")
    if result.safeguarding:
        stdout.write(
            "SAFEGUARDING: contact children's social care now; police on 999 if the child is in immediate danger.\n"
        )
    stdout.write("Why:\n" + "".join(f"  - {reason}\n" for reason in result.reasons))
    stdout.write("What to do next:\n" + "".join(f"  - {action}\n" for action in result.actions))
    stdout.write(
        "This is guidance, not a tick box: agree the level with your judgement, and record why if it differs.\n"
    )
    return EXIT_OK


def _add_store_commands(commands: Any) -> None:
    """The commands that work on the store of records: init, records, demo, db, audit."""
    init = commands.add_parser("init", help="create the encrypted store of records in the home folder")
    init.add_argument("--name", required=True, help="your name, as the audit trail will record it")
    init.add_argument(
        "--role", choices=("worker", "coordinator"), default="worker", help="your role (default: worker)"
    )
    init.add_argument("--organisation", metavar="ORG", default="", help="your organisation")
    init.set_defaults(handler=_init)

    records = commands.add_parser("records", help="add, list, show, export and complete records")
    records_commands = records.add_subparsers(
        dest="records_command", metavar="SUBCOMMAND", required=True, parser_class=_Parser
    )
    records_add = records_commands.add_parser("add", help="store a document as a new record")
    records_add.add_argument("form", metavar="FORM_ID", help="the form id, optionally with @VERSION")
    records_add.add_argument("data", metavar="DATA.json", help="the document")
    records_add.add_argument("--json", action="store_true", help='print {"id"}')
    records_add.set_defaults(handler=_records_add)
    records_list = records_commands.add_parser("list", help="the records, most recently changed first")
    records_list.add_argument("--json", action="store_true", help="print JSON")
    records_list.set_defaults(handler=_records_list)
    records_show = records_commands.add_parser("show", help="one record and its document")
    records_show.add_argument("id", metavar="ID", help="the record's id (`records list` shows them)")
    records_show.add_argument("--json", action="store_true", help="print JSON")
    records_show.set_defaults(handler=_records_show)
    records_export = records_commands.add_parser("export", help="write a record's document to a file")
    records_export.add_argument("id", metavar="ID", help="the record's id")
    records_export.add_argument("--out", metavar="FILE.json", required=True, help="the file to write")
    records_export.add_argument("--force", action="store_true", help="replace FILE.json if it exists")
    records_export.set_defaults(handler=_records_export)
    records_complete = records_commands.add_parser(
        "complete", help="mark a record complete, after the complete check (every required answer given)"
    )
    records_complete.add_argument("id", metavar="ID", help="the record's id")
    records_complete.add_argument(
        "--json", action="store_true", help='print the problems as [{"path", "message"}] ([] when complete)'
    )
    records_complete.set_defaults(handler=_records_complete)

    demo = commands.add_parser("demo", help="fill the home folder with fictional sample cases to try the app")
    demo.add_argument(
        "--records", metavar="N", type=_count, default=25, help="how many records to add (default: 25)"
    )
    demo.add_argument(
        "--seed", metavar="N", type=int, help="the same seed gives the same cases (default: a fresh set)"
    )
    demo.set_defaults(handler=_demo)

    db = commands.add_parser("db", help="the encrypted store's passphrase and backups")
    db_commands = db.add_subparsers(
        dest="db_command", metavar="SUBCOMMAND", required=True, parser_class=_Parser
    )
    db_passwd = db_commands.add_parser(
        "passwd", help=f"change the passphrase (the new one from {NEW_PASSPHRASE_VARIABLE} or a prompt)"
    )
    db_passwd.set_defaults(handler=_db_passwd)
    db_backup = db_commands.add_parser(
        "backup", help="write an encrypted copy that opens with the passphrase"
    )
    db_backup.add_argument("--out", metavar="FILE", required=True, help="the backup file (must not exist)")
    db_backup.set_defaults(handler=_db_backup)

    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(
        dest="audit_command", metavar="SUBCOMMAND", required=True, parser_class=_Parser
    )
    audit_verify = audit_commands.add_parser(
        "verify", help="check that no audit event was changed or removed"
    )
    audit_verify.add_argument(
        "--json", action="store_true", help='print {"ok", "checked", "broken_at", "message"}'
    )
    audit_verify.set_defaults(handler=_audit_verify)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 1 or more")
    return value


def _print_json(value: Any, stdout: TextIO) -> None:
    stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


# --- forms ----------------------------------------------------------------------------------------------


def _forms_list(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415 - keeps `--version` instant

    definitions = installed_catalogue().all()
    if args.json:
        _print_json([{"id": d.id, "version": d.version, "title": d.title} for d in definitions], stdout)
    else:
        width = max((len(d.id) for d in definitions), default=0)
        for d in definitions:
            stdout.write(f"{d.id:<{width}}  {d.version:<8}  {d.title}\n")
    return EXIT_OK


def _definition_files(arguments: Sequence[str]) -> list[tuple[Path, str]]:
    from caf_desktop.formengine.definitions import display_name, shipped_definition_files  # noqa: PLC0415
    from caf_desktop.practice.thresholds import shipped_ruleset_files  # noqa: PLC0415

    if not arguments:
        forms = [(Path(str(f)), display_name(f)) for f in shipped_definition_files()]
        rulesets = [
            (Path(str(f)), f"forms/thresholds/{Path(str(f)).parent.name}/{f.name}")
            for f in shipped_ruleset_files()
        ]
        return forms + rulesets
    files: list[tuple[Path, str]] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            files.extend((p, str(p)) for p in sorted(path.rglob("*.json")))
        else:
            files.append((path, argument))
    return files


def _forms_check(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.practice.thresholds import check_files  # noqa: PLC0415

    report = check_files(_definition_files(args.paths))
    for error in report.unreadable:
        stderr.write(f"{error}\n")
    for finding in report.findings:
        stdout.write(finding.describe() + "\n")
    problems = len(report.findings)
    summary = f"Checked {report.checked} form definition{'s' if report.checked != 1 else ''}"
    if report.rulesets:
        summary += f" and {report.rulesets} threshold ruleset{'s' if report.rulesets != 1 else ''}"
    summary += ": "
    if report.unreadable:
        unread = len(report.unreadable)
        summary += f"{unread} file{'s' if unread != 1 else ''} could not be read"
        summary += "." if not problems else f", and {problems} problem{'s' if problems != 1 else ''} found."
    else:
        summary += (
            "no problems found."
            if not problems
            else f"{problems} problem{'s' if problems != 1 else ''} found."
        )
    (stderr if problems or report.unreadable else stdout).write(summary + "\n")
    if report.unreadable:
        return EXIT_USAGE
    return EXIT_INVALID if problems else EXIT_OK


# --- validate -------------------------------------------------------------------------------------------


def _validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formengine import validation  # noqa: PLC0415
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    definition = installed_catalogue().lookup(args.form)
    document = jsonfiles.load(Path(args.data))
    _redactor.remember(document)
    found: list[Finding] = validation.findings(definition, document, complete=args.complete)
    mode = "complete" if args.complete else "draft"
    if found:
        return _report_findings(
            found, args.data, f"({mode} check).", json_out=args.json, stdout=stdout, stderr=stderr
        )
    if args.json:
        _print_json([], stdout)
    else:
        stdout.write(f"{args.data}: no problems ({definition.title} {definition.version}, {mode} check).\n")
    return EXIT_OK


def _report_findings(
    found: Sequence[Finding], where: str, outcome: str, *, json_out: bool, stdout: TextIO, stderr: TextIO
) -> int:
    """The problems of a check, as `validate`, `records add` and `records complete` all say them: one
    line each on stdout (or the JSON list), and the count with `outcome` on stderr."""
    if json_out:
        _print_json([{"path": f.path, "message": f.message} for f in found], stdout)
    else:
        for finding in found:
            stdout.write(f"{where}: {finding.path or '/'}: {finding.message}\n")
    stderr.write(f"{where}: {len(found)} problem{'s' if len(found) != 1 else ''} found {outcome}\n")
    return EXIT_INVALID


# --- passphrases and stores ------------------------------------------------------------------------------


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):  # closed or replaced (a pipe, a test's capture)
        return False


def _ask(prompt: str) -> str:
    try:
        return getpass.getpass(prompt)
    except EOFError:
        raise CafError("No passphrase was typed; nothing was changed.") from None


def _passphrase(
    variable: str = PASSPHRASE_VARIABLE, prompt: str = "Passphrase: ", *, confirm: bool = False
) -> str:
    """From the environment variable, else typed at the terminal without echo (twice with `confirm`)."""
    passphrase = os.environ.get(variable, "")
    if not passphrase:
        if not _stdin_is_terminal():
            raise CafError(
                f"A passphrase is needed and there is no terminal to type it in: set the environment variable {variable}, or run the command in a terminal."
            )
        passphrase = _ask(prompt)
        if confirm and _ask("Type it again: ") != passphrase:
            raise CafError("The two passphrases typed are not the same; nothing was changed. Try again.")
    _redactor.remember(passphrase)
    return passphrase


def _strong_enough(passphrase: str) -> None:
    from caf_desktop.trust.keyfile import passphrase_strength  # noqa: PLC0415

    score, hint = passphrase_strength(passphrase)
    if score == 0:
        raise CafError(f"That passphrase cannot be used. {hint} Nothing was changed.")


def _database_url(args: argparse.Namespace) -> str | None:
    url: str | None = args.database_url or os.environ.get(DATABASE_URL_VARIABLE) or None
    return url


def _shown_url(url: str) -> str:
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


def _refuse_shared(args: argparse.Namespace, command: str) -> None:
    if _database_url(args):
        raise CafError(
            f"`caf-desktop {command}` works on the encrypted store in the home folder, not on a shared database, "
            f"whose server controls who may open it and backs it up. Run it without --database-url and with {DATABASE_URL_VARIABLE} unset."
        )


def _home_with_store() -> Path:
    from caf_desktop.store.store import DATABASE_FILE, KEY_FILE, StoreNotInitialised  # noqa: PLC0415

    home = paths.home()
    # A database without its key is not "no records yet": Store.open says what is missing.
    if not (home / KEY_FILE).is_file() and not (home / DATABASE_FILE).exists():
        raise StoreNotInitialised(home)
    return home


def _open_shared(url: str) -> Store:
    from caf_desktop.store.store import Store  # noqa: PLC0415

    shown = _shown_url(url)
    try:
        opened = Store.open_url(url)
    except ImportError as error:
        raise CafError(
            f"This installation cannot reach the database at {shown}: its driver ({error.name}) is not installed. "
            "Install it with: pip install 'caf-desktop[postgres]'."
        ) from None
    profile = opened.profile()
    if profile is None:
        return opened
    # Store.open_url does not read the profile as Store.open does: name the actor from it here.
    return Store(opened.engine, actor=profile.name)


@contextmanager
def _opened(args: argparse.Namespace, *, passphrase: str | None = None) -> Iterator[Store]:
    """The store the command works on: the shared database if one is named, else the home's own
    (unlocked by `passphrase` if the command has already asked for it, for its identity too)."""
    from sqlalchemy.exc import OperationalError  # noqa: PLC0415

    from caf_desktop.store.store import Store  # noqa: PLC0415

    url = _database_url(args)
    if url:
        store = _open_shared(url)
    else:
        home = _home_with_store()
        store = Store.open(home, passphrase if passphrase is not None else _passphrase())
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


# --- init, records, demo, db, audit ----------------------------------------------------------------------


def _init(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.store.store import Profile, Store, refuse_unsuitable_home  # noqa: PLC0415
    from caf_desktop.trust.keyfile import passphrase_strength  # noqa: PLC0415

    name = args.name.strip()
    if not name:
        raise CafError("Give your name with --name: the audit trail records it beside everything you do.")
    profile = Profile(name, args.role, args.organisation.strip())
    _redactor.remember([profile.name, profile.organisation])
    url = _database_url(args)
    if url:
        shown = _shown_url(url)
        store = _open_shared(url)  # opening migrates the schema
        try:
            store.set_profile(profile)
            store.audit("profile set", None, {"role": profile.role})
        finally:
            store.close()
        stdout.write(f"The shared database at {shown} is ready; what you do there is recorded as {name}.\n")
        return EXIT_OK
    home = paths.home()
    refuse_unsuitable_home(home)
    passphrase = _passphrase(prompt="Choose a passphrase: ", confirm=True)
    _strong_enough(passphrase)
    try:
        Store.create(home, passphrase, profile).close()
    except OSError as error:
        raise CafError(
            f"The store cannot be made in {home}: {error.strerror or 'the system refused'}. Nothing was left "
            "behind; free some space or choose another --home, then run init again."
        ) from None
    _, strength = passphrase_strength(passphrase)
    stdout.write(
        f"Created the encrypted store of records in {home} for {name} ({profile.role}).\n"
        f"Passphrase strength: {strength} Keep the passphrase safe: without it nobody, you included, can open these records.\n"
    )
    return EXIT_OK


def _records_add(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formengine import validation  # noqa: PLC0415
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    definition = installed_catalogue().lookup(args.form)
    document = jsonfiles.load(Path(args.data))
    _redactor.remember(document)
    # A document of another form would pass a draft check of this one (every answer is optional).
    found = validation.foreign_answers(definition, document) or validation.findings(definition, document)
    if found:
        return _report_findings(
            found,
            args.data,
            "(draft check); nothing was stored.",
            json_out=args.json,
            stdout=stdout,
            stderr=stderr,
        )
    with _opened(args) as store:
        info = store.add_record(definition, document)
    if args.json:
        _print_json({"id": info.id}, stdout)
    else:
        stdout.write(f"{info.id}\n")
    return EXIT_OK


def _records_list(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    with _opened(args) as store:
        records = store.list_records()
    _redactor.remember([r.child for r in records])
    if args.json:
        _print_json(
            [
                {
                    "id": r.id,
                    "form_id": r.form_id,
                    "form_version": r.form_version,
                    "status": r.status,
                    "child": r.child,
                    "updated": r.updated.isoformat(),
                }
                for r in records
            ],
            stdout,
        )
    elif not records:
        stdout.write(
            "No records yet. `caf-desktop records add` stores one; `caf-desktop demo` adds samples.\n"
        )
    else:
        rows = [
            (
                r.id,
                f"{r.form_id} {r.form_version}",
                r.status,
                f"{r.updated.astimezone():%Y-%m-%d %H:%M}",
                r.child,
            )
            for r in records
        ]
        header = ("ID", "FORM", "STATUS", "UPDATED", "CHILD")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(4)]
        for row in [header, *rows]:
            stdout.write(
                "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
                + "  "
                + row[4]
                + "\n"
            )
    return EXIT_OK


def _records_show(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    with _opened(args) as store:
        info = store.get(args.id)
    _redactor.remember([info.child, info.lead_professional, info.document])
    if args.json:
        _print_json(
            {
                "id": info.id,
                "form_id": info.form_id,
                "form_version": info.form_version,
                "status": info.status,
                "child": info.child,
                "created": info.created.isoformat(),
                "updated": info.updated.isoformat(),
                "version": info.version,
                "document": info.document,
            },
            stdout,
        )
        return EXIT_OK
    facts = [
        ("Record", info.id),
        ("Form", f"{info.form_id} {info.form_version}"),
        ("Status", info.status),
        ("Child", info.child or "(no name yet)"),
        ("Born", info.child_dob.isoformat() if info.child_dob else ""),
        ("Level of need", str(info.level) if info.level is not None else ""),
        ("Lead professional", info.lead_professional or ""),
        ("Next review", info.next_review.isoformat() if info.next_review else ""),
        ("Created", f"{info.created.astimezone():%Y-%m-%d %H:%M}"),
        ("Updated", f"{info.updated.astimezone():%Y-%m-%d %H:%M}"),
        ("Version", str(info.version)),
    ]
    width = max(len(label) for label, _ in facts)
    for label, value in facts:
        if value:
            stdout.write(f"{label:<{width}}  {value}\n")
    stdout.write("\n")
    _print_json(info.document, stdout)
    return EXIT_OK


def _records_export(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.common import atomic  # noqa: PLC0415

    out = Path(args.out)
    exists = CafError(
        f"{out} already exists; nothing was written. Choose a new name, or add --force to replace it."
    )
    if out.exists() and not args.force:
        raise exists
    with _opened(args) as store:
        info = store.get(args.id)
        _redactor.remember(info.document)
        try:
            atomic.write_json(out, info.document, replace=args.force)
        except FileExistsError:
            raise exists from None
        except OSError as error:
            raise CafError(
                f"{out} cannot be written: {error.strerror or 'the system refused'}. Nothing was written."
            ) from None
        store.audit("exported", info.id, {"to": "json"})
    stdout.write(f"Wrote record {info.id} ({info.form_id} {info.form_version}) to {out}.\n")
    return EXIT_OK


PAST_COMPLETE = ("signed", "shared", "closed")


def _records_complete(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Record, Mark complete from the command line: the same check and the same `Store.save` call as
    the GUI's, so the record keeps a complete version (and can then be signed)."""
    from caf_desktop.formengine import validation  # noqa: PLC0415
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    with _opened(args) as store:
        info = store.get(args.id)
        _redactor.remember([info.child, info.lead_professional, info.document])
        definition = installed_catalogue().get(info.form_id, info.form_version)
        # The working copy, as the GUI checks what is on screen: typing kept by autosave counts.
        found: list[Finding] = validation.findings(definition, info.document, complete=True)
        what = f"Record {info.id} ({definition.title} {definition.version})"
        if found:
            return _report_findings(
                found,
                info.id,
                "(complete check); the record was not marked complete.",
                json_out=args.json,
                stdout=stdout,
                stderr=stderr,
            )
        if info.status in PAST_COMPLETE:
            # Marking it complete again would take away "signed", "shared" or "closed".
            sentence = f"{what} passes the complete check and is already {info.status}; nothing was changed."
        elif info.status == "complete" and not info.has_unsaved_changes:
            sentence = f"{what} is already complete; nothing was changed."
        else:
            revision = store.save(
                info.id, info.document, definition, status="complete", reason="marked complete"
            )
            sentence = (
                f"{what} is complete: every required answer is given. Kept as version {revision.number}."
            )
    if args.json:
        _print_json([], stdout)
    else:
        stdout.write(sentence + "\n")
    return EXIT_OK


def _demo(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.demo import generate as demo  # noqa: PLC0415
    from caf_desktop.store.store import (  # noqa: PLC0415
        DATABASE_FILE,
        KEY_FILE,
        Profile,
        Store,
        all_or_nothing,
        refuse_unsuitable_home,
    )

    if _database_url(args):
        raise CafError(
            "`caf-desktop demo` fills only the encrypted store in a home folder, never a shared database. "
            f"Run it without --database-url and with {DATABASE_URL_VARIABLE} unset."
        )
    home = paths.home()
    if (home / KEY_FILE).exists() or (home / DATABASE_FILE).exists():
        ids = _fill_with_samples(Store.open(home, _passphrase()), args)
        made = ""
    else:
        passphrase = os.environ.get(PASSPHRASE_VARIABLE, "")
        if not passphrase:
            raise CafError(
                f"There is no store of records in {home} yet. Run `caf-desktop init --name NAME` first, "
                f"or set {PASSPHRASE_VARIABLE} and demo makes one for a '{demo.DEMO_USER}'."
            )
        _strong_enough(passphrase)
        refuse_unsuitable_home(home)
        try:
            # A store demo makes is made whole with its samples, or not at all (a full disk).
            with all_or_nothing(home):
                profile = Profile(demo.DEMO_USER, "worker", demo.DEMO_ORGANISATION)
                ids = _fill_with_samples(Store.create(home, passphrase, profile), args)
        except OSError as error:
            raise CafError(
                f"The store cannot be made in {home}: {error.strerror or 'the system refused'}. Nothing was "
                "left behind; free some space or choose another --home, then run demo again."
            ) from None
        except CafError as error:
            raise CafError(
                f"{error} Nothing was left behind in {home}; run demo again once that is put right."
            ) from None
        made = f"Created a store for '{demo.DEMO_USER}' in {home}. "
    stdout.write(
        f"{made}Added {len(ids)} fictional sample record{'s' if len(ids) != 1 else ''}. "
        "Every child, family and practitioner in them is invented.\n"
    )
    return EXIT_OK


def _fill_with_samples(store: Store, args: argparse.Namespace) -> list[str]:
    """Adds the demo's fictional records to `store`, and closes it."""
    from caf_desktop.demo import generate as demo  # noqa: PLC0415
    from caf_desktop.store.store import RecordQuery  # noqa: PLC0415

    try:
        # Each run on the same home adds a different set, unless --seed asks for a given one.
        seed = (
            args.seed
            if args.seed is not None
            else demo.DEFAULT_SEED + store.count(RecordQuery(include_deleted=True))
        )
        return list(demo.populate(store, args.records, seed=seed))
    finally:
        store.close()


def _db_passwd(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.store.store import Store  # noqa: PLC0415

    _refuse_shared(args, "db passwd")
    home = _home_with_store()
    old = _passphrase(prompt="Current passphrase: ")
    store = Store.open(home, old)  # a wrong passphrase stops here, before a new one is asked for
    try:
        new = _passphrase(NEW_PASSPHRASE_VARIABLE, "New passphrase: ", confirm=True)
        _strong_enough(new)
        if new == old:
            raise CafError("The new passphrase is the same as the current one; nothing was changed.")
        store.change_passphrase(old, new)
    finally:
        store.close()
    stdout.write(
        "The passphrase is changed: use the new one from now on. The records were not rewritten; "
        "backups made before now still open with the old passphrase.\n"
    )
    return EXIT_OK


def _db_backup(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.store.store import Store  # noqa: PLC0415

    _refuse_shared(args, "db backup")
    out = Path(args.out)
    if out.exists():  # checked before asking for the passphrase; Store.backup checks again
        raise CafError(f"{out} already exists; nothing was written. Choose a new file name.")
    home = _home_with_store()
    passphrase = _passphrase()
    store = Store.open(home, passphrase)
    try:
        store.backup(out, passphrase)
    finally:
        store.close()
    stdout.write(
        f"Wrote an encrypted backup of the records to {out}. It opens with the passphrase in use now, "
        "without the key file: keep it as safe as the laptop.\n"
    )
    return EXIT_OK


def _audit_verify(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    with _opened(args) as store:
        report = store.verify_audit()
    if args.json:
        _print_json(
            {
                "ok": report.ok,
                "checked": report.checked,
                "broken_at": report.broken_at,
                "message": report.message,
            },
            stdout,
        )
    elif report.ok:
        stdout.write(report.message + "\n")
    else:
        stdout.write(f"The first broken link: {report.message}\n")
    if not report.ok:
        stderr.write(
            f"The audit trail is not intact: {report.checked} event{'s' if report.checked != 1 else ''} "
            "checked before the first broken link. Tell your coordinator; do not change the database.\n"
        )
        return EXIT_INVALID
    return EXIT_OK


# --- bug reports without personal data ---------------------------------------------------------------------

_WORD = re.compile(r"\w+")
_REMOVED = "[removed]"


class _Redactor:
    """What a bug report must not repeat: the text of every document, name and passphrase this command
    handled. The stack of a bug is code and safe to log; its message may quote data, so it is scrubbed."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.words: set[str] = set()

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


_redactor = _Redactor()


# --- entry points ---------------------------------------------------------------------------------------


def run(argv: Sequence[str], stdout: TextIO, stderr: TextIO) -> int:
    """Runs one command line and returns its exit status; never raises for anything a user can cause."""
    global _redactor  # noqa: PLW0603 - one command at a time: a fresh memory of what a bug report must not say
    _redactor = _Redactor()
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
    handler: Handler | None = getattr(args, "handler", None)
    try:
        if args.home:
            paths.set_home(args.home)
        paths.home()  # a home named in the environment is checked here too, before any command
        if handler is None:
            return _start_gui(stdout, stderr)
        return handler(args, stdout, stderr)
    except CafError as error:
        stderr.write(f"{error}\n")
        return error.exit_status
    except KeyboardInterrupt:
        stderr.write("Stopped.\n")
        return 130
    except BrokenPipeError:
        return _quiet_after_closed_pipe()
    except Exception:  # noqa: BLE001 - the last line of defence: a bug becomes an apology and a log entry
        return _report_bug(stderr)


def _report_bug(stderr: TextIO) -> int:
    error = sys.exc_info()[1]
    details = _redactor.report(error) if error is not None else ""
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
    library_warnings.send_to_log()
    status = run(sys.argv[1:], sys.stdout, sys.stderr)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        status = _quiet_after_closed_pipe()
    sys.exit(status)


def _quiet_after_closed_pipe() -> int:
    """The reader of our output went away (`caf-desktop records list | head -1`): that is normal, so stop
    without a word. Python would complain again when it flushes stdout at exit, so point stdout at the
    null device first. The status is a shell's for a program ended by SIGPIPE."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file behind stdout (a test's StringIO)
        pass
    return EXIT_CLOSED_PIPE
