"""Takes the README's screenshots: the main window at 1366x768, as on a council laptop.

Run from the top of the repository: `.venv/bin/python docs/screenshots/make_screenshots.py`, or name
some of the groups to take only those: `... make_screenshots.py guidance designer`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from caf_desktop.common import paths  # noqa: E402
from caf_desktop.formengine.definitions import shipped_catalogue  # noqa: E402
from caf_desktop.gui.app import make_application  # noqa: E402

OUT = Path(__file__).parent
EXAMPLES = ROOT / "tests" / "examples"

# (file, form, example or None, section id, action)
SHOTS = [
    ("caf-empty.png", "caf-assessment", None, "identifying-details", None),
    ("caf-filled.png", "caf-assessment", "caf-assessment/full.json", "development", None),
    ("caf-errors.png", "caf-assessment", "caf-assessment/draft.json", "identifying-details", "complete"),
    ("tac-plan-filled.png", "tac-meeting", "tac-meeting/full.json", "delivery-plan", None),
    ("tac-plan-errors.png", "tac-meeting", "tac-meeting/draft.json", "delivery-plan", "complete"),
    ("checklist-empty.png", "caf-pre-assessment", None, "checklist", None),
    ("checklist-filled.png", "caf-pre-assessment", "caf-pre-assessment/full.json", "decision", None),
]


def main() -> None:
    paths.set_home(OUT / ".home-for-screenshots")
    app = make_application([sys.argv[0]])
    groups = {
        "forms": form_screens,
        "guidance": guidance_screens,
        "store": store_screens,
        "sharing": sharing_and_team_screens,
        "designer": designer_screens,
    }
    for name in sys.argv[1:] or list(groups):
        groups[name](app)


def form_screens(app: object) -> None:
    """The forms at work: empty, filled, with their problems."""
    from caf_desktop.gui.shared.main_window import MainWindow  # noqa: PLC0415 - after the QApplication exists

    for name, form, example, section_id, action in SHOTS:
        window = MainWindow()
        window.resize(1366, 768)
        document = json.loads((EXAMPLES / example).read_text(encoding="utf-8")) if example else None
        view = window.new_form(shipped_catalogue().get(form), document)
        window.show()
        view.build_all()
        if action == "complete":
            view.mark_complete()
        else:
            view.validate_now()
        view.set_current_section([s.id for s in view.definition.sections].index(section_id))
        for _ in range(8):
            app.processEvents()
        window.grab().save(str(OUT / name))
        view.document.modified = False
        window.close()
        print(OUT / name)


def guidance_screens(app: object) -> None:
    """The guidance panel following the indicators, and the safeguarding banner raised."""
    from caf_desktop.gui.shared.main_window import MainWindow  # noqa: PLC0415

    document = json.loads((EXAMPLES / "caf-assessment" / "full.json").read_text(encoding="utf-8"))
    window = MainWindow()
    window.resize(1366, 768)
    view = window.new_form(shipped_catalogue().get("caf-assessment"), document)
    window.show()
    view.build_all()
    view.go_to("/parenting/basic_care/indicators")
    for _ in range(8):
        app.processEvents()  # type: ignore[attr-defined]
    window.grab().save(str(OUT / "guidance-panel.png"))
    indicators = [
        *document["parenting"]["basic_care"]["indicators"],
        "basic_care.l4.cannot_keep_out_dangerous_adults",
    ]
    view.document.set("/parenting/basic_care/indicators", indicators)
    for _ in range(8):
        app.processEvents()  # type: ignore[attr-defined]
    window.grab().save(str(OUT / "safeguarding-banner.png"))
    # A child in need at level 4 (s17): a referral with consent, and no banner.
    view.document.set(
        "/parenting/basic_care/indicators", list(document["parenting"]["basic_care"]["indicators"])
    )
    view.document.set("/development/learning/indicators", ["learning.l4.complex_learning_disability"])
    view.go_to("/development/learning/indicators")
    for _ in range(8):
        app.processEvents()  # type: ignore[attr-defined]
    window.grab().save(str(OUT / "guidance-child-in-need.png"))
    view.document.modified = False
    window.close()
    print(OUT / "guidance-panel.png", OUT / "safeguarding-banner.png", OUT / "guidance-child-in-need.png")


def designer_screens(app: object) -> None:
    """The form designer: the outline, properties and preview; a rule by pointing; what Publish shows."""
    from caf_desktop.formengine.drafting import Draft  # noqa: PLC0415
    from caf_desktop.gui.designer.dialogs import PublishDialog, RuleDialog  # noqa: PLC0415
    from caf_desktop.gui.designer.window import DesignerWindow  # noqa: PLC0415

    designer = DesignerWindow(Draft(shipped_catalogue().get("tac-review"), version="1.2.0"))
    designer.show()
    designer.draft.rename("/notes", "remarks")
    designer.draft.retire_choice("/outcome/decision", "close", "continue")
    designer.refresh()
    designer.select_question("/outcome/decision")
    _settle(app, designer, "designer.png")
    element = next(
        p.location for p in designer.draft.placements() if p.scope == "/outcome/reason_for_closure"
    )
    rule = RuleDialog(designer.draft, element, designer)
    rule.effect.setCurrentIndex(rule.effect.findData("show"))
    rule.question.setCurrentIndex(rule.question.findData("/outcome/decision"))
    rule.operator.setCurrentIndex(rule.operator.findData("is_one_of"))
    rule.show()
    _settle(app, rule, "designer-rule.png")
    rule.close()
    plan, counts = designer.publish_plan()
    publish = PublishDialog(plan, counts, designer)
    publish.show()
    _settle(app, publish, "designer-publish.png")
    publish.close()
    designer.ruleset_action.trigger()
    editor = designer.ruleset_editor
    editor.select("health.l4.severe_chronic_health")
    _settle(app, editor, "ruleset-editor.png")
    editor.close()
    designer.draft = Draft(shipped_catalogue().get("tac-review"))  # nothing to keep
    designer.close()


def store_screens(app: object) -> None:
    """The case list over fictional demo records, the welcome, and the locked window."""
    from caf_desktop.demo import generate as demo  # noqa: PLC0415
    from caf_desktop.gui.records.window import RecordsWindow  # noqa: PLC0415
    from caf_desktop.gui.shared.store_dialogs import WelcomeDialog  # noqa: PLC0415
    from caf_desktop.store.store import Profile, Store  # noqa: PLC0415

    home = Path(tempfile.mkdtemp(prefix="caf-screens-"))
    try:
        welcome = WelcomeDialog(home / "new")
        welcome.name.setText("Hannah Testwell")
        welcome.organisation.setText("Brightwell Primary School (fictional)")
        welcome.passphrase.setText("maple kettle orbit lantern")
        welcome._rate(welcome.passphrase.text())
        welcome.show()
        for _ in range(5):
            app.processEvents()  # type: ignore[attr-defined]
        welcome.grab().save(str(OUT / "welcome.png"))
        welcome.close()
        store = Store.create(
            home / "store",
            "maple kettle orbit lantern",
            Profile("Hannah Testwell", "worker", "Brightwell Primary School"),
            kdf_cost=2**12,
        )
        demo.populate(store, 60, seed=7)
        window = RecordsWindow(store)
        window.resize(1366, 768)
        window.show()
        for _ in range(8):
            app.processEvents()  # type: ignore[attr-defined]
        window.grab().save(str(OUT / "case-list.png"))
        window.lock()
        for _ in range(5):
            app.processEvents()  # type: ignore[attr-defined]
        window.grab().save(str(OUT / "locked.png"))
        window.close()
        store.close()
        print(OUT / "case-list.png", OUT / "welcome.png", OUT / "locked.png")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _settle(app: object, widget: Any, name: str) -> None:
    widget.show()
    for _ in range(8):
        app.processEvents()  # type: ignore[attr-defined]
    widget.grab().save(str(OUT / name))
    widget.close()
    print(OUT / name)


def sharing_and_team_screens(app: object) -> None:  # noqa: PLR0915 - one story, told in order
    """The consent block with a drawn signature, Export as PDF, the golden rules, the Team page, an
    import's preview and a conflict side by side: a coordinator and a worker, both fictional."""
    from caf_desktop.gui.printing.pdf_actions import ExportPdfDialog  # noqa: PLC0415
    from caf_desktop.gui.shared.main_window import MainWindow  # noqa: PLC0415
    from caf_desktop.gui.shared.sharing_dialog import SharingDecisionDialog  # noqa: PLC0415
    from caf_desktop.gui.sync.bundle_actions import ConflictDialog, ImportPreviewDialog  # noqa: PLC0415
    from caf_desktop.gui.team.team_page import TeamDialog  # noqa: PLC0415
    from caf_desktop.practice import sharing  # noqa: PLC0415
    from caf_desktop.store.store import Profile, Store  # noqa: PLC0415
    from caf_desktop.sync import bundles  # noqa: PLC0415
    from caf_desktop.trust import team  # noqa: PLC0415
    from caf_desktop.trust.identity import load_identity  # noqa: PLC0415
    from PySide6.QtCore import QPoint, Qt  # noqa: PLC0415
    from PySide6.QtTest import QTest  # noqa: PLC0415

    passphrase = "maple kettle orbit lantern"  # noqa: S105 - fictional homes, deleted at the end
    document = json.loads((EXAMPLES / "caf-assessment" / "full.json").read_text(encoding="utf-8"))
    document["consent"]["signatures"]["held_on_paper"] = False
    window = MainWindow()
    window.resize(1366, 768)
    view = window.new_form(shipped_catalogue().get("caf-assessment"), document)
    window.show()
    view.build_all()
    pad = view.go_to("/consent/signatures/child/image").focus_widget()  # type: ignore[union-attr]
    points = [
        QPoint(30, 90),
        QPoint(60, 40),
        QPoint(90, 95),
        QPoint(130, 35),
        QPoint(170, 90),
        QPoint(230, 60),
    ]
    QTest.mousePress(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
    for point in points[1:]:
        QTest.mouseMove(pad, point)
    QTest.mouseRelease(pad, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])
    view.validate_now()
    view.document.modified = False  # closing must not ask whether to save
    _settle(app, window, "signature-pad.png")

    home = Path(tempfile.mkdtemp(prefix="caf-screens-"))
    try:
        cora = Store.create(
            home / "cora", passphrase, Profile("Cora Ordinator", "coordinator", "Northtown"), kdf_cost=2**12
        )
        hannah = Store.create(
            home / "hannah",
            passphrase,
            Profile("Hannah Testwell", "worker", "Brightwell Primary"),
            kdf_cost=2**12,
        )
        assert cora.home is not None
        assert hannah.home is not None
        made = team.create_team(
            cora.home, passphrase, "Northtown Locality Team", contacts={"mash": "01632 960 001"}
        )
        team.join_team(hannah.home, made)
        request = team.make_request(hannah.home, passphrase)
        team.install_issued(hannah.home, passphrase, team.issue_certificate(cora.home, passphrase, request))
        _settle(app, TeamDialog(cora, cora.home), "team-page.png")

        definition = shipped_catalogue().get("caf-assessment")
        refused = json.loads(json.dumps(document))
        refused["child"]["given_names"] = "Kai"
        refused["consent"]["share"] = {"given": False}
        kai = hannah.add_record(definition, refused).id
        dialog = SharingDecisionDialog(sharing.check(hannah, [kai], made.name), made.name, "Hannah Testwell")
        dialog.resize(720, 640)
        _settle(app, dialog, "sharing-without-consent.png")
        _settle(
            app,
            ExportPdfDialog(can_sign=None, signer="Hannah Testwell", agencies=["School Nursing Service"]),
            "export-pdf.png",
        )

        document["consent"]["share"]["scope"] = "all_listed"  # the locality team may have it
        ada = hannah.add_record(definition, document).id
        identity = load_identity(hannah.home, passphrase)
        outbox = home / "outbox"
        outbox.mkdir()
        first = bundles.export_bundle(hannah, identity, made, [ada], outbox)
        coordinator_identity = load_identity(cora.home, passphrase)
        bundles.import_bundle(cora, coordinator_identity, made, first.path)
        ours = cora.get(ada).document
        ours["child"]["aka"] = "Addie"
        cora.save(ada, ours, definition)
        theirs = hannah.get(ada).document
        theirs["child"]["aka"] = "Ada-Lou"
        theirs["comments"]["child"] = "Zoë says she would like to join the netball club."
        hannah.save(ada, theirs, definition)
        second = bundles.export_bundle(hannah, identity, made, [ada], outbox)
        plan = bundles.inspect_bundle(cora, coordinator_identity, made, second.path)
        preview = ImportPreviewDialog([plan], [])
        preview.resize(900, 420)
        _settle(app, preview, "import-preview.png")
        bundles.import_bundle(cora, coordinator_identity, made, second.path)
        (conflict,) = cora.conflicts()
        _settle(app, ConflictDialog(conflict, cora.get(ada).document), "conflict.png")
        cora.close()
        hannah.close()
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
