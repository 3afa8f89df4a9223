"""The store's side of drift: a case's records as `practice.drift` reads them, with the locality's
intervals from the installed threshold ruleset (docs/practice.md).

Every record of the case counts (CAFs, TAC meetings and reviews, referrals, management oversight,
closures), except those deleted; each carries its status and the agreed level its form names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from caf_desktop.practice.drift import CaseRecord, DriftFlag, drift_flags
from caf_desktop.practice.thresholds import Intervals, UnknownRuleset, ruleset

# The forms whose records can make a case drift: a case with none of them is never read again by the
# daily refresh (a pre-assessment checklist alone asks for nothing).
DRIFTING_FORMS = ("caf-assessment", "tac-meeting", "tac-review", "caf-referral", "management-oversight")


def intervals() -> Intervals:
    """The locality's intervals (the installed caf-continuum ruleset's), or the defaults."""
    try:
        return ruleset("caf-continuum").intervals
    except UnknownRuleset:
        return Intervals()


def case_record(
    form_id: str,
    document: Mapping[str, Any],
    created: dt.datetime,
    status: str | None,
    level: int | None,
) -> CaseRecord:
    return CaseRecord(form_id, document, created, status or "draft", level)


def attention(records: Iterable[CaseRecord], today: dt.date) -> str | None:
    """The case list's "Needs attention" for a case: every drift warning, in one text."""
    return " ".join(f.message for f in flags(records, today)) or None


def flags(records: Iterable[CaseRecord], today: dt.date) -> list[DriftFlag]:
    return drift_flags(list(records), today, intervals())
