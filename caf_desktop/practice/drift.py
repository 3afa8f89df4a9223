"""Drift: what the serious case review warned of, found in a case's records.

A pure function over all the records of one case (docs/practice.md). From the TAC meetings and
reviews: reviews that are overdue, actions past their date and not done, several reviews in a row
without progress. From the whole case: repeated contacts that did not happen (every record's
`/non_engagement` log, and the missed-appointment counts of TAC 1.0.0 records), a completed CAF with
no first TAC meeting, a referral to children's social care with no decision recorded, and a level 3
or 4 case without management oversight. The intervals are the locality's (`Intervals`, from the
threshold ruleset). Repeated non-engagement and no progress suggest the lead professional considers
stepping up. A case whose closure is complete does not drift.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from caf_desktop.common.uk_time import add_working_days
from caf_desktop.practice.thresholds import Intervals

NO_PROGRESS = frozenset({"not_started", "not_progressing", "at_risk"})
REVIEWS_WITHOUT_PROGRESS = 2
MISSED_APPOINTMENTS = 3
RECENT_MEETINGS = 3
# Repeated non-engagement across the whole case: this many contacts that did not happen within this
# many days (up to today) prompt "consider stepping up".
NON_ENGAGEMENT_COUNT = 3
NON_ENGAGEMENT_DAYS = 90
FINISHED = frozenset({"complete", "signed", "shared", "closed"})
NON_ENGAGEMENT_WORDS = {
    "missed": "missed",
    "cancelled": "cancelled by the family",
    "not_at_home": "not at home",
    "declined": "declined",
}


@dataclass(frozen=True)
class CaseRecord:
    """What drift needs of a record: its form, its document, when it was made, its status (a draft
    CAF or closure counts for nothing) and the agreed level of need its form's `subject` names."""

    form_id: str
    document: Mapping[str, Any]
    created: dt.datetime
    status: str = "draft"
    level: int | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


@dataclass(frozen=True)
class DriftFlag:
    # "referral-no-decision", "overdue-review", "overdue-actions", "no-progress", "non-engagement",
    # "no-oversight", "no-first-tac"
    kind: str
    message: str
    step_up: bool = False


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _at(document: Mapping[str, Any], part: str, key: str) -> Any:
    found = document.get(part)
    return found.get(key) if isinstance(found, Mapping) else None


def _when(record: CaseRecord) -> dt.date:
    """The day the record is about (the meeting, review, referral or oversight, or the CAF's
    completion), else the day the record was made."""
    document = record.document
    for part, key in (
        ("meeting", "date"),
        ("review", "date"),
        ("referral", "date"),
        ("oversight", "date"),
        ("meta", "date_completed"),
    ):
        found = _date(_at(document, part, key))
        if found is not None:
            return found
    return record.created.date()


def _uk(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def drift_flags(
    records: Sequence[CaseRecord], today: dt.date, intervals: Intervals | None = None
) -> list[DriftFlag]:
    """The warnings for one case (an empty list when nothing is drifting)."""
    intervals = intervals or Intervals()
    if any(r.form_id == "caf-closure" and r.finished for r in records):
        return []
    flags: list[DriftFlag] = []
    flags.extend(_referrals(records, today, intervals))
    tac = sorted((r for r in records if r.form_id in ("tac-meeting", "tac-review")), key=_when)
    if tac:
        flags.extend(_tac_flags(tac, today))
    engagement = _non_engagement(records, tac, today)
    if engagement is not None:
        flags.append(engagement)
    oversight = _oversight(records, today, intervals)
    if oversight is not None:
        flags.append(oversight)
    first_tac = _first_tac(records, today, intervals)
    if first_tac is not None:
        flags.append(first_tac)
    return flags


def _tac_flags(tac: list[CaseRecord], today: dt.date) -> Iterator[DriftFlag]:
    latest = tac[-1]
    review_due = _date(_at(latest.document, "outcome", "next_review_date"))
    if review_due is not None and review_due < today:
        yield DriftFlag("overdue-review", f"The review due on {_uk(review_due)} has not been held.")

    plans = [r for r in tac if r.form_id == "tac-meeting"]
    if plans:
        # The plan is the last meeting's actions and the new actions of the reviews after it (TAC review
        # 1.1.0 records them in the same shape, `new_actions`).
        after = tac[tac.index(plans[-1]) + 1 :]
        actions = [
            a
            for record in (plans[-1], *(r for r in after if r.form_id == "tac-review"))
            for a in (record.document.get("actions" if record is plans[-1] else "new_actions") or [])
            if isinstance(a, Mapping)
        ]
        overdue = [
            a
            for a in actions
            if (_date(a.get("by_when")) or today) < today and a.get("progress") != "completed"
        ]
        if overdue:
            first = overdue[0]
            yield DriftFlag(
                "overdue-actions",
                f"{len(overdue)} action{'s are' if len(overdue) != 1 else ' is'} past {'their' if len(overdue) != 1 else 'its'} date and not done "
                f"(for example \u201c{str(first.get('action', ''))[:60]}\u201d, due {_uk(_date(first.get('by_when')) or today)}).",
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
        yield DriftFlag(
            "no-progress",
            f"{stalled} reviews in a row without progress on any action: consider stepping up.",
            step_up=True,
        )


def _referrals(records: Sequence[CaseRecord], today: dt.date, intervals: Intervals) -> Iterator[DriftFlag]:
    """A referral made (its date recorded, whether or not the record is complete) whose decision is
    not recorded more than the locality's working days after it."""
    for record in records:
        if record.form_id != "caf-referral":
            continue
        made = _date(_at(record.document, "referral", "date"))
        if made is None or _at(record.document, "decision", "outcome"):
            continue
        due = add_working_days(made, intervals.referral_decision_working_days)
        if today > due:
            yield DriftFlag(
                "referral-no-decision",
                f"The referral to children's social care made on {_uk(made)} has no decision recorded: "
                f"it was due by {_uk(due)}. Ask children's social care for their decision and record it.",
            )


def _missed_counts(record: CaseRecord) -> int:
    engagement = record.document.get("engagement")
    count = engagement.get("missed_appointments") if isinstance(engagement, Mapping) else None
    return count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 0


def _non_engagement(records: Sequence[CaseRecord], tac: list[CaseRecord], today: dt.date) -> DriftFlag | None:
    """Repeated non-engagement read from the whole case: every contact that did not happen in any
    record's log (the same contact copied into two records counts once), and each missed
    appointment a TAC 1.0.0 record counts, on that record's date."""
    events: dict[tuple[Any, ...], tuple[dt.date, str]] = {}
    for record in records:
        items = record.document.get("non_engagement")
        for item in items if isinstance(items, list) else ():
            day = _date(item.get("date")) if isinstance(item, Mapping) else None
            if day is None or not isinstance(item, Mapping):
                continue
            kind = str(item.get("kind") or "missed")
            key = (
                day,
                kind,
                str(item.get("planned") or "").casefold(),
                str(item.get("service") or "").casefold(),
            )
            events[key] = (day, kind)
    for record in tac:
        if record.document.get("non_engagement") is None:
            for n in range(_missed_counts(record)):
                events[(_when(record), "count", record.created, n)] = (_when(record), "missed")
    start = today - dt.timedelta(days=NON_ENGAGEMENT_DAYS)
    recent = sorted((e for e in events.values() if start < e[0] <= today), key=lambda e: e[0])
    if len(recent) >= NON_ENGAGEMENT_COUNT:
        counts: dict[str, int] = {}
        for _, kind in recent:
            counts[kind] = counts.get(kind, 0) + 1
        words = ", ".join(f"{n} {NON_ENGAGEMENT_WORDS.get(k, k)}" for k, n in counts.items())
        return DriftFlag(
            "non-engagement",
            f"Contacts did not happen again and again ({len(recent)} in the last {NON_ENGAGEMENT_DAYS} days: "
            f"{words}; the {_ordinal(NON_ENGAGEMENT_COUNT)} on {_uk(recent[NON_ENGAGEMENT_COUNT - 1][0])}): consider stepping up.",
            step_up=True,
        )
    # The TAC records' own counts, over the last few meetings however long ago they were.
    latest = tac[-RECENT_MEETINGS:]
    missed = [_missed_counts(r) for r in latest]
    if sum(missed) >= MISSED_APPOINTMENTS or sum(1 for m in missed if m > 0) >= 2:
        last = max(_when(r) for r, m in zip(latest, missed, strict=True) if m > 0)
        return DriftFlag(
            "non-engagement",
            f"Appointments missed again and again ({sum(missed)} in the last {len(latest)} meetings, "
            f"the latest recorded on {_uk(last)}): consider stepping up.",
            step_up=True,
        )
    return None


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}.get(n, f"{n}th")


def _completed_caf(records: Sequence[CaseRecord]) -> CaseRecord | None:
    done = [r for r in records if r.form_id == "caf-assessment" and r.finished]
    return max(done, key=_when) if done else None


def _first_tac(records: Sequence[CaseRecord], today: dt.date, intervals: Intervals) -> DriftFlag | None:
    caf = _completed_caf(records)
    if caf is None or any(r.form_id == "tac-meeting" for r in records):
        return None
    completed = _when(caf)
    due = add_working_days(completed, intervals.first_tac_meeting_working_days)
    if today <= due:
        return None
    return DriftFlag(
        "no-first-tac",
        f"The CAF was completed on {_uk(completed)} and no TAC meeting has been held: "
        f"the first meeting was due by {_uk(due)}.",
    )


def _oversight(records: Sequence[CaseRecord], today: dt.date, intervals: Intervals) -> DriftFlag | None:
    """A level 3 or 4 case (the newest agreed level in its CAF and TAC records) without management
    oversight within the interval (from the CAF's completion when there has been none), or past the
    next oversight date the last one set."""
    levelled = [
        r
        for r in records
        if r.form_id in ("caf-assessment", "tac-meeting", "tac-review") and r.level is not None
    ]
    if not levelled:
        return None
    current = max(levelled, key=_when)
    level = current.level
    if level is None or level < 3:
        return None
    reviews = [
        (day, r)
        for r in records
        if r.form_id == "management-oversight" and (day := _date(_at(r.document, "oversight", "date")))
    ]
    interval = dt.timedelta(days=intervals.oversight_days)
    if reviews:
        last, review = max(reviews, key=lambda pair: pair[0])
        due = last + interval
        planned = _date(review.document.get("next_oversight_date"))
        if planned is not None and planned < due:
            due = planned
        if today <= due:
            return None
        return DriftFlag(
            "no-oversight",
            f"Management oversight of this level {level} case was due by {_uk(due)} "
            f"(the last was on {_uk(last)}): ask a manager or safeguarding lead to review it.",
        )
    caf = _completed_caf(records)
    since = _when(caf) if caf is not None else min(_when(r) for r in levelled)
    due = since + interval
    if today <= due:
        return None
    return DriftFlag(
        "no-oversight",
        f"This level {level} case has had no management oversight since {_uk(since)}: it was due by "
        f"{_uk(due)}. Ask a manager or safeguarding lead to review it.",
    )
