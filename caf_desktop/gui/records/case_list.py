"""The case list: every record, safeguarding first then newest, a page at a time, searched as you type.

`CaseListModel` is an adapter over `Store.list_records`: it holds only the rows fetched so far and
asks for the next page when the view scrolls near the end (canFetchMore/fetchMore), so 100,000
records open as fast as 100. Sorting and filtering become a new query, never a scan in Python.

Signals (CaseListPage):
    openRequested(str): the user wants to open this record.
    newRequested(): the user wants to start a record.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import Any, ClassVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.formengine.definitions import installed_catalogue
from caf_desktop.store.store import RecordInfo, RecordQuery, Store

PAGE = 200
SEARCH_DELAY_MS = 120
SAFEGUARDING_FLAG = "⚠ Safeguarding"
SAFEGUARDING_TOOLTIP = (
    "Safeguarding: this record has a child-protection indicator or says the child is in immediate danger. "
    "Contact children's social care now; call the police on 999 if the child is in immediate danger."
)
# The widest texts the fixed columns show, measured so that none of them is cut short at 1366 wide.
WIDEST_TEXTS = {
    "DOB": "30/09/2026",
    "STATUS": "Complete",
    "LEVEL": "Level 4 (suggested 4)",
    "UPDATED": "30/09/2026 23:59",
    "REVIEW": "⚠ Overdue: 30/09/2026",
}

Index = QModelIndex | QPersistentModelIndex


def uk(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


_SPELLED_OUT = re.compile(r"^[A-Z][A-Za-z -]+ \(([A-Z]{2,})\) ")


def short_title(title: str) -> str:
    """A form's title for a narrow column: "Common Assessment Framework (CAF) assessment" is listed
    as "CAF assessment" (its tooltip has the whole title)."""
    return _SPELLED_OUT.sub(lambda found: f"{found.group(1)} ", title)


class CaseListModel(QAbstractTableModel):
    """Records as rows. Columns are named constants; `RecordRole` gives the row's RecordInfo."""

    CHILD, DOB, FORM, STATUS, LEVEL, LEAD, UPDATED, REVIEW, ATTENTION = range(9)
    HEADERS: ClassVar[list[str]] = [
        "Child",
        "Date of birth",
        "Form",
        "Status",
        "Level of need",
        "Lead professional",
        "Last change",
        "Next review",
        "Needs attention",
    ]
    # Needs attention puts the cases flagged for safeguarding first, then sorts by last change.
    SORT_KEYS: ClassVar[list[str]] = [
        "child",
        "dob",
        "form",
        "status",
        "level",
        "lead",
        "updated",
        "review",
        "attention",
    ]
    RecordRole = Qt.ItemDataRole.UserRole + 1

    def __init__(self, store: Store, parent: Any = None) -> None:
        super().__init__(parent)
        self.store = store
        self.query = RecordQuery(order_by="attention", limit=PAGE)
        self.rows: list[RecordInfo] = []
        self.total = 0
        self.today = dt.date.today()
        self._titles = {d.id: d.title for d in installed_catalogue().all()}
        self._short_titles = {form_id: short_title(title) for form_id, title in self._titles.items()}
        self.refresh()

    # Queries ----------------------------------------------------------------------------------------------

    def refresh(self, query: RecordQuery | None = None) -> None:
        """Runs the query again from the top (after a change, a new search, sort or filter)."""
        if query is not None:
            self.query = replace(query, offset=0, limit=PAGE)
        self.beginResetModel()
        self.total = self.store.count(self.query)
        self.rows = self.store.list_records(replace(self.query, offset=0, limit=PAGE))
        self.today = dt.date.today()
        self.endResetModel()

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008 - Qt's default argument
        return not parent.isValid() and len(self.rows) < self.total

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008 - Qt's default argument
        if parent.isValid():
            return
        more = self.store.list_records(replace(self.query, offset=len(self.rows), limit=PAGE))
        if not more:
            self.total = len(self.rows)
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
        self.rows.extend(more)
        self.endInsertRows()

    # The model ---------------------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.HEADERS)
        ):
            return self.HEADERS[section]
        return None

    def is_overdue(self, row: RecordInfo) -> bool:
        return (
            row.next_review is not None
            and row.next_review < self.today
            and row.status != "closed"
            and not row.case_closed  # a closed CAF has no reviews due
        )

    @staticmethod
    def level_differs(row: RecordInfo) -> bool:
        """The agreed level is not the guidance's suggestion (both are kept; the list shows both)."""
        return bool(row.level and row.suggested_level and row.suggested_level != row.level)

    def stands_out(self, row: RecordInfo, column: int) -> bool:
        """Cells shown in bold, besides their words: what a person must not miss at a glance."""
        return (
            (column == self.REVIEW and self.is_overdue(row))
            or (column == self.LEVEL and self.level_differs(row))
            or (column == self.ATTENTION and row.flags_safeguarding)
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == self.RecordRole:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.FontRole and self.stands_out(row, column):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        return None

    def _tooltip(self, row: RecordInfo, column: int) -> str | None:
        """Every cell's whole text (a narrow column may cut it short), and why it stands out."""
        shown = self._display(row, column)
        if column == self.FORM:
            return self._titles.get(row.form_id, row.form_id)
        if column == self.ATTENTION and (row.flags_safeguarding or row.attention):
            parts = [SAFEGUARDING_TOOLTIP] if row.flags_safeguarding else []
            return "\n".join([*parts, *([row.attention] if row.attention else [])])
        if column == self.REVIEW and self.is_overdue(row):
            return f"{shown}. The review date has passed: arrange the review, or record why not."
        if column == self.LEVEL and self.level_differs(row):
            return (
                f"{shown}: the agreed level differs from the threshold guidance's suggestion "
                "(both are kept; open the record to see why)."
            )
        if column == self.LEVEL and not row.level and row.suggested_level:
            return f"{shown}: no level has been agreed yet; this is the threshold guidance's suggestion."
        return shown or None

    def _display(self, row: RecordInfo, column: int) -> str:
        if column == self.CHILD:
            return row.child or "(no name yet)"
        if column == self.DOB:
            return uk(row.child_dob)
        if column == self.FORM:
            return self._short_titles.get(row.form_id, row.form_id)
        if column == self.STATUS:
            return row.status.capitalize() + (" (deleted)" if row.deleted else "")
        if column == self.LEVEL:
            # The agreed level, and the guidance's suggestion when it differs (both are kept).
            if row.level and row.suggested_level and row.suggested_level != row.level:
                return f"Level {row.level} (suggested {row.suggested_level})"
            if row.level:
                return f"Level {row.level}"
            return f"Suggested {row.suggested_level}" if row.suggested_level else ""
        if column == self.LEAD:
            return row.lead_professional or ""
        if column == self.UPDATED:
            return row.updated.astimezone().strftime("%d/%m/%Y %H:%M")
        if column == self.ATTENTION:
            said = [SAFEGUARDING_FLAG] if row.flags_safeguarding else []
            return "; ".join([*said, *([f"⚠ {row.attention}"] if row.attention else [])])
        if column == self.REVIEW:
            # Words, not colour alone: an overdue review says so.
            return f"⚠ Overdue: {uk(row.next_review)}" if self.is_overdue(row) else uk(row.next_review)
        return ""

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(self.SORT_KEYS):
            self.refresh(
                replace(
                    self.query,
                    order_by=self.SORT_KEYS[column],
                    descending=order == Qt.SortOrder.DescendingOrder,
                )
            )

    def record_at(self, row: int) -> RecordInfo | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None


class CaseListPage(QWidget):
    """The home page of the app: search, filters, the table, and the actions on a record."""

    openRequested = Signal(str)
    newRequested = Signal()
    deleteRequested = Signal(str)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("case-list")
        self.model = CaseListModel(store, self)
        layout = QVBoxLayout(self)
        heading = QLabel("Cases and records", self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)

        layout.addLayout(self._build_controls())
        self.notice = QLabel(self)
        self.notice.setObjectName("case-list-notice")
        self.notice.setWordWrap(True)
        self.notice.setVisible(False)
        layout.addWidget(self.notice)
        layout.addWidget(self._build_table(), 1)
        self.empty = QLabel(self)
        self.empty.setObjectName("case-list-empty")
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setVisible(False)
        layout.addWidget(self.empty, 1)
        self.count_label = QLabel(self)
        layout.addWidget(self.count_label)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filters)
        self.search.textEdited.connect(lambda _: self._search_timer.start())
        self.status_filter.activated.connect(lambda _: self.apply_filters())
        self.level_filter.activated.connect(lambda _: self.apply_filters())
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        delete.activated.connect(self._delete_current)
        self._update_count()

    def _build_controls(self) -> QHBoxLayout:
        controls = QHBoxLayout()
        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search by child's name, reference or form")
        self.search.setAccessibleName("Search records")
        self.search.setClearButtonEnabled(True)
        self.status_filter = QComboBox(self)
        self.status_filter.setAccessibleName("Filter by status")
        self.status_filter.addItem("Any status", None)
        for status in ("draft", "complete", "signed", "shared", "closed"):
            self.status_filter.addItem(status.capitalize(), status)
        self.level_filter = QComboBox(self)
        self.level_filter.setAccessibleName("Filter by level of need")
        self.level_filter.addItem("Any level", None)
        for level in (1, 2, 3, 4):
            self.level_filter.addItem(f"Level {level}", level)
        self.new_button = QPushButton("New record…", self)
        self.new_button.clicked.connect(self.newRequested)
        controls.addWidget(QLabel("Search:", self))
        controls.addWidget(self.search, 1)
        controls.addWidget(self.status_filter)
        controls.addWidget(self.level_filter)
        controls.addWidget(self.new_button)
        return controls

    def _build_table(self) -> QTableView:
        self.table = QTableView(self)
        self.table.setObjectName("records")
        self.table.setAccessibleName("Records")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # The indicator first, then sorting on: the model already lists safeguarding first, then newest,
        # so showing the list runs one query, not a sort by Qt's default column and then another.
        self.table.horizontalHeader().setSortIndicator(CaseListModel.ATTENTION, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._fitting = False
        self._user_sized = False
        header.sectionResized.connect(self._section_resized)
        self.table.viewport().installEventFilter(self)
        self.fit_columns()
        self.table.activated.connect(lambda index: self._open(index.row()))
        return self.table

    def _section_resized(self, column: int, *_: Any) -> None:
        # A person dragged a column: leave their widths alone (the last column stretches by itself).
        if not self._fitting and column != CaseListModel.ATTENTION:
            self._user_sized = True

    def fit_columns(self) -> None:
        """Widths from the font in use: the dates, levels and an overdue review are never cut short;
        the names, forms and warnings share the rest (their tooltips hold the whole text)."""
        table = self.table
        bold = QFont(table.font())
        bold.setBold(True)
        plain_metrics, bold_metrics = QFontMetrics(table.font()), QFontMetrics(bold)
        header_metrics = QFontMetrics(table.horizontalHeader().font())
        margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
        sort_arrow = 24  # the header's sort indicator, beside its words
        fixed: dict[int, int] = {}
        for name, text in WIDEST_TEXTS.items():
            column = getattr(CaseListModel, name)
            heading = CaseListModel.HEADERS[column]
            fixed[column] = max(
                bold_metrics.horizontalAdvance(text) + margin + 8,
                header_metrics.horizontalAdvance(heading) + margin + sort_arrow,
            )
        flexible = {CaseListModel.CHILD: 0.27, CaseListModel.FORM: 0.22, CaseListModel.LEAD: 0.2}
        spare = table.viewport().width() - sum(fixed.values())
        self._fitting = True
        try:
            for column, width in fixed.items():
                table.setColumnWidth(column, width)
            for column, share in flexible.items():
                least = header_metrics.horizontalAdvance(CaseListModel.HEADERS[column]) + margin + sort_arrow
                table.setColumnWidth(
                    column, max(least, int(spare * share), plain_metrics.averageCharWidth() * 12)
                )
        finally:
            self._fitting = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.table.viewport() and event.type() == QEvent.Type.Resize and not self._user_sized:
            self.fit_columns()
        return False

    def apply_filters(self) -> None:
        """Runs the search and filters now (typing waits a moment, so each keystroke is not a query)."""
        self._search_timer.stop()
        status, level = self.status_filter.currentData(), self.level_filter.currentData()
        query = replace(
            self.model.query,
            search=self.search.text(),
            statuses=(status,) if status else (),
            levels=(level,) if level else (),
        )
        self.model.refresh(query)
        self._update_count()

    def refresh(self) -> None:
        self.model.refresh()
        self._update_count()

    def _update_count(self) -> None:
        total = self.model.total
        self.count_label.setText(
            f"{total:,} record{'s' if total != 1 else ''}" + (" match" if self.search.text().strip() else "")
        )
        narrowed = bool(self.search.text().strip() or self.model.query.statuses or self.model.query.levels)
        self.empty.setText(
            "No records match. Clear the search, or choose \u201cAny status\u201d and \u201cAny level\u201d, "
            "to see every record."
            if narrowed
            else "No records yet. Start one with New record (Ctrl+N).\n\nTo try the app first with "
            "fictional cases: close CAF Desktop, run the command caf-desktop demo in a terminal, "
            "and start CAF Desktop again."
        )
        self.empty.setVisible(total == 0)
        self.table.setVisible(total > 0)

    def selected(self) -> RecordInfo | None:
        index = self.table.currentIndex()
        return self.model.record_at(index.row()) if index.isValid() else None

    def _open(self, row: int) -> None:
        record = self.model.record_at(row)
        if record is not None:
            self.openRequested.emit(record.id)

    def _delete_current(self) -> None:
        record = self.selected()
        if record is not None:
            self.deleteRequested.emit(record.id)

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
