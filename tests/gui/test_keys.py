"""The keyboard in the real window: every key has one owner in every state, every key the README
lists does what it says, and every menu action has the name CONTRACT.md gives it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.records.window import RecordsWindow
from caf_desktop.store.store import Profile, Store
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLabel, QLineEdit, QMessageBox, QWidget

from tests.conftest import example
from tests.gui.conftest import show_records_window

PASSPHRASE = "correct horse battery staple"
README = Path(__file__).resolve().parents[2] / "README.md"

# The real dialogs, kept before the suite's guard against unanswered dialogs replaces them: a dialog
# a key opens here is opened for real and closed from a timer.
REAL_DIALOGS: dict[tuple[type, str], Any] = {
    (cls, name): getattr(cls, name)
    for cls, names in (
        (QDialog, ("exec",)),
        (QMessageBox, ("exec", "question", "warning", "information", "critical")),
        (QFileDialog, ("getOpenFileName", "getOpenFileNames", "getSaveFileName", "getExistingDirectory")),
    )
    for name in names
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.create(
        tmp_path / "home", PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    for form_id in ("caf-assessment", "tac-meeting"):
        opened.add_record(shipped_catalogue().get(form_id), example(form_id))
    yield opened
    opened.close()


@pytest.fixture
def window(store: Store, qtbot: Any) -> Iterator[RecordsWindow]:
    shown = show_records_window(store, qtbot)
    with qtbot.waitActive(shown):
        shown.activateWindow()
    yield shown
    shown.close()
    shown.deleteLater()


def record_of(window: RecordsWindow, form_id: str) -> str:
    return next(r.id for r in window.store.list_records() if r.form_id == form_id)


def activate(window: RecordsWindow, qtbot: Any) -> None:
    """The window active again (as after a dialog a key opened has closed)."""
    if QApplication.activeWindow() is not window:
        with qtbot.waitActive(window):
            window.activateWindow()


def open_record(window: RecordsWindow, qtbot: Any, form_id: str = "caf-assessment") -> None:
    activate(window, qtbot)
    window.open_record(record_of(window, form_id))
    assert window.view is not None
    window.view.build_all()
    first = window.view.pages[window.view.current_section()].editors[0].focus_widget()
    first.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first, timeout=2000)


# --- one owner per key ---------------------------------------------------------------------------------------


def shortcut_owners(window: RecordsWindow) -> Counter[str]:
    """Every key sequence any QAction or QShortcut in the window answers to, with how many answer."""
    owners: Counter[str] = Counter()
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            owners[sequence.toString()] += 1
    for shortcut in window.findChildren(QShortcut):
        for sequence in shortcut.keys():  # noqa: SIM118 - its key sequences; a QShortcut is no dict
            owners[sequence.toString()] += 1
    owners.pop("", None)
    return owners


def test_every_key_has_one_owner_in_every_state_of_the_window(window: RecordsWindow, qtbot: Any) -> None:
    states: dict[str, Counter[str]] = {"the case list": shortcut_owners(window)}
    open_record(window, qtbot)
    states["a record open"] = shortcut_owners(window)
    window.lock()
    states["locked"] = shortcut_owners(window)
    duplicates = {state: [k for k, n in owners.items() if n > 1] for state, owners in states.items()}
    assert duplicates == {state: [] for state in states}
    assert {"Ctrl+N", "F8", "Ctrl+PgDown", "Ctrl+PgUp"} <= set(states["a record open"])


# --- the README's keys, pressed in the real window ---------------------------------------------------------


def readme_keys() -> list[str]:
    """The keys of the README's table after "A first session", as it writes them."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("### A first session") :]
    table = table[table.index("| keys | does |") :].split("\n\n", 1)[0]
    keys: list[str] = []
    for row in table.splitlines()[2:]:
        cell = row.split("|")[1].strip()
        keys += [k.strip() for k in cell.split(" / ")]
    return keys


class DialogCloser(QObject):
    """Closes each modal dialog that opens, a moment after it is on screen, and notes its title."""

    def __init__(self) -> None:
        super().__init__()
        self.titles: list[str] = []
        self.timer = QTimer(self)
        self.timer.setInterval(30)
        self.timer.timeout.connect(self._close)
        self.timer.start()

    def _close(self) -> None:
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, QDialog) and dialog.isVisible():
            self.titles.append(dialog.windowTitle())
            dialog.reject()


def press(qtbot: Any, keys: str) -> None:
    """Presses a key combination on whatever has the focus, as the keyboard would."""
    sequence = QKeySequence(keys)
    combination = sequence[0]
    target = QApplication.focusWidget() or QApplication.activeWindow()
    assert target is not None
    QTest.keyClick(target, combination.key(), combination.keyboardModifiers())


def focused_name() -> str:
    widget = QApplication.focusWidget()
    return widget.objectName() if widget is not None else ""


Check = Callable[[RecordsWindow, Any, DialogCloser], None]


def opens(title: str, *, record: str | None = "caf-assessment") -> Callable[[str], Check]:
    """The key opens a dialog of this title (from the case list, or with this record open)."""

    def for_key(keys: str) -> Check:
        def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
            if record is not None:
                open_record(window, qtbot, record)
            press(qtbot, keys)
            qtbot.waitUntil(lambda: title in closer.titles, timeout=5000)

        return check

    return for_key


def prints(title: str, *, record: str) -> Callable[[str], Check]:
    """The key opens the real print preview of this record (the DialogCloser cancels it)."""
    return opens(f"Print preview — {title}", record=record)


def new_record(keys: str) -> Check:
    def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
        press(qtbot, keys)  # from the case list
        qtbot.waitUntil(lambda: closer.titles == ["New record"], timeout=3000)
        assert window.view is None
        open_record(window, qtbot)
        press(qtbot, keys)  # and from a record: the dialog again, never the list
        qtbot.waitUntil(lambda: closer.titles == ["New record"] * 2, timeout=3000)
        assert window.view is not None  # the record stays open behind the dialog

    return check


def saves_a_version(keys: str) -> Check:
    def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
        open_record(window, qtbot)
        before = len(window.store.revisions(record_of(window, "caf-assessment")))
        press(qtbot, keys)
        assert len(window.store.revisions(record_of(window, "caf-assessment"))) == before + 1

    return check


def back_to_the_list(keys: str) -> Check:
    def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
        open_record(window, qtbot)
        press(qtbot, keys)
        assert window.stack.currentWidget() is window.case_list
        assert window.view is None

    return check


def locks(keys: str) -> Check:
    def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
        open_record(window, qtbot)
        press(qtbot, keys)
        assert window.locked
        assert window.stack.currentWidget() is window.lock_page

    return check


def typed_in_aka(window: RecordsWindow, qtbot: Any) -> QWidget:
    open_record(window, qtbot)
    assert window.view is not None
    box = window.view.go_to("/child/aka")
    assert box is not None
    line = box.focus_widget()
    assert isinstance(line, QLineEdit)
    line.selectAll()
    qtbot.keyClicks(line, "Zed")
    assert window.view.value()["child"]["aka"] == "Zed"
    return line


def undoes(keys: str) -> Check:
    def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
        typed_in_aka(window, qtbot)
        press(qtbot, keys)
        assert window.view is not None
        assert window.view.value()["child"]["aka"] == example("caf-assessment")["child"]["aka"]
        assert window.view.document.can_redo  # the document's undo, not the box's own

    return check


def redoes(keys: str) -> Check:
    def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
        typed_in_aka(window, qtbot)
        press(qtbot, "Ctrl+Z")
        press(qtbot, keys)
        assert window.view is not None
        assert window.view.value()["child"]["aka"] == "Zed"

    return check


def moves_section(step: int) -> Callable[[str], Check]:
    def for_key(keys: str) -> Check:
        def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
            open_record(window, qtbot)
            assert window.view is not None
            window.view.move_section(2)
            start = window.view.current_section()
            press(qtbot, keys)
            assert window.view.current_section() == start + step
            # and the focus is in the section now on screen, on its first question
            page = window.view.pages[window.view.current_section()]
            assert QApplication.focusWidget() is page.editors[0].focus_widget()

        return check

    return for_key


def checks_answers(keys: str) -> Check:
    def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
        open_record(window, qtbot)
        assert window.view is not None
        window.view.set_value({"child": {"date_of_birth": "2999-01-01"}})
        press(qtbot, keys)
        assert window.statusBar().currentMessage() == "1 problem to put right"
        error = window.view.findChild(QLabel, "error:/child/date_of_birth")
        assert error is not None
        assert not error.isHidden()
        assert error.text().startswith("⚠ Problem:")

    return check


def marks_complete(keys: str) -> Check:
    def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
        open_record(window, qtbot)
        press(qtbot, keys)
        assert window.store.get(record_of(window, "caf-assessment")).status == "complete"
        assert window.statusBar().currentMessage().startswith("Marked complete and saved as version")

    return check


def next_problem(keys: str) -> Check:
    def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
        open_record(window, qtbot)
        assert window.view is not None
        document = example("caf-assessment")
        document["assessor"]["email"] = "not an email"
        window.view.set_value(document)
        problems = window.view.problems
        qtbot.waitUntil(
            lambda: (
                [problems.item(i).data(Qt.ItemDataRole.UserRole) for i in range(problems.count())]
                == ["/assessor/email"]
            ),
            timeout=3000,
        )
        window.view.set_current_section(0)
        window.view.pages[0].editors[0].focus_widget().setFocus()
        press(qtbot, keys)
        assert focused_name() == "/assessor/email"
        assert window.view.current_section() == 5

    return check


def tabs(step: int) -> Callable[[str], Check]:
    def for_key(keys: str) -> Check:
        def check(window: RecordsWindow, qtbot: Any, closer: DialogCloser) -> None:
            open_record(window, qtbot)
            assert window.view is not None
            window.view.go_to("/child/family_name")
            press(qtbot, keys)
            assert focused_name() == ("/child/aka" if step > 0 else "/child/given_names")

        return check

    return for_key


CHECKS: dict[str, Callable[[str], Check]] = {
    "Ctrl+N": new_record,
    "Ctrl+O": opens("Open a saved form", record=None),
    "Ctrl+S": saves_a_version,
    "Ctrl+Shift+S": opens("Personal data"),
    "Ctrl+H": opens("History of Zoë Łukasiewicz-O'Brien"),
    "Alt+Home": back_to_the_list,
    "Ctrl+Shift+L": locks,
    "Ctrl+E": opens("Export as PDF"),
    "Ctrl+P": prints("Common Assessment Framework (CAF) assessment", record="caf-assessment"),
    "Ctrl+Shift+P": prints("TAC meeting record and delivery plan", record="tac-meeting"),
    "Ctrl+T": opens("Locality team", record=None),
    "Ctrl+Shift+B": opens("Send records", record=None),
    "Ctrl+Shift+I": opens("Import bundles", record=None),
    "Ctrl+Z": undoes,
    "Ctrl+Y": redoes,
    "Ctrl+PgDown": moves_section(+1),
    "Ctrl+PgUp": moves_section(-1),
    "F7": checks_answers,
    "Ctrl+Enter": marks_complete,
    "F8": next_problem,
    "Tab": tabs(+1),
    "Shift+Tab": tabs(-1),
}


def test_the_readme_lists_exactly_the_keys_checked_here() -> None:
    assert readme_keys() == list(CHECKS)


@pytest.mark.parametrize("keys", list(CHECKS))
def test_each_key_of_the_readme_does_what_it_says(
    keys: str, window: RecordsWindow, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for (cls, name), real in REAL_DIALOGS.items():
        monkeypatch.setattr(cls, name, real)
    closer = DialogCloser()
    try:
        CHECKS[keys](keys)(window, qtbot, closer)
    finally:
        closer.timer.stop()
    assert QApplication.activeModalWidget() is None


# --- the names of the menu actions --------------------------------------------------------------------------


def test_every_menu_action_is_named_action_and_its_words(window: RecordsWindow) -> None:
    named = {a.objectName(): a for a in window.findChildren(QAction) if a.objectName().startswith("action-")}
    for name in (
        "action-new-record",
        "action-save",
        "action-mark-complete",
        "action-export-pdf",
        "action-print",
        "action-print-tac-plan",
        "action-history",
        "action-lock",
        "action-send-records",
        "action-import-bundles",
        "action-team",
        "action-next-problem",
    ):
        assert name in named, f"no menu action named {name}"
    assert named["action-new-record"].text().replace("&", "") == "New record…"
    names = [a.objectName() for a in window.findChildren(QAction) if a.objectName().startswith("action-")]
    assert len(names) == len(set(names)), "two actions share a name"  # findChild must find the one meant
    for menu_action in window.menuBar().actions():
        menu = menu_action.menu()
        assert menu is not None
        for action in menu.actions():
            if not action.isSeparator():
                assert re.fullmatch(r"action-[a-z0-9]+(-[a-z0-9]+)*", action.objectName()), action.text()
