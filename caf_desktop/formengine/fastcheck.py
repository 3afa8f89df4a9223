"""A fast yes/no check of a document against a form's JSON Schema (draft 2020-12).

`caf_desktop.formengine.validation` explains problems in plain English with python-jsonschema; that costs a few
milliseconds per full CAF record, too slow for importing a sync bundle of thousands. Here a schema is
compiled once into Python source that only answers "valid or not", with the exact semantics of
`validation._validator(schema)` (jsonschema's Draft202012Validator, our formats, and
`formatMinimum`/`formatMaximum`), in two modes:

- strict: what `validation._validator(schema).is_valid(document)` answers;
- draft: whether every error jsonschema reports is one `validation._tolerated_in_draft` accepts.
  In that mode `required`, `dependentRequired`, `minItems` and `minProperties` never fail,
  `minLength` does not fail on an empty string, and a `oneOf`/`anyOf` that no branch passes is
  accepted when some branch fails only for such reasons (see `_Generator._one_of`).

Either mode can also judge the document as `validation` does, with blank text (empty or
whitespace-only strings) left out of objects (`formats.without_blanks`; arrays keep their items):
`without_blanks=True`. The check then treats a blank member of an object as absent in every keyword
that looks at an object, instead of copying the document first, which cost as much as the check.

Why source code: a tree of closures spends most of its time calling closures. Generated code tests
a leaf (a text answer with a `maxLength`, a choice, a date) inline, where its object looks the answer
up, and calls a function only for an object or a list, or for the rare keywords that need one
(`oneOf` of schemas, say). The source is written once per schema and mode and `exec`'d; it holds
only names, whole numbers and `repr`'d property names, so nothing in a schema can inject code.

`compile_schema` returns None for a schema that uses something not supported here (callers then
use jsonschema). Callers run the exact check whenever the compiled one says False, so the one rule
that must never be broken is: the compiled check never says True where the exact check finds a
problem. Where jsonschema itself is odd (its `uniqueItems` compares only neighbours after sorting)
the check here copies it: a check stricter than jsonschema is more lenient under `not`.

Documents are JSON as `json.loads` makes it (dicts, lists, text, numbers, booleans and None). The
checkers of `formats.format_checker`, and `pattern`s, are pure functions of the text, so each
compiled check remembers the texts it found to conform to a format or to match a pattern (a few
thousand short ones at most): answers repeat from record to record (dates, telephone numbers,
postcodes, indicator codes), and a real check costs far more than looking one up.

The compiled check is cached per schema object (kept alive by the cache); schemas are treated as
immutable, as `FormDefinition`s are.
"""

from __future__ import annotations

import datetime as dt
import itertools
import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from urllib.parse import unquote

from caf_desktop.formengine.formats import bound as _bound
from caf_desktop.formengine.formats import format_checker, parse_date
from caf_desktop.formengine.formats import today as _today
from caf_desktop.formengine.formats import without_blanks as _without_blanks

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


def _is_number(value: Any) -> bool:
    if type(value) is int or type(value) is float:
        return True
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


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


def _unique(items: list[Any]) -> bool:
    """jsonschema's `uniq`, to the letter: neighbours compared after sorting, or every pair when the
    items do not sort. It can miss a repeat (in `[[0], [False], [0]]` sorting leaves the two `[0]`
    apart); a stricter test here would say the opposite of jsonschema under `not`, or in an `if`
    condition or a `oneOf` branch, so the check copies it rather than improving on it."""
    try:
        ordered = sorted(_unbool(item) for item in items)
        for one, two in itertools.pairwise(ordered):
            if json_equal(one, two):
                return False
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for item in items:
            unboxed = _unbool(item)
            if any(json_equal(other, unboxed) for other in seen):
                return False
            seen.append(unboxed)
    return True


# --- blank text, as `formats.without_blanks` leaves it out ----------------------------------------


_ABSENT = object()


def _blank(value: Any) -> bool:
    """Whether an object member holding this value is left out: `formats.without_blanks`'s test."""
    return isinstance(value, str) and not value.strip()


def _answered(value: dict[Any, Any], name: Any) -> bool:
    """Whether the object has the member once blank text is left out."""
    found = value.get(name, _ABSENT)
    return found is not _ABSENT and not _blank(found)


def _answered_count(value: dict[Any, Any]) -> int:
    return sum(1 for item in value.values() if not _blank(item))


def _only_blanks_beyond(value: dict[Any, Any], names: frozenset[Any]) -> bool:
    """Whether every member not named is blank (so none is left once blanks are left out)."""
    return all(_blank(item) for name, item in value.items() if name not in names)


def _unique_without_blanks(items: list[Any]) -> bool:
    """`_unique` of the items as they are judged: objects inside them without their blank members."""
    if any(isinstance(item, dict | list) for item in items):
        return _unique([_without_blanks(item) for item in items])
    return _unique(items)


# --- the generator -----------------------------------------------------------------------------------------

# Expressions are written about "@", the value being checked, and "@" is replaced by the variable
# holding it where an expression is used. Expressions hold no text literals (text is a named
# constant), so "@" in one can only be this placeholder.
_SUBJECT = "@"

_TYPE_EXPRESSIONS = {
    # `type(...) is` first: it is the common case and much cheaper than `isinstance`, which still
    # decides for anything else, exactly as jsonschema's type checker does.
    "string": "(type(@) is str or isinstance(@, str))",
    "object": "(type(@) is dict or isinstance(@, dict))",
    "array": "(type(@) is list or isinstance(@, list))",
    "boolean": "(@ is True or @ is False)",
    "null": "@ is None",
    "number": "(type(@) is int or type(@) is float or _is_number(@))",
    "integer": "(type(@) is int or _is_integer(@))",
}

# An expression that long is made a function rather than written out wherever it is used.
_INLINE_LIMIT = 2000


def _at(expression: str, variable: str) -> str:
    """The expression about "@", written about `variable` (a name, or `v[0]`)."""
    return expression.replace(_SUBJECT, variable)


def _all_of(parts: Sequence[str]) -> str:
    kept = [p for p in parts if p != "True"]
    if "False" in kept:
        return "False"
    if not kept:
        return "True"
    if len(kept) == 1:
        return kept[0]
    return " and ".join(f"({p})" for p in kept)


def _any_of(parts: Sequence[str]) -> str:
    if "True" in parts:
        return "True"
    kept = [p for p in parts if p != "False"]
    if not kept:
        return "False"
    if len(kept) == 1:
        return kept[0]
    return " or ".join(f"({p})" for p in kept)


def _indented(lines: Sequence[str]) -> list[str]:
    return [f"    {line}" for line in lines]


def _fails_unless(condition: str) -> str:
    """The statement that fails the function's value `v` unless the condition (about "@") holds."""
    return f"if not ({_at(condition, 'v')}): return False"


@dataclass(frozen=True)
class _Plan:
    """How a node is checked: one expression about "@" (written out wherever the node is used), or
    the statements of a function about `v` (that return False on a failure)."""

    expression: str | None
    body: tuple[str, ...] = ()


class _Generator:
    """Writes the check of one schema, in one mode, as Python source.

    Each (sub)schema, with a mode (strict or draft), gets a `_Plan`: an expression when its checks fit
    in one (the type and keywords of a value, and `$ref`, `allOf`, `anyOf`, `not`, `if` of such), or
    else the body of a function `_fN(v)` (an object's members, a list's items), called where it is
    used. A `$ref` back to a node still being planned (a recursive schema) calls that node's function.
    """

    def __init__(self, root: Mapping[str, Any], without_blanks: bool) -> None:
        self.root = root
        self.without_blanks = without_blanks
        self.namespace: dict[str, Any] = dict(_RUNTIME)
        self.plans: dict[tuple[int, bool], _Plan] = {}
        self.planning: set[tuple[int, bool]] = set()
        self.function_names: dict[tuple[int, bool], str] = {}
        self.unwritten: list[tuple[Mapping[str, Any], bool]] = []
        self.sources: list[str] = []
        self.formats: dict[str, tuple[str, str] | None] = {}
        # Set when the draft check has a keyword whose outcome deleting answers can turn from pass
        # to fail (see `removal_safe`).
        self.removal_sensitive = False

    def check(self, draft: bool) -> Check:
        """The compiled check of the root schema (raises `_Unsupported`)."""
        expression = self.test(self.root, draft)
        self.sources.append(f"def _check(v):\n    return {_at(expression, 'v')}\n")
        while self.unwritten:
            self._write_function(*self.unwritten.pop())
        source = "\n".join(self.sources)
        try:
            code = compile(source, "<fastcheck>", "exec")
        except (SyntaxError, RecursionError) as error:  # nested too deeply for Python's parser
            raise _Unsupported("a schema nested too deeply") from error
        # The source is ours: names, whole numbers and repr'd property names (see the module's
        # docstring); nothing of the schema is run.
        exec(code, self.namespace)  # noqa: S102
        check: Check = self.namespace["_check"]
        return check

    def source(self) -> str:
        """The source written so far (for reading when debugging)."""
        return "\n".join(self.sources)

    # --- nodes ---

    def test(self, schema: Any, draft: bool) -> str:
        """An expression, true when "@" passes `schema` (in the mode)."""
        if schema is True:
            return "True"
        if schema is False:
            return "False"
        if not isinstance(schema, Mapping):
            raise _Unsupported("a schema that is neither an object nor a boolean")
        if (id(schema), draft) in self.planning:  # a reference back to a node being planned
            return self._call(schema, draft)
        plan = self._plan_of(schema, draft)
        if plan.expression is not None and len(plan.expression) <= _INLINE_LIMIT:
            return plan.expression
        return self._call(schema, draft)

    def constant(self, value: Any) -> str:
        """A name for the value in the generated code's namespace."""
        name = f"_k{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def number(self, value: Any, what: str) -> str:
        """A number written in the source: whole numbers as they are, other numbers by name."""
        if not _is_number(value):
            raise _Unsupported(f"{what} is not a number")
        return repr(value) if type(value) is int else self.constant(value)

    def _call(self, schema: Mapping[str, Any], draft: bool) -> str:
        key = (id(schema), draft)
        name = self.function_names.get(key)
        if name is None:
            name = self.function_names[key] = f"_f{len(self.function_names)}"
            self.unwritten.append((schema, draft))
        return f"{name}(@)"

    def _write_function(self, schema: Mapping[str, Any], draft: bool) -> None:
        plan = self._plan_of(schema, draft)
        if plan.expression is not None:
            body = [f"return {_at(plan.expression, 'v')}"]
        else:
            body = [*plan.body, "return True"]
        name = self.function_names[(id(schema), draft)]
        self.sources.append(f"def {name}(v):\n" + "".join(f"    {line}\n" for line in body))

    def _plan_of(self, schema: Mapping[str, Any], draft: bool) -> _Plan:
        key = (id(schema), draft)
        plan = self.plans.get(key)
        if plan is None:
            self.planning.add(key)
            try:
                plan = self._plan(schema, draft)
            finally:
                self.planning.discard(key)
            self.plans[key] = plan
        return plan

    def _plan(self, schema: Mapping[str, Any], draft: bool) -> _Plan:
        if _UNSUPPORTED & schema.keys():
            raise _Unsupported(", ".join(sorted(_UNSUPPORTED & schema.keys())))
        active = _ACTIVE & schema.keys()
        if not active:
            return _Plan("True")
        if active == {"$ref"}:
            return _Plan(self._ref(schema["$ref"], draft))

        types: frozenset[str] | None = None
        if "type" in active:
            written = schema["type"]
            names = [written] if isinstance(written, str) else written
            if not isinstance(names, list) or not all(
                isinstance(n, str) and n in _TYPE_EXPRESSIONS for n in names
            ):
                raise _Unsupported(f"type {written!r}")
            types = frozenset(names)
        only = next(iter(types)) if types is not None and len(types) == 1 else None

        # Each part is written whatever the type, so that anything unsupported is refused.
        text = self._text_conditions(schema, draft)
        numeric = self._number_conditions(schema)
        members = self._object_lines(schema, draft)
        items = self._array_lines(schema, draft)
        general, choices = self._general(schema, draft)
        conforms = self._format(schema["format"]) if "format" in schema else None

        if only == "string":  # the most common node: every check inline, the type test first
            allowed = [f"@ in {self.constant(choices)}"] if choices is not None else []
            remembered = [f"(@ in {conforms[0]} or {conforms[1]}(@))"] if conforms else []
            return _Plan(_all_of([_TYPE_EXPRESSIONS["string"], *allowed, *text, *remembered, *general]))
        if choices is not None:
            general.append(f"(isinstance(@, str) and @ in {self.constant(choices)})")
        if conforms:
            general.append(f"{conforms[1]}(@)")
        if only == "object":
            return _shape([_TYPE_EXPRESSIONS["object"]], members, general)
        if only == "array":
            return _shape([_TYPE_EXPRESSIONS["array"]], items, general)
        if only is not None:
            numbers_too = numeric if only in ("number", "integer") else []
            return _Plan(_all_of([_TYPE_EXPRESSIONS[only], *numbers_too, *general]))

        first = [_any_of([_TYPE_EXPRESSIONS[t] for t in sorted(types)])] if types is not None else []
        if text:
            first.append(f"not isinstance(@, str) or ({_all_of(text)})")
        if numeric:
            first.append(f"not _is_number(@) or ({_all_of(numeric)})")
        lines: list[str] = []
        if members:
            lines += ["if isinstance(v, dict):", *_indented(members)]
        if items:
            lines += [f"{'elif' if members else 'if'} isinstance(v, list):", *_indented(items)]
        return _shape(first, lines, general)

    # --- references ---

    def _ref(self, ref: Any, draft: bool) -> str:
        if not isinstance(ref, str):
            raise _Unsupported("$ref that is not a string")
        return self.test(self._resolve(ref), draft)

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

    # --- keywords for text and numbers (each condition assumes its kind) ---

    def _text_conditions(self, schema: Mapping[str, Any], draft: bool) -> list[str]:
        conditions: list[str] = []
        if "maxLength" in schema:
            conditions.append(f"len(@) <= {self.number(schema['maxLength'], 'maxLength')}")
        if "minLength" in schema:
            low = self.number(schema["minLength"], "minLength")
            # In a draft an empty answer is only "not filled in yet".
            conditions.append(f"(len(@) >= {low} or not @)" if draft else f"len(@) >= {low}")
        if "pattern" in schema:
            known, matches = _remembering_pattern(schema["pattern"])
            conditions.append(f"(@ in {self.constant(known)} or {self.constant(matches)}(@))")
        for keyword, direction in (("formatMaximum", +1), ("formatMinimum", -1)):
            if keyword in schema:
                bound = self._date_bound(schema[keyword], direction)
                if bound is not None:
                    conditions.append(bound)
        return conditions

    def _date_bound(self, bound: Any, direction: int) -> str | None:
        """`formatMaximum` (+1) or `formatMinimum` (-1), as `validation._date_bound_keyword` checks it,
        or None for a bound that is not a date (jsonschema never fails against one).

        A value fails only when its first ten characters are a real date `YYYY-MM-DD` beyond the bound.
        Such a date is ASCII digits in fixed places, so it compares as text just as it does as a date:
        ten characters on the right side of the bound's ISO text pass without parsing. The minimum also
        asks for ASCII, as text beyond a bound could otherwise hold other digits Python might parse."""
        exact = _date_bound(bound, direction)
        if exact is None:
            return None
        if bound == "today":
            limit = "_today_iso()"
        else:
            fixed = _bound(bound, dt.date.min)
            assert fixed is not None  # else `_date_bound` said None
            limit = self.constant(fixed.isoformat())
        within = self.constant(exact)
        if direction > 0:
            return f"(len(@) < 10 or @[:10] <= {limit} or {within}(@))"
        return f"(len(@) < 10 or (@[:10] >= {limit} and @.isascii()) or {within}(@))"

    def _format(self, name: Any) -> tuple[str, str] | None:
        """The names of (the texts known to conform, the remembering check) of a format, or None for
        a format with no checker (which always passes, as in jsonschema)."""
        if not isinstance(name, str):
            raise _Unsupported("format that is not text")
        if name not in self.formats:
            made = _remembering_format(name)
            self.formats[name] = None if made is None else (self.constant(made[0]), self.constant(made[1]))
        return self.formats[name]

    def _number_conditions(self, schema: Mapping[str, Any]) -> list[str]:
        conditions: list[str] = []
        # Written as jsonschema fails them ("instance < minimum" fails), which matters for NaN.
        for keyword, fails in (
            ("minimum", "<"),
            ("maximum", ">"),
            ("exclusiveMinimum", "<="),
            ("exclusiveMaximum", ">="),
        ):
            if keyword in schema:
                conditions.append(f"not @ {fails} {self.number(schema[keyword], keyword)}")
        if "multipleOf" in schema:
            divisor = schema["multipleOf"]
            written = self.number(divisor, "multipleOf")
            if not divisor > 0:
                raise _Unsupported("multipleOf that is not positive")
            conditions.append(f"_is_multiple(@, {written})")
        return conditions

    # --- keywords for objects and arrays (statements about `v`, which is one) ---

    def _has(self, name: Any) -> str:
        """Whether `v` has the member (that is not blank, when blanks are left out)."""
        return f"_answered(v, {name!r})" if self.without_blanks else f"{name!r} in v"

    def _object_lines(self, schema: Mapping[str, Any], draft: bool) -> list[str]:
        """Every keyword of objects. With blanks left out, a member that fails its schema is let off
        when it is blank (it is absent then): testing that only on a failure costs nothing."""
        lines: list[str] = []
        let_off = " and not _blank(x)" if self.without_blanks else ""

        written = schema.get("properties", {})
        if not isinstance(written, Mapping):
            raise _Unsupported("properties that is not an object")
        properties = [(name, self.test(subschema, draft)) for name, subschema in written.items()]
        checked = [(name, test) for name, test in properties if test != "True"]
        if checked:
            lines.append("g = v.get")
        for name, test in checked:
            lines.append(f"x = g({name!r}, _absent)")
            lines.append(f"if x is not _absent and not ({_at(test, 'x')}){let_off}: return False")
        lines += self._other_members(schema, draft, frozenset(written))

        if not draft:  # in a draft these only say that something is not filled in yet
            required = _strings(schema.get("required", []), "required")
            if required:
                lines.append(f"if not ({' and '.join(self._has(n) for n in required)}): return False")
            written_needs = schema.get("dependentRequired", {})
            if not isinstance(written_needs, Mapping):
                raise _Unsupported("dependentRequired that is not an object")
            for name, needs in written_needs.items():
                needed = _strings(needs, "dependentRequired")
                if needed:
                    all_there = " and ".join(self._has(n) for n in needed)
                    lines.append(f"if {self._has(name)} and not ({all_there}): return False")
            if "minProperties" in schema:
                fewest = self.number(schema["minProperties"], "minProperties")
                counted = f" or _answered_count(v) < {fewest}" if self.without_blanks else ""
                lines.append(f"if len(v) < {fewest}{counted}: return False")
        if "maxProperties" in schema:
            most = self.number(schema["maxProperties"], "maxProperties")
            counted = f" and _answered_count(v) > {most}" if self.without_blanks else ""
            lines.append(f"if len(v) > {most}{counted}: return False")
        written_schemas = schema.get("dependentSchemas", {})
        if not isinstance(written_schemas, Mapping):
            raise _Unsupported("dependentSchemas that is not an object")
        for name, subschema in written_schemas.items():
            test = self.test(subschema, draft)
            if test != "True":
                lines.append(f"if {self._has(name)} and not ({_at(test, 'v')}): return False")
        return lines

    def _other_members(self, schema: Mapping[str, Any], draft: bool, named: frozenset[Any]) -> list[str]:
        """`patternProperties`, `additionalProperties` and `propertyNames`: a walk over the members."""
        written_patterns = schema.get("patternProperties", {})
        if not isinstance(written_patterns, Mapping):
            raise _Unsupported("patternProperties that is not an object")
        patterns = [(self.constant(_search(p)), self.test(s, draft)) for p, s in written_patterns.items()]

        extra: str | None = None
        extra_pattern: str | None = None
        if "additionalProperties" in schema:
            additional = schema["additionalProperties"]
            if isinstance(additional, dict):
                extra = self.test(additional, draft)
            elif not additional:
                extra = "False"
            if written_patterns:  # jsonschema's own test for "additional": the patterns joined by |
                extra_pattern = self.constant(_search("|".join(written_patterns)))
            if extra == "True":
                extra = None
        names = self.test(schema["propertyNames"], draft) if "propertyNames" in schema else None
        if names == "True":
            names = None
        patterns = [(search, test) for search, test in patterns if test != "True"]
        if not patterns and extra is None and names is None:
            return []

        known = self.constant(named)
        if extra == "False" and extra_pattern is None and not patterns and names is None:
            # A closed object: compare key sets.
            let_off = f" and not _only_blanks_beyond(v, {known})" if self.without_blanks else ""
            return [f"if not v.keys() <= {known}{let_off}: return False"]
        lines = ["for k, x in v.items():"]
        if self.without_blanks:
            lines.append("    if isinstance(x, str) and not x.strip(): continue  # blank: absent")
        if names is not None:
            lines.append(f"    if not ({_at(names, 'k')}): return False")
        for search, test in patterns:
            lines.append(f"    if {search}(k) and not ({_at(test, 'x')}): return False")
        if extra is not None:
            unmatched = f" and not {extra_pattern}(k)" if extra_pattern is not None else ""
            lines.append(f"    if k not in {known}{unmatched} and not ({_at(extra, 'x')}): return False")
        return lines

    def _array_lines(self, schema: Mapping[str, Any], draft: bool) -> list[str]:
        prefix: list[str] = []
        if "prefixItems" in schema:
            written = schema["prefixItems"]
            if not isinstance(written, list):
                raise _Unsupported("prefixItems that is not a list")
            prefix = [self.test(s, draft) for s in written]
            if draft:
                self.removal_sensitive = True  # deleting an item moves the others under other schemas
        width = len(prefix)
        each: str | None = None
        closed = False
        if "items" in schema:
            items = schema["items"]
            if items is False:
                closed = True
            elif isinstance(items, Mapping):
                each = self.test(items, draft)
                if each == "True":
                    each = None
            elif items is not True:
                raise _Unsupported("items that is not a schema")
        fewest = self.number(schema["minItems"], "minItems") if "minItems" in schema and not draft else None
        most = self.number(schema["maxItems"], "maxItems") if "maxItems" in schema else None
        unique = bool(schema.get("uniqueItems"))
        if unique and draft and not self._scalar_typed(schema.get("items")):
            self.removal_sensitive = True  # deleting answers inside two items could make them equal

        lines: list[str] = []
        if most is not None or fewest is not None or closed or any(t != "True" for t in prefix):
            lines.append("n = len(v)")
        if most is not None:
            lines.append(f"if n > {most}: return False")
        if fewest is not None:
            lines.append(f"if n < {fewest}: return False")
        if closed:
            lines.append(f"if n > {width}: return False")
        for index, test in enumerate(prefix):
            if test != "True":
                lines.append(f"if n > {index} and not ({_at(test, f'v[{index}]')}): return False")
        if each is not None:
            lines.append(f"for x in v[{width}:]:" if width else "for x in v:")
            lines.append(f"    if not ({_at(each, 'x')}): return False")
        if unique:
            if each is not None and not width and self._text_typed(schema["items"]):
                lines.append("if len(set(v)) != len(v): return False")  # every item is text by now
            elif self.without_blanks:
                lines.append("if not _unique_without_blanks(v): return False")
            else:
                lines.append("if not _unique(v): return False")
        return lines

    # --- keywords for any value ---

    def _general(self, schema: Mapping[str, Any], draft: bool) -> tuple[list[str], frozenset[str] | None]:
        """The conditions of keywords for any value, and the texts that `enum` and a `oneOf` of
        distinct text constants allow (the value must be one of them; None when neither is there)."""
        conditions: list[str] = []
        choices: frozenset[str] | None = None
        if "$ref" in schema:
            conditions.append(self._ref(schema["$ref"], draft))
        if "const" in schema:
            conditions.append(self._equals(schema["const"]))
            if draft and isinstance(schema["const"], list | dict):
                self.removal_sensitive = True
        if "enum" in schema:
            options = schema["enum"]
            if not isinstance(options, list):
                raise _Unsupported("enum that is not a list")
            if options and all(isinstance(o, str) for o in options):
                choices = frozenset(options)
            else:
                judged = self._judged(any(isinstance(o, list | dict) for o in options))
                conditions.append(f"{self.constant(_one_of_values(options))}({judged})")
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
                conditions.append(self._one_of(branches, draft))
        if "allOf" in schema:
            conditions.extend(self.test(s, draft) for s in _schemas(schema["allOf"], "allOf"))
        if "anyOf" in schema:
            # A draft passes when some branch passes as a draft: a branch that passes outright does,
            # and when none does jsonschema's error is tolerated if some branch failed only for
            # tolerated reasons.
            conditions.append(_any_of([self.test(s, draft) for s in _schemas(schema["anyOf"], "anyOf")]))
        if "not" in schema:
            denied = self.test(schema["not"], False)  # jsonschema asks `is_valid`: strict
            conditions.append(f"not ({denied})")
            if draft and self._reads_contents(schema["not"]):
                self.removal_sensitive = True
        if "if" in schema:
            then = self.test(schema["then"], draft) if "then" in schema else "True"
            otherwise = self.test(schema["else"], draft) if "else" in schema else "True"
            if not (then == "True" and otherwise == "True"):  # else the outcome never matters
                condition = self.test(schema["if"], False)  # jsonschema asks `is_valid`: strict
                conditions.append(f"({then}) if ({condition}) else ({otherwise})")
                if draft and self._reads_contents(schema["if"]):
                    self.removal_sensitive = True
        return conditions, choices

    def _judged(self, container: bool) -> str:
        """The value as it is compared with `const` or `enum` values: when one of those is an object or
        a list and blanks are left out, without its blank members."""
        return "_without_blanks(@)" if container and self.without_blanks else "@"

    def _equals(self, expected: Any) -> str:
        if isinstance(expected, str):
            return f"@ == {self.constant(expected)}"
        if expected is True or expected is False or expected is None:
            return f"@ is {expected!r}"
        if type(expected) is int or type(expected) is float:
            value = self.constant(expected)
            return f"@ is not True and @ is not False and not isinstance(@, str) and @ == {value}"
        judged = self._judged(isinstance(expected, list | dict))
        return f"json_equal({judged}, {self.constant(expected)})"

    def _one_of(self, branches: list[Any], draft: bool) -> str:
        """Strict: exactly one branch passes.

        Draft (`validation._tolerated_in_draft`): jsonschema reports "valid under each of" without
        context when two or more branches pass outright (never tolerated); when none passes it reports
        an error whose context holds every branch's errors, tolerated when some branch's errors are all
        tolerated, that is when some branch passes as a draft. One branch passing outright is no error.
        """
        values = _const_values(branches)
        if values is not None:  # a list of choices; a const never fails only for tolerated reasons
            return f"{self.constant(_exactly_one_value(values))}(@)"
        strict = [self.test(b, False) for b in branches]
        if draft and any(self._reads_contents(b) for b in branches):
            self.removal_sensitive = True
        drafts = [self.test(b, True) for b in branches] if draft else strict

        lines = ["passed = False"]
        for number, test in enumerate(strict):
            lines.append(f"if {_at(test, 'v')}:")
            if number:
                lines.append("    if passed: return False")
            lines.append("    passed = True")
        lines.append("if passed: return True")
        if drafts == strict:
            lines.append("return False")
        else:
            lines.append("return " + " or ".join(f"({_at(test, 'v')})" for test in drafts))
        name = f"_o{len(self.sources)}"
        self.sources.append(f"def {name}(v):\n" + "".join(f"    {line}\n" for line in lines))
        return f"{name}(@)"

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

    def _declared_types(self, schema: Any) -> list[Any] | None:
        """The `type` this schema itself declares (following `$ref`s of a schema without one)."""
        seen: set[str] = set()
        while isinstance(schema, Mapping) and "type" not in schema and isinstance(schema.get("$ref"), str):
            if schema["$ref"] in seen:
                return None
            seen.add(schema["$ref"])
            schema = self._resolve(schema["$ref"])
        if not isinstance(schema, Mapping):
            return None
        written = schema.get("type")
        names = [written] if isinstance(written, str) else written
        return names if isinstance(names, list) and names else None

    def _scalar_typed(self, schema: Any) -> bool:
        """Whether this (items) schema itself requires a scalar type (a string, number, ...)."""
        names = self._declared_types(schema)
        return names is not None and set(names) <= _SCALAR_TYPES

    def _text_typed(self, schema: Any) -> bool:
        """Whether this (items) schema itself requires text (so every item that passes is a string)."""
        return self._declared_types(schema) == ["string"]


def _shape(first: list[str], lines: list[str], general: list[str]) -> _Plan:
    """A node's plan: one expression when it has no statements, else a function body (the type test
    first, as the statements assume the type)."""
    if not lines or _all_of([*first, *general]) == "False":
        return _Plan(_all_of([*first, *general]))
    conditions = [c for c in first if c != "True"]
    after = [c for c in general if c != "True"]
    return _Plan(
        None,
        (*(_fails_unless(c) for c in conditions), *lines, *(_fails_unless(c) for c in after)),
    )


# --- building blocks ---------------------------------------------------------------------------------------


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


def _equal_to(expected: Any) -> Check:
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
    checks = [_equal_to(o) for o in options]
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


# At most this many texts are remembered per format and compiled check, each at most this long.
_REMEMBERED_TEXTS = 4096
_REMEMBERED_LENGTH = 200


def _remembering(test: Check) -> tuple[set[str], Check]:
    """`test`, a pure function of the text, remembering the texts it passes; with the set it
    remembers them in, for the generated code to look in first."""
    known: set[str] = set()

    def remembered(value: Any) -> bool:
        if type(value) is str and value in known:
            return True
        result = test(value)
        if result and type(value) is str and len(value) <= _REMEMBERED_LENGTH:
            if len(known) >= _REMEMBERED_TEXTS:
                known.clear()
            known.add(value)
        return result

    return known, remembered


def _remembering_format(name: str) -> tuple[set[str], Check] | None:
    """The same checker function jsonschema calls (formats.format_checker), remembering the texts
    that conform; None for an unknown format, which always passes."""
    found = format_checker.checkers.get(name)
    if found is None:
        return None
    function, raises = found

    def conforms(value: Any) -> bool:
        try:
            return bool(function(value))
        except raises:  # an empty tuple when the checker raises nothing: nothing is caught
            return False

    return _remembering(conforms)


def _remembering_pattern(pattern: Any) -> tuple[set[str], Check]:
    """A `pattern`'s test of text (a search, as jsonschema's), remembering the texts that match."""
    search = _search(pattern)
    return _remembering(lambda text: search(text) is not None)


def _date_bound(bound: Any, direction: int) -> Check | None:
    """`formatMaximum` (+1) / `formatMinimum` (-1), as `validation._date_bound_keyword` checks them;
    None for a fixed bound that is not a date (jsonschema never fails against one)."""
    if not isinstance(bound, str):
        raise _Unsupported("a date bound that is not text")
    fixed: dt.date | None = None
    if bound != "today":
        fixed = _bound(bound, dt.date.min)
        if fixed is None:
            return None

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


_iso_days: dict[dt.date, str] = {}


def _today_iso() -> str:
    """The day judged as today (see `_today_or_now`), written `YYYY-MM-DD`."""
    today = _today_or_now()
    written = _iso_days.get(today)
    if written is None:
        if len(_iso_days) > 16:
            _iso_days.clear()
        written = _iso_days[today] = today.isoformat()
    return written


# The names the generated code uses, besides its own functions and constants and Python's builtins.
_RUNTIME: dict[str, Any] = {
    "_absent": _ABSENT,
    "_answered": _answered,
    "_answered_count": _answered_count,
    "_blank": _blank,
    "_is_integer": _is_integer,
    "_is_multiple": _is_multiple,
    "_is_number": _is_number,
    "_only_blanks_beyond": _only_blanks_beyond,
    "_today_iso": _today_iso,
    "_unique": _unique,
    "_unique_without_blanks": _unique_without_blanks,
    "_without_blanks": _without_blanks,
    "json_equal": json_equal,
}


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
_Variant = tuple[bool, bool]  # (draft, without_blanks)
_cache: dict[int, tuple[Mapping[str, Any], dict[_Variant, tuple[Check | None, bool]]]] = {}


def _compiled(schema: Mapping[str, Any], draft: bool, without_blanks: bool) -> tuple[Check | None, bool]:
    entry = _cache.get(id(schema))
    if entry is None or entry[0] is not schema:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        entry = (schema, {})  # the schema is kept alive with its entry, so its id is not reused
        _cache[id(schema)] = entry
    variants = entry[1]
    variant = (draft, without_blanks)
    if variant not in variants:
        variants[variant] = _compile(schema, draft, without_blanks)
    return variants[variant]


def _compile(schema: Mapping[str, Any], draft: bool, without_blanks: bool) -> tuple[Check | None, bool]:
    generator = _Generator(schema, without_blanks)
    try:
        _scan(schema)
        root = generator.check(draft)
    except (_Unsupported, RecursionError):
        return None, False

    def check(document: Any) -> bool:
        try:
            return bool(root(document))
        except (RecursionError, TypeError, ValueError, OverflowError, ZeroDivisionError):
            return False  # too deep, or a value jsonschema itself would choke on: let it decide

    return check, draft and not generator.removal_sensitive


def compile_schema(
    schema: Mapping[str, Any], *, draft: bool, without_blanks: bool = False
) -> Callable[[Any], bool] | None:
    """A function telling whether a document is valid under `schema`, or None if the schema uses a
    keyword this module does not compile (use jsonschema then).

    Strict: the answer of `validation._validator(schema).is_valid(document)`. Draft: whether every
    error jsonschema finds is one `validation._tolerated_in_draft` accepts (the check of
    `validation.findings` in draft mode, before relevance). With `without_blanks`, the answer for
    `formats.without_blanks(document)` (blank text left out of objects, as `findings` judges a
    document), without making that copy. "today" in `formatMinimum` and `formatMaximum` is
    `formats.today` when set, else the real today. Compiled once per schema and variant.
    """
    return _compiled(schema, draft, without_blanks)[0]


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

    It holds as well for the check that leaves blanks out: deleting answers from a document deletes
    the same answers, or nothing (a blank one), from the document with its blanks left out.
    """
    return _compiled(schema, True, True)[1]
