"""FormView: any form definition (or bare JSON Schema) as a calm, fast, accessible Qt form.

The document (`caf_desktop.formengine.document.EditableDocument`) is the truth; widgets are views of it. The
first section is built at once and the others in idle time, a piece at a time, so typing is never
blocked; `build_all()` builds everything now. Validation runs off the typing path, a moment after the
last change; a field's errors show once the field has been left, or everywhere once the user asks to
check. Rules show, hide, enable and disable questions as answers change, and widgets are never
rebuilt because a value changed.

Why this module is over 800 lines: FormView is one class whose parts (lazy building, rule binding,
validation timing, the problem list, focus and reveal) share the same widget indexes and the same
document subscription, and change together; split into mixins they would reach into each other's
private state across modules. The field editors, containers, guidance and signature already live in
their own modules.

Signals:
    valueChanged(): the document changed (typing, undo, a new document).
    problemsChanged(int): the number of problems now listed.
    sectionChanged(int): the section on screen.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.common.errors import CafError
from caf_desktop.common.findings import Finding
from caf_desktop.formengine import definitions, pointers, schematree, validation
from caf_desktop.formengine.definitions import Control, Element, FormDefinition, Group, Rule, Section, Text
from caf_desktop.formengine.document import Change, EditableDocument
from caf_desktop.formengine.relevance import is_disabled, is_hidden, relevance, without
from caf_desktop.gui.form import (
    qt_choices,  # noqa: F401 - qt_choices registers the choosing editors
    qt_containers,
    qt_signature,  # noqa: F401 - qt_signature registers the signature pad
)
from caf_desktop.gui.form.qt_fields import EditorHost, FieldEditor, FieldSpec, editor_class
from caf_desktop.gui.form.qt_guidance import GuidancePanel, SafeguardingBanner
from caf_desktop.practice import completion
from caf_desktop.practice.safeguarding import banner_causes
from caf_desktop.practice.thresholds import Ruleset, ThresholdResult, evaluate, indicators_in, ruleset

VALIDATION_DELAY_MS = 300


def _same_words(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def _unnumbered(title: str) -> str:
    """ "1a. General health" is "General health": the number helps the eye, not the ear."""
    return re.sub(r"^\d+[a-z]?\.\s+", "", title)


def _template(pointer: str) -> str:
    return pointers.join("*" if t.isdigit() else t for t in pointers.split(pointer))


@dataclass
class _RuleBinding:
    """A rule on a built element. Inside a list item the base is the item's pointer *now*: items move."""

    rule: Rule
    base_at_build: str
    editor: FieldEditor | None = None
    widget: QWidget | None = None
    card: Any = None

    @property
    def base(self) -> str:
        return self.card.pointer if self.card is not None else self.base_at_build


class _SectionPage(QScrollArea):
    """One section: a scrolling page whose contents are built on demand, element by element."""

    def __init__(self, view: FormView, index: int, section: Section) -> None:
        super().__init__()
        self.view = view
        self.index = index
        self.section = section
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from the section list to its first question
        self.content = QWidget()
        self.content.setObjectName(f"section:{section.id}")
        self.layout_ = QVBoxLayout(self.content)
        self.layout_.setContentsMargins(18, 12, 18, 18)
        self.layout_.setSpacing(6)
        heading = QLabel(section.title, self.content)
        font = QFont(heading.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        heading.setFont(font)
        heading.setWordWrap(True)
        self.layout_.addWidget(heading)
        if section.description:
            intro = QLabel(section.description, self.content)
            intro.setWordWrap(True)
            self.layout_.addWidget(intro)
        self.pending: list[Element] = list(section.elements)
        self.editors: list[FieldEditor] = []
        self.setWidget(self.content)
        self.hidden_by_rule = False

    @property
    def built(self) -> bool:
        return not self.pending

    def build_some(self, count: int | None = None) -> None:
        """Builds the next `count` elements (all of them when None)."""
        if not self.pending:
            return
        take = len(self.pending) if count is None else count
        batch, self.pending = self.pending[:take], self.pending[take:]
        self.view.section_being_built = self.section
        try:
            self.editors += self.view.build_elements(tuple(batch), "", "", self.layout_, self.content)
        finally:
            self.view.section_being_built = None
        if not self.pending:
            self.layout_.addStretch(1)
            self.view.section_built(self)


class FormView(QWidget, EditorHost):
    """The widget that renders one form (CONTRACT.md "Python API used by GUI tests")."""

    valueChanged = Signal()
    problemsChanged = Signal(int)
    sectionChanged = Signal(int)
    safeguardingShown = Signal()
    safeguardingAcknowledged = Signal()

    def __init__(
        self,
        definition: FormDefinition,
        parent: QWidget | None = None,
        *,
        document: Mapping[str, Any] | None = None,
        own_keys: bool = True,
    ) -> None:
        """`own_keys=False` when a window hosts the view and its menu owns Ctrl+PgDown, Ctrl+PgUp, F8
        and undo: two owners of one key make Qt's "ambiguous shortcut" and neither works."""
        super().__init__(parent)
        self.definition = definition
        self.document = EditableDocument()
        # A new form starts from the schema's defaults and consts; a document given is shown as it is.
        starting = schematree.defaults(definition.schema, definition.schema) if document is None else None
        self.document.reset(dict(document if document is not None else starting or {}))
        self.document.subscribe(self._changed)
        self._editors: dict[str, FieldEditor] = {}
        self.building_cards: list[Any] = []  # the list items being built, innermost last
        self.section_being_built: Section | None = None
        self._rules: list[_RuleBinding] = []
        self._view_cache: dict[str, Any] | None = None
        self._rule_scopes = self._collect_rule_scopes()
        self._touched: set[str] = set()
        self._show_all = False
        self._complete_mode = False
        self._findings: list[Finding] = []
        self._complete_findings: list[Finding] = []
        self._section_of = self._section_index()
        self._titles: list[str] = []  # the titled groups being built, outermost first
        self.setObjectName(f"form:{definition.id}")
        self._build_frame()
        if own_keys:
            self._build_shortcuts()
        self._validate_timer = QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(VALIDATION_DELAY_MS)
        self._validate_timer.timeout.connect(self.validate_now)
        self._idle_timer = QTimer(self)
        self._idle_timer.setInterval(0)
        self._idle_timer.timeout.connect(self._build_in_idle_time)
        self._idle_timer.start()
        self._apply_rules()
        self._update_guidance()
        # Until the first check no section is called complete (it may only not have been checked yet);
        # the check runs once the view is up and painted (the same short wait as after a change), never
        # on the way to the first section on screen: it takes about 40 ms on a full CAF.
        self._checked = False
        self._refresh_sidebar()
        self._validate_timer.start()

    def _load_ruleset(self) -> Ruleset | None:
        if self.definition.ruleset is None:
            return None
        try:
            return ruleset(self.definition.ruleset)
        except CafError:
            return None

    def _update_guidance(self) -> None:
        """The suggested level, and the banner when a child may be in danger; cheap, so on each change
        to an indicator or to the immediate-danger answer."""
        if self.ruleset is None or self.guidance is None or self.banner is None:
            return
        document = self.value()
        chosen = [i for i in indicators_in(document) if self.ruleset.knows(i)]
        danger = pointers.resolve(document, "/safeguarding/immediate_danger", None) is True
        result = evaluate(self.ruleset, chosen, immediate_danger=danger)
        self.guidance.show_result(result, self.ruleset.intervals)
        causes = banner_causes(self.ruleset, document)  # the one trigger (caf_desktop.practice.safeguarding)
        if causes:
            self.banner.raise_for(result, causes)
        else:
            self.banner.clear()

    def guidance_result(self) -> ThresholdResult | None:
        return self.guidance.result if self.guidance is not None else None

    def _build_frame(self) -> None:
        """The sidebar of sections, the page of the current section, and the problems panel."""
        definition = self.definition
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.sidebar = QListWidget(self.splitter)
        self.sidebar.setObjectName("sections")
        self.sidebar.setAccessibleName("Sections of the form")
        self.sidebar.setWordWrap(True)
        self.sidebar.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.sidebar.setMinimumWidth(180)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setMaximumWidth(300)
        self.ruleset = self._load_ruleset()
        self.banner: SafeguardingBanner | None = None
        self.guidance: GuidancePanel | None = None
        if self.ruleset is not None:
            self.banner = SafeguardingBanner(self.ruleset, self)
            self.banner.shown.connect(self.safeguardingShown)
            self.banner.acknowledged.connect(self.safeguardingAcknowledged)
            outer.addWidget(self.banner)
        self._build_completion_notice(outer)
        right = QSplitter(Qt.Orientation.Vertical, self.splitter)
        self.stack = QStackedWidget(right)
        self.problems = QListWidget(right)
        self.problems.setObjectName("problems")
        self.problems.setAccessibleName("Problems")
        self.problems.itemActivated.connect(self._problem_activated)
        self.problems.itemClicked.connect(self._problem_activated)
        right.setStretchFactor(0, 5)
        right.setStretchFactor(1, 1)
        if self.ruleset is not None:
            self.guidance = GuidancePanel(self.splitter)
            self.guidance.setMinimumWidth(220)
            self.guidance.setMaximumWidth(340)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        outer.addWidget(self.splitter, 1)

        self.pages: list[_SectionPage] = []
        for index, section in enumerate(definition.sections):
            page = _SectionPage(self, index, section)
            self.pages.append(page)
            self.stack.addWidget(page)
            item = QListWidgetItem(section.title)
            self.sidebar.addItem(item)
        self.sidebar.currentRowChanged.connect(self._show_section)
        if self.pages:
            self.pages[0].build_some()
        self.sidebar.setCurrentRow(0)

    def _build_completion_notice(self, outer: QVBoxLayout) -> None:
        """Where a failed Mark complete says so, at the form: how many answers, and the way to the first."""
        self.completion_notice = QFrame(self)
        self.completion_notice.setObjectName("completion-notice")
        self.completion_notice.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self.completion_notice)
        row.setContentsMargins(12, 6, 12, 6)
        self.completion_text = QLabel(self.completion_notice)
        self.completion_text.setObjectName("completion-text")
        self.completion_text.setWordWrap(True)
        self.completion_text.setProperty("role", "error")
        self.completion_text.setTextFormat(Qt.TextFormat.PlainText)
        self.completion_first = QPushButton("Go to the first", self.completion_notice)
        self.completion_first.setObjectName("completion-first")
        self.completion_first.setAccessibleName("Go to the first answer needed")
        self.completion_first.clicked.connect(self._go_to_first_needed)
        row.addWidget(self.completion_text, 1)
        row.addWidget(self.completion_first, 0, Qt.AlignmentFlag.AlignVCenter)
        self.completion_notice.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.completion_notice.setVisible(False)
        outer.addWidget(self.completion_notice)

    def _update_completion_notice(self) -> None:
        if not self._complete_mode or not self.completion_notice.isVisibleTo(self):
            return
        needed = len(self._current())
        if needed:
            text = (
                f"Not complete yet: {needed} answer{'s are' if needed != 1 else ' is'} still needed "
                "or to put right. The first is shown below; the list under the form has them all, "
                "and F8 goes to the next."
            )
        else:
            text = "Every answer Mark complete needs is given now. Mark complete again to keep a complete version."
        if text != self.completion_text.text():
            self.completion_text.setText(text)
            self.completion_text.setProperty("role", "error" if needed else "info")
            self.completion_text.style().unpolish(self.completion_text)
            self.completion_text.style().polish(self.completion_text)
            self.completion_notice.setAccessibleName(text)
        self.completion_first.setVisible(bool(needed))

    def _hide_completion_notice(self) -> None:
        self.completion_notice.setVisible(False)

    def _go_to_first_needed(self) -> None:
        current = self._current()
        if current:
            self.go_to(current[0].path)

    def _build_shortcuts(self) -> None:
        for keys, step in (("Ctrl+PgDown", +1), ("Ctrl+PgUp", -1)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(lambda step=step: self.move_section(step))
        next_problem = QShortcut(QKeySequence("F8"), self)
        next_problem.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        next_problem.activated.connect(self.next_problem)
        # Text boxes leave these to the document's undo (qt_fields.leaves_undo_to_the_document).
        for keys, action in (("Ctrl+Z", self.undo), ("Ctrl+Y", self.redo), ("Ctrl+Shift+Z", self.redo)):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(action)

    # --- constructors of the contract -------------------------------------------------------------------

    @classmethod
    def from_schema(
        cls, schema: dict[str, Any], layout: dict[str, Any] | None = None, parent: QWidget | None = None
    ) -> FormView:
        return cls(definitions.from_schema(schema, layout), parent)

    @classmethod
    def for_form(cls, form_id: str, version: str | None = None, parent: QWidget | None = None) -> FormView:
        return cls(definitions.installed_catalogue().get(form_id, version), parent)

    # --- the document ---------------------------------------------------------------------------------------

    def set_value(self, document: dict[str, Any]) -> None:
        """Shows a new document (all of it, unknown keys kept); undo starts afresh."""
        self._touched.clear()
        self._show_all = False
        self._complete_mode = False
        self.document.reset(document)

    def value(self) -> dict[str, Any]:
        """The whole document as saved: every answer, built section or not, without hidden answers."""
        kept: dict[str, Any] = without(
            self.document.data, relevance(self.definition, self.document.data).hidden
        )
        return kept

    def errors(self, complete: bool = False) -> list[Finding]:
        """What is wrong with what has been entered; with `complete`, also every required answer missing."""
        found = (
            completion.findings(self.definition, self.document.data)
            if complete
            else validation.findings(self.definition, self.document.data)
        )
        local = [Finding(e.pointer, e.local_error) for e in self._editors.values() if e.local_error]
        return self._ordered(found + [f for f in local if f.path not in {x.path for x in found}])

    def _ordered(self, found: list[Finding]) -> list[Finding]:
        return sorted(
            found, key=lambda f: (self.section_of(f.path), validation.FieldNamer(self.definition).order(f))
        )

    # --- building ------------------------------------------------------------------------------------------

    def build_all(self) -> None:
        """Builds the widgets of every section now."""
        for page in self.pages:
            page.build_some()
        self._idle_timer.stop()

    def _build_in_idle_time(self) -> None:
        for page in self.pages:
            if not page.built:
                page.build_some(1)
                return
        self._idle_timer.stop()

    def section_built(self, page: _SectionPage) -> None:
        self._fix_tab_order(page)
        self._refresh_errors()

    def build_elements(
        self, elements: Iterable[Element], base: str, template_base: str, layout: Any, parent: QWidget
    ) -> list[FieldEditor]:
        """Builds layout elements into `layout`; scopes are relative to `base` (a concrete pointer)."""
        built: list[FieldEditor] = []
        for element in elements:
            if isinstance(element, Control):
                editor = self._build_control(element, base, template_base, parent)
                editor.add_to(layout)
                built.append(editor)
                self._bind_rule(element.rule, base, editor=editor)
            elif isinstance(element, Group):
                box = QGroupBox(element.label, parent)
                inner = QVBoxLayout(box)
                inner.setSpacing(6)
                if element.help:
                    help_label = QLabel(element.help, box)
                    help_label.setWordWrap(True)
                    inner.addWidget(help_label)
                with self.titled(element.label):
                    built += self.build_elements(element.elements, base, template_base, inner, box)
                layout.addWidget(box)
                self._bind_rule(element.rule, base, widget=box)
            elif isinstance(element, Text):
                label = self._text_widget(element, parent)
                layout.addWidget(label)
                self._bind_rule(element.rule, base, widget=label)
        return built

    @property
    def title_depth(self) -> int:
        """How many titled groups are being built around the next question."""
        return len(self._titles)

    @contextmanager
    def titled(self, title: str) -> Iterator[None]:
        """Questions built inside this are within a group of this title (for their accessible names)."""
        self._titles.append(title)
        try:
            yield
        finally:
            self._titles.pop()

    def _name_context(self) -> Callable[[], str]:
        """Whose a question is, as its accessible name starts: the innermost titled group, within the
        list item being built ("Parent or carer 2, address"), else the section. A function, since an
        item that moves is renumbered."""
        card = self.building_cards[-1] if self.building_cards else None
        depth = getattr(card, "title_depth", 0) if card is not None else 0
        inner = [t for t in self._titles[depth:] if t]
        group = _unnumbered(inner[-1]) if inner else ""
        if card is None:
            section = self.section_being_built
            fixed = group or (section.title if section is not None else "")
            return lambda: fixed
        return lambda: ", ".join(p for p in (card.item_label(), group) if p)

    def _text_widget(self, element: Text, parent: QWidget) -> QWidget:
        label = QLabel(parent)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if element.style == "safeguarding":
            label.setText(f"Safeguarding: {element.text}")
            label.setProperty("role", "safeguarding")
            label.setFrameShape(QFrame.Shape.Box)
            label.setMargin(8)
        elif element.style == "warning":
            label.setText(f"Important: {element.text}")
            label.setProperty("role", "warning")
        else:
            label.setText(element.text)
            label.setProperty("role", "info")
        return label

    def _spec(self, control: Control, pointer: str, template: str) -> FieldSpec:
        schemas = schematree.at(self.definition.schema, template)
        always = schematree.at(self.definition.schema, template, conditional=False)
        tokens = pointers.split(template)
        title = control.label or schematree.title(
            always, tokens[-1].replace("_", " ").capitalize() if tokens else ""
        )
        description = control.help or schematree.first(always, "description")
        kind = schematree.kind(self.definition.schema, schemas)
        # A group is not an answer: its own questions carry the mark.
        required = kind != "object" and self._always_required(template)
        return FieldSpec(
            pointer=pointer,
            title=title,
            kind=kind,
            schemas=schemas,
            root=self.definition.schema,
            help=description if isinstance(description, str) else None,
            required=required,
            options=dict(control.options),
            read_only=any(s.get("readOnly") is True or "const" in s for s in always),
            context=self._name_context(),
        )

    def _always_required(self, template: str) -> bool:
        """Whether Mark complete always needs this answer: it is required, and so is every group it is
        in (a list's items count as there once added). An answer required only by a condition
        (`if`/`then`, `dependentRequired`) is not marked: it is named when Mark complete needs it."""
        tokens = pointers.split(template)
        if not tokens:
            return False
        for end in range(len(tokens), 0, -1):
            name = tokens[end - 1]
            if name == "*":
                continue  # an item of a list: there once added
            holders = schematree.at(
                self.definition.schema, pointers.join(tokens[: end - 1]), conditional=False
            )
            if not any(name in s.get("required", []) for s in holders):
                return False
        return True

    def _build_control(self, control: Control, base: str, template_base: str, parent: QWidget) -> FieldEditor:
        pointer = base + control.scope
        template = template_base + control.scope
        spec = self._spec(control, pointer, template)
        if (
            spec.kind == "array"
            and spec.widget_option is None
            and qt_containers.is_text_list(spec.root, spec.schemas)
        ):
            cls: type[FieldEditor] = qt_containers.ListEditor
        else:
            cls = editor_class(spec)
        if self.building_cards and getattr(self.building_cards[-1].owner, "horizontal", False) and spec.help:
            spec.options["help_as_tooltip"] = True
        section = self.section_being_built
        if (
            issubclass(cls, qt_containers.GroupEditor | qt_containers.RepeatEditor)
            and section is not None
            and not template_base
            and _same_words(spec.title, section.title)
        ):
            spec.options["flat"] = True
            if spec.help and section.description and _same_words(spec.help, section.description):
                spec.help = None
        if cls.is_container:
            elements = (
                control.elements if control.elements is not None else self._default_elements(template, spec)
            )
            editor = cls(spec, self, parent, template, elements)  # type: ignore[call-arg]
        else:
            editor = cls(spec, self, parent)
        self._editors[pointer] = editor
        editor.show_value(self.document.get(pointer))
        return editor

    def _default_elements(self, template: str, spec: FieldSpec) -> tuple[Element, ...]:
        target = template + "/*" if spec.kind == "array" else template
        names = [
            n
            for s in schematree.at(self.definition.schema, target, conditional=False)
            for n in schematree.property_names(self.definition.schema, s)
        ]
        return tuple(Control(scope=pointers.join([name]), location="") for name in dict.fromkeys(names))

    def _bind_rule(
        self,
        rule: Rule | None,
        base: str,
        *,
        editor: FieldEditor | None = None,
        widget: QWidget | None = None,
    ) -> None:
        if rule is not None:
            card = self.building_cards[-1] if self.building_cards else None
            binding = _RuleBinding(rule, base, editor, widget, card)
            self._rules.append(binding)
            self._apply_rule(binding, self._rule_view())

    def adopt(self, editors: list[FieldEditor], card: Any = None) -> None:
        """The editors of a new list item: index them and put the item in its place in the tab order.

        Their rules were applied as they were bound; only the neighbours' tab order is touched, so
        adding to a long list stays quick.
        """
        for editor in self._walk(editors):
            self._editors[editor.pointer] = editor
        if card is None:
            return
        ordered = sorted(card.owner.cards.values(), key=lambda c: c.index)
        position = ordered.index(card)
        if position == 0:
            page = self._page_of(card.owner)
            if page is not None and page.built:
                self._fix_tab_order(page)
            return
        after = (
            ordered[position + 1].focusables()[:1] if position + 1 < len(ordered) else [card.owner.add_button]
        )
        chain = [ordered[position - 1].focusables()[-1], *card.focusables(), *after]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _page_of(self, editor: FieldEditor) -> _SectionPage | None:
        for page in self.pages:
            if page.content.isAncestorOf(editor.input):
                return page
        return None

    def forget(self, editors: list[FieldEditor], card: Any = None) -> None:
        """The editors of a list item that has gone: drop them, and the rules bound inside the item."""
        gone = {id(e) for e in self._walk(editors)}
        self._rules = [
            b
            for b in self._rules
            if not (b.editor is not None and id(b.editor) in gone) and (card is None or b.card is not card)
        ]
        self._editors = {p: e for p, e in self._editors.items() if id(e) not in gone}

    def _walk(self, editors: Iterable[FieldEditor]) -> Iterable[FieldEditor]:
        for editor in editors:
            yield editor
            yield from self._walk(editor.children())

    def _reindex(self) -> None:
        """Keys the editors by their pointers now (items that moved have renamed theirs)."""
        self._editors = {e.pointer: e for e in self._editors.values()}

    def _fix_tab_order(self, page: _SectionPage) -> None:
        """Page order: the section list, the sections' questions in turn, the problems panel, then the
        guidance. Only the section on screen is visible, so Tab goes from the list to its first
        question and from its last to the problems. Only this page's neighbours are touched."""
        before: QWidget = self.sidebar
        for earlier in reversed(self.pages[: page.index]):
            found = [w for e in earlier.editors for w in e.focusables()] if earlier.built else []
            if found:
                before = found[-1]
                break
        after: QWidget = self.problems
        for later in self.pages[page.index + 1 :]:
            found = [w for e in later.editors for w in e.focusables()] if later.built else []
            if found:
                after = found[0]
                break
        chain = [before, *(w for e in page.editors for w in e.focusables()), after]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        if self.guidance is not None:
            for first, second in itertools.pairwise([self.problems, *self.guidance.focusables()]):
                QWidget.setTabOrder(first, second)

    # --- sections ------------------------------------------------------------------------------------------

    def current_section(self) -> int:
        return self.stack.currentIndex()

    def set_current_section(self, index: int) -> None:
        self.sidebar.setCurrentRow(index)

    def move_section(self, step: int) -> None:
        index = self.current_section() + step
        while 0 <= index < len(self.pages) and self.pages[index].hidden_by_rule:
            index += step
        if 0 <= index < len(self.pages):
            self.set_current_section(index)
            editors = self.pages[index].editors
            if editors:
                editors[0].focus_widget().setFocus(Qt.FocusReason.TabFocusReason)

    def _show_section(self, index: int) -> None:
        if index < 0:
            return
        page = self.pages[index]
        page.build_some()
        self.stack.setCurrentIndex(index)
        self.sectionChanged.emit(index)

    def _section_index(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for index, section in enumerate(self.definition.sections):
            for scope, _ in self.definition._walk_controls(section.elements, ""):
                found.setdefault(scope, index)
        return found

    def section_of(self, pointer: str) -> int:
        """The index of the section that asks for the answer at `pointer` (one past the last section
        for an answer no section asks for)."""
        template = _template(pointer)
        while True:
            if template in self._section_of:
                return self._section_of[template]
            if not template:
                return len(self.pages)
            template = pointers.parent(template)

    # --- changes --------------------------------------------------------------------------------------------

    def _changed(self, change: Change) -> None:
        rules_affected = change.kind == "reset" or self._affects_rules(change.pointer)
        if rules_affected:
            self._view_cache = None
        if change.kind == "reset":
            for pointer, editor in list(self._editors.items()):
                if self._editors.get(pointer) is editor:  # not dropped with a list item shown just before
                    editor.show_value(self.document.get(editor.pointer))
            self._reindex()
        elif change.kind == "items":
            editor = self._editors.get(change.pointer)
            if editor is not None:
                editor.show_value(self.document.get(change.pointer))
            self._reindex()
        else:
            if change.origin is None or getattr(change.origin, "pointer", None) != change.pointer:
                # Undo, redo or another view changed it: show it in the editors at or below the pointer,
                # and in any list that holds it (an item appearing or going).
                for pointer, editor in list(self._editors.items()):
                    if self._editors.get(pointer) is not editor:
                        continue  # dropped with a list item that went while this loop ran
                    below = pointers.is_within(pointer, change.pointer)
                    holding_list = isinstance(editor, qt_containers.RepeatEditor) and pointers.is_within(
                        change.pointer, pointer
                    )
                    if below or holding_list:
                        editor.show_value(self.document.get(pointer))
            self._refresh_item_headings(change.pointer)
        if rules_affected:
            self._apply_rules()
        if change.kind == "reset":
            self._hide_completion_notice()
        if (
            change.kind != "value"
            or change.pointer.endswith("/indicators")
            or "/indicators/" in change.pointer
            or change.pointer.startswith("/safeguarding")
        ):
            self._update_guidance()
        if change.kind == "reset":
            # A whole new document: the sections' states of the last one must not stay until it is checked.
            self._checked = False
            self._refresh_sidebar()
        self._validate_timer.start()
        self.valueChanged.emit()

    def _refresh_item_headings(self, pointer: str) -> None:
        tokens = pointers.split(pointer)
        for cut in range(len(tokens) - 1, 0, -1):
            if tokens[cut].isdigit():
                owner = self._editors.get(pointers.join(tokens[:cut]))
                if isinstance(owner, qt_containers.RepeatEditor):
                    owner.refresh_headings()
                    return

    def _collect_rule_scopes(self) -> set[str]:
        scopes: set[str] = set()

        def conditions(condition: Any, base: str) -> None:
            from caf_desktop.formengine.definitions import (  # noqa: PLC0415
                AllCondition,
                AnyCondition,
                NotCondition,
                ScopeCondition,
            )

            if isinstance(condition, ScopeCondition):
                scopes.add(base + condition.scope)
            elif isinstance(condition, AllCondition | AnyCondition):
                for sub in condition.conditions:
                    conditions(sub, base)
            elif isinstance(condition, NotCondition):
                conditions(condition.condition, base)

        def walk(elements: Iterable[Element], base: str) -> None:
            for element in elements:
                if element.rule is not None:
                    conditions(element.rule.condition, base)
                if isinstance(element, Group):
                    walk(element.elements, base)
                elif isinstance(element, Control) and element.elements is not None:
                    walk(element.elements, self.definition.item_base(base + element.scope))

        for section in self.definition.sections:
            if section.rule is not None:
                conditions(section.rule.condition, "")
            walk(section.elements, "")
        return scopes

    def _affects_rules(self, pointer: str) -> bool:
        template = _template(pointer)
        return any(
            pointers.is_within(scope, template) or pointers.is_within(template, scope)
            for scope in self._rule_scopes
        )

    def _rule_view(self) -> dict[str, Any]:
        """The document as rules see it (hidden answers count as unanswered); cached until a change."""
        if self._view_cache is None:
            self._view_cache = without(
                self.document.data, relevance(self.definition, self.document.data).hidden
            )
        return self._view_cache

    def _apply_rule(self, binding: _RuleBinding, view: Mapping[str, Any]) -> None:
        base = binding.base
        hidden = is_hidden(binding.rule, view, base)
        disabled = is_disabled(binding.rule, view, base)
        if binding.editor is not None:
            binding.editor.set_hidden(hidden)
            binding.editor.set_enabled(not disabled)
        elif binding.widget is not None:
            binding.widget.setVisible(not hidden)
            binding.widget.setEnabled(not disabled)

    def _apply_rules(self) -> None:
        view = self._rule_view()
        for binding in self._rules:
            self._apply_rule(binding, view)
        for index, page in enumerate(self.pages):
            rule = page.section.rule
            page.hidden_by_rule = is_hidden(rule, view)
            item = self.sidebar.item(index)
            if item is not None:
                item.setHidden(page.hidden_by_rule)
                page.setEnabled(not is_disabled(rule, view))

    # --- errors and problems ------------------------------------------------------------------------------

    def field_left(self, editor: FieldEditor) -> None:
        self._touched.add(editor.pointer)
        self._refresh_errors()

    def local_error_changed(self, editor: FieldEditor) -> None:
        self._refresh_errors()
        self._refresh_problems()

    def check(self) -> list[Finding]:
        """Shows every problem with what has been entered (draft rules), everywhere."""
        self._show_all = True
        self.validate_now()
        return self._current()

    def mark_complete(self) -> bool:
        """Runs the "mark complete" rules; shows what is still needed. True when nothing is."""
        self._show_all = True
        self._complete_mode = True
        self.validate_now()
        complete = not self._current()
        self.completion_notice.setVisible(not complete)
        if not complete:
            self._update_completion_notice()
            self._go_to_first_needed()
            # Said aloud too: a screen reader follows the focus to the first answer, not the notice.
            QAccessible.updateAccessibility(
                QAccessibleAnnouncementEvent(self.completion_text, self.completion_text.text())
            )
        return complete

    def validate_now(self) -> None:
        """Checks the answers now, rather than a moment after the last change (when the timer does),
        and shows what it finds: the fields' errors, the problems list and the sections' states."""
        self._validate_timer.stop()
        self._findings = validation.findings(self.definition, self.document.data)
        self._complete_findings = completion.findings(self.definition, self.document.data)
        self._checked = True
        self._refresh_errors()
        self._refresh_problems()
        self._refresh_sidebar()
        self._update_completion_notice()

    def _current(self) -> list[Finding]:
        found = self._complete_findings if self._complete_mode else self._findings
        local = [Finding(e.pointer, e.local_error) for e in self._editors.values() if e.local_error]
        paths = {f.path for f in found}
        return sorted(
            found + [f for f in local if f.path not in paths],
            key=lambda f: (self.section_of(f.path), f.path),
        )

    def _owner(self, path: str) -> FieldEditor | None:
        """The built editor that shows the answer at `path` (or the nearest group that holds it)."""
        probe = path
        while True:
            editor = self._editors.get(probe)
            if editor is not None:
                return editor
            if not probe:
                return None
            probe = pointers.parent(probe)

    def _refresh_errors(self) -> None:
        messages: dict[int, tuple[FieldEditor, list[str]]] = {}
        for finding in self._current():
            editor = self._owner(finding.path)
            if editor is None:
                continue
            if (
                self._show_all
                or any(pointers.is_within(finding.path, t) for t in self._touched)
                or finding.path in self._touched
            ):
                messages.setdefault(id(editor), (editor, []))[1].append(finding.message)
        for editor in self._editors.values():
            entry = messages.get(id(editor))
            editor.show_error(" ".join(entry[1]) if entry else None)

    def _refresh_problems(self) -> None:
        current = self._current()
        self.problems.clear()
        for finding in current:
            section = self.section_of(finding.path)
            where = (
                self.definition.sections[section].title
                if section < len(self.definition.sections)
                else self.definition.title
            )
            text = (
                finding.message if finding.message.startswith(f"{where}: ") else f"{where}: {finding.message}"
            )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, finding.path)
            item.setToolTip(finding.path)
            self.problems.addItem(item)
        if not current:
            placeholder = QListWidgetItem(
                "No problems found."
                if (self._show_all or self._touched)
                else "Problems appear here as you fill in the form."
            )
            # Enabled (so drawn in the text colour, not disabled grey at 1.9:1) but not selectable.
            placeholder.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.problems.addItem(placeholder)
        self.problemsChanged.emit(len(current))

    def _refresh_sidebar(self) -> None:
        counts = [0] * (len(self.pages) + 1)
        for finding in self._current():
            counts[self.section_of(finding.path)] += 1
        missing = [0] * (len(self.pages) + 1)
        for finding in self._complete_findings:
            missing[self.section_of(finding.path)] += 1
        answered = self._answered_sections()
        for index, page in enumerate(self.pages):
            item = self.sidebar.item(index)
            if counts[index]:
                state = f"{counts[index]} problem{'s' if counts[index] != 1 else ''}"
            elif index not in answered:
                state = "Not started"
            elif missing[index] or not self._checked:
                state = "In progress"
            else:
                state = "✓ Complete"
            item.setText(f"{page.section.title}\n{state}")
            item.setData(Qt.ItemDataRole.AccessibleTextRole, f"{page.section.title}, {state}")
            item.setData(Qt.ItemDataRole.UserRole, state)

    def section_state(self, index: int) -> str:
        """ "Not started", "In progress", "✓ Complete" or "N problems", as the sidebar shows it."""
        value = self.sidebar.item(index).data(Qt.ItemDataRole.UserRole)
        return str(value)

    def _answered_sections(self) -> set[int]:
        answered: set[int] = set()

        def walk(value: Any, pointer: str) -> None:
            if isinstance(value, dict):
                for key, sub in value.items():
                    walk(sub, f"{pointer}/{key}")
            elif (
                isinstance(value, list)
                and value
                and not all(isinstance(v, str | int | float | bool) for v in value)
            ):
                for index, sub in enumerate(value):
                    walk(sub, f"{pointer}/{index}")
            elif value not in (None, "", []):
                answered.add(self.section_of(pointer))

        walk(self.document.data, "")
        return answered

    def _problem_activated(self, item: QListWidgetItem) -> None:
        path = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(path, str):
            self.go_to(path)

    def go_to(self, path: str) -> FieldEditor | None:
        """Shows the section holding `path`, scrolls to its field and focuses it."""
        section = self.section_of(path)
        if section < len(self.pages):
            self.set_current_section(section)
            self.pages[section].build_some()
        editor = self._owner(path)
        if editor is not None:
            self.reveal(editor)
        return editor

    def reveal(self, editor: FieldEditor) -> None:
        page = self.pages[self.current_section()]
        widget = editor.focus_widget()
        page.ensureWidgetVisible(widget, 40, 80)
        widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def next_problem(self) -> None:
        current = self._current()
        if current:
            self._show_all = True
            self._refresh_errors()
            focused = self.focusWidget()
            paths = [f.path for f in current]
            here = focused.objectName() if focused is not None else ""
            following = next((p for p in paths if p > here), paths[0])
            self.go_to(following)

    # --- threshold guidance --------------------------------------------------------------------------------------

    def indicator_options(self, element: str | None) -> list[tuple[str, int, str]]:
        """The indicators an element offers, from the form's ruleset: (id, level, text), by level."""
        if element is None or self.ruleset is None:
            return []
        return [(i.id, i.level, i.text) for i in self.ruleset.indicators_of(element)]

    def indicator_stand_in(self, indicator_id: str) -> tuple[str | None, str] | None:
        """What an earlier version's indicator id is now: (its replacement's id, words to show), or
        (None, why it was retired); None for an id of this ruleset, or one it does not know."""
        if self.ruleset is None or indicator_id in self.ruleset.indicators:
            return None
        replacement = self.ruleset.resolve(indicator_id)
        if replacement is not None:
            element = self.ruleset.elements[replacement.element].title
            return replacement.id, f"{replacement.text} (level {replacement.level}, now under {element})"
        reason = self.ruleset.retired.get(indicator_id)
        if reason is not None:
            return None, f"No longer an indicator: {reason} ({indicator_id})"
        return None

    # --- undo -------------------------------------------------------------------------------------------------

    def undo(self) -> None:
        pointer = self.document.undo()
        if pointer is not None:
            self.go_to(pointer)

    def redo(self) -> None:
        pointer = self.document.redo()
        if pointer is not None:
            self.go_to(pointer)

    def editor(self, pointer: str) -> FieldEditor | None:
        """The built editor of the answer at `pointer`, if its section has been built."""
        return self._editors.get(pointer)

    def built_editors(self) -> dict[str, FieldEditor]:
        """Every editor built so far (those of list items and groups too), by the pointer it edits."""
        return dict(self._editors)
