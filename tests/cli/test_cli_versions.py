"""Changing a published form from the command line, as a form designer and a worker would:
`forms diff` (graded, with the records of this home it touches), `forms publish` (a breaking change
needs its migration), `records migrate` (drafts move with a preview; complete records never do), and
undoing a move by restoring the revision before it. Real SQLCipher store, in-process CLI."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import installed_catalogue, load
from caf_desktop.formengine.drafting import Draft
from caf_desktop.store.store import Store

from tests.conftest import EXAMPLES, CliResult, load_json, write_json

Cli = Callable[..., CliResult]
PASSPHRASE = "correct horse battery staple"
REVIEW = Path(__file__).parents[2] / "forms" / "tac-review" / "1.1.0.json"  # the newest shipped


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("CAF_DESKTOP_PASSPHRASE", "CAF_DESKTOP_DATABASE_URL"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def home(cli: Cli, monkeypatch: pytest.MonkeyPatch, private_home: Path) -> Path:
    monkeypatch.setenv("CAF_DESKTOP_PASSPHRASE", PASSPHRASE)
    assert cli("init", "--name", "Hannah Testwell").status == 0
    return private_home


def next_version(tmp_path: Path, *, migrate: bool = True) -> Path:
    """TAC review 1.2.0, made with the designer's model: Notes renamed to Remarks, the choice "Close the
    CAF" retired (its answers continue the plan), a question reworded; with its migration unless told
    otherwise (then the rename is a removal plus an addition, as a hand-edited file would be)."""
    draft = Draft(load(load_json(REVIEW), "1.1.0"), version="1.2.0")
    draft.rename("/notes", "remarks")
    draft.retire_choice("/outcome/decision", "close", "continue")
    draft.set_text("/what_changed", "title", "What is different for the child?")
    raw = draft.as_json()
    if not migrate:
        del raw["migration"]
    return write_json(tmp_path / ("tac-review-1.2.0.json" if migrate else "no-migration.json"), raw)


def add_review(cli: Cli, tmp_path: Path, **changes: Any) -> str:
    document = load_json(EXAMPLES / "tac-review" / "full-1.1.0.json")
    document["outcome"].update(changes)
    result = cli(
        "records", "add", "tac-review@1.1.0", write_json(tmp_path / "review.json", document), "--json"
    )
    assert result.status == 0, result.err
    return str(result.json()["id"])


def test_the_diff_grades_each_change_and_counts_the_records_it_touches(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    add_review(cli, tmp_path)
    add_review(cli, tmp_path, decision="close")
    result = cli("forms", "diff", REVIEW, next_version(tmp_path), "--json")
    assert result.status == 0, result.err
    found = {entry["path"]: entry for entry in result.json()}
    assert set(found) == {"/what_changed", "/outcome/decision", "/notes"}
    assert (found["/notes"]["change"], found["/notes"]["grade"], found["/notes"]["records"]) == (
        "renamed",
        "breaking",
        2,
    )
    retired = found["/outcome/decision"]
    assert (retired["grade"], retired["records"]) == ("risky", 1)  # only one review chose "Close the CAF"
    assert "“Close the CAF” is retired" in retired["text"]
    assert (found["/what_changed"]["grade"], found["/what_changed"]["records"]) == ("safe", 0)
    text = cli("forms", "diff", REVIEW, next_version(tmp_path))
    assert (
        "breaking  Notes (/notes) is renamed to /remarks. Its migration handles it. (2 records in this home)"
        in text.out
    )
    assert "3 changes (1 breaking, 1 risky, 1 safe)" in text.err


def test_a_diff_without_a_store_counts_nothing_and_of_two_forms_is_refused(
    cli: Cli, private_home: Path, tmp_path: Path
) -> None:
    result = cli("forms", "diff", REVIEW, next_version(tmp_path), "--json")
    assert result.status == 0, result.err
    assert {entry["records"] for entry in result.json()} == {0}
    other = cli("forms", "diff", REVIEW, Path(__file__).parents[2] / "forms" / "tac-meeting" / "1.0.0.json")
    assert other.status != 0
    assert "compare two versions of the same form" in other.err
    assert "Traceback" not in other.err


def test_publishing_a_breaking_change_without_its_migration_is_refused(
    cli: Cli, home: Path, tmp_path: Path
) -> None:
    result = cli("forms", "publish", next_version(tmp_path, migrate=False))
    assert result.status == 1
    assert "Notes (/notes) is removed: answers to it would be lost. Add a migration step for it" in result.out
    assert "not published" in result.err
    assert not (home / "forms" / "tac-review").exists()
    assert sorted(d.version for d in installed_catalogue().all() if d.id == "tac-review") == [
        "1.0.0",
        "1.1.0",
    ]


def test_publish_then_migrate_the_drafts_then_undo_one_move(cli: Cli, home: Path, tmp_path: Path) -> None:
    draft = add_review(cli, tmp_path, decision="close")
    completed = add_review(cli, tmp_path)
    assert cli("records", "complete", completed).status == 0

    published = cli("forms", "publish", next_version(tmp_path))
    assert published.status == 0, published.out + published.err
    assert "Published tac-review 1.2.0" in published.out
    installed = home / "forms" / "tac-review" / "1.2.0.json"
    assert not installed.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)  # read-only for ever
    again = cli("forms", "publish", next_version(tmp_path))
    assert again.status == 1
    assert "already published, and a published version never changes" in again.err

    preview = cli("records", "migrate", "--drafts", "--to", "tac-review@1.2.0", "--dry-run", "--json")
    assert preview.status == 0, preview.err
    [planned] = preview.json()  # the completed review is not a draft: it never moves
    assert (planned["id"], planned["moved"]) == (draft, False)
    assert {(c["path"], c.get("to"), c["after"]) for c in planned["changes"]} == {
        ("/notes", "/remarks", load_json(EXAMPLES / "tac-review" / "full-1.1.0.json")["notes"]),
        ("/outcome/decision", None, "continue"),
    }
    assert (
        cli("records", "show", draft, "--json").json()["form_version"] == "1.1.0"
    )  # a dry run moves nothing

    moved = cli("records", "migrate", "--drafts", "--to", "tac-review@1.2.0")
    assert moved.status == 0, moved.err
    assert "/notes moves to /remarks" in moved.out
    assert "'close' becomes 'continue'" in moved.out
    shown = cli("records", "show", draft, "--json").json()
    assert shown["form_version"] == "1.2.0"
    assert "notes" not in shown["document"]
    assert shown["document"]["remarks"]
    assert shown["document"]["outcome"]["decision"] == "continue"
    assert (
        cli("validate", "tac-review@1.2.0", write_json(tmp_path / "moved.json", shown["document"])).status
        == 0
    )
    assert cli("records", "show", completed, "--json").json()["form_version"] == "1.1.0"

    refused = cli("records", "migrate", completed, "--to", "tac-review@1.2.0")
    assert refused.status == 1
    assert "only drafts move" in refused.out

    store = Store.open(home, PASSPHRASE)
    try:
        revisions = store.revisions(draft)
        assert [r.form_version for r in revisions] == ["1.1.0", "1.2.0"]
        assert revisions[-1].reason == "moved from version 1.1.0 to 1.2.0"
        assert any(e.action == "migrated" for e in store.audit_events(store.get(draft).id))
        review_1_2_0 = installed_catalogue().get("tac-review", "1.2.0")
        store.restore(draft, revisions[0].number, review_1_2_0)  # undo: the revision before the move
        undone = store.get(draft)
        assert undone.form_version == "1.1.0"
        assert undone.definition_digest == installed_catalogue().get("tac-review", "1.1.0").digest
        assert undone.document["outcome"]["decision"] == "close"
        assert store.verify_audit().ok
    finally:
        store.close()


def test_migrate_needs_a_version_and_either_ids_or_drafts(cli: Cli, home: Path) -> None:
    no_version = cli("records", "migrate", "--drafts", "--to", "tac-review")
    assert no_version.status == 2
    assert "name the version too" in no_version.err
    both = cli("records", "migrate", "--to", "tac-review@1.0.0")
    assert both.status == 2
    assert "Name the records to move, or give --drafts" in both.err


def test_bad_files_are_named_plainly_and_nothing_is_installed(cli: Cli, home: Path, tmp_path: Path) -> None:
    missing = cli("forms", "diff", REVIEW, tmp_path / "nowhere.json")
    assert missing.status == 2
    assert "there is no such file" in missing.err
    not_a_form = write_json(tmp_path / "list.json", [1, 2, 3])
    listed = cli("forms", "publish", not_a_form)
    assert listed.status == 2
    assert "does not hold a form definition" in listed.err
    broken = load_json(REVIEW)
    broken["version"] = "1.2.0"
    broken["layout"]["sections"][0]["elements"][0]["scope"] = "/nowhere"
    invalid = cli("forms", "publish", write_json(tmp_path / "broken.json", broken))
    assert invalid.status == 1  # the thing checked is invalid
    assert '"/nowhere" is not a field of this form' in invalid.err
    for result in (missing, listed, invalid):
        assert "Traceback" not in result.err
    assert not (home / "forms").exists()
