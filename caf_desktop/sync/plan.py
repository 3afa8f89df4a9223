"""What importing a verified bundle would change, record by record, without changing anything."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caf_desktop.store.sync import (
    Change,
    NotPermitted,
    PlannedChange,
)
from caf_desktop.sync import read as reading  # read_bundle through its module: one place to patch it
from caf_desktop.sync.format import (
    BundleFacts,
)
from caf_desktop.sync.read import (
    VerifiedBundle,
)
from caf_desktop.sync.refusals import (
    audit_rejection,
    trespassing,
)

if TYPE_CHECKING:
    from caf_desktop.formengine.definitions import Catalogue
    from caf_desktop.store.store import Store
    from caf_desktop.trust.identity import Identity
    from caf_desktop.trust.team import TeamFile


@dataclass(frozen=True)
class BundlePlan:
    """What importing a verified bundle would do, record by record (for the GUI's preview)."""

    bundle: VerifiedBundle
    changes: tuple[PlannedChange, ...]

    @property
    def facts(self) -> BundleFacts:
        return self.bundle.facts

    def count(self, change: Change) -> int:
        return sum(1 for c in self.changes if c.change is change)


def inspect_bundle(
    store: Store, identity: Identity, team: TeamFile, path: Path, *, catalogue: Catalogue | None = None
) -> BundlePlan:
    """Verifies a bundle and plans its import without changing anything (`BundleRejected` if it would
    be refused, including a bundle imported before)."""

    from caf_desktop.store.store import summarise  # noqa: PLC0415

    bundle = reading.read_bundle(
        path, identity, team, catalogue=catalogue, check_new=store.check_not_imported
    )
    by_id = {r.id: r for r in bundle.records}
    try:
        planned = store.plan_import(bundle.signer.fingerprint, bundle.records, access=bundle.access)
    except NotPermitted as error:
        rejection = trespassing(error, bundle)
        audit_rejection(store, bundle.path, rejection, bundle.file_sha256)
        raise rejection from None
    summaries = {
        change.record_id: summarise(
            bundle.definitions[by_id[change.record_id].form_key], by_id[change.record_id].document
        )
        for change in planned
        if change.change is Change.NEW or not change.child
    }
    # A new child is made new, never merged; one with the family name and birth date of a child here
    # is shown to the person importing, as New record shows it (docs/bundles.md, "Who may write what").
    matches = store.possible_matches(
        {
            record_id: (summary.given_names, summary.family_name, summary.date_of_birth)
            for record_id, summary in summaries.items()
        }
    )
    changes = []
    for change in planned:
        incoming = by_id[change.record_id]
        summary = summaries.get(change.record_id)
        found = matches.get(change.record_id, [])
        # A record that names one of them is about that child, not a new one.
        maybe = change.change is Change.NEW and all(m.id != incoming.child_id for m in found)
        changes.append(
            replace(
                change,
                child=change.child or (summary.child_name if summary is not None else ""),
                possible_match=_possible_match(found) if maybe and found else "",
            )
        )
    return BundlePlan(bundle, tuple(changes))


def _possible_match(matches: Sequence[Any]) -> str:
    from caf_desktop.common import uk_time  # noqa: PLC0415

    def one(match: Any) -> str:
        born = f", born {uk_time.day_words(match.date_of_birth)}" if match.date_of_birth else ""
        return f"{match.name}{born}"

    return "; ".join(one(m) for m in matches)
