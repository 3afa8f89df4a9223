"""The records window's dialogs: starting a new record, a record's history and audit log, and
Preferences (with the lock delay it keeps).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.formengine import pointers
from caf_desktop.formengine.definitions import FormDefinition, installed_catalogue
from caf_desktop.formengine.diff import describe_changes
from caf_desktop.gui.records.case_list import uk
from caf_desktop.gui.shared.layout_memory import remember_size, settings
from caf_desktop.practice import case_start, thresholds
from caf_desktop.store.store import ChildMatch, RecordInfo, Store

DEFAULT_LOCK_MINUTES = 10


def lock_minutes() -> int:
    value = settings().value("security/lock_after_minutes", DEFAULT_LOCK_MINUTES)
    try:
        return max(1, int(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return DEFAULT_LOCK_MINUTES


class NewRecordDialog(QDialog):
    """Which form, and who the child is: so an existing child is offered before a duplicate is made."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.child_id: str | None = None  # an existing child chosen from those offered
        self.setWindowTitle("New record")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.form_choice = QComboBox(self)
        self.form_choice.setAccessibleName("Form")
        for definition in case_start.in_order_of_the_work(installed_catalogue().all()):
            self.form_choice.addItem(definition.title, definition.key)
        self.given = QLineEdit(self)
        self.given.setObjectName("given_names")
        self.given.setAccessibleName("Child's given name(s)")
        self.family = QLineEdit(self)
        self.family.setObjectName("family_name")
        self.family.setAccessibleName("Child's family name")
        self.birth = QLineEdit(self)
        self.birth.setObjectName("date_of_birth")
        self.birth.setPlaceholderText("dd/mm/yyyy (leave empty for an unborn baby)")
        self.birth.setAccessibleName("Child's date of birth")
        form.addRow("&Form", self.form_choice)
        form.addRow("Child's &given name(s)", self.given)
        form.addRow("Child's &family name", self.family)
        form.addRow("Date of &birth", self.birth)
        layout.addLayout(form)
        self.matches_label = QLabel(self)
        self.matches_label.setWordWrap(True)
        self.matches = QListWidget(self)
        self.matches.setObjectName("matches")
        self.matches.setAccessibleName("Children who may be the same child")
        self.matches_label.setVisible(False)
        self.matches.setVisible(False)
        layout.addWidget(self.matches_label)
        layout.addWidget(self.matches)
        self.problem = QLabel(self)
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        buttons.accepted.connect(self.start)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._checked_for: tuple[str, str, str] | None = None

    def definition(self) -> FormDefinition:
        return installed_catalogue().lookup(str(self.form_choice.currentData()))

    def date_of_birth(self) -> dt.date | None:
        from caf_desktop.gui.form.qt_fields import parse_uk_date  # noqa: PLC0415

        return parse_uk_date(self.birth.text()) if self.birth.text().strip() else None

    def start(self) -> None:
        if self.birth.text().strip() and self.date_of_birth() is None:
            self.problem.setText(
                "Enter the date of birth as a real date, such as 27/03/2015, or leave it empty."
            )
            return
        key = (self.given.text().strip(), self.family.text().strip(), self.birth.text().strip())
        if key != self._checked_for and key[1]:
            self._checked_for = key
            found = self.store.find_children(key[0], key[1], self.date_of_birth())
            if found:
                self._offer(found)
                return
        selected = self.matches.currentItem()
        if not self.matches.isHidden() and selected is not None:
            self.child_id = selected.data(Qt.ItemDataRole.UserRole)
        self.accept()

    def _offer(self, found: list[ChildMatch]) -> None:
        self.matches_label.setText(
            "This child may already have records. Choose them to keep one file per child, "
            "or choose \u201cA different child\u201d, then press Start again."
        )
        self.matches.clear()
        for match in found:
            item = QListWidgetItem(
                f"{match.name}, born {uk(match.date_of_birth) or 'date not known'}"
                + ("" if match.exact else " (a close match)")
            )
            item.setData(Qt.ItemDataRole.UserRole, match.id)
            self.matches.addItem(item)
        different = QListWidgetItem("A different child: start new records")
        different.setData(Qt.ItemDataRole.UserRole, None)
        self.matches.addItem(different)
        self.matches.setCurrentRow(0)
        self.matches_label.setVisible(True)
        self.matches.setVisible(True)

    def starting_document(self, definition: FormDefinition) -> dict[str, Any]:
        """For a child already in the store, what their case knows (their names as stored, not as
        typed here); for a new child, the names and date of birth typed."""
        if self.child_id is not None:
            return self.store.starting_document(definition, self.child_id)
        document: dict[str, Any] = {}
        subject = definition.subject
        born = self.date_of_birth()
        for pointer, value in (
            (subject.given_names, self.given.text().strip()),
            (subject.family_name, self.family.text().strip()),
            (subject.date_of_birth, born.isoformat() if born else ""),
        ):
            if pointer and value:
                _set(document, pointer, value)
        return document


def _set(document: dict[str, Any], pointer: str, value: Any) -> None:
    tokens = pointers.split(pointer)
    node = document
    for token in tokens[:-1]:
        node = node.setdefault(token, {})
    node[tokens[-1]] = value


class HistoryDialog(QDialog):
    """Every revision of a record: what changed since each, in words, and restoring one."""

    restored = Signal(int)

    def __init__(
        self,
        store: Store,
        record: RecordInfo,
        definition: FormDefinition,
        current: dict[str, Any],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store, self.record, self.definition, self.current = store, record, definition, current
        self.setWindowTitle(f"History of {record.child or 'this record'}")
        remember_size(self, "history", (900, 560))
        layout = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.list = QListWidget(splitter)
        self.list.setObjectName("revisions")
        self.list.setAccessibleName("Revisions")
        self.changes = QPlainTextEdit(splitter)
        self.changes.setObjectName("changes")
        self.changes.setReadOnly(True)
        self.changes.setAccessibleName("Differences from the current version")
        splitter.setSizes([300, 600])
        layout.addWidget(splitter, 1)
        self.revisions = store.revisions(record.id)
        for revision in reversed(self.revisions):
            when = revision.created.astimezone().strftime("%d/%m/%Y %H:%M")
            now = " (the record as it is now)" if self._is_current(revision.number) else ""
            item = QListWidgetItem(
                f"Version {revision.number}: {revision.reason}{now}\n{when}, {revision.author or 'unknown'} ({revision.status})"
            )
            item.setData(Qt.ItemDataRole.UserRole, revision.number)
            self.list.addItem(item)
        self.list.currentItemChanged.connect(lambda *_: self._show())
        buttons = QHBoxLayout()
        self.restore_button = QPushButton("Restore this version", self)
        self.restore_button.clicked.connect(self._restore)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(close)
        layout.addLayout(buttons)
        self.list.setCurrentRow(0)

    def chosen(self) -> int | None:
        item = self.list.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def _is_current(self, number: int) -> bool:
        """Whether a version holds exactly the record as it is now: restoring it would change nothing."""
        revision = next((r for r in self.revisions if r.number == number), None)
        return revision is not None and revision.document == self.current

    def _show(self) -> None:
        number = self.chosen()
        revision = next((r for r in self.revisions if r.number == number), None)
        if revision is None:
            self.restore_button.setEnabled(False)
            return
        current = self._is_current(revision.number)
        self.restore_button.setEnabled(not current)
        self.restore_button.setToolTip(
            "This version is the record as it is now: there is nothing to restore." if current else ""
        )
        if current:
            self.changes.setPlainText(
                f"Version {revision.number} is the record as it is now. Choose an earlier version to see "
                "what has changed since, or to restore it."
            )
            return
        lines = describe_changes(
            self.definition,
            revision.document,
            self.current,
            indicator_words=thresholds.indicator_words(self.definition),
        )
        heading = f"From version {revision.number} to the record as it is now:\n\n"
        self.changes.setPlainText(heading + ("\n".join(lines) if lines else "No differences."))

    def _restore(self) -> None:
        number = self.chosen()
        if number is not None and not self._is_current(number):
            self.restored.emit(number)
            self.accept()


class AuditDialog(QDialog):
    """The audit trail of one record: who did what, when."""

    def __init__(self, store: Store, record_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audit log of this record")
        remember_size(self, "audit", (700, 420))
        layout = QVBoxLayout(self)
        self.events = QListWidget(self)
        self.events.setObjectName("audit-events")
        self.events.setAccessibleName("Audit events")
        for audit_event in store.audit_events(record_id):
            moment = dt.datetime.fromisoformat(audit_event.at).astimezone().strftime("%d/%m/%Y %H:%M:%S")
            self.events.addItem(f"{moment}  {audit_event.action}  by {audit_event.actor or 'unknown'}")
        layout.addWidget(self.events)
        report = store.verify_audit()
        check = QLabel(report.message, self)
        check.setWordWrap(True)
        layout.addWidget(check)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        close.accepted.connect(self.accept)
        layout.addWidget(close)


class PreferencesDialog(QDialog):
    """Settings a user may change: for now, how long the app waits before locking itself."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        layout = QFormLayout(self)
        self.minutes = QSpinBox(self)
        self.minutes.setObjectName("lock-minutes")
        self.minutes.setAccessibleName("Lock after this many minutes without use")
        self.minutes.setRange(1, 60)
        self.minutes.setSuffix(" minutes")
        self.minutes.setValue(lock_minutes())
        layout.addRow("&Lock after", self.minutes)
        note = QLabel("The app hides every record after this long without a key press or click.", self)
        note.setWordWrap(True)
        layout.addRow(note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addRow(buttons)
        self.setMinimumWidth(440)  # its note reads as a sentence, not a column of words

    def accept(self) -> None:
        store = settings()
        store.setValue("security/lock_after_minutes", self.minutes.value())
        store.sync()
        super().accept()
