"""Ruleset 1.1.0: the two level-4 pathways, one fact one level, and what became of each 1.0.0 id.

Property tests run over the shipped files themselves, so a later edit to the data that breaks a
rule (a child-protection indicator below level 4, a fact at two levels, a 1.0.0 id forgotten) fails
here.
"""

from __future__ import annotations

import copy
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.practice.safeguarding import banner_causes, raises_banner
from caf_desktop.practice.thresholds import (
    CHILD_IN_NEED,
    CHILD_PROTECTION,
    Ruleset,
    build,
    check_ruleset,
    evaluate,
    ruleset,
    suggested_level,
)
from hypothesis import given, settings
from hypothesis import strategies as st

FOLDER = Path(__file__).parents[2] / "forms" / "thresholds" / "caf-continuum"
RAW_OLD: dict[str, Any] = json.loads((FOLDER / "1.0.0.json").read_text(encoding="utf-8"))
RAW_NEW: dict[str, Any] = json.loads((FOLDER / "1.1.0.json").read_text(encoding="utf-8"))
OLD = build(RAW_OLD)
NEW = build(RAW_NEW)

CIN_L4 = "self_care.l4.disability_constant_supervision"
CP_L4 = "basic_care.l4.disclosure_of_abuse"

# The 1.0.0 level-4 ids that are not signs of significant harm: children in need (s17), or moved to a
# lower level. Every other 1.0.0 level-4 id must read as a 1.1.0 child-protection indicator. Moving an
# id out of this list, or a child-protection indicator into it, is a decision for docs/thresholds.md.
NOT_SIGNIFICANT_HARM_1_0 = {
    "health.l4.severe_chronic_health",
    "emotional_social.l4.severe_emotional_behavioural",
    "emotional_social.l4.no_empathy",
    "emotional_social.l4.severe_depression",
    "behavioural.l4.regular_antisocial_criminal",
    "behavioural.l4.court_orders_custody",
    "behavioural.l4.serious_persistent_offending",
    "identity.l4.persistent_serious_discrimination",
    "identity.l4.isolated_no_role_models",
    "identity.l4.poor_self_presentation",
    "family_social_relationships.l4.periods_accommodated",
    "family_social_relationships.l4.family_breakdown_behaviour",
    "family_social_relationships.l4.main_carer",
    "family_social_relationships.l4.unaccompanied_asylum_seeker",
    "self_care.l4.neglects_self_care",
    "self_care.l4.disability_constant_supervision",
    "self_care.l4.main_carer_own_care_neglected",
    "learning.l4.out_of_school",
    "learning.l4.permanently_excluded",
    "learning.l4.regularly_missing_school",
    "emotional_warmth.l4.chaotic_family_life",
    "emotional_warmth.l4.beyond_parental_control",
    "emotional_warmth.l4.threatened_rejection_home",
    "emotional_warmth.l4.request_accommodate_young_child",
    "guidance_boundaries.l4.no_effective_boundaries",
    "guidance_boundaries.l4.multiple_inconsistent_carers",
    "guidance_boundaries.l4.regular_antisocial_behaviour",
    "family_history.l4.chronic_conflict",
    "family_history.l4.refuses_support_known_cin",
    "family_history.l4.parent_sibling_custody",
    "wider_family.l4.destructive_extended_family",
    "housing_employment_financial.l4.homeless",
    "housing_employment_financial.l4.dangerous_housing",
    "housing_employment_financial.l4.extreme_poverty",
    "social_community.l4.chronically_excluded",
    "social_community.l4.hostile_community",
    "social_community.l4.ongoing_discrimination",
}

NEW_CP = {
    "health.l4.sexual_activity_under_13",
    "social_community.l4.child_sexual_exploitation",
    "social_community.l4.criminal_exploitation_county_lines",
    "family_history.l4.forced_marriage",
    "health.l4.fgm_known",
    "social_community.l4.radicalisation",
    "health.l4.bruising_non_mobile_baby",
    "health.l4.concealed_pregnancy",
    "basic_care.l4.disguised_compliance",
    "family_history.l4.high_risk_domestic_abuse_marac",
}

indicators = st.sampled_from(sorted(NEW.indicators))
old_ids = st.sampled_from(sorted(OLD.indicators))


# --- the shipped files -----------------------------------------------------------------------------


def test_both_versions_are_clean_and_the_newest_is_used() -> None:
    assert list(check_ruleset(RAW_OLD, "1.0.0")) == []
    assert list(check_ruleset(RAW_NEW, "1.1.0")) == []
    assert ruleset("caf-continuum").version == "1.1.0"


def test_no_indicator_id_is_duplicated() -> None:
    ids = [i["id"] for i in RAW_NEW["indicators"]]
    assert len(ids) == len(set(ids))
    assert not set(ids) & set(NEW.replaced)
    assert not set(ids) & set(NEW.retired)


@settings(max_examples=200, deadline=None)
@given(indicators)
def test_every_child_protection_indicator_raises_the_banner_and_no_child_in_need_one_does(
    indicator_id: str,
) -> None:
    indicator = NEW.indicators[indicator_id]
    result = evaluate(NEW, [indicator_id])
    causes = banner_causes(NEW, {"health": {"indicators": [indicator_id]}})
    if indicator.pathway == CHILD_PROTECTION:
        assert indicator.level == 4
        assert raises_banner(indicator)
        assert causes == {indicator_id}
        assert result.safeguarding
        assert result.pathway == CHILD_PROTECTION
        assert any("999" in action for action in result.actions)
    else:
        assert not raises_banner(indicator)
        assert causes == frozenset()
        assert not result.safeguarding
        assert not any("without consent" in a and "may share" in a for a in result.actions)
    if indicator.level == 4:
        assert indicator.pathway in (CHILD_IN_NEED, CHILD_PROTECTION)
        assert result.level == 4
    if indicator.pathway == CHILD_IN_NEED:
        assert result.pathway == CHILD_IN_NEED
        assert any("with the family's consent" in action for action in result.actions)


def test_no_two_indicators_read_the_same() -> None:
    """A screen reader names each tick box by its level and words: they must differ."""
    words = [(i.level, i.text) for i in NEW.indicators.values()]
    assert len(words) == len(set(words))


def test_the_same_fact_is_never_at_two_levels() -> None:
    levels: dict[str, set[int]] = defaultdict(set)
    for indicator in NEW.indicators.values():
        if indicator.fact is not None:
            levels[indicator.fact].add(indicator.level)
    assert levels, "1.1.0 names facts"
    assert {fact: lv for fact, lv in levels.items() if len(lv) > 1} == {}
    # The facts the issue names each sit at one level, in every element that lists them.
    for fact, level in {
        "missing_repeated": 4,
        "school_absence_persistent": 3,
        "parent_in_custody": 3,
        "private_fostering": 2,
        "young_carer": 2,
        "bereavement": 2,
    }.items():
        assert levels[fact] == {level}, fact


@settings(max_examples=200, deadline=None)
@given(st.lists(indicators, min_size=1, max_size=6))
def test_a_fact_ticked_twice_counts_once(chosen: list[str]) -> None:
    """Adding another indicator of a fact already chosen never changes the level."""
    twins = [
        other.id
        for i in chosen
        for other in NEW.indicators.values()
        if NEW.indicators[i].fact is not None and other.fact == NEW.indicators[i].fact
    ]
    assert evaluate(NEW, chosen + twins).level == evaluate(NEW, chosen).level


def test_every_new_significant_harm_indicator_is_child_protection_with_a_source() -> None:
    for indicator_id in NEW_CP:
        indicator = NEW.indicators[indicator_id]
        assert (indicator.level, indicator.pathway) == (4, CHILD_PROTECTION), indicator_id
        assert indicator.source, indicator_id


def test_the_lado_is_a_contact() -> None:
    lado = next(c for c in NEW.contacts if c.id == "lado")
    assert lado.placeholder
    assert "works with children" in (lado.when or "")


# --- 1.0.0 -> 1.1.0 --------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(old_ids)
def test_every_1_0_0_id_is_kept_replaced_or_retired(old_id: str) -> None:
    assert NEW.knows(old_id)
    resolved = NEW.resolve(old_id)
    if resolved is None:
        assert NEW.retired[old_id].strip()
        assert OLD.indicators[old_id].level < 4  # a level-4 id is never just dropped
        return
    if old_id in NEW.indicators:
        assert resolved.id == old_id
        assert resolved.level == OLD.indicators[old_id].level


def test_every_1_0_0_sign_of_significant_harm_is_still_child_protection() -> None:
    for old_id, old in OLD.indicators.items():
        if old.level != 4:
            continue
        resolved = NEW.resolve(old_id)
        assert resolved is not None, f"{old_id} lost"
        if old_id in NOT_SIGNIFICANT_HARM_1_0:
            assert resolved.pathway != CHILD_PROTECTION, old_id
        else:
            assert resolved.pathway == CHILD_PROTECTION, old_id
    assert set(OLD.indicators) >= NOT_SIGNIFICANT_HARM_1_0


def test_a_1_0_0_record_with_replaced_and_retired_ids_gets_the_right_guidance() -> None:
    document = {
        "learning": {"indicators": ["learning.l4.regularly_missing_school"]},
        "family_history": {"indicators": ["family_history.l2.privately_fostered_adopted"]},
        "social_community": {"indicators": ["social_community.l3.missing_whereabouts_unknown"]},
    }
    result = suggested_level(NEW, document)
    # Repeated missing, whereabouts unknown, is now the level-4 child-protection fact.
    assert result.level == 4
    assert result.pathway == CHILD_PROTECTION
    assert result.safeguarding
    assert "social_community.l4.frequent_missing_unexplained" in result.indicators
    assert "learning.l3.persistent_absence" in result.indicators
    # Nothing silently: the moved level and the retired id are said.
    assert any("learning.l4.regularly_missing_school" in n and "level 3" in n for n in result.notices)
    assert any("privately_fostered_adopted" in n and "no longer an indicator" in n for n in result.notices)
    assert banner_causes(NEW, document) == {"social_community.l3.missing_whereabouts_unknown"}


def test_a_1_0_0_record_keeps_its_child_protection_banner() -> None:
    document = {
        "health": {"indicators": ["health.l4.non_accidental_injury", "emotional_social.l4.no_empathy"]}
    }
    assert banner_causes(NEW, document) == {"health.l4.non_accidental_injury"}
    assert banner_causes(NEW, {"x": {"indicators": ["emotional_social.l4.no_empathy"]}}) == frozenset()
    result = suggested_level(NEW, {"x": {"indicators": ["emotional_social.l4.no_empathy"]}})
    assert result.level == 2
    assert any("check the agreed level" in n for n in result.notices)


# --- the pathways side by side ---------------------------------------------------------------------


def test_child_in_need_and_child_protection_give_different_guidance() -> None:
    cin = evaluate(NEW, [CIN_L4])
    cp = evaluate(NEW, [CP_L4])
    assert (cin.level, cp.level) == (4, 4)
    assert (cin.pathway, cp.pathway) == (CHILD_IN_NEED, CHILD_PROTECTION)
    assert (cin.safeguarding, cp.safeguarding) == (False, True)
    assert "with the family's consent" in cin.actions[0]
    assert not any("999" in a for a in cin.actions)
    assert "999" in cp.actions[0]
    assert any("you may share information without consent" in a for a in cp.actions)
    both = evaluate(NEW, [CIN_L4, CP_L4])
    assert both.pathway == CHILD_PROTECTION
    assert both.safeguarding
    assert any("part of the same referral" in a and "constant supervision" in a for a in both.actions)
    assert cin.as_json()["pathway"] == "child_in_need"
    assert cin.as_json()["safeguarding"] is False


def test_immediate_danger_is_child_protection_whatever_is_chosen() -> None:
    result = evaluate(NEW, [CIN_L4], immediate_danger=True)
    assert result.pathway == CHILD_PROTECTION
    assert result.safeguarding


def test_a_1_0_0_ruleset_without_pathways_treats_every_level_4_as_child_protection() -> None:
    for indicator_id in ("self_care.l4.disability_constant_supervision", "learning.l4.permanently_excluded"):
        result = evaluate(OLD, [indicator_id])
        assert result.pathway == CHILD_PROTECTION
        assert result.safeguarding
        assert raises_banner(OLD.indicators[indicator_id])


def test_private_fostering_says_to_notify_the_council_at_any_level() -> None:
    for indicator_id in (
        "family_history.l2.privately_fostered",
        "family_social_relationships.l2.privately_fostered",
    ):
        result = evaluate(NEW, [indicator_id])
        assert result.level == 2
        assert any("must be notified to the council" in n for n in result.notices)
    assert (
        evaluate(
            NEW, ["family_history.l2.privately_fostered", "family_social_relationships.l2.privately_fostered"]
        ).notices
        == evaluate(NEW, ["family_history.l2.privately_fostered"]).notices
    )


def test_fgm_names_the_mandatory_reporting_duty() -> None:
    result = evaluate(NEW, ["health.l4.fgm_known"])
    assert result.safeguarding
    assert any("s5B" in n for n in result.notices)


# --- breadth of need -------------------------------------------------------------------------------


def test_two_ordinary_level_2_needs_do_not_start_a_tac() -> None:
    two = ["learning.l2.pattern_of_absence", "guidance_boundaries.l2.lack_of_routine"]
    assert evaluate(OLD, two).level == 3  # 1.0.0: any two domains
    assert evaluate(NEW, two).level == 2
    three = [*two, "housing_employment_financial.l2.low_income_debt"]
    result = evaluate(NEW, three)
    assert result.level == 3
    assert any(r.startswith("breadth-of-need: ") and "3 different needs" in r for r in result.reasons)


def test_the_same_fact_in_two_elements_cannot_push_breadth_to_level_3_alone() -> None:
    young_carer = ["family_history.l2.young_carer", "self_care.l2.caring_responsibilities"]
    bereavement = ["family_social_relationships.l2.unresolved_bereavement", "family_history.l2.bereavement"]
    assert evaluate(NEW, young_carer).level == 2
    assert evaluate(NEW, [*young_carer, *bereavement]).level == 2  # two facts, however many ticks
    assert (
        evaluate(NEW, [*young_carer, *bereavement, "learning.l2.poor_punctuality"]).level == 2
    )  # one domain
    assert evaluate(NEW, [*young_carer, *bereavement, "guidance_boundaries.l2.lack_of_routine"]).level == 3


def test_five_ticks_of_fewer_facts_are_not_many_needs() -> None:
    ticks = [
        "family_history.l2.young_carer",
        "self_care.l2.caring_responsibilities",
        "family_social_relationships.l2.unresolved_bereavement",
        "family_history.l2.bereavement",
        "family_social_relationships.l2.unresolved_separation",
        "family_history.l2.separation_loss",
    ]
    assert evaluate(OLD, ticks).level == 3  # 1.0.0: six ticks are "many needs"
    assert evaluate(NEW, ticks).level == 2  # 1.1.0: three facts


# --- the checks on a ruleset ------------------------------------------------------------------------


def _findings(raw: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f.path, f.message) for f in check_ruleset(raw, "test")]


def test_a_fact_at_two_levels_is_reported() -> None:
    raw = copy.deepcopy(RAW_NEW)
    target = next(i for i in raw["indicators"] if i["id"] == "learning.l2.poor_punctuality")
    target["fact"] = "young_carer"
    assert any("one fact has one level" in m for _, m in _findings(raw)) is False  # same level: fine
    target = next(i for i in raw["indicators"] if i["id"] == "learning.l3.persistent_absence")
    target["fact"] = "young_carer"
    assert any("one fact has one level" in m for _, m in _findings(raw))


def test_a_child_protection_indicator_below_level_4_and_a_missing_pathway_are_reported() -> None:
    raw = copy.deepcopy(RAW_NEW)
    next(i for i in raw["indicators"] if i["id"] == "learning.l2.poor_punctuality")["pathway"] = (
        CHILD_PROTECTION
    )
    assert any("always level 4" in m for _, m in _findings(raw))
    raw = copy.deepcopy(RAW_NEW)
    del next(i for i in raw["indicators"] if i["id"] == CP_L4)["pathway"]
    assert any("pathway" in m for _, m in _findings(raw))


def test_an_id_replaced_twice_or_still_offered_is_reported() -> None:
    raw = copy.deepcopy(RAW_NEW)
    next(i for i in raw["indicators"] if i["id"] == CP_L4)["replaces"] = [
        "learning.l2.poor_punctuality",
        "learning.l4.regularly_missing_school",
    ]
    messages = [m for _, m in _findings(raw)]
    assert any("is an indicator of this version" in m for m in messages)
    assert any("is already replaced" in m for m in messages)


@pytest.mark.parametrize("rules", [NEW, OLD], ids=["1.1.0", "1.0.0"])
def test_level_1_indicators_never_raise_the_level(rules: Ruleset) -> None:
    strengths = [i.id for i in rules.indicators.values() if i.level == 1]
    assert evaluate(rules, strengths).level == 1
