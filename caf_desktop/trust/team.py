"""The locality team: its certificate authority, the signed team file, enrolment and revocation.

The coordinator holds the team's certificate authority (CA) and issues each worker's certificate; the
signed team file tells every laptop whom to trust (the CA), whom to send bundles to (the coordinators'
age recipients), whom to stop trusting (the revocation list) and whom to phone (locality contacts).
docs/team.md describes the files and the steps.

This module holds joining, revocation and the laptop's certificate status, and re-exports the rest:
the team file and its errors are in `teamfile`, the coordinator's CA and team state in `authority`,
enrolment (request, issue, install) in `enrolment`. Callers keep using `caf_desktop.trust.team`.

Public API (the bundle, PDF and GUI code rely on these names; keep them stable):

- `load_joined_team(home) -> TeamFile | None`: the team this home trusts (worker or coordinator), its
  signature checked again on every load; None before `team join` or `team init`.
- `TeamFile`: `.team_id`, `.name`, `.serial`, `.issued_at`, `.ca_certificate`, `.fingerprint` and
  `.readable_fingerprint` (of the CA), `.coordinators`, `.coordinator_recipients` (age recipients),
  `.coordinator_certificates`, `.revoked`, `.contacts` (`TeamContact`: id, name, phone, when,
  placeholder), `.contact(id)`, `.is_revoked(certificate) -> bool`, `.issued_certificate(certificate)`,
  `.verify(data, signature, at=None) -> cms.Signer` (a detached CMS by a member, to this team's CA,
  not revoked; `cms.SignatureRejected` otherwise), `.document` (the JSON as signed).
- Coordinator: `create_team`, `export_team`, `set_contacts`, `issue_certificate`, `revoke`,
  `backup_coordinator_key`, `load_authority`, `load_state`, `is_coordinator`, `change_passphrase`.
- Worker: `read_team_file`, `check_joinable`, `join_team`, `update_team`, `make_request`,
  `read_request`, `read_issued`, `install_issued`, `certificate_status`, `readable_key_fingerprint`.
- Files: `parse_team_file`, `parse_request`, `parse_issued`, `write_document`, `canonical_json`.
  Errors are `TeamError` (exit status 2) and its kinds; the rejected ones (`TeamFileRejected`,
  `TeamMismatch`, `RequestRejected`, `CertificateRejected`) have exit status 1.

Files in the home folder (each written whole or not at all, readable by the user only):
`team-ca.p12` (coordinator: the CA's key and certificate, PKCS#12 under the user's passphrase),
`team-state.json` (coordinator: members issued, revocations, contacts, the team file's serial) and
`team.json` (everyone: the current signed team file, exactly as exported).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from caf_desktop.common.errors import CafError
from caf_desktop.trust import identity
from caf_desktop.trust.authority import (
    Member,
    TeamAuthority,
    TeamState,
    backup_coordinator_key,
    change_passphrase,
    create_team,
    export_team,
    is_coordinator,
    load_authority,
    load_state,
    new_certificate_authority,
    publish_team_file,
    set_contacts,
)
from caf_desktop.trust.enrolment import (
    EnrolmentRequest,
    Installed,
    IssuedCertificate,
    install_issued,
    issue_certificate,
    make_request,
    parse_issued,
    parse_request,
    read_issued,
    read_request,
)
from caf_desktop.trust.identity import public_key_digest
from caf_desktop.trust.teamfile import (
    CA_DAYS,
    ISSUED_FORMAT,
    ISSUED_KIND,
    MEMBER_DAYS,
    REQUEST_FORMAT,
    REQUEST_KIND,
    SETTABLE_CONTACTS,
    STATE_FORMAT,
    TEAM_CA_FILE,
    TEAM_FILE,
    TEAM_FORMAT,
    TEAM_KIND,
    TEAM_STATE_FILE,
    CertificateRejected,
    Coordinator,
    IssuedInvalid,
    NotACoordinator,
    NotJoined,
    OutputExists,
    RequestInvalid,
    RequestRejected,
    Revocation,
    TeamContact,
    TeamError,
    TeamExists,
    TeamFile,
    TeamFileInvalid,
    TeamFileRejected,
    TeamMismatch,
    canonical_json,
    certificate_pem,
    default_contacts,
    issued_by,
    load_joined_team,
    now_or_given,
    parse_team_file,
    read_team_file,
    readable_key_fingerprint,
    write_document,
    write_private_json,
)

# --- joining and updating -------------------------------------------------------------------------------


def check_joinable(home: Path, team: TeamFile, *, replace: bool = False) -> TeamFile | None:
    """Refuses (before any question is asked) what `join_team` would refuse; returns the team held now."""
    if is_coordinator(home):
        raise TeamExists(
            "This home holds its own team's certificate authority: a coordinator does not join a team. "
            "Use a separate home (--home) to try the worker's side."
        )
    try:
        current = load_joined_team(home)
    except CafError:
        if not replace:
            raise
        current = None  # a damaged team.json is replaced, when asked to, like another team's
    if current is not None and current.fingerprint != team.fingerprint and not replace:
        raise TeamMismatch(
            f"This home already trusts the team {current.name!r} (fingerprint {current.readable_fingerprint}), "
            f"and this file is another team's ({team.name!r}, fingerprint {team.readable_fingerprint}). "
            "Nothing was changed. To leave the old team and trust this one, add --replace."
        )
    return current


def join_team(home: Path, team: TeamFile, *, replace: bool = False) -> TeamFile:
    """Trusts `team` from now on (after the user has compared its fingerprint with the coordinator's).
    A home that trusts another team's CA refuses unless `replace`; the same team is taken if newer."""
    current = check_joinable(home, team, replace=replace)
    if current is not None and current.fingerprint == team.fingerprint and current.serial >= team.serial:
        return current
    write_private_json(home / TEAM_FILE, dict(team.document))
    return team


def update_team(home: Path, team: TeamFile) -> bool:
    """Takes a newer team file from the team already trusted; False if it is the one held already."""
    current = load_joined_team(home)
    if current is None:
        raise NotJoined(home)
    if current.fingerprint != team.fingerprint or current.team_id != team.team_id:
        raise TeamMismatch(
            f"This team file was signed by another certificate authority (fingerprint {team.readable_fingerprint}) "
            f"than the team this home trusts ({current.name!r}, fingerprint {current.readable_fingerprint}). "
            "Nothing was changed. If your team really has a new authority, join it again with "
            "`caf-desktop team join --replace`."
        )
    if team.serial == current.serial and canonical_json(team.document) == canonical_json(current.document):
        return False
    if team.serial <= current.serial:
        raise TeamFileRejected(
            f"This team file (number {team.serial}, signed {team.issued_at:%Y-%m-%d}) is older than the one "
            f"this home has (number {current.serial}); nothing was changed. Ask your coordinator for the latest."
        )
    if is_coordinator(home):
        raise TeamExists("The coordinator's own team file changes with `team export`, not `team update`.")
    write_private_json(home / TEAM_FILE, dict(team.document))
    return True


# --- revocation -----------------------------------------------------------------------------------------


def _hex_of(text: str) -> str | None:
    compact = re.sub(r"[\s:]", "", text).lower()
    return compact if re.fullmatch(r"[0-9a-f]{16,64}", compact) else None


def revoke(
    home: Path, passphrase: str, who: str, *, now: dt.datetime | None = None
) -> tuple[list[Revocation], TeamFile]:
    """Revokes the certificates of a member, named by certificate or key fingerprint (whole, or the
    first 16 or more hex digits, spaces allowed) or by name, and signs the next team file. Returns the
    new revocations (none if they were revoked already)."""
    authority = load_authority(home, passphrase)
    state = authority.state
    wanted = who.strip()
    if not wanted:
        raise TeamError("Name the certificate to revoke: its fingerprint, or the member's name.")
    digits = _hex_of(wanted)
    if digits is not None:
        chosen = [m for m in state.members if m.fingerprint.startswith(digits) or m.key.startswith(digits)]
    else:
        chosen = [m for m in state.members if m.name.casefold() == " ".join(wanted.split()).casefold()]
        if len({m.key for m in chosen}) > 1:
            listed = "; ".join(
                f"{m.name} ({m.organisation or 'no organisation'}): {m.fingerprint}" for m in chosen
            )
            raise TeamError(
                f"More than one member is called {wanted!r}. Revoke by fingerprint instead: {listed}."
            )
    own_keys = {public_key_digest(c.certificate) for c in state.coordinators}
    if any(m.key in own_keys for m in chosen):
        raise TeamError("That is a coordinator's own certificate; it cannot be revoked with `team revoke`.")
    moment = now_or_given(now)
    date = moment.date().isoformat()
    if not chosen:
        if digits is not None and len(digits) == 64:
            # A certificate this laptop did not issue, or issued before its record was lost.
            chosen_revocations = [Revocation(digits, None, "(not in this team's records)", date)]
        else:
            raise TeamError(
                f"No member of the team is called or has the fingerprint {wanted!r}. "
                "`caf-desktop team show` lists the members."
            )
    else:
        chosen_revocations = [Revocation(m.fingerprint, m.serial, m.name, date) for m in chosen]
    already = {r.fingerprint for r in state.revoked if r.fingerprint}
    new = [r for r in chosen_revocations if r.fingerprint not in already]
    if not new:
        team = load_joined_team(home)
        if team is not None:
            return [], team
    state.revoked.extend(new)
    return new, publish_team_file(home, authority, moment)


# --- the state of this laptop's certificate ---------------------------------------------------------------


@dataclass(frozen=True)
class CertificateStatus:
    """Where this home's certificate stands with its team.

    `state`: "missing", "self_signed", "issued_by_team", "issued_by_other", "revoked" or "expired"."""

    state: str
    certificate: x509.Certificate | None

    @property
    def chains_to_team(self) -> bool:
        return self.state == "issued_by_team"

    def describe(self) -> str:
        return {
            "missing": "There is no certificate in this home yet.",
            "self_signed": "Self-signed: not yet enrolled in a team. Send `team request` to your coordinator.",
            "issued_by_team": "Issued by the team's certificate authority.",
            "issued_by_other": "Issued by another certificate authority, not this team's: ask for a new one.",
            "revoked": "Revoked by the team: signatures made with it are refused.",
            "expired": "Expired: ask your coordinator for a new certificate.",
        }[self.state]


def certificate_status(
    home: Path, team: TeamFile | None, *, now: dt.datetime | None = None
) -> CertificateStatus:
    """The state of this home's certificate (from its public copy: no passphrase needed)."""
    certificates = identity.own_certificates(home)
    if not certificates:
        return CertificateStatus("missing", None)
    certificate = certificates[0]
    if certificate.issuer == certificate.subject and issued_by(certificate, certificate):
        return CertificateStatus("self_signed", certificate)
    if team is None or not issued_by(certificate, team.ca_certificate):
        return CertificateStatus("issued_by_other", certificate)
    if team.is_revoked(certificate):
        return CertificateStatus("revoked", certificate)
    if now_or_given(now) > certificate.not_valid_after_utc:
        return CertificateStatus("expired", certificate)
    return CertificateStatus("issued_by_team", certificate)


__all__ = [
    "CA_DAYS",
    "ISSUED_FORMAT",
    "ISSUED_KIND",
    "MEMBER_DAYS",
    "REQUEST_FORMAT",
    "REQUEST_KIND",
    "SETTABLE_CONTACTS",
    "STATE_FORMAT",
    "TEAM_CA_FILE",
    "TEAM_FILE",
    "TEAM_FORMAT",
    "TEAM_KIND",
    "TEAM_STATE_FILE",
    "CertificateRejected",
    "CertificateStatus",
    "Coordinator",
    "EnrolmentRequest",
    "Installed",
    "IssuedCertificate",
    "IssuedInvalid",
    "Member",
    "NotACoordinator",
    "NotJoined",
    "OutputExists",
    "RequestInvalid",
    "RequestRejected",
    "Revocation",
    "TeamAuthority",
    "TeamContact",
    "TeamError",
    "TeamExists",
    "TeamFile",
    "TeamFileInvalid",
    "TeamFileRejected",
    "TeamMismatch",
    "TeamState",
    "backup_coordinator_key",
    "canonical_json",
    "certificate_pem",
    "certificate_status",
    "change_passphrase",
    "check_joinable",
    "create_team",
    "default_contacts",
    "export_team",
    "install_issued",
    "is_coordinator",
    "issue_certificate",
    "join_team",
    "load_authority",
    "load_joined_team",
    "load_state",
    "make_request",
    "new_certificate_authority",
    "parse_issued",
    "parse_request",
    "parse_team_file",
    "read_issued",
    "read_request",
    "read_team_file",
    "readable_key_fingerprint",
    "revoke",
    "set_contacts",
    "update_team",
    "write_document",
]
