"""Version 1.1.0 of the CAF in the real records window: marking complete with the paper copy, the
pre-birth prompt, "seen and observed", and a 1.0.0 record that keeps its own version and questions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.records.window import RecordsWindow
from caf_desktop.store.store import Profile, Store
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QRadioButton, QWidget

from tests.conftest import example
from tests.gui.conftest import show_records_window

PASSPHRASE = "correct horse battery staple"
PROMPT = "The expected date has passed: if the baby has been born, update the child's details."
SIGNATURES_MESSAGE = "Add the practitioner's signature and the signature of the parent or carer"
SCREENSHOTS = Path("/tmp/caf-screenshots-1.1.0")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.create(
        tmp_path / "home", PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    yield opened
    opened.close()


@pytest.fixture
def window(store: Store, qtbot: Any) -> Iterator[RecordsWindow]:
    shown = show_records_window(store, qtbot)
    yield shown
    shown.close()
    shown.deleteLater()


def editor_input(window: RecordsWindow, pointer: str) -> QWidget:
    """The input of a question, its section shown and scrolled to, as the problems panel does."""
    assert window.view is not None
    editor = window.view.go_to(pointer)
    assert editor is not None, pointer
    return editor.focus_widget()


def visible_texts(widget: QWidget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel) if label.isVisible() and label.text()]


def grab(widget: QWidget, name: str) -> None:
    """Keeps a picture of what the worker sees (for a person to look at; the asserts do the checking)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    widget.grab().save(str(SCREENSHOTS / f"{name}.png"))


def test_a_worker_marks_a_caf_complete_after_ticking_held_on_paper_copy(
    window: RecordsWindow, store: Store, qtbot: Any
) -> None:
    document = example("caf-assessment")
    document["consent"]["signatures"] = {}  # not signed yet, here or on paper
    info = store.add_record(shipped_catalogue().get("caf-assessment"), document)
    assert info.form_version == "1.1.0"
    view = window.open_record(info.id)
    assert view is not None

    window.mark_complete()
    assert store.get(info.id).status == "draft"
    assert view.completion_notice.isVisible()
    assert [(f.path, f.message[: len(SIGNATURES_MESSAGE)]) for f in view.errors(complete=True)] == [
        ("/consent/signatures", SIGNATURES_MESSAGE)
    ]

    held = editor_input(window, "/consent/signatures/held_on_paper")
    assert isinstance(held, QCheckBox)
    assert held.text() == "Signatures held on paper copy in file"
    held.click()
    where = editor_input(window, "/consent/signatures/paper_copy_location")  # shown once ticked
    assert isinstance(where, QLineEdit)
    qtbot.waitUntil(where.isVisible, timeout=3000)
    where.setFocus()
    qtbot.keyClicks(where, "Lead professional's case file, school office")
    signed = editor_input(window, "/consent/signatures/date")
    signed.setFocus()
    qtbot.keyClicks(signed, "20/11/2026")
    grab(window, "caf-signatures-held-on-paper")

    window.mark_complete()
    assert view.errors(complete=True) == []
    assert store.get(info.id).status == "complete"
    kept = store.get(info.id).document["consent"]["signatures"]
    assert kept == {
        "held_on_paper": True,
        "paper_copy_location": "Lead professional's case file, school office",
        "date": "2026-11-20",
    }


def test_consent_to_share_refused_asks_why_in_the_form(
    window: RecordsWindow, store: Store, qtbot: Any
) -> None:
    document = example("caf-assessment")
    document["consent"]["share"] = {"given_by": "Agnieszka Example"}
    info = store.add_record(shipped_catalogue().get("caf-assessment"), document)
    view = window.open_record(info.id)
    window.mark_complete()
    assert [(f.path, f.message) for f in view.errors(complete=True)] == [
        ("/consent/share/given", "Record whether consent to share was given, refused or not asked.")
    ]
    editor_input(window, "/consent/share/given")
    no = view.findChild(QRadioButton, "/consent/share/given=false")
    assert no is not None
    no.click()
    refused = view.findChild(QRadioButton, "/consent/share/not_given=refused")
    assert refused is not None
    assert refused.isVisibleTo(view)
    refused.click()
    window.mark_complete()
    assert [(f.path, f.message) for f in view.errors(complete=True)] == [
        ("/consent/share/reason_not_given", "Record why consent to share was refused or not asked.")
    ]
    assert store.get(info.id).status == "draft"
    grab(window, "caf-consent-to-share-refused")


def test_a_pre_birth_caf_past_its_expected_date_is_a_draft_with_the_prompt(
    window: RecordsWindow, store: Store, qtbot: Any
) -> None:
    document = example("caf-assessment", "unborn")
    document["child"]["expected_date_of_delivery"] = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    info = store.add_record(shipped_catalogue().get("caf-assessment"), document)
    view = window.open_record(info.id)
    assert view is not None
    editor_input(window, "/child/expected_date_of_delivery")
    qtbot.waitUntil(lambda: any(PROMPT in text for text in visible_texts(view)), timeout=3000)
    assert view.errors() == [], "the draft is never refused"
    grab(window, "caf-pre-birth-prompt")
    # The baby is born: the worker answers No, and the prompt goes.
    no = view.findChild(QRadioButton, "/child/is_unborn=false")
    assert no is not None
    no.click()
    qtbot.waitUntil(lambda: not any(PROMPT in text for text in visible_texts(view)), timeout=3000)


def test_seen_and_observed_is_an_answer_for_a_baby(window: RecordsWindow, store: Store, qtbot: Any) -> None:
    document = example("caf-assessment")
    document["child_voice"] = {}
    info = store.add_record(shipped_catalogue().get("caf-assessment"), document)
    view = window.open_record(info.id)
    editor_input(window, "/child_voice/spoken_to_individually")
    seen = view.findChild(QRadioButton, "/child_voice/spoken_to_individually=seen_and_observed")
    assert seen is not None
    assert "Seen and observed (a baby or a child too young to talk)" in seen.accessibleName()
    seen.click()
    window.mark_complete()
    assert [f.path for f in view.errors(complete=True)] == [
        "/child_voice/date_observed",
        "/child_voice/observations",
    ]
    window.save()
    assert store.get(info.id).document["child_voice"] == {"spoken_to_individually": "seen_and_observed"}


def test_a_1_0_0_record_still_opens_with_1_0_0_and_is_not_asked_the_new_questions(
    window: RecordsWindow, store: Store
) -> None:
    old = shipped_catalogue().get("caf-assessment", "1.0.0")
    info = store.add_record(old, example("caf-assessment", version="1.0.0"))
    view = window.open_record(info.id)
    assert view is not None
    assert view.definition.key == "caf-assessment@1.0.0"
    view.build_all()
    for pointer in (
        "/social_care_history/known",
        "/consent/signatures/paper_copy_location",
        "/consent/share/not_given",
        "/non_engagement",
    ):
        assert view.findChild(QWidget, pointer) is None, pointer
    assert view.findChild(QRadioButton, "/child_voice/spoken_to_individually=seen_and_observed") is None
    window.mark_complete()
    assert view.errors(complete=True) == []
    assert store.get(info.id).status == "complete"
    assert store.get(info.id).form_version == "1.0.0"
