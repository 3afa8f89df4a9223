"""Drift, the serious case review's warning: overdue reviews and actions, no progress, missed appointments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from caf_desktop.practice.drift import CaseRecord, drift_flags

TODAY = dt.date(2026, 11, 26)
MADE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def meeting(
    date: str, next_review: str | None, actions: list[dict[str, Any]] | None = None, missed: int = 0
) -> CaseRecord:
    document: dict[str, Any] = {
        "meeting": {"date": date},
        "actions": actions or [],
        "engagement": {"missed_appointments": missed},
    }
    document["outcome"] = (
        {"decision": "continue", "next_review_date": next_review} if next_review else {"decision": "close"}
    )
    return CaseRecord("tac-meeting", document, MADE)


def review(date: str, next_review: str, progress: list[str], missed: int = 0) -> CaseRecord:
    document = {
        "review": {"date": date},
        "action_progress": [{"action": f"Action {n}", "progress": p} for n, p in enumerate(progress)],
        "engagement": {"missed_appointments": missed},
        "outcome": {"decision": "continue", "next_review_date": next_review},
    }
    return CaseRecord("tac-review", document, MADE)


def kinds(records: list[CaseRecord]) -> list[str]:
    return [f.kind for f in drift_flags(records, TODAY)]


def test_a_case_on_track_has_no_flags() -> None:
    assert (
        kinds(
            [
                meeting(
                    "2026-11-01",
                    "2027-01-10",
                    [{"action": "Breakfast club", "by_when": "2026-12-20", "progress": "on_track"}],
                )
            ]
        )
        == []
    )


def test_a_case_without_tac_records_has_no_flags() -> None:
    assert drift_flags([CaseRecord("caf-assessment", {}, MADE)], TODAY) == []


def test_an_overdue_review_is_flagged_with_its_date() -> None:
    flags = drift_flags([meeting("2026-08-01", "2026-10-01")], TODAY)
    assert [(f.kind, f.message) for f in flags] == [
        ("overdue-review", "The review due on 01/10/2026 has not been held.")
    ]


def test_a_later_review_clears_an_earlier_due_date() -> None:
    assert (
        kinds([meeting("2026-08-01", "2026-10-01"), review("2026-10-02", "2027-01-05", ["on_track"])]) == []
    )


def test_actions_past_their_date_and_not_done() -> None:
    actions = [
        {"action": "Offer a breakfast club place", "by_when": "2026-11-01", "progress": "not_started"},
        {"action": "Rebook the dental check", "by_when": "2026-11-10", "progress": "completed"},
        {"action": "Benefits check", "by_when": "2027-01-10", "progress": "not_started"},
    ]
    flags = drift_flags([meeting("2026-10-20", "2027-01-05", actions)], TODAY)
    assert [(f.kind, f.message) for f in flags] == [
        (
            "overdue-actions",
            "1 action is past its date and not done (for example “Offer a breakfast club place”, due 01/11/2026).",
        )
    ]


def test_two_reviews_in_a_row_without_progress_suggest_stepping_up() -> None:
    records = [
        meeting("2026-06-01", "2026-08-01"),
        review("2026-08-01", "2026-10-01", ["not_started", "at_risk"]),
        review("2026-10-01", "2027-01-01", ["not_progressing", "not_started"]),
    ]
    flags = drift_flags(records, TODAY)
    assert [f.kind for f in flags] == ["no-progress"]
    assert flags[0].step_up
    assert flags[0].message == "2 reviews in a row without progress on any action: consider stepping up."


def test_progress_in_the_latest_review_breaks_the_run() -> None:
    records = [
        review("2026-08-01", "2026-10-01", ["not_started"]),
        review("2026-10-01", "2027-01-01", ["completed", "not_started"]),
    ]
    assert kinds(records) == []


def test_repeated_missed_appointments_suggest_stepping_up() -> None:
    records = [
        meeting("2026-06-01", "2026-08-01", missed=1),
        review("2026-08-01", "2027-01-01", ["on_track"], missed=1),
    ]
    flags = drift_flags(records, TODAY)
    assert [f.kind for f in flags] == ["non-engagement"]
    assert (
        flags[0].message
        == "Appointments missed again and again (2 in the last 2 meetings): consider stepping up."
    )


def test_a_closed_case_does_not_drift() -> None:
    records = [
        meeting("2026-06-01", "2026-08-01"),
        CaseRecord("caf-closure", {"closure": {"outcome": "needs_met"}}, MADE),
    ]
    assert kinds(records) == []
