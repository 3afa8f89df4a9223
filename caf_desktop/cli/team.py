"""The command line's `team` commands: the locality team's CA, the team file, enrolment and revocation.

Each handler checks what it can before asking for the passphrase (a worker running a coordinator's
command, an output file that exists), does the work through `caf_desktop.trust.team`, and records it in the
audit trail by fingerprints and ids. docs/team.md walks through the steps.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from caf_desktop.cli import common as cli
from caf_desktop.common import paths
from caf_desktop.common.errors import CafError

if TYPE_CHECKING:
    from caf_desktop.store.store import Store
    from caf_desktop.trust.team import TeamFile

ASSUME_YES_VARIABLE = "CAF_DESKTOP_ASSUME_YES"

_CONTACT_OPTIONS = (
    ("front_door", "--front-door", "mash", "the children's social care front door (MASH) number"),
    ("out_of_hours", "--out-of-hours", "out_of_hours", "the out-of-hours duty team's number"),
    (
        "police_non_emergency",
        "--police-non-emergency",
        "police_non_emergency",
        "the police non-emergency number (default 101)",
    ),
)


def add_commands(commands: Any) -> None:
    """Adds this module's subcommands to the `caf-desktop` parser."""
    team = commands.add_parser("team", help="the locality team: its certificate authority and enrolment")
    team_commands = team.add_subparsers(
        dest="team_command", metavar="SUBCOMMAND", required=True, parser_class=cli.Parser
    )

    init = team_commands.add_parser(
        "init", help="(coordinator) create the team's certificate authority and team file"
    )
    init.add_argument("--name", required=True, metavar="TEAM", help="the team's name")
    _contact_arguments(init)
    init.set_defaults(handler=_init)

    export = team_commands.add_parser("export", help="(coordinator) write the signed team file")
    export.add_argument("--out", required=True, metavar="TEAM.json", help="the file to write")
    export.add_argument("--force", action="store_true", help="replace TEAM.json if it exists")
    export.set_defaults(handler=_export)

    contacts = team_commands.add_parser(
        "contacts", help="show the locality contacts; (coordinator) set their numbers"
    )
    _contact_arguments(contacts)
    contacts.add_argument("--json", action="store_true", help="print JSON")
    contacts.set_defaults(handler=_contacts)

    backup = team_commands.add_parser(
        "backup-key", help="(coordinator) write the age identity that opens the team's bundles"
    )
    backup.add_argument("--out", required=True, metavar="FILE", help="the key file (must not exist)")
    backup.set_defaults(handler=_backup_key)

    join = team_commands.add_parser("join", help="(worker) trust a team, after checking its fingerprint")
    join.add_argument("team_file", metavar="TEAM.json", help="the team file from the coordinator")
    join.add_argument(
        "--yes",
        action="store_true",
        help=f"do not ask to confirm the fingerprint (for scripts; or set {ASSUME_YES_VARIABLE}=1)",
    )
    join.add_argument(
        "--replace", action="store_true", help="leave the team this home trusts now and trust this one"
    )
    join.set_defaults(handler=_join)

    update = team_commands.add_parser("update", help="(worker) take a newer team file from the team")
    update.add_argument("team_file", metavar="TEAM.json", help="the newer team file")
    update.set_defaults(handler=_update)

    request = team_commands.add_parser("request", help="(worker) write an enrolment request")
    request.add_argument("--out", required=True, metavar="REQUEST.json", help="the file to write")
    request.add_argument("--force", action="store_true", help="replace REQUEST.json if it exists")
    request.set_defaults(handler=_request)

    issue = team_commands.add_parser("issue", help="(coordinator) issue a worker's certificate")
    issue.add_argument("request", metavar="REQUEST.json", help="the worker's enrolment request")
    issue.add_argument("--out", required=True, metavar="CERT.json", help="the file to write")
    issue.add_argument("--force", action="store_true", help="replace CERT.json if it exists")
    issue.set_defaults(handler=_issue)

    install = team_commands.add_parser(
        "install", help="(worker) install the certificate the coordinator issued"
    )
    install.add_argument("issued", metavar="CERT.json", help="the file from the coordinator")
    install.set_defaults(handler=_install)

    revoke = team_commands.add_parser(
        "revoke", help="(coordinator) stop trusting a member's certificate; signs a new team file"
    )
    revoke.add_argument(
        "who",
        metavar="FINGERPRINT|NAME",
        help="the certificate's fingerprint (or its first 16 digits), or the name",
    )
    revoke.set_defaults(handler=_revoke)

    show = team_commands.add_parser("show", help="the team, its fingerprint and this laptop's certificate")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(handler=_show)


def _contact_arguments(parser: argparse.ArgumentParser) -> None:
    for destination, option, _, description in _CONTACT_OPTIONS:
        parser.add_argument(option, dest=destination, metavar="NUMBER", help=description)


def _contact_numbers(args: argparse.Namespace) -> dict[str, str]:
    numbers: dict[str, str] = {}
    for destination, option, contact_id, _ in _CONTACT_OPTIONS:
        value = getattr(args, destination, None)
        if value is not None:
            if not value.strip():
                raise CafError(f"{option} needs a telephone number.")
            numbers[contact_id] = value.strip()
    return numbers


@contextmanager
def _unlocked(args: argparse.Namespace) -> Iterator[tuple[Store, str]]:
    """The store to audit in, and the passphrase that also opens the identity and the team CA (asked for
    once)."""
    from caf_desktop.trust.keyfile import WrongPassphrase  # noqa: PLC0415

    passphrase = cli.ask_passphrase()
    with cli.opened(args, passphrase=passphrase) as store:
        try:
            yield store, passphrase
        except WrongPassphrase:
            # The store opened with this passphrase, so a key file beside it kept an earlier one.
            raise CafError(
                "Your passphrase opens the records but not your identity or the team's certificate authority, "
                "which are still protected by an earlier passphrase (from before `db passwd`?). Nothing was "
                "changed. Ask your IT support for help; do not delete any file in the home folder."
            ) from None


def _coordinator_home() -> Path:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = paths.home()
    if not team.is_coordinator(home):
        raise team.NotACoordinator(home)
    return home


def _free(out: Path, force: bool) -> None:
    from caf_desktop.trust.team import OutputExists  # noqa: PLC0415

    if out.exists() and not force:
        raise OutputExists(out)


def _remember(team: TeamFile) -> None:
    cli.redactor.remember([team.name, [c.name for c in team.coordinators], [r.name for r in team.revoked]])


def _describe_team(team: TeamFile, stdout: TextIO) -> None:
    stdout.write(f"Team: {team.name}\n")
    stdout.write(f"Team file number {team.serial}, signed {team.issued_at:%Y-%m-%d %H:%M} UTC\n")
    for coordinator in team.coordinators:
        stdout.write(f"Coordinator: {coordinator.name}\n")
    stdout.write(f"Fingerprint of the team's certificate authority:\n    {team.readable_fingerprint}\n")


# --- coordinator ----------------------------------------------------------------------------------------


def _init(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = paths.home()
    numbers = _contact_numbers(args)
    cli.redactor.remember(args.name)
    if team.is_coordinator(home):
        raise team.TeamExists(
            f"This home already holds a team's certificate authority ({home / team.TEAM_CA_FILE}). "
            "`caf-desktop team show` describes the team."
        )
    with _unlocked(args) as (store, passphrase):
        profile = store.profile()
        if profile is not None and profile.role != "coordinator":
            stderr.write(
                f"Note: this home's profile says {profile.role or 'no role'}, not coordinator; the team is made anyway.\n"
            )
        made = team.create_team(home, passphrase, args.name, contacts=numbers)
        status = team.certificate_status(home, made)
        store.audit(
            "team created",
            None,
            {
                "team_id": made.team_id,
                "ca": made.fingerprint,
                "certificate": status.certificate and _fingerprint(status.certificate),
                "serial": made.serial,
            },
        )
    _remember(made)
    stdout.write(
        f"Created the team {made.name!r} and its certificate authority; your own certificate is now issued by it.\n"
        f"Fingerprint of the team's certificate authority:\n    {made.readable_fingerprint}\n"
        "Next: `caf-desktop team export --out TEAM.json` and give the file to each worker; read them this "
        "fingerprint on the telephone when they join. `caf-desktop team backup-key --out FILE` keeps a "
        "recovery copy of the key that opens the team's bundles.\n"
    )
    placeholders = [c.name for c in made.contacts if c.placeholder]
    if placeholders:
        stdout.write(
            "Not set yet: " + "; ".join(placeholders) + ". Set them with `caf-desktop team contacts`.\n"
        )
    return cli.EXIT_OK


def _fingerprint(certificate: Any) -> str:
    from caf_desktop.trust.identity import fingerprint  # noqa: PLC0415

    return fingerprint(certificate)


def _export(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = _coordinator_home()
    out = Path(args.out)
    _free(out, args.force)
    with _unlocked(args) as (store, passphrase):
        exported = team.export_team(home, passphrase)
        team.write_document(out, exported.document, replace=args.force)
        store.audit("team file exported", None, {"team_id": exported.team_id, "serial": exported.serial})
    _remember(exported)
    stdout.write(
        f"Wrote the team file for {exported.name!r} (number {exported.serial}) to {out}.\n"
        f"Fingerprint of the team's certificate authority: {exported.readable_fingerprint}\n"
    )
    return cli.EXIT_OK


def _contacts(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = paths.home()
    numbers = _contact_numbers(args)
    if numbers:
        _coordinator_home()
        with _unlocked(args) as (store, passphrase):
            current = team.set_contacts(home, passphrase, numbers)
            store.audit(
                "team contacts set",
                None,
                {"team_id": current.team_id, "serial": current.serial, "contacts": sorted(numbers)},
            )
    else:
        joined = team.load_joined_team(home)
        if joined is None:
            raise team.NotJoined(home)
        current = joined
    if args.json:
        cli.print_json([c.as_json() for c in current.contacts], stdout)
        return cli.EXIT_OK
    for contact in current.contacts:
        flag = " (not set yet)" if contact.placeholder else ""
        stdout.write(f"{contact.name}: {contact.phone}{flag}\n")
    if numbers:
        stdout.write(
            f"Signed team file number {current.serial}: `caf-desktop team export` and send it to the workers.\n"
        )
    return cli.EXIT_OK


def _backup_key(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = _coordinator_home()
    out = Path(args.out)
    if out.exists():
        raise CafError(f"{out} already exists; nothing was written. Choose a new file name.")
    with _unlocked(args) as (store, passphrase):
        team.backup_coordinator_key(home, passphrase, out)
        store.audit("coordinator key backed up", None, {})
    stdout.write(f"Wrote your age identity to {out} (age's key-file format: `age -d -i {out} BUNDLE`).\n")
    stderr.write(
        f"WARNING: {out} opens every bundle sent to you, with no passphrase. Keep it offline (a USB stick in "
        "a locked drawer or safe), never email it or leave it on a shared drive, and delete copies you do "
        "not need.\n"
    )
    return cli.EXIT_OK


def _issue(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = _coordinator_home()
    out = Path(args.out)
    _free(out, args.force)
    request = team.read_request(Path(args.request))
    cli.redactor.remember([request.name, request.organisation])
    with _unlocked(args) as (store, passphrase):
        issued = team.issue_certificate(home, passphrase, request)
        team.write_document(out, issued.document, replace=args.force)
        store.audit(
            "certificate issued",
            None,
            {
                "team_id": issued.team_id,
                "certificate": _fingerprint(issued.certificate),
                "key": request.key_fingerprint,
            },
        )
    organisation = f", {request.organisation}" if request.organisation else ""
    stdout.write(
        f"Issued a certificate to {request.name}{organisation} ({request.role or 'no role given'}), "
        f"valid until {issued.certificate.not_valid_after_utc:%Y-%m-%d}, and wrote it to {out}.\n"
        f"Their key fingerprint: {request.readable_key_fingerprint}\n"
        "Check it with them on the telephone before you send the file: if it differs from the one "
        f"`team request` showed them, do not send it, and run `caf-desktop team revoke {_fingerprint(issued.certificate)[:16]}`.\n"
    )
    return cli.EXIT_OK


def _revoke(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = _coordinator_home()
    cli.redactor.remember(args.who)
    with _unlocked(args) as (store, passphrase):
        revoked, current = team.revoke(home, passphrase, args.who)
        if revoked:
            store.audit(
                "certificate revoked",
                None,
                {
                    "team_id": current.team_id,
                    "serial": current.serial,
                    "certificates": [r.fingerprint for r in revoked],
                },
            )
    if not revoked:
        stdout.write("That certificate is revoked already; nothing was changed.\n")
        return cli.EXIT_OK
    for revocation in revoked:
        stdout.write(f"Revoked {revocation.name}'s certificate {revocation.fingerprint}.\n")
    stdout.write(
        f"Signed team file number {current.serial}. Send it to every worker now (`caf-desktop team export "
        "--out TEAM.json`, then `caf-desktop team update TEAM.json` on each laptop): until a laptop has it, "
        "it still trusts the revoked certificate.\n"
    )
    return cli.EXIT_OK


# --- worker ---------------------------------------------------------------------------------------------


def _confirmed(args: argparse.Namespace, question: str, stdout: TextIO) -> bool:
    if getattr(args, "yes", False) or os.environ.get(ASSUME_YES_VARIABLE, "").strip().lower() in {
        "1",
        "yes",
        "true",
    }:
        return True
    if not cli.stdin_is_terminal():
        raise CafError(
            "Joining a team needs you to confirm its fingerprint, and there is no terminal to answer in. "
            f"Compare the fingerprint with your coordinator's, then run the command again with --yes "
            f"(or {ASSUME_YES_VARIABLE}=1). Nothing was changed."
        )
    stdout.write(question)
    stdout.flush()
    try:
        answer = input()
    except EOFError:
        answer = ""
    return answer.strip().lower() in {"y", "yes"}


def _join(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = paths.home()
    candidate = team.read_team_file(Path(args.team_file))
    _remember(candidate)
    team.check_joinable(home, candidate, replace=args.replace)
    _describe_team(candidate, stdout)
    stdout.write(
        "Read this fingerprint to your coordinator on the telephone (or ask them to read theirs from "
        "`caf-desktop team show`). Go on only if every group is the same.\n"
    )
    if not _confirmed(args, "Is it the same fingerprint? [y/N] ", stdout):
        stderr.write("Not joined: the fingerprint was not confirmed. Nothing was changed.\n")
        return cli.EXIT_INVALID
    with _unlocked(args) as (store, _):
        joined = team.join_team(home, candidate, replace=args.replace)
        store.audit(
            "team joined",
            None,
            {"team_id": joined.team_id, "ca": joined.fingerprint, "serial": joined.serial},
        )
    stdout.write(
        f"This laptop now trusts {joined.name!r}. Next: `caf-desktop team request --out REQUEST.json` and "
        "send the file to your coordinator.\n"
    )
    return cli.EXIT_OK


def _update(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = paths.home()
    candidate = team.read_team_file(Path(args.team_file))
    _remember(candidate)
    if team.load_joined_team(home) is None:
        raise team.NotJoined(home)
    with _unlocked(args) as (store, _):
        changed = team.update_team(home, candidate)
        if changed:
            store.audit("team file updated", None, {"team_id": candidate.team_id, "serial": candidate.serial})
    if not changed:
        stdout.write(f"This laptop already has team file number {candidate.serial}; nothing was changed.\n")
        return cli.EXIT_OK
    stdout.write(
        f"Took team file number {candidate.serial} of {candidate.name!r} "
        f"({len(candidate.revoked)} revoked certificate{'s' if len(candidate.revoked) != 1 else ''}).\n"
    )
    return cli.EXIT_OK


def _request(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = paths.home()
    out = Path(args.out)
    _free(out, args.force)
    if team.load_joined_team(home) is None:
        raise team.NotJoined(home)
    with _unlocked(args) as (store, passphrase):
        request = team.make_request(home, passphrase)
        team.write_document(out, request.document, replace=args.force)
        store.audit("enrolment requested", None, {"team_id": request.team_id, "key": request.key_fingerprint})
    cli.redactor.remember([request.name, request.organisation])
    stdout.write(
        f"Wrote your enrolment request to {out}. Send it to your coordinator.\n"
        f"Your key fingerprint:\n    {request.readable_key_fingerprint}\n"
        "When the coordinator issues your certificate they will read theirs to you: check every group.\n"
    )
    return cli.EXIT_OK


def _install(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = paths.home()
    issued = team.read_issued(Path(args.issued))
    _remember(issued.team)
    if team.load_joined_team(home) is None:
        raise team.NotJoined(home)
    with _unlocked(args) as (store, passphrase):
        installed = team.install_issued(home, passphrase, issued)
        details: dict[str, Any] = {
            "certificate": installed.identity.fingerprint,
            "ca": installed.team.fingerprint,
        }
        store.audit("certificate installed", None, details)
        if installed.team_updated:
            store.audit(
                "team file updated",
                None,
                {"team_id": installed.team.team_id, "serial": installed.team.serial},
            )
    certificate = installed.identity.certificate
    stdout.write(
        f"Installed your certificate from {installed.team.name!r}, valid until "
        f"{certificate.not_valid_after_utc:%Y-%m-%d}. Your signatures and bundles are now trusted by the team.\n"
    )
    if installed.team_updated:
        stdout.write(f"Also took the newer team file (number {installed.team.serial}).\n")
    return cli.EXIT_OK


# --- both -----------------------------------------------------------------------------------------------


def _certificate_json(status: Any) -> dict[str, Any]:
    from caf_desktop.trust.identity import common_name, fingerprint, readable_fingerprint  # noqa: PLC0415
    from caf_desktop.trust.team import readable_key_fingerprint  # noqa: PLC0415

    certificate = status.certificate
    if certificate is None:
        return {"state": status.state, "chains_to_team": False}
    return {
        "state": status.state,
        "chains_to_team": status.chains_to_team,
        "name": common_name(certificate),
        "fingerprint": fingerprint(certificate),
        "readable_fingerprint": readable_fingerprint(certificate),
        "key_fingerprint": readable_key_fingerprint(certificate),
        "issuer": certificate.issuer.rfc4514_string(),
        "not_after": certificate.not_valid_after_utc.isoformat(),
    }


def _show(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    from caf_desktop.trust import team  # noqa: PLC0415

    home = paths.home()
    joined = team.load_joined_team(home)
    coordinator = team.is_coordinator(home)
    state = team.load_state(home) if coordinator else None
    status = team.certificate_status(home, joined)
    if joined is not None:
        _remember(joined)
    role = "coordinator" if coordinator else ("worker" if joined is not None else None)
    members: list[dict[str, Any]] | None = None
    if state is not None:
        revoked = {r.fingerprint for r in state.revoked}
        members = [{**m.as_json(), "revoked": m.fingerprint in revoked} for m in state.members]
        cli.redactor.remember([m.name for m in state.members])
    if args.json:
        cli.print_json(
            {
                "role": role,
                "team": None
                if joined is None
                else {
                    "team_id": joined.team_id,
                    "name": joined.name,
                    "serial": joined.serial,
                    "issued_at": joined.issued_at.isoformat(),
                    "ca_fingerprint": joined.fingerprint,
                    "readable_fingerprint": joined.readable_fingerprint,
                    "coordinators": [
                        {
                            "name": c.name,
                            "fingerprint": _fingerprint(c.certificate),
                            "age_recipient": c.age_recipient,
                        }
                        for c in joined.coordinators
                    ],
                    "revoked": [r.as_json() for r in joined.revoked],
                    "contacts": [c.as_json() for c in joined.contacts],
                },
                "certificate": _certificate_json(status),
                "members": members,
            },
            stdout,
        )
        return cli.EXIT_OK
    if joined is None:
        stdout.write(
            "This laptop is not in a team yet. A worker runs `caf-desktop team join TEAM.json`; "
            "a coordinator runs `caf-desktop team init --name TEAM`.\n"
        )
    else:
        _describe_team(joined, stdout)
        stdout.write(f"This laptop: {role}\n")
        if joined.revoked:
            stdout.write(f"Revoked certificates: {len(joined.revoked)}\n")
    described = _certificate_json(status)
    stdout.write(f"Your certificate: {status.describe()}\n")
    if status.certificate is not None:
        stdout.write(f"    fingerprint {described['readable_fingerprint']}\n")
        stdout.write(f"    key fingerprint {described['key_fingerprint']}\n")
    if members:
        stdout.write("Members:\n")
        for member in members:
            flag = "  REVOKED" if member["revoked"] else ""
            organisation = f", {member['organisation']}" if member["organisation"] else ""
            stdout.write(
                f"  {member['name']}{organisation} ({member['role']}): {member['fingerprint'][:16]}, "
                f"until {member['not_after'][:10]}{flag}\n"
            )
    return cli.EXIT_OK
