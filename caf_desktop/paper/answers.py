"""The answer drawing of a printed record: the story of sections, groups, repeats, signatures and threshold guidance."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from caf_desktop.common.errors import CafError
from caf_desktop.formengine import pointers, relevance, schematree
from caf_desktop.formengine.definitions import Control, Element, FormDefinition, Group, Section, Text
from caf_desktop.paper.furniture import SIGNATURE_BOX, Lines, Picture, picture_flowable
from caf_desktop.paper.styles import (
    BOLD,
    BOX_STYLES,
    CELL_PADDING,
    HEADING_STYLES,
    LABEL_BACK,
    LABEL_SHARE,
    LANDSCAPE,
    MARGIN_X,
    NOT_ASKED,
    NOT_RECORDED,
    NOT_SIGNED,
    PORTRAIT,
    REGULAR,
    RULE_LINE,
    STYLES,
    TALLEST_ROW_ANSWER,
    clean,
    is_empty,
    json_key,
    markup,
    paragraph_style,
    plain_text,
    uk_date,
    uk_datetime,
)
from caf_desktop.paper.tables import (
    Answer,
    Column,
    Orientation,
    Row,
    estimate_height,
    table,
    table_cell,
    table_widths,
    wrap_lines,
)
from caf_desktop.practice import thresholds


class Renderer:
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
        self.rows: list[Row] = []
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
        texts = {i.id: f"Level {i.level}: {i.text}" for i in ruleset.indicators.values()}
        for old, new in ruleset.replaced.items():
            texts[old] = texts[new]
        for old, reason in ruleset.retired.items():
            texts[old] = f"No longer an indicator ({old}): {reason}"
        return texts

    def is_omitted(self, template: str) -> bool:
        return any(pointers.is_within(template, omitted) for omitted in self.omit)

    # --- how one answer reads ---

    def words(self, template: str, value: Any, control: Control | None = None) -> list[str]:
        """An answer as the lines a person reads (several for a list); empty when there is none."""
        if is_empty(value):
            return []
        subschemas = self.schemas(template)
        options = schematree.choice_options(subschemas)
        if options is not None and not isinstance(value, list):
            labels = {json_key(code): label for code, label in options}
            return [labels.get(json_key(value), plain_text(value))]
        if isinstance(value, bool):
            return ["Yes" if value else "No"]
        if isinstance(value, list):
            if control is not None and control.widget == "indicators":
                return [
                    self._indicators.get(v, plain_text(v)) if isinstance(v, str) else plain_text(v)
                    for v in value
                ]
            item_options = schematree.choice_options(self.schemas(template + "/*")) or []
            labels = {json_key(code): label for code, label in item_options}
            return [labels.get(json_key(v), plain_text(v)) for v in value if not is_empty(v)]
        if isinstance(value, str):
            fmt = schematree.first(subschemas, "format")
            if fmt == "date":
                return [uk_date(value)]
            if fmt == "date-time":
                return [uk_datetime(value)]
            return [value]
        return [plain_text(value)]

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
                data.append([table_cell(row.answer, width - inner, (1, index), commands), ""])
                commands.append(("SPAN", (0, index), (1, index)))
            else:
                label = table_cell((row.label, STYLES.label), widths[0] - inner, (0, index), commands)
                data.append([label, table_cell(row.answer, widths[1] - inner, (1, index), commands)])
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
            label_height = estimate_height([label], label_width, STYLES.label)
        self.rows.append(Row(label, answer, max(height, label_height, STYLES.body.leading * 2)))

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
        if pointer is None or is_empty(value):
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
        style = paragraph_style(
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
            "Safeguarding: the threshold guidance says the safeguarding pathway applies (child protection). Contact children's "
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
        style = paragraph_style(
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
            picture = picture_flowable(value, schematree.first(subschemas, "contentMediaType"))
            self.row(
                label,
                [self.missing_picture(value, control) if picture is None else picture],
                SIGNATURE_BOX[1],
            )
        else:
            self.answer(control, label, here, value)

    def missing_picture(self, value: Any, control: Control | None) -> Paragraph:
        if is_empty(value):
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
        height = 0.0 if text is None else estimate_height([text], answer_width, STYLES.body)
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
            block = [Lines(lines, style)]
        self.add(*block, first=3 * STYLES.body.leading)

    def listed(self, label: str, lines: list[str]) -> None:
        """A list of answers, as bullets: in a row beside its label, or, when long, below it."""
        answer_width = (PORTRAIT[0] - 2 * MARGIN_X) * (1 - LABEL_SHARE) - 2 * (CELL_PADDING + 1) - 10
        height = estimate_height(lines, answer_width, STYLES.body)
        bullets = [Paragraph(markup(line), STYLES.bullet, bulletText="•") for line in lines]
        if height <= TALLEST_ROW_ANSWER:
            self.row(label, list(bullets), height)
            return
        self.hold(Paragraph(markup(label), STYLES.long_label))
        self.add(*bullets, first=3 * STYLES.body.leading)

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
                picture = picture_flowable(value, media)
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
        height = SIGNATURE_BOX[1] if isinstance(picture, Picture) else 0.0
        self.row(label, [*cell, Spacer(1, 2), *under], height + STYLES.cell.leading * len(under))

    # --- lists of items ---

    def items_are_objects(self, template: str, value: Any) -> bool:
        item_kind = self.kind(template + "/*")
        if item_kind == "object":
            return True
        return isinstance(value, list) and any(isinstance(v, Mapping) for v in value)

    def columns(self, control: Control, template: str) -> list[Column] | None:
        """The questions of each item, or None when they do not fit a table (groups, nested lists)."""
        item = template + "/*"
        elements = self.object_elements(control, item)
        found: list[Column] = []
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
            found.append(Column(self.title(here, element), element.scope, element))
        return found or None

    def cells(
        self, columns: list[Column], pointer: str, template: str, items: list[Any]
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
                widths = table_widths(columns, cells, LANDSCAPE)
                orientation = "landscape" if widths is not None else "portrait"
            if widths is None:
                widths = table_widths(columns, cells, PORTRAIT)
        titled = not _same_words(label, section_title)
        if columns is not None and widths is not None:
            if titled:
                self.heading(label, depth)
            pad = 2 * (CELL_PADDING + 1)
            header_and_first_row = sum(
                max(
                    estimate_height(lines or [NOT_RECORDED], w - pad, STYLES.cell)
                    for lines, w in zip(row, widths, strict=True)
                )
                + pad
                for row in ([[c.label] for c in columns], cells[0])
            )
            self.add(table(columns, cells, widths), orientation=orientation, first=header_and_first_row)
            return
        self.blocks(control, label if titled else None, pointer, template, depth=depth, items=items)

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
                self.row(None, (plain_text(item), STYLES.body))
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
        self.row("Level 4 pathway", (pathway_words(guidance), STYLES.body))
        if guidance.safeguarding:
            self.add(self.safeguarding_banner())
        self.flowing_list("Why this level is suggested", [reason_words(r) for r in guidance.reasons])
        self.flowing_list("What the guidance says to do", guidance.actions)
        if guidance.notices:
            self.flowing_list("Also note", guidance.notices)
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


def pathway_words(guidance: thresholds.ThresholdResult) -> str:
    """Which level-4 pathway the guidance follows, and why, in a sentence."""
    if guidance.pathway == thresholds.CHILD_PROTECTION:
        return (
            "Child protection (Children Act 1989 s47): a child-protection indicator was chosen, or the child "
            "may be in immediate danger. Act now: refer to children's social care; 999 if in immediate danger."
        )
    if guidance.pathway == thresholds.CHILD_IN_NEED:
        return (
            "Child in need (Children Act 1989 s17): the level-4 needs chosen are not signs of significant "
            "harm. Refer to children's social care with the family's consent."
        )
    return "Does not apply: no level-4 indicator has been chosen."


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
