"""Changing a published form: `forms diff`, `forms publish` and `records migrate`.

A published version never changes. A new version is compared with the one before it, each change
graded (`caf_desktop.formengine.changes`) with how many records of this home it touches; publishing
refuses a breaking change without its migration step; drafts then move to the new version through
the chain of migrations, with a preview of every answer that changes, each move a new revision that
restoring the revision before it undoes. Complete, signed and shared records never move.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from caf_desktop.cli import common as cli
from caf_desktop.common import jsonfiles
from caf_desktop.common.errors import CafError

if TYPE_CHECKING:
    from caf_desktop.formengine.changes import DefinitionChange
    from caf_desktop.formengine.definitions import FormDefinition
    from caf_desktop.formengine.migration import AnswerChange
    from caf_desktop.store.info import RecordInfo


def add_forms_commands(forms_commands: Any) -> None:
    """`forms diff` and `forms publish`."""
    diff = forms_commands.add_parser("diff", help="every change between two versions of a form, graded")
    diff.add_argument("old", metavar="OLD.json", help="the earlier version's definition file")
    diff.add_argument("new", metavar="NEW.json", help="the later version's definition file")
    diff.add_argument(
        "--json", action="store_true", help='print [{"path", "change", "grade", "text", "records"}]'
    )
    diff.set_defaults(handler=_forms_diff)
    publish = forms_commands.add_parser(
        "publish", help="check a new version of a form and install it in this home, read-only"
    )
    publish.add_argument("file", metavar="FILE", help="the new version's definition file")
    publish.add_argument("--json", action="store_true", help="print what was published as JSON")
    publish.set_defaults(handler=_forms_publish)


def add_records_commands(records_commands: Any) -> None:
    """`records migrate`."""
    migrate = records_commands.add_parser(
        "migrate", help="move drafts to a newer version of their form, with the answers that change"
    )
    migrate.add_argument("ids", nargs="*", metavar="ID", help="the records to move (or --drafts)")
    migrate.add_argument(
        "--drafts", action="store_true", help="every draft of the form made with an older version"
    )
    migrate.add_argument("--to", required=True, metavar="FORM@VERSION", help="the version to move to")
    migrate.add_argument("--dry-run", action="store_true", help="show what would change; move nothing")
    migrate.add_argument("--json", action="store_true", help="print JSON")
    migrate.set_defaults(handler=_records_migrate)


# --- forms diff -------------------------------------------------------------------------------------------


def _definition_file(name: str) -> FormDefinition:
    from caf_desktop.formengine.definitions import load  # noqa: PLC0415

    raw = jsonfiles.load(Path(name))
    if not isinstance(raw, dict):
        raise CafError(f"{name}: this file does not hold a form definition (it is not a JSON object).")
    return load(raw, name)


def _home_records(args: argparse.Namespace, form_id: str, version: str) -> list[RecordInfo]:
    """The records of this home (or the shared database) made with this version of the form, not
    deleted; none when the home has no store yet."""
    from caf_desktop.store.store import StoreNotInitialised  # noqa: PLC0415

    if not cli.database_url(args):
        try:
            cli.home_with_store()
        except StoreNotInitialised:
            return []
    with cli.opened(args) as store:
        return store.records_of_form(form_id, version)


def _counted(
    changes: list[DefinitionChange], records: list[RecordInfo]
) -> list[tuple[DefinitionChange, int]]:
    from caf_desktop.formengine.changes import affects  # noqa: PLC0415

    return [(c, sum(1 for r in records if affects(c, r.document))) for c in changes]


def _forms_diff(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formengine.changes import compare  # noqa: PLC0415

    old, new = _definition_file(args.old), _definition_file(args.new)
    if old.id != new.id:
        raise CafError(
            f"{args.old} is {old.id} and {args.new} is {new.id}: compare two versions of the same form."
        )
    counted = _counted(compare(old, new), _home_records(args, old.id, old.version))
    if args.json:
        cli.print_json([change.as_json(records) for change, records in counted], stdout)
        return cli.EXIT_OK
    for change, records in counted:
        held = f" ({records} record{'s' if records != 1 else ''} in this home)" if records else ""
        covered = " Its migration handles it." if change.covered else ""
        stdout.write(f"{change.grade:<8}  {change.text}{covered}{held}\n")
    stderr.write(f"{old.id} {old.version} to {new.version}: {_summary(c for c, _ in counted)}\n")
    return cli.EXIT_OK


def _summary(changes: Any) -> str:
    grades = [c.grade for c in changes]
    if not grades:
        return "no changes to the questions."
    parts = [f"{grades.count(g)} {g}" for g in ("breaking", "risky", "safe") if grades.count(g)]
    return f"{len(grades)} change{'s' if len(grades) != 1 else ''} ({', '.join(parts)})."


# --- forms publish ----------------------------------------------------------------------------------------


def _forms_publish(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formengine import publishing  # noqa: PLC0415
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    plan = publishing.plan(installed_catalogue(), _definition_file(args.file))
    if plan.refusal is not None:
        stderr.write(f"{args.file}: {plan.refusal}\n")
        return cli.EXIT_INVALID
    if plan.problems:
        for problem in plan.problems:
            stdout.write(f"{args.file}: {problem}\n")
        stderr.write(
            f"{args.file}: not published: {len(plan.problems)} problem{'s' if len(plan.problems) != 1 else ''} "
            "would strand answers already given.\n"
        )
        return cli.EXIT_INVALID
    new, previous = plan.new, plan.previous
    target = publishing.install(new)
    suggestion = (
        publishing.suggested_version(previous.version, plan.changes) if previous is not None else None
    )
    if args.json:
        cli.print_json(
            {
                "id": new.id,
                "version": new.version,
                "previous": previous.version if previous else None,
                "path": str(target),
                "changes": [c.as_json() for c in plan.changes],
                "suggested_version": suggestion,
            },
            stdout,
        )
        return cli.EXIT_OK
    what = _summary(plan.changes) if previous is not None else "a new form."
    stdout.write(f"Published {new.id} {new.version} ({new.title}): {what}\n")
    if previous is not None:
        stdout.write(
            f"New records use it. Drafts made with {previous.version} move when you run "
            f"`caf-desktop records migrate --drafts --to {new.id}@{new.version}` (add --dry-run to see first).\n"
        )
        if suggestion is not None and suggestion != new.version:
            stdout.write(f"Note: from these changes the next version would usually be {suggestion}.\n")
    return cli.EXIT_OK


# --- records migrate --------------------------------------------------------------------------------------


def _records_migrate(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.formengine.definitions import installed_catalogue, version_key  # noqa: PLC0415

    if bool(args.ids) == bool(args.drafts):
        stderr.write(
            "Name the records to move, or give --drafts for every older draft of the form (not both). "
            "Try `caf-desktop records migrate --help`.\n"
        )
        return cli.EXIT_USAGE
    catalogue = installed_catalogue()
    if "@" not in args.to:
        stderr.write(f"--to {args.to}: name the version too, such as --to {args.to}@1.1.0.\n")
        return cli.EXIT_USAGE
    target = catalogue.lookup(args.to)
    results: list[dict[str, Any]] = []
    failed = False
    with cli.opened(args) as store:
        if args.drafts:
            chosen = [
                r
                for d in catalogue.all()
                if d.id == target.id and version_key(d.version) < version_key(target.version)
                for r in store.records_of_form(d.id, d.version)
                if r.status == "draft"
            ]
        else:
            chosen = [store.get(i) for i in args.ids]
        for info in chosen:
            cli.redactor.remember([info.child, info.lead_professional, info.document])
            outcome: dict[str, Any] = {"id": info.id, "from": info.form_version, "to": target.version}
            problem = _why_not(info, target)
            changes: list[AnswerChange] = []
            if problem is None:
                problem, moved, changes = _migrated(catalogue, target, info)
            if problem is None and not args.dry_run:
                store.move_to_version(
                    info.id,
                    moved,
                    target,
                    reason=f"moved from version {info.form_version} to {target.version}",
                )
            outcome.update(
                moved=problem is None and not args.dry_run,
                changes=[c.as_json() for c in changes],
                problem=problem,
            )
            failed = failed or (problem is not None and not (args.drafts and info.status != "draft"))
            results.append(outcome)
    if args.json:
        cli.print_json(results, stdout)
    else:
        for outcome in results:
            _say_move(outcome, stdout)
        count = sum(1 for o in results if o["moved"])
        if args.dry_run:
            stderr.write(
                f"Dry run: {sum(1 for o in results if o['problem'] is None)} record(s) would move; nothing was moved.\n"
            )
        else:
            stderr.write(
                f"{count} record{'s' if count != 1 else ''} moved to {target.id} {target.version}.\n"
            )
    return cli.EXIT_INVALID if failed else cli.EXIT_OK


def _migrated(
    catalogue: Any, target: FormDefinition, info: RecordInfo
) -> tuple[str | None, dict[str, Any], list[AnswerChange]]:
    """The record's document moved through the migrations to `target`, and why it cannot move (a step
    that would lose an answer, or answers the new version does not accept), else None."""
    from caf_desktop.formengine import migration, validation  # noqa: PLC0415

    try:
        steps = migration.chain(catalogue, target.id, info.form_version, target.version)
        moved, changes = migration.apply_chain(steps, info.document)
    except migration.MigrationError as error:
        return str(error), {}, []
    found = validation.findings(target, moved)
    if found:
        return (
            f"after the move {found[0].path}: {found[0].message} The migration needs a step for it; nothing was moved.",
            moved,
            changes,
        )
    return None, moved, changes


def _why_not(info: RecordInfo, target: FormDefinition) -> str | None:
    from caf_desktop.formengine.definitions import version_key  # noqa: PLC0415

    if info.form_id != target.id:
        return f"it is a {info.form_id}, not a {target.id}."
    if info.status != "draft":
        return f"it is {info.status}: only drafts move (a complete, signed or shared record stays as it was)."
    if version_key(info.form_version) >= version_key(target.version):
        return f"it is already at version {info.form_version}."
    return None


def _say_move(outcome: dict[str, Any], stdout: TextIO) -> None:
    head = f"Record {outcome['id']} ({outcome['from']} to {outcome['to']})"
    if outcome["problem"] is not None:
        stdout.write(f"{head}: not moved: {outcome['problem']}\n")
        return
    changes = outcome["changes"]
    if not changes:
        stdout.write(f"{head}: no answer changes.\n")
        return
    stdout.write(f"{head}: {len(changes)} answer{'s' if len(changes) != 1 else ''} change:\n")
    for change in changes:
        if "to" in change:
            stdout.write(f"  {change['path']} moves to {change['to']}\n")
        elif change["after"] is None:
            stdout.write(f"  {change['path']}: {change['before']!r} is removed\n")
        else:
            stdout.write(f"  {change['path']}: {change['before']!r} becomes {change['after']!r}\n")
