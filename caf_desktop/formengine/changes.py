"""What changes between two versions of a form, each change graded by what it does to answers already given.

- `safe`: wording (a title, help), a new optional question, a new choice, a limit loosened, a
  question no longer required. Records open and check as before.
- `risky`: a choice removed, a question newly required, a limit tightened (maxLength, minimum,
  maximum, maxItems, a pattern or format added or changed). Answers already given may no longer pass.
- `breaking`: a question removed, its id renamed, its kind changed (text to number, one choice to
  many). Answers would be stranded: the new version must carry a migration step for it
  (`caf_desktop.formengine.migration`); a rename IS its migration step.

`compare` lists the changes; `uncovered` names the breaking ones the new version's migration does not
handle, which `forms publish` refuses; `affects` says whether a document holds an answer a change
touches, for counting the records of a store. Pure: no store, no Qt.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from caf_desktop.formengine import pointers, schematree
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.formengine.migration import Migration, migration_of

SAFE, RISKY, BREAKING = "safe", "risky", "breaking"
_TIGHTER_WHEN_SMALLER = ("maxLength", "maximum", "maxItems", "exclusiveMaximum")
_TIGHTER_WHEN_LARGER = ("minLength", "minimum", "minItems", "exclusiveMinimum")


@dataclass(frozen=True)
class Field:
    """One place in a form's data, as a diff sees it."""

    path: str  # a pointer template: the items of a list are `*`
    kind: str
    title: str
    description: str | None
    required: bool
    choices: tuple[tuple[Any, str], ...] | None
    limits: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DefinitionChange:
    path: str
    change: str  # added, removed, renamed, kind, required, not-required, choice-removed, choice-added, limit-tightened, limit-loosened, wording
    grade: str  # safe, risky, breaking
    text: str
    covered: bool = False  # a breaking or risky change the new version's migration handles
    values: tuple[Any, ...] = ()  # the retired choices, for choice-removed
    to: str | None = None  # a rename's new place

    def as_json(self, records: int | None = None) -> dict[str, Any]:
        return {
            "path": self.path,
            "change": self.change,
            "grade": self.grade,
            "text": self.text,
            "records": records,
        }


def fields(definition: FormDefinition) -> dict[str, Field]:
    """Every place the schema describes below the root, in the order written, by pointer template."""
    root = definition.schema
    found: dict[str, Field] = {}

    def walk(path: str, subschemas: list[schematree.Schema], required: bool) -> None:
        kind = schematree.kind(root, subschemas)
        choices = schematree.choice_options(subschemas)
        if kind == "choices":
            items = [
                f
                for s in subschemas
                if isinstance(s.get("items"), Mapping)
                for f in schematree.facets(root, s["items"])
            ]
            choices = schematree.choice_options(items)
        description = schematree.first(subschemas, "description")
        found[path] = Field(
            path=path,
            kind=kind,
            title=schematree.title(subschemas, path.rsplit("/", 1)[-1]),
            description=description if isinstance(description, str) else None,
            required=required,
            choices=tuple(choices) if choices is not None else None,
            limits=_limits(subschemas),
        )
        if kind == "object":
            always = [f for s in subschemas for f in schematree.facets(root, s, conditional=False)]
            needed = {name for f in always for name in f.get("required", []) if isinstance(name, str)}
            names: dict[str, None] = {}
            for subschema in subschemas:
                names.update(dict.fromkeys(schematree.property_names(root, subschema)))
            for name in names:
                child = pointers.join([*pointers.split(path), name]) if path else pointers.join([name])
                walk(child, schematree.at(root, child), name in needed)
        elif kind == "array":
            child = f"{path}/*"
            walk(child, schematree.at(root, child), False)

    top = schematree.at(root, "")
    needed = {name for f in top for name in f.get("required", []) if isinstance(name, str)}
    names: dict[str, None] = {}
    for subschema in top:
        names.update(dict.fromkeys(schematree.property_names(root, subschema)))
    for name in names:
        path = pointers.join([name])
        walk(path, schematree.at(root, path), name in needed)
    return found


def _limits(subschemas: list[schematree.Schema]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for keyword in (
        *_TIGHTER_WHEN_SMALLER,
        *_TIGHTER_WHEN_LARGER,
        "pattern",
        "format",
        "formatMinimum",
        "formatMaximum",
    ):
        value = schematree.first(subschemas, keyword)
        if value is not None:
            found[keyword] = value
    return found


def compare(old: FormDefinition, new: FormDefinition) -> list[DefinitionChange]:
    """Every change from `old` to `new`, in the order of the new form (removals where they were)."""
    before, after = fields(old), fields(new)
    migration = migration_of(new)
    renamed = migration.renamed() if migration else {}
    arrived = set(renamed.values())
    changes: list[DefinitionChange] = []
    for path, was in before.items():
        if _inside(path, renamed):
            continue
        if path in renamed:
            target = renamed[path]
            now = after.get(target)
            text = f"{was.title} ({path}) is renamed to {target}" + (
                "" if now else ", which the new version does not have"
            )
            changes.append(
                DefinitionChange(path, "renamed", BREAKING, text + ".", covered=now is not None, to=target)
            )
            if now is not None:
                changes.extend(_field_changes(was, now, migration, at=target))
            continue
        now = after.get(path)
        if now is None:
            if _parent_removed(path, before, after, renamed):
                continue
            covered = migration is not None and migration.touches(path, "remove")
            changes.append(
                DefinitionChange(
                    path,
                    "removed",
                    BREAKING,
                    f"{was.title} ({path}) is removed: answers to it would be lost.",
                    covered=covered,
                )
            )
            continue
        changes.extend(_field_changes(was, now, migration, at=path))
    for path, now in after.items():
        if (
            path in before
            or path in arrived
            or _inside(path, {v: v for v in arrived})
            or _parent_added(path, before)
        ):
            continue
        grade = RISKY if now.required else SAFE
        what = "a new required question" if now.required else "a new question"
        covered = now.required and migration is not None and migration.touches(path, "default")
        changes.append(
            DefinitionChange(path, "added", grade, f"{now.title} ({path}) is {what}.", covered=covered)
        )
    return changes


def _inside(path: str, prefixes: Mapping[str, str]) -> bool:
    return any(path.startswith(prefix + "/") for prefix in prefixes)


def _parent_removed(
    path: str, before: Mapping[str, Field], after: Mapping[str, Field], renamed: Mapping[str, str]
) -> bool:
    parent = path.rsplit("/", 1)[0]
    return bool(parent) and parent in before and parent not in after and parent not in renamed


def _parent_added(path: str, before: Mapping[str, Field]) -> bool:
    parent = path.rsplit("/", 1)[0]
    return bool(parent) and parent not in before


def _field_changes(
    was: Field, now: Field, migration: Migration | None, *, at: str
) -> Iterator[DefinitionChange]:
    name = now.title
    if was.kind != now.kind:
        yield DefinitionChange(
            at,
            "kind",
            BREAKING,
            f"{name} ({at}) changes from {was.kind} to {now.kind}: answers given as {was.kind} no longer fit.",
        )
        return
    if now.required and not was.required:
        covered = migration is not None and migration.touches(at, "default")
        yield DefinitionChange(at, "required", RISKY, f"{name} ({at}) is now required.", covered=covered)
    elif was.required and not now.required:
        yield DefinitionChange(at, "not-required", SAFE, f"{name} ({at}) is no longer required.")
    if was.choices is not None and now.choices is not None:
        kept = {value for value, _ in now.choices}
        retired = tuple(value for value, _ in was.choices if value not in kept)
        if retired:
            labels = ", ".join(f"“{label}”" for value, label in was.choices if value in retired)
            covered = migration is not None and migration.touches(at, "map")
            yield DefinitionChange(
                at,
                "choice-removed",
                RISKY,
                f"{name} ({at}): the choice {labels} is retired.",
                covered=covered,
                values=retired,
            )
        added = [label for value, label in now.choices if value not in {v for v, _ in was.choices}]
        if added:
            yield DefinitionChange(
                at, "choice-added", SAFE, f"{name} ({at}): new choice {', '.join(f'“{a}”' for a in added)}."
            )
    tightened, loosened = _limit_changes(was.limits, now.limits)
    if tightened:
        yield DefinitionChange(at, "limit-tightened", RISKY, f"{name} ({at}): {'; '.join(tightened)}.")
    if loosened:
        yield DefinitionChange(at, "limit-loosened", SAFE, f"{name} ({at}): {'; '.join(loosened)}.")
    if was.title != now.title or was.description != now.description:
        what = (
            f"is now called “{now.title}” (was “{was.title}”)"
            if was.title != now.title
            else "has new help text"
        )
        yield DefinitionChange(at, "wording", SAFE, f"{was.title} ({at}) {what}.")


def _limit_changes(was: Mapping[str, Any], now: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    tightened: list[str] = []
    loosened: list[str] = []
    for keyword in sorted(set(was) | set(now)):
        before, after = was.get(keyword), now.get(keyword)
        if before == after:
            continue
        if keyword in _TIGHTER_WHEN_SMALLER or keyword in _TIGHTER_WHEN_LARGER:
            smaller = keyword in _TIGHTER_WHEN_SMALLER
            if after is None:
                loosened.append(f"{keyword} {before} removed")
            elif before is None or (after < before if smaller else after > before):
                tightened.append(f"{keyword} {before if before is not None else 'none'} to {after}")
            else:
                loosened.append(f"{keyword} {before} to {after}")
        elif after is None:
            loosened.append(f"{keyword} removed")
        else:
            tightened.append(f"{keyword} {'set to' if before is None else 'changed to'} {after}")
    return tightened, loosened


def uncovered(changes: list[DefinitionChange]) -> list[DefinitionChange]:
    """The breaking changes the new version's migration does not handle: publishing them would strand answers."""
    return [c for c in changes if c.grade == BREAKING and not c.covered]


def affects(change: DefinitionChange, document: Any) -> bool:
    """Whether a document (made with the old version) holds an answer this change touches. A newly
    required question touches the documents that lack it."""
    values = list(_values(document, change.path))
    if change.change == "added" and change.grade == SAFE:
        return False  # a new optional question: nothing already given is touched
    if change.change in ("added", "required"):
        parent = change.path.rsplit("/", 1)[0]
        parents = list(_values(document, parent)) if parent else [document]
        return any(
            isinstance(p, dict) and p.get(change.path.rsplit("/", 1)[-1]) in (None, "", []) for p in parents
        )
    if change.change == "choice-removed":
        retired = set(change.values)
        return any(
            v in retired or (isinstance(v, list) and retired & {x for x in v if isinstance(x, str)})
            for v in values
            if isinstance(v, (str, list))
        )
    if change.change in ("wording", "choice-added", "limit-loosened", "not-required"):
        return False
    return any(v not in (None, "", [], {}) for v in values)


def _values(document: Any, template: str) -> Iterator[Any]:
    def walk(node: Any, rest: list[str]) -> Iterator[Any]:
        if not rest:
            yield node
            return
        token = rest[0]
        if token == "*":  # noqa: S105 - a list's items
            if isinstance(node, list):
                for item in node:
                    yield from walk(item, rest[1:])
        elif isinstance(node, dict) and token in node:
            yield from walk(node[token], rest[1:])

    yield from walk(document, pointers.split(template))
