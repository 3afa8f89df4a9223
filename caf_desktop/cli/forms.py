"""The `forms` and `validate` commands: the installed form definitions, and checking a document against one."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from caf_desktop.cli import common as cli
from caf_desktop.cli import versions
from caf_desktop.common import jsonfiles
from caf_desktop.common.findings import Finding


def add_commands(commands: Any) -> None:
    """`forms list`, `forms check` and `validate`."""
    forms = commands.add_parser("forms", help="list and check form definitions")
    forms_commands = forms.add_subparsers(
        dest="forms_command", metavar="SUBCOMMAND", required=True, parser_class=cli.Parser
    )
    forms_list = forms_commands.add_parser("list", help="installed form definitions")
    forms_list.add_argument("--json", action="store_true", help="print JSON")
    forms_list.set_defaults(handler=_forms_list)
    forms_check = forms_commands.add_parser(
        "check", help="check form definitions (default: every installed one)"
    )
    forms_check.add_argument("paths", nargs="*", metavar="PATH", help="definition files, or folders of them")
    forms_check.set_defaults(handler=_forms_check)
    versions.add_forms_commands(forms_commands)

    validate = commands.add_parser("validate", help="check a document against its form")
    validate.add_argument("form", metavar="FORM_ID", help="the form id, optionally with @VERSION")
    validate.add_argument("data", metavar="DATA.json", help="the document")
    validate.add_argument(
        "--complete", action="store_true", help="apply the 'mark complete' rules: every required answer"
    )
    validate.add_argument("--json", action="store_true", help='print [{"path", "message"}]')
    validate.set_defaults(handler=_validate)


def _forms_list(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415 - keeps `--version` instant

    definitions = installed_catalogue().all()
    if args.json:
        cli.print_json([{"id": d.id, "version": d.version, "title": d.title} for d in definitions], stdout)
    else:
        width = max((len(d.id) for d in definitions), default=0)
        for d in definitions:
            stdout.write(f"{d.id:<{width}}  {d.version:<8}  {d.title}\n")
    return cli.EXIT_OK


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
        return cli.EXIT_USAGE
    return cli.EXIT_INVALID if problems else cli.EXIT_OK


def _validate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formengine import validation  # noqa: PLC0415
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415
    from caf_desktop.practice import completion  # noqa: PLC0415

    definition = installed_catalogue().lookup(args.form)
    document = jsonfiles.load(Path(args.data))
    cli.redactor.remember(document)
    found: list[Finding] = (
        completion.findings(definition, document)
        if args.complete
        else validation.findings(definition, document)
    )
    mode = "complete" if args.complete else "draft"
    if found:
        return cli.report_findings(
            found, args.data, f"({mode} check).", json_out=args.json, stdout=stdout, stderr=stderr
        )
    if args.json:
        cli.print_json([], stdout)
    else:
        stdout.write(f"{args.data}: no problems ({definition.title} {definition.version}, {mode} check).\n")
    return cli.EXIT_OK
