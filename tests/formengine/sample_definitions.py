"""Small hand-written definitions that exercise the format's features one at a time."""

from __future__ import annotations

import copy
from typing import Any

from caf_desktop.formengine import definitions

CHOICES_SEX = [
    {"const": "male", "title": "Male"},
    {"const": "female", "title": "Female"},
    {"const": "unknown", "title": "Unknown"},
]

VISIT: dict[str, Any] = {
    "format": 1,
    "id": "home-visit-note",
    "version": "1.0.0",
    "title": "Home visit note",
    "description": "A short note of a home visit.",
    "subject": {
        "given_names": "/child/given_names",
        "family_name": "/child/family_name",
        "date_of_birth": "/child/date_of_birth",
    },
    "schema": {
        "type": "object",
        "required": ["child", "visit_date", "seen_alone"],
        "$defs": {
            "person": {
                "type": "object",
                "title": "Person",
                "required": ["name"],
                "properties": {
                    "name": {"title": "Name", "type": "string", "maxLength": 20},
                    "phone": {"title": "Telephone", "type": "string", "format": "uk-phone"},
                    "email": {"title": "Email", "type": "string", "format": "email"},
                },
            }
        },
        "properties": {
            "child": {
                "title": "Child",
                "type": "object",
                "required": ["given_names", "family_name", "sex"],
                "properties": {
                    "given_names": {"title": "Given name(s)", "type": "string", "maxLength": 100},
                    "family_name": {"title": "Family name", "type": "string", "maxLength": 100},
                    "sex": {"title": "Sex", "type": "string", "oneOf": CHOICES_SEX},
                    "is_unborn": {"title": "Is this an unborn baby?", "type": "boolean"},
                    "date_of_birth": {
                        "title": "Date of birth",
                        "type": "string",
                        "format": "date",
                        "formatMaximum": "today",
                    },
                    "expected_date_of_delivery": {
                        "title": "Expected date of delivery",
                        "type": "string",
                        "format": "date",
                        "formatMinimum": "today",
                    },
                    "postcode": {"title": "Postcode", "type": "string", "format": "uk-postcode"},
                    "age": {"title": "Age in years", "type": "integer", "minimum": 0, "maximum": 25},
                },
                "if": {"required": ["is_unborn"], "properties": {"is_unborn": {"const": True}}},
                "then": {"required": ["expected_date_of_delivery"]},
                "else": {"required": ["date_of_birth"]},
            },
            "visit_date": {
                "title": "Date of visit",
                "type": "string",
                "format": "date",
                "formatMaximum": "today",
            },
            "seen_alone": {"title": "Was the child seen alone?", "type": "boolean"},
            "reason_not_seen_alone": {"title": "Why not?", "type": "string", "maxLength": 2000},
            "reference": {
                "title": "CAF reference",
                "type": "string",
                "pattern": "^MK-[0-9]{4}-[0-9]{4}$",
                "errorMessage": "Enter the CAF reference like MK-2026-0001",
            },
            "carers": {
                "title": "Parents and carers",
                "type": "array",
                "items": {"$ref": "#/$defs/person", "title": "Parent or carer"},
            },
            "worries": {
                "title": "Worries",
                "type": "array",
                "uniqueItems": True,
                "items": {
                    "type": "string",
                    "oneOf": [{"const": "sleep", "title": "Sleep"}, {"const": "school", "title": "School"}],
                },
            },
        },
        "dependentRequired": {"reason_not_seen_alone": ["seen_alone"]},
    },
    "layout": {
        "sections": [
            {
                "id": "child",
                "title": "The child",
                "elements": [
                    {
                        "type": "control",
                        "scope": "/child",
                        "elements": [
                            {"type": "control", "scope": "/given_names"},
                            {"type": "control", "scope": "/family_name"},
                            {"type": "control", "scope": "/sex"},
                            {"type": "control", "scope": "/is_unborn", "options": {"widget": "yesno"}},
                            {
                                "type": "control",
                                "scope": "/date_of_birth",
                                "rule": {
                                    "effect": "hide",
                                    "condition": {"scope": "/is_unborn", "schema": {"const": True}},
                                },
                            },
                            {
                                "type": "control",
                                "scope": "/expected_date_of_delivery",
                                "rule": {
                                    "effect": "show",
                                    "condition": {"scope": "/is_unborn", "schema": {"const": True}},
                                },
                            },
                            {"type": "control", "scope": "/postcode"},
                            {"type": "control", "scope": "/age"},
                        ],
                    },
                    {"type": "control", "scope": "/reference"},
                ],
            },
            {
                "id": "visit",
                "title": "The visit",
                "elements": [
                    {"type": "control", "scope": "/visit_date"},
                    {"type": "control", "scope": "/seen_alone", "options": {"widget": "yesno"}},
                    {
                        "type": "control",
                        "scope": "/reason_not_seen_alone",
                        "rule": {
                            "effect": "show",
                            "condition": {"scope": "/seen_alone", "schema": {"const": False}},
                        },
                    },
                    {
                        "type": "control",
                        "scope": "/carers",
                        "options": {"widget": "repeat", "itemTitle": "/name"},
                    },
                    {"type": "control", "scope": "/worries"},
                ],
            },
        ]
    },
}


def visit_raw() -> dict[str, Any]:
    return copy.deepcopy(VISIT)


def visit() -> definitions.FormDefinition:
    return definitions.load(visit_raw(), "home-visit-note.json")
