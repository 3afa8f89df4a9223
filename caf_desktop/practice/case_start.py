"""Where a child's next record starts: what the case already knows, so nobody types it again.

A new record for a child who is already in the store starts with the child's names and date of birth as
stored, the CAF reference and the lead professional from the newest record of the child's case that
has them, and, for a TAC review, every action of the last TAC plan that is not yet done. A pure
function of the case's documents; the store gathers them and the GUI shows the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from caf_desktop.common.errors import CafError
from caf_desktop.formengine import pointers, schematree
from caf_desktop.formengine.definitions import FormDefinition, Subject, installed_catalogue, version_key

# The forms in the order the work uses them: checklist, assessment, meeting, reviews, the manager's
# oversight, a referral to children's social care (stepping up), closure.
WORK_ORDER = (
    "caf-pre-assessment",
    "caf-assessment",
    "tac-meeting",
    "tac-review",
    "management-oversight",
    "caf-referral",
    "caf-closure",
)

DONE = "completed"

# The same facts about a lead professional under the names different forms give them.
_LEAD_PROFESSIONAL_SYNONYMS = {"agency": "organisation", "organisation": "agency"}


def in_order_of_the_work(definitions: Iterable[FormDefinition]) -> list[FormDefinition]:
    """The forms a new record may use, as the work goes (others after them, by id): the newest version
    of each, and only that one, since a new record is always made with the newest version of its form
    (older versions stay installed for the records made with them)."""
    newest: dict[str, FormDefinition] = {}
    for definition in definitions:
        held = newest.get(definition.id)
        if held is None or version_key(definition.version) > version_key(held.version):
            newest[definition.id] = definition
    listed = list(newest.values())

    def place(definition: FormDefinition) -> tuple[int, str]:
        known = definition.id in WORK_ORDER
        return (WORK_ORDER.index(definition.id) if known else len(WORK_ORDER), definition.id)

    return sorted(listed, key=place)


@dataclass(frozen=True)
class ChildFacts:
    """The child as the store keeps them: the names chosen once, not each record's spelling."""

    given_names: str
    family_name: str
    date_of_birth: dt.date | None = None
    expected_date: dt.date | None = None


@dataclass(frozen=True)
class CaseDocument:
    """One record of the child's case: its form, its document and when it was last changed."""

    form_id: str
    document: Mapping[str, Any]
    updated: dt.datetime


def starting_document(
    definition: FormDefinition, child: ChildFacts | None, case: Sequence[CaseDocument] = ()
) -> dict[str, Any]:
    """The document a new record of `definition` starts with for this child and case."""
    document: dict[str, Any] = {}
    subject = definition.subject
    if child is not None:
        for pointer, value in (
            (subject.given_names, child.given_names.strip()),
            (subject.family_name, child.family_name.strip()),
            (subject.date_of_birth, child.date_of_birth.isoformat() if child.date_of_birth else ""),
            (subject.expected_date, child.expected_date.isoformat() if child.expected_date else ""),
        ):
            if pointer and value and _has_place(definition, pointer):
                pointers.assign(document, pointer, value)
    newest_first = sorted(case, key=lambda r: r.updated, reverse=True)
    if subject.reference:
        reference = next(
            (r for r in (_text(c.document, _subject(c.form_id).reference) for c in newest_first) if r), None
        )
        if reference:
            pointers.assign(document, subject.reference, reference)
    if subject.lead_professional:
        lead = _lead_professional(definition, subject, newest_first)
        if lead:
            pointers.assign(document, pointers.parent(subject.lead_professional), lead)
    if definition.id == "tac-review":
        actions = open_actions(case)
        if actions:
            document["action_progress"] = actions
    return document


def open_actions(case: Sequence[CaseDocument]) -> list[dict[str, Any]]:
    """The actions of the last TAC plan not yet done, as a review starts them: what and who, with
    progress left for the review to judge afresh. An action is done when the plan, or a review held
    since, records it as completed."""
    meetings = sorted((c for c in case if c.form_id == "tac-meeting"), key=_when)
    if not meetings:
        return []
    plan = meetings[-1]
    progress: dict[str, str] = {}
    for record in sorted((c for c in case if c.form_id == "tac-review"), key=_when):
        if _when(record) < _when(plan):
            continue  # a review of an older plan
        for item in _items(record.document.get("action_progress")):
            action, state = _plain(item.get("action")), item.get("progress")
            if action and isinstance(state, str):
                progress[_key(action)] = state
    carried: list[dict[str, Any]] = []
    for item in _items(plan.document.get("actions")):
        action = _plain(item.get("action"))
        if not action:
            continue
        state = progress.get(_key(action), item.get("progress"))
        if state == DONE:
            continue
        entry: dict[str, Any] = {"action": action}
        who = _plain(item.get("who"))
        if who:
            entry["who"] = who
        carried.append(entry)
    return carried


def _lead_professional(
    definition: FormDefinition, subject: Subject, newest_first: Sequence[CaseDocument]
) -> dict[str, Any]:
    """The newest lead professional in the case, as this form's own questions name their parts."""
    target = pointers.parent(subject.lead_professional or "")
    wanted = {
        name
        for s in schematree.at(definition.schema, target, conditional=False)
        for name in schematree.property_names(definition.schema, s)
    }
    for record in newest_first:
        at = _subject(record.form_id).lead_professional
        if not at or not _text(record.document, at):
            continue
        found = pointers.resolve(record.document, pointers.parent(at), None)
        if not isinstance(found, Mapping):
            continue
        lead: dict[str, Any] = {}
        for name, value in found.items():
            text = _plain(value)
            if not text:
                continue
            if name in wanted:
                lead[name] = text
            elif _LEAD_PROFESSIONAL_SYNONYMS.get(name) in wanted:
                lead.setdefault(_LEAD_PROFESSIONAL_SYNONYMS[name], text)
        return lead
    return {}


def _subject(form_id: str) -> Subject:
    try:
        return installed_catalogue().get(form_id).subject
    except CafError:
        return Subject()  # a form this app does not have: nothing can be read from it


def _has_place(definition: FormDefinition, pointer: str) -> bool:
    return bool(schematree.at(definition.schema, pointer, conditional=False))


def _text(document: Mapping[str, Any], pointer: str | None) -> str | None:
    return _plain(pointers.resolve(document, pointer, None)) if pointer else None


def _plain(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _key(action: str) -> str:
    return " ".join(action.lower().split())


def _when(record: CaseDocument) -> tuple[dt.date, dt.datetime]:
    """The meeting or review date (the day it was last changed when there is none yet)."""
    for part in ("meeting", "review"):
        held = record.document.get(part)
        if isinstance(held, Mapping) and isinstance(held.get("date"), str):
            try:
                return dt.date.fromisoformat(held["date"]), record.updated
            except ValueError:
                pass
    return record.updated.date(), record.updated
