"""Fictional sample cases, to try the app and to fill a store for benchmarks; one seed, one set of cases.

Everyone and everything here is invented: family names are made-up words (sometimes joined to a real
family name, as in "Nguyễn-Quillfeather"), schools and services say "(fictional)", telephone numbers are
in Ofcom's ranges for drama, postcodes start with ZZ and email addresses end in `.example`. Dates count
back from `today`, so the cases look current whenever they are made: assessments in progress, TAC
meetings and reviews (some overdue), management oversight and referrals to children's social care
(`stepping`), and closed cases with their closure forms.

`samples()` makes the documents without a store (every one passes the draft check, and every record
not in draft passes the complete check); `populate()` adds them to a store through its API.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from caf_desktop.demo import caf_document, stepping
from caf_desktop.demo.caf_document import iso
from caf_desktop.demo.content import (
    BOYS,
    CAMHS_WORKER,
    CLOSURES,
    DOMAIN_OF,
    FATHERS,
    GIRLS,
    GP,
    GP_DOCTOR,
    HOUSING_OFFICER,
    INVENTED_FAMILY_NAMES,
    LEADS,
    MOTHERS,
    PRONOUNS,
    REAL_FAMILY_NAMES,
    SCHOOLS,
    STREETS,
    STRENGTHS,
    SUB_ELEMENT,
    THEMES,
    THERAPIST,
    Action,
    Practitioner,
    Theme,
)

if TYPE_CHECKING:
    from caf_desktop.store.store import Store

DEFAULT_SEED = 2026
DEFAULT_COUNT = 25
DEMO_USER = "Demo User"
DEMO_ORGANISATION = "Demo organisation (fictional)"
FORMS = (
    "caf-pre-assessment",
    "caf-assessment",
    "tac-meeting",
    "tac-review",
    "caf-closure",
    "caf-referral",
    "management-oversight",
)
SHOWCASE_NO_FIRST_TAC, SHOWCASE_NON_ENGAGEMENT = (
    stepping.SHOWCASE_NO_FIRST_TAC,
    stepping.SHOWCASE_NON_ENGAGEMENT,
)

Document = dict[str, Any]


@dataclass(frozen=True)
class Sample:
    """One record to add: records with the same `case` are about the same child, in date order."""

    form_id: str
    document: Document = field(repr=False)  # reads like personal data, even invented: not in a log line
    status: str
    case: int


# --- one case -------------------------------------------------------------------------------------------


class _Case:
    """One fictional child and family, and the records of their CAF episode in date order."""

    def __init__(self, rng: random.Random, number: int, today: dt.date) -> None:
        self.rng = rng
        self.number = number
        self.today = today
        self.unborn = rng.random() < 0.05 and number > SHOWCASE_NON_ENGAGEMENT
        self.showcase = number if number <= SHOWCASE_NON_ENGAGEMENT else None
        self.sex = "unknown" if self.unborn else rng.choice(("female", "male"))
        self.mother = rng.choice(MOTHERS)
        self.father = rng.choice(FATHERS)
        stem = rng.choice(INVENTED_FAMILY_NAMES)
        self.family_name = f"{rng.choice(REAL_FAMILY_NAMES)}-{stem}" if rng.random() < 0.5 else stem
        self.given_names = (
            f"Unborn baby of {self.mother}"
            if self.unborn
            else rng.choice(GIRLS if self.sex == "female" else BOYS)
        )
        self.first_name = "the baby" if self.unborn else self.given_names
        self.parent = self.mother if rng.random() < 0.75 else self.father
        self.parent_relationship = "Mother" if self.parent == self.mother else "Father"
        self.parent_full_name = f"{self.parent} {self.family_name}"
        self.start = today - dt.timedelta(days=rng.randint(3, 90 if self.unborn else 600))
        self.date_of_birth = (
            None if self.unborn else self.start - dt.timedelta(days=rng.randint(200, 16 * 365))
        )
        self.expected = today + dt.timedelta(days=rng.randint(20, 180)) if self.unborn else None
        self.school = rng.choice(SCHOOLS)
        self.lead = rng.choice(LEADS)
        self.assessor = self.lead if rng.random() < 0.7 else rng.choice(LEADS)
        self.themes = rng.sample(THEMES, rng.choice((1, 1, 2, 2, 2, 3)))
        self.level = min(
            4, max(1, len(self.themes) + rng.choice((-1, 0, 0, 0, 1)) + (1 if len(self.themes) > 1 else 0))
        )
        if self.showcase is not None:
            self.start = today - dt.timedelta(days={1: 200, 2: 60, 3: 150}[self.showcase])
            self.level = {1: 4, 2: self.level, 3: 3}[self.showcase]
        self.reference = f"DEMO-{self.start.year}-{number:05d}"
        self.address = f"{rng.randint(1, 99)} {rng.choice(STREETS)}, Fictonwood, Brambledown"
        self.postcode = f"ZZ{rng.randint(1, 9)} {rng.randint(1, 9)}ZZ"
        self.phone = f"07700 900 {rng.randint(0, 999):03d}"
        pronouns = PRONOUNS[self.sex]
        self.words = {
            "name": self.first_name,
            "parent": self.parent,
            "school": self.school,
            "they": pronouns[0],
            "them": pronouns[1],
            "their": pronouns[2],
            "pct": rng.randint(78, 89),
            "late": rng.randint(4, 15),
            "arrears": rng.randint(3, 19) * 100,
            "incidents": rng.randint(3, 9),
            "household": rng.randint(3, 6),
        }

    def say(self, template: str) -> str:
        text = template.format(**self.words)
        return text[:1].upper() + text[1:]

    def day(self, base: dt.date, low: int, high: int) -> dt.date:
        return min(self.today, base + dt.timedelta(days=self.rng.randint(low, high)))

    def child(self) -> Document:
        child: Document = {"given_names": self.given_names, "family_name": self.family_name}
        if self.date_of_birth is not None:
            child["date_of_birth"] = iso(self.date_of_birth)
        child["caf_reference"] = self.reference
        return child

    def age_on(self, day: dt.date) -> int:
        return 0 if self.date_of_birth is None else (day - self.date_of_birth).days // 365

    def who(self, role: str) -> Practitioner:
        school = Practitioner("Olwen Whimsbury", "Class teacher", self.school, "01632 960 300")
        people = {
            "lead": self.lead,
            "school": school,
            "nurse": LEADS[2],
            "therapist": THERAPIST,
            "camhs": CAMHS_WORKER,
            "housing": HOUSING_OFFICER,
            "youth": LEADS[8],
            "parent": Practitioner(self.parent, self.parent_relationship, "Family", self.phone),
        }
        return people[role]

    def actions(self) -> list[Action]:
        return [action for theme in self.themes for action in theme.actions]

    # The forms ----------------------------------------------------------------------------------------

    def pre_assessment(self, on: dt.date) -> Document:
        noticed = {element for theme in self.themes for element in theme.needs}
        answers = {
            "healthy": "not_sure" if noticed & {"health", "basic_care"} else "yes",
            "safe_from_harm": "yes",
            "learning_and_developing": "no" if "learning" in noticed else "yes",
            "positive_impact_on_others": "not_sure" if "behavioural" in noticed else "yes",
            "free_from_poverty": "no" if "housing_employment_financial" in noticed else "yes",
        }
        return {
            "child": self.child(),
            "questions": {
                key: {
                    "answer": answer,
                    "notes": self.say(self.themes[0].reason)
                    if answer != "yes"
                    else "Nothing of concern seen.",
                }
                for key, answer in answers.items()
            },
            "practitioner": {
                "name": self.assessor.name,
                "role": self.assessor.role,
                "organisation": self.assessor.agency,
                "date": iso(on),
            },
            "outcome": {
                "decision": "start_caf",
                "reasons": self.say(
                    "{name} has needs that one service cannot meet alone. {parent} agrees to a CAF. No safeguarding concerns."
                ),
            },
        }

    def assessment(self, started: dt.date, completed: dt.date | None) -> Document:
        return caf_document.assessment(self, started, completed)

    def elements(self, themes: Sequence[Theme]) -> Document:
        sections: Document = {}
        for element, domain in DOMAIN_OF.items():
            needs = [self.say(t.needs[element]) for t in themes if element in t.needs]
            indicators = sorted({i for t in themes for i in t.indicators.get(element, ())})
            if not needs and self.rng.random() < 0.5:
                continue
            entry: Document = {"strengths": self.say(STRENGTHS[element])}
            if needs:
                entry["needs"] = " ".join(needs)
            place = sections.setdefault(domain, {})
            if element in SUB_ELEMENT:
                place[element] = {SUB_ELEMENT[element]: entry}
                if indicators:
                    place[element]["indicators"] = indicators
            else:
                place[element] = {**entry, **({"indicators": indicators} if indicators else {})}
        return sections

    def plan(self, on: dt.date, progress: Sequence[str]) -> list[Document]:
        rng = self.rng
        plan = []
        for action, state in zip(self.actions(), progress, strict=False):
            person = self.who(action.who)
            item: Document = {
                "action": self.say(action.text),
                "who": person.name,
                "agency": person.agency,
                "by_when": iso(on + dt.timedelta(days=rng.randint(14, 70))),
                "desired_outcome": self.say(action.outcome),
                "ecm_outcome": action.ecm,
                "progress": state,
            }
            if state in ("at_risk", "not_progressing"):
                item["comments"] = "Appointments were hard to arrange; a new date is agreed."
            plan.append(item)
        return plan

    def progress(self, reviews: int) -> list[str]:
        if reviews == 0:
            return ["not_started" if self.rng.random() < 0.6 else "on_track" for _ in self.actions()]
        choices = ("on_track", "on_track", "completed", "at_risk", "not_progressing")
        return [self.rng.choice(choices[: 3 + min(reviews, 2)]) for _ in self.actions()]

    def meeting(
        self, on: dt.date, kind: str, decision: str, next_review: dt.date | None, reviews: int, *, draft: bool
    ) -> Document:
        rng = self.rng
        child_attended = not self.unborn and self.age_on(on) >= 8 and rng.random() < 0.6
        document: Document = {
            "meeting": {
                "date": iso(on),
                "time": rng.choice(("09:30", "10:00", "13:30", "15:30")),
                "location": rng.choice(
                    (f"{self.school}, meeting room", "Family hub, Fictonwood", "Video call")
                ),
                "meeting_type": kind,
                "chair": self.lead.name,
            },
            "child": self.child(),
            "attendees": [
                {
                    "name": self.lead.name,
                    "role": self.lead.role,
                    "agency": self.lead.agency,
                    "contact": self.lead.phone,
                },
                {"name": self.parent_full_name, "role": self.parent_relationship, "agency": "Family"},
            ],
        }
        document["meeting"]["virtual"] = document["meeting"]["location"] == "Video call"
        if draft:  # minutes half written up: no outcome yet
            return document
        document["meeting"]["minute_taker"] = (
            self.assessor.name if self.assessor != self.lead else GP_DOCTOR.name
        )
        if rng.random() < 0.3:
            document["apologies"] = [
                {
                    "name": GP_DOCTOR.name,
                    "role": GP_DOCTOR.role,
                    "agency": GP,
                    "reason": "Surgery; sent a written update.",
                }
            ]
        attendance: Document = {"child_attended": child_attended, "parents_attended": True}
        if not child_attended:
            attendance["child_absence_reason"] = self.say(
                "{name} was at school; the lead professional met {them} beforehand to hear {their} views."
                if not self.unborn and self.age_on(on) >= 4
                else "{name} is too young to take part."
            )
        document["family_attendance"] = attendance
        document["views"] = {
            "child": self.say(self.themes[0].child_view) if not self.unborn else "",
            "parent_carer": self.say(
                "{parent} said the plan makes sense and the help is making a difference."
            ),
        }
        document["information_shared"] = [
            {"agency": self.school, "update": self.say("{name}'s attendance this half-term is {pct}%.")}
        ]
        document["decisions"] = [
            {"decision": _DECISIONS[decision], "rationale": "Agreed with the family.", "dissent": "None."}
        ]
        if kind != "closure":
            document["actions"] = self.plan(on, self.progress(reviews))
            document["plan_agreement"] = (
                {"agreement": "signed", "agreed_by": self.parent_full_name, "date": iso(on)}
                if self.number % 5
                else {
                    "agreement": "agreed_not_signed",
                    "agreed_by": self.parent_full_name,
                    "date": iso(on),
                    "reason": self.say(
                        "{parent} agreed the plan by telephone and will sign it at the next visit."
                    ),
                }
            )
            document["contingency_plan"] = self.say(
                "If things get worse for {name}, or the family cannot be reached for two weeks, the lead "
                "professional calls an early review and the team considers stepping up."
            )
            document["distribution"] = [
                {"name": self.parent_full_name, "agency": "Family", "sent_on": iso(on)},
                {"name": self.lead.name, "agency": self.lead.agency, "sent_on": iso(on)},
                {
                    "name": "Locality CAF team",
                    "agency": "Brambledown Early Help (fictional)",
                    "sent_on": iso(on),
                },
            ]
        document["engagement"] = {"missed_appointments": rng.choice((0, 0, 0, 1, 2))}
        document["non_engagement"] = self.missed_contacts(on, document["engagement"]["missed_appointments"])
        document["lead_professional"] = {
            "name": self.lead.name,
            "role": self.lead.role,
            "agency": self.lead.agency,
            "phone": self.lead.phone,
            "email": self.lead.email,
        }
        document["outcome"] = self.outcome(decision, next_review)
        document["outcome"]["agreed_level"] = self.level
        if next_review is not None:
            document["outcome"]["next_meeting_time"] = document["meeting"]["time"]
            document["outcome"]["next_meeting_place"] = document["meeting"]["location"]
        return document

    def missed_contacts(self, before: dt.date, count: int) -> list[Document]:
        """The contacts that did not happen since the last meeting (form 1.1.0's `non_engagement`)."""
        kinds = ("missed", "cancelled", "not_at_home", "declined")
        planned = ("Home visit", "Appointment at the family hub", "Home visit", "Parenting group session")
        return [
            {
                "date": iso(before - dt.timedelta(days=7 * (n + 1))),
                "kind": kinds[(self.number + n) % len(kinds)],
                "planned": planned[(self.number + n) % len(planned)],
                "service": self.lead.agency,
            }
            for n in range(count)
        ]

    def outcome(self, decision: str, next_review: dt.date | None) -> Document:
        outcome: Document = {"decision": decision}
        if next_review is not None:
            outcome["next_review_date"] = iso(next_review)
        if decision == "close":
            outcome["reason_for_closure"] = self.say("{name}'s needs are met; universal services carry on.")
        return outcome

    def review(
        self, on: dt.date, decision: str, next_review: dt.date | None, reviews: int, *, draft: bool
    ) -> Document:
        states = self.progress(reviews)
        document: Document = {
            "review": {
                "date": iso(on),
                "present": [
                    {"name": self.lead.name, "role": self.lead.role, "agency": self.lead.agency},
                    {"name": self.parent_full_name, "role": self.parent_relationship, "agency": "Family"},
                ],
            },
            "child": self.child(),
            "action_progress": [
                {"action": self.say(action.text), "who": self.who(action.who).name, "progress": state}
                for action, state in zip(self.actions(), states, strict=False)
            ],
        }
        if draft:
            return document
        document["what_changed"] = self.say(
            "{parent} says things are calmer at home and school reports {name} is more settled."
        )
        document["engagement"] = {"missed_appointments": self.rng.choice((0, 0, 1))}
        document["non_engagement"] = self.missed_contacts(on, document["engagement"]["missed_appointments"])
        document["views"] = {
            "child": "" if self.unborn else "It's a bit better now.",
            "parent_carer": self.say("{parent} is happy for the plan to continue."),
        }
        document["next_steps"] = self.say(
            "Carry on with the plan; the lead professional keeps everyone updated."
        )
        document["outcome"] = self.outcome(decision, next_review)
        return document

    def closure(self, on: dt.date, outcome: str, meeting: dt.date) -> Document:
        closure: Document = {
            "date": iso(on),
            "outcome": outcome,
            "reasons": self.say(_CLOSURE_REASONS[outcome]),
            "sign_off_meeting_held": True,
            "sign_off_meeting_date": iso(meeting),
            "views": {"parent_carer": self.say("{parent} knows the school can start a new CAF if needed.")},
        }
        if outcome == "stepped_down":
            closure["stepped_down_to"] = f"{self.school} pastoral team"
        if outcome == "moved_out_of_area":
            closure["new_authority"] = "Elsewhereshire County Council (fictional), transferred with consent"
        if outcome == "stepped_up":
            closure["csc_decision"] = "child_in_need"
            closure["csc_decision_date"] = iso(meeting)
        if outcome == "family_disengaged":
            closure["disengagement"] = {
                "attempts": [
                    {"date": iso(meeting - dt.timedelta(days=days)), "how": how, "result": "No reply."}
                    for days, how in ((21, "Home visit"), (14, "Telephone call"), (7, "Letter"))
                ],
                "reasons": ["consent_withdrawn", "not_contactable"],
                "safeguarding_concerns_remain": False,
                "agreed_by": self.lead.name,
                "agreed_by_role": self.lead.role,
            }
        return {
            "child": self.child(),
            "closure": closure,
            "sign_off": {
                "name": self.lead.name,
                "role": self.lead.role,
                "organisation": self.lead.agency,
                "date": iso(on),
            },
            "manager_sign_off": {"name": _CLOSURE_MANAGER[0], "role": _CLOSURE_MANAGER[1], "date": iso(on)},
            "retention": {
                "retention_date": iso(
                    on.replace(year=on.year + 7)
                    if (on.month, on.day) != (2, 29)
                    else on + dt.timedelta(days=7 * 365 + 2)
                )
            },
        }

    # The episode ----------------------------------------------------------------------------------------

    def records(self) -> Iterator[tuple[str, Document, bool]]:
        """(form id, document, is it a draft) in date order; statuses are decided by the caller. The
        referrals and oversight (`stepping`) are woven in by date; a closure stays last."""
        episode = list(self._episode())
        extras = self._extras(episode)
        closure = episode[-1:] if episode and episode[-1][0] == "caf-closure" else []
        body = episode[: len(episode) - len(closure)]
        woven = [
            (_on(form_id, document), index, (form_id, document, draft))
            for index, (form_id, document, draft) in enumerate(body)
        ]
        woven += [(e.on, len(body) + n, (e.form_id, e.document, False)) for n, e in enumerate(extras)]
        for _, _, record in sorted(woven, key=lambda w: (w[0], w[1])):
            yield record
        yield from closure

    def family(self) -> stepping.Family:
        return stepping.Family(
            self.child(),
            self.first_name,
            self.parent_full_name,
            self.lead.name,
            self.lead.role,
            self.lead.agency,
            self.lead.phone,
            self.level,
        )

    def _extras(self, episode: list[tuple[str, Document, bool]]) -> list[stepping.Extra]:
        return stepping.extra_records(self, episode)

    def _episode(self) -> Iterator[tuple[str, Document, bool]]:
        rng, today = self.rng, self.today
        if not self.unborn and rng.random() < 0.2:
            yield "caf-pre-assessment", self.pre_assessment(self.day(self.start, -10, -1)), False
        completed = self.start + dt.timedelta(days=rng.randint(5, 20))
        if completed > today:
            yield "caf-assessment", self.assessment(self.start, None), True
            return
        yield "caf-assessment", self.assessment(self.start, completed), False
        first = completed + dt.timedelta(days=rng.randint(7, 21))
        if first > today or self.showcase == SHOWCASE_NO_FIRST_TAC:
            return
        closing_after = rng.randint(1, 6) if not self.unborn and rng.random() < 0.45 else None
        if self.showcase is not None:
            closing_after = None
        drifting = rng.random() < 0.3
        next_review = first + dt.timedelta(weeks=rng.randint(4, 12))
        draft_last = rng.random() < 0.35
        upcoming: list[tuple[str, dt.date, int]] = [("initial", first, 0)]
        reviews = 0
        while reviews < 8:
            if next_review > today or (drifting and rng.random() < 0.5):
                break  # not due yet, or drifting: the review did not happen and is now overdue
            reviews += 1
            upcoming.append(("review", self.day(next_review, -3, 7), reviews))
            if closing_after == reviews:
                break
            next_review = upcoming[-1][1] + dt.timedelta(weeks=rng.randint(4, 12))
        for index, (kind, on, number) in enumerate(upcoming):
            last = index == len(upcoming) - 1
            closes = last and closing_after == number and number > 0
            if closes:
                outcome = rng.choices(list(CLOSURES), weights=[w for _, w in CLOSURES.values()])[0]
                decision = CLOSURES[outcome][0]
                plan_next = None
            else:
                outcome, decision = "", "continue"
                plan_next = upcoming[index + 1][1] if not last else next_review
            draft = last and not closes and draft_last
            if kind == "initial" or rng.random() < 0.3:
                meeting_type = "closure" if closes else kind
                yield (
                    "tac-meeting",
                    self.meeting(on, meeting_type, decision, plan_next, number, draft=draft),
                    draft,
                )
            else:
                yield "tac-review", self.review(on, decision, plan_next, number, draft=draft), draft
            if closes:
                yield "caf-closure", self.closure(self.day(on, 0, 14), outcome, on), False


def _on(form_id: str, document: Document) -> dt.date:
    """The day a demo record is about, to weave the extra records in by date."""
    for part, key in (
        ("meeting", "date"),
        ("review", "date"),
        ("practitioner", "date"),
        ("meta", "date_completed"),
        ("meta", "date_started"),
    ):
        value = document.get(part, {}).get(key)
        if isinstance(value, str):
            return dt.date.fromisoformat(value)
    return dt.date.min


_DECISIONS = {
    "continue": "Continue with the TAC plan.",
    "close": "Close the CAF.",
    "step_down": "Step down to universal services.",
    "step_up": "Refer to children's social care.",
}
_CLOSURE_MANAGER = ("Octavia Penhaligon-Rhys", "Early help team manager")  # fictional
_CLOSURE_REASONS = {
    "needs_met": "{name}'s needs are understood and met; universal services carry on the support.",
    "stepped_down": "The remaining needs can be met by the school's pastoral team.",
    "family_disengaged": "{parent} withdrew consent after the last review and did not answer letters or calls.",
    "moved_out_of_area": "The family moved to another area; the CAF was transferred with {parent}'s consent.",
    "stepped_up": "Needs grew despite the plan; children's social care accepted a referral.",
}


# --- the public API ------------------------------------------------------------------------------------


def samples(count: int, *, seed: int = DEFAULT_SEED, today: dt.date | None = None) -> Iterator[Sample]:
    """`count` fictional records, case after case; the same seed and day give the same documents."""
    rng = random.Random(seed)  # noqa: S311 - repeatable invented data, not a secret
    today = today or dt.date.today()
    made = 0
    number = 0
    while made < count:
        number += 1
        case = _Case(rng, number, today)
        records = list(case.records())
        closed = records[-1][0] == "caf-closure"
        for position, (form_id, document, draft) in enumerate(records):
            if made >= count:
                return
            if closed:
                status = "closed"
            elif draft:
                status = "draft"
            elif form_id != "caf-pre-assessment" and position < len(records) - 1 and rng.random() < 0.4:
                status = "shared"
            else:
                status = "complete"
            yield Sample(form_id, document, status, number)
            made += 1


def populate(
    store: Store, count: int = DEFAULT_COUNT, *, seed: int = DEFAULT_SEED, today: dt.date | None = None
) -> list[str]:
    """Adds `count` fictional records to `store` (the records of one case share a child); returns their ids."""
    from sqlalchemy import select  # noqa: PLC0415 - the generator above needs no database

    from caf_desktop.formengine.definitions import installed_catalogue  # noqa: PLC0415
    from caf_desktop.store.models import Case, Child  # noqa: PLC0415

    catalogue = installed_catalogue()
    definitions = {form_id: catalogue.get(form_id) for form_id in FORMS}
    ids: list[str] = []
    case_number, child_id = 0, None
    for sample in samples(count, seed=seed, today=today):
        if sample.case != case_number:
            case_number, child_id = sample.case, None
        info = store.add_record(
            definitions[sample.form_id], sample.document, status=sample.status, child_id=child_id
        )
        if child_id is None and info.case_id is not None:
            # The store links a record to a child only when told the child's id, and RecordInfo
            # names the case, not the child: ask once per case.
            with store.session() as session:
                child_id = session.scalar(
                    select(Child.uuid).join(Case, Case.child_id == Child.id).where(Case.uuid == info.case_id)
                )
        ids.append(info.id)
    return ids
