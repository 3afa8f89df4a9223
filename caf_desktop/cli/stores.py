"""The commands on the store itself: `init` makes it, `db` changes its passphrase and backs it up, `audit` checks its trail."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from caf_desktop.cli import common as cli
from caf_desktop.common import paths
from caf_desktop.common.errors import CafError


def add_init(commands: Any) -> None:
    """`init`."""
    init = commands.add_parser("init", help="create the encrypted store of records in the home folder")
    init.add_argument("--name", required=True, help="your name, as the audit trail will record it")
    init.add_argument(
        "--role", choices=("worker", "coordinator"), default="worker", help="your role (default: worker)"
    )
    init.add_argument("--organisation", metavar="ORG", default="", help="your organisation")
    init.set_defaults(handler=_init)


def add_commands(commands: Any) -> None:
    """`db passwd`, `db backup` and `audit verify`."""
    db = commands.add_parser("db", help="the encrypted store's passphrase and backups")
    db_commands = db.add_subparsers(
        dest="db_command", metavar="SUBCOMMAND", required=True, parser_class=cli.Parser
    )
    db_passwd = db_commands.add_parser(
        "passwd", help=f"change the passphrase (the new one from {cli.NEW_PASSPHRASE_VARIABLE} or a prompt)"
    )
    db_passwd.set_defaults(handler=_db_passwd)
    db_backup = db_commands.add_parser(
        "backup", help="write an encrypted copy that opens with the passphrase"
    )
    db_backup.add_argument("--out", metavar="FILE", required=True, help="the backup file (must not exist)")
    db_backup.set_defaults(handler=_db_backup)

    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(
        dest="audit_command", metavar="SUBCOMMAND", required=True, parser_class=cli.Parser
    )
    audit_verify = audit_commands.add_parser(
        "verify", help="check that no audit event was changed or removed"
    )
    audit_verify.add_argument(
        "--json", action="store_true", help='print {"ok", "checked", "broken_at", "message"}'
    )
    audit_verify.set_defaults(handler=_audit_verify)


def _init(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.store.store import Profile, Store, refuse_unsuitable_home  # noqa: PLC0415
    from caf_desktop.trust.keyfile import passphrase_strength  # noqa: PLC0415

    name = args.name.strip()
    if not name:
        raise CafError("Give your name with --name: the audit trail records it beside everything you do.")
    profile = Profile(name, args.role, args.organisation.strip())
    cli.redactor.remember([profile.name, profile.organisation])
    url = cli.database_url(args)
    if url:
        shown = cli.shown_url(url)
        store = cli.open_shared(url)  # opening migrates the schema
        try:
            store.set_profile(profile)
            store.audit("profile set", None, {"role": profile.role})
        finally:
            store.close()
        stdout.write(f"The shared database at {shown} is ready; what you do there is recorded as {name}.\n")
        return cli.EXIT_OK
    home = paths.home()
    refuse_unsuitable_home(home)
    passphrase = cli.ask_passphrase(prompt="Choose a passphrase: ", confirm=True)
    cli.strong_enough(passphrase)
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
    return cli.EXIT_OK


def _db_passwd(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.store.store import Store  # noqa: PLC0415

    cli.refuse_shared(args, "db passwd")
    home = cli.home_with_store()
    old = cli.ask_passphrase(prompt="Current passphrase: ")
    store = Store.open(home, old)  # a wrong passphrase stops here, before a new one is asked for
    try:
        new = cli.ask_passphrase(cli.NEW_PASSPHRASE_VARIABLE, "New passphrase: ", confirm=True)
        cli.strong_enough(new)
        if new == old:
            raise CafError("The new passphrase is the same as the current one; nothing was changed.")
        store.change_passphrase(old, new)
    finally:
        store.close()
    stdout.write(
        "The passphrase is changed: use the new one from now on. The records were not rewritten; "
        "backups made before now still open with the old passphrase.\n"
    )
    return cli.EXIT_OK


def _db_backup(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.store.store import Store  # noqa: PLC0415

    cli.refuse_shared(args, "db backup")
    out = Path(args.out)
    if out.exists():  # checked before asking for the passphrase; Store.backup checks again
        raise CafError(f"{out} already exists; nothing was written. Choose a new file name.")
    home = cli.home_with_store()
    passphrase = cli.ask_passphrase()
    store = Store.open(home, passphrase)
    try:
        store.backup(out, passphrase)
    finally:
        store.close()
    stdout.write(
        f"Wrote an encrypted backup of the records to {out}. It opens with the passphrase in use now, "
        "without the key file: keep it as safe as the laptop.\n"
    )
    return cli.EXIT_OK


def _audit_verify(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    with cli.opened(args) as store:
        report = store.verify_audit()
    if args.json:
        cli.print_json(
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
        return cli.EXIT_INVALID
    return cli.EXIT_OK
