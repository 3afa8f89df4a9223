"""Page furniture and flowables of our own: the marked header and footer, "Page X of Y", pictures, ruled lines."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import io
import itertools
import struct
import zlib
from typing import Any

from PIL.Image import DecompressionBombError
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
)

from caf_desktop.paper.styles import (
    BOLD,
    FOOTER_RULE,
    HEADER_RULE,
    INK,
    MARGIN_X,
    MARKING,
    REGULAR,
    RULE_LINE,
    clean,
)

# --- the page furniture: header, footer, "Page X of Y" ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Furniture:
    title: str
    status: str | None
    child_line: str


@functools.cache
def font_advances(font: str) -> tuple[dict[int, float], float]:
    face = pdfmetrics.getFont(font).face
    return face.charWidths, float(face.defaultWidth)


def text_width(text: str, font: str, size: float) -> float:
    """How wide `text` is drawn in a registered TrueType font: reportlab's sum, with the loop in C."""
    widths, default = font_advances(font)
    return sum(map(widths.get, map(ord, text), itertools.repeat(default))) * size / 1000


def _fit(text: str, font: str, size: float, width: float) -> str:
    """The text, shortened with an ellipsis if it is wider than `width`."""
    drawn = text_width(text, font, size)
    if drawn <= width:
        return text
    text = text[: int(len(text) * width / drawn) + 1]  # about the right length, then to the letter
    while text and text_width(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def draw_furniture(canvas: Canvas, furniture: Furniture) -> None:
    """Drawn first on each page, so that it comes first in the reading order."""
    width, height = canvas._pagesize
    left, right = MARGIN_X, width - MARGIN_X
    canvas.saveState()
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, 9)
    canvas.drawCentredString(width / 2, height - 10 * mm, MARKING)
    status = _fit(clean(furniture.status or ""), REGULAR, 8, (right - left) * 0.45)
    status_width = text_width(status, REGULAR, 8) + 12 if status else 0.0
    canvas.setFont(BOLD, 9)
    canvas.drawString(
        left, height - 16 * mm, _fit(clean(furniture.title), BOLD, 9, right - left - status_width)
    )
    if status:
        canvas.setFont(REGULAR, 8)
        canvas.drawRightString(right, height - 16 * mm, status)
    canvas.setStrokeColor(RULE_LINE)
    canvas.setLineWidth(0.6)
    canvas.line(left, height - HEADER_RULE, right, height - HEADER_RULE)
    canvas.line(left, FOOTER_RULE, right, FOOTER_RULE)
    canvas.setFont(REGULAR, 8)
    canvas.drawString(left, 10 * mm, _fit(furniture.child_line, REGULAR, 8, (right - left) - 30 * mm))
    canvas.setFont(BOLD, 9)
    canvas.drawCentredString(width / 2, 5 * mm, MARKING)
    canvas.restoreState()


class NumberedCanvas(Canvas):  # type: ignore[misc] # reportlab has no type information
    """Holds each finished page until the end, then adds "Page X of Y" (the total is known only then)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._finished_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._finished_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._finished_pages)
        for number, state in enumerate(self._finished_pages, start=1):
            self.__dict__.update(state)
            width = self._pagesize[0]
            self.setFillColor(INK)
            self.setFont(REGULAR, 8)
            self.drawRightString(width - MARGIN_X, 10 * mm, f"Page {number} of {total}")
            super().showPage()
        super().save()


# --- flowables of our own ------------------------------------------------------------------------------


class Picture(Flowable):  # type: ignore[misc] # reportlab has no type information
    """A picture scaled to fit a box (keeping its shape), inside a thin border."""

    def __init__(self, reader: Any, box_width: float, box_height: float) -> None:
        super().__init__()
        self.reader = reader
        self.box_width = box_width
        self.box_height = box_height

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.box_width, self.box_height

    def draw(self) -> None:
        canvas = self.canv
        canvas.setStrokeColor(RULE_LINE)
        canvas.setLineWidth(0.5)
        canvas.rect(0, 0, self.box_width, self.box_height)
        inset = 1.5
        canvas.drawImage(
            self.reader,
            inset,
            inset,
            self.box_width - 2 * inset,
            self.box_height - 2 * inset,
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )


class Lines(Flowable):  # type: ignore[misc] # reportlab has no type information
    """Plain text already broken into lines (`wrap_lines`), drawn line by line, breaking across
    pages between any two lines.

    Long answers are most of the text of a full record, and a Paragraph is laid out again each
    time reportlab measures, splits or draws it; lines measured once keep printing fast.
    """

    def __init__(
        self, lines: list[str], style: ParagraphStyle, *, opening: bool = True, closing: bool = True
    ) -> None:
        super().__init__()
        self.lines = lines
        self.style = style
        self.spaceBefore = style.spaceBefore if opening else 0
        self.spaceAfter = style.spaceAfter if closing else 0

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return available_width, len(self.lines) * self.style.leading

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        fits = int(available_height // self.style.leading)
        # No single line left behind at the foot of a page, nor carried alone to the next one.
        fits = min(fits, len(self.lines) - 2)
        if fits < 2:
            return []
        return [
            Lines(self.lines[:fits], self.style, closing=False),
            Lines(self.lines[fits:], self.style, opening=False),
        ]

    def draw(self) -> None:
        style = self.style
        text = self.canv.beginText(style.leftIndent, len(self.lines) * style.leading - style.fontSize)
        text.setFont(style.fontName, style.fontSize, style.leading)
        text.setFillColor(style.textColor)
        for line in self.lines:
            text.textLine(line)
        self.canv.drawText(text)


SIGNATURE_BOX = (60 * mm, 20 * mm)


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# A signature pad gives well under a million pixels; a picture far larger is refused before it is
# decoded, so that a damaged or hostile record cannot exhaust memory when it is printed.
LARGEST_PICTURE = 16_000_000


def _png_size(data: bytes) -> tuple[int, int] | None:
    """The width and height in a PNG's header, or None when it is not a PNG."""
    if len(data) < 24 or not data.startswith(_PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def picture_flowable(value: Any, media_type: str | None) -> Flowable | None:
    """The drawn picture in a base64 answer, or None if it is not a picture that can be printed."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.startswith("data:") and "," in text:  # a data URL: keep only the base64 part
        text = text.split(",", 1)[1]
    try:
        data = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return None
    if media_type == "image/png" or data.startswith(_PNG_SIGNATURE):
        size = _png_size(data)
        if size is None or not 0 < size[0] * size[1] <= LARGEST_PICTURE:
            return None
    try:
        reader = ImageReader(io.BytesIO(data))
        width, height = reader.getSize()  # from the header, before decoding
        if not 0 < width * height <= LARGEST_PICTURE:
            return None
        # Decoded now, not while the page is drawn: a damaged picture must not stop the whole print.
        reader.getRGBData()
    except (OSError, ValueError, SyntaxError, EOFError, zlib.error, DecompressionBombError):
        return None  # what Pillow (under reportlab) raises for data that is not a picture it can read
    return Picture(reader, *SIGNATURE_BOX)
