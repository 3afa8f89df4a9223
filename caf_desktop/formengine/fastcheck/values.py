"""What the generated code calls by name: JSON's semantics as jsonschema has them (numbers, equality,
`uniqueItems`, `multipleOf`), blank text as `formats.without_blanks` leaves it out, and "today".

`RUNTIME` maps the names the generated source uses to these functions; the generator starts each
compiled check's namespace from it. The generator and the leaves call some of them directly too.
"""

from __future__ import annotations

import datetime as dt
import itertools
import numbers
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from caf_desktop.formengine import formats
from caf_desktop.formengine.formats import without_blanks

# --- JSON semantics, as jsonschema has them -------------------------------------------------------------


def is_number(value: Any) -> bool:
    if type(value) is int or type(value) is float:
        return True
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def is_integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


_TRUE = object()
_FALSE = object()


def _unbool(value: Any) -> Any:
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    return value


def json_equal(one: Any, two: Any) -> bool:
    """JSON equality as jsonschema's `const` and `enum` use it: 1 == 1.0, but True != 1."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(k in two and json_equal(v, two[k]) for k, v in one.items())
    return bool(_unbool(one) == _unbool(two))


def unique(items: list[Any]) -> bool:
    """jsonschema's `uniq`, to the letter: neighbours compared after sorting, or every pair when the
    items do not sort. It can miss a repeat (in `[[0], [False], [0]]` sorting leaves the two `[0]`
    apart); a stricter test here would say the opposite of jsonschema under `not`, or in an `if`
    condition or a `oneOf` branch, so the check copies it rather than improving on it."""
    try:
        ordered = sorted(_unbool(item) for item in items)
        for one, two in itertools.pairwise(ordered):
            if json_equal(one, two):
                return False
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for item in items:
            unboxed = _unbool(item)
            if any(json_equal(other, unboxed) for other in seen):
                return False
            seen.append(unboxed)
    return True


# --- blank text, as `formats.without_blanks` leaves it out ----------------------------------------


ABSENT = object()


def blank(value: Any) -> bool:
    """Whether an object member holding this value is left out: `formats.without_blanks`'s test."""
    return isinstance(value, str) and not value.strip()


def answered(value: dict[Any, Any], name: Any) -> bool:
    """Whether the object has the member once blank text is left out."""
    found = value.get(name, ABSENT)
    return found is not ABSENT and not blank(found)


def answered_count(value: dict[Any, Any]) -> int:
    return sum(1 for item in value.values() if not blank(item))


def only_blanks_beyond(value: dict[Any, Any], names: frozenset[Any]) -> bool:
    """Whether every member not named is blank (so none is left once blanks are left out)."""
    return all(blank(item) for name, item in value.items() if name not in names)


def unique_without_blanks(items: list[Any]) -> bool:
    """`unique` of the items as they are judged: objects inside them without their blank members."""
    if any(isinstance(item, dict | list) for item in items):
        return unique([without_blanks(item) for item in items])
    return unique(items)


def is_multiple(value: Any, divisor: Any) -> bool:
    """jsonschema's `multipleOf`, to the letter."""
    if isinstance(divisor, float):
        quotient = value / divisor
        try:
            return bool(int(quotient) == quotient)
        except OverflowError:
            return (Fraction(value) / Fraction(divisor)).denominator == 1
    return not value % divisor


def today_or_now() -> dt.date:
    today = formats.today.get(None)
    return today if today is not None else dt.date.today()


_iso_days: dict[dt.date, str] = {}


def today_iso() -> str:
    """The day judged as today (see `today_or_now`), written `YYYY-MM-DD`."""
    today = today_or_now()
    written = _iso_days.get(today)
    if written is None:
        if len(_iso_days) > 16:
            _iso_days.clear()
        written = _iso_days[today] = today.isoformat()
    return written


# The names the generated code uses, besides its own functions and constants and Python's builtins.
RUNTIME: dict[str, Any] = {
    "_absent": ABSENT,
    "_answered": answered,
    "_answered_count": answered_count,
    "_blank": blank,
    "_is_integer": is_integer,
    "_is_multiple": is_multiple,
    "_is_number": is_number,
    "_only_blanks_beyond": only_blanks_beyond,
    "_today_iso": today_iso,
    "_unique": unique,
    "_unique_without_blanks": unique_without_blanks,
    "_without_blanks": without_blanks,
    "json_equal": json_equal,
}
