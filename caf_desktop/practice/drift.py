"""Drift: what the serious case review warned of, found in a case's records.

A pure function over the TAC meetings and reviews of one case: reviews that are overdue, actions past
their date and not done, several reviews in a row without progress, and repeated missed appointments.
The last two suggest the lead professional considers stepping up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NO_PROGRESS = frozenset({"not_started", "not_progressing", "at_risk"})
REVIEWS_WITHOUT_PROGRESS = 2
MISSED_APPOINTMENTS = 3
RECENT_MEETINGS = 3


@dataclass(frozen=True)
class CaseRecord:
    """What drift needs of a record: its form, its document and when it was made."""

    form_id: str
    document: Mapping[str, Any]
    created: dt.datetime


@dataclass(frozen=True)
class DriftFlag:
    kind: str  # "overdue-review", "overdue-actions", "no-progress", "non-engagement"
    message: str
    step_up: bool = False


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _when(record: CaseRecord) -> dt.date:
    """The meeting or review date, else the day the record was made."""
    document = record.document
    for path in (("meeting", "date"), ("review", "date")):
        part = document.get(path[0])
        if isinstance(part, Mapping) and _date(part.get(path[1])) is not None:
            found = _date(part.get(path[1]))
            assert found is not None
            return found
    return record.created.date()


def _uk(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def drift_flags(records: Sequence[CaseRecord], today: dt.date) -> list[DriftFlag]:
    """The warnings for one case (an empty list when nothing is drifting)."""
    tac = sorted((r for r in records if r.form_id in ("tac-meeting", "tac-review")), key=_when)
    if not tac or any(r.form_id == "caf-closure" for r in records):
        return []
    flags: list[DriftFlag] = []
    latest = tac[-1]
    outcome = latest.document.get("outcome")
    review_due = _date(outcome.get("next_review_date")) if isinstance(outcome, Mapping) else None
    if review_due is not None and review_due < today:
        flags.append(DriftFlag("overdue-review", f"The review due on {_uk(review_due)} has not been held."))

    plans = [r for r in tac if r.form_id == "tac-meeting"]
    if plans:
        actions = plans[-1].document.get("actions")
        overdue = (
            [
                a
                for a in actions
                if isinstance(a, Mapping)
                and (_date(a.get("by_when")) or today) < today
                and a.get("progress") != "completed"
            ]
            if isinstance(actions, list)
            else []
        )
        if overdue:
            first = overdue[0]
            flags.append(
                DriftFlag(
                    "overdue-actions",
                    f"{len(overdue)} action{'s are' if len(overdue) != 1 else ' is'} past {'their' if len(overdue) != 1 else 'its'} date and not done "
                    f"(for example \u201c{str(first.get('action', ''))[:60]}\u201d, due {_uk(_date(first.get('by_when')) or today)}).",
                )
            )

    reviews = [r for r in tac if r.form_id == "tac-review"]
    stalled = 0
    for review in reversed(reviews):
        progress = [
            p.get("progress") for p in review.document.get("action_progress", []) if isinstance(p, Mapping)
        ]
        if progress and all(p in NO_PROGRESS for p in progress):
            stalled += 1
        else:
            break
    if stalled >= REVIEWS_WITHOUT_PROGRESS:
        flags.append(
            DriftFlag(
                "no-progress",
                f"{stalled} reviews in a row without progress on any action: consider stepping up.",
                step_up=True,
            )
        )

    recent = tac[-RECENT_MEETINGS:]
    missed = [
        int(r.document["engagement"].get("missed_appointments") or 0)
        for r in recent
        if isinstance(r.document.get("engagement"), Mapping)
        and isinstance(r.document["engagement"].get("missed_appointments"), int)
    ]
    if sum(missed) >= MISSED_APPOINTMENTS or sum(1 for m in missed if m > 0) >= 2:
        flags.append(
            DriftFlag(
                "non-engagement",
                f"Appointments missed again and again ({sum(missed)} in the last {len(recent)} meetings): consider stepping up.",
                step_up=True,
            )
        )
    return flags
