"""The generator: writes the check of one schema, in one mode (strict or draft), as Python source, and
`exec`s it.

Each (sub)schema gets a plan: one expression when its checks fit in one, else the body of a function.
The expressions call the names of `values.RUNTIME`, and constants the generator names (texts, numbers,
and the checks of `leaves`). The generator also notes whether deleting answers could turn the draft
check's pass into a failure (`Generator.removal_sensitive`, behind `fastcheck.removal_safe`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from caf_desktop.formengine.fastcheck import leaves
from caf_desktop.formengine.fastcheck.keywords import (
    ACTIVE,
    IN_PLACE_MANY,
    IN_PLACE_ONE,
    READS_CONTENTS,
    SCALAR_TYPES,
    UNSUPPORTED,
    Check,
    Unsupported,
)
from caf_desktop.formengine.fastcheck.values import RUNTIME, is_number
from caf_desktop.formengine.formats import bound as _bound

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


class Generator:
    """Writes the check of one schema, in one mode, as Python source.

    Each (sub)schema, with a mode (strict or draft), gets a `_Plan`: an expression when its checks fit
    in one (the type and keywords of a value, and `$ref`, `allOf`, `anyOf`, `not`, `if` of such), or
    else the body of a function `_fN(v)` (an object's members, a list's items), called where it is
    used. A `$ref` back to a node still being planned (a recursive schema) calls that node's function.
    """

    def __init__(self, root: Mapping[str, Any], without_blanks: bool) -> None:
        self.root = root
        self.without_blanks = without_blanks
        self.namespace: dict[str, Any] = dict(RUNTIME)
        self.plans: dict[tuple[int, bool], _Plan] = {}
        self.planning: set[tuple[int, bool]] = set()
        self.function_names: dict[tuple[int, bool], str] = {}
        self.unwritten: list[tuple[Mapping[str, Any], bool]] = []
        self.sources: list[str] = []
        self.formats: dict[str, tuple[str, str] | None] = {}
        # Set when the draft check has a keyword whose outcome deleting answers can turn from pass
        # to fail (see `fastcheck.removal_safe`).
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
            raise Unsupported("a schema nested too deeply") from error
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
            raise Unsupported("a schema that is neither an object nor a boolean")
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
        if not is_number(value):
            raise Unsupported(f"{what} is not a number")
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
        if UNSUPPORTED & schema.keys():
            raise Unsupported(", ".join(sorted(UNSUPPORTED & schema.keys())))
        active = ACTIVE & schema.keys()
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
                raise Unsupported(f"type {written!r}")
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
            raise Unsupported("$ref that is not a string")
        return self.test(self._resolve(ref), draft)

    def _resolve(self, ref: str) -> Any:
        """The subschema a same-document reference names (`#`, `#/$defs/...`, any JSON Pointer)."""
        if not ref.startswith("#"):
            raise Unsupported(f"$ref {ref!r} to another document")
        fragment = ref[1:]
        if not fragment:
            return self.root
        if not fragment.startswith("/"):
            raise Unsupported(f"$ref {ref!r} to an anchor")
        node: Any = self.root
        for segment in unquote(fragment[1:]).split("/"):
            if isinstance(node, list):
                if not segment.isdigit() or int(segment) >= len(node):
                    raise Unsupported(f"$ref {ref!r} names nothing")
                node = node[int(segment)]
            elif isinstance(node, Mapping):
                name = segment.replace("~1", "/").replace("~0", "~")
                if name not in node:
                    raise Unsupported(f"$ref {ref!r} names nothing")
                node = node[name]
            else:
                raise Unsupported(f"$ref {ref!r} names nothing")
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
            known, matches = leaves.remembering_pattern(schema["pattern"])
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
        exact = leaves.date_bound(bound, direction)
        if exact is None:
            return None
        if bound == "today":
            limit = "_today_iso()"
        else:
            fixed = _bound(bound, dt.date.min)
            assert fixed is not None  # else `leaves.date_bound` said None
            limit = self.constant(fixed.isoformat())
        within = self.constant(exact)
        if direction > 0:
            return f"(len(@) < 10 or @[:10] <= {limit} or {within}(@))"
        return f"(len(@) < 10 or (@[:10] >= {limit} and @.isascii()) or {within}(@))"

    def _format(self, name: Any) -> tuple[str, str] | None:
        """The names of (the texts known to conform, the remembering check) of a format, or None for
        a format with no checker (which always passes, as in jsonschema)."""
        if not isinstance(name, str):
            raise Unsupported("format that is not text")
        if name not in self.formats:
            made = leaves.remembering_format(name)
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
                raise Unsupported("multipleOf that is not positive")
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
            raise Unsupported("properties that is not an object")
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
                raise Unsupported("dependentRequired that is not an object")
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
            raise Unsupported("dependentSchemas that is not an object")
        for name, subschema in written_schemas.items():
            test = self.test(subschema, draft)
            if test != "True":
                lines.append(f"if {self._has(name)} and not ({_at(test, 'v')}): return False")
        return lines

    def _other_members(self, schema: Mapping[str, Any], draft: bool, named: frozenset[Any]) -> list[str]:
        """`patternProperties`, `additionalProperties` and `propertyNames`: a walk over the members."""
        written_patterns = schema.get("patternProperties", {})
        if not isinstance(written_patterns, Mapping):
            raise Unsupported("patternProperties that is not an object")
        patterns = [
            (self.constant(leaves.search(p)), self.test(s, draft)) for p, s in written_patterns.items()
        ]

        extra: str | None = None
        extra_pattern: str | None = None
        if "additionalProperties" in schema:
            additional = schema["additionalProperties"]
            if isinstance(additional, dict):
                extra = self.test(additional, draft)
            elif not additional:
                extra = "False"
            if written_patterns:  # jsonschema's own test for "additional": the patterns joined by |
                extra_pattern = self.constant(leaves.search("|".join(written_patterns)))
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
                raise Unsupported("prefixItems that is not a list")
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
                raise Unsupported("items that is not a schema")
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
                raise Unsupported("enum that is not a list")
            if options and all(isinstance(o, str) for o in options):
                choices = frozenset(options)
            else:
                judged = self._judged(any(isinstance(o, list | dict) for o in options))
                conditions.append(f"{self.constant(leaves.one_of_values(options))}({judged})")
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

        Draft (`validation.tolerated_in_draft`): jsonschema reports "valid under each of" without
        context when two or more branches pass outright (never tolerated); when none passes it reports
        an error whose context holds every branch's errors, tolerated when some branch's errors are all
        tolerated, that is when some branch passes as a draft. One branch passing outright is no error.
        """
        values = _const_values(branches)
        if values is not None:  # a list of choices; a const never fails only for tolerated reasons
            return f"{self.constant(leaves.exactly_one_value(values))}(@)"
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
            if READS_CONTENTS & node.keys():
                return True
            for keyword in ("const", "enum"):
                written = node.get(keyword)
                values = written if keyword == "enum" and isinstance(written, list) else [written]
                if keyword in node and any(isinstance(v, list | dict) for v in values):
                    return True
            if isinstance(node.get("$ref"), str):
                stack.append(self._resolve(node["$ref"]))
            stack.extend(node[k] for k in IN_PLACE_ONE if k in node)
            for keyword in IN_PLACE_MANY:
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
        return names is not None and set(names) <= SCALAR_TYPES

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


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise Unsupported(f"{what} that is not a list of names")
    return tuple(value)


def _schemas(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise Unsupported(f"{what} that is not a list")
    return value


def _const_values(branches: list[Any]) -> list[str] | None:
    """The values of a `oneOf` whose every branch is only `{"const": "some text"}` (and annotations)."""
    values: list[str] = []
    for branch in branches:
        if not isinstance(branch, Mapping) or ACTIVE & branch.keys() != {"const"}:
            return None
        if UNSUPPORTED & branch.keys() or not isinstance(branch["const"], str):
            return None
        values.append(branch["const"])
    return values or None
