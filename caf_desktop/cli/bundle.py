"""The command line's `bundle` commands: export, import, inspect, and the sync conflicts they leave.

Exit statuses follow CONTRACT.md: 0 done; 1 a bundle was rejected, consent did not cover sharing, or a
record was invalid; 2 a usage or input error (a file that is not there, a wrong passphrase, no team).
docs/bundles.md describes the bundle and what an import changes.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from caf_desktop.cli import common as cli
from caf_desktop.common import jsonfiles, paths
from caf_desktop.common.errors import CafError

if TYPE_CHECKING:
    from caf_desktop.store.store import Store
    from caf_desktop.sync.bundles import Addressee, BundleFacts
    from caf_desktop.trust.identity import Identity
    from caf_desktop.trust.team import TeamFile


def add_commands(commands: Any) -> None:
    """Adds this module's subcommands to the `caf-desktop` parser."""
    from caf_desktop.practice.sharing import PUBLIC_INTEREST_GROUNDS  # noqa: PLC0415

    bundle = commands.add_parser("bundle", help="signed, encrypted sync bundles to and from the team")
    bundle_commands = bundle.add_subparsers(
        dest="bundle_command", metavar="SUBCOMMAND", required=True, parser_class=cli.Parser
    )

    export = bundle_commands.add_parser(
        "export", help="write a signed, encrypted bundle of records (consent to share applies)"
    )
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every record that may be shared")
    which.add_argument(
        "--changed", action="store_true", help="the records changed since the last bundle to the same people"
    )
    which.add_argument("ids", nargs="*", metavar="ID", default=[], help="the records to send")
    export.add_argument(
        "--out",
        required=True,
        metavar="FILE.cafbundle",
        help="the file to write (it must not exist), or a folder to write a named bundle in",
    )
    export.add_argument(
        "--to",
        metavar="WORKER",
        help="(coordinator) the worker to send to: their name or certificate fingerprint from their "
        "enrolment, or an age recipient (age1...). Default: the team's coordinators",
    )
    export.add_argument(
        "--share-without-consent",
        metavar="REASON",
        help="share records that consent does not cover, for this reason (recorded in the audit trail)",
    )
    export.add_argument(
        "--ground",
        choices=[key for key, _ in PUBLIC_INTEREST_GROUNDS],
        default="child_at_risk",
        help="the ground for sharing without consent (default: child_at_risk)",
    )
    export.add_argument(
        "--with-team-file", action="store_true", help="(coordinator) send the current team file too"
    )
    export.add_argument(
        "--with-form",
        action="append",
        default=[],
        metavar="FILE.json",
        help="(coordinator) send a form definition or threshold ruleset too (repeatable)",
    )
    export.set_defaults(handler=_export)

    import_ = bundle_commands.add_parser(
        "import", help="import bundles (files, or folders of *.cafbundle files)"
    )
    import_.add_argument("paths", nargs="+", metavar="FILE|FOLDER", help="the bundles")
    import_.add_argument(
        "--json",
        action="store_true",
        help='print {"imported", "updated", "identical", "conflicts", "outdated", "bundles", '
        '"rejected": [{"file", "reason"}], "already_imported": [{"file", "message"}]}',
    )
    import_.set_defaults(handler=_import)

    inspect = bundle_commands.add_parser(
        "inspect", help="check a bundle and show what importing it would do, without importing"
    )
    inspect.add_argument("path", metavar="FILE", help="the bundle")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.set_defaults(handler=_inspect)

    conflicts = bundle_commands.add_parser(
        "conflicts", help="records changed on both sides, waiting for a person to decide"
    )
    conflicts.add_argument("--all", action="store_true", help="include the conflicts already settled")
    conflicts.add_argument("--json", action="store_true", help="print JSON")
    conflicts.set_defaults(handler=_conflicts)

    resolve = bundle_commands.add_parser("resolve", help="settle a sync conflict")
    resolve.add_argument("id", metavar="ID", help="the conflict's id (`bundle conflicts` lists them)")
    how = resolve.add_mutually_exclusive_group(required=True)
    how.add_argument(
        "--keep",
        choices=("stored", "incoming"),
        help="keep the version stored here, or the incoming one from the bundle",
    )
    how.add_argument(
        "--combined",
        metavar="DATA.json",
        help="keep a version that combines both (a document you made from `bundle conflicts --json`)",
    )
    resolve.set_defaults(handler=_resolve)


# --- opening what a bundle needs ------------------------------------------------------------------------


@contextmanager
def _unlocked(args: argparse.Namespace) -> Iterator[tuple[Store, Identity, TeamFile]]:
    """The store, the user's identity and the team, with the passphrase asked for once."""
    from caf_desktop.store.store import Store  # noqa: PLC0415
    from caf_desktop.trust import (  # noqa: PLC0415
        identity,
        team,
    )

    home = paths.home()
    joined = team.load_joined_team(home)
    if joined is None:
        raise team.NotJoined(home)
    passphrase = cli.ask_passphrase()
    own = identity.load_identity(home, passphrase)
    if cli.database_url(args):
        with cli.opened(args) as store:
            yield store, own, joined
        return
    store = Store.open(cli.home_with_store(), passphrase)
    try:
        yield store, own, joined
    finally:
        store.close()


def _addressee(text: str, team: TeamFile) -> Addressee:
    from caf_desktop.sync import bundles  # noqa: PLC0415

    wanted = text.strip()
    if wanted.startswith("age1"):
        return bundles.worker_addressee(wanted, wanted)
    members = bundles.members_of(paths.home())
    compact = wanted.replace(" ", "").replace(":", "").lower()
    found = [
        m
        for m in members
        if m.name.casefold() == " ".join(wanted.split()).casefold()
        or (len(compact) >= 16 and any(c.startswith(compact) for c in m.certificates))
    ]
    if not found:
        known = ", ".join(sorted({m.name for m in members})) or "none yet"
        raise CafError(
            f"No enrolled worker is called or has the fingerprint {wanted!r} (workers enrolled here: {known}). "
            "Give their age recipient (age1...) instead, from their enrolment request."
        )
    if len({m.age_recipients for m in found}) > 1:
        raise CafError(
            f"More than one enrolled worker is called {wanted!r}: name them by fingerprint instead."
        )
    return found[-1]


def _attachments(args: argparse.Namespace, team: TeamFile) -> list[Any]:
    from caf_desktop.formengine.checker import is_ruleset  # noqa: PLC0415
    from caf_desktop.sync import bundles  # noqa: PLC0415

    attachments = []
    if args.with_team_file:
        attachments.append(bundles.Attachment(bundles.TEAM_FILE, json.dumps(dict(team.document)).encode()))
    for name in args.with_form:
        path = Path(name)
        raw = jsonfiles.load(path)
        folder = bundles.RULESETS_FOLDER if is_ruleset(raw) else bundles.FORMS_FOLDER
        if (
            not isinstance(raw, dict)
            or not isinstance(raw.get("id"), str)
            or not isinstance(raw.get("version"), str)
        ):
            raise CafError(
                f"{path}: this is not a form definition or threshold ruleset (it has no id and version)."
            )
        attachments.append(
            bundles.Attachment(f"{folder}/{raw['id']}/{raw['version']}.json", path.read_bytes())
        )
    return attachments


# --- handlers -------------------------------------------------------------------------------------------


def _export(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.practice.sharing import ShareWithoutConsent  # noqa: PLC0415
    from caf_desktop.sync import bundles  # noqa: PLC0415

    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise CafError(f"{out} already exists; nothing was written. Choose a new file name.")
    if not out.exists() and not out.parent.is_dir():
        raise CafError(f"The folder {out.parent} does not exist; nothing was written.")
    selection: Any = (
        bundles.Selection.ALL if args.all else bundles.Selection.CHANGED if args.changed else args.ids
    )
    if args.share_without_consent is not None:
        cli.redactor.remember(args.share_without_consent)
    with _unlocked(args) as (store, own, team):
        if (args.with_team_file or args.with_form) and args.to is None:
            raise CafError(
                "Forms and the team file go from the coordinator to a worker: name the worker with --to."
            )
        addressee = _addressee(args.to, team) if args.to is not None else None
        decision = None
        if args.share_without_consent is not None:
            profile = store.profile()
            decision = ShareWithoutConsent(
                reason=args.share_without_consent,
                decided_by=profile.name if profile is not None else own.name,
                ground=args.ground,
            )
        report = bundles.export_bundle(
            store,
            own,
            team,
            selection,
            out,
            to=addressee,
            without_consent=decision,
            attachments=_attachments(args, team),
        )
    count = len(report.record_ids)
    stdout.write(
        f"Wrote {count} record{'s' if count != 1 else ''}"
        + (
            f" and {len(report.attachments)} other file{'s' if len(report.attachments) != 1 else ''}"
            if report.attachments
            else ""
        )
        + f" to {report.path}, for {report.addressee.name} (bundle number {report.sequence}). "
        "It is encrypted: only they and you can open it.\n"
    )
    if report.unsaved_typing:
        stdout.write(
            f"{len(report.unsaved_typing)} record{'s' if len(report.unsaved_typing) != 1 else ''} had typing "
            "not yet saved as a version: the last saved version was sent. Save, then export again to send it.\n"
        )
    if report.left_out:
        stdout.write(
            f"Left out {len(report.left_out)} record{'s' if len(report.left_out) != 1 else ''} of forms that are "
            "never shared (such as the pre-assessment checklist).\n"
        )
    if report.without_consent:
        stdout.write(
            f"{len(report.without_consent)} record{'s' if len(report.without_consent) != 1 else ''} shared without "
            "consent, as you decided; the decision is in the audit trail.\n"
        )
    return cli.EXIT_OK


def _import(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.common.errors import FileMissing  # noqa: PLC0415
    from caf_desktop.sync import bundles  # noqa: PLC0415

    paths_given = [Path(p) for p in args.paths]
    for path in paths_given:
        if not path.exists():
            raise FileMissing(str(path))
    files = bundles.bundle_files(paths_given)
    if not files:
        raise CafError(
            f"There are no {bundles.SUFFIX} files in {', '.join(args.paths)}; nothing was imported."
        )
    with _unlocked(args) as (store, own, team):
        report = bundles.import_bundles(store, own, team, files, home=paths.home())
    if args.json:
        cli.print_json(report.as_json(), stdout)
    else:
        for result in report.imported:
            counts = ", ".join(
                f"{result.count(change)} {change.value}"
                for change in bundles.Change
                if result.count(change) or change is bundles.Change.NEW
            )
            stdout.write(f"{result.bundle.path}: imported from {result.bundle.signer.name}: {counts}.\n")
            for name in result.installed:
                stdout.write(f"  took in {name} from the coordinator.\n")
        conflicts = report.count(bundles.Change.CONFLICT)
        if conflicts:
            stdout.write(
                f"{conflicts} record{'s were' if conflicts != 1 else ' was'} changed on both sides: both versions are "
                "kept. `caf-desktop bundle conflicts` lists them; `bundle resolve` settles each.\n"
            )
        for repeat in report.already_imported:
            stdout.write(f"{repeat.path}: {repeat.reason}\n")
    for rejected in report.rejected:
        stderr.write(f"{rejected.path}: {rejected.reason}\n")
    return cli.EXIT_INVALID if report.rejected else cli.EXIT_OK


def _facts_json(facts: BundleFacts) -> dict[str, Any]:
    return {
        "bundle": facts.bundle_id,
        "team": facts.team_id,
        "sender": facts.sender_name,
        "sender_fingerprint": facts.sender_fingerprint,
        "sequence": facts.sequence,
        "created": facts.created,
        "recipients": list(facts.recipients),
        "records": facts.record_count,
    }


def _inspect(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.sync import bundles  # noqa: PLC0415

    path = Path(args.path)
    with _unlocked(args) as (store, own, team):
        try:
            plan = bundles.inspect_bundle(store, own, team, path)
        except bundles.BundleAlreadyImported as repeat:
            # Verified as far as the replay check, and byte for byte the file imported before.
            if args.json:
                cli.print_json(
                    {
                        "file": str(path),
                        **_facts_json(repeat.facts),
                        "verified": True,
                        "problem": None,
                        "already_imported": True,
                        "message": repeat.reason,
                    },
                    stdout,
                )
            else:
                _describe(repeat.facts, stdout, verified=True)
                stdout.write(f"Already imported. {repeat.reason}\n")
            return cli.EXIT_OK
        except bundles.BundleRejected as error:
            if args.json:
                cli.print_json(
                    {
                        "file": str(path),
                        **_facts_json(error.facts),
                        "verified": False,
                        "problem": error.reason,
                    },
                    stdout,
                )
            else:
                _describe(error.facts, stdout, verified=False)
                stdout.write(f"Verification: REJECTED. {error.reason}\n")
            stderr.write(f"{path}: {error.reason}\n")
            return cli.EXIT_INVALID
    changes = {change.value: plan.count(change) for change in bundles.Change}
    cli.redactor.remember([c.child for c in plan.changes] + [c.possible_match for c in plan.changes])
    if args.json:
        cli.print_json(
            {
                "file": str(path),
                **_facts_json(plan.facts),
                "verified": True,
                "problem": None,
                "sender_role": plan.bundle.sender_role,
                "plan": changes,
                "changes": [
                    {
                        "id": c.record_id,
                        "change": c.change.value,
                        "form_id": c.form_id,
                        "form_version": c.form_version,
                        "incoming_version": c.incoming_version,
                        "stored_version": c.stored_version,
                        "child": c.child,
                        "possible_match": c.possible_match or None,
                    }
                    for c in plan.changes
                ],
                "files": sorted(plan.bundle.attachments),
            },
            stdout,
        )
        return cli.EXIT_OK
    _describe(plan.facts, stdout, verified=True)
    stdout.write(
        f"Verification: passed. Signed by {plan.facts.sender_name} ({plan.bundle.sender_role}), "
        "certificate issued by the team and not revoked; every file matches its manifest; every record is valid.\n"
    )
    stdout.write("Importing it would: " + ", ".join(f"{n} {k}" for k, n in changes.items()) + ".\n")
    for change in plan.changes:
        stdout.write(
            f"  {change.change.value:<9}  {change.record_id}  {change.form_id} {change.form_version}  "
            f"version {change.incoming_version}  {change.child}\n"
        )
        if change.possible_match:
            stdout.write(
                f"             possible match: {change.possible_match}, already here; kept apart, check whether "
                "this is the same child\n"
            )
    for name in sorted(plan.bundle.attachments):
        stdout.write(f"  also: {name}\n")
    return cli.EXIT_OK


def _describe(facts: BundleFacts, stdout: TextIO, *, verified: bool) -> None:
    said = "" if verified else " (as the bundle says: not verified)"
    rows = [
        ("Bundle", facts.bundle_id),
        ("Sender", f"{facts.sender_name or '?'}{said}"),
        ("Fingerprint", facts.sender_fingerprint),
        ("Sequence", str(facts.sequence) if facts.sequence is not None else None),
        ("Created", facts.created),
        ("For", ", ".join(facts.recipients) or None),
        ("Records", str(facts.record_count) if facts.record_count is not None else None),
    ]
    for label, value in rows:
        if value:
            stdout.write(f"{label + ':':<13}{value}\n")


def _conflicts(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    with cli.opened(args) as store:
        found = store.conflicts(include_resolved=args.all)
        children = {c.record_id: store.get(c.record_id).child for c in found}
    cli.redactor.remember(list(children.values()))
    if args.json:
        cli.print_json(
            [
                {
                    "id": c.id,
                    "record": c.record_id,
                    "child": children[c.record_id],
                    "from": c.sender_name,
                    "bundle": c.bundle_id,
                    "stored_version": c.stored_version,
                    "incoming_version": c.incoming_version,
                    "incoming_status": c.incoming_status,
                    "incoming_form": f"{c.incoming_form_id}@{c.incoming_form_version}",
                    "received": c.received.isoformat(),
                    "resolved": c.resolved.isoformat() if c.resolved else None,
                    "kept": c.resolution,
                    "incoming_document": c.incoming_document,
                }
                for c in found
            ],
            stdout,
        )
        return cli.EXIT_OK
    if not found:
        stdout.write("No sync conflicts: every imported record was new, an update, or the same.\n")
        return cli.EXIT_OK
    for c in found:
        state = f"settled: kept {c.resolution}" if c.resolved else "waiting"
        stdout.write(
            f"{c.id}  record {c.record_id} ({children[c.record_id] or 'no name'}): version {c.stored_version} here, "
            f"version {c.incoming_version} from {c.sender_name} ({c.received:%Y-%m-%d}); {state}\n"
        )
    stdout.write(
        "Settle each with `caf-desktop bundle resolve ID --keep stored|incoming` "
        "(or --combined DATA.json); `bundle conflicts --json` shows the incoming versions.\n"
    )
    return cli.EXIT_OK


def _resolve(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.sync import bundles  # noqa: PLC0415

    document = None
    if args.combined is not None:
        document = jsonfiles.load(Path(args.combined))
        cli.redactor.remember(document)
        if not isinstance(document, dict):
            raise CafError(f"{args.combined}: this file does not hold a document (it is not a JSON object).")
    keep = args.keep or "combined"
    with cli.opened(args) as store:
        info = bundles.resolve_conflict(store, args.id, keep, document)
    what = {
        "stored": "the version stored here",
        "incoming": "the incoming version",
        "combined": "your combined version",
    }
    stdout.write(
        f"Settled: record {info.id} now holds {what[keep]} (version {info.version}). The other version is kept "
        "in its history.\n"
    )
    return cli.EXIT_OK
