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

import io
from collections.abc import Mapping
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    PageTemplate,
)

from caf_desktop.common.errors import CafError
from caf_desktop.formengine import relevance
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.paper.answers import Renderer
from caf_desktop.paper.furniture import Furniture, NumberedCanvas, draw_furniture
from caf_desktop.paper.styles import (
    BOLD,
    INK,
    LABEL_BACK,
    LANDSCAPE,
    LANGUAGE,
    MARGIN_BOTTOM,
    MARGIN_TOP,
    MARGIN_X,
    MARKING,
    NOT_RECORDED,
    OBLIQUE,
    PORTRAIT,
    REGULAR,
    RULE_LINE,
    clean,
    printed_line,
    register_fonts,
    resources_root,
    status_line,
    uk_date,
    uk_datetime,
)
from caf_desktop.practice import thresholds

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
    renderer = Renderer(definition, shown, guidance, status_line)
    story = renderer.build()
    furniture = Furniture(definition.title, status_line, renderer.child_line())
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
        draw_furniture(canvas, furniture)

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
    template.build(story, canvasmaker=NumberedCanvas)
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
    "printed_line",
    "register_fonts",
    "render_pdf",
    "resources_root",
    "status_line",
    "uk_date",
    "uk_datetime",
]
