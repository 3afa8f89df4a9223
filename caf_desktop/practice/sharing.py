"""Consent to share, the seven golden rules, and the record of every sharing decision.

Sharing a record (in a sync bundle, or as a PDF marked for sharing) needs the family's consent to
share covering the recipient, or a recorded decision to share without consent that walks through the
seven golden rules of information sharing (HM Government 2008; see docs/decisions.md). Which consent
applies: the most recently saved record of the child's case that records consent to share, usually
the CAF itself. What it covers:

- "All services listed on this form": the locality team that holds the CAF, and every service named
  in that CAF's services section, or as its assessor's or lead professional's organisation;
- "Only the services named below": those named services, and nobody else (the locality team too
  must be named);
- refused, withdrawn (from the withdrawal date), or not recorded: nobody.

A form that is not for sharing (`"shareable": false`, such as the pre-assessment checklist, a
decision aid) is never shared, with or without consent.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from caf_desktop.common.errors import CafError


@dataclass(frozen=True, kw_only=True)
class ConsentSources:
    """What `sharing.check` needs of a record: its form and child, and the parts of the documents that
    may record the consent to share that applies to it (`consent`, `services`, `assessor` and
    `lead_professional`; the others are left out), by record id, in the order they are looked at: the
    record's own first, then the others of its child's case (not deleted), most recently saved first."""

    record_id: str
    form_id: str
    form_version: str
    child: str
    documents: tuple[tuple[str, dict[str, Any]], ...] = field(repr=False)


class ConsentStore(Protocol):
    """What sharing needs of a store (`caf_desktop.store.store.Store` is one): the consent sources
    of records, and a way to audit the sharing of them."""

    def consent_sources(self, record_ids: Sequence[str]) -> dict[str, ConsentSources]: ...

    def audit_many(self, events: Sequence[tuple[str, str | None, dict[str, Any]]]) -> None: ...


@dataclass(frozen=True)
class GoldenRule:
    key: str
    title: str
    question: str


GOLDEN_RULES: tuple[GoldenRule, ...] = (
    GoldenRule(
        "framework",
        "Data protection is not a barrier",
        "The law is a framework for sharing appropriately, not a barrier. What is the clear and "
        "legitimate purpose of sharing this information?",
    ),
    GoldenRule(
        "open",
        "Be open and honest",
        "Have you told the child and family why, what, how and with whom you are sharing? If not, "
        "why would telling them be unsafe or inappropriate?",
    ),
    GoldenRule(
        "advice",
        "Seek advice",
        "If in doubt, who did you ask for advice (without naming the child where you could)?",
    ),
    GoldenRule(
        "public_interest",
        "Share with consent where appropriate",
        "Consent to share does not cover this. Why does the public interest override the lack of "
        "consent, on the facts of this case?",
    ),
    GoldenRule(
        "safety",
        "Consider safety and well-being",
        "How does sharing protect the safety and well-being of the child or of others?",
    ),
    GoldenRule(
        "proportionate",
        "Necessary, proportionate, relevant, accurate, timely and secure",
        "Is only what is needed being shared, accurately, in time and securely?",
    ),
    GoldenRule(
        "record",
        "Keep a record",
        "Your decision, the reasons, what is shared and with whom are recorded in the audit trail "
        "when you confirm.",
    ),
)

PUBLIC_INTEREST_GROUNDS: tuple[tuple[str, str], ...] = (
    ("child_at_risk", "The child is at risk of significant harm"),
    ("adult_at_risk", "An adult is at risk of serious harm"),
    ("serious_crime", "To prevent or detect a serious crime"),
    ("other", "Another reason in the public interest (say which below)"),
)

MINIMUM_REASON_LENGTH = 20


def grounds_for(child_protection: bool) -> tuple[tuple[str, str], ...]:
    """The grounds a decision may give. The child's risk of significant harm is a ground only on the
    child-protection pathway (Children Act 1989 s47); a child in need (s17) is referred and shared
    with the family's consent, so their level-4 needs alone are no ground (docs/thresholds.md)."""
    if child_protection:
        return PUBLIC_INTEREST_GROUNDS
    return tuple(ground for ground in PUBLIC_INTEREST_GROUNDS if ground[0] != "child_at_risk")


class SharingRefused(CafError):
    """Consent does not cover sharing these records, and no decision to share without it was made."""

    exit_status = 1

    def __init__(self, gaps: Sequence[SharingGap]) -> None:
        self.gaps = tuple(gaps)
        lines = "\n".join(f"- {gap.child or 'A record'} ({gap.form_title}): {gap.reason}" for gap in gaps)
        super().__init__(
            f"Nothing was shared: consent does not cover sharing {len(gaps)} record"
            f"{'s' if len(gaps) != 1 else ''}.\n{lines}\n"
            "Record consent to share in the CAF, or, if the law allows sharing without consent, record "
            "that decision and its reason."
        )


class DecisionIncomplete(CafError):
    pass


class GroundRefused(CafError):
    """The decision gives a ground the records do not support (significant harm for a child in need)."""

    exit_status = 1


@dataclass(frozen=True)
class ConsentToShare:
    """Consent to share as a CAF records it (`/consent/share`), with where it was recorded."""

    given: bool | None
    scope: str | None
    agencies: tuple[str, ...]
    given_by: str | None
    given_on: dt.date | None
    withdrawn_on: dt.date | None
    listed_services: tuple[str, ...] = ()
    source_record: str | None = None

    @classmethod
    def from_document(
        cls, document: Mapping[str, Any], source_record: str | None = None
    ) -> ConsentToShare | None:
        consent = document.get("consent")
        share = consent.get("share") if isinstance(consent, Mapping) else None
        if not isinstance(share, Mapping) or not isinstance(share.get("given"), bool):
            return None
        agencies = share.get("agencies")
        return cls(
            given=share["given"],
            scope=share.get("scope") if isinstance(share.get("scope"), str) else None,
            agencies=tuple(a for a in agencies if isinstance(a, str)) if isinstance(agencies, list) else (),
            given_by=share.get("given_by") if isinstance(share.get("given_by"), str) else None,
            given_on=_date(share.get("date")),
            withdrawn_on=_date(share.get("withdrawn_date")) if share.get("withdrawn") is True else None,
            listed_services=_listed_services(document),
            source_record=source_record,
        )


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _listed_services(document: Mapping[str, Any]) -> tuple[str, ...]:
    names: list[str] = []
    services = document.get("services")
    if isinstance(services, list):
        names += [
            s["service"] for s in services if isinstance(s, Mapping) and isinstance(s.get("service"), str)
        ]
    for part in ("assessor", "lead_professional"):
        section = document.get(part)
        if isinstance(section, Mapping) and isinstance(section.get("organisation"), str):
            names.append(section["organisation"])
    return tuple(name for name in names if name.strip())


def _same_name(a: str, b: str) -> bool:
    def folded(text: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", text).casefold().split())

    return folded(a) == folded(b)


def uncovered_reason(
    consent: ConsentToShare | None, recipient: str, *, is_locality_team: bool, today: dt.date | None = None
) -> str | None:
    """Why consent does not cover sharing with `recipient`, or None when it does."""
    today = today or dt.date.today()
    if consent is None:
        return "no consent to share is recorded for this child."
    if consent.withdrawn_on is not None and consent.withdrawn_on <= today:
        return f"consent to share was withdrawn on {consent.withdrawn_on:%d/%m/%Y}."
    if not consent.given:
        return "consent to share was refused."
    if consent.scope == "all_listed":
        if is_locality_team or any(_same_name(recipient, name) for name in consent.listed_services):
            return None
        return f"consent covers the services listed on the CAF, and {recipient} is not one of them."
    if consent.scope == "named_only":
        if any(_same_name(recipient, name) for name in consent.agencies):
            return None
        named = ", ".join(consent.agencies) or "none"
        return f"consent covers only the services named ({named}), and {recipient} is not named."
    return "consent to share does not say with whom (record its scope in the CAF)."


@dataclass(frozen=True)
class SharingGap:
    record_id: str
    child: str
    form_title: str
    reason: str
    can_share_without_consent: bool = True


def consent_for(store: ConsentStore, record_id: str) -> ConsentToShare | None:
    """The consent to share that applies to a record: its own, else the newest in its child's case."""
    return _applying(store.consent_sources([record_id])[record_id])


def _applying(source: ConsentSources) -> ConsentToShare | None:
    """The first of a record's consent sources (its own first) that records consent to share."""
    for source_record, document in source.documents:
        consent = ConsentToShare.from_document(document, source_record)
        if consent is not None:
            return consent
    return None


def check(
    store: ConsentStore,
    record_ids: Sequence[str],
    recipient: str,
    *,
    is_locality_team: bool = True,
    today: dt.date | None = None,
) -> list[SharingGap]:
    """The records that consent does not cover sharing with `recipient` (empty: share them all).
    The store is asked once for all the records (`Store.consent_sources`), not once per record."""
    from caf_desktop.common.errors import UnknownForm  # noqa: PLC0415
    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415

    catalogue = installed_catalogue()
    forms: dict[tuple[str, str], tuple[str, bool]] = {}
    sources = store.consent_sources(record_ids)
    gaps: list[SharingGap] = []
    for record_id in record_ids:
        source = sources[record_id]
        form = (source.form_id, source.form_version)
        if form not in forms:
            try:
                definition = catalogue.lookup(f"{source.form_id}@{source.form_version}")
                forms[form] = (definition.title, definition.shareable)
            except UnknownForm:
                forms[form] = (source.form_id, True)
        title, shareable = forms[form]
        if not shareable:
            gaps.append(
                SharingGap(
                    record_id,
                    source.child,
                    title,
                    "this form is a decision aid for the practitioner and is never shared.",
                    can_share_without_consent=False,
                )
            )
            continue
        reason = uncovered_reason(
            _applying(source), recipient, is_locality_team=is_locality_team, today=today
        )
        if reason is not None:
            gaps.append(SharingGap(record_id, source.child, title, reason))
    return gaps


@dataclass(frozen=True)
class ShareWithoutConsent:
    """A recorded decision to share without consent: the ground, the reason, and the answer to each
    golden rule (by `GoldenRule.key`)."""

    reason: str
    decided_by: str
    ground: str = "child_at_risk"
    rules: Mapping[str, str] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """What is missing before the decision can be recorded (empty when it is complete)."""
        problems = []
        if len(self.reason.strip()) < MINIMUM_REASON_LENGTH:
            problems.append(
                "Say why the public interest overrides the lack of consent, on the facts of this case "
                f"(at least {MINIMUM_REASON_LENGTH} characters)."
            )
        if self.ground not in dict(PUBLIC_INTEREST_GROUNDS):
            problems.append("Choose the ground for sharing without consent.")
        if not self.decided_by.strip():
            problems.append("Say who made the decision.")
        return problems

    def require_complete(self) -> None:
        problems = self.problems()
        if problems:
            raise DecisionIncomplete(
                "The decision to share without consent is not complete: " + " ".join(problems)
            )


def refuse_unless_covered(
    gaps: Sequence[SharingGap], decision: ShareWithoutConsent | None, *, child_protection: bool | None = None
) -> None:
    """Raises `SharingRefused` unless every gap may be, and is, covered by a complete decision. The
    child's risk of significant harm is a ground only on the child-protection pathway: with
    `child_protection` False (`on_child_protection_pathway`), a decision on that ground is refused."""
    never = [gap for gap in gaps if not gap.can_share_without_consent]
    if never:
        raise SharingRefused(never)
    if gaps and decision is None:
        raise SharingRefused(gaps)
    if gaps and decision is not None:
        decision.require_complete()
        if decision.ground == "child_at_risk" and child_protection is False:
            raise GroundRefused(
                "Nothing was shared: the ground “The child is at risk of significant harm” needs a "
                "child-protection indicator (or the answer that the child is in immediate danger) in the "
                "case of every record it covers, and at least one has none. A child in need is referred, "
                "and their information shared, with the family's consent. Record the child-protection "
                "indicator if there is one, or give another ground (--ground)."
            )


def refuse_unless_shareable(
    store: CaseRecords, gaps: Sequence[SharingGap], decision: ShareWithoutConsent | None
) -> None:
    """`refuse_unless_covered`, with the pathway looked up in the store when the decision's ground
    needs it (the bundle export's check: the command line and the app refuse the same)."""
    needs_pathway = bool(gaps) and decision is not None and decision.ground == "child_at_risk"
    on_pathway = on_child_protection_pathway(store, gaps) if needs_pathway else None
    refuse_unless_covered(gaps, decision, child_protection=on_pathway)


class CaseRecords(Protocol):
    """What the pathway check needs of a store: a record and the others of its child's case."""

    def case_records(self, record_id: str) -> Sequence[Any]: ...


def on_child_protection_pathway(store: CaseRecords, gaps: Sequence[SharingGap]) -> bool:
    """Whether every record consent does not cover is on the child-protection pathway: it, or a
    record of its child's case, has a cause for the safeguarding banner (a child-protection
    indicator, or the child in immediate danger; `caf_desktop.practice.safeguarding`)."""
    for gap in gaps:
        try:
            case = store.case_records(gap.record_id)  # the record and the others of its child's case
        except CafError:
            return False
        if not any(getattr(record, "safeguarding", False) for record in case):
            return False
    return bool(gaps)


def log_shared(
    store: ConsentStore,
    record_ids: Sequence[str],
    recipient: str,
    *,
    purpose: str,
    without_consent: ShareWithoutConsent | None = None,
    gaps: Sequence[SharingGap] = (),
) -> None:
    """Audits the sharing of each record: with whom, why, and on what basis (consent or a decision).

    Records whose consent covers the sharing are logged as shared with consent even when a decision
    to share without consent was made for others in the same bundle."""
    without = {gap.record_id for gap in gaps}
    events: list[tuple[str, str | None, dict[str, Any]]] = []
    for record_id in record_ids:
        details: dict[str, Any] = {"recipient": recipient, "purpose": purpose}
        if record_id in without and without_consent is not None:
            details |= {
                "basis": "without consent",
                "ground": without_consent.ground,
                "reason": without_consent.reason,
                "decided_by": without_consent.decided_by,
                "rules": dict(without_consent.rules),
            }
        else:
            details["basis"] = "consent"
        events.append(("shared", record_id, details))
    store.audit_many(events)  # one transaction for them all, in order
