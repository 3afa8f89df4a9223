"""Checks of one answer that the generator hands to the generated code as constants: `format`s and
`pattern`s (remembering the texts that passed), `const`/`enum` values, and `formatMinimum` /
`formatMaximum` dates.

A format's checker and a pattern are pure functions of the text, so each check remembers up to
`REMEMBERED_TEXTS` texts (of at most `REMEMBERED_LENGTH` characters) that passed: answers repeat from
record to record, and looking one up costs far less than checking it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from caf_desktop.formengine.fastcheck.keywords import Check, Unsupported
from caf_desktop.formengine.fastcheck.values import json_equal, today_or_now
from caf_desktop.formengine.formats import bound as _bound
from caf_desktop.formengine.formats import format_checker, parse_date


def search(pattern: Any) -> Callable[[str], Any]:
    if not isinstance(pattern, str):
        raise Unsupported("a pattern that is not a string")
    try:
        return re.compile(pattern).search
    except re.error as error:
        raise Unsupported(f"pattern {pattern!r}") from error


def _equal_to(expected: Any) -> Check:
    if isinstance(expected, str):
        return lambda v: bool(v == expected)
    if expected is True or expected is False or expected is None:
        return lambda v: v is expected
    if type(expected) is int or type(expected) is float:
        return lambda v: v is not True and v is not False and not isinstance(v, str) and bool(v == expected)
    return lambda v: json_equal(v, expected)


def one_of_values(options: list[Any]) -> Check:
    if options and all(isinstance(o, str) for o in options):
        allowed = frozenset(options)
        return lambda v: isinstance(v, str) and v in allowed
    checks = [_equal_to(o) for o in options]
    return lambda v: any(check(v) for check in checks)


def exactly_one_value(values: list[str]) -> Check:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    if all(n == 1 for n in counts.values()):
        allowed = frozenset(counts)
        return lambda v: isinstance(v, str) and v in allowed
    return lambda v: isinstance(v, str) and counts.get(v) == 1


# At most this many texts are remembered per format and compiled check, each at most this long.
REMEMBERED_TEXTS = 4096
REMEMBERED_LENGTH = 200


def _remembering(test: Check) -> tuple[set[str], Check]:
    """`test`, a pure function of the text, remembering the texts it passes; with the set it
    remembers them in, for the generated code to look in first."""
    known: set[str] = set()

    def remembered(value: Any) -> bool:
        if type(value) is str and value in known:
            return True
        result = test(value)
        if result and type(value) is str and len(value) <= REMEMBERED_LENGTH:
            if len(known) >= REMEMBERED_TEXTS:
                known.clear()
            known.add(value)
        return result

    return known, remembered


def remembering_format(name: str) -> tuple[set[str], Check] | None:
    """The same checker function jsonschema calls (formats.format_checker), remembering the texts
    that conform; None for an unknown format, which always passes."""
    found = format_checker.checkers.get(name)
    if found is None:
        return None
    function, raises = found

    def conforms(value: Any) -> bool:
        try:
            return bool(function(value))
        except raises:  # an empty tuple when the checker raises nothing: nothing is caught
            return False

    return _remembering(conforms)


def remembering_pattern(pattern: Any) -> tuple[set[str], Check]:
    """A `pattern`'s test of text (a search, as jsonschema's), remembering the texts that match."""
    found = search(pattern)
    return _remembering(lambda text: found(text) is not None)


def date_bound(bound: Any, direction: int) -> Check | None:
    """`formatMaximum` (+1) / `formatMinimum` (-1), as `validation._date_bound_keyword` checks them;
    None for a fixed bound that is not a date (jsonschema never fails against one)."""
    if not isinstance(bound, str):
        raise Unsupported("a date bound that is not text")
    fixed: dt.date | None = None
    if bound != "today":
        fixed = _bound(bound, dt.date.min)
        if fixed is None:
            return None

    def within(value: str) -> bool:
        if len(value) < 10:
            return True
        given = parse_date(value[:10])
        if given is None:
            return True
        limit = fixed if fixed is not None else today_or_now()
        return not (given - limit).days * direction > 0

    return within
