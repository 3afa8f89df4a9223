"""A fast yes/no check of a document against a form's JSON Schema (draft 2020-12).

`caf_desktop.validation` explains problems in plain English with python-jsonschema; that costs a few
milliseconds per full CAF record, too slow for importing a sync bundle of thousands. Here a schema is
compiled once into a tree of Python closures that only answer "valid or not", with the exact
semantics of `validation._validator(schema)` (jsonschema's Draft202012Validator, our formats, and
`formatMinimum`/`formatMaximum`), in two modes:

- strict: what `validation._validator(schema).is_valid(document)` answers;
- draft: whether every error jsonschema reports is one `validation._tolerated_in_draft` accepts.
  In that mode `required`, `dependentRequired`, `minItems` and `minProperties` never fail,
  `minLength` does not fail on an empty string, and a `oneOf`/`anyOf` that no branch passes is
  accepted when some branch fails only for such reasons (see `_Compiler._one_of`).

`compile_schema` returns None for a schema that uses something not supported here (callers then
use jsonschema). Callers run the exact check whenever the compiled one says False, so the one rule
that must never be broken is: the compiled check never says True where the exact check finds a
problem. Where jsonschema itself is odd (its `uniqueItems` compares only neighbours after sorting)
the check here may say False where jsonschema says True, never the other way.

The compiled check is cached per schema object (kept alive by the cache); schemas are treated as
immutable, as `FormDefinition`s are.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any
from urllib.parse import unquote

from caf_desktop.validation import _bound, _today, format_checker, parse_date

Check = Callable[[Any], bool]

_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Keywords jsonschema's Draft202012Validator (plus our two) acts on; everything else only annotates
# (title, description, default, examples, errorMessage, x-..., $comment, $defs, ...) and is ignored,
# exactly as jsonschema ignores it.
_ACTIVE = frozenset(
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
_UNSUPPORTED = frozenset({"$dynamicRef", "contains", "unevaluatedItems", "unevaluatedProperties"})
# Keywords whose outcome depends on what a container holds (not just on its type).
_READS_CONTENTS = frozenset(
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
_IN_PLACE_ONE = ("not", "if", "then", "else")
_IN_PLACE_MANY = ("allOf", "anyOf", "oneOf")
_SCALAR_TYPES = frozenset({"string", "number", "integer", "boolean", "null"})


class _Unsupported(Exception):
    """The schema uses something this module does not compile."""


# --- JSON semantics, as jsonschema has them -------------------------------------------------------------


def _always(_instance: Any) -> bool:
    return True


def _never(_instance: Any) -> bool:
    return False


def _is_number(value: Any) -> bool:
    if type(value) is int or type(value) is float:
        return True
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TYPE_TESTS: dict[str, Check] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": _is_integer,
}

_TRUE = object()
_FALSE = object()


def _unbool(value: Any) -> Any:
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    return value


def json_equal(one: Any, two: Any) -> bool:
    """JSON equality as jsonschema's `const` and `enum` use it: 1 == 1.0, but True != 1."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and json_equal(v, two[k]) for k, v in one.items())
    return bool(_unbool(one) == _unbool(two))


def _hashable_scalar_key(value: Any) -> tuple[Any, ...] | None:
    """A key equal for exactly the scalars `json_equal` finds equal; None for anything else."""
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, bool):
        return ("b", value)
    if value is None:
        return ("z",)
    if type(value) is int or (type(value) is float and not math.isnan(value)):
        return ("n", value)
    return None


def _unique(items: list[Any]) -> bool:
    """No two items equal (by `json_equal`). jsonschema's `uniq` may miss some repeats (it compares
    neighbours after sorting); this never does, so it is never more lenient than jsonschema."""
    seen: set[tuple[Any, ...]] = set()
    others: list[Any] = []
    for item in items:
        key = _hashable_scalar_key(item)
        if key is None:
            if any(json_equal(item, other) for other in others):
                return False
            others.append(item)
        elif key in seen:
            return False
        else:
            seen.add(key)
    return True


# --- combining checks -----------------------------------------------------------------------------------


def _all(checks: Iterable[Check]) -> Check:
    kept = [c for c in checks if c is not _always]
    if any(c is _never for c in kept):
        return _never
    if not kept:
        return _always
    if len(kept) == 1:
        return kept[0]
    if len(kept) == 2:
        first, second = kept
        return lambda v: first(v) and second(v)
    if len(kept) == 3:
        first, second, third = kept
        return lambda v: first(v) and second(v) and third(v)
    every = tuple(kept)
    return lambda v: all(check(v) for check in every)


def _any(checks: Sequence[Check]) -> Check:
    if any(c is _always for c in checks):
        return _always
    kept = tuple(c for c in checks if c is not _never)
    if not kept:
        return _never
    if len(kept) == 1:
        return kept[0]

    return lambda v: any(check(v) for check in kept)


class _Cell:
    """The check of a schema still being compiled (a recursive `$ref`), filled in when done."""

    def __init__(self) -> None:
        self.check: Check | None = None

    def __call__(self, value: Any) -> bool:
        assert self.check is not None
        return self.check(value)


def _number(value: Any, what: str) -> Any:
    if not _is_number(value):
        raise _Unsupported(f"{what} is not a number")
    return value


# --- the compiler -----------------------------------------------------------------------------------------


class _Compiler:
    def __init__(self, root: Mapping[str, Any]) -> None:
        self.root = root
        self.memo: dict[tuple[int, bool], Check] = {}
        self.refs: dict[tuple[str, bool], Check] = {}
        # Set when the draft check has a keyword whose outcome deleting answers can turn from pass
        # to fail (see `removal_safe`).
        self.removal_sensitive = False

    # The entry point for every (sub)schema.
    def node(self, schema: Any, draft: bool) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, Mapping):
            raise _Unsupported("a schema that is neither an object nor a boolean")
        key = (id(schema), draft)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self._build(schema, draft)
        return found

    def _build(self, schema: Mapping[str, Any], draft: bool) -> Check:
        if _UNSUPPORTED & schema.keys():
            raise _Unsupported(", ".join(sorted(_UNSUPPORTED & schema.keys())))
        active = _ACTIVE & schema.keys()
        if not active:
            return _always
        if active == {"$ref"}:
            return self._ref(schema["$ref"], draft)

        types: frozenset[str] | None = None
        if "type" in active:
            written = schema["type"]
            names = [written] if isinstance(written, str) else written
            if not isinstance(names, list) or not all(isinstance(n, str) and n in _TYPE_TESTS for n in names):
                raise _Unsupported(f"type {written!r}")
            types = frozenset(names)
        only = next(iter(types)) if types is not None and len(types) == 1 else None

        # Each part is compiled whatever the type, so that anything unsupported is refused.
        high, string_checks = self._string_spec(schema, draft)
        number_part = self._number_part(schema)
        object_part = self._object_part(schema, draft, typed=only == "object")
        array_part = self._array_part(schema, draft, typed=only == "array")
        general, choices = self._general(schema, draft)

        if only == "string":  # the most common node: one closure, type and length inline
            return _string_node(high, choices, [*string_checks, *general])
        if choices is not None:
            allowed = choices
            general.append(lambda v: isinstance(v, str) and v in allowed)
        if only == "object":
            return _all([object_part or _TYPE_TESTS["object"], *general])
        if only == "array":
            return _all([array_part or _TYPE_TESTS["array"], *general])
        if only is not None:
            test = _TYPE_TESTS[only]
            if number_part is not None and only in ("number", "integer"):
                numeric = number_part
                return _all([lambda v: test(v) and numeric(v), *general])
            return _all([test, *general])

        if high is not None:
            longest = high
            string_checks.append(lambda v: len(v) <= longest)
        string_part = _all(string_checks) if string_checks else None
        type_test = _any([_TYPE_TESTS[t] for t in sorted(types)]) if types is not None else _always
        parts = (string_part, number_part, object_part, array_part)
        by_kind = _always if all(p is None for p in parts) else _by_kind(*parts)
        return _all([type_test, by_kind, *general])

    # --- references ---

    def _ref(self, ref: Any, draft: bool) -> Check:
        if not isinstance(ref, str):
            raise _Unsupported("$ref that is not a string")
        key = (ref, draft)
        found = self.refs.get(key)
        if found is not None:
            return found
        cell = _Cell()
        self.refs[key] = cell  # a reference back to this one, while it is compiled, goes through the cell
        cell.check = self.node(self._resolve(ref), draft)
        self.refs[key] = cell.check
        return cell.check

    def _resolve(self, ref: str) -> Any:
        """The subschema a same-document reference names (`#`, `#/$defs/...`, any JSON Pointer)."""
        if not ref.startswith("#"):
            raise _Unsupported(f"$ref {ref!r} to another document")
        fragment = ref[1:]
        if not fragment:
            return self.root
        if not fragment.startswith("/"):
            raise _Unsupported(f"$ref {ref!r} to an anchor")
        node: Any = self.root
        for segment in unquote(fragment[1:]).split("/"):
            if isinstance(node, list):
                if not segment.isdigit() or int(segment) >= len(node):
                    raise _Unsupported(f"$ref {ref!r} names nothing")
                node = node[int(segment)]
            elif isinstance(node, Mapping):
                name = segment.replace("~1", "/").replace("~0", "~")
                if name not in node:
                    raise _Unsupported(f"$ref {ref!r} names nothing")
                node = node[name]
            else:
                raise _Unsupported(f"$ref {ref!r} names nothing")
        return node

    # --- keywords for strings, numbers, objects and arrays (each part assumes its kind) ---

    def _string_spec(self, schema: Mapping[str, Any], draft: bool) -> tuple[Any, list[Check]]:
        """`maxLength` (or None), and the other checks of text (each assumes a string)."""
        checks: list[Check] = []
        high = _number(schema["maxLength"], "maxLength") if "maxLength" in schema else None
        if "minLength" in schema:
            low = _number(schema["minLength"], "minLength")
            if draft:  # an empty answer is only "not filled in yet"
                checks.append(lambda v: len(v) >= low or not v)
            else:
                checks.append(lambda v: len(v) >= low)
        if "pattern" in schema:
            search = _search(schema["pattern"])
            checks.append(lambda v: search(v) is not None)
        for keyword, direction in (("formatMaximum", +1), ("formatMinimum", -1)):
            if keyword in schema:
                bound = _date_bound(schema[keyword], direction)
                if bound is not _always:
                    checks.append(bound)
        return high, checks

    def _number_part(self, schema: Mapping[str, Any]) -> Check | None:
        checks: list[Check] = []
        if "minimum" in schema:
            minimum = _number(schema["minimum"], "minimum")
            checks.append(lambda v: not v < minimum)
        if "maximum" in schema:
            maximum = _number(schema["maximum"], "maximum")
            checks.append(lambda v: not v > maximum)
        if "exclusiveMinimum" in schema:
            exclusive_minimum = _number(schema["exclusiveMinimum"], "exclusiveMinimum")
            checks.append(lambda v: not v <= exclusive_minimum)
        if "exclusiveMaximum" in schema:
            exclusive_maximum = _number(schema["exclusiveMaximum"], "exclusiveMaximum")
            checks.append(lambda v: not v >= exclusive_maximum)
        if "multipleOf" in schema:
            divisor = _number(schema["multipleOf"], "multipleOf")
            if not divisor > 0:
                raise _Unsupported("multipleOf that is not positive")
            checks.append(lambda v: _is_multiple(v, divisor))
        if not checks:
            return None
        return _all(checks)

    def _object_part(self, schema: Mapping[str, Any], draft: bool, *, typed: bool) -> Check | None:
        """The checks of an object; with `typed`, also that the value is one (else it is assumed)."""
        members = self._members_part(schema, draft, typed)
        others = self._object_rest(schema, draft)
        if members is None and not others:
            return None
        if members is None:
            members = _TYPE_TESTS["object"] if typed else _always
        return _all([members, *others])

    def _members_part(self, schema: Mapping[str, Any], draft: bool, typed: bool) -> Check | None:
        """`properties`, `patternProperties`, `additionalProperties` and `propertyNames`."""
        written = schema.get("properties", {})
        if not isinstance(written, Mapping):
            raise _Unsupported("properties that is not an object")
        properties = {name: self.node(subschema, draft) for name, subschema in written.items()}

        written_patterns = schema.get("patternProperties", {})
        if not isinstance(written_patterns, Mapping):
            raise _Unsupported("patternProperties that is not an object")
        patterns = [(_search(p), self.node(subschema, draft)) for p, subschema in written_patterns.items()]

        extra: Check | None = None
        extra_pattern: Callable[[str], Any] | None = None
        if "additionalProperties" in schema:
            additional = schema["additionalProperties"]
            if isinstance(additional, dict):
                extra = self.node(additional, draft)
            elif not additional:
                extra = _never
            if written_patterns:  # jsonschema's own test for "additional": the patterns joined by |
                extra_pattern = _search("|".join(written_patterns))
            if extra is _always:
                extra = None

        names = self.node(schema["propertyNames"], draft) if "propertyNames" in schema else None
        if names is _always:
            names = None

        if patterns or extra is not None or names is not None:
            return _members(
                properties,
                patterns=patterns,
                extra=extra,
                extra_pattern=extra_pattern,
                names=names,
                typed=typed,
            )
        if any(c is not _always for c in properties.values()):
            return _properties_only(properties, typed)
        return None

    def _object_rest(self, schema: Mapping[str, Any], draft: bool) -> list[Check]:
        """The other keywords of objects (each check assumes an object)."""
        checks: list[Check] = []
        if not draft:  # in a draft these only say that something is not filled in yet
            required = _strings(schema.get("required", []), "required")
            if required:
                checks.append(lambda v: all(name in v for name in required))
            written = schema.get("dependentRequired", {})
            if not isinstance(written, Mapping):
                raise _Unsupported("dependentRequired that is not an object")
            dependencies = tuple((k, _strings(d, "dependentRequired")) for k, d in written.items())
            if dependencies:
                checks.append(
                    lambda v: all(all(d in v for d in needs) for name, needs in dependencies if name in v)
                )
            if "minProperties" in schema:
                fewest = _number(schema["minProperties"], "minProperties")
                checks.append(lambda v: not len(v) < fewest)
        if "maxProperties" in schema:
            most = _number(schema["maxProperties"], "maxProperties")
            checks.append(lambda v: not len(v) > most)
        written_schemas = schema.get("dependentSchemas", {})
        if not isinstance(written_schemas, Mapping):
            raise _Unsupported("dependentSchemas that is not an object")
        dependents = tuple(
            (name, self.node(subschema, draft))
            for name, subschema in written_schemas.items()
            if self.node(subschema, draft) is not _always
        )
        if dependents:
            checks.append(lambda v: all(check(v) for name, check in dependents if name in v))
        return checks

    def _array_part(self, schema: Mapping[str, Any], draft: bool, *, typed: bool) -> Check | None:
        """The checks of an array; with `typed`, also that the value is one (else it is assumed)."""
        prefix: tuple[Check, ...] = ()
        if "prefixItems" in schema:
            written = schema["prefixItems"]
            if not isinstance(written, list):
                raise _Unsupported("prefixItems that is not a list")
            prefix = tuple(self.node(s, draft) for s in written)
            if draft:
                self.removal_sensitive = True  # deleting an item moves the others under other schemas
        width = len(prefix)
        each: Check | None = None
        closed = False
        if "items" in schema:
            items = schema["items"]
            if items is False:
                closed = True
            elif isinstance(items, Mapping):
                each = self.node(items, draft)
                if each is _always:
                    each = None
            elif items is not True:
                raise _Unsupported("items that is not a schema")
        fewest = _number(schema["minItems"], "minItems") if "minItems" in schema and not draft else None
        most = _number(schema["maxItems"], "maxItems") if "maxItems" in schema else None
        unique = bool(schema.get("uniqueItems"))
        if unique and draft and not self._scalar_typed(schema.get("items")):
            self.removal_sensitive = True  # deleting answers inside two items could make them equal
        if not (prefix or each is not None or closed or fewest is not None or most is not None or unique):
            return None

        def array(value: Any) -> bool:
            if not isinstance(value, list):
                return not typed
            if most is not None and len(value) > most:
                return False
            if fewest is not None and len(value) < fewest:
                return False
            if closed and len(value) > width:
                return False
            for check, item in zip(prefix, value, strict=False):
                if not check(item):
                    return False
            if each is not None:
                for item in value[width:] if width else value:
                    if not each(item):
                        return False
            return not unique or _unique(value)

        return array

    # --- keywords for any value ---

    def _general(self, schema: Mapping[str, Any], draft: bool) -> tuple[list[Check], frozenset[str] | None]:
        """The checks of keywords for any value, and the texts that `enum` and a `oneOf` of distinct
        text constants allow (the value must be one of them; None when neither is there)."""
        checks: list[Check] = []
        choices: frozenset[str] | None = None
        if "$ref" in schema:
            checks.append(self._ref(schema["$ref"], draft))
        if "const" in schema:
            checks.append(_equals(schema["const"]))
            if draft and isinstance(schema["const"], list | dict):
                self.removal_sensitive = True
        if "enum" in schema:
            options = schema["enum"]
            if not isinstance(options, list):
                raise _Unsupported("enum that is not a list")
            if options and all(isinstance(o, str) for o in options):
                choices = frozenset(options)
            else:
                checks.append(_one_of_values(options))
            if draft and any(isinstance(o, list | dict) for o in options):
                self.removal_sensitive = True
        if "oneOf" in schema:
            branches = _schemas(schema["oneOf"], "oneOf")
            values = _const_values(branches)
            if values is not None and len(set(values)) == len(values):
                # A list of choices: exactly one branch passes when the value is one of them. A const
                # never fails only for reasons a draft tolerates, so drafts are no different.
                choices = frozenset(values) if choices is None else choices & frozenset(values)
            else:
                checks.append(self._one_of(branches, draft))
        if "format" in schema:
            checks.append(_format(schema["format"]))
        if "allOf" in schema:
            checks.extend(self.node(s, draft) for s in _schemas(schema["allOf"], "allOf"))
        if "anyOf" in schema:
            # A draft passes when some branch passes as a draft: a branch that passes outright does,
            # and when none does jsonschema's error is tolerated if some branch failed only for
            # tolerated reasons.
            checks.append(_any([self.node(s, draft) for s in _schemas(schema["anyOf"], "anyOf")]))
        if "not" in schema:
            denied = self.node(schema["not"], False)  # jsonschema asks `is_valid`: strict
            checks.append(lambda v: not denied(v))
            if draft and self._reads_contents(schema["not"]):
                self.removal_sensitive = True
        if "if" in schema:
            then = self.node(schema["then"], draft) if "then" in schema else _always
            otherwise = self.node(schema["else"], draft) if "else" in schema else _always
            if not (then is _always and otherwise is _always):  # else the outcome never matters
                condition = self.node(schema["if"], False)  # jsonschema asks `is_valid`: strict
                checks.append(lambda v: then(v) if condition(v) else otherwise(v))
                if draft and self._reads_contents(schema["if"]):
                    self.removal_sensitive = True
        return checks, choices

    def _one_of(self, branches: list[Any], draft: bool) -> Check:
        """Strict: exactly one branch passes.

        Draft (`validation._tolerated_in_draft`): jsonschema reports "valid under each of" without
        context when two or more branches pass outright (never tolerated); when none passes it reports
        an error whose context holds every branch's errors, tolerated when some branch's errors are all
        tolerated, that is when some branch passes as a draft. One branch passing outright is no error.
        """
        values = _const_values(branches)
        if values is not None:  # a list of choices; a const never fails only for tolerated reasons
            return _exactly_one_value(values)
        strict = tuple(self.node(b, False) for b in branches)
        if draft and any(self._reads_contents(b) for b in branches):
            self.removal_sensitive = True

        def exactly_one(value: Any) -> bool:
            passed = 0
            for check in strict:
                if check(value):
                    passed += 1
                    if passed > 1:
                        return False
            return passed == 1

        if not draft:
            return exactly_one
        drafts = tuple(self.node(b, True) for b in branches)
        if drafts == strict:
            return exactly_one

        def one_as_draft(value: Any) -> bool:
            passed = 0
            for check in strict:
                if check(value):
                    passed += 1
                    if passed > 1:
                        return False
            if passed == 1:
                return True
            return any(check(value) for check in drafts)

        return one_as_draft

    # --- what deleting answers can change ---

    def _reads_contents(self, schema: Any) -> bool:
        """Whether a schema's outcome can depend on what a container holds, not only on its type:
        some keyword in it, or in what it applies in place (`allOf`, `$ref`, ...), looks inside."""
        stack = [schema]
        seen: set[int] = set()
        while stack:
            node = stack.pop()
            if not isinstance(node, Mapping) or id(node) in seen:
                continue
            seen.add(id(node))
            if _READS_CONTENTS & node.keys():
                return True
            for keyword in ("const", "enum"):
                written = node.get(keyword)
                values = written if keyword == "enum" and isinstance(written, list) else [written]
                if keyword in node and any(isinstance(v, list | dict) for v in values):
                    return True
            if isinstance(node.get("$ref"), str):
                stack.append(self._resolve(node["$ref"]))
            stack.extend(node[k] for k in _IN_PLACE_ONE if k in node)
            for keyword in _IN_PLACE_MANY:
                if isinstance(node.get(keyword), list):
                    stack.extend(node[keyword])
        return False

    def _scalar_typed(self, schema: Any) -> bool:
        """Whether this (items) schema itself requires a scalar type (a string, number, ...)."""
        seen: set[str] = set()
        while isinstance(schema, Mapping) and "type" not in schema and isinstance(schema.get("$ref"), str):
            if schema["$ref"] in seen:
                return False
            seen.add(schema["$ref"])
            schema = self._resolve(schema["$ref"])
        if not isinstance(schema, Mapping):
            return False
        written = schema.get("type")
        names = [written] if isinstance(written, str) else written
        return isinstance(names, list) and bool(names) and set(names) <= _SCALAR_TYPES


# --- building blocks ---------------------------------------------------------------------------------------


def _string_node(high: Any, choices: frozenset[str] | None, checks: list[Check]) -> Check:
    """A node of `"type": "string"` as one closure: the type, `maxLength` and choices inline."""
    checks = [c for c in checks if c is not _always]
    if any(c is _never for c in checks):
        return _never
    if choices is not None:
        allowed = choices
        if not checks:
            if high is None:
                return lambda v: isinstance(v, str) and v in allowed
            return lambda v: isinstance(v, str) and v in allowed and len(v) <= high
        checks.insert(0, lambda v: v in allowed)
    if not checks:
        if high is None:
            return _TYPE_TESTS["string"]
        return lambda v: isinstance(v, str) and len(v) <= high
    if len(checks) == 1:
        (first,) = checks
        if high is None:
            return lambda v: isinstance(v, str) and first(v)
        return lambda v: isinstance(v, str) and len(v) <= high and first(v)
    if len(checks) == 2:
        first, second = checks
        if high is None:
            return lambda v: isinstance(v, str) and first(v) and second(v)
        return lambda v: isinstance(v, str) and len(v) <= high and first(v) and second(v)
    rest = _all(checks)
    if high is None:
        return lambda v: isinstance(v, str) and rest(v)
    return lambda v: isinstance(v, str) and len(v) <= high and rest(v)


def _by_kind(
    string_part: Check | None, number_part: Check | None, object_part: Check | None, array_part: Check | None
) -> Check:
    def by_kind(value: Any) -> bool:
        if isinstance(value, str):
            return string_part is None or string_part(value)
        if isinstance(value, dict):
            return object_part is None or object_part(value)
        if isinstance(value, list):
            return array_part is None or array_part(value)
        if number_part is not None and _is_number(value):
            return number_part(value)
        return True

    return by_kind


def _properties_only(properties: dict[str, Check], typed: bool) -> Check:
    lookup = {k: c for k, c in properties.items() if c is not _always}.get

    def members(value: Any) -> bool:
        if not isinstance(value, dict):
            return not typed
        for name, answer in value.items():
            check = lookup(name)
            if check is not None and not check(answer):
                return False
        return True

    return members


def _members(
    properties: dict[str, Check],
    *,
    patterns: list[tuple[Callable[[str], Any], Check]],
    extra: Check | None,
    extra_pattern: Callable[[str], Any] | None,
    names: Check | None,
    typed: bool,
) -> Check:
    lookup = properties.get
    each_pattern = tuple(patterns)

    def members(value: Any) -> bool:
        if not isinstance(value, dict):
            return not typed
        for name, answer in value.items():
            if names is not None and not names(name):
                return False
            check = lookup(name)
            if check is not None and not check(answer):
                return False
            for search, pattern_check in each_pattern:
                if search(name) and not pattern_check(answer):
                    return False
            if (
                extra is not None
                and check is None
                and not (extra_pattern is not None and extra_pattern(name))
                and not extra(answer)
            ):
                return False
        return True

    return members


def _search(pattern: Any) -> Callable[[str], Any]:
    if not isinstance(pattern, str):
        raise _Unsupported("a pattern that is not a string")
    try:
        return re.compile(pattern).search
    except re.error as error:
        raise _Unsupported(f"pattern {pattern!r}") from error


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Unsupported(f"{what} that is not a list of names")
    return tuple(value)


def _schemas(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Unsupported(f"{what} that is not a list")
    return value


def _is_multiple(value: Any, divisor: Any) -> bool:
    """jsonschema's `multipleOf`, to the letter."""
    if isinstance(divisor, float):
        quotient = value / divisor
        try:
            return bool(int(quotient) == quotient)
        except OverflowError:
            return (Fraction(value) / Fraction(divisor)).denominator == 1
    return not value % divisor


def _equals(expected: Any) -> Check:
    if isinstance(expected, str):
        return lambda v: bool(v == expected)
    if expected is True or expected is False or expected is None:
        return lambda v: v is expected
    if type(expected) is int or type(expected) is float:
        return lambda v: v is not True and v is not False and not isinstance(v, str) and bool(v == expected)
    return lambda v: json_equal(v, expected)


def _one_of_values(options: list[Any]) -> Check:
    if options and all(isinstance(o, str) for o in options):
        allowed = frozenset(options)
        return lambda v: isinstance(v, str) and v in allowed
    checks = [_equals(o) for o in options]
    return lambda v: any(check(v) for check in checks)


def _const_values(branches: list[Any]) -> list[str] | None:
    """The values of a `oneOf` whose every branch is only `{"const": "some text"}` (and annotations)."""
    values: list[str] = []
    for branch in branches:
        if not isinstance(branch, Mapping) or _ACTIVE & branch.keys() != {"const"}:
            return None
        if _UNSUPPORTED & branch.keys() or not isinstance(branch["const"], str):
            return None
        values.append(branch["const"])
    return values or None


def _exactly_one_value(values: list[str]) -> Check:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    if all(n == 1 for n in counts.values()):
        allowed = frozenset(counts)
        return lambda v: isinstance(v, str) and v in allowed
    return lambda v: isinstance(v, str) and counts.get(v) == 1


def _format(name: Any) -> Check:
    """The same checker function jsonschema calls (validation.format_checker); unknown formats pass."""
    if not isinstance(name, str):
        raise _Unsupported("format that is not text")
    found = format_checker.checkers.get(name)
    if found is None:
        return _always
    function, raises = found
    if not raises:
        return lambda v: bool(function(v))

    def conforms(value: Any) -> bool:
        try:
            return bool(function(value))
        except raises:
            return False

    return conforms


def _date_bound(bound: Any, direction: int) -> Check:
    """`formatMaximum` (+1) / `formatMinimum` (-1), as `validation._date_bound_keyword` checks them."""
    if not isinstance(bound, str):
        raise _Unsupported("a date bound that is not text")
    fixed: dt.date | None = None
    if bound != "today":
        fixed = _bound(bound, dt.date.min)
        if fixed is None:
            return _always  # jsonschema never fails against a bound that is not a date

    def within(value: str) -> bool:
        if len(value) < 10:
            return True
        given = parse_date(value[:10])
        if given is None:
            return True
        limit = fixed if fixed is not None else _today_or_now()
        return not (given - limit).days * direction > 0

    return within


def _today_or_now() -> dt.date:
    today = _today.get(None)
    return today if today is not None else dt.date.today()


# Keywords whose value maps names to subschemas (the names are not keywords), and keywords whose
# value is data, not a schema.
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"})
_DATA = frozenset({"const", "enum", "default", "examples", "required", "dependentRequired"})


def _scan(schema: Any) -> None:
    """Refuses what changes how references resolve: an `$id` or `$schema` in a subschema (any value
    that could be one, to be safe), or a root `$schema` for another dialect."""
    if not isinstance(schema, Mapping):
        return  # true or false
    if schema.get("$schema", _DIALECT) != _DIALECT:
        raise _Unsupported(f"$schema {schema['$schema']!r}")
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
                raise _Unsupported("$id or $schema below the root")
            for key, value in node.items():
                if key in _SCHEMA_MAPS and isinstance(value, Mapping):
                    stack.extend(value.values())
                elif key not in _DATA:
                    stack.append(value)


# --- the public API ----------------------------------------------------------------------------------------

_CACHE_LIMIT = 64
_cache: dict[int, tuple[Mapping[str, Any], dict[bool, tuple[Check | None, bool]]]] = {}


def _compiled(schema: Mapping[str, Any], draft: bool) -> tuple[Check | None, bool]:
    entry = _cache.get(id(schema))
    if entry is None or entry[0] is not schema:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        entry = (schema, {})  # the schema is kept alive with its entry, so its id is not reused
        _cache[id(schema)] = entry
    variants = entry[1]
    if draft not in variants:
        variants[draft] = _compile(schema, draft)
    return variants[draft]


def _compile(schema: Mapping[str, Any], draft: bool) -> tuple[Check | None, bool]:
    compiler = _Compiler(schema)
    try:
        _scan(schema)
        root = compiler.node(schema, draft)
    except _Unsupported:
        return None, False

    def check(document: Any) -> bool:
        try:
            return root(document)
        except (RecursionError, TypeError, ValueError, OverflowError, ZeroDivisionError):
            return False  # too deep, or a value jsonschema itself would choke on: let it decide

    return check, draft and not compiler.removal_sensitive


def compile_schema(schema: Mapping[str, Any], *, draft: bool) -> Callable[[Any], bool] | None:
    """A function telling whether a document is valid under `schema`, or None if the schema uses a
    keyword this module does not compile (use jsonschema then).

    Strict: the answer of `validation._validator(schema).is_valid(document)`. Draft: whether every
    error jsonschema finds is one `validation._tolerated_in_draft` accepts (the check of
    `validation.findings` in draft mode, before relevance). "today" in `formatMinimum` and
    `formatMaximum` is `validation._today` when set, else the real today. Compiled once per schema.
    """
    return _compiled(schema, draft)[0]


def removal_safe(schema: Mapping[str, Any]) -> bool:
    """Whether deleting answers (object members or array items, anywhere) from a document that the
    compiled draft check accepts always leaves a document it accepts.

    Then validating a document with hidden answers still in it (as relevance would prune them) can
    never accept what validating the pruned document rejects. The proof, by induction on the
    document: deleting keeps each value's type and every scalar; `properties`, `items`,
    `additionalProperties`, `patternProperties`, `propertyNames`, `dependentSchemas`, `maxItems` and
    `maxProperties` then check fewer or the same values; `required`, `dependentRequired`,
    `minItems`, `minProperties` never fail in a draft; `allOf`, `anyOf` and `$ref` keep what their
    branches keep. What could turn a pass into a failure is a keyword whose outcome is not monotone
    in what a container holds: `not`, `if` (unless `then` and `else` cannot fail in a draft),
    `oneOf` (the number of branches passing), `const`/`enum` with a container value, `uniqueItems`
    (two items can become equal) and `prefixItems` (items move). This is True only when each of those
    either is absent or looks at nothing inside a container (`oneOf` of constants, an `if` on a
    scalar, `uniqueItems` over scalar-typed items). False when unsure, or when not compiled.
    """
    return _compiled(schema, True)[1]
