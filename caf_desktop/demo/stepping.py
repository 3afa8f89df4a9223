"""Fictional referrals to children's social care and management oversight for the demo cases, with
their logs of contacts that did not happen: the records that show the whole-case drift checks
(docs/practice.md). Everyone here is invented, as in `generate`.

`extra_records` works on one case's documents in date order and returns the new records to weave in:
oversight of a level 3 or 4 case every few weeks (a drifting case stops having it), for some cases a
referral (with children's social care's decision, or still waiting for it), and contacts that did not
happen. The first few demo cases are showcases, so even a small demo shows each kind of drift.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

Document = dict[str, Any]

# The first cases of every demo show the whole-case drift checks: a level 4 case whose referral waits
# for children's social care's decision and whose oversight is overdue, a CAF with no first TAC meeting,
# and a family whose contacts keep not happening.
SHOWCASE_REFERRAL, SHOWCASE_NO_FIRST_TAC, SHOWCASE_NON_ENGAGEMENT = 1, 2, 3

MANAGERS = (
    ("Morwenna Quillby", "manager", "Brambledown Early Help Hub (fictional)"),
    ("Idris Thornwell", "safeguarding_lead", "Brambledown Safeguarding Partnership (fictional)"),
    ("Anwen Fairweather-Oke", "supervisor", "Brambledown Family Support Team (fictional)"),
)
FRONT_DOOR_WORKERS = ("Kasia Brightmoor, duty social worker", "Leon Ashcombe-Mensah, MASH team manager")
PLANNED = (
    ("Home visit", "Brambledown Family Support Team (fictional)"),
    ("Health visitor appointment", "Brambledown Community Health (fictional)"),
    ("School meeting", "the school"),
    ("Parenting group", "Family hub, Fictonwood (fictional)"),
)
KINDS = ("missed", "cancelled", "not_at_home", "declined")
DECISIONS = ("child_in_need", "child_protection", "no_further_action", "step_down")
NEXT_STEPS = {
    "child_in_need": "A child and family assessment under section 17; the TAC carries on until the social worker says otherwise.",
    "child_protection": "A strategy discussion was held and a section 47 enquiry begun; the lead professional joins it.",
    "no_further_action": "No further action by children's social care; the TAC plan carries on with a review soon.",
    "step_down": "Back to early help: the TAC meets within two weeks to strengthen the plan.",
}


@dataclass(frozen=True)
class Family:
    """What the extra records need to know of a demo case."""

    child: Document
    first_name: str
    parent_full_name: str
    lead_name: str
    lead_role: str
    lead_agency: str
    lead_phone: str
    level: int


@dataclass(frozen=True)
class Extra:
    form_id: str
    document: Document
    on: dt.date


def contacts(rng: random.Random, days: Sequence[dt.date], school: str) -> list[Document]:
    """Contacts that did not happen on these days."""
    made = []
    for day in days:
        planned, service = rng.choice(PLANNED)
        made.append(
            {
                "date": day.isoformat(),
                "kind": rng.choice(KINDS),
                "planned": planned,
                "service": school if service == "the school" else service,
            }
        )
    return made


def referral(
    rng: random.Random, family: Family, on: dt.date, today: dt.date, *, decided: bool, concerns: str
) -> Document:
    document: Document = {
        "child": dict(family.child),
        "referrer": {
            "name": family.lead_name,
            "role": f"{family.lead_role} (lead professional)",
            "agency": family.lead_agency,
            "phone": family.lead_phone,
        },
        "referral": {
            "date": on.isoformat(),
            "time": rng.choice(("09:15", "11:40", "14:05", "16:20")),
            "method": "phone_then_written",
            "written_date": on.isoformat(),
            "to_whom": rng.choice(("front_door", "mash")),
            "contact_name": rng.choice(FRONT_DOOR_WORKERS),
        },
        "reason": {
            "level_of_need": 4,
            "pathway": rng.choice(("child_in_need", "child_protection")),
            "concerns": concerns,
        },
        "sharing": {
            "what_shared": "The CAF, the TAC plan and reviews, and the record of contacts that did not happen.",
            "basis": "consent",
            "consent_given_by": f"{family.parent_full_name}, parent",
            "consent_date": on.isoformat(),
            "parents_told": True,
        },
        "safety": {
            "immediate_danger": False,
            "police_informed": False,
            "actions": f"{family.first_name} was seen at school the same day and is safe at home tonight.",
        },
    }
    if decided:
        outcome = rng.choice(DECISIONS)
        decided_on = min(today, on + dt.timedelta(days=rng.randint(1, 3)))
        document["decision"] = {
            "outcome": outcome,
            "date": decided_on.isoformat(),
            "told_by": rng.choice(FRONT_DOOR_WORKERS),
            "next_steps": NEXT_STEPS[outcome],
        }
    return document


def oversight(
    rng: random.Random, family: Family, on: dt.date, next_on: dt.date, missed: list[Document]
) -> Document:
    name, role, agency = rng.choice(MANAGERS)
    worried = len(missed) >= 2
    document: Document = {
        "child": dict(family.child),
        "oversight": {
            "date": on.isoformat(),
            "reviewer_name": name,
            "reviewer_role": role,
            "reviewer_agency": agency,
            "lead_professional": family.lead_name,
            "level_of_need": family.level,
        },
        "considered": {
            "sources": ["records", "plan", "drift", "child_voice"] + (["non_engagement"] if missed else []),
            "summary": (
                f"Contacts with the family keep not happening; the plan for {family.first_name} is at risk of drifting."
                if worried
                else f"The plan is making a difference for {family.first_name}; actions are mostly on track."
            ),
        },
        "decisions": (
            "Talk to the family about what gets in the way; if the next contact does not happen, discuss stepping up."
            if worried
            else "Carry on with the plan; the lead professional keeps the team told of any change."
        ),
        "actions": [
            {
                "action": "Agree with the family when and where contacts suit them",
                "who": family.lead_name,
                "by_when": (on + dt.timedelta(days=14)).isoformat(),
            }
        ],
        "direction": {
            "step": "stay",
            "reason": "The needs are still those of a coordinated early help plan.",
        },
        "next_oversight_date": next_on.isoformat(),
    }
    if missed:
        document["non_engagement"] = missed
    return document


class DemoCase(Protocol):
    """What `extra_records` reads of a demo case (`generate._Case`)."""

    rng: random.Random
    today: dt.date
    level: int
    showcase: int | None
    school: str

    def day(self, base: dt.date, low: int, high: int) -> dt.date: ...

    def say(self, template: str) -> str: ...

    def family(self) -> Family: ...


def extra_records(case: DemoCase, episode: list[tuple[str, Document, bool]]) -> list[Extra]:
    """Oversight of a level 3 or 4 case, referrals and contacts that did not happen."""
    rng, today = case.rng, case.today
    cafs = [d for f, d, draft in episode if f == "caf-assessment" and not draft]
    if not cafs:
        return []
    completed = dt.date.fromisoformat(cafs[0]["meta"]["date_completed"])
    closure = next((d for f, d, _ in episode if f == "caf-closure"), None)
    end = dt.date.fromisoformat(closure["closure"]["date"]) if closure else today
    family = case.family()
    extras: list[Extra] = []
    stepped_up = closure is not None and closure["closure"]["outcome"] == "stepped_up"
    if case.showcase == SHOWCASE_REFERRAL or (case.level == 4 and not closure and rng.random() < 0.5):
        on = case.day(today, -12, -8)  # past the decision interval, whatever the weekday
        if case.showcase == SHOWCASE_REFERRAL:
            earlier = completed + dt.timedelta(days=40)
            concerns = case.say(
                "{name}'s attendance has fallen to {pct}% and the family has stopped engaging with the plan."
            )
            document = referral(rng, family, earlier, today, decided=True, concerns=concerns)
            document["decision"].update(outcome="step_down", next_steps=NEXT_STEPS["step_down"])
            extras.append(Extra("caf-referral", document, earlier))
        decided = case.showcase != SHOWCASE_REFERRAL and rng.random() < 0.5
        concerns = case.say(
            "Worries for {name} have grown despite the TAC plan: {parent} has missed {late} contacts."
        )
        extras.append(
            Extra(
                "caf-referral",
                referral(rng, family, on, today, decided=decided, concerns=concerns),
                on,
            )
        )
    elif stepped_up and closure is not None:
        on = max(completed, end - dt.timedelta(days=rng.randint(5, 20)))
        concerns = case.say("Needs for {name} grew despite the plan; the TAC agreed to refer.")
        document = referral(rng, family, on, end, decided=True, concerns=concerns)
        document["decision"]["outcome"] = rng.choice(("child_in_need", "child_protection"))
        document["decision"]["next_steps"] = NEXT_STEPS[document["decision"]["outcome"]]
        extras.append(Extra("caf-referral", document, on))
    if case.level >= 3 and case.showcase != SHOWCASE_NO_FIRST_TAC:
        day = completed + dt.timedelta(days=rng.randint(20, 45))
        last = completed
        while day <= end:
            next_on = day + dt.timedelta(days=rng.randint(45, 90))
            missed = contacts(
                rng,
                sorted(
                    case.day(last, 1, max(1, (day - last).days)) for _ in range(rng.choice((0, 0, 0, 1, 2)))
                ),
                case.school,
            )
            if case.showcase == SHOWCASE_NON_ENGAGEMENT and next_on > today:
                missed = contacts(rng, [day - dt.timedelta(days=d) for d in (40, 25, 9)], case.school)
            extras.append(Extra("management-oversight", oversight(rng, family, day, next_on, missed), day))
            if case.showcase == SHOWCASE_REFERRAL or (
                case.showcase is None and not closure and rng.random() < 0.25
            ):
                break  # drifting: the next oversight did not happen
            last, day = day, next_on
    return extras
