"""How a refused bundle is put in words and audited (never with a name in the audit trail)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from caf_desktop.store.sync import (
    NotPermitted,
)
from caf_desktop.sync.format import (
    FINGERPRINT_PATTERN,
    UUID_PATTERN,
    BundleAlreadyImported,
    BundleRejected,
    rejected,
    sha256,
)
from caf_desktop.sync.read import (
    VerifiedBundle,
)

if TYPE_CHECKING:
    from caf_desktop.store.store import Store


_TRIED = {
    "record": "replace record {target}, which {sender} did not create and was not sent",
    "case": "add record {record} to case {target}, a case {sender} did not create and was not sent",
    "child": "add record {record} to child {target}, a child {sender} did not create a record for and was not sent",
    "other-child": "add record {record} to case {target} while naming another child for it",
}


def trespassing(error: NotPermitted, bundle: VerifiedBundle) -> BundleRejected:
    """The sentence for a bundle that writes where its sender may not: who, and what they tried."""
    sender = bundle.signer.name
    tried = [
        _TRIED[t.kind].format(sender=sender, record=t.record_id, target=t.target_id) for t in error.trespasses
    ]
    shown = "; ".join(tried[:3]) + (f"; and {len(tried) - 3} more" if len(tried) > 3 else "")
    if bundle.sender_role == "coordinator":
        rule = (
            "A coordinator's bundle may change only records you sent to the team or were sent, and add "
            "records only to those children and cases."
        )
    else:
        rule = (
            "A worker's bundle may change only records they created or were sent, and add records only to "
            "cases they created or were sent; check with them what happened before importing anything from them."
        )
    rejection = rejected(
        f"{sender}'s bundle was refused: it tries to {shown}. {rule}", "not-permitted", bundle.facts
    )
    rejection.audit_details = {
        "tried": [{"kind": t.kind, "record": t.record_id, "target": t.target_id} for t in error.trespasses][
            :100
        ]
    }
    return rejection


def audit_rejection(
    store: Store, path: Path, error: BundleRejected, file_sha256: str | None, *, action: str | None = None
) -> None:
    if file_sha256 is None:
        try:
            file_sha256 = sha256(path.read_bytes())
        except OSError:
            file_sha256 = None
    store.audit(
        action
        or ("bundle already imported" if isinstance(error, BundleAlreadyImported) else "bundle rejected"),
        None,
        {
            "file_sha256": file_sha256,
            "bundle": error.facts.bundle_id
            if error.facts.bundle_id and UUID_PATTERN.fullmatch(error.facts.bundle_id)
            else None,
            "sender": error.facts.sender_fingerprint
            if error.facts.sender_fingerprint
            and FINGERPRINT_PATTERN.fullmatch(error.facts.sender_fingerprint)
            else None,
            "reason": error.code,
            **error.audit_details,
        },
    )
