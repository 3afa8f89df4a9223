"""A referral to children's social care and a management oversight travel in a real bundle: the worker
exports them with the child's CAF, the coordinator imports them into their own store, and they arrive
unchanged, in the child's case, with the drift they show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from caf_desktop.store.store import Store
from caf_desktop.sync import bundles
from caf_desktop.sync.bundles import Change, Selection

from tests.store.support import child_of, definition, example
from tests.sync.bundle_world import World, caf, make_world, new_store


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("team"))


@pytest.fixture
def worker_store(tmp_path: Path) -> Iterator[Store]:
    store = new_store(tmp_path, "Hannah Testwell")
    yield store
    store.close()


@pytest.fixture
def coordinator_store(tmp_path: Path) -> Iterator[Store]:
    store = new_store(tmp_path, "Cora Ordinator", "coordinator")
    yield store
    store.close()


def test_the_referral_and_oversight_reach_the_coordinator_in_the_childs_case(
    world: World, worker_store: Store, coordinator_store: Store, tmp_path: Path
) -> None:
    assessment = worker_store.add_record(definition("caf-assessment"), caf())
    child = child_of(worker_store, assessment.id)
    sent = {}
    for form_id, name in (
        ("caf-referral", "awaiting-decision"),
        ("caf-referral", "full"),
        ("management-oversight", "full"),
    ):
        document = example(f"{form_id}/{name}")
        record = worker_store.add_record(definition(form_id), document, child_id=child)
        worker_store.save(record.id, document, definition(form_id), status="complete")
        sent[record.id] = (form_id, document)

    out = bundles.export_bundle(worker_store, world.worker.identity, world.team, Selection.ALL, tmp_path).path
    result = bundles.import_bundle(coordinator_store, world.coordinator.identity, world.team, out)

    assert result.count(Change.NEW) == 4
    for record_id, (form_id, document) in sent.items():
        received = coordinator_store.get(record_id)
        assert (received.form_id, received.form_version, received.status) == (form_id, "1.0.0", "complete")
        assert received.document == document
        assert received.case_id == assessment.case_id
        assert received.child == "Zoë Łukasiewicz-O'Brien"
    # The coordinator sees the same drift: the referral made on 25/11/2026 still waits for its decision.
    attention = coordinator_store.get(assessment.id).attention or ""
    assert "The referral to children's social care made on 25/11/2026 has no decision recorded" in attention
    assert "23/11/2026" not in attention  # the other referral has its decision
