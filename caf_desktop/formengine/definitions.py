"""Form definitions: the typed model of one form at one version, and the installed catalogue.

A definition file is checked (see `caf_desktop.formengine.checker`) before it becomes a `FormDefinition`, so
everything here may assume a well-formed file. Definitions are immutable; a record keeps the digest
of the exact definition it was made with.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal

from caf_desktop.common.errors import DefinitionInvalid, UnknownForm
from caf_desktop.formengine import checker as formcheck
from caf_desktop.formengine.checker import FORMAT_VERSION

Effect = Literal["show", "hide", "enable", "disable"]


@dataclass(frozen=True, slots=True)
class ScopeCondition:
    """Holds when the answer at `scope` exists and is valid against `schema`."""

    scope: str
    schema: Mapping[str, Any] | bool


@dataclass(frozen=True, slots=True)
class AllCondition:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyCondition:
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class NotCondition:
    condition: Condition


Condition = ScopeCondition | AllCondition | AnyCondition | NotCondition


@dataclass(frozen=True, slots=True)
class Rule:
    effect: Effect
    condition: Condition


@dataclass(frozen=True, slots=True)
class Control:
    """One question bound to the answer at `scope` (relative to the enclosing item, if any).

    `location` is the JSON Pointer of this element inside the definition file.
    """

    scope: str
    location: str
    label: str | None = None
    help: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    rule: Rule | None = None
    elements: tuple[Element, ...] | None = None

    @property
    def widget(self) -> str | None:
        value = self.options.get("widget")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class Group:
    label: str
    location: str
    elements: tuple[Element, ...]
    help: str | None = None
    rule: Rule | None = None


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    location: str
    style: Literal["info", "warning", "safeguarding"] = "info"
    rule: Rule | None = None


Element = Control | Group | Text


@dataclass(frozen=True, slots=True)
class Section:
    id: str
    title: str
    location: str
    elements: tuple[Element, ...]
    description: str | None = None
    rule: Rule | None = None


@dataclass(frozen=True, slots=True)
class Subject:
    """Where a document keeps the child's names, date of birth and reference, and the facts the case
    list shows (agreed level of need, lead professional, next review)."""

    given_names: str | None = None
    family_name: str | None = None
    date_of_birth: str | None = None
    expected_date: str | None = None
    sex: str | None = None
    address: str | None = None
    reference: str | None = None
    level: str | None = None
    level_rationale: str | None = None
    lead_professional: str | None = None
    next_review: str | None = None
    # The date the case closed: a record of this form, once complete, closes its case (the CAF closure).
    closed_on: str | None = None


@dataclass(frozen=True)
class FormDefinition:
    id: str
    version: str
    title: str
    description: str
    schema: Mapping[str, Any]
    sections: tuple[Section, ...]
    raw: Mapping[str, Any] = field(repr=False)
    source: str = "<memory>"
    shareable: bool = True
    subject: Subject = Subject()
    ruleset: str | None = None
    print_hints: Mapping[str, Any] = field(default_factory=dict)

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the definition's canonical JSON: records store it to prove which form they used."""
        return digest_of(self.raw)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def controls(self) -> Iterator[tuple[str, Control]]:
        """Every control with its scope made absolute (items of arrays written as `*`), in page order."""
        for section in self.sections:
            yield from self._walk_controls(section.elements, "")

    def item_base(self, template: str) -> str:
        """Where the scopes of a control's own `elements` are relative to: the item of a list, or the object."""
        from caf_desktop.formengine import schematree  # noqa: PLC0415 - schematree is a leaf; this avoids a cycle at import

        is_list = schematree.first(schematree.at(self.schema, template), "type") == "array"
        return template + "/*" if is_list else template

    def _walk_controls(self, elements: tuple[Element, ...], base: str) -> Iterator[tuple[str, Control]]:
        for element in elements:
            if isinstance(element, Control):
                yield base + element.scope, element
                if element.elements is not None:
                    yield from self._walk_controls(element.elements, self.item_base(base + element.scope))
            elif isinstance(element, Group):
                yield from self._walk_controls(element.elements, base)


def digest_of(raw: Mapping[str, Any]) -> str:
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


# --- building the typed model from a checked file ---------------------------------------------------


def _condition(raw: Mapping[str, Any]) -> Condition:
    if "all" in raw:
        return AllCondition(tuple(_condition(c) for c in raw["all"]))
    if "any" in raw:
        return AnyCondition(tuple(_condition(c) for c in raw["any"]))
    if "not" in raw:
        return NotCondition(_condition(raw["not"]))
    return ScopeCondition(raw["scope"], raw["schema"])


def _rule(raw: Mapping[str, Any] | None) -> Rule | None:
    if raw is None:
        return None
    return Rule(raw["effect"], _condition(raw["condition"]))


def _elements(raw: list[Mapping[str, Any]], location: str) -> tuple[Element, ...]:
    built: list[Element] = []
    for index, item in enumerate(raw):
        here = f"{location}/{index}"
        if item["type"] == "control":
            nested = item.get("elements")
            built.append(
                Control(
                    scope=item["scope"],
                    location=here,
                    label=item.get("label"),
                    help=item.get("help"),
                    options=dict(item.get("options", {})),
                    rule=_rule(item.get("rule")),
                    elements=_elements(nested, here + "/elements") if nested is not None else None,
                )
            )
        elif item["type"] == "group":
            built.append(
                Group(
                    label=item["label"],
                    location=here,
                    elements=_elements(item["elements"], here + "/elements"),
                    help=item.get("help"),
                    rule=_rule(item.get("rule")),
                )
            )
        else:
            built.append(
                Text(
                    text=item["text"],
                    location=here,
                    style=item.get("style", "info"),
                    rule=_rule(item.get("rule")),
                )
            )
    return tuple(built)


def build(raw: Mapping[str, Any], source: str = "<memory>") -> FormDefinition:
    """The typed definition of a raw definition that has passed `forms check`."""
    sections = tuple(
        Section(
            id=s["id"],
            title=s["title"],
            location=f"/layout/sections/{i}",
            elements=_elements(s["elements"], f"/layout/sections/{i}/elements"),
            description=s.get("description"),
            rule=_rule(s.get("rule")),
        )
        for i, s in enumerate(raw["layout"]["sections"])
    )
    subject = raw.get("subject", {})
    return FormDefinition(
        id=raw["id"],
        version=raw["version"],
        title=raw["title"],
        description=raw["description"],
        schema=raw["schema"],
        sections=sections,
        raw=raw,
        source=source,
        shareable=raw.get("shareable", True),
        subject=Subject(**subject),
        ruleset=raw.get("thresholds", {}).get("ruleset"),
        print_hints=raw.get("print", {}),
    )


def load(raw: Mapping[str, Any], source: str = "<memory>") -> FormDefinition:
    """Checks a raw definition and builds it; raises `DefinitionInvalid` with every problem found."""
    findings = list(formcheck.check_definition(raw, source))
    if findings:
        raise DefinitionInvalid(source, findings)
    return build(raw, source)


# --- the installed catalogue ------------------------------------------------------------------------

_VERSION_FILE = re.compile(r"^\d+\.\d+\.\d+\.json$")


def forms_root() -> Traversable:
    """The shipped `forms/` folder, whether installed (inside the package) or in a source checkout."""
    packaged = resources.files("caf_desktop") / "_forms"
    if packaged.is_dir():
        return packaged
    # An editable install or a source checkout: forms/ sits beside the package.
    return Path(str(resources.files("caf_desktop"))).parent / "forms"


def shipped_definition_files() -> list[Traversable]:
    """Every `forms/<id>/<version>.json` that ships with the app (threshold rulesets excluded)."""
    found: list[Traversable] = []
    root = forms_root()
    for folder in sorted(root.iterdir(), key=lambda t: t.name):
        if not folder.is_dir() or folder.name in ("thresholds", "__pycache__"):
            continue
        found.extend(
            sorted((f for f in folder.iterdir() if _VERSION_FILE.match(f.name)), key=lambda t: t.name)
        )
    return found


def display_name(resource: Traversable) -> str:
    """How a shipped file is named in messages: `forms/<id>/<version>.json`."""
    return f"forms/{Path(str(resource)).parent.name}/{resource.name}"


class Catalogue:
    """The form definitions the app can open, by id and version."""

    def __init__(self, definitions: list[FormDefinition]) -> None:
        self._by_key = {d.key: d for d in definitions}

    @classmethod
    def shipped(cls) -> Catalogue:
        from caf_desktop.common import jsonfiles  # noqa: PLC0415 - keeps start-up light for callers who never load files

        definitions = []
        for resource in shipped_definition_files():
            name = display_name(resource)
            definitions.append(load(jsonfiles.parse(resource.read_text(encoding="utf-8"), name), name))
        return cls(definitions)

    def all(self) -> list[FormDefinition]:
        """Every definition, by id, newest version first."""
        return sorted(self._by_key.values(), key=lambda d: (d.id, [-n for n in version_key(d.version)]))

    def ids(self) -> list[str]:
        return sorted({d.id for d in self._by_key.values()})

    def get(self, form_id: str, version: str | None = None) -> FormDefinition:
        """The named version, or the newest one; `UnknownForm` (with a suggestion) otherwise."""
        if version is not None:
            found = self._by_key.get(f"{form_id}@{version}")
            if found is None:
                raise UnknownForm(
                    form_id, version, None if form_id in self.ids() else _suggest(form_id, self.ids())
                )
            return found
        versions = [d for d in self._by_key.values() if d.id == form_id]
        if not versions:
            raise UnknownForm(form_id, None, _suggest(form_id, self.ids()))
        return max(versions, key=lambda d: version_key(d.version))

    def lookup(self, reference: str) -> FormDefinition:
        """A form named as `ID` (newest) or `ID@VERSION`."""
        form_id, _, version = reference.partition("@")
        return self.get(form_id, version or None)


def _suggest(name: str, candidates: list[str]) -> str | None:
    close = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    return close[0] if close else None


@functools.cache
def shipped_catalogue() -> Catalogue:
    """The catalogue of shipped forms, loaded and checked once per process."""
    return Catalogue.shipped()


def installed_catalogue() -> Catalogue:
    """The forms this app can open: the shipped ones, and newer ones the team's coordinator sent in a
    bundle (kept in the home folder's `forms/ID/VERSION.json`). A received file that does not pass
    `forms check`, or that names a version the app ships, is left out: shipped forms never change.
    Read once per home folder; `forget_received` after a bundle brings new ones."""
    from caf_desktop.common import paths  # noqa: PLC0415

    return _installed(str(paths.user_forms_dir()))


def forget_received() -> None:
    """Forms and rulesets were received: the next `installed_catalogue` reads them again."""
    _installed.cache_clear()


def received_files(folder: Path, *, skip: str | None = None) -> list[Path]:
    """The `ID/VERSION.json` files in a folder of received definitions (none if there is no folder)."""
    try:
        return sorted(
            f for sub in folder.iterdir() if sub.is_dir() and sub.name != skip for f in sub.glob("*.json")
        )
    except OSError:  # no folder yet: nothing received
        return []


@functools.lru_cache(maxsize=8)
def _installed(folder: str) -> Catalogue:
    from caf_desktop.common import jsonfiles  # noqa: PLC0415
    from caf_desktop.common.errors import CafError  # noqa: PLC0415

    files = received_files(Path(folder), skip="thresholds")
    if not files:
        return shipped_catalogue()
    definitions = shipped_catalogue().all()
    known = {d.key for d in definitions}
    for path in files:
        try:
            raw = jsonfiles.load(path)
            if next(iter(formcheck.check_definition(raw, str(path))), None) is not None:
                continue
            definition = load(raw, str(path))
        except (CafError, OSError):
            continue  # a damaged received file is left out
        if definition.key not in known:
            definitions.append(definition)
            known.add(definition.key)
    return Catalogue(definitions)


# --- bare schemas -----------------------------------------------------------------------------------


def from_schema(
    schema: Mapping[str, Any], layout: Mapping[str, Any] | None = None, *, title: str | None = None
) -> FormDefinition:
    """A definition for a bare JSON Schema: its layout, or a sensible default one.

    The default: the top-level answers that are groups or lists each get a section of their own;
    the other top-level answers share a first section named after the schema.
    """
    name = title or str(schema.get("title") or "Form")
    if layout is None:
        layout = default_layout(schema, name)
    data_schema = {"type": "object", "properties": {}, **schema}
    raw = {
        "format": FORMAT_VERSION,
        "id": "bare-schema",
        "version": "0.0.0",
        "title": name,
        "description": str(schema.get("description") or name),
        "schema": data_schema,
        "layout": dict(layout),
    }
    return load(raw, "<schema>")


def default_layout(schema: Mapping[str, Any], title: str) -> dict[str, Any]:
    from caf_desktop.formengine import schematree  # noqa: PLC0415

    own: list[dict[str, Any]] = []
    separate: list[dict[str, Any]] = []
    for name in schematree.property_names(schema, schema):
        pointer = "/" + name.replace("~", "~0").replace("/", "~1")
        subschemas = schematree.at(schema, pointer)
        control = {"type": "control", "scope": pointer}
        if schematree.kind(schema, subschemas) in ("object", "array"):
            section_id = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            section_id = section_id if section_id[:1].isalpha() else f"s-{section_id}".rstrip("-")
            separate.append(
                {
                    "id": section_id,
                    "title": schematree.title(subschemas, name.replace("_", " ").capitalize()),
                    "elements": [control],
                }
            )
        else:
            own.append(control)
    sections = (
        [{"id": "details", "title": title, "elements": own}] if own or not separate else []
    ) + separate
    seen: set[str] = set()
    for section in sections:
        base, n = section["id"], 2
        while section["id"] in seen:
            section["id"] = f"{base}-{n}"
            n += 1
        seen.add(section["id"])
    return {"sections": sections}
