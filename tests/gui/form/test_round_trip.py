"""Round trips through the form renderer: document to widgets to document (STYLE.md, property tests).

For every document valid under a form, `set_value(doc)` then `value()` gives back the same document,
exactly (1 is not 1.0, True is not 1), whether or not the sections' widgets exist yet; building the
widgets never writes to the document; every built editor shows the document's value; and answers the
form does not know about are kept. Documents are generated with hypothesis-jsonschema from the shipped
forms and from a set of varied bare schemas (nested groups, lists of groups, choices, `$ref`s,
conditionals, formats).

Hidden answers are not part of a document by design (docs/form-definitions.md, "Relevance"), so a
generated document is first made relevance-consistent with `relevant_document`, and kept only if it is
still a valid draft.

What generation leaves out, and why:
- Single-line text holds no control characters (category Cc: newline, carriage return, tab) and no
  line or paragraph separators (Zl, Zp): a QLineEdit drops line breaks that are typed or pasted, so
  such an answer could not have been entered in the field it is shown in.
- Multi-line text may hold "\\n" but not "\\r", U+2028 or U+2029: QPlainTextEdit stores every line
  break as a paragraph break and gives them back as "\\n" (line endings are normalised).
- No text holds U+FEFF or U+FFFE (PySide6 takes a string starting with either for a byte-order mark)
  or the noncharacters U+FDD0 to U+FDEF (QTextDocument's own markers).
- Dates are real dates from 1900 to 2100 (within any `formatMinimum`/`formatMaximum`, which
  hypothesis-jsonschema does not know), written YYYY-MM-DD; a date-time is YYYY-MM-DDTHH:MM, the form
  the date-time editor writes (it shows only the date and the hours and minutes).
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine import definitions, pointers, relevance, validation
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.gui.form import qt_choices, qt_containers, qt_fields
from caf_desktop.gui.form.view import FormView
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QTextCursor

import tests.hypothesis_compat  # noqa: F401 - makes hypothesis-jsonschema work with this hypothesis

pytestmark = pytest.mark.gui

EXAMPLES = Path(__file__).parents[2] / "examples"
TODAY = dt.date(2026, 11, 26)  # the day drafts are judged on, so generated dates stay valid


# --- generating documents -----------------------------------------------------------------------------------

# U+FEFF and U+FFFE: PySide6 reads a string that starts with one as a byte-order mark (dropped, or the
# rest byte-swapped). U+FDD0 to U+FDEF: noncharacters that QTextDocument uses as its own markers.
_NOT_HELD = "\ufeff\ufffe" + "".join(chr(c) for c in range(0xFDD0, 0xFDF0))
_LINE_CHARACTERS = st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), exclude_characters=_NOT_HELD)
_TEXT_CHARACTERS = st.one_of(_LINE_CHARACTERS, st.just("\n"))


def _text(characters: st.SearchStrategy[str], max_length: int | None) -> st.SearchStrategy[str]:
    """Short text, and (when there is a limit) text right up to it: long answers are cheap to draw as a
    short piece repeated."""
    short = st.text(characters, max_size=min(max_length if max_length is not None else 40, 40))
    if max_length is None or max_length > 500:  # long answers in text areas hold no surprises
        return short
    near_limit = st.builds(
        lambda piece, length: (piece * length)[:length],
        st.text(characters, min_size=1, max_size=6),
        st.integers(max(0, max_length - 3), max_length),
    )
    return st.one_of(short, near_limit)


_FIXED_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "x-email": st.from_regex(r"\A[a-z0-9._%+-]{1,12}@[a-z0-9-]{1,12}(\.[a-z]{2,6}){1,2}\Z"),
    "uk-phone": st.one_of(
        st.from_regex(r"\A0[1-9]\d{3} ?\d{3} ?\d{3}\Z", alphabet="0123456789 "),
        st.from_regex(r"\A\+44 ?7\d{3} ?\d{6}\Z", alphabet="+0123456789 "),
    ),
    "uk-postcode": st.sampled_from(
        ["MK9 3EJ", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "mk93ej"]
    ),
    "x-datetime": st.builds(
        lambda day, hour, minute: f"{day.isoformat()}T{hour:02d}:{minute:02d}",
        st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
        st.integers(0, 23),
        st.integers(0, 59),
    ),
}

# Keywords that only annotate, or (for the shipped forms) only say what must be filled in, which a
# draft may leave empty: left out of the schema documents are generated from.
_ANNOTATIONS = frozenset(
    {"title", "description", "errorMessage", "default", "readOnly", "$comment", "examples"}
)
_REQUIREMENTS = frozenset({"required", "dependentRequired", "if", "then", "else"})
_SCHEMA_MAPS = ("properties", "dependentSchemas", "patternProperties")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_ONES = ("items", "not", "additionalProperties", "contains", "if", "then", "else")


def _date_bound(value: Any, fallback: dt.date) -> dt.date:
    if value is None:
        return fallback
    return TODAY if value == "today" else dt.date.fromisoformat(value)


def generation_schema(
    schema: dict[str, Any], *, keep_requirements: bool, max_items: int, extra_keys: bool
) -> tuple[dict[str, Any], dict[str, st.SearchStrategy[str]]]:
    """The schema documents are drawn from, and the strategies for its formats.

    `$ref`s are written out in place (the forms have no recursive ones); `format`s are renamed to
    formats of our own (hypothesis-jsonschema will not let "date" and "email" be redefined), dates carry
    their `formatMinimum`/`formatMaximum`, and plain text gets a strategy with the characters its
    widget can hold. Lists are capped at `max_items` items.

    Without `keep_requirements` the `required`-like keywords go too: that is what makes drawing from the
    big CAF schema fast (from minutes to under a second for 30 documents), and draft documents need not
    fill anything in. Without `extra_keys` objects get only the properties their schema names
    (`additionalProperties: false`, for drawing only): the answers drawn are then all questions of the
    form, not mostly made-up keys (unknown answers are checked on their own).
    """
    formats = dict(_FIXED_FORMATS)
    dropped = _ANNOTATIONS | (set() if keep_requirements else _REQUIREMENTS)

    def walk(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in dropped or key in ("$ref", "$defs"):
                continue
            if key in _SCHEMA_MAPS:
                out[key] = {name: walk(sub) for name, sub in value.items()}
            elif key in _SCHEMA_LISTS:
                out[key] = [walk(sub) for sub in value]
            elif key in _SCHEMA_ONES:
                out[key] = walk(value)
            else:
                out[key] = value
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = walk(pointers.resolve(schema, ref[1:]))
            out = {**target, **out} if not set(target) & set(out) else {"allOf": [target, out]}
        fmt = out.get("format")
        if fmt == "date":
            low = _date_bound(out.pop("formatMinimum", None), dt.date(1900, 1, 1))
            high = _date_bound(out.pop("formatMaximum", None), dt.date(2100, 12, 31))
            name = f"x-date-{low}-{high}"
            formats[name] = st.dates(low, high).map(dt.date.isoformat)
            out["format"] = name
        elif fmt in ("email", "date-time"):
            out["format"] = {"email": "x-email", "date-time": "x-datetime"}[fmt]
        elif (
            out.get("type") == "string"
            and fmt is None
            and "pattern" not in out
            and not {"const", "enum", "oneOf"} & set(out)
        ):
            max_length = out.get("maxLength")
            multi_line = isinstance(max_length, int) and max_length > 200  # a text area (the default)
            name = f"x-{'text' if multi_line else 'line'}-{max_length}"
            formats[name] = _text(_TEXT_CHARACTERS if multi_line else _LINE_CHARACTERS, max_length)
            out["format"] = name
        if out.get("type") == "array":
            out["maxItems"] = min(out.get("maxItems", max_items), max_items)
        if not extra_keys and out.get("type") == "object" and "additionalProperties" not in out:
            out["additionalProperties"] = False
        return out

    return walk(schema), formats


@functools.cache
def _documents(
    schema_json: str, keep_requirements: bool, max_items: int, extra_keys: bool
) -> st.SearchStrategy[Any]:
    schema, formats = generation_schema(
        json.loads(schema_json),
        keep_requirements=keep_requirements,
        max_items=max_items,
        extra_keys=extra_keys,
    )
    return from_schema(schema, custom_formats=formats)


def relevant_valid_document(
    data: st.DataObject,
    definition: FormDefinition,
    *,
    keep_requirements: bool = False,
    max_items: int = 2,
    extra_keys: bool = False,
) -> dict[str, Any]:
    """A generated document without the answers its rules hide, that is a valid draft."""
    drawn = data.draw(
        _documents(strict(definition.schema), keep_requirements, max_items, extra_keys), label="generated"
    )
    assume(isinstance(drawn, dict))
    document = relevance.relevant_document(definition, drawn)
    assume(validation.is_valid(definition, document, today=TODAY))
    return document


# --- checking a view --------------------------------------------------------------------------------------

_ABSENT = object()


def strict(value: Any) -> str:
    """JSON text that tells 1 from 1.0 and True from 1 (== does not)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def assert_same(actual: Any, expected: Any) -> None:
    assert actual == expected
    assert strict(actual) == strict(expected)


def _uk(iso: str) -> str:
    day = dt.date.fromisoformat(iso)
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def _short(value: Any) -> str:
    text = repr(value) if len(repr(value)) <= 100 else f"{repr(value)[:80]}..."
    return f"{text} ({len(value)} characters)" if isinstance(value, str) else text


def _codes(values: Any) -> list[str]:
    return sorted(strict(v) for v in values)


def settle() -> None:
    """Deletes what was scheduled for deletion (`deleteLater`), as the event loop does between events."""
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _on_the_form(view: FormView) -> list[qt_fields.FieldEditor]:
    """Every editor on the form now: each section's editors and, within them, their questions and items."""
    found: list[qt_fields.FieldEditor] = []
    pending = [e for page in view.pages for e in page.editors]
    while pending:
        editor = pending.pop(0)
        found.append(editor)
        pending[:0] = editor.children()
    return found


def _text_area_text(box: Any) -> str:
    """What a text area holds. `toPlainText()` is not used: it turns no-break spaces into spaces."""
    return str(box.document().toRawText()).replace("\u2029", "\n")


def _shown_and_wanted(editor: qt_fields.FieldEditor, value: Any) -> tuple[Any, Any] | None:
    """What the editor's widgets show, and what they should show for `value` (`_ABSENT` when there is
    no answer); None for an editor that shows nothing itself (a group: its questions are checked)."""
    absent = value is _ABSENT
    if isinstance(editor, qt_fields.DateTimeEditor):
        wanted = ("", "") if absent else (_uk(value[:10]), value[11:16])
        return (editor.line.text(), editor.time.text()), wanted
    if isinstance(editor, qt_fields.DateEditor):
        return editor.line.text(), "" if absent else _uk(value)
    if isinstance(editor, qt_fields.TextEditor):
        return editor.line.text(), "" if absent else value
    if isinstance(editor, qt_fields.TextAreaEditor):
        return _text_area_text(editor.box), "" if absent else value
    if isinstance(editor, qt_fields.NumberEditor):
        text = editor.line.text()
        shown = None if not text else int(text) if editor.spec.kind == "integer" else float(text)
        return shown, None if absent else value
    if isinstance(editor, qt_choices.RadioEditor):
        checked = editor.group.checkedButton()
        shown = None if checked is None else strict(editor.options[editor.buttons.index(checked)][0])
        return shown, None if absent else strict(value)
    if isinstance(editor, qt_choices.SelectEditor):
        shown = None if editor.combo.currentIndex() <= 0 else strict(editor.combo.currentData())
        return shown, None if absent else strict(value)
    if isinstance(editor, qt_choices.CheckboxEditor):
        return editor.box.isChecked(), value is True
    if isinstance(editor, qt_choices.CheckboxesEditor):
        checked_codes = [
            code for (code, _), box in zip(editor.options, editor.boxes, strict=True) if box.isChecked()
        ]
        return _codes(checked_codes), _codes([] if absent else value)
    if isinstance(editor, qt_choices.IndicatorsEditor):
        chosen = sorted(i for i, box in editor.boxes.items() if box.isChecked())
        return chosen, sorted([] if absent else value)
    if isinstance(editor, qt_containers.ListEditor):
        return [line.text() for line in editor.lines], [] if absent else value
    if isinstance(editor, qt_containers.RepeatEditor):
        return sorted(card.index for card in editor.cards.values()), list(range(0 if absent else len(value)))
    return None


def shown_value_problems(view: FormView, document: dict[str, Any]) -> Iterator[str]:
    """Every built editor whose widgets do not show the document's value, and every editor the view
    lists that is not on the form (or the other way round)."""
    on_form = _on_the_form(view)
    listed = view.built_editors()
    for editor in on_form:
        if listed.get(editor.pointer) is not editor:
            yield f"{editor.pointer}: an editor on the form that the view does not list under its pointer"
    for pointer, editor in listed.items():
        if not any(editor is e for e in on_form):
            yield f"{pointer}: the view lists an editor that is not on the form"
            continue
        if editor.pointer != pointer or editor.input.objectName() != pointer:
            yield f"{pointer}: the editor is named {editor.pointer!r} / {editor.input.objectName()!r}"
        tokens = pointers.split(pointer)
        if any(
            t.isdigit() and not pointers.exists(document, pointers.join(tokens[: i + 1]))
            for i, t in enumerate(tokens)
        ):
            yield f"{pointer}: an editor for an item the document does not have"
        found = _shown_and_wanted(editor, pointers.resolve(document, pointer, _ABSENT))
        if found is not None and found[0] != found[1]:
            shown, wanted = found
            name = type(editor).__name__
            yield f"{pointer} ({name}): shows {_short(shown)}, the document holds {_short(wanted)}"


def with_unknown_answers(document: dict[str, Any]) -> dict[str, Any]:
    """The document with answers no form knows: at the top and inside every group and item."""
    extended = copy.deepcopy(document)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
            node["x_unknown_here"] = [1, 1.0, True, None, "two"]
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(extended)
    extended["x_unknown"] = {"kept": [1, "two"]}
    return extended


def check_round_trip(view: FormView, document: dict[str, Any]) -> None:
    """The properties, for one document, on a view that may or may not have built every section."""
    given_document = copy.deepcopy(document)
    view.set_value(document)
    settle()
    assert_same(view.value(), document)  # (1) whether or not the sections are built
    view.build_all()
    assert_same(view.value(), document)  # (3) building widgets never writes to the document
    assert list(shown_value_problems(view, document)) == []  # (2) every editor shows the value
    assert_same(document, given_document)  # set_value took a copy
    extended = with_unknown_answers(document)
    view.set_value(extended)
    settle()
    assert_same(view.value(), extended)  # (4) unknown answers are kept
    assert list(shown_value_problems(view, extended)) == []


@pytest.fixture
def view_of(qtbot: Any) -> Callable[[FormDefinition], FormView]:
    """One view per definition for the whole test function, reused for every generated document
    (building a view is the expensive part). Its first document is set before any section but the
    first is built; later ones meet every section built."""
    views: dict[str, FormView] = {}

    def view(definition: FormDefinition) -> FormView:
        if definition.key not in views:
            views[definition.key] = FormView.for_form(definition.id, definition.version)
            qtbot.addWidget(views[definition.key])
        return views[definition.key]

    return view


def _settings(examples: int) -> Callable[[Any], Any]:
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
        ],
    )


# --- the shipped forms -------------------------------------------------------------------------------------

SHIPPED = {d.key: d for d in definitions.shipped_catalogue().all()}
SHIPPED_EXAMPLES = 60  # per form


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_shipped_form_round_trips_generated_documents(key: str, view_of: Any) -> None:
    definition = SHIPPED[key]

    @_settings(SHIPPED_EXAMPLES)
    @given(data=st.data())
    def round_trip(data: st.DataObject) -> None:
        check_round_trip(view_of(definition), relevant_valid_document(data, definition))

    round_trip()


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*/full.json")), ids=lambda p: p.parent.name)
def test_shipped_full_example_round_trips(path: Path, qtbot: Any) -> None:
    definition = definitions.shipped_catalogue().get(path.parent.name)
    document = json.loads(path.read_text(encoding="utf-8"))
    view = FormView(definition)
    qtbot.addWidget(view)
    view.build_all()
    view.set_value(document)
    settle()
    assert_same(view.value(), document)
    assert list(shown_value_problems(view, document)) == []


def test_every_shipped_form_has_a_full_example() -> None:
    assert sorted(p.parent.name for p in EXAMPLES.glob("*/full.json")) == sorted(
        {d.id for d in SHIPPED.values()}
    )


# --- bare schemas -------------------------------------------------------------------------------------------

NESTED = {
    "title": "Nested groups",
    "type": "object",
    "properties": {
        "name": {"title": "Name", "type": "string", "maxLength": 60},
        "age": {"title": "Age", "type": "integer", "minimum": 0, "maximum": 120},
        "score": {"title": "Score", "type": "number", "minimum": -5, "maximum": 5},
        "active": {"title": "Active", "type": "boolean"},
        "address": {
            "title": "Address",
            "type": "object",
            "properties": {
                "line_1": {"title": "Line 1", "type": "string", "maxLength": 100},
                "postcode": {"title": "Postcode", "type": "string", "format": "uk-postcode"},
                "where": {
                    "title": "Where in the building",
                    "type": "object",
                    "properties": {
                        "floor": {"title": "Floor", "type": "integer", "minimum": -2, "maximum": 50},
                        "notes": {"title": "Notes", "type": "string", "maxLength": 1000},
                        "lift": {"title": "Is there a lift?", "type": "boolean"},
                    },
                },
            },
        },
    },
}

LISTS = {
    "title": "Lists of groups",
    "type": "object",
    "properties": {
        "people": {
            "title": "People",
            "type": "array",
            "items": {
                "title": "Person",
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"title": "Name", "type": "string", "maxLength": 80},
                    "born": {
                        "title": "Date of birth",
                        "type": "string",
                        "format": "date",
                        "formatMaximum": "today",
                    },
                    "contact": {
                        "title": "Contact",
                        "type": "object",
                        "properties": {
                            "email": {"title": "Email", "type": "string", "format": "email"},
                            "phone": {"title": "Telephone", "type": "string", "format": "uk-phone"},
                        },
                    },
                    "pets": {
                        "title": "Pets",
                        "type": "array",
                        "items": {
                            "title": "Pet",
                            "type": "object",
                            "properties": {
                                "kind": {
                                    "title": "Kind",
                                    "oneOf": [
                                        {"const": "cat", "title": "Cat"},
                                        {"const": "dog", "title": "Dog"},
                                    ],
                                },
                                "name": {"title": "Name", "type": "string", "maxLength": 40},
                            },
                        },
                    },
                },
            },
        },
        "nicknames": {"title": "Nicknames", "type": "array", "items": {"type": "string", "maxLength": 30}},
    },
}

_COUNTRIES = ["england", "scotland", "wales", "northern_ireland", "ireland", "france", "poland", "other"]
CHOICES = {
    "title": "Choices",
    "type": "object",
    "properties": {
        "colour": {
            "title": "Colour",
            "type": "string",
            "oneOf": [{"const": c, "title": c.title()} for c in ("red", "green", "blue")],
        },
        "country": {
            "title": "Country",
            "type": "string",
            "oneOf": [{"const": c, "title": c.replace("_", " ").title()} for c in _COUNTRIES],
        },
        "size": {"title": "Size", "type": "string", "enum": ["small", "medium", "large"]},
        "level": {
            "title": "Level of need",
            "type": "integer",
            "oneOf": [{"const": n, "title": f"Level {n}"} for n in (1, 2, 3, 4)],
        },
        "mixed": {
            "title": "A choice whose codes are equal in Python but not in JSON",
            "oneOf": [
                {"const": 1, "title": "One"},
                {"const": True, "title": "Yes"},
                {"const": "1", "title": "The text 1"},
                {"const": 0, "title": "Zero"},
                {"const": False, "title": "No"},
            ],
        },
        "flags": {
            "title": "Flags",
            "type": "array",
            "uniqueItems": True,
            "items": {
                "oneOf": [
                    {"const": f, "title": f.title()} for f in ("urgent", "late", "shared", "closed", "new")
                ]
            },
        },
        "days": {
            "title": "Days",
            "type": "array",
            "uniqueItems": True,
            "items": {"type": "string", "enum": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]},
        },
        "agree": {"title": "Agreed", "type": "boolean"},
        "ticked": {"title": "Ticked", "type": "boolean"},
        "ratio": {"title": "Ratio", "type": "number", "minimum": 0, "maximum": 1},
        "rows": {
            "title": "Rows",
            "type": "array",
            "items": {
                "title": "Row",
                "type": "object",
                "properties": {
                    "what": {"title": "What", "type": "string", "maxLength": 300},
                    "level": {
                        "title": "Level",
                        "type": "integer",
                        "oneOf": [{"const": n, "title": f"Level {n}"} for n in (1, 2, 3, 4, 5, 6)],
                    },
                    "done": {"title": "Done", "type": "boolean"},
                },
            },
        },
    },
}
CHOICES_LAYOUT = {
    "sections": [
        {
            "id": "choices",
            "title": "Choices",
            "elements": [
                {"type": "control", "scope": "/colour"},
                {"type": "control", "scope": "/country"},
                {"type": "control", "scope": "/size", "options": {"widget": "select"}},
                {"type": "control", "scope": "/level", "options": {"widget": "radio"}},
                {"type": "control", "scope": "/mixed"},
                {"type": "control", "scope": "/flags"},
                {"type": "control", "scope": "/days", "options": {"widget": "checkboxes"}},
                {"type": "control", "scope": "/agree", "options": {"widget": "yesno"}},
                {"type": "control", "scope": "/ticked"},
                {"type": "control", "scope": "/ratio"},
            ],
        },
        {
            "id": "rows",
            "title": "Rows",
            "elements": [
                {
                    "type": "control",
                    "scope": "/rows",
                    "options": {"widget": "table", "addLabel": "Add a row"},
                    "elements": [
                        {"type": "control", "scope": "/what", "options": {"widget": "textarea"}},
                        {"type": "control", "scope": "/level", "options": {"widget": "select"}},
                        {"type": "control", "scope": "/done", "options": {"widget": "yesno"}},
                    ],
                }
            ],
        },
    ]
}

REFS = {
    "title": "Shared pieces",
    "type": "object",
    "$defs": {
        "name": {"title": "Name", "type": "string", "maxLength": 100},
        "date": {"title": "Date", "type": "string", "format": "date"},
        "person": {
            "title": "Person",
            "type": "object",
            "properties": {
                "name": {"$ref": "#/$defs/name"},
                "born": {"$ref": "#/$defs/date", "title": "Date of birth"},
                "role": {"$ref": "#/$defs/role"},
            },
        },
        "role": {
            "title": "Role",
            "type": "string",
            "oneOf": [{"const": "parent", "title": "Parent"}, {"const": "carer", "title": "Carer"}],
        },
    },
    "properties": {
        "mother": {"$ref": "#/$defs/person", "title": "Mother"},
        "father": {"$ref": "#/$defs/person", "title": "Father"},
        "children": {
            "title": "Children",
            "type": "array",
            "items": {"$ref": "#/$defs/person", "title": "Child"},
        },
        "met": {"$ref": "#/$defs/date", "title": "Date met"},
        "chosen_name": {"$ref": "#/$defs/name"},
    },
}

CONDITIONALS = {
    "title": "Conditionals",
    "type": "object",
    "properties": {
        "has_pet": {"title": "Has a pet?", "type": "boolean"},
        "pet_name": {"title": "Pet's name", "type": "string", "maxLength": 50},
        "contact_by": {
            "title": "Contact by",
            "type": "string",
            "oneOf": [{"const": "email", "title": "Email"}, {"const": "phone", "title": "Telephone"}],
        },
        "email": {"title": "Email", "type": "string", "format": "email"},
        "phone": {"title": "Telephone", "type": "string", "format": "uk-phone"},
        "visits": {"title": "Visits", "type": "integer", "minimum": 0, "maximum": 10},
        "visit_notes": {"title": "Notes of the visits", "type": "string", "maxLength": 500},
        "agencies": {
            "title": "Agencies",
            "type": "array",
            "items": {
                "title": "Agency",
                "type": "object",
                "properties": {
                    "name": {"title": "Name", "type": "string", "maxLength": 100},
                    "involved": {"title": "Still involved?", "type": "boolean"},
                    "ended": {"title": "Date ended", "type": "string", "format": "date"},
                },
                "if": {"required": ["involved"], "properties": {"involved": {"const": False}}},
                "then": {"required": ["ended"]},
            },
        },
    },
    "if": {"required": ["has_pet"], "properties": {"has_pet": {"const": True}}},
    "then": {"required": ["pet_name"]},
    "else": {"properties": {"pet_name": {"maxLength": 0}}},
    "allOf": [
        {
            "if": {"required": ["contact_by"], "properties": {"contact_by": {"const": "email"}}},
            "then": {"required": ["email"]},
        },
        {
            "if": {"required": ["contact_by"], "properties": {"contact_by": {"const": "phone"}}},
            "then": {"required": ["phone"]},
        },
    ],
    "dependentRequired": {"visits": ["visit_notes"]},
}
CONDITIONALS_LAYOUT = {
    "sections": [
        {
            "id": "conditionals",
            "title": "Conditionals",
            "elements": [
                {"type": "control", "scope": "/has_pet", "options": {"widget": "yesno"}},
                {
                    "type": "control",
                    "scope": "/pet_name",
                    "rule": {"effect": "show", "condition": {"scope": "/has_pet", "schema": {"const": True}}},
                },
                {"type": "control", "scope": "/contact_by"},
                {
                    "type": "group",
                    "label": "How to reach them",
                    "rule": {"effect": "hide", "condition": {"not": {"scope": "/contact_by", "schema": {}}}},
                    "elements": [
                        {
                            "type": "control",
                            "scope": "/email",
                            "rule": {
                                "effect": "show",
                                "condition": {"scope": "/contact_by", "schema": {"const": "email"}},
                            },
                        },
                        {
                            "type": "control",
                            "scope": "/phone",
                            "rule": {
                                "effect": "show",
                                "condition": {"scope": "/contact_by", "schema": {"const": "phone"}},
                            },
                        },
                    ],
                },
                {"type": "control", "scope": "/visits"},
                {
                    "type": "control",
                    "scope": "/visit_notes",
                    "rule": {"effect": "enable", "condition": {"scope": "/visits", "schema": {"minimum": 1}}},
                },
            ],
        },
        {
            "id": "agencies",
            "title": "Agencies",
            "rule": {"effect": "hide", "condition": {"scope": "/contact_by", "schema": {"const": "email"}}},
            "elements": [
                {
                    "type": "control",
                    "scope": "/agencies",
                    "options": {"widget": "repeat", "itemTitle": "/name"},
                    "elements": [
                        {"type": "control", "scope": "/name"},
                        {"type": "control", "scope": "/involved", "options": {"widget": "yesno"}},
                        {
                            "type": "control",
                            "scope": "/ended",
                            "rule": {
                                "effect": "show",
                                "condition": {"scope": "/involved", "schema": {"const": False}},
                            },
                        },
                    ],
                }
            ],
        },
    ]
}

FORMATS = {
    "title": "Formats",
    "type": "object",
    "properties": {
        "born": {"title": "Date of birth", "type": "string", "format": "date", "formatMaximum": "today"},
        "due": {"title": "Due date", "type": "string", "format": "date", "formatMinimum": "today"},
        "since": {
            "title": "Since",
            "type": "string",
            "format": "date",
            "formatMinimum": "2000-01-01",
            "formatMaximum": "2030-12-31",
        },
        "at": {"title": "Date and time", "type": "string", "format": "date-time"},
        "email": {"title": "Email", "type": "string", "format": "email"},
        "phone": {"title": "Telephone", "type": "string", "format": "uk-phone"},
        "postcode": {"title": "Postcode", "type": "string", "format": "uk-postcode"},
        "reference": {"title": "Reference", "type": "string", "pattern": "^[A-Z]{2}-[0-9]{4}-[0-9]{4}$"},
        "initials": {"title": "Initials", "type": "string", "maxLength": 4},
        "summary": {"title": "Summary", "type": "string", "maxLength": 5000},
        "free": {"title": "Anything", "type": "string"},
    },
}

BARE_EXAMPLES = 100  # per schema
BARE = {
    "nested": (NESTED, None),
    "lists": (LISTS, None),
    "choices": (CHOICES, CHOICES_LAYOUT),
    "refs": (REFS, None),
    "conditionals": (CONDITIONALS, CONDITIONALS_LAYOUT),
    "formats": (FORMATS, None),
}


@pytest.mark.parametrize("name", sorted(BARE))
def test_bare_schema_round_trips_generated_documents(name: str, qtbot: Any) -> None:
    schema, layout = BARE[name]
    view = FormView.from_schema(schema, layout)
    qtbot.addWidget(view)
    definition = view.definition

    @_settings(BARE_EXAMPLES)
    @given(data=st.data())
    def round_trip(data: st.DataObject) -> None:
        check_round_trip(
            view,
            relevant_valid_document(data, definition, keep_requirements=True, max_items=3, extra_keys=True),
        )

    round_trip()


# --- what the properties found, each on its own -----------------------------------------------------------


def _view(qtbot: Any, schema: dict[str, Any]) -> FormView:
    view = FormView.from_schema(schema)
    qtbot.addWidget(view)
    view.build_all()
    return view


def test_a_line_shows_and_keeps_characters_beyond_the_basic_plane(qtbot: Any) -> None:
    """`maxLength` counts characters; a QLineEdit's `maxLength` counts UTF-16 code units, in which an
    emoji or a rare CJK character is two. A valid answer must not be cut short on screen, nor the cut
    text saved when the person edits it."""
    view = _view(
        qtbot, {"type": "object", "properties": {"name": {"title": "Name", "type": "string", "maxLength": 5}}}
    )
    document = {"name": "ab😀😀c"}
    assert validation.is_valid(view.definition, document)
    view.set_value(document)
    line = view.editor("/name").line
    assert line.text() == "ab😀😀c"
    line.end(False)
    qtbot.keyClick(line, Qt.Key.Key_Backspace)
    assert view.value() == {"name": "ab😀😀"}


def test_editing_a_text_area_keeps_its_no_break_spaces(qtbot: Any) -> None:
    """Typing at the end of an answer changes only the end: "10 kg" written with a no-break space (as
    word processors do) keeps it. `QPlainTextEdit.toPlainText()` turns every no-break space into a space."""
    view = _view(
        qtbot,
        {"type": "object", "properties": {"notes": {"title": "Notes", "type": "string", "maxLength": 1000}}},
    )
    view.set_value({"notes": "Weighs 10\u00a0kg"})
    box = view.editor("/notes").box
    box.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClicks(box, ".")
    assert view.value() == {"notes": "Weighs 10\u00a0kg."}


def test_a_document_with_lists_in_list_items_can_be_shown_again_and_again(qtbot: Any) -> None:
    """Showing a document replaces every item's widgets. The widgets of a list inside an item must go
    with their item, and the view must not go on listing editors whose widgets have been deleted."""
    view = _view(qtbot, LISTS)
    document = {"people": [{"name": "Ann", "pets": [{"kind": "cat", "name": "Tibbles"}]}]}
    for _ in range(3):
        view.set_value(document)
        settle()
        assert list(shown_value_problems(view, document)) == []
        assert_same(view.value(), document)
