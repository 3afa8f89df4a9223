"""`thresholds list` and `threshold`, on the shipped continuum of need."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from caf_desktop.formengine.definitions import shipped_catalogue

from tests.conftest import EXAMPLES, CliResult, load_json, write_json

Cli = Callable[..., CliResult]
# Every element the CAF offers indicators for must have them, at every level.
ELEMENTS = {
    str(control.options["element"])
    for _, control in shipped_catalogue().get("caf-assessment").controls()
    if control.widget == "indicators"
}


def test_thresholds_list_has_every_element_at_every_level(cli: Cli) -> None:
    result = cli("thresholds", "list", "--json")
    assert result.status == 0
    rows = result.json()
    assert all(set(row) == {"id", "domain", "element", "level", "text", "pathway"} for row in rows)
    # Level 4 says its pathway; no other level has one.
    assert all((row["pathway"] is not None) == (row["level"] == 4) for row in rows)
    assert {row["pathway"] for row in rows if row["level"] == 4} == {"child_in_need", "child_protection"}
    assert {row["element"] for row in rows} == ELEMENTS
    for element in ELEMENTS:
        levels = [row["level"] for row in rows if row["element"] == element]
        assert levels.count(1) >= 1, element
        for level in (2, 3, 4):
            assert levels.count(level) >= 3, f"{element} has {levels.count(level)} level {level} indicators"
    assert len({row["id"] for row in rows}) == len(rows)


def test_threshold_for_indicators(cli: Cli) -> None:
    # Two ordinary level-2 needs in two domains stay at level 2 (ruleset 1.1.0: breadth needs three
    # different needs); a third different need in those domains suggests level 3.
    two = "health.l2.missed_checks,basic_care.l2.basic_care_inconsistent"
    result = cli("threshold", "--indicators", two, "--json")
    assert result.status == 0
    guidance = result.json()
    assert set(guidance) == {"level", "label", "safeguarding", "pathway", "reasons", "actions", "notices"}
    assert guidance["level"] == 2
    assert guidance["safeguarding"] is False
    assert guidance["pathway"] is None
    result = cli("threshold", "--indicators", two + ",learning.l2.poor_punctuality", "--json")
    guidance = result.json()
    assert guidance["level"] == 3
    assert any(reason.startswith("breadth-of-need: ") for reason in guidance["reasons"])


def test_child_in_need_and_child_protection_side_by_side(cli: Cli) -> None:
    cin = cli("threshold", "--indicators", "self_care.l4.disability_constant_supervision", "--json").json()
    cp = cli("threshold", "--indicators", "basic_care.l4.disclosure_of_abuse", "--json").json()
    assert cin["level"] == cp["level"] == 4
    assert (cin["pathway"], cin["safeguarding"]) == ("child_in_need", False)
    assert (cp["pathway"], cp["safeguarding"]) == ("child_protection", True)
    assert cin["actions"] != cp["actions"]
    assert "with the family's consent" in cin["actions"][0]
    assert not any("999" in action for action in cin["actions"])
    assert "999" in cp["actions"][0]
    assert any("share information without consent" in action for action in cp["actions"])
    words = cli("threshold", "--indicators", "self_care.l4.disability_constant_supervision").out
    assert "Pathway: child in need" in words
    assert "SAFEGUARDING" not in words
    words = cli("threshold", "--indicators", "basic_care.l4.disclosure_of_abuse").out
    assert "SAFEGUARDING: contact children's social care now" in words
    assert "Pathway: child protection" in words


def test_a_retired_id_gives_a_notice_not_an_error(cli: Cli) -> None:
    result = cli("threshold", "--indicators", "family_history.l2.privately_fostered_adopted", "--json")
    assert result.status == 0
    guidance = result.json()
    assert guidance["level"] == 1
    assert any("no longer an indicator" in notice for notice in guidance["notices"])


def test_threshold_for_the_full_caf_example(cli: Cli) -> None:
    result = cli("threshold", EXAMPLES / "caf-assessment" / "full.json", "--json")
    assert result.status == 0
    assert result.json()["level"] == 3


def test_immediate_danger_means_the_safeguarding_pathway(cli: Cli, tmp_path: Path) -> None:
    document = load_json(EXAMPLES / "caf-assessment" / "full.json")
    document["safeguarding"] = {"immediate_danger": True, "concerns": "x", "action_taken": "y"}
    result = cli("threshold", write_json(tmp_path / "caf.json", document))
    assert result.status == 0
    assert "Suggested level 4" in result.out
    assert "SAFEGUARDING: contact children's social care now" in result.out


def test_an_unknown_indicator_is_a_plain_error(cli: Cli) -> None:
    result = cli("threshold", "--indicators", "health.l2.missed_check")
    assert result.status == 2
    assert "Did you mean 'health.l2.missed_checks'?" in result.err
    assert "Traceback" not in result.err


def test_threshold_needs_a_document_or_indicators(cli: Cli) -> None:
    result = cli("threshold")
    assert result.status == 2
    assert "one of the arguments DATA.json --indicators is required" in result.err
