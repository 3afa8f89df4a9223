"""The store gathers what a child's next record starts from: the child as stored and their open case."""

from __future__ import annotations

import datetime as dt

import pytest
from caf_desktop.common.errors import CafError
from caf_desktop.store.store import Store

from tests.store.support import assessment, child_of, definition, example


def test_a_new_tac_review_starts_from_the_childs_open_case(store: Store) -> None:
    caf = store.add_record(definition("caf-assessment"), assessment(reference="MK-2026-0417"))
    plan = example("tac-meeting/full")
    plan["child"].update(given_names="Zoe", family_name="Lukasiewicz-O'Brien")  # typed without accents
    store.add_record(definition("tac-meeting"), plan, child_id=child_of(store, caf.id))

    document = store.starting_document(definition("tac-review"), child_of(store, caf.id))

    assert document["child"] == {
        "given_names": "Zoë",
        "family_name": "Łukasiewicz-O'Brien",
        "date_of_birth": "2017-03-14",
        "caf_reference": "MK-2026-0417",
    }
    assert [a["action"] for a in document["action_progress"]] == [
        a["action"] for a in plan["actions"] if a.get("progress") != "completed"
    ]


def test_the_child_of_a_record_and_their_case(store: Store) -> None:
    caf = store.add_record(definition("caf-assessment"), assessment())
    child_id = store.child_of(caf.id)
    assert child_id == child_of(store, caf.id)
    child, records = store.child_case(child_id)
    assert (child.given_names, child.family_name, child.date_of_birth) == (
        "Zoë",
        "Łukasiewicz-O'Brien",
        dt.date(2017, 3, 14),
    )
    assert [r.id for r in records] == [caf.id]


def test_a_closed_case_carries_nothing_into_the_next_record(store: Store) -> None:
    caf = store.add_record(definition("caf-assessment"), assessment(reference="MK-2026-0417"))
    closure = example("caf-closure/full")
    store.add_record(definition("caf-closure"), closure, child_id=child_of(store, caf.id), status="complete")
    document = store.starting_document(definition("tac-meeting"), child_of(store, caf.id))
    assert document == {
        "child": {"given_names": "Zoë", "family_name": "Łukasiewicz-O'Brien", "date_of_birth": "2017-03-14"}
    }


def test_an_unknown_child_is_a_plain_error(store: Store) -> None:
    with pytest.raises(CafError, match="There is no child 'nobody'"):
        store.starting_document(definition("tac-meeting"), "nobody")
