"""A new version of the threshold guidance being made: the ruleset editor's model, with no Qt.

Like the form designer's draft (`caf_desktop.formengine.drafting`), it holds a working copy of the
newest ruleset and changes it only through undoable edits (`caf_desktop.formengine.editing`), and the
same checks as `forms check` (`thresholds.check_ruleset`) run on it. The rules of docs/thresholds.md,
"Setting the guidance for your locality", are built in rather than left to care:

- an id is never reused and never changes its element or level: moving an indicator makes a new one
  that `replaces` the old, so records made with an earlier version read the old id as the new one;
- a level-4 indicator is never retired (it is replaced), and every level-4 indicator names its pathway,
  child protection when in doubt;
- a retired id gives its reason, shown where the id would have been.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from caf_desktop.common.errors import CafError
from caf_desktop.common.findings import Finding
from caf_desktop.formengine.definitions import version_key
from caf_desktop.formengine.editing import ABSENT, JsonEdits
from caf_desktop.practice.thresholds import CHILD_IN_NEED, CHILD_PROTECTION, Ruleset, build, check_ruleset

PATHWAYS_NAMES = (CHILD_IN_NEED, CHILD_PROTECTION)


class RulesetDraftError(CafError):
    """An edit the ruleset editor refuses, with what to do instead."""


class RulesetDraft:
    def __init__(self, base: Ruleset, *, version: str | None = None) -> None:
        self.base = base
        raw = copy.deepcopy(dict(base.raw))
        major, minor, _patch = (int(p) for p in base.version.split("."))
        raw["version"] = version or f"{major}.{minor + 1}.0"
        self.edits = JsonEdits(raw)

    @property
    def raw(self) -> dict[str, Any]:
        return self.edits.raw

    def findings(self) -> list[Finding]:
        return list(check_ruleset(self.raw, f"{self.raw.get('id')} {self.raw.get('version')} (draft)"))

    def ruleset(self) -> Ruleset:
        found = self.findings()
        if found:
            raise RulesetDraftError(
                f"The draft has {len(found)} problem(s): {found[0].path}: {found[0].message}"
            )
        return build(copy.deepcopy(self.raw))

    def undo(self) -> None:
        self.edits.undo()

    def redo(self) -> None:
        self.edits.redo()

    # --- finding an indicator -------------------------------------------------------------------------

    def _position(self, indicator_id: str) -> int:
        for index, indicator in enumerate(self.raw["indicators"]):
            if indicator["id"] == indicator_id:
                return index
        raise RulesetDraftError(f"{indicator_id!r} is not an indicator of this draft.")

    def _published(self, indicator_id: str) -> bool:
        return indicator_id in self.base.indicators or any(
            indicator_id in (i.get("replaces") or []) for i in self.base.raw["indicators"]
        )

    def indicators_of(self, element: str, level: int) -> list[dict[str, Any]]:
        return [i for i in self.raw["indicators"] if i["element"] == element and i["level"] == level]

    # --- edits ---------------------------------------------------------------------------------------

    def set_text(self, indicator_id: str, text: str) -> None:
        """The indicator's words (its meaning must stay: a new meaning is a new indicator)."""
        if not text.strip():
            raise RulesetDraftError("An indicator needs its words: what the worker sees and ticks.")
        at = self._position(indicator_id)
        self.edits.apply(f"Reword {indicator_id}", {f"/indicators/{at}/text": text.strip()})

    def set_pathway(self, indicator_id: str, pathway: str) -> None:
        at = self._position(indicator_id)
        if self.raw["indicators"][at]["level"] != 4:
            raise RulesetDraftError(
                "Only a level-4 indicator has a pathway: child in need or child protection."
            )
        if pathway not in PATHWAYS_NAMES:
            raise RulesetDraftError(
                f"{pathway!r} is not a pathway: choose child_in_need or child_protection."
            )
        self.edits.apply(f"Set the pathway of {indicator_id}", {f"/indicators/{at}/pathway": pathway})

    def add_indicator(
        self, element: str, level: int, name: str, text: str, *, source: str, pathway: str | None = None
    ) -> str:
        if element not in {e["id"] for e in self.raw["elements"]}:
            raise RulesetDraftError(f"{element!r} is not an element of the guidance.")
        if level not in (1, 2, 3, 4):
            raise RulesetDraftError("The level is 1, 2, 3 or 4.")
        if level == 4 and pathway not in PATHWAYS_NAMES:
            raise RulesetDraftError(
                "A level-4 indicator names its pathway: child_protection if it may be a sign of significant "
                "harm (when in doubt), child_in_need if it is a need for an assessment made with consent."
            )
        if not source.strip():
            raise RulesetDraftError(
                "Give the indicator's source: the threshold document or guidance it comes from."
            )
        indicator_id = f"{element}.l{level}.{name}"
        if any(i["id"] == indicator_id for i in self.raw["indicators"]) or self._published(indicator_id):
            raise RulesetDraftError(f"{indicator_id} is taken (an id is never reused): choose another name.")
        indicator: dict[str, Any] = {
            "id": indicator_id,
            "element": element,
            "level": level,
            "text": text.strip(),
            "source": source.strip(),
        }
        if level == 4:
            indicator["pathway"] = pathway
        self.edits.apply(f"Add {indicator_id}", {"/indicators": [*self.raw["indicators"], indicator]})
        return indicator_id

    def move(self, indicator_id: str, *, level: int, element: str | None = None) -> str:
        """An indicator to another level (or element): a new indicator that replaces the old id, since a
        published id never changes its level; records that hold the old id read it as the new one."""
        at = self._position(indicator_id)
        old = self.raw["indicators"][at]
        element = element or old["element"]
        name = indicator_id.split(".", 2)[2]
        new_id = f"{element}.l{level}.{name}"
        if new_id == indicator_id:
            raise RulesetDraftError(f"{indicator_id} is already at level {level}.")
        if any(i["id"] == new_id for i in self.raw["indicators"]) or self._published(new_id):
            raise RulesetDraftError(f"{new_id} is taken (an id is never reused).")
        moved = {**copy.deepcopy(old), "id": new_id, "element": element, "level": level}
        if level == 4:
            moved.setdefault("pathway", "child_protection")
        else:
            moved.pop("pathway", None)
        if self._published(indicator_id):
            moved["replaces"] = [*old.get("replaces", []), indicator_id]
        indicators = [i for i in self.raw["indicators"] if i["id"] != indicator_id] + [moved]
        self.edits.apply(f"Move {indicator_id} to level {level}", {"/indicators": indicators})
        return new_id

    def retire(self, indicator_id: str, reason: str) -> None:
        at = self._position(indicator_id)
        if self.raw["indicators"][at]["level"] == 4:
            raise RulesetDraftError(
                "A level-4 indicator is never retired: move it, so the records that hold it still read it."
            )
        if not reason.strip():
            raise RulesetDraftError("Say why it is retired: records that hold it show the reason.")
        indicators = [i for i in self.raw["indicators"] if i["id"] != indicator_id]
        parts: dict[str, Any] = {"/indicators": indicators}
        if self._published(indicator_id):
            parts["/retired"] = [*self.raw.get("retired", []), {"id": indicator_id, "reason": reason.strip()}]
        self.edits.apply(f"Retire {indicator_id}", parts)

    def set_interval(self, name: str, value: int | None) -> None:
        """A locality interval (`first_tac_meeting_working_days`, `oversight_days`, ...); None: the default."""
        intervals = dict(self.raw.get("intervals") or {})
        if value is None:
            intervals.pop(name, None)
        else:
            intervals[name] = value
        self.edits.apply(f"Set {name.replace('_', ' ')}", {"/intervals": intervals if intervals else ABSENT})

    def set_contact(self, contact_id: str, phone: str, out_of_hours: str | None = None) -> None:
        """A locality number, checked by the coordinator: it is no longer a placeholder."""
        for index, contact in enumerate(self.raw["contacts"]):
            if contact["id"] == contact_id:
                changed = {**contact, "phone": phone.strip(), "placeholder": False}
                if out_of_hours:
                    changed["out_of_hours"] = out_of_hours.strip()
                self.edits.apply(f"Set the number of {contact['name']}", {f"/contacts/{index}": changed})
                return
        raise RulesetDraftError(f"{contact_id!r} is not a contact of the guidance.")

    # --- publishing ----------------------------------------------------------------------------------

    def publish(self, folder: Path) -> Path:
        """Writes the version read-only into `folder/ID/VERSION.json` (the home's `forms/thresholds`),
        refusing a draft with problems or a version not newer than the one it was made from."""
        from caf_desktop.common import atomic  # noqa: PLC0415
        from caf_desktop.practice.thresholds import forget_received  # noqa: PLC0415

        found = self.findings()
        if found:
            raise RulesetDraftError(
                f"Fix the {len(found)} problem(s) first: {found[0].path}: {found[0].message}"
            )
        if version_key(self.raw["version"]) <= version_key(self.base.version):
            raise RulesetDraftError(
                f"Version {self.raw['version']} is not after {self.base.version}, the one it changes."
            )
        target: Path = folder / str(self.raw["id"]) / f"{self.raw['version']}.json"
        if target.exists():
            raise RulesetDraftError(
                f"{self.raw['id']} {self.raw['version']} is already published: give this one a new version."
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_text(target, json.dumps(self.raw, ensure_ascii=False, indent=2) + "\n", replace=False)
        target.chmod(0o444)
        forget_received()
        return target
