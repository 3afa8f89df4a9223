"""Two versions of a form compared, and a document moved between them (formengine.changes, .migration)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from caf_desktop.formengine import changes, migration
from caf_desktop.formengine.checker import check_definition
from caf_desktop.formengine.definitions import Catalogue, FormDefinition, load, shipped_catalogue

from tests.conftest import EXAMPLES, load_json


def review() -> FormDefinition:
    return shipped_catalogue().get("tac-review", "1.0.0")


def edited(edit: Any, steps: list[dict[str, Any]] | None = None, version: str = "1.1.0") -> FormDefinition:
    raw: dict[str, Any] = copy.deepcopy(dict(review().raw))
    raw["version"] = version
    edit(raw)
    if steps is not None:
        raw["migration"] = {"from": "1.0.0", "steps": steps}
    return load(raw, "edited.json")


def graded(new: FormDefinition) -> set[tuple[str, str, str, bool]]:
    return {(c.path, c.change, c.grade, c.covered) for c in changes.compare(review(), new)}


def test_the_same_form_has_no_changes() -> None:
    assert changes.compare(review(), review()) == []


def test_limits_tightened_are_risky_and_loosened_are_safe() -> None:
    def edit(raw: dict[str, Any]) -> None:
        raw["schema"]["properties"]["notes"]["maxLength"] = 500
        raw["schema"]["properties"]["what_changed"]["maxLength"] = 20000

    assert graded(edited(edit)) == {
        ("/notes", "limit-tightened", "risky", False),
        ("/what_changed", "limit-loosened", "safe", False),
    }


def test_a_new_optional_question_is_safe_and_a_new_required_one_is_risky_for_the_records_without_it() -> None:
    def edit(raw: dict[str, Any]) -> None:
        review_part = raw["schema"]["properties"]["review"]
        review_part["properties"]["venue"] = {"title": "Venue", "type": "string"}
        review_part["properties"]["chair"] = {"title": "Chair", "type": "string"}
        review_part["required"].append("chair")
        raw["layout"]["sections"][0]["elements"][0]["elements"] += [
            {"type": "control", "scope": "/venue"},
            {"type": "control", "scope": "/chair"},
        ]

    new = edited(edit)
    assert graded(new) == {
        ("/review/venue", "added", "safe", False),
        ("/review/chair", "added", "risky", False),
    }
    chair = next(c for c in changes.compare(review(), new) if c.path == "/review/chair")
    example = load_json(EXAMPLES / "tac-review" / "full.json")
    assert changes.affects(chair, example)  # the example has no chair yet
    example["review"]["chair"] = "Priya Fictional"
    assert not changes.affects(chair, example)
    with_default = edited(edit, [{"default": "/review/chair", "value": "Not recorded"}])
    assert ("/review/chair", "added", "risky", True) in graded(with_default)


def test_a_removed_question_or_a_changed_kind_is_breaking_until_the_migration_handles_it() -> None:
    def edit(raw: dict[str, Any]) -> None:
        del raw["schema"]["properties"]["notes"]
        raw["layout"] = json.loads(
            json.dumps(raw["layout"]).replace(
                '{"type": "control", "scope": "/notes"}', '{"type": "text", "text": "No notes."}'
            )
        )
        raw["schema"]["properties"]["engagement"]["properties"]["missed_appointments"]["type"] = "string"

    new = edited(edit)
    assert graded(new) == {
        ("/notes", "removed", "breaking", False),
        ("/engagement/missed_appointments", "kind", "breaking", False),
    }
    assert [c.path for c in changes.uncovered(changes.compare(review(), new))] == [
        "/engagement/missed_appointments",
        "/notes",
    ]
    handled = edited(edit, [{"remove": "/notes"}])
    assert [c.path for c in changes.uncovered(changes.compare(review(), handled))] == [
        "/engagement/missed_appointments"
    ]


def test_a_retired_choice_touches_only_the_records_that_chose_it() -> None:
    def edit(raw: dict[str, Any]) -> None:
        progress = raw["schema"]["$defs"]["progress"]
        progress["oneOf"] = [o for o in progress["oneOf"] if o["const"] != "at_risk"]

    [retired] = changes.compare(review(), edited(edit))
    assert (retired.change, retired.grade, retired.values) == ("choice-removed", "risky", ("at_risk",))
    example = load_json(EXAMPLES / "tac-review" / "full.json")
    for item in example["action_progress"]:
        item["progress"] = "on_track"
    assert not changes.affects(retired, example)
    example["action_progress"][-1]["progress"] = "at_risk"
    assert changes.affects(retired, example)


def test_a_migration_renames_inside_lists_maps_values_fills_defaults_and_removes() -> None:
    document = {
        "action_progress": [{"action": "Attend", "comments": "a"}, {"action": "Call", "comments": "b"}],
        "outcome": {"decision": "close"},
        "services": [{"kinds": ["fax", "phone", "pager"]}],
        "review": {},
        "notes": "old",
    }
    steps = migration.Migration(
        "1.0.0",
        (
            migration.Step("rename", "/action_progress/*/comments", to="/action_progress/*/progress_notes"),
            migration.Step("map", "/outcome/decision", values={"close": "continue"}),
            migration.Step("map", "/services/*/kinds", values={"fax": "letter", "pager": None}),
            migration.Step("default", "/review/chair", value="Not recorded"),
            migration.Step("default", "/missing_parent/chair", value="x"),
            migration.Step("remove", "/notes"),
        ),
    )
    moved, changed = migration.apply(steps, document)
    assert moved == {
        "action_progress": [
            {"action": "Attend", "progress_notes": "a"},
            {"action": "Call", "progress_notes": "b"},
        ],
        "outcome": {"decision": "continue"},
        "services": [{"kinds": ["letter", "phone"]}],
        "review": {"chair": "Not recorded"},
    }
    assert [c.as_json() for c in changed] == [
        {
            "path": "/action_progress/0/comments",
            "before": "a",
            "after": "a",
            "to": "/action_progress/0/progress_notes",
        },
        {
            "path": "/action_progress/1/comments",
            "before": "b",
            "after": "b",
            "to": "/action_progress/1/progress_notes",
        },
        {"path": "/outcome/decision", "before": "close", "after": "continue"},
        {"path": "/services/0/kinds", "before": ["fax", "phone", "pager"], "after": ["letter", "phone"]},
        {"path": "/review/chair", "before": None, "after": "Not recorded"},
        {"path": "/notes", "before": "old", "after": None},
    ]
    assert document["notes"] == "old"  # the original is never changed


def test_the_chain_runs_only_forwards_through_installed_versions() -> None:
    newer = edited(lambda raw: None, version="1.1.0")
    newest = edited(lambda raw: None, version="2.0.0")
    catalogue = Catalogue([review(), newer, newest])
    assert [d.version for d in migration.chain(catalogue, "tac-review", "1.0.0", "2.0.0")] == [
        "1.1.0",
        "2.0.0",
    ]
    with pytest.raises(migration.MigrationError, match="is not newer than"):
        migration.chain(catalogue, "tac-review", "2.0.0", "1.1.0")
    with pytest.raises(migration.MigrationError, match=r"no installed version 3\.0\.0"):
        migration.chain(catalogue, "tac-review", "1.0.0", "3.0.0")


def test_a_malformed_migration_step_is_named_plainly_by_the_checker() -> None:
    raw: dict[str, Any] = copy.deepcopy(dict(review().raw))
    raw["version"] = "1.1.0"
    raw["migration"] = {"from": "1.0.0", "steps": [{"rename": "/notes"}]}
    found = list(check_definition(raw, "edited.json"))
    assert [f.path for f in found] == ["/migration/steps/0"]
    assert "Each migration step is one of" in found[0].message


def test_a_rename_that_would_lose_an_answer_is_refused_and_the_document_is_untouched() -> None:
    document = {"notes": "kept", "next_steps": "also kept", "child": {"given_names": "Ada"}}
    onto = migration.Migration("1.0.0", (migration.Step("rename", "/notes", to="/next_steps"),))
    with pytest.raises(migration.MigrationError, match="already holds one"):
        migration.apply(onto, document)
    through = migration.Migration(
        "1.0.0", (migration.Step("rename", "/notes", to="/child/given_names/notes"),)
    )
    with pytest.raises(migration.MigrationError, match="/child/given_names is not a group of answers"):
        migration.apply(through, document)
    assert document == {"notes": "kept", "next_steps": "also kept", "child": {"given_names": "Ada"}}
