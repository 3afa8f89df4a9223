"""Records, children and cases, revisions, status, deletion and consents, on both backends."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from caf_desktop.common.errors import CafError
from caf_desktop.store import clock
from caf_desktop.store import store as store_module
from caf_desktop.store.models import Case, Child, Consent, Record, Revision
from caf_desktop.store.store import RecordNotFound, RecordQuery, Store, summarise
from sqlalchemy import func, select

from tests.store.support import (
    EXAMPLE_IDS,
    assessment,
    definition,
    edited,
    example,
    example_form,
    size_of,
)


def canonical(document: object) -> str:
    return json.dumps(document, sort_keys=True, ensure_ascii=False)


# --- every shipped example goes in and comes out unchanged ----------------------------------------------


@pytest.mark.parametrize("name", EXAMPLE_IDS)
def test_each_example_is_stored_and_read_back_unchanged(store: Store, name: str) -> None:
    form = definition(example_form(name))
    document = example(name)
    pristine = canonical(document)
    summary = summarise(form, document)

    added = store.add_record(form, document)
    got = store.get(added.id)

    assert canonical(got.document) == pristine
    assert got.document == example(name)
    assert got.id == added.id
    assert (got.form_id, got.form_version, got.definition_digest) == (form.id, form.version, form.digest)
    assert got.status == "draft"
    assert got.version == 1
    assert got.base_version is None
    assert got.child == summary.child_name
    assert got.child
    assert got.child_dob == (summary.date_of_birth or summary.expected_date)
    assert got.level == summary.level
    assert got.lead_professional == summary.lead_professional
    assert got.next_review == summary.next_review
    assert got.deleted is None
    assert not got.has_unsaved_changes
    assert got.created.tzinfo is not None
    assert got.case_id is not None
    assert [r.number for r in store.revisions(added.id)] == [1]
    assert store.revisions(added.id)[0].reason == "created"
    assert store.revisions(added.id)[0].document == example(name)


def test_case_list_facts_come_from_the_definitions_subject(store: Store) -> None:
    """The facts that the case list shows are read at the definition's pointers, per form."""
    full = store.get(store.add_record(definition("caf-assessment"), example("caf-assessment/full")).id)
    assert (full.child, full.child_dob) == ("Zoë Łukasiewicz-O'Brien", dt.date(2017, 3, 14))
    assert (full.level, full.lead_professional, full.next_review) == (3, "Hannah Testwell", None)

    meeting = store.get(store.add_record(definition("tac-meeting"), example("tac-meeting/full")).id)
    assert meeting.lead_professional == "Tomáš Dvořák"
    assert meeting.next_review == dt.date(2027, 1, 14)
    assert meeting.level is None

    unborn = store.get(store.add_record(definition("caf-assessment"), example("caf-assessment/unborn")).id)
    assert unborn.child_dob == dt.date(2027, 5, 20)  # the expected date stands in for the birth date
    assert unborn.level == 2


def test_a_record_of_an_unknown_id_is_a_plain_error(store: Store) -> None:
    with pytest.raises(RecordNotFound, match="There is no record 'no-such-record'"):
        store.get("no-such-record")


def test_names_at_the_schemas_longest_are_stored(store: Store) -> None:
    """The schema allows 200 characters for each of given and family names (and the reference)."""
    form = definition("caf-assessment")
    document = assessment("G" * 200, "F" * 200, reference="R" * 200, lead="L" * 200, level=2)

    added = store.add_record(form, document)

    got = store.get(added.id)
    assert got.child == "G" * 200 + " " + "F" * 200
    assert got.document == document


# --- children and cases ------------------------------------------------------------------------------------


def test_a_second_record_for_the_same_child_joins_the_open_case(store: Store) -> None:
    form = definition("caf-assessment")
    first = store.add_record(form, assessment(level=3, lead="Hannah Testwell"))
    assert first.case_id is not None

    matches = store.find_children("Zoë", "Łukasiewicz-O'Brien", dt.date(2017, 3, 14))
    assert len(matches) == 1
    match = matches[0]
    assert match.exact
    assert match.name == "Zoë Łukasiewicz-O'Brien"
    assert match.date_of_birth == dt.date(2017, 3, 14)

    second = store.add_record(definition("tac-review"), _review_for_zoe(), child_id=match.id)
    assert second.case_id == first.case_id

    with store.session() as session:
        assert session.scalar(select(func.count()).select_from(Child)) == 1
        assert session.scalar(select(func.count()).select_from(Case)) == 1
        case = session.scalars(select(Case)).one()
        assert case.status == "open"
        assert case.agreed_level == 3
        assert case.lead_professional == "Hannah Testwell"
        assert case.next_review == dt.date(2027, 1, 12)  # from the review


def _review_for_zoe() -> dict[str, object]:
    review = example("tac-review/full")
    review["child"].update(given_names="Zoë", family_name="Łukasiewicz-O'Brien", date_of_birth="2017-03-14")
    return review


def test_an_unknown_child_id_is_a_plain_error(store: Store) -> None:
    with pytest.raises(CafError, match="There is no child 'nobody'"):
        store.add_record(definition("caf-assessment"), assessment(), child_id="nobody")
    assert store.count() == 0


@pytest.mark.parametrize(
    ("given", "family"),
    [
        ("Zoë", "Łukasiewicz-O'Brien"),  # the same
        ("Zoe", "Lukasiewicz-O'Brien"),  # typed without the accents
        ("zoe", "LUKASIEWICZ-O'BRIEN"),  # other case
        ("Zoe", "Lukasiewicz-OBrien"),  # the apostrophe left out
        ("Zoë", "Łukasiewitz-O'Brien"),  # a misspelling
    ],
    ids=["same", "no-accents", "other-case", "no-apostrophe", "misspelt"],
)
def test_find_children_offers_the_child_for_close_spellings(store: Store, given: str, family: str) -> None:
    store.add_record(definition("caf-assessment"), assessment())
    store.add_record(definition("caf-assessment"), assessment("Barnaby", "Okonkwo", "2020-02-29"))

    matches = store.find_children(given, family, dt.date(2017, 3, 14))

    assert [m.name for m in matches] == ["Zoë Łukasiewicz-O'Brien"]


def test_find_children_does_not_offer_another_family_or_another_birthday(store: Store) -> None:
    store.add_record(definition("caf-assessment"), assessment())

    assert store.find_children("Zoë", "Okonkwo", dt.date(2017, 3, 14)) == []
    assert store.find_children("Zoë", "Lukas", dt.date(2017, 3, 14)) == []
    assert store.find_children("Zoë", "Łukasiewicz-O'Brien", dt.date(2013, 5, 14)) == []
    assert store.find_children("Zoë", "", dt.date(2017, 3, 14)) == []


def test_find_children_marks_only_the_same_family_and_birthday_as_exact(store: Store) -> None:
    store.add_record(definition("caf-assessment"), assessment())

    [misspelt] = store.find_children("Zoë", "Łukasiewitz-O'Brien", dt.date(2017, 3, 14))
    assert not misspelt.exact
    [folded] = store.find_children("Zoe", "lukasiewicz-o'brien", dt.date(2017, 3, 14))
    assert folded.exact
    [no_birthday] = store.find_children("Zoë", "Łukasiewicz-O'Brien", None)
    assert not no_birthday.exact


# --- autosave, save, revisions, restore ---------------------------------------------------------------------


def test_autosave_keeps_the_working_copy_without_a_revision(store: Store) -> None:
    form = definition("caf-assessment")
    original = assessment()
    record = store.add_record(form, original)
    typed = edited(original, "first words")

    store.autosave(record.id, typed)

    got = store.get(record.id)
    assert got.document == typed
    assert got.version == 1
    assert got.has_unsaved_changes
    assert got.autosaved is not None
    assert [r.number for r in store.revisions(record.id)] == [1]
    assert store.revisions(record.id)[0].document == original
    assert [u.id for u in store.unsaved()] == [record.id]
    assert store.unsaved()[0].document == typed

    more = edited(original, "first words, and more")
    store.autosave(record.id, more, form)
    assert store.get(record.id).document == more
    assert [r.number for r in store.revisions(record.id)] == [1]

    saved = store.save(record.id, more, form)

    assert saved.number == 2
    got = store.get(record.id)
    assert not got.has_unsaved_changes
    assert got.version == 2
    assert store.unsaved() == []
    assert store.revisions(record.id)[-1].document == more


def test_autosave_with_the_definition_updates_the_case_list(store: Store) -> None:
    form = definition("caf-assessment")
    record = store.add_record(form, assessment())
    renamed = assessment("Zofia")

    store.autosave(record.id, renamed)
    assert store.get(record.id).child == "Zoë Łukasiewicz-O'Brien"  # without the definition: unchanged
    store.autosave(record.id, renamed, form)
    assert store.get(record.id).child == "Zofia Łukasiewicz-O'Brien"
    assert [r.id for r in store.list_records(RecordQuery(search="zofia"))] == [record.id]


def test_saves_make_numbered_revisions_with_their_reasons(store: Store) -> None:
    form = definition("caf-assessment")
    documents = [edited(assessment(), f"version {n}") for n in range(1, 5)]
    record = store.add_record(form, documents[0])

    assert store.save(record.id, documents[1], form).number == 2
    assert store.save(record.id, documents[2], form, reason="after the TAC meeting").number == 3
    assert store.save(record.id, documents[3], form, status="complete").number == 4

    revisions = store.revisions(record.id)
    assert [r.number for r in revisions] == [1, 2, 3, 4]
    assert [r.reason for r in revisions] == ["created", "saved", "after the TAC meeting", "saved"]
    assert [r.status for r in revisions] == ["draft", "draft", "draft", "complete"]
    assert [r.document for r in revisions] == documents
    assert {r.author for r in revisions} == {"Test Worker"}
    assert all(r.created.tzinfo is not None for r in revisions)
    assert revisions == sorted(revisions, key=lambda r: r.created)
    got = store.get(record.id)
    assert got.version == 4
    assert got.status == "complete"
    assert got.saved is not None


def test_restore_is_a_new_revision_and_rewrites_nothing(store: Store) -> None:
    form = definition("caf-assessment")
    documents = [edited(assessment(), f"version {n}") for n in range(1, 4)]
    record = store.add_record(form, documents[0])
    store.save(record.id, documents[1], form)
    store.save(record.id, documents[2], form)
    before = store.revisions(record.id)

    restored = store.restore(record.id, 1, form)

    assert restored.number == 4
    assert restored.reason == "restored from revision 1"
    after = store.revisions(record.id)
    assert after[:3] == before
    assert after[3].document == documents[0]
    assert after[3].reason == "restored from revision 1"
    got = store.get(record.id)
    assert got.document == documents[0]
    assert got.version == 4

    store.restore(record.id, 3, form)
    assert store.get(record.id).document == documents[2]
    assert [r.number for r in store.revisions(record.id)] == [1, 2, 3, 4, 5]
    assert store.revisions(record.id)[:4] == after

    with pytest.raises(CafError, match="has no revision 9"):
        store.restore(record.id, 9, form)


def test_an_autosave_after_a_save_is_unsaved_again(store: Store) -> None:
    form = definition("caf-assessment")
    record = store.add_record(form, assessment())
    store.autosave(record.id, edited(assessment(), "a"))
    store.save(record.id, edited(assessment(), "a"), form)

    store.autosave(record.id, edited(assessment(), "b"))

    got = store.get(record.id)
    assert got.has_unsaved_changes
    assert [u.id for u in store.unsaved()] == [record.id]


def test_a_150_kb_document_autosaves(store: Store) -> None:
    form = definition("caf-assessment")
    document = example("caf-assessment/full")
    record = store.add_record(form, document)
    big = edited(document, "Ż" * 10)
    big["development"]["notes_from_home_visits"] = [
        {"date": f"2026-11-{day % 28 + 1:02d}", "note": f"Visit {day}: " + "Zoë said she felt safe. " * 60}
        for day in range(100)
    ]
    assert size_of(big) > 150_000

    store.autosave(record.id, big)
    store.autosave(record.id, edited(big, "and one more line"))

    got = store.get(record.id)
    assert got.document == edited(big, "and one more line")
    assert got.has_unsaved_changes


def test_documents_keep_unusual_json_values(store: Store) -> None:
    """What a form may hold: nested empties, big and small numbers, emoji, right-to-left text."""
    form = definition("caf-assessment")
    document = assessment()
    document["extra"] = {
        "empty_object": {},
        "empty_list": [],
        "nothing": None,
        "big": 2**53 + 1,
        "negative": -7,
        "fraction": 0.1,
        "flags": [True, False],
        "emoji": "🧒🏽 said 👍",
        "arabic": "مرحبا",
        "quotes": 'O\'Brien "Zo" \\ back',
        "newlines": "line 1\nline 2\r\n\ttabbed",
    }
    record = store.add_record(form, document)
    store.autosave(record.id, document)
    assert store.get(record.id).document == document
    store.save(record.id, document, form)
    assert store.revisions(record.id)[-1].document == document


# --- status ----------------------------------------------------------------------------------------------------


def test_status_changes(store: Store) -> None:
    form = definition("caf-assessment")
    record = store.add_record(form, assessment())
    for status in ("complete", "signed", "shared", "closed", "draft"):
        store.set_status(record.id, status)
        assert store.get(record.id).status == status
    with pytest.raises(CafError, match="'finished' is not a record status"):
        store.set_status(record.id, "finished")
    assert store.get(record.id).status == "draft"


def test_saving_as_complete_is_audited_as_completed(store: Store) -> None:
    form = definition("caf-assessment")
    record = store.add_record(form, assessment())

    store.save(record.id, assessment(), form, status="complete")

    assert store.get(record.id).status == "complete"
    actions = [e.action for e in store.audit_events(record.id)]
    assert actions == ["created", "completed"]
    assert store.audit_events(record.id)[-1].details == {"revision": 2, "version": 2}


def test_a_record_can_be_added_with_a_status(store: Store) -> None:
    record = store.add_record(definition("caf-closure"), example("caf-closure/full"), status="complete")
    assert store.get(record.id).status == "complete"
    assert store.revisions(record.id)[0].status == "complete"


# --- deletion, retention and purge -------------------------------------------------------------------------------


def test_delete_hides_and_undelete_brings_back(store: Store) -> None:
    form = definition("caf-assessment")
    kept = store.add_record(form, assessment("Barnaby", "Okonkwo", "2020-02-29"))
    record = store.add_record(form, assessment())

    store.delete(record.id)

    assert [r.id for r in store.list_records()] == [kept.id]
    assert store.count() == 1
    everything = store.list_records(RecordQuery(include_deleted=True))
    assert {r.id for r in everything} == {kept.id, record.id}
    assert store.count(RecordQuery(include_deleted=True)) == 2
    assert store.get(record.id).deleted is not None
    assert store.list_records(RecordQuery(search="zoe")) == []

    store.undelete(record.id)

    assert {r.id for r in store.list_records()} == {kept.id, record.id}
    assert store.count() == 2
    assert store.get(record.id).deleted is None


def test_an_autosaved_deleted_record_is_not_offered_for_recovery(store: Store) -> None:
    form = definition("caf-assessment")
    record = store.add_record(form, assessment())
    store.autosave(record.id, edited(assessment(), "typing"))
    store.delete(record.id)
    assert store.unsaved() == []


def test_purge_removes_records_deleted_long_ago_and_keeps_recent_ones(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    form = definition("caf-assessment")
    old = store.add_record(form, assessment())
    store.save(old.id, edited(assessment(), "more"), form)
    recent = store.add_record(form, assessment("Barnaby", "Okonkwo", "2020-02-29"))
    alive = store.add_record(form, assessment("Rufus", "Pemberton-Iwu", "2022-01-30"))
    start = store_module.now()

    store.delete(old.id)
    monkeypatch.setattr(clock, "now", lambda: start + dt.timedelta(days=20))
    store.delete(recent.id)
    monkeypatch.undo()

    assert store.purge_deleted() == 0  # nothing is 30 days old yet
    assert store.purge_deleted(older_than_days=30, at=start + dt.timedelta(days=31)) == 1

    with pytest.raises(RecordNotFound):
        store.get(old.id)
    assert store.get(recent.id).deleted is not None
    assert store.get(alive.id).deleted is None
    assert {r.id for r in store.list_records(RecordQuery(include_deleted=True))} == {recent.id, alive.id}
    with store.session() as session:
        assert session.scalars(select(Record).where(Record.uuid == old.id)).first() is None
        kept_ids = set(session.scalars(select(Record.id)))
        assert set(session.scalars(select(Revision.record_id))) == kept_ids
        assert set(session.scalars(select(Consent.record_id))) == kept_ids
    assert [e.action for e in store.audit_events(old.id)] == ["created", "changed", "deleted", "purged"]
    assert store.audit_events(old.id)[-1].actor == "Test Worker"
    assert store.verify_audit().ok

    assert store.purge_deleted(older_than_days=30, at=start + dt.timedelta(days=51)) == 1
    assert store.count(RecordQuery(include_deleted=True)) == 1


# --- consents ----------------------------------------------------------------------------------------------------


def _consents(store: Store, record_id: str) -> dict[str, Consent]:
    with store.session() as session:
        record = session.scalars(select(Record).where(Record.uuid == record_id)).one()
        rows = list(session.scalars(select(Consent).where(Consent.record_id == record.id)))
        session.expunge_all()
    return {row.kind: row for row in rows}


def test_consents_are_written_from_the_assessment(store: Store) -> None:
    form = definition("caf-assessment")
    record = store.add_record(form, example("caf-assessment/full"))

    consents = _consents(store, record.id)

    assert set(consents) == {"assess", "share"}
    assess, share = consents["assess"], consents["share"]
    assert assess.given is True
    assert assess.given_by == "Agnieszka Łukasiewicz"
    assert assess.role == "parent_with_pr"
    assert assess.basis == "parental_responsibility"
    assert assess.given_on == dt.date(2026, 11, 2)
    assert assess.withdrawn_on is None
    assert share.given is True
    assert share.scope == "named_only"
    assert share.given_on == dt.date(2026, 11, 20)
    assert share.agencies is not None
    assert "Brightwell Primary School" in share.agencies
    assert len(share.agencies) == 5


def test_consents_follow_a_saved_change(store: Store) -> None:
    form = definition("caf-assessment")
    document = example("caf-assessment/full")
    record = store.add_record(form, document)
    document["consent"]["share"].update(withdrawn=True, withdrawn_date="2026-12-01")
    document["consent"]["assess"]["given"] = False

    store.save(record.id, document, form)

    consents = _consents(store, record.id)
    assert len(consents) == 2  # updated in place, not added again
    assert consents["share"].withdrawn_on == dt.date(2026, 12, 1)
    assert consents["assess"].given is False


def test_a_form_without_consent_writes_no_consent_rows(store: Store) -> None:
    record = store.add_record(definition("tac-review"), example("tac-review/full"))
    assert _consents(store, record.id) == {}
