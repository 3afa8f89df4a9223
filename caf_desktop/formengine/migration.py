"""Moving a document to a newer version of its form: the migration a version carries from the one before.

A published version never changes, so a change that would strand answers (an id renamed, a choice
retired, a question newly required) travels with the new version as its `migration`
(docs/form-definitions.md, "Versions and migration"):

    "migration": {"from": "1.0.0", "steps": [
        {"rename": "/child/surname", "to": "/child/family_name"},
        {"map": "/contact/method", "values": {"fax": "letter", "pager": null}},
        {"default": "/consent/recorded", "value": false},
        {"remove": "/old/question"}
    ]}

Pointers may name the items of a list with `*` (`/services/*/phone`). `map` with a null value
removes that answer. `default` fills an answer only where it is missing and its parent exists. Steps
run in order; `apply` returns the new document and every answer that changed, for the preview a
person sees before anything moves. Pure: no store, no Qt.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from caf_desktop.common.errors import CafError
from caf_desktop.formengine import pointers
from caf_desktop.formengine.definitions import Catalogue, FormDefinition, version_key

_ABSENT = object()


class MigrationError(CafError):
    """A migration cannot be followed (a missing step in the chain, a version that is not newer)."""


@dataclass(frozen=True)
class Step:
    kind: str  # "rename", "map", "default", "remove"
    path: str
    to: str | None = None
    values: Mapping[str, Any] | None = None
    value: Any = None

    def describe(self) -> str:
        if self.kind == "rename":
            return f"{self.path} is now {self.to}"
        if self.kind == "map":
            return f"retired answers of {self.path} are mapped"
        if self.kind == "default":
            return f"{self.path} is filled with {self.value!r} where it is missing"
        return f"{self.path} is removed"


@dataclass(frozen=True)
class Migration:
    from_version: str
    steps: tuple[Step, ...]

    def renamed(self) -> dict[str, str]:
        return {s.path: s.to for s in self.steps if s.kind == "rename" and s.to is not None}

    def touches(self, path: str, kind: str) -> bool:
        return any(s.path == path and s.kind == kind for s in self.steps)


@dataclass(frozen=True)
class AnswerChange:
    """One answer that a migration changes: where it was, where it goes, before and after."""

    path: str
    before: Any
    after: Any
    to: str | None = None  # a rename: the answer's new place

    def as_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"path": self.path, "before": self.before, "after": self.after}
        if self.to is not None:
            found["to"] = self.to
        return found


def migration_of(definition: FormDefinition) -> Migration | None:
    """The migration a version carries (None when it needs none: every change was safe)."""
    raw = definition.raw.get("migration")
    if not isinstance(raw, Mapping):
        return None
    steps = []
    for entry in raw.get("steps", []):
        if "rename" in entry:
            steps.append(Step("rename", entry["rename"], to=entry["to"]))
        elif "map" in entry:
            steps.append(Step("map", entry["map"], values=dict(entry["values"])))
        elif "default" in entry:
            steps.append(Step("default", entry["default"], value=entry["value"]))
        elif "remove" in entry:
            steps.append(Step("remove", entry["remove"]))
    return Migration(str(raw.get("from", "")), tuple(steps))


def chain(catalogue: Catalogue, form_id: str, from_version: str, to_version: str) -> list[FormDefinition]:
    """The versions a document passes through, oldest first, `from_version` excluded."""
    if version_key(to_version) <= version_key(from_version):
        raise MigrationError(
            f"{form_id} {to_version} is not newer than {from_version}: a record only moves to a newer version."
        )
    versions = sorted((d for d in catalogue.all() if d.id == form_id), key=lambda d: version_key(d.version))
    if to_version not in {d.version for d in versions}:
        raise MigrationError(f"There is no installed version {to_version} of {form_id}.")
    return [
        d for d in versions if version_key(from_version) < version_key(d.version) <= version_key(to_version)
    ]


def apply(
    migration: Migration | None, document: Mapping[str, Any]
) -> tuple[dict[str, Any], list[AnswerChange]]:
    """The document after the migration's steps, and every answer they changed (in step order)."""
    moved: dict[str, Any] = copy.deepcopy(dict(document))
    changes: list[AnswerChange] = []
    for step in migration.steps if migration else ():
        changes.extend(_run(step, moved))
    return moved, changes


def apply_chain(
    definitions: Sequence[FormDefinition], document: Mapping[str, Any]
) -> tuple[dict[str, Any], list[AnswerChange]]:
    """Through every version of `chain`, each with its own migration."""
    moved: dict[str, Any] = dict(document)
    changes: list[AnswerChange] = []
    for definition in definitions:
        moved, found = apply(migration_of(definition), moved)
        changes.extend(found)
    return moved, changes


# --- the steps -------------------------------------------------------------------------------------------


def _places(document: Any, template: str) -> Iterator[tuple[str, Any, str]]:
    """Every concrete place a pointer template names: (the parent's pointer, the parent, the last token).
    The parent exists; the value may not."""
    tokens = pointers.split(template)
    if not tokens:
        return

    def walk(node: Any, at: str, rest: list[str]) -> Iterator[tuple[str, Any, str]]:
        token = rest[0]
        if len(rest) == 1:
            if isinstance(node, dict):
                yield at, node, token
            return
        if token == "*":  # noqa: S105 - a list's items, not a password
            if isinstance(node, list):
                for index, item in enumerate(node):
                    yield from walk(item, f"{at}/{index}", rest[1:])
            return
        if isinstance(node, dict) and token in node:
            yield from walk(node[token], f"{at}/{_escaped(token)}", rest[1:])

    yield from walk(document, "", tokens)


def _escaped(token: str) -> str:
    return pointers.join([token])[1:]


def _run(step: Step, document: dict[str, Any]) -> list[AnswerChange]:
    changes: list[AnswerChange] = []
    if step.kind == "rename" and step.to is not None:
        moves = []
        for at, parent, token in list(_places(document, step.path)):
            if token in parent:
                moves.append((f"{at}/{_escaped(token)}", parent.pop(token)))
        source_tokens = pointers.split(step.path)
        target_tokens = pointers.split(step.to)
        for place, value in moves:
            concrete = _concrete(place, source_tokens, target_tokens)
            _put(document, concrete, value)
            changes.append(AnswerChange(place, value, value, to=concrete))
    elif step.kind == "map" and step.values is not None:
        for at, parent, token in list(_places(document, step.path)):
            value = parent.get(token, _ABSENT)
            place = f"{at}/{_escaped(token)}"
            if isinstance(value, list):  # a many-choice answer: each chosen value mapped
                mapped = [step.values.get(v, v) if isinstance(v, str) else v for v in value]
                mapped = list(dict.fromkeys(v for v in mapped if v is not None))
                if mapped != value:
                    parent[token] = mapped
                    changes.append(AnswerChange(place, value, mapped))
            elif isinstance(value, str) and value in step.values:
                new = step.values[value]
                if new is None:
                    del parent[token]
                else:
                    parent[token] = new
                changes.append(AnswerChange(place, value, new))
    elif step.kind == "default":
        for at, parent, token in list(_places(document, step.path)):
            before = parent.get(token)
            if before in (None, ""):
                parent[token] = copy.deepcopy(step.value)
                changes.append(AnswerChange(f"{at}/{_escaped(token)}", before, step.value))
    elif step.kind == "remove":
        for at, parent, token in list(_places(document, step.path)):
            if token in parent:
                changes.append(AnswerChange(f"{at}/{_escaped(token)}", parent.pop(token), None))
    return changes


def _concrete(place: str, source: list[str], target: list[str]) -> str:
    """The rename's target with the list indices of this concrete place put in for its `*`s."""
    indices = iter(
        token for token, pattern in zip(pointers.split(place), source, strict=False) if pattern == "*"
    )
    return "".join("/" + (next(indices, "0") if t == "*" else _escaped(t)) for t in target)


def _put(document: dict[str, Any], place: str, value: Any) -> None:
    """Puts a renamed answer at its new place, making the objects on the way. Refuses (nothing is
    lost: `apply` works on a copy) a place that already holds an answer, or whose way passes through
    an answer that is not an object, as a migration written by hand or received may ask."""
    node: Any = document
    tokens = pointers.split(place)
    for depth, token in enumerate(tokens[:-1], start=1):
        if isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif isinstance(node, dict):
            node = node.setdefault(token, {})
        else:
            node = None
        if not isinstance(node, (dict, list)):
            raise MigrationError(
                f"The migration would move an answer to {place}, but {pointers.join(tokens[:depth])} is not a "
                "group of answers: nothing was moved. The form designer must correct the migration."
            )
    if not isinstance(node, dict):
        raise MigrationError(
            f"The migration would move an answer to {place}, inside a list: nothing was moved."
        )
    if tokens[-1] in node:
        raise MigrationError(
            f"The migration would move an answer onto {place}, which already holds one: nothing was moved. "
            "The form designer must rename to a question with no answer."
        )
    node[tokens[-1]] = value
