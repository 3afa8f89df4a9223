"""The shipped forms: every definition is clean, complete against the CAF reference, and its examples validate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from caf_desktop.formengine import validation
from caf_desktop.formengine.definitions import FormDefinition, shipped_catalogue
from caf_desktop.formengine.relevance import relevance

from tests.conftest import example, example_files, example_version, load_json

# The examples are fixed documents; judge them on a fixed day so their dates stay valid.
TODAY = dt.date(2026, 11, 26)

FORM_IDS = {
    "caf-pre-assessment",
    "caf-assessment",
    "tac-meeting",
    "tac-review",
    "caf-closure",
    "caf-referral",
    "management-oversight",
}


def caf(version: str | None = None) -> FormDefinition:
    return shipped_catalogue().get("caf-assessment", version)


def test_every_form_of_the_caf_family_ships() -> None:
    assert set(shipped_catalogue().ids()) == FORM_IDS


def test_every_form_has_examples() -> None:
    assert {path.parent.name for path in example_files()} == FORM_IDS


@pytest.mark.parametrize("path", example_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_example_validates(path: Path) -> None:
    definition = shipped_catalogue().get(path.parent.name, example_version(path))
    document = load_json(path)
    complete = not path.name.startswith("draft")
    assert validation.findings(definition, document, complete=complete, today=TODAY) == []
    if not complete:
        assert validation.findings(definition, document, complete=True, today=TODAY), (
            "a draft example should be incomplete"
        )


@pytest.mark.parametrize(
    "path",
    [p for p in example_files() if not p.name.startswith("draft")],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_complete_examples_hold_no_hidden_answers(path: Path) -> None:
    definition = shipped_catalogue().get(path.parent.name, example_version(path))
    assert relevance(definition, load_json(path)).hidden.isdisjoint(_answered(load_json(path)))


def _answered(document: object, prefix: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(document, dict):
        for key, value in document.items():
            found.add(f"{prefix}/{key}")
            found |= _answered(value, f"{prefix}/{key}")
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found |= _answered(value, f"{prefix}/{index}")
    return found


def test_the_caf_has_every_section_of_the_national_form_in_order() -> None:
    titles = [s.title.lower() for s in caf().sections]
    expected_in_order = [
        "identifying details",
        "assessment information",
        "parents",
        "family and home",
        "undertaking",
        "services",
        "development",
        "parents and carers",
        "family and environment",
        "spoken to individually",
        "conclusions",
        "comments",
        "consent",
        "significant harm",
        "level of need",
    ]
    position = -1
    for fragment in expected_in_order:
        matches = [i for i, title in enumerate(titles) if fragment in title and i > position]
        assert matches, f"no section after position {position} mentions {fragment!r}: {titles}"
        position = matches[0]


ELEMENTS = {
    "/development/health": ["general_health", "physical_development", "speech_language_communication"],
    "/development/emotional_social": [],
    "/development/behavioural": [],
    "/development/identity": [],
    "/development/family_social_relationships": [],
    "/development/self_care": [],
    "/development/learning": [
        "understanding_reasoning",
        "participation",
        "progress_achievement",
        "aspirations",
    ],
    "/parenting/basic_care": [],
    "/parenting/emotional_warmth": [],
    "/parenting/guidance_boundaries": [],
    "/family_environment/family_history": [],
    "/family_environment/wider_family": [],
    "/family_environment/housing_employment_financial": [],
    "/family_environment/social_community": [],
}


@pytest.mark.parametrize("element", list(ELEMENTS))
def test_each_of_the_14_elements_records_strengths_needs_and_indicators(element: str) -> None:
    from caf_desktop.formengine import schematree

    root = caf().schema
    parts = ELEMENTS[element] or [""]
    for part in parts:
        place = f"{element}/{part}" if part else element
        for answer in ("strengths", "needs"):
            assert schematree.at(root, f"{place}/{answer}"), f"{place}/{answer}"
    assert schematree.kind(root, schematree.at(root, f"{element}/indicators")) == "array"
    scopes = {scope for scope, _ in caf().controls()}
    assert any(scope.startswith(element) for scope in scopes)


def test_each_element_offers_its_indicators_from_the_bound_ruleset() -> None:
    widgets = {
        scope: control.options.get("element")
        for scope, control in caf().controls()
        if control.widget == "indicators"
    }
    assert sorted(widgets.values()) == sorted(
        [
            "health",
            "emotional_social",
            "behavioural",
            "identity",
            "family_social_relationships",
            "self_care",
            "learning",
            "basic_care",
            "emotional_warmth",
            "guidance_boundaries",
            "family_history",
            "wider_family",
            "housing_employment_financial",
            "social_community",
        ]
    )
    assert caf().ruleset == "caf-continuum"


def _filled_child(**child: object) -> dict[str, object]:
    return {"child": {"given_names": "Ada", "family_name": "Example", "sex": "female", **child}}


@pytest.mark.parametrize(
    ("answers", "shown", "hidden"),
    [
        ({"interpreter_required": True}, "/child/interpreter_details", None),
        ({"interpreter_required": False}, None, "/child/interpreter_details"),
        ({"disabled": True}, "/child/disability_details", None),
        ({"disabled": False}, None, "/child/disability_details"),
        ({"is_unborn": True}, "/child/expected_date_of_delivery", "/child/date_of_birth"),
        ({"is_unborn": False}, "/child/date_of_birth", "/child/expected_date_of_delivery"),
    ],
)
def test_the_caf_asks_conditional_questions_only_when_they_apply(
    answers: dict[str, object], shown: str | None, hidden: str | None
) -> None:
    rel = relevance(caf(), _filled_child(**answers))
    if shown:
        assert not rel.is_hidden(shown)
    if hidden:
        assert rel.is_hidden(hidden)


def test_the_pre_assessment_checklist_is_not_for_sharing() -> None:
    assert shipped_catalogue().get("caf-pre-assessment").shareable is False
    assert all(d.shareable for d in shipped_catalogue().all() if d.id != "caf-pre-assessment")


def test_every_form_names_its_child_for_the_case_list() -> None:
    for definition in shipped_catalogue().all():
        assert definition.subject.family_name, definition.id
        assert definition.subject.given_names, definition.id


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_the_caf_needs_the_child_spoken_to_or_a_reason(version: str) -> None:
    document = example("caf-assessment", version=version)
    document["child_voice"] = {"spoken_to_individually": False}
    paths = [f.path for f in validation.findings(caf(version), document, complete=True, today=TODAY)]
    assert paths == ["/child_voice/reason_not_spoken_to"]
    document["child_voice"] = {"spoken_to_individually": True}
    paths = [f.path for f in validation.findings(caf(version), document, complete=True, today=TODAY)]
    assert sorted(paths) == ["/child_voice/childs_views", "/child_voice/date_spoken_to"]


def test_definitions_have_stable_digests() -> None:
    first = caf("1.0.0").digest
    assert len(first) == 64
    assert shipped_catalogue().get("caf-assessment", "1.0.0").digest == first
    assert caf().version == "1.1.0"
    assert caf().digest != first, "each version has its own digest"


# --- the referral (step up) and management oversight ------------------------------------------------


def test_the_new_forms_pass_forms_check() -> None:
    from caf_desktop.practice import thresholds

    forms = Path(__file__).parents[2] / "forms"
    files = [forms / f / "1.0.0.json" for f in ("caf-referral", "management-oversight")]
    report = thresholds.check_files([(path, str(path.relative_to(forms.parent))) for path in files])
    assert (report.findings, report.unreadable, report.checked) == ([], [], 2)


def test_a_referral_is_complete_before_childrens_social_care_decides() -> None:
    referral = shipped_catalogue().get("caf-referral")
    waiting = load_json(Path(__file__).parents[1] / "examples" / "caf-referral" / "awaiting-decision.json")
    assert "decision" not in waiting
    assert validation.findings(referral, waiting, complete=True, today=TODAY) == []
    # Once a decision is chosen, its date and who gave it must be recorded too.
    waiting["decision"] = {"outcome": "no_further_action"}
    paths = sorted(f.path for f in validation.findings(referral, waiting, complete=True, today=TODAY))
    assert paths == ["/decision/date", "/decision/told_by"]


def test_a_referral_without_consent_records_why_and_who_decided() -> None:
    referral = shipped_catalogue().get("caf-referral")
    document = load_json(Path(__file__).parents[1] / "examples" / "caf-referral" / "full.json")
    del document["sharing"]["without_consent_reason"], document["sharing"]["decided_by"]
    paths = sorted(f.path for f in validation.findings(referral, document, complete=True, today=TODAY))
    assert paths == ["/sharing/decided_by", "/sharing/without_consent_reason"]
    assert not relevance(referral, document).is_hidden("/sharing/parents_not_told_reason")


def test_oversight_needs_its_next_date() -> None:
    oversight = shipped_catalogue().get("management-oversight")
    document = load_json(Path(__file__).parents[1] / "examples" / "management-oversight" / "full.json")
    del document["next_oversight_date"]
    paths = [f.path for f in validation.findings(oversight, document, complete=True, today=TODAY)]
    assert paths == ["/next_oversight_date"]


NON_ENGAGEMENT_KINDS = ["missed", "cancelled", "not_at_home", "declined"]


@pytest.mark.parametrize("form_id", ["caf-referral", "management-oversight"])
def test_the_new_forms_keep_a_log_of_contacts_that_did_not_happen(form_id: str) -> None:
    definition = shipped_catalogue().get(form_id)
    log = definition.schema["properties"]["non_engagement"]
    assert log["title"] == "Contacts that did not happen"
    item = log["items"]
    assert set(item["properties"]) == {"date", "kind", "planned", "service", "notes"}
    assert item["required"] == ["date", "kind"]
    assert [o["const"] for o in item["properties"]["kind"]["oneOf"]] == NON_ENGAGEMENT_KINDS
    document = {
        "child": {"given_names": "Ada", "family_name": "Example"},
        "non_engagement": [{"date": "2026-11-27", "kind": "missed"}, {"date": "2026-11-20", "kind": "away"}],
    }
    findings = {f.path: f.message for f in validation.findings(definition, document, today=TODAY)}
    assert set(findings) == {"/non_engagement/0/date", "/non_engagement/1/kind"}
    assert "today or in the past" in findings["/non_engagement/0/date"]
