"""The plain values the store gives and takes: profiles, summaries, record and revision infos, queries."""

from __future__ import annotations

import datetime as dt
import functools
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import (
    select,
    union,
)
from sqlalchemy.orm import aliased

from caf_desktop.common.errors import CafError
from caf_desktop.formengine import pointers
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.store import clock
from caf_desktop.store.models import (
    Case,
    Record,
)


def as_utc(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands back naive datetimes: the store writes UTC, so read them as UTC."""
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# Letters that Unicode does not decompose into a base letter and a mark.


_UNDECOMPOSED = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Ø": "O",
        "ø": "o",
        "Đ": "D",
        "đ": "d",
        "Ħ": "H",
        "ħ": "h",
        "ı": "i",
        "ß": "ss",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Þ": "Th",
        "þ": "th",
    }
)


def fold(text_value: str) -> str:
    """Lower case without accents, for matching names: "Zoë Łukasiewicz" -> "zoe lukasiewicz"."""
    if text_value.isascii():  # nothing to decompose or strip: the same answer, without a loop per letter
        return " ".join(text_value.lower().split())
    decomposed = unicodedata.normalize("NFKD", text_value.translate(_UNDECOMPOSED))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


STATUSES = ("draft", "complete", "signed", "shared", "closed")


@dataclass(frozen=True)
class Profile:
    name: str
    role: str
    organisation: str


@dataclass(frozen=True)
class Summary:
    """What the case list and the child index need from a document, by the definition's `subject`."""

    given_names: str = ""
    family_name: str = ""
    date_of_birth: dt.date | None = None
    expected_date: dt.date | None = None
    sex: str | None = None
    address: str | None = None
    reference: str | None = None
    level: int | None = None
    suggested_level: int | None = None
    safeguarding: bool = False  # a cause for the safeguarding banner (`caf_desktop.practice.safeguarding`)
    lead_professional: str | None = None
    next_review: dt.date | None = None
    closed_on: dt.date | None = None  # a closure's date (the case closes once the record is complete)

    @property
    def child_name(self) -> str:
        return " ".join(p for p in (self.given_names.strip(), self.family_name.strip()) if p)


@functools.lru_cache(maxsize=1024)
def _tokens(pointer: str) -> tuple[str, ...]:
    """A pointer's tokens, split once (a definition's `subject` names the same few in every record)."""
    return tuple(pointers.split(pointer))


def summarise(definition: FormDefinition, document: dict[str, Any]) -> Summary:
    subject = definition.subject

    def at(pointer: str | None) -> Any:
        return pointers.resolve(document, _tokens(pointer), None) if pointer else None

    def text_at(pointer: str | None) -> str | None:
        value = at(pointer)
        return value.strip() if isinstance(value, str) and value.strip() else None

    level = at(subject.level)
    suggested = None
    safeguarding = False
    if definition.ruleset is not None:
        from caf_desktop.practice.safeguarding import banner_causes  # noqa: PLC0415
        from caf_desktop.practice.thresholds import ruleset, suggested_level  # noqa: PLC0415

        try:
            rules = ruleset(definition.ruleset)
            suggested = suggested_level(rules, document, explain=False).level
            safeguarding = bool(banner_causes(rules, document))
        except CafError:
            suggested = None
    return Summary(
        suggested_level=suggested,
        safeguarding=safeguarding,
        given_names=text_at(subject.given_names) or "",
        family_name=text_at(subject.family_name) or "",
        date_of_birth=_date(at(subject.date_of_birth)),
        expected_date=_date(at(subject.expected_date)),
        sex=text_at(subject.sex),
        address=text_at(subject.address),
        reference=text_at(subject.reference),
        level=level if isinstance(level, int) and not isinstance(level, bool) else None,
        lead_professional=text_at(subject.lead_professional),
        next_review=_date(at(subject.next_review)),
        closed_on=_date(at(subject.closed_on)),
    )


_FINISHED = frozenset({"complete", "signed", "shared", "closed"})


def closes_case(status: str, summary: Summary) -> bool:
    """Whether a record closes its case: a closure (its form's `subject` names `closed_on`) with its
    date, once it is complete. A closed case asks for nothing more (no drift, no reviews due), and the
    child's next record starts a new case. A draft closure closes nothing."""
    return summary.closed_on is not None and status in _FINISHED


def summary_values(form_id: str, summary: Summary) -> dict[str, Any]:
    """A record's columns for the case list, from its document's summary."""
    return {
        "child_name": summary.child_name,
        "search_key": fold(f"{summary.child_name} {summary.reference or ''} {form_id}"),
        "child_dob": summary.date_of_birth or summary.expected_date,
        "level": summary.level,
        "suggested_level": summary.suggested_level,
        "safeguarding": summary.safeguarding,
        "lead_professional": summary.lead_professional,
        "next_review": summary.next_review,
    }


def consent_values(document: Any) -> dict[str, dict[str, Any]]:
    """The consents a document records (`/consent/assess`, `/consent/share`), as their rows' columns."""
    consent = document.get("consent") if isinstance(document, dict) else None
    if not isinstance(consent, dict):
        return {}
    found: dict[str, dict[str, Any]] = {}
    for kind in ("assess", "share"):
        part = consent.get(kind)
        if not isinstance(part, dict):
            continue
        found[kind] = {
            "given": part.get("given") if isinstance(part.get("given"), bool) else None,
            "given_by": part.get("given_by"),
            "role": part.get("given_by_role"),
            "basis": part.get("basis"),
            "scope": part.get("scope"),
            "agencies": part.get("agencies") if isinstance(part.get("agencies"), list) else None,
            "given_on": _date(part.get("date")),
            "withdrawn_on": _date(part.get("withdrawn_date")) if part.get("withdrawn") else None,
        }
    return found


# --- what the store hands out (plain data, never live ORM objects) -------------------------------------


@dataclass(frozen=True, kw_only=True)
class RecordInfo:
    id: str
    form_id: str
    form_version: str
    definition_digest: str
    status: str
    document: dict[str, Any] = field(repr=False)  # never in a log line
    version: int
    base_version: int | None
    child: str
    child_dob: dt.date | None
    level: int | None
    lead_professional: str | None
    suggested_level: int | None = None
    next_review: dt.date | None
    created: dt.datetime
    updated: dt.datetime
    saved: dt.datetime | None
    autosaved: dt.datetime | None
    deleted: dt.datetime | None
    case_id: str | None = None
    attention: str | None = None
    case_closed: bool = False  # its case was closed (a completed CAF closure): nothing is due any more
    safeguarding: bool = False  # its document has a cause for the safeguarding banner
    case_safeguarding: bool = False  # a record of its case has one (the case list reads this)

    @property
    def flags_safeguarding(self) -> bool:
        """Whether the case list flags it: a safeguarding cause in it, or in another record of its
        case, while the case is open."""
        return (self.safeguarding or self.case_safeguarding) and not self.case_closed

    @property
    def has_unsaved_changes(self) -> bool:
        """Autosaved since the last explicit save: typing that was kept but not yet saved on purpose."""
        return self.autosaved is not None and (self.saved is None or self.autosaved > self.saved)


# The parts of a document that say whether consent to share covers a recipient (`sharing.ConsentToShare`).


CONSENT_PARTS = ("consent", "services", "assessor", "lead_professional")


@dataclass(frozen=True)
class RevisionInfo:
    number: int
    status: str
    reason: str
    author: str
    created: dt.datetime
    document: dict[str, Any] = field(repr=False)
    form_version: str | None = None  # the version of its form the document was made with


@dataclass(frozen=True)
class Acknowledgement:
    """A person acknowledged the safeguarding banner of a record's version, for these causes."""

    record_id: str
    version: int
    causes: tuple[str, ...]
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class ChildMatch:
    id: str
    name: str
    date_of_birth: dt.date | None
    exact: bool
    # The names as stored, so a record started for this child spells them the same way.
    given_names: str = ""
    family_name: str = ""
    expected_date: dt.date | None = None


@dataclass(frozen=True)
class AuditReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    message: str = ""


@dataclass
class RecordQuery:
    """What the case list asks for: search text, filters, order, and a page. `order_by` "attention"
    puts the records the case list flags for safeguarding first, then by last change."""

    search: str = ""
    statuses: Sequence[str] = ()
    levels: Sequence[int] = ()
    include_deleted: bool = False
    order_by: str = "updated"
    descending: bool = True
    offset: int = 0
    limit: int | None = None


ORDER_COLUMNS = {
    "child": Record.search_key,
    "dob": Record.child_dob,
    "form": Record.form_id,
    "status": Record.status,
    "level": Record.level,
    "lead": Record.lead_professional,
    "updated": Record.updated_at,
    "review": Record.next_review,
}


def record_info(record: Record, *, with_document: bool = True) -> RecordInfo:
    return RecordInfo(
        id=record.uuid,
        form_id=record.form_id,
        form_version=record.form_version,
        definition_digest=record.definition_digest,
        status=record.status,
        document=record.document if with_document else {},
        version=record.version,
        base_version=record.base_version,
        child=record.child_name,
        child_dob=record.child_dob,
        level=record.level,
        suggested_level=record.suggested_level,
        lead_professional=record.lead_professional,
        next_review=record.next_review,
        created=as_utc(record.created_at) or clock.now(),
        updated=as_utc(record.updated_at) or clock.now(),
        saved=as_utc(record.saved_at),
        autosaved=as_utc(record.autosaved_at),
        deleted=as_utc(record.deleted_at),
        case_id=record.case.uuid if record.case is not None else None,
        attention=record.case.attention if record.case is not None else None,
        case_closed=record.case is not None and record.case.status == "closed",
        safeguarding=bool(record.safeguarding),
    )


def flagged_open_cases() -> Any:
    """The ids of the open cases in which a record (not deleted) has a cause for the safeguarding
    banner: the case list flags every record of such a case."""
    flagged = aliased(Record)
    return (
        select(flagged.case_id)
        .join(Case, Case.id == flagged.case_id)
        .where(flagged.safeguarding.is_(True), flagged.deleted_at.is_(None), Case.status != "closed")
    )


def flagged_record_ids() -> Any:
    """The ids of the records the case list flags for safeguarding (`RecordInfo.flags_safeguarding`):
    those of flagged open cases, through `ix_records_case_id`, and a record with no case that has a
    cause itself, through `ix_records_safeguarding`. Deleted ones too: the list's filters decide."""
    in_case, alone = aliased(Record), aliased(Record)
    return union(
        select(in_case.id).where(in_case.case_id.in_(flagged_open_cases())),
        select(alone.id).where(alone.safeguarding.is_(True), alone.case_id.is_(None)),
    )


# --- engines ---------------------------------------------------------------------------------------------


_T = TypeVar("_T")


def chunks(items: list[_T], size: int = 500) -> Iterator[list[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def consent_parts(row: Any) -> dict[str, Any]:
    """The consent-bearing parts of a document, as `consent_sources` selects them (absent ones left out)."""
    return {part: value for part in CONSENT_PARTS if (value := getattr(row, part)) is not None}


def iso(moment: dt.datetime | None) -> str:
    return (as_utc(moment) or clock.now()).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_iso(text_value: str) -> dt.datetime | None:
    try:
        parsed = dt.datetime.fromisoformat(text_value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
