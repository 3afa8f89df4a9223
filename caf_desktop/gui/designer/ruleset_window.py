"""The threshold ruleset's own editor: indicators by element and level, with their pathway and words,
the locality's intervals and numbers, checked as `forms check` checks them, published as a new version.

A window over one `caf_desktop.practice.ruleset_drafting.RulesetDraft`; every change goes through it,
so Undo and Redo (Ctrl+Z, Ctrl+Y) cover them all, and the rules that keep old records readable (an id
never reused, a level-4 indicator never retired) are the draft's.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.common import paths
from caf_desktop.common.errors import CafError
from caf_desktop.gui.shared.main_window import menu_action
from caf_desktop.practice.ruleset_drafting import RulesetDraft
from caf_desktop.practice.thresholds import Intervals

PATHWAY_WORDS = {"child_protection": "child protection (s47)", "child_in_need": "child in need (s17)"}
INTERVALS = (
    ("first_tac_meeting_working_days", "First TAC meeting within (working days of the CAF)", 260),
    ("oversight_days", "Management oversight of level 3 and 4 cases every (days)", 366),
    ("referral_decision_working_days", "A referral's decision within (working days)", 60),
    ("review_weeks", "TAC review every (weeks), when none was set", 52),
)


class RulesetWindow(QMainWindow):
    def __init__(self, draft: RulesetDraft, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ruleset-window")
        self.draft = draft
        self._chosen: str | None = None
        self.outline = QTreeWidget(self)
        self.outline.setHeaderHidden(True)
        self.outline.setAccessibleName("Indicators by element and level")
        self.outline.currentItemChanged.connect(self._picked)

        side = self._build_side()

        splitter = QSplitter(self)
        splitter.addWidget(self.outline)
        splitter.addWidget(side)
        splitter.setSizes([760, 600])
        holder = QWidget(self)
        QVBoxLayout(holder).addWidget(splitter)
        self.setCentralWidget(holder)
        edit = self.menuBar().addMenu("&Edit")
        self.undo_action = menu_action(self, "&Undo", self.undo, "Ctrl+Z", edit)
        self.redo_action = menu_action(self, "&Redo", self.redo, "Ctrl+Y", edit)
        self.move_action = menu_action(self, "&Move to another level…", self.move_level, "Ctrl+M", edit)
        self.retire_action = menu_action(self, "&Retire…", self.retire, None, edit)
        self.resize(1366, 768)
        self.refresh()

    def _build_side(self) -> QWidget:
        side = QWidget(self)
        form = QFormLayout(side)
        self.id_label = QLabel("", side)
        self.text_edit = QLineEdit(side)
        self.text_edit.setAccessibleName("Words of the chosen indicator")
        self.text_edit.editingFinished.connect(self._reworded)
        self.pathway = QComboBox(side)
        self.pathway.setAccessibleName("Pathway of the chosen level-4 indicator")
        for key, words in PATHWAY_WORDS.items():
            self.pathway.addItem(words, key)
        self.pathway.activated.connect(self._pathway_chosen)
        form.addRow("Id:", self.id_label)
        form.addRow("&Words:", self.text_edit)
        form.addRow("&Pathway:", self.pathway)
        self.intervals: dict[str, QSpinBox] = {}
        for key, words, most in INTERVALS:
            box = QSpinBox(side)
            box.setRange(1, most)
            box.setAccessibleName(words)
            box.editingFinished.connect(lambda key=key: self._interval_set(key))
            self.intervals[key] = box
            form.addRow(words + ":", box)
        self.lado = QLineEdit(side)
        self.lado.setAccessibleName("LADO telephone number")
        self.lado.editingFinished.connect(self._lado_set)
        form.addRow("&LADO number:", self.lado)
        self.message = QLabel("", side)
        self.message.setWordWrap(True)
        self.message.setObjectName("ruleset-message")
        form.addRow(self.message)
        self.findings = QListWidget(side)
        self.findings.setAccessibleName("Problems the checker found in the guidance")
        form.addRow("Problems:", self.findings)
        self.publish_button = QPushButton("P&ublish this version", side)
        self.publish_button.clicked.connect(self.publish)
        form.addRow(self.publish_button)
        return side

    def refresh(self) -> None:
        raw = self.draft.raw
        self.outline.blockSignals(True)
        self.outline.clear()
        chosen = None
        for element in raw["elements"]:
            top = QTreeWidgetItem([element["title"]])
            self.outline.addTopLevelItem(top)
            for level in (1, 2, 3, 4):
                found = self.draft.indicators_of(element["id"], level)
                if not found:
                    continue
                branch = QTreeWidgetItem([f"Level {level}"])
                top.addChild(branch)
                for indicator in found:
                    tag = f" [{PATHWAY_WORDS[indicator['pathway']]}]" if indicator.get("pathway") else ""
                    item = QTreeWidgetItem([f"{indicator['text']}{tag}"])
                    item.setData(0, Qt.ItemDataRole.UserRole, indicator["id"])
                    branch.addChild(item)
                    if indicator["id"] == self._chosen:
                        chosen = item
        if chosen is not None:
            self.outline.setCurrentItem(chosen)
            chosen.parent().setExpanded(True)
            chosen.parent().parent().setExpanded(True)
        self.outline.blockSignals(False)
        intervals = raw.get("intervals") or {}
        for key, box in self.intervals.items():
            box.setValue(int(intervals.get(key, getattr(Intervals(), key))))
        lado = next((c for c in raw["contacts"] if c["id"] == "lado"), None)
        self.lado.setText("" if lado is None or lado.get("placeholder") else lado["phone"])
        self.findings.clear()
        found = self.draft.findings()
        for finding in found:
            self.findings.addItem(f"{finding.path}: {finding.message}")
        if not found:
            self.findings.addItem("No problems.")
        self.publish_button.setEnabled(not found)
        self.undo_action.setEnabled(bool(self.draft.edits.done))
        self.redo_action.setEnabled(bool(self.draft.edits.undone))
        self.setWindowTitle(f"{raw['title']} {raw['version']} (draft) — Threshold guidance editor")
        self._show_chosen()

    def select(self, indicator_id: str) -> None:
        self._chosen = indicator_id
        self.refresh()

    def _picked(self, item: QTreeWidgetItem | None, _previous: Any = None) -> None:
        self._chosen = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        self._show_chosen()

    def _indicator(self) -> dict[str, Any] | None:
        return next((i for i in self.draft.raw["indicators"] if i["id"] == self._chosen), None)

    def _show_chosen(self) -> None:
        indicator = self._indicator()
        self.id_label.setText(indicator["id"] if indicator else "")
        self.text_edit.setText(indicator["text"] if indicator else "")
        self.text_edit.setEnabled(indicator is not None)
        level_4 = indicator is not None and indicator["level"] == 4
        self.pathway.setEnabled(level_4)
        if level_4 and indicator is not None:
            self.pathway.setCurrentIndex(self.pathway.findData(indicator.get("pathway", "child_protection")))
        self.move_action.setEnabled(indicator is not None)
        self.retire_action.setEnabled(indicator is not None and not level_4)

    def _edit(self, what: Any) -> bool:
        try:
            what()
        except CafError as error:
            self.message.setText(f"Not changed: {error}")
            return False
        self.message.setText("")
        self.refresh()
        return True

    def _reworded(self) -> None:
        indicator = self._indicator()
        if indicator is not None and self.text_edit.text() != indicator["text"]:
            self._edit(lambda: self.draft.set_text(indicator["id"], self.text_edit.text()))

    def _pathway_chosen(self) -> None:
        indicator = self._indicator()
        if indicator is not None and self.pathway.currentData() != indicator.get("pathway"):
            self._edit(lambda: self.draft.set_pathway(indicator["id"], self.pathway.currentData()))

    def _interval_set(self, key: str) -> None:
        value = self.intervals[key].value()
        if value != (self.draft.raw.get("intervals") or {}).get(key):
            self._edit(lambda: self.draft.set_interval(key, value))

    def _lado_set(self) -> None:
        if self.lado.text().strip():
            self._edit(lambda: self.draft.set_contact("lado", self.lado.text()))

    def undo(self) -> None:
        self.draft.undo()
        self.refresh()

    def redo(self) -> None:
        self.draft.redo()
        self.refresh()

    def move_level(self) -> None:
        indicator = self._indicator()
        if indicator is None:
            return
        levels = [f"Level {n}" for n in (1, 2, 3, 4) if n != indicator["level"]]
        chosen, ok = QInputDialog.getItem(
            self,
            "Move to another level",
            "The level it belongs at (records that hold it follow):",
            levels,
            0,
            False,
        )
        if ok:
            moved: list[str] = []
            if self._edit(
                lambda: moved.append(self.draft.move(indicator["id"], level=int(chosen.split()[-1])))
            ):
                self.select(moved[0])

    def retire(self) -> None:
        indicator = self._indicator()
        if indicator is None:
            return
        reason, ok = QInputDialog.getText(self, "Retire", "Why (records that hold it show this):")
        if ok:
            self._chosen = None
            self._edit(lambda: self.draft.retire(indicator["id"], reason))

    def publish(self) -> None:
        try:
            target = self.draft.publish(paths.user_forms_dir() / "thresholds")
        except CafError as error:
            self.message.setText(f"Not published: {error}")
            return
        self.message.setText(
            f"Published {self.draft.raw['version']} ({target}): every record now reads this guidance."
        )
        self.publish_button.setEnabled(False)
