"""A worker records a referral to children's social care and a manager records oversight, each started
from the child's case in the real records window over a real store; and the case list shows the drift
these records reveal (a referral waiting for its decision, no oversight, no first TAC meeting,
repeated contacts that did not happen)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.records.case_list import CaseListModel
from caf_desktop.gui.records.window import RecordsWindow
from caf_desktop.store import clock
from caf_desktop.store.store import Profile, Store
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QRadioButton

from tests.conftest import example
from tests.gui.conftest import type_text
from tests.store.support import child_of

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Zoë's completed CAF (20 November 2026, level 3), and nothing else yet."""
    opened = Store.create(
        tmp_path / "home", PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    caf = opened.add_record(shipped_catalogue().get("caf-assessment"), example("caf-assessment"))
    opened.set_status(caf.id, "complete")
    yield opened
    opened.close()


def menu_action(window: RecordsWindow, text: str) -> QAction:
    """The menu item a person would choose, by the words it shows."""
    (found,) = [a for a in window.findChildren(QAction) if a.text().replace("&", "") == text]
    return found


def caf_id(store: Store) -> str:
    return next(r.id for r in store.list_records() if r.form_id == "caf-assessment")


def type_into(window: RecordsWindow, qtbot: Any, pointer: str, text: str) -> None:
    assert window.view is not None
    editor = window.view.go_to(pointer)
    assert editor is not None, pointer
    widget = editor.focus_widget()
    widget.setFocus()
    type_text(qtbot, widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Tab)  # leaving the field, as a person moves on


def choose(window: RecordsWindow, qtbot: Any, pointer: str, code: str) -> None:
    assert window.view is not None
    window.view.go_to(pointer)
    button = window.view.findChild(QRadioButton, f"{pointer}={code}")
    assert button is not None, f"{pointer}={code}"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def pick(window: RecordsWindow, qtbot: Any, pointer: str, starting: str) -> None:
    """Chooses from a drop-down with the keyboard: down until the wanted answer shows."""
    assert window.view is not None
    window.view.go_to(pointer)
    combo = window.view.findChild(QComboBox, pointer)
    assert combo is not None, pointer
    combo.setFocus()
    for _ in range(combo.count()):
        if combo.currentText().startswith(starting):
            break
        qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert combo.currentText().startswith(starting)


def test_a_worker_records_a_referral_from_the_childs_case(
    store: Store, window: RecordsWindow, qtbot: Any
) -> None:
    window.open_record(caf_id(store))
    menu_action(window, "New referral (step up) for this child…").trigger()
    assert window.view is not None
    assert window.view.definition.id == "caf-referral"
    assert window.view.value()["child"]["caf_reference"] == "MK-2026-0417"  # from the case
    for pointer, text in (
        ("/referrer/name", "Hannah Testwell"),
        ("/referrer/role", "Designated safeguarding lead"),
        ("/referrer/agency", "Brightwell Primary School"),
        ("/referral/date", "25/11/2026"),
        ("/referral/time", "09:40"),
    ):
        type_into(window, qtbot, pointer, text)
    choose(window, qtbot, "/referral/method", "portal")
    choose(window, qtbot, "/referral/to_whom", "mash")
    pick(window, qtbot, "/reason/level_of_need", "Level 4")
    choose(window, qtbot, "/reason/pathway", "child_protection")
    type_into(window, qtbot, "/reason/concerns", "A bruise on her arm; she says it was the new partner.")
    type_into(window, qtbot, "/sharing/what_shared", "The CAF and the TAC plan.")
    choose(window, qtbot, "/sharing/basis", "consent")
    type_into(window, qtbot, "/sharing/consent_given_by", "Her mother")
    choose(window, qtbot, "/sharing/parents_told", "true")

    menu_action(window, "Mark complete").trigger()

    assert window.record_id is not None
    stored = store.get(window.record_id)
    assert stored.status == "complete"
    assert stored.case_id == store.get(caf_id(store)).case_id  # it joined Zoë's case
    document = stored.document
    assert document["referral"] == {
        "date": "2026-11-25",
        "time": "09:40",
        "method": "portal",
        "to_whom": "mash",
    }
    assert document["reason"]["level_of_need"] == 4
    assert document["sharing"]["basis"] == "consent"
    assert "decision" not in document  # it arrives later


def test_a_manager_records_oversight_from_the_case_list(
    store: Store, window: RecordsWindow, qtbot: Any
) -> None:
    row = next(
        r for r in range(window.case_list.model.rowCount()) if window.case_list.model.record_at(r) is not None
    )
    window.case_list.table.selectRow(row)
    menu_action(window, "New management oversight for this child…").trigger()
    assert window.view is not None
    assert window.view.definition.id == "management-oversight"
    type_into(window, qtbot, "/oversight/date", "26/11/2026")
    type_into(window, qtbot, "/oversight/reviewer_name", "Sian Wyn")
    choose(window, qtbot, "/oversight/reviewer_role", "safeguarding_lead")
    pick(window, qtbot, "/oversight/level_of_need", "Level 3")
    type_into(window, qtbot, "/considered/summary", "The plan has not started; two visits did not happen.")
    type_into(window, qtbot, "/decisions", "Stay at level 3; see the family at school.")
    choose(window, qtbot, "/direction/step", "stay")
    type_into(window, qtbot, "/next_oversight_date", "20/01/2027")

    menu_action(window, "Mark complete").trigger()

    assert window.record_id is not None
    stored = store.get(window.record_id)
    assert stored.status == "complete"
    assert stored.case_id == store.get(caf_id(store)).case_id
    assert stored.document["oversight"]["reviewer_role"] == "safeguarding_lead"
    assert stored.document["oversight"]["level_of_need"] == 3
    assert stored.document["next_oversight_date"] == "2027-01-20"


def test_the_case_list_shows_the_new_drift_flags(
    store: Store, window: RecordsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    child = child_of(store, caf_id(store))
    referral = example("caf-referral", "awaiting-decision")  # made 25/11/2026, no decision yet
    referral["non_engagement"] = [
        {"date": "2026-11-10", "kind": "not_at_home", "planned": "Home visit"},
        {"date": "2026-11-17", "kind": "cancelled", "planned": "Home visit"},
        {"date": "2026-11-24", "kind": "missed", "planned": "Health visitor appointment"},
    ]
    store.add_record(shipped_catalogue().get("caf-referral"), referral, child_id=child)
    later = dt.datetime(2027, 2, 19, 9, 0, tzinfo=dt.UTC)  # past the first TAC and oversight intervals
    monkeypatch.setattr(clock, "now", lambda: later)
    window.refresh_attention()  # the window's timer does this every ten minutes
    model = window.case_list.model
    row = next(r for r in range(model.rowCount()) if model.record_at(r).id == caf_id(store))  # type: ignore[union-attr]
    shown = str(model.data(model.index(row, CaseListModel.ATTENTION)))
    assert shown.startswith(
        "⚠ The referral to children's social care made on 25/11/2026 has no decision recorded"
    )
    full = store.get(caf_id(store)).attention or ""
    for words in (
        "it was due by 30/11/2026",
        "The CAF was completed on 20/11/2026 and no TAC meeting has been held: the first meeting was due by 11/12/2026.",
        "This level 3 case has had no management oversight since 20/11/2026: it was due by 18/02/2027.",
    ):
        assert words in full
    assert "Contacts did not happen again and again" not in full  # 90 days on, the three are too old
    window.open_record(caf_id(store))
    assert window.banner.text().startswith(
        "⚠ On this case: The referral to children's social care made on 25/11/2026"
    )
    assert "no management oversight" in window.banner.text()


def test_the_case_list_shows_repeated_non_engagement(
    store: Store, window: RecordsWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    oversight = example("management-oversight")
    oversight["non_engagement"] = [
        {"date": "2026-11-10", "kind": "not_at_home", "planned": "Home visit"},
        {"date": "2026-11-17", "kind": "cancelled", "planned": "Home visit"},
        {"date": "2026-11-24", "kind": "missed", "planned": "Health visitor appointment"},
    ]
    store.add_record(
        shipped_catalogue().get("management-oversight"), oversight, child_id=child_of(store, caf_id(store))
    )
    later = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "now", lambda: later)
    window.refresh_attention()
    window.case_list.refresh()  # as the list does when the window comes back to it
    model = window.case_list.model
    row = next(r for r in range(model.rowCount()) if model.record_at(r).id == caf_id(store))  # type: ignore[union-attr]
    # The whole case counts: the oversight's three, and the two the CAF 1.1.0 example logs itself.
    assert str(model.data(model.index(row, CaseListModel.ATTENTION))) == (
        "⚠ Contacts did not happen again and again (5 in the last 90 days: 2 not at home, 2 cancelled by "
        "the family, 1 missed; the third on 10/11/2026): consider stepping up."
    )
