"""The form designer: change a form without reading JSON, see it as a worker will, publish it safely.

Three panes over one `Draft`: the outline (sections, groups, questions, texts), the properties of the
chosen question, and the preview, which is the real `FormView` of the draft (what the designer sees is
what a worker gets), with the JSON beside it for experts. Every edit goes through the draft, so Undo
and Redo (Ctrl+Z, Ctrl+Y) cover all of them and the migration comes from the same list. The checker's
findings sit under the preview; choosing one goes to its element. Publish shows the graded changes
with the records of this store they touch, and refuses what `forms publish` refuses.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.common import jsonfiles
from caf_desktop.common.errors import CafError
from caf_desktop.formengine import changes, pointers, publishing, schematree
from caf_desktop.formengine.definitions import FormDefinition, installed_catalogue, load
from caf_desktop.formengine.drafting import Draft, Placement
from caf_desktop.gui.designer.dialogs import AddQuestionDialog, PublishDialog, RuleDialog
from caf_desktop.gui.form.view import FormView
from caf_desktop.gui.shared.main_window import menu_action


class DesignerWindow(QMainWindow):
    def __init__(self, draft: Draft, *, store: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("designer-window")
        self.draft = draft
        self.store = store
        self.saved_path: Path | None = None
        self._placements: dict[str, Placement] = {}
        self._selected: str | None = None  # the raw pointer of the chosen layout element
        self._build()
        self.refresh()
        self.resize(1366, 768)

    # --- building ------------------------------------------------------------------------------------

    def _build(self) -> None:
        properties = self._build_properties()
        right = self._build_preview()
        main = QSplitter(self)
        main.addWidget(self.outline)
        main.addWidget(properties)
        main.addWidget(right)
        main.setSizes([300, 330, 736])
        self.setCentralWidget(main)
        self._build_menus()

    def _build_properties(self) -> QWidget:
        self.outline = QTreeWidget(self)
        self.outline.setObjectName("designer-outline")
        self.outline.setHeaderHidden(True)
        self.outline.setAccessibleName("Outline of the form: sections, groups, questions and texts")
        self.outline.currentItemChanged.connect(self._chosen)

        properties = QWidget(self)
        form = QFormLayout(properties)
        self.id_label = QLabel("", properties)
        self.id_label.setObjectName("designer-id")
        self.id_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title_edit = QLineEdit(properties)
        self.title_edit.setObjectName("designer-title")
        self.title_edit.setAccessibleName("Title of the chosen question")
        self.title_edit.editingFinished.connect(self._title_edited)
        self.help_edit = QLineEdit(properties)
        self.help_edit.setObjectName("designer-help")
        self.help_edit.setAccessibleName("Help text of the chosen question")
        self.help_edit.editingFinished.connect(self._help_edited)
        self.required_box = QCheckBox("&Required to mark complete", properties)
        self.required_box.setObjectName("designer-required")
        self.required_box.clicked.connect(self._required_clicked)
        self.kind_label = QLabel("", properties)
        self.choices_list = QListWidget(properties)
        self.choices_list.setObjectName("designer-choices")
        self.choices_list.setAccessibleName("Choices of the chosen question, value and label")
        form.addRow("Id:", self.id_label)
        form.addRow("Kind:", self.kind_label)
        form.addRow("&Title:", self.title_edit)
        form.addRow("&Help:", self.help_edit)
        form.addRow("", self.required_box)
        form.addRow("Choices:", self.choices_list)
        return properties

    def _build_json_page(self) -> QWidget:
        self.json_view = QPlainTextEdit(self)
        self.json_view.setObjectName("designer-json")
        self.json_view.setAccessibleName("The draft as JSON, for experts")
        json_page = QWidget(self)
        json_layout = QVBoxLayout(json_page)
        json_layout.setContentsMargins(0, 0, 0, 0)
        json_layout.addWidget(self.json_view)
        self.apply_json_button = QPushButton("&Apply the JSON (one edit: Undo takes it back)", json_page)
        self.apply_json_button.clicked.connect(self.apply_json)
        json_layout.addWidget(self.apply_json_button)
        return json_page

    def _build_preview(self) -> QSplitter:
        self.tabs = QTabWidget(self)
        self.preview_host = QWidget(self)
        self.preview_layout = QVBoxLayout(self.preview_host)
        self.preview_layout.setContentsMargins(0, 0, 0, 0)
        self.preview: FormView | None = None
        self.preview_note = QLabel("", self.preview_host)
        self.preview_note.setWordWrap(True)
        self.preview_layout.addWidget(self.preview_note)
        json_page = self._build_json_page()
        check_row = QWidget(self.preview_host)
        check_layout = QHBoxLayout(check_row)
        check_layout.setContentsMargins(0, 0, 0, 0)
        self.try_button = QPushButton(
            "Chec&k the answers typed in the preview (nothing is stored)", check_row
        )
        self.try_button.clicked.connect(self.check_preview)
        self.try_result = QLabel("", check_row)
        self.try_result.setObjectName("designer-try-result")
        self.try_result.setWordWrap(True)
        check_layout.addWidget(self.try_button)
        check_layout.addWidget(self.try_result, 1)
        self.preview_layout.addWidget(check_row)
        self.tabs.addTab(self.preview_host, "&Preview")
        self.tabs.addTab(json_page, "&JSON")
        self.findings = QListWidget(self)
        self.findings.setObjectName("designer-findings")
        self.findings.setAccessibleName("Problems the checker found in the draft")
        self.findings.itemActivated.connect(self._finding_chosen)

        self.message = QLabel("", self)
        self.message.setObjectName("designer-message")
        self.message.setAccessibleName("Message from the designer")
        self.message.setWordWrap(True)
        self.message.setStyleSheet("QLabel { background: #fff4ce; color: #3d2b00; padding: 6px; }")
        self.message.hide()
        below = QWidget(self)
        below_layout = QVBoxLayout(below)
        below_layout.setContentsMargins(0, 0, 0, 0)
        below_layout.addWidget(self.message)
        below_layout.addWidget(self.findings)
        right = QSplitter(Qt.Orientation.Vertical, self)
        right.addWidget(self.tabs)
        right.addWidget(below)
        right.setStretchFactor(0, 4)
        right.setStretchFactor(1, 1)
        return right

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        menu_action(self, "&Open a form file…", self.open_file, QKeySequence.StandardKey.Open, file_menu)
        menu_action(self, "&Save draft as…", self.save_as, QKeySequence.StandardKey.Save, file_menu)
        self.publish_action = menu_action(self, "&Publish…", self.publish, "Ctrl+Shift+P", file_menu)
        self.ruleset_action = menu_action(
            self, "Edit the &threshold guidance…", self.edit_guidance, None, file_menu
        )
        file_menu.addSeparator()
        menu_action(self, "&Close", self.close, QKeySequence.StandardKey.Close, file_menu)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = menu_action(self, "&Undo", self.undo, "Ctrl+Z", edit_menu)
        self.redo_action = menu_action(self, "&Redo", self.redo, "Ctrl+Y", edit_menu, also=("Ctrl+Shift+Z",))
        edit_menu.addSeparator()
        self.add_action = menu_action(self, "&Add a question…", self.add_question, "Ctrl+Shift+N", edit_menu)
        self.rename_action = menu_action(self, "Re&name the id…", self.rename, "F2", edit_menu)
        self.delete_action = menu_action(self, "&Delete the question", self.delete, "Ctrl+Delete", edit_menu)
        self.rule_action = menu_action(
            self, "R&ule: show or hide by an answer…", self.edit_rule, "Ctrl+R", edit_menu
        )
        self.add_choice_action = menu_action(self, "Add a &choice…", self.add_choice, None, edit_menu)
        self.retire_choice_action = menu_action(
            self, "Re&tire a choice…", self.retire_choice, None, edit_menu
        )
        edit_menu.addSeparator()
        self.up_action = menu_action(self, "Move &up", lambda: self.move(-1), "Alt+Up", edit_menu)
        self.down_action = menu_action(self, "Move do&wn", lambda: self.move(+1), "Alt+Down", edit_menu)

    # --- showing the draft ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """The outline, properties, preview, JSON, findings and actions, from the draft as it is now."""
        self._fill_outline()
        found = self.draft.findings()
        self.findings.clear()
        self._mark_outline(found)
        for finding in found:
            item = QListWidgetItem(f"{finding.path}: {finding.message}")
            item.setData(Qt.ItemDataRole.UserRole, finding.path)
            self.findings.addItem(item)
        if not found:
            self.findings.addItem("No problems: the checker finds nothing to fix.")
        self._fill_preview(valid=not found)
        self.json_view.setPlainText(json.dumps(self.draft.as_json(), ensure_ascii=False, indent=2))
        self.undo_action.setEnabled(self.draft.can_undo)
        self.undo_action.setText(f"&Undo {self.draft.undo_label()}" if self.draft.can_undo else "&Undo")
        self.redo_action.setEnabled(self.draft.can_redo)
        self.redo_action.setText(f"&Redo {self.draft.redo_label()}" if self.draft.can_redo else "&Redo")
        self.publish_action.setEnabled(not found)
        self._show_properties()
        changed = "*" if self.draft.can_undo else ""
        self.setWindowTitle(
            f"{changed}{self.draft.raw.get('title')} {self.draft.raw.get('version')} (draft) — Form designer"
        )

    def _fill_outline(self) -> None:
        self.outline.blockSignals(True)
        self.outline.clear()
        self._placements = {p.location: p for p in self.draft.placements()}
        items: dict[str, QTreeWidgetItem] = {}
        chosen: QTreeWidgetItem | None = None
        for index, section in enumerate(self.draft.raw["layout"]["sections"]):
            location = f"/layout/sections/{index}"
            item = QTreeWidgetItem([f"Section: {section.get('title', index + 1)}"])
            item.setData(0, Qt.ItemDataRole.UserRole, location)
            self.outline.addTopLevelItem(item)
            items[location] = item
            if location == self._selected:
                chosen = item
        for location, placement in self._placements.items():
            element = pointers.resolve(self.draft.raw, location, {})
            owner = location.rsplit("/elements/", 1)[0]
            parent = items.get(owner)
            item = QTreeWidgetItem([self._words(element, placement)])
            item.setData(0, Qt.ItemDataRole.UserRole, location)
            if parent is not None:
                parent.addChild(item)
            items[location] = item
            if location == self._selected:
                chosen = item
        self.outline.expandAll()
        if chosen is not None:
            self.outline.setCurrentItem(chosen)
        self.outline.blockSignals(False)

    def _mark_outline(self, found: list[Any]) -> None:
        """Each finding on its element in the outline: the item says "problem" and carries the message."""
        for item in self._all_items():
            location = item.data(0, Qt.ItemDataRole.UserRole)
            mine = [
                f.message
                for f in found
                if location
                and (f.path == location or f.path.startswith(location + "/"))
                and not any(
                    f.path.startswith(other + "/") and other.startswith(location + "/")
                    for other in self._placements
                )
            ]
            if mine:
                item.setText(0, f"⚠ {item.text(0)}")
                item.setToolTip(0, "\n".join(mine))
                item.setData(
                    0, Qt.ItemDataRole.AccessibleTextRole, f"{item.text(0)[2:]}, has a problem: {mine[0]}"
                )

    def _all_items(self) -> list[QTreeWidgetItem]:
        found: list[QTreeWidgetItem] = []
        stack = [self.outline.topLevelItem(i) for i in range(self.outline.topLevelItemCount())]
        while stack:
            item = stack.pop()
            found.append(item)
            stack.extend(item.child(i) for i in range(item.childCount()))
        return found

    def _words(self, element: dict[str, Any], placement: Placement) -> str:
        if placement.scope is not None:
            node = schematree.at(self.draft.raw["schema"], placement.scope)
            title = element.get("label") or schematree.title(node, placement.scope.rsplit("/", 1)[-1])
            return f"{title}  ({placement.scope.rsplit('/', 1)[-1]})"
        if element.get("type") == "group":
            return f"Group: {element.get('label', '')}"
        return f"Text: {str(element.get('text', ''))[:60]}"

    def _fill_preview(self, *, valid: bool) -> None:
        if self.preview is not None:
            self.preview_layout.removeWidget(self.preview)
            self.preview.deleteLater()
            self.preview = None
        if not valid:
            self.preview_note.setText("The preview waits until the problems below are fixed.")
            self.preview_note.show()
            return
        self.preview_note.hide()
        self.preview = FormView(self.draft.definition(), self.preview_host, own_keys=False)
        self.preview.setObjectName("designer-preview")
        self.preview_layout.addWidget(self.preview)

    def apply_json(self) -> None:
        self._edit(lambda: self.draft.replace_json(self.json_view.toPlainText()))

    def check_preview(self) -> None:
        """Test-fills the form: the complete check and the threshold guidance on what was typed in the
        preview. Nothing is stored."""
        if self.preview is None:
            return
        from caf_desktop.practice import completion  # noqa: PLC0415

        problems = completion.findings(self.preview.definition, self.preview.value())
        guidance = self.preview.guidance_result()
        words = [
            f"{len(problems)} answer{'s' if len(problems) != 1 else ''} to give or fix before marking complete"
            if problems
            else "Complete: nothing missing."
        ]
        if guidance is not None:
            words.append(f"Suggested level {guidance.level} ({guidance.label}).")
        self.try_result.setText(" ".join(words))

    def _chosen(self, current: QTreeWidgetItem | None, _previous: Any = None) -> None:
        self._selected = current.data(0, Qt.ItemDataRole.UserRole) if current is not None else None
        self._show_properties()

    def select_question(self, pointer: str) -> bool:
        """Chooses the question that edits `pointer` in the outline (as a click would); False if none does."""
        location = next((loc for loc, p in self._placements.items() if p.scope == pointer), None)
        if location is None:
            return False
        self._selected = location
        self._fill_outline()
        self._show_properties()
        return True

    def chosen_question(self) -> str | None:
        placement = self._placements.get(self._selected or "")
        return placement.scope if placement is not None else None

    def _show_properties(self) -> None:
        pointer = self.chosen_question()
        node = schematree.at(self.draft.raw["schema"], pointer) if pointer else []
        editable = bool(node)
        for widget in (self.title_edit, self.help_edit, self.required_box):
            widget.setEnabled(editable)
        for action in (self.rename_action, self.delete_action):
            action.setEnabled(editable)
        choices = schematree.choice_options(node) if node else None
        if node and schematree.kind(self.draft.raw["schema"], node) == "choices":
            items = [
                f
                for s in node
                if isinstance(s.get("items"), dict)
                for f in schematree.facets(self.draft.raw["schema"], s["items"])
            ]
            choices = schematree.choice_options(items)
        self.add_choice_action.setEnabled(choices is not None)
        self.retire_choice_action.setEnabled(choices is not None)
        self.choices_list.clear()
        for value, label in choices or []:
            self.choices_list.addItem(f"{label}  ({value})")
        if not editable or pointer is None:
            self.id_label.setText("")
            self.kind_label.setText("")
            self.title_edit.setText("")
            self.help_edit.setText("")
            self.required_box.setChecked(False)
            return
        self.id_label.setText(pointer)
        self.kind_label.setText(schematree.kind(self.draft.raw["schema"], node))
        self.title_edit.setText(schematree.title(node, ""))
        description = schematree.first(node, "description")
        self.help_edit.setText(description if isinstance(description, str) else "")
        parent = pointers.parent(pointer)
        needed = schematree.at(self.draft.raw["schema"], parent) if parent else [self.draft.raw["schema"]]
        name = pointers.split(pointer)[-1]
        self.required_box.setChecked(any(name in (s.get("required") or []) for s in needed))

    def _finding_chosen(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if not isinstance(path, str):
            return
        best = max((loc for loc in self._placements if path.startswith(loc)), key=len, default=None)
        if best is not None:
            self._selected = best
            self._fill_outline()

    # --- edits ---------------------------------------------------------------------------------------

    def _edit(self, what: Any) -> bool:
        """Runs one edit; a refused edit is said in the message line (nothing changed), not a box to dismiss."""
        try:
            what()
        except CafError as error:
            self.message.setText(f"Not changed: {error}")
            self.message.show()
            return False
        self.message.hide()
        self.refresh()
        return True

    def _title_edited(self) -> None:
        pointer = self.chosen_question()
        node = schematree.at(self.draft.raw["schema"], pointer) if pointer else []
        if pointer and self.title_edit.text() != schematree.title(node, ""):
            self._edit(lambda: self.draft.set_text(pointer, "title", self.title_edit.text()))

    def _help_edited(self) -> None:
        pointer = self.chosen_question()
        node = schematree.at(self.draft.raw["schema"], pointer) if pointer else []
        now = schematree.first(node, "description") or ""
        if pointer and self.help_edit.text() != now:
            self._edit(lambda: self.draft.set_text(pointer, "description", self.help_edit.text()))

    def _required_clicked(self, checked: bool) -> None:
        pointer = self.chosen_question()
        if pointer:
            self._edit(lambda: self.draft.set_required(pointer, checked))

    def undo(self) -> None:
        self.draft.undo()
        self.refresh()

    def redo(self) -> None:
        self.draft.redo()
        self.refresh()

    def add_question(self) -> None:
        target_list, index = self._insertion_point()
        dialog = AddQuestionDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        name, title, kind = (
            dialog.id_edit.text().strip(),
            dialog.title_edit.text().strip(),
            dialog.kind.currentData(),
        )
        added: list[str] = []
        if self._edit(
            lambda: added.append(self.draft.add_question(target_list, index, name, kind, title or name))
        ):
            self._selected = f"{target_list}/{index}"
            self._fill_outline()
            self._show_properties()

    def _insertion_point(self) -> tuple[str, int]:
        """After the chosen element, in its list; in a chosen section, at its end; else the first section's end."""
        location = self._selected or "/layout/sections/0"
        if location.count("/elements/") == 0:
            elements = f"{location}/elements"
            return elements, len(pointers.resolve(self.draft.raw, elements, []))
        owner, index = location.rsplit("/", 1)
        return owner, int(index) + 1

    def rename(self) -> None:
        pointer = self.chosen_question()
        if pointer is None:
            return
        name, ok = QInputDialog.getText(
            self,
            "Rename the id",
            f"New id for {pointer} (its answers move with it):",
            text=pointers.split(pointer)[-1],
        )
        if ok and name and name != pointers.split(pointer)[-1]:
            self._edit(lambda: self.draft.rename(pointer, name.strip()))

    def delete(self) -> None:
        pointer = self.chosen_question()
        if pointer is not None:
            self._selected = None
            self._edit(lambda: self.draft.delete(pointer))

    def edit_rule(self) -> None:
        location = self._selected
        if location is None or "/elements/" not in location:
            self.message.setText(
                "Choose a question, group or text in the outline first: a rule belongs to one."
            )
            self.message.show()
            return
        dialog = RuleDialog(self.draft, location, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            effect, conditions = dialog.rule()
        except CafError as error:
            self.message.setText(f"Not changed: {error}")
            self.message.show()
            return
        self._edit(lambda: self.draft.set_rule(location, effect, conditions))

    def add_choice(self) -> None:
        pointer = self.chosen_question()
        if pointer is None:
            return
        label, ok = QInputDialog.getText(self, "Add a choice", "The choice as workers see it:")
        if ok and label.strip():
            value = (
                "_".join("".join(c.lower() if c.isalnum() else " " for c in label).split())[:40] or "option"
            )
            self._edit(lambda: self.draft.add_choice(pointer, value, label.strip()))

    def retire_choice(self) -> None:
        pointer = self.chosen_question()
        node = schematree.at(self.draft.raw["schema"], pointer) if pointer else []
        if pointer is None or not node:
            return
        if schematree.kind(self.draft.raw["schema"], node) == "choices":
            node = [
                f
                for s in node
                if isinstance(s.get("items"), dict)
                for f in schematree.facets(self.draft.raw["schema"], s["items"])
            ]
        options = schematree.choice_options(node) or []
        labels = [label for _, label in options]
        label, ok = QInputDialog.getItem(self, "Retire a choice", "The choice to retire:", labels, 0, False)
        if not ok:
            return
        value = next(v for v, lb in options if lb == label)
        others = ["(take the answer away)"] + [lb for v, lb in options if v != value]
        instead, ok = QInputDialog.getItem(
            self, "Retire a choice", f"Records that chose “{label}” get instead:", others, 0, False
        )
        if not ok:
            return
        replacement = next((v for v, lb in options if lb == instead), None)
        self._edit(lambda: self.draft.retire_choice(pointer, value, replacement))

    def move(self, step: int) -> None:
        location = self._selected
        if location is None or "/elements/" not in location:
            return
        owner, index = location.rsplit("/", 1)
        target = int(index) + step
        if self._edit(lambda: self.draft.move(location, target)):
            self._selected = f"{owner}/{target}"
            self._fill_outline()

    # --- files and publishing ------------------------------------------------------------------------

    def open_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open a form file", "", "Form definitions (*.json)")
        if not name:
            return
        try:
            definition = load_file(Path(name))
        except CafError as error:
            QMessageBox.warning(self, "Cannot open the form", str(error))
            return
        self.draft = Draft(definition)
        self._selected = None
        self.refresh()

    def save_as(self) -> None:
        suggested = f"{self.draft.raw.get('id')}-{self.draft.raw.get('version')}.json"
        name, _ = QFileDialog.getSaveFileName(self, "Save the draft", suggested, "Form definitions (*.json)")
        if name:
            self.save_to(Path(name))

    def save_to(self, path: Path) -> None:
        from caf_desktop.common import atomic  # noqa: PLC0415

        atomic.write_json(path, self.draft.as_json())
        self.saved_path = path
        self.statusBar().showMessage(f"Draft saved to {path}.", 5000)

    def edit_guidance(self) -> None:
        """The threshold ruleset's own editor, on a new version of the newest guidance."""
        from caf_desktop.gui.designer.ruleset_window import RulesetWindow  # noqa: PLC0415
        from caf_desktop.practice.ruleset_drafting import RulesetDraft  # noqa: PLC0415
        from caf_desktop.practice.thresholds import ruleset  # noqa: PLC0415

        editor = RulesetWindow(
            RulesetDraft(ruleset(self.draft.raw.get("thresholds", {}).get("ruleset", "caf-continuum"))), self
        )
        editor.setWindowFlag(Qt.WindowType.Window, True)
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        editor.show()
        self.ruleset_editor = editor

    def publish_plan(self) -> tuple[publishing.PublishPlan, dict[int, int]]:
        plan = publishing.plan(installed_catalogue(), self.draft.definition())
        counts: dict[int, int] = {}
        if self.store is not None and plan.previous is not None:
            previous = plan.previous
            records = self.store.records_of_form(previous.id, previous.version)
            for index, change in enumerate(plan.changes):
                counts[index] = sum(1 for r in records if changes.affects(change, r.document))
        return plan, counts

    def publish(self) -> None:
        if self.draft.findings():
            QMessageBox.information(self, "Publish", "Fix the problems the checker found first.")
            return
        plan, counts = self.publish_plan()
        dialog = PublishDialog(plan, counts, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or not plan.allowed:
            return
        try:
            target = publishing.install(plan.new)
        except (CafError, OSError) as error:
            QMessageBox.warning(self, "Cannot publish", str(error))
            return
        self.statusBar().showMessage(
            f"Published {plan.new.title} {plan.new.version} ({target}). New records use it.", 8000
        )
        self.draft = Draft(installed_catalogue().get(plan.new.id, plan.new.version))
        self.refresh()


def load_file(path: Path) -> FormDefinition:
    raw = jsonfiles.load(path)
    if not isinstance(raw, dict):
        raise CafError(f"{path}: this file does not hold a form definition (it is not a JSON object).")
    return load(raw, str(path))
