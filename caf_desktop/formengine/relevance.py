"""Relevance (ODK semantics): which answers a document's rules hide or disable.

A question hidden by a rule is not asked: it is never required and its answer is not part of the
saved, printed or shared document. A disabled question keeps its answer but is not required.
Rules can depend on answers that other rules hide, so the hidden set is computed to a fixed point:
a hidden answer counts as unanswered for every condition.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators

from caf_desktop.formengine import formats, pointers
from caf_desktop.formengine.definitions import (
    AllCondition,
    AnyCondition,
    Condition,
    Control,
    Element,
    FormDefinition,
    Group,
    NotCondition,
    Rule,
    ScopeCondition,
)

_MISSING = object()
_MAX_ROUNDS = 8


def _date_bound(*, after: bool, strict: bool) -> Any:
    """A condition keyword comparing a date answer with a bound ("today" or a date): a rule can say
    "the expected date has passed" (`{"formatExclusiveMaximum": "today"}`)."""

    def check(validator: Any, bound: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
        given = (
            formats.parse_date(instance[:10]) if isinstance(instance, str) and len(instance) >= 10 else None
        )
        limit = formats.bound(bound, formats.today.get(dt.date.today())) if isinstance(bound, str) else None
        if given is None or limit is None:
            return
        if after:
            if given < limit or (strict and given == limit):
                yield ValidationError(f"{instance} is not after {bound}")
        elif given > limit or (strict and given == limit):
            yield ValidationError(f"{instance} is not before {bound}")

    return check


_ConditionValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    {
        "formatMinimum": _date_bound(after=True, strict=False),
        "formatMaximum": _date_bound(after=False, strict=False),
        "formatExclusiveMinimum": _date_bound(after=True, strict=True),
        "formatExclusiveMaximum": _date_bound(after=False, strict=True),
    },
)


@functools.lru_cache(maxsize=1024)
def _condition_validator(schema_json: str) -> Any:
    return _ConditionValidator(json.loads(schema_json))


def holds(condition: Condition, document: Any, base: str = "") -> bool:
    """Whether a rule's condition holds, with scopes read relative to `base`."""
    if isinstance(condition, ScopeCondition):
        value = pointers.resolve(document, base + condition.scope, _MISSING)
        if value is _MISSING:
            return False
        if isinstance(condition.schema, bool):
            return condition.schema
        return bool(_condition_validator(json.dumps(condition.schema, sort_keys=True)).is_valid(value))
    if isinstance(condition, AllCondition):
        return all(holds(c, document, base) for c in condition.conditions)
    if isinstance(condition, AnyCondition):
        return any(holds(c, document, base) for c in condition.conditions)
    if isinstance(condition, NotCondition):
        return not holds(condition.condition, document, base)
    raise TypeError(condition)


def is_hidden(rule: Rule | None, document: Any, base: str = "") -> bool:
    if rule is None or rule.effect not in ("show", "hide"):
        return False
    return holds(rule.condition, document, base) != (rule.effect == "show")


def is_disabled(rule: Rule | None, document: Any, base: str = "") -> bool:
    if rule is None or rule.effect not in ("enable", "disable"):
        return False
    return holds(rule.condition, document, base) != (rule.effect == "enable")


@dataclass(frozen=True)
class Relevance:
    """The concrete answers (JSON Pointers with array indices) that rules hide and disable."""

    hidden: frozenset[str]
    disabled: frozenset[str]

    def is_hidden(self, pointer: str) -> bool:
        return any(pointers.is_within(pointer, h) for h in self.hidden)

    def is_not_asked(self, pointer: str) -> bool:
        """Hidden or disabled: such an answer is never required."""
        return any(pointers.is_within(pointer, p) for p in self.hidden | self.disabled)


def _bound_scopes(elements: Iterable[Element], base: str) -> Iterable[str]:
    """The concrete pointers of every control in these elements, for items that exist."""
    for element in elements:
        if isinstance(element, Control):
            yield base + element.scope
        elif isinstance(element, Group):
            yield from _bound_scopes(element.elements, base)


class _Walker:
    def __init__(self, document: Any) -> None:
        self.document = document
        self.hidden: set[str] = set()
        self.disabled: set[str] = set()

    def elements(self, elements: Iterable[Element], base: str, hidden: bool, disabled: bool) -> None:
        for element in elements:
            rule = element.rule
            now_hidden = hidden or is_hidden(rule, self.document, base)
            now_disabled = disabled or is_disabled(rule, self.document, base)
            if isinstance(element, Control):
                target = base + element.scope
                if now_hidden:
                    self.hidden.add(target)
                    continue
                if now_disabled:
                    self.disabled.add(target)
                if element.elements is not None:
                    self._detail(element, target, now_disabled)
            elif isinstance(element, Group):
                if now_hidden:
                    self.hidden.update(_bound_scopes(element.elements, base))
                    continue
                self.elements(element.elements, base, False, now_disabled)

    def _detail(self, control: Control, target: str, disabled: bool) -> None:
        assert control.elements is not None
        value = pointers.resolve(self.document, target, None)
        if isinstance(value, list):
            for index in range(len(value)):
                self.elements(control.elements, f"{target}/{index}", False, disabled)
        elif not isinstance(value, list):
            # An object, answered or not: its questions' rules apply either way.
            self.elements(control.elements, target, False, disabled)


def _compute(definition: FormDefinition, document: Any) -> tuple[frozenset[str], frozenset[str]]:
    walker = _Walker(document)
    for section in definition.sections:
        section_hidden = is_hidden(section.rule, document)
        section_disabled = is_disabled(section.rule, document)
        if section_hidden:
            walker.hidden.update(_bound_scopes(section.elements, ""))
            continue
        walker.elements(section.elements, "", False, section_disabled)
    return frozenset(walker.hidden), frozenset(walker.disabled)


def relevance(definition: FormDefinition, document: Mapping[str, Any]) -> Relevance:
    """Which answers the rules hide and disable, with hidden answers counting as unanswered."""
    hidden: frozenset[str] = frozenset()
    disabled: frozenset[str] = frozenset()
    for _ in range(_MAX_ROUNDS):
        view = without(document, hidden)
        next_hidden, disabled = _compute(definition, view)
        if next_hidden == hidden:
            break
        hidden = next_hidden
    return Relevance(hidden, disabled)


def without(document: Mapping[str, Any], hidden: Iterable[str]) -> Any:
    """A copy of the document without the answers at these pointers."""
    result = copy.deepcopy(dict(document))
    # Deepest first, and array items from the end, so removing one does not shift another's index.
    for pointer in sorted(
        hidden,
        key=lambda p: [(0, int(t)) if t.isdigit() else (1, t) for t in pointers.split(p)],
        reverse=True,
    ):
        pointers.remove(result, pointer)
    return result


def relevant_document(definition: FormDefinition, document: Mapping[str, Any]) -> dict[str, Any]:
    """The document as it is saved, printed and shared: without the answers rules hide."""
    pruned: dict[str, Any] = without(document, relevance(definition, document).hidden)
    return pruned
