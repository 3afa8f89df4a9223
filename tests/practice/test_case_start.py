"""A child's next record starts from the case: the stored child, the CAF reference, the lead
professional, and for a TAC review the actions of the last plan that are not done yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.practice.case_start import (
    CaseDocument,
    ChildFacts,
    in_order_of_the_work,
    open_actions,
    starting_document,
)

from tests.conftest import EXAMPLES, load_json

ZOE = ChildFacts("Zoë", "Łukasiewicz-O'Brien", dt.date(2013, 5, 14))


def example(name: str) -> dict[str, Any]:
    return load_json(EXAMPLES / f"{name}.json")


def on(day: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, 12, tzinfo=dt.UTC)


def record(form_id: str, document: dict[str, Any], day: int) -> CaseDocument:
    return CaseDocument(form_id, document, on(day))


def caf(day: int = 20) -> CaseDocument:
    return record("caf-assessment", example("caf-assessment/full"), day)


def plan(day: int = 21, meeting_date: str = "2026-11-19") -> CaseDocument:
    document = example("tac-meeting/full")
    document["meeting"]["date"] = meeting_date
    return record("tac-meeting", document, day)


def test_new_records_are_offered_in_the_order_of_the_work() -> None:
    ordered = in_order_of_the_work(shipped_catalogue().all())
    assert [d.id for d in ordered] == [
        "caf-pre-assessment",
        "caf-assessment",
        "tac-meeting",
        "tac-review",
        "management-oversight",
        "caf-referral",
        "caf-closure",
    ]


def test_a_tac_meeting_starts_with_the_child_reference_and_lead_professional_of_the_caf() -> None:
    meeting = shipped_catalogue().get("tac-meeting")
    document = starting_document(meeting, ZOE, [caf()])
    assert document["child"] == {
        "given_names": "Zoë",
        "family_name": "Łukasiewicz-O'Brien",
        "date_of_birth": "2013-05-14",
        "caf_reference": "MK-2026-0417",
    }
    # The CAF calls the lead professional's organisation what the TAC form calls their agency.
    assert document["lead_professional"] == {
        "name": "Hannah Testwell",
        "phone": "01632 960 301",
        "agency": "Brightwell Primary School",
    }
    assert "actions" not in document  # a new plan is agreed at the meeting


def test_the_newest_lead_professional_of_the_case_is_the_one_carried() -> None:
    meeting = shipped_catalogue().get("tac-meeting")
    document = starting_document(meeting, ZOE, [caf(day=20), plan(day=22)])
    assert document["lead_professional"] == {
        "name": "Tomáš Dvořák",
        "role": "Family support worker",
        "agency": "Brambledown Family Support Team (fictional)",
        "phone": "07700 900231",
        "email": "tomas.dvorak@brambledown-family-support.example",
    }


def test_the_child_is_named_as_stored_not_as_a_record_spelt_them() -> None:
    misspelt = caf()
    misspelt.document["child"]["given_names"] = "Zoe"
    document = starting_document(shipped_catalogue().get("tac-review"), ZOE, [misspelt])
    assert document["child"]["given_names"] == "Zoë"


def test_a_tac_review_starts_with_the_open_actions_of_the_last_plan() -> None:
    review = shipped_catalogue().get("tac-review")
    document = starting_document(review, ZOE, [caf(), plan()])
    carried = document["action_progress"]
    whole_plan = example("tac-meeting/full")["actions"]
    not_done = [a for a in whole_plan if a.get("progress") != "completed"]
    assert len(carried) == len(not_done) == len(whole_plan) - 1
    assert carried[0] == {"action": whole_plan[0]["action"], "who": "Siân Ŵyn"}
    assert all("progress" not in a for a in carried)  # the review judges progress afresh
    assert document["child"]["caf_reference"] == "MK-2026-0417"
    assert "lead_professional" not in document  # the review form has no such question


def test_an_action_a_later_review_completed_is_not_carried_again() -> None:
    the_plan = plan()
    first = the_plan.document["actions"][0]["action"]
    earlier_review = example("tac-review/full")
    earlier_review["review"]["date"] = "2026-11-26"
    earlier_review["action_progress"] = [{"action": f"  {first.upper()} ", "progress": "completed"}]
    actions = open_actions([the_plan, record("tac-review", earlier_review, 27)])
    assert first not in [a["action"] for a in actions]
    assert len(actions) == len(the_plan.document["actions"]) - 2


def test_only_the_last_plan_is_carried() -> None:
    old = plan(day=10, meeting_date="2026-10-01")
    old.document["actions"] = [{"action": "An action of the old plan", "who": "Someone Fictional"}]
    newest = plan(day=21, meeting_date="2026-11-19")
    # A review of the old plan held before the new meeting says nothing about the new plan.
    actions = open_actions([newest, old])
    assert "An action of the old plan" not in [a["action"] for a in actions]
    assert len(actions) == 9


def test_without_a_plan_a_review_starts_with_no_actions() -> None:
    document = starting_document(shipped_catalogue().get("tac-review"), ZOE, [caf()])
    assert "action_progress" not in document


def test_a_child_with_no_case_gets_only_their_names() -> None:
    document = starting_document(shipped_catalogue().get("tac-meeting"), ChildFacts("Ada", "Fictional"))
    assert document == {"child": {"given_names": "Ada", "family_name": "Fictional"}}
