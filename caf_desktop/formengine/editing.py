"""Undoable edits of a JSON document: the machinery under the form designer's and the ruleset editor's drafts.

Each edit is one `Command`: the parts of the document it replaced (JSON Pointers into it), before and
after, and any migration steps it implies. Undo puts the parts back as they were; redo puts them as
the edit left them. `ABSENT` stands for a part that is not there (an edit that adds a key records it
absent before; one that removes a key records it absent after).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from caf_desktop.formengine import pointers

ABSENT: Any = object()


@dataclass
class Command:
    """One edit: the parts of the document it replaced, before and after."""

    label: str
    before: dict[str, Any] = field(default_factory=dict)
    after: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)  # migration steps this edit adds


def copied(value: Any) -> Any:
    """A deep copy, except the marker of an absent part, which must stay itself."""
    return value if value is ABSENT else copy.deepcopy(value)


class JsonEdits:
    """A document and the edits made to it, with undo and redo."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.done: list[Command] = []
        self.undone: list[Command] = []

    def get(self, location: str) -> Any:
        return pointers.resolve(self.raw, location, ABSENT)

    def apply(self, label: str, parts: Mapping[str, Any], steps: list[dict[str, Any]] | None = None) -> None:
        """Replaces each part (pointer -> new value, `ABSENT` to remove) as one undoable edit."""
        command = Command(label, steps=list(steps or []))
        for location, value in parts.items():
            command.before[location] = copied(self.get(location))
            command.after[location] = copied(value)
        self._put_all(command.after)
        self.done.append(command)
        self.undone.clear()

    def undo(self) -> None:
        if self.done:
            command = self.done.pop()
            self._put_all(command.before)
            self.undone.append(command)

    def redo(self) -> None:
        if self.undone:
            command = self.undone.pop()
            self._put_all(command.after)
            self.done.append(command)

    def undo_label(self) -> str | None:
        return self.done[-1].label if self.done else None

    def redo_label(self) -> str | None:
        return self.undone[-1].label if self.undone else None

    def _put_all(self, parts: Mapping[str, Any]) -> None:
        for location, value in parts.items():
            tokens = pointers.split(location)
            parent: Any = pointers.resolve(self.raw, pointers.join(tokens[:-1]), None)
            key: Any = int(tokens[-1]) if isinstance(parent, list) else tokens[-1]
            if value is ABSENT:
                if isinstance(parent, dict):
                    parent.pop(key, None)
            else:
                parent[key] = copy.deepcopy(value)
