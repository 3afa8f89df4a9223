"""Readable differences between two versions of a document, field by field, named by their titles."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from caf_desktop.formengine import pointers, schematree
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.formengine.validation import FieldNamer

_LONG = 160


def _leaves(value: Any, pointer: str = "") -> dict[str, Any]:
    """Every answer in a document by its pointer (lists of plain values count as one answer)."""
    if isinstance(value, dict):
        found: dict[str, Any] = {}
        for key, sub in value.items():
            found.update(_leaves(sub, pointers.child(pointer, key)))
        return found
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        found = {}
        for index, sub in enumerate(value):
            found.update(_leaves(sub, f"{pointer}/{index}"))
        return found
    return {pointer: value}


def _indicator_texts(words: Mapping[str, str] | None, pointer: str) -> Mapping[str, str] | None:
    """For a list of threshold indicators, each id's words as the form shows them (None otherwise)."""
    if words is None or pointers.split(pointer)[-1:] != ["indicators"]:
        return None
    return words


def _indicator_change(texts: Mapping[str, str], before: Any, after: Any) -> str:
    """Which indicators were chosen and which were taken off, in words: a list of ids means nothing
    to a person, and the whole list twice hides the one that changed."""
    old = [v for v in before if isinstance(v, str)] if isinstance(before, list) else []
    new = [v for v in after if isinstance(v, str)] if isinstance(after, list) else []
    added = [texts.get(v, v) for v in new if v not in old]
    removed = [texts.get(v, v) for v in old if v not in new]
    parts = ([f"added {', '.join(added)}"] if added else []) + (
        [f"removed {', '.join(removed)}"] if removed else []
    )
    return "; ".join(parts) or "the same indicators, in another order"


def _shown(
    definition: FormDefinition, pointer: str, value: Any, words: Mapping[str, str] | None = None
) -> str:
    """An answer as a person reads it: choice labels, UK dates, Yes/No, shortened long text."""
    if value is None:
        return "(empty)"
    texts = _indicator_texts(words, pointer)
    if texts is not None and isinstance(value, list):
        return ", ".join(texts.get(str(v), str(v)) for v in value) or "(none)"
    schemas = schematree.at(definition.schema, pointer)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    options = schematree.choice_options(schemas)
    if options is not None:
        labels = {json_key(code): label for code, label in options}
        return labels.get(json_key(value), str(value))
    if isinstance(value, list):
        items = schematree.at(definition.schema, pointer + "/*")
        item_options = {json_key(c): label for c, label in (schematree.choice_options(items) or [])}
        return ", ".join(item_options.get(json_key(v), str(v)) for v in value) or "(none)"
    if isinstance(value, str) and schematree.first(schemas, "format") == "date":
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    text = str(value)
    return f"“{text[:_LONG]}…”" if len(text) > _LONG else f"“{text}”"


def json_key(value: Any) -> str:
    return f"{type(value).__name__}:{value}"


def describe_changes(
    definition: FormDefinition,
    old: dict[str, Any],
    new: dict[str, Any],
    *,
    indicator_words: Mapping[str, str] | None = None,
) -> list[str]:
    """One line per answer that differs, in the order of the form: `Family name: “A” → “B”`.

    `indicator_words` (from `practice.thresholds.indicator_words`) names chosen indicators by their
    text; without it they are shown by id. The caller passes it in, so the form engine stays below
    practice."""
    before, after = _leaves(old), _leaves(new)
    namer = FieldNamer(definition)
    changed = [p for p in dict.fromkeys([*before, *after]) if before.get(p) != after.get(p)]
    from caf_desktop.common.findings import Finding  # noqa: PLC0415

    changed.sort(key=lambda p: namer.order(Finding(p, "")))
    lines = []
    for pointer in changed:
        label = namer.context(pointer) + namer.title(pointer)
        texts = _indicator_texts(indicator_words, pointer)
        if texts is not None:
            lines.append(f"{label}: {_indicator_change(texts, before.get(pointer), after.get(pointer))}")
        elif pointer not in before:
            lines.append(f"{label}: added {_shown(definition, pointer, after[pointer], indicator_words)}")
        elif pointer not in after:
            lines.append(
                f"{label}: removed (was {_shown(definition, pointer, before[pointer], indicator_words)})"
            )
        else:
            lines.append(
                f"{label}: {_shown(definition, pointer, before[pointer], indicator_words)} → "
                f"{_shown(definition, pointer, after[pointer], indicator_words)}"
            )
    return lines


@dataclass(frozen=True)
class DifferingAnswer:
    """One answer two versions disagree on, as a person reads it, for a side-by-side view."""

    pointer: str
    label: str
    left: str
    right: str


def side_by_side(
    definition: FormDefinition,
    left: dict[str, Any],
    right: dict[str, Any],
    *,
    indicator_words: Mapping[str, str] | None = None,
) -> list[DifferingAnswer]:
    """The answers that differ between two versions, in the order of the form (`indicator_words`
    as for `describe_changes`)."""
    before, after = _leaves(left), _leaves(right)
    namer = FieldNamer(definition)
    changed = [p for p in dict.fromkeys([*before, *after]) if before.get(p) != after.get(p)]
    from caf_desktop.common.findings import Finding  # noqa: PLC0415

    changed.sort(key=lambda p: namer.order(Finding(p, "")))
    return [
        DifferingAnswer(
            pointer,
            namer.context(pointer) + namer.title(pointer),
            _shown(definition, pointer, before.get(pointer), indicator_words),
            _shown(definition, pointer, after.get(pointer), indicator_words),
        )
        for pointer in changed
    ]


def combine(left: dict[str, Any], right: dict[str, Any], take_right: set[str]) -> dict[str, Any]:
    """`left` with the answers at `take_right` (pointers from `side_by_side`) taken from `right`.

    An answer `right` does not have is removed; whole items of a list are taken as they are."""
    combined = copy.deepcopy(left)
    removed = []
    for pointer in sorted(take_right, key=_in_order):
        value = pointers.resolve(right, pointer, _MISSING)
        if value is _MISSING:
            removed.append(pointer)
        else:
            pointers.assign(combined, pointer, copy.deepcopy(value))
    for pointer in sorted(removed, key=_in_order, reverse=True):  # later items first: indexes hold
        pointers.remove(combined, pointer)
    return combined


def _in_order(pointer: str) -> list[tuple[int, str]]:
    return [(int(t), "") if t.isdigit() else (-1, t) for t in pointers.split(pointer)]


_MISSING = object()
