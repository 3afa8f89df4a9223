"""A fast yes/no check of a document against a form's JSON Schema (draft 2020-12).

`caf_desktop.formengine.validation` explains problems in plain English with python-jsonschema; that costs a few
milliseconds per full CAF record, too slow for importing a sync bundle of thousands. Here a schema is
compiled once into Python source that only answers "valid or not", with the exact semantics of
`validation.validator_of(schema)` (jsonschema's Draft202012Validator, our formats, and
`formatMinimum`/`formatMaximum`), in two modes:

- strict: what `validation.validator_of(schema).is_valid(document)` answers;
- draft: whether every error jsonschema reports is one `validation.tolerated_in_draft` accepts.
  In that mode `required`, `dependentRequired`, `minItems` and `minProperties` never fail,
  `minLength` does not fail on an empty string, and a `oneOf`/`anyOf` that no branch passes is
  accepted when some branch fails only for such reasons (see `generator.Generator._one_of`).

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

This package owns the compiled check. This module is its public face and the compile cache:
`compile_schema`, `removal_safe` and `json_equal`. Below it, each module imports only those after it:

- `generator`: writes a schema's check as Python source (plans, keywords by kind, `removal_sensitive`);
- `leaves`: checks of one answer handed to the generated code as constants (formats and patterns that
  remember the texts that passed, `const`/`enum` values, date bounds);
- `values`: the functions the generated code calls by name (`values.RUNTIME`): JSON's equality and
  numbers as jsonschema has them, blank text, today;
- `keywords`: the keywords compiled and refused, `Unsupported`, and the scan that refuses `$id`s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from caf_desktop.formengine.fastcheck.generator import Generator
from caf_desktop.formengine.fastcheck.keywords import Check, Unsupported, scan
from caf_desktop.formengine.fastcheck.values import json_equal

__all__ = ["Check", "compile_schema", "json_equal", "removal_safe"]

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
    generator = Generator(schema, without_blanks)
    try:
        scan(schema)
        root = generator.check(draft)
    except (Unsupported, RecursionError):
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

    Strict: the answer of `validation.validator_of(schema).is_valid(document)`. Draft: whether every
    error jsonschema finds is one `validation.tolerated_in_draft` accepts (the check of
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
