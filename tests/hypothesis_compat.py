"""Test support: hypothesis-jsonschema working with the hypothesis installed (imported for its effect)."""

from __future__ import annotations

import types
from typing import Any

from hypothesis.internal.conjecture import utils as conjecture_utils
from hypothesis_jsonschema import _from_schema as hypothesis_jsonschema_internals

# hypothesis-jsonschema draws object keys through the private `many` helper as `while elements.more():`;
# newer hypothesis replaced `more()` with iteration (`with many(...) as elements: for _ in elements:`),
# so every object schema fails with "'many' object has no attribute 'more'". This adapter gives
# hypothesis-jsonschema the old interface over the new one; it does nothing once either side is fixed.

_DONE = object()


class _ManyWithMore:
    def __init__(self, data: Any, **kwargs: Any) -> None:
        self._many = conjecture_utils.many(data, **kwargs)
        self._many.__enter__()
        self._elements = iter(self._many)

    def more(self) -> bool:
        if next(self._elements, _DONE) is _DONE:
            self._many.__exit__(None, None, None)
            return False
        return True

    def reject(self, why: str | None = None) -> None:
        self._many.reject(why)


if not hasattr(conjecture_utils.many, "more"):
    hypothesis_jsonschema_internals.cu = types.SimpleNamespace(many=_ManyWithMore)
