"""Importing bundles: applying verified ones in one transaction each, reports, conflicts."""

from __future__ import annotations

import contextlib
import gc
import logging
import traceback
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from caf_desktop.common import atomic, jsonfiles
from caf_desktop.common.errors import CafError, InputFileError
from caf_desktop.store.sync import (
    Change,
    ImportOutcome,
    NotPermitted,
)
from caf_desktop.sync import read as reading  # read_bundle through its module: one place to patch it
from caf_desktop.sync.format import (
    FORMS_FOLDER,
    SUFFIX,
    TEAM_FILE,
    BundleAlreadyImported,
    BundleFacts,
    BundleRejected,
)
from caf_desktop.sync.read import (
    VerifiedBundle,
    repeat_rejection,
)
from caf_desktop.sync.refusals import (
    audit_rejection,
    trespassing,
)

if TYPE_CHECKING:
    from caf_desktop.formengine.definitions import Catalogue
    from caf_desktop.store.store import RecordInfo, Store
    from caf_desktop.trust.identity import Identity
    from caf_desktop.trust.team import TeamFile


@dataclass(frozen=True)
class BundleImport:
    """What importing one bundle did."""

    bundle: VerifiedBundle
    outcome: ImportOutcome
    installed: tuple[str, ...] = ()  # attachments taken: the team file, forms, rulesets

    def count(self, change: Change) -> int:
        return self.outcome.count(change)


@dataclass(frozen=True)
class Rejection:
    path: Path
    reason: str
    code: str


@dataclass
class ImportReport:
    """What importing several bundles did; `as_json()` is `bundle import --json`'s output.
    `already_imported` holds the bundles imported before, file for file (`BundleAlreadyImported`):
    nothing to do, and not refusals."""

    imported: list[BundleImport] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    already_imported: list[Rejection] = field(default_factory=list)

    def refused(self, path: Path, error: BundleRejected) -> None:
        """Files a bundle that was not imported under what it was: a repeat, or a refusal."""
        kept = self.already_imported if isinstance(error, BundleAlreadyImported) else self.rejected
        kept.append(Rejection(path, error.reason, error.code))

    def count(self, change: Change) -> int:
        return sum(result.count(change) for result in self.imported)

    def as_json(self) -> dict[str, Any]:
        return {
            "imported": self.count(Change.NEW),
            "updated": self.count(Change.UPDATED),
            "identical": self.count(Change.IDENTICAL),
            "conflicts": self.count(Change.CONFLICT),
            "outdated": self.count(Change.OUTDATED),
            "bundles": [
                {"file": str(r.bundle.path), "bundle": r.bundle.bundle_id, "sender": r.bundle.signer.name}
                for r in self.imported
            ],
            "rejected": [{"file": str(r.path), "reason": r.reason} for r in self.rejected],
            "already_imported": [{"file": str(r.path), "message": r.reason} for r in self.already_imported],
        }


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pauses Python's cycle collector while a bundle is read and applied (reference counting still
    frees everything as usual). Reading a bundle makes hundreds of thousands of objects (the parsed
    documents) and no reference cycles, so the full collections they set off walk the whole heap for
    nothing: about 0.1 s an import of 1,000 records. Nested or already paused: left as it is."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def import_bundle(
    store: Store,
    identity: Identity,
    team: TeamFile,
    path: Path,
    *,
    home: Path | None = None,
    catalogue: Catalogue | None = None,
) -> BundleImport:
    """Verifies a bundle and applies it in one transaction, or raises `BundleRejected` having imported
    nothing. Both are audited (a rejection with what could be read of it: never a name). `home` is
    where a team file the coordinator sent is taken in (a worker's import)."""
    with _cycle_collector_paused():
        try:
            bundle = reading.read_bundle(
                path, identity, team, catalogue=catalogue, check_new=store.check_not_imported
            )
        except BundleRejected as error:
            audit_rejection(store, path, error, None)
            raise
        return apply_bundle(store, bundle, home=home)


def apply_bundle(store: Store, bundle: VerifiedBundle, *, home: Path | None = None) -> BundleImport:
    """Applies a bundle `read_bundle` verified (the one a preview showed: the file is not read again,
    so what is applied is what was shown, whatever happened to the file since) in one transaction.
    Raises `BundleAlreadyImported` having imported nothing when it was imported meanwhile. Both
    are audited, as `import_bundle` audits them."""
    from caf_desktop.store.sync import AlreadyImported  # noqa: PLC0415

    try:
        with _cycle_collector_paused():
            outcome = store.apply_import(bundle.incoming())
    except AlreadyImported as error:
        rejection = repeat_rejection(error, bundle.facts)
        audit_rejection(store, bundle.path, rejection, bundle.file_sha256)
        raise rejection from None
    except NotPermitted as error:
        rejection = trespassing(error, bundle)
        audit_rejection(store, bundle.path, rejection, bundle.file_sha256)
        raise rejection from None
    installed = _take_attachments(bundle, home) if bundle.attachments and home is not None else ()
    return BundleImport(bundle, outcome, installed)


def apply_bundles(
    store: Store, verified: Sequence[VerifiedBundle], *, home: Path | None = None
) -> ImportReport:
    """Applies verified bundles one by one (one refused does not stop the others), then checkpoints
    the store once for all of them: the GUI's import, after its preview."""
    report = ImportReport()
    for bundle in verified:
        try:
            report.imported.append(apply_bundle(store, bundle, home=home))
        except BundleRejected as error:
            report.refused(bundle.path, error)
        except Exception as error:  # noqa: BLE001 - one bundle's failure must not take the others' lines with it
            report.rejected.append(
                import_failure(store, bundle.path, error, bundle.file_sha256, bundle.facts)
            )
    _checkpoint(store, report)
    return report


_log = logging.getLogger("caf_desktop.sync.bundles")  # the name it has always logged under


FAILED = "failed"  # the code of a bundle whose import failed in CAF Desktop or the store, not in the bundle


def import_failure(
    store: Store,
    path: Path,
    error: Exception,
    file_sha256: str | None = None,
    facts: BundleFacts | None = None,
) -> Rejection:
    """The report's line for a bundle whose import broke off (its transaction was rolled back, so
    nothing of it is in the store), audited when the store still takes an event. A known failure (a
    full disk, the database server gone) says itself; anything else is a bug, logged by its kind and
    where it happened, never by its message (which may quote a record)."""
    if isinstance(error, CafError):
        reason = f"{error} Nothing from this bundle was imported; import it again once this is put right."
    else:
        _log.error(
            "importing a bundle failed: %s\n%s",
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        reason = (
            "CAF Desktop met an internal error while importing this bundle, and nothing from it was imported. "
            "This is a bug: please report it. The other bundles were not affected."
        )
    rejection = BundleRejected(reason, FAILED, facts)
    with contextlib.suppress(Exception):  # the store may be what failed: the report still says it all
        audit_rejection(store, path, rejection, file_sha256, action="bundle import failed")
    return Rejection(path, rejection.reason, FAILED)


def _checkpoint(store: Store, report: ImportReport) -> None:
    """Copies the imports' pages out of the write-ahead log (Store._wal_kept). They are committed
    already, so a checkpoint that fails loses nothing and must not hide what was imported: the
    connection checkpoints again on its own later."""
    if not report.imported:
        return
    with contextlib.suppress(CafError):
        store.checkpoint()


def bundle_files(paths: Iterable[Path]) -> list[Path]:
    """The files to import: each file named, and every `*.cafbundle` in each folder named (sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix == SUFFIX and p.is_file()))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def import_bundles(
    store: Store,
    identity: Identity,
    team: TeamFile,
    paths: Iterable[Path],
    *,
    home: Path | None = None,
    catalogue: Catalogue | None = None,
) -> ImportReport:
    """Imports each bundle on its own (one rejected bundle does not stop the others), then checkpoints
    the store once for all of them."""
    report = ImportReport()
    # Oldest first by sequence within a sender is what the plan expects; file names sort that way too.
    for path in bundle_files(paths):
        try:
            report.imported.append(import_bundle(store, identity, team, path, home=home, catalogue=catalogue))
        except BundleRejected as error:
            report.refused(path, error)
        except Exception as error:  # noqa: BLE001 - each bundle is its own transaction and its own line
            report.rejected.append(import_failure(store, path, error, None))
    _checkpoint(store, report)
    return report


def _take_attachments(bundle: VerifiedBundle, home: Path) -> tuple[str, ...]:
    """Takes in what a coordinator sent besides records: a newer team file for `home` (checked against
    the team it trusts; an older one, or another team's, is left), and form definitions and threshold
    rulesets (checked, kept in `paths.user_forms_dir()` as forms/ID/VERSION.json and
    forms/thresholds/ID/VERSION.json, never over a file already there). Returns what was taken."""
    from caf_desktop.common import paths  # noqa: PLC0415
    from caf_desktop.formengine import checker as formcheck  # noqa: PLC0415
    from caf_desktop.practice import thresholds  # noqa: PLC0415
    from caf_desktop.trust import team as team_module  # noqa: PLC0415

    taken: list[str] = []
    for name, data in sorted(bundle.attachments.items()):
        try:
            raw = jsonfiles.parse(data.decode("utf-8"), name)
        except (UnicodeDecodeError, InputFileError):
            continue
        if name == TEAM_FILE:
            try:
                newer = team_module.parse_team_file(raw, f"{bundle.path} ({TEAM_FILE})")
                if team_module.update_team(home, newer):
                    taken.append(name)
            except team_module.TeamError:
                pass  # not newer, or not this team's: the team file this laptop trusts stays
            continue
        _, form_id, file_name = name.split("/")
        if not isinstance(raw, dict) or (raw.get("id"), raw.get("version")) != (
            form_id,
            file_name[: -len(".json")],
        ):
            continue  # its id and version must be the ones its name says
        checker = (
            formcheck.check_definition if name.startswith(f"{FORMS_FOLDER}/") else thresholds.check_ruleset
        )
        if next(iter(checker(raw, name)), None) is not None:
            continue  # a definition with problems is not installed
        target = paths.user_forms_dir() / name.removeprefix(f"{FORMS_FOLDER}/")
        if target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(target, data, replace=False)
        taken.append(name)
    if taken:
        from caf_desktop.formengine import definitions  # noqa: PLC0415

        definitions.forget_received()
        thresholds.forget_received()
    return tuple(taken)


def resolve_conflict(
    store: Store,
    conflict_id: str,
    keep: str,
    document: dict[str, Any] | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> RecordInfo:
    """Settles a sync conflict: `keep` is "stored", "incoming" or "combined" (with `document`, which
    must be valid against the stored record's form)."""
    from caf_desktop.common.errors import DocumentInvalid  # noqa: PLC0415
    from caf_desktop.formengine import validation  # noqa: PLC0415
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    catalogue = catalogue or installed_catalogue()
    conflict = store.conflict(conflict_id)
    if keep == "incoming":
        definition = catalogue.get(conflict.incoming_form_id, conflict.incoming_form_version)
    else:
        stored = store.get(conflict.record_id)
        definition = catalogue.get(stored.form_id, stored.form_version)
    if document is not None and not validation.is_valid_draft(definition, document):
        problems = validation.findings(definition, document)
        if problems:
            raise DocumentInvalid(problems)
    return store.resolve_conflict(conflict_id, keep, definition, document)
