"""The CAF assessment of a demo case: the longest of the demo's documents, kept apart from `generate`
(which makes the rest of each case's records). Everyone and everything here is invented."""

from __future__ import annotations

import datetime as dt
from typing import Any

from caf_desktop.demo.content import ETHNICITIES, GP, GP_DOCTOR, OTHER_ETHNICITY, STRENGTHS

Document = dict[str, Any]


def iso(day: dt.date) -> str:
    return day.isoformat()


def years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def assessment(case: Any, started: dt.date, completed: dt.date | None) -> Document:
    """A CAF assessment of one demo case (`generate._Case`), started and perhaps completed."""
    rng = case.rng
    child: Document = {"given_names": case.given_names, "family_name": case.family_name, "sex": case.sex}
    if case.unborn:
        child.update(is_unborn=True, expected_date_of_delivery=iso(case.expected or case.today))
    else:
        child.update(is_unborn=False, date_of_birth=iso(case.date_of_birth or case.start))
    ethnicity = rng.choice(ETHNICITIES)
    child.update(address=case.address, postcode=case.postcode, phone=case.phone, ethnicity=ethnicity)
    if ethnicity in OTHER_ETHNICITY:
        child["ethnicity_other"] = OTHER_ETHNICITY[ethnicity]
    polish = ethnicity == "any_other_white"
    child["first_language_child"] = "English (also speaks Polish at home)" if polish else "English"
    child["first_language_parent"] = "Polish" if polish else "English"
    child["disabled"] = rng.random() < 0.1
    if child["disabled"]:
        child["disability_details"] = case.say(
            "{name} has a diagnosis of autism and finds changes to routine hard."
        )
    child["interpreter_required"] = polish
    if polish:
        child.update(interpreter_arranged=True, interpreter_details="Polish interpreter for meetings")
    document: Document = {
        "meta": {"unique_ref": case.reference, "version_no": 1, "date_started": iso(started)},
        "child": child,
        "assessment": {
            "people_present": f"{case.parent} ({case.parent_relationship.lower()}); {case.assessor.name} ({case.assessor.role}, {case.assessor.agency}).",
            "reason": " ".join(case.say(theme.reason) for theme in case.themes),
        },
        "parents_carers": [
            {
                "name": f"{case.mother} {case.family_name}",
                "phone": case.phone,
                "relationship": "Mother",
                "address": case.address,
                "postcode": case.postcode,
                "parental_responsibility": "yes",
            },
            {
                "name": f"{case.father} {case.family_name}",
                "relationship": "Father",
                "parental_responsibility": "yes",
            },
        ],
    }
    document["social_care_history"] = (
        {
            "known": "yes",
            "episodes": [
                {
                    "kind": "child_in_need_plan",
                    "when": "before",
                    "details": "Child in need plan with Brambledown children's social care (fictional), closed two years ago.",
                }
            ],
        }
        if case.level >= 3 and case.number % 3 == 0
        else {"known": "no"}
    )
    if completed is None:  # a draft: the first sections only, and some of the development
        first = case.themes[0]
        document["development"] = case.elements([first])["development"]
        return document
    day = completed
    document["meta"]["date_completed"] = iso(completed)
    document["household"] = {
        "situation": case.say(
            "{name} lives with {parent} and a younger sibling in a rented flat. Wider family visit most weekends."
        ),
        "members": [
            {
                "name": f"{case.parent} {case.family_name}",
                "relationship": case.parent_relationship,
                "address": "Lives with the child",
            }
        ],
    }
    document["assessor"] = {
        "name": case.assessor.name,
        "phone": case.assessor.phone,
        "email": case.assessor.email,
        "role": case.assessor.role,
        "organisation": case.assessor.agency,
    }
    document["lead_professional"] = {
        "name": case.lead.name,
        "phone": case.lead.phone,
        "organisation": case.lead.agency,
    }
    document["services"] = [
        {"tier": "universal", "service": case.school, "practitioner": "Olwen Whimsbury (class teacher)"},
        {"tier": "universal", "service": GP, "practitioner": GP_DOCTOR.name, "contact": GP_DOCTOR.phone},
        {
            "tier": "targeted",
            "service": case.lead.agency,
            "practitioner": case.lead.name,
            "contact": case.lead.phone,
        },
    ]
    document.update(case.elements(case.themes))
    speaks = not case.unborn and case.age_on(day) >= 4
    if speaks:
        document["child_voice"] = {
            "spoken_to_individually": True,
            "date_spoken_to": iso(case.day(started, 0, (day - started).days)),
            "childs_views": " ".join(case.say(theme.child_view) for theme in case.themes),
        }
    elif not case.unborn:  # a baby or a child too young to talk: seen and observed (form 1.1.0)
        document["child_voice"] = {
            "spoken_to_individually": "seen_and_observed",
            "date_observed": iso(day),
            "observations": case.say(
                "{name} is too young to give views in words. Seen at home with {parent}: relaxed, "
                "smiling and reaching for {parent} when unsure."
            ),
        }
    else:
        document["child_voice"] = {
            "spoken_to_individually": False,
            "reason_not_spoken_to": case.say(
                "This is an unborn baby; {parent}'s health in pregnancy and the home the baby will come to were considered."
            ),
        }
    document["conclusions"] = {
        "strengths_summary": case.say(STRENGTHS["emotional_social"]),
        "needs_summary": " ".join(case.say(next(iter(t.needs.values()))) for t in case.themes),
    }
    document["actions"] = [
        {
            "action": case.say(action.text),
            "who": case.who(action.who).name,
            "agency": case.who(action.who).agency,
            "by_when": iso(day + dt.timedelta(days=rng.randint(14, 70))),
            "desired_outcome": case.say(action.outcome),
        }
        for action in case.actions()
    ]
    named = rng.random() < 0.4
    role, basis = (
        ("expectant_parent", "expectant_parent")
        if case.unborn
        else ("parent_with_pr", "parental_responsibility")
    )
    share: Document = {
        "given": True,
        "scope": "named_only" if named else "all_listed",
        "given_by": case.parent_full_name,
        "given_by_role": role,
        "basis": basis,
        "date": iso(day),
        "withdrawn": False,
    }
    if named:
        share["agencies"] = [case.school, GP, case.lead.agency]
    document["consent"] = {
        "assess": {
            "given": True,
            "given_by": case.parent_full_name,
            "given_by_role": role,
            "basis": basis,
            "date": iso(started),
            "withdrawn": False,
        },
        "share": share,
        "signatures": {
            "held_on_paper": True,
            "paper_copy_location": f"Lead professional's case file, {case.lead.agency}",
            "date": iso(day),
        },
    }
    document["safeguarding"] = {"immediate_danger": False}
    document["level_of_need"] = {
        "agreed_level": case.level,
        "rationale": f"Needs in {len(case.themes)} area{'s' if len(case.themes) != 1 else ''} that call for a coordinated response; agreed with the family.",
    }
    return document
