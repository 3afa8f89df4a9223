"""FormView driven with real widgets: every kind of answer, rules, lists, problems and the keyboard."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from caf_desktop.gui.form.qt_containers import RepeatEditor
from caf_desktop.gui.form.qt_fields import DateEditor, TextAreaEditor
from caf_desktop.gui.form.view import FormView
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QWidget,
)

from tests.conftest import EXAMPLES
from tests.gui.conftest import focused, type_text

Show = Callable[[FormView], FormView]

KINDS: dict[str, Any] = {
    "title": "Every kind",
    "type": "object",
    "$defs": {"yes_no": {"type": "boolean", "title": "Agreed?"}},
    "properties": {
        "name": {"type": "string", "title": "Name", "maxLength": 40},
        "story": {"type": "string", "title": "Story", "maxLength": 500},
        "email": {"type": "string", "title": "Email", "format": "email"},
        "phone": {"type": "string", "title": "Telephone", "format": "uk-phone"},
        "age": {"type": "integer", "title": "Age", "minimum": 0, "maximum": 25},
        "score": {"type": "number", "title": "Score"},
        "consented": {"type": "boolean", "title": "Consented"},
        "agreed": {"$ref": "#/$defs/yes_no"},
        "born": {"type": "string", "title": "Date of birth", "format": "date", "formatMaximum": "today"},
        "met": {"type": "string", "title": "Met at", "format": "date-time"},
        "tier": {
            "type": "string",
            "title": "Tier",
            "oneOf": [
                {"const": "universal", "title": "Universal"},
                {"const": "targeted", "title": "Targeted"},
            ],
        },
        "colour": {
            "type": "string",
            "title": "Colour",
            "enum": ["red", "orange", "yellow", "green", "blue", "indigo", "violet"],
        },
        "worries": {
            "type": "array",
            "title": "Worries",
            "uniqueItems": True,
            "items": {
                "oneOf": [
                    {"const": "sleep", "title": "Sleep"},
                    {"const": "school", "title": "School"},
                    {"const": "money", "title": "Money"},
                ]
            },
        },
        "notes": {"type": "array", "title": "Agencies", "items": {"type": "string"}},
        "address": {
            "type": "object",
            "title": "Address",
            "properties": {
                "line": {"type": "string", "title": "First line"},
                "postcode": {"type": "string", "title": "Postcode", "format": "uk-postcode"},
            },
        },
        "services": {
            "type": "array",
            "title": "Services",
            "items": {
                "type": "object",
                "title": "Service",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string", "title": "Service name"},
                    "contact": {"type": "string", "title": "Contact"},
                },
            },
        },
        "fixed": {"type": "string", "title": "Fixed", "readOnly": True, "default": "constant"},
    },
}


def kinds_view(show: Show, document: dict[str, Any] | None = None) -> FormView:
    view = show(FormView.from_schema(KINDS))
    view.set_value(document or {})  # start empty: the read-only answer's default is not wanted here
    view.build_all()
    return view


def click(qtbot: Any, button: QWidget) -> None:
    """Clicks a check box or radio button on its box, where a person would click."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def widget(view: FormView, pointer: str) -> QWidget:
    found = view.findChild(QWidget, pointer)
    assert found is not None, f"no widget named {pointer}"
    return found


# --- the contract ------------------------------------------------------------------------------------------


def test_every_input_is_named_by_its_pointer_and_whose_and_what_it_is(show: Show) -> None:
    view = kinds_view(show)
    for pointer, title in [
        ("/name", "Every kind: name"),  # the section, when no group holds the question
        ("/story", "Every kind: story"),
        ("/age", "Every kind: age"),
        ("/tier", "Every kind: tier"),
        ("/address/postcode", "Address: postcode"),
    ]:
        assert widget(view, pointer).accessibleName() == title


def test_labels_are_buddies_of_their_inputs(show: Show) -> None:
    view = kinds_view(show)
    label = view.findChild(QLabel, "label:/name")
    assert label is not None
    assert label.buddy() is widget(view, "/name")


def test_help_and_the_current_error_are_the_accessible_description(show: Show) -> None:
    schema = {
        "type": "object",
        "properties": {
            "age": {"type": "integer", "title": "Age", "description": "In whole years.", "maximum": 25}
        },
    }
    view = show(FormView.from_schema(schema))
    view.set_value({"age": 30})
    view.check()
    assert widget(view, "/age").accessibleDescription() == "In whole years. Problem: Enter age as at most 25."


def test_a_view_for_a_shipped_form_names_the_childs_fields(show: Show) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.set_current_section(1)
    assert isinstance(widget(view, "/child/family_name"), QLineEdit)
    assert widget(view, "/child/family_name").accessibleName() == "Identifying details: family name"


def test_value_is_the_whole_document_before_any_section_is_built(show: Show) -> None:
    document = json.loads((EXAMPLES / "caf-assessment" / "full.json").read_text(encoding="utf-8"))
    view = FormView.for_form("caf-assessment")
    show(view)
    view.set_value(document)
    assert not view.pages[-1].built
    assert view.value() == document
    view.build_all()
    assert all(page.built for page in view.pages)
    assert view.value() == document


def test_the_first_section_is_built_at_once_and_the_rest_in_idle_time(show: Show, qtbot: Any) -> None:
    view = FormView.for_form("caf-assessment")
    assert view.pages[0].built
    assert not view.pages[7].built
    show(view)
    qtbot.waitUntil(lambda: all(page.built for page in view.pages), timeout=5000)


def test_unknown_keys_are_kept(show: Show) -> None:
    view = kinds_view(show, {"name": "Ada", "from_a_later_version": {"kept": [1, "two"]}})
    type_text_into(view, "/name", "m")
    assert view.value() == {"name": "Adam", "from_a_later_version": {"kept": [1, "two"]}}


def type_text_into(view: FormView, pointer: str, text: str) -> None:
    from pytestqt.qtbot import QtBot

    target = widget(view, pointer)
    target.setFocus()
    if isinstance(target, QLineEdit):
        target.end(False)
    type_text(QtBot(view), target, text)


# --- kinds of answer ---------------------------------------------------------------------------------------


def test_typing_text_sets_the_answer_and_clearing_it_removes_it(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    line = widget(view, "/name")
    qtbot.keyClicks(line, "Ada")
    assert view.value() == {"name": "Ada"}
    type_text(qtbot, line, "ë")
    assert view.value() == {"name": "Adaë"}
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)
    assert view.value() == {}


def test_long_text_grows_and_counts_its_characters(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    box = widget(view, "/story")
    assert isinstance(box, QPlainTextEdit)
    count = view.findChild(QLabel, "count:/story")
    assert count is not None
    assert count.text() == "0 of 500 characters"
    start_height = box.height()
    qtbot.keyClicks(box, "Line one")
    for _ in range(8):
        qtbot.keyClick(box, Qt.Key.Key_Return)
        qtbot.keyClicks(box, "more")
    assert view.value()["story"].startswith("Line one\nmore")
    assert count.text() == f"{len(view.value()['story'])} of 500 characters"
    qtbot.waitUntil(lambda: box.height() > start_height)


def test_long_text_over_its_limit_says_by_how_much(show: Show) -> None:
    view = kinds_view(show, {"story": "x" * 510})
    count = view.findChild(QLabel, "count:/story")
    assert count is not None
    assert count.text() == "510 of 500 characters — 10 too many"
    assert [f.message for f in view.errors()] == ["Shorten story to 500 characters or fewer (10 too many)."]


def test_numbers_are_empty_until_typed_and_keep_their_type(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    age, score = widget(view, "/age"), widget(view, "/score")
    assert isinstance(age, QLineEdit)
    assert age.text() == ""
    qtbot.keyClicks(age, "12")
    qtbot.keyClicks(score, "2.5")
    assert view.value() == {"age": 12, "score": 2.5}
    assert isinstance(view.value()["age"], int)
    qtbot.keyClicks(age, "x")  # refused by the validator: letters never reach a number field
    assert view.value()["age"] == 12


def test_a_number_out_of_bounds_is_reported_once_the_field_is_left(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    age = widget(view, "/age")
    age.setFocus()
    qtbot.keyClicks(age, "30")
    view.validate_now()
    error = view.findChild(QLabel, "error:/age")
    assert error is None or not error.isVisible()
    qtbot.keyClick(age, Qt.Key.Key_Tab)
    error = view.findChild(QLabel, "error:/age")
    assert error is not None
    assert error.isVisible()
    assert error.text() == "⚠ Problem: Enter age as at most 25."


def test_a_checkbox_and_a_yes_no_question(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    box = widget(view, "/consented")
    assert isinstance(box, QCheckBox)
    click(qtbot, box)
    assert view.value()["consented"] is True
    schema = {"type": "object", "properties": {"agreed": {"type": "boolean", "title": "Agreed?"}}}
    layout = {
        "sections": [
            {
                "id": "s",
                "title": "S",
                "elements": [{"type": "control", "scope": "/agreed", "options": {"widget": "yesno"}}],
            }
        ]
    }
    yes_no = show(FormView.from_schema(schema, layout))
    no = yes_no.findChild(QRadioButton, "/agreed=false")
    assert no is not None
    assert not no.isChecked()
    assert yes_no.value() == {}  # no answer until one is chosen
    click(qtbot, no)
    assert yes_no.value() == {"agreed": False}


def test_dates_are_typed_the_uk_way_and_stored_as_iso(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    editor = view.editor("/born")
    assert isinstance(editor, DateEditor)
    assert editor.line.text() == ""
    assert view.value() == {}  # no silent "today"
    qtbot.keyClicks(editor.line, "27/03/2015")
    assert view.value() == {"born": "2015-03-27"}
    view.set_value({"born": "2016-12-01"})
    assert editor.line.text() == "01/12/2016"


def test_a_date_that_is_not_real_is_an_error_in_words(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    editor = view.editor("/born")
    assert isinstance(editor, DateEditor)
    editor.line.setFocus()
    qtbot.keyClicks(editor.line, "31/02/2015")
    qtbot.keyClick(editor.line, Qt.Key.Key_Tab)
    assert view.value() == {}
    assert [(f.path, f.message) for f in view.errors()] == [
        ("/born", "Enter date of birth as a real date, such as 27/03/2015.")
    ]
    error = view.findChild(QLabel, "error:/born")
    assert error is not None
    assert error.isVisible()


def test_a_future_date_of_birth_is_reported(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    editor = view.editor("/born")
    assert isinstance(editor, DateEditor)
    qtbot.keyClicks(editor.line, "01/01/2999")
    assert [f.message for f in view.errors()] == [
        "Enter date of birth as a date that is today or in the past."
    ]


def test_a_date_and_time(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    editor = view.editor("/met")
    assert isinstance(editor, DateEditor)
    qtbot.keyClicks(editor.line, "27/03/2015")
    qtbot.keyClicks(editor.time, "14:30")  # type: ignore[attr-defined]
    assert view.value() == {"met": "2015-03-27T14:30"}


def test_few_choices_are_radio_buttons_and_many_a_drop_down(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    targeted = view.findChild(QRadioButton, "/tier=targeted")
    assert targeted is not None
    assert targeted.text() == "Targeted"
    click(qtbot, targeted)
    combo = widget(view, "/colour")
    assert isinstance(combo, QComboBox)
    assert combo.currentText() == "Choose…"
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert view.value() == {"tier": "targeted", "colour": "red"}


def test_several_choices_are_check_boxes(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    school = view.findChild(QCheckBox, "/worries=school")
    sleep = view.findChild(QCheckBox, "/worries=sleep")
    assert school is not None
    assert sleep is not None
    click(qtbot, school)
    click(qtbot, sleep)
    assert view.value() == {"worries": ["school", "sleep"]}
    click(qtbot, school)
    assert view.value() == {"worries": ["sleep"]}


def test_a_list_of_short_texts(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    add = view.findChild(QPushButton, "add:/notes")
    assert add is not None
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    line = widget(view, "/notes/0")
    qtbot.keyClicks(line, "School nurse")
    assert view.value() == {"notes": ["School nurse"]}


def test_a_nested_group_is_a_titled_box(show: Show, qtbot: Any) -> None:
    schema = {
        "type": "object",
        "properties": {
            "child": {
                "type": "object",
                "title": "Child",
                "properties": {"address": KINDS["properties"]["address"]},
            }
        },
    }
    view = show(FormView.from_schema(schema))
    box = widget(view, "/child/address")
    assert isinstance(box, QGroupBox)
    assert box.title() == "Address"
    qtbot.keyClicks(widget(view, "/child/address/postcode"), "MK9 3EJ")
    assert view.value() == {"child": {"address": {"postcode": "MK9 3EJ"}}}


def test_a_group_that_is_its_whole_section_is_not_titled_twice(show: Show) -> None:
    view = kinds_view(show)
    address = widget(view, "/address")
    assert not isinstance(address, QGroupBox)  # the section heading "Address" already names it
    assert view.definition.sections[[s.title for s in view.definition.sections].index("Address")].elements


def test_a_read_only_answer_is_shown_but_not_editable(show: Show) -> None:
    view = kinds_view(show, {"fixed": "constant"})
    fixed = widget(view, "/fixed")
    assert isinstance(fixed, QLineEdit)
    assert fixed.text() == "constant"
    assert not fixed.isEnabled()


def test_widgets_are_not_rebuilt_when_values_change(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    before = {pointer: id(editor) for pointer, editor in view.built_editors().items()}
    qtbot.keyClicks(widget(view, "/name"), "Ada")
    view.set_value({"name": "Bea", "age": 3})
    assert {pointer: id(editor) for pointer, editor in view.built_editors().items()} == before
    assert widget(view, "/name").text() == "Bea"  # type: ignore[attr-defined]


def test_text_scales_with_the_system_font(show: Show) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    original = app.font()
    try:
        bigger = app.font()
        bigger.setPointSizeF(18)
        app.setFont(bigger)
        view = kinds_view(show)
        label = view.findChild(QLabel, "label:/name")
        assert label is not None
        assert label.font().pointSizeF() >= 18
    finally:
        app.setFont(original)


# --- rules and conditionals --------------------------------------------------------------------------------


def test_the_interpreter_details_show_only_when_an_interpreter_is_needed(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.set_current_section(1)
    details = widget(view, "/child/interpreter_details")
    assert not details.isVisible()
    yes = view.findChild(QRadioButton, "/child/interpreter_required=true")
    assert yes is not None
    click(qtbot, yes)
    assert details.isVisible()
    qtbot.keyClicks(details, "Polish interpreter")
    assert view.value()["child"]["interpreter_details"] == "Polish interpreter"
    no = view.findChild(QRadioButton, "/child/interpreter_required=false")
    assert no is not None
    click(qtbot, no)
    assert not details.isVisible()
    assert "interpreter_details" not in view.value()["child"]  # hidden answers are not part of the document
    click(qtbot, yes)
    assert details.isVisible()
    assert view.value()["child"]["interpreter_details"] == "Polish interpreter"  # what was typed comes back


def test_an_unborn_baby_is_asked_for_the_expected_date_of_delivery(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.set_current_section(1)
    born, expected = widget(view, "/child/date_of_birth"), widget(view, "/child/expected_date_of_delivery")
    assert born.isVisible()
    assert not expected.isVisible()
    yes = view.findChild(QRadioButton, "/child/is_unborn=true")
    assert yes is not None
    click(qtbot, yes)
    assert not born.isVisible()
    assert expected.isVisible()


def test_an_enable_rule_makes_a_question_read_only_until_it_applies(show: Show, qtbot: Any) -> None:
    schema = {
        "type": "object",
        "properties": {
            "referred": {"type": "boolean", "title": "Referred"},
            "to_whom": {"type": "string", "title": "To whom"},
        },
    }
    layout = {
        "sections": [
            {
                "id": "s",
                "title": "S",
                "elements": [
                    {"type": "control", "scope": "/referred"},
                    {
                        "type": "control",
                        "scope": "/to_whom",
                        "rule": {
                            "effect": "enable",
                            "condition": {"scope": "/referred", "schema": {"const": True}},
                        },
                    },
                ],
            }
        ]
    }
    view = show(FormView.from_schema(schema, layout))
    to_whom = widget(view, "/to_whom")
    assert not to_whom.isEnabled()
    click(qtbot, widget(view, "/referred"))
    assert to_whom.isEnabled()


def test_if_then_else_requirements_apply_when_marking_complete(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.set_current_section(10)
    no = view.findChild(QRadioButton, "/child_voice/spoken_to_individually=false")
    assert no is not None
    click(qtbot, no)
    paths = [f.path for f in view.errors(complete=True)]
    assert "/child_voice/reason_not_spoken_to" in paths
    assert "/child_voice/childs_views" not in paths


# --- lists -------------------------------------------------------------------------------------------------


def services_view(show: Show) -> FormView:
    return kinds_view(show, {"services": [{"name": "GP"}, {"name": "School"}, {"name": "Health visitor"}]})


def test_adding_an_item_focuses_its_first_question(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    add = view.findChild(QPushButton, "add:/services")
    assert add is not None
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    name = widget(view, "/services/0/name")
    assert focused() is name
    qtbot.keyClicks(name, "School nurse")
    assert view.value() == {"services": [{"name": "School nurse"}]}


def test_moving_an_item_keeps_its_widgets_and_renames_them(show: Show, qtbot: Any) -> None:
    view = services_view(show)
    school = widget(view, "/services/1/name")
    editor = view.editor("/services")
    assert isinstance(editor, RepeatEditor)
    card = next(c for c in editor.cards.values() if c.index == 1)
    card.actions.menu().actions()[0].trigger()  # Move up
    assert widget(view, "/services/0/name") is school
    assert [s["name"] for s in view.value()["services"]] == ["School", "GP", "Health visitor"]
    qtbot.keyClicks(school, " (Larkspur)")
    assert view.value()["services"][0]["name"] == "School (Larkspur)"
    assert card.heading.text() == "Service 1"


def test_duplicating_an_item_copies_it_below(show: Show) -> None:
    view = services_view(show)
    editor = view.editor("/services")
    assert isinstance(editor, RepeatEditor)
    card = next(c for c in editor.cards.values() if c.index == 0)
    card.actions.menu().actions()[2].trigger()
    assert [s["name"] for s in view.value()["services"]] == ["GP", "GP", "School", "Health visitor"]
    assert widget(view, "/services/1/name").text() == "GP"  # type: ignore[attr-defined]


def test_removing_an_item_says_how_to_undo_and_undo_brings_it_back(show: Show) -> None:
    view = services_view(show)
    editor = view.editor("/services")
    assert isinstance(editor, RepeatEditor)
    card = next(c for c in editor.cards.values() if c.index == 1)
    card.actions.menu().actions()[-1].trigger()
    assert [s["name"] for s in view.value()["services"]] == ["GP", "Health visitor"]
    notice = view.findChild(QLabel, "notice:/services")
    assert notice is not None
    assert "Service 2 removed" in notice.text()
    assert "Undo" in notice.text()
    view.undo()
    assert [s["name"] for s in view.value()["services"]] == ["GP", "School", "Health visitor"]
    assert widget(view, "/services/1/name").text() == "School"  # type: ignore[attr-defined]


def test_two_hundred_items_and_one_more(show: Show, qtbot: Any) -> None:
    view = kinds_view(show, {"services": [{"name": f"Service {n}"} for n in range(200)]})
    add = view.findChild(QPushButton, "add:/services")
    assert add is not None
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(widget(view, "/services/200/name"), "One more")
    assert len(view.value()["services"]) == 201
    assert view.value()["services"][200] == {"name": "One more"}


def test_a_required_answer_in_an_item_is_reported_with_the_item(show: Show, qtbot: Any) -> None:
    view = kinds_view(show, {"services": [{"contact": "01632 960001"}]})
    assert view.mark_complete() is False
    assert [(f.path, f.message) for f in view.errors(complete=True)] == [
        ("/services/0/name", "Service 1: enter service name.")
    ]


# --- undo ---------------------------------------------------------------------------------------------------


def test_undo_and_redo_of_typing(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    line = widget(view, "/name")
    qtbot.keyClicks(line, "Ada")
    qtbot.keyClick(line, Qt.Key.Key_Tab)
    qtbot.keyClicks(widget(view, "/address/line"), "1 Fictional Way")
    view.undo()
    assert view.value() == {"name": "Ada"}
    view.undo()
    assert view.value() == {}
    assert line.text() == ""  # type: ignore[attr-defined]
    view.redo()
    assert line.text() == "Ada"  # type: ignore[attr-defined]


def test_ctrl_z_in_a_box_undoes_the_form_step_by_step_not_only_that_box(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    qtbot.keyClicks(widget(view, "/name"), "Ada")
    qtbot.keyClick(widget(view, "/name"), Qt.Key.Key_Tab)
    address = widget(view, "/address/line")
    qtbot.keyClicks(address, "1 Fictional Way")
    qtbot.keyClick(address, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.value() == {"name": "Ada"}
    assert view.document.can_redo  # the form's undo: the box's own would write a change of its own
    qtbot.keyClick(focused() or address, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert view.value() == {}
    assert focused() is widget(view, "/name")  # undo shows where it happened
    qtbot.keyClick(focused() or address, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert view.value() == {"name": "Ada"}


# --- sections, problems and the keyboard ---------------------------------------------------------------------


def test_sections_have_states_in_words(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("tac-review"))
    view.validate_now()
    assert view.section_state(0) == "Not started"
    view.set_current_section(0)
    date = view.editor("/review/date")
    assert isinstance(date, DateEditor)
    qtbot.keyClicks(date.line, "20/11/2026")
    view.validate_now()
    assert view.section_state(0) == "In progress"
    view.set_value(json.loads((EXAMPLES / "tac-review" / "full.json").read_text(encoding="utf-8")))
    view.validate_now()
    assert view.section_state(0) == "✓ Complete"
    date.line.setFocus()
    qtbot.keyClicks(date.line, "x")
    qtbot.keyClick(date.line, Qt.Key.Key_Tab)
    view.validate_now()
    assert view.section_state(0) == "1 problem"
    assert "1 problem" in view.sidebar.item(0).text()


def test_ctrl_page_down_and_up_move_between_sections(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("tac-meeting"))
    view.editor("/meeting/date").focus_widget().setFocus()  # type: ignore[union-attr]
    qtbot.keyClick(focused(), Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert view.current_section() == 1
    qtbot.keyClick(focused() or view, Qt.Key.Key_PageDown, Qt.KeyboardModifier.ControlModifier)
    assert view.current_section() == 2
    qtbot.keyClick(focused() or view, Qt.Key.Key_PageUp, Qt.KeyboardModifier.ControlModifier)
    assert view.current_section() == 1


def test_tab_follows_the_page(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    name = widget(view, "/name")
    name.setFocus()
    order = []
    for _ in range(4):
        current = focused()
        assert current is not None
        order.append(current.objectName())
        qtbot.keyClick(current, Qt.Key.Key_Tab)
    assert order == ["/name", "/story", "/email", "/phone"]


def test_the_problems_panel_lists_every_problem_and_goes_to_each(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.set_value({"child": {"date_of_birth": "2999-01-01"}, "assessor": {"email": "not an email"}})
    view.check()
    texts = [view.problems.item(i).text() for i in range(view.problems.count())]
    assert texts == [
        "Identifying details: enter a date of birth that is today or in the past.",
        "Details of person(s) undertaking assessment: Enter email in the right form, such as name@example.org.",
    ]
    item = view.problems.item(1)
    view.problems.itemActivated.emit(item)
    assert view.current_section() == 5
    assert focused() is widget(view, "/assessor/email")


def test_f8_goes_to_the_next_problem(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.set_value({"child": {"date_of_birth": "2999-01-01"}})
    view.check()
    qtbot.keyClick(view.sidebar, Qt.Key.Key_F8)
    assert focused() is view.editor("/child/date_of_birth").focus_widget()  # type: ignore[union-attr]


def test_errors_show_under_a_field_only_after_it_is_left_or_checked(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    email = widget(view, "/email")
    email.setFocus()
    qtbot.keyClicks(email, "not-an-email")
    view.validate_now()
    assert view.findChild(QLabel, "error:/email") is None
    view.check()
    error = view.findChild(QLabel, "error:/email")
    assert error is not None
    assert error.isVisible()
    assert error.text() == "⚠ Problem: Enter email in the right form, such as name@example.org."


def test_mark_complete_lists_what_is_missing_then_passes(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-closure"))
    assert view.mark_complete() is False
    assert view.problems.count() > 1
    # The newest version's example: for_form builds the newest version.
    view.set_value(json.loads((EXAMPLES / "caf-closure" / "full-1.1.0.json").read_text(encoding="utf-8")))
    assert view.mark_complete() is True
    assert view.errors(complete=True) == []


def test_every_shipped_form_builds_and_shows_its_example(show: Show) -> None:
    for path in sorted(EXAMPLES.glob("*/full.json")):
        view = show(FormView.for_form(path.parent.name))
        document = json.loads(path.read_text(encoding="utf-8"))
        view.set_value(document)
        view.build_all()
        assert view.value() == document
        texts = [e for e in view.built_editors().values() if isinstance(e, TextAreaEditor)]
        for editor in texts:
            assert editor.box.toPlainText() == (view.document.get(editor.pointer) or "")


@pytest.mark.parametrize("form_id", ["caf-assessment", "tac-meeting", "caf-pre-assessment"])
def test_every_section_fits_a_laptop_screen_without_sideways_scrolling(
    show: Show, form_id: str, qtbot: Any
) -> None:
    view = show(FormView.for_form(form_id))
    view.build_all()
    for index, page in enumerate(view.pages):
        view.set_current_section(index)
        qtbot.wait(1)
        assert not page.horizontalScrollBar().isVisible(), f"section {page.section.title} scrolls sideways"


def test_a_new_form_starts_from_the_schemas_defaults_and_consts(show: Show, qtbot: Any) -> None:
    schema = {
        "type": "object",
        "properties": {
            "country": {"type": "string", "title": "Country", "default": "England"},
            "form_kind": {"type": "string", "title": "Form", "const": "caf"},
            "contact": {
                "type": "object",
                "title": "Contact",
                "properties": {"method": {"type": "string", "title": "Method", "default": "Phone"}},
            },
            "visits": {
                "type": "array",
                "title": "Visits",
                "items": {
                    "type": "object",
                    "title": "Visit",
                    "properties": {"kind": {"type": "string", "title": "Kind", "default": "Home"}},
                },
            },
        },
    }
    view = show(FormView.from_schema(schema))
    view.build_all()
    assert view.value() == {"country": "England", "form_kind": "caf", "contact": {"method": "Phone"}}
    assert not widget(view, "/form_kind").isEnabled()  # a constant is shown, not edited
    add = view.findChild(QPushButton, "add:/visits")
    assert add is not None
    qtbot.mouseClick(add, Qt.MouseButton.LeftButton)
    assert view.value()["visits"] == [{"kind": "Home"}]
    view.set_value({})
    assert view.value() == {}  # a document given is shown as it is, defaults not added


def test_a_radio_answer_can_be_taken_away_with_delete(show: Show, qtbot: Any) -> None:
    view = kinds_view(show)
    targeted = view.findChild(QRadioButton, "/tier=targeted")
    assert targeted is not None
    click(qtbot, targeted)
    assert view.value() == {"tier": "targeted"}
    qtbot.keyClick(targeted, Qt.Key.Key_Delete)
    assert view.value() == {}
    assert not targeted.isChecked()
