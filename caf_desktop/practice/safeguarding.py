"""What raises the safeguarding banner, and whether an acknowledgement still covers it.

DESIGN.md section 7: a child-protection indicator shows an unmissable banner whenever its record is
open, until a person acknowledges it for that version of the record. The trigger is decided here
and nowhere else (the form's banner and the case list's "Needs attention" both ask this module).
Level 4 has two pathways (docs/thresholds.md): only a `child_protection` indicator (possible
significant harm, Children Act 1989 s47) raises the banner; a `child_in_need` one (s17) is a
referral made with the family's consent, and raises none. A level-4 indicator of a ruleset that
names no pathway (1.0.0) is child protection: an indicator of significant harm is never missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from caf_desktop.practice.thresholds import CHILD_PROTECTION, Indicator, Ruleset, indicators_in

# The cause recorded when the worker answers that the child is in immediate danger (not an indicator).
IMMEDIATE_DANGER = "immediate-danger"


def raises_banner(indicator: Indicator) -> bool:
    """Whether choosing this indicator raises the banner: a child-protection indicator."""
    return indicator.route == CHILD_PROTECTION


def banner_causes(ruleset: Ruleset, document: Mapping[str, Any]) -> frozenset[str]:
    """The ids of the chosen indicators that raise the banner, and `IMMEDIATE_DANGER` when the worker
    says the child is in immediate danger; empty when there is no banner. Ids the ruleset does not
    know are left out (a record made with another version of the guidance must still open); an
    earlier version's id counts as its replacement, and is the cause as the record holds it."""
    causes = set()
    for indicator_id in indicators_in(document):
        indicator = ruleset.resolve(indicator_id)
        if indicator is not None and raises_banner(indicator):
            causes.add(indicator_id)
    answers = document.get("safeguarding")
    if isinstance(answers, Mapping) and answers.get("immediate_danger") is True:
        causes.add(IMMEDIATE_DANGER)
    return frozenset(causes)


def covers(acknowledged: Iterable[str], causes: Iterable[str]) -> bool:
    """Whether an acknowledgement of `acknowledged` answers the banner for `causes`: every cause must
    have been acknowledged, so a danger chosen after the acknowledgement raises the banner again."""
    return set(causes) <= set(acknowledged)
