"""Publishing a new version of a form: the checks before, and the read-only file after.

`forms publish` and the designer's Publish both come here, so they refuse the same things: a version
already published (published versions never change), one older than the newest, a breaking change
without its migration step, and a migration that is not from the version before. A published file is
written once, read-only, in the home's `forms/ID/VERSION.json`, where the app and
`bundle export --with-form` find it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from caf_desktop.common import atomic, paths
from caf_desktop.formengine.changes import DefinitionChange, compare, uncovered
from caf_desktop.formengine.definitions import Catalogue, FormDefinition, forget_received, version_key
from caf_desktop.formengine.migration import migration_of


@dataclass(frozen=True)
class PublishPlan:
    new: FormDefinition
    previous: FormDefinition | None
    changes: list[DefinitionChange]
    refusal: str | None  # the version cannot be published at all (already published, older)
    problems: list[str]  # changes that would strand answers, each with what to add

    @property
    def allowed(self) -> bool:
        return self.refusal is None and not self.problems


def plan(catalogue: Catalogue, new: FormDefinition) -> PublishPlan:
    versions = sorted((d for d in catalogue.all() if d.id == new.id), key=lambda d: version_key(d.version))
    previous = versions[-1] if versions else None
    if any(d.version == new.version for d in versions):
        refusal = (
            f"{new.id} {new.version} is already published, and a published version never changes. "
            "Give this one a new version number."
        )
        return PublishPlan(new, previous, [], refusal, [])
    if previous is not None and version_key(new.version) < version_key(previous.version):
        refusal = (
            f"{new.id} {new.version} is older than {previous.version}, the newest published version. "
            f"Publish it as a version after {previous.version}."
        )
        return PublishPlan(new, previous, [], refusal, [])
    found = compare(previous, new) if previous is not None else []
    problems = [f"{c.text} Add a migration step for it ({step_hint(c)})." for c in uncovered(found)]
    migration = migration_of(new)
    if previous is not None and migration is not None and migration.from_version != previous.version:
        problems.append(
            f"The migration says it is from {migration.from_version}, but the version before is {previous.version}."
        )
    return PublishPlan(new, previous, found, None, problems)


def step_hint(change: DefinitionChange) -> str:
    if change.change == "removed":
        return f'{{"remove": "{change.path}"}}, or a rename to where the answers now go'
    if change.change == "kind":
        return (
            f'a rename of {change.path} to a new question of the new kind, or {{"remove": "{change.path}"}}'
        )
    return f'{{"rename": "{change.path}", "to": "{change.to}"}} to a question the new version has'


def suggested_version(previous: str, changes: list[DefinitionChange]) -> str:
    """Breaking: the next major; anything beyond wording: the next minor; wording alone: the next patch."""
    major, minor, patch = (int(p) for p in previous.split("."))
    if any(c.grade == "breaking" for c in changes):
        return f"{major + 1}.0.0"
    if any(c.change != "wording" for c in changes):
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def install(new: FormDefinition) -> Path:
    """Writes the version read-only into the home's forms (never over a file), and forgets the catalogue."""
    target = paths.user_forms_dir() / new.id / f"{new.version}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_json(target, dict(new.raw), replace=False)
    target.chmod(0o444)
    forget_received()
    return target
