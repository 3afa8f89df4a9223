"""Tables of a printed record: the cells, the column widths that fit the page, and the height of wrapped text."""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any, Literal

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Paragraph,
    Table,
    TableStyle,
)

from caf_desktop.formengine.definitions import Control
from caf_desktop.paper.furniture import font_advances, text_width
from caf_desktop.paper.styles import (
    CELL_PADDING,
    HEADER_BACK,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    NOT_ASKED,
    NOT_RECORDED,
    REGULAR,
    RULE_LINE,
    SHORT_ANSWER,
    STYLES,
    TALLEST_ROW_SHARE,
    clean,
    markup,
)

Orientation = Literal["portrait", "landscape"]


@dataclasses.dataclass
class Column:
    label: str
    scope: str  # relative to the item
    control: Control


# An answer in a row: flowables, or plain text with its style (drawn without a Paragraph: see table_cell).
Answer = list[Flowable] | tuple[str, ParagraphStyle]


@dataclasses.dataclass
class Row:
    """One question in a two-column block: its label and its answer (or a statement across both)."""

    label: str | None
    answer: Answer
    height: float


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str] | None:
    """Plain text broken into lines that fit `width` (white space collapsed, as a Paragraph does),
    or None when a word alone is wider than the line."""
    space = text_width(" ", font, size)
    advances, default = font_advances(font)
    scale = size / 1000
    lines: list[str] = []
    for part in clean(text).replace("\r\n", "\n").split("\n"):
        current: list[str] = []
        used = 0.0
        words = part.split()
        # The widths of all the words at once: the loops over their letters run in C.
        drawn_widths = [sum(map(advances.get, map(ord, w), itertools.repeat(default))) * scale for w in words]
        for word, drawn in zip(words, drawn_widths, strict=True):
            if drawn > width:
                return None
            if current and used + space + drawn > width:
                lines.append(" ".join(current))
                current, used = [word], drawn
            else:
                used = used + space + drawn if current else drawn
                current.append(word)
        lines.append(" ".join(current))
    return lines


def table_cell(answer: Answer, width: float, at: tuple[int, int], commands: list[tuple[Any, ...]]) -> Any:
    """A table cell for an answer. Plain text is broken into lines here and drawn as a string:
    reportlab lays out a Paragraph in a table twice (to size the row, then to draw it), and most
    cells are a line or two of plain text, so this halves the work of printing a form."""
    if isinstance(answer, list):
        return answer
    text, style = answer
    lines = wrap_lines(text, style.fontName, style.fontSize, width)
    if lines is None:
        return [Paragraph(markup(text), style)]
    commands.extend(
        [
            ("FONTNAME", at, at, style.fontName),
            ("FONTSIZE", at, at, style.fontSize),
            ("LEADING", at, at, style.leading),
            ("TEXTCOLOR", at, at, style.textColor),
        ]
    )
    return "\n".join(lines)


def estimate_height(lines: list[str], width: float, style: ParagraphStyle) -> float:
    """A close guess at how tall these lines are when wrapped to `width` (without wrapping them)."""
    count = 0
    for line in lines:
        for part in line.split("\n"):
            drawn = text_width(part, style.fontName, style.fontSize)
            # Words do not fill a line exactly; a tenth more lines is a safe margin.
            count += max(1, math.ceil(drawn * 1.1 / max(width, 1)))
    return float(count * style.leading)


# --- objects ---


def table_widths(
    columns: list[Column], cells: list[list[list[str]]], page: tuple[float, float]
) -> list[float] | None:
    """Column widths that fit the page (the automatic table layout of HTML), or None when the
    table would be unreadable: too many columns for the width, or a row too tall for a page."""
    width = page[0] - 2 * MARGIN_X
    frame_height = page[1] - MARGIN_TOP - MARGIN_BOTTOM
    font, size = STYLES.cell.fontName, STYLES.cell.fontSize
    pad = 2 * (CELL_PADDING + 1)
    least: list[float] = []
    most: list[float] = []
    for number, column in enumerate(columns):
        texts = [line for row in cells for line in row[number]]
        # The narrowest a column can be: its longest word (in the header's bold too), and the
        # whole of a short answer, so that dates, phone numbers and postcodes stay on one line.
        header_word = max(column.label.split(), key=len, default="")
        narrowest = text_width(header_word, STYLES.cell_head.fontName, size)
        for text in texts:
            unit = text if len(text) <= SHORT_ANSWER else max(text.split(), key=len, default="")
            narrowest = max(narrowest, text_width(unit, font, size) * 1.05)
        whole = max(
            [text_width(column.label, STYLES.cell_head.fontName, size)]
            + [text_width(text, font, size) for text in texts]
        )
        least.append(min(max(narrowest, 14 * mm), 45 * mm) + pad)
        most.append(max(whole + pad, least[-1]))
    if sum(least) > width:
        return None
    if sum(most) <= width:
        widths = [w * width / sum(most) for w in most]
    else:
        spare = width - sum(least)
        stretch = sum(m - s for m, s in zip(most, least, strict=True)) or 1.0
        widths = [s + spare * (m - s) / stretch for m, s in zip(most, least, strict=True)]
    for row in cells:
        tallest = max(
            estimate_height(lines or [NOT_RECORDED], w - pad, STYLES.cell)
            for lines, w in zip(row, widths, strict=True)
        )
        if tallest + pad > frame_height * TALLEST_ROW_SHARE:
            return None
    return widths


def table(columns: list[Column], cells: list[list[list[str]]], widths: list[float]) -> Table:
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # reportlab sets it for every cell
        ("GRID", (0, 0), (-1, -1), 0.5, RULE_LINE),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACK),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING + 1),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING + 1),
        ("TOPPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PADDING + 1),
    ]
    inner = [w - 2 * (CELL_PADDING + 1) for w in widths]
    data: list[list[Any]] = [
        [table_cell((c.label, STYLES.cell_head), inner[i], (i, 0), commands) for i, c in enumerate(columns)]
    ]
    for number, row in enumerate(cells, start=1):
        line: list[Any] = []
        for i, lines in enumerate(row):
            answer: Answer
            if not lines or lines == [NOT_ASKED]:
                answer = (lines[0] if lines else NOT_RECORDED, STYLES.cell_missing)
            elif len(lines) == 1:
                answer = (lines[0], STYLES.cell)
            else:
                answer = [Paragraph(markup(text), STYLES.cell_bullet, bulletText="•") for text in lines]
            line.append(table_cell(answer, inner[i], (i, number), commands))
        data.append(line)
    table = Table(data, colWidths=widths, repeatRows=1, style=TableStyle(commands), hAlign="LEFT")
    table.spaceAfter = 6
    return table
