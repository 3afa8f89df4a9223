"""The locality team's core: the CA, the signed team file, enrolment, installation and revocation.

Each test makes a coordinator's home and, where it needs them, workers' homes in its own temporary
folder, with identities sealed at a low scrypt cost to keep the tests quick. Every person is invented.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.common.errors import CafError, UnsupportedFormat
from caf_desktop.trust import cms, identity, team
from caf_desktop.trust.keyfile import WrongPassphrase
from cryptography import x509

from tests.conftest import require_tool
from tests.trust.test_cms import MANIFEST

PASSPHRASE = "correct horse battery staple"
KDF_COST = 2**12
TEAM_NAME = "Northtown Locality Team"

Home = Callable[..., Path]


@pytest.fixture
def make_home(tmp_path: Path) -> Home:
    """A home folder holding a new identity (no store: the core functions need none)."""

    def made(name: str, role: str = "worker", organisation: str = "Northtown Family Hub") -> Path:
        home = tmp_path / name.lower().replace(" ", "-")
        home.mkdir()
        identity.save_identity(
            home, identity.create_identity(name, organisation, role), PASSPHRASE, cost=KDF_COST
        )
        return home

    return made


@pytest.fixture
def coordinator(make_home: Home) -> Path:
    home = make_home("Priya Okonkwo-Hale", "coordinator", "Northtown Early Help")
    team.create_team(home, PASSPHRASE, TEAM_NAME)
    return home


@pytest.fixture
def worker(make_home: Home, coordinator: Path) -> Path:
    """A worker's home that has joined the coordinator's team (not enrolled yet)."""
    home = make_home("Dominic Varga")
    team.join_team(home, team.read_team_file(coordinator / team.TEAM_FILE))
    return home


def enrol(worker_home: Path, coordinator_home: Path) -> team.Installed:
    request = team.make_request(worker_home, PASSPHRASE)
    issued = team.issue_certificate(coordinator_home, PASSPHRASE, request)
    return team.install_issued(worker_home, PASSPHRASE, issued)


def resigned(document: dict[str, Any], key_home: Path) -> dict[str, Any]:
    """`document` signed again by the CA in `key_home` (a team file the coordinator could have made)."""
    authority = team.load_authority(key_home, PASSPHRASE)
    body = {k: v for k, v in document.items() if k != "signature"}
    signature = cms.sign_detached_with(team.canonical_json(body), authority.key, authority.certificate)
    return {**body, "signature": base64.b64encode(signature).decode("ascii")}


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# --- creating the team ----------------------------------------------------------------------------------


def test_creating_a_team_makes_its_ca_and_reissues_the_coordinators_certificate(coordinator: Path) -> None:
    authority = team.load_authority(coordinator, PASSPHRASE)
    ca = authority.certificate
    constraints = ca.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca
    assert constraints.value.path_length == 0
    usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign
    assert usage.crl_sign
    assert (
        dt.timedelta(days=3600) < ca.not_valid_after_utc - ca.not_valid_before_utc < dt.timedelta(days=3700)
    )

    own = identity.load_identity(coordinator, PASSPHRASE)
    assert not own.self_signed
    own.certificate.verify_directly_issued_by(ca)
    assert own.chain == (ca,)
    assert team.certificate_status(coordinator, team.load_joined_team(coordinator)).chains_to_team

    joined = team.load_joined_team(coordinator)
    assert joined is not None
    assert joined.name == TEAM_NAME
    assert joined.serial == 1
    assert joined.ca_certificate == ca
    assert joined.coordinator_certificates == (own.certificate,)
    assert joined.coordinator_recipients == (own.age.recipient,)
    assert team.is_coordinator(coordinator)
    if os.name == "posix":
        for name in (team.TEAM_CA_FILE, team.TEAM_STATE_FILE, team.TEAM_FILE):
            assert mode(coordinator / name) == 0o600, name


def test_the_team_ca_file_is_a_passphrase_protected_pkcs12(coordinator: Path) -> None:
    from cryptography.hazmat.primitives.serialization import pkcs12

    data = (coordinator / team.TEAM_CA_FILE).read_bytes()
    with pytest.raises(ValueError, match="Invalid password"):
        pkcs12.load_pkcs12(data, None)
    assert pkcs12.load_pkcs12(data, PASSPHRASE.encode()).cert is not None
    with pytest.raises(WrongPassphrase):
        team.load_authority(coordinator, "not the passphrase at all")


def test_a_team_is_made_once_per_home(coordinator: Path) -> None:
    with pytest.raises(team.TeamExists):
        team.create_team(coordinator, PASSPHRASE, "Southtown Locality Team")


def test_a_worker_who_joined_a_team_cannot_make_one_in_the_same_home(worker: Path) -> None:
    with pytest.raises(team.TeamExists, match="joined a team as a worker"):
        team.create_team(worker, PASSPHRASE, "Breakaway Team")
    assert not team.is_coordinator(worker)


def test_a_wrong_passphrase_makes_nothing(make_home: Home) -> None:
    home = make_home("Ines Wrongkey", "coordinator")
    with pytest.raises(WrongPassphrase):
        team.create_team(home, "an entirely different phrase", TEAM_NAME)
    assert not (home / team.TEAM_CA_FILE).exists()
    assert not (home / team.TEAM_FILE).exists()
    assert not (home / team.TEAM_STATE_FILE).exists()


def test_contacts_start_as_the_rulesets_placeholders_and_can_be_set(make_home: Home) -> None:
    home = make_home("Farah Contactwell", "coordinator")
    made = team.create_team(home, PASSPHRASE, TEAM_NAME, contacts={"mash": "01632 960100"})
    front_door = made.contact("mash")
    assert front_door is not None
    assert front_door.phone == "01632 960100"
    assert not front_door.placeholder
    out_of_hours = made.contact("out_of_hours")
    assert out_of_hours is not None
    assert out_of_hours.placeholder
    police = made.contact("police_non_emergency")
    assert police is not None
    assert police.phone == "101"

    updated = team.set_contacts(home, PASSPHRASE, {"out_of_hours": "01632 960199"})
    assert updated.serial == made.serial + 1
    out_of_hours = updated.contact("out_of_hours")
    assert out_of_hours is not None
    assert out_of_hours.phone == "01632 960199"
    assert not out_of_hours.placeholder
    with pytest.raises(CafError, match="no locality contact"):
        team.set_contacts(home, PASSPHRASE, {"pizza": "01632 960000"})


# --- the team file --------------------------------------------------------------------------------------


def test_each_export_is_signed_with_a_higher_serial(coordinator: Path, tmp_path: Path) -> None:
    first = team.export_team(coordinator, PASSPHRASE)
    second = team.export_team(coordinator, PASSPHRASE)
    assert second.serial == first.serial + 1
    out = tmp_path / "TEAM.json"
    team.write_document(out, second.document)
    with pytest.raises(team.OutputExists):
        team.write_document(out, first.document)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["kind"] == "caf-desktop team"
    assert document["ca_certificate"].startswith("-----BEGIN CERTIFICATE-----")
    assert x509.load_pem_x509_certificate(document["ca_certificate"].encode()) == second.ca_certificate
    assert set(document) >= {"format", "team_id", "name", "serial", "issued_at", "coordinators", "revoked"}
    assert set(document) >= {"contacts", "signature"}
    # The signature is a detached CMS by the CA over the canonical JSON of everything else.
    body = {k: v for k, v in document.items() if k != "signature"}
    signer = cms.verify_detached(
        team.canonical_json(body),
        base64.b64decode(document["signature"]),
        trust_roots=[second.ca_certificate],
    )
    assert signer.certificate == second.ca_certificate
    assert team.load_joined_team(coordinator) == team.read_team_file(out)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(name="Southtown Locality Team"),
        lambda d: d.update(serial=d["serial"] + 10),
        lambda d: d["coordinators"][0].update(age_recipient="age1" + "q" * 58),
        lambda d: d["revoked"].append({"fingerprint": "0" * 64, "serial": None, "name": "x", "date": ""}),
        lambda d: d["contacts"][0].update(phone="09098 790000"),
    ],
    ids=["name", "serial", "recipient", "revoked", "contact"],
)
def test_a_changed_team_file_is_rejected(
    coordinator: Path, tmp_path: Path, change: Callable[[dict[str, Any]], None]
) -> None:
    document = copy.deepcopy(dict(team.export_team(coordinator, PASSPHRASE).document))
    change(document)
    with pytest.raises(team.TeamFileRejected, match="signature does not verify") as caught:
        team.parse_team_file(document, "TEAM.json")
    assert caught.value.exit_status == 1


def test_a_team_file_signed_by_another_ca_than_it_names_is_rejected(
    coordinator: Path, make_home: Home
) -> None:
    rival = make_home("Ulrich Rival", "coordinator")
    team.create_team(rival, PASSPHRASE, "Rival Team")
    document = dict(team.export_team(coordinator, PASSPHRASE).document)
    forged = resigned(document, rival)  # the rival's CA signature over our team's CA certificate
    with pytest.raises(team.TeamFileRejected):
        team.parse_team_file(forged, "TEAM.json")


def test_a_team_file_naming_a_coordinator_the_ca_did_not_issue_is_rejected(
    coordinator: Path, make_home: Home
) -> None:
    document = copy.deepcopy(dict(team.export_team(coordinator, PASSPHRASE).document))
    outsider = identity.create_identity("Vera Outsider")
    document["coordinators"].append(
        {
            "name": "Vera Outsider",
            "certificate": outsider.certificate_pem(),
            "age_recipient": outsider.age.recipient,
        }
    )
    with pytest.raises(team.TeamFileRejected, match="was not issued by the team's certificate authority"):
        team.parse_team_file(resigned(document, coordinator), "TEAM.json")


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a JSON object"),
        ({"kind": "caf-desktop certificate", "format": 1}, "looks like a certificate file"),
        ({"kind": "caf-desktop team", "format": 1}, "team_id"),
        ({"kind": "caf-desktop team"}, "format"),
    ],
    ids=["list", "certificate-file", "no-fields", "no-format"],
)
def test_a_malformed_team_file_is_an_input_error(document: Any, message: str) -> None:
    with pytest.raises(team.TeamFileInvalid, match=message) as caught:
        team.parse_team_file(document, "TEAM.json")
    assert caught.value.exit_status == 2


def test_a_team_file_from_a_newer_version_is_refused(coordinator: Path) -> None:
    document = {**team.export_team(coordinator, PASSPHRASE).document, "format": team.TEAM_FORMAT + 1}
    with pytest.raises(UnsupportedFormat, match="newer version"):
        team.parse_team_file(document, "TEAM.json")


def test_a_team_file_with_a_damaged_signature_is_rejected(coordinator: Path) -> None:
    document = {**team.export_team(coordinator, PASSPHRASE).document, "signature": "bm90IGEgc2lnbmF0dXJl"}
    with pytest.raises(team.TeamFileRejected):
        team.parse_team_file(document, "TEAM.json")
    with pytest.raises(team.TeamFileInvalid, match="not base64"):
        team.parse_team_file({**document, "signature": "***"}, "TEAM.json")


# --- joining and updating -------------------------------------------------------------------------------


def test_joining_keeps_the_team_file(worker: Path, coordinator: Path) -> None:
    joined = team.load_joined_team(worker)
    assert joined is not None
    assert joined == team.load_joined_team(coordinator)
    assert team.load_joined_team(worker.parent / "nobody") is None
    status = team.certificate_status(worker, joined)
    assert status.state == "self_signed"
    assert not status.chains_to_team


def test_joining_another_team_needs_replace(worker: Path, make_home: Home) -> None:
    other_home = make_home("Wanda Southtown", "coordinator")
    other = team.create_team(other_home, PASSPHRASE, "Southtown Locality Team")
    before = (worker / team.TEAM_FILE).read_bytes()
    with pytest.raises(team.TeamMismatch, match="--replace") as caught:
        team.join_team(worker, other)
    assert caught.value.exit_status == 1
    assert (worker / team.TEAM_FILE).read_bytes() == before
    assert team.join_team(worker, other, replace=True) == other
    assert team.load_joined_team(worker) == other


def test_joining_the_same_team_again_keeps_the_newer_file(worker: Path, coordinator: Path) -> None:
    newer = team.export_team(coordinator, PASSPHRASE)
    assert team.join_team(worker, newer) == newer
    older = team.read_team_file(coordinator / team.TEAM_FILE)
    assert team.join_team(worker, older) == newer


def test_a_coordinator_does_not_join_a_team(coordinator: Path) -> None:
    own = team.load_joined_team(coordinator)
    assert own is not None
    with pytest.raises(team.TeamExists):
        team.join_team(coordinator, own)


def test_updating_takes_newer_files_only(worker: Path, coordinator: Path) -> None:
    current = team.load_joined_team(worker)
    assert current is not None
    assert team.update_team(worker, current) is False
    newer = team.export_team(coordinator, PASSPHRASE)
    assert team.update_team(worker, newer) is True
    assert team.load_joined_team(worker) == newer
    with pytest.raises(team.TeamFileRejected, match="older than the one"):
        team.update_team(worker, current)


def test_updating_from_another_ca_is_refused(worker: Path, make_home: Home) -> None:
    other_home = make_home("Xavier Southtown", "coordinator")
    other = team.create_team(other_home, PASSPHRASE, TEAM_NAME)  # the same name, another CA
    for _ in range(3):
        other = team.export_team(other_home, PASSPHRASE)
    with pytest.raises(team.TeamMismatch, match="another certificate authority"):
        team.update_team(worker, other)


def test_updating_before_joining_is_refused(make_home: Home, coordinator: Path) -> None:
    loner = make_home("Yusuf Loner")
    with pytest.raises(team.NotJoined):
        team.update_team(loner, team.read_team_file(coordinator / team.TEAM_FILE))


# --- enrolment ------------------------------------------------------------------------------------------


def test_a_worker_is_enrolled_by_request_issue_and_install(worker: Path, coordinator: Path) -> None:
    request = team.make_request(worker, PASSPHRASE)
    own = identity.load_identity(worker, PASSPHRASE)
    assert request.name == "Dominic Varga"
    assert request.organisation == "Northtown Family Hub"
    assert request.role == "worker"
    assert request.age_recipient == own.age.recipient
    assert request.csr.is_signature_valid
    assert request.key_fingerprint == identity.public_key_digest(own.certificate)
    assert request.readable_key_fingerprint == team.readable_key_fingerprint(own.certificate)

    issued = team.issue_certificate(coordinator, PASSPHRASE, request)
    ca = team.load_authority(coordinator, PASSPHRASE).certificate
    issued.certificate.verify_directly_issued_by(ca)
    assert issued.chain == (ca,)
    assert issued.certificate.subject == own.certificate.subject
    lifetime = issued.certificate.not_valid_after_utc - issued.certificate.not_valid_before_utc
    assert dt.timedelta(days=720) < lifetime < dt.timedelta(days=740)
    state = team.load_state(coordinator)
    assert state is not None
    assert [m.name for m in state.members] == ["Priya Okonkwo-Hale", "Dominic Varga"]
    assert state.members[1].age_recipient == own.age.recipient

    installed = team.install_issued(worker, PASSPHRASE, team.parse_issued(dict(issued.document), "CERT.json"))
    assert installed.identity.certificate == issued.certificate
    reloaded = identity.load_identity(worker, PASSPHRASE)
    assert reloaded.certificate == issued.certificate
    assert reloaded.chain == (ca,)
    assert reloaded.age == own.age
    assert reloaded.key.private_numbers() == own.key.private_numbers()
    joined = team.load_joined_team(worker)
    assert joined is not None
    assert team.certificate_status(worker, joined).state == "issued_by_team"

    # The team now trusts what the worker signs.
    signer = joined.verify(MANIFEST, cms.sign_detached(MANIFEST, reloaded))
    assert signer.name == "Dominic Varga"


def test_a_request_is_written_and_read_back(worker: Path, tmp_path: Path) -> None:
    request = team.make_request(worker, PASSPHRASE)
    out = tmp_path / "REQUEST.json"
    team.write_document(out, request.document)
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["csr"].startswith("-----BEGIN CERTIFICATE REQUEST-----")
    assert set(document) >= {"team_id", "name", "organisation", "role", "age_recipient", "signature"}
    assert team.read_request(out).key_fingerprint == request.key_fingerprint


def test_a_request_for_another_team_is_rejected(worker: Path, make_home: Home) -> None:
    other_home = make_home("Zara Southtown", "coordinator")
    team.create_team(other_home, PASSPHRASE, "Southtown Locality Team")
    request = team.make_request(worker, PASSPHRASE)
    with pytest.raises(team.TeamMismatch, match="for another team") as caught:
        team.issue_certificate(other_home, PASSPHRASE, request)
    assert caught.value.exit_status == 1
    state = team.load_state(other_home)
    assert state is not None
    assert len(state.members) == 1


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(age_recipient="age1" + "z" * 58),
        lambda d: d.update(team_id="00000000-0000-4000-8000-000000000000"),
        lambda d: d.update(name="Someone Else"),
    ],
    ids=["recipient", "team", "name"],
)
def test_a_changed_request_is_rejected(worker: Path, change: Callable[[dict[str, Any]], None]) -> None:
    document = dict(team.make_request(worker, PASSPHRASE).document)
    change(document)
    with pytest.raises(team.RequestRejected) as caught:
        team.parse_request(document, "REQUEST.json")
    assert caught.value.exit_status == 1


def test_a_request_whose_csr_was_swapped_is_rejected(
    worker: Path, make_home: Home, coordinator: Path
) -> None:
    other = make_home("Abel Swapper")
    team.join_team(other, team.read_team_file(coordinator / team.TEAM_FILE))
    document = dict(team.make_request(worker, PASSPHRASE).document)
    document["csr"] = team.make_request(other, PASSPHRASE).document["csr"]
    with pytest.raises(team.RequestRejected):
        team.parse_request(document, "REQUEST.json")


def test_a_malformed_request_is_an_input_error(worker: Path) -> None:
    document = {**team.make_request(worker, PASSPHRASE).document, "csr": "not a CSR"}
    with pytest.raises(team.RequestInvalid, match="cannot be read") as caught:
        team.parse_request(document, "REQUEST.json")
    assert caught.value.exit_status == 2


def test_a_request_needs_a_joined_team(make_home: Home) -> None:
    with pytest.raises(team.NotJoined):
        team.make_request(make_home("Bea Unjoined"), PASSPHRASE)


def test_a_certificate_for_another_key_is_not_installed(
    worker: Path, make_home: Home, coordinator: Path
) -> None:
    other = make_home("Cora Otherkey")
    team.join_team(other, team.read_team_file(coordinator / team.TEAM_FILE))
    issued_for_other = team.issue_certificate(coordinator, PASSPHRASE, team.make_request(other, PASSPHRASE))
    before = {
        name: (worker / name).read_bytes() for name in (identity.IDENTITY_FILE, identity.CERTIFICATE_FILE)
    }
    with pytest.raises(team.CertificateRejected, match="issued for another key") as caught:
        team.install_issued(worker, PASSPHRASE, issued_for_other)
    assert caught.value.exit_status == 1
    assert {name: (worker / name).read_bytes() for name in before} == before


def test_a_certificate_from_another_team_is_not_installed(worker: Path, make_home: Home) -> None:
    rival_home = make_home("Dev Rival", "coordinator")
    team.create_team(rival_home, PASSPHRASE, "Rival Team")
    stray = make_home("Eli Stray")
    team.join_team(stray, team.read_team_file(rival_home / team.TEAM_FILE))
    issued = team.issue_certificate(rival_home, PASSPHRASE, team.make_request(stray, PASSPHRASE))
    with pytest.raises(team.TeamMismatch, match="another team"):
        team.install_issued(worker, PASSPHRASE, issued)


def test_a_certificate_not_issued_by_the_ca_is_not_installed(worker: Path, coordinator: Path) -> None:
    issued = team.issue_certificate(coordinator, PASSPHRASE, team.make_request(worker, PASSPHRASE))
    own = identity.load_identity(worker, PASSPHRASE)
    forged = team.IssuedCertificate(
        issued.team_id, own.certificate, issued.chain, issued.team, issued.document
    )
    with pytest.raises(team.CertificateRejected, match="not issued by your team"):
        team.install_issued(worker, PASSPHRASE, forged)


def test_installing_takes_the_newer_team_file_it_brings(worker: Path, coordinator: Path) -> None:
    team.export_team(coordinator, PASSPHRASE)
    installed = enrol(worker, coordinator)
    assert installed.team_updated
    joined = team.load_joined_team(worker)
    assert joined is not None
    assert joined.serial == installed.team.serial == 2


def test_a_malformed_certificate_file_is_an_input_error(worker: Path, coordinator: Path) -> None:
    issued = team.issue_certificate(coordinator, PASSPHRASE, team.make_request(worker, PASSPHRASE))
    with pytest.raises(team.IssuedInvalid, match="looks like a team file"):
        team.parse_issued(dict(issued.team.document), "CERT.json")
    with pytest.raises(team.IssuedInvalid):
        team.parse_issued({**issued.document, "certificate": "garbage"}, "CERT.json")


# --- revocation -----------------------------------------------------------------------------------------


def test_revoking_a_member_signs_a_new_team_file_that_refuses_their_signatures(
    worker: Path, coordinator: Path
) -> None:
    enrol(worker, coordinator)
    signature = cms.sign_detached(MANIFEST, identity.load_identity(worker, PASSPHRASE))
    before = team.load_joined_team(coordinator)
    assert before is not None
    assert before.verify(MANIFEST, signature).name == "Dominic Varga"

    revoked, after = team.revoke(coordinator, PASSPHRASE, "dominic VARGA")
    assert [r.name for r in revoked] == ["Dominic Varga"]
    assert after.serial == before.serial + 1
    certificate = identity.own_certificates(worker)[0]
    assert after.is_revoked(certificate)
    assert not before.is_revoked(certificate)
    with pytest.raises(cms.SignatureRejected, match="revoked"):
        after.verify(MANIFEST, signature)

    assert team.update_team(worker, after)
    assert team.certificate_status(worker, team.load_joined_team(worker)).state == "revoked"
    again, unchanged = team.revoke(coordinator, PASSPHRASE, revoked[0].fingerprint or "")
    assert again == []
    assert unchanged.serial == after.serial


def test_revoking_by_fingerprint_prefix_and_refusing_a_revoked_key(worker: Path, coordinator: Path) -> None:
    enrol(worker, coordinator)
    readable = identity.readable_fingerprint(identity.own_certificates(worker)[0])
    revoked, _ = team.revoke(coordinator, PASSPHRASE, readable)
    assert len(revoked) == 1
    with pytest.raises(team.RequestRejected, match="was revoked"):
        team.issue_certificate(coordinator, PASSPHRASE, team.make_request(worker, PASSPHRASE))


def test_revoking_an_unknown_certificate_by_its_full_fingerprint(coordinator: Path) -> None:
    stranger = identity.create_identity("Gil Unknown")
    revoked, current = team.revoke(coordinator, PASSPHRASE, stranger.fingerprint)
    assert revoked[0].fingerprint == stranger.fingerprint
    assert revoked[0].serial is None
    assert current.is_revoked(stranger.certificate)


def test_revoking_nobody_or_the_coordinator_is_refused(coordinator: Path) -> None:
    with pytest.raises(team.TeamError, match="No member"):
        team.revoke(coordinator, PASSPHRASE, "Hattie Nobody")
    with pytest.raises(team.TeamError, match="coordinator's own"):
        team.revoke(coordinator, PASSPHRASE, "Priya Okonkwo-Hale")


def test_the_team_file_refuses_the_cas_own_signature_on_member_data(coordinator: Path) -> None:
    authority = team.load_authority(coordinator, PASSPHRASE)
    joined = team.load_joined_team(coordinator)
    assert joined is not None
    signature = cms.sign_detached_with(MANIFEST, authority.key, authority.certificate)
    with pytest.raises(cms.SignatureRejected, match="certificate authority itself"):
        joined.verify(MANIFEST, signature)


# --- the coordinator's other duties ---------------------------------------------------------------------


def test_coordinator_actions_on_a_workers_laptop_are_refused(worker: Path) -> None:
    for action in (
        lambda: team.export_team(worker, PASSPHRASE),
        lambda: team.revoke(worker, PASSPHRASE, "Dominic Varga"),
        lambda: team.backup_coordinator_key(worker, PASSPHRASE, worker / "key.txt"),
        lambda: team.set_contacts(worker, PASSPHRASE, {"mash": "01632 960000"}),
    ):
        with pytest.raises(team.NotACoordinator) as caught:
            action()
        assert caught.value.exit_status == 2
    assert not (worker / "key.txt").exists()


def test_the_coordinators_key_backup_opens_with_age(coordinator: Path, tmp_path: Path) -> None:
    out = tmp_path / "coordinator-age-key.txt"
    team.backup_coordinator_key(coordinator, PASSPHRASE, out)
    own = identity.load_identity(coordinator, PASSPHRASE)
    text = out.read_text(encoding="ascii")
    assert f"# public key: {own.age.recipient}\n" in text
    assert text.rstrip().endswith(own.age.secret)
    if os.name == "posix":
        assert mode(out) == 0o600
    with pytest.raises(team.TeamError, match="already exists"):
        team.backup_coordinator_key(coordinator, PASSPHRASE, out)
    assert out.read_text(encoding="ascii") == text

    age = require_tool("age")
    import pyrage

    sealed = pyrage.encrypt(
        b"a bundle for the coordinator", [pyrage.x25519.Recipient.from_str(own.age.recipient)]
    )
    (tmp_path / "bundle.age").write_bytes(sealed)
    opened = subprocess.run(
        [age, "-d", "-i", str(out), str(tmp_path / "bundle.age")], capture_output=True, check=True
    )
    assert opened.stdout == b"a bundle for the coordinator"


def test_changing_the_passphrase_reprotects_the_team_ca(coordinator: Path) -> None:
    new = "tangerine lighthouse orbit seven"
    team.change_passphrase(coordinator, PASSPHRASE, new)
    assert (
        team.load_authority(coordinator, new).certificate == team.load_authority(coordinator, new).certificate
    )
    with pytest.raises(WrongPassphrase):
        team.load_authority(coordinator, PASSPHRASE)


@pytest.mark.needs_tool("openssl")
def test_openssl_verifies_the_team_files_signature_as_docs_team_md_says(
    coordinator: Path, tmp_path: Path
) -> None:
    openssl = require_tool("openssl")
    document = dict(team.export_team(coordinator, PASSPHRASE).document)
    signature = base64.b64decode(document.pop("signature"))
    (tmp_path / "body.json").write_bytes(team.canonical_json(document))
    (tmp_path / "sig.p7s").write_bytes(signature)
    (tmp_path / "ca.pem").write_text(document["ca_certificate"], encoding="ascii")

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [
                openssl,
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                str(tmp_path / "sig.p7s"),
                "-content",
                str(tmp_path / "body.json"),
                "-CAfile",
                str(tmp_path / "ca.pem"),
                "-purpose",
                "any",
                "-out",
                os.devnull,
            ],
            capture_output=True,
            text=True,
            check=False,
        )

    assert verify().returncode == 0
    (tmp_path / "body.json").write_bytes(team.canonical_json({**document, "name": "Southtown Locality Team"}))
    assert verify().returncode != 0


def test_a_damaged_team_file_in_the_home_is_replaced_only_when_asked(worker: Path, coordinator: Path) -> None:
    (worker / team.TEAM_FILE).write_text("{ cut short", encoding="utf-8")
    fresh = team.read_team_file(coordinator / team.TEAM_FILE)
    with pytest.raises(CafError, match="not valid JSON"):
        team.join_team(worker, fresh)
    assert team.join_team(worker, fresh, replace=True) == fresh
    assert team.load_joined_team(worker) == fresh
