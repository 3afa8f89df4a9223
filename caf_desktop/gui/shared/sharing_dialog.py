"""Before anything leaves the laptop: consent to share, or a decision to share without it.

`ask_to_share` is what a bundle export or a PDF marked for sharing calls. When consent covers every
record it returns at once; otherwise `SharingDecisionDialog` names each record that consent does not
cover and why, and walks the worker through the seven golden rules before they may record a
decision to share without consent. The child's risk of significant harm is offered as a ground only
when every record is on the child-protection pathway (its case has a child-protection indicator or
the child is in immediate danger): a child in need is shared with the family's consent. Either way the caller logs the sharing with
`caf_desktop.practice.sharing.log_shared`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.gui.shared.layout_memory import remember_size
from caf_desktop.practice import sharing
from caf_desktop.practice.sharing import GOLDEN_RULES, ShareWithoutConsent, SharingGap
from caf_desktop.store.store import Store


@dataclass(frozen=True)
class SharingAnswer:
    """What the worker decided: share (with `decision` set when some records go without consent)."""

    share: bool
    gaps: tuple[SharingGap, ...] = ()
    decision: ShareWithoutConsent | None = None


def _heading(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    return label


class SharingDecisionDialog(QDialog):
    """The records consent does not cover, and the seven golden rules as questions to answer.

    `decision()` is the recorded decision once accepted."""

    def __init__(
        self,
        gaps: Sequence[SharingGap],
        recipient: str,
        decided_by: str,
        parent: QWidget | None = None,
        *,
        child_protection: bool = True,
    ) -> None:
        super().__init__(parent)
        self.child_protection = child_protection
        self.setObjectName("sharing-decision")
        self.setWindowTitle("Consent to share does not cover this")
        self.gaps = tuple(gaps)
        self.recipient = recipient
        self.decided_by = decided_by
        remember_size(self, "sharing-decision", (720, 640))
        outer = QVBoxLayout(self)
        never = [gap for gap in self.gaps if not gap.can_share_without_consent]

        intro = QLabel(self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        lines = [f"• {gap.child or 'A record'} ({gap.form_title}): {gap.reason}" for gap in self.gaps]
        intro.setText(
            f"Consent to share does not cover sending {len(self.gaps)} record"
            f"{'s' if len(self.gaps) != 1 else ''} to {recipient}:\n" + "\n".join(lines)
        )
        intro.setObjectName("sharing-gaps")
        outer.addWidget(intro)

        buttons = QDialogButtonBox(self)
        self.cancel_button = buttons.addButton("Don't share", QDialogButtonBox.ButtonRole.RejectRole)
        self.share_button = buttons.addButton("Share without consent", QDialogButtonBox.ButtonRole.AcceptRole)
        self.share_button.setObjectName("share-without-consent")
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        self.cancel_button.setDefault(True)

        if never:
            stop = QLabel(
                "A pre-assessment checklist is a decision aid and is never shared, with or without consent. "
                "Leave it out and try again.",
                self,
            )
            stop.setWordWrap(True)
            stop.setProperty("role", "error")
            outer.addWidget(stop)
            self.share_button.setVisible(False)
            self.problems = QLabel(self)
            outer.addStretch(1)
            outer.addWidget(buttons)
            return

        advice = QLabel(
            "First, seek consent if you safely can: record it in the CAF and try again. Share without "
            "consent only if the law allows it, following the seven golden rules of information sharing. "
            "If a child is in immediate danger, call the police on 999 now: do not stop to fill this in.",
            self,
        )
        advice.setWordWrap(True)
        outer.addWidget(advice)

        outer.addWidget(self._rules_page(), 1)

        self.problems = QLabel(self)
        self.problems.setObjectName("sharing-problems")
        self.problems.setWordWrap(True)
        self.problems.setProperty("role", "error")
        outer.addWidget(self.problems)
        outer.addWidget(buttons)
        self._update()

    def _rules_page(self) -> QScrollArea:
        """The ground, then each golden rule with its question and a place to answer."""
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        page = QWidget(scroll)
        form = QVBoxLayout(page)
        self.answers: dict[str, QPlainTextEdit | QLineEdit] = {}

        form.addWidget(_heading("Ground for sharing without consent", page))
        if not self.child_protection:
            note = QLabel(
                "Not every record here is on the child-protection pathway (no child-protection indicator "
                "is recorded in its case). A child in need (Children Act 1989 s17) is referred and shared "
                "with the family's consent, so the risk of significant harm is not a ground. If you are now "
                "worried the child may be at risk of significant harm, record the child-protection "
                "indicator in the CAF first.",
                page,
            )
            note.setObjectName("sharing-child-in-need")
            note.setWordWrap(True)
            form.addWidget(note)
        self.grounds = QButtonGroup(self)
        for index, (key, title) in enumerate(sharing.grounds_for(self.child_protection)):
            button = QRadioButton(title, page)
            button.setObjectName(f"ground:{key}")
            button.setProperty("ground", key)
            self.grounds.addButton(button, index)
            form.addWidget(button)
        self.grounds.buttonToggled.connect(self._update)

        for number, rule in enumerate(GOLDEN_RULES, start=1):
            form.addWidget(_heading(f"{number}. {rule.title}", page))
            question = QLabel(rule.question, page)
            question.setWordWrap(True)
            form.addWidget(question)
            if rule.key == "record":
                continue
            if rule.key == "proportionate":
                self.proportionate = QCheckBox(
                    "Yes: what is shared is needed, accurate and sent securely", page
                )
                self.proportionate.setObjectName("rule:proportionate")
                self.proportionate.toggled.connect(self._update)
                form.addWidget(self.proportionate)
                continue
            editor: QPlainTextEdit | QLineEdit
            if rule.key in ("public_interest", "open", "framework", "safety"):
                editor = QPlainTextEdit(page)
                editor.setTabChangesFocus(True)
                editor.setFixedHeight(64 if rule.key != "public_interest" else 96)
                editor.textChanged.connect(self._update)
            else:
                editor = QLineEdit(page)
                editor.textChanged.connect(self._update)
            editor.setObjectName(f"rule:{rule.key}")
            editor.setAccessibleName(rule.title)
            editor.setAccessibleDescription(rule.question)
            question.setBuddy(editor)
            self.answers[rule.key] = editor
            form.addWidget(editor)
        form.addStretch(1)
        scroll.setWidget(page)
        return scroll

    def _text(self, key: str) -> str:
        editor = self.answers.get(key)
        if isinstance(editor, QPlainTextEdit):
            return editor.toPlainText().strip()
        return editor.text().strip() if editor is not None else ""

    def decision(self) -> ShareWithoutConsent:
        checked = self.grounds.checkedButton()
        rules = {key: self._text(key) for key in self.answers if key != "public_interest" and self._text(key)}
        if self.proportionate.isChecked():
            rules["proportionate"] = "confirmed"
        return ShareWithoutConsent(
            reason=self._text("public_interest"),
            decided_by=self.decided_by,
            ground=str(checked.property("ground")) if checked is not None else "",
            rules=rules,
        )

    def missing(self) -> list[str]:
        problems = self.decision().problems()
        if not self._text("framework"):
            problems.append("Say the purpose of sharing (rule 1).")
        if not self._text("open"):
            problems.append("Say whether the family was told, and if not why (rule 2).")
        if not self.proportionate.isChecked():
            problems.append("Confirm that sharing is necessary and proportionate (rule 6).")
        return problems

    def _update(self) -> None:
        problems = self.missing()
        self.share_button.setEnabled(not problems)
        self.problems.setText(("To share without consent: " + " ".join(problems)) if problems else "")


def ask_to_share(
    parent: QWidget | None, store: Store, record_ids: Sequence[str], recipient: str, *, decided_by: str
) -> SharingAnswer:
    """Checks consent for each record; asks for a decision when it does not cover them all."""
    gaps = tuple(sharing.check(store, record_ids, recipient))
    if not gaps:
        return SharingAnswer(share=True)
    dialog = SharingDecisionDialog(
        gaps, recipient, decided_by, parent, child_protection=on_child_protection_pathway(store, gaps)
    )
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.missing():
        return SharingAnswer(share=False, gaps=gaps)
    decision = dialog.decision()
    sharing.refuse_unless_shareable(store, gaps, decision)  # the same rules the command line applies
    return SharingAnswer(share=True, gaps=gaps, decision=decision)


def on_child_protection_pathway(store: Store, gaps: Sequence[SharingGap]) -> bool:
    """`caf_desktop.practice.sharing.on_child_protection_pathway`: the dialog offers the ground by it."""
    return sharing.on_child_protection_pathway(store, gaps)
