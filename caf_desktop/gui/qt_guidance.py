"""Threshold guidance beside the form, and the safeguarding banner that cannot be missed.

The panel shows the suggested level, why (every indicator and rule that counted) and what to do
next, and updates as indicators are chosen. Any level-4 indicator, or the worker saying the child is
in immediate danger, raises the banner above the form: it stays until the worker acknowledges it,
and it comes back if the danger is raised again.

Signals (SafeguardingBanner):
    shown(): the banner appeared (the window audits it).
    acknowledged(): the worker pressed "I understand: I will act now" (audited too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from caf_desktop.thresholds import Ruleset, ThresholdResult

_INDICATOR_ID = re.compile(r" \([a-z_]+\.l[1-4]\.[a-z0-9_]+\)$")


class GuidancePanel(QFrame):
    """The suggested level of need, why, and what to do next (not a tick box: the worker decides)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("guidance")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName("Threshold guidance")
        layout = QVBoxLayout(self)
        heading = QLabel("Threshold guidance", self)
        font = QFont(heading.font())
        font.setBold(True)
        heading.setFont(font)
        layout.addWidget(heading)
        self.level = QLabel(self)
        self.level.setObjectName("guidance-level")
        self.level.setWordWrap(True)
        level_font = QFont(heading.font())
        level_font.setPointSizeF(level_font.pointSizeF() * 1.15)
        self.level.setFont(level_font)
        layout.addWidget(self.level)
        self.details = QLabel(self)
        self.details.setObjectName("guidance-details")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop)
        # Keyboard users reach the level and the reasons with Tab (a screen reader then reads them);
        # the scroller itself is no stop of its own.
        for label in (self.level, self.details):
            label.setTextInteractionFlags(
                Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
            )
            label.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # after the flags, which set it to ClickFocus
        scroller = QScrollArea(self)
        scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setWidget(self.details)
        self.scroller = scroller
        self.details.installEventFilter(self)
        layout.addWidget(scroller, 1)
        note = QLabel(
            "This is guidance, not a tick box. Agree the level with your own judgement, and record why if it differs.",
            self,
        )
        note.setWordWrap(True)
        layout.addWidget(note)
        self.result: ThresholdResult | None = None

    def focusables(self) -> list[QWidget]:
        return [self.level, self.details]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """The reasons scroll with the keys while they have the focus (their scroller takes none)."""
        if watched is self.details and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            bar = self.scroller.verticalScrollBar()
            steps = {
                Qt.Key.Key_Down: bar.singleStep(),
                Qt.Key.Key_Up: -bar.singleStep(),
                Qt.Key.Key_PageDown: bar.pageStep(),
                Qt.Key.Key_PageUp: -bar.pageStep(),
                Qt.Key.Key_Home: -bar.maximum(),
                Qt.Key.Key_End: bar.maximum(),
            }
            step = steps.get(Qt.Key(event.key()))
            if step is not None and not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                bar.setValue(bar.value() + step)
                return True
        return super().eventFilter(watched, event)

    def show_result(self, result: ThresholdResult) -> None:
        self.result = result
        self.level.setText(f"Suggested: level {result.level}, {result.label}")
        # The panel reads as sentences: the rule names and indicator ids are in the CLI and the record.
        why = "\n".join(f"• {_INDICATOR_ID.sub('', reason.split(': ', 1)[-1])}" for reason in result.reasons)
        todo = "\n".join(f"• {action}" for action in result.actions)
        self.details.setText(f"Why:\n{why}\n\nWhat to do next:\n{todo}")


class SafeguardingBanner(QFrame):
    """Act now: contact children's social care, police on 999 in immediate danger, do not delay."""

    shown = Signal()
    acknowledged = Signal()

    def __init__(self, ruleset: Ruleset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("safeguarding-banner")
        self.setProperty("role", "safeguarding")
        self.setAccessibleName("Safeguarding: act now")
        self.setFrameShape(QFrame.Shape.Box)
        self.setLineWidth(3)
        layout = QVBoxLayout(self)
        self.text = QLabel(self)
        self.text.setObjectName("safeguarding-text")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        font = QFont(self.text.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.text.setFont(font)
        layout.addWidget(self.text)
        self._ruleset = ruleset
        self.contacts = QLabel(self._contact_lines({}), self)
        self.contacts.setObjectName("safeguarding-contacts")
        self.contacts.setWordWrap(True)
        layout.addWidget(self.contacts)
        self.button = QPushButton("I understand: I will act now", self)
        self.button.setObjectName("acknowledge-safeguarding")
        self.button.clicked.connect(self.acknowledge)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        self.active = False

    def _contact_lines(self, numbers: Mapping[str, str]) -> str:
        return "\n".join(
            f"{c.name}: {numbers.get(c.id, c.phone)}"
            + (f" (out of hours {c.out_of_hours})" if c.out_of_hours and c.id not in numbers else "")
            for c in self._ruleset.contacts
        )

    def use_contacts(self, numbers: Mapping[str, str]) -> None:
        """The locality's own numbers, by contact id, as the team's coordinator set them."""
        self.contacts.setText(self._contact_lines(numbers))
        self.is_acknowledged = False
        self.setVisible(False)

    def raise_for(self, result: ThresholdResult) -> None:
        why = (
            "The worker believes the child is in immediate danger."
            if any("immediate danger" in r for r in result.reasons)
            else "A level 4 indicator has been chosen."
        )
        self.text.setText(
            f"⚠ SAFEGUARDING: {why} Contact children's social care now. If the child is in immediate danger, "
            "call the police on 999. Do not delay to finish this form."
        )
        if not self.active:
            self.active = True
            self.is_acknowledged = False
            self.button.setVisible(True)
            self.setVisible(True)
            self.shown.emit()

    def clear(self) -> None:
        """The danger is no longer recorded: the banner goes, and comes back if it is raised again."""
        self.active = False
        self.is_acknowledged = False
        self.setVisible(False)

    def acknowledge(self) -> None:
        """Acknowledged, the banner stays on screen (smaller: no button) while the danger is recorded."""
        self.is_acknowledged = True
        self.button.setVisible(False)
        self.acknowledged.emit()
