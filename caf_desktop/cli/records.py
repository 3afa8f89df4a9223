"""The `records` commands: add, list, show, export and complete the records of the store."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from caf_desktop.cli import common as cli
from caf_desktop.cli import versions
from caf_desktop.common import jsonfiles
from caf_desktop.common.errors import CafError
from caf_desktop.common.findings import Finding


def add_commands(commands: Any) -> None:
    """`records add`, `list`, `show`, `export` and `complete`."""
    records = commands.add_parser("records", help="add, list, show, export and complete records")
    records_commands = records.add_subparsers(
        dest="records_command", metavar="SUBCOMMAND", required=True, parser_class=cli.Parser
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
    versions.add_records_commands(records_commands)


def _records_add(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formengine import validation  # noqa: PLC0415
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    definition = installed_catalogue().lookup(args.form)
    document = jsonfiles.load(Path(args.data))
    cli.redactor.remember(document)
    # A document of another form would pass a draft check of this one (every answer is optional).
    found = validation.foreign_answers(definition, document) or validation.findings(definition, document)
    if found:
        return cli.report_findings(
            found,
            args.data,
            "(draft check); nothing was stored.",
            json_out=args.json,
            stdout=stdout,
            stderr=stderr,
        )
    with cli.opened(args) as store:
        info = store.add_record(definition, document)
    if args.json:
        cli.print_json({"id": info.id}, stdout)
    else:
        stdout.write(f"{info.id}\n")
    return cli.EXIT_OK


def _records_list(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    with cli.opened(args) as store:
        records = store.list_records()
    cli.redactor.remember([r.child for r in records])
    if args.json:
        cli.print_json(
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
    return cli.EXIT_OK


def _records_show(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    with cli.opened(args) as store:
        info = store.get(args.id)
    cli.redactor.remember([info.child, info.lead_professional, info.document])
    if args.json:
        cli.print_json(
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
        return cli.EXIT_OK
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
    cli.print_json(info.document, stdout)
    return cli.EXIT_OK


def _records_export(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.common import atomic  # noqa: PLC0415

    out = Path(args.out)
    exists = CafError(
        f"{out} already exists; nothing was written. Choose a new name, or add --force to replace it."
    )
    if out.exists() and not args.force:
        raise exists
    with cli.opened(args) as store:
        info = store.get(args.id)
        cli.redactor.remember(info.document)
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
    return cli.EXIT_OK


PAST_COMPLETE = ("signed", "shared", "closed")


def _records_complete(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Record, Mark complete from the command line: the same check and the same `Store.save` call as
    the GUI's, so the record keeps a complete version (and can then be signed)."""
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415
    from caf_desktop.practice import completion  # noqa: PLC0415

    with cli.opened(args) as store:
        info = store.get(args.id)
        cli.redactor.remember([info.child, info.lead_professional, info.document])
        definition = installed_catalogue().get(info.form_id, info.form_version)
        # The working copy, as the GUI checks what is on screen: typing kept by autosave counts.
        found: list[Finding] = completion.findings(definition, info.document)
        what = f"Record {info.id} ({definition.title} {definition.version})"
        if found:
            return cli.report_findings(
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
        cli.print_json([], stdout)
    else:
        stdout.write(sentence + "\n")
    return cli.EXIT_OK
