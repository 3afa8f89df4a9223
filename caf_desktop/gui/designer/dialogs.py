"""The form designer's dialogs: adding a question, a rule by pointing, and what publishing does."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.common.errors import CafError
from caf_desktop.formengine import publishing, schematree
from caf_desktop.formengine.drafting import KINDS, Draft

KIND_LABELS = {
    "text": "Text (one line)",
    "long_text": "Long text",
    "date": "Date",
    "number": "Number",
    "whole_number": "Whole number",
    "yes_no": "Yes or no",
    "choice": "One choice",
    "choices": "Several choices",
}


class AddQuestionDialog(QDialog):
    """The id, title and kind of a new question."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a question")
        layout = QFormLayout(self)
        self.title_edit = QLineEdit(self)
        self.title_edit.setAccessibleName("Title of the new question")
        self.id_edit = QLineEdit(self)
        self.id_edit.setAccessibleName("Id of the new question")
        self.id_edit.setPlaceholderText("lower_case_letters_and_digits")
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Kind of question")
        for kind in KINDS:
            self.kind.addItem(KIND_LABELS[kind], kind)
        layout.addRow("&Title:", self.title_edit)
        layout.addRow("&Id (never shown to workers; it cannot change once published):", self.id_edit)
        layout.addRow("&Kind:", self.kind)
        self.title_edit.textEdited.connect(self._suggest_id)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)
        self._id_typed = False
        self.id_edit.textEdited.connect(lambda _: setattr(self, "_id_typed", True))

    def _suggest_id(self, title: str) -> None:
        if not self._id_typed:
            words = "".join(c.lower() if c.isalnum() else " " for c in title).split()
            self.id_edit.setText("_".join(words)[:40])


class RuleDialog(QDialog):
    """A rule by pointing: "show when [question] [is / is one of / is answered / is not answered] [value]"."""

    EFFECTS = (
        ("Always shown (no rule)", None),
        ("Show it when", "show"),
        ("Hide it when", "hide"),
        ("Let it be edited only when", "enable"),
        ("Make it read-only when", "disable"),
    )
    OPERATORS = (
        ("is", "is"),
        ("is one of", "is_one_of"),
        ("is answered", "answered"),
        ("is not answered", "not_answered"),
    )

    def __init__(self, draft: Draft, element: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.draft = draft
        self.setWindowTitle("Rule")
        layout = QFormLayout(self)
        self.effect = QComboBox(self)
        self.effect.setAccessibleName("What the rule does")
        for label, effect in self.EFFECTS:
            self.effect.addItem(label, effect)
        self.question = QComboBox(self)
        self.question.setAccessibleName("The question the rule depends on")
        root = draft.raw["schema"]
        for pointer in draft.questions_for_rules(element):
            self.question.addItem(schematree.title(schematree.at(root, pointer), pointer), pointer)
        self.operator = QComboBox(self)
        self.operator.setAccessibleName("How the answer is compared")
        for label, operator in self.OPERATORS:
            self.operator.addItem(label, operator)
        self.values = QListWidget(self)
        self.values.setAccessibleName("The answers that make the rule hold")
        self.text_value = QLineEdit(self)
        self.text_value.setAccessibleName("The answer that makes the rule hold")
        layout.addRow("&Effect:", self.effect)
        layout.addRow("&Question:", self.question)
        layout.addRow("&Answer:", self.operator)
        layout.addRow("&Values:", self.values)
        layout.addRow("&Or the text:", self.text_value)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)
        self.question.currentIndexChanged.connect(self._fill_values)
        self._fill_values()
        self.resize(620, 420)  # long choices read whole

    def _fill_values(self) -> None:
        self.values.clear()
        pointer = self.question.currentData()
        node = schematree.at(self.draft.raw["schema"], pointer) if pointer else []
        kind = schematree.kind(self.draft.raw["schema"], node) if node else "unknown"
        options: list[tuple[Any, str]] = list(schematree.choice_options(node) or [])
        if kind == "boolean":
            options = [(True, "Yes"), (False, "No")]
        for value, label in options:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.values.addItem(item)
        self.text_value.setEnabled(not options)

    def chosen_values(self) -> list[Any]:
        checked = [
            self.values.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.values.count())
            if self.values.item(i).checkState() == Qt.CheckState.Checked
        ]
        return checked or (
            [self.text_value.text()] if self.text_value.isEnabled() and self.text_value.text() else []
        )

    def rule(self) -> tuple[str | None, list[tuple[str, str, Any]]]:
        effect = self.effect.currentData()
        if effect is None:
            return None, []
        operator = self.operator.currentData()
        values = self.chosen_values()
        if operator == "is":
            if len(values) != 1:
                raise CafError("Choose exactly one answer for “is” (or choose “is one of”).")
            return effect, [(self.question.currentData(), "is", values[0])]
        if operator == "is_one_of":
            if not values:
                raise CafError("Choose at least one answer for “is one of”.")
            return effect, [(self.question.currentData(), "is_one_of", values)]
        return effect, [(self.question.currentData(), operator, None)]


class PublishDialog(QDialog):
    """What publishing would do: the graded changes with the records they touch, or why it cannot."""

    def __init__(
        self, plan: publishing.PublishPlan, counts: dict[int, int], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Publish {plan.new.title} {plan.new.version}")
        layout = QVBoxLayout(self)
        lines: list[str] = []
        if plan.refusal is not None:
            lines.append(plan.refusal)
        elif plan.previous is None:
            lines.append(f"{plan.new.title} is a new form: version {plan.new.version} is its first.")
        else:
            lines.append(f"From version {plan.previous.version} to {plan.new.version}:")
            for index, change in enumerate(plan.changes):
                held = counts.get(index, 0)
                where = f" ({held} record{'s' if held != 1 else ''} in this store)" if held else ""
                lines.append(
                    f"  • {change.grade}: {change.text}{' Its migration handles it.' if change.covered else ''}{where}"
                )
            if not plan.changes:
                lines.append("  • no change to the questions.")
        for problem in plan.problems:
            lines.append(f"Cannot publish: {problem}")
        if plan.allowed and plan.previous is not None:
            suggestion = publishing.suggested_version(plan.previous.version, plan.changes)
            if suggestion != plan.new.version:
                lines.append(f"From these changes the next version would usually be {suggestion}.")
            lines.append(
                "Once published, this version is read-only for ever. Drafts move to it when a worker chooses."
            )
        self.summary = QPlainTextEdit("\n".join(lines), self)
        self.summary.setReadOnly(True)
        self.summary.setAccessibleName("What publishing this version does")
        layout.addWidget(self.summary)
        buttons = QDialogButtonBox(self)
        self.publish_button = buttons.addButton("&Publish", QDialogButtonBox.ButtonRole.AcceptRole)
        self.publish_button.setEnabled(plan.allowed)
        self.publish_button.setAutoDefault(False)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 460)
