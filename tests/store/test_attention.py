"""Drift is worked out again as days pass, not only when someone saves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from caf_desktop.store.models import Case, Record
from caf_desktop.store.store import RecordQuery, Store
from sqlalchemy import select

from tests.store.support import child_of, definition, example


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


def _case(store: Store, record_id: str) -> tuple[str, dt.date | None, str]:
    """The record's case: its status, the day it closed, and its id."""
    with store.session() as session:
        row = session.execute(
            select(Case.status, Case.closed, Case.uuid)
            .join(Record, Record.case_id == Case.id)
            .where(Record.uuid == record_id)
        ).one()
    return row.status, row.closed, row.uuid


def _closure_for(plan: dict[str, Any]) -> dict[str, Any]:
    closure = example("caf-closure/full")
    closure["child"] = {**closure["child"], **plan["child"]}  # the plan's child
    return closure


def test_a_completed_closure_closes_the_case_and_its_reviews_stop_being_due(store: Store) -> None:
    """Completing the CAF closure closes the case on the closure's date: a review that would be
    overdue is no longer asked for, and the child's next record starts a new case. A closure still
    in draft closes nothing."""
    plan = example("tac-meeting/full")
    plan_id = store.add_record(definition("tac-meeting"), plan).id
    child = store.get(plan_id)
    store.refresh_attention(dt.date(2027, 6, 1), force=True)
    assert "has not been held" in (attention(store, plan_id) or "")
    closure = _closure_for(plan)
    closure_id = store.add_record(definition("caf-closure"), closure, child_id=child_of(store, plan_id)).id
    assert _case(store, closure_id)[0] == "open"  # a draft closes nothing

    store.save(closure_id, closure, definition("caf-closure"), status="complete")

    status, closed, case_id = _case(store, plan_id)
    assert (status, closed) == ("closed", dt.date.fromisoformat(closure["closure"]["date"]))
    assert attention(store, plan_id) is None
    store.refresh_attention(dt.date(2027, 7, 1), force=True)
    assert attention(store, plan_id) is None  # a closed case asks for no reviews
    later = store.add_record(
        definition("tac-meeting"), example("tac-meeting/full"), child_id=child_of(store, plan_id)
    )
    assert _case(store, later.id)[2] != case_id
    assert _case(store, later.id)[0] == "open"
    assert child.case_id == case_id
