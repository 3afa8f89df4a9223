"""Threshold guidance beside the form, and the safeguarding banner that cannot be missed.

The panel shows the suggested level, why (every indicator and rule that counted) and what to do
next, and updates as indicators are chosen. At level 4 it says which pathway applies: a child in need
(Children Act 1989 s17, a referral with the family's consent, no banner) or child protection (s47).
A cause for the banner (`caf_desktop.practice.safeguarding`: a child-protection indicator, or the
worker saying the child is in immediate danger) raises it above the
form: full size until a person acknowledges those causes, then a slim bar for as long as they are
recorded; a new cause, or the danger cleared and raised again, brings it back full.

Signals (SafeguardingBanner):
    shown(): the full banner appeared, waiting for an acknowledgement (the window audits it).
    acknowledged(): a person pressed "I understand: I will act now" (the window stores and audits it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.practice.safeguarding import IMMEDIATE_DANGER, covers
from caf_desktop.practice.thresholds import Intervals, Ruleset, ThresholdResult

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

    def show_result(self, result: ThresholdResult, intervals: Intervals | None = None) -> None:
        self.result = result
        pathway = _PATHWAYS.get(result.pathway or "")
        self.level.setText(
            f"Suggested: level {result.level}, {result.label}" + (f": {pathway[0]}" if pathway else "")
        )
        # The panel reads as sentences: the rule names and indicator ids are in the CLI and the record.
        why = "\n".join(f"• {_INDICATOR_ID.sub('', reason.split(': ', 1)[-1])}" for reason in result.reasons)
        todo = "\n".join(f"• {action}" for action in result.actions)
        text = f"{pathway[1]}\n\n" if pathway else ""
        text += f"Why:\n{why}\n\nWhat to do next:\n{todo}"
        if result.notices:
            text += "\n\nAlso note:\n" + "\n".join(f"• {notice}" for notice in result.notices)
        if intervals is not None and result.level >= 3:
            text += "\n\n" + timescales(intervals, result.level)
        self.details.setText(text)


def timescales(intervals: Intervals, level: int) -> str:
    """The locality's intervals that define drift (ruleset settings), as the worker needs them now."""
    lines = [
        f"• A first TAC meeting within {intervals.first_tac_meeting_working_days} working days of the completed CAF.",
        f"• Management oversight of a level 3 or level 4 case at least every {intervals.oversight_days} days.",
    ]
    if level >= 4:
        lines.append(
            f"• Children's social care's decision on a referral recorded within {intervals.referral_decision_working_days} "
            "working days: chase it if none has come."
        )
    return "Your locality's timescales (the case list flags a case that misses one):\n" + "\n".join(lines)


# What each level-4 pathway means, in the panel: (after the level, the first paragraph).
_PATHWAYS = {
    "child_in_need": (
        "child in need",
        "Child in need (Children Act 1989 s17): the level-4 needs chosen are not signs of significant harm. "
        "Refer to children's social care with the family's consent. This is not a child-protection "
        "referral, and these needs alone are no ground to share information without consent.",
    ),
    "child_protection": (
        "child protection",
        "Child protection (Children Act 1989 s47): the child may be at risk of significant harm. Act now: "
        "contact children's social care; call 999 if the child is in immediate danger. If seeking consent "
        "would put the child at risk, you may share information without it.",
    ),
}


# Spelled out once in the banner: a new worker may never have heard the letters.
_MASH = re.compile(r"\(MASH\)")
_MASH_IN_FULL = "(the Multi-Agency Safeguarding Hub, MASH)"


def _spell_out(text: str) -> str:
    return text if "Multi-Agency Safeguarding Hub" in text else _MASH.sub(_MASH_IN_FULL, text, count=1)


class SafeguardingBanner(QFrame):
    """Act now: contact children's social care, police on 999 in immediate danger, do not delay.

    Shown while the form records a cause (`caf_desktop.practice.safeguarding.banner_causes`). Until a person
    acknowledges those causes it is full size, with the numbers to ring and the button, and takes the
    keyboard focus when it appears (Tab, or Alt+I, reaches the button). Acknowledged, it shrinks to a
    slim bar that still says it, so the form stays in view.
    """

    shown = Signal()
    acknowledged = Signal()

    def __init__(self, ruleset: Ruleset, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("safeguarding-banner")
        self.setProperty("role", "safeguarding")
        self.setAccessibleName("Safeguarding: act now")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # focus lands here first, so it is read out
        # Never taller than its words: the slim bar is one line, and the form keeps the rest.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.setFrameShape(QFrame.Shape.Box)
        self.setLineWidth(3)
        layout = QVBoxLayout(self)
        self.text = QLabel(self)
        self.text.setObjectName("safeguarding-text")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self._full_font = QFont(self.text.font())
        self._full_font.setBold(True)
        self._full_font.setPointSizeF(self._full_font.pointSizeF() * 1.1)
        self._slim_font = QFont(self.text.font())
        self._slim_font.setBold(True)
        self.text.setFont(self._full_font)
        layout.addWidget(self.text)
        self._ruleset = ruleset
        self._numbers: dict[str, str] = {}
        self.contacts = QLabel(self._contact_lines(), self)
        self.contacts.setObjectName("safeguarding-contacts")
        self.contacts.setWordWrap(True)
        self.contacts.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.contacts)
        self.button = QPushButton("&I understand: I will act now", self)
        self.button.setObjectName("acknowledge-safeguarding")
        self.button.setAccessibleDescription(
            "Records that you have read this warning and will act on it now. The warning stays on screen."
        )
        self.button.clicked.connect(self.acknowledge)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignLeft)
        self.setTabOrder(self, self.button)
        self.causes: frozenset[str] = frozenset()
        self.acknowledged_causes: frozenset[str] | None = None
        self.acknowledged_note = ""
        self._why = ""
        self.setVisible(False)

    def sizeHint(self) -> QSize:
        # As tall as its words need at the width it has (a box layout would give a wrapped label the
        # height of its narrow ideal shape, leaving the slim bar three lines tall).
        hint = super().sizeHint()
        if self.width() > 0 and self.layout() is not None:
            hint.setHeight(max(self.heightForWidth(self.width()), self.minimumSizeHint().height()))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()

    @property
    def active(self) -> bool:
        """The form records a cause for the banner."""
        return bool(self.causes)

    @property
    def is_acknowledged(self) -> bool:
        return (
            self.active
            and self.acknowledged_causes is not None
            and covers(self.acknowledged_causes, self.causes)
        )

    @property
    def needs_acknowledgement(self) -> bool:
        return self.active and not self.is_acknowledged

    def _contact_lines(self) -> str:
        lines = []
        unset = False
        for contact in self._ruleset.contacts:
            number = self._numbers.get(contact.id)
            if number is None and contact.placeholder:
                number, unset = "not set yet", True
            elif number is None:
                number = contact.phone + (
                    f" (out of hours {contact.out_of_hours})" if contact.out_of_hours else ""
                )
            lines.append(f"{contact.name}: {number}")
        if unset:
            lines.append(
                "Your locality team's coordinator sets the numbers not set yet, on the Team page "
                "(Team \N{BLACK RIGHT-POINTING SMALL TRIANGLE} Locality team). Until then, ask your manager or "
                "safeguarding lead for your children's social care number; if the child is in immediate "
                "danger, call 999 now."
            )
        lines.append(
            "After you phone, confirm the referral in writing on the Multi-Agency Referral Form (MARF)."
        )
        return "\n".join(lines)

    def use_contacts(self, numbers: Mapping[str, str]) -> None:
        """The locality's own numbers, by contact id, as the team's coordinator set them."""
        self._numbers = dict(numbers)
        self._show_state()

    def raise_for(self, result: ThresholdResult, causes: frozenset[str] | None = None) -> None:
        """Shows the banner for these causes (by default: the result's safeguarding flag alone)."""
        if causes is None:
            causes = frozenset({"safeguarding"}) if result.safeguarding else frozenset()
        if not causes:
            self.clear()
            return
        danger = IMMEDIATE_DANGER in causes or any(
            "worker believes the child is in immediate danger" in r for r in result.reasons
        )
        indicators = bool(causes - {IMMEDIATE_DANGER})
        self._why = (
            "The worker believes the child is in immediate danger, and a child-protection indicator has been chosen."
            if danger and indicators
            else "The worker believes the child is in immediate danger."
            if danger
            else "A child-protection indicator (possible significant harm) has been chosen."
        )
        waiting = self.needs_acknowledgement
        self.causes = causes
        self._show_state()
        if self.needs_acknowledgement and not waiting:
            self.shown.emit()
            self.take_focus()

    def restore_acknowledgement(self, causes: frozenset[str], by: str, at: dt.datetime) -> None:
        """An acknowledgement the store kept for this version of the record: the slim bar at once."""
        self.acknowledged_causes = causes
        moment = at.astimezone()
        self.acknowledged_note = f"Acknowledged by {by or 'someone'} on {moment:%d/%m/%Y} at {moment:%H:%M}."
        self._show_state()

    def clear(self) -> None:
        """The danger is no longer recorded: the banner goes, and comes back full if it is raised again."""
        self.causes = frozenset()
        self.acknowledged_causes = None
        self.acknowledged_note = ""
        self.setVisible(False)

    def acknowledge(self) -> None:
        """Acknowledged, the banner stays on screen as a slim bar while the danger is recorded, and
        the keyboard goes on to the form."""
        if not self.needs_acknowledgement:
            return
        had_focus = self.hasFocus() or self.button.hasFocus()
        self.acknowledged_causes = self.causes
        self.acknowledged_note = "Acknowledged."
        self._show_state()
        focused = QApplication.focusWidget()
        if had_focus and (focused is None or focused is self or self.isAncestorOf(focused)):
            self.focusNextChild()
        self.acknowledged.emit()

    def take_focus(self) -> None:
        """Moves the keyboard focus (and a screen reader) to the full banner."""
        if self.needs_acknowledgement and self.isVisible():
            self.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_state(self) -> None:
        if not self.active:
            self.setVisible(False)
            return
        full = self.needs_acknowledgement
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if full else Qt.FocusPolicy.NoFocus)
        self.contacts.setText(_spell_out(self._contact_lines()))
        if full:
            text = (
                f"\N{WARNING SIGN} SAFEGUARDING: {self._why} Contact children's social care now. If the child "
                "is in immediate danger, call the police on 999. Do not delay to finish this form."
            )
        else:
            front_door = self._numbers.get("mash")
            ring = f" ({front_door})" if front_door else ""
            text = (
                f"\N{WARNING SIGN} SAFEGUARDING: {self._why} Contact children's social care now{ring}; "
                f"999 if the child is in immediate danger. {self.acknowledged_note}"
            ).strip()
        self.text.setText(text)
        self.text.setFont(self._full_font if full else self._slim_font)
        self.contacts.setVisible(full)
        self.button.setVisible(full)
        self.setLineWidth(3 if full else 2)
        self.setProperty("slim", not full)
        self.setAccessibleName("Safeguarding: act now" if full else "Safeguarding: acknowledged")
        self.setAccessibleDescription(text + ("\n" + self.contacts.text() if full else ""))
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(True)
