"""The part of JSON Schema draft 2020-12 the compiled check knows: which keywords act, which are left to
jsonschema, and the refusal (`Unsupported`) that sends a schema back to jsonschema."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[Any], bool]

DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Keywords jsonschema's Draft202012Validator (plus our two) acts on; everything else only annotates
# (title, description, default, examples, errorMessage, x-..., $comment, $defs, ...) and is ignored,
# exactly as jsonschema ignores it.
ACTIVE = frozenset(
    {
        "$ref",
        "additionalProperties",
        "allOf",
        "anyOf",
        "const",
        "dependentRequired",
        "dependentSchemas",
        "enum",
        "exclusiveMaximum",
        "exclusiveMinimum",
        "format",
        "formatMaximum",
        "formatMinimum",
        "if",
        "items",
        "maxItems",
        "maxLength",
        "maxProperties",
        "maximum",
        "minItems",
        "minLength",
        "minProperties",
        "minimum",
        "multipleOf",
        "not",
        "oneOf",
        "pattern",
        "patternProperties",
        "prefixItems",
        "properties",
        "propertyNames",
        "required",
        "type",
        "uniqueItems",
    }
)
# Acted on by jsonschema but not compiled here: a schema using one is left to jsonschema.
UNSUPPORTED = frozenset({"$dynamicRef", "contains", "unevaluatedItems", "unevaluatedProperties"})
# Keywords whose outcome depends on what a container holds (not just on its type).
READS_CONTENTS = frozenset(
    {
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "required",
        "dependentRequired",
        "dependentSchemas",
        "minProperties",
        "maxProperties",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "uniqueItems",
        "contains",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
IN_PLACE_ONE = ("not", "if", "then", "else")
IN_PLACE_MANY = ("allOf", "anyOf", "oneOf")
SCALAR_TYPES = frozenset({"string", "number", "integer", "boolean", "null"})


class Unsupported(Exception):
    """The schema uses something the compiled check does not support (jsonschema checks it then)."""


# Keywords whose value maps names to subschemas (the names are not keywords), and keywords whose
# value is data, not a schema.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"})
_DATA = frozenset({"const", "enum", "default", "examples", "required", "dependentRequired"})


def scan(schema: Any) -> None:
    """Refuses what changes how references resolve: an `$id` or `$schema` in a subschema (any value
    that could be one, to be safe), or a root `$schema` for another dialect."""
    if not isinstance(schema, Mapping):
        return  # true or false
    if schema.get("$schema", DIALECT) != DIALECT:
        raise Unsupported(f"$schema {schema['$schema']!r}")
    stack: list[Any] = []
    for key, value in schema.items():
        if key in _SCHEMA_MAPS and isinstance(value, Mapping):
            stack.extend(value.values())
        elif key not in _DATA and key not in ("$id", "$schema"):
            stack.append(value)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, Mapping):
            if "$id" in node or "$schema" in node:
                raise Unsupported("$id or $schema below the root")
            for key, value in node.items():
                if key in _SCHEMA_MAPS and isinstance(value, Mapping):
                    stack.extend(value.values())
                elif key not in _DATA:
                    stack.append(value)
