"""Editors that hold other editors: groups of answers, repeating items, tables and lists of text.

Items of a list are keyed by the document's stable item identities: moving an item moves its widgets
(their pointers are renamed), and nothing is rebuilt because a value changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QEvent, QSignalBlocker, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.formengine import schematree
from caf_desktop.gui.form.qt_fields import (
    FieldEditor,
    FieldSpec,
    leaves_undo_to_the_document,
    register,
    small_text,
)

if TYPE_CHECKING:
    from caf_desktop.formengine.definitions import Element
    from caf_desktop.formengine.document import EditableDocument


class ContainerHost(Protocol):
    """What the form view offers the editors that hold other editors: building their inner questions, and
    the bookkeeping of list items that come and go. The view passes itself; this module never imports it."""

    document: EditableDocument
    building_cards: list[Any]  # the list items being built, innermost last

    @property
    def title_depth(self) -> int:
        """How many titled groups are being built around the next question."""

    def titled(self, title: str) -> AbstractContextManager[None]:
        """Questions built inside this are within a group of this title (for their accessible names)."""

    def build_elements(
        self, elements: Iterable[Element], base: str, template_base: str, layout: Any, parent: QWidget
    ) -> list[FieldEditor]:
        """Builds layout elements into `layout`; scopes are relative to `base` (a concrete pointer)."""

    def adopt(self, editors: list[FieldEditor], card: Any = None) -> None:
        """The editors of a new list item: index them and put the item in its place in the tab order."""

    def forget(self, editors: list[FieldEditor], card: Any = None) -> None:
        """The editors of a list item that has gone: drop them, and the rules bound inside the item."""

    def reveal(self, editor: FieldEditor) -> None:
        """Shows `editor`'s section and scrolls to it."""


def _bold(label: QLabel) -> QLabel:
    font = QFont(label.font())
    font.setBold(True)
    label.setFont(font)
    return label


@register("object")
class GroupEditor(FieldEditor):
    """A group of answers (a JSON object) shown as a titled box of its own questions."""

    shows_own_label = True
    is_container = True

    def __init__(
        self, spec: FieldSpec, host: ContainerHost, parent: QWidget, template: str, elements: Any
    ) -> None:  # type: ignore[override]
        self.template = template
        self.elements = elements
        self.child_editors: list[FieldEditor] = []
        super().__init__(spec, host, parent)

    def create_input(self, parent: QWidget) -> QWidget:
        # A group that is the whole of its section is shown flat: the section heading already names it.
        box: QWidget = (
            QWidget(parent) if self.spec.options.get("flat") else QGroupBox(self.spec.title, parent)
        )
        self.inner = QVBoxLayout(box)
        self.inner.setSpacing(6)
        if self.spec.options.get("flat"):
            self.inner.setContentsMargins(0, 0, 0, 0)
        host: ContainerHost = self.host  # type: ignore[assignment]
        with host.titled(self.spec.title):
            self.child_editors = host.build_elements(
                self.elements, self.spec.pointer, self.template, self.inner, box
            )
        return box

    def add_to(self, layout: Any) -> None:
        if self.help_label is not None:
            self.inner.insertWidget(0, self.help_label)
            self.help_label.setParent(self.input)
        layout.addWidget(self.input)
        self._layout = layout

    def widgets(self) -> list[QWidget]:
        return [w for w in (self.input, self.error_label) if w is not None]

    def show_value(self, value: Any) -> None:
        """A group shows nothing itself; its questions show their own answers."""

    def children(self) -> list[FieldEditor]:
        return self.child_editors

    def rebase(self, old: str, new: str) -> None:
        super().rebase(old, new)
        for child in self.child_editors:
            child.rebase(old, new)

    def focus_widget(self) -> QWidget:
        for child in self.child_editors:
            return child.focus_widget()
        return self.input

    def focusables(self) -> list[QWidget]:
        return [w for child in self.child_editors for w in child.focusables()]


class _ItemCard(QFrame):
    """One item of a repeating group: a heading with its actions, then its questions."""

    def __init__(self, owner: RepeatEditor, item_id: int, index: int) -> None:
        super().__init__(owner.input)
        self.owner = owner
        self.item_id = item_id
        self.index = index
        self.setObjectName("item-card")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 10)
        layout.setSpacing(6)
        header = QHBoxLayout()
        self.heading = _bold(QLabel(self))
        self.actions = QToolButton(self)
        self.actions.setText("Actions ▾")
        self.actions.setAutoRaise(True)
        self.actions.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.actions.setMenu(owner.item_menu(self))
        header.addWidget(self.heading, 1)
        header.addWidget(self.actions)
        layout.addLayout(header)
        # Questions in the item are named after it ("Parent or carer 2: name"), not the groups
        # around the list.
        self.title_depth = owner.host.title_depth  # type: ignore[attr-defined]
        owner.host.building_cards.append(self)  # type: ignore[attr-defined]
        try:
            self._build(owner, index, layout)
        finally:
            owner.host.building_cards.pop()  # type: ignore[attr-defined]
        self.refresh_heading()

    def _build(self, owner: RepeatEditor, index: int, layout: QVBoxLayout) -> None:
        if owner.horizontal:
            # A row of a table: its questions in two columns, help kept in tooltips, so a plan with
            # many actions stays compact on a laptop screen.
            grid = QGridLayout()
            grid.setHorizontalSpacing(16)
            grid.setVerticalSpacing(4)
            self.editors = []
            for position, element in enumerate(owner.item_elements):
                cell = QVBoxLayout()
                cell.setSpacing(2)
                self.editors += owner.host.build_elements(
                    (element,), owner.item_pointer(index), owner.template + "/*", cell, self
                )  # type: ignore[attr-defined]
                cell.addStretch(1)
                grid.addLayout(cell, position // 2, position % 2)
            grid.setColumnStretch(0, 1)
            grid.setColumnStretch(1, 1)
            layout.addLayout(grid)
        else:
            self.editors = owner.host.build_elements(  # type: ignore[attr-defined]
                owner.item_elements, owner.item_pointer(index), owner.template + "/*", layout, self
            )

    @property
    def pointer(self) -> str:
        return self.owner.item_pointer(self.index)

    def item_label(self) -> str:
        return f"{self.owner.item_title} {self.index + 1}"

    def focusables(self) -> list[QWidget]:
        """Page order: the Actions button sits in the item's heading, above its questions."""
        return [self.actions, *[w for editor in self.editors for w in editor.focusables()]]

    def refresh_heading(self) -> None:
        text = f"{self.owner.item_title} {self.index + 1}"
        title_pointer = self.owner.spec.options.get("itemTitle")
        if isinstance(title_pointer, str):
            named = self.owner.host.document.get(self.pointer + title_pointer)
            if isinstance(named, str) and named.strip():
                text += f": {named.strip()}"
        self.heading.setText(text)
        self.actions.setAccessibleName(f"Actions for {self.owner.item_title.lower()} {self.index + 1}")

    def move_to(self, index: int) -> None:
        if index != self.index:
            old = self.pointer
            self.index = index
            for editor in self.editors:
                editor.rebase(old, self.pointer)
            self.refresh_heading()


@register("array")
@register("array", "repeat")
class RepeatEditor(FieldEditor):
    """Repeating groups (parents and carers, services): add, remove (undo brings it back), move up and
    down, duplicate. Each item is a card keyed by its identity."""

    horizontal = False

    shows_own_label = False
    is_container = True

    def __init__(
        self, spec: FieldSpec, host: ContainerHost, parent: QWidget, template: str, elements: Any
    ) -> None:  # type: ignore[override]
        self.template = template
        self.item_elements = elements
        self.cards: dict[int, _ItemCard] = {}
        item_schemas = schematree.at(spec.root, "/*", base=spec.schemas[0]) if spec.schemas else []
        self.item_title = (
            schematree.title(schematree.at(spec.root, template + "/*", conditional=False), "") or "Item"
        )
        self.item_schemas = item_schemas
        super().__init__(spec, host, parent)

    def item_pointer(self, index: int) -> str:
        return f"{self.pointer}/{index}"

    def create_input(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        self.box_layout = QVBoxLayout(box)
        self.box_layout.setContentsMargins(0, 0, 0, 0)
        self.box_layout.setSpacing(8)
        self.empty_label = small_text(QLabel("None recorded yet.", box))
        self.box_layout.addWidget(self.empty_label)
        self.notice = QLabel(box)
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        self.notice.setObjectName(f"notice:{self.spec.pointer}")
        self.box_layout.addWidget(self.notice)
        add_label = self.spec.options.get("addLabel")
        self.add_button = QPushButton(
            add_label if isinstance(add_label, str) else f"Add {self.item_title.lower()}", box
        )
        self.add_button.setObjectName(f"add:{self.spec.pointer}")
        self.add_button.clicked.connect(self.add_item)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addStretch(1)
        self.box_layout.addLayout(row)
        box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return box

    def item_menu(self, card: _ItemCard) -> QMenu:
        menu = QMenu(card)
        menu.addAction("Move up", lambda: self._move(card, -1))
        menu.addAction("Move down", lambda: self._move(card, +1))
        menu.addAction("Duplicate", lambda: self._duplicate(card))
        menu.addSeparator()
        menu.addAction("Remove", lambda: self.remove_item(card.index))
        return menu

    # Edits, through the document --------------------------------------------------------------------------

    def add_item(self) -> None:
        start = schematree.defaults(self.spec.root, self.item_schemas[0]) if self.item_schemas else None
        if start is None:
            start = {} if self._object_items() else ""
        self.host.document.append_item(self.pointer, start, origin=None)
        card = self._card_at(len(self.cards) - 1)
        if card is not None and card.editors:
            self.host.reveal(card.editors[0])  # type: ignore[attr-defined]

    def _object_items(self) -> bool:
        return schematree.kind(self.spec.root, self.item_schemas) in ("object", "unknown")

    def remove_item(self, index: int) -> None:
        self.host.document.remove_item(self.pointer, index)
        self.notice.setText(f"{self.item_title} {index + 1} removed. Edit ▸ Undo (Ctrl+Z) brings it back.")
        self.notice.setVisible(True)

    def _move(self, card: _ItemCard, step: int) -> None:
        to = card.index + step
        if 0 <= to < len(self.cards):
            self.host.document.move_item(self.pointer, card.index, to)

    def _duplicate(self, card: _ItemCard) -> None:
        self.host.document.duplicate_item(self.pointer, card.index)

    def _card_at(self, index: int) -> _ItemCard | None:
        return next((c for c in self.cards.values() if c.index == index), None)

    # Showing the document ----------------------------------------------------------------------------------

    def show_value(self, value: Any) -> None:
        self.sync_items()

    def sync_items(self) -> None:
        """Makes the cards match the document's items: reuse, move, create and drop by identity."""
        ids = self.host.document.item_ids(self.pointer)
        present = set(ids)
        for item_id in [i for i in self.cards if i not in present]:
            card = self.cards.pop(item_id)
            self.box_layout.removeWidget(card)
            card.deleteLater()
            self.host.forget(card.editors, card)  # type: ignore[attr-defined]
        created: list[_ItemCard] = []
        for index, item_id in enumerate(ids):
            card = self.cards.get(item_id)
            if card is None:
                card = self.make_card(item_id, index)
                self.cards[item_id] = card
                created.append(card)
            else:
                card.move_to(index)
        for index, item_id in enumerate(ids):
            card = self.cards[item_id]
            if self.box_layout.indexOf(card) != index:
                self.box_layout.removeWidget(card)
                self.box_layout.insertWidget(index, card)
        self.empty_label.setVisible(not ids)
        for card in created:
            self.host.adopt(card.editors, card)  # type: ignore[attr-defined]

    def make_card(self, item_id: int, index: int) -> _ItemCard:
        return _ItemCard(self, item_id, index)

    def refresh_headings(self) -> None:
        for card in self.cards.values():
            card.refresh_heading()

    def children(self) -> list[FieldEditor]:
        return [e for card in sorted(self.cards.values(), key=lambda c: c.index) for e in card.editors]

    def rebase(self, old: str, new: str) -> None:
        super().rebase(old, new)
        self.add_button.setObjectName(f"add:{self.pointer}")
        for card in self.cards.values():
            for editor in card.editors:
                editor.rebase(old, new)

    def focus_widget(self) -> QWidget:
        return self.add_button

    def focusables(self) -> list[QWidget]:
        ordered = sorted(self.cards.values(), key=lambda c: c.index)
        return [w for card in ordered for w in card.focusables()] + [self.add_button]

    def set_enabled(self, enabled: bool) -> None:
        self.input.setEnabled(enabled)


@register("array", "table")
class TableEditor(RepeatEditor):
    """Repeating items as rows, one column per question (actions in a plan); otherwise the same as a
    repeating group."""

    horizontal = True

    def make_card(self, item_id: int, index: int) -> _ItemCard:
        card = _ItemCard(self, item_id, index)
        card.setObjectName("table-row")
        return card


class _ListLine(QLineEdit):
    def __init__(self, owner: ListEditor, parent: QWidget) -> None:
        super().__init__(parent)
        self.owner = owner

    def event(self, event: QEvent) -> bool:
        if leaves_undo_to_the_document(event):
            event.ignore()
            return True
        return super().event(event)


@register("text-list")
class ListEditor(FieldEditor):
    """A list of short texts (the agencies consent covers): one line each, add and remove."""

    def create_input(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        self.rows = QGridLayout(box)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.lines: list[QLineEdit] = []
        self.removers: list[QToolButton] = []
        self.add_button = QPushButton(f"Add to {self.spec.title[:1].lower() + self.spec.title[1:]}", box)
        self.add_button.setObjectName(f"add:{self.spec.pointer}")
        self.add_button.clicked.connect(lambda: self.host.document.append_item(self.pointer, ""))
        self.rows.addWidget(self.add_button, 0, 0, Qt.AlignmentFlag.AlignLeft)
        box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return box

    def show_value(self, value: Any) -> None:
        values = value if isinstance(value, list) else []
        while len(self.lines) < len(values):
            index = len(self.lines)
            line = _ListLine(self, self.input)
            line.textEdited.connect(self._editor_for(index))
            remove = QToolButton(self.input)
            remove.setText("Remove")
            remove.clicked.connect(self._remover_for(index))
            self.lines.append(line)
            self.removers.append(remove)
        while len(self.lines) > len(values):
            self.lines.pop().deleteLater()
            self.removers.pop().deleteLater()
        self.rows.removeWidget(self.add_button)
        self.name_widgets()
        for index, (line, remove) in enumerate(zip(self.lines, self.removers, strict=True)):
            line.setObjectName(f"{self.pointer}/{index}")
            self.rows.addWidget(line, index, 0)
            self.rows.addWidget(remove, index, 1)
            text = "" if values[index] is None else str(values[index])
            if line.text() != text:
                with QSignalBlocker(line):
                    line.setText(text)
        self.rows.addWidget(self.add_button, len(values), 0, Qt.AlignmentFlag.AlignLeft)

    def name_widgets(self) -> None:
        super().name_widgets()
        for index, (line, remove) in enumerate(zip(self.lines, self.removers, strict=True)):
            line.setAccessibleName(f"{self.accessible_name} {index + 1}")
            remove.setAccessibleName(f"{self.accessible_name} {index + 1}, remove")

    def _editor_for(self, index: int) -> Callable[[str], None]:
        return lambda text: self.host.document.set(
            f"{self.pointer}/{index}", text, origin=self, coalesce=True
        )

    def _remover_for(self, index: int) -> Callable[[], None]:
        return lambda: self.host.document.remove_item(self.pointer, index)

    def focus_widget(self) -> QWidget:
        return self.lines[0] if self.lines else self.add_button

    def focusables(self) -> list[QWidget]:
        return [w for pair in zip(self.lines, self.removers, strict=True) for w in pair] + [self.add_button]

    def rebase(self, old: str, new: str) -> None:
        super().rebase(old, new)
        for index, line in enumerate(self.lines):
            line.setObjectName(f"{self.pointer}/{index}")


def is_text_list(spec_root: schematree.Schema, schemas: list[schematree.Schema]) -> bool:
    """An array whose items are plain text (not choices, not objects)."""
    items = [
        f
        for s in schemas
        if isinstance(s.get("items"), dict)
        for f in schematree.facets(spec_root, s["items"])
    ]
    return bool(items) and schematree.kind(spec_root, items) == "text"
