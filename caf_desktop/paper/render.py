"""Printing a record: any form definition and document drawn as an A4 PDF, with no per-form code.

The layout (`definition.sections`) decides what prints and in what order; the data schema decides how
each answer reads (choice titles, Yes/No, dates in UK form); the optional `print` hints of the
definition decide the rest (`landscape` for wide tables, `omit`). Answers that a rule hides are not
printed (relevance, as everywhere else), and answers the layout does not show are ignored.

Every page carries the OFFICIAL-SENSITIVE marking, the form's title, the child's name, date of
birth and reference, and "Page X of Y". Text is set in DejaVu Sans, shipped in `resources/fonts/`
and embedded (as a subset), so any name prints as written. The output is deterministic: the same
definition and document give the same bytes. This module imports no Qt; the GUI runs it off the
GUI thread.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import functools
import io
import itertools
import math
import re
import struct
import threading
import unicodedata
import zlib
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

from PIL.Image import DecompressionBombError
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from caf_desktop.common import uk_time
from caf_desktop.common.errors import CafError
from caf_desktop.formengine import pointers, relevance, schematree
from caf_desktop.formengine.definitions import Control, Element, FormDefinition, Group, Section, Text
from caf_desktop.formengine.formats import parse_date
from caf_desktop.practice import thresholds

MARKING = "OFFICIAL-SENSITIVE"
NOT_RECORDED = "Not recorded"
NOT_SIGNED = "Not signed"
NOT_ASKED = "Not applicable"  # a question of a table row that a rule hides for that row
LANGUAGE = "en-GB"

# --- fonts ---------------------------------------------------------------------------------------------

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
OBLIQUE = "DejaVuSans-Oblique"
_FONT_FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf", OBLIQUE: "DejaVuSans-Oblique.ttf"}
_font_lock = threading.Lock()


def resources_root() -> Traversable:
    """The shipped `resources/` folder, whether installed (inside the package) or in a source checkout."""
    packaged = resources.files("caf_desktop") / "_resources"
    if packaged.is_dir():
        return packaged
    # An editable install or a source checkout: resources/ sits beside the package.
    return Path(str(resources.files("caf_desktop"))).parent / "resources"


@functools.cache
def register_fonts() -> None:
    """Registers the shipped DejaVu Sans faces with reportlab, once per process (about 20 ms each)."""
    with _font_lock:
        folder = resources_root() / "fonts"
        for name, file_name in _FONT_FILES.items():
            # Read through importlib.resources, so this works from a wheel, a zip or a frozen build.
            data = (folder / file_name).read_bytes()
            pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=OBLIQUE, boldItalic=BOLD)


# --- the page ------------------------------------------------------------------------------------------

PORTRAIT = A4
LANDSCAPE = landscape(A4)
# caf_desktop.paper.sign puts its visible signature stamp in the empty bands between the text frame
# and the header rule (18 mm from the top) or the footer rule (14 mm from the bottom): keep in step.
MARGIN_X = 16 * mm
MARGIN_TOP = 24 * mm
MARGIN_BOTTOM = 20 * mm
HEADER_RULE = 18 * mm  # from the top of the page
FOOTER_RULE = 14 * mm
CELL_PADDING = 3.5
# A table row taller than this share of the frame is printed as blocks instead: a table row
# cannot break across pages, and a tall one leaves a large gap before it.
TALLEST_ROW_SHARE = 0.45
# Answers up to this many characters are kept on one line in a table when the columns allow it.
SHORT_ANSWER = 18
LABEL_SHARE = 0.36  # of the width, for the questions' labels
# An answer estimated taller than this prints below its label, flowing across pages, not in a row.
TALLEST_ROW_ANSWER = 170.0

INK = colors.HexColor("#1b1b1b")
MUTED = colors.HexColor("#595959")  # 7:1 on white
HEADING = colors.HexColor("#1d3a5f")
RULE_LINE = colors.HexColor("#9aa7b4")
LABEL_BACK = colors.HexColor("#eef2f6")
HEADER_BACK = colors.HexColor("#dde5ee")
BOX_STYLES = {
    "info": (colors.HexColor("#f2f4f7"), colors.HexColor("#9aa7b4")),
    "warning": (colors.HexColor("#fff4e0"), colors.HexColor("#b26a00")),
    "safeguarding": (colors.HexColor("#fdeceb"), colors.HexColor("#b3261e")),
}


def _style(name: str, **values: Any) -> ParagraphStyle:
    # Bullets too, or reportlab would set them in Helvetica, a font that is not embedded.
    base: dict[str, Any] = {
        "fontName": REGULAR,
        "bulletFontName": REGULAR,
        "fontSize": 9,
        "leading": 12,
        "textColor": INK,
    }
    return ParagraphStyle(name, **{**base, **values})


class _Styles:
    """The paragraph styles, by what they set."""

    body: ParagraphStyle = _style("body")
    strong: ParagraphStyle = _style("strong", fontName=BOLD)
    label: ParagraphStyle = _style("label", fontName=BOLD, fontSize=8.5, leading=11)
    missing: ParagraphStyle = _style("missing", fontName=OBLIQUE, textColor=MUTED)
    cell: ParagraphStyle = _style("cell", fontSize=8.5, leading=11)
    cell_missing: ParagraphStyle = _style(
        "cell_missing", fontName=OBLIQUE, fontSize=8, leading=11, textColor=MUTED
    )
    cell_head: ParagraphStyle = _style("cell_head", fontName=BOLD, fontSize=8.5, leading=11)
    long_text: ParagraphStyle = _style("long_text", leftIndent=8, spaceAfter=3)
    long_label: ParagraphStyle = _style(
        "long_label", fontName=BOLD, fontSize=8.5, leading=11, spaceBefore=5, spaceAfter=2
    )
    title: ParagraphStyle = _style(
        "title", fontName=BOLD, fontSize=16, leading=20, textColor=HEADING, spaceAfter=6
    )
    section: ParagraphStyle = _style(
        "section",
        fontName=BOLD,
        fontSize=12.5,
        leading=16,
        textColor=colors.white,
        backColor=HEADING,
        borderPadding=(2, 5, 4, 5),  # (top, right, bottom, left); the top stays inside the frame's band
        leftIndent=5,
        rightIndent=5,
        spaceBefore=12,
        spaceAfter=9,
    )
    heading: ParagraphStyle = _style(
        "heading", fontName=BOLD, fontSize=11, leading=14, textColor=HEADING, spaceBefore=9, spaceAfter=4
    )
    subheading: ParagraphStyle = _style(
        "subheading",
        fontName=BOLD,
        fontSize=9.5,
        leading=12.5,
        textColor=HEADING,
        spaceBefore=7,
        spaceAfter=3,
    )
    bullet: ParagraphStyle = _style("bullet", leftIndent=10, bulletIndent=1, spaceAfter=1)
    cell_bullet: ParagraphStyle = _style(
        "cell_bullet", fontSize=8.5, leading=11, leftIndent=9, bulletIndent=0
    )


STYLES = _Styles()
HEADING_STYLES = (STYLES.heading, STYLES.subheading, STYLES.subheading)


# --- how an answer reads -----------------------------------------------------------------------------

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


STATUS_WORDS = {
    "draft": "Draft: not marked complete",
    "complete": "Complete",
    "signed": "Complete and signed",
    "shared": "Complete and shared",
    "closed": "Closed",
}


def printed_line(words: str, moment: dt.datetime | None = None) -> str:
    """What a printed page says of itself: `WORDS. Printed 26/11/2026 14:05` (UK time)."""
    return f"{words}. Printed {uk_time.stamp(moment or dt.datetime.now(dt.UTC))}"


def status_line(status: str, moment: dt.datetime | None = None) -> str:
    """A printed record's line: `Complete and signed. Printed 26/11/2026 14:05`."""
    return printed_line(STATUS_WORDS.get(status, status.capitalize()), moment)


def uk_date(value: str) -> str:
    """`2026-03-03` as `3 March 2026` (month names in English whatever the machine's locale)."""
    day = parse_date(value)
    return uk_time.day_words(day) if day else value


def uk_datetime(value: str) -> str:
    """An ISO date and time as `3 March 2026 at 14:05`, in UK time when it carries an offset."""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return uk_time.words(uk_time.local(moment) if moment.tzinfo is not None else moment)


@functools.cache
def clean(text: str) -> str:
    """Text as it is drawn: composed characters (NFC), no control characters, tabs as spaces."""
    return _CONTROL_CHARACTERS.sub("", unicodedata.normalize("NFC", text).replace("\t", "    "))


def markup(text: str) -> str:
    """Plain text as paragraph markup: escaped, line breaks kept."""
    return escape(clean(text)).replace("\r\n", "\n").replace("\n", "<br/>")


def _json_key(value: Any) -> str:
    return f"{type(value).__name__}:{value}"


def _plain(value: Any) -> str:
    """Any value as words, for answers whose shape the schema does not describe."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return str(value)


def _is_empty(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, list | dict) and not value)


# --- the page furniture: header, footer, "Page X of Y" ------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Furniture:
    title: str
    status: str | None
    child_line: str


@functools.cache
def _advances(font: str) -> tuple[dict[int, float], float]:
    face = pdfmetrics.getFont(font).face
    return face.charWidths, float(face.defaultWidth)


def text_width(text: str, font: str, size: float) -> float:
    """How wide `text` is drawn in a registered TrueType font: reportlab's sum, with the loop in C."""
    widths, default = _advances(font)
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


def _draw_furniture(canvas: Canvas, furniture: _Furniture) -> None:
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


class _NumberedCanvas(Canvas):  # type: ignore[misc] # reportlab has no type information
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


class _Picture(Flowable):  # type: ignore[misc] # reportlab has no type information
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


class _Lines(Flowable):  # type: ignore[misc] # reportlab has no type information
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
            _Lines(self.lines[:fits], self.style, closing=False),
            _Lines(self.lines[fits:], self.style, opening=False),
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


def _picture(value: Any, media_type: str | None) -> Flowable | None:
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
    return _Picture(reader, *SIGNATURE_BOX)


# --- the renderer --------------------------------------------------------------------------------------

Orientation = Literal["portrait", "landscape"]


@dataclasses.dataclass
class _Column:
    label: str
    scope: str  # relative to the item
    control: Control


# An answer in a row: flowables, or plain text with its style (drawn without a Paragraph: see _cell).
Answer = list[Flowable] | tuple[str, ParagraphStyle]


@dataclasses.dataclass
class _Row:
    """One question in a two-column block: its label and its answer (or a statement across both)."""

    label: str | None
    answer: Answer
    height: float


def wrap_lines(text: str, font: str, size: float, width: float) -> list[str] | None:
    """Plain text broken into lines that fit `width` (white space collapsed, as a Paragraph does),
    or None when a word alone is wider than the line."""
    space = text_width(" ", font, size)
    advances, default = _advances(font)
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


def _cell(answer: Answer, width: float, at: tuple[int, int], commands: list[tuple[Any, ...]]) -> Any:
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


class _Renderer:
    """Builds the story (the flowables, in reading order) of one record.

    `document` is the record as it is shared: without the answers that rules hide. The layout's
    rules are still evaluated on it, for the texts and groups they show or hide.
    """

    def __init__(
        self,
        definition: FormDefinition,
        document: Mapping[str, Any],
        guidance: thresholds.ThresholdResult | None,
        status_line: str | None,
    ) -> None:
        self.definition = definition
        self.root = definition.schema
        self.document = document
        self.guidance = guidance
        self.status_line = status_line
        hints = definition.print_hints
        self.omit = tuple(p for p in hints.get("omit", ()) if isinstance(p, str))
        self.landscape = tuple(p for p in hints.get("landscape", ()) if isinstance(p, str))
        self.story: list[Flowable] = []
        self.rows: list[_Row] = []
        self.held: list[Paragraph] = []
        self.orientation: Orientation = "portrait"
        self._schema_cache: dict[tuple[str, bool], list[schematree.Schema]] = {}
        self._indicators = self._indicator_texts()
        self._guidance_done = False

    # --- schema look-ups ---

    def schemas(self, template: str, *, conditional: bool = True) -> list[schematree.Schema]:
        key = (template, conditional)
        found = self._schema_cache.get(key)
        if found is None:
            found = schematree.at(self.root, template, conditional=conditional)
            self._schema_cache[key] = found
        return found

    def kind(self, template: str) -> schematree.Kind:
        return schematree.kind(self.root, self.schemas(template))

    def title(self, template: str, control: Control | None = None) -> str:
        if control is not None and control.label:
            return control.label
        tokens = pointers.split(template)
        fallback = tokens[-1].replace("_", " ").capitalize() if tokens else self.definition.title
        # Titles in oneOf branches name the options, not the question: look at what always applies.
        return schematree.title(self.schemas(template, conditional=False), fallback)

    def _indicator_texts(self) -> dict[str, str]:
        if self.definition.ruleset is None:
            return {}
        try:
            ruleset = thresholds.ruleset(self.definition.ruleset)
        except CafError:
            return {}
        return {i.id: f"Level {i.level}: {i.text}" for i in ruleset.indicators.values()}

    def is_omitted(self, template: str) -> bool:
        return any(pointers.is_within(template, omitted) for omitted in self.omit)

    # --- how one answer reads ---

    def words(self, template: str, value: Any, control: Control | None = None) -> list[str]:
        """An answer as the lines a person reads (several for a list); empty when there is none."""
        if _is_empty(value):
            return []
        subschemas = self.schemas(template)
        options = schematree.choice_options(subschemas)
        if options is not None and not isinstance(value, list):
            labels = {_json_key(code): label for code, label in options}
            return [labels.get(_json_key(value), _plain(value))]
        if isinstance(value, bool):
            return ["Yes" if value else "No"]
        if isinstance(value, list):
            if control is not None and control.widget == "indicators":
                return [
                    self._indicators.get(v, _plain(v)) if isinstance(v, str) else _plain(v) for v in value
                ]
            item_options = schematree.choice_options(self.schemas(template + "/*")) or []
            labels = {_json_key(code): label for code, label in item_options}
            return [labels.get(_json_key(v), _plain(v)) for v in value if not _is_empty(v)]
        if isinstance(value, str):
            fmt = schematree.first(subschemas, "format")
            if fmt == "date":
                return [uk_date(value)]
            if fmt == "date-time":
                return [uk_datetime(value)]
            return [value]
        return [_plain(value)]

    @staticmethod
    def is_picture(subschemas: list[schematree.Schema], control: Control | None) -> bool:
        media = schematree.first(subschemas, "contentMediaType")
        return (control is not None and control.widget == "signature") or (
            isinstance(media, str) and media.startswith("image/")
        )

    # --- the story ---

    def add(self, *flowables: Flowable, orientation: Orientation = "portrait", first: float = 40.0) -> None:
        """Adds to the story, after any pending rows and held headings, turning the page if needed.

        `first` is about how tall the start of what is added is: held headings go to the next page
        unless that much fits below them.
        """
        self.flush_rows()
        self.turn_to(orientation)
        self.release(first)
        self.story.extend(flowables)

    def hold(self, heading: Paragraph) -> None:
        """A heading waits for what follows it, to be kept on the same page with it.

        A conditional page break does that, rather than `keepWithNext`: reportlab would lay out the
        heading and all that follows (a long text, a table) twice to keep them together.
        """
        self.flush_rows()
        self.held.append(heading)

    def release(self, following: float) -> None:
        if not self.held:
            return
        width = (LANDSCAPE if self.orientation == "landscape" else PORTRAIT)[0] - 2 * MARGIN_X
        height = sum(h.wrap(width, 1e6)[1] + h.style.spaceBefore + h.style.spaceAfter for h in self.held)
        self.story.append(CondPageBreak(height + following))
        self.story.extend(self.held)
        self.held = []

    def turn_to(self, orientation: Orientation) -> None:
        if orientation != self.orientation:
            self.story.extend([NextPageTemplate(orientation), PageBreak()])
            self.orientation = orientation

    def flush_rows(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        self.turn_to("portrait")
        width = PORTRAIT[0] - 2 * MARGIN_X
        widths = [width * LABEL_SHARE, width * (1 - LABEL_SHARE)]
        data: list[list[Any]] = []
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), REGULAR),  # reportlab sets it for every cell: not Helvetica
            ("GRID", (0, 0), (-1, -1), 0.5, RULE_LINE),
            ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING + 1),
            ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING + 1),
            ("TOPPADDING", (0, 0), (-1, -1), CELL_PADDING),
            ("BOTTOMPADDING", (0, 0), (-1, -1), CELL_PADDING + 1),
        ]
        inner = 2 * (CELL_PADDING + 1)
        for index, row in enumerate(rows):
            if row.label is None:
                data.append([_cell(row.answer, width - inner, (1, index), commands), ""])
                commands.append(("SPAN", (0, index), (1, index)))
            else:
                label = _cell((row.label, STYLES.label), widths[0] - inner, (0, index), commands)
                data.append([label, _cell(row.answer, widths[1] - inner, (1, index), commands)])
                commands.append(("BACKGROUND", (0, index), (0, index), LABEL_BACK))
        table = Table(data, colWidths=widths, style=TableStyle(commands), hAlign="LEFT")
        table.spaceAfter = 4
        self.release(rows[0].height + 2 * CELL_PADDING + 1)
        self.story.append(table)

    def row(self, label: str | None, answer: Answer, height: float = 0.0) -> None:
        """A question and its answer, in the two-column block of the questions around it.

        `height` is about how tall the answer is, when it may be more than a line or two.
        """
        self.turn_to("portrait")
        label_height = 0.0
        if label is not None:
            label_width = (PORTRAIT[0] - 2 * MARGIN_X) * LABEL_SHARE - 2 * (CELL_PADDING + 1)
            label_height = self.estimate_height([label], label_width, STYLES.label)
        self.rows.append(_Row(label, answer, max(height, label_height, STYLES.body.leading * 2)))

    def heading(self, text: str, depth: int) -> None:
        self.hold(Paragraph(markup(text), HEADING_STYLES[min(depth, len(HEADING_STYLES) - 1)]))

    # --- the whole form ---

    def build(self) -> list[Flowable]:
        self.cover()
        guidance_section = self.guidance_section()
        for section in self.definition.sections:
            if relevance.is_hidden(section.rule, self.document):
                continue
            self.section(section, with_guidance=section is guidance_section)
        if self.guidance is not None and not self._guidance_done:
            self.hold(Paragraph("Threshold guidance", STYLES.section))
            self.guidance_block(with_agreed_level=True)
        self.add()
        return self.story

    def subject_value(self, name: str) -> Any:
        pointer = getattr(self.definition.subject, name)
        return pointers.resolve(self.document, pointer, None) if pointer else None

    def subject_words(self, name: str) -> str | None:
        pointer = getattr(self.definition.subject, name)
        value = self.subject_value(name)
        if pointer is None or _is_empty(value):
            return None
        return ", ".join(self.words(pointer, value)) or None

    def child_name(self) -> str | None:
        parts = [self.subject_value("given_names"), self.subject_value("family_name")]
        name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
        return clean(name) or None

    def child_line(self) -> str:
        """The child as the footer names them: name, date of birth (or expected date), reference."""
        parts = [self.child_name() or "Name not recorded"]
        born = self.subject_words("date_of_birth")
        expected = self.subject_words("expected_date")
        if born:
            parts.append(f"Born {born}")
        elif expected:
            parts.append(f"Expected {expected}")
        else:
            parts.append("Date of birth not recorded")
        reference = self.subject_words("reference")
        parts.append(f"Ref. {reference}" if reference else "No reference recorded")
        return clean(" · ".join(parts))

    def cover(self) -> None:
        """The first lines of page 1: the form, who it is about, and the facts a meeting looks for first."""
        self.add(Paragraph(markup(self.definition.title), STYLES.title))
        facts: list[tuple[str, str | None]] = [
            ("Child or young person", self.child_name()),
        ]
        if self.definition.subject.expected_date and not self.subject_words("date_of_birth"):
            if self.subject_words("expected_date"):
                facts.append(("Expected date of delivery", self.subject_words("expected_date")))
            else:
                facts.append(("Date of birth", None))
        else:
            facts.append(("Date of birth", self.subject_words("date_of_birth")))
        facts.append(("Reference", self.subject_words("reference")))
        if self.definition.subject.lead_professional:
            facts.append(("Lead professional", self.subject_words("lead_professional")))
        if self.definition.subject.level:
            facts.append(("Agreed level of need", self.subject_words("level")))
        if self.guidance is not None:
            facts.append(("Suggested level (threshold guidance)", self.suggested()))
        if self.definition.subject.next_review:
            facts.append(("Next review", self.subject_words("next_review")))
        facts.append(("Form", f"{self.definition.title}, version {self.definition.version}"))
        if self.status_line:
            facts.append(("Status", self.status_line))
        for label, answer in facts:
            self.row(label, recorded(answer))
        if self.guidance is not None and self.guidance.safeguarding:
            self.add(self.safeguarding_banner())

    def suggested(self) -> str | None:
        if self.guidance is None:
            return None
        return f"Level {self.guidance.level} – {self.guidance.label}"

    def safeguarding_banner(self) -> Flowable:
        back, border = BOX_STYLES["safeguarding"]
        style = _style(
            "banner",
            fontName=BOLD,
            fontSize=10,
            leading=13.5,
            textColor=border,
            backColor=back,
            borderColor=border,
            borderWidth=1.2,
            borderPadding=6,
            leftIndent=6,
            rightIndent=6,
            spaceBefore=10,
            spaceAfter=10,
        )
        text = (
            "Safeguarding: the threshold guidance says the safeguarding pathway applies. Contact children's "
            "social care now; call the police on 999 if the child is in immediate danger."
        )
        return Paragraph(markup(text), style)

    # --- sections and elements ---

    def guidance_section(self) -> Section | None:
        """The section that asks the agreed level of need: the guidance prints at its start."""
        level = self.definition.subject.level
        if self.guidance is None or level is None:
            return None
        for section in self.definition.sections:
            if relevance.is_hidden(section.rule, self.document):
                continue
            if any(pointers.is_within(level, scope) for scope in self.section_scopes(section.elements, "")):
                return section
        return None

    def section_scopes(self, elements: Sequence[Element], base: str) -> Iterator[str]:
        for element in elements:
            if isinstance(element, Control):
                yield base + element.scope
                if element.elements is not None:
                    yield from self.section_scopes(
                        element.elements, self.definition.item_base(base + element.scope)
                    )
            elif isinstance(element, Group):
                yield from self.section_scopes(element.elements, base)

    def section(self, section: Section, *, with_guidance: bool) -> None:
        # Held, the heading goes with what follows: onto a landscape page with a wide table.
        self.hold(Paragraph(markup(section.title), STYLES.section))
        if with_guidance:
            self.guidance_block(with_agreed_level=not self.level_is_asked())
        self.elements(section.elements, "", "", 0, section_title=section.title)

    def elements(
        self,
        elements: Sequence[Element],
        base: str,
        template: str,
        depth: int,
        *,
        section_title: str | None = None,
    ) -> None:
        for element in elements:
            if relevance.is_hidden(element.rule, self.document, base):
                continue
            if isinstance(element, Text):
                self.text(element)
            elif isinstance(element, Group):
                self.heading(element.label, depth)
                self.elements(element.elements, base, template, depth + 1)
            else:
                self.control(element, base, template, depth, section_title=section_title)

    def text(self, element: Text) -> None:
        back, border = BOX_STYLES.get(element.style, BOX_STYLES["info"])
        style = _style(
            f"text-{element.style}",
            fontName=BOLD if element.style == "safeguarding" else REGULAR,
            fontSize=8.5,
            leading=11.5,
            backColor=back,
            borderColor=border,
            borderWidth=0.6 if element.style == "info" else 1,
            borderPadding=5,
            leftIndent=5,
            rightIndent=5,
            spaceBefore=10,
            spaceAfter=14,
        )
        self.add(Paragraph(markup(element.text), style))

    def control(
        self, control: Control, base: str, template: str, depth: int, *, section_title: str | None = None
    ) -> None:
        pointer = base + control.scope
        here = template + control.scope
        if self.is_omitted(here):
            return
        subschemas = self.schemas(here)
        kind = schematree.kind(self.root, subschemas)
        label = self.title(here, control)
        value = pointers.resolve(self.document, pointer, None)
        if kind == "object" or (kind == "unknown" and isinstance(value, Mapping)):
            self.object(control, label, pointer, here, depth, section_title=section_title)
        elif kind == "array" and self.items_are_objects(here, value):
            self.array_of_objects(control, label, pointer, here, depth, section_title=section_title)
        elif self.is_picture(subschemas, control):
            picture = _picture(value, schematree.first(subschemas, "contentMediaType"))
            self.row(
                label,
                [self.missing_picture(value, control) if picture is None else picture],
                SIGNATURE_BOX[1],
            )
        else:
            self.answer(control, label, here, value)

    def missing_picture(self, value: Any, control: Control | None) -> Paragraph:
        if _is_empty(value):
            return Paragraph(
                NOT_SIGNED if control is not None and control.widget == "signature" else NOT_RECORDED,
                STYLES.missing,
            )
        return Paragraph("The picture could not be read, so it is not printed.", STYLES.missing)

    def answer(self, control: Control, label: str, template: str, value: Any) -> None:
        lines = self.words(template, value, control)
        if (
            lines
            and isinstance(value, bool)
            and value
            and control.widget in (None, "checkbox")
            and not label.rstrip().endswith("?")
        ):
            # A ticked statement ("Signatures held on paper copy in file") reads as the statement.
            self.row(None, (f"✔ {label}", STYLES.body))
        elif isinstance(value, list) and lines:
            self.listed(label, lines)
        else:
            self.say(label, "\n".join(lines) or None)

    def say(self, label: str, text: str | None) -> None:
        """A text answer: in a row beside its label, or, when long, below it and across pages."""
        answer_width = (PORTRAIT[0] - 2 * MARGIN_X) * (1 - LABEL_SHARE) - 2 * (CELL_PADDING + 1)
        height = 0.0 if text is None else self.estimate_height([text], answer_width, STYLES.body)
        if text is None or height <= TALLEST_ROW_ANSWER:
            self.row(label, recorded(text), height)
            return
        self.hold(Paragraph(markup(label), STYLES.long_label))
        style = STYLES.long_text
        width = PORTRAIT[0] - 2 * MARGIN_X - style.leftIndent - style.rightIndent
        # Blank lines between paragraphs are kept, but never more than one in a row.
        lines = wrap_lines(
            re.sub(r"\n\s*\n\s*\n+", "\n\n", text.strip()), style.fontName, style.fontSize, width
        )
        block: list[Flowable]
        if lines is None:  # a word too long for a line: a Paragraph breaks it
            block = [Paragraph(markup(part), style) for part in _paragraphs(text)]
        else:
            block = [_Lines(lines, style)]
        self.add(*block, first=3 * STYLES.body.leading)

    def listed(self, label: str, lines: list[str]) -> None:
        """A list of answers, as bullets: in a row beside its label, or, when long, below it."""
        answer_width = (PORTRAIT[0] - 2 * MARGIN_X) * (1 - LABEL_SHARE) - 2 * (CELL_PADDING + 1) - 10
        height = self.estimate_height(lines, answer_width, STYLES.body)
        bullets = [Paragraph(markup(line), STYLES.bullet, bulletText="•") for line in lines]
        if height <= TALLEST_ROW_ANSWER:
            self.row(label, list(bullets), height)
            return
        self.hold(Paragraph(markup(label), STYLES.long_label))
        self.add(*bullets, first=3 * STYLES.body.leading)

    @staticmethod
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

    def object_elements(self, control: Control, template: str) -> tuple[Element, ...]:
        if control.elements is not None:
            return control.elements
        return tuple(
            Control(scope=pointers.join([name]), location=control.location)
            for name in schematree.property_names(self.root, {"allOf": self.schemas(template)})
        )

    def object(
        self,
        control: Control,
        label: str,
        pointer: str,
        template: str,
        depth: int,
        *,
        section_title: str | None = None,
    ) -> None:
        elements = self.object_elements(control, template)
        if self.is_signature(elements, template):
            self.signature(label, elements, pointer, template)
            return
        if not _same_words(label, section_title):
            self.heading(label, depth)
            depth += 1
        self.elements(elements, pointer, template, depth)

    def is_signature(self, elements: Sequence[Element], template: str) -> bool:
        """An object with a picture among its questions prints as a signature: the picture, then the rest."""
        return any(
            isinstance(e, Control)
            and e.elements is None
            and self.is_picture(self.schemas(template + e.scope), e)
            for e in elements
        )

    def signature(self, label: str, elements: Sequence[Element], pointer: str, template: str) -> None:
        picture: Flowable | None = None
        under: list[Flowable] = []
        recorded = False
        for element in elements:
            if not isinstance(element, Control) or relevance.is_hidden(element.rule, self.document, pointer):
                continue
            here = template + element.scope
            if self.is_omitted(here):
                continue
            value = pointers.resolve(self.document, pointer + element.scope, None)
            subschemas = self.schemas(here)
            if picture is None and self.is_picture(subschemas, element):
                media = schematree.first(subschemas, "contentMediaType")
                picture = _picture(value, media)
                if picture is None:
                    picture = self.missing_picture(value, element)
                continue
            words = ", ".join(self.words(here, value, element))
            recorded = recorded or bool(words)
            under.append(
                Paragraph(
                    f"{markup(self.title(here, element))}: {markup(words or NOT_RECORDED)}", STYLES.cell
                )
            )
        cell: list[Flowable] = [picture] if picture is not None else []
        if not recorded and isinstance(picture, Paragraph):
            under = []  # nothing drawn, named or dated: "Not signed" says it all
        height = SIGNATURE_BOX[1] if isinstance(picture, _Picture) else 0.0
        self.row(label, [*cell, Spacer(1, 2), *under], height + STYLES.cell.leading * len(under))

    # --- lists of items ---

    def items_are_objects(self, template: str, value: Any) -> bool:
        item_kind = self.kind(template + "/*")
        if item_kind == "object":
            return True
        return isinstance(value, list) and any(isinstance(v, Mapping) for v in value)

    def columns(self, control: Control, template: str) -> list[_Column] | None:
        """The questions of each item, or None when they do not fit a table (groups, nested lists)."""
        item = template + "/*"
        elements = self.object_elements(control, item)
        found: list[_Column] = []
        for element in elements:
            if not isinstance(element, Control) or element.elements is not None:
                return None
            here = item + element.scope
            if self.is_omitted(here):
                continue
            subschemas = self.schemas(here)
            kind = schematree.kind(self.root, subschemas)
            nested = kind == "object" or (kind == "array" and self.kind(here + "/*") == "object")
            if nested or self.is_picture(subschemas, element):
                return None
            found.append(_Column(self.title(here, element), element.scope, element))
        return found or None

    def cells(
        self, columns: list[_Column], pointer: str, template: str, items: list[Any]
    ) -> list[list[list[str]]]:
        """The lines of each cell, by row and column (no lines: not recorded)."""
        rows: list[list[list[str]]] = []
        for index in range(len(items)):
            base = f"{pointer}/{index}"
            row: list[list[str]] = []
            for column in columns:
                if relevance.is_hidden(column.control.rule, self.document, base):
                    row.append([NOT_ASKED])
                    continue
                value = pointers.resolve(self.document, base + column.scope, None)
                row.append(self.words(f"{template}/*{column.scope}", value, column.control))
            rows.append(row)
        return rows

    def table_widths(
        self, columns: list[_Column], cells: list[list[list[str]]], page: tuple[float, float]
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
                self.estimate_height(lines or [NOT_RECORDED], w - pad, STYLES.cell)
                for lines, w in zip(row, widths, strict=True)
            )
            if tallest + pad > frame_height * TALLEST_ROW_SHARE:
                return None
        return widths

    def array_of_objects(
        self,
        control: Control,
        label: str,
        pointer: str,
        template: str,
        depth: int,
        *,
        section_title: str | None = None,
    ) -> None:
        value = pointers.resolve(self.document, pointer, None)
        items = value if isinstance(value, list) else []
        if not items:
            self.row(label, recorded(None))
            return
        columns = self.columns(control, template)
        widths: list[float] | None = None
        orientation: Orientation = "portrait"
        cells: list[list[list[str]]] = []
        if columns is not None:
            cells = self.cells(columns, pointer, template, items)
            if template in self.landscape:
                widths = self.table_widths(columns, cells, LANDSCAPE)
                orientation = "landscape" if widths is not None else "portrait"
            if widths is None:
                widths = self.table_widths(columns, cells, PORTRAIT)
        titled = not _same_words(label, section_title)
        if columns is not None and widths is not None:
            if titled:
                self.heading(label, depth)
            pad = 2 * (CELL_PADDING + 1)
            header_and_first_row = sum(
                max(
                    self.estimate_height(lines or [NOT_RECORDED], w - pad, STYLES.cell)
                    for lines, w in zip(row, widths, strict=True)
                )
                + pad
                for row in ([[c.label] for c in columns], cells[0])
            )
            self.add(self.table(columns, cells, widths), orientation=orientation, first=header_and_first_row)
            return
        self.blocks(control, label if titled else None, pointer, template, depth=depth, items=items)

    @staticmethod
    def table(columns: list[_Column], cells: list[list[list[str]]], widths: list[float]) -> Table:
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
            [_cell((c.label, STYLES.cell_head), inner[i], (i, 0), commands) for i, c in enumerate(columns)]
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
                line.append(_cell(answer, inner[i], (i, number), commands))
            data.append(line)
        table = Table(data, colWidths=widths, repeatRows=1, style=TableStyle(commands), hAlign="LEFT")
        table.spaceAfter = 6
        return table

    def blocks(
        self,
        control: Control,
        label: str | None,
        pointer: str,
        template: str,
        *,
        depth: int,
        items: list[Any],
    ) -> None:
        """Items too wide or too long for a table: one titled block of questions per item."""
        if label is not None:
            self.heading(label, depth)
            depth += 1
        item_title = schematree.title(self.schemas(template + "/*", conditional=False), "Item")
        name_scope = control.options.get("itemTitle")
        elements = self.object_elements(control, template + "/*")
        for index, item in enumerate(items):
            base = f"{pointer}/{index}"
            heading = f"{item_title} {index + 1}"
            if isinstance(name_scope, str):
                name = pointers.resolve(self.document, base + name_scope, None)
                if isinstance(name, str) and name.strip():
                    heading += f": {name.strip()}"
            self.heading(heading, depth)
            if not isinstance(item, Mapping):
                self.row(None, (_plain(item), STYLES.body))
                continue
            self.elements(elements, base, template + "/*", depth + 1)

    # --- threshold guidance ---

    def level_is_asked(self) -> bool:
        level = self.definition.subject.level
        return level is not None and any(
            pointers.is_within(level, scope) for scope, _ in self.definition.controls()
        )

    def guidance_block(self, *, with_agreed_level: bool) -> None:
        guidance = self.guidance
        if guidance is None:
            return
        self._guidance_done = True
        self.heading("Threshold guidance: suggested level of need", 0)
        self.row("Suggested level", (self.suggested() or "", STYLES.strong))
        self.row(
            "Safeguarding pathway",
            ("Applies: act now" if guidance.safeguarding else "Does not apply", STYLES.body),
        )
        if guidance.safeguarding:
            self.add(self.safeguarding_banner())
        self.flowing_list("Why this level is suggested", [reason_words(r) for r in guidance.reasons])
        self.flowing_list("What the guidance says to do", guidance.actions)
        self.add(
            Paragraph(
                "The guidance is not a tick box: the practitioner confirms the level or records their own, with a reason.",
                STYLES.missing,
            )
        )
        if with_agreed_level:
            self.say("Agreed level of need", self.subject_words("level"))
            self.say("Rationale for the agreed level", self.subject_words("level_rationale"))

    def flowing_list(self, label: str, lines: Sequence[str]) -> None:
        self.hold(Paragraph(markup(label), STYLES.long_label))
        if not lines:
            self.add(Paragraph(NOT_RECORDED, STYLES.missing))
        for line in lines:
            self.add(Paragraph(markup(line), STYLES.bullet, bulletText="•"))


def recorded(text: str | None) -> tuple[str, ParagraphStyle]:
    """A one-text answer, or "Not recorded" (in grey oblique) when there is none."""
    if text is None or not text.strip():
        return NOT_RECORDED, STYLES.missing
    return text, STYLES.body


def _same_words(label: str, title: str | None) -> bool:
    """A heading that would only repeat the section's title is left out."""
    return title is not None and label.strip().casefold() == title.strip().casefold()


_RULE_PREFIX = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*: ")
_INDICATOR_ID = re.compile(r" \([a-z0-9_]+\.l[1-4]\.[a-z0-9_]+\)$")


def reason_words(reason: str) -> str:
    """A reason of the guidance without the rule's and the indicator's ids, as the guidance panel shows it."""
    words = _INDICATOR_ID.sub("", _RULE_PREFIX.sub("", reason, count=1))
    return words[:1].upper() + words[1:]


def _paragraphs(text: str) -> list[str]:
    """Long text as paragraphs at its blank lines (each one can still break across pages)."""
    parts = [p.strip("\n") for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return [p for p in parts if p.strip()] or [text]


# --- the document --------------------------------------------------------------------------------------


def render_pdf(
    definition: FormDefinition,
    document: Mapping[str, Any],
    *,
    guidance: thresholds.ThresholdResult | None = None,
    status_line: str | None = None,
    author: str | None = None,
) -> bytes:
    """The record as an A4 PDF: every section of the form, every answer (or "Not recorded").

    `guidance` is the threshold guidance to print; by default, for a form bound to a threshold
    ruleset, the guidance for this document. `status_line` is printed on every page and on page 1
    ("Draft: not marked complete. Printed 26/11/2026 14:05"): the caller knows the record's status
    and the time, so the same record prints to the same bytes. `author` is the practitioner
    printing it, for the PDF's properties.
    """
    register_fonts()
    # What is printed is what is saved and shared: the document without the answers rules hide.
    shown = relevance.relevant_document(definition, document)
    if guidance is None and definition.ruleset is not None:
        try:
            guidance = thresholds.suggested_level(thresholds.ruleset(definition.ruleset), shown)
        except CafError:
            guidance = None  # a ruleset that is not installed: the form prints without guidance
    renderer = _Renderer(definition, shown, guidance, status_line)
    story = renderer.build()
    furniture = _Furniture(definition.title, status_line, renderer.child_line())
    output = io.BytesIO()
    template = BaseDocTemplate(
        output,
        pagesize=PORTRAIT,
        # The child's name stays out of the file's properties: they show in file managers,
        # search indexes and e-mail previews, where the pages themselves do not.
        title=f"{definition.title} ({MARKING})",
        author=author or "CAF Desktop",
        subject=f"{MARKING}. {definition.description}",
        creator="CAF Desktop",
        keywords=[definition.key, MARKING],
        lang=LANGUAGE,
        displayDocTitle=True,
        invariant=1,
        initialFontName=REGULAR,
        initialFontSize=9,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
    )

    def furnish(canvas: Canvas, _doc: Any) -> None:
        _draw_furniture(canvas, furniture)

    templates = []
    for name, size in (("portrait", PORTRAIT), ("landscape", LANDSCAPE)):
        frame = Frame(
            MARGIN_X,
            MARGIN_BOTTOM,
            size[0] - 2 * MARGIN_X,
            size[1] - MARGIN_TOP - MARGIN_BOTTOM,
            id=f"{name}-body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        templates.append(PageTemplate(id=name, frames=[frame], onPage=furnish, pagesize=size))
    template.addPageTemplates(templates)
    template.build(story, canvasmaker=_NumberedCanvas)
    return output.getvalue()


__all__ = [
    "BOLD",
    "INK",
    "LABEL_BACK",
    "MARKING",
    "NOT_RECORDED",
    "OBLIQUE",
    "REGULAR",
    "RULE_LINE",
    "clean",
    "register_fonts",
    "render_pdf",
    "uk_date",
    "uk_datetime",
]
