"""Sync bundles: records from a worker's laptop to the locality team, and back, as one signed, encrypted file.

This module is the public face of caf_desktop.sync: it re-exports the names callers use from the modules
that do the work, one per stage (format: names, limits, errors; export: writing a bundle; read: decrypt,
unzip, verify; plan: what an import would change; apply: importing; refusals: a refusal's sentence and
audit event). Import from here; patch the module a name is defined in.

A bundle is standard parts only (DESIGN.md section 6; docs/bundles.md describes the format):

1. a ZIP with `manifest.json` at its root (format, bundle id, team, sender, per-sender sequence number,
   created-at, intended recipients, forms, and the SHA-256 of every other file) and `records/<id>.json`;
2. `manifest.json.p7s` at its root: a detached CMS SignedData (CAdES-BES) over `manifest.json` by the
   sender's certificate, issued by the team's certificate authority;
3. the ZIP encrypted with age to the recipients (the team's coordinators, or one worker) and the sender.

Importing fails closed, in this order: decrypt; open the ZIP safely; verify the signature to the team's
CA (not revoked); check the team, that this user is a recipient, and that the bundle and its sequence
number are new; re-hash every file; refuse a newer format; validate every record against its form;
plan (new, updated, identical, conflict, outdated); apply in one transaction; audit. A rejection is a
`BundleRejected` whose sentence says what was wrong and that nothing was imported.

Public API (the CLI and the GUI use these names):

- `export_bundle(store, identity, team, selection, out, *, to=None, without_consent=None,
  attachments=(), progress=None) -> ExportReport` (`progress` is an `ExportProgress`; it stops the
  export by raising `ExportCancelled`)
- `read_bundle(path, identity, team) -> VerifiedBundle` (no store: everything up to validation)
- `inspect_bundle(store, identity, team, path) -> BundlePlan` (what importing would do; changes nothing)
- `import_bundle(store, identity, team, path) -> BundleImport`; `import_bundles(..., paths) -> ImportReport`;
  `apply_bundle(store, verified)` / `apply_bundles(store, verified)` apply what `inspect_bundle` previewed
- `bundle_files(paths) -> list[Path]` (folders become the `*.cafbundle` files in them)
- `resolve_conflict(store, conflict_id, keep, document=None) -> RecordInfo`
- `team_addressee(team)`, `worker_addressee(name, age_recipient, ...)`, `members_of(home)`
"""

from __future__ import annotations

from caf_desktop.store.sync import Change, ImportOutcome, PlannedChange, SyncedRecord
from caf_desktop.sync.apply import (
    FAILED,
    BundleImport,
    ImportReport,
    Rejection,
    apply_bundle,
    apply_bundles,
    bundle_files,
    import_bundle,
    import_bundles,
    import_failure,
    resolve_conflict,
)
from caf_desktop.sync.export import (
    PROGRESS_EVERY,
    Addressee,
    Attachment,
    ExportPhase,
    ExportProgress,
    ExportReport,
    Selection,
    default_file_name,
    export_bundle,
    members_of,
    record_json,
    slug,
    team_addressee,
    worker_addressee,
)
from caf_desktop.sync.format import (
    DEFAULT_LIMITS,
    FINGERPRINT_PATTERN,
    FORMAT,
    FORMS_FOLDER,
    KIND,
    MANIFEST,
    RECORDS_FOLDER,
    RULESETS_FOLDER,
    SIGNATURE,
    SUFFIX,
    TEAM_FILE,
    UUID_PATTERN,
    BundleAlreadyImported,
    BundleFacts,
    BundleRejected,
    CannotSend,
    ExportCancelled,
    Limits,
    NothingToSend,
    canonical,
    check_attachment_name,
    coordinator_fingerprints,
    rejected,
    sha256,
    timestamp,
)
from caf_desktop.sync.plan import (
    BundlePlan,
    inspect_bundle,
)
from caf_desktop.sync.read import (
    VerifiedBundle,
    read_bundle,
    repeat_rejection,
)
from caf_desktop.sync.refusals import (
    audit_rejection,
    trespassing,
)

__all__ = [
    "DEFAULT_LIMITS",
    "FAILED",
    "FINGERPRINT_PATTERN",
    "FORMAT",
    "FORMS_FOLDER",
    "KIND",
    "MANIFEST",
    "PROGRESS_EVERY",
    "RECORDS_FOLDER",
    "RULESETS_FOLDER",
    "SIGNATURE",
    "SUFFIX",
    "TEAM_FILE",
    "UUID_PATTERN",
    "Addressee",
    "Attachment",
    "BundleAlreadyImported",
    "BundleFacts",
    "BundleImport",
    "BundlePlan",
    "BundleRejected",
    "CannotSend",
    "Change",
    "ExportCancelled",
    "ExportPhase",
    "ExportProgress",
    "ExportReport",
    "ImportOutcome",
    "ImportReport",
    "Limits",
    "NothingToSend",
    "PlannedChange",
    "Rejection",
    "Selection",
    "SyncedRecord",
    "VerifiedBundle",
    "apply_bundle",
    "apply_bundles",
    "audit_rejection",
    "bundle_files",
    "canonical",
    "check_attachment_name",
    "coordinator_fingerprints",
    "default_file_name",
    "export_bundle",
    "import_bundle",
    "import_bundles",
    "import_failure",
    "inspect_bundle",
    "members_of",
    "read_bundle",
    "record_json",
    "rejected",
    "repeat_rejection",
    "resolve_conflict",
    "sha256",
    "slug",
    "team_addressee",
    "timestamp",
    "trespassing",
    "worker_addressee",
]
