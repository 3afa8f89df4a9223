"""The store reads every record of a case for drift, with the locality's intervals from the ruleset:
referrals waiting for a decision, level 3 and 4 cases without oversight, a CAF with no first TAC
meeting, and contacts that did not happen, worked out again as days pass."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from caf_desktop.practice import thresholds
from caf_desktop.store import drift
from caf_desktop.store.store import Store

from tests.store.support import child_of, definition, example


def attention(store: Store, record_id: str) -> str:
    return store.get(record_id).attention or ""


def completed_caf(store: Store) -> str:
    """Zoë's CAF, completed on Friday 20 November 2026 at level 3, with no TAC meeting yet."""
    record = store.add_record(definition("caf-assessment"), example("caf-assessment/full"))
    store.set_status(record.id, "complete")
    return record.id


def test_a_referral_waits_for_its_decision_and_the_decision_ends_the_wait(store: Store) -> None:
    caf_id = completed_caf(store)
    waiting = example("caf-referral/awaiting-decision")  # made on Wednesday 25 November 2026
    referral = store.add_record(definition("caf-referral"), waiting, child_id=child_of(store, caf_id))
    store.save(referral.id, waiting, definition("caf-referral"), status="complete")
    store.refresh_attention(dt.date(2026, 11, 30), force=True)  # Monday: the third working day
    assert "referral" not in attention(store, caf_id)
    store.refresh_attention(dt.date(2026, 12, 1), force=True)
    assert (
        "The referral to children's social care made on 25/11/2026 has no decision recorded: it was due "
        "by 30/11/2026." in attention(store, caf_id)
    )
    # The decision arrives and is recorded by saving the referral again.
    waiting["decision"] = {"outcome": "step_down", "date": "2026-12-01", "told_by": "Marek Nowak, MASH"}
    store.save(referral.id, waiting, definition("caf-referral"))
    assert "referral" not in attention(store, caf_id)


def test_a_completed_caf_asks_for_a_first_tac_meeting_and_oversight(store: Store) -> None:
    caf_id = completed_caf(store)
    # 15 working days after Friday 20 November is Friday 11 December.
    store.refresh_attention(dt.date(2026, 12, 11), force=True)
    assert attention(store, caf_id) == ""
    store.refresh_attention(dt.date(2026, 12, 12), force=True)
    assert attention(store, caf_id) == (
        "The CAF was completed on 20/11/2026 and no TAC meeting has been held: the first meeting was due "
        "by 11/12/2026."
    )
    # 90 days after the CAF's completion, a level 3 case needs a manager's oversight too.
    store.refresh_attention(dt.date(2027, 2, 19), force=True)
    assert "no management oversight since 20/11/2026: it was due by 18/02/2027" in attention(store, caf_id)
    oversight = store.add_record(
        definition("management-oversight"),
        example("management-oversight/full"),
        child_id=child_of(store, caf_id),
    )
    store.save(oversight.id, store.get(oversight.id).document, definition("management-oversight"))
    store.refresh_attention(dt.date(2027, 1, 20), force=True)  # the next oversight date it set
    assert "oversight" not in attention(store, caf_id)
    store.refresh_attention(dt.date(2027, 1, 21), force=True)
    assert "Management oversight of this level 3 case was due by 20/01/2027" in attention(store, caf_id)


def test_a_deleted_draft_counts_for_nothing(store: Store) -> None:
    caf_id = completed_caf(store)
    meeting = store.add_record(
        definition("tac-meeting"), example("tac-meeting/full"), child_id=child_of(store, caf_id)
    )
    store.refresh_attention(dt.date(2026, 12, 12), force=True)
    assert "no TAC meeting" not in attention(store, caf_id)
    store.delete(meeting.id)
    store.refresh_attention(dt.date(2026, 12, 12), force=True)
    assert "no TAC meeting has been held" in attention(store, caf_id)


def test_the_intervals_are_the_localitys_from_the_ruleset(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    caf_id = completed_caf(store)
    shipped = thresholds.ruleset("caf-continuum")
    local = dataclasses.replace(
        shipped, intervals=dataclasses.replace(shipped.intervals, first_tac_meeting_working_days=5)
    )
    monkeypatch.setattr(drift, "ruleset", lambda ruleset_id="caf-continuum": local)
    store.refresh_attention(dt.date(2026, 11, 27), force=True)  # 5 working days: Friday 27 November
    assert attention(store, caf_id) == ""
    store.refresh_attention(dt.date(2026, 11, 30), force=True)
    assert "the first meeting was due by 27/11/2026" in attention(store, caf_id)
