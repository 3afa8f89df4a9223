"""Two versions of a record side by side, and a version combined from both, answer by answer."""

from __future__ import annotations

import copy
import json
from typing import Any

from caf_desktop.formengine import diff
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.practice.thresholds import indicator_words, ruleset

from tests.conftest import EXAMPLES


def caf() -> dict[str, Any]:
    return json.loads((EXAMPLES / "caf-assessment" / "full.json").read_text(encoding="utf-8"))


def test_side_by_side_names_each_differing_answer_as_a_person_reads_it() -> None:
    definition = shipped_catalogue().get("caf-assessment")
    stored, incoming = caf(), caf()
    incoming["child"]["family_name"] = "Dvořák"
    incoming["services"].append({"service": "Fictonwood Youth Club"})
    incoming["consent"]["share"]["scope"] = "all_listed"

    rows = diff.side_by_side(definition, stored, incoming)

    by_pointer = {row.pointer: row for row in rows}
    assert by_pointer["/child/family_name"].left == "“Łukasiewicz-O'Brien”"
    assert by_pointer["/child/family_name"].right == "“Dvořák”"
    assert "Family name" in by_pointer["/child/family_name"].label
    scope = by_pointer["/consent/share/scope"]
    assert scope.right == "All services listed on this form"  # a choice by its title, not its code
    added = [row for row in rows if row.pointer.startswith(f"/services/{len(stored['services'])}")]
    assert added
    assert all(row.left == "(empty)" for row in added)
    assert [row.pointer for row in rows].index("/child/family_name") < [row.pointer for row in rows].index(
        "/consent/share/scope"
    )  # in the order of the form


def test_combining_takes_the_chosen_answers_from_the_incoming_version_only() -> None:
    stored, incoming = caf(), caf()
    incoming["child"]["family_name"] = "Dvořák"
    incoming["child"]["given_names"] = "Siân"
    del incoming["comments"]
    extra = {"service": "Fictonwood Youth Club"}
    incoming["services"].append(extra)
    before = copy.deepcopy(stored)

    combined = diff.combine(
        stored,
        incoming,
        {"/child/family_name", "/comments", f"/services/{len(stored['services'])}/service"},
    )

    assert combined["child"]["family_name"] == "Dvořák"
    assert combined["child"]["given_names"] == stored["child"]["given_names"]  # not chosen: kept
    assert "comments" not in combined
    assert combined["services"][-1] == extra
    assert stored == before  # neither version is changed


def test_identical_versions_have_nothing_side_by_side() -> None:
    definition = shipped_catalogue().get("caf-assessment")
    assert diff.side_by_side(definition, caf(), caf()) == []


def test_a_change_to_threshold_indicators_names_them_in_words_not_ids() -> None:
    definition = shipped_catalogue().get("caf-assessment")
    before = caf()
    after = copy.deepcopy(before)
    after["development"]["health"]["indicators"] = [
        "health.l1.immunisations_up_to_date",
        "health.l2.missed_checks",
        "health.l2.slow_milestones",
    ]  # one taken off (inadequate diet), one chosen (slow milestones)
    [line] = diff.describe_changes(definition, before, after, indicator_words=indicator_words(definition))
    assert line.startswith("1. Health: Threshold indicators: added “")
    assert "health." not in line  # no id a person would have to look up
    texts = {i.id: i.text for i in ruleset().indicators.values()}
    assert line == (
        f"1. Health: Threshold indicators: added “{texts['health.l2.slow_milestones']}” (level 2); "
        f"removed “{texts['health.l2.inadequate_diet']}” (level 2)"
    )


def test_indicators_side_by_side_are_their_words() -> None:
    definition = shipped_catalogue().get("caf-assessment")
    before = caf()
    after = copy.deepcopy(before)
    after["development"]["health"]["indicators"] = ["health.l2.missed_checks"]
    [answer] = diff.side_by_side(definition, before, after, indicator_words=indicator_words(definition))
    assert "health.l2" not in answer.left + answer.right
    assert answer.right.startswith("“Missing immunisations")


def test_without_the_ruleset_words_indicators_are_shown_by_id() -> None:
    definition = shipped_catalogue().get("caf-assessment")
    before = caf()
    after = copy.deepcopy(before)
    after["development"]["health"]["indicators"] = ["health.l2.missed_checks"]
    [answer] = diff.side_by_side(definition, before, after)
    assert answer.right == "health.l2.missed_checks"
