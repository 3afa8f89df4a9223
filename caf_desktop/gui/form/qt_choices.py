"""Field editors for choosing: radio buttons, drop-down lists, tick boxes and the threshold indicators.

They register themselves with the registry in qt_fields (importing this module is what makes them
available); the form view imports it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt
from PySide6.QtGui import (
    QAction,
    QFont,
    QKeyEvent,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.formengine import schematree
from caf_desktop.gui.form.qt_fields import (
    EditorHost,
    FieldEditor,
    FieldSpec,
    add_choice,
    register,
    small_text,
)

# --- choices ----------------------------------------------------------------------------------------------


def _options(spec: FieldSpec) -> list[tuple[Any, str]]:
    if spec.kind == "boolean":
        return [(True, "Yes"), (False, "No")]
    found = schematree.choice_options(spec.schemas)
    return found or []


class _ClearOnDelete(QObject):
    """Delete or Backspace on a radio button clears the answer (radio buttons cannot be unchosen)."""

    def __init__(self, editor: RadioEditor, owner: QWidget) -> None:
        super().__init__(owner)
        self.editor = editor

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        ):
            self.editor.clear()
            return True
        return False


@register("choice", "radio")
@register("boolean", "yesno")
@register("boolean", "radio")
class RadioEditor(FieldEditor):
    """A few options as radio buttons (Yes/No for a yes/no question); none chosen until answered.
    Delete, or "Clear answer" in the right-click menu, takes the answer away again."""

    def create_input(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        self.options = _options(self.spec)
        horizontal = len(self.options) <= 3 and all(len(label) <= 24 for _, label in self.options)
        layout: QHBoxLayout | QVBoxLayout = QHBoxLayout(box) if horizontal else QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(16 if horizontal else 2)
        self.group = QButtonGroup(box)
        self.group.setExclusive(True)
        self.buttons: list[QRadioButton] = []
        for index, (code, label) in enumerate(self.options):
            button = QRadioButton(box)
            button.setObjectName(f"{self.spec.pointer}={json_code(code)}")
            self.group.addButton(button, index)
            add_choice(layout, button, label, box)
            self.buttons.append(button)
        if horizontal:
            layout.addStretch(1)  # type: ignore[union-attr]
        self.group.idClicked.connect(self._chosen)
        box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        clearing = _ClearOnDelete(self, box)
        for button in self.buttons:
            button.installEventFilter(clearing)
            button.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            clear = QAction("Clear answer", button)
            clear.triggered.connect(self.clear)
            button.addAction(clear)
        return box

    def clear(self) -> None:
        self.write(None)
        self.show_value(None)
        self.host.document.close_step()

    def focus_widget(self) -> QWidget:
        checked = self.group.checkedButton()
        return checked if checked is not None else (self.buttons[0] if self.buttons else self.input)

    def name_widgets(self) -> None:
        super().name_widgets()
        for button, (_, label) in zip(self.buttons, self.options, strict=True):
            button.setAccessibleName(f"{label} ({self.accessible_name})")

    def focusables(self) -> list[QWidget]:
        return list(self.buttons)

    def rebase(self, old: str, new: str) -> None:
        super().rebase(old, new)
        for button, (code, _) in zip(self.buttons, self.options, strict=True):
            button.setObjectName(f"{self.pointer}={json_code(code)}")

    def _chosen(self, index: int) -> None:
        self.write(self.options[index][0])
        self.host.document.close_step()

    def show_value(self, value: Any) -> None:
        codes = [code for code, _ in self.options]
        with QSignalBlocker(self.group):
            matches = [i for i, code in enumerate(codes) if code == value and type(code) is type(value)]
            if matches:
                self.buttons[matches[0]].setChecked(True)
            else:
                self.group.setExclusive(False)
                for button in self.buttons:
                    button.setChecked(False)
                self.group.setExclusive(True)
        self._tab_to_the_answer()

    def _tab_to_the_answer(self) -> None:
        """Tab stops once in the set, on the chosen answer (or the first, with none chosen), so a
        screen reader says the answer given; the arrow keys move to the others. Qt's own rule
        (the button last focused) holds while one of them has the focus."""
        if any(button.hasFocus() for button in self.buttons):
            return
        chosen = self.group.checkedButton()
        for button in self.buttons:
            stop = chosen is None or button is chosen
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus if stop else Qt.FocusPolicy.ClickFocus)

    def set_enabled(self, enabled: bool) -> None:
        for button in self.buttons:
            button.setEnabled(enabled and not self.spec.read_only)


def json_code(code: Any) -> str:
    if isinstance(code, bool):
        return "true" if code else "false"
    return str(code)


@register("choice")
class ChoiceEditor(FieldEditor):
    """The default for a choice: radio buttons for up to five options, a drop-down for more."""

    def __new__(cls, spec: FieldSpec, host: EditorHost, parent: QWidget) -> FieldEditor:  # type: ignore[misc]
        target = RadioEditor if len(_options(spec)) <= 5 else SelectEditor
        return target(spec, host, parent)


@register("choice", "select")
class SelectEditor(FieldEditor):
    """A drop-down list with an empty first entry, so nothing is chosen until the user chooses."""

    def create_input(self, parent: QWidget) -> QWidget:
        self.options = _options(self.spec)
        combo = QComboBox(parent)
        combo.addItem("Choose…", None)
        for code, label in self.options:
            combo.addItem(label, code)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        combo.activated.connect(self._chosen)
        self.combo = combo
        return combo

    def _chosen(self, index: int) -> None:
        self.write(None if index <= 0 else self.options[index - 1][0])
        self.host.document.close_step()

    def show_value(self, value: Any) -> None:
        index = next(
            (
                i + 1
                for i, (code, _) in enumerate(self.options)
                if code == value and type(code) is type(value)
            ),
            0,
        )
        if self.combo.currentIndex() != index:
            with QSignalBlocker(self.combo):
                self.combo.setCurrentIndex(index)


@register("boolean")
@register("boolean", "checkbox")
class CheckboxEditor(FieldEditor):
    """A yes/no answer as a single check box; unticked and unanswered look alike, so the form says
    `yesno` where "not answered" matters."""

    shows_own_label = True

    def create_input(self, parent: QWidget) -> QWidget:
        self.box = QCheckBox(self.spec.title, parent)
        self.box.toggled.connect(self._toggled)
        return self.box

    def _toggled(self, checked: bool) -> None:
        self.write(checked)
        self.host.document.close_step()

    def show_value(self, value: Any) -> None:
        with QSignalBlocker(self.box):
            self.box.setChecked(value is True)


@register("choices")
@register("choices", "checkboxes")
class CheckboxesEditor(FieldEditor):
    """Several choices as check boxes; the answer is the list of chosen codes."""

    def create_input(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        item_schemas = (
            schematree.at(self.spec.root, "/*", base=self.spec.schemas[0]) if self.spec.schemas else []
        )
        self.options = schematree.choice_options(item_schemas) or []
        self.boxes: list[QCheckBox] = []
        for code, label in self.options:
            check = QCheckBox(box)
            check.setObjectName(f"{self.spec.pointer}={json_code(code)}")
            check.toggled.connect(self._toggled)
            add_choice(layout, check, label, box)
            self.boxes.append(check)
        box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._current: list[Any] = []
        return box

    def focus_widget(self) -> QWidget:
        return self.boxes[0] if self.boxes else self.input

    def name_widgets(self) -> None:
        super().name_widgets()
        for check, (_, label) in zip(self.boxes, self.options, strict=True):
            check.setAccessibleName(f"{label} ({self.accessible_name})")

    def focusables(self) -> list[QWidget]:
        return list(self.boxes)

    def _toggled(self, _: bool) -> None:
        chosen = {
            code for (code, _), check in zip(self.options, self.boxes, strict=True) if check.isChecked()
        }
        kept = [code for code in self._current if code in chosen]
        added = [code for code, _ in self.options if code in chosen and code not in kept]
        self._current = kept + added
        self.write(list(self._current) if self._current else None)
        self.host.document.close_step()

    def show_value(self, value: Any) -> None:
        self._current = list(value) if isinstance(value, list) else []
        for (code, _), check in zip(self.options, self.boxes, strict=True):
            with QSignalBlocker(check):
                check.setChecked(code in self._current)

    def set_enabled(self, enabled: bool) -> None:
        for check in self.boxes:
            check.setEnabled(enabled and not self.spec.read_only)


@register("array", "indicators")
@register("choices", "indicators")
class IndicatorsEditor(FieldEditor):
    """Threshold indicators to choose from, grouped by level.

    The indicators come from the threshold ruleset bound to the form. Until a ruleset is installed the
    editor lists the indicators already chosen (so nothing is lost) and says the guidance is missing.
    """

    def create_input(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        self.layout = QVBoxLayout(box)
        self.layout.setContentsMargins(0, 0, 0, 0)
        self.layout.setSpacing(2)
        element = self.spec.options.get("element")
        options = getattr(self.host, "indicator_options", None)
        self.known = options(element if isinstance(element, str) else None) if options else []
        self.boxes: dict[str, QCheckBox] = {}
        level = None
        for indicator_id, indicator_level, text in self.known:
            if indicator_level != level:
                level = indicator_level
                heading = QLabel(f"Level {level}", box)
                font = QFont(heading.font())
                font.setBold(True)
                heading.setFont(font)
                self.layout.addWidget(heading)
            self._add_box(indicator_id, text, box, indicator_level)
        self.note: QLabel | None = None
        if not self.known:
            self.note = small_text(
                QLabel(
                    "The threshold guidance for this element is not installed; indicators already chosen are kept.",
                    box,
                )
            )
            self.note.setWordWrap(True)
            self.layout.addWidget(self.note)
        box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._current: list[str] = []
        return box

    def _add_box(self, indicator_id: str, text: str, box: QWidget, level: int | None = None) -> QCheckBox:
        check = QCheckBox(box)
        check.setObjectName(f"{self.spec.pointer}={indicator_id}")
        # The level is a heading above the boxes; a screen reader moving box to box hears it here.
        check.setAccessibleName(f"Level {level}: {text}" if level is not None else text)
        check.toggled.connect(self._toggled)
        add_choice(self.layout, check, text, box)
        self.boxes[indicator_id] = check
        return check

    def focusables(self) -> list[QWidget]:
        return list(self.boxes.values())

    def focus_widget(self) -> QWidget:
        return next(iter(self.boxes.values()), self.input)

    def _toggled(self, _: bool) -> None:
        chosen = {i for i, check in self.boxes.items() if check.isChecked()}
        self._current = [i for i in self._current if i in chosen] + [
            i for i in self.boxes if i in chosen and i not in self._current
        ]
        self.write(list(self._current) if self._current else None)
        self.host.document.close_step()

    def show_value(self, value: Any) -> None:
        self._current = [v for v in value if isinstance(v, str)] if isinstance(value, list) else []
        # An earlier version's id is ticked as its replacement when this element lists it (the next
        # change saves the new id), and otherwise shown in the words of what it became.
        stand_in = getattr(self.host, "indicator_stand_in", None)
        current: list[str] = []
        for given in self._current:
            found = stand_in(given) if stand_in is not None and given not in self.boxes else None
            indicator_id = found[0] if found is not None and found[0] in self.boxes else given
            if indicator_id not in self.boxes:
                self._add_box(indicator_id, found[1] if found is not None else indicator_id, self.input)
            if indicator_id not in current:
                current.append(indicator_id)
        self._current = current
        for indicator_id, check in self.boxes.items():
            with QSignalBlocker(check):
                check.setChecked(indicator_id in self._current)
