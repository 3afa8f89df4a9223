"""Team, Sync conflicts: the stored and the incoming version of a record side by side, answer by answer;
the coordinator keeps one, or takes chosen answers from the incoming one.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QListWidget,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.common import uk_time
from caf_desktop.common.errors import CafError
from caf_desktop.formengine import diff
from caf_desktop.gui.shared.layout_memory import remember_size
from caf_desktop.gui.shared.records_host import RecordsHost
from caf_desktop.practice import thresholds

if TYPE_CHECKING:
    from caf_desktop.store.sync import ConflictInfo


def form_title(form_id: str) -> str:
    """The title of the installed form `form_id`, else the id itself."""
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    try:
        return installed_catalogue().get(form_id).title
    except CafError:
        return form_id


class ConflictDialog(QDialog):
    """One conflict: the stored and incoming versions side by side, answer by answer."""

    def __init__(
        self,
        conflict: ConflictInfo,
        stored: dict[str, Any],
        parent: QWidget | None = None,
        *,
        child: str = "",
        stored_saved: dt.datetime | None = None,
        from_coordinator: bool = False,
    ) -> None:
        from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

        super().__init__(parent)
        self.setObjectName("conflict")
        self.setWindowTitle("Settle a sync conflict")
        remember_size(self, "conflict", (1100, 640))
        self.conflict = conflict
        self.stored = stored
        self.definition = installed_catalogue().lookup(
            f"{conflict.incoming_form_id}@{conflict.incoming_form_version}"
        )
        self.rows = diff.side_by_side(
            self.definition,
            stored,
            conflict.incoming_document,
            indicator_words=thresholds.indicator_words(self.definition),
        )
        layout = QVBoxLayout(self)
        sender = conflict.sender_name
        self.theirs_heading = (
            f"{sender}'s ({'your coordinator' if from_coordinator else 'from their laptop'})"
        )
        self._introduce(layout, child, stored_saved, from_coordinator=from_coordinator)
        self.table = QTableWidget(len(self.rows), 3, self)
        self.table.setObjectName("conflict-answers")
        self.table.setHorizontalHeaderLabels(
            ["Question", "Yours (stored here)", f"{self.theirs_heading}: tick to take"]
        )
        self.table.setAccessibleName(f"Answers that differ: yours and {sender}'s")
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        for index, row in enumerate(self.rows):
            self.table.setItem(index, 0, QTableWidgetItem(row.label))
            self.table.setItem(index, 1, QTableWidgetItem(row.left))
            theirs = QTableWidgetItem(row.right)
            theirs.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
            theirs.setCheckState(Qt.CheckState.Unchecked)
            self.table.setItem(index, 2, theirs)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.resizeRowsToContents()
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.keep_stored = buttons.addButton("Keep yours", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep_incoming = buttons.addButton(f"Keep {sender}'s", QDialogButtonBox.ButtonRole.AcceptRole)
        self.combine_button = buttons.addButton(
            f"Combine: yours with {sender}'s ticked answers", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.choice: str | None = None
        self.keep_stored.clicked.connect(lambda: self._choose("stored"))
        self.keep_incoming.clicked.connect(lambda: self._choose("incoming"))
        self.combine_button.clicked.connect(lambda: self._choose("combined"))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _introduce(
        self, layout: QVBoxLayout, child: str, stored_saved: dt.datetime | None, *, from_coordinator: bool
    ) -> None:
        """The child, the form, and which version is whose, above the answers."""
        conflict = self.conflict
        sender = conflict.sender_name
        # Whose is whose, in the words a person uses: the version in this store is yours; the other
        # came in a bundle from someone's laptop (or from the coordinator, on a worker's laptop).
        where = f"by {sender}, your coordinator," if from_coordinator else f"on {sender}'s laptop"
        self.theirs_heading = (
            f"{sender}'s ({'your coordinator' if from_coordinator else 'from their laptop'})"
        )
        saved = f", last saved {uk_time.spoken(stored_saved)}" if stored_saved is not None else ""
        try:
            their_time = f", saved {uk_time.spoken(dt.datetime.fromisoformat(conflict.incoming_updated))}"
        except ValueError:
            their_time = ""
        by = f" by {conflict.incoming_author}" if conflict.incoming_author != sender else ""
        child_line = QLabel(f"{child or 'A child with no name yet'}: {self.definition.title}", self)
        child_line.setObjectName("conflict-child")
        child_line.setTextFormat(Qt.TextFormat.PlainText)
        font = child_line.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        child_line.setFont(font)
        layout.addWidget(child_line)
        intro = QLabel(
            f"This record was changed here and {where} since the two last matched, so both versions are "
            "kept until you choose.\n"
            f"Yours: the version stored here (version {conflict.stored_version}{saved}).\n"
            f"{sender}'s: version {conflict.incoming_version}{by}{their_time}, received here "
            f"{uk_time.spoken(conflict.received)}.\n"
            f"Tick the answers to take from {sender}'s version, or keep one version whole.",
            self,
        )
        intro.setObjectName("conflict-intro")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.table.resizeRowsToContents()  # the columns have their real widths only now

    def _choose(self, choice: str) -> None:
        self.choice = choice
        self.accept()

    def ticked(self) -> set[str]:
        return {
            row.pointer
            for index, row in enumerate(self.rows)
            if self.table.item(index, 2).checkState() == Qt.CheckState.Checked
        }

    def combined(self) -> dict[str, Any]:
        return diff.combine(self.stored, self.conflict.incoming_document, self.ticked())


class ConflictsDialog(QDialog):
    """The conflicts waiting for a person; Settle opens one side by side."""

    def __init__(self, window: RecordsHost) -> None:
        super().__init__(window)
        self.setObjectName("conflicts")
        self.setWindowTitle("Sync conflicts")
        remember_size(self, "conflicts", (720, 420))
        self.window_ = window
        layout = QVBoxLayout(self)
        self.empty = QLabel("No conflicts are waiting.", self)
        layout.addWidget(self.empty)
        self.list = QListWidget(self)
        self.list.setObjectName("conflict-list")
        self.list.itemActivated.connect(lambda item: self.settle())
        layout.addWidget(self.list, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.settle_button = QPushButton("Settle…", self)
        self.settle_button.clicked.connect(self.settle)
        buttons.addButton(self.settle_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        for conflict in self.window_.store.conflicts():
            record = self.window_.store.get(conflict.record_id)
            item_text = (
                f"{record.child or '(no name)'}: {form_title(conflict.incoming_form_id)}, from "
                f"{conflict.sender_name}, received {uk_time.stamp(conflict.received)}"
            )
            self.list.addItem(item_text)
            self.list.item(self.list.count() - 1).setData(Qt.ItemDataRole.UserRole, conflict.id)
        self.empty.setVisible(self.list.count() == 0)
        self.settle_button.setEnabled(self.list.count() > 0)
        if self.list.count():
            self.list.setCurrentRow(0)

    def settle(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        store = self.window_.store
        conflict = store.conflict(str(item.data(Qt.ItemDataRole.UserRole)))
        stored = store.get(conflict.record_id)
        profile = store.profile()
        dialog = ConflictDialog(
            conflict,
            stored.document,
            self,
            child=stored.child,
            stored_saved=stored.saved or stored.updated,
            from_coordinator=profile is not None and profile.role != "coordinator",
        )
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.choice is None:
            return
        try:
            store.resolve_conflict(
                conflict.id,
                dialog.choice,
                dialog.definition,
                dialog.combined() if dialog.choice == "combined" else None,
            )
        except CafError as problem:
            QMessageBox.warning(self, "Not settled", str(problem))
            return
        self.refresh()
        self.window_.case_list.refresh()


def settle_conflicts(window: RecordsHost) -> None:
    dialog = ConflictsDialog(window)
    dialog.exec()
