"""A form definition being changed: the form designer's model, with no Qt (DESIGN.md section 9).

A `Draft` holds a working copy of a definition's JSON and changes it only through its edits. Each edit
is one `Command`: the parts of the definition it replaced, before and after, so undo and redo are
exact, and the migration steps come from the same list (an id renamed, a question deleted, a choice
retired). Undoing an edit takes its migration step back with it.

Field ids are stable: `set_text` changes what a question says, never its id; `rename` is the explicit
change of an id, and it follows the question everywhere it is named (the layout, the rules that name
it, the subject bindings). A rule can only name a question that exists: `delete` refuses a question a
rule still names.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from caf_desktop.common.errors import CafError
from caf_desktop.common.findings import Finding
from caf_desktop.formengine import pointers
from caf_desktop.formengine.checker import check_definition
from caf_desktop.formengine.definitions import FormDefinition, load
from caf_desktop.formengine.editing import ABSENT, JsonEdits

_ABSENT: Any = ABSENT

KINDS: dict[str, dict[str, Any]] = {
    "text": {"type": "string", "maxLength": 200},
    "long_text": {"type": "string", "maxLength": 10000},
    "date": {"type": "string", "format": "date"},
    "number": {"type": "number"},
    "whole_number": {"type": "integer", "minimum": 0},
    "yes_no": {"type": "boolean"},
    "choice": {"type": "string", "oneOf": [{"const": "option_1", "title": "Option 1"}]},
    "choices": {
        "type": "array",
        "uniqueItems": True,
        "items": {"type": "string", "oneOf": [{"const": "option_1", "title": "Option 1"}]},
    },
}


class DraftError(CafError):
    """An edit the draft refuses, with what to do instead."""


@dataclass(frozen=True)
class Placement:
    """Where a layout element sits: the raw pointer of the element and the data base its scopes are relative to."""

    location: str
    base: str
    scope: str | None  # the absolute data pointer a control edits (None for groups and texts)


class Draft:
    """A working copy of a definition with undo, redo and the migration its edits imply."""

    def __init__(self, base: FormDefinition, *, version: str | None = None) -> None:
        self.base = base
        self.raw: dict[str, Any] = copy.deepcopy(dict(base.raw))
        self.raw.pop("migration", None)
        major, minor, patch = (int(p) for p in base.version.split("."))
        self.raw["version"] = version or f"{major}.{minor}.{patch + 1}"
        self.edits = JsonEdits(self.raw)
        self._added: set[str] = set()  # questions added in this draft: no migration needed for them

    # --- reading -------------------------------------------------------------------------------------

    def findings(self) -> list[Finding]:
        """What the definition checker says of the draft as it is now."""
        return list(check_definition(self.raw, f"{self.raw.get('id')} {self.raw.get('version')} (draft)"))

    def definition(self) -> FormDefinition:
        """The draft as a definition, with its migration (raises `DefinitionInvalid` while it has problems)."""
        return load(self.as_json(), "draft")

    def as_json(self) -> dict[str, Any]:
        found = copy.deepcopy(self.raw)
        steps = self.migration_steps()
        if steps:
            found["migration"] = {"from": self.base.version, "steps": steps}
        return found

    def migration_steps(self) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        for command in self.edits.done:
            for step in command.steps:
                if "rename" in step:
                    earlier = next((s for s in steps if s.get("to") == step["rename"]), None)
                    if earlier is not None:  # renamed twice in one draft: one step from the published id
                        earlier["to"] = step["to"]
                        continue
                steps.append(dict(step))
        return [s for s in steps if not ("rename" in s and s["rename"] == s["to"])]

    @property
    def can_undo(self) -> bool:
        return bool(self.edits.done)

    @property
    def can_redo(self) -> bool:
        return bool(self.edits.undone)

    def undo_label(self) -> str | None:
        return self.edits.undo_label()

    def redo_label(self) -> str | None:
        return self.edits.redo_label()

    def placements(self) -> Iterator[Placement]:
        """Every layout element with where it sits and, for a control, the data it edits."""
        for index, section in enumerate(self.raw["layout"]["sections"]):
            yield from self._walk(section.get("elements", []), f"/layout/sections/{index}/elements", "")

    def _walk(self, elements: list[Any], location: str, base: str) -> Iterator[Placement]:
        for index, element in enumerate(elements):
            here = f"{location}/{index}"
            if element.get("type") == "control":
                scope = base + element["scope"]
                yield Placement(here, base, scope)
                if isinstance(element.get("elements"), list):
                    inner = scope + "/*" if self._node(scope).get("type") == "array" else scope
                    yield from self._walk(element["elements"], here + "/elements", inner)
            else:
                yield Placement(here, base, None)
                if isinstance(element.get("elements"), list):
                    yield from self._walk(element["elements"], here + "/elements", base)

    # --- undo and redo -------------------------------------------------------------------------------

    def undo(self) -> None:
        self.edits.undo()

    def redo(self) -> None:
        self.edits.redo()

    def _apply(self, label: str, parts: Mapping[str, Any], steps: list[dict[str, Any]] | None = None) -> None:
        self.edits.apply(label, parts, steps)

    def _get(self, location: str) -> Any:
        return self.edits.get(location)

    # --- where a question's schema lives --------------------------------------------------------------

    def _location(self, data_pointer: str) -> str:
        """The raw pointer of the schema node describing `data_pointer` (`/items` for a list's `*`)."""
        location = "/schema"
        for token in pointers.split(data_pointer):
            node = self._followed(location)
            if token == "*":  # noqa: S105 - a list's items
                location = self._followed_location(location) + "/items"
            elif isinstance(node.get("properties"), dict) and token in node["properties"]:
                location = self._followed_location(location) + "/properties" + pointers.join([token])
            else:
                raise DraftError(
                    f"{data_pointer} is not a question of this form the designer can edit here "
                    "(it may be described in a conditional part of the schema: edit it in the JSON view)."
                )
        return location

    def _followed_location(self, location: str) -> str:
        node = self._get(location)
        seen = 0
        while isinstance(node, dict) and "$ref" in node and "properties" not in node and "items" not in node:
            location = node["$ref"][1:]
            node = self._get(location)
            seen += 1
            if seen > 20:
                break
        return location

    def _followed(self, location: str) -> dict[str, Any]:
        node = self._get(self._followed_location(location))
        return node if isinstance(node, dict) else {}

    def _node(self, data_pointer: str) -> dict[str, Any]:
        try:
            return self._followed(self._location(data_pointer))
        except DraftError:
            return {}

    # --- edits ---------------------------------------------------------------------------------------

    def set_text(self, data_pointer: str, key: str, value: str | None) -> None:
        """A question's title or help (`description`); its id stays as it is."""
        if key not in ("title", "description"):
            raise DraftError(f"Only a question's title and help are words; {key!r} is not.")
        location = self._location(data_pointer) + "/" + key
        what = "title" if key == "title" else "help"
        self._apply(
            f"Change the {what} of {self._title(data_pointer)}", {location: value if value else _ABSENT}
        )

    def set_limit(self, data_pointer: str, key: str, value: Any) -> None:
        """A limit (`maxLength`, `minimum`, `maximum`, `pattern`, ...), or None to take it away."""
        location = self._location(data_pointer) + "/" + key
        self._apply(
            f"Change {key} of {self._title(data_pointer)}", {location: _ABSENT if value is None else value}
        )

    def set_required(self, data_pointer: str, required: bool) -> None:
        parent, name = pointers.parent(data_pointer), pointers.split(data_pointer)[-1]
        location = self._followed_location(self._location(parent) if parent else "/schema") + "/required"
        now = list(self._get(location)) if isinstance(self._get(location), list) else []
        if required and name not in now:
            now.append(name)
        elif not required and name in now:
            now.remove(name)
        label = f"Make {self._title(data_pointer)} {'required' if required else 'optional'}"
        self._apply(label, {location: now if now else _ABSENT})

    def add_question(self, layout_list: str, index: int, name: str, kind: str, title: str) -> str:
        """A new question in the layout list at `layout_list` (a raw pointer to an `elements` list),
        at `index`, with its data beside the other answers that list edits. Returns its data pointer."""
        if kind not in KINDS:
            raise DraftError(f"{kind!r} is not a kind of question; choose one of {', '.join(KINDS)}.")
        if not name or not all(c.islower() or c.isdigit() or c == "_" for c in name) or not name[0].isalpha():
            raise DraftError(
                f"{name!r} cannot be an id: use lower-case letters, digits and _, starting with a letter."
            )
        base = self._base_of(layout_list)
        data_pointer = f"{base}/{name}"
        parent_location = self._followed_location(self._location(base) if base else "/schema")
        properties = dict(self._get(parent_location + "/properties") or {})
        if name in properties:
            raise DraftError(f"There is already a question {data_pointer}: choose another id.")
        properties[name] = {"title": title, **copy.deepcopy(KINDS[kind])}
        elements = list(self._get(layout_list))
        elements.insert(index, {"type": "control", "scope": f"/{name}"})
        self._apply(
            f"Add the question {title}", {parent_location + "/properties": properties, layout_list: elements}
        )
        self._added.add(data_pointer)
        return data_pointer

    def _base_of(self, layout_list: str) -> str:
        if not isinstance(self._get(layout_list), list):
            raise DraftError(f"{layout_list} is not a list of the layout's elements.")
        if (
            pointers.split(layout_list)[:2] == ["layout", "sections"]
            and len(pointers.split(layout_list)) == 4
        ):
            return ""
        owner = pointers.join(pointers.split(layout_list)[:-1])
        for placement in self.placements():
            if placement.location == owner:
                if placement.scope is None:
                    return placement.base
                return (
                    placement.scope + "/*"
                    if self._node(placement.scope).get("type") == "array"
                    else placement.scope
                )
        raise DraftError(f"{layout_list} is not a list of the layout's elements.")

    def delete(self, data_pointer: str) -> None:
        """Takes a question out: its schema, its required mark and its controls. Refused while a rule
        names it. A published question's answers are removed by the migration (they stay in each
        record's earlier revisions)."""
        naming = [
            p
            for p, scope in self._rule_scopes()
            if scope == data_pointer or scope.startswith(data_pointer + "/")
        ]
        if naming:
            element = naming[0].split("/rule/")[0]
            owner = next((p for p in self.placements() if p.location == element), None)
            what = self._title(owner.scope) if owner is not None and owner.scope else "an element"
            raise DraftError(
                f"A rule still names {self._title(data_pointer)}: the rule of {what} depends on its answer. "
                "Change or remove that rule first."
            )
        parent, name = pointers.parent(data_pointer), pointers.split(data_pointer)[-1]
        parent_location = self._followed_location(self._location(parent) if parent else "/schema")
        properties = {
            k: v for k, v in (self._get(parent_location + "/properties") or {}).items() if k != name
        }
        parts: dict[str, Any] = {parent_location + "/properties": properties}
        required = self._get(parent_location + "/required")
        if isinstance(required, list) and name in required:
            parts[parent_location + "/required"] = [r for r in required if r != name]
        for location, elements in self._lists_without(data_pointer).items():
            parts[location] = elements
        published = data_pointer not in self._added
        self._added.discard(data_pointer)
        label = f"Delete the question {self._title(data_pointer)}"
        self._apply(label, parts, [{"remove": data_pointer}] if published else [])

    def _lists_without(self, data_pointer: str) -> dict[str, list[Any]]:
        gone = [
            p
            for p in self.placements()
            if p.scope is not None and (p.scope == data_pointer or p.scope.startswith(data_pointer + "/"))
        ]
        lists: dict[str, list[Any]] = {}
        for placement in sorted(gone, key=lambda p: p.location, reverse=True):
            tokens = pointers.split(placement.location)
            owner, index = pointers.join(tokens[:-1]), int(tokens[-1])
            if any(placement.location.startswith(other.location + "/") for other in gone):
                continue  # inside a control that goes too
            elements = lists.get(owner, list(self._get(owner)))
            del elements[index]
            lists[owner] = elements
        return lists

    def rename(self, data_pointer: str, new_name: str) -> str:
        """Changes a question's id, everywhere it is named; the migration moves its answers."""
        parent, old_name = pointers.parent(data_pointer), pointers.split(data_pointer)[-1]
        new_pointer = f"{parent}/{new_name}"
        if (
            not new_name
            or not all(c.islower() or c.isdigit() or c == "_" for c in new_name)
            or not new_name[0].isalpha()
        ):
            raise DraftError(
                f"{new_name!r} cannot be an id: use lower-case letters, digits and _, starting with a letter."
            )
        parent_location = self._followed_location(self._location(parent) if parent else "/schema")
        properties = self._get(parent_location + "/properties")
        if new_name in properties:
            raise DraftError(f"There is already a question {new_pointer}: choose another id.")
        renamed = {(new_name if k == old_name else k): v for k, v in properties.items()}
        parts: dict[str, Any] = {parent_location + "/properties": renamed}
        required = self._get(parent_location + "/required")
        if isinstance(required, list) and old_name in required:
            parts[parent_location + "/required"] = [new_name if r == old_name else r for r in required]

        def moved(base: str, absolute: str) -> str | None:
            """The new relative scope of a place that names the renamed question (None: unchanged)."""
            inside_base = base == data_pointer or base.startswith(data_pointer + "/")
            if inside_base or not (absolute == data_pointer or absolute.startswith(data_pointer + "/")):
                return None
            return (new_pointer + absolute[len(data_pointer) :])[len(base) :]

        for placement in self.placements():
            if placement.scope is not None and (new := moved(placement.base, placement.scope)) is not None:
                parts[placement.location + "/scope"] = new
        for location, scope in self._rule_scopes():
            if (new := moved(self._rule_base(location), scope)) is not None:
                parts[location] = new
        for key, value in (self.raw.get("subject") or {}).items():
            if isinstance(value, str) and (value == data_pointer or value.startswith(data_pointer + "/")):
                parts[f"/subject/{key}"] = new_pointer + value[len(data_pointer) :]
        steps = []
        if data_pointer in self._added:
            self._added.discard(data_pointer)
            self._added.add(new_pointer)
        else:
            steps = [{"rename": data_pointer, "to": new_pointer}]
        self._apply(f"Rename {self._title(data_pointer)} to {new_name}", parts, steps)
        return new_pointer

    def _rule_scopes(self) -> Iterator[tuple[str, str]]:
        """Every rule condition's `scope` (raw pointer of the scope string, absolute data pointer)."""
        for placement in self.placements():
            element = self._get(placement.location)
            rule = element.get("rule") if isinstance(element, dict) else None
            if isinstance(rule, dict) and isinstance(rule.get("condition"), dict):
                yield from self._condition_scopes(
                    rule["condition"], placement.location + "/rule/condition", placement.base
                )

    def _condition_scopes(self, condition: Any, location: str, base: str) -> Iterator[tuple[str, str]]:
        if not isinstance(condition, dict):
            return
        for combiner in ("all", "any"):
            for index, part in enumerate(condition.get(combiner, [])):
                yield from self._condition_scopes(part, f"{location}/{combiner}/{index}", base)
        if "not" in condition:
            yield from self._condition_scopes(condition["not"], location + "/not", base)
        if isinstance(condition.get("scope"), str):
            yield location + "/scope", base + condition["scope"]

    def _rule_base(self, scope_location: str) -> str:
        element_location = scope_location.split("/rule/", maxsplit=1)[0]
        return next(p.base for p in self.placements() if p.location == element_location)

    def questions_for_rules(self, element: str) -> list[str]:
        """The questions a rule on this layout element may name: those beside it (its own base), as
        data pointers, in page order (a rule reads answers relative to where the element sits)."""
        base = next(p.base for p in self.placements() if p.location == element)
        return [
            p.scope
            for p in self.placements()
            if p.scope is not None
            and p.location != element
            and p.scope.startswith(base + "/")
            and self._node(p.scope).get("type") not in ("object", "array")
        ]

    def set_rule(
        self,
        element: str,
        effect: str | None,
        conditions: list[tuple[str, str, Any]],
        *,
        combine: str = "all",
    ) -> None:
        """Shows, hides, enables or disables a layout element by other answers, named by pointing:
        each condition is (question, operator, value) with operator `is`, `is_one_of`, `answered` or
        `not_answered`; several combine with `all` or `any`. `effect` None takes the rule away."""
        placement = next((p for p in self.placements() if p.location == element), None)
        if placement is None:
            raise DraftError(f"{element} is not an element of the layout.")
        what = self._title(placement.scope) if placement.scope else "the element"
        if effect is None:
            self._apply(f"Remove the rule of {what}", {element + "/rule": _ABSENT})
            return
        if effect not in ("show", "hide", "enable", "disable"):
            raise DraftError(f"{effect!r} is not an effect: choose show, hide, enable or disable.")
        if not conditions:
            raise DraftError("A rule needs at least one condition: which answer it depends on.")
        allowed = set(self.questions_for_rules(element))
        built = []
        for question, operator, value in conditions:
            if question not in allowed:
                raise DraftError(
                    f"A rule of {what} can only name a question beside it in the form, and {question} is not one."
                )
            scope = question[len(placement.base) :]
            if operator == "is":
                built.append({"scope": scope, "schema": {"const": value}})
            elif operator == "is_one_of":
                built.append({"scope": scope, "schema": {"enum": list(value)}})
            elif operator == "answered":
                built.append({"scope": scope, "schema": {}})
            elif operator == "not_answered":
                built.append({"not": {"scope": scope, "schema": {}}})
            else:
                raise DraftError(
                    f"{operator!r} is not a condition: choose is, is one of, is answered or is not answered."
                )
        if combine not in ("all", "any"):
            raise DraftError(f"{combine!r}: conditions combine with all or any.")
        condition = built[0] if len(built) == 1 else {combine: built}
        verb = {"show": "Show", "hide": "Hide", "enable": "Enable", "disable": "Disable"}[effect]
        self._apply(
            f"{verb} {what} by a rule", {element + "/rule": {"effect": effect, "condition": condition}}
        )

    def replace_json(self, text: str) -> None:
        """The expert's edit in the JSON view: the whole definition replaced, as one undoable edit. The
        id and the version stay the draft's; a `migration` written by hand is kept for publishing."""
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise DraftError(
                f"The JSON is not valid at line {error.lineno}, column {error.colno}: {error.msg}."
            ) from None
        if not isinstance(raw, dict):
            raise DraftError("The JSON must be one object: the form definition.")
        if raw.get("id") != self.raw.get("id"):
            raise DraftError(
                f"The id must stay {self.raw.get('id')!r}: a new form is made from the Form menu, not by a new id."
            )
        written = raw.pop("migration", None)
        parts = {f"/{pointers.join([key])[1:]}": value for key, value in raw.items()}
        parts.update({f"/{pointers.join([key])[1:]}": _ABSENT for key in self.raw if key not in raw})
        steps = (
            list(written["steps"])
            if isinstance(written, dict) and isinstance(written.get("steps"), list)
            else []
        )
        self._apply("Edit the JSON", parts, [s for s in steps if s not in self.migration_steps()])

    def add_choice(self, data_pointer: str, value: str, label: str) -> None:
        location, options = self._choices(data_pointer)
        if any(o.get("const") == value for o in options):
            raise DraftError(f"{self._title(data_pointer)} already has the choice {value!r}.")
        self._apply(f"Add the choice {label}", {location: [*options, {"const": value, "title": label}]})

    def retire_choice(self, data_pointer: str, value: str, replacement: str | None = None) -> None:
        """Takes a choice away; the migration maps the answers that chose it to `replacement` (or removes them)."""
        location, options = self._choices(data_pointer)
        if not any(o.get("const") == value for o in options):
            raise DraftError(f"{self._title(data_pointer)} has no choice {value!r}.")
        if replacement is not None and not any(o.get("const") == replacement for o in options):
            raise DraftError(f"{replacement!r} is not one of the choices of {self._title(data_pointer)}.")
        kept = [o for o in options if o.get("const") != value]
        if not kept:
            raise DraftError(
                f"{self._title(data_pointer)} needs at least one choice: add another before retiring this one."
            )
        label = next(o.get("title", value) for o in options if o.get("const") == value)
        steps = [] if data_pointer in self._added else [{"map": data_pointer, "values": {value: replacement}}]
        self._apply(f"Retire the choice {label}", {location: kept}, steps)

    def _choices(self, data_pointer: str) -> tuple[str, list[dict[str, Any]]]:
        location = self._followed_location(self._location(data_pointer))
        node = self._get(location)
        if isinstance(node.get("items"), dict):
            location = self._followed_location(location + "/items")
            node = self._get(location)
        if not isinstance(node.get("oneOf"), list):
            raise DraftError(f"{self._title(data_pointer)} is not a choice question.")
        return location + "/oneOf", list(node["oneOf"])

    def move(self, element: str, index: int) -> None:
        """Moves a layout element to another place in the same list (up or down, by keyboard or drag)."""
        tokens = pointers.split(element)
        owner, current = pointers.join(tokens[:-1]), int(tokens[-1])
        elements = list(self._get(owner))
        if not 0 <= index < len(elements):
            raise DraftError("An element can move only within its list.")
        moving = elements.pop(current)
        elements.insert(index, moving)
        what = moving.get("label") or moving.get("scope") or moving.get("text", "")[:30]
        self._apply(f"Move {what}", {owner: elements})

    def _title(self, data_pointer: str) -> str:
        node = self._node(data_pointer)
        title = node.get("title") if isinstance(node, dict) else None
        if not title:
            try:
                title = self._get(self._location(data_pointer)).get("title")
            except DraftError:
                title = None
        return f"“{title}”" if title else data_pointer


def to_text(draft: Draft) -> str:
    """The draft as the JSON a designer sees in the raw view (and saves)."""
    return json.dumps(draft.as_json(), ensure_ascii=False, indent=2) + "\n"
