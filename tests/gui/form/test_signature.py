"""The signature pad: a signature drawn with the mouse (or a pen or finger) is kept in the record."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from caf_desktop.gui.form.qt_signature import SignaturePad, image_from_base64
from caf_desktop.gui.form.view import FormView
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

CHILD_SIGNATURE = "/consent/signatures/child/image"


def draw(pad: SignaturePad, points: list[tuple[int, int]]) -> None:
    first, *rest = (QPoint(x, y) for x, y in points)
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, first)
    for point in rest:
        QTest.mouseMove(pad, point)
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, rest[-1])


def pad_of(view: FormView, pointer: str) -> SignaturePad:
    editor = view.go_to(pointer)
    assert editor is not None
    pad = editor.focus_widget()
    assert isinstance(pad, SignaturePad)
    return pad


def value_at(view: FormView, pointer: str) -> Any:
    node: Any = view.value()
    for part in pointer.strip("/").split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def test_a_drawn_signature_is_kept_as_a_picture_in_the_record(show: Callable[[FormView], FormView]) -> None:
    view = show(FormView.for_form("caf-assessment"))
    pad = pad_of(view, CHILD_SIGNATURE)
    assert pad.accessibleName() == "Signature of the child or young person: signature, drawing area"

    draw(pad, [(20, 80), (60, 40), (100, 90), (140, 30), (180, 85)])

    kept = value_at(view, CHILD_SIGNATURE)
    assert isinstance(kept, str)
    assert base64.b64decode(kept).startswith(b"\x89PNG")
    image = image_from_base64(kept)
    assert image is not None
    inked = sum(
        1
        for x in range(0, image.width(), 4)
        for y in range(0, image.height(), 4)
        if image.pixelColor(x, y).alpha()
    )
    assert inked > 10  # the stroke is in the picture, not an empty box
    assert view.editor(CHILD_SIGNATURE).state.text() == "✔ Signed"  # type: ignore[attr-defined]
    assert view.errors() == []  # a signature is a valid answer


def test_clear_and_undo_bring_the_signature_back(show: Callable[[FormView], FormView]) -> None:
    view = show(FormView.for_form("caf-assessment"))
    pad = pad_of(view, CHILD_SIGNATURE)
    draw(pad, [(20, 80), (100, 30), (180, 85)])
    signed = value_at(view, CHILD_SIGNATURE)

    view.editor(CHILD_SIGNATURE).clear_button.click()  # type: ignore[attr-defined]
    assert value_at(view, CHILD_SIGNATURE) is None
    assert not pad.has_signature()

    view.undo()
    assert value_at(view, CHILD_SIGNATURE) == signed
    assert pad.has_signature()


def test_a_stored_signature_shows_when_the_record_is_opened(show: Callable[[FormView], FormView]) -> None:
    first = show(FormView.for_form("caf-assessment"))
    draw(pad_of(first, CHILD_SIGNATURE), [(20, 80), (100, 30), (180, 85)])
    document = first.value()

    reopened = show(FormView.for_form("caf-assessment"))
    reopened.set_value(document)
    assert pad_of(reopened, CHILD_SIGNATURE).has_signature()
    assert pad_of(reopened, "/consent/signatures/parent_carer/image").has_signature() is False
