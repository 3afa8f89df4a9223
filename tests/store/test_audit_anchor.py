"""The end of the audit trail is anchored outside the database (docs/audit.md): removing the newest
events together with the database's own note of the head (`audit.head`) is still found, and so is a
missing, damaged or forged anchor. Each edit is made with SQL, as someone with the database open would."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from caf_desktop.store.store import AUDIT_ANCHOR_FILE, Store
from sqlalchemy import text

from tests.store.conftest import KDF_COST, PASSPHRASE, PROFILE


def remove_newest_with_the_head(store: Store, how_many: int) -> None:
    """Deletes the newest events and rewrites `audit.head` to the new last one: the database alone
    then holds a chain that is whole and ends where its head says."""
    with store.session() as session:
        session.execute(
            text(
                "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events ORDER BY id DESC LIMIT :n)"
            ),
            {"n": how_many},
        )
        session.execute(
            text(
                "UPDATE meta SET value = (SELECT hash FROM audit_events ORDER BY id DESC LIMIT 1) "
                "WHERE key = 'audit.head'"
            )
        )


def test_removing_the_newest_events_and_the_head_row_is_found(sqlcipher_store: Store) -> None:
    for action in ("first", "second", "third"):
        sqlcipher_store.audit(action)
    assert sqlcipher_store.verify_audit().ok

    remove_newest_with_the_head(sqlcipher_store, 2)

    report = sqlcipher_store.verify_audit()
    assert not report.ok
    assert report.message == (
        f"The newest audit events have been removed: the trail ends after {report.checked} events, but its "
        "anchor outside the database (audit.anchor) names a later event that is no longer there."
    )


def test_removing_them_and_the_head_row_then_carrying_on_is_still_found(sqlcipher_store: Store) -> None:
    sqlcipher_store.audit("first")
    sqlcipher_store.audit("second")
    remove_newest_with_the_head(sqlcipher_store, 1)
    anchor = (sqlcipher_store.home / AUDIT_ANCHOR_FILE).read_bytes()  # type: ignore[operator]

    sqlcipher_store.audit("after")  # the app carries on: a new event, a new anchor
    (sqlcipher_store.home / AUDIT_ANCHOR_FILE).write_bytes(anchor)  # type: ignore[operator]

    assert not sqlcipher_store.verify_audit().ok


def test_an_anchor_one_step_behind_is_accepted(sqlcipher_store: Store) -> None:
    """A crash between the commit and the anchor's write leaves it behind: nothing was removed."""
    sqlcipher_store.audit("first")
    home = sqlcipher_store.home
    assert home is not None
    behind = (home / AUDIT_ANCHOR_FILE).read_bytes()
    sqlcipher_store.audit("second")
    (home / AUDIT_ANCHOR_FILE).write_bytes(behind)

    report = sqlcipher_store.verify_audit()

    assert report.ok, report.message


def test_a_missing_anchor_is_reported(sqlcipher_store: Store) -> None:
    sqlcipher_store.audit("first")
    home = sqlcipher_store.home
    assert home is not None
    (home / AUDIT_ANCHOR_FILE).unlink()

    report = sqlcipher_store.verify_audit()

    assert not report.ok
    assert report.message.startswith(
        "The end of the audit trail cannot be checked: its anchor (audit.anchor, kept beside the database) is missing"
    )


@pytest.mark.parametrize("damage", ["not json", "forged", "other store"])
def test_a_damaged_or_forged_anchor_is_reported(sqlcipher_store: Store, tmp_path: Path, damage: str) -> None:
    """An anchor is genuine only under this store's key: one written by hand for the shortened
    trail, or copied from another store, is refused."""
    sqlcipher_store.audit("first")
    sqlcipher_store.audit("second")
    home = sqlcipher_store.home
    assert home is not None
    path = home / AUDIT_ANCHOR_FILE
    if damage == "not json":
        path.write_text("{")
    elif damage == "forged":
        remove_newest_with_the_head(sqlcipher_store, 1)
        with sqlcipher_store.session() as session:
            head = session.execute(text("SELECT value FROM meta WHERE key = 'audit.head'")).scalar_one()
        anchor = json.loads(path.read_text())
        path.write_text(json.dumps({**anchor, "head": head}))
    else:
        other = Store.create(tmp_path / "other", PASSPHRASE, PROFILE, kdf_cost=KDF_COST)
        other.close()
        shutil.copy(tmp_path / "other" / AUDIT_ANCHOR_FILE, path)

    report = sqlcipher_store.verify_audit()

    assert not report.ok
    assert "its anchor (audit.anchor) is damaged or was not written with this store's key" in report.message


def test_a_new_store_is_anchored_from_its_first_event_and_reopened_still_verifies(home: Path) -> None:
    store = Store.create(home, PASSPHRASE, PROFILE, kdf_cost=KDF_COST)
    store.close()
    anchor = json.loads((home / AUDIT_ANCHOR_FILE).read_text())
    assert set(anchor) == {"format", "head", "mac"}
    assert "Test Worker" not in (home / AUDIT_ANCHOR_FILE).read_text()

    reopened = Store.open(home, PASSPHRASE)
    try:
        assert reopened.verify_audit().ok
    finally:
        reopened.close()
