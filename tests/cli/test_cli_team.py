"""The `team` commands (CONTRACT.md), end to end: a coordinator's home and a worker's home, in-process.

Every practitioner and team here is invented.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.store.store import Store
from caf_desktop.trust import identity, team
from cryptography import x509

from tests.cli.test_cli_store import PASSPHRASE, assert_plain
from tests.conftest import CliResult
from tests.trust.test_cms import require_tool

Cli = Callable[..., CliResult]

TEAM_NAME = "Northtown Locality Team"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in (
        "CAF_DESKTOP_PASSPHRASE",
        "CAF_DESKTOP_NEW_PASSPHRASE",
        "CAF_DESKTOP_DATABASE_URL",
        "CAF_DESKTOP_ASSUME_YES",
    ):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)


@pytest.fixture
def homes(tmp_path: Path) -> dict[str, Path]:
    return {"coordinator": tmp_path / "coordinator", "worker": tmp_path / "worker", "files": tmp_path}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A coordinator's home with the team made and exported, and a worker's home with a store: made once
    per module (each `init` and `team init` costs several scrypt derivations) and copied for each test."""
    from caf_desktop.cli.entry import run
    from caf_desktop.common import paths

    root = tmp_path_factory.mktemp("team-template")
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)
        for args in (
            ("coordinator", "init", "--name", "Marguerite Oduya", "--role", "coordinator"),
            ("coordinator", "team", "init", "--name", TEAM_NAME),
            ("coordinator", "team", "export", "--out", str(root / "TEAM.json")),
            ("worker", "init", "--name", "Tobias Lindqvist", "--organisation", "Northtown Primary"),
        ):
            out, err = io.StringIO(), io.StringIO()
            status = run(["--home", str(root / args[0]), *args[1:]], out, err)
            assert status == 0, err.getvalue()
    paths.set_home(None)
    return root


@pytest.fixture
def coordinator(template: Path, homes: dict[str, Path]) -> Path:
    """A coordinator's home with a store, an identity and the team, and the team file exported."""
    shutil.copytree(template / "coordinator", homes["coordinator"])
    shutil.copy2(template / "TEAM.json", homes["files"] / "TEAM.json")
    return homes["coordinator"]


@pytest.fixture
def worker(template: Path, homes: dict[str, Path]) -> Path:
    shutil.copytree(template / "worker", homes["worker"])
    return homes["worker"]


@pytest.fixture
def joined(cli: Cli, coordinator: Path, worker: Path, homes: dict[str, Path]) -> Path:
    result = cli("--home", worker, "team", "join", homes["files"] / "TEAM.json", "--yes")
    assert result.status == 0, result.err
    return worker


def audit_actions(home: Path) -> list[tuple[str, dict[str, Any]]]:
    store = Store.open(home, PASSPHRASE)
    try:
        return [(e.action, e.details) for e in store.audit_events()]
    finally:
        store.close()


def enrol(cli: Cli, worker: Path, coordinator: Path, files: Path) -> None:
    for args in (
        (worker, "team", "request", "--out", files / "REQUEST.json"),
        (coordinator, "team", "issue", files / "REQUEST.json", "--out", files / "CERT.json"),
        (worker, "team", "install", files / "CERT.json"),
    ):
        result = cli("--home", args[0], *args[1:])
        assert result.status == 0, result.err
        assert_plain(result)


def test_a_worker_is_enrolled_end_to_end(
    cli: Cli, coordinator: Path, worker: Path, homes: dict[str, Path]
) -> None:
    files = homes["files"]
    team_file = json.loads((files / "TEAM.json").read_text(encoding="utf-8"))
    ca = x509.load_pem_x509_certificate(team_file["ca_certificate"].encode("ascii"))
    assert team_file["name"] == TEAM_NAME

    before = cli("--home", worker, "team", "show", "--json")
    assert before.status == 0, before.err
    assert before.json()["team"] is None
    assert before.json()["role"] is None
    assert before.json()["certificate"]["state"] == "self_signed"

    joined = cli("--home", worker, "team", "join", files / "TEAM.json", "--yes")
    assert joined.status == 0, joined.err
    assert identity.readable_fingerprint(ca) in joined.out
    assert "Read this fingerprint to your coordinator" in joined.out
    assert (
        json.loads((worker / "team.json").read_text(encoding="utf-8"))["ca_certificate"]
        == team_file["ca_certificate"]
    )

    requested = cli("--home", worker, "team", "request", "--out", files / "REQUEST.json")
    assert requested.status == 0, requested.err
    key_fingerprint = team.readable_key_fingerprint(identity.own_certificates(worker)[0])
    assert key_fingerprint in requested.out

    issued = cli("--home", coordinator, "team", "issue", files / "REQUEST.json", "--out", files / "CERT.json")
    assert issued.status == 0, issued.err
    assert "Tobias Lindqvist, Northtown Primary" in issued.out
    assert key_fingerprint in issued.out

    installed = cli("--home", worker, "team", "install", files / "CERT.json")
    assert installed.status == 0, installed.err
    assert_plain(installed)

    shown = cli("--home", worker, "team", "show", "--json")
    assert shown.status == 0, shown.err
    report = shown.json()
    assert report["role"] == "worker"
    assert report["team"]["name"] == TEAM_NAME
    assert report["team"]["ca_fingerprint"] == identity.fingerprint(ca)
    assert report["certificate"]["state"] == "issued_by_team"
    assert report["certificate"]["chains_to_team"] is True
    certificate = identity.own_certificates(worker)[0]
    certificate.verify_directly_issued_by(ca)
    assert report["certificate"]["fingerprint"] == identity.fingerprint(certificate)

    coordinator_view = cli("--home", coordinator, "team", "show", "--json").json()
    assert coordinator_view["role"] == "coordinator"
    assert coordinator_view["certificate"]["chains_to_team"] is True
    assert [m["name"] for m in coordinator_view["members"]] == ["Marguerite Oduya", "Tobias Lindqvist"]

    # The audit trails name certificates by fingerprint, never the other person.
    worker_actions = audit_actions(worker)
    assert [a for a, _ in worker_actions][-3:] == [
        "team joined",
        "enrolment requested",
        "certificate installed",
    ]
    assert worker_actions[-1][1]["certificate"] == identity.fingerprint(certificate)
    coordinator_actions = audit_actions(coordinator)
    assert [a for a, _ in coordinator_actions][-3:] == [
        "team created",
        "team file exported",
        "certificate issued",
    ]
    assert "Tobias" not in json.dumps([d for _, d in coordinator_actions])


@pytest.mark.needs_tool("openssl")
def test_openssl_agrees_that_the_worker_certificate_chains_to_the_team_ca(
    cli: Cli, joined: Path, coordinator: Path, homes: dict[str, Path]
) -> None:
    openssl = require_tool("openssl")
    files = homes["files"]
    enrol(cli, joined, coordinator, files)
    (files / "ca.pem").write_text(
        json.loads((files / "TEAM.json").read_text(encoding="utf-8"))["ca_certificate"], encoding="ascii"
    )
    (files / "worker.pem").write_text(
        json.loads((files / "CERT.json").read_text(encoding="utf-8"))["certificate"], encoding="ascii"
    )
    result = subprocess.run(
        [openssl, "verify", "-CAfile", str(files / "ca.pem"), str(files / "worker.pem")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_team_init_tells_the_fingerprint_and_what_is_not_set(cli: Cli, homes: dict[str, Path]) -> None:
    home = homes["coordinator"]
    assert cli("--home", home, "init", "--name", "Marguerite Oduya", "--role", "coordinator").status == 0
    result = cli("--home", home, "team", "init", "--name", TEAM_NAME, "--front-door", "01632 960123")
    assert result.status == 0, result.err
    joined = team.load_joined_team(home)
    assert joined is not None
    assert joined.readable_fingerprint in result.out
    assert "Not set yet: Children's social care out-of-hours duty team" in result.out
    again = cli("--home", home, "team", "init", "--name", "Another Team")
    assert again.status == 2
    assert_plain(again)
    assert "already holds a team's certificate authority" in again.err


def test_team_init_on_a_worker_profile_notes_it(cli: Cli, worker: Path) -> None:
    result = cli("--home", worker, "team", "init", "--name", TEAM_NAME)
    assert result.status == 0, result.err
    assert "profile says worker, not coordinator" in result.err


def test_team_init_needs_a_store(cli: Cli, homes: dict[str, Path]) -> None:
    result = cli("--home", homes["coordinator"], "team", "init", "--name", TEAM_NAME)
    assert result.status == 2
    assert_plain(result)
    assert not (homes["coordinator"] / team.TEAM_CA_FILE).exists()


def test_coordinator_commands_on_a_workers_laptop_are_refused(
    cli: Cli, joined: Path, homes: dict[str, Path]
) -> None:
    files = homes["files"]
    for args in (
        ("team", "export", "--out", files / "MINE.json"),
        ("team", "issue", files / "TEAM.json", "--out", files / "CERT.json"),
        ("team", "revoke", "Marguerite Oduya"),
        ("team", "backup-key", "--out", files / "key.txt"),
        ("team", "contacts", "--front-door", "01632 960000"),
    ):
        result = cli("--home", joined, *args)
        assert result.status == 2, args
        assert_plain(result)
        assert "This is a coordinator's command" in result.err
    assert not (files / "MINE.json").exists()
    assert not (files / "key.txt").exists()


def test_joining_without_a_terminal_or_yes_is_refused(
    cli: Cli, coordinator: Path, worker: Path, homes: dict[str, Path]
) -> None:
    result = cli("--home", worker, "team", "join", homes["files"] / "TEAM.json")
    assert result.status == 2
    assert_plain(result)
    assert "there is no terminal to answer in" in result.err
    assert "--yes" in result.err
    assert not (worker / "team.json").exists()


def test_joining_asks_to_confirm_the_fingerprint(
    cli: Cli, coordinator: Path, worker: Path, homes: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from caf_desktop.cli import common as cli_module

    answers = ["n", "yes"]
    monkeypatch.setattr(cli_module, "stdin_is_terminal", lambda: True)
    monkeypatch.setattr("builtins.input", lambda *_: answers.pop(0))
    declined = cli("--home", worker, "team", "join", homes["files"] / "TEAM.json")
    assert declined.status == 1
    assert "Is it the same fingerprint? [y/N]" in declined.out
    assert "Not joined" in declined.err
    assert not (worker / "team.json").exists()
    accepted = cli("--home", worker, "team", "join", homes["files"] / "TEAM.json")
    assert accepted.status == 0, accepted.err
    assert (worker / "team.json").exists()


def test_joining_in_a_script_with_the_environment_variable(
    cli: Cli, coordinator: Path, worker: Path, homes: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAF_DESKTOP_ASSUME_YES", "1")
    result = cli("--home", worker, "team", "join", homes["files"] / "TEAM.json")
    assert result.status == 0, result.err


def test_joining_a_forged_team_file_is_rejected(
    cli: Cli, coordinator: Path, worker: Path, homes: dict[str, Path]
) -> None:
    files = homes["files"]
    document = json.loads((files / "TEAM.json").read_text(encoding="utf-8"))
    document["coordinators"][0]["age_recipient"] = "age1" + "q" * 58
    (files / "FORGED.json").write_text(json.dumps(document), encoding="utf-8")
    result = cli("--home", worker, "team", "join", files / "FORGED.json", "--yes")
    assert result.status == 1
    assert_plain(result)
    assert "signature does not verify" in result.err
    assert not (worker / "team.json").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "this is not valid JSON"),
        ("[1, 2]", "not a JSON object"),
        (None, "there is no such file"),
    ],
    ids=["malformed", "not-an-object", "missing"],
)
def test_joining_an_unreadable_team_file_is_an_input_error(
    cli: Cli, worker: Path, tmp_path: Path, content: str | None, message: str
) -> None:
    path = tmp_path / "BROKEN.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = cli("--home", worker, "team", "join", path, "--yes")
    assert result.status == 2
    assert_plain(result)
    assert message in result.err


def test_joining_a_second_team_needs_replace(
    cli: Cli, joined: Path, homes: dict[str, Path], tmp_path: Path
) -> None:
    other = tmp_path / "other-coordinator"
    assert cli("--home", other, "init", "--name", "Ngozi Southtown", "--role", "coordinator").status == 0
    assert cli("--home", other, "team", "init", "--name", "Southtown Locality Team").status == 0
    assert cli("--home", other, "team", "export", "--out", tmp_path / "SOUTH.json").status == 0
    refused = cli("--home", joined, "team", "join", tmp_path / "SOUTH.json", "--yes")
    assert refused.status == 1
    assert_plain(refused)
    assert "add --replace" in refused.err
    shown = cli("--home", joined, "team", "show", "--json").json()
    assert shown["team"]["name"] == TEAM_NAME
    replaced = cli("--home", joined, "team", "join", tmp_path / "SOUTH.json", "--yes", "--replace")
    assert replaced.status == 0, replaced.err
    assert cli("--home", joined, "team", "show", "--json").json()["team"]["name"] == "Southtown Locality Team"


def test_a_request_for_another_team_is_rejected_by_the_coordinator(
    cli: Cli, joined: Path, tmp_path: Path, homes: dict[str, Path]
) -> None:
    other = tmp_path / "other-coordinator"
    assert cli("--home", other, "init", "--name", "Ngozi Southtown", "--role", "coordinator").status == 0
    assert cli("--home", other, "team", "init", "--name", "Southtown Locality Team").status == 0
    assert cli("--home", joined, "team", "request", "--out", tmp_path / "REQUEST.json").status == 0
    result = cli("--home", other, "team", "issue", tmp_path / "REQUEST.json", "--out", tmp_path / "CERT.json")
    assert result.status == 1
    assert_plain(result)
    assert "This request is for another team" in result.err
    assert not (tmp_path / "CERT.json").exists()


def test_a_changed_request_is_rejected(
    cli: Cli, joined: Path, coordinator: Path, homes: dict[str, Path]
) -> None:
    files = homes["files"]
    assert cli("--home", joined, "team", "request", "--out", files / "REQUEST.json").status == 0
    document = json.loads((files / "REQUEST.json").read_text(encoding="utf-8"))
    document["age_recipient"] = "age1" + "z" * 58
    (files / "REQUEST.json").write_text(json.dumps(document), encoding="utf-8")
    result = cli("--home", coordinator, "team", "issue", files / "REQUEST.json", "--out", files / "CERT.json")
    assert result.status == 1
    assert_plain(result)
    assert "changed after the worker made it" in result.err


def test_a_certificate_for_another_key_is_not_installed(
    cli: Cli, joined: Path, coordinator: Path, homes: dict[str, Path], tmp_path: Path
) -> None:
    files = homes["files"]
    colleague = tmp_path / "colleague"
    assert cli("--home", colleague, "init", "--name", "Ottilie Brandt").status == 0
    assert cli("--home", colleague, "team", "join", files / "TEAM.json", "--yes").status == 0
    assert cli("--home", colleague, "team", "request", "--out", files / "THEIRS.json").status == 0
    issued = cli(
        "--home", coordinator, "team", "issue", files / "THEIRS.json", "--out", files / "THEIR-CERT.json"
    )
    assert issued.status == 0, issued.err
    before = (joined / identity.CERTIFICATE_FILE).read_bytes()
    result = cli("--home", joined, "team", "install", files / "THEIR-CERT.json")
    assert result.status == 1
    assert_plain(result)
    assert "issued for another key" in result.err
    assert (joined / identity.CERTIFICATE_FILE).read_bytes() == before


def test_output_files_are_not_overwritten_without_force(
    cli: Cli, coordinator: Path, homes: dict[str, Path]
) -> None:
    files = homes["files"]
    before = (files / "TEAM.json").read_bytes()
    refused = cli("--home", coordinator, "team", "export", "--out", files / "TEAM.json")
    assert refused.status == 2
    assert "already exists; nothing was written" in refused.err
    assert (files / "TEAM.json").read_bytes() == before
    forced = cli("--home", coordinator, "team", "export", "--out", files / "TEAM.json", "--force")
    assert forced.status == 0, forced.err
    assert json.loads((files / "TEAM.json").read_text(encoding="utf-8"))["serial"] == 3


def test_revoking_and_updating(cli: Cli, joined: Path, coordinator: Path, homes: dict[str, Path]) -> None:
    files = homes["files"]
    enrol(cli, joined, coordinator, files)
    revoked = cli("--home", coordinator, "team", "revoke", "Tobias Lindqvist")
    assert revoked.status == 0, revoked.err
    assert "Revoked Tobias Lindqvist's certificate" in revoked.out
    assert cli("--home", coordinator, "team", "export", "--out", files / "TEAM-2.json").status == 0

    updated = cli("--home", joined, "team", "update", files / "TEAM-2.json")
    assert updated.status == 0, updated.err
    assert "1 revoked certificate" in updated.out
    shown = cli("--home", joined, "team", "show", "--json").json()
    assert shown["certificate"]["state"] == "revoked"
    assert shown["team"]["revoked"][0]["name"] == "Tobias Lindqvist"

    same = cli("--home", joined, "team", "update", files / "TEAM-2.json")
    assert same.status == 0
    assert "nothing was changed" in same.out
    older = cli("--home", joined, "team", "update", files / "TEAM.json")
    assert older.status == 1
    assert_plain(older)
    assert "is older than the one this home has" in older.err
    again = cli("--home", coordinator, "team", "revoke", "Tobias Lindqvist")
    assert again.status == 0
    assert "revoked already" in again.out
    unknown = cli("--home", coordinator, "team", "revoke", "Nobody Atall")
    assert unknown.status == 2
    assert "No member of the team" in unknown.err


def test_update_before_join_is_refused(
    cli: Cli, coordinator: Path, worker: Path, homes: dict[str, Path]
) -> None:
    result = cli("--home", worker, "team", "update", homes["files"] / "TEAM.json")
    assert result.status == 2
    assert "has not joined a team yet" in result.err


def test_the_coordinator_key_backup(cli: Cli, coordinator: Path, homes: dict[str, Path]) -> None:
    out = homes["files"] / "coordinator-key.txt"
    result = cli("--home", coordinator, "team", "backup-key", "--out", out)
    assert result.status == 0, result.err
    assert "WARNING" in result.err
    assert "opens every bundle" in result.err
    if os.name == "posix":
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.read_text(encoding="ascii").splitlines()[-1].startswith("AGE-SECRET-KEY-1")
    again = cli("--home", coordinator, "team", "backup-key", "--out", out)
    assert again.status == 2
    assert "already exists" in again.err
    assert audit_actions(coordinator)[-1][0] == "coordinator key backed up"


def test_contacts_are_set_by_the_coordinator_and_shown_to_everyone(
    cli: Cli, joined: Path, coordinator: Path, homes: dict[str, Path]
) -> None:
    result = cli(
        "--home",
        coordinator,
        "team",
        "contacts",
        "--front-door",
        "01632 960555",
        "--out-of-hours",
        "01632 960556",
    )
    assert result.status == 0, result.err
    assert "Children's social care front door (MASH): 01632 960555" in result.out
    assert cli("--home", coordinator, "team", "export", "--out", homes["files"] / "TEAM-2.json").status == 0
    assert cli("--home", joined, "team", "update", homes["files"] / "TEAM-2.json").status == 0
    shown = cli("--home", joined, "team", "contacts", "--json")
    assert shown.status == 0, shown.err
    phones = {c["id"]: c["phone"] for c in shown.json()}
    assert phones["mash"] == "01632 960555"
    assert phones["out_of_hours"] == "01632 960556"
    assert phones["police_non_emergency"] == "101"
    empty = cli("--home", coordinator, "team", "contacts", "--front-door", " ")
    assert empty.status == 2
    assert "needs a telephone number" in empty.err


def test_team_show_in_a_home_with_no_team(cli: Cli, worker: Path) -> None:
    result = cli("--home", worker, "team", "show")
    assert result.status == 0, result.err
    assert "not in a team yet" in result.out
    assert "Self-signed" in result.out


def test_team_show_as_text(cli: Cli, joined: Path, coordinator: Path, homes: dict[str, Path]) -> None:
    enrol(cli, joined, coordinator, homes["files"])
    shown = cli("--home", coordinator, "team", "show")
    assert shown.status == 0, shown.err
    joined_team = team.load_joined_team(coordinator)
    assert joined_team is not None
    assert joined_team.readable_fingerprint in shown.out
    assert "This laptop: coordinator" in shown.out
    assert "Tobias Lindqvist, Northtown Primary (worker)" in shown.out


def test_a_wrong_passphrase_changes_nothing(
    cli: Cli, coordinator: Path, homes: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", "not the right passphrase")
    before = (coordinator / team.TEAM_FILE).read_bytes()
    result = cli("--home", coordinator, "team", "export", "--out", homes["files"] / "NEW.json")
    assert result.status == 2
    assert_plain(result)
    assert "passphrase is not right" in result.err
    assert (coordinator / team.TEAM_FILE).read_bytes() == before
    assert not (homes["files"] / "NEW.json").exists()


def test_a_team_ca_under_an_earlier_passphrase_is_said_plainly(
    cli: Cli, coordinator: Path, homes: dict[str, Path]
) -> None:
    team.change_passphrase(coordinator, PASSPHRASE, "an earlier passphrase, say")
    result = cli("--home", coordinator, "team", "export", "--out", homes["files"] / "NEW.json")
    assert result.status == 2
    assert_plain(result)
    assert "opens the records but not your identity or the team's certificate authority" in result.err
    assert not (homes["files"] / "NEW.json").exists()


def test_db_passwd_re_protects_the_team_ca_too(
    cli: Cli, coordinator: Path, homes: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAF_DESKTOP_NEW_PASSPHRASE", "a brand new passphrase for the team")
    assert cli("--home", coordinator, "db", "passwd").status == 0
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", "a brand new passphrase for the team")
    result = cli("--home", coordinator, "team", "export", "--out", homes["files"] / "AFTER.json")
    assert result.status == 0, result.err
    assert (homes["files"] / "AFTER.json").exists()
