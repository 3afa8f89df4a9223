"""The main window: choose a form, fill it, open and save the document as JSON, undo and redo.

Signals:
    documentSaved(str): a document was written to this path.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caf_desktop import __version__
from caf_desktop.common import atomic, jsonfiles
from caf_desktop.common.errors import CafError
from caf_desktop.formengine.definitions import FormDefinition, installed_catalogue
from caf_desktop.gui.form.view import FormView
from caf_desktop.gui.shared.layout_memory import settings

PERSONAL_DATA_WARNING = (
    "This file will hold personal information about a child and their family, and it is not encrypted. "
    "Save it only where your organisation allows: an encrypted drive or your organisation's secure storage. "
    "Never on a personal device or in personal email."
)


def restore_splitter(view: FormView) -> None:
    """The sidebar, form and guidance widths as the user left them; never a collapsed guidance panel."""
    state = settings().value("form/splitter")
    restored = isinstance(state, QByteArray) and view.splitter.restoreState(state)
    sizes = view.splitter.sizes()
    if not restored or any(size < 150 for size in sizes):
        view.splitter.setSizes(
            [250, 800, 300][: view.splitter.count()] if view.guidance is not None else [250, 1100]
        )


def guess_form(document: Any) -> FormDefinition | None:
    """The installed form whose top-level answers best match a document's, or None."""
    if not isinstance(document, dict) or not document:
        return None
    best: tuple[int, FormDefinition | None] = (0, None)
    for definition in installed_catalogue().all():
        names = set(definition.schema.get("properties", {}))
        score = len(names & set(document))
        if score > best[0]:
            best = (score, definition)
    return best[1]


def action_words(text: str) -> str:
    """The words of a menu item in kebab case: "Export as &PDF…" is "export-as-pdf"."""
    words = re.findall(r"[a-z0-9]+", text.replace("&", "").lower())
    return "-".join(words)


def menu_action(
    owner: QWidget,
    text: str,
    slot: Any,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    menu: Any = None,
    *,
    also: tuple[str, ...] = (),
) -> QAction:
    """A menu action named `action-` plus its words (CONTRACT.md), so scripts and tests find it.
    `also` gives further keys for the same action (Ctrl+Enter on the keypad beside Ctrl+Return).
    Every window's menus are built with it: the records window and the designer's too."""
    action = QAction(text, owner)
    action.setObjectName(f"action-{action_words(text)}")
    if shortcut is not None:
        action.setShortcuts([QKeySequence(shortcut), *(QKeySequence(k) for k in also)])
    action.triggered.connect(slot)
    if menu is not None:
        menu.addAction(action)
    return action


def name_actions(window: QWidget, shorter: dict[str, str] | None = None) -> None:
    """Names each of the window's actions `action-` plus its words as it says them now (CONTRACT.md),
    or the shorter name given for those words. A menu's own entry in the menu bar is `menu-` plus its
    words, so that "Team" the menu and "Locality team" (`action-team`) never share a name."""
    for action in window.findChildren(QAction):
        if action.isSeparator() or not action.text():
            continue
        words = action_words(action.text())
        if action.menu() is not None:
            action.setObjectName(f"menu-{words}")
        else:
            action.setObjectName(f"action-{(shorter or {}).get(words, words)}")


class ChooseFormDialog(QDialog):
    """Which form a document is for: asked when opening a JSON file, with the best guess chosen."""

    def __init__(self, parent: QWidget | None, guess: FormDefinition | None, file_name: str) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open as which form?")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Which form are the answers in {file_name} for?", self))
        self.combo = QComboBox(self)
        self.combo.setAccessibleName("Form")
        for definition in installed_catalogue().all():
            self.combo.addItem(f"{definition.title} ({definition.version})", definition.key)
            if guess is not None and definition.key == guess.key:
                self.combo.setCurrentIndex(self.combo.count() - 1)
        layout.addWidget(self.combo)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> FormDefinition:
        return installed_catalogue().lookup(str(self.combo.currentData()))


class StartPage(QWidget):
    """What the window shows with no form open: the forms to start, and opening a file."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(40, 30, 40, 30)
        heading = QLabel("Start a form", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        layout.addWidget(QLabel("Choose the form to fill in, then press Enter or Start.", self))
        self.forms = QListWidget(self)
        self.forms.setObjectName("start-forms")
        self.forms.setAccessibleName("Forms")
        for definition in installed_catalogue().all():
            item = QListWidgetItem(f"{definition.title}\n{definition.description}")
            item.setData(Qt.ItemDataRole.UserRole, definition.key)
            self.forms.addItem(item)
        self.forms.setCurrentRow(0)
        self.forms.setWordWrap(True)
        self.forms.itemActivated.connect(
            lambda item: window.new_form(installed_catalogue().lookup(item.data(Qt.ItemDataRole.UserRole)))
        )
        layout.addWidget(self.forms, 1)
        start = QPushButton("Start", self)
        start.setDefault(True)
        start.clicked.connect(
            lambda: window.new_form(
                installed_catalogue().lookup(self.forms.currentItem().data(Qt.ItemDataRole.UserRole))
            )
        )
        open_button = QPushButton("Open a saved JSON file…", self)
        open_button.clicked.connect(window.open_file)
        layout.addWidget(start)
        layout.addWidget(open_button)


class MainWindow(QMainWindow):
    documentSaved = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("main-window")
        self.view: FormView | None = None
        self.path: Path | None = None
        self._warned_about_files = False
        self._build_actions()
        self.start_page = StartPage(self)
        self.setCentralWidget(self.start_page)
        self._restore_layout()
        self._update_title()

    # --- menus -------------------------------------------------------------------------------------------

    def make_action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        menu: Any = None,
        *,
        also: tuple[str, ...] = (),
    ) -> QAction:
        """`menu_action` on this window (public: the records window builds its menus with it too)."""
        return menu_action(self, text, slot, shortcut, menu, also=also)

    def _build_actions(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.file_menu = file_menu
        self.new_action = self.make_action(
            "&New record…", self.start_new, QKeySequence.StandardKey.New, file_menu
        )
        self.make_action("&Open JSON file…", self.open_file, QKeySequence.StandardKey.Open, file_menu)
        self.save_action = self.make_action("&Save", self.save, QKeySequence.StandardKey.Save, file_menu)
        self.save_as_action = self.make_action("Save &as JSON file…", self.save_as, "Ctrl+Shift+S", file_menu)
        file_menu.addSeparator()
        self.make_action("&Quit", self.close, QKeySequence.StandardKey.Quit, file_menu)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = self.make_action("&Undo", self.undo, "Ctrl+Z", edit_menu)
        # Ctrl+Y as the README says on every platform, and Ctrl+Shift+Z where people expect that.
        self.redo_action = self.make_action("&Redo", self.redo, "Ctrl+Y", edit_menu, also=("Ctrl+Shift+Z",))
        form_menu = self.menuBar().addMenu("F&orm")
        self.form_menu = form_menu
        self.check_action = self.make_action("&Check answers", self.check, "F7", form_menu)
        self.complete_action = self.make_action(
            "&Mark complete", self.mark_complete, "Ctrl+Return", form_menu, also=("Ctrl+Enter",)
        )
        # The window owns these keys; the FormView it hosts has none of its own (one owner per key).
        self.next_problem_action = self.make_action(
            "Next &problem", lambda: self.view and self.view.next_problem(), "F8", form_menu
        )
        form_menu.addSeparator()
        self.next_section_action = self.make_action(
            "Next &section", lambda: self.view and self.view.move_section(+1), "Ctrl+PgDown", form_menu
        )
        self.previous_section_action = self.make_action(
            "Pre&vious section", lambda: self.view and self.view.move_section(-1), "Ctrl+PgUp", form_menu
        )
        help_menu = self.menuBar().addMenu("&Help")
        self.make_action("&About CAF Desktop", self.about, None, help_menu)
        self._update_actions()

    def start_new(self) -> None:
        """File ▸ New record (Ctrl+N): here, the page of forms to start."""
        self.show_start()

    def _update_actions(self) -> None:
        has_form = self.view is not None
        for action in (
            self.save_action,
            self.save_as_action,
            self.check_action,
            self.complete_action,
            self.next_problem_action,
            self.next_section_action,
            self.previous_section_action,
        ):
            action.setEnabled(has_form)
        self.undo_action.setEnabled(has_form and self.view is not None and self.view.document.can_undo)
        self.redo_action.setEnabled(has_form and self.view is not None and self.view.document.can_redo)

    def _update_title(self) -> None:
        parts = ["CAF Desktop"]
        if self.view is not None:
            name = self.path.name if self.path else "Not saved"
            modified = "*" if self.view.document.modified else ""
            parts.insert(0, f"{name}{modified} — {self.view.definition.title}")
        self.setWindowTitle(" — ".join(parts))

    # --- forms -------------------------------------------------------------------------------------------

    def show_start(self) -> None:
        if not self._may_discard():
            return
        self._set_view(None)

    def new_form(
        self, definition: FormDefinition, document: dict[str, Any] | None = None, path: Path | None = None
    ) -> FormView:
        view = FormView(definition, self, document=document, own_keys=False)
        self.path = path
        self._set_view(view)
        return view

    def _set_view(self, view: FormView | None) -> None:
        old = self.view
        self.view = view
        if view is None:
            self.start_page = StartPage(self)
            self.setCentralWidget(self.start_page)
            self.path = None
        else:
            view.valueChanged.connect(self._changed)
            view.problemsChanged.connect(
                lambda n: self.statusBar().showMessage(
                    f"{n} problem{'s' if n != 1 else ''}" if n else "No problems found"
                )
            )
            self.setCentralWidget(view)
            restore_splitter(view)
        if old is not None:
            old.deleteLater()
        self._update_actions()
        self._update_title()

    def _changed(self) -> None:
        self._update_actions()
        self._update_title()

    def undo(self) -> None:
        if self.view is not None:
            self.view.undo()

    def redo(self) -> None:
        if self.view is not None:
            self.view.redo()

    def check(self) -> None:
        if self.view is not None:
            found = self.view.check()
            self.statusBar().showMessage(
                f"{len(found)} problem{'s' if len(found) != 1 else ''} to put right"
                if found
                else "No problems with what has been entered."
            )

    def mark_complete(self) -> None:
        if self.view is None:
            return
        if self.view.mark_complete():
            QMessageBox.information(
                self,
                "Complete",
                "Every required answer is filled in and nothing is wrong. The form is complete.",
            )
        else:
            count = len(self.view.errors(complete=True))
            self.statusBar().showMessage(
                f"Not complete yet: {count} answer{'s' if count != 1 else ''} to add or put right. F8 goes to the next one."
            )

    # --- files ---------------------------------------------------------------------------------------------

    def open_file(self) -> None:
        if not self._may_discard():
            return
        name, _ = QFileDialog.getOpenFileName(
            self, "Open a saved form", str(Path.home()), "JSON files (*.json);;All files (*)"
        )
        if name:
            self.open_path(Path(name))

    def open_path(self, path: Path, definition: FormDefinition | None = None) -> FormView | None:
        try:
            document = jsonfiles.load(path)
        except CafError as error:
            QMessageBox.warning(self, "Cannot open the file", str(error))
            return None
        if not isinstance(document, dict):
            QMessageBox.warning(
                self,
                "Cannot open the file",
                f"{path.name} does not hold the answers of a form (it is not a JSON object).",
            )
            return None
        if definition is None:
            dialog = ChooseFormDialog(self, guess_form(document), path.name)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            definition = dialog.chosen()
        return self.new_form(definition, document, path)

    def save(self) -> bool:
        if self.view is None:
            return False
        if self.path is None:
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self) -> bool:
        if self.view is None:
            return False
        if not self._warned_about_files:
            answer = QMessageBox.warning(
                self,
                "Personal data",
                PERSONAL_DATA_WARNING,
                QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            )
            if answer != QMessageBox.StandardButton.Ok:
                return False
            self._warned_about_files = True
        suggested = str(self.path or Path.home() / f"{self.view.definition.id}.json")
        name, _ = QFileDialog.getSaveFileName(self, "Save as JSON file", suggested, "JSON files (*.json)")
        if not name:
            return False
        path = Path(name)
        if path.suffix.lower() != ".json":
            path = path.with_suffix(".json")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        assert self.view is not None
        try:
            atomic.write_json(path, self.view.value())
        except OSError as error:
            reason = error.strerror or "the system refused"
            QMessageBox.warning(
                self,
                "Not saved",
                f"The form could not be saved to {path}: {reason}. Nothing was changed there; try another folder.",
            )
            return False
        self.path = path
        self.view.document.modified = False
        self._update_title()
        self.statusBar().showMessage(f"Saved to {path}", 5000)
        self.documentSaved.emit(str(path))
        return True

    def _may_discard(self) -> bool:
        """Asks before losing unsaved changes: Save, Discard or Cancel."""
        if self.view is None or not self.view.document.modified:
            return True
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"{self.view.definition.title} has changes that are not saved. Save them first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def about(self) -> None:
        QMessageBox.about(
            self,
            "About CAF Desktop",
            f"CAF Desktop {__version__}\nCommon Assessment Framework and Team Around the Child records, offline.",
        )

    # --- layout memory ---------------------------------------------------------------------------------------

    def _restore_layout(self) -> None:
        stored = settings().value("window/geometry")
        if isinstance(stored, QByteArray) and self.restoreGeometry(stored):
            return
        self.resize(1280, 720)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_discard():
            event.ignore()
            return
        store = settings()
        store.setValue("window/geometry", self.saveGeometry())
        if self.view is not None:
            store.setValue("form/splitter", self.view.splitter.saveState())
        store.sync()
        event.accept()
