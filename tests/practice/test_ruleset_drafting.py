"""The ruleset editor's model: a locality's new version of the guidance, with the rules of
docs/thresholds.md built in (ids never reused, a level-4 indicator never retired, a pathway at level 4)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from caf_desktop.practice import thresholds
from caf_desktop.practice.ruleset_drafting import RulesetDraft, RulesetDraftError


def draft() -> RulesetDraft:
    return RulesetDraft(thresholds.ruleset("caf-continuum"))


def test_a_new_draft_is_the_next_version_and_checks_clean() -> None:
    made = draft()
    assert made.raw["version"] == "1.2.0"
    assert made.findings() == []
    assert made.base.version == "1.1.0"


def test_moving_an_indicator_replaces_the_old_id_so_old_records_still_read_it() -> None:
    made = draft()
    new_id = made.move("learning.l3.persistent_absence", level=4)
    assert new_id == "learning.l4.persistent_absence"
    assert made.findings() == []
    guidance = made.ruleset()
    resolved = guidance.resolve("learning.l3.persistent_absence")  # a record made with 1.1.0
    assert resolved is not None
    assert resolved.id == new_id
    result = thresholds.evaluate(guidance, ["learning.l3.persistent_absence"])
    assert result.level == 4
    assert result.pathway == "child_protection"  # when in doubt, and until the editor says otherwise
    made.set_pathway(new_id, "child_in_need")
    assert thresholds.evaluate(made.ruleset(), [new_id]).pathway == "child_in_need"
    made.undo()
    made.undo()
    assert "learning.l3.persistent_absence" in {i["id"] for i in made.raw["indicators"]}
    assert made.findings() == []


def test_an_id_is_never_reused_and_a_level_4_indicator_names_its_pathway() -> None:
    made = draft()
    with pytest.raises(RulesetDraftError, match="is taken"):
        made.add_indicator("health", 2, "missed_checks", "Again", source="Test")
    with pytest.raises(RulesetDraftError, match="names its pathway"):
        made.add_indicator("health", 4, "new_sign", "A new sign", source="Local guidance")
    added = made.add_indicator(
        "health",
        4,
        "new_sign",
        "A new sign of harm",
        source="Anyshire partnership 2026",
        pathway="child_protection",
    )
    assert made.findings() == []
    assert thresholds.evaluate(made.ruleset(), [added]).safeguarding


def test_a_level_4_indicator_is_moved_never_retired_and_a_retired_one_gives_its_reason() -> None:
    made = draft()
    with pytest.raises(RulesetDraftError, match="never retired"):
        made.retire("health.l4.sexual_activity_under_13", "Not needed")
    with pytest.raises(RulesetDraftError, match="Say why"):
        made.retire("health.l2.missed_checks", " ")
    made.retire("health.l2.missed_checks", "Covered by the health visitor's own checks in Anyshire.")
    assert made.findings() == []
    result = thresholds.suggested_level(
        made.ruleset(), {"development": {"health": {"indicators": ["health.l2.missed_checks"]}}}
    )
    assert any("Covered by the health visitor" in notice for notice in result.notices)


def test_locality_settings_and_publishing_read_only(tmp_path: Path) -> None:
    made = draft()
    made.set_interval("oversight_days", 60)
    made.set_contact("lado", "01632 960 123")
    guidance = made.ruleset()
    assert guidance.intervals.oversight_days == 60
    lado = next(c for c in guidance.contacts if c.id == "lado")
    assert (lado.phone, lado.placeholder) == ("01632 960 123", False)
    made.set_interval("oversight_days", 0)
    assert [f.path for f in made.findings()] == ["/intervals/oversight_days"]
    with pytest.raises(RulesetDraftError, match="Fix the 1 problem"):
        made.publish(tmp_path)
    made.undo()
    target = made.publish(tmp_path)
    assert target == tmp_path / "caf-continuum" / "1.2.0.json"
    assert not target.stat().st_mode & stat.S_IWUSR
    with pytest.raises(RulesetDraftError, match="already published"):
        made.publish(tmp_path)
