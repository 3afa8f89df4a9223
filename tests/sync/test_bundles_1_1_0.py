"""Records of version 1.1.0 of the CAF forms travel in a real bundle: signed, encrypted, verified,
checked against their own form version and imported unchanged, beside a record of 1.0.0."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.practice.sharing import ShareWithoutConsent
from caf_desktop.store.store import Store
from caf_desktop.sync import bundles
from caf_desktop.sync.bundles import Change, Selection

from tests.conftest import EXAMPLES, example_files, example_name, example_version, load_json
from tests.sync.bundle_world import World, make_world, new_store

NEW_EXAMPLES = [
    path
    for path in example_files()
    if example_version(path) == "1.1.0" and not example_name(path).startswith("draft")
]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("team"))


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    worker, coordinator = (
        new_store(tmp_path, "Hannah Testwell"),
        new_store(tmp_path, "Cora Ordinator", "coordinator"),
    )
    yield worker, coordinator
    worker.close()
    coordinator.close()


def test_every_1_1_0_example_travels_in_a_bundle(
    world: World, stores: tuple[Store, Store], tmp_path: Path
) -> None:
    worker, coordinator = stores
    catalogue = shipped_catalogue()
    sent: dict[str, dict[str, object]] = {}
    left_out: set[str] = set()
    for path in NEW_EXAMPLES:
        definition = catalogue.get(path.parent.name)  # the newest: what a new record is made with
        assert definition.version == "1.1.0"
        info = worker.add_record(definition, load_json(path))
        assert info.form_version == "1.1.0"
        if definition.shareable:
            sent[info.id] = load_json(path)
        else:
            left_out.add(info.id)
    old = worker.add_record(
        catalogue.get("tac-review", "1.0.0"), load_json(EXAMPLES / "tac-review" / "full.json")
    )
    sent[old.id] = load_json(EXAMPLES / "tac-review" / "full.json")
    decision = ShareWithoutConsent(
        reason="The coordinator holds the case file for the locality panel, as the family were told.",
        decided_by="Hannah Testwell",
        ground="other",  # not significant harm: these records hold no child-protection indicator
    )

    report = bundles.export_bundle(
        worker, world.worker.identity, world.team, Selection.ALL, tmp_path, without_consent=decision
    )
    result = bundles.import_bundle(coordinator, world.coordinator.identity, world.team, report.path)

    assert set(report.record_ids) == set(sent)
    assert set(report.left_out) == left_out, "the pre-assessment checklist is never sent"
    assert result.count(Change.NEW) == len(sent)
    for record_id, document in sent.items():
        received = coordinator.get(record_id)
        assert received.document == document
        assert received.form_version == ("1.0.0" if record_id == old.id else "1.1.0")
    new_answers = json.dumps([coordinator.get(r).document for r in sent], ensure_ascii=False)
    for answer in (
        "paper_copy_location",
        "social_care_history",
        "plan_agreement",
        "contingency_plan",
        "distribution",
        "new_actions",
        "lead_professional_change",
        "manager_sign_off",
        "disengagement",
        "csc_decision",
        "non_engagement",
    ):
        assert answer in new_answers, answer


def test_a_1_1_0_record_is_checked_against_1_1_0_on_import(
    world: World, stores: tuple[Store, Store], tmp_path: Path
) -> None:
    worker, coordinator = stores
    meeting = load_json(EXAMPLES / "tac-meeting" / "full-1.1.0.json")
    meeting["non_engagement"][0]["kind"] = "forgot"  # not an answer 1.1.0 offers
    worker.add_record(shipped_catalogue().get("tac-meeting", "1.1.0"), meeting)
    decision = ShareWithoutConsent(
        reason="Test of a bad record.", decided_by="Hannah Testwell", ground="other"
    )
    report = bundles.export_bundle(
        worker, world.worker.identity, world.team, Selection.ALL, tmp_path, without_consent=decision
    )
    with pytest.raises(bundles.BundleRejected) as caught:
        bundles.import_bundle(coordinator, world.coordinator.identity, world.team, report.path)
    assert "TAC meeting record and delivery plan 1.1.0" in caught.value.reason
    assert "/non_engagement/0/kind" in caught.value.reason
    assert coordinator.count() == 0
