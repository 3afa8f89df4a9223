"""First run (who you are, and a passphrase) and unlocking the store.

Neither dialog keeps the passphrase after it has been used; both say what is wrong in a sentence.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.common.errors import CafError
from caf_desktop.store.store import KEY_FILE, Profile, Store
from caf_desktop.trust import keyfile

# Wide enough that a sentence wraps onto two or three lines, not one word a line.
WELCOME_WIDTH = 560
UNLOCK_WIDTH = 440


def grow_to_fit(dialog: QDialog) -> None:
    """Makes a shown dialog tall enough for its word-wrapped sentences at its width now.

    Qt sizes a dialog once, when it is shown; a sentence that appears or grows later (a problem, the
    strength hint) would be cut off at the bottom instead of making room for itself.
    """
    layout = dialog.layout()
    if layout is None or not dialog.isVisible():
        return  # showing it sizes it for the sentences it has then
    layout.activate()
    needed = (
        layout.totalHeightForWidth(dialog.width())
        if layout.hasHeightForWidth()
        else layout.totalSizeHint().height()
    )
    dialog.setMinimumHeight(needed)
    if dialog.height() < needed:
        dialog.resize(dialog.width(), needed)


def _password_line(parent: QWidget, name: str) -> QLineEdit:
    line = QLineEdit(parent)
    line.setEchoMode(QLineEdit.EchoMode.Password)
    line.setAccessibleName(name)
    line.setObjectName(name.lower().replace(" ", "-"))
    return line


class WelcomeDialog(QDialog):
    """The first run: the user's name, role and organisation, and a passphrase; then the store is made."""

    def __init__(
        self, home: Path, parent: QWidget | None = None, *, kdf_cost: int = keyfile.DEFAULT_COST
    ) -> None:
        super().__init__(parent)
        self.home = home
        self.kdf_cost = kdf_cost
        self.store: Store | None = None
        self.setWindowTitle("Welcome to CAF Desktop")
        self.setMinimumWidth(WELCOME_WIDTH)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "CAF Desktop keeps the records of the children you work with on this computer, encrypted. "
            "Tell it who you are and choose a passphrase: you will need the passphrase every time you open "
            "the app, and nobody can read the records without it. If it is forgotten, the records cannot be recovered.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.name = QLineEdit(self)
        self.name.setObjectName("name")
        self.name.setAccessibleName("Your name")
        self.role = QComboBox(self)
        self.role.setAccessibleName("Your role")
        self.role.addItem("Practitioner (locality worker or lead professional)", "worker")
        self.role.addItem("Coordinator (locality CAF team)", "coordinator")
        self.organisation = QLineEdit(self)
        self.organisation.setObjectName("organisation")
        self.organisation.setAccessibleName("Your organisation")
        self.passphrase = _password_line(self, "Passphrase")
        self.confirmation = _password_line(self, "Passphrase again")
        self.strength = QLabel(self)
        self.strength.setObjectName("strength")
        self.strength.setWordWrap(True)
        self.strength.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.addRow("Your &name", self.name)
        form.addRow("Your &role", self.role)
        form.addRow("Your &organisation", self.organisation)
        form.addRow("&Passphrase", self.passphrase)
        form.addRow("", self.strength)
        form.addRow("Passphrase &again", self.confirmation)
        layout.addLayout(form)
        self.problem = QLabel(self)
        self.problem.setObjectName("problem")
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create my encrypted store")
        buttons.accepted.connect(self.create)
        buttons.rejected.connect(self.reject)
        layout.addStretch(1)  # a tall window keeps the sentences and boxes together at the top
        layout.addWidget(buttons)
        # A problem is about some of the boxes; typing in one of them again puts the problem away, so
        # "Too short" never stays on the screen beside a passphrase that is long enough.
        self._problem_about: tuple[QLineEdit, ...] = ()
        for line in (self.name, self.passphrase, self.confirmation):
            line.textEdited.connect(lambda _text, line=line: self._edited(line))
        self.passphrase.textEdited.connect(self._rate)
        self._rate("")

    def _rate(self, text: str) -> None:
        _, hint = keyfile.passphrase_strength(text)
        self.strength.setText(
            f"Strength: {hint}"
            if text
            else "Use at least 10 characters: three or four unrelated words work well."
        )
        self.passphrase.setAccessibleDescription(self.strength.text())  # heard as it is typed
        grow_to_fit(self)

    def _edited(self, line: QLineEdit) -> None:
        if line in self._problem_about:
            self._say("")

    def _say(self, problem: str, *about: QLineEdit) -> None:
        self.problem.setText(problem)
        self._problem_about = about
        grow_to_fit(self)

    def create(self) -> None:
        name, organisation = self.name.text().strip(), self.organisation.text().strip()
        phrase, again = self.passphrase.text(), self.confirmation.text()
        score, hint = keyfile.passphrase_strength(phrase)
        if not name:
            self._say("Enter your name: it is recorded with everything you do.", self.name)
        elif score == 0:
            self._say(hint, self.passphrase)
        elif phrase != again:
            self._say(
                "The two passphrases are not the same. Type them again.", self.passphrase, self.confirmation
            )
        else:
            try:
                self.store = Store.create(
                    self.home,
                    phrase,
                    Profile(name, str(self.role.currentData()), organisation),
                    kdf_cost=self.kdf_cost,
                )
            except CafError as error:
                self._say(str(error))
                return
            self.passphrase.clear()
            self.confirmation.clear()
            self.accept()


class UnlockDialog(QDialog):
    """Asks for the passphrase; says plainly when it is wrong, and how long to wait after many tries."""

    def __init__(self, home: Path, parent: QWidget | None = None, *, reason: str = "") -> None:
        super().__init__(parent)
        self.home = home
        self.store: Store | None = None
        self.setWindowTitle("Unlock CAF Desktop")
        self.setMinimumWidth(UNLOCK_WIDTH)
        layout = QVBoxLayout(self)
        text = reason or "Enter your passphrase to open your records."
        message = QLabel(text, self)
        message.setWordWrap(True)
        layout.addWidget(message)
        self.passphrase = _password_line(self, "Passphrase")
        layout.addWidget(self.passphrase)
        self.problem = QLabel(self)
        self.problem.setObjectName("problem")
        self.problem.setProperty("role", "error")
        self.problem.setWordWrap(True)
        layout.addWidget(self.problem)
        self.wait_notice = QLabel(self)
        self.wait_notice.setObjectName("wait")
        self.wait_notice.setWordWrap(True)
        layout.addWidget(self.wait_notice)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Unlock")
        self.buttons.accepted.connect(self.unlock)
        self.buttons.rejected.connect(self.reject)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._countdown = QTimer(self)
        self._countdown.setInterval(1000)
        self._countdown.timeout.connect(self._tick)
        self._tick()

    def _tick(self) -> None:
        wait = keyfile.wait_before_next_try(self.home / KEY_FILE)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(wait <= 0)
        if wait > 0:
            seconds = max(1, round(wait))
            self.wait_notice.setText(
                f"After several wrong passphrases, the next try waits: {seconds} second{'s' if seconds != 1 else ''}."
            )
            self._countdown.start()
        else:
            self._countdown.stop()
            self.wait_notice.setText("")
        grow_to_fit(self)

    def unlock(self) -> None:
        try:
            self.store = self.open_store(self.passphrase.text())
        except CafError as error:
            self.problem.setText(str(error))
            grow_to_fit(self)
            self.passphrase.selectAll()
            self._tick()
            return
        self.passphrase.clear()
        self.accept()

    def open_store(self, passphrase: str) -> Store:
        return Store.open(self.home, passphrase)
