"""Moving a draft to the newer version of its form, from the record, with a preview of what changes.

A worker who opens a draft made with an older version is told a newer one is available (the notice
above the form) and Record > Move to the newer version of the form shows, before anything moves,
what the new version changes in the questions and which of this draft's answers move or change. The
move is a new revision: History (Ctrl+H) restores the one before it, which undoes the move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from caf_desktop.formengine import changes, migration, schematree, validation
from caf_desktop.formengine.definitions import Catalogue, FormDefinition, version_key
from caf_desktop.gui.shared.layout_memory import remember_size
from caf_desktop.store.store import RecordInfo


@dataclass(frozen=True)
class Move:
    """What moving one draft to a newer version would do, worked out before anything moves."""

    record: RecordInfo
    current: FormDefinition
    target: FormDefinition
    document: dict[str, Any]
    answers: list[migration.AnswerChange]
    questions: list[changes.DefinitionChange]
    problem: str | None  # why it cannot move (the moved answers would not pass the new version)


def newer_version(catalogue: Catalogue, record: RecordInfo) -> FormDefinition | None:
    """The newest installed version of the record's form, when the record is a draft made with an older one."""
    if record.status != "draft":
        return None
    versions = [d for d in catalogue.all() if d.id == record.form_id]
    newest = max(versions, key=lambda d: version_key(d.version), default=None)
    if newest is None or version_key(newest.version) <= version_key(record.form_version):
        return None
    return newest


def plan_move(catalogue: Catalogue, record: RecordInfo, target: FormDefinition) -> Move:
    current = catalogue.get(record.form_id, record.form_version)
    steps = migration.chain(catalogue, record.form_id, record.form_version, target.version)
    questions = changes.compare(current, target)
    try:
        document, answers = migration.apply_chain(steps, record.document)
    except migration.MigrationError as error:  # a step that would lose an answer: shown, never run
        return Move(record, current, target, dict(record.document), [], questions, str(error))
    found = validation.findings(target, document)
    problem = (
        f"After the move, {found[0].message[0].lower()}{found[0].message[1:]} ({found[0].path}). "
        "The new version needs a migration step for it: ask the form designer. Nothing was moved."
        if found
        else None
    )
    return Move(record, current, target, document, answers, questions, problem)


def describe_move(move: Move) -> str:
    """The preview, in words: the answers that change (by their titles, choices by their labels),
    then what the new version changes in the questions."""
    before, after = validation.FieldNamer(move.current), validation.FieldNamer(move.target)

    def named(namer: validation.FieldNamer, path: str) -> str:
        return f"{namer.context(path)}{namer.title(path)}"

    def shown(definition: FormDefinition, path: str, value: Any) -> str:
        options = schematree.choice_options(schematree.at(definition.schema, path)) or []
        return next((label for code, label in options if code == value), str(value))

    lines: list[str] = []
    if move.answers:
        lines.append(f"Moving this draft changes {len(move.answers)} of its answers:")
        for answer in move.answers:
            if answer.to is not None:
                lines.append(f"  • {named(before, answer.path)} moves to {named(after, answer.to)}")
            elif answer.after is None:
                lines.append(
                    f"  • {named(before, answer.path)}: “{shown(move.current, answer.path, answer.before)}” is removed"
                )
            else:
                lines.append(
                    f"  • {named(before, answer.path)}: “{shown(move.current, answer.path, answer.before)}” "
                    f"becomes “{shown(move.target, answer.path, answer.after)}”"
                )
    else:
        lines.append("Moving this draft changes none of its answers.")
    lines.append("")
    lines.append(f"What version {move.target.version} changes in the form:")
    lines.extend(f"  • {c.grade}: {c.text}" for c in move.questions)
    if not move.questions:
        lines.append("  • nothing in the questions (only the layout or the print).")
    return "\n".join(lines)


class NewerVersionDialog(QDialog):
    """The preview of a move, with Move and Not now. Accepted means: move it."""

    def __init__(self, move: Move, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newer-version-dialog")
        self.setWindowTitle(f"{move.target.title}: version {move.target.version} is available")
        layout = QVBoxLayout(self)
        intro = QLabel(
            f"This draft was made with version {move.current.version} of {move.current.title}. "
            f"Version {move.target.version} is available. Nothing moves until you choose Move; "
            "afterwards, History (Ctrl+H) can restore the draft as it was.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.preview = QPlainTextEdit(describe_move(move), self)
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("What moving this draft changes")
        layout.addWidget(self.preview, 1)
        self.problem = QLabel(move.problem or "", self)
        self.problem.setWordWrap(True)
        self.problem.setVisible(move.problem is not None)
        self.problem.setAccessibleName("Why this draft cannot move")
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(self)
        self.move_button = buttons.addButton(
            f"&Move to version {move.target.version}", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.move_button.setEnabled(move.problem is None)
        self.move_button.setAutoDefault(False)
        not_now = buttons.addButton("&Not now", QDialogButtonBox.ButtonRole.RejectRole)
        not_now.setDefault(True)  # Enter never moves a record by accident
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        remember_size(self, "newer-version", (720, 480))
