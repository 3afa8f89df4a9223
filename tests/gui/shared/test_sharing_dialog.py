"""Sharing is blocked without consent, unless the worker records a decision under the seven golden rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.gui.shared.sharing_dialog import SharingDecisionDialog, ask_to_share
from caf_desktop.store.store import Profile, Store
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QRadioButton

from tests.conftest import EXAMPLES
from tests.gui.modal import ModalDialogs

TEAM = "Northtown Locality Team"


def caf(given: str, share: dict[str, Any]) -> dict[str, Any]:
    document = json.loads((EXAMPLES / "caf-assessment" / "full.json").read_text(encoding="utf-8"))
    document["child"]["given_names"] = given
    document["consent"]["share"] = share
    return document


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.create(
        tmp_path / "home", "correct horse battery staple", Profile("Ada Worker", "worker", ""), kdf_cost=2**12
    )
    yield opened
    opened.close()


def add(store: Store, document: dict[str, Any], form_id: str = "caf-assessment") -> str:
    return store.add_record(shipped_catalogue().get(form_id), document).id


def test_records_covered_by_consent_are_shared_without_asking(store: Store, qtbot: Any) -> None:
    covered = add(store, caf("Ada", {"given": True, "scope": "all_listed"}))
    answer = ask_to_share(None, store, [covered], TEAM, decided_by="Ada Worker")  # no dialog opens
    assert answer.share
    assert answer.decision is None


def test_sharing_without_consent_is_refused_when_the_worker_does_not_decide(
    store: Store, qtbot: Any, dialogs: ModalDialogs
) -> None:
    refused = add(store, caf("Kai", {"given": False}))
    shown: list[SharingDecisionDialog] = []

    def answer_no(dialog: SharingDecisionDialog) -> None:
        shown.append(dialog)
        qtbot.addWidget(dialog)  # it has no parent: deleted at the end of the test
        assert not dialog.share_button.isEnabled()
        dialog.cancel_button.click()  # "Don't share"

    dialogs.expect(SharingDecisionDialog, answer_no)
    answer = ask_to_share(None, store, [refused], TEAM, decided_by="Ada Worker")
    assert not answer.share
    (dialog,) = shown
    gaps = dialog.findChild(type(dialog.problems), "sharing-gaps")
    assert gaps is not None
    assert "Kai" in gaps.text()
    assert "consent to share was refused." in gaps.text()


def test_the_golden_rules_must_be_answered_before_sharing_without_consent(store: Store, qtbot: Any) -> None:
    refused = add(store, caf("Kai", {"given": False}))
    from caf_desktop.practice import sharing

    dialog = SharingDecisionDialog(sharing.check(store, [refused], TEAM), TEAM, "Ada Worker")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.share_button.isEnabled()
    assert "at least 20 characters" in dialog.problems.text()

    dialog.findChild(QRadioButton, "ground:child_at_risk").setChecked(True)
    dialog.findChild(QPlainTextEdit, "rule:framework").setPlainText(
        "So the team can arrange a strategy discussion."
    )
    dialog.findChild(QPlainTextEdit, "rule:open").setPlainText("Not told: it could put Kai at greater risk.")
    reason = dialog.findChild(QPlainTextEdit, "rule:public_interest")
    qtbot.keyClicks(reason, "Kai disclosed that an adult at home hurt him.")
    assert not dialog.share_button.isEnabled()  # rule 6 is not yet confirmed
    assert "rule 6" in dialog.problems.text()

    dialog.proportionate.setChecked(True)
    assert dialog.share_button.isEnabled()
    assert dialog.problems.text() == ""
    decision = dialog.decision()
    assert decision.ground == "child_at_risk"
    assert decision.reason == "Kai disclosed that an adult at home hurt him."
    assert decision.decided_by == "Ada Worker"
    assert decision.rules["open"].startswith("Not told")
    assert decision.rules["proportionate"] == "confirmed"


def test_a_checklist_can_never_be_shared(store: Store, qtbot: Any) -> None:
    from caf_desktop.practice import sharing

    checklist = json.loads((EXAMPLES / "caf-pre-assessment" / "full.json").read_text(encoding="utf-8"))
    record = add(store, checklist, "caf-pre-assessment")
    dialog = SharingDecisionDialog(sharing.check(store, [record], TEAM), TEAM, "Ada Worker")
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.share_button.isVisible()
    assert dialog.cancel_button.isVisible()
    assert dialog.cancel_button.text() == "Don't share"


def with_indicator(document: dict[str, Any], domain: str, element: str, indicator: str) -> dict[str, Any]:
    section = document[domain].setdefault(element, {})
    section["indicators"] = [*section.get("indicators", []), indicator]
    return document


CASES = {
    "child-in-need": (("development", "self_care", "self_care.l4.disability_constant_supervision"), False),
    "child-protection": (("parenting", "basic_care", "basic_care.l4.disclosure_of_abuse"), True),
}


@pytest.mark.parametrize("case", list(CASES))
def test_the_significant_harm_ground_is_offered_only_on_the_child_protection_pathway(
    store: Store, qtbot: Any, dialogs: ModalDialogs, case: str
) -> None:
    (domain, element, indicator), significant_harm = CASES[case]
    record = add(store, with_indicator(caf("Kai", {"given": False}), domain, element, indicator))
    seen: dict[str, Any] = {}

    def read_grounds(dialog: SharingDecisionDialog) -> None:
        qtbot.addWidget(dialog)
        seen["grounds"] = [str(b.property("ground")) for b in dialog.findChildren(QRadioButton)]
        note = dialog.findChild(QLabel, "sharing-child-in-need")
        seen["note"] = note.text() if note is not None else None
        dialog.cancel_button.click()

    dialogs.expect(SharingDecisionDialog, read_grounds)
    answer = ask_to_share(None, store, [record], TEAM, decided_by="Ada Worker")
    assert not answer.share
    assert ("child_at_risk" in seen["grounds"]) is significant_harm
    assert {"adult_at_risk", "serious_crime", "other"} <= set(seen["grounds"])
    if significant_harm:
        assert seen["note"] is None
    else:
        assert "child in need" in seen["note"]
        assert "shared with the family's consent" in seen["note"]
