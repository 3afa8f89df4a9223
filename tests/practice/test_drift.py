"""Drift, the serious case review's warning: overdue reviews and actions, no progress, missed appointments."""

from __future__ import annotations

import datetime as dt
from typing import Any

from caf_desktop.practice.drift import CaseRecord, DriftFlag, drift_flags
from caf_desktop.practice.thresholds import Intervals

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


def test_a_case_with_a_draft_caf_only_has_no_flags() -> None:
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


def test_a_reviews_new_actions_join_the_plan_and_drift_reads_them() -> None:
    """TAC review 1.1.0 adds actions in the meeting's shape (`new_actions`): one past its date is drift;
    one set by a review before the last meeting belongs to an earlier plan and is not."""
    earlier = review("2026-09-01", "2026-10-15", ["on_track"])
    earlier.document["new_actions"] = [
        {"action": "Old plan's action", "by_when": "2026-09-20", "progress": "not_started"}
    ]
    later = review("2026-11-05", "2027-01-05", ["on_track"])
    later.document["new_actions"] = [
        {
            "action": "Referral to the young carers' service",
            "by_when": "2026-11-20",
            "progress": "not_started",
        },
        {"action": "Check the bus pass", "by_when": "2026-11-21", "progress": "completed"},
    ]
    flags = drift_flags([earlier, meeting("2026-10-01", "2026-11-05"), later], TODAY)
    assert [(f.kind, f.message) for f in flags] == [
        (
            "overdue-actions",
            "1 action is past its date and not done (for example “Referral to the young carers' service”, due 20/11/2026).",
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
        == "Appointments missed again and again (2 in the last 2 meetings, the latest recorded on 01/08/2026): consider stepping up."
    )


def test_a_closed_case_does_not_drift() -> None:
    records = [
        meeting("2026-06-01", "2026-08-01"),
        CaseRecord("caf-closure", {"closure": {"outcome": "needs_met"}}, MADE, "complete"),
    ]
    assert kinds(records) == []


def test_a_closure_still_in_draft_closes_nothing() -> None:
    records = [
        meeting("2026-06-01", "2026-08-01"),
        CaseRecord("caf-closure", {"closure": {"outcome": "needs_met"}}, MADE),
    ]
    assert kinds(records) == ["overdue-review"]


# --- the whole case: referrals, oversight, the first TAC meeting, non-engagement ----------------------

# Thursday 3 December 2026: three working days later is Tuesday 8 December (over the weekend).
THURSDAY = dt.date(2026, 12, 3)
INTERVALS = Intervals(first_tac_meeting_working_days=15, oversight_days=90, referral_decision_working_days=3)


def referral(made: str, decision: str | None = None, status: str = "complete") -> CaseRecord:
    document: dict[str, Any] = {"referral": {"date": made, "method": "phone_then_written"}}
    if decision:
        document["decision"] = {"outcome": decision, "date": made}
    return CaseRecord("caf-referral", document, MADE, status)


def completed_caf(completed: str, level: int | None = 3, status: str = "complete") -> CaseRecord:
    return CaseRecord("caf-assessment", {"meta": {"date_completed": completed}}, MADE, status, level)


def oversight(date: str, next_date: str | None = None) -> CaseRecord:
    document: dict[str, Any] = {"oversight": {"date": date}}
    if next_date:
        document["next_oversight_date"] = next_date
    return CaseRecord("management-oversight", document, MADE, "complete")


def flags_on(records: list[CaseRecord], today: dt.date, intervals: Intervals = INTERVALS) -> list[DriftFlag]:
    return drift_flags(records, today, intervals)


def test_a_referral_with_no_decision_is_drift_after_the_working_days_over_a_weekend() -> None:
    made = [referral(THURSDAY.isoformat())]
    assert flags_on(made, dt.date(2026, 12, 8)) == []  # Tuesday: the third working day, still in time
    flags = flags_on(made, dt.date(2026, 12, 9))  # Wednesday: overdue
    assert [(f.kind, f.message) for f in flags] == [
        (
            "referral-no-decision",
            "The referral to children's social care made on 03/12/2026 has no decision recorded: it was "
            "due by 08/12/2026. Ask children's social care for their decision and record it.",
        )
    ]
    # Counted in working days: the Monday, five calendar days after, is not yet late.
    assert flags_on(made, dt.date(2026, 12, 7)) == []


def test_a_referral_with_its_decision_recorded_stops_the_flag() -> None:
    assert flags_on([referral("2026-11-02", decision="no_further_action")], dt.date(2026, 12, 20)) == []


def test_a_draft_referral_that_was_made_still_waits_for_its_decision() -> None:
    flags = flags_on([referral("2026-11-02", status="draft")], dt.date(2026, 12, 20))
    assert [f.kind for f in flags] == ["referral-no-decision"]


def test_the_referral_interval_is_the_localitys() -> None:
    made = [referral(THURSDAY.isoformat())]
    one_day = Intervals(referral_decision_working_days=1)
    assert flags_on(made, dt.date(2026, 12, 4), one_day) == []  # Friday
    assert [f.kind for f in flags_on(made, dt.date(2026, 12, 7), one_day)] == ["referral-no-decision"]


def test_a_completed_caf_with_no_tac_meeting_is_drift_after_the_working_days() -> None:
    # Completed on Thursday 3 December: 15 working days later is Thursday 24 December.
    caf = [completed_caf(THURSDAY.isoformat(), level=2)]
    assert flags_on(caf, dt.date(2026, 12, 24)) == []
    flags = flags_on(caf, dt.date(2026, 12, 25))
    assert [(f.kind, f.message) for f in flags] == [
        (
            "no-first-tac",
            "The CAF was completed on 03/12/2026 and no TAC meeting has been held: the first meeting "
            "was due by 24/12/2026.",
        )
    ]


def test_the_first_tac_interval_counts_working_days_over_a_weekend() -> None:
    caf = [completed_caf("2026-12-04", level=2)]  # a Friday; 1 working day later is Monday
    one = Intervals(first_tac_meeting_working_days=1)
    assert flags_on(caf, dt.date(2026, 12, 6), one) == []  # Sunday
    assert flags_on(caf, dt.date(2026, 12, 7), one) == []  # Monday: due today
    assert [f.kind for f in flags_on(caf, dt.date(2026, 12, 8), one)] == ["no-first-tac"]


def test_a_tac_meeting_or_a_draft_caf_asks_for_no_first_meeting() -> None:
    late = dt.date(2027, 2, 1)
    assert flags_on([completed_caf(THURSDAY.isoformat(), level=2, status="draft")], late) == []
    with_meeting = [completed_caf(THURSDAY.isoformat(), level=2), meeting("2026-12-10", "2027-03-01")]
    assert flags_on(with_meeting, late) == []


def test_a_level_3_case_with_no_oversight_is_drift_after_the_interval_from_the_caf() -> None:
    records = [completed_caf("2026-09-03"), meeting("2026-09-10", "2027-03-01")]
    # 90 days after 3 September is 2 December.
    assert flags_on(records, dt.date(2026, 12, 2)) == []
    flags = flags_on(records, dt.date(2026, 12, 3))
    assert [(f.kind, f.message) for f in flags] == [
        (
            "no-oversight",
            "This level 3 case has had no management oversight since 03/09/2026: it was due by "
            "02/12/2026. Ask a manager or safeguarding lead to review it.",
        )
    ]


def test_oversight_is_due_again_at_the_next_date_it_set() -> None:
    records = [completed_caf("2026-09-03", level=4), meeting("2026-09-10", "2027-03-01")]
    records.append(oversight("2026-11-01", next_date="2026-12-04"))  # a Friday, sooner than 90 days
    assert flags_on(records, dt.date(2026, 12, 4)) == []
    flags = flags_on(records, dt.date(2026, 12, 5))
    assert [(f.kind, f.message) for f in flags] == [
        (
            "no-oversight",
            "Management oversight of this level 4 case was due by 04/12/2026 (the last was on "
            "01/11/2026): ask a manager or safeguarding lead to review it.",
        )
    ]
    # A later next date than the interval does not stretch it.
    stretched = [*records[:2], oversight("2026-11-01", next_date="2027-06-01")]
    assert flags_on(stretched, dt.date(2027, 1, 30)) == []
    assert [f.kind for f in flags_on(stretched, dt.date(2027, 1, 31))] == ["no-oversight"]


def test_the_newest_agreed_level_decides_whether_oversight_is_asked_for() -> None:
    stepped_down = [
        completed_caf("2026-06-01", level=3),
        CaseRecord("tac-review", {"review": {"date": "2026-09-01"}}, MADE, "complete", 2),
        meeting("2026-06-10", "2027-03-01"),
    ]
    assert flags_on(stepped_down, dt.date(2026, 12, 20)) == []
    stepped_down[1] = CaseRecord("tac-review", {"review": {"date": "2026-09-01"}}, MADE, "complete", 3)
    assert [f.kind for f in flags_on(stepped_down, dt.date(2026, 12, 20))] == ["no-oversight"]


def contact(date: str, kind: str = "missed", planned: str = "Home visit") -> dict[str, Any]:
    return {"date": date, "kind": kind, "planned": planned}


def test_non_engagement_reads_every_record_of_the_case() -> None:
    records = [
        CaseRecord("caf-assessment", {"non_engagement": [contact("2026-11-02", "not_at_home")]}, MADE),
        oversight("2026-11-10"),
        CaseRecord("caf-referral", {"non_engagement": [contact("2026-11-20", "cancelled")]}, MADE),
        CaseRecord(
            "management-oversight",
            {"oversight": {"date": "2026-11-25"}, "non_engagement": [contact("2026-11-24", "declined")]},
            MADE,
        ),
    ]
    flags = flags_on(records, TODAY)
    assert [(f.kind, f.step_up) for f in flags] == [("non-engagement", True)]
    assert flags[0].message == (
        "Contacts did not happen again and again (3 in the last 90 days: 1 not at home, "
        "1 cancelled by the family, 1 declined; the third on 24/11/2026): consider stepping up."
    )


def test_non_engagement_counts_within_90_days_and_the_same_contact_once() -> None:
    two = [contact("2026-10-01"), contact("2026-11-01", "declined")]
    copied = [*two, contact("2026-11-01", "declined")]  # the same contact in a second record
    older = CaseRecord("caf-assessment", {"non_engagement": [contact("2026-07-01")]}, MADE)
    records = [CaseRecord("caf-referral", {"non_engagement": copied}, MADE), older]
    assert flags_on(records, TODAY) == []
    # The oldest falls inside the window the day before it is 90 days old, and out the day after.
    records.append(CaseRecord("caf-referral", {"non_engagement": [contact("2026-09-01", "cancelled")]}, MADE))
    assert [f.kind for f in flags_on(records, dt.date(2026, 11, 29))] == ["non-engagement"]
    assert flags_on(records, dt.date(2026, 11, 30)) == []


def test_missed_appointment_counts_of_tac_records_join_the_log() -> None:
    records = [
        meeting("2026-11-05", "2027-02-01", missed=1),
        CaseRecord("caf-referral", {"non_engagement": [contact("2026-11-12"), contact("2026-11-19")]}, MADE),
    ]
    flags = flags_on(records, TODAY)
    assert [f.kind for f in flags] == ["non-engagement"]
    assert "3 in the last 90 days: 3 missed; the third on 19/11/2026" in flags[0].message


def test_a_closed_case_raises_none_of_the_new_flags() -> None:
    records = [
        completed_caf("2026-01-05"),
        referral("2026-02-02"),
        CaseRecord("caf-referral", {"non_engagement": [contact("2026-11-12")] * 3}, MADE),
    ]
    assert {f.kind for f in flags_on(records, TODAY)} == {
        "no-first-tac",
        "referral-no-decision",
        "no-oversight",
    }
    records.append(CaseRecord("caf-closure", {"closure": {"outcome": "stepped_up"}}, MADE, "complete"))
    assert flags_on(records, TODAY) == []
