"""The store's clock: the time now, in UTC (one place, so tests can set it)."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
