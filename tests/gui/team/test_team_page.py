"""The Team page: a coordinator creates the team; a worker joins, enrols and installs the certificate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.gui.team import team_page
from caf_desktop.gui.team.team_page import ContactsDialog, TeamDialog
from caf_desktop.store.store import Profile, Store
from caf_desktop.trust import team
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QInputDialog, QMessageBox

from tests.gui.modal import ModalDialogs

PASSPHRASE = "correct horse battery staple"


@pytest.fixture
def homes(tmp_path: Path) -> Iterator[dict[str, Any]]:
    stores = {
        "coordinator": Store.create(
            tmp_path / "coordinator",
            PASSPHRASE,
            Profile("Cora Ordinator", "coordinator", "Northtown"),
            kdf_cost=2**12,
        ),
        "worker": Store.create(
            tmp_path / "worker",
            PASSPHRASE,
            Profile("Wren Worker", "worker", "Brightwell Primary"),
            kdf_cost=2**12,
        ),
    }
    files = tmp_path / "files"
    files.mkdir()
    yield {"files": files, **stores}
    for store in stores.values():
        store.close()


class Answers:
    """Answers the Team page's questions as a person would, and keeps what it was told."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.save_to: Path | None = None
        self.open_from: Path | None = None
        self.confirm = True
        self.told: list[tuple[str, str]] = []
        self.asked: list[str] = []
        monkeypatch.setattr(team_page, "ask_passphrase", lambda parent, purpose: PASSPHRASE)
        monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(self.save_to), ""))
        monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(self.open_from), ""))
        monkeypatch.setattr(QMessageBox, "question", self._question)
        monkeypatch.setattr(
            QMessageBox, "information", lambda p, title, text, *a: self.told.append(("info", text))
        )
        monkeypatch.setattr(
            QMessageBox, "warning", lambda p, title, text, *a: self.told.append(("warning", text))
        )

    def _question(self, parent: Any, title: str, text: str, *args: Any) -> QMessageBox.StandardButton:
        self.asked.append(text)
        return QMessageBox.StandardButton.Yes if self.confirm else QMessageBox.StandardButton.No

    @property
    def last(self) -> tuple[str, str]:
        return self.told[-1]


def page(store: Store, qtbot: Any) -> TeamDialog:
    assert store.home is not None
    dialog = TeamDialog(store, store.home)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_a_worker_enrols_with_the_coordinators_team_through_the_team_page(
    homes: dict[str, Any], qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = Answers(monkeypatch)
    files: Path = homes["files"]
    coordinator = page(homes["coordinator"], qtbot)
    worker = page(homes["worker"], qtbot)
    assert "not part of a locality team yet" in worker.status.text()
    assert not worker.request_button.isEnabled()

    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Northtown Locality Team", True))
    coordinator.create_button.click()
    assert answers.last[0] == "info", answers.last
    assert "Created Northtown Locality Team" in answers.last[1]
    assert coordinator.export_button.isEnabled()
    assert not coordinator.create_button.isEnabled()

    answers.save_to = files / "TEAM.json"
    coordinator.export_button.click()
    assert (files / "TEAM.json").exists()

    answers.open_from = files / "TEAM.json"
    worker.join_button.click()
    fingerprint = team.read_team_file(files / "TEAM.json").readable_fingerprint
    assert fingerprint in answers.asked[-1]  # shown to read aloud before joining
    assert "Team: Northtown Locality Team" in worker.status.text()
    assert "Self-signed" in worker.status.text()

    answers.save_to = files / "REQUEST.json"
    worker.request_button.click()
    assert (files / "REQUEST.json").exists()

    answers.open_from = files / "REQUEST.json"
    answers.save_to = files / "CERT.json"
    coordinator.issue_button.click()
    assert "Wren Worker" in answers.asked[-1]
    assert coordinator.members.count() == 2  # the coordinator's own and the worker's
    assert any(
        "Wren Worker" in coordinator.members.item(i).text() for i in range(coordinator.members.count())
    )

    answers.open_from = files / "CERT.json"
    worker.install_button.click()
    assert answers.last[0] == "info", answers.last
    assert "Your certificate from Northtown Locality Team is installed" in answers.last[1]
    assert team.certificate_status(
        homes["worker"].home, team.load_joined_team(homes["worker"].home)
    ).chains_to_team
    actions = [e.action for e in homes["worker"].audit_events()]
    assert {"team joined", "enrolment requested", "certificate installed"} <= set(actions)


def test_a_team_file_whose_fingerprint_is_not_confirmed_is_not_joined(
    homes: dict[str, Any], qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = Answers(monkeypatch)
    team.create_team(homes["coordinator"].home, PASSPHRASE, "Northtown Locality Team")
    exported = team.export_team(homes["coordinator"].home, PASSPHRASE)
    team.write_document(homes["files"] / "TEAM.json", exported.document)
    worker = page(homes["worker"], qtbot)
    answers.open_from = homes["files"] / "TEAM.json"
    answers.confirm = False
    worker.join_button.click()
    assert team.load_joined_team(homes["worker"].home) is None
    assert "not part of a locality team yet" in worker.status.text()


def test_a_forged_team_file_is_refused_in_plain_words(
    homes: dict[str, Any], qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = Answers(monkeypatch)
    team.create_team(homes["coordinator"].home, PASSPHRASE, "Northtown Locality Team")
    exported = team.export_team(homes["coordinator"].home, PASSPHRASE)
    forged = dict(exported.document)
    forged["name"] = "Southtown Locality Team"
    team.write_document(homes["files"] / "FORGED.json", forged)
    worker = page(homes["worker"], qtbot)
    answers.open_from = homes["files"] / "FORGED.json"
    worker.join_button.click()
    kind, text = answers.last
    assert kind == "warning"
    assert "Traceback" not in text
    assert answers.asked == []  # never offered to join
    assert team.load_joined_team(homes["worker"].home) is None


def test_the_coordinator_sets_the_locality_contacts(
    homes: dict[str, Any], qtbot: Any, monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs
) -> None:
    answers = Answers(monkeypatch)
    home = homes["coordinator"].home
    team.create_team(home, PASSPHRASE, "Northtown Locality Team")
    coordinator = page(homes["coordinator"], qtbot)

    def fill(dialog: ContactsDialog) -> None:
        qtbot.keyClicks(dialog.numbers["mash"], "01632 960 001")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()

    dialogs.expect(ContactsDialog, fill)
    coordinator.contacts_button.click()
    assert answers.last[0] == "info", answers.last
    current = team.load_joined_team(home)
    assert current is not None
    contact = current.contact("mash")
    assert contact is not None
    assert contact.phone == "01632 960 001"
    assert not contact.placeholder
    assert "01632 960 001" in coordinator.status.text()


def test_cancelling_the_locality_contacts_changes_nothing(
    homes: dict[str, Any], qtbot: Any, monkeypatch: pytest.MonkeyPatch, dialogs: ModalDialogs
) -> None:
    answers = Answers(monkeypatch)
    home = homes["coordinator"].home
    made = team.create_team(home, PASSPHRASE, "Northtown Locality Team")
    coordinator = page(homes["coordinator"], qtbot)

    def type_then_cancel(dialog: ContactsDialog) -> None:
        qtbot.keyClicks(dialog.numbers["mash"], "01632 960 999")
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel).click()

    dialogs.expect(ContactsDialog, type_then_cancel)
    coordinator.contacts_button.click()
    assert answers.told == []  # nothing was set, so nothing to say
    current = team.load_joined_team(home)
    assert current is not None
    assert current.serial == made.serial
    assert "01632 960 999" not in coordinator.status.text()


def test_a_worker_not_yet_in_a_team_is_not_offered_to_create_one(homes: dict[str, Any], qtbot: Any) -> None:
    """Creating the team is the coordinator's step: a worker's page offers Join a team and no more."""
    worker = page(homes["worker"], qtbot)
    coordinator = page(homes["coordinator"], qtbot)

    assert worker.join_button.isVisible()
    assert not worker.create_button.isVisible()
    assert not worker.coordinator_box.isVisible()
    assert "Join the team with the team file your coordinator sends you" in worker.status.text()
    assert worker.worker_box.height() < worker.height() // 2  # the buttons do not stretch into the gap
    assert coordinator.create_button.isVisible()
    assert coordinator.create_button.isEnabled()
