"""The threshold engine: a table of scenarios over a small ruleset, and the checks on rulesets."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from caf_desktop.practice import thresholds
from caf_desktop.practice.thresholds import (
    UnknownIndicator,
    build,
    check_ruleset,
    evaluate,
    evaluate_document,
    indicators_in,
)
from hypothesis import given, settings
from hypothesis import strategies as st

RAW: dict[str, Any] = {
    "format": 1,
    "id": "test-continuum",
    "version": "1.0.0",
    "title": "Test continuum",
    "description": "A small ruleset for tests.",
    "levels": [
        {"level": 1, "label": "Universal", "summary": "Needs met.", "actions": ["Use universal services."]},
        {"level": 2, "label": "Additional", "summary": "Some needs.", "actions": ["Consider a CAF."]},
        {
            "level": 3,
            "label": "Complex",
            "summary": "Multiple needs.",
            "actions": ["Start a CAF with a TAC."],
        },
        {
            "level": 4,
            "label": "Acute",
            "summary": "Risk of harm.",
            "actions": ["Refer to children's social care."],
        },
    ],
    "contacts": [
        {"id": "mash", "name": "MASH", "phone": "Not set", "placeholder": True},
        {"id": "police", "name": "Police", "phone": "999"},
    ],
    "domains": [
        {"id": "development", "title": "Development"},
        {"id": "parenting", "title": "Parents and carers"},
        {"id": "family_environment", "title": "Family and environmental"},
    ],
    "elements": [
        {"id": "health", "domain": "development", "title": "Health"},
        {"id": "learning", "domain": "development", "title": "Learning"},
        {"id": "basic_care", "domain": "parenting", "title": "Basic care"},
        {"id": "housing", "domain": "family_environment", "title": "Housing"},
    ],
    "indicators": [
        {"id": "health.l1.well", "element": "health", "level": 1, "text": "Physically well"},
        {"id": "health.l2.missed_checks", "element": "health", "level": 2, "text": "Missed checks"},
        {"id": "health.l3.untreated", "element": "health", "level": 3, "text": "Untreated problems"},
        {"id": "health.l4.injury", "element": "health", "level": 4, "text": "Non-accidental injury"},
        {"id": "learning.l2.absence", "element": "learning", "level": 2, "text": "Pattern of absence"},
        {"id": "learning.l2.late", "element": "learning", "level": 2, "text": "Poor punctuality"},
        {
            "id": "basic_care.l2.inconsistent",
            "element": "basic_care",
            "level": 2,
            "text": "Care not consistent",
        },
        {"id": "housing.l2.debt", "element": "housing", "level": 2, "text": "Low income, debt"},
        {"id": "housing.l2.poor", "element": "housing", "level": 2, "text": "Poor housing"},
    ],
    "rules": [
        {"id": "highest-indicator", "kind": "highest", "description": "The highest level chosen."},
        {
            "id": "breadth-of-need",
            "kind": "breadth",
            "from_level": 2,
            "to_level": 3,
            "min_domains": 2,
            "description": "Level 2 needs in two or more domains suggest level 3.",
        },
        {
            "id": "many-needs",
            "kind": "count",
            "from_level": 2,
            "to_level": 3,
            "min_count": 3,
            "description": "Three or more level 2 needs suggest level 3.",
        },
        {
            "id": "safeguarding",
            "kind": "safeguarding",
            "description": "Any level 4 indicator means the safeguarding pathway at once.",
        },
    ],
}
RULES = build(RAW)


@pytest.mark.parametrize(
    ("chosen", "danger", "level", "safeguarding", "rules_that_counted"),
    [
        ([], False, 1, False, {"highest-indicator"}),
        (["health.l1.well"], False, 1, False, {"highest-indicator"}),
        (["health.l2.missed_checks"], False, 2, False, {"highest-indicator"}),
        (["learning.l2.absence", "learning.l2.late"], False, 2, False, {"highest-indicator"}),
        (["health.l3.untreated"], False, 3, False, {"highest-indicator"}),
        (["health.l4.injury"], False, 4, True, {"highest-indicator", "safeguarding"}),
        (
            ["health.l2.missed_checks", "basic_care.l2.inconsistent"],
            False,
            3,
            False,
            {"highest-indicator", "breadth-of-need"},
        ),
        (
            ["health.l2.missed_checks", "learning.l2.absence", "learning.l2.late"],
            False,
            3,
            False,
            {"highest-indicator", "many-needs"},
        ),
        (
            ["housing.l2.debt", "housing.l2.poor", "learning.l2.absence"],
            False,
            3,
            False,
            {"highest-indicator", "breadth-of-need"},
        ),
        (
            ["health.l1.well", "health.l4.injury", "housing.l2.debt"],
            False,
            4,
            True,
            {"highest-indicator", "safeguarding"},
        ),
        ([], True, 4, True, {"highest-indicator", "safeguarding"}),
        (["health.l2.missed_checks"], True, 4, True, {"highest-indicator", "safeguarding"}),
    ],
)
def test_scenarios(
    chosen: list[str], danger: bool, level: int, safeguarding: bool, rules_that_counted: set[str]
) -> None:
    result = evaluate(RULES, chosen, immediate_danger=danger)
    assert (result.level, result.safeguarding) == (level, safeguarding)
    assert result.label == RULES.levels[level].label
    assert {reason.split(":")[0] for reason in result.reasons} == rules_that_counted
    assert result.actions[-1] == RULES.levels[level].actions[-1]


def test_every_indicator_that_counted_is_named_in_the_reasons() -> None:
    result = evaluate(RULES, ["health.l2.missed_checks", "housing.l2.debt"])
    assert "highest-indicator: level 2, Health: Missed checks (health.l2.missed_checks)" in result.reasons
    assert "highest-indicator: level 2, Housing: Low income, debt (housing.l2.debt)" in result.reasons
    assert (
        "breadth-of-need: Level 2 needs in two or more domains suggest level 3. (level 2 needs in 2 domains: Development, Family and environmental)"
        in result.reasons
    )


def test_the_safeguarding_pathway_says_act_now_and_names_the_contacts() -> None:
    result = evaluate(RULES, ["health.l4.injury"])
    assert result.actions[0].startswith(
        "Contact children's social care now; call the police on 999 if the child is in immediate danger. Do not delay to finish the form."
    )
    assert "MASH: Not set" in result.actions[0]
    assert "Police: 999" in result.actions[0]


def test_level_4_with_consent_refused_is_still_the_safeguarding_pathway() -> None:
    document = {
        "consent": {"assess": {"given": False}},
        "development": {"health": {"indicators": ["health.l4.injury"]}},
    }
    result = evaluate_document(RULES, document)
    assert (result.level, result.safeguarding) == (4, True)


def test_the_engine_is_deterministic_whatever_the_order() -> None:
    chosen = [
        "housing.l2.debt",
        "health.l2.missed_checks",
        "basic_care.l2.inconsistent",
        "learning.l2.absence",
    ]
    first = evaluate(RULES, chosen)
    assert evaluate(RULES, list(reversed(chosen))).as_json()["level"] == first.level
    assert sorted(evaluate(RULES, list(reversed(chosen))).reasons) == sorted(first.reasons)


def test_an_unknown_indicator_is_named_with_a_suggestion() -> None:
    with pytest.raises(UnknownIndicator) as caught:
        evaluate(RULES, ["health.l2.missed_check"])
    assert (
        str(caught.value)
        == "'health.l2.missed_check' is not an indicator of the threshold guidance. Did you mean 'health.l2.missed_checks'? `caf-desktop thresholds list` shows them."
    )


def test_indicators_are_collected_from_every_element_of_a_document() -> None:
    document = {
        "development": {
            "health": {"indicators": ["a"], "general_health": {"strengths": "x"}},
            "learning": {"indicators": ["b", "a"]},
        },
        "parenting": {"basic_care": {"indicators": ["c"]}},
    }
    assert indicators_in(document) == ["a", "b", "c"]


def findings(raw: Any) -> list[tuple[str, str]]:
    return [(f.path, f.message) for f in check_ruleset(raw, "test.json")]


def test_the_test_ruleset_is_clean() -> None:
    assert findings(RAW) == []


def test_ruleset_checks_name_each_problem() -> None:
    raw = copy.deepcopy(RAW)
    raw["indicators"].append(copy.deepcopy(raw["indicators"][1]))
    raw["indicators"][2]["element"] = "helth"
    raw["elements"][3]["domain"] = "family_environmnt"
    raw["indicators"][4]["id"] = "learning.l3.absence"
    assert findings(raw) == [
        ("/indicators/9/id", "The id 'health.l2.missed_checks' is already used at /indicators/1."),
        (
            "/elements/3/domain",
            "'family_environmnt' is not a domain of this ruleset. Did you mean 'family_environment'?",
        ),
        ("/indicators/2/element", "'helth' is not an element of this ruleset. Did you mean 'health'?"),
        (
            "/indicators/4/id",
            "The id 'learning.l3.absence' should start with learning.l2. to match its element and level.",
        ),
    ]


def test_a_ruleset_with_a_bad_shape_is_reported_plainly() -> None:
    raw = copy.deepcopy(RAW)
    del raw["levels"][3]
    raw["indicators"][0]["id"] = "Health well"
    assert findings(raw) == [
        ("/indicators/0/id", 'An indicator id is ELEMENT.lLEVEL.NAME, such as "health.l2.missed_checks".'),
        ("/levels", "This list needs at least 4 entries."),
    ]


def test_rulesets_load_through_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    thresholds.shipped_rulesets.cache_clear()
    assert "caf-continuum" in thresholds.shipped_rulesets()


def test_an_agreed_level_that_differs_from_the_suggestion_needs_a_rationale_to_complete() -> None:
    import datetime as dt

    from caf_desktop.formengine import validation
    from caf_desktop.formengine.definitions import shipped_catalogue
    from caf_desktop.practice import completion

    from tests.conftest import example

    caf = shipped_catalogue().get("caf-assessment")
    today = dt.date(2026, 11, 26)
    document = example("caf-assessment")  # of the newest version, as `caf` is
    assert completion.findings(caf, document, today=today) == []  # agreed 3, suggested 3
    document["level_of_need"] = {"agreed_level": 2}
    found = completion.findings(caf, document, today=today)
    assert [(f.path, f.message) for f in found] == [
        (
            "/level_of_need/rationale",
            "The agreed level (2) differs from the suggested level (3): record why in the rationale, so others can follow your judgement.",
        )
    ]
    assert validation.findings(caf, document, today=today) == []  # a draft may wait
    # The form's own rules are met: the rationale is practice's rule, added on marking complete.
    assert validation.findings(caf, document, complete=True, today=today) == []
    document["level_of_need"]["rationale"] = "Two of the needs are already being met by school."
    assert completion.findings(caf, document, today=today) == []


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_the_level_alone_is_the_level_explained(data: st.DataObject) -> None:
    """The case list's suggested level (`explain=False`, no sentences) is always the level and the
    safeguarding flag the full guidance gives, for any choice of the shipped CAF's indicators."""
    ruleset = thresholds.ruleset("caf-continuum")
    chosen = data.draw(st.lists(st.sampled_from(sorted(ruleset.indicators)), max_size=12))
    danger = data.draw(st.booleans())

    explained = evaluate(ruleset, chosen, immediate_danger=danger)
    alone = evaluate(ruleset, chosen, immediate_danger=danger, explain=False)

    assert (alone.level, alone.safeguarding, alone.indicators) == (
        explained.level,
        explained.safeguarding,
        explained.indicators,
    )
    assert explained.reasons  # the full guidance always says why
    assert alone.reasons == ()


@settings(max_examples=200, deadline=None)
@given(
    document=st.recursive(
        st.none() | st.booleans() | st.text(max_size=6),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from(["indicators", "a", "b", "health"]), inner, max_size=4)
        ),
        max_leaves=30,
    )
)
def test_every_indicator_is_found_wherever_it_is(document: Any) -> None:
    """`indicators_in` finds every text in every `indicators` list of every object, however deep and
    whatever lies around it (a missed indicator could hide a level 4 need)."""

    def expected(value: Any) -> list[str]:
        found: list[str] = []
        if isinstance(value, dict):
            for key, sub in value.items():
                if key == "indicators" and isinstance(sub, list):
                    found.extend(i for i in sub if isinstance(i, str))
                else:
                    found.extend(expected(sub))
        elif isinstance(value, list):
            for sub in value:
                found.extend(expected(sub))
        return found

    assert indicators_in(document) == list(dict.fromkeys(expected(document)))


def test_a_locality_sets_its_intervals_and_the_rest_keep_their_defaults() -> None:
    raw = copy.deepcopy(dict(thresholds.ruleset("caf-continuum").raw))
    assert thresholds.build(raw).intervals == thresholds.Intervals()
    raw["intervals"] = {"oversight_days": 60}
    assert list(thresholds.check_ruleset(raw, "ruleset.json")) == []
    intervals = thresholds.build(raw).intervals
    assert (intervals.oversight_days, intervals.first_tac_meeting_working_days) == (60, 15)
    raw["intervals"] = {"oversight_days": 0}
    assert [f.path for f in thresholds.check_ruleset(raw, "ruleset.json")] == ["/intervals/oversight_days"]
