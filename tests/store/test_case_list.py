"""The case list: search, filters, order and paging, on both backends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from caf_desktop.store.store import RecordInfo, RecordQuery, Store, fold

from tests.store.support import assessment, definition, example

ORDER_COLUMNS = ("child", "dob", "form", "status", "level", "lead", "updated", "review")


def _meeting(given: str, family: str, dob: str, review: str, lead: str) -> dict[str, Any]:
    document = example("tac-meeting/full")
    document["child"].update(given_names=given, family_name=family, date_of_birth=dob)
    document["outcome"]["next_review_date"] = review
    document["lead_professional"]["name"] = lead
    return document


def fill(store: Store) -> list[RecordInfo]:
    """Seven records with different children, forms, statuses, levels, leads and reviews, in the
    order they were added (some values left empty, as in real case lists)."""
    caf = definition("caf-assessment")
    meeting = definition("tac-meeting")
    added = [
        store.add_record(caf, assessment(reference="MK-1", level=3, lead="Hannah Testwell")),
        store.add_record(caf, assessment("Barnaby", "Okonkwo", "2020-02-29", level=2, lead="Ade Bello")),
        store.add_record(caf, assessment("Alfie", "Imaginary-Jones", "2019-09-03", level=1)),
        store.add_record(
            meeting, _meeting("Rufus", "Pemberton-Iwu", "2022-01-30", "2027-01-14", "Cara Dunn")
        ),
        store.add_record(meeting, _meeting("Ottilie", "Brackley", "2016-07-21", "2026-12-01", "Bea Ames")),
        store.add_record(caf, assessment("Siân", "Evans", "2015-05-05", level=4, lead="Dai Jones")),
        store.add_record(definition("caf-closure"), example("caf-closure/full")),
    ]
    store.set_status(added[1].id, "complete")
    store.set_status(added[3].id, "signed")
    store.set_status(added[5].id, "complete")
    store.set_status(added[6].id, "closed")
    return [store.get(record.id) for record in added]


def _value(info: RecordInfo, column: str) -> Any:
    return {
        "child": fold(info.child),
        "dob": info.child_dob,
        "form": info.form_id,
        "status": info.status,
        "level": info.level,
        "lead": info.lead_professional,
        "updated": info.updated,
        "review": info.next_review,
    }[column]


def _ids(records: list[RecordInfo]) -> list[str]:
    return [r.id for r in records]


# --- search ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "search",
    ["zoe luk", "luk zoe", "ZOË", "Łukasiewicz", "lukasiewicz-o'brien", "  zoe   luk  ", "mk-1"],
    ids=["folded", "any-order", "upper-accented", "accented-family", "family", "spaces", "reference"],
)
def test_search_is_folded_and_takes_words_in_any_order(store: Store, search: str) -> None:
    records = fill(store)
    found = store.list_records(RecordQuery(search=search))
    assert _ids(found) == [records[0].id]
    assert found[0].child == "Zoë Łukasiewicz-O'Brien"
    assert store.count(RecordQuery(search=search)) == 1


def test_search_finds_the_form_and_the_reference(store: Store) -> None:
    records = fill(store)
    assert set(_ids(store.list_records(RecordQuery(search="tac-meeting")))) == {
        records[3].id,
        records[4].id,
    }
    assert _ids(store.list_records(RecordQuery(search="closure ashdown-varga"))) == [records[6].id]
    assert store.list_records(RecordQuery(search="zoe okonkwo")) == []
    assert len(store.list_records(RecordQuery(search="   "))) == len(records)


def test_percent_underscore_and_backslash_are_literal_in_a_search(store: Store) -> None:
    caf = definition("caf-assessment")
    percent = store.add_record(caf, assessment("Ann", "Able", reference="Q4 100%"))
    underscore = store.add_record(caf, assessment("Ben", "Bold", reference="REF_7"))
    store.add_record(caf, assessment("Cat", "Cole", reference="REFX7"))
    backslash = store.add_record(caf, assessment("Dan", "Dale", reference="A\\B"))
    store.add_record(caf, assessment("Eve", "Ezra", reference="AB"))

    def found(search: str) -> list[str]:
        return _ids(store.list_records(RecordQuery(search=search)))

    assert found("%") == [percent.id]
    assert found("100%") == [percent.id]
    assert found("_") == [underscore.id]
    assert found("ref_7") == [underscore.id]
    assert found("\\") == [backslash.id]
    assert found("a\\b") == [backslash.id]
    assert store.count(RecordQuery(search="%")) == 1


# --- filters -------------------------------------------------------------------------------------------------


def test_filters_by_status_and_level(store: Store) -> None:
    records = fill(store)

    def found(**query: Any) -> set[str]:
        return set(_ids(store.list_records(RecordQuery(**query))))

    assert found(statuses=["complete"]) == {records[1].id, records[5].id}
    assert found(statuses=["draft", "signed"]) == {records[0].id, records[2].id, records[4].id, records[3].id}
    assert found(statuses=["shared"]) == set()
    assert found(levels=[3]) == {records[0].id}
    assert found(levels=[1, 2]) == {records[1].id, records[2].id}
    assert found(levels=[2], statuses=["complete"]) == {records[1].id}
    assert found(levels=[2], statuses=["draft"]) == set()
    assert found(statuses=["complete"], search="okonkwo") == {records[1].id}
    for query in (
        RecordQuery(statuses=["complete"]),
        RecordQuery(levels=[1, 2, 3, 4]),
        RecordQuery(levels=[2], statuses=["complete"]),
        RecordQuery(search="zoe", levels=[3]),
    ):
        assert store.count(query) == len(store.list_records(query))


# --- order and paging -----------------------------------------------------------------------------------------


def _expected_order(records: list[RecordInfo], column: str, descending: bool) -> list[str]:
    """Ordered by the column, ties broken by the order records were added, in the same direction
    (as the store breaks them, by row id, so paging can follow one index)."""
    in_tie_order = list(reversed(records)) if descending else records  # sorted() keeps ties in input order
    present = [r for r in in_tie_order if _value(r, column) is not None]
    return _ids(sorted(present, key=lambda r: _value(r, column), reverse=descending))


@pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
@pytest.mark.parametrize("column", ORDER_COLUMNS)
def test_order_by_each_column_both_ways(store: Store, column: str, descending: bool) -> None:
    records = fill(store)

    listed = store.list_records(RecordQuery(order_by=column, descending=descending))

    assert len(listed) == len(records)
    with_value = [r.id for r in listed if _value(r, column) is not None]
    assert with_value == _expected_order(records, column, descending)
    # Records without the value (no level on a meeting, no review on an assessment) stay together.
    blanks = [i for i, r in enumerate(listed) if _value(r, column) is None]
    assert blanks in ([], list(range(len(blanks))), list(range(len(listed) - len(blanks), len(listed))))


def test_an_unknown_order_falls_back_to_the_last_update(store: Store) -> None:
    fill(store)
    assert _ids(store.list_records(RecordQuery(order_by="nonsense"))) == _ids(
        store.list_records(RecordQuery(order_by="updated"))
    )


def test_the_default_order_is_the_last_updated_first(store: Store) -> None:
    records = fill(store)
    store.autosave(records[2].id, records[2].document)
    assert _ids(store.list_records())[0] == records[2].id


def test_pages_cover_the_list_once(store: Store) -> None:
    records = fill(store)
    for column in ("child", "level"):
        query = RecordQuery(order_by=column, descending=False)
        whole = _ids(store.list_records(query))
        pages: list[str] = []
        for offset in range(0, len(records) + 3, 3):
            page = store.list_records(RecordQuery(order_by=column, descending=False, offset=offset, limit=3))
            assert len(page) <= 3
            pages += _ids(page)
        assert pages == whole
        assert store.count(query) == len(whole) == len(records)
    beyond = RecordQuery(offset=len(records), limit=5)
    assert store.list_records(beyond) == []
    assert store.count(beyond) == len(records)  # count ignores the page: it sizes the whole list


def test_the_list_leaves_documents_out(store: Store) -> None:
    fill(store)
    listed = store.list_records()
    assert all(r.document == {} for r in listed)
    assert all(r.case_id is not None for r in listed)


# --- the two backends agree ------------------------------------------------------------------------------------


def test_both_backends_order_blanks_the_same_way(
    sqlcipher_store: Store, pg_store_factory: Callable[..., Store]
) -> None:
    """A team moving from a laptop to PostgreSQL sees the same case list: records with no level,
    lead or review date sort to the same end on both."""
    postgres = pg_store_factory()
    lite_records, pg_records = fill(sqlcipher_store), fill(postgres)
    lite_names = {r.id: r.child for r in lite_records}
    pg_names = {r.id: r.child for r in pg_records}

    differences = []
    for column in ("dob", "level", "lead", "review"):
        for descending in (False, True):
            query = RecordQuery(order_by=column, descending=descending)
            lite = [lite_names[r.id] for r in sqlcipher_store.list_records(query)]
            pg = [pg_names[r.id] for r in postgres.list_records(query)]
            if lite != pg:
                differences.append(
                    f"{column} {'desc' if descending else 'asc'}: SQLCipher {lite} / PostgreSQL {pg}"
                )
    assert differences == []


def test_dates_and_times_come_back_the_same_on_each_backend(store: Store) -> None:
    records = fill(store)
    for record in records:
        assert record.created.tzinfo is not None
        assert record.updated.utcoffset() == dt.timedelta(0)
        assert record.updated >= record.created


@pytest.mark.parametrize(
    ("given", "family", "search"),
    [
        ("Søren", "Ødegård", "soren odegard"),  # Danish and Norwegian ø, like Polish ł, does not decompose
        ("Luka", "Đorđević", "luka dordevic"),  # Serbo-Croatian đ
        ("Zoë", "Łukasiewicz", "zoe lukasiewicz"),
    ],
    ids=["o-with-stroke", "d-with-stroke", "l-with-stroke"],
)
def test_search_folds_letters_with_a_stroke(store: Store, given: str, family: str, search: str) -> None:
    """Practitioners type names on an English keyboard: a letter with a stroke is found by its
    plain letter, as "Ł" is by "L"."""
    record = store.add_record(definition("caf-assessment"), assessment(given, family, "2019-01-01"))
    assert _ids(store.list_records(RecordQuery(search=search))) == [record.id]
    assert [m.name for m in store.find_children(given, search.split()[1], dt.date(2019, 1, 1))] == [
        f"{given} {family}"
    ]
