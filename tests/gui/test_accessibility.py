"""Accessibility of every shipped form: names that say whose and what, a Tab order that follows the
page, and text that can be read (WCAG contrast, measured from rendered pixels)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.app import apply_look
from caf_desktop.gui.form.qt_choices import IndicatorsEditor
from caf_desktop.gui.form.qt_containers import RepeatEditor
from caf_desktop.gui.form.qt_fields import DateEditor
from caf_desktop.gui.form.view import FormView
from caf_desktop.store.store import Profile, Store
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAccessible, QColor, QImage
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLayout, QLineEdit, QRadioButton, QWidget

from tests.conftest import EXAMPLES
from tests.gui.conftest import show_records_window

Show = Callable[[FormView], FormView]
FORMS = [d.id for d in shipped_catalogue().all()]


def filled(show: Show, form_id: str) -> FormView:
    """The form's view with its full fictional example (so lists have items), every section built."""
    view = show(FormView.for_form(form_id))
    example = EXAMPLES / form_id / "full.json"
    view.set_value(json.loads(example.read_text(encoding="utf-8")))
    view.build_all()
    return view


def inputs(view: FormView) -> list[QWidget]:
    """Everything a person can reach in the form's pages: what each question offers to the keyboard."""
    return [w for page in view.pages for editor in page.editors for w in editor.focusables()]


def spoken_name(widget: QWidget) -> str:
    """The name a screen reader says: the accessible name, or for a button its own words."""
    if widget.accessibleName():
        return widget.accessibleName()
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else ""


# --- names ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form_id", FORMS)
@pytest.mark.parametrize("answers", ["empty", "filled"])
def test_every_input_says_whose_and_what_it_is_once_in_its_form(
    form_id: str, answers: str, show: Show
) -> None:
    if answers == "filled":
        view = filled(show, form_id)
    else:
        view = show(FormView.for_form(form_id))
        view.build_all()
    everything = inputs(view)
    assert everything
    unnamed = [w.objectName() or type(w).__name__ for w in everything if not spoken_name(w).strip()]
    assert unnamed == []
    text_inputs = [w for w in everything if not isinstance(w, QAbstractButton)]
    assert [w for w in text_inputs if not w.accessibleName()] == []  # CONTRACT.md: never empty
    # an item of a repeating group is the frame named "item-card" ("Parent or carer 2")
    outside_lists = [w for w in everything if not any(a.objectName() == "item-card" for a in ancestors(w))]
    repeated = {n: c for n, c in Counter(spoken_name(w) for w in outside_lists).items() if c > 1}
    assert repeated == {}
    # and inside lists the item says which: "Parent or carer 2: name"
    in_lists = Counter(spoken_name(w) for w in everything if w not in outside_lists)
    assert {n: c for n, c in in_lists.items() if c > 1} == {}


def ancestors(widget: QWidget) -> Iterator[QWidget]:
    parent = widget.parentWidget()
    while parent is not None:
        yield parent
        parent = parent.parentWidget()


def test_the_caf_names_its_date_boxes_strengths_and_indicators(show: Show) -> None:
    view = filled(show, "caf-assessment")
    editors = list(view.built_editors().values())
    dates = [e for e in editors if isinstance(e, DateEditor)]
    names = {e.pointer: e.focus_widget().accessibleName() for e in dates}
    assert names["/meta/date_started"] == "Assessment details: date assessment started"
    assert names["/consent/signatures/child/date"] == "Signature of the child or young person: date signed"
    assert names["/household/members/1/date_of_birth"] == "Family or household member 2: date of birth"
    strengths = view.editor("/development/health/general_health/strengths")
    assert strengths is not None
    assert strengths.focus_widget().accessibleName() == "General health: strengths"
    indicators = view.editor("/development/health/indicators")
    assert isinstance(indicators, IndicatorsEditor)
    levels = [box.accessibleName().split(":")[0] for box in indicators.boxes.values()]
    assert set(levels) == {"Level 1", "Level 2", "Level 3", "Level 4"}


def test_a_moved_item_is_renamed_with_its_new_number(show: Show) -> None:
    view = filled(show, "caf-assessment")
    editor = view.editor("/parents_carers/0/name")
    assert editor is not None
    assert editor.focus_widget().accessibleName() == "Parent or carer 1: name"
    view.document.move_item("/parents_carers", 0, 1)
    assert editor.pointer == "/parents_carers/1/name"
    assert editor.focus_widget().accessibleName() == "Parent or carer 2: name"


# --- focus order ---------------------------------------------------------------------------------------------


def reachable(widget: QWidget) -> bool:
    return bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus) and widget.isVisible() and widget.isEnabled()


def page_order(widget: QWidget) -> list[QWidget]:
    """The widgets a person can Tab to in a page, in the order the page's layouts place them."""
    found: list[QWidget] = []
    groups: list[Any] = []

    def stop(child: QWidget) -> bool:
        """Of a set of radio buttons, Tab stops at one: the answer chosen, or the first with none
        chosen; the arrow keys move between them, as everywhere on the desktop."""
        group = child.group() if isinstance(child, QRadioButton) else None
        if group is None:
            return True
        chosen = group.checkedButton()
        if chosen is not None:
            return chosen is child
        if any(group is seen for seen in groups):
            return False
        groups.append(group)
        return True

    def walk(layout: QLayout) -> None:
        for index in range(layout.count()):
            item = layout.itemAt(index)
            child = item.widget()
            if child is not None:
                if reachable(child) and child not in found and stop(child):
                    found.append(child)
                if child.layout() is not None:
                    walk(child.layout())
            elif item.layout() is not None:
                walk(item.layout())

    if widget.layout() is not None:
        walk(widget.layout())
    return found


def tab_walk(start: QWidget, limit: int) -> list[QWidget]:
    """Where Tab goes from `start`, one press at a time, until it comes back round."""
    start.setFocus(Qt.FocusReason.OtherFocusReason)
    assert QApplication.focusWidget() is start
    visited: list[QWidget] = []
    for _ in range(limit):
        current = QApplication.focusWidget()
        assert current is not None
        current.focusNextChild()
        after = QApplication.focusWidget()
        if after is start or after is None:
            break
        visited.append(after)
    return visited


@pytest.mark.parametrize("form_id", FORMS)
def test_tab_goes_from_the_section_list_through_the_page_to_problems_and_guidance(
    form_id: str, show: Show
) -> None:
    view = filled(show, form_id)
    for index, page in enumerate(view.pages):
        if page.hidden_by_rule:
            continue
        view.set_current_section(index)
        expected = page_order(page.content)
        tail = [view.problems] + ([view.guidance.level, view.guidance.details] if view.guidance else [])
        walked = tab_walk(view.sidebar, len(expected) + 10)
        assert [w.objectName() or spoken_name(w) for w in walked[: len(expected)]] == [
            w.objectName() or spoken_name(w) for w in expected
        ], page.section.title
        assert [w.objectName() for w in walked[len(expected) : len(expected) + len(tail)]] == [
            w.objectName() for w in tail
        ], page.section.title
        assert set(inputs(view)) & set(expected) == {w for w in inputs(view) if w in expected}
        unreachable = [w for w in inputs(view) if page.content.isAncestorOf(w) and reachable(w)]
        assert [w for w in unreachable if w not in walked] == [], page.section.title


@pytest.mark.parametrize(
    ("form_id", "pointer"), [("tac-meeting", "/actions"), ("caf-assessment", "/parents_carers")]
)
def test_an_item_added_takes_its_place_in_the_tab_order(form_id: str, pointer: str, show: Show) -> None:
    view = filled(show, form_id)
    repeat = view.editor(pointer)
    assert isinstance(repeat, RepeatEditor)
    index = view.section_of(pointer)
    view.set_current_section(index)
    view.document.insert_item(pointer, 1, {})  # an item in the middle
    repeat.add_item()  # one at the end
    view.document.move_item(pointer, len(repeat.cards) - 1, 1)  # and one moved into the middle
    repeat.add_item()
    page = view.pages[index]
    expected = page_order(page.content)
    walked = tab_walk(view.sidebar, len(expected) + 10)
    assert [w.objectName() or spoken_name(w) for w in walked[: len(expected)]] == [
        w.objectName() or spoken_name(w) for w in expected
    ]


def test_one_tab_from_the_section_list_reaches_the_first_question(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.set_current_section(1)
    view.sidebar.setFocus()
    qtbot.keyClick(view.sidebar, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is view.editor("/child/given_names").focus_widget()  # type: ignore[union-attr]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert QApplication.focusWidget() is view.sidebar


def test_tab_stops_on_the_answer_chosen_and_the_arrows_change_it(show: Show, qtbot: Any) -> None:
    view = filled(show, "caf-assessment")
    view.go_to("/child/sex")
    chosen = view.value()["child"]["sex"]
    aka = view.editor("/child/aka")
    assert aka is not None
    aka.focus_widget().setFocus()
    qtbot.keyClick(aka.focus_widget(), Qt.Key.Key_Tab)
    landed = QApplication.focusWidget()
    assert landed is not None
    assert landed.objectName() == f"/child/sex={chosen}"
    assert spoken_name(landed).endswith("(Identifying details: sex)")
    qtbot.keyClick(landed, Qt.Key.Key_Right)  # the options sit in a row
    assert view.value()["child"]["sex"] != chosen
    assert QApplication.focusWidget().objectName() == f"/child/sex={view.value()['child']['sex']}"  # type: ignore[union-attr]


def test_the_guidance_is_read_and_scrolled_from_the_keyboard(show: Show, qtbot: Any) -> None:
    view = filled(show, "caf-assessment")
    guidance = view.guidance
    assert guidance is not None
    assert guidance.level.text().startswith("Suggested: level 3")
    guidance.details.setFocus()
    assert QApplication.focusWidget() is guidance.details
    bar = guidance.scroller.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)  # the reasons are longer than the panel
    qtbot.keyClick(guidance.details, Qt.Key.Key_PageDown)
    assert bar.value() > 0
    qtbot.keyClick(guidance.details, Qt.Key.Key_Home)
    assert bar.value() == 0


# --- contrast --------------------------------------------------------------------------------------------------


def luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF()) + 0.7152 * channel(colour.greenF()) + 0.0722 * channel(colour.blueF())
    )


def contrast(one: QColor, other: QColor) -> float:
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_contrast(widget: QWidget, rect: QRect | None = None) -> float:
    """The WCAG contrast of the text drawn in `rect` of the widget: the background is the commonest
    colour there, the text the colour furthest from it (the core of the strokes)."""
    image = widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
    ratio = image.width() / max(widget.width(), 1)  # device pixels per widget pixel
    area = rect or widget.rect()
    box = QRect(
        int(area.x() * ratio), int(area.y() * ratio), int(area.width() * ratio), int(area.height() * ratio)
    ).intersected(image.rect())
    counts: Counter[int] = Counter(
        image.pixel(x, y)
        for x in range(box.left(), box.right() + 1)
        for y in range(box.top(), box.bottom() + 1)
    )
    background = QColor(counts.most_common(1)[0][0])
    text = max((QColor(rgb) for rgb in counts), key=lambda c: contrast(c, background))
    assert contrast(text, background) > 1.2, "no text was drawn there"
    return contrast(text, background)


@pytest.fixture
def look(qapp: QApplication) -> Iterator[None]:
    """The app's own colours and style sheet, as make_application gives them, for this test only."""
    palette, sheet = qapp.palette(), qapp.styleSheet()
    apply_look(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)


def inner(widget: QWidget, margin: int = 3) -> QRect:
    return widget.rect().adjusted(margin, margin, -margin, -margin)


def test_placeholders_help_and_the_empty_problems_panel_are_readable(
    look: None, show: Show, qtbot: Any
) -> None:
    view = show(FormView.for_form("caf-assessment"))
    qtbot.waitUntil(lambda: view.problems.count() == 1)
    date = view.editor("/meta/date_started")
    assert isinstance(date, DateEditor)
    assert date.line.text() == ""
    assert date.line.placeholderText()
    assert text_contrast(date.line, inner(date.line)) >= 4.5
    assert view.problems.item(0).text() == "Problems appear here as you fill in the form."
    viewport = view.problems.viewport()
    assert text_contrast(viewport, view.problems.visualItemRect(view.problems.item(0))) >= 4.5
    view.set_current_section(1)
    help_label = next(
        label
        for label in view.pages[1].content.findChildren(QLabel)
        if label.objectName().startswith("help:")
    )
    assert help_label.text()
    assert text_contrast(help_label) >= 4.5


def test_section_states_are_readable_chosen_or_not(look: None, show: Show) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.set_current_section(1)
    sidebar = view.sidebar
    for row in (0, 1, 2):  # not chosen, chosen (the selection colour), not chosen
        item = sidebar.item(row)
        assert "\n" in item.text()  # the title and its state in words
        assert text_contrast(sidebar.viewport(), sidebar.visualItemRect(item).adjusted(2, 2, -2, -2)) >= 4.5


def test_the_case_list_is_readable(look: None, tmp_path: Path, qtbot: Any) -> None:
    store = Store.create(
        tmp_path / "home",
        "correct horse battery staple",
        Profile("Ada Worker", "worker", "Fictional Council"),
        kdf_cost=2**12,
    )
    try:
        for form_id in ("caf-assessment", "tac-meeting"):
            example = json.loads((EXAMPLES / form_id / "full.json").read_text(encoding="utf-8"))
            store.add_record(shipped_catalogue().get(form_id), example)
        window = show_records_window(store, qtbot)
        try:
            page = window.case_list
            search = page.search
            assert isinstance(search, QLineEdit)
            assert search.text() == ""
            assert text_contrast(search, inner(search, 4)) >= 4.5  # its placeholder
            table = page.table
            table.selectRow(0)
            model = table.model()
            for row in (0, 1):  # chosen and not
                cell = table.visualRect(model.index(row, 0)).adjusted(2, 2, -2, -2)
                assert text_contrast(table.viewport(), cell) >= 4.5
            header = table.horizontalHeader()
            assert text_contrast(header, QRect(4, 3, header.sectionSize(0) - 8, header.height() - 6)) >= 4.5
            assert text_contrast(page.count_label) >= 4.5
        finally:
            window.close()
            window.deleteLater()
    finally:
        store.close()
