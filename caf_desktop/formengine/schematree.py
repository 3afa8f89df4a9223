"""Finding one's way around a data schema: which subschemas describe the value at a data pointer.

A value's description can be spread over `properties`, `allOf`, `if`/`then`/`else`,
`dependentSchemas`, `oneOf`/`anyOf` branches and `$ref`s. These functions gather every subschema
that speaks about a place, so titles, kinds and "did you mean" work whatever style the designer used.
Only references inside the same schema (`#...`) are followed; `forms check` rejects the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

from caf_desktop.formengine import pointers

Schema = Mapping[str, Any]

_APPLICATORS_IN_PLACE = ("allOf", "anyOf", "oneOf")
_CONDITIONAL_BRANCHES = ("then", "else")


def deref(root: Schema, node: Any) -> Any:
    """Follows `$ref` chains (same-document references only) to the schema they name."""
    seen: set[str] = set()
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        if not ref.startswith("#") or ref in seen:
            return node
        seen.add(ref)
        target = pointers.resolve(root, ref[1:], None)
        if not isinstance(target, Mapping):
            return node
        node = target
    return node


def facets(root: Schema, node: Any, *, conditional: bool = True) -> Iterator[Schema]:
    """Every subschema that may apply to the same value as `node`, `node` first.

    With `conditional` (the default), `oneOf`/`anyOf` branches, `then`/`else` and `dependentSchemas`
    are included: for finding a field's title or its children, a property described in any branch is
    still a property of this form. Without it, only what always applies (`$ref`, `allOf`).
    """
    stack = [node]
    seen: set[int] = set()
    while stack:
        current = stack.pop(0)
        if not isinstance(current, Mapping) or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        ref = current.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            # The referenced schema applies too, beside any keywords written next to the $ref.
            stack.append(pointers.resolve(root, ref[1:], None))
        for keyword in _APPLICATORS_IN_PLACE if conditional else ("allOf",):
            branches = current.get(keyword)
            if isinstance(branches, list):
                stack.extend(branches)
        if not conditional:
            continue
        for keyword in _CONDITIONAL_BRANCHES:
            if isinstance(current.get(keyword), Mapping):
                stack.append(current[keyword])
        dependent = current.get("dependentSchemas")
        if isinstance(dependent, Mapping):
            stack.extend(dependent.values())


def children(root: Schema, node: Any, token: str) -> list[Schema]:
    """The subschemas describing child `token` (a property name, or an array index or `*`)."""
    found: list[Schema] = []
    for facet in facets(root, node):
        properties = facet.get("properties")
        if isinstance(properties, Mapping) and token in properties:
            found.append(properties[token])
        if token == "*" or token.isdigit():  # noqa: S105 - an array wildcard, not a password
            items = facet.get("items")
            if isinstance(items, Mapping):
                found.append(items)
    return found


def property_names(root: Schema, node: Any) -> list[str]:
    """Every property name the schema describes at this place, in the order first written."""
    names: dict[str, None] = {}
    for facet in facets(root, node):
        properties = facet.get("properties")
        if isinstance(properties, Mapping):
            names.update(dict.fromkeys(properties))
    return list(names)


def at(root: Schema, pointer: str, base: Any = None, *, conditional: bool = True) -> list[Schema]:
    """The subschemas describing the value at a data pointer (array indices or `*` step into items).

    An empty list means the schema says nothing about that place. `conditional` as for `facets`.
    """
    nodes: list[Any] = [root if base is None else base]
    for token in pointers.split(pointer):
        nodes = [c for n in nodes for c in children(root, n, token)]
        if not nodes:
            return []
    return [f for n in nodes for f in facets(root, n, conditional=conditional)]


def first(subschemas: list[Schema], keyword: str) -> Any:
    """The first value of `keyword` among the subschemas, or None."""
    for subschema in subschemas:
        if keyword in subschema:
            return subschema[keyword]
    return None


Kind = Literal[
    "choice",
    "choices",
    "boolean",
    "integer",
    "number",
    "date",
    "datetime",
    "text",
    "object",
    "array",
    "unknown",
]


def choice_options(subschemas: list[Schema]) -> list[tuple[Any, str]] | None:
    """The `(code, label)` options of a choice field, from `oneOf` of consts or `enum`."""
    for subschema in subschemas:
        branches = subschema.get("oneOf")
        if (
            isinstance(branches, list)
            and branches
            and all(isinstance(b, Mapping) and "const" in b for b in branches)
        ):
            return [(b["const"], str(b.get("title", b["const"]))) for b in branches]
        enum = subschema.get("enum")
        if isinstance(enum, list):
            return [(value, str(value)) for value in enum]
    return None


def kind(root: Schema, subschemas: list[Schema]) -> Kind:
    """What sort of answer lives here, as a person filling the form would see it."""
    if choice_options(subschemas) is not None:
        return "choice"
    declared = first(subschemas, "type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    if declared == "array":
        items = [
            f for s in subschemas if isinstance(s.get("items"), Mapping) for f in facets(root, s["items"])
        ]
        return "choices" if choice_options(items) is not None else "array"
    if declared == "string":
        fmt = first(subschemas, "format")
        if fmt == "date":
            return "date"
        return "datetime" if fmt == "date-time" else "text"
    if declared == "boolean":
        return "boolean"
    if declared == "integer":
        return "integer"
    if declared == "number":
        return "number"
    if declared == "object":
        return "object"
    if first(subschemas, "properties") is not None:
        return "object"
    return "unknown"


def title(subschemas: list[Schema], fallback: str) -> str:
    found = first(subschemas, "title")
    return str(found) if isinstance(found, str) and found else fallback


def defaults(root: Schema, node: Any) -> Any:
    """The starting value a schema gives: its `default` or `const`, or an object of its properties'
    starting values (lists start empty, so nothing inside them). None when there is none."""
    always = list(facets(root, node, conditional=False))
    for keyword in ("const", "default"):
        for facet in always:
            if keyword in facet:
                return facet[keyword]
    if kind(root, always) != "object":
        return None
    found = {}
    for name in property_names(root, node):
        value = defaults(root, first_property(root, always, name))
        if value is not None:
            found[name] = value
    return found or None


def first_property(root: Schema, subschemas: list[Schema], name: str) -> Any:
    for subschema in subschemas:
        properties = subschema.get("properties")
        if isinstance(properties, Mapping) and name in properties:
            return properties[name]
    return {}
