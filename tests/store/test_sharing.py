"""Consent to share: which records a worker may share with whom, and the record of each decision."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from caf_desktop.practice import sharing
from caf_desktop.practice.sharing import ConsentToShare, ShareWithoutConsent, SharingRefused
from caf_desktop.store.store import Store

from tests.store.support import assessment, definition, example

TEAM = "Northtown Locality Team"
TODAY = dt.date(2026, 11, 26)


def with_share(document: dict[str, Any], **share: Any) -> dict[str, Any]:
    document["consent"]["share"] = share
    return document


def add(store: Store, form_id: str, document: dict[str, Any], *, same_child_as: str | None = None) -> str:
    child_id = None
    if same_child_as is not None:
        earlier = store.get(same_child_as)
        given, family = earlier.child.rsplit(" ", 1)
        child_id = store.find_children(given, family, earlier.child_dob)[0].id
    return store.add_record(definition(form_id), document, child_id=child_id).id


# --- the rules, as a table -----------------------------------------------------------------------------------


def consent(**fields: Any) -> ConsentToShare:
    document = {"consent": {"share": fields}, "services": [{"service": "Brightwell Primary School"}]}
    made = ConsentToShare.from_document(document)
    assert made is not None
    return made


@pytest.mark.parametrize(
    ("share", "recipient", "is_team", "expected"),
    [
        ({"given": True, "scope": "all_listed"}, TEAM, True, None),
        ({"given": True, "scope": "all_listed"}, "brightwell  primary school", False, None),
        ({"given": True, "scope": "all_listed"}, "Fictonwood Youth Club", False, "is not one of them"),
        ({"given": True, "scope": "named_only", "agencies": ["Northtown Locality Team"]}, TEAM, True, None),
        (
            {"given": True, "scope": "named_only", "agencies": ["School Nursing Service"]},
            TEAM,
            True,
            "is not named",
        ),
        ({"given": False}, TEAM, True, "refused"),
        (
            {"given": True, "scope": "all_listed", "withdrawn": True, "withdrawn_date": "2026-11-20"},
            TEAM,
            True,
            "withdrawn on 20/11/2026",
        ),
        ({"given": True}, TEAM, True, "does not say with whom"),
    ],
)
def test_what_consent_to_share_covers(
    share: dict[str, Any], recipient: str, is_team: bool, expected: str | None
) -> None:
    reason = sharing.uncovered_reason(consent(**share), recipient, is_locality_team=is_team, today=TODAY)
    if expected is None:
        assert reason is None
    else:
        assert reason is not None
        assert expected in reason


def test_no_consent_recorded_covers_nobody() -> None:
    assert ConsentToShare.from_document({"consent": {"share": {}}}) is None
    reason = sharing.uncovered_reason(None, TEAM, is_locality_team=True, today=TODAY)
    assert reason == "no consent to share is recorded for this child."


def test_consent_withdrawn_later_still_covers_today() -> None:
    later = consent(given=True, scope="all_listed", withdrawn=True, withdrawn_date="2026-12-01")
    assert sharing.uncovered_reason(later, TEAM, is_locality_team=True, today=TODAY) is None


# --- against a store ---------------------------------------------------------------------------------------


def test_a_tac_plan_is_covered_by_the_consent_recorded_in_its_childs_caf(store: Store) -> None:
    caf = add(
        store, "caf-assessment", with_share(example("caf-assessment/full"), given=True, scope="all_listed")
    )
    plan = add(store, "tac-meeting", example("tac-meeting/full"), same_child_as=caf)
    assert sharing.check(store, [plan], TEAM) == []

    store.save(caf, with_share(example("caf-assessment/full"), given=False), definition("caf-assessment"))
    assert [gap.reason for gap in sharing.check(store, [plan], TEAM)] == ["consent to share was refused."]


def test_a_record_without_consent_is_named_with_the_reason(store: Store) -> None:
    refused = add(
        store, "caf-assessment", with_share(assessment("Kai", "Fennimore", "2015-06-01"), given=False)
    )
    covered = add(
        store,
        "caf-assessment",
        with_share(assessment("Ada", "Quillfeather", "2016-02-02"), given=True, scope="all_listed"),
    )
    gaps = sharing.check(store, [refused, covered], TEAM)
    assert [(gap.record_id, gap.child, gap.reason) for gap in gaps] == [
        (refused, "Kai Fennimore", "consent to share was refused.")
    ]
    with pytest.raises(SharingRefused, match="Kai Fennimore") as refusal:
        sharing.refuse_unless_covered(gaps, None)
    assert "Nothing was shared" in str(refusal.value)


def test_the_pre_assessment_checklist_is_never_shared_even_with_a_decision(store: Store) -> None:
    checklist = add(store, "caf-pre-assessment", example("caf-pre-assessment/full"))
    gaps = sharing.check(store, [checklist], TEAM)
    assert len(gaps) == 1
    assert not gaps[0].can_share_without_consent
    decision = ShareWithoutConsent("The child has disclosed harm at home today.", "Hannah Testwell")
    with pytest.raises(SharingRefused, match="never shared"):
        sharing.refuse_unless_covered(gaps, decision)


def test_sharing_without_consent_needs_a_reason_and_is_audited_with_it(store: Store) -> None:
    refused = add(
        store, "caf-assessment", with_share(assessment("Kai", "Fennimore", "2015-06-01"), given=False)
    )
    gaps = sharing.check(store, [refused], TEAM)

    with pytest.raises(sharing.DecisionIncomplete, match="at least 20 characters"):
        sharing.refuse_unless_covered(gaps, ShareWithoutConsent("worried", "Hannah Testwell"))

    decision = ShareWithoutConsent(
        "Kai told his teacher an adult at home hurt him; the team must act today.",
        "Hannah Testwell",
        ground="child_at_risk",
        rules={"open": "Not told: telling the family could put Kai at greater risk."},
    )
    sharing.refuse_unless_covered(gaps, decision)
    sharing.log_shared(store, [refused], TEAM, purpose="bundle", without_consent=decision, gaps=gaps)

    shared = [event for event in store.audit_events(refused) if event.action == "shared"]
    assert len(shared) == 1
    assert shared[0].details["basis"] == "without consent"
    assert shared[0].details["recipient"] == TEAM
    assert shared[0].details["ground"] == "child_at_risk"
    assert "hurt him" in shared[0].details["reason"]
    assert store.verify_audit().ok


def test_shared_with_consent_is_audited_as_such(store: Store) -> None:
    covered = add(
        store, "caf-assessment", with_share(example("caf-assessment/full"), given=True, scope="all_listed")
    )
    sharing.log_shared(store, [covered], TEAM, purpose="pdf")
    (event,) = [event for event in store.audit_events(covered) if event.action == "shared"]
    assert event.details == {"recipient": TEAM, "purpose": "pdf", "basis": "consent"}


# --- the store's side: every record's consent sources in a few queries --------------------------------------


def _consent_for_one_by_one(store: Store, record_id: str) -> ConsentToShare | None:
    """How `consent_for` found the consent before `Store.consent_sources`: record by record."""
    records = store.case_records(record_id)
    own = [r for r in records if r.id == record_id]
    for record in own + [r for r in records if r.id != record_id]:
        found = ConsentToShare.from_document(record.document, record.id)
        if found is not None:
            return found
    return None


def test_consent_sources_are_the_case_records_own_first(store: Store) -> None:
    """`consent_sources` gives, for many records at once, what `case_records` gives one by one: the
    record's own document first (unless it is deleted), then the others of its case not deleted, most
    recently saved first; the consent-bearing parts of each only."""
    caf = add(
        store, "caf-assessment", with_share(example("caf-assessment/full"), given=True, scope="all_listed")
    )
    plan = add(store, "tac-meeting", example("tac-meeting/full"), same_child_as=caf)
    review = add(store, "tac-review", example("tac-review/full"), same_child_as=caf)
    refused = add(store, "caf-assessment", with_share(example("caf-assessment/full"), given=False))
    store.save(refused, with_share(example("caf-assessment/full"), given=False), definition("caf-assessment"))
    gone = add(store, "caf-assessment", with_share(assessment("Kai", "Fennimore", "2015-06-01"), given=False))
    store.delete(gone)
    nameless = add(
        store, "caf-assessment", with_share(assessment("", "", None), given=True, scope="named_only")
    )
    other = add(
        store,
        "caf-assessment",
        with_share(assessment("Ada", "Quillfeather", "2016-02-02"), given=True, scope="all_listed"),
    )
    store.autosave(other, with_share(assessment("Ada", "Quillfeather", "2016-02-02"), given=False))
    ids = [plan, caf, review, refused, gone, nameless, other, plan]

    sources = store.consent_sources(ids)

    for record_id in ids:
        records = store.case_records(record_id)
        expected = [r for r in records if r.id == record_id] + [r for r in records if r.id != record_id]
        source = sources[record_id]
        assert [r for r, _ in source.documents] == [r.id for r in expected]
        for (_, parts), record in zip(source.documents, expected, strict=True):
            assert parts == {
                k: record.document[k]
                for k in ("consent", "services", "assessor", "lead_professional")
                if record.document.get(k) is not None
            }
        info = store.get(record_id)
        assert (source.form_id, source.form_version, source.child) == (
            info.form_id,
            info.form_version,
            info.child,
        )
        assert sharing.consent_for(store, record_id) == _consent_for_one_by_one(store, record_id)
    assert sharing.consent_for(store, plan) is not None
    refused_now = sharing.consent_for(store, other)  # its typing, kept by autosave, refuses it now
    assert refused_now is not None
    assert not refused_now.given
    assert [gap.record_id for gap in sharing.check(store, ids, TEAM, today=TODAY)] == [
        refused,
        gone,
        nameless,
        other,
    ]


def test_consent_sources_of_a_record_not_there(store: Store) -> None:
    from caf_desktop.store.store import RecordNotFound

    known = add(store, "caf-assessment", example("caf-assessment/full"))
    with pytest.raises(RecordNotFound, match="no-such-record"):
        store.consent_sources([known, "no-such-record"])
    with pytest.raises(RecordNotFound):
        sharing.check(store, [known, "no-such-record"], TEAM)


def test_sharing_many_records_is_audited_in_one_go_in_order(store: Store) -> None:
    covered = add(
        store, "caf-assessment", with_share(example("caf-assessment/full"), given=True, scope="all_listed")
    )
    refused = add(
        store, "caf-assessment", with_share(assessment("Kai", "Fennimore", "2015-06-01"), given=False)
    )
    gaps = sharing.check(store, [covered, refused], TEAM)
    decision = ShareWithoutConsent("Kai told his teacher an adult at home hurt him today.", "Hannah Testwell")

    sharing.log_shared(store, [covered, refused], TEAM, purpose="bundle", without_consent=decision, gaps=gaps)

    shared = [(e.record_uuid, e.details["basis"]) for e in store.audit_events() if e.action == "shared"]
    assert shared == [(covered, "consent"), (refused, "without consent")]
    assert store.verify_audit().ok
