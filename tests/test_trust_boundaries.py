"""Issue 12, the store, the key file and the command line's inputs: every hostile or damaged input
ends in a plain sentence and leaves the home as it was.

The commands run in-process through the `cli` fixture (a few as real subprocesses, as a person or a
script runs them); the damage is made with ordinary file writes, as a sync tool or an editor would.
"""

from __future__ import annotations

import base64
import errno
import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.common import atomic, jsonfiles
from caf_desktop.store.store import Store

from tests.conftest import EXAMPLES, CliResult, load_json

Cli = Callable[..., CliResult]

PASSPHRASE = "correct horse battery staple"
CAF_FULL = EXAMPLES / "caf-assessment" / "full.json"


def assert_plain(result: CliResult) -> None:
    assert "Traceback" not in result.out + result.err
    assert 'File "' not in result.err
    assert result.status != 70, result.err  # "internal error": a bug, not a refusal


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file under `folder` with its bytes (None for a folder), to compare before and after."""
    return {
        str(path.relative_to(folder)): (None if path.is_dir() else path.read_bytes())
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("CAF_DESKTOP_PASSPHRASE", "CAF_DESKTOP_NEW_PASSPHRASE", "CAF_DESKTOP_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def passphrase(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)
    return PASSPHRASE


@pytest.fixture
def home(cli: Cli, passphrase: str, private_home: Path) -> Path:
    """An initialised home holding one record."""
    assert cli("init", "--name", "Hannah Testwell").status == 0
    assert cli("records", "add", "caf-assessment", CAF_FULL).status == 0
    return private_home


# --- 1. an existing database is never taken for a new one ---------------------------------------------------


def test_a_zero_byte_database_is_refused_and_left_exactly_as_it_is(cli: Cli, home: Path) -> None:
    (home / "caf.db").write_bytes(b"")  # a copy that did not finish
    for leftover in ("caf.db-wal", "caf.db-shm"):
        (home / leftover).unlink(missing_ok=True)
    before = snapshot(home)

    listed = cli("records", "list")
    init = cli("init", "--name", "Hannah Testwell")

    assert_plain(listed)
    assert listed.status == 2
    assert "empty (0 bytes)" in listed.err
    assert "restore it from a backup" in listed.err.lower()
    assert "No records" not in listed.out
    assert init.status == 2
    assert "already holds a store" in init.err
    assert snapshot(home) == before


def test_a_database_that_is_no_store_is_refused_and_left_as_it_is(cli: Cli, home: Path) -> None:
    for leftover in ("caf.db-wal", "caf.db-shm"):
        (home / leftover).unlink(missing_ok=True)
    (home / "caf.db").unlink()
    with sqlite3.connect(home / "caf.db") as other:  # another program's (unencrypted) database
        other.execute("CREATE TABLE notes (text TEXT)")
    other.close()
    before = (home / "caf.db").read_bytes()

    result = cli("records", "list")

    assert_plain(result)
    assert result.status == 2
    assert "damaged" in result.err
    assert (home / "caf.db").read_bytes() == before


# --- 4. messages that mislead -----------------------------------------------------------------------------------


def test_a_missing_key_file_says_so_and_what_to_do_not_no_records_yet(cli: Cli, home: Path) -> None:
    (home / "caf.key").unlink()

    listed = cli("records", "list")
    demo = cli("demo", "--records", "1")
    init = cli("init", "--name", "Hannah Testwell")

    assert_plain(listed)
    assert listed.status == 2
    assert "caf.key is missing" in listed.err
    assert "db backup" in listed.err  # the backup opens with the passphrase alone
    assert "no records" not in listed.err.lower()
    assert demo.status == 2
    assert "caf.key is missing" in demo.err
    assert init.status == 2
    assert "key file caf.key is missing" in init.err


def _key_file(home: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((home / "caf.key").read_text(encoding="utf-8"))
    return loaded


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda salt: base64.b64encode(bytes(16)).decode(), id="other-bytes"),
        pytest.param(lambda salt: salt[:-4] + "!!!!", id="not-base64"),
        pytest.param(lambda salt: salt[:8], id="cut-short"),
    ],
)
def test_a_damaged_salt_says_the_key_file_is_damaged_and_is_not_counted(
    cli: Cli, home: Path, damage: Callable[[str], str]
) -> None:
    key = _key_file(home)
    key["kdf"]["salt"] = damage(key["kdf"]["salt"])
    (home / "caf.key").write_text(json.dumps(key), encoding="utf-8")

    results = [cli("records", "list") for _ in range(4)]

    for result in results:
        assert_plain(result)
        assert result.status == 2
        assert "key file" in result.err
        assert "damaged" in result.err
        assert "passphrase is not right" not in result.err
        assert "Wait" not in result.err
    assert not (home / "unlock-attempts.json").exists()


@pytest.mark.parametrize("cost", [3, 2**15 + 1, 0, -2, 2**40, "32768", True, 1.5])
def test_a_key_file_with_an_impossible_scrypt_cost_is_damaged(cli: Cli, home: Path, cost: Any) -> None:
    key = _key_file(home)
    key["kdf"]["n"] = cost
    key.pop("checksum", None)  # as a key file written before the checksum
    (home / "caf.key").write_text(json.dumps(key), encoding="utf-8")
    before = (home / "caf.db").read_bytes()

    result = cli("records", "list")

    assert_plain(result)
    assert result.status == 2
    assert "damaged" in result.err
    assert (home / "caf.db").read_bytes() == before


def test_a_key_file_without_its_checksum_still_opens(cli: Cli, home: Path) -> None:
    """Key files written before the checksum have none: they open as before."""
    key = _key_file(home)
    del key["checksum"]
    (home / "caf.key").write_text(json.dumps(key), encoding="utf-8")

    result = cli("records", "list")

    assert result.status == 0, result.err


def test_a_wrong_passphrase_still_counts(cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", "not the passphrase at all")

    result = cli("records", "list")

    assert result.status == 2
    assert "passphrase is not right" in result.err
    assert json.loads((home / "unlock-attempts.json").read_text())["failures"] == 1


def test_forms_check_of_an_unreadable_file_does_not_say_no_problems(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"id": "x", ', encoding="utf-8")

    result = cli("forms", "check", bad)

    assert_plain(result)
    assert result.status == 2
    assert "not valid JSON" in result.err
    assert "no problems" not in (result.out + result.err).lower()
    assert "1 file could not be read" in result.err


def test_records_add_refuses_a_document_of_another_form(cli: Cli, home: Path) -> None:
    before = cli("records", "list", "--json").json()

    result = cli("records", "add", "caf-pre-assessment", CAF_FULL)

    assert_plain(result)
    assert result.status == 1
    assert "has no question 'assessment'" in result.out
    assert "another form" in result.out
    assert "nothing was stored" in result.err
    assert cli("records", "list", "--json").json() == before


def test_records_add_still_takes_a_document_of_its_own_form(cli: Cli, home: Path) -> None:
    for form in ("caf-pre-assessment", "tac-meeting", "tac-review", "caf-closure"):
        result = cli("records", "add", form, EXAMPLES / form / "full.json")
        assert result.status == 0, result.out + result.err


# --- 2. untrusted JSON --------------------------------------------------------------------------------------


HOSTILE_JSON = {
    "deep": "[" * 100_000 + "]" * 100_000,
    "deep-objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "5000-digits": '{"child": {"given_names": "A"}, "n": ' + "9" * 5000 + "}",
    "2^63": '{"sequence": 9223372036854775808}',
    "huge-float": '{"n": 1e999}',
    "nan": '{"n": NaN}',
    "repeated-name": '{"child": {}, "child": {"given_names": "A"}}',
}


@pytest.mark.parametrize("text", list(HOSTILE_JSON.values()), ids=list(HOSTILE_JSON))
@pytest.mark.parametrize(
    "command",
    [
        ("validate", "caf-assessment"),
        ("threshold",),
        ("records", "add", "caf-assessment"),
        ("forms", "check"),
        ("team", "join"),
        ("team", "install"),
    ],
    ids="-".join,
)
def test_hostile_json_is_refused_with_a_sentence_and_stores_nothing(
    cli: Cli, home: Path, tmp_path: Path, text: str, command: tuple[str, ...]
) -> None:
    hostile = tmp_path / "hostile.json"
    hostile.write_text(text, encoding="utf-8")
    before = cli("records", "list", "--json").json()
    files = snapshot(home)

    result = cli(*command, hostile)

    assert_plain(result)
    assert result.status == 2, result.err
    assert "hostile.json" in result.err
    assert "JSON" in result.err
    assert cli("records", "list", "--json").json() == before
    after = snapshot(home)
    for name in ("caf.key", "team.json", "certificate.pem", "identity.p12"):
        assert after.get(name) == files.get(name)


def test_a_key_file_past_the_limits_is_damaged(cli: Cli, home: Path) -> None:
    for text in HOSTILE_JSON.values():
        (home / "caf.key").write_text(text, encoding="utf-8")
        result = cli("records", "list")
        assert_plain(result)
        assert result.status == 2
        assert "damaged" in result.err


def test_the_parser_reads_what_json_reads_within_the_limits() -> None:
    document = load_json(CAF_FULL)
    text = json.dumps(document, ensure_ascii=False)

    assert jsonfiles.parse(text, "x.json") == document
    assert jsonfiles.raw_decode(f'{text}, "after"', 0)[1] == len(text)


@pytest.mark.parametrize("text", list(HOSTILE_JSON.values()), ids=list(HOSTILE_JSON))
def test_raw_decode_refuses_as_a_value_error(text: str) -> None:
    with pytest.raises(ValueError, match=r"."):
        jsonfiles.raw_decode(text, 0, jsonfiles.DATABASE_INTEGER_LIMITS)


# --- --home ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("named", "said"),
    [
        ("~nosuchuser-caf/x", "there is no user called 'nosuchuser-caf'"),
        (f"/tmp/{'a' * 300}/x", "300 characters long"),
    ],
    ids=["unknown-user", "long-name"],
)
def test_an_impossible_home_is_a_sentence(cli: Cli, named: str, said: str) -> None:
    for command in (("records", "list"), ("init", "--name", "Hannah Testwell")):
        result = cli("--home", named, *command)
        assert_plain(result)
        assert result.status == 2
        assert said in result.err


@pytest.mark.parametrize(
    "named", ["~nosuchuser-caf/x", f"/tmp/{'a' * 300}/x"], ids=["unknown-user", "long-name"]
)
def test_an_impossible_home_is_a_sentence_from_a_real_process(named: str, tmp_path: Path) -> None:
    environment = {**os.environ, "CAF_DESKTOP_PASSPHRASE": PASSPHRASE}
    for how in (["--home", named], []):
        if not how:
            environment["CAF_DESKTOP_HOME"] = named
        done = subprocess.run(
            [sys.executable, "-m", "caf_desktop", *how, "records", "list"],
            capture_output=True,
            text=True,
            env=environment,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr
        assert "cannot be used" in done.stderr


# --- 3. init makes its own folder or uses an empty one; all or nothing -----------------------------------


def test_init_refuses_a_folder_that_holds_other_files(cli: Cli, passphrase: str, tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "letter.txt").write_text("Dear parent", encoding="utf-8")
    folder.chmod(0o755)
    before = snapshot(folder)

    for command in (("init", "--name", "Hannah Testwell"), ("demo", "--records", "1")):
        result = cli("--home", folder, *command)
        assert_plain(result)
        assert result.status == 2
        assert "already holds 1 other file" in result.err
        assert "Nothing was changed" in result.err
    assert snapshot(folder) == before
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_init_makes_its_own_folder_or_uses_an_empty_one(cli: Cli, passphrase: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()

    made = cli("--home", tmp_path / "new" / "home", "init", "--name", "Hannah Testwell")
    used = cli("--home", empty, "init", "--name", "Hannah Testwell")

    assert made.status == 0, made.err
    assert used.status == 0, used.err
    assert (tmp_path / "new" / "home" / "caf.db").is_file()
    assert stat.S_IMODE(empty.stat().st_mode) == 0o700


def _atomic_writes_of(command: Callable[[], CliResult], monkeypatch: pytest.MonkeyPatch) -> int:
    """How many whole-file writes the command makes."""
    count = 0
    real = atomic.write_bytes

    def counting(*args: Any, **kwargs: Any) -> None:
        nonlocal count
        count += 1
        real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(atomic, "write_bytes", counting)
        assert command().status == 0
    return count


@pytest.fixture
def disk_full_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], None]]:
    """Makes the Nth whole-file write fail as a full disk does (ENOSPC), after writing part of it."""
    real = atomic.write_bytes

    def arm(failing: int) -> None:
        count = 0

        def writing(path: Path, data: bytes, **kwargs: Any) -> None:
            nonlocal count
            count += 1
            if count == failing:
                path.with_name(f".{path.name}.partial").write_bytes(data[: len(data) // 2])
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            real(path, data, **kwargs)

        monkeypatch.setattr(atomic, "write_bytes", writing)

    yield arm
    monkeypatch.setattr(atomic, "write_bytes", real)


@pytest.mark.parametrize("where", ["new-folder", "empty-folder"])
def test_a_full_disk_during_init_leaves_the_home_as_it_was(
    *,
    cli: Cli,
    passphrase: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    disk_full_at: Callable[[int], None],
    where: str,
) -> None:
    writes = _atomic_writes_of(
        lambda: cli("--home", tmp_path / "count", "init", "--name", "A Person"), monkeypatch
    )
    assert writes >= 3  # the key file, the identity, its certificate...
    home = tmp_path / "home"
    if where == "empty-folder":
        home.mkdir()
    for failing in range(1, writes + 1):
        disk_full_at(failing)
        result = cli("--home", home, "init", "--name", "Hannah Testwell")
        assert_plain(result)
        assert result.status == 2, (failing, result.err)
        assert "No space left on device" in result.err
        assert "Nothing was left behind" in result.err
        if where == "new-folder":
            assert not home.exists(), failing
        else:
            assert list(home.iterdir()) == [], failing
    monkeypatch.setattr(atomic, "write_bytes", atomic.write_bytes)
    disk_full_at(writes + 1)  # no failure: the same home can now be set up
    assert cli("--home", home, "init", "--name", "Hannah Testwell").status == 0


def test_a_full_disk_inside_the_database_during_demo_leaves_nothing(
    cli: Cli, passphrase: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own writes are C code: a full disk there comes up as the store's plain error."""
    from caf_desktop.store.store import StoreUnavailable

    calls = 0
    real = Store.add_record

    def add_record(self: Store, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise StoreUnavailable("the disk is full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "add_record", add_record)
    home = tmp_path / "home"

    result = cli("--home", home, "demo", "--records", "5")

    assert_plain(result)
    assert result.status == 2
    assert "the disk is full" in result.err
    assert "Nothing was left behind" in result.err
    assert not home.exists()
    monkeypatch.setattr(Store, "add_record", real)
    assert cli("--home", home, "demo", "--records", "2").status == 0
