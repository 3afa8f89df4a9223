"""What a form says about being complete: sections marked complete only when they are, required
questions marked before anyone presses Mark complete, and a failed Mark complete said at the form."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.form.view import FormView
from caf_desktop.gui.records.window import RecordsWindow
from caf_desktop.store.store import Profile, Store
from PySide6.QtWidgets import QApplication, QLabel

from tests.conftest import EXAMPLES
from tests.gui.conftest import show_records_window

Show = Callable[[FormView], FormView]


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def states(view: FormView) -> list[str]:
    return [view.section_state(i) for i in range(len(view.pages))]


def checked(view: FormView, qtbot: Any, complete: int) -> None:
    """Waits for the view's first check, which runs a moment after it is on screen: until then no
    section is called complete, so the check has run once section `complete` (which has every
    answer it needs) says so."""
    qtbot.waitUntil(lambda: view.section_state(complete) == "✓ Complete", timeout=3000)


def test_a_section_with_required_answers_missing_is_never_shown_complete(show: Show, qtbot: Any) -> None:
    draft = example("tac-meeting/draft")
    assert "chair" not in draft["meeting"]
    view = show(FormView(shipped_catalogue().get("tac-meeting"), document=draft))
    # Before the check (it runs once the view is painted) nothing is called complete.
    assert "✓ Complete" not in states(view)
    checked(view, qtbot, complete=2)
    # The chair of the meeting is still needed.
    assert states(view)[0] == "In progress"
    assert "✓ Complete" not in [states(view)[i] for i in (0, 1, 4, 6)]
    assert states(view)[2] == "✓ Complete"  # views and updates: nothing required is missing


def test_a_new_document_gets_its_own_section_states_at_once(show: Show, qtbot: Any) -> None:
    view = show(FormView(shipped_catalogue().get("tac-meeting"), document=example("tac-meeting/full")))
    checked(view, qtbot, complete=0)
    assert states(view)[0] == "✓ Complete"
    view.set_value(example("tac-meeting/draft"))
    assert states(view)[0] == "In progress"  # at once: never the old document's Complete


def test_a_brand_new_form_calls_no_section_complete(show: Show) -> None:
    view = show(FormView.for_form("caf-assessment"))
    assert "✓ Complete" not in states(view)


def test_required_questions_are_marked_in_words_and_for_screen_readers(show: Show) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.set_current_section(1)  # identifying details
    family = view.findChild(QLabel, "label:/child/family_name")
    assert family is not None
    assert family.text() == "Family name (required)"
    assert view.editor("/child/family_name").focus_widget().accessibleDescription().startswith("Required.")
    also_known_as = view.findChild(QLabel, "label:/child/aka")
    assert also_known_as is not None
    assert "(required)" not in also_known_as.text()
    assert not view.editor("/child/aka").focus_widget().accessibleDescription().startswith("Required")


def test_a_question_in_a_group_that_is_not_required_is_not_marked(show: Show) -> None:
    view = show(FormView.for_form("caf-assessment"))
    view.build_all()
    # The lead professional is optional ("where applicable"), so nothing in it is marked.
    assert "(required)" not in view.findChild(QLabel, "label:/lead_professional/name").text()
    assert view.findChild(QLabel, "label:/assessor/name").text().endswith("(required)")


def test_a_failed_mark_complete_says_so_at_the_form_and_goes_to_the_first(show: Show) -> None:
    view = show(FormView(shipped_catalogue().get("tac-meeting"), document=example("tac-meeting/draft")))
    view.set_current_section(4)
    assert not view.completion_notice.isVisible()
    assert not view.mark_complete()
    needed = view.errors(complete=True)
    assert view.completion_notice.isVisible()
    text = view.completion_text.text()
    assert text.startswith(f"Not complete yet: {len(needed)} answers are still needed")
    first = needed[0].path
    focus = QApplication.focusWidget()
    assert focus is not None
    assert focus.objectName() == first
    assert view.current_section() == 0
    # Having moved on, "Go to the first" comes back to it.
    view.set_current_section(6)
    view.completion_first.click()
    assert view.current_section() == 0
    assert QApplication.focusWidget().objectName() == first


def test_the_notice_goes_with_the_document_it_was_about(show: Show) -> None:
    view = show(FormView(shipped_catalogue().get("tac-meeting"), document=example("tac-meeting/draft")))
    view.mark_complete()
    assert view.completion_notice.isVisible()
    view.set_value(example("tac-meeting/full"))
    assert not view.completion_notice.isVisible()


@pytest.fixture
def window(tmp_path: Path, qtbot: Any) -> Iterator[RecordsWindow]:
    store = Store.create(
        tmp_path / "home",
        "correct horse battery staple",
        Profile("Ada Worker", "worker", "Fictional Council"),
        kdf_cost=2**12,
    )
    store.add_record(shipped_catalogue().get("tac-meeting"), example("tac-meeting/draft"))
    shown = show_records_window(store, qtbot)
    yield shown
    shown.close()
    shown.deleteLater()
    store.close()


def test_mark_complete_in_the_window_shows_the_notice_and_keeps_the_draft(window: RecordsWindow) -> None:
    record = window.store.list_records()[0]
    view = window.open_record(record.id)
    assert view is not None
    window.mark_complete()
    assert view.completion_notice.isVisible()
    assert view.completion_text.text().startswith("Not complete yet:")
    assert window.store.get(record.id).status == "draft"
