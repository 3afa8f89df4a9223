"""The form designer's model: edits a designer makes, undone and redone, and the migration they imply."""

from __future__ import annotations

from typing import Any

import pytest
from caf_desktop.formengine import changes, migration, relevance
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.formengine.drafting import Draft, DraftError

from tests.conftest import EXAMPLES, load_json


def pointer_value(draft: Draft, location: str) -> Any:
    from caf_desktop.formengine import pointers

    return pointers.resolve(draft.raw, location, None)


def review_draft() -> Draft:
    return Draft(shipped_catalogue().get("tac-review", "1.0.0"), version="1.1.0")


def caf_draft() -> Draft:
    return Draft(shipped_catalogue().get("caf-assessment", "1.0.0"), version="1.1.0")


def test_a_title_changes_the_words_never_the_id_and_undo_redo_are_exact() -> None:
    draft = review_draft()
    before = draft.as_json()
    draft.set_text("/what_changed", "title", "What is different for the child?")
    assert draft.raw["schema"]["properties"]["what_changed"]["title"] == "What is different for the child?"
    assert draft.undo_label() == "Change the title of “What has changed for the child since the last review?”"
    assert draft.migration_steps() == []
    assert [c.change for c in changes.compare(draft.base, draft.definition())] == ["wording"]
    draft.undo()
    assert draft.as_json() == before
    assert draft.redo_label() is not None
    draft.redo()
    assert draft.raw["schema"]["properties"]["what_changed"]["title"] == "What is different for the child?"


def test_a_new_question_is_in_the_schema_and_the_layout_and_needs_no_migration() -> None:
    draft = review_draft()
    section = "/layout/sections/0/elements/0/elements"  # inside the Review details control
    pointer = draft.add_question(section, 1, "venue", "text", "Where was the review held?")
    assert pointer == "/review/venue"
    assert draft.findings() == []
    new = draft.definition()
    assert "/review/venue" in [scope for scope, _ in new.controls()]
    assert [(c.path, c.change, c.grade) for c in changes.compare(draft.base, new)] == [
        ("/review/venue", "added", "safe")
    ]
    draft.set_required(pointer, True)
    assert [(c.path, c.grade) for c in changes.compare(draft.base, draft.definition())] == [
        ("/review/venue", "risky")
    ]
    with pytest.raises(DraftError, match="already a question /review/venue"):
        draft.add_question(section, 0, "venue", "text", "Again")
    with pytest.raises(DraftError, match="cannot be an id"):
        draft.add_question(section, 0, "Venue 2", "text", "Bad id")
    draft.undo()
    draft.undo()
    assert "venue" not in draft.raw["schema"]["properties"]["review"]["properties"]
    assert draft.findings() == []


def test_a_rename_follows_the_question_into_the_layout_the_rules_and_the_migration() -> None:
    draft = caf_draft()
    new_pointer = draft.rename("/child/is_unborn", "unborn")
    assert new_pointer == "/child/unborn"
    assert draft.findings() == []
    assert draft.migration_steps() == [{"rename": "/child/is_unborn", "to": "/child/unborn"}]
    definition = draft.definition()
    hidden = relevance.relevance(definition, {"child": {"unborn": True}}).hidden
    assert "/child/date_of_birth" in hidden  # the rule that named it follows it
    assert changes.uncovered(changes.compare(draft.base, definition)) == []
    moved, _ = migration.apply(
        migration.migration_of(definition), load_json(EXAMPLES / "caf-assessment" / "full.json")
    )
    assert "unborn" in moved["child"]
    assert "is_unborn" not in moved["child"]
    draft.rename("/child/unborn", "not_yet_born")
    assert draft.migration_steps() == [{"rename": "/child/is_unborn", "to": "/child/not_yet_born"}]
    draft.undo()
    draft.undo()
    assert draft.migration_steps() == []
    assert "is_unborn" in draft.raw["schema"]["properties"]["child"]["properties"]


def test_a_question_a_rule_names_cannot_be_deleted_but_another_can_with_its_migration() -> None:
    draft = caf_draft()
    with pytest.raises(DraftError, match="A rule still names"):
        draft.delete("/child/is_unborn")
    review = review_draft()
    review.delete("/notes")
    assert review.findings() == []
    assert review.migration_steps() == [{"remove": "/notes"}]
    assert changes.uncovered(changes.compare(review.base, review.definition())) == []
    review.undo()
    assert "notes" in review.raw["schema"]["properties"]
    assert review.migration_steps() == []


def test_a_question_added_then_renamed_or_deleted_in_the_same_draft_needs_no_migration() -> None:
    draft = review_draft()
    pointer = draft.add_question("/layout/sections/0/elements/0/elements", 1, "venue", "text", "Venue")
    renamed = draft.rename(pointer, "place")
    assert draft.migration_steps() == []
    draft.delete(renamed)
    assert draft.migration_steps() == []
    assert draft.findings() == []


def test_retiring_a_choice_maps_the_answers_that_chose_it() -> None:
    draft = review_draft()
    draft.retire_choice("/outcome/decision", "close", "continue")
    assert draft.migration_steps() == [{"map": "/outcome/decision", "values": {"close": "continue"}}]
    definition = draft.definition()
    retired = [c for c in changes.compare(draft.base, definition) if c.change == "choice-removed"]
    assert [(c.covered, c.values) for c in retired] == [(True, ("close",))]
    with pytest.raises(DraftError, match="no choice 'close'"):
        draft.retire_choice("/outcome/decision", "close")
    with pytest.raises(DraftError, match="is not one of the choices"):
        draft.retire_choice("/outcome/decision", "step_up", "nonsense")
    draft.add_choice("/outcome/decision", "transfer", "Transfer to another area")
    assert draft.findings() == []


def test_moving_an_element_changes_the_page_order_and_undo_puts_it_back() -> None:
    draft = review_draft()
    order = [scope for scope, _ in draft.base.controls()]
    section = draft.raw["layout"]["sections"][-1]["elements"]
    first = section[0].get("scope")
    draft.move(f"/layout/sections/{len(draft.raw['layout']['sections']) - 1}/elements/0", len(section) - 1)
    assert draft.raw["layout"]["sections"][-1]["elements"][-1].get("scope") == first
    assert [scope for scope, _ in draft.definition().controls()] != order
    draft.undo()
    assert [scope for scope, _ in draft.definition().controls()] == order
    with pytest.raises(DraftError, match="only within its list"):
        draft.move("/layout/sections/0/elements/0", 99)


def test_a_rule_is_made_by_pointing_at_a_question_and_follows_it_when_renamed() -> None:
    draft = review_draft()
    reason = next(p for p in draft.placements() if p.scope == "/outcome/reason_for_closure")
    assert "/outcome/decision" in draft.questions_for_rules(reason.location)
    draft.set_rule(reason.location, "show", [("/outcome/decision", "is_one_of", ["close", "step_up"])])
    assert draft.findings() == []
    definition = draft.definition()
    assert (
        "/outcome/reason_for_closure"
        in relevance.relevance(definition, {"outcome": {"decision": "continue"}}).hidden
    )
    assert (
        "/outcome/reason_for_closure"
        not in relevance.relevance(definition, {"outcome": {"decision": "close"}}).hidden
    )
    draft.rename("/outcome/decision", "what_was_decided")
    assert draft.findings() == []
    assert (
        "/outcome/reason_for_closure"
        not in relevance.relevance(draft.definition(), {"outcome": {"what_was_decided": "close"}}).hidden
    )
    with pytest.raises(DraftError, match="can only name a question beside it"):
        draft.set_rule(reason.location, "show", [("/review/date", "answered", None)])
    with pytest.raises(DraftError, match="A rule still names"):
        draft.delete("/outcome/what_was_decided")
    draft.set_rule(reason.location, None, [])
    assert "rule" not in pointer_value(draft, reason.location)
    assert draft.undo_label() == "Remove the rule of “Reason for closure”"


def test_undoing_an_edit_that_added_a_part_takes_the_part_away_again() -> None:
    draft = review_draft()
    assert "description" not in draft.raw["schema"]["properties"]["review"]["properties"]["date"]
    draft.set_text("/review/date", "description", "The day the team met.")
    draft.undo()
    assert "description" not in draft.raw["schema"]["properties"]["review"]["properties"]["date"]
    assert draft.findings() == []
    assert draft.as_json() == {**dict(draft.base.raw), "version": "1.1.0"}
