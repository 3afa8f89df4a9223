"""Threshold guidance in the form: the panel follows the indicators; the safeguarding banner cannot be missed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from caf_desktop.gui.form.view import FormView
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QCheckBox, QRadioButton

Show = Callable[[FormView], FormView]


def tick(view: FormView, qtbot: Any, pointer: str, indicator: str) -> None:
    view.go_to(pointer)
    box = view.findChild(QCheckBox, f"{pointer}={indicator}")
    assert box is not None, indicator
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def test_the_panel_follows_the_indicators_chosen(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    assert view.guidance is not None
    assert view.guidance.level.text() == "Suggested: level 1, Universal"
    tick(view, qtbot, "/development/health/indicators", "health.l2.missed_checks")
    assert view.guidance.level.text().startswith("Suggested: level 2")
    assert "Missing immunisations" in view.guidance.details.text()
    tick(view, qtbot, "/parenting/basic_care/indicators", "basic_care.l2.basic_care_inconsistent")
    assert view.guidance.level.text().startswith("Suggested: level 3")
    assert "two or more of the three domains" in view.guidance.details.text()
    assert view.banner is not None
    assert not view.banner.isVisible()


def test_a_level_4_indicator_raises_the_banner_until_acknowledged(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    assert view.banner is not None
    with qtbot.waitSignal(view.safeguardingShown, timeout=1000):
        tick(view, qtbot, "/development/health/indicators", "health.l4.non_accidental_injury")
    assert view.banner.isVisible()
    text = view.banner.text.text()
    assert "Contact children's social care now" in text
    assert "call the police on 999" in text
    assert "Do not delay to finish this form" in text
    assert "Police (emergency): 999" in view.banner.contacts.text()
    with qtbot.waitSignal(view.safeguardingAcknowledged, timeout=1000):
        qtbot.mouseClick(view.banner.button, Qt.MouseButton.LeftButton)
    assert view.banner.is_acknowledged
    assert view.banner.isVisible()  # still on screen while the danger is recorded
    tick(view, qtbot, "/development/health/indicators", "health.l4.non_accidental_injury")  # untick
    assert not view.banner.isVisible()


def test_saying_the_child_is_in_immediate_danger_raises_the_banner(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.go_to("/safeguarding/immediate_danger")
    yes = view.findChild(QRadioButton, "/safeguarding/immediate_danger=true")
    assert yes is not None
    qtbot.mouseClick(yes, Qt.MouseButton.LeftButton, pos=QPoint(8, yes.height() // 2))
    assert view.banner is not None
    assert view.banner.isVisible()
    assert "immediate danger" in view.banner.text.text()
    guidance = view.guidance_result()
    assert guidance is not None
    assert (guidance.level, guidance.safeguarding) == (4, True)


def test_long_choices_wrap_and_their_words_click_the_box(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.go_to("/parenting/basic_care/indicators")
    box = view.findChild(
        QCheckBox, "/parenting/basic_care/indicators=basic_care.l4.not_good_enough_parenting"
    )
    assert box is not None
    label = next(
        w
        for w in box.parentWidget().findChildren(type(view.banner.text))
        if getattr(w, "button", None) is box
    )  # type: ignore[union-attr]
    assert label.wordWrap()
    qtbot.mouseClick(label, Qt.MouseButton.LeftButton)
    assert box.isChecked()
    assert view.value()["parenting"]["basic_care"]["indicators"] == [
        "basic_care.l4.not_good_enough_parenting"
    ]
