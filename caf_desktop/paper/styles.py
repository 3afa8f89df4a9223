"""Printing's house style: the page size and margins, the fonts, the colours, the paragraph styles, and how answers read."""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import threading
import unicodedata
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from caf_desktop.common import uk_time
from caf_desktop.formengine.formats import parse_date

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


def paragraph_style(name: str, **values: Any) -> ParagraphStyle:
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

    body: ParagraphStyle = paragraph_style("body")
    strong: ParagraphStyle = paragraph_style("strong", fontName=BOLD)
    label: ParagraphStyle = paragraph_style("label", fontName=BOLD, fontSize=8.5, leading=11)
    missing: ParagraphStyle = paragraph_style("missing", fontName=OBLIQUE, textColor=MUTED)
    cell: ParagraphStyle = paragraph_style("cell", fontSize=8.5, leading=11)
    cell_missing: ParagraphStyle = paragraph_style(
        "cell_missing", fontName=OBLIQUE, fontSize=8, leading=11, textColor=MUTED
    )
    cell_head: ParagraphStyle = paragraph_style("cell_head", fontName=BOLD, fontSize=8.5, leading=11)
    long_text: ParagraphStyle = paragraph_style("long_text", leftIndent=8, spaceAfter=3)
    long_label: ParagraphStyle = paragraph_style(
        "long_label", fontName=BOLD, fontSize=8.5, leading=11, spaceBefore=5, spaceAfter=2
    )
    title: ParagraphStyle = paragraph_style(
        "title", fontName=BOLD, fontSize=16, leading=20, textColor=HEADING, spaceAfter=6
    )
    section: ParagraphStyle = paragraph_style(
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
    heading: ParagraphStyle = paragraph_style(
        "heading", fontName=BOLD, fontSize=11, leading=14, textColor=HEADING, spaceBefore=9, spaceAfter=4
    )
    subheading: ParagraphStyle = paragraph_style(
        "subheading",
        fontName=BOLD,
        fontSize=9.5,
        leading=12.5,
        textColor=HEADING,
        spaceBefore=7,
        spaceAfter=3,
    )
    bullet: ParagraphStyle = paragraph_style("bullet", leftIndent=10, bulletIndent=1, spaceAfter=1)
    cell_bullet: ParagraphStyle = paragraph_style(
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


def json_key(value: Any) -> str:
    return f"{type(value).__name__}:{value}"


def plain_text(value: Any) -> str:
    """Any value as words, for answers whose shape the schema does not describe."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {plain_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(plain_text(v) for v in value)
    return str(value)


def is_empty(value: Any) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, list | dict) and not value)
