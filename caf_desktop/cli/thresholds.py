"""The `thresholds` and `threshold` commands: the threshold guidance (continuum of need)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from caf_desktop.cli import common as cli
from caf_desktop.common import jsonfiles


def add_commands(commands: Any) -> None:
    """`thresholds list` and `threshold`."""
    thresholds = commands.add_parser("thresholds", help="the threshold guidance (continuum of need)")
    thresholds_commands = thresholds.add_subparsers(
        dest="thresholds_command", metavar="SUBCOMMAND", required=True, parser_class=cli.Parser
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
            "pathway": i.route,
        }
        for element in rules.elements
        for i in rules.indicators_of(element)
    ]
    if args.json:
        cli.print_json(rows, stdout)
        return cli.EXIT_OK
    for element_id, element in rules.elements.items():
        stdout.write(f"{element.title} ({rules.domains[element.domain]})\n")
        for row in (r for r in rows if r["element"] == element_id):
            pathway = {"child_protection": " [child protection]", "child_in_need": " [child in need]"}
            stdout.write(
                f"  level {row['level']}  {row['id']}: {row['text']}{pathway.get(str(row['pathway']), '')}\n"
            )
    return cli.EXIT_OK


def _threshold(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.practice.thresholds import evaluate, evaluate_document, parse_indicator_list, ruleset  # noqa: PLC0415

    rules = ruleset()
    if args.indicators is not None:
        result = evaluate(rules, parse_indicator_list(args.indicators))
    else:
        document = jsonfiles.load(Path(args.data))
        if not isinstance(document, dict):
            stderr.write(f"{args.data}: this file does not hold a CAF document (it is not a JSON object).\n")
            return cli.EXIT_USAGE
        result = evaluate_document(rules, document)
    if args.json:
        cli.print_json(result.as_json(), stdout)
        return cli.EXIT_OK
    stdout.write(f"Suggested level {result.level}: {result.label}\n")
    if result.safeguarding:
        stdout.write(
            "SAFEGUARDING: contact children's social care now; police on 999 if the child is in immediate danger.\n"
            "Pathway: child protection (Children Act 1989 s47).\n"
        )
    elif result.pathway == "child_in_need":
        stdout.write(
            "Pathway: child in need (Children Act 1989 s17): refer to children's social care with the family's consent.\n"
        )
    stdout.write("Why:\n" + "".join(f"  - {reason}\n" for reason in result.reasons))
    stdout.write("What to do next:\n" + "".join(f"  - {action}\n" for action in result.actions))
    if result.notices:
        stdout.write("Also note:\n" + "".join(f"  - {notice}\n" for notice in result.notices))
    stdout.write(
        "This is guidance, not a tick box: agree the level with your judgement, and record why if it differs.\n"
    )
    return cli.EXIT_OK
