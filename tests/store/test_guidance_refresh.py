"""The case list's stored guidance follows a new version of the threshold guidance.

A record keeps its suggested level and safeguarding flag from when it was saved. When ruleset 1.1.0
arrives, records saved under 1.0.0 are worked out again once: a child-in-need level 4 is no longer
flagged as child protection, and an old indicator that 1.1.0 reads as child protection is flagged."""

from __future__ import annotations

from caf_desktop.store.models import Meta, Record
from caf_desktop.store.store import Store
from sqlalchemy import select

from tests.store.support import definition, example


def saved_under_1_0_0(store: Store, indicator: str, *, flagged: bool, suggested: int) -> str:
    """A CAF whose stored guidance is what ruleset 1.0.0 said of it, and a store that last looked at 1.0.0."""
    document = example("caf-assessment/full")
    document["development"]["learning"]["indicators"] = [indicator]
    record = store.add_record(definition("caf-assessment"), document)
    with store.session() as session:
        row = session.scalar(select(Record).where(Record.uuid == record.id))
        assert row is not None
        row.safeguarding = flagged
        row.suggested_level = suggested
        session.merge(Meta(key="guidance.rulesets", value='{"caf-continuum": "1.0.0"}'))
    return record.id


def test_a_child_in_need_level_4_saved_under_1_0_0_is_no_longer_flagged(store: Store) -> None:
    record_id = saved_under_1_0_0(store, "learning.l4.complex_learning_disability", flagged=True, suggested=4)
    assert store.get(record_id).safeguarding
    assert store.refresh_guidance() == 1
    refreshed = store.get(record_id)
    assert not refreshed.safeguarding  # a child in need: a referral with consent, no banner
    assert refreshed.suggested_level == 4
    assert store.refresh_guidance() == 0  # once per new version of the guidance


def test_an_old_indicator_that_now_reads_as_child_protection_is_flagged(store: Store) -> None:
    # 1.0.0's level-3 "regularly missing, whereabouts unknown" is 1.1.0's level-4 child-protection sign.
    document = example("caf-assessment/full")
    document["development"]["social_community"] = {
        "indicators": ["social_community.l3.missing_whereabouts_unknown"]
    }
    record = store.add_record(definition("caf-assessment"), document)
    with store.session() as session:
        row = session.scalar(select(Record).where(Record.uuid == record.id))
        assert row is not None
        assert row.safeguarding  # saved now, under 1.1.0
        row.safeguarding = False  # as 1.0.0 saved it
        row.suggested_level = 3
        session.merge(Meta(key="guidance.rulesets", value='{"caf-continuum": "1.0.0"}'))
    assert store.refresh_guidance() == 1
    assert store.get(record.id).safeguarding
    assert store.get(record.id).suggested_level == 4


def test_the_records_of_one_version_of_a_form_come_with_their_documents(store: Store) -> None:
    caf = store.add_record(definition("caf-assessment"), example("caf-assessment/full"))
    gone = store.add_record(definition("caf-assessment"), example("caf-assessment/full"))
    store.delete(gone.id)
    store.add_record(definition("tac-review"), example("tac-review/full"))
    found = store.records_of_form("caf-assessment", definition("caf-assessment").version)
    assert [r.id for r in found] == [caf.id]  # not the deleted one, nor another form
    assert found[0].document == example("caf-assessment/full")
    assert store.records_of_form("caf-assessment", "0.9.0") == []
