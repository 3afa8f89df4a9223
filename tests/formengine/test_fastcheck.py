"""The compiled yes/no check (`caf_desktop.formengine.fastcheck`) and `validation.is_valid_draft`.

The compiled strict check must give jsonschema's answer (`validation.validator_of(schema).is_valid`),
the compiled draft check must accept exactly the documents whose every jsonschema error
`validation.tolerated_in_draft` tolerates, each of them compiled `without_blanks` must give that
answer for the document with its blank text left out of objects (`validation._without_blanks`), and
`is_valid_draft` must say True exactly when `validation.findings` (draft mode) is empty. Checked
keyword by keyword on small schemas, on random schemas and documents, and on documents generated
from every shipped form (hypothesis-jsonschema) and then broken in many ways.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine import definitions, fastcheck, formats, validation
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.formengine.fastcheck import keywords, leaves
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import tests.hypothesis_compat  # noqa: F401 - makes hypothesis-jsonschema work with this hypothesis
from tests.conftest import example_version
from tests.formengine.sample_definitions import visit

EXAMPLES = Path(__file__).parents[1] / "examples"
TODAY = dt.date(2026, 11, 26)


@contextlib.contextmanager
def judged_on(day: dt.date) -> Iterator[None]:
    token = formats.today.set(day)
    try:
        yield
    finally:
        formats.today.reset(token)


def jsonschema_valid(schema: dict[str, Any], instance: Any) -> bool:
    with judged_on(TODAY):
        return bool(validation.validator_of(schema).is_valid(instance))


def jsonschema_valid_draft(schema: dict[str, Any], instance: Any) -> bool:
    """What `findings` accepts in a draft (before relevance): every error is a tolerated one."""
    with judged_on(TODAY):
        errors = list(validation.validator_of(schema).iter_errors(instance))
    return all(validation.tolerated_in_draft(e) for e in errors)


def compiled(schema: Any, instance: Any, *, draft: bool = False, without_blanks: bool = False) -> bool:
    check = fastcheck.compile_schema(schema, draft=draft, without_blanks=without_blanks)
    assert check is not None, "the schema should compile"
    with judged_on(TODAY):
        return check(instance)


def exact(schema: Any, instance: Any, *, draft: bool, without_blanks: bool) -> bool:
    """jsonschema's answer that the compiled check of this variant must give."""
    judged = formats.without_blanks(instance) if without_blanks else instance
    return jsonschema_valid_draft(schema, judged) if draft else jsonschema_valid(schema, judged)


VARIANTS = [(draft, without_blanks) for draft in (False, True) for without_blanks in (False, True)]


def all_verdicts(schema: Any, instance: Any) -> dict[tuple[bool, bool], bool]:
    """The answers of the four compiled checks (draft or not, blanks left out or not), by variant,
    after asserting that jsonschema agrees with each."""
    found = {}
    for draft, without_blanks in VARIANTS:
        answer = compiled(schema, instance, draft=draft, without_blanks=without_blanks)
        expected = exact(schema, instance, draft=draft, without_blanks=without_blanks)
        assert answer == expected, (f"draft={draft}, without_blanks={without_blanks}", schema, instance)
        found[draft, without_blanks] = answer
    return found


def verdicts(schema: Any, instance: Any) -> tuple[bool, bool]:
    """(strict, draft) answers of the compiled checks, after asserting that jsonschema agrees (with
    the blank-leaving variants too)."""
    found = all_verdicts(schema, instance)
    return found[False, False], found[True, False]


def strict_verdict(schema: dict[str, Any], instance: Any) -> bool:
    return verdicts(schema, instance)[0]


# --- keyword by keyword ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"type": "integer"}, 1, True),
        ({"type": "integer"}, 1.0, True),  # 2020-12: a number with no fraction is an integer
        ({"type": "integer"}, 1.5, False),
        ({"type": "integer"}, True, False),  # True is not 1 here
        ({"type": "integer"}, "1", False),
        ({"type": "number"}, 2.5, True),
        ({"type": "number"}, False, False),
        ({"type": "boolean"}, 0, False),
        ({"type": "boolean"}, False, True),
        ({"type": "null"}, None, True),
        ({"type": "null"}, 0, False),
        ({"type": "string"}, "", True),
        ({"type": "string"}, None, False),
        ({"type": "object"}, [], False),
        ({"type": "array"}, {}, False),
        ({"type": ["string", "null"]}, None, True),
        ({"type": ["string", "null"]}, 3, False),
        ({"type": ["integer", "object"], "minimum": 3, "maxProperties": 1}, 2, False),
        ({"type": ["integer", "object"], "minimum": 3, "maxProperties": 1}, {"a": 1, "b": 2}, False),
        ({"type": ["integer", "object"], "minimum": 3, "maxProperties": 1}, {"a": 1}, True),
    ],
)
def test_type(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert strict_verdict(schema, instance) is valid


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"const": 1}, 1.0, True),
        ({"const": 1}, True, False),
        ({"const": True}, 1, False),
        ({"const": True}, True, True),
        ({"const": False}, 0, False),
        ({"const": None}, None, True),
        ({"const": None}, False, False),
        ({"const": "a"}, "a", True),
        ({"const": "a"}, ["a"], False),
        ({"const": [1, {"a": True}]}, [1.0, {"a": True}], True),
        ({"const": [1, {"a": True}]}, [True, {"a": True}], False),
        ({"const": [1, {"a": True}]}, [1, {"a": 1}], False),
        ({"const": {"a": 1}}, {"a": 1, "b": 2}, False),
        ({"enum": [1, "a", None]}, 1.0, True),
        ({"enum": [1, "a", None]}, True, False),
        ({"enum": [1, "a", None]}, None, True),
        ({"enum": [1, "a", None]}, "b", False),
        ({"enum": ["a", "b"]}, "b", True),
        ({"enum": ["a", "b"]}, ["a"], False),  # an unhashable value does not break the lookup
        ({"enum": [0, False]}, False, True),
        ({"enum": [0]}, False, False),
        ({"enum": []}, "a", False),
        ({"type": "string", "enum": ["a", "b"], "maxLength": 0}, "a", False),
    ],
)
def test_const_and_enum_use_json_equality(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert strict_verdict(schema, instance) is valid


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"maxLength": 3}, "Zoë", True),  # three code points (precomposed ë)
        ({"maxLength": 3}, "Zoe\u0308", False),  # four: e and a combining diaeresis
        ({"maxLength": 1}, "𝒜", True),  # one code point, two UTF-16 units
        ({"minLength": 2}, "𝒜", False),
        ({"minLength": 2}, 5, True),  # length applies to text only
        ({"maxLength": 2, "type": "string"}, "abc", False),
        ({"pattern": "b"}, "abc", True),  # a search, not a full match
        ({"pattern": "^b"}, "abc", False),
        ({"pattern": "^b"}, 12, True),
        ({"type": "string", "pattern": "^[0-9]+$", "minLength": 2, "maxLength": 3}, "1234", False),
        ({"type": "string", "pattern": "^[0-9]+$", "minLength": 2, "maxLength": 3}, "12x", False),
        ({"type": "string", "pattern": "^[0-9]+$", "minLength": 2, "maxLength": 3}, "123", True),
    ],
)
def test_text_keywords(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert strict_verdict(schema, instance) is valid


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"minimum": 3}, 3, True),
        ({"minimum": 3}, 2.99, False),
        ({"minimum": 3}, "2", True),
        ({"minimum": 3}, False, True),  # booleans are not numbers
        ({"maximum": 3}, 3.0, True),
        ({"maximum": 3}, 4, False),
        ({"exclusiveMinimum": 3}, 3, False),
        ({"exclusiveMinimum": 3}, 3.01, True),
        ({"exclusiveMaximum": 3}, 3, False),
        ({"exclusiveMaximum": 3}, 2, True),
        ({"multipleOf": 3}, 9, True),
        ({"multipleOf": 3}, 10, False),
        ({"multipleOf": 3}, 9.0, True),
        ({"multipleOf": 0.5}, 1.5, True),
        ({"multipleOf": 0.5}, 1.25, False),
        ({"multipleOf": 0.1}, 0.3, False),  # as jsonschema divides: 0.3 / 0.1 is 2.9999999999999996
        ({"multipleOf": 0.5}, 1e308, True),  # the quotient overflows to infinity: exact fractions
        ({"type": "integer", "minimum": 0, "maximum": 25}, 26, False),
        ({"type": "integer", "minimum": 0, "maximum": 25}, 25.0, True),
    ],
)
def test_number_keywords(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert strict_verdict(schema, instance) is valid


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"items": {"type": "integer"}}, [1, 2], True),
        ({"items": {"type": "integer"}}, [1, "2"], False),
        ({"items": {"type": "integer"}}, "not a list", True),
        ({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}, ["a", 1], True),
        ({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}, [1, 1], False),
        ({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}, ["a", "b"], False),
        ({"prefixItems": [{"type": "string"}], "items": False}, ["a"], True),
        ({"prefixItems": [{"type": "string"}], "items": False}, ["a", 1], False),
        ({"items": False}, [], True),
        ({"minItems": 2}, [1], False),
        ({"maxItems": 1}, [1, 2], False),
        ({"uniqueItems": True}, ["a", "b"], True),
        ({"uniqueItems": True}, ["a", "a"], False),
        ({"uniqueItems": True}, [1, 1.0], False),
        ({"uniqueItems": True}, [1, True], True),
        ({"uniqueItems": True}, [0, False], True),
        ({"uniqueItems": True}, [{"a": 1}, {"a": 1.0}], False),
        ({"uniqueItems": True}, [{"a": 1}, {"a": True}], True),
        ({"uniqueItems": True}, [[1, 2], [1, 2]], False),
        ({"uniqueItems": True}, [None, None], False),
        ({"uniqueItems": False}, ["a", "a"], True),
    ],
)
def test_array_keywords(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert strict_verdict(schema, instance) is valid


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"properties": {"a": {"type": "string"}}}, {"a": 1}, False),
        ({"properties": {"a": {"type": "string"}}}, {"b": 1}, True),
        ({"properties": {"a": False}}, {"a": 1}, False),
        ({"properties": {"a": True}}, {"a": 1}, True),
        ({"required": ["a"]}, {"b": 1}, False),
        ({"required": ["a"]}, "not an object", True),
        ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1}, True),
        ({"additionalProperties": False, "properties": {"a": {}}}, {"a": 1, "b": 2}, False),
        ({"additionalProperties": {"type": "integer"}, "properties": {"a": {}}}, {"a": "x", "b": 2}, True),
        ({"additionalProperties": {"type": "integer"}, "properties": {"a": {}}}, {"b": "x"}, False),
        ({"patternProperties": {"^x-": {"type": "integer"}}}, {"x-a": "1"}, False),
        (
            {"patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": False},
            {"x-a": 1},
            True,
        ),
        ({"patternProperties": {"^x-": {"type": "integer"}}, "additionalProperties": False}, {"y": 1}, False),
        ({"patternProperties": {"^x-": {}}, "additionalProperties": False}, {"x-a": 1}, True),  # matched
        ({"patternProperties": {"^x-": True}, "additionalProperties": False}, {"x-a": 1, "y": 2}, False),
        (
            {"properties": {"x-a": {"minimum": 0}}, "patternProperties": {"^x-": {"maximum": 5}}},
            {"x-a": 6},
            False,
        ),
        ({"propertyNames": {"maxLength": 2}}, {"ab": 1}, True),
        ({"propertyNames": {"maxLength": 2}}, {"abc": 1}, False),
        ({"minProperties": 2}, {"a": 1}, False),
        ({"maxProperties": 1}, {"a": 1, "b": 2}, False),
        ({"dependentRequired": {"a": ["b"]}}, {"a": 1}, False),
        ({"dependentRequired": {"a": ["b"]}}, {"b": 1}, True),
        ({"dependentSchemas": {"a": {"required": ["b"]}}}, {"a": 1}, False),
        ({"dependentSchemas": {"a": {"properties": {"b": {"type": "string"}}}}}, {"a": 1, "b": 2}, False),
        ({"dependentSchemas": {"a": {"properties": {"b": {"type": "string"}}}}}, {"b": 2}, True),
    ],
)
def test_object_keywords(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert strict_verdict(schema, instance) is valid


TWO_WAYS = {"oneOf": [{"type": "integer"}, {"minimum": 0}]}


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        (TWO_WAYS, 5, False),  # both branches pass: not exactly one
        (TWO_WAYS, -5, True),
        (TWO_WAYS, 0.5, True),
        (TWO_WAYS, -0.5, False),
        ({"oneOf": [{"const": "a"}, {"const": "a"}]}, "a", False),  # the same choice twice
        ({"oneOf": [{"const": "a"}, {"const": "b"}]}, "b", True),
        ({"oneOf": []}, 1, False),
        ({"anyOf": [{"type": "integer"}, {"minimum": 0}]}, 5, True),
        ({"anyOf": [{"type": "integer"}, {"minimum": 0}]}, -0.5, False),
        ({"anyOf": []}, 1, False),
        ({"allOf": [{"type": "integer"}, {"minimum": 0}]}, -1, False),
        ({"allOf": [{"type": "integer"}, {"minimum": 0}]}, 1, True),
        ({"not": {"type": "string"}}, "a", False),
        ({"not": {"type": "string"}}, 1, True),
        ({"if": {"minimum": 10}, "then": {"multipleOf": 10}, "else": {"maximum": 5}}, 20, True),
        ({"if": {"minimum": 10}, "then": {"multipleOf": 10}, "else": {"maximum": 5}}, 25, False),
        ({"if": {"minimum": 10}, "then": {"multipleOf": 10}, "else": {"maximum": 5}}, 7, False),
        ({"if": {"minimum": 10}, "then": {"multipleOf": 10}}, 7, True),
        ({"then": {"maximum": 0}}, 7, True),  # then without if does nothing
        (True, {"anything": 1}, True),
        (False, 1, False),
        ({"allOf": [True, False]}, 1, False),
    ],
)
def test_applicators(schema: Any, instance: Any, valid: bool) -> None:
    assert strict_verdict(schema, instance) is valid


TREE = {
    "$defs": {
        "node": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "maxLength": 3},
                "children": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            },
        }
    },
    "$ref": "#/$defs/node",
}
LIST = {"type": "object", "properties": {"value": {"type": "integer"}, "next": {"$ref": "#"}}}


def _tree(depth: int, name: str) -> dict[str, Any]:
    node: dict[str, Any] = {"name": name}
    for _ in range(depth):
        node = {"name": "ok", "children": [{"name": "ok"}, node]}
    return node


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        (TREE, _tree(5, "abc"), True),
        (TREE, _tree(5, "abcd"), False),  # the problem five levels down
        (TREE, {"children": [{"children": [{"name": 1}]}]}, False),
        (LIST, {"value": 1, "next": {"value": 2, "next": {"value": 3}}}, True),
        (LIST, {"value": 1, "next": {"value": 2, "next": {"value": "3"}}}, False),
        ({"$defs": {"a~b/c": {"type": "string"}}, "$ref": "#/$defs/a~0b~1c"}, 1, False),
        ({"$defs": {"a b": {"type": "string"}}, "$ref": "#/$defs/a%20b"}, "x", True),
        ({"$defs": {"s": {"maxLength": 1}}, "$ref": "#/$defs/s", "type": "string"}, "ab", False),
        ({"$defs": {"s": {"maxLength": 1}}, "$ref": "#/$defs/s", "type": "string"}, 3, False),
        ({"allOf": [{"minimum": 3}], "properties": {"a": {"$ref": "#/allOf/0"}}}, {"a": 2}, False),
        ({"allOf": [{"minimum": 3}], "properties": {"a": {"$ref": "#/allOf/0"}}}, {"a": 3}, True),
    ],
)
def test_references_and_recursion(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert strict_verdict(schema, instance) is valid


def test_a_document_too_deep_to_check_is_left_to_the_exact_check() -> None:
    deep: dict[str, Any] = {"value": 1}
    for _ in range(5000):
        deep = {"value": 1, "next": deep}
    check = fastcheck.compile_schema(LIST, draft=False)
    assert check is not None
    assert check(deep) is False  # RecursionError: not "valid" (the caller then asks jsonschema)


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"format": "date"}, "2015-03-27", True),
        ({"format": "date"}, "2015-02-29", False),  # no such day
        ({"format": "date"}, "27/03/2015", False),
        ({"format": "date"}, 20150327, True),  # formats are about text
        ({"format": "date-time"}, "2015-03-27T14:30", True),
        ({"format": "date-time"}, "2015-03-27T25:30", False),
        ({"format": "email"}, "name@example.org", True),
        ({"format": "email"}, "name@example", False),
        ({"format": "uk-phone"}, "07700 900 982", True),
        ({"format": "uk-phone"}, "12345", False),
        ({"format": "uk-postcode"}, "MK9 3EJ", True),
        ({"format": "uk-postcode"}, "MK9", False),
        ({"format": "ipv4"}, "not checked", True),  # a format with no checker always passes
        ({"type": "string", "format": "date", "formatMaximum": "today"}, "2026-11-26", True),
        ({"type": "string", "format": "date", "formatMaximum": "today"}, "2026-11-27", False),
        ({"type": "string", "format": "date", "formatMinimum": "today"}, "2026-11-25", False),
        ({"type": "string", "format": "date", "formatMinimum": "today"}, "2026-11-26", True),
        ({"formatMinimum": "2000-01-01"}, "1999-12-31", False),
        ({"formatMinimum": "2000-01-01"}, "2000-01-01T10:00", True),
        ({"formatMinimum": "2000-01-01"}, "1999-12-31T23:59", False),  # the first ten characters
        ({"formatMaximum": "2000-01-01"}, "2000-01-02", False),
        ({"formatMaximum": "2000-01-01"}, "not a date at all", True),  # format's job, not this one's
        ({"formatMaximum": "2000-01-01"}, "2000", True),
        ({"formatMaximum": "not a date"}, "2999-01-01", True),  # a bound that is no date bounds nothing
        ({"formatMaximum": "2000-01-01"}, 3000, True),
        # Dates compared as text first: other digits, times, and dates on and around the bound.
        ({"formatMaximum": "2000-01-01"}, "2000-01-01T23:59", True),
        ({"formatMaximum": "2000-01-01"}, "2000-01-02T00:00", False),
        ({"formatMaximum": "2000-01-01"}, "2000-01-0\u0662", True),  # an Arabic-Indic 2: not a date
        ({"formatMaximum": "2000-01-01"}, "2000-13-01", True),  # no such month: format's job
        ({"formatMaximum": "2000-01-01"}, "1999-12-31", True),
        ({"formatMaximum": "2000-01-01"}, "10000-01-01", True),  # not YYYY-MM-DD
        ({"formatMinimum": "2000-01-01"}, "1999-12-3\u0661", True),
        ({"formatMinimum": "2000-01-01"}, "\u0661999-12-31", True),
        ({"formatMinimum": "2000-01-01"}, "2000-01-01", True),
        ({"formatMinimum": "2000-01-01"}, "2000-01-01\u00e9", True),  # other text after the date
        ({"formatMinimum": "2000-01-01"}, "1999-12-31\u00e9", False),
        ({"formatMinimum": "2000-01-01"}, "2000-0-011", True),
        ({"formatMinimum": "today"}, "2026-11-26", True),
        ({"formatMinimum": "today"}, "2026-11-25T23:59", False),
        ({"formatMaximum": "today"}, "2026-11-26T23:59", True),
        ({"formatMaximum": "today"}, "2026-11-27", False),
        ({"formatMaximum": "today"}, "2026-11-2", True),  # too short to be a date
    ],
)
def test_formats_and_date_bounds(schema: dict[str, Any], instance: Any, valid: bool) -> None:
    assert strict_verdict(schema, instance) is valid


def test_today_is_the_day_being_judged() -> None:
    schema = {"type": "string", "formatMaximum": "today"}
    check = fastcheck.compile_schema(schema, draft=False)
    assert check is not None
    with judged_on(dt.date(2026, 1, 1)):
        assert check("2026-06-01") is False
    with judged_on(dt.date(2027, 1, 1)):
        assert check("2026-06-01") is True
    assert check(dt.date.today().isoformat()) is True  # no day set: the real today
    assert check((dt.date.today() + dt.timedelta(days=1)).isoformat()) is False


def test_annotations_are_ignored() -> None:
    schema = {
        "type": "integer",
        "title": 1,
        "description": ["not text"],
        "default": "x",
        "examples": [{}],
        "readOnly": True,
        "writeOnly": True,
        "deprecated": True,
        "$comment": "c",
        "contentEncoding": "base64",
        "contentMediaType": "image/png",
        "errorMessage": {"type": "Enter a whole number"},
        "x-widget": "spin",
        "$defs": {"unused": {"type": "string"}},
    }
    assert strict_verdict(schema, 3) is True
    assert strict_verdict(schema, "3") is False


@pytest.mark.parametrize(
    "schema",
    [
        {"contains": {"type": "string"}},
        {"unevaluatedProperties": False},
        {"unevaluatedItems": False},
        {"$dynamicRef": "#meta"},
        {"$ref": "https://example.org/other.json"},
        {"$ref": "#anchor", "$defs": {"a": {"$anchor": "anchor"}}},
        {"$ref": "#/$defs/missing"},
        {"properties": {"a": {"$id": "https://example.org/a", "$ref": "#/x"}}},
        {"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"},
        {"type": "text"},
        {"pattern": "("},
        {"formatMaximum": 20200101},
    ],
)
def test_what_is_not_compiled_is_left_to_jsonschema(schema: dict[str, Any]) -> None:
    assert fastcheck.compile_schema(schema, draft=False) is None
    assert fastcheck.compile_schema(schema, draft=True) is None
    assert fastcheck.removal_safe(schema) is False


def test_a_schema_is_compiled_once() -> None:
    schema = {"type": "string", "maxLength": 3}
    first = fastcheck.compile_schema(schema, draft=True)
    assert first is not None
    assert fastcheck.compile_schema(schema, draft=True) is first
    assert fastcheck.compile_schema(schema, draft=True, without_blanks=False) is first
    assert fastcheck.compile_schema(schema, draft=False) is not first
    lean = fastcheck.compile_schema(schema, draft=True, without_blanks=True)
    assert lean is not None
    assert lean is not first
    assert fastcheck.compile_schema(schema, draft=True, without_blanks=True) is lean


@pytest.mark.parametrize(
    "name",
    [
        "a'b",
        'a"b',
        "a\nb",
        "a\\nb",
        "a\\",
        "@",
        "x@y",
        "'); import os; ('",
        "\u00e9\U0001d49c",
        "",
        " ",
        "v",
        "x",
        "g",
    ],
)
def test_any_member_name_or_text_is_only_data(name: str) -> None:
    """Names and texts of the schema go into the generated source as data (quoted, or by name): none
    can break it or run, whatever characters it holds; "@" is the generator's own placeholder."""
    schema = {
        "type": "object",
        "properties": {name: {"type": "integer"}, "other": {"const": name}},
        "required": [name],
        "dependentRequired": {name: ["other"]},
        "dependentSchemas": {name: {"maxProperties": 2}},
        "patternProperties": {"^$": {"type": "integer"}},
        "if": {"properties": {name: {"const": 1}}},
        "then": {"properties": {"other": {"enum": [name, "@"]}}},
    }
    for document in (
        {name: 1, "other": name},
        {name: "1"},
        {name: 1, "other": "else"},
        {"other": name},
        {name: 1, "other": "@"},
        {name: 2, "other": "@", "third": 3},
        {name: " ", "other": name},
    ):
        all_verdicts(schema, document)
    assert verdicts(schema, {name: 1, "other": name}) == (True, True)
    assert verdicts(schema, {name: "1", "other": name})[1] is False


@pytest.mark.parametrize("depth", [60, 400])
def test_a_schema_too_deep_for_the_generated_source_is_refused_or_right(depth: int) -> None:
    deep: Any = {"type": "integer"}
    for _ in range(depth):
        deep = {"not": deep}  # an even number of negations: an integer
    for draft in (False, True):
        check = fastcheck.compile_schema(deep, draft=draft)
        if depth <= 60:
            assert check is not None
        if check is not None:
            assert check(3) is True
            assert check("3") is False


# --- drafts ------------------------------------------------------------------------------------------------

GROUP = {
    "type": "object",
    "properties": {"name": {"type": "string", "minLength": 2, "maxLength": 5}, "age": {"type": "integer"}},
    "required": ["name", "age"],
}


@pytest.mark.parametrize(
    ("schema", "instance", "strict", "draft"),
    [
        (GROUP, {}, False, True),  # missing answers: fine in a draft
        (GROUP, {"name": ""}, False, True),  # empty text: not filled in yet
        (GROUP, {"name": "A"}, False, False),  # too short is a real problem
        (GROUP, {"name": "Adaline"}, False, False),
        (GROUP, {"age": "x"}, False, False),
        ({"minItems": 2}, [1], False, True),
        ({"minProperties": 1}, {}, False, True),
        ({"dependentRequired": {"a": ["b"]}}, {"a": 1}, False, True),
        ({"items": {"minLength": 1}}, ["", "a"], False, True),
        ({"items": {"minLength": 1}}, [" "], True, True),
        # oneOf: a branch failing only for missing answers satisfies a draft...
        ({"oneOf": [GROUP, {"type": "string"}]}, {"name": "Ada"}, False, True),
        # ...but not when two branches pass outright,
        ({"oneOf": [{"type": "object"}, {"required": ["a"]}]}, {"a": 1}, False, False),
        # and one branch passing outright is enough.
        ({"oneOf": [{"type": "object"}, {"required": ["a"]}]}, {}, True, True),
        ({"oneOf": [GROUP, {"type": "array"}]}, {"name": "A"}, False, False),
        ({"oneOf": [GROUP, {"minItems": 3}]}, [1], False, True),  # both fail only for tolerated reasons
        ({"anyOf": [GROUP, {"type": "string"}]}, {"name": "Ada"}, False, True),
        ({"anyOf": [GROUP, {"type": "string"}]}, {"name": 1}, False, False),
        # nested: the inner oneOf is tolerated, so the outer branch fails only for tolerated reasons
        ({"oneOf": [{"oneOf": [GROUP, {"type": "string"}]}, {"type": "array"}]}, {"age": 3}, False, True),
        ({"oneOf": [{"oneOf": [GROUP, {"type": "string"}]}, {"type": "array"}]}, {"age": "3"}, False, False),
        # `not` and `if` ask whether a subschema is valid outright, even in a draft
        ({"not": {"required": ["a"]}}, {"a": 1}, False, False),
        ({"not": {"required": ["a"]}}, {}, True, True),
        ({"if": {"required": ["a"]}, "then": {"maxProperties": 1}}, {"a": 1, "b": 2}, False, False),
        ({"if": {"required": ["a"]}, "then": {"maxProperties": 1}}, {"b": 1, "c": 2}, True, True),
        ({"if": {"required": ["a"]}, "then": {"required": ["b"]}}, {"a": 1}, False, True),
        ({"if": {"type": "object"}, "then": False}, {}, False, False),
        ({"if": {"type": "object"}, "else": {"minItems": 1}}, [], False, True),
    ],
)
def test_draft_tolerance(schema: Any, instance: Any, strict: bool, draft: bool) -> None:
    assert verdicts(schema, instance) == (strict, draft)


# --- blank text ---------------------------------------------------------------------------------------------

INTEGER_A = {"properties": {"a": {"type": "integer"}}}


@pytest.mark.parametrize(
    ("schema", "instance", "strict", "draft"),
    [
        # (strict, draft) with blanks left out; each case's answer differs from the one for the
        # document as it is, or is the control that shows the case does.
        (INTEGER_A, {"a": " "}, True, True),
        (INTEGER_A, {"a": ""}, True, True),
        (INTEGER_A, {"a": "\t\n\u3000\u2028\x1c"}, True, True),  # what str.strip() takes away
        (INTEGER_A, {"a": "\u200b"}, False, False),  # a zero-width space is not white space
        (INTEGER_A, {"a": " x "}, False, False),
        (INTEGER_A, [" "], True, True),  # not an object: nothing is left out
        ({"items": {"type": "integer"}}, [" "], False, False),  # lists keep their items
        ({"items": {"minLength": 1}}, [" ", ""], False, True),
        ({"items": INTEGER_A}, [{"a": " "}], True, True),
        ({"type": "string", "maxLength": 0}, " ", False, False),  # the document itself is kept
        ({"properties": {"a": {"minLength": 3}}}, {"a": "  "}, True, True),
        ({"properties": {"a": False}}, {"a": ""}, True, True),
        ({"properties": {"a": {"properties": {"b": False}}}}, {"a": {"b": " "}}, True, True),
        ({"properties": {"a": {"type": "object"}}}, {"a": " "}, True, True),
        ({"properties": {"a": {}}, "additionalProperties": False}, {"a": 1, "b": "\t"}, True, True),
        ({"properties": {"a": {}}, "additionalProperties": False}, {"a": 1, "b": "x"}, False, False),
        ({"additionalProperties": {"type": "integer"}}, {"b": ""}, True, True),
        ({"additionalProperties": {"type": "integer"}}, {"b": "", "c": "1"}, False, False),
        ({"patternProperties": {"^x": {"type": "integer"}}}, {"x1": " \n"}, True, True),
        (
            {"patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": False},
            {"x1": 1, "y": " "},
            True,
            True,
        ),
        ({"propertyNames": {"maxLength": 1}}, {"long": " "}, True, True),
        ({"propertyNames": {"maxLength": 1}}, {"long": "a"}, False, False),
        ({"required": ["a"]}, {"a": " "}, False, True),
        ({"required": ["a"]}, {"a": "a"}, True, True),
        ({"dependentRequired": {"a": ["b"]}}, {"a": 1, "b": ""}, False, True),
        ({"dependentRequired": {"a": ["b"]}}, {"a": " "}, True, True),
        ({"dependentSchemas": {"a": {"maxProperties": 1}}}, {"a": 1, "b": " "}, True, True),
        ({"dependentSchemas": {"a": {"maxProperties": 1}}}, {"a": " ", "b": 1, "c": 2}, True, True),
        ({"dependentSchemas": {"a": {"maxProperties": 1}}}, {"a": 1, "b": 2}, False, False),
        ({"minProperties": 2}, {"a": 1, "b": ""}, False, True),
        ({"maxProperties": 1}, {"a": 1, "b": ""}, True, True),
        ({"maxProperties": 1}, {"a": 1, "b": "", "c": 3}, False, False),
        # `if` and `not` judge their subschema strictly, on the document with its blanks left out
        ({"if": {"required": ["a"]}, "then": {"type": "array"}}, {"a": " "}, True, True),
        ({"if": {"required": ["a"]}, "then": {"type": "array"}}, {"a": 1}, False, False),
        ({"not": {"required": ["a"]}}, {"a": ""}, True, True),
        ({"not": {"properties": {"a": {"type": "string"}}}}, {"a": " "}, False, False),
        ({"oneOf": [{"required": ["a"]}, {"required": ["b"]}]}, {"a": 1, "b": " "}, True, True),
        ({"anyOf": [{"required": ["a"]}, {"maxProperties": 0}]}, {"a": " "}, True, True),
        # values compared with objects and lists
        ({"const": {"a": 1}}, {"a": 1, "b": " "}, True, True),
        ({"const": {"a": 1, "b": " "}}, {"a": 1, "b": " "}, False, False),
        ({"const": [{"a": 1}, " "]}, [{"a": 1, "b": ""}, " "], True, True),
        ({"enum": [{"a": 1}, 2]}, {"a": 1, "b": ""}, True, True),
        ({"enum": ["x", {"a": 1}]}, {"a": 1, "b": ""}, True, True),
        ({"uniqueItems": True}, [{"a": 1, "b": " "}, {"a": 1}], False, False),
        ({"uniqueItems": True}, [[{"a": ""}], [{}]], False, False),
        ({"uniqueItems": True}, [" ", ""], True, True),
        ({"items": {"type": "string"}, "uniqueItems": True}, [" ", " "], False, False),
    ],
)
def test_blank_text_in_objects_counts_as_absent(
    schema: Any, instance: Any, strict: bool, draft: bool
) -> None:
    found = all_verdicts(schema, instance)
    assert (found[False, True], found[True, True]) == (strict, draft)


_KEYS = ["a", "b", "xa"]
_TEXTS = ["", " ", "\t\n", "\u3000", "a", " a", "ab", "abc", "2020-01-20", "2020-02-30", "x@y.org"]
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-2, 3), st.sampled_from([0.5, 2.0]), st.sampled_from(_TEXTS)
)
_BLANKS = st.sampled_from(["", " ", "\t\n", "\u3000"])
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(st.one_of(_BLANKS, inner), max_size=3),
        st.dictionaries(st.sampled_from(_KEYS), st.one_of(_BLANKS, inner), max_size=3),
    ),
    max_leaves=10,
)
_NAMES = st.sampled_from(_KEYS)
_SMALL = st.integers(0, 2)
_LEAF_KEYWORDS: list[st.SearchStrategy[dict[str, Any]]] = [
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(
                [
                    *("string", "integer", "number", "boolean", "null", "object", "array"),
                    *(["string", "null"], ["object", "array"], ["integer", "string"]),
                ]
            )
        }
    ),
    st.fixed_dictionaries({"minLength": _SMALL}),
    st.fixed_dictionaries({"maxLength": _SMALL}),
    st.fixed_dictionaries({"pattern": st.sampled_from(["^a", "b$", "^$", "@"])}),
    st.fixed_dictionaries({"format": st.sampled_from(["date", "email", "unknown-format"])}),
    st.fixed_dictionaries({"formatMaximum": st.sampled_from(["2020-01-31", "today", "nonsense"])}),
    st.fixed_dictionaries({"formatMinimum": st.sampled_from(["2020-01-15", "today"])}),
    st.fixed_dictionaries({"minimum": st.integers(-1, 2)}),
    st.fixed_dictionaries({"maximum": st.sampled_from([-1, 0.5, 2])}),
    st.fixed_dictionaries({"exclusiveMinimum": st.integers(-1, 2)}),
    st.fixed_dictionaries({"exclusiveMaximum": st.integers(-1, 2)}),
    st.fixed_dictionaries({"multipleOf": st.sampled_from([1, 2, 0.5])}),
    st.fixed_dictionaries({"const": _DOCUMENTS}),
    st.fixed_dictionaries({"enum": st.lists(_DOCUMENTS, max_size=3)}),
    st.fixed_dictionaries({"enum": st.lists(st.sampled_from(_TEXTS), min_size=1, max_size=3)}),
    st.fixed_dictionaries({"required": st.lists(_NAMES, max_size=2, unique=True)}),
    st.fixed_dictionaries(
        {"dependentRequired": st.dictionaries(_NAMES, st.lists(_NAMES, max_size=2, unique=True), max_size=2)}
    ),
    st.fixed_dictionaries({"minProperties": _SMALL}),
    st.fixed_dictionaries({"maxProperties": _SMALL}),
    st.fixed_dictionaries({"minItems": _SMALL}),
    st.fixed_dictionaries({"maxItems": _SMALL}),
    st.fixed_dictionaries({"uniqueItems": st.booleans()}),
    st.fixed_dictionaries(
        {"oneOf": st.lists(st.fixed_dictionaries({"const": st.sampled_from(_TEXTS)}), min_size=1, max_size=3)}
    ),
]


def _merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: value for part in parts for key, value in part.items()}


def _schemas_from(inner: st.SearchStrategy[Any], *, refer: bool) -> st.SearchStrategy[Any]:
    composite = [
        st.fixed_dictionaries({"properties": st.dictionaries(_NAMES, inner, max_size=2)}),
        st.fixed_dictionaries(
            {"patternProperties": st.dictionaries(st.sampled_from(["^x", "b"]), inner, max_size=1)}
        ),
        st.fixed_dictionaries({"additionalProperties": inner}),
        st.fixed_dictionaries({"propertyNames": inner}),
        st.fixed_dictionaries({"dependentSchemas": st.dictionaries(_NAMES, inner, max_size=1)}),
        st.fixed_dictionaries({"items": inner}),
        st.fixed_dictionaries({"prefixItems": st.lists(inner, max_size=2)}),
        st.fixed_dictionaries({"allOf": st.lists(inner, min_size=1, max_size=2)}),
        st.fixed_dictionaries({"anyOf": st.lists(inner, max_size=2)}),
        st.fixed_dictionaries({"oneOf": st.lists(inner, max_size=3)}),
        st.fixed_dictionaries({"not": inner}),
        st.fixed_dictionaries({"if": inner}, optional={"then": inner, "else": inner}),
    ]
    if refer:  # to the root's "$defs/d", which refers to nothing (a cycle would recurse for ever)
        composite.append(st.just({"$ref": "#/$defs/d"}))
    return st.one_of(
        st.lists(st.one_of(*_LEAF_KEYWORDS, *composite), min_size=1, max_size=3).map(_merged), inner
    )


def _random_schemas(*, refer: bool) -> st.SearchStrategy[Any]:
    return st.recursive(
        st.one_of(st.booleans(), st.lists(st.one_of(*_LEAF_KEYWORDS), max_size=3).map(_merged)),
        lambda inner: _schemas_from(inner, refer=refer),
        max_leaves=8,
    )


_RANDOM_SCHEMAS = st.builds(
    lambda schema, target: {"allOf": [schema], "$defs": {"d": target}},
    _random_schemas(refer=True),
    _random_schemas(refer=False),
)


@settings(
    max_examples=600,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(schema=_RANDOM_SCHEMAS, documents=st.lists(_DOCUMENTS, min_size=1, max_size=4))
def test_random_schemas_and_documents_agree_with_jsonschema(schema: Any, documents: list[Any]) -> None:
    """Every keyword compiled here, combined at random, on documents with blank text in objects and
    lists, values of every type, and members the schema does not name: all four compiled checks
    give jsonschema's answer (for the document with its blanks left out where they leave them out)."""
    for document in documents:
        all_verdicts(schema, document)


# Schemas that a blank answer fails (so leaving it out changes the answer), or random ones.
_INNER = st.one_of(
    st.sampled_from(
        [
            False,
            {"type": "integer"},
            {"type": "object"},
            {"minLength": 2},
            {"maxLength": 0},
            {"const": "a"},
            {"enum": ["a", 1]},
            {"format": "date"},
            {"pattern": "^a"},
            {"not": {"type": "string"}},
            {"type": "string", "minLength": 1},
        ]
    ),
    _random_schemas(refer=False),
)
_OBJECT_KEYWORDS: list[st.SearchStrategy[dict[str, Any]]] = [
    st.fixed_dictionaries({"type": st.just("object")}),
    st.fixed_dictionaries({"properties": st.dictionaries(_NAMES, _INNER, min_size=1, max_size=3)}),
    st.fixed_dictionaries({"additionalProperties": _INNER}),
    st.fixed_dictionaries(
        {"patternProperties": st.dictionaries(st.sampled_from(["^x", "b"]), _INNER, max_size=1)}
    ),
    st.fixed_dictionaries({"propertyNames": st.one_of(_INNER, st.just({"maxLength": 1}))}),
    st.fixed_dictionaries({"required": st.lists(_NAMES, min_size=1, max_size=2, unique=True)}),
    st.fixed_dictionaries(
        {"dependentRequired": st.dictionaries(_NAMES, st.lists(_NAMES, max_size=2, unique=True), max_size=2)}
    ),
    st.fixed_dictionaries({"dependentSchemas": st.dictionaries(_NAMES, _INNER, min_size=1, max_size=1)}),
    st.fixed_dictionaries({"minProperties": st.integers(1, 3)}),
    st.fixed_dictionaries({"maxProperties": _SMALL}),
    st.fixed_dictionaries({"const": st.dictionaries(_NAMES, _SCALARS, max_size=2)}),
    st.fixed_dictionaries({"enum": st.lists(st.dictionaries(_NAMES, _SCALARS, max_size=2), max_size=2)}),
    st.fixed_dictionaries(
        {"not": st.fixed_dictionaries({"required": st.lists(_NAMES, min_size=1, max_size=2)})}
    ),
    st.fixed_dictionaries({"not": _INNER}),
    st.fixed_dictionaries(
        {"if": st.fixed_dictionaries({"required": st.lists(_NAMES, min_size=1, max_size=1)})},
        optional={"then": _INNER, "else": _INNER},
    ),
    st.fixed_dictionaries(
        {"oneOf": st.lists(st.fixed_dictionaries({"required": st.lists(_NAMES, max_size=1)}), max_size=3)}
    ),
    st.fixed_dictionaries({"anyOf": st.lists(_INNER, min_size=1, max_size=2)}),
]
_OBJECT_SCHEMAS = st.lists(st.one_of(*_OBJECT_KEYWORDS), min_size=1, max_size=4).map(_merged)
_ANSWERS = st.dictionaries(_NAMES, st.one_of(_BLANKS, _DOCUMENTS), max_size=3)


@settings(
    max_examples=600,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
@given(schema=_OBJECT_SCHEMAS, items=st.booleans(), documents=st.lists(_ANSWERS, min_size=1, max_size=4))
def test_random_object_schemas_on_objects_with_blank_answers(
    schema: dict[str, Any], items: bool, documents: list[dict[str, Any]]
) -> None:
    """The keywords that look at an object, at random, on objects whose answers are often blank
    (alone, or as the items of a list next to themselves without their blanks, where `uniqueItems`
    sees a repeat only once blanks are left out): where leaving blanks out changes the answer, each
    check that leaves them out still gives jsonschema's answer for the lean document."""
    for document in documents:
        if items:
            all_verdicts({"items": schema, "uniqueItems": True}, [document, formats.without_blanks(document)])
        else:
            all_verdicts(schema, document)


def test_the_random_schemas_reach_every_keyword() -> None:
    """The strategy above draws each keyword the compiler knows (so the test covers them all)."""
    seen: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            seen.update(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    @settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(schema=_RANDOM_SCHEMAS)
    def collect(schema: Any) -> None:
        walk(schema)

    collect()
    assert not keywords.ACTIVE - seen, sorted(keywords.ACTIVE - seen)


# --- the shipped forms --------------------------------------------------------------------------------------

SHIPPED = {d.key: d for d in definitions.shipped_catalogue().all()}


def example_paths() -> list[Path]:
    return sorted(EXAMPLES.glob("*/*.json"))


def assert_all_agree(definition: FormDefinition, document: Any) -> None:
    """Strict and draft compiled checks against jsonschema (as given, and with blanks left out, by
    copying first or by the checks that leave them out), and `is_valid_draft` against `findings`."""
    schema = dict(definition.schema) if not isinstance(definition.schema, dict) else definition.schema
    lean = formats.without_blanks(document)
    for draft in (False, True):
        as_given = exact(schema, document, draft=draft, without_blanks=False)
        judged = exact(schema, lean, draft=draft, without_blanks=False)
        assert compiled(schema, document, draft=draft) == as_given, ("as given", draft)
        assert compiled(schema, lean, draft=draft) == judged, ("copied without blanks", draft)
        assert compiled(schema, document, draft=draft, without_blanks=True) == judged, ("blanks", draft)
        assert compiled(schema, lean, draft=draft, without_blanks=True) == judged, ("lean, blanks", draft)
    found = validation.findings(definition, document, today=TODAY) == []
    assert validation.is_valid_draft(definition, document, today=TODAY) == found


def test_every_shipped_form_compiles_and_is_removal_safe() -> None:
    for definition in SHIPPED.values():
        assert fastcheck.compile_schema(definition.schema, draft=False) is not None, definition.key
        assert fastcheck.compile_schema(definition.schema, draft=True) is not None, definition.key
        # The argument in validation.is_valid_draft: relevance can be skipped for every shipped form.
        assert fastcheck.removal_safe(definition.schema), definition.key


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_examples(path: Path) -> None:
    definition = definitions.shipped_catalogue().get(path.parent.name, example_version(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert_all_agree(definition, document)
    assert validation.is_valid_draft(definition, document, today=TODAY)


_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "errorMessage",
        "default",
        "examples",
        "$comment",
        "contentEncoding",
        "contentMediaType",
    }
)
# Drawing is fast without these (the big CAF schema especially); breaking documents covers them.
_CONDITIONALS = frozenset({"if", "then", "else"})
_REQUIREMENTS = frozenset({"required", "dependentRequired"})
_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "x-datetime": st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2035, 1, 1)).map(
        lambda d: d.isoformat(timespec="minutes")
    ),
    "x-email": st.sampled_from(["name@example.org", "a.b@example.co.uk"]),
    "uk-phone": st.sampled_from(["01632 960 001", "07700 900 982", "+44 7700 900982"]),
    "uk-postcode": st.sampled_from(["MK9 3EJ", "SW1A 1AA", "mk93ej", " GIR 0AA "]),
}


def _day(bound: Any, fallback: dt.date) -> dt.date:
    if bound is None:
        return fallback
    return TODAY if bound == "today" else dt.date.fromisoformat(bound)


def generation_schema(
    schema: dict[str, Any], *, keep_requirements: bool
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The schema documents are drawn from, and strategies for its formats: `$ref`s written out,
    dates within their `formatMinimum`/`formatMaximum`, our formats renamed to formats
    hypothesis-jsonschema is given strategies for, lists of at most 2 items, no unknown keys."""
    formats = dict(_FORMATS)
    dropped = _ANNOTATIONS | _CONDITIONALS | (frozenset() if keep_requirements else _REQUIREMENTS)

    def walk(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in dropped or key in ("$ref", "$defs"):
                continue
            if key in ("properties", "dependentSchemas", "patternProperties"):
                out[key] = {name: walk(sub) for name, sub in value.items()}
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems"):
                out[key] = [walk(sub) for sub in value]
            elif key in ("items", "not", "additionalProperties", "contains"):
                out[key] = walk(value)
            else:
                out[key] = value
        if isinstance(node.get("$ref"), str):
            tokens = node["$ref"][2:].split("/")
            target = functools.reduce(lambda n, t: n[t], tokens, schema)
            out = {**walk(target), **out}
        if out.get("format") == "date":
            low = _day(out.pop("formatMinimum", None), dt.date(1990, 1, 1))
            high = _day(out.pop("formatMaximum", None), dt.date(2035, 12, 31))
            out["format"] = f"x-date-{low}-{high}"
            formats[out["format"]] = st.dates(low, high).map(dt.date.isoformat)
        elif out.get("format") in ("date-time", "email"):
            out["format"] = {"date-time": "x-datetime", "email": "x-email"}[out["format"]]
        if out.get("type") == "array":
            out["maxItems"] = min(out.get("maxItems", 2), 2)
        if out.get("type") == "object":
            out.setdefault("additionalProperties", False)
        return out

    return walk(schema), formats


@functools.cache
def documents(key: str, keep_requirements: bool) -> st.SearchStrategy[Any]:
    schema, formats = generation_schema(SHIPPED[key].schema, keep_requirements=keep_requirements)
    return from_schema(schema, custom_formats=formats)


def _schema_values(schema: Any) -> tuple[list[str], list[int]]:
    """Every text constant (choices) and every maxLength in a schema: material for breaking documents."""
    texts: set[str] = set()
    lengths: set[int] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("const"), str):
                texts.add(node["const"])
            for value in node.get("enum", []) if isinstance(node.get("enum"), list) else []:
                if isinstance(value, str):
                    texts.add(value)
            if isinstance(node.get("maxLength"), int):
                lengths.add(node["maxLength"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return sorted(texts), sorted(lengths)


_ODD_VALUES = [
    None, True, False, 0, 1, -1, 1.0, 2.5, -0.5, 10**6, "", " ", "  \n", "x", "Zoë", "𝒜",
    "2023-02-30", "2099-01-01", "2026-11-26", "2026-11-27", "1990-01-01", "2015-03-27T10:00",
    "27/03/2015", "MK9 3EJ", "MK9", "07700 900982", "12345", "name@example.org", "name@example",
    "2015-03-27T25:00", [], {}, ["a"], ["a", "a"], {"a": 1}, [{"a": 1}], "not-an-option",
]  # fmt: skip


def _places(document: Any) -> list[tuple[Any, Any]]:
    """(container, key or index) for every value inside the document."""
    found: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                found.append((node, key))
                walk(value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                found.append((node, index))
                walk(value)

    walk(document)
    return found


def _containers(document: Any, kind: type) -> list[Any]:
    found = [document] if isinstance(document, kind) else []
    for container, key in _places(document):
        if isinstance(container[key], kind):
            found.append(container[key])
    return found


def broken(data: st.DataObject, schema: Any, document: Any) -> Any:
    """The document with one to three things changed: a wrong value (wrong type, too long, a bad or
    future date, out of range, another field's choice, blank), an answer removed, an unknown answer
    added, a list item repeated, or blank text in place of an answer, added to an object as a known or
    unknown answer, or added to a list."""
    document = copy.deepcopy(document)
    texts, lengths = _schema_values(schema)
    values = st.one_of(
        st.sampled_from(_ODD_VALUES),
        st.sampled_from(texts or ["text"]),
        st.sampled_from(lengths or [3]).flatmap(
            lambda n: st.sampled_from(["a" * n, "a" * (n + 1), "é" * (n + 1)])
        ),
        st.integers(-5, 200),
        st.text(max_size=4),
    )
    for _ in range(data.draw(st.integers(1, 3), label="changes")):
        places = _places(document)
        change = data.draw(st.sampled_from(["replace", "remove", "add", "repeat", "blank"]), label="change")
        if change == "blank":
            blank = data.draw(st.sampled_from(["", " ", "\t", "\u3000 \n"]), label="blank")
            where = data.draw(st.sampled_from(["in place", "in an object", "in a list"]), label="where")
            lists = _containers(document, list)
            if where == "in place" and places:
                container, key = data.draw(st.sampled_from(places), label="place")
                container[key] = blank
            elif where == "in a list" and lists:
                data.draw(st.sampled_from(lists), label="list").append(blank)
            else:
                target = data.draw(st.sampled_from(_containers(document, dict)), label="object")
                name = data.draw(st.sampled_from([*texts[:20], "unknown_answer", "notes", "name", "date"]))
                target[name] = blank
        elif change in ("replace", "remove") and places:
            container, where = data.draw(st.sampled_from(places), label="place")
            if change == "replace":
                # A copy: the odd values include lists, which later changes could append to.
                container[where] = copy.deepcopy(data.draw(values, label="value"))
            else:
                del container[where]
        elif change == "add":
            target = data.draw(st.sampled_from(_containers(document, dict)), label="object")
            name = data.draw(st.sampled_from([*texts[:20], "unknown_answer", "notes", "name", "date"]))
            target[name] = copy.deepcopy(data.draw(values, label="value"))
        else:
            lists = [x for x in _containers(document, list) if x]
            if lists:
                target = data.draw(st.sampled_from(lists), label="list")
                target.append(copy.deepcopy(data.draw(st.sampled_from(target), label="item")))
    return document


@pytest.mark.parametrize("keep_requirements", [False, True], ids=["drafts", "with-requirements"])
@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_generated_and_broken_documents_agree(key: str, keep_requirements: bool) -> None:
    definition = SHIPPED[key]

    @settings(
        max_examples=20,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def agree(data: st.DataObject) -> None:
        document = data.draw(documents(key, keep_requirements), label="generated")
        assert_all_agree(definition, document)
        assert_all_agree(definition, broken(data, definition.schema, document))

    agree()


def test_broken_examples_agree() -> None:
    """The shipped examples (complete, realistic documents) broken in many ways."""
    paths = [p for p in example_paths() if f"{p.parent.name}@1.0.0" in SHIPPED]

    @settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def agree(data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(paths), label="example")
        key = f"{path.parent.name}@1.0.0"
        document = json.loads(path.read_text(encoding="utf-8"))
        assert_all_agree(SHIPPED[key], broken(data, SHIPPED[key].schema, document))

    agree()


SCHEMAS = Path(validation.__file__).parents[1] / "schemas"
FORMS = Path(__file__).parents[2] / "forms"


@pytest.mark.parametrize(
    ("meta", "pattern"),
    [
        ("form-definition.schema.json", "*/1.0.0.json"),
        ("threshold-ruleset.schema.json", "thresholds/*/*.json"),
    ],
)
def test_the_meta_schemas_agree_on_the_shipped_files_broken(meta: str, pattern: str) -> None:
    """The schemas in caf_desktop/schemas use other keywords (additionalProperties: false, patterns,
    minItems, ...): the compiled check agrees with jsonschema on the shipped files, whole and broken."""
    schema = json.loads((SCHEMAS / meta).read_text(encoding="utf-8"))
    files = sorted(FORMS.glob(pattern))
    assert files
    for path in files:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert verdicts(schema, document) == (True, True)

    @settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def agree(data: st.DataObject) -> None:
        path = data.draw(st.sampled_from(files), label="file")
        verdicts(schema, broken(data, schema, json.loads(path.read_text(encoding="utf-8"))))

    agree()


# --- relevance ------------------------------------------------------------------------------------------------


def _with_hidden_detail(schema_extra: dict[str, Any]) -> FormDefinition:
    """A form whose `detail` is hidden unless `kind` is "other", with more schema keywords."""
    raw = {
        "format": 1,
        "id": "hidden-detail",
        "version": "1.0.0",
        "title": "Hidden detail",
        "description": "A form with an answer that a rule hides.",
        "schema": {
            "type": "object",
            "properties": {
                "kind": {
                    "title": "Kind",
                    "type": "string",
                    "oneOf": [{"const": "usual"}, {"const": "other"}],
                },
                "detail": {"title": "Detail", "type": "string", "maxLength": 20},
            },
            **schema_extra,
        },
        "layout": {
            "sections": [
                {
                    "id": "main",
                    "title": "Main",
                    "elements": [
                        {"type": "control", "scope": "/kind"},
                        {
                            "type": "control",
                            "scope": "/detail",
                            "rule": {
                                "effect": "show",
                                "condition": {"scope": "/kind", "schema": {"const": "other"}},
                            },
                        },
                    ],
                }
            ]
        },
    }
    return definitions.load(raw, "hidden-detail.json")


def test_pruning_is_done_when_deleting_a_hidden_answer_could_matter() -> None:
    # Valid only while `detail` is there: deleting it (it is hidden) makes `not` fail.
    definition = _with_hidden_detail({"not": {"properties": {"detail": {"const": "x"}}}})
    document = {"kind": "usual", "detail": "something"}
    assert not fastcheck.removal_safe(definition.schema)
    assert compiled(dict(definition.schema), document, draft=True) is True  # unpruned: accepted
    assert validation.findings(definition, document, today=TODAY) != []  # pruned: a problem
    assert validation.is_valid_draft(definition, document, today=TODAY) is False
    shown = {"kind": "other", "detail": "something"}
    assert validation.is_valid_draft(definition, shown, today=TODAY) is True
    assert validation.findings(definition, shown, today=TODAY) == []


@pytest.mark.parametrize(
    ("schema_extra", "safe"),
    [
        ({}, True),
        ({"if": {"properties": {"kind": {"const": "other"}}}, "then": {"required": ["detail"]}}, True),
        ({"if": {"properties": {"kind": {"const": "other"}}}, "then": {"maxProperties": 1}}, False),
        ({"if": {"type": "object"}, "then": {"maxProperties": 1}}, True),  # looks at the type only
        ({"not": {"required": ["detail"]}}, False),
        ({"not": {"type": "array"}}, True),
        ({"oneOf": [{"required": ["detail"]}, {"required": ["kind"]}]}, False),
        ({"oneOf": [{"type": "object"}, {"type": "array"}]}, True),
        ({"anyOf": [{"required": ["detail"]}, {"maxProperties": 1}]}, True),
        ({"const": {"kind": "usual"}}, False),
        (
            {"properties": {"list": {"type": "array", "uniqueItems": True, "items": {"type": "object"}}}},
            False,
        ),
        ({"properties": {"list": {"type": "array", "uniqueItems": True, "items": {"type": "string"}}}}, True),
        ({"properties": {"pair": {"type": "array", "prefixItems": [{"type": "string"}]}}}, False),
        ({"$defs": {"n": {"not": {"required": ["a"]}}}, "properties": {"x": {"$ref": "#/$defs/n"}}}, False),
    ],
)
def test_removal_safety(schema_extra: dict[str, Any], safe: bool) -> None:
    assert fastcheck.removal_safe({"type": "object", **schema_extra}) is safe


@pytest.mark.parametrize(
    "schema_extra",
    [
        {"not": {"properties": {"detail": {"const": "x"}}}},
        {"if": {"properties": {"detail": {"const": "x"}}}, "then": {"maxProperties": 1}},
        {"oneOf": [{"properties": {"detail": {"const": "x"}}}, {"required": ["kind"]}]},
    ],
)
def test_is_valid_draft_agrees_with_findings_when_hidden_answers_matter(schema_extra: dict[str, Any]) -> None:
    definition = _with_hidden_detail(schema_extra)
    for kind in ("usual", "other", None):
        for detail in ("x", "something", "", None, 3):
            document = {k: v for k, v in (("kind", kind), ("detail", detail)) if v is not None}
            assert_all_agree(definition, document)


# --- is_valid_draft and its helpers ---------------------------------------------------------------------------


def test_is_valid_draft_on_the_sample_form() -> None:
    form = visit()
    assert validation.is_valid_draft(form, {}, today=TODAY)
    assert validation.is_valid_draft(
        form, {"child": {"given_names": "Ada", "family_name": "   "}}, today=TODAY
    )
    assert not validation.is_valid_draft(form, {"child": {"age": 26}}, today=TODAY)
    assert not validation.is_valid_draft(form, {"visit_date": "2026-11-27"}, today=TODAY)
    assert validation.is_valid_draft(form, {"visit_date": "2026-11-27"}, today=dt.date(2026, 11, 27))
    assert not validation.is_valid_draft(form, {"worries": ["sleep", "sleep"]}, today=TODAY)
    assert not validation.is_valid_draft(form, [], today=TODAY)  # a document is an object
    assert not validation.is_valid_draft(form, "text", today=TODAY)


def _blanked(value: Any, blank: str) -> Any:
    """The document with every text answer in an object made blank (lists keep their items)."""
    if isinstance(value, dict):
        return {k: blank if isinstance(v, str) else _blanked(v, blank) for k, v in value.items()}
    if isinstance(value, list):
        return [_blanked(v, blank) for v in value]
    return value


@pytest.mark.parametrize("path", example_paths(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_blank_answers_are_judged_without_copying_or_the_exact_check(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blank answers, which people leave everywhere, are absent to the compiled check itself: no copy
    of the document without them is made, and the exact (slow) check is not needed."""
    definition = definitions.shipped_catalogue().get(path.parent.name, example_version(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    documents = [_blanked(document, blank) for blank in ("", " ", "\n\t ")]
    for blanked in documents:
        assert validation.findings(definition, blanked, today=TODAY) == []  # what must be answered

    def must_not_run(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("not needed for a document with blank answers")

    monkeypatch.setattr(validation, "without_blanks_shared", must_not_run)
    monkeypatch.setattr(validation, "findings", must_not_run)
    for blanked in [document, *documents]:
        assert validation.is_valid_draft(definition, blanked, today=TODAY)


def test_a_format_checker_is_asked_once_for_each_text_that_conforms(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[Any] = []

    def even_digits(value: Any) -> bool:
        asked.append(value)
        return not isinstance(value, str) or (value.isdigit() and len(value) % 2 == 0)

    monkeypatch.setitem(formats.format_checker.checkers, "x-even-digits", (even_digits, ()))
    monkeypatch.setattr(leaves, "REMEMBERED_TEXTS", 2)
    schema = {
        "type": "object",
        "properties": {"a": {"type": "string", "format": "x-even-digits"}, "b": {"format": "x-even-digits"}},
    }
    check = fastcheck.compile_schema(schema, draft=False)
    assert check is not None
    assert check({"a": "12", "b": "12"}) is True
    assert asked == ["12"]  # remembered for both places that use the format
    assert check({"a": "123"}) is False
    assert check({"b": "123"}) is False
    assert asked == ["12", "123", "123"]  # texts that do not conform are asked again
    assert check({"b": 5}) is True  # not text: asked, as jsonschema asks
    assert asked[-1] == 5
    for text in ("34", "56", "78", "12"):  # more than are remembered: forgotten, then asked again
        assert check({"a": text}) is True
    assert asked[-4:] == ["34", "56", "78", "12"]
    long = "12" * 200
    assert check({"a": long}) is True
    assert check({"a": long}) is True
    assert asked[-2:] == [long, long]  # long texts are not remembered
    for text in ("34", "5", "", "0" * 10, "3a"):
        assert check({"a": text}) == jsonschema_valid(schema, {"a": text})


def test_texts_remembered_to_match_a_pattern_never_let_others_through(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(leaves, "REMEMBERED_TEXTS", 2)
    schema = {"items": {"type": "string", "pattern": "^[a-c]+$"}, "properties": {"a": {"pattern": "b$"}}}
    for document, valid in (
        (["ab", "ab", "abd", "ab"], False),  # a text that matches, remembered, beside one that does not
        (["ab", "abd"], False),
        (["a", "b", "c", "a", "dd", "ab"], False),  # more than are remembered
        (["a", "b", "c", "ab", "ca"], True),
        ({"a": "ab"}, True),
        ({"a": "ba"}, False),
        ({"a": "ab"}, True),
        ({"a": ["ab"]}, True),
        (["\u00e9"], False),
        (["a" * 300, "a" * 300], True),  # too long to remember
        (["a" * 300 + "d"], False),
    ):
        assert all_verdicts(schema, document)[False, False] is valid, document


def test_a_form_that_does_not_compile_is_checked_exactly() -> None:
    raw = visit().raw
    schema = copy.deepcopy(dict(raw["schema"]))
    schema["properties"]["worries"]["contains"] = {"const": "sleep"}
    form = definitions.build({**raw, "schema": schema})
    assert fastcheck.compile_schema(form.schema, draft=True) is None
    assert validation.is_valid_draft(form, {"worries": ["sleep"]}, today=TODAY)
    assert not validation.is_valid_draft(form, {"worries": ["school"]}, today=TODAY)


_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.sampled_from(["", " ", "\t\n", "a", " b "])),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from("abcd"), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(value=_JSON)
def test_blanks_left_out_without_copying_agrees_with_without_blanks(value: Any) -> None:
    before = copy.deepcopy(value)
    lean = validation.without_blanks_shared(value)
    assert json.dumps(lean, sort_keys=True) == json.dumps(formats.without_blanks(value), sort_keys=True)
    assert json.dumps(value, sort_keys=True) == json.dumps(before, sort_keys=True)  # not changed
    if json.dumps(lean) == json.dumps(value):
        assert lean is value  # nothing blank: nothing copied


def test_the_validator_of_a_schema_object_is_found_without_writing_it_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    made: list[str] = []
    real = validation.validator_for_json
    monkeypatch.setattr(validation, "validator_for_json", lambda text: made.append(text) or real(text))
    first = validation.validator_of(schema)
    assert validation.validator_of(schema) is first
    assert len(made) == 1
    assert validation.validator_of(copy.deepcopy(schema)) is first  # an equal schema: the same validator
    assert len(made) == 2
