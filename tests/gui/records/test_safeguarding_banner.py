"""No danger is hidden: the safeguarding banner of a stored record, in the real window, from opening
it to acknowledging it (kept per version, audited), and the case list's flag."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.form.qt_guidance import SafeguardingBanner
from caf_desktop.gui.records.case_list import CaseListModel
from caf_desktop.gui.records.window import RecordsWindow
from caf_desktop.store.store import Profile, Store
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox

from tests.conftest import example
from tests.gui.conftest import show_records_window

PASSPHRASE = "correct horse battery staple"
DANGER = "health.l4.non_accidental_injury"
SECOND_DANGER = "basic_care.l4.unexplained_injuries"


def in_danger() -> dict[str, Any]:
    document = example("caf-assessment")
    document["child"]["given_names"], document["child"]["family_name"] = "Mira", "Fenwick-Adeyemi"
    document["development"]["health"]["indicators"].append(DANGER)
    return document


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def store(home: Path) -> Iterator[Store]:
    opened = Store.create(
        home, PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    for form_id in ("caf-assessment", "tac-meeting"):
        opened.add_record(shipped_catalogue().get(form_id), example(form_id))
    yield opened
    opened.close()


@pytest.fixture
def record_id(store: Store) -> str:
    """A CAF with a level-4 indicator, saved earlier: nobody has acknowledged its banner yet."""
    return store.add_record(shipped_catalogue().get("caf-assessment"), in_danger()).id


@pytest.fixture
def window(store: Store, qtbot: Any) -> Iterator[RecordsWindow]:
    shown = show_records_window(store, qtbot)
    with qtbot.waitActive(shown):
        shown.activateWindow()
    yield shown
    shown.close()
    shown.deleteLater()


def banner_of(window: RecordsWindow) -> SafeguardingBanner:
    assert window.view is not None
    banner = window.view.banner
    assert isinstance(banner, SafeguardingBanner)
    assert banner.objectName() == "safeguarding-banner"  # CONTRACT.md
    return banner


def actions(store: Store, record_id: str) -> list[str]:
    return [e.action for e in store.audit_events(record_id) if e.action.startswith("safeguarding")]


def test_a_reopened_level_4_record_shows_the_banner_focused_until_acknowledged_with_a_key(
    window: RecordsWindow, store: Store, record_id: str, qtbot: Any
) -> None:
    window.open_record(record_id)
    banner = banner_of(window)

    assert banner.isVisible()
    assert banner.needs_acknowledgement
    assert "SAFEGUARDING" in banner.text.text()
    assert "Contact children's social care now" in banner.text.text()
    assert banner.button.isVisible()
    assert QApplication.focusWidget() is banner  # a screen reader starts here
    assert actions(store, record_id) == ["safeguarding banner shown"]
    full_height = banner.height()

    qtbot.keyClick(banner, Qt.Key.Key_Return)  # a habit (Enter opened the record) answers nothing
    assert banner.needs_acknowledgement
    assert QApplication.focusWidget() is banner
    qtbot.keyClick(banner, Qt.Key.Key_Tab)  # one key to the button
    assert QApplication.focusWidget() is banner.button
    qtbot.keyClick(banner.button, Qt.Key.Key_Space)

    assert actions(store, record_id) == ["safeguarding banner shown", "safeguarding acknowledged"]
    event = store.audit_events(record_id)[-1]
    assert (event.actor, event.details) == ("Ada Worker", {"version": 1, "causes": [DANGER]})
    # Slim, but still there and still saying it, with who acknowledged it.
    qtbot.waitUntil(lambda: banner.height() < full_height / 2)
    assert banner.isVisible()
    assert not banner.button.isVisible()
    assert not banner.contacts.isVisible()
    assert "SAFEGUARDING" in banner.text.text()
    assert "Acknowledged by Ada Worker on " in banner.text.text()


def test_the_acknowledgement_holds_for_that_version_after_reopening_the_app(
    window: RecordsWindow, store: Store, home: Path, record_id: str, qtbot: Any
) -> None:
    window.open_record(record_id)
    qtbot.mouseClick(banner_of(window).button, Qt.MouseButton.LeftButton)
    window.show_start()
    window.close()
    store.close()

    reopened = Store.open(home, PASSPHRASE)
    try:
        again = show_records_window(reopened, qtbot)
        try:
            again.open_record(record_id)
            banner = banner_of(again)
            assert banner.isVisible()
            assert banner.is_acknowledged
            assert not banner.button.isVisible()
            assert "Acknowledged by Ada Worker on " in banner.text.text()
            assert actions(reopened, record_id) == ["safeguarding banner shown", "safeguarding acknowledged"]
        finally:
            again.close()
            again.deleteLater()
    finally:
        reopened.close()


def test_a_newer_version_saved_with_the_indicator_asks_again_when_it_is_opened(
    window: RecordsWindow, store: Store, record_id: str, qtbot: Any
) -> None:
    """Saving keeps the bar slim for the person who just acknowledged it, but the version saved is
    a new version: whoever opens it next (the same worker included) acknowledges it again."""
    window.open_record(record_id)
    qtbot.mouseClick(banner_of(window).button, Qt.MouseButton.LeftButton)
    assert window.save()
    assert store.get(record_id).version == 2
    assert banner_of(window).is_acknowledged  # no new danger in this session: still slim
    window.show_start()

    window.open_record(record_id)

    banner = banner_of(window)
    assert banner.needs_acknowledgement
    assert banner.button.isVisible()
    assert QApplication.focusWidget() is banner
    assert actions(store, record_id)[-1] == "safeguarding banner shown"


def test_a_new_level_4_indicator_after_the_acknowledgement_brings_the_banner_back(
    window: RecordsWindow, store: Store, record_id: str, qtbot: Any
) -> None:
    window.open_record(record_id)
    banner = banner_of(window)
    qtbot.mouseClick(banner.button, Qt.MouseButton.LeftButton)
    assert banner.is_acknowledged
    assert window.view is not None
    pointer = "/parenting/basic_care/indicators"
    window.view.go_to(pointer)
    box = window.view.findChild(QCheckBox, f"{pointer}={SECOND_DANGER}")
    assert box is not None

    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))

    assert banner.needs_acknowledgement
    assert banner.button.isVisible()
    assert QApplication.focusWidget() is banner
    qtbot.keyClick(banner, Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert store.audit_events(record_id)[-1].details == {
        "version": 1,
        "causes": sorted([DANGER, SECOND_DANGER]),
    }
    window.autosave()
    window.show_start()
    window.open_record(record_id)
    assert banner_of(window).is_acknowledged


def test_without_locality_numbers_the_banner_still_gives_a_number_and_says_who_sets_them(
    window: RecordsWindow, record_id: str
) -> None:
    window.open_record(record_id)
    banner = banner_of(window)
    words = f"{banner.text.text()}\n{banner.contacts.text()}"

    assert "call the police on 999" in words
    assert "Police (emergency): 999" in words
    assert "not set yet" in words
    assert "coordinator" in words
    assert "Team page" in words
    assert words.count("Multi-Agency Safeguarding Hub") == 1
    assert words.count("Multi-Agency Referral Form (MARF)") == 1
    assert "Not set: your coordinator sets this number" not in words  # said once, plainly, not per line


def test_the_case_list_flags_the_case_and_lists_it_first(
    window: RecordsWindow, store: Store, record_id: str
) -> None:
    # A record changed after the level-4 one: newest first would list it above.
    store.add_record(shipped_catalogue().get("tac-meeting"), example("tac-meeting"))
    window.case_list.refresh()
    model = window.case_list.model

    first = model.record_at(0)
    assert first is not None
    assert first.id == record_id
    flag = model.data(model.index(0, CaseListModel.ATTENTION))
    assert flag.startswith("⚠ Safeguarding")
    assert "social care" in model.data(model.index(0, CaseListModel.ATTENTION), Qt.ItemDataRole.ToolTipRole)
    others = [model.data(model.index(r, CaseListModel.ATTENTION)) or "" for r in range(1, model.rowCount())]
    assert not any("Safeguarding" in text for text in others)
    header = window.case_list.table.horizontalHeader()
    assert header.sortIndicatorSection() == CaseListModel.ATTENTION  # the order says why
