"""The signature pad: a drawn signature (mouse, pen or finger) kept in the document as a PNG.

Bound to a string with `"widget": "signature"` (base64 PNG, `contentMediaType: image/png`). Pens and
touch screens reach the pad as mouse events, which Qt makes from any tablet or touch event a widget
does not take itself, so one set of handlers serves all three. Someone who cannot draw records
"signature held on paper copy" instead (a separate question on the form).
"""

from __future__ import annotations

import base64
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from caf_desktop.gui.form.qt_fields import FieldEditor, register

IMAGE_SIZE = QSize(600, 200)  # what is kept: enough for print at 60 x 20 mm, a few kilobytes of PNG
PEN_WIDTH = 3.0


def _ink() -> QPen:
    return QPen(
        QColor("#101820"),
        PEN_WIDTH,
        Qt.PenStyle.SolidLine,
        Qt.PenCapStyle.RoundCap,
        Qt.PenJoinStyle.RoundJoin,
    )


def image_from_base64(value: Any) -> QImage | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        data = base64.b64decode(value, validate=True)
    except ValueError:
        return None
    image = QImage.fromData(data, "PNG")
    return None if image.isNull() else image


def png_base64(image: QImage) -> str:
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return base64.b64encode(bytes(QByteArray(buffer.data()).data())).decode("ascii")


class SignaturePad(QWidget):
    """Draws strokes; `signed` is emitted with the whole signature as an image when a stroke ends.

    Signals: signed(QImage)."""

    signed = Signal(QImage)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(300, 100)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setAttribute(Qt.WidgetAttribute.WA_StaticContents)
        self._image: QImage | None = None  # what the document holds
        self._stroke: QPainterPath | None = None  # being drawn now, in widget coordinates

    def sizeHint(self) -> QSize:
        return QSize(420, 140)

    def has_signature(self) -> bool:
        return self._image is not None

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self._stroke = None
        self.update()

    def _to_image(self, point: QPointF) -> QPointF:
        return QPointF(
            point.x() * IMAGE_SIZE.width() / max(1, self.width()),
            point.y() * IMAGE_SIZE.height() / max(1, self.height()),
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._stroke = QPainterPath(event.position())
            self._stroke.lineTo(event.position() + QPointF(0.1, 0.1))  # a dot is a mark too
            self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._stroke is not None:
            self._stroke.lineTo(event.position())
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._stroke is None:
            return
        image = QImage(IMAGE_SIZE, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._image is not None:
            painter.drawImage(QRectF(0, 0, IMAGE_SIZE.width(), IMAGE_SIZE.height()), self._image)
        painter.scale(IMAGE_SIZE.width() / max(1, self.width()), IMAGE_SIZE.height() / max(1, self.height()))
        painter.setPen(_ink())
        painter.drawPath(self._stroke)
        painter.end()
        self._stroke = None
        self._image = image
        self.update()
        self.signed.emit(image)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        event.ignore()  # Tab and the window's shortcuts pass on; the pad itself takes no keys

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("white"))
        frame = QColor("#2a6ebb") if self.hasFocus() else QColor("#8a8f98")
        painter.setPen(QPen(frame, 2 if self.hasFocus() else 1))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))
        baseline = int(self.height() * 0.78)
        painter.setPen(QPen(QColor("#b8bcc4"), 1, Qt.PenStyle.DashLine))
        painter.drawLine(12, baseline, self.width() - 12, baseline)
        if self._image is not None:
            painter.drawImage(QRectF(self.rect()), self._image)
        elif self._stroke is None:
            painter.setPen(QColor("#6b7079"))
            painter.drawText(
                self.rect().adjusted(12, 0, -12, -self.height() // 3),
                Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                "✎ Sign here with the mouse, a pen or a finger",
            )
        if self._stroke is not None:
            painter.setPen(_ink())
            painter.drawPath(self._stroke)
        painter.end()


@register("text", "signature")
class SignatureEditor(FieldEditor):
    """A drawn signature with Clear; the document keeps a base64 PNG."""

    def create_input(self, parent: QWidget) -> QWidget:
        box = QWidget(parent)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        self.pad = SignaturePad(box)
        self.pad.setObjectName(f"pad:{self.spec.pointer}")
        layout.addWidget(self.pad)
        row = QHBoxLayout()
        self.state = QLabel("Not signed", box)
        self.clear_button = QPushButton("Clear signature", box)
        self.clear_button.setObjectName(f"clear:{self.spec.pointer}")
        self.clear_button.clicked.connect(self._clear)
        row.addWidget(self.state)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        layout.addLayout(row)
        self.pad.signed.connect(self._signed)
        return box

    def focus_widget(self) -> QWidget:
        return self.pad

    def name_widgets(self) -> None:
        super().name_widgets()
        self.pad.setAccessibleName(f"{self.accessible_name}, drawing area")
        self.clear_button.setAccessibleName(f"{self.accessible_name}, clear")

    def focusables(self) -> list[QWidget]:
        return [self.pad, self.clear_button]

    def _signed(self, image: QImage) -> None:
        self.write(png_base64(image))
        self.host.document.close_step()  # each stroke is one step to undo
        self._show_state(True)

    def _clear(self) -> None:
        self.write(None)
        self.host.document.close_step()
        self.pad.set_image(None)
        self._show_state(False)

    def _show_state(self, signed: bool) -> None:
        self.state.setText("✔ Signed" if signed else "Not signed")
        self.clear_button.setEnabled(signed and not self.spec.read_only)

    def show_value(self, value: Any) -> None:
        image = image_from_base64(value)
        self.pad.set_image(image)
        self._show_state(image is not None)

    def set_enabled(self, enabled: bool) -> None:
        super().set_enabled(enabled)
        self.pad.setEnabled(enabled and not self.spec.read_only)
