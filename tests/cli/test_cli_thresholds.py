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
    assert all(set(row) == {"id", "domain", "element", "level", "text"} for row in rows)
    assert {row["element"] for row in rows} == ELEMENTS
    for element in ELEMENTS:
        levels = [row["level"] for row in rows if row["element"] == element]
        assert levels.count(1) >= 1, element
        for level in (2, 3, 4):
            assert levels.count(level) >= 3, f"{element} has {levels.count(level)} level {level} indicators"
    assert len({row["id"] for row in rows}) == len(rows)


def test_threshold_for_indicators(cli: Cli) -> None:
    result = cli(
        "threshold", "--indicators", "health.l2.missed_checks,basic_care.l2.basic_care_inconsistent", "--json"
    )
    assert result.status == 0
    guidance = result.json()
    assert set(guidance) == {"level", "label", "safeguarding", "reasons", "actions"}
    assert guidance["level"] == 3
    assert guidance["safeguarding"] is False
    assert any(reason.startswith("breadth-of-need: ") for reason in guidance["reasons"])


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
