"""The case list on a 1366x768 laptop: what matters is never cut short, every cell's whole text is
its tooltip, a level that differs from its suggestion stands out, and an empty list says what to do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.records.case_list import CaseListModel
from caf_desktop.gui.records.window import RecordsWindow
from caf_desktop.store.store import Profile, Store
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QStyle

from tests.conftest import example
from tests.gui.conftest import type_text

PASSPHRASE = "correct horse battery staple"
# The columns whose words must be seen whole: a date, a level and its differing suggestion, a review.
WHOLE = (
    CaseListModel.DOB,
    CaseListModel.STATUS,
    CaseListModel.LEVEL,
    CaseListModel.UPDATED,
    CaseListModel.REVIEW,
)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.create(
        tmp_path / "home", PASSPHRASE, Profile("Ada Worker", "worker", "Fictional Council"), kdf_cost=2**12
    )
    yield opened
    opened.close()


def fill(store: Store) -> None:
    """A level agreed below the guidance's suggestion, an overdue review, and a level 4 suggestion."""
    differing = example("caf-assessment")
    differing["level_of_need"] = {"agreed_level": 1, "rationale": "Needs are being met by school."}
    differing["development"]["health"]["indicators"].append("health.l4.non_accidental_injury")
    store.add_record(shipped_catalogue().get("caf-assessment"), differing)
    meeting = example("tac-meeting")
    meeting["outcome"] = {"decision": "continue", "next_review_date": "2026-01-05"}
    store.add_record(shipped_catalogue().get("tac-meeting"), meeting)
    store.add_record(shipped_catalogue().get("tac-review"), example("tac-review"))


def test_dates_levels_and_overdue_reviews_are_not_cut_short_at_1366_wide(
    store: Store, window: RecordsWindow, qtbot: Any
) -> None:
    fill(store)
    window.case_list.refresh()
    table = window.case_list.table
    model = window.case_list.model
    qtbot.waitUntil(table.isVisible)
    margin = 2 * (table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1)
    shown = {model.data(model.index(r, c)) for r in range(model.rowCount()) for c in WHOLE}
    assert "Level 1 (suggested 4)" in shown
    assert "⚠ Overdue: 05/01/2026" in shown
    for row in range(model.rowCount()):
        for column in WHOLE:
            index = model.index(row, column)
            text = model.data(index)
            font = model.data(index, Qt.ItemDataRole.FontRole) or QFont(table.font())
            needed = QFontMetrics(font).horizontalAdvance(text) + margin
            assert needed <= table.columnWidth(column), (CaseListModel.HEADERS[column], text)
    # The rest of the columns still fit on the screen, each wide enough to read.
    widths = [table.columnWidth(c) for c in range(model.columnCount() - 1)]
    assert sum(widths) < table.viewport().width()
    assert min(widths) >= QFontMetrics(table.font()).horizontalAdvance("Date of birth")


def test_every_cell_has_its_whole_text_as_a_tooltip(store: Store, window: RecordsWindow) -> None:
    fill(store)
    window.case_list.refresh()
    model = window.case_list.model
    for row in range(model.rowCount()):
        record = model.record_at(row)
        assert record is not None
        for column in range(model.columnCount()):
            index = model.index(row, column)
            text = model.data(index)
            tip = model.data(index, Qt.ItemDataRole.ToolTipRole)
            if not text:
                continue
            assert tip, (CaseListModel.HEADERS[column], text)
            if column == CaseListModel.FORM:
                assert tip == shipped_catalogue().get(record.form_id).title
            elif column == CaseListModel.ATTENTION:
                assert record.attention is None or record.attention in tip
            else:
                assert text in tip


def test_a_level_that_differs_from_its_suggestion_stands_out(store: Store, window: RecordsWindow) -> None:
    fill(store)
    agreed = example("caf-assessment")
    agreed["level_of_need"] = {"agreed_level": 3, "rationale": "As suggested."}
    store.add_record(shipped_catalogue().get("caf-assessment"), agreed)
    window.case_list.refresh()
    model = window.case_list.model
    fonts = {
        model.data(model.index(r, CaseListModel.LEVEL)): model.data(
            model.index(r, CaseListModel.LEVEL), Qt.ItemDataRole.FontRole
        )
        for r in range(model.rowCount())
    }
    assert fonts["Level 1 (suggested 4)"] is not None
    assert fonts["Level 1 (suggested 4)"].bold()
    assert fonts["Level 3"] is None


def test_an_empty_case_list_says_how_to_start(window: RecordsWindow, qtbot: Any) -> None:
    page = window.case_list
    empty = page.findChild(type(page.count_label), "case-list-empty")
    assert empty is not None
    assert empty.isVisible()
    assert not page.table.isVisible()
    assert "New record (Ctrl+N)" in empty.text()
    assert "caf-desktop demo" in empty.text()


def test_a_search_that_finds_nothing_says_so(store: Store, window: RecordsWindow, qtbot: Any) -> None:
    fill(store)
    page = window.case_list
    page.refresh()
    assert page.table.isVisible()
    type_text(qtbot, page.search, "nobody by this name")
    page.apply_filters()
    assert page.empty.isVisible()
    assert page.empty.text().startswith("No records match.")
    page.search.clear()
    page.apply_filters()
    assert page.table.isVisible()
    assert not page.empty.isVisible()
