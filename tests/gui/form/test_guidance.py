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
    # Two ordinary level-2 needs, even in two domains, do not start a TAC (ruleset 1.1.0).
    assert view.guidance.level.text().startswith("Suggested: level 2")
    tick(view, qtbot, "/development/learning/indicators", "learning.l2.poor_punctuality")
    assert view.guidance.level.text().startswith("Suggested: level 3")
    assert "two or more of the three domains" in view.guidance.details.text()
    assert view.banner is not None
    assert not view.banner.isVisible()
    # At level 3 the locality's timescales (the ruleset's intervals) are part of what to do next.
    assert "A first TAC meeting within 15 working days of the completed CAF." in view.guidance.details.text()
    assert "every 90 days" in view.guidance.details.text()
    assert "decision on a referral" not in view.guidance.details.text()  # that one is for level 4


def test_a_fact_ticked_in_two_elements_counts_once(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    assert view.guidance is not None
    tick(view, qtbot, "/family_environment/family_history/indicators", "family_history.l2.young_carer")
    tick(view, qtbot, "/development/self_care/indicators", "self_care.l2.caring_responsibilities")
    tick(view, qtbot, "/parenting/basic_care/indicators", "basic_care.l2.basic_care_inconsistent")
    assert view.guidance.level.text().startswith("Suggested: level 2")  # two facts, not three


def test_child_in_need_and_child_protection_side_by_side(show: Show, qtbot: Any) -> None:
    """A child-in-need level 4 gives the referral with consent and no banner; a child-protection
    indicator raises the banner with 999."""
    cin = show(FormView.for_form("caf-assessment"))
    assert cin.guidance is not None
    assert cin.banner is not None
    tick(cin, qtbot, "/development/self_care/indicators", "self_care.l4.disability_constant_supervision")
    assert cin.guidance.level.text() == (
        "Suggested: level 4, Acute / specialist (referral to children's social care): child in need"
    )
    words = cin.guidance.details.text()
    assert "Refer to children's social care with the family's consent" in words
    assert "with the family's consent" in words.split("What to do next:")[1]
    assert "999" not in words
    assert not cin.banner.isVisible()
    assert cin.findChild(type(cin.banner), "safeguarding-banner") is cin.banner

    cp = show(FormView.for_form("caf-assessment"))
    assert cp.guidance is not None
    assert cp.banner is not None
    with qtbot.waitSignal(cp.safeguardingShown, timeout=1000):
        tick(cp, qtbot, "/parenting/basic_care/indicators", "basic_care.l4.disclosure_of_abuse")
    assert cp.guidance.level.text().endswith(": child protection")
    assert cp.banner.isVisible()
    assert "call the police on 999" in cp.banner.text.text()
    assert "child-protection indicator" in cp.banner.text.text()
    assert "believes the child is in immediate danger" not in cp.banner.text.text()  # nobody said so
    assert "you may share information without consent" in cp.guidance.details.text()
    assert cp.guidance.details.text() != cin.guidance.details.text()

    # Both: child protection wins, and the child-in-need needs go with the referral.
    tick(cp, qtbot, "/development/self_care/indicators", "self_care.l4.disability_constant_supervision")
    assert cp.banner.isVisible()
    assert "part of the same referral" in cp.guidance.details.text()


def test_a_1_0_0_id_is_ticked_as_its_replacement_and_a_retired_one_says_why(show: Show, qtbot: Any) -> None:
    view = show(FormView.for_form("caf-assessment"))
    assert view.guidance is not None
    view.set_value(
        {
            "development": {"learning": {"indicators": ["learning.l4.regularly_missing_school"]}},
            "family_environment": {
                "family_history": {"indicators": ["family_history.l2.privately_fostered_adopted"]}
            },
        }
    )
    view.go_to("/development/learning/indicators")
    box = view.findChild(QCheckBox, "/development/learning/indicators=learning.l3.persistent_absence")
    assert box is not None
    assert box.isChecked()
    assert (
        view.findChild(QCheckBox, "/development/learning/indicators=learning.l4.regularly_missing_school")
        is None
    )
    view.go_to("/family_environment/family_history/indicators")
    retired = view.findChild(
        QCheckBox,
        "/family_environment/family_history/indicators=family_history.l2.privately_fostered_adopted",
    )
    assert retired is not None
    assert retired.isChecked()
    assert "No longer an indicator" in retired.accessibleName()
    assert view.guidance.level.text().startswith("Suggested: level 3")
    assert "check the agreed level" in view.guidance.details.text()
    assert "no longer an indicator" in view.guidance.details.text()


def test_a_child_protection_indicator_raises_the_banner_until_acknowledged(show: Show, qtbot: Any) -> None:
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
