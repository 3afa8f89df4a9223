"""Drift is worked out again as days pass, not only when someone saves."""

from __future__ import annotations

import datetime as dt

from caf_desktop.store.store import RecordQuery, Store

from tests.store.support import definition, example


def attention(store: Store, record_id: str) -> str | None:
    return store.get(record_id).attention


def test_a_review_becomes_overdue_without_anyone_saving(store: Store) -> None:
    plan = example("tac-meeting/full")
    for action in plan["actions"]:
        action["by_when"] = "2027-01-10"
    plan_id = store.add_record(definition("tac-meeting"), plan).id
    store.refresh_attention(dt.date(2026, 11, 26), force=True)
    assert attention(store, plan_id) is None

    assert store.refresh_attention(dt.date(2027, 1, 20)) == 1
    assert "The review due on 14/01/2027 has not been held." in (attention(store, plan_id) or "")
    shown = store.list_records(RecordQuery())
    assert any(row.attention and "has not been held" in row.attention for row in shown)


def test_the_refresh_runs_once_a_day(store: Store) -> None:
    plan_id = store.add_record(definition("tac-meeting"), example("tac-meeting/full")).id
    store.refresh_attention(dt.date(2026, 11, 26), force=True)
    before = attention(store, plan_id)

    assert store.refresh_attention(dt.date(2026, 11, 26)) == 0  # already done today: nothing read
    assert store.refresh_attention(dt.date(2027, 6, 1)) == 1
    assert attention(store, plan_id) != before
