"""The Team page: joining the locality team, enrolling, and (for a coordinator) running it.

A worker joins with the team file the coordinator sends, after checking its fingerprint with them on
the telephone; sends an enrolment request; installs the certificate that comes back. A coordinator
creates the team, exports its file, issues certificates from requests, revokes them, sets the locality
contacts and keeps a recovery copy of the key that opens bundles. Each step is the same core call the
command line makes, and is audited the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from caf_desktop.common.errors import CafError
from caf_desktop.gui.shared.layout_memory import remember_size
from caf_desktop.gui.shared.passphrase import ask_passphrase
from caf_desktop.trust import team

if TYPE_CHECKING:
    from caf_desktop.store.store import Store

JSON_FILES = "Team files (*.json)"


class ContactsDialog(QDialog):
    """The locality contact numbers a coordinator sets (shown on every safeguarding banner)."""

    def __init__(self, current: team.TeamFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Locality contacts")
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("These numbers appear on the safeguarding banner of every worker's laptop.", self)
        )
        form = QFormLayout()
        self.numbers: dict[str, QLineEdit] = {}
        for contact_id, title in team.SETTABLE_CONTACTS.items():
            existing = current.contact(contact_id)
            edit = QLineEdit(self)
            edit.setObjectName(f"contact:{contact_id}")
            if existing is not None and not existing.placeholder:
                edit.setText(existing.phone)
            edit.setPlaceholderText("not set yet")
            edit.setAccessibleName(title)
            form.addRow(title[:1].upper() + title[1:], edit)
            self.numbers[contact_id] = edit
        layout.addLayout(form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def chosen(self) -> dict[str, str]:
        return {key: edit.text().strip() for key, edit in self.numbers.items() if edit.text().strip()}


class TeamDialog(QDialog):
    """Where this laptop stands with its team, and the steps to take next.

    Signals: teamChanged() after any step that changed the team or the certificate."""

    teamChanged = Signal()

    def __init__(self, store: Store, home: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("team-page")
        self.setWindowTitle("Locality team")
        self.store = store
        self.home = home
        remember_size(self, "team-page", (760, 560))
        layout = QVBoxLayout(self)
        self.status = QLabel(self)
        self.status.setObjectName("team-status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.status)

        worker = QGroupBox("On this laptop", self)
        grid = QGridLayout(worker)
        self.join_button = self._button("Join a team…", self.join, grid, 0, 0)
        self.request_button = self._button("Make an enrolment request…", self.request, grid, 0, 1)
        self.install_button = self._button("Install my certificate…", self.install, grid, 1, 0)
        self.update_button = self._button("Take a newer team file…", self.update_team_file, grid, 1, 1)
        self.worker_box = worker
        layout.addWidget(worker)

        coordinator = QGroupBox("Coordinator", self)
        grid = QGridLayout(coordinator)
        self.create_button = self._button("Create the team…", self.create, grid, 0, 0)
        self.export_button = self._button("Export the team file…", self.export, grid, 0, 1)
        self.issue_button = self._button("Issue a certificate…", self.issue, grid, 1, 0)
        self.revoke_button = self._button("Revoke the selected certificate", self.revoke, grid, 1, 1)
        self.contacts_button = self._button("Locality contacts…", self.contacts, grid, 2, 0)
        self.backup_button = self._button("Back up the bundle key…", self.backup_key, grid, 2, 1)
        self.members = QListWidget(coordinator)
        self.members.setObjectName("team-members")
        self.members.setAccessibleName("Certificates issued")
        grid.addWidget(QLabel("Certificates issued:", coordinator), 3, 0, 1, 2)
        grid.addWidget(self.members, 4, 0, 1, 2)
        self.coordinator_box = coordinator
        layout.addWidget(coordinator, 1)
        # Takes the room the coordinator's box leaves on a worker's page, so nothing else stretches.
        self.filler = QWidget(self)
        layout.addWidget(self.filler, 1)

        row = QHBoxLayout()
        row.addStretch(1)
        close = QPushButton("Close", self)
        close.clicked.connect(self.accept)
        row.addWidget(close)
        layout.addLayout(row)
        self.refresh()

    def _button(self, text: str, slot: Any, grid: QGridLayout, row: int, column: int) -> QPushButton:
        button = QPushButton(text, self)
        button.clicked.connect(slot)
        grid.addWidget(button, row, column)
        return button

    # --- what is shown --------------------------------------------------------------------------------

    def refresh(self) -> None:
        joined = team.load_joined_team(self.home)
        coordinator = team.is_coordinator(self.home)
        lines: list[str] = []
        profile = self.store.profile()
        may_create = profile is not None and profile.role == "coordinator"
        if joined is None and not may_create:
            lines.append(
                "This laptop is not part of a locality team yet. Join the team with the team file your "
                "coordinator sends you (Join a team…), and check its fingerprint with them on the telephone."
            )
        elif joined is None:
            lines.append(
                "This laptop is not part of a locality team yet. A worker joins with the team file the "
                "coordinator sends; the coordinator creates the team."
            )
        else:
            status = team.certificate_status(self.home, joined)
            lines += [
                f"Team: {joined.name} (team file number {joined.serial}).",
                f"Fingerprint of the team: {joined.readable_fingerprint}",
                f"Your certificate: {status.describe()}",
                "Locality contacts:",
                *(f"  • {c.name}: {'not set yet' if c.placeholder else c.phone}" for c in joined.contacts),
            ]
        self.status.setText("\n".join(lines))
        self.join_button.setEnabled(joined is None)
        for button in (self.request_button, self.install_button, self.update_button):
            button.setEnabled(joined is not None and not coordinator)
        self.create_button.setEnabled(joined is None and not coordinator)
        for button in (
            self.export_button,
            self.issue_button,
            self.revoke_button,
            self.contacts_button,
            self.backup_button,
        ):
            button.setEnabled(coordinator)
        self.members.clear()
        state = team.load_state(self.home) if coordinator else None
        revoked = {r.fingerprint for r in state.revoked} if state else set()
        for member in state.members if state else []:
            flag = " — revoked" if member.fingerprint in revoked else ""
            text = f"{member.name}, {member.organisation or 'no organisation'} (until {member.not_after[:10]}){flag}"
            self.members.addItem(text)
            self.members.item(self.members.count() - 1).setData(Qt.ItemDataRole.UserRole, member.fingerprint)
        # Before a team exists only a coordinator may create one: a worker is not shown the button.
        self.coordinator_box.setVisible(coordinator or (joined is None and may_create))
        self.filler.setVisible(self.coordinator_box.isHidden())
        self.worker_box.setVisible(not coordinator)

    # --- helpers ----------------------------------------------------------------------------------------

    def _passphrase(self, purpose: str) -> str | None:
        return ask_passphrase(self, purpose)

    def _failed(self, title: str, problem: CafError) -> None:
        QMessageBox.warning(self, title, str(problem))

    def _done(self, title: str, text: str) -> None:
        QMessageBox.information(self, title, text)
        self.refresh()
        self.teamChanged.emit()

    def _save_path(self, title: str, suggested: str) -> Path | None:
        chosen, _ = QFileDialog.getSaveFileName(self, title, suggested, JSON_FILES)
        return Path(chosen) if chosen else None

    def _open_path(self, title: str) -> Path | None:
        chosen, _ = QFileDialog.getOpenFileName(self, title, "", JSON_FILES)
        return Path(chosen) if chosen else None

    # --- worker -----------------------------------------------------------------------------------------

    def join(self) -> None:
        path = self._open_path("Join a team: the team file from your coordinator")
        if path is None:
            return
        try:
            candidate = team.read_team_file(path)
            team.check_joinable(self.home, candidate)
        except CafError as problem:
            self._failed("Not joined", problem)
            return
        answer = QMessageBox.question(
            self,
            "Check the fingerprint",
            f"Team: {candidate.name}\n\nFingerprint:\n{candidate.readable_fingerprint}\n\n"
            "Read it to your coordinator on the telephone. Join only if every group is the same.\n\n"
            "Is it the same fingerprint?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            joined = team.join_team(self.home, candidate)
        except CafError as problem:
            self._failed("Not joined", problem)
            return
        self.store.audit(
            "team joined",
            None,
            {"team_id": joined.team_id, "ca": joined.fingerprint, "serial": joined.serial},
        )
        self._done("Joined", f"This laptop now trusts {joined.name}. Next: make an enrolment request.")

    def request(self) -> None:
        out = self._save_path("Save the enrolment request", "enrolment-request.json")
        if out is None:
            return
        passphrase = self._passphrase("make an enrolment request")
        if passphrase is None:
            return
        try:
            made = team.make_request(self.home, passphrase)
            team.write_document(out, made.document, replace=True)
        except CafError as problem:
            self._failed("No request made", problem)
            return
        self.store.audit("enrolment requested", None, {"team_id": made.team_id, "key": made.key_fingerprint})
        self._done(
            "Enrolment request saved",
            f"Saved to {out}. Send it to your coordinator.\n\nYour key fingerprint:\n{made.readable_key_fingerprint}\n\n"
            "The coordinator will read it back to you when they issue your certificate.",
        )

    def install(self) -> None:
        path = self._open_path("Install the certificate from your coordinator")
        if path is None:
            return
        passphrase = self._passphrase("install your certificate")
        if passphrase is None:
            return
        try:
            installed = team.install_issued(self.home, passphrase, team.read_issued(path))
        except CafError as problem:
            self._failed("Not installed", problem)
            return
        self.store.audit(
            "certificate installed",
            None,
            {"certificate": installed.identity.fingerprint, "ca": installed.team.fingerprint},
        )
        until = installed.identity.certificate.not_valid_after_utc
        self._done(
            "Certificate installed",
            f"Your certificate from {installed.team.name} is installed, valid until {until:%d/%m/%Y}. "
            "Your signatures and bundles are now trusted by the team.",
        )

    def update_team_file(self) -> None:
        path = self._open_path("Take a newer team file")
        if path is None:
            return
        try:
            candidate = team.read_team_file(path)
            changed = team.update_team(self.home, candidate)
        except CafError as problem:
            self._failed("Team file not taken", problem)
            return
        if changed:
            self.store.audit(
                "team file updated", None, {"team_id": candidate.team_id, "serial": candidate.serial}
            )
        self._done(
            "Team file",
            f"Took team file number {candidate.serial}."
            if changed
            else "This laptop already has that team file.",
        )

    # --- coordinator ----------------------------------------------------------------------------------

    def create(self) -> None:
        name, accepted = QInputDialog.getText(
            self, "Create the team", "The team's name (e.g. Northtown Locality Team):"
        )
        if not accepted or not name.strip():
            return
        passphrase = self._passphrase("create the team")
        if passphrase is None:
            return
        try:
            made = team.create_team(self.home, passphrase, name.strip())
        except CafError as problem:
            self._failed("No team created", problem)
            return
        self.store.audit(
            "team created", None, {"team_id": made.team_id, "ca": made.fingerprint, "serial": made.serial}
        )
        self._done(
            "Team created",
            f"Created {made.name}. Its fingerprint:\n{made.readable_fingerprint}\n\n"
            "Next: set the locality contacts, export the team file and give it to each worker.",
        )

    def export(self) -> None:
        out = self._save_path("Export the team file", "team.json")
        if out is None:
            return
        passphrase = self._passphrase("sign the team file")
        if passphrase is None:
            return
        try:
            exported = team.export_team(self.home, passphrase)
            team.write_document(out, exported.document, replace=True)
        except CafError as problem:
            self._failed("Not exported", problem)
            return
        self.store.audit("team file exported", None, {"team_id": exported.team_id, "serial": exported.serial})
        self._done("Team file exported", f"Wrote team file number {exported.serial} to {out}.")

    def issue(self) -> None:
        path = self._open_path("Issue a certificate: the worker's enrolment request")
        if path is None:
            return
        try:
            request = team.read_request(path)
        except CafError as problem:
            self._failed("Cannot read the request", problem)
            return
        answer = QMessageBox.question(
            self,
            "Check the key fingerprint",
            f"{request.name}, {request.organisation or 'no organisation'} ({request.role or 'no role'})\n\n"
            f"Key fingerprint:\n{request.readable_key_fingerprint}\n\n"
            "Read it to them on the telephone. Issue only if every group is the same.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        out = self._save_path("Save the certificate for the worker", "certificate.json")
        if out is None:
            return
        passphrase = self._passphrase("issue the certificate")
        if passphrase is None:
            return
        try:
            issued = team.issue_certificate(self.home, passphrase, request)
            team.write_document(out, issued.document, replace=True)
        except CafError as problem:
            self._failed("Not issued", problem)
            return
        from caf_desktop.trust.identity import fingerprint  # noqa: PLC0415

        self.store.audit(
            "certificate issued",
            None,
            {
                "team_id": issued.team_id,
                "certificate": fingerprint(issued.certificate),
                "key": request.key_fingerprint,
            },
        )
        self._done("Certificate issued", f"Saved {request.name}'s certificate to {out}. Send it to them.")

    def revoke(self) -> None:
        item = self.members.currentItem()
        if item is None:
            QMessageBox.information(self, "Revoke", "Choose a certificate in the list first.")
            return
        chosen = str(item.data(Qt.ItemDataRole.UserRole))
        answer = QMessageBox.question(
            self,
            "Revoke",
            f"Revoke {item.text()}? The team will no longer accept their bundles or signatures once each "
            "laptop has the new team file.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        passphrase = self._passphrase("revoke the certificate")
        if passphrase is None:
            return
        try:
            revoked, current = team.revoke(self.home, passphrase, chosen)
        except CafError as problem:
            self._failed("Not revoked", problem)
            return
        if revoked:
            self.store.audit(
                "certificate revoked",
                None,
                {
                    "team_id": current.team_id,
                    "serial": current.serial,
                    "certificates": [r.fingerprint for r in revoked],
                },
            )
        self._done(
            "Revoked", f"Revoked. Export team file number {current.serial} and send it to every worker now."
        )

    def contacts(self) -> None:
        joined = team.load_joined_team(self.home)
        if joined is None:
            return
        dialog = ContactsDialog(joined, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.chosen():
            return
        passphrase = self._passphrase("sign the new contacts")
        if passphrase is None:
            return
        try:
            current = team.set_contacts(self.home, passphrase, dialog.chosen())
        except CafError as problem:
            self._failed("Contacts not set", problem)
            return
        self.store.audit(
            "team contacts set",
            None,
            {"team_id": current.team_id, "serial": current.serial, "contacts": sorted(dialog.chosen())},
        )
        self._done(
            "Contacts set", f"Set. Export team file number {current.serial} and send it to the workers."
        )

    def backup_key(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Back up the bundle key", "caf-bundle-key.txt", "Key files (*.txt)"
        )
        if not chosen:
            return
        passphrase = self._passphrase("back up the bundle key")
        if passphrase is None:
            return
        try:
            team.backup_coordinator_key(self.home, passphrase, Path(chosen))
        except CafError as problem:
            self._failed("Not backed up", problem)
            return
        self.store.audit("coordinator key backed up", None, {})
        self._done(
            "Bundle key backed up",
            f"Wrote the key to {chosen}. It opens every bundle sent to you, with no passphrase: keep it offline "
            "(a USB stick in a locked drawer), never e-mail it, and delete copies you do not need.",
        )
