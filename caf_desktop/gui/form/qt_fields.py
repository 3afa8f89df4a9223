"""Field editors: one class per kind of answer, chosen through a registry.

An editor is a light Python object that owns a few Qt widgets (label, input, help, error) placed in
its section's layout; it is not itself a QWidget, because a form has hundreds of them and every
widget costs time to build. An editor shows the value the document holds and writes edits back
through the document; it never keeps state of its own beyond what the user is midway through typing
(a date not yet complete). Adding a kind of widget is one class with `@register(...)`.

The registry maps (kind of answer, `widget` option, `format`) to a class; see `editor_class`. This
module holds the base class and the editors for text, numbers and dates; the choosing editors are in
qt_choices, the ones that hold other editors in qt_containers, the signature pad in qt_signature.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from PySide6.QtCore import QEvent, QRegularExpression, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import (
    QFont,
    QIntValidator,
    QKeyEvent,
    QKeySequence,
    QRegularExpressionValidator,
    QTextOption,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QBoxLayout,
    QCalendarWidget,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.formengine import schematree
from caf_desktop.formengine.document import EditableDocument

# --- what an editor is given ----------------------------------------------------------------------------


@dataclass
class FieldSpec:
    """Everything an editor needs to know about its answer, worked out once from schema and layout."""

    pointer: str
    title: str
    kind: schematree.Kind
    schemas: list[schematree.Schema]
    root: schematree.Schema
    help: str | None = None
    required: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    read_only: bool = False
    # Whose the answer is ("General health", "Parent or carer 2"): asked each time, as items move.
    context: Callable[[], str] = lambda: ""

    @property
    def widget_option(self) -> str | None:
        value = self.options.get("widget")
        return value if isinstance(value, str) else None

    @property
    def format(self) -> str | None:
        value = schematree.first(self.schemas, "format")
        return value if isinstance(value, str) else None

    def keyword(self, name: str) -> Any:
        return schematree.first(self.schemas, name)


class EditorHost:
    """What a FormView offers its editors: the document, and being told about focus and local errors."""

    document: EditableDocument

    def field_left(self, editor: FieldEditor) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def local_error_changed(self, editor: FieldEditor) -> None:  # pragma: no cover - interface
        raise NotImplementedError


# --- the registry ---------------------------------------------------------------------------------------

_REGISTRY: dict[tuple[str, str | None, str | None], type[FieldEditor]] = {}


def register(
    kind: str, widget: str | None = None, fmt: str | None = None
) -> Callable[[type[FieldEditor]], type[FieldEditor]]:
    """Registers an editor class for answers of this kind, `widget` option and `format`."""

    def decorate(cls: type[FieldEditor]) -> type[FieldEditor]:
        _REGISTRY[(kind, widget, fmt)] = cls
        return cls

    return decorate


def editor_class(spec: FieldSpec) -> type[FieldEditor]:
    """The most specific registered class: (kind, widget, format), then (kind, widget), (kind, format), kind.

    Text with room for more than 200 characters and no widget named is several lines (the documented default).
    """
    max_length = spec.keyword("maxLength")
    if (
        spec.kind == "text"
        and spec.widget_option is None
        and spec.format is None
        and isinstance(max_length, int)
        and max_length > 200
    ):
        return _REGISTRY[("text", "textarea", None)]
    for key in (
        (spec.kind, spec.widget_option, spec.format),
        (spec.kind, spec.widget_option, None),
        (spec.kind, None, spec.format),
        (spec.kind, None, None),
    ):
        if key in _REGISTRY:
            return _REGISTRY[key]
    return _REGISTRY[("text", None, None)]


# --- the base class ---------------------------------------------------------------------------------------


SHORT_TITLE = 48

REQUIRED_MARK = "(required)"


LONG_CHOICE = 60


class _ClickableLabel(QLabel):
    """The words of a long choice: they wrap, and clicking them clicks the box beside them."""

    def __init__(self, text: str, button: QAbstractButton, parent: QWidget) -> None:
        super().__init__(text, parent)
        self.button = button
        self.setWordWrap(True)
        self.setBuddy(button)

    def mouseReleaseEvent(self, event: Any) -> None:
        super().mouseReleaseEvent(event)
        if self.button.isEnabled():
            self.button.click()


def add_choice(layout: QBoxLayout, button: QAbstractButton, text: str, parent: QWidget) -> None:
    """A check box or radio button with its words; long words wrap beside it instead of widening
    the form past the screen (Qt's own button text never wraps)."""
    if len(text) <= LONG_CHOICE:
        button.setText(text)
        layout.addWidget(button)
        return
    row = QHBoxLayout()
    row.setSpacing(4)
    row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    row.addWidget(_ClickableLabel(text, button, parent), 1)
    layout.addLayout(row)


def _lower_first(title: str) -> str:
    """ "Strengths" is "strengths" after a colon; "GP name", "Every Child Matters outcome" and
    "Does the child see their GP?" keep their capitals (a name, or a capital that may be one)."""
    words = title.split()
    plain = re.match(r"[A-Z][a-z]", title) and not any(w[:1].isupper() for w in words[1:])
    return title[:1].lower() + title[1:] if plain else title


def qualified(context: str, title: str) -> str:
    """An accessible name that says whose and what: "General health: strengths", so a screen
    reader user hears which of fourteen "Strengths" boxes this is."""
    if not context or " ".join(context.lower().split()) == " ".join(title.lower().split()):
        return title
    return f"{context}: {_lower_first(title)}"


def small_text(label: QLabel) -> QLabel:
    """`label` in a slightly smaller type (help, counts and notes under a question), for a label of this or
    another editors module."""
    font = QFont(label.font())
    font.setPointSizeF(max(font.pointSizeF() * 0.92, 7.0))
    label.setFont(font)
    return label


class FieldEditor:
    """One question: a label, an input, optional help, and an error line that appears when needed."""

    coalesce_typing: ClassVar[bool] = False
    shows_own_label: ClassVar[bool] = False
    is_container: ClassVar[bool] = False

    def __init__(self, spec: FieldSpec, host: EditorHost, parent: QWidget) -> None:
        self.spec = spec
        self.host = host
        self.pointer = spec.pointer
        self.parent = parent
        self.local_error: str | None = None
        self.shown_error: str | None = None
        self.error_label: QLabel | None = None
        self.label: QLabel | None = None
        if not self.shows_own_label and not spec.options.get("flat"):
            # Marked in words, not colour or an asterisk alone: Mark complete needs this answer.
            self.label = QLabel(f"{spec.title} {REQUIRED_MARK}" if spec.required else spec.title, parent)
            # Wrapping makes Qt measure the label again at every relayout; short titles never wrap.
            self.label.setWordWrap(len(spec.title) > SHORT_TITLE)
            self.label.setObjectName(f"label:{spec.pointer}")
            font = QFont(self.label.font())
            font.setBold(True)
            self.label.setFont(font)
        self.help_label: QLabel | None = None
        if spec.help and spec.options.get("help_as_tooltip") and self.label is not None:
            self.label.setToolTip(spec.help)
        elif spec.help:
            self.help_label = small_text(QLabel(spec.help, parent))
            self.help_label.setWordWrap(True)
            self.help_label.setObjectName(f"help:{spec.pointer}")
        self.input = self.create_input(parent)
        self.input.setObjectName(spec.pointer)
        self.name_widgets()
        self._describe()
        if self.label is not None:
            self.label.setBuddy(self.focus_widget())
        if spec.read_only:
            self.set_enabled(False)

    # Subclasses implement these ------------------------------------------------------------------------

    def create_input(self, parent: QWidget) -> QWidget:
        raise NotImplementedError

    def show_value(self, value: Any) -> None:
        """Shows the document's value (None when unanswered) without writing anything back."""
        raise NotImplementedError

    # Shared behaviour -----------------------------------------------------------------------------------

    def focus_widget(self) -> QWidget:
        return self.input

    @property
    def accessible_name(self) -> str:
        """Whose and what this question is, as a screen reader says it (CONTRACT.md)."""
        return qualified(self.spec.context(), self.spec.title)

    def name_widgets(self) -> None:
        """Gives the input (and any parts of it a person can reach) their accessible names; again
        when the item holding the question moves."""
        self.input.setAccessibleName(self.accessible_name)

    def widgets(self) -> list[QWidget]:
        return [w for w in (self.label, self.input, self.help_label, self.error_label) if w is not None]

    def add_to(self, layout: QVBoxLayout) -> None:
        if self.label is not None:
            layout.addWidget(self.label)
        if self.help_label is not None:
            layout.addWidget(self.help_label)
        layout.addWidget(self.input)
        self._layout = layout

    def write(self, value: Any) -> None:
        """Writes an edit to the document (None clears the answer)."""
        self.host.document.set(self.pointer, value, origin=self, coalesce=self.coalesce_typing)

    def left(self) -> None:
        """The user has left the field: errors may now show, and typing here ends one undo step."""
        self.host.document.close_step()
        self.host.field_left(self)

    def set_local_error(self, message: str | None) -> None:
        if message != self.local_error:
            self.local_error = message
            self.host.local_error_changed(self)

    def show_error(self, message: str | None) -> None:
        """Shows (or clears) the error under the field, in words and with a marker, not colour alone."""
        if message == self.shown_error:
            return
        self.shown_error = message
        if message and self.error_label is None:
            self.error_label = QLabel(self.parent)
            self.error_label.setWordWrap(True)
            self.error_label.setObjectName(f"error:{self.spec.pointer}")
            self.error_label.setProperty("role", "error")
            self.error_label.setTextFormat(Qt.TextFormat.PlainText)
            layout = getattr(self, "_layout", None)
            if layout is not None:
                index = layout.indexOf(self.input)
                layout.insertWidget(index + 1, self.error_label)
            self.error_label.setVisible(self.input.isVisibleTo(self.parent) or not self.parent.isVisible())
        if self.error_label is not None:
            self.error_label.setText(f"⚠ Problem: {message}" if message else "")
            self.error_label.setVisible(bool(message) and not getattr(self, "_hidden", False))
        self._describe()

    def _describe(self) -> None:
        parts = [
            p
            for p in (
                "Required." if self.spec.required else None,
                self.spec.help,
                self.shown_error and f"Problem: {self.shown_error}",
            )
            if p
        ]
        self.input.setAccessibleDescription(" ".join(parts))

    def set_hidden(self, hidden: bool) -> None:
        self._hidden = hidden
        for widget in self.widgets():
            if widget is self.error_label:
                widget.setVisible(not hidden and bool(self.shown_error))
            else:
                widget.setVisible(not hidden)

    def set_enabled(self, enabled: bool) -> None:
        self.input.setEnabled(enabled and not self.spec.read_only)

    def rebase(self, old: str, new: str) -> None:
        """The item this field belongs to has moved: its pointer changes from `old...` to `new...`."""
        if self.pointer.startswith(old):
            self.pointer = new + self.pointer[len(old) :]
            self.input.setObjectName(self.pointer)
        self.name_widgets()

    def children(self) -> list[FieldEditor]:
        return []

    def focusables(self) -> list[QWidget]:
        return [self.focus_widget()]


# --- text ---------------------------------------------------------------------------------------------------


def leaves_undo_to_the_document(event: QEvent) -> bool:
    """True for Ctrl+Z, Ctrl+Y and Ctrl+Shift+Z asking a text box for its own undo: refused, so the
    window's Undo and Redo (the document's, one step per box typed in) own those keys. A box's own
    undo would also write its old text back as a new change, out of the document's history."""
    if event.type() != QEvent.Type.ShortcutOverride or not isinstance(event, QKeyEvent):
        return False
    ctrl = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
    return (
        event.matches(QKeySequence.StandardKey.Undo)
        or event.matches(QKeySequence.StandardKey.Redo)
        or (
            event.key() in (Qt.Key.Key_Z, Qt.Key.Key_Y)
            and ctrl
            in (
                Qt.KeyboardModifier.ControlModifier,
                Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
            )
        )
    )


class _LineEdit(QLineEdit):
    def __init__(self, editor: FieldEditor, parent: QWidget) -> None:
        super().__init__(parent)
        self._editor = editor

    def event(self, event: QEvent) -> bool:
        if leaves_undo_to_the_document(event):
            event.ignore()
            return True
        return super().event(event)

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self._editor.left()


@register("text")
@register("text", "text")
class TextEditor(FieldEditor):
    """One line of text."""

    coalesce_typing = True

    def create_input(self, parent: QWidget) -> QWidget:
        line = _LineEdit(self, parent)
        # No setMaxLength: Qt counts UTF-16 units (so it would cut names outside the basic plane short)
        # and it silently stops typing; validation says "Shorten ..." instead, in characters.
        placeholder = self.spec.options.get("placeholder")
        if isinstance(placeholder, str):
            line.setPlaceholderText(placeholder)
        line.textEdited.connect(self._edited)
        self.line = line
        return line

    def _edited(self, text: str) -> None:
        self.write(text if text else None)

    def show_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if self.line.text() != text:
            with QSignalBlocker(self.line):
                self.line.setText(text)


@register("text", fmt="email")
class EmailEditor(TextEditor):
    def create_input(self, parent: QWidget) -> QWidget:
        line = super().create_input(parent)
        self.line.setInputMethodHints(Qt.InputMethodHint.ImhEmailCharactersOnly)
        if not self.line.placeholderText():
            self.line.setPlaceholderText("name@example.org")
        return line


@register("text", fmt="uk-phone")
class PhoneEditor(TextEditor):
    def create_input(self, parent: QWidget) -> QWidget:
        line = super().create_input(parent)
        self.line.setInputMethodHints(Qt.InputMethodHint.ImhDialableCharactersOnly)
        if not self.line.placeholderText():
            self.line.setPlaceholderText("01632 960 001")
        self.line.setMaximumWidth(self.line.fontMetrics().horizontalAdvance("0" * 24))
        return line


@register("text", fmt="uk-postcode")
class PostcodeEditor(TextEditor):
    def create_input(self, parent: QWidget) -> QWidget:
        line = super().create_input(parent)
        self.line.setMaximumWidth(self.line.fontMetrics().horizontalAdvance("M" * 10))
        return line


class _GrowingText(QPlainTextEdit):
    """A text box that grows with what is written (up to a limit), so long answers are readable."""

    def event(self, event: QEvent) -> bool:
        if leaves_undo_to_the_document(event):
            event.ignore()
            return True
        return super().event(event)

    def __init__(self, editor: TextAreaEditor, rows: int, parent: QWidget) -> None:
        super().__init__(parent)
        self._editor = editor
        self._min_rows = rows
        self._max_rows = max(rows, 18)
        self.setTabChangesFocus(True)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._line_height = self.fontMetrics().lineSpacing()
        self._fit()

    def _fit(self) -> None:
        lines = max(self._min_rows, min(self._max_rows, int(self.document().size().height()) + 1))
        margins = self.contentsMargins()
        frame = int(self.document().documentMargin() * 2) + margins.top() + margins.bottom() + 4
        height = lines * self._line_height + frame
        if self.height() != height:
            self.setFixedHeight(height)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            # Re-wrapping changes the height: fit after this layout pass, not in the middle of it.
            QTimer.singleShot(0, self._fit)

    def focusOutEvent(self, event: Any) -> None:
        super().focusOutEvent(event)
        self._editor.left()


@register("text", "textarea")
class TextAreaEditor(FieldEditor):
    """Several lines of text, growing with the answer, with a character count when there is a limit."""

    coalesce_typing = True

    def create_input(self, parent: QWidget) -> QWidget:
        rows = self.spec.options.get("rows", 3)
        self.box = _GrowingText(self, rows if isinstance(rows, int) else 3, parent)
        max_length = self.spec.keyword("maxLength")
        self.max_length = max_length if isinstance(max_length, int) else None
        self.count_label: QLabel | None = None
        if self.max_length is not None:
            self.count_label = small_text(QLabel(parent))
            self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight)
            self.count_label.setObjectName(f"count:{self.spec.pointer}")
        self.box.textChanged.connect(self._edited)
        self._showing = False
        self._update_count(0)
        return self.box

    def widgets(self) -> list[QWidget]:
        return [*super().widgets(), *([self.count_label] if self.count_label else [])]

    def add_to(self, layout: QVBoxLayout) -> None:
        super().add_to(layout)
        if self.count_label is not None:
            layout.addWidget(self.count_label)

    def _update_count(self, length: int) -> None:
        if self.count_label is not None and self.max_length is not None:
            over = length - self.max_length
            text = f"{length:,} of {self.max_length:,} characters"
            self.count_label.setText(text + (f" — {over:,} too many" if over > 0 else ""))

    def text(self) -> str:
        """The text as typed: toPlainText() would turn no-break spaces into spaces."""
        return self.box.document().toRawText().replace("\u2029", "\n")

    def _edited(self) -> None:
        if self._showing:
            return
        text = self.text()
        self._update_count(len(text))
        self.box._fit()
        self.write(text if text else None)

    def show_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if self.text() != text:
            self._showing = True
            try:
                self.box.setPlainText(text)
            finally:
                self._showing = False
            self._update_count(len(text))
            self.box._fit()


# --- numbers ---------------------------------------------------------------------------------------------


@register("integer")
@register("number")
@register("integer", "text")
@register("number", "text")
class NumberEditor(FieldEditor):
    """A whole number or a number; empty until answered (never a silent 0)."""

    coalesce_typing = True

    def create_input(self, parent: QWidget) -> QWidget:
        self.line = _LineEdit(self, parent)
        if self.spec.kind == "integer":
            self.line.setValidator(QIntValidator(-(2**31) + 1, 2**31 - 1, self.line))
        else:
            self.line.setValidator(
                QRegularExpressionValidator(QRegularExpression(r"^-?\d*([.]\d*)?$"), self.line)
            )
        self.line.setMaximumWidth(self.line.fontMetrics().horizontalAdvance("0" * 14))
        low, high = self.spec.keyword("minimum"), self.spec.keyword("maximum")
        if low is not None and high is not None:
            self.line.setPlaceholderText(f"{low} to {high}")
        self.line.textEdited.connect(self._edited)
        return self.line

    def _edited(self, text: str) -> None:
        text = text.strip()
        if not text or text in ("-", ".", "-."):
            self.write(None)
            return
        try:
            value: int | float = int(text) if self.spec.kind == "integer" else float(text)
        except ValueError:
            return
        if self.spec.kind == "number" and value == int(value) and "." not in text:
            value = int(value)
        self.write(value)

    def show_value(self, value: Any) -> None:
        text = "" if value is None else str(value)
        if self.line.text() != text:
            with QSignalBlocker(self.line):
                self.line.setText(text)


# --- dates -------------------------------------------------------------------------------------------------

_UK_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{4})\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def parse_uk_date(text: str) -> dt.date | None:
    """27/03/2015, 27.3.2015, 27-03-2015 or 2015-03-27; None if not a real date."""
    match = _UK_DATE.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        match = _ISO_DATE.match(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def uk_date(value: str) -> str:
    try:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return value


class _CalendarPopup(QDialog):
    def __init__(self, editor: DateEditor) -> None:
        super().__init__(editor.button, Qt.WindowType.Popup)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        self.calendar = QCalendarWidget(self)
        self.calendar.setGridVisible(True)
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        current = parse_uk_date(editor.line.text())
        if current:
            self.calendar.setSelectedDate(current)
        layout.addWidget(self.calendar)
        self.calendar.activated.connect(lambda date: (editor.choose(date.toPython()), self.accept()))
        self.calendar.clicked.connect(lambda date: (editor.choose(date.toPython()), self.accept()))


@register("date")
@register("date", "date")
class DateEditor(FieldEditor):
    """A date typed as day/month/year (or picked from a calendar), stored as 2015-03-27; empty until set."""

    coalesce_typing = True

    def create_input(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.line = _LineEdit(self, box)
        self.line.setPlaceholderText("dd/mm/yyyy")
        self.line.setMaximumWidth(self.line.fontMetrics().horizontalAdvance("00/00/00000000"))
        self.line.textEdited.connect(self._edited)
        self.button = QToolButton(box)
        self.button.setText("Calendar…")
        self.button.clicked.connect(self._pick)
        row.addWidget(self.line)
        row.addWidget(self.button)
        row.addStretch(1)
        return box

    def focus_widget(self) -> QWidget:
        return self.line

    def name_widgets(self) -> None:
        super().name_widgets()
        self.line.setAccessibleName(self.accessible_name)
        self.button.setAccessibleName(f"{self.accessible_name}, choose from a calendar")

    def focusables(self) -> list[QWidget]:
        return [self.line, self.button]

    def rebase(self, old: str, new: str) -> None:
        super().rebase(old, new)

    def _edited(self, text: str) -> None:
        if not text.strip():
            self.set_local_error(None)
            self.write(None)
            return
        parsed = parse_uk_date(text)
        if parsed is None:
            self.write(None)
            self._pending = text
            return
        self.set_local_error(None)
        self.write(parsed.isoformat())

    def left(self) -> None:
        text = self.line.text().strip()
        if text and parse_uk_date(text) is None:
            self.set_local_error(
                f"Enter {self.spec.title[:1].lower() + self.spec.title[1:]} as a real date, such as 27/03/2015."
            )
        else:
            self.set_local_error(None)
        super().left()

    def choose(self, date: dt.date) -> None:
        self.line.setText(date.strftime("%d/%m/%Y"))
        self.set_local_error(None)
        self.write(date.isoformat())
        self.host.document.close_step()

    def _pick(self) -> None:
        popup = _CalendarPopup(self)
        popup.move(self.button.mapToGlobal(self.button.rect().bottomLeft()))
        popup.exec()

    def show_value(self, value: Any) -> None:
        if value is None and self.line.hasFocus() and self.line.text():
            return  # midway through typing a date that is not complete yet
        text = "" if value is None else uk_date(str(value))
        if self.line.text() != text:
            with QSignalBlocker(self.line):
                self.line.setText(text)

    def set_enabled(self, enabled: bool) -> None:
        super().set_enabled(enabled)
        self.line.setEnabled(enabled and not self.spec.read_only)
        self.button.setEnabled(enabled and not self.spec.read_only)


@register("datetime")
class DateTimeEditor(DateEditor):
    """A date and a time of day, stored as 2015-03-27T14:30."""

    def create_input(self, parent: QWidget) -> QWidget:
        box = super().create_input(parent)
        self.time = _LineEdit(self, box)
        self.time.setPlaceholderText("hh:mm")
        self.time.setMaximumWidth(self.time.fontMetrics().horizontalAdvance("00:000"))
        self.time.textEdited.connect(lambda _: self._edited(self.line.text()))
        layout = box.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.insertWidget(2, self.time)
        return box

    def name_widgets(self) -> None:
        super().name_widgets()
        if hasattr(self, "time"):
            self.time.setAccessibleName(f"{self.accessible_name}, time")

    def focusables(self) -> list[QWidget]:
        return [self.line, self.button, self.time]

    def _edited(self, text: str) -> None:
        date = parse_uk_date(text)
        time = re.match(r"^\s*(\d{1,2}):(\d{2})\s*$", self.time.text())
        if date is None or time is None or int(time.group(1)) > 23 or int(time.group(2)) > 59:
            if not text.strip() and not self.time.text().strip():
                self.write(None)
            return
        self.write(f"{date.isoformat()}T{int(time.group(1)):02d}:{time.group(2)}")

    def choose(self, date: dt.date) -> None:
        self.line.setText(date.strftime("%d/%m/%Y"))
        self._edited(self.line.text())

    def show_value(self, value: Any) -> None:
        if value is None:
            if not (self.line.hasFocus() or self.time.hasFocus()):
                with QSignalBlocker(self.line), QSignalBlocker(self.time):
                    self.line.setText("")
                    self.time.setText("")
            return
        text = str(value)
        with QSignalBlocker(self.line), QSignalBlocker(self.time):
            self.line.setText(uk_date(text[:10]))
            self.time.setText(text[11:16])
