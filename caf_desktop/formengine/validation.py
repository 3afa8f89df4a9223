"""Checking a document against its form: findings in plain English, one per problem.

Two modes (docs/form-definitions.md): a *draft* needs only what is entered to be right; *complete*
("Mark complete") also needs every required answer that the form asks. Answers hidden by a rule are
not part of the document and never required; disabled answers are never required. The practice
rules that also apply on marking complete (an agreed level that differs from the suggestion needs a
rationale) are added by `caf_desktop.practice.completion`, which builds on this module.

The checks are one generator, `iter_findings`; `findings` and `is_valid` are built on it, as in
python-jsonschema. Raw validator text never reaches a person: every message names the field by its
title and says what to do.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from caf_desktop.common.findings import Finding
from caf_desktop.formengine import formats, pointers, schematree
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.formengine.relevance import relevance, without


def _date_bound_keyword(direction: int) -> Callable[..., Iterator[ValidationError]]:
    def check(
        validator: Any, bound: str, instance: Any, schema: Mapping[str, Any]
    ) -> Iterator[ValidationError]:
        if not isinstance(instance, str):
            return
        given = formats.parse_date(instance[:10]) if len(instance) >= 10 else None
        limit = formats.bound(bound, formats.today.get())
        if given is None or limit is None:
            return
        if (given - limit).days * direction > 0:
            yield ValidationError(f"{instance} is out of range {bound}")

    return check


_Base = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    {"formatMaximum": _date_bound_keyword(+1), "formatMinimum": _date_bound_keyword(-1)},
)


@functools.lru_cache(maxsize=64)
def validator_for_json(schema_json: str) -> Any:
    """The validator of a schema written as JSON text (sorted keys), made once per text."""
    return _Base(json.loads(schema_json), format_checker=formats.format_checker)


# The validator of each schema object seen, by id, with the schema kept alive so that the id is not
# reused: writing the whole schema out as JSON (to find its validator) cost more than many checks.
# Schemas are treated as immutable, as FormDefinitions are.
_VALIDATORS_BY_ID_LIMIT = 64
_validators_by_id: dict[int, tuple[Mapping[str, Any], Any]] = {}


def validator_of(schema: Mapping[str, Any]) -> Any:
    """The exact check of a schema: jsonschema's Draft202012Validator with our formats and
    `formatMinimum`/`formatMaximum`, found by the schema object without writing it out. Public
    because the compiled check (`fastcheck`) is defined, tested and timed as agreeing with it."""
    found = _validators_by_id.get(id(schema))
    if found is not None and found[0] is schema:
        return found[1]
    validator = validator_for_json(json.dumps(schema, sort_keys=True))
    if len(_validators_by_id) >= _VALIDATORS_BY_ID_LIMIT:
        _validators_by_id.clear()
    _validators_by_id[id(schema)] = (schema, validator)
    return validator


# --- the document as it is judged ----------------------------------------------------------------------


def without_blanks_shared(value: Any) -> Any:
    """`formats.without_blanks(value)`, but sharing every part that holds no blank text with `value` (no copy
    at all for a document without blanks): only for reading, never for changing. Public for the tests
    and benchmarks that hold it against `formats.without_blanks` and time it."""
    if isinstance(value, dict):
        copied: dict[Any, Any] | None = None
        for key, item in value.items():
            if isinstance(item, str):
                if item.strip():
                    continue
                if copied is None:
                    copied = dict(value)
                del copied[key]
            elif isinstance(item, dict | list):
                lean = without_blanks_shared(item)
                if lean is not item:
                    if copied is None:
                        copied = dict(value)
                    copied[key] = lean
        return value if copied is None else copied
    if isinstance(value, list):
        items: list[Any] | None = None
        for index, item in enumerate(value):
            if isinstance(item, dict | list):
                lean = without_blanks_shared(item)
                if lean is not item:
                    if items is None:
                        items = list(value)
                    items[index] = lean
        return value if items is None else items
    return value


_DRAFT_TOLERATED = frozenset({"required", "dependentRequired", "minItems", "minProperties"})


def tolerated_in_draft(error: ValidationError) -> bool:
    """Whether this error only says something is not filled in yet (acceptable in a draft). Public:
    the compiled draft check (`fastcheck`) is defined and tested as accepting exactly these."""
    if error.validator in _DRAFT_TOLERATED:
        return True
    if error.validator == "minLength" and isinstance(error.instance, str) and not error.instance:
        return True
    if error.validator in ("oneOf", "anyOf") and error.context:
        # Satisfied in a draft when some branch fails only for missing answers.
        by_branch: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            by_branch.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
        return any(all(tolerated_in_draft(e) for e in subs) for subs in by_branch.values())
    return False


# --- the public API -------------------------------------------------------------------------------------


def iter_findings(
    definition: FormDefinition,
    document: Any,
    *,
    complete: bool = False,
    today: dt.date | None = None,
) -> Iterator[Finding]:
    """Every problem with `document` under `definition`, in the order of the form, one per problem."""
    if not isinstance(document, dict):
        yield Finding("", f"The document must be a JSON object holding the answers of {definition.title}.")
        return
    today = today or dt.date.today()
    judged = formats.without_blanks(document)
    rel = relevance(definition, judged)
    judged = without(judged, rel.hidden)
    namer = FieldNamer(definition)
    seen: set[tuple[str, str]] = set()
    found: list[Finding] = []
    token = formats.today.set(today)
    try:
        errors = list(validator_of(definition.schema).iter_errors(judged))
    finally:
        formats.today.reset(token)
    for error in errors:
        if not complete and tolerated_in_draft(error):
            continue
        for finding in _describe(error, namer, complete):
            if rel.is_not_asked(finding.path) and _is_missing_answer(error):
                continue
            key = (finding.path, finding.message)
            if key not in seen:
                seen.add(key)
                found.append(finding)
    found.sort(key=namer.order)
    yield from found


def judged_document(definition: FormDefinition, document: Mapping[str, Any]) -> Any:
    """The answers as the checks judge them: blank answers and answers hidden by a rule left out."""
    judged = formats.without_blanks(document)
    return without(judged, relevance(definition, judged).hidden)


def findings(
    definition: FormDefinition, document: Any, *, complete: bool = False, today: dt.date | None = None
) -> list[Finding]:
    return list(iter_findings(definition, document, complete=complete, today=today))


def is_valid(
    definition: FormDefinition, document: Any, *, complete: bool = False, today: dt.date | None = None
) -> bool:
    return next(iter_findings(definition, document, complete=complete, today=today), None) is None


def is_valid_draft(definition: FormDefinition, document: Any, *, today: dt.date | None = None) -> bool:
    """Whether `findings(definition, document, today=today)` (draft mode) is empty: the same answer
    as `is_valid`, fast (a compiled check, `caf_desktop.formengine.fastcheck`), for checking many records.

    `findings` reports nothing exactly when the document is an object and every error jsonschema
    finds in it (blank answers and hidden answers left out) is one a draft tolerates; the compiled
    draft check answers that. When it says no, or cannot compile the schema, the exact check decides.

    Blank answers: the check is compiled `without_blanks`, so it judges the document as if blank
    text were left out of its objects, as `findings` does, without copying it first.

    Relevance: `findings` validates the document without the answers rules hide. Pruning only
    deletes answers (object members at layout-control pointers, or array items), and when
    `fastcheck.removal_safe(schema)` holds, deleting answers from a document the draft check accepts
    always leaves one it accepts (the argument is in `removal_safe`): so accepting the unpruned
    document is sound, and relevance (about 0.9 ms for a full CAF) is skipped. It holds for every
    shipped form: their `if`s only make answers required (`then`/`else` hold only `required`, which
    a draft never fails), their `oneOf`s are lists of constant choices, their one `uniqueItems` is
    over text, and they have no `not` and no `prefixItems`. For other schemas the document is pruned
    first, as `findings` does (relevance reads the document with its blanks left out, so that copy
    is made then). (Missing answers of questions not asked are tolerated anyway: a draft tolerates
    every missing answer.)
    """
    from caf_desktop.formengine import fastcheck  # noqa: PLC0415 - fastcheck builds on this module

    if not isinstance(document, dict):
        return False  # findings says the document must be an object
    check = fastcheck.compile_schema(definition.schema, draft=True, without_blanks=True)
    if check is not None:
        judged = document
        if not fastcheck.removal_safe(definition.schema):
            lean = without_blanks_shared(document)
            judged = without(lean, relevance(definition, lean).hidden)  # `without` copies
        token = formats.today.set(today or dt.date.today())
        try:
            if check(judged):
                return True
        finally:
            formats.today.reset(token)
    return not findings(definition, document, today=today)


def _is_missing_answer(error: ValidationError) -> bool:
    return error.validator in ("required", "dependentRequired", "minItems", "minProperties")


# --- naming fields ---------------------------------------------------------------------------------------


def _lower_title(title: str) -> str:
    """`Family name` -> `family name`; acronyms (`CAF reference`, `EDD`) keep their capitals."""
    first_word = title.split(" ", 1)[0]
    if len(first_word) > 1 and (first_word.isupper() or first_word[1:2].isupper()):
        return title
    return title[:1].lower() + title[1:]


def _leaf_titles(root: schematree.Schema) -> Iterator[str]:
    """The title of every property in the schema (for telling apart fields with the same title)."""
    stack: list[Any] = [root]
    seen: set[int] = set()
    while stack:
        node = schematree.deref(root, stack.pop())
        if isinstance(node, Mapping) and id(node) not in seen:
            seen.add(id(node))
            for written in (node.get("properties") or {}).values():
                sub = schematree.deref(root, written)
                if isinstance(written, Mapping) and isinstance(written.get("title"), str):
                    yield written["title"]
                elif isinstance(sub, Mapping) and isinstance(sub.get("title"), str):
                    yield sub["title"]
                stack.append(sub)
            stack.extend(
                v for k, v in node.items() if k in ("items", "then", "else") and isinstance(v, Mapping)
            )
            stack.extend(
                b for k in ("allOf", "anyOf", "oneOf") for b in node.get(k, []) if isinstance(b, Mapping)
            )
            stack.extend((node.get("$defs") or {}).values())


class FieldNamer:
    """Titles, kinds and page order of the places in one form's documents."""

    def __init__(self, definition: FormDefinition) -> None:
        self.definition = definition
        self.root = definition.schema
        self.labels: dict[str, str] = {}
        self.positions: dict[str, int] = {}
        self.title_uses: dict[str, int] = {}
        for title in _leaf_titles(self.root):
            self.title_uses[title] = self.title_uses.get(title, 0) + 1
        for position, (scope, control) in enumerate(definition.controls()):
            self.positions.setdefault(scope, position)
            if control.label:
                self.labels.setdefault(scope, control.label)

    @staticmethod
    def template(pointer: str) -> str:
        return pointers.join("*" if t.isdigit() else t for t in pointers.split(pointer))

    def schemas(self, pointer: str) -> list[schematree.Schema]:
        return schematree.at(self.root, pointer)

    def title(self, pointer: str) -> str:
        label = self.labels.get(self.template(pointer))
        if label:
            return label
        tokens = pointers.split(pointer)
        if tokens and tokens[-1].isdigit() and self.kind(pointers.parent(pointer)) != "array":
            return self.title(pointers.parent(pointer))  # one of several choices: the list's title
        fallback = tokens[-1].replace("_", " ").capitalize() if tokens else self.definition.title
        # Titles of oneOf branches name options, not the field: look only at what always applies.
        return schematree.title(schematree.at(self.root, pointer, conditional=False), fallback)

    def context(self, pointer: str) -> str:
        """Where an answer is, when its title alone does not say: `Parent or carer 2: `, or the
        title of the group for a title used more than once in the form (`Lead professional: `)."""
        tokens = pointers.split(pointer)
        parts = []
        if (
            tokens
            and not tokens[-1].isdigit()
            and self.title_uses.get(self.title(pointer), 0) > 1
            and len(tokens) > 1
        ):
            owner = pointers.join(tokens[:-1])
            if not tokens[-2].isdigit():
                parts.append(self.title(owner))
        for i, token in enumerate(tokens):
            if token.isdigit() and self.kind(pointers.join(tokens[:i])) == "array":
                array_pointer = pointers.join(tokens[:i])
                item_schemas = schematree.at(self.root, pointers.join([*tokens[:i], "*"]))
                item_title = schematree.title(item_schemas, "") or self.title(array_pointer)
                parts.insert(
                    len(parts) - (1 if parts and i == len(tokens) - 2 else 0),
                    f"{item_title} {int(token) + 1}",
                )
        return (", ".join(parts) + ": ") if parts else ""

    def kind(self, pointer: str) -> schematree.Kind:
        return schematree.kind(self.root, self.schemas(pointer))

    def order(self, finding: Finding) -> tuple[int, list[tuple[int, int] | tuple[int, str]]]:
        template = self.template(finding.path)
        position = len(self.positions)
        candidate = template
        while True:
            if candidate in self.positions:
                position = self.positions[candidate]
                break
            if not candidate:
                break
            candidate = pointers.parent(candidate)
        tokens: list[tuple[int, int] | tuple[int, str]] = [
            (0, int(t)) if t.isdigit() else (1, t) for t in pointers.split(finding.path)
        ]
        return (position, tokens)


# --- messages --------------------------------------------------------------------------------------------

_TYPE_WORDS = {
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "yes or no",
    "object": "a group of answers",
    "array": "a list",
    "null": "empty",
}

_FORMAT_MESSAGES = {
    "date": "Enter {the} as a real date, written year-month-day (such as 2015-03-27).",
    "date-time": "Enter {the} as a real date and time, such as 2015-03-27T14:30.",
    "email": "Enter {the} in the right form, such as name@example.org.",
    "uk-phone": "Enter {the} as a UK telephone number, such as 01632 960 001 or 07700 900 982.",
    "uk-postcode": "Enter {the} as a full UK postcode, such as MK9 3EJ.",
}


def _uk_date(value: str) -> str:
    parsed = formats.parse_date(value)
    return parsed.strftime("%d/%m/%Y") if parsed else value


def _sentence(text: str) -> str:
    """One sentence: lower case after a `Where: ` prefix, and a full stop unless it ends otherwise."""
    text = text.strip()
    head, sep, tail = text.partition(": ")
    if sep and tail[:1].isupper() and tail[1:2].islower():
        text = f"{head}: {tail[:1].lower()}{tail[1:]}"
    return text if text.endswith((".", "?", "!", "?”")) else text + "."


def _missing_message(title: str, kind: schematree.Kind) -> str:
    if title.endswith("?"):
        return f"Answer the question “{title}”"  # no full stop after the question mark
    the = _lower_title(title)
    if kind in ("choice", "boolean"):
        return f"Choose an answer for {the}"
    if kind == "choices":
        return f"Choose at least one answer for {the}"
    if kind == "array":
        return f"Add at least one entry to {the}"
    return f"Enter {the}"


def _describe(error: ValidationError, namer: FieldNamer, complete: bool) -> Iterator[Finding]:  # noqa: PLR0915 - one branch per keyword reads as a table
    """The findings for one validator error (a `required` error may name several answers)."""
    where = pointers.join(error.absolute_path)
    validator = error.validator
    value: Any = error.validator_value

    if validator in ("required", "dependentRequired"):
        names: list[str]
        if validator == "required":
            names = [n for n in value if isinstance(error.instance, dict) and n not in error.instance]
        else:
            names = [
                n
                for deps in value.values()
                for n in deps
                if isinstance(error.instance, dict) and n not in error.instance
            ]
        for name in names:
            yield from _missing(pointers.child(where, name), namer)
        return

    custom = formats.custom_message(error)
    context = namer.context(where)
    title = namer.title(where)
    the = _lower_title(title)
    if custom:
        yield Finding(where, _sentence(context + custom))
        return

    message: str
    if validator == "type":
        expected = value if isinstance(value, list) else [value]
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected)
        message = f"Enter {words} for {the}"
    elif validator == "format":
        message = _FORMAT_MESSAGES.get(str(value), "Enter {the} in the expected form.").format(the=the)
    elif validator == "formatMaximum":
        message = (
            f"Enter {the} as a date that is today or in the past"
            if value == "today"
            else f"Enter {the} as a date on or before {_uk_date(str(value))}"
        )
    elif validator == "formatMinimum":
        message = (
            f"Enter {the} as a date that is today or in the future"
            if value == "today"
            else f"Enter {the} as a date on or after {_uk_date(str(value))}"
        )
    elif validator == "maxLength":
        over = len(error.instance) - int(value) if isinstance(error.instance, str) else 0
        message = f"Shorten {the} to {value} characters or fewer ({over} too many)"
    elif validator == "minLength":
        message = (
            f"Enter at least {value} characters for {the}"
            if error.instance
            else _missing_message(title, namer.kind(where))
        )
    elif validator in ("minimum", "exclusiveMinimum"):
        message = f"Enter {the} as {'at least' if validator == 'minimum' else 'more than'} {value}"
    elif validator in ("maximum", "exclusiveMaximum"):
        message = f"Enter {the} as {'at most' if validator == 'maximum' else 'less than'} {value}"
    elif validator in ("enum", "oneOf", "anyOf") and namer.kind(where) in ("choice", "choices"):
        message = f"Choose one of the listed answers for {the}"
    elif validator == "const":
        message = f"{title} can only be {json.dumps(value, ensure_ascii=False)}"
    elif validator == "pattern":
        message = f"Enter {the} in the expected form"
    elif validator == "uniqueItems":
        message = f"{title} lists the same answer more than once: remove the repeat"
    elif validator == "maxItems":
        message = f"{title} can have at most {value} entries: remove some"
    elif validator == "minItems":
        message = f"Add at least {value} {'entry' if value == 1 else 'entries'} to {the}"
    elif validator in ("oneOf", "anyOf") and error.context:
        # Not a simple choice: report the most relevant branch's problem instead of all of them.
        from jsonschema.exceptions import best_match  # noqa: PLC0415

        yield from _describe(best_match(error.context), namer, complete)
        return
    elif validator == "not":
        message = f"{title} has an answer that is not allowed here: change it"
    else:
        message = f"{title} is not an accepted answer: check it"
    yield Finding(where, _sentence(context + message))


def _missing(pointer: str, namer: FieldNamer) -> Iterator[Finding]:
    """A required answer that is missing; a missing required group names its own required answers."""
    schemas = namer.schemas(pointer)
    custom = _missing_message_of(schemas)
    if custom:
        yield Finding(pointer, _sentence(namer.context(pointer) + custom))
        return
    if namer.kind(pointer) == "object" and not any(isinstance(s.get("default"), dict) for s in schemas):
        # Only what is always required: `then`/`else` requirements depend on answers not given yet.
        always = schematree.at(namer.root, pointer, conditional=False)
        required = [n for s in always for n in s.get("required", []) if isinstance(n, str)]
        if required:
            for name in dict.fromkeys(required):
                yield from _missing(pointers.child(pointer, name), namer)
            return
    title = namer.title(pointer)
    yield Finding(pointer, _sentence(namer.context(pointer) + _missing_message(title, namer.kind(pointer))))


def _missing_message_of(schemas: list[schematree.Schema]) -> str | None:
    """The designer's own words for this answer being missing: `"errorMessage": {"required": ...}` on
    the answer's own schema ("Record whether consent to share was given, refused or not asked")."""
    for schema in schemas:
        custom = schema.get("errorMessage") if isinstance(schema, Mapping) else None
        if isinstance(custom, Mapping) and isinstance(custom.get("required"), str):
            return str(custom["required"])
    return None


def foreign_answers(definition: FormDefinition, document: Any) -> list[Finding]:
    """Answers the form does not ask: names in the document that are no question of the definition's
    schema (following its local `$ref`s), at any depth where the schema lists its questions. JSON
    Schema lets such names through unless a form says `additionalProperties: false`; a document made
    for another form (a CAF stored as a pre-assessment checklist) is full of them."""
    found: list[Finding] = []
    root = definition.schema

    def resolved(schema: Any) -> Any:
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 32:
            reference = schema["$ref"]
            if not reference.startswith("#/"):
                return None
            target: Any = root
            for part in reference[2:].split("/"):
                target = (
                    target.get(part.replace("~1", "/").replace("~0", "~"))
                    if isinstance(target, Mapping)
                    else None
                )
            schema, seen = target, seen + 1
        return schema

    stack: list[tuple[Any, Any, str]] = [(root, document, "")]
    while stack:
        schema, value, pointer = stack.pop()
        schema = resolved(schema)
        if not isinstance(schema, Mapping):
            continue
        if isinstance(value, dict) and isinstance(schema.get("properties"), Mapping):
            questions = schema["properties"]
            open_ended = (
                schema.get("additionalProperties") not in (None, False) or "patternProperties" in schema
            )
            for name in value:
                if name in questions:
                    stack.append((questions[name], value[name], f"{pointer}/{_escaped(name)}"))
                elif not open_ended:
                    found.append(
                        Finding(
                            f"{pointer}/{_escaped(name)}",
                            f"{definition.title} has no question {name[:60]!r} here; is this a document of "
                            "another form? Store it under the form it was made with.",
                        )
                    )
        elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
            stack.extend((schema["items"], item, f"{pointer}/{index}") for index, item in enumerate(value))
    return sorted(found, key=lambda finding: finding.path)


def _escaped(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")
