"""The store's command line (CONTRACT.md): init, records, demo, db, audit, and --database-url.

Every command runs in-process through the `cli` fixture, on a real SQLCipher store in the test's home
folder (and on the PostgreSQL server of this machine for --database-url). Opening a store costs a
scrypt derivation (about 0.1 s), so each test opens as few as it can.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlcipher3
from caf_desktop.demo import generate as demo
from caf_desktop.formengine import validation
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.store.store import Profile, RecordQuery, Store
from caf_desktop.trust import identity, keyfile
from caf_desktop.trust.keyfile import WrongPassphrase

from tests.conftest import EXAMPLES, CliResult, example_path, load_json, write_json

Cli = Callable[..., CliResult]

PASSPHRASE = "correct horse battery staple"
NEW_PASSPHRASE = "tangerine lighthouse orbit seven"
CAF_FULL = example_path("caf-assessment")  # the newest version: what a new record is made with
REVIEW_FULL = EXAMPLES / "tac-review" / "full.json"


def assert_plain(result: CliResult) -> None:
    """No traceback, ever; errors are sentences on stderr."""
    assert "Traceback" not in result.err + result.out
    assert 'File "' not in result.err


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing from the shell that runs the tests decides which store a test uses."""
    for variable in ("CAF_DESKTOP_PASSPHRASE", "CAF_DESKTOP_NEW_PASSPHRASE", "CAF_DESKTOP_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)
    return PASSPHRASE


@pytest.fixture
def home(cli: Cli, passphrase: str, private_home: Path) -> Path:
    """A home folder with an initialised store, unlocked by PASSPHRASE from the environment."""
    result = cli("init", "--name", "Hannah Testwell", "--organisation", "Brightwell Primary School")
    assert result.status == 0, result.err
    return private_home


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """Pretends stdin is a terminal and types the given answers at each passphrase prompt."""
    from caf_desktop.cli import common as cli_module

    def typing(*answers: str) -> list[str]:
        prompts: list[str] = []
        queue = list(answers)

        def getpass(prompt: str = "") -> str:
            prompts.append(prompt)
            return queue.pop(0)

        monkeypatch.setattr(cli_module, "stdin_is_terminal", lambda: True)
        monkeypatch.setattr("getpass.getpass", getpass)
        return prompts

    return typing


def raw_database(home: Path, passphrase: str = PASSPHRASE) -> Any:
    """The store's database opened directly with SQLCipher, as someone tampering with it would."""
    key = keyfile.unlock(home / "caf.key", passphrase)
    connection = sqlcipher3.connect(str(home / "caf.db"))
    connection.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return connection


# --- init -------------------------------------------------------------------------------------------------


def test_init_creates_the_encrypted_store(cli: Cli, passphrase: str, private_home: Path) -> None:
    result = cli("init", "--name", "Siân Ŵyn", "--role", "coordinator", "--organisation", "Larkspur Academy")
    assert result.status == 0, result.err
    assert (
        f"Created the encrypted store of records in {private_home} for Siân Ŵyn (coordinator)." in result.out
    )
    assert "Passphrase strength: " in result.out
    assert {p.name for p in private_home.iterdir()} >= {
        "caf.db",
        "caf.key",
        "identity.p12",
        "age-identity.json",
    }
    store = Store.open(private_home, PASSPHRASE)
    try:
        assert store.profile() == Profile("Siân Ŵyn", "coordinator", "Larkspur Academy")
        assert [e.action for e in store.audit_events()] == ["store created", "identity created"]
    finally:
        store.close()
    made = identity.load_identity(private_home, PASSPHRASE)
    assert made.name == "Siân Ŵyn"
    assert made.self_signed
    assert "CAF Desktop" not in made.name


def test_the_identity_opens_with_the_new_passphrase_after_db_passwd(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = identity.load_identity(home, PASSPHRASE)
    monkeypatch.setenv("CAF_DESKTOP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    result = cli("db", "passwd")
    assert result.status == 0, result.err
    with pytest.raises(WrongPassphrase):
        identity.load_identity(home, PASSPHRASE)
    after = identity.load_identity(home, NEW_PASSPHRASE)
    assert after.fingerprint == before.fingerprint
    assert after.age == before.age


def test_init_refuses_an_existing_store(cli: Cli, home: Path) -> None:
    before = (home / "caf.key").read_bytes()
    result = cli("init", "--name", "Someone Else")
    assert result.status == 2
    assert_plain(result)
    assert f"{home} already holds a store of records; nothing was changed." in result.err
    assert (home / "caf.key").read_bytes() == before


def test_init_refuses_a_short_passphrase(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, private_home: Path
) -> None:
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", "short1")
    result = cli("init", "--name", "Hannah Testwell")
    assert result.status == 2
    assert_plain(result)
    assert "That passphrase cannot be used. Too short: use at least 10 characters" in result.err
    assert not (private_home / "caf.key").exists()
    assert not (private_home / "caf.db").exists()


def test_init_without_a_terminal_or_the_variable_is_a_plain_error(cli: Cli, private_home: Path) -> None:
    from caf_desktop.cli import common as cli_module

    assert not cli_module.stdin_is_terminal()  # pytest's stdin is not a terminal
    result = cli("init", "--name", "Hannah Testwell")
    assert result.status == 2
    assert_plain(result)
    assert (
        "set the environment variable CAF_DESKTOP_PASSPHRASE, or run the command in a terminal" in result.err
    )
    assert not (private_home / "caf.key").exists()


def test_init_asks_twice_at_a_terminal(
    cli: Cli, terminal: Callable[..., list[str]], private_home: Path, tmp_path: Path
) -> None:
    terminal(PASSPHRASE, PASSPHRASE + "!")
    mismatch = cli("init", "--name", "Hannah Testwell")
    assert mismatch.status == 2
    assert "The two passphrases typed are not the same; nothing was changed." in mismatch.err
    assert not (private_home / "caf.key").exists()

    prompts = terminal(PASSPHRASE, PASSPHRASE)
    created = cli("init", "--name", "Hannah Testwell")
    assert created.status == 0, created.err
    assert prompts == ["Choose a passphrase: ", "Type it again: "]
    assert PASSPHRASE not in created.out + created.err


# --- records ----------------------------------------------------------------------------------------------


def test_records_add_list_and_show(cli: Cli, home: Path, tmp_path: Path) -> None:
    added = cli("records", "add", "caf-assessment", CAF_FULL)
    assert added.status == 0, added.err
    first = added.out.strip()
    assert uuid.UUID(first)
    second_result = cli("records", "add", "tac-review@1.0.0", REVIEW_FULL, "--json")
    assert second_result.status == 0, second_result.err
    second = second_result.json()["id"]
    assert set(second_result.json()) == {"id"}

    listed = cli("records", "list", "--json")
    assert listed.status == 0, listed.err
    entries = listed.json()
    assert [e["id"] for e in entries] == [second, first]  # the most recently changed first
    assert all(set(e) == {"id", "form_id", "form_version", "status", "child", "updated"} for e in entries)
    assert entries[1] | {"updated": None} == {
        "id": first,
        "form_id": "caf-assessment",
        "form_version": "1.1.0",  # the newest: no version named
        "status": "draft",
        "child": "Zoë Łukasiewicz-O'Brien",
        "updated": None,
    }
    assert dt.datetime.fromisoformat(entries[0]["updated"]).tzinfo is not None

    table = cli("records", "list")
    assert table.status == 0
    lines = table.out.splitlines()
    assert lines[0].split() == ["ID", "FORM", "STATUS", "UPDATED", "CHILD"]
    assert lines[2].startswith(first)
    assert lines[2].endswith("Zoë Łukasiewicz-O'Brien")

    shown = cli("records", "show", first, "--json")
    assert shown.status == 0, shown.err
    record = shown.json()
    assert set(record) == {
        "id",
        "form_id",
        "form_version",
        "status",
        "child",
        "created",
        "updated",
        "version",
        "document",
    }
    assert record["document"] == load_json(CAF_FULL)
    assert record["version"] == 1
    readable = cli("records", "show", second)
    assert "Child              Barnaby Okonkwo-Featherstonehaugh" in readable.out
    assert "Next review        2027-01-12" in readable.out
    assert '"what_changed": ' in readable.out


def test_records_export_writes_the_document_whole_and_audits_it(cli: Cli, home: Path, tmp_path: Path) -> None:
    first = cli("records", "add", "caf-assessment", CAF_FULL).out.strip()
    second = cli("records", "add", "tac-review", REVIEW_FULL).out.strip()
    out = tmp_path / "exports" / "zoe.json"
    out.parent.mkdir()
    exported = cli("records", "export", first, "--out", out)
    assert exported.status == 0, exported.err
    assert load_json(out) == load_json(CAF_FULL)
    again = cli("records", "export", second, "--out", out)
    assert again.status == 2
    assert f"{out} already exists; nothing was written." in again.err
    assert load_json(out) == load_json(CAF_FULL)
    forced = cli("records", "export", second, "--out", out, "--force")
    assert forced.status == 0, forced.err
    assert load_json(out) == load_json(REVIEW_FULL)
    assert [p.name for p in out.parent.iterdir()] == ["zoe.json"]  # no temporary file left beside it
    if os.name == "posix":
        assert out.stat().st_mode & 0o077 == 0  # personal data: readable by its owner only

    nowhere = cli("records", "export", first, "--out", tmp_path / "missing" / "x.json")
    assert nowhere.status == 2
    assert_plain(nowhere)
    assert "x.json cannot be written: No such file or directory. Nothing was written." in nowhere.err

    store = Store.open(home, PASSPHRASE)
    try:
        exports = [e for e in store.audit_events() if e.action == "exported"]
    finally:
        store.close()
    assert [(e.record_uuid, e.details, e.actor) for e in exports] == [
        (first, {"to": "json"}, "Hannah Testwell"),
        (second, {"to": "json"}, "Hannah Testwell"),
    ]


def test_records_add_refuses_an_invalid_document(cli: Cli, home: Path, tmp_path: Path) -> None:
    document = load_json(CAF_FULL)
    document["child"]["date_of_birth"] = "2999-01-01"
    path = write_json(tmp_path / "caf.json", document)
    result = cli("records", "add", "caf-assessment", path)
    assert result.status == 1
    assert_plain(result)
    assert result.out.startswith(f"{path}: /child/date_of_birth: ")
    assert "1 problem found (draft check); nothing was stored." in result.err
    as_json = cli("records", "add", "caf-assessment", path, "--json")
    assert as_json.status == 1
    assert [f["path"] for f in as_json.json()] == ["/child/date_of_birth"]
    assert cli("records", "list", "--json").json() == []


def test_a_bad_document_is_refused_before_any_passphrase_is_asked(cli: Cli, tmp_path: Path) -> None:
    path = write_json(tmp_path / "draft.json", {"child": {"given_names": "Ada"}})
    unknown = cli("records", "add", "caf-asessment", path)
    assert unknown.status == 2
    assert "Did you mean 'caf-assessment'?" in unknown.err
    missing = cli("records", "add", "caf-assessment", tmp_path / "nope.json")
    assert missing.status == 2
    assert "there is no such file" in missing.err


def test_unknown_record_and_wrong_passphrase(cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unknown = cli("records", "show", "no-such-record")
    assert unknown.status == 2
    assert_plain(unknown)
    assert "There is no record 'no-such-record'. `caf-desktop records list` shows the records." in unknown.err
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", "not the right passphrase")
    wrong = cli("records", "list")
    assert wrong.status == 2
    assert_plain(wrong)
    assert wrong.err == "That passphrase is not right. Check Caps Lock and try again.\n"
    assert wrong.out == ""


@pytest.mark.parametrize(
    "args",
    [
        ("records", "list"),
        ("records", "show", "x"),
        ("records", "export", "x", "--out", "{tmp}/x.json"),
        ("audit", "verify"),
        ("db", "passwd"),
        ("db", "backup", "--out", "{tmp}/backup.db"),
    ],
)
def test_commands_on_a_home_without_a_store(
    cli: Cli, passphrase: str, private_home: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    result = cli(*(a.format(tmp=tmp_path) for a in args))
    assert result.status == 2
    assert_plain(result)
    assert f"There are no records in {private_home} yet. Run `caf-desktop init`" in result.err
    assert not (private_home / "caf.db").exists()


def test_help_lists_the_store_commands(cli: Cli) -> None:
    result = cli("--help")
    assert result.status == 0
    for command in ("init", "records", "demo", "db", "audit", "--database-url"):
        assert command in result.out
    assert "export" in cli("records", "--help").out


# --- demo -------------------------------------------------------------------------------------------------


def test_demo_fills_an_initialised_home(cli: Cli, home: Path) -> None:
    result = cli("demo", "--records", "30")
    assert result.status == 0, result.err
    assert "Added 30 fictional sample records." in result.out
    again = cli("demo", "--records", "5")
    assert again.status == 0, again.err
    listed = cli("records", "list", "--json").json()
    assert len(listed) == 35
    assert len({e["status"] for e in listed}) >= 3
    assert len({e["child"] for e in listed}) >= 6


def test_demo_makes_a_store_only_with_a_passphrase_in_the_environment(
    cli: Cli, private_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = cli("demo")
    assert refused.status == 2
    assert_plain(refused)
    assert (
        f"There is no store of records in {private_home} yet. Run `caf-desktop init --name NAME` first"
        in refused.err
    )
    assert not (private_home / "caf.key").exists()

    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)
    made = cli("demo", "--records", "4", "--seed", "3")
    assert made.status == 0, made.err
    assert "Created a store for 'Demo User'" in made.out
    store = Store.open(private_home, PASSPHRASE)
    try:
        assert store.profile() == Profile("Demo User", "worker", "Demo organisation (fictional)")
        assert store.count() == 4
    finally:
        store.close()


def test_demo_never_fills_a_shared_database(cli: Cli, passphrase: str) -> None:
    result = cli("--database-url", "postgresql+psycopg://postgres@127.0.0.1:5432/anything", "demo")
    assert result.status == 2
    assert "never a shared database" in result.err


def test_demo_records_is_a_positive_number(cli: Cli) -> None:
    result = cli("demo", "--records", "0")
    assert result.status == 2
    assert "'0' is not a whole number of 1 or more" in result.err


def _latest_by_case(samples: list[demo.Sample]) -> dict[int, demo.Sample]:
    return {s.case: s for s in samples}


def test_demo_documents_are_valid_and_varied() -> None:
    today = dt.date(2026, 11, 26)
    samples = list(demo.samples(400, seed=11, today=today))
    assert len(samples) == 400
    catalogue = shipped_catalogue()
    incomplete = []
    for sample in samples:
        definition = catalogue.get(sample.form_id)
        assert validation.findings(definition, sample.document, today=today) == [], sample
        if sample.status != "draft" and validation.findings(
            definition, sample.document, complete=True, today=today
        ):
            incomplete.append(sample)
    assert incomplete == []  # every record that is not a draft is complete
    statuses = collections.Counter(s.status for s in samples)
    assert set(statuses) == {"draft", "complete", "shared", "closed"}
    assert statuses["draft"] < len(samples) / 4  # most pass the complete check
    assert {s.form_id for s in samples} == set(demo.FORMS)
    names = {f"{s.document['child']['given_names']} {s.document['child']['family_name']}" for s in samples}
    assert any(not name.isascii() for name in names)
    assert any(ch in "".join(names) for ch in "ëâáěễ")
    levels = {s.document["level_of_need"]["agreed_level"] for s in samples if "level_of_need" in s.document}
    assert levels == {1, 2, 3, 4}
    leads = {s.document["lead_professional"]["name"] for s in samples if "lead_professional" in s.document}
    assert len(leads) >= 6
    reviews = [
        dt.date.fromisoformat(s.document["outcome"]["next_review_date"])
        for s in _latest_by_case(samples).values()
        if s.status != "closed" and "next_review_date" in s.document.get("outcome", {})
    ]
    assert any(day < today for day in reviews)  # some reviews are overdue
    assert any(day >= today for day in reviews)
    assert any(s.document["closure"]["outcome"] != "needs_met" for s in samples if s.form_id == "caf-closure")


def test_demo_is_deterministic() -> None:
    today = dt.date(2026, 11, 26)
    first = [(s.form_id, s.status, s.case, s.document) for s in demo.samples(60, seed=5, today=today)]
    again = [(s.form_id, s.status, s.case, s.document) for s in demo.samples(60, seed=5, today=today)]
    other = [(s.form_id, s.status, s.case, s.document) for s in demo.samples(60, seed=6, today=today)]
    assert first == again
    assert first != other
    assert "document" not in repr(demo.Sample("caf-closure", {"child": {}}, "closed", 1))


def test_populate_a_thousand_records_one_child_and_case_per_fictional_case(tmp_path: Path) -> None:
    """How long it takes is benchmarks/bench_demo.py's business, not a timed test's."""
    store = Store.create(tmp_path / "home", PASSPHRASE, Profile("Bench", "worker", ""), kdf_cost=2**10)
    try:
        ids = demo.populate(store, 1000, seed=1)
        assert len(ids) == len(set(ids)) == 1000
        assert store.count() == 1000
        cases = {s.case for s in demo.samples(1000, seed=1)}
        records = store.list_records(RecordQuery(limit=None))
        assert len({r.case_id for r in records}) == len(cases)  # one child and case per fictional case
    finally:
        store.close()


# --- db passwd and db backup ---------------------------------------------------------------------------


def _pages(path: Path, size: int = 4096) -> list[bytes]:
    data = path.read_bytes()
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_db_passwd_rewraps_the_key_without_rewriting_the_database(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("demo", "--records", "40").status == 0
    database = home / "caf.db"
    assert not (home / "caf.db-wal").exists()  # everything is in the database file itself
    before, pages_before = database.stat(), _pages(database)
    key = keyfile.unlock(home / "caf.key", PASSPHRASE)

    monkeypatch.setenv("CAF_DESKTOP_NEW_PASSPHRASE", NEW_PASSPHRASE)
    result = cli("db", "passwd")
    assert result.status == 0, result.err
    assert "The passphrase is changed" in result.out

    old = cli("records", "list", "--json")
    assert old.status == 2
    assert_plain(old)
    assert "That passphrase is not right" in old.err
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", NEW_PASSPHRASE)
    new = cli("records", "list", "--json")
    assert new.status == 0, new.err
    assert len(new.json()) == 40

    # The same database key, now wrapped by the new passphrase: nothing was re-encrypted. The file is
    # the same file, and only the few pages that took the "passphrase changed" audit event differ
    # (re-encrypting would change every page).
    assert keyfile.unlock(home / "caf.key", NEW_PASSPHRASE) == key
    after = database.stat()
    assert (after.st_ino, after.st_dev) == (before.st_ino, before.st_dev)
    pages_after = _pages(database)
    changed = sum(a != b for a, b in zip(pages_before, pages_after, strict=False))
    assert len(pages_before) > 40
    assert changed <= 8, f"{changed} of {len(pages_before)} pages changed"


def test_db_passwd_refuses_a_weak_or_unchanged_passphrase(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = (home / "caf.key").read_bytes()
    monkeypatch.setenv("CAF_DESKTOP_NEW_PASSPHRASE", "tiny")
    weak = cli("db", "passwd")
    assert weak.status == 2
    assert "That passphrase cannot be used. Too short" in weak.err
    monkeypatch.setenv("CAF_DESKTOP_NEW_PASSPHRASE", PASSPHRASE)
    same = cli("db", "passwd")
    assert same.status == 2
    assert "The new passphrase is the same as the current one; nothing was changed." in same.err
    assert (home / "caf.key").read_bytes() == key_file


def test_db_passwd_at_a_terminal_checks_the_old_passphrase_first(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch, terminal: Callable[..., list[str]]
) -> None:
    monkeypatch.delenv("CAF_DESKTOP_PASSPHRASE")
    prompts = terminal("not the passphrase", NEW_PASSPHRASE, NEW_PASSPHRASE)
    result = cli("db", "passwd")
    assert result.status == 2
    assert "That passphrase is not right" in result.err
    assert prompts == ["Current passphrase: "]


def test_db_backup_is_encrypted_with_the_passphrase(cli: Cli, home: Path, tmp_path: Path) -> None:
    assert cli("records", "add", "caf-assessment", CAF_FULL).status == 0
    out = tmp_path / "backup.cafdb"
    result = cli("db", "backup", "--out", out)
    assert result.status == 0, result.err
    assert f"Wrote an encrypted backup of the records to {out}." in result.out
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("backup")] == ["backup.cafdb"]

    with closing(sqlcipher3.connect(str(out))) as backup:
        backup.execute(f"PRAGMA key = '{PASSPHRASE}'")
        assert backup.execute("SELECT count(*) FROM records").fetchone() == (1,)
        assert backup.execute("SELECT child_name FROM records").fetchone() == ("Zoë Łukasiewicz-O'Brien",)
    with (
        closing(sqlite3.connect(out)) as plain,
        pytest.raises(sqlite3.DatabaseError, match="file is not a database"),
    ):
        plain.execute("SELECT * FROM sqlite_master")

    existing = tmp_path / "existing.cafdb"
    existing.write_bytes(b"an older backup")
    refused = cli("db", "backup", "--out", existing)
    assert refused.status == 2
    assert_plain(refused)
    assert f"{existing} already exists; nothing was written." in refused.err
    assert existing.read_bytes() == b"an older backup"
    assert not list(tmp_path.glob("*.part"))


# --- audit verify ------------------------------------------------------------------------------------------


def test_audit_verify_finds_an_edited_or_removed_event(cli: Cli, home: Path) -> None:
    for _ in range(2):
        assert cli("records", "add", "caf-assessment", CAF_FULL).status == 0
    intact = cli("audit", "verify")
    assert intact.status == 0, intact.err
    assert intact.out == "The audit trail is intact: 4 events checked.\n"

    with closing(raw_database(home)) as database:
        original = database.execute("SELECT details FROM audit_events WHERE id = 2").fetchone()[0]
        database.execute("""UPDATE audit_events SET details = '{"form": "something else"}' WHERE id = 2""")
        database.commit()
    edited = cli("audit", "verify")
    assert edited.status == 1
    assert_plain(edited)
    assert edited.out.startswith("The first broken link: Audit event 2 (")
    assert "has been changed since it was written." in edited.out
    assert "The audit trail is not intact: 1 event checked before the first broken link." in edited.err

    with closing(raw_database(home)) as database:
        database.execute("UPDATE audit_events SET details = ? WHERE id = 2", (original,))
        database.execute("DELETE FROM audit_events WHERE id = 2")
        database.commit()
    removed = cli("audit", "verify", "--json")
    assert removed.status == 1
    report = removed.json()
    assert (report["ok"], report["checked"], report["broken_at"]) == (False, 1, 3)
    assert "an event has been removed or reordered" in report["message"]


# --- a shared database (--database-url) -------------------------------------------------------------------

PG_SERVER = "127.0.0.1:5432"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty database on this machine's PostgreSQL server, dropped afterwards."""
    import psycopg

    def missing(reason: str) -> None:
        if os.environ.get("CAF_DESKTOP_REQUIRE_TOOLS"):
            pytest.fail(f"{reason} (CAF_DESKTOP_REQUIRE_TOOLS is set, so this is an error)")
        pytest.skip(reason)

    try:
        admin = psycopg.connect(
            f"postgresql://postgres@{PG_SERVER}/postgres", autocommit=True, connect_timeout=3
        )
    except psycopg.Error as error:
        missing(
            f"PostgreSQL is not reachable at {PG_SERVER} ({type(error).__name__}), so --database-url was not tested"
        )
    name = f"caf_cli_test_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql+psycopg://postgres@{PG_SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.needs_tool("postgresql")
def test_a_shared_database_on_postgresql(
    cli: Cli, postgres_url: str, private_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    initialised = cli(
        "--database-url", postgres_url, "init", "--name", "Tomáš Dvořák", "--role", "coordinator"
    )
    assert initialised.status == 0, initialised.err
    assert f"The shared database at {postgres_url} is ready" in initialised.out

    monkeypatch.setenv("CAF_DESKTOP_DATABASE_URL", postgres_url)  # the same, from the environment
    added = cli("records", "add", "tac-review", REVIEW_FULL, "--json")
    assert added.status == 0, added.err
    record_id = added.json()["id"]
    listed = cli("records", "list", "--json").json()
    assert [(e["id"], e["child"]) for e in listed] == [(record_id, "Barnaby Okonkwo-Featherstonehaugh")]
    assert cli("records", "show", record_id, "--json").json()["document"] == load_json(REVIEW_FULL)
    verified = cli("audit", "verify")
    assert verified.status == 0, verified.err
    assert "The audit trail is intact: 2 events checked." in verified.out

    for args in (("db", "passwd"), ("db", "backup", "--out", private_home / "b.db"), ("demo",)):
        refused = cli(*args)
        assert refused.status == 2
        assert "shared database" in refused.err
    assert not (private_home / "caf.db").exists()  # nothing was made in the home folder

    store = Store.open_url(postgres_url)
    try:
        assert store.profile() == Profile("Tomáš Dvořák", "coordinator", "")
        assert {(e.action, e.actor) for e in store.audit_events()} == {
            ("profile set", "Tomáš Dvořák"),
            ("created", "Tomáš Dvořák"),
        }
    finally:
        store.close()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "The database URL cannot be read. Write it like postgresql+psycopg://"),
        (
            "postgresql+psycopg://postgres:secret@127.0.0.1:1/nothing",
            "The records cannot be opened: the database at postgresql+psycopg://postgres:***@127.0.0.1:1/nothing did not answer",
        ),
    ],
)
def test_a_bad_database_url_is_a_plain_sentence(cli: Cli, url: str, message: str) -> None:
    result = cli("--database-url", url, "records", "list")
    assert result.status == 2
    assert_plain(result)
    assert message in result.err
    assert "secret" not in result.err


# --- records complete -----------------------------------------------------------------------------------

CAF_DRAFT = EXAMPLES / "caf-assessment" / "draft.json"


def revisions_and_events(home: Path, record: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    store = Store.open(home, PASSPHRASE)
    try:
        return (
            store.get(record).status,
            [(r.status, r.reason) for r in store.revisions(record)],
            [e.action for e in store.audit_events(record)],
        )
    finally:
        store.close()


def test_records_complete_marks_a_complete_record_and_keeps_a_complete_version(cli: Cli, home: Path) -> None:
    record = cli("records", "add", "caf-assessment", CAF_FULL).out.strip()

    completed = cli("records", "complete", record)
    again = cli("records", "complete", record, "--json")

    assert completed.status == 0, completed.err
    assert completed.out == (
        f"Record {record} (Common Assessment Framework (CAF) assessment 1.1.0) is complete: every required "
        "answer is given. Kept as version 2.\n"
    )
    assert again.status == 0, again.err
    assert again.json() == []
    status, revisions, actions = revisions_and_events(home, record)
    assert status == "complete"
    assert revisions[-1] == ("complete", "marked complete")
    assert len(revisions) == 2  # the second run found it complete already and kept nothing more
    assert actions[-1] == "completed"


def test_records_complete_refuses_a_draft_with_the_problems_validate_names(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    record = cli("records", "add", "caf-assessment", CAF_DRAFT).out.strip()
    validated = cli("validate", "caf-assessment", CAF_DRAFT, "--complete")
    validated_json = cli("validate", "caf-assessment", CAF_DRAFT, "--complete", "--json")

    refused = cli("records", "complete", record)
    refused_json = cli("records", "complete", record, "--json")

    assert refused.status == refused_json.status == 1
    assert refused.out == validated.out.replace(f"{CAF_DRAFT}: ", f"{record}: ")
    assert refused.out.count("\n") == len(validated_json.json()) > 1
    assert refused_json.json() == validated_json.json()
    assert refused.err == (
        f"{record}: {len(validated_json.json())} problems found (complete check); "
        "the record was not marked complete.\n"
    )
    status, revisions, _ = revisions_and_events(home, record)
    assert (status, len(revisions)) == ("draft", 1)
    assert_plain(refused)


def test_records_complete_leaves_a_signed_record_signed(cli: Cli, home: Path) -> None:
    record = cli("records", "add", "caf-assessment", CAF_FULL).out.strip()
    assert cli("records", "complete", record).status == 0
    store = Store.open(home, PASSPHRASE)
    try:
        store.set_status(record, "signed")
    finally:
        store.close()

    result = cli("records", "complete", record)

    assert result.status == 0, result.err
    assert result.out.endswith("passes the complete check and is already signed; nothing was changed.\n")
    assert revisions_and_events(home, record)[0] == "signed"


def test_records_complete_of_an_unknown_record(cli: Cli, home: Path) -> None:
    result = cli("records", "complete", "no-such-record")

    assert result.status == 2
    assert (
        result.err == "There is no record 'no-such-record'. `caf-desktop records list` shows the records.\n"
    )


def test_the_demo_shows_a_referral_each_way_oversight_and_each_whole_case_drift(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "home", PASSPHRASE, Profile("Demo", "worker", ""), kdf_cost=2**10)
    try:
        demo.populate(store)  # the default 25 records of `caf-desktop demo`
        records = store.list_records(RecordQuery(limit=None))
        referrals = [store.get(r.id).document for r in records if r.form_id == "caf-referral"]
        assert any("decision" in d for d in referrals)
        assert any("decision" not in d for d in referrals)
        assert any(r.form_id == "management-oversight" for r in records)
        shown = " ".join({r.attention for r in records if r.attention})
        for words in (
            "has no decision recorded",
            "no TAC meeting has been held",
            "Management oversight of this level 4 case was due by",
            "Contacts did not happen again and again",
        ):
            assert words in shown
    finally:
        store.close()
