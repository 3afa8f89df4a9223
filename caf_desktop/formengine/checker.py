"""`forms check`: everything wrong with a form definition file, each finding at a JSON Pointer.

First the shape (the meta-schema that ships in `caf_desktop/schemas/`) and the data schema (valid
draft 2020-12); then what a meta-schema cannot see: pointers that name no field, `$ref`s that resolve
to nothing, fields bound twice, required fields no question asks, widgets that do not suit their
field, duplicate ids, and file names that disagree with the id and version.
"""

from __future__ import annotations

import difflib
import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, ValidationError
from jsonschema.exceptions import SchemaError

from caf_desktop.common import jsonfiles
from caf_desktop.common.errors import CafError, InputFileError
from caf_desktop.common.findings import Finding
from caf_desktop.formengine import pointers, schematree
from caf_desktop.formengine.formats import custom_message

_SEMVER_FILE = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)\.json$")

_WIDGET_KINDS: dict[str, set[str]] = {
    "text": {"text", "date", "datetime", "integer", "number"},
    "textarea": {"text"},
    "radio": {"choice", "boolean"},
    "select": {"choice"},
    "checkbox": {"boolean"},
    "yesno": {"boolean"},
    "checkboxes": {"choices"},
    "date": {"date"},
    "datetime": {"datetime"},
    "repeat": {"array"},
    "table": {"array"},
    "indicators": {"array", "choices"},
    # A drawn signature: a PNG picture, base64 text in the document (the consent block prints it).
    "signature": {"text"},
}

_KIND_WORDS = {
    "text": "text",
    "date": "a date",
    "datetime": "a date and time",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "a yes/no answer",
    "choice": "a choice from a list",
    "choices": "several choices from a list",
    "array": "a list of items",
    "object": "a group of answers",
    "unknown": "an answer of no declared type",
}

FORMAT_VERSION = 1
"""The definition format this version of the app reads; a file with a larger `format` is refused."""


@functools.cache
def meta_schema() -> dict[str, Any]:
    text = (resources.files("caf_desktop.schemas") / "form-definition.schema.json").read_text(
        encoding="utf-8"
    )
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@functools.cache
def _meta_validator() -> Draft202012Validator:
    return Draft202012Validator(meta_schema())


# --- the shape of the file ----------------------------------------------------------------------------


def meta_message(error: ValidationError) -> str:
    custom = custom_message(error)
    if custom:
        return custom
    value: Any = error.validator_value
    schema: Any = error.schema
    if error.validator == "required":
        missing = [n for n in value if isinstance(error.instance, dict) and n not in error.instance]
        return "; ".join(f'"{n}" is missing' for n in missing) + "."
    if error.validator == "additionalProperties":
        known = list(schema.get("properties", {}))
        extras = [k for k in error.instance if k not in known] if isinstance(error.instance, dict) else []
        sentences = []
        for extra in extras:
            close = difflib.get_close_matches(extra, known, n=1, cutoff=0.6)
            hint = f' Did you mean "{close[0]}"?' if close else f" Allowed here: {', '.join(known)}."
            sentences.append(f'"{extra}" is not a key used here.{hint}')
        return " ".join(sentences)
    if error.validator == "type":
        words = {
            "string": "text",
            "integer": "a whole number",
            "boolean": "true or false",
            "object": "an object {...}",
            "array": "a list [...]",
        }
        expected = value if isinstance(value, list) else [value]
        return "This must be " + " or ".join(words.get(str(t), str(t)) for t in expected) + "."
    if error.validator == "enum":
        close = difflib.get_close_matches(str(error.instance), [str(v) for v in value], n=1, cutoff=0.6)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        return f"{json.dumps(error.instance)} is not allowed here; use one of: {', '.join(map(str, value))}.{hint}"
    if error.validator == "const":
        return f"This must be {json.dumps(value)}."
    if error.validator == "minItems":
        return f"This list needs at least {value} {'entry' if value == 1 else 'entries'}."
    if error.validator in ("minimum", "maximum"):
        return f"This must be {'at least' if error.validator == 'minimum' else 'at most'} {value}."
    return f"This is not allowed here ({error.validator})."


def _shape_findings(raw: Any, source: str) -> Iterator[Finding]:
    errors = sorted(_meta_validator().iter_errors(raw), key=lambda e: list(map(str, e.absolute_path)))
    said: set[tuple[str, str]] = set()
    for error in errors:
        # jsonschema reports each missing key of one "required" apart, and `meta_message` names them
        # all in one sentence: that sentence is said once for its place.
        finding = Finding(pointers.join(error.absolute_path), meta_message(error), source)
        if (finding.path, finding.message) not in said:
            said.add((finding.path, finding.message))
            yield finding


# --- the data schema ----------------------------------------------------------------------------------


def _schema_findings(schema: Mapping[str, Any], source: str) -> Iterator[Finding]:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        where = pointers.join(["schema", *error.absolute_path])
        yield Finding(where, f"This is not valid JSON Schema: {error.message}.", source)
    yield from _ref_findings(schema, schema, "/schema", source)


def _ref_findings(root: Mapping[str, Any], node: Any, where: str, source: str) -> Iterator[Finding]:
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if not ref.startswith("#"):
                yield Finding(
                    f"{where}/$ref",
                    f'"{ref}" points outside this file; only references starting with "#" are allowed.',
                    source,
                )
            elif pointers.resolve(root, ref[1:], None) is None:
                tokens = pointers.split(ref[1:]) if ref[1:].startswith("/") else []
                hint = ""
                if tokens:
                    container = pointers.resolve(root, tokens[:-1], None)
                    if isinstance(container, Mapping):
                        close = difflib.get_close_matches(tokens[-1], list(container), n=1, cutoff=0.6)
                        if close:
                            hint = f' Did you mean "#{pointers.join([*tokens[:-1], close[0]])}"?'
                yield Finding(
                    f"{where}/$ref", f'"{ref}" does not point to anything in this file.{hint}', source
                )
        for key, value in node.items():
            if key in ("const", "enum", "default", "examples"):
                continue
            yield from _ref_findings(root, value, pointers.child(where, key), source)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _ref_findings(root, value, f"{where}/{index}", source)


# --- the layout against the schema --------------------------------------------------------------------


@dataclass
class _Binding:
    template: str
    location: str
    covers_children: bool


class _LayoutChecker:
    def __init__(self, raw: Mapping[str, Any], source: str) -> None:
        self.raw = raw
        self.root: Mapping[str, Any] = raw["schema"]
        self.source = source
        self.bindings: list[_Binding] = []
        self.findings: list[Finding] = []

    def problem(self, where: str, message: str) -> None:
        self.findings.append(Finding(where, message, self.source))

    def resolve(
        self, pointer: str, base_template: str, where: str, what: str
    ) -> list[schematree.Schema] | None:
        """The schemas at `base_template + pointer`, or a finding with a "did you mean"."""
        full = base_template + pointer
        found = schematree.at(self.root, full)
        if found:
            return found
        # Find the first token that does not resolve, to suggest a near name there.
        tokens = pointers.split(full)
        base_tokens = len(pointers.split(base_template))
        for cut in range(len(tokens)):
            if not schematree.at(self.root, pointers.join(tokens[: cut + 1])):
                parent_schemas = schematree.at(self.root, pointers.join(tokens[:cut])) if cut else [self.root]
                names = [n for s in parent_schemas for n in schematree.property_names(self.root, s)]
                close = difflib.get_close_matches(tokens[cut], names, n=1, cutoff=0.6)
                shown = pointers.join(tokens[base_tokens:cut]) if cut >= base_tokens else ""
                hint = f' Did you mean "{shown}/{close[0]}"?' if close else ""
                scope_word = " (relative to the item)" if base_template else ""
                self.problem(where, f'"{pointer}"{scope_word} is not a field of this form ({what}).{hint}')
                return None
        self.problem(where, f'"{pointer}" is not a field of this form ({what}).')
        return None

    def check_rule(self, rule: Any, base: str, where: str) -> None:
        if isinstance(rule, Mapping):
            self.check_condition(rule.get("condition"), base, f"{where}/condition")

    def check_condition(self, condition: Any, base: str, where: str) -> None:
        if not isinstance(condition, Mapping):
            return
        if "scope" in condition:
            self.resolve(condition["scope"], base, f"{where}/scope", "rule condition")
            if isinstance(condition.get("schema"), Mapping):
                try:
                    Draft202012Validator.check_schema(condition["schema"])
                except SchemaError as error:
                    self.problem(
                        f"{where}/schema",
                        f"The condition's schema is not valid JSON Schema: {error.message}.",
                    )
        for key in ("all", "any"):
            for index, sub in enumerate(condition.get(key, [])):
                self.check_condition(sub, base, f"{where}/{key}/{index}")
        if "not" in condition:
            self.check_condition(condition["not"], base, f"{where}/not")

    def check_elements(self, elements: Iterable[Any], base: str, where: str) -> None:
        for index, element in enumerate(elements):
            here = f"{where}/{index}"
            self.check_rule(element.get("rule"), base, f"{here}/rule")
            if element.get("type") == "group":
                self.check_elements(element.get("elements", []), base, f"{here}/elements")
            elif element.get("type") == "control":
                self.check_control(element, base, here)

    def check_control(self, control: Mapping[str, Any], base: str, here: str) -> None:
        scope = control["scope"]
        schemas = self.resolve(scope, base, f"{here}/scope", "control")
        if schemas is None:
            return
        template = base + scope
        kind = schematree.kind(self.root, schemas)
        options = control.get("options", {})
        widget = options.get("widget")
        if widget and kind not in _WIDGET_KINDS.get(widget, set()):
            self.problem(
                f"{here}/options/widget",
                f'The "{widget}" widget does not suit "{scope}", which is {_KIND_WORDS[kind]}.',
            )
        item_base = template + "/*" if kind in ("array", "choices") else template
        if "itemTitle" in options:
            if kind != "array":
                self.problem(
                    f"{here}/options/itemTitle",
                    f'"itemTitle" only applies to a list of items; "{scope}" is {_KIND_WORDS[kind]}.',
                )
            else:
                self.resolve(options["itemTitle"], item_base, f"{here}/options/itemTitle", "item title")
        nested = control.get("elements")
        if nested is not None:
            if kind not in ("array", "object"):
                self.problem(
                    f"{here}/elements",
                    f'Only a group of answers or a list of items can list elements; "{scope}" is {_KIND_WORDS[kind]}.',
                )
            else:
                self.check_elements(nested, item_base, f"{here}/elements")
        self.bindings.append(_Binding(template, f"{here}/scope", covers_children=nested is None))

    def check(self) -> list[Finding]:
        ids: dict[str, int] = {}
        for index, section in enumerate(self.raw["layout"]["sections"]):
            here = f"/layout/sections/{index}"
            if section["id"] in ids:
                self.problem(
                    f"{here}/id",
                    f'The section id "{section["id"]}" is already used by section {ids[section["id"]] + 1}.',
                )
            ids.setdefault(section["id"], index)
            self.check_rule(section.get("rule"), "", f"{here}/rule")
            self.check_elements(section["elements"], "", f"{here}/elements")
        self.check_duplicates()
        self.check_required_reachable()
        self.check_other_pointers()
        return self.findings

    def check_duplicates(self) -> None:
        first: dict[str, str] = {}
        for binding in self.bindings:
            if binding.template in first:
                self.problem(
                    binding.location,
                    f'"{binding.template}" already has a question, at {first[binding.template]}; a field can be asked only once.',
                )
            else:
                first[binding.template] = binding.location

    def _reachable(self, template: str) -> bool:
        for binding in self.bindings:
            if pointers.is_within(binding.template, template):
                return True  # asked directly, or through questions on its own fields
            if (
                binding.covers_children
                and pointers.is_within(template, binding.template)
                and binding.template != template
            ):
                return True
        return False

    def check_required_reachable(self) -> None:
        for template, where, name in _required_fields(self.root, self.root, "", "/schema"):
            field_pointer = pointers.child(template, name)
            schemas = schematree.at(self.root, field_pointer)
            if any("default" in s or "const" in s for s in schemas):
                continue
            read_only = any(s.get("readOnly") is True for s in schemas)
            if read_only:
                self.problem(
                    where,
                    f'"{field_pointer}" is required but read-only with no default, so nobody can fill it.',
                )
            elif not self._reachable(field_pointer):
                self.problem(
                    where,
                    f'"{field_pointer}" is required but no question in the layout asks for it. Add a control for it, or take it out of "required".',
                )

    def check_other_pointers(self) -> None:
        for key, pointer in self.raw.get("subject", {}).items():
            self.resolve(pointer, "", f"/subject/{key}", "subject")
        for key in ("landscape", "omit"):
            for index, pointer in enumerate(self.raw.get("print", {}).get(key, [])):
                self.resolve(pointer, "", f"/print/{key}/{index}", "print hint")


def _required_fields(
    root: Mapping[str, Any], node: Any, template: str, where: str
) -> Iterator[tuple[str, str, str]]:
    """(object template, location of the `required` list, property name) for every required field."""
    visited: set[int] = set()

    def walk(node: Any, template: str, where: str) -> Iterator[tuple[str, str, str]]:
        if not isinstance(node, Mapping) or id(node) in visited:
            return
        visited.add(id(node))
        for index, name in enumerate(node.get("required", [])):
            yield template, f"{where}/required/{index}", name
        for keyword in ("then", "else"):
            yield from walk(node.get(keyword), template, f"{where}/{keyword}")
        for keyword in ("allOf", "anyOf", "oneOf"):
            for index, branch in enumerate(
                node.get(keyword, []) if isinstance(node.get(keyword), list) else []
            ):
                if keyword == "allOf":
                    yield from walk(branch, template, f"{where}/{keyword}/{index}")
        for name, sub in (node.get("dependentSchemas") or {}).items():
            yield from walk(sub, template, f"{where}/dependentSchemas/{name}")
        for name, sub in (node.get("properties") or {}).items():
            yield from walk(
                sub, pointers.child(template, name), f"{where}/properties/{pointers.join([name])[1:]}"
            )
        if isinstance(node.get("items"), Mapping):
            yield from walk(node["items"], template + "/*", f"{where}/items")
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            target = pointers.resolve(root, ref[1:], None)
            if target is not None:
                # Findings inside a shared $defs piece point at the piece itself.
                visited.discard(id(target))
                yield from walk(target, template, f"/schema{ref[1:]}")

    yield from walk(node, template, where)


# --- one definition, and sets of files -------------------------------------------------------------------


def check_definition(raw: Any, source: str) -> Iterator[Finding]:
    """Every problem in one definition (already parsed from JSON)."""
    if not isinstance(raw, dict):
        yield Finding("", f"This is not a form definition: it is not a JSON object {{...}}. {NEEDS}", source)
        return
    if "schema" not in raw and "layout" not in raw:
        # Some other JSON file (a saved document, a team file): one sentence, not one per missing key.
        yield Finding(
            "", f'This is not a form definition: it has no "schema" and no "layout". {NEEDS}', source
        )
        return
    declared_format = raw.get("format")
    if isinstance(declared_format, int) and declared_format > FORMAT_VERSION:
        yield Finding(
            "/format",
            f"This definition was written for a newer version of CAF Desktop (format {declared_format}; "
            f"this version reads format {FORMAT_VERSION}). Update CAF Desktop to use it.",
            source,
        )
        return
    shape = list(_shape_findings(raw, source))
    if isinstance(raw.get("schema"), Mapping):
        yield from shape
        schema_problems = list(_schema_findings(raw["schema"], source))
        yield from schema_problems
        if shape or schema_problems:
            return
    else:
        yield from shape
        return
    yield from _LayoutChecker(raw, source).check()


NEEDS = (
    'A form definition is a JSON object with "format", "id", "version", "title", "description", '
    '"schema" (the JSON Schema of the answers) and "layout" (how they are shown); '
    "docs/form-definitions.md describes them."
)


@dataclass
class CheckReport:
    findings: list[Finding]
    unreadable: list[CafError]
    checked: int
    rulesets: int = 0


def is_ruleset(raw: Any) -> bool:
    """A threshold ruleset rather than a form definition (it has indicators and rules, no layout)."""
    return isinstance(raw, dict) and "indicators" in raw and "rules" in raw and "layout" not in raw


def _binding_findings(raw: Any, source: str, rulesets: dict[str, Any]) -> Iterator[Finding]:
    """A form's ruleset exists, and each indicators question names an element of it."""
    if not isinstance(raw, dict) or not isinstance(raw.get("thresholds"), dict):
        return
    ruleset_id = raw["thresholds"].get("ruleset")
    ruleset = rulesets.get(ruleset_id)
    if ruleset is None:
        close = difflib.get_close_matches(str(ruleset_id), list(rulesets), n=1, cutoff=0.6)
        hint = f' Did you mean "{close[0]}"?' if close else ""
        yield Finding("/thresholds/ruleset", f'There is no threshold ruleset "{ruleset_id}".{hint}', source)
        return
    elements = {e["id"] for e in ruleset.get("elements", [])}

    def walk(elements_raw: Any, where: str) -> Iterator[Finding]:
        for index, element in enumerate(elements_raw if isinstance(elements_raw, list) else []):
            here = f"{where}/{index}"
            options = element.get("options", {}) if isinstance(element, dict) else {}
            if options.get("widget") == "indicators" and options.get("element") not in elements:
                close = difflib.get_close_matches(
                    str(options.get("element")), sorted(elements), n=1, cutoff=0.6
                )
                hint = f' Did you mean "{close[0]}"?' if close else ""
                yield Finding(
                    f"{here}/options/element",
                    f'"{options.get("element")}" is not an element of the ruleset "{ruleset_id}".{hint}',
                    source,
                )
            if isinstance(element, dict):
                yield from walk(element.get("elements"), f"{here}/elements")

    for index, section in enumerate(raw.get("layout", {}).get("sections", [])):
        yield from walk(section.get("elements"), f"/layout/sections/{index}/elements")


def _file_name_findings(path: Path, raw: Any, source: str) -> Iterator[Finding]:
    if not isinstance(raw, dict) or not _SEMVER_FILE.match(path.name):
        return
    if raw.get("version") is not None and path.name != f"{raw.get('version')}.json":
        yield Finding(
            "/version",
            f"The version {raw.get('version')!r} does not match the file name {path.name!r}.",
            source,
        )
    if raw.get("id") is not None and path.parent.name != raw.get("id"):
        yield Finding(
            "/id", f"The id {raw.get('id')!r} does not match the folder name {path.parent.name!r}.", source
        )


def check_files(
    files: Iterable[tuple[Path, str]],
    *,
    check_ruleset: Callable[[Any, str], Iterable[Finding]],
    installed_rulesets: Mapping[str, Any],
) -> CheckReport:
    """Checks each `(path, name shown in messages)`, and that no two declare the same id and version.

    Rulesets belong to the practice room, above this engine: the caller passes how to check one
    (`check_ruleset`) and the rulesets installed already, by id, that definitions may bind to.
    `caf_desktop.practice.thresholds.check_files` is this with the threshold rulesets.
    """
    report = CheckReport([], [], 0)
    seen: dict[tuple[str, str], str] = {}
    rulesets_seen: dict[Any, Any] = {}
    definitions_seen: list[tuple[Any, str]] = []
    for path, source in files:
        try:
            raw = jsonfiles.parse(jsonfiles.read_text(path), source)
        except InputFileError as error:
            report.unreadable.append(error)
            continue
        if is_ruleset(raw):
            report.rulesets += 1
            report.findings.extend(check_ruleset(raw, source))
            report.findings.extend(_file_name_findings(path, raw, source))
            rulesets_seen[raw.get("id")] = raw
            continue
        report.checked += 1
        definitions_seen.append((raw, source))
        report.findings.extend(check_definition(raw, source))
        report.findings.extend(_file_name_findings(path, raw, source))
        if isinstance(raw, dict) and isinstance(raw.get("id"), str) and isinstance(raw.get("version"), str):
            key = (raw["id"], raw["version"])
            if key in seen:
                report.findings.append(
                    Finding(
                        "/id",
                        f"{key[0]} version {key[1]} is already defined in {seen[key]}; ids and versions must be unique.",
                        source,
                    )
                )
            else:
                seen[key] = source
    for raw, source in definitions_seen:
        report.findings.extend(_binding_findings(raw, source, {**installed_rulesets, **rulesets_seen}))
    return report
