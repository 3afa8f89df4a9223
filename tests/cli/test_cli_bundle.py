"""`caf-desktop bundle` (CONTRACT.md): export, import, inspect, conflicts and resolve, run in-process.

Each person's home is a copy of the team world's (tests/sync/bundle_world.py) with a store of its own; the
passphrase comes from the environment, as a coordinator's batch job would give it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from caf_desktop.store.store import Profile, Store

from tests.conftest import EXAMPLES, CliResult, write_json
from tests.store.support import definition, edited
from tests.sync.bundle_world import KDF_COST, PASSPHRASE, Person, World, caf, make_world

Cli = Callable[..., CliResult]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("team"))


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("CAF_DESKTOP_DATABASE_URL", "CAF_DESKTOP_NEW_PASSPHRASE"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)


def home_of(person: Person, tmp_path: Path, role: str = "worker") -> Path:
    """A copy of the person's home with an empty store of records."""
    home = tmp_path / person.home.name
    shutil.copytree(person.home, home)
    Store.create(home, PASSPHRASE, Profile(person.name, role, "Fictonwood"), kdf_cost=KDF_COST).close()
    return home


@pytest.fixture
def hannah(world: World, tmp_path: Path) -> Path:
    return home_of(world.worker, tmp_path)


@pytest.fixture
def cora(world: World, tmp_path: Path) -> Path:
    return home_of(world.coordinator, tmp_path, "coordinator")


def assert_plain(result: CliResult) -> None:
    assert "Traceback" not in result.out + result.err
    assert 'File "' not in result.err


def add_record(cli: Cli, home: Path, tmp_path: Path, document: dict[str, object] | None = None) -> str:
    data = write_json(tmp_path / "data" / f"{len(list(tmp_path.glob('data/*')))}.json", document or caf())
    result = cli("--home", home, "records", "add", "caf-assessment", data, "--json")
    assert result.status == 0, result.err
    return str(result.json()["id"])


def count(cli: Cli, home: Path) -> int:
    result = cli("--home", home, "records", "list", "--json")
    assert result.status == 0, result.err
    return len(result.json())


def sent_bundle(cli: Cli, hannah: Path, tmp_path: Path) -> tuple[str, Path]:
    record = add_record(cli, hannah, tmp_path)
    out = tmp_path / "outbox"
    out.mkdir(exist_ok=True)
    result = cli("--home", hannah, "bundle", "export", "--changed", "--out", out)
    assert result.status == 0, result.err
    [path] = sorted(out.glob("*.cafbundle"))[-1:]
    return record, path


def test_a_worker_exports_and_the_coordinator_inspects_then_imports(
    cli: Cli, hannah: Path, cora: Path, tmp_path: Path
) -> None:
    record = add_record(cli, hannah, tmp_path)
    out = tmp_path / "to-team.cafbundle"

    exported = cli("--home", hannah, "bundle", "export", "--all", "--out", out)
    inspected = cli("--home", cora, "bundle", "inspect", out, "--json")
    before = count(cli, cora)
    imported = cli("--home", cora, "bundle", "import", out, "--json")

    assert exported.status == 0, exported.err
    assert exported.out.startswith(f"Wrote 1 record to {out}, for Northtown Locality Team (bundle number 1).")
    assert inspected.status == 0, inspected.err
    facts = inspected.json()
    assert (facts["verified"], facts["sender"], facts["sequence"], facts["records"]) == (
        True,
        "Hannah Testwell",
        1,
        1,
    )
    assert facts["plan"]["new"] == 1
    assert facts["changes"][0]["id"] == record
    assert before == 0  # inspecting imported nothing
    assert imported.status == 0, imported.err
    assert imported.json() == {
        "imported": 1,
        "updated": 0,
        "identical": 0,
        "conflicts": 0,
        "outdated": 0,
        "bundles": [{"file": str(out), "bundle": facts["bundle"], "sender": "Hannah Testwell"}],
        "rejected": [],
        "already_imported": [],
    }
    assert count(cli, cora) == 1


def test_a_second_import_of_the_same_folder_exits_0_as_already_imported(
    cli: Cli, hannah: Path, cora: Path, tmp_path: Path
) -> None:
    _, path = sent_bundle(cli, hannah, tmp_path)
    assert cli("--home", cora, "bundle", "import", path.parent).status == 0

    again = cli("--home", cora, "bundle", "import", path.parent)
    again_json = cli("--home", cora, "bundle", "import", path.parent, "--json")

    assert again.status == 0, again.err
    assert again.out.startswith(f"{path}: This bundle was already imported on ")
    assert again.out.rstrip().endswith("; there is nothing to do.")
    assert again.err == ""
    assert again_json.status == 0, again_json.err
    report = again_json.json()
    assert (report["imported"], report["rejected"]) == (0, [])
    [repeat] = report["already_imported"]
    assert repeat["file"] == str(path)
    assert repeat["message"].startswith("This bundle was already imported on ")
    assert count(cli, cora) == 1
    assert_plain(again)


def test_a_replay_with_the_same_bundle_id_and_changed_contents_is_refused(
    world: World, cli: Cli, hannah: Path, cora: Path, tmp_path: Path
) -> None:
    """A copy of an imported bundle with one record changed inside and encrypted again: its id is
    recorded, but it is not the file imported, so it is refused (exit 1), never "already imported"."""
    import io
    import zipfile

    import pyrage

    _, path = sent_bundle(cli, hannah, tmp_path)
    assert cli("--home", cora, "bundle", "import", path).status == 0
    key = pyrage.x25519.Identity.from_str(world.coordinator.identity.age.secret)
    original = zipfile.ZipFile(io.BytesIO(pyrage.decrypt(path.read_bytes(), [key])))
    changed = io.BytesIO()
    with zipfile.ZipFile(changed, "w") as archive:
        for name in original.namelist():
            data = original.read(name)
            if name.startswith("records/"):
                data = data.replace(b'"draft"', b'"complete"')
            archive.writestr(name, data)
    tampered = tmp_path / "tampered" / path.name
    tampered.parent.mkdir()
    recipients = [pyrage.x25519.Recipient.from_str(r) for r in world.team.coordinator_recipients]
    tampered.write_bytes(pyrage.encrypt(changed.getvalue(), recipients))

    again = cli("--home", cora, "bundle", "import", tampered, "--json")

    assert again.status == 1
    assert again.json()["already_imported"] == []
    [refused] = again.json()["rejected"]
    assert refused["file"] == str(tampered)
    assert "this file is not the one that was imported" in refused["reason"]
    assert f"{tampered}: A bundle with the same id was already imported" in again.err
    assert_plain(again)


def test_a_folder_of_bundles_with_a_bad_one(cli: Cli, hannah: Path, cora: Path, tmp_path: Path) -> None:
    _, first = sent_bundle(cli, hannah, tmp_path)
    _, second = sent_bundle(cli, hannah, tmp_path)
    damaged = first.parent / "damaged.cafbundle"
    data = bytearray(first.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))

    result = cli("--home", cora, "bundle", "import", first.parent)

    assert result.status == 1
    assert f"{first}: imported from Hannah Testwell: 1 new." in result.out
    assert f"{second}: imported from Hannah Testwell: 1 new." in result.out
    assert f"{damaged}: The bundle is damaged" in result.err
    assert count(cli, cora) == 2
    assert_plain(result)


def test_inspecting_a_tampered_bundle_says_why_and_changes_nothing(
    cli: Cli, hannah: Path, cora: Path, tmp_path: Path
) -> None:
    _, path = sent_bundle(cli, hannah, tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 10])

    result = cli("--home", cora, "bundle", "inspect", path)

    assert result.status == 1
    assert "Verification: REJECTED. The bundle is damaged" in result.out
    assert count(cli, cora) == 0
    assert_plain(result)


def test_consent_refusal_and_sharing_without_consent(cli: Cli, hannah: Path, tmp_path: Path) -> None:
    document = caf("Barnaby", "Okonkwo", "2019-05-01")
    document["consent"]["share"]["scope"] = "named_only"
    # He told his teacher he is hurt at home: a disclosure of abuse, a child-protection indicator.
    document["parenting"]["basic_care"]["indicators"] = ["basic_care.l4.disclosure_of_abuse"]
    add_record(cli, hannah, tmp_path, document)

    refused = cli("--home", hannah, "bundle", "export", "--all", "--out", tmp_path / "a.cafbundle")
    shared = cli(
        "--home",
        hannah,
        "bundle",
        "export",
        "--all",
        "--out",
        tmp_path / "b.cafbundle",
        "--share-without-consent",
        "Barnaby told his teacher he is hurt at home; the duty social worker asked for the CAF today.",
    )

    assert refused.status == 1
    assert "Nothing was shared: consent does not cover sharing 1 record." in refused.err
    assert "Northtown Locality Team is not named" in refused.err
    assert not (tmp_path / "a.cafbundle").exists()
    assert shared.status == 0, shared.err
    assert "1 record shared without consent, as you decided" in shared.out
    assert_plain(refused)


def test_a_child_in_need_is_not_shared_on_the_significant_harm_ground(
    cli: Cli, hannah: Path, tmp_path: Path
) -> None:
    """A level-4 child in need (s17) is referred with consent: the command line refuses the ground
    "the child is at risk of significant harm" for them, as the app's dialog does not offer it."""
    document = caf("Barnaby", "Okonkwo", "2019-05-01")
    document["consent"]["share"]["scope"] = "named_only"
    document["development"]["learning"]["indicators"] = ["learning.l4.complex_learning_disability"]
    for element in document["parenting"].values():
        if isinstance(element, dict):
            element.pop("indicators", None)
    add_record(cli, hannah, tmp_path, document)
    reason = "The school asked for the assessment before the annual review of his plan next week."
    harm = cli(
        "--home",
        hannah,
        "bundle",
        "export",
        "--all",
        "--out",
        tmp_path / "a.cafbundle",
        "--share-without-consent",
        reason,
    )
    assert harm.status == 1
    assert "needs a child-protection indicator" in harm.err
    assert not (tmp_path / "a.cafbundle").exists()
    assert_plain(harm)
    other = cli(
        "--home",
        hannah,
        "bundle",
        "export",
        "--all",
        "--out",
        tmp_path / "b.cafbundle",
        "--share-without-consent",
        reason,
        "--ground",
        "other",
    )
    assert other.status == 0, other.err


def test_nothing_changed_is_a_plain_sentence(cli: Cli, hannah: Path, tmp_path: Path) -> None:
    sent_bundle(cli, hannah, tmp_path)

    result = cli("--home", hannah, "bundle", "export", "--changed", "--out", tmp_path / "again.cafbundle")

    assert result.status == 2
    assert "No record has changed since the last bundle to Northtown Locality Team" in result.err
    assert_plain(result)


def test_a_conflict_is_listed_and_settled(
    cli: Cli, world: World, hannah: Path, cora: Path, tmp_path: Path
) -> None:
    record, path = sent_bundle(cli, hannah, tmp_path)
    assert cli("--home", cora, "bundle", "import", path).status == 0
    for home, note in ((cora, "Cora's note"), (hannah, "Hannah's note")):
        store = Store.open(home, PASSPHRASE)
        try:
            store.save(record, edited(store.get(record).document, note), definition("caf-assessment"))
        finally:
            store.close()
    _, second = sent_bundle(cli, hannah, tmp_path)

    imported = cli("--home", cora, "bundle", "import", second)
    listed = cli("--home", cora, "bundle", "conflicts", "--json")
    [conflict] = listed.json()
    wrong = cli("--home", cora, "bundle", "resolve", "no-such-conflict", "--keep", "stored")
    settled = cli("--home", cora, "bundle", "resolve", conflict["id"], "--keep", "incoming")
    after = cli("--home", cora, "bundle", "conflicts")
    shown = cli("--home", cora, "records", "show", record, "--json")

    assert "1 record was changed on both sides" in imported.out
    assert (conflict["record"], conflict["from"], conflict["stored_version"]) == (
        record,
        "Hannah Testwell",
        2,
    )
    assert conflict["incoming_document"]["child_voice"]["wishes"] == "Hannah's note"
    assert wrong.status == 2
    assert "There is no sync conflict 'no-such-conflict'" in wrong.err
    assert settled.status == 0, settled.err
    assert settled.out.startswith(f"Settled: record {record} now holds the incoming version")
    assert after.out.startswith("No sync conflicts")
    assert shown.json()["document"]["child_voice"]["wishes"] == "Hannah's note"


def test_the_coordinator_sends_to_a_worker_by_name_with_the_team_file(
    cli: Cli, world: World, hannah: Path, cora: Path, tmp_path: Path
) -> None:
    record, path = sent_bundle(cli, hannah, tmp_path)
    assert cli("--home", cora, "bundle", "import", path).status == 0
    store = Store.open(cora, PASSPHRASE)
    try:
        store.save(record, edited(store.get(record).document, "plan agreed"), definition("caf-assessment"))
    finally:
        store.close()
    out = tmp_path / "to-hannah.cafbundle"

    exported = cli(
        "--home",
        cora,
        "bundle",
        "export",
        "--changed",
        "--to",
        "Hannah Testwell",
        "--with-team-file",
        "--out",
        out,
    )
    imported = cli("--home", hannah, "bundle", "import", out)
    unknown = cli(
        "--home", cora, "bundle", "export", "--all", "--to", "Nobody Atall", "--out", tmp_path / "x"
    )

    assert exported.status == 0, exported.err
    assert "Wrote 1 record and 1 other file" in exported.out
    assert "for Hannah Testwell" in exported.out
    assert imported.status == 0, imported.err
    assert "1 updated" in imported.out
    assert "took in team.json from the coordinator" in imported.out
    assert json.loads((hannah / "team.json").read_text())["serial"] == world.team.serial
    assert unknown.status == 2
    assert "No enrolled worker is called or has the fingerprint 'Nobody Atall'" in unknown.err


def test_usage_and_input_errors_are_exit_status_2(
    cli: Cli, world: World, hannah: Path, tmp_path: Path, private_home: Path
) -> None:
    both = cli("--home", hannah, "bundle", "export", "--all", "some-id", "--out", tmp_path / "x.cafbundle")
    missing = cli("--home", hannah, "bundle", "import", tmp_path / "nowhere.cafbundle")
    empty = tmp_path / "empty"
    empty.mkdir()
    no_bundles = cli("--home", hannah, "bundle", "import", empty)
    loner = tmp_path / "loner"
    assert cli("--home", loner, "init", "--name", "Lonely Worker").status == 0
    not_joined = cli("--home", loner, "bundle", "export", "--all", "--out", tmp_path / "y.cafbundle")

    for result in (both, missing, no_bundles, not_joined):
        assert result.status == 2, result.err
        assert_plain(result)
    assert "there is no such file" in missing.err
    assert "There are no .cafbundle files" in no_bundles.err
    assert "has not joined a team yet" in not_joined.err


def test_a_worker_replacing_another_workers_record_is_refused_with_exit_1(
    world: World, cli: Cli, cora: Path, tmp_path: Path
) -> None:
    """Idris's record at the coordinator's; Hannah signs (openssl), zips and encrypts (age) a bundle
    that replaces it with the next version number: refused whole, exit 1, the store unchanged."""
    from tests.sync.bundle_world import record_file
    from tests.sync.test_bundle_authorisation import forge

    idris = home_of(world.second_worker, tmp_path)
    record = add_record(cli, idris, tmp_path)
    out = tmp_path / "from-idris"
    out.mkdir()
    assert cli("--home", idris, "bundle", "export", "--all", "--out", out).status == 0
    assert cli("--home", cora, "bundle", "import", out).status == 0
    before = cli("--home", cora, "records", "show", record, "--json").json()
    hostile = forge(
        tmp_path,
        "replace",
        [record_file(record, edited(caf(), "written over"), version=2, base_version=1)],
        sender=world.worker.identity,
        team=world.team,
        recipients=list(world.team.coordinator_recipients),
        sequence=9,
    )

    imported = cli("--home", cora, "bundle", "import", hostile, "--json")

    assert imported.status == 1
    report = imported.json()
    assert (report["imported"], report["updated"]) == (0, 0)
    [refusal] = report["rejected"]
    assert refusal["reason"].startswith(
        f"Hannah Testwell's bundle was refused: it tries to replace record {record},"
    )
    assert refusal["reason"].endswith("Nothing was imported.")
    assert cli("--home", cora, "records", "show", record, "--json").json() == before
    assert_plain(imported)


def test_a_received_form_whose_migration_would_overwrite_answers_moves_nothing(
    cli: Cli, world: World, hannah: Path, cora: Path, tmp_path: Path
) -> None:
    """Hostile input: the coordinator (with the team's real key) sends a TAC review 1.2.0 written by hand,
    whose migration renames Notes onto Next steps, an answer every review has. The worker's draft is
    refused with a sentence, and both answers are kept; nothing else fails."""
    root = Path(__file__).parents[2] / "forms"
    form = json.loads((root / "tac-review" / "1.1.0.json").read_text(encoding="utf-8"))
    form["version"] = "1.2.0"
    form["migration"] = {"from": "1.1.0", "steps": [{"rename": "/notes", "to": "/next_steps"}]}
    hostile = write_json(tmp_path / "tac-review-1.2.0.json", form)
    review = json.loads((EXAMPLES / "tac-review" / "full-1.1.0.json").read_text(encoding="utf-8"))
    data = write_json(tmp_path / "review.json", review)
    record = cli("--home", hannah, "records", "add", "tac-review@1.1.0", data, "--json").json()["id"]
    outbox = tmp_path / "to-hannah"
    outbox.mkdir()
    sent = cli(
        "--home",
        cora,
        "bundle",
        "export",
        "--changed",
        "--to",
        world.worker.identity.age.recipient,
        "--with-form",
        hostile,
        "--out",
        outbox,
    )
    assert sent.status == 0, sent.err
    assert cli("--home", hannah, "bundle", "import", outbox).status == 0

    moved = cli("--home", hannah, "records", "migrate", "--drafts", "--to", "tac-review@1.2.0")

    assert moved.status == 1
    assert "would move an answer onto /next_steps, which already holds one: nothing was moved" in moved.out
    assert_plain(moved)
    kept = cli("--home", hannah, "records", "show", record, "--json").json()
    assert kept["form_version"] == "1.1.0"
    assert (kept["document"]["notes"], kept["document"]["next_steps"]) == (
        review["notes"],
        review["next_steps"],
    )
