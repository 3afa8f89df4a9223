"""The document being edited: the one truth that a form's widgets show and write back to.

Widgets are views of this object. It keeps the whole document, answers hidden by rules included (so
toggling a question back restores what was typed), gives every item of every list a stable identity
(so reordering never sends an edit to the wrong item), records undo steps (coalescing typing in one
field into one step), and tells listeners what changed. It imports no Qt.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from caf_desktop.formengine import pointers

_ABSENT: Any = object()

ChangeKind = Literal["value", "items", "reset"]


@dataclass(frozen=True, slots=True)
class Change:
    """What changed: the answer at `pointer` ("value"), the items of the list at `pointer` ("items"),
    or everything ("reset"). `origin` is whoever asked for the change (a widget passes itself, so it
    need not show its own edit again)."""

    pointer: str
    kind: ChangeKind
    origin: object | None = None


@dataclass
class _Step:
    """One undoable step: the value at `pointer` before and after (lists are copied with their ids)."""

    pointer: str
    before: Any
    after: Any
    kind: ChangeKind
    coalesce_key: str | None = None
    ids_before: list[int] | None = None
    ids_after: list[int] | None = None


Listener = Callable[[Change], None]


def _copy(value: Any) -> Any:
    return value if value is _ABSENT else copy.deepcopy(value)


@dataclass
class EditableDocument:
    """A mutable JSON document with item identities, undo and change notification."""

    _data: dict[str, Any] = field(default_factory=dict)
    _undo: list[_Step] = field(default_factory=list)
    _redo: list[_Step] = field(default_factory=list)
    _listeners: list[Listener] = field(default_factory=list)
    # Item identities, kept per list object: id(list) -> (the list, its item ids).
    _ids: dict[int, tuple[list[Any], list[int]]] = field(default_factory=dict)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _closed_coalescing: bool = True
    modified: bool = False

    # --- reading ---------------------------------------------------------------------------------------

    @property
    def data(self) -> dict[str, Any]:
        """The whole document, hidden answers included. Treat as read-only; change it through `set`."""
        return self._data

    def get(self, pointer: str, default: Any = None) -> Any:
        return pointers.resolve(self._data, pointer, default)

    def has(self, pointer: str) -> bool:
        return pointers.resolve(self._data, pointer, _ABSENT) is not _ABSENT

    def item_ids(self, pointer: str) -> list[int]:
        """The stable identities of the items of the list at `pointer` (empty if there is no list)."""
        items = self.get(pointer)
        if not isinstance(items, list):
            return []
        return list(self._ids_of(items))

    def _ids_of(self, items: list[Any]) -> list[int]:
        entry = self._ids.get(id(items))
        if entry is None or entry[0] is not items or len(entry[1]) != len(items):
            entry = (items, [next(self._counter) for _ in items])
            self._ids[id(items)] = entry
        return entry[1]

    def index_of(self, pointer: str, item_id: int) -> int | None:
        """Where the item with this identity is now, or None if it has gone."""
        ids = self.item_ids(pointer)
        return ids.index(item_id) if item_id in ids else None

    # --- listening -------------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def _notify(self, change: Change) -> None:
        for listener in list(self._listeners):
            listener(change)

    # --- writing ---------------------------------------------------------------------------------------

    def reset(self, document: dict[str, Any]) -> None:
        """Replaces the whole document (opening a file, `set_value`); clears undo."""
        self._data = copy.deepcopy(document)
        self._ids.clear()
        self._undo.clear()
        self._redo.clear()
        self.modified = False
        self._closed_coalescing = True
        self._notify(Change("", "reset"))

    def set(self, pointer: str, value: Any, *, origin: object | None = None, coalesce: bool = False) -> None:
        """Sets the answer at `pointer` (creating the groups on the way); `None` removes it.

        With `coalesce`, consecutive sets of the same answer (typing) make one undo step.
        """
        before = self.get(pointer, _ABSENT)
        after = _ABSENT if value is None else value
        if before is not _ABSENT and after is not _ABSENT and before == after and type(before) is type(after):
            return
        if before is _ABSENT and after is _ABSENT:
            return
        last = self._undo[-1] if self._undo else None
        if coalesce and not self._closed_coalescing and last is not None and last.coalesce_key == pointer:
            last.after = _copy(after)
        else:
            self._push(_Step(pointer, _copy(before), _copy(after), "value", pointer if coalesce else None))
        self._closed_coalescing = not coalesce
        self._write(pointer, after)
        self._notify(Change(pointer, "value", origin))

    def close_step(self) -> None:
        """Ends the current run of typing: the next edit of the same field is a new undo step."""
        self._closed_coalescing = True

    def _write(self, pointer: str, value: Any) -> None:
        tokens = pointers.split(pointer)
        if not tokens:
            self._data = value if value is not _ABSENT else {}
            return
        node: Any = self._data
        for token in tokens[:-1]:
            if isinstance(node, list):
                node = node[int(token)]
                continue
            if not isinstance(node.get(token), dict | list):
                node[token] = {}
            node = node[token]
        last = tokens[-1]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is _ABSENT:
            node.pop(last, None)
            self._prune_empty_parents(tokens[:-1])
        else:
            node[last] = value

    def _prune_empty_parents(self, tokens: list[str]) -> None:
        """Clearing the last answer of a group removes the group, so an untouched group stays absent."""
        while tokens:
            node = pointers.resolve(self._data, tokens, None)
            if node != {}:
                return
            parent = pointers.resolve(self._data, tokens[:-1], None)
            if not isinstance(parent, dict):
                return
            parent.pop(tokens[-1], None)
            tokens = tokens[:-1]

    # --- lists -----------------------------------------------------------------------------------------

    def _list_edit(
        self, pointer: str, edit: Callable[[list[Any], list[int]], None], origin: object | None
    ) -> None:
        current = self.get(pointer)
        items: list[Any] = list(current) if isinstance(current, list) else []
        ids = list(self._ids_of(current)) if isinstance(current, list) else []
        before = list(current) if isinstance(current, list) else _ABSENT
        ids_before = list(ids)
        edit(items, ids)
        self._push(_Step(pointer, before, list(items), "items", None, ids_before, list(ids)))
        self._closed_coalescing = True
        self._install_list(pointer, items, ids)
        self._notify(Change(pointer, "items", origin))

    def _install_list(self, pointer: str, items: list[Any] | Any, ids: list[int] | None) -> None:
        if items is _ABSENT:
            self._write(pointer, _ABSENT)
            return
        self._write(pointer, items)
        if ids is not None:
            self._ids[id(items)] = (items, ids)

    def insert_item(self, pointer: str, index: int, value: Any, *, origin: object | None = None) -> int:
        """Inserts an item; returns its new identity."""
        new_id = next(self._counter)

        def edit(items: list[Any], ids: list[int]) -> None:
            items.insert(index, value)
            ids.insert(index, new_id)

        self._list_edit(pointer, edit, origin)
        return new_id

    def append_item(self, pointer: str, value: Any, *, origin: object | None = None) -> int:
        current = self.get(pointer)
        return self.insert_item(
            pointer, len(current) if isinstance(current, list) else 0, value, origin=origin
        )

    def remove_item(self, pointer: str, index: int, *, origin: object | None = None) -> Any:
        """Removes an item and returns it (undo brings it back with its identity)."""
        removed: list[Any] = []

        def edit(items: list[Any], ids: list[int]) -> None:
            removed.append(items.pop(index))
            ids.pop(index)

        self._list_edit(pointer, edit, origin)
        return removed[0]

    def move_item(self, pointer: str, index: int, to: int, *, origin: object | None = None) -> None:
        def edit(items: list[Any], ids: list[int]) -> None:
            items.insert(to, items.pop(index))
            ids.insert(to, ids.pop(index))

        self._list_edit(pointer, edit, origin)

    def duplicate_item(self, pointer: str, index: int, *, origin: object | None = None) -> int:
        """Copies an item to just after itself; returns the copy's identity."""
        original = copy.deepcopy(self.get(pointer)[index])
        return self.insert_item(pointer, index + 1, original, origin=origin)

    # --- undo ------------------------------------------------------------------------------------------

    def _push(self, step: _Step) -> None:
        self._undo.append(step)
        self._redo.clear()
        self.modified = True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def undo(self) -> str | None:
        """Undoes the last step; returns the pointer it touched (for focusing), or None."""
        if not self._undo:
            return None
        step = self._undo.pop()
        self._redo.append(step)
        self._apply(step, step.before, step.ids_before)
        return step.pointer

    def redo(self) -> str | None:
        if not self._redo:
            return None
        step = self._redo.pop()
        self._undo.append(step)
        self._apply(step, step.after, step.ids_after)
        return step.pointer

    def _apply(self, step: _Step, value: Any, ids: list[int] | None) -> None:
        self._closed_coalescing = True
        self.modified = True
        if step.kind == "items":
            self._install_list(
                step.pointer, list(value) if isinstance(value, list) else value, ids and list(ids)
            )
        else:
            self._write(step.pointer, _copy(value))
        self._notify(Change(step.pointer, step.kind))
