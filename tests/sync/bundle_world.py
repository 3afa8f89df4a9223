"""A locality team for the bundle tests: a coordinator with the team's CA, enrolled workers, and the
people who must not be trusted (a stranger, a revoked worker, another team's coordinator).

Made once per test process with the real team module (`team.create_team`, `make_request`,
`issue_certificate`, `install_issued`, `revoke`); every person is fictional. Each test makes its own
stores, so the identities and team files are shared but the records are not.
"""

from __future__ import annotations

import copy
import io
import json
import stat
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from caf_desktop.store.store import Profile, Store
from caf_desktop.sync import bundles
from caf_desktop.trust import cms, identity, team
from caf_desktop.trust.identity import Identity
from caf_desktop.trust.team import TeamFile

from tests.store.support import assessment

PASSPHRASE = "correct horse battery staple"
KDF_COST = 2**12
TEAM_NAME = "Northtown Locality Team"


@dataclass(frozen=True)
class Person:
    name: str
    home: Path
    identity: Identity


@dataclass(frozen=True)
class World:
    team: TeamFile  # the newest team file (after the revocation)
    coordinator: Person
    worker: Person
    second_worker: Person
    stranger: Person  # joined the team's file, never enrolled: a self-signed certificate
    revoked: Person  # enrolled, then revoked
    other_team: TeamFile
    other_coordinator: Person  # the coordinator of another team


def _person(root: Path, name: str, organisation: str, role: str = "worker") -> Path:
    home = root / name.lower().replace(" ", "-")
    home.mkdir(parents=True)
    identity.save_identity(
        home, identity.create_identity(name, organisation, role), PASSPHRASE, cost=KDF_COST
    )
    return home


def _enrol(coordinator_home: Path, worker_home: Path, team_file: TeamFile) -> None:
    team.join_team(worker_home, team_file)
    request = team.make_request(worker_home, PASSPHRASE)
    issued = team.issue_certificate(coordinator_home, PASSPHRASE, request)
    team.install_issued(worker_home, PASSPHRASE, issued)


def make_world(root: Path) -> World:
    coordinator_home = _person(root, "Cora Ordinator", "Northtown Early Help", "coordinator")
    team_file = team.create_team(coordinator_home, PASSPHRASE, TEAM_NAME)
    homes = {
        "worker": _person(root, "Hannah Testwell", "Brightwell Primary School"),
        "second_worker": _person(root, "Idris Fieldman", "Fictonwood Health Visiting"),
        "revoked": _person(root, "Rex Revokeson", "Fictonwood Medical Centre"),
        "stranger": _person(root, "Sam Stranger", "Nowhere Agency"),
    }
    for key in ("worker", "second_worker", "revoked"):
        _enrol(coordinator_home, homes[key], team_file)
    team.join_team(homes["stranger"], team_file)
    revoked_identity = identity.load_identity(homes["revoked"], PASSPHRASE)
    _, team_file = team.revoke(coordinator_home, PASSPHRASE, revoked_identity.fingerprint)
    other_home = _person(root, "Olga Otherteam", "Southtown Early Help", "coordinator")
    other_team = team.create_team(other_home, PASSPHRASE, "Southtown Locality Team")

    def person(home: Path) -> Person:
        loaded = identity.load_identity(home, PASSPHRASE)
        return Person(loaded.name, home, loaded)

    return World(
        team=team_file,
        coordinator=person(coordinator_home),
        worker=person(homes["worker"]),
        second_worker=person(homes["second_worker"]),
        stranger=person(homes["stranger"]),
        revoked=person(homes["revoked"]),
        other_team=other_team,
        other_coordinator=person(other_home),
    )


def new_store(root: Path, name: str, role: str = "worker") -> Store:
    """An empty encrypted store (its own identity is not used: bundles take the world's people)."""
    return Store.create(
        root / f"store-{name}", PASSPHRASE, Profile(name, role, "Fictonwood"), kdf_cost=KDF_COST
    )


def shareable(document: dict[str, Any]) -> dict[str, Any]:
    """Consent to share with every service on the CAF, the locality team included."""
    changed = copy.deepcopy(document)
    changed["consent"]["share"]["scope"] = "all_listed"
    return changed


def caf(given: str = "Zoë", family: str = "Łukasiewicz-O'Brien", dob: str = "2017-03-14") -> dict[str, Any]:
    """A full CAF assessment about a fictional child, with consent to share with the team."""
    return shareable(assessment(given, family, dob))


# --- bundles made by hand, signed and encrypted properly, for the checks after the signature ---------


def manifest_for(
    files: Mapping[str, bytes],
    *,
    sender: Identity,
    team_file: TeamFile,
    recipients: list[str] | None = None,
    bundle_id: str = "7d1f8f4e-52c6-4a4e-9a55-0c8d1c3f1a01",
    sequence: int = 1,
    format_version: int = bundles.FORMAT,
    listed: Mapping[str, bytes] | None = None,
) -> dict[str, Any]:
    import hashlib

    return {
        "format": format_version,
        "kind": bundles.KIND,
        "bundle": bundle_id,
        "team": team_file.team_id,
        "sender": {"name": sender.name, "fingerprint": sender.fingerprint, "role": "worker"},
        "sequence": sequence,
        "created": "2026-11-26T10:00:00Z",
        "recipients": {
            "name": team_file.name,
            "age": recipients if recipients is not None else list(team_file.coordinator_recipients),
            "certificates": [],
        },
        "forms": [],
        "files": {
            name: hashlib.sha256(data).hexdigest()
            for name, data in (listed if listed is not None else files).items()
        },
    }


def zip_entries(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def symlink_entry(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def seal(
    entries: list[tuple[zipfile.ZipInfo | str, bytes]],
    manifest: dict[str, Any],
    *,
    sender: Identity,
    recipients: list[str],
) -> bytes:
    """A ZIP of the manifest, its signature by `sender`, and `entries`, encrypted to `recipients`."""
    import pyrage

    manifest_bytes = json.dumps(manifest, indent=2, sort_keys=True).encode()
    signature = cms.sign_detached(manifest_bytes, sender)
    archive = zip_entries([("manifest.json", manifest_bytes), ("manifest.json.p7s", signature), *entries])
    return bytes(pyrage.encrypt(archive, [pyrage.x25519.Recipient.from_str(r) for r in recipients]))


def record_file(record_id: str, document: dict[str, Any], **overrides: Any) -> tuple[str, bytes]:
    body = {
        "uuid": record_id,
        "form_id": "caf-assessment",
        "form_version": "1.0.0",
        "status": "draft",
        "version": 1,
        "base_version": None,
        "document": document,
        "author": "Hannah Testwell",
        "updated": "2026-11-26T09:00:00Z",
        "child": None,
        "case": None,
        **overrides,
    }
    return f"records/{record_id}.json", json.dumps(body).encode()
