"""The editable document: the truth behind a form's widgets, with item identity and undo."""

from __future__ import annotations

from caf_desktop.formengine.document import Change, EditableDocument


def document(data: dict | None = None) -> tuple[EditableDocument, list[Change]]:
    doc = EditableDocument()
    doc.reset(data or {})
    seen: list[Change] = []
    doc.subscribe(seen.append)
    return doc, seen


def test_setting_an_answer_creates_its_groups_and_notifies() -> None:
    doc, seen = document()
    doc.set("/child/family_name", "Example", origin="widget")
    assert doc.data == {"child": {"family_name": "Example"}}
    assert seen == [Change("/child/family_name", "value", "widget")]
    assert doc.modified


def test_clearing_the_last_answer_of_a_group_removes_the_group() -> None:
    doc, _ = document({"child": {"family_name": "Example"}, "other": 1})
    doc.set("/child/family_name", None)
    assert doc.data == {"other": 1}


def test_typing_in_one_field_is_one_undo_step() -> None:
    doc, _ = document()
    for text in ("E", "Ex", "Exa"):
        doc.set("/name", text, coalesce=True)
    doc.close_step()
    doc.set("/name", "Exam", coalesce=True)
    assert doc.undo() == "/name"
    assert doc.get("/name") == "Exa"
    doc.undo()
    assert doc.data == {}
    assert not doc.can_undo
    doc.redo()
    doc.redo()
    assert doc.get("/name") == "Exam"


def test_typing_in_another_field_starts_a_new_step() -> None:
    doc, _ = document()
    doc.set("/a", "1", coalesce=True)
    doc.set("/b", "2", coalesce=True)
    doc.set("/a", "11", coalesce=True)
    doc.undo()
    assert doc.data == {"a": "1", "b": "2"}


def test_items_keep_their_identity_when_moved() -> None:
    doc, seen = document({"services": [{"name": "GP"}, {"name": "School"}, {"name": "Health visitor"}]})
    ids = doc.item_ids("/services")
    doc.move_item("/services", 0, 2)
    assert [s["name"] for s in doc.get("/services")] == ["School", "Health visitor", "GP"]
    assert doc.item_ids("/services") == [ids[1], ids[2], ids[0]]
    assert doc.index_of("/services", ids[0]) == 2
    assert seen[-1] == Change("/services", "items")
    # An edit addressed by identity goes to the right item after the move.
    doc.set(f"/services/{doc.index_of('/services', ids[0])}/name", "GP surgery")
    assert doc.get("/services/2/name") == "GP surgery"


def test_removing_an_item_can_be_undone_with_its_identity() -> None:
    doc, _ = document({"services": [{"name": "GP"}, {"name": "School"}]})
    ids = doc.item_ids("/services")
    removed = doc.remove_item("/services", 0)
    assert removed == {"name": "GP"}
    assert doc.item_ids("/services") == [ids[1]]
    doc.undo()
    assert doc.get("/services") == [{"name": "GP"}, {"name": "School"}]
    assert doc.item_ids("/services") == ids


def test_duplicate_copies_the_item_after_itself() -> None:
    doc, _ = document({"services": [{"name": "GP", "contact": {"phone": "01632 960001"}}]})
    new_id = doc.duplicate_item("/services", 0)
    assert doc.get("/services/1") == {"name": "GP", "contact": {"phone": "01632 960001"}}
    doc.set("/services/1/contact/phone", "01632 960002")
    assert doc.get("/services/0/contact/phone") == "01632 960001"  # a copy, not the same object
    assert doc.item_ids("/services")[1] == new_id


def test_adding_to_a_list_that_does_not_exist_yet() -> None:
    doc, _ = document()
    doc.append_item("/actions", {})
    assert doc.data == {"actions": [{}]}
    doc.undo()
    assert doc.data == {}


def test_reset_replaces_everything_and_clears_undo() -> None:
    doc, seen = document({"a": 1})
    doc.set("/a", 2)
    doc.reset({"b": 3})
    assert doc.data == {"b": 3}
    assert not doc.can_undo
    assert not doc.modified
    assert seen[-1] == Change("", "reset")


def test_setting_the_same_value_is_not_a_change() -> None:
    doc, seen = document({"a": 1})
    doc.set("/a", 1)
    assert seen == []
    assert not doc.can_undo
    doc.set("/a", 1.0)  # a different JSON value, though equal in Python
    assert doc.get("/a") == 1.0
    assert isinstance(doc.get("/a"), float)
