"""`forms check`: what a meta-schema cannot see, each problem at its file and JSON Pointer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.common.errors import DefinitionInvalid
from caf_desktop.formengine import checker as formcheck
from caf_desktop.formengine.definitions import load
from caf_desktop.practice import thresholds

from tests.formengine.sample_definitions import visit_raw


def findings(raw: Any) -> list[tuple[str, str]]:
    return [(f.path, f.message) for f in formcheck.check_definition(raw, "visit.json")]


def test_the_sample_definition_is_clean() -> None:
    assert findings(visit_raw()) == []


def test_a_pointer_to_a_missing_field_suggests_the_near_name() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][1]["elements"][0]["scope"] = "/visit_dat"
    assert findings(raw)[0] == (
        "/layout/sections/1/elements/0/scope",
        '"/visit_dat" is not a field of this form (control). Did you mean "/visit_date"?',
    )


def test_a_pointer_inside_an_item_is_relative_and_suggests_within_the_item() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][0]["elements"][0]["elements"][1]["scope"] = "/family_nme"
    (path, message), *_ = findings(raw)
    assert path == "/layout/sections/0/elements/0/elements/1/scope"
    assert "relative to the item" in message
    assert 'Did you mean "/family_name"?' in message


def test_a_rule_that_names_a_missing_field_is_reported() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][1]["elements"][2]["rule"]["condition"]["scope"] = "/seen_alon"
    (path, message), *_ = findings(raw)
    assert path == "/layout/sections/1/elements/2/rule/condition/scope"
    assert 'Did you mean "/seen_alone"?' in message


def test_a_ref_that_resolves_to_nothing_is_reported() -> None:
    raw = visit_raw()
    raw["schema"]["properties"]["carers"]["items"]["$ref"] = "#/$defs/persn"
    assert (
        "/schema/properties/carers/items/$ref",
        '"#/$defs/persn" does not point to anything in this file. Did you mean "#/$defs/person"?',
    ) in findings(raw)


def test_a_ref_outside_the_file_is_refused() -> None:
    raw = visit_raw()
    raw["schema"]["properties"]["carers"]["items"]["$ref"] = "https://example.org/person.json"
    paths = [p for p, _ in findings(raw)]
    assert "/schema/properties/carers/items/$ref" in paths


def test_a_required_field_no_question_asks_is_unreachable() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][1]["elements"].pop(0)  # the visit date question
    assert findings(raw) == [
        (
            "/schema/required/1",
            '"/visit_date" is required but no question in the layout asks for it. '
            'Add a control for it, or take it out of "required".',
        )
    ]


def test_a_required_group_is_reachable_through_questions_on_its_fields() -> None:
    raw = visit_raw()
    child_control = raw["layout"]["sections"][0]["elements"][0]
    raw["layout"]["sections"][0]["elements"][0:1] = [
        {
            **element,
            "scope": "/child" + element["scope"],
            **({"rule": _absolute(element["rule"])} if "rule" in element else {}),
        }
        for element in child_control["elements"]
    ]
    assert findings(raw) == []


def _absolute(rule: dict[str, Any]) -> dict[str, Any]:
    return {**rule, "condition": {**rule["condition"], "scope": "/child" + rule["condition"]["scope"]}}


def test_a_required_field_with_a_default_needs_no_question() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][1]["elements"].pop(0)
    raw["schema"]["properties"]["visit_date"]["default"] = "2026-01-01"
    assert findings(raw) == []


def test_a_required_field_in_a_shared_piece_is_checked_where_it_is_used() -> None:
    raw = visit_raw()
    raw["schema"]["$defs"]["person"]["required"] = ["name", "nickname"]
    raw["schema"]["$defs"]["person"]["properties"]["nickname"] = {"type": "string", "title": "Nickname"}
    # The carers control shows every property of each item, so the nickname is asked.
    assert findings(raw) == []
    raw["layout"]["sections"][1]["elements"][3]["elements"] = [{"type": "control", "scope": "/name"}]
    assert findings(raw) == [
        (
            "/schema/$defs/person/required/1",
            '"/carers/*/nickname" is required but no question in the layout asks for it. '
            'Add a control for it, or take it out of "required".',
        )
    ]


def test_a_field_bound_to_two_questions_is_reported() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][1]["elements"].append({"type": "control", "scope": "/visit_date"})
    assert findings(raw) == [
        (
            "/layout/sections/1/elements/5/scope",
            '"/visit_date" already has a question, at /layout/sections/1/elements/0/scope; a field can be asked only once.',
        )
    ]


def test_a_widget_that_does_not_suit_its_field_is_reported() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][1]["elements"][0]["options"] = {"widget": "yesno"}
    assert findings(raw) == [
        (
            "/layout/sections/1/elements/0/options/widget",
            'The "yesno" widget does not suit "/visit_date", which is a date.',
        )
    ]


def test_duplicate_section_ids_are_reported() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][1]["id"] = "child"
    assert findings(raw) == [
        ("/layout/sections/1/id", 'The section id "child" is already used by section 1.')
    ]


@pytest.mark.parametrize("version", ["1.0", "v1.0.0", "1.0.0-beta", "01.0.0", ""])
def test_versions_must_be_semantic(version: str) -> None:
    raw = visit_raw()
    raw["version"] = version
    assert findings(raw) == [
        ("/version", 'The version must be a semantic version, MAJOR.MINOR.PATCH, such as "1.0.0".')
    ]


def test_form_ids_have_a_fixed_shape() -> None:
    raw = visit_raw()
    raw["id"] = "Home Visit"
    assert [p for p, _ in findings(raw)] == ["/id"]


def test_a_misspelt_key_gets_a_did_you_mean() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][0]["elements"][1]["scop"] = raw["layout"]["sections"][0]["elements"][1].pop(
        "scope"
    )
    found = findings(raw)
    assert ("/layout/sections/0/elements/1", '"scope" is missing.') in found
    assert ("/layout/sections/0/elements/1", '"scop" is not a key used here. Did you mean "scope"?') in found


def test_a_missing_top_level_key_is_named() -> None:
    raw = visit_raw()
    del raw["title"]
    assert findings(raw) == [("", '"title" is missing.')]


def test_an_unknown_rule_effect_lists_the_allowed_ones() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][1]["elements"][2]["rule"]["effect"] = "shw"
    assert findings(raw) == [
        (
            "/layout/sections/1/elements/2/rule/effect",
            '"shw" is not allowed here; use one of: show, hide, enable, disable. Did you mean "show"?',
        )
    ]


def test_an_invalid_data_schema_is_reported() -> None:
    raw = visit_raw()
    raw["schema"]["properties"]["visit_date"]["type"] = "date"
    (path, message), *_ = findings(raw)
    assert path == "/schema/properties/visit_date/type"
    assert message.startswith("This is not valid JSON Schema")


def test_a_definition_for_a_newer_format_is_refused_plainly() -> None:
    raw = visit_raw()
    raw["format"] = 2
    assert findings(raw) == [
        (
            "/format",
            "This definition was written for a newer version of CAF Desktop (format 2; this version reads format 1). "
            "Update CAF Desktop to use it.",
        )
    ]


def test_subject_and_print_pointers_must_exist() -> None:
    raw = visit_raw()
    raw["subject"]["reference"] = "/child/ref"
    raw["print"] = {"landscape": ["/carer"]}
    assert [p for p, _ in findings(raw)] == ["/subject/reference", "/print/landscape/0"]


def test_loading_a_broken_definition_raises_a_typed_error_with_every_finding() -> None:
    raw = visit_raw()
    raw["layout"]["sections"][1]["elements"][0]["scope"] = "/nowhere"
    with pytest.raises(DefinitionInvalid) as caught:
        load(raw, "visit.json")
    assert caught.value.exit_status == 1
    assert caught.value.findings[0].source == "visit.json"
    assert "visit.json" in str(caught.value)


def test_ids_and_versions_are_unique_across_files(tmp_path: Path, write: Callable[..., Path]) -> None:
    first = write(tmp_path / "a" / "visit.json", visit_raw())
    second = write(tmp_path / "b" / "visit.json", visit_raw())
    report = thresholds.check_files([(first, "a/visit.json"), (second, "b/visit.json")])
    assert [(f.source, f.path, f.message) for f in report.findings] == [
        (
            "b/visit.json",
            "/id",
            "home-visit-note version 1.0.0 is already defined in a/visit.json; ids and versions must be unique.",
        )
    ]


def test_the_file_name_must_match_the_id_and_version(tmp_path: Path, write: Callable[..., Path]) -> None:
    path = write(tmp_path / "home-visit" / "1.0.1.json", visit_raw())
    report = thresholds.check_files([(path, "home-visit/1.0.1.json")])
    assert [(f.path, f.message) for f in report.findings] == [
        ("/version", "The version '1.0.0' does not match the file name '1.0.1.json'."),
        ("/id", "The id 'home-visit-note' does not match the folder name 'home-visit'."),
    ]


@pytest.fixture
def write() -> Callable[..., Path]:
    from tests.conftest import write_json

    return write_json
