"""Threshold guidance: the continuum of need as data, and the pure function that applies it.

A ruleset (forms/thresholds/<id>/<version>.json, docs/thresholds.md) holds the four levels with
their labels and actions, the locality's contacts, the indicators of each CAF element at each
level, and the rules. `evaluate` turns chosen indicators (and whether the worker believes the child
is in immediate danger) into a suggested level with every reason that counted; it is deterministic,
has no side effects and imports no Qt. The guidance is not a tick box: the practitioner agrees the
level, and records why when it differs.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from caf_desktop.common import jsonfiles
from caf_desktop.common.errors import CafError, InputFileError
from caf_desktop.common.findings import Finding
from caf_desktop.formengine.checker import CheckReport
from caf_desktop.formengine.checker import check_files as checker_check_files
from caf_desktop.formengine.definitions import FormDefinition, forms_root, received_files, version_key

RULESET_FORMAT = 2  # 2: level-4 pathways, facts, notices, replaced and retired ids (docs/thresholds.md)

CHILD_IN_NEED = "child_in_need"  # Children Act 1989 s17: a referral with the family's consent
CHILD_PROTECTION = (
    "child_protection"  # s47, possible significant harm: the banner, 999, sharing without consent
)


class UnknownIndicator(CafError):
    def __init__(self, indicator_id: str, suggestion: str | None) -> None:
        hint = f" Did you mean {suggestion!r}?" if suggestion else ""
        super().__init__(
            f"{indicator_id!r} is not an indicator of the threshold guidance.{hint} `caf-desktop thresholds list` shows them."
        )


class UnknownRuleset(CafError):
    def __init__(self, ruleset_id: str) -> None:
        super().__init__(f"There is no installed threshold ruleset {ruleset_id!r}.")


@dataclass(frozen=True)
class Pathway:
    """What level 4 means on one pathway: a child in need, or child protection."""

    summary: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class Level:
    level: int
    label: str
    summary: str
    actions: tuple[str, ...]
    pathways: Mapping[str, Pathway] = field(default_factory=dict)


@dataclass(frozen=True)
class Contact:
    id: str
    name: str
    phone: str
    out_of_hours: str | None = None
    when: str | None = None
    placeholder: bool = False


@dataclass(frozen=True)
class Element:
    id: str
    domain: str
    title: str


@dataclass(frozen=True)
class Indicator:
    id: str
    element: str
    level: int
    text: str
    source: str | None = None
    pathway: str | None = None
    fact: str | None = None
    notify: str | None = None
    replaces: tuple[str, ...] = ()

    @property
    def route(self) -> str | None:
        """The level-4 pathway: a level-4 indicator that names none (ruleset 1.0.0) is child protection,
        so an indicator of significant harm is never missed. None below level 4."""
        if self.level != 4:
            return None
        return self.pathway or CHILD_PROTECTION

    @property
    def fact_key(self) -> str:
        """What the breadth and count rules count: the shared fact, or the indicator itself."""
        return self.fact or self.id


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    description: str
    from_level: int | None = None
    to_level: int | None = None
    min_domains: int | None = None
    min_count: int | None = None
    min_facts: int | None = None


@dataclass(frozen=True)
class Intervals:
    """The locality's intervals that define drift (the ruleset's `intervals`; docs/thresholds.md).

    The defaults: a first TAC meeting within 15 working days (three weeks) of a completed CAF (what
    the shipped TAC meeting form tells workers);
    management oversight of every level 3 and level 4 case at least every 90 days; a decision on a
    referral to children's social care recorded within 3 working days (Working Together 2023 asks
    children's social care to decide within one working day and to tell the referrer; three allows
    for that reply to reach the lead professional); a TAC review every 12 weeks when none was set.
    """

    first_tac_meeting_working_days: int = 15
    oversight_days: int = 90
    referral_decision_working_days: int = 3
    review_weeks: int = 12


@dataclass(frozen=True)
class Ruleset:
    id: str
    version: str
    title: str
    levels: dict[int, Level]
    contacts: tuple[Contact, ...]
    domains: dict[str, str]
    elements: dict[str, Element]
    indicators: dict[str, Indicator]
    rules: tuple[Rule, ...]
    raw: Mapping[str, Any] = field(repr=False)
    intervals: Intervals = Intervals()
    replaced: Mapping[str, str] = field(default_factory=dict)  # an earlier version's id -> its replacement
    retired: Mapping[str, str] = field(default_factory=dict)  # an earlier version's id -> why it went
    fact_domains: Mapping[str, str] = field(default_factory=dict)  # fact -> the one domain it counts in

    def knows(self, indicator_id: str) -> bool:
        """An indicator of this ruleset, or an earlier version's id it replaced or retired."""
        return (
            indicator_id in self.indicators or indicator_id in self.replaced or indicator_id in self.retired
        )

    def resolve(self, indicator_id: str) -> Indicator | None:
        """The indicator an id stands for here (an earlier version's id: its replacement); None when
        the id is retired or unknown."""
        found = self.indicators.get(indicator_id)
        if found is None and indicator_id in self.replaced:
            found = self.indicators.get(self.replaced[indicator_id])
        return found

    def indicators_of(self, element: str) -> list[Indicator]:
        """An element's indicators, by level then as written."""
        return sorted((i for i in self.indicators.values() if i.element == element), key=lambda i: i.level)

    def indicator(self, indicator_id: str) -> Indicator:
        found = self.indicators.get(indicator_id)
        if found is None:
            close = difflib.get_close_matches(indicator_id, list(self.indicators), n=1, cutoff=0.6)
            raise UnknownIndicator(indicator_id, close[0] if close else None)
        return found


@dataclass(frozen=True)
class ThresholdResult:
    """The guidance: the suggested level, why (each indicator and rule that counted), what to do."""

    level: int
    label: str
    safeguarding: bool
    reasons: tuple[str, ...]
    actions: tuple[str, ...]
    indicators: tuple[str, ...] = ()
    pathway: str | None = None  # at level 4: CHILD_PROTECTION or CHILD_IN_NEED
    notices: tuple[str, ...] = ()  # duties to notify, and what became of an earlier version's ids

    def as_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "label": self.label,
            "safeguarding": self.safeguarding,
            "pathway": self.pathway,
            "reasons": list(self.reasons),
            "actions": list(self.actions),
            "notices": list(self.notices),
        }


# --- evaluating ------------------------------------------------------------------------------------------


def evaluate(
    ruleset: Ruleset, indicator_ids: Iterable[str], *, immediate_danger: bool = False, explain: bool = True
) -> ThresholdResult:
    """The suggested level for these indicators (unknown ids raise `UnknownIndicator`; an earlier
    version's id counts as its replacement, and a retired one only gives a notice). With
    `explain=False` the reasons and actions are left out (empty): the same level, pathway and
    safeguarding flag, for the case list's columns, without writing sentences nobody reads."""
    chosen, notices = _chosen(ruleset, indicator_ids)
    needs = [i for i in chosen if i.level >= 2]  # level-1 indicators describe what is going well
    protection = [i for i in needs if i.route == CHILD_PROTECTION]
    in_need = [i for i in needs if i.route == CHILD_IN_NEED]
    level = 1
    reasons: list[str] = []
    safeguarding = False
    for rule in ruleset.rules:
        if rule.kind == "highest":
            for indicator in sorted(needs, key=lambda i: (-i.level, i.id)) if explain else ():
                element = ruleset.elements[indicator.element].title
                reasons.append(
                    f"{rule.id}: level {indicator.level}, {element}: {indicator.text} ({indicator.id})"
                )
            highest = max((i.level for i in needs), default=1)
            if not needs and explain:
                reasons.append(
                    f"{rule.id}: no needs above level 1 have been chosen, so the guidance is level 1; your judgement decides."
                )
            level = max(level, highest)
        elif (
            rule.kind == "breadth"
            and rule.from_level is not None
            and rule.to_level is not None
            and rule.min_domains is not None
        ):
            facts = _facts(ruleset, needs, rule.from_level)
            domains = sorted(set(facts.values()))
            enough = rule.min_facts is None or len(facts) >= rule.min_facts
            if len(domains) >= rule.min_domains and enough and level < rule.to_level:
                if explain:
                    titles = ", ".join(ruleset.domains[d] for d in domains)
                    counted = f": {len(facts)} different needs," if rule.min_facts is not None else ""
                    reasons.append(
                        f"{rule.id}: {rule.description} (level {rule.from_level} needs{counted} in {len(domains)} domains: {titles})"
                    )
                level = rule.to_level
        elif (
            rule.kind == "count"
            and rule.from_level is not None
            and rule.to_level is not None
            and rule.min_count is not None
        ):
            count = len(_facts(ruleset, needs, rule.from_level))
            if count >= rule.min_count and level < rule.to_level:
                reasons.append(f"{rule.id}: {rule.description} ({count} level {rule.from_level} needs)")
                level = rule.to_level
        elif rule.kind == "safeguarding":
            if protection or immediate_danger:
                safeguarding = True
                level = 4
                why = (
                    "the worker believes the child is in immediate danger"
                    if immediate_danger
                    else f"{len(protection)} child-protection indicator{'s' if len(protection) != 1 else ''}"
                )
                reasons.append(f"{rule.id}: {rule.description} ({why})")
            elif in_need and explain:
                reasons.append(
                    f"{rule.id}: The level-4 needs chosen are those of a child in need (Children Act 1989 s17), "
                    "not signs of significant harm: a referral to children's social care with the family's consent "
                    f"({len(in_need)} child-in-need indicator{'s' if len(in_need) != 1 else ''})"
                )
    pathway = (
        CHILD_PROTECTION
        if safeguarding
        else CHILD_IN_NEED
        if level == 4 and in_need and not protection
        else None
    )
    if level == 4 and protection and pathway is None:  # a ruleset without a safeguarding rule
        pathway = CHILD_PROTECTION
    chosen_level = ruleset.levels[level]
    ids = tuple(i.id for i in chosen)
    if not explain:
        return ThresholdResult(level, chosen_level.label, safeguarding, (), (), ids, pathway, tuple(notices))
    actions = _actions(ruleset, chosen_level, pathway, in_need)
    return ThresholdResult(
        level, chosen_level.label, safeguarding, tuple(reasons), tuple(actions), ids, pathway, tuple(notices)
    )


def _actions(ruleset: Ruleset, level: Level, pathway: str | None, in_need: Sequence[Indicator]) -> list[str]:
    """What to do: the level's actions, at level 4 those of its pathway, with the contacts first."""
    route = level.pathways.get(pathway) if pathway is not None else None
    actions = list(route.actions if route is not None else level.actions)
    if pathway == CHILD_PROTECTION:
        actions = [_safeguarding_action(ruleset), *actions]
        if in_need:
            needs_words = "; ".join(i.text for i in in_need)
            actions.append(
                f"The child-in-need needs chosen ({needs_words}) are part of the same referral: include them."
            )
    elif pathway == CHILD_IN_NEED:
        actions.insert(1, _referral_action(ruleset))
    return actions


def _chosen(ruleset: Ruleset, indicator_ids: Iterable[str]) -> tuple[list[Indicator], list[str]]:
    """The indicators the ids stand for, once each, and a notice for each earlier version's id whose
    level changed or that was retired (never silently: the worker checks the agreed level)."""
    chosen: dict[str, Indicator] = {}
    notices: list[str] = []
    for given in dict.fromkeys(indicator_ids):
        indicator = ruleset.resolve(given)
        if indicator is None and given in ruleset.retired:
            notices.append(
                f"{given} is no longer an indicator in version {ruleset.version} of the guidance: {ruleset.retired[given]}"
            )
            continue
        if indicator is None:
            indicator = ruleset.indicator(given)  # raises UnknownIndicator with a close match
        if indicator.id != given:
            before = _level_in_id(given)
            if before is not None and before != indicator.level:
                notices.append(
                    f"{given} (level {before} in an earlier version of the guidance) is now “{indicator.text}”, "
                    f"level {indicator.level}: check the agreed level."
                )
        chosen.setdefault(indicator.id, indicator)
    for indicator in chosen.values():
        if indicator.notify and indicator.notify not in notices:
            notices.append(indicator.notify)
    return list(chosen.values()), notices


def _level_in_id(indicator_id: str) -> int | None:
    parts = indicator_id.split(".")
    if len(parts) == 3 and len(parts[1]) == 2 and parts[1][0] == "l" and parts[1][1] in "1234":
        return int(parts[1][1])
    return None


def _facts(ruleset: Ruleset, needs: Sequence[Indicator], level: int) -> dict[str, str]:
    """The different facts among the needs at a level, each with the one domain it counts in."""
    facts: dict[str, str] = {}
    for indicator in needs:
        if indicator.level == level:
            key = indicator.fact_key
            facts.setdefault(key, ruleset.fact_domains.get(key) or ruleset.elements[indicator.element].domain)
    return facts


def _safeguarding_action(ruleset: Ruleset) -> str:
    contacts = "; ".join(f"{c.name}: {c.phone}" for c in ruleset.contacts)
    return f"Contact children's social care now; call the police on 999 if the child is in immediate danger. Do not delay to finish the form. ({contacts})"


def _referral_action(ruleset: Ruleset) -> str:
    front = [c for c in ruleset.contacts if c.id in ("mash", "out_of_hours")] or list(ruleset.contacts[:1])
    contacts = "; ".join(f"{c.name}: {c.phone}" for c in front)
    return f"Who to contact for the referral, once the family agree: {contacts}."


def indicators_in(document: Any) -> list[str]:
    """Every indicator id chosen anywhere in a document (the `indicators` lists of its elements)."""
    found: list[str] = []

    # Parsed JSON holds plain dicts and lists. The walk steps only into those, testing each value's
    # type once (a full CAF has thousands of answers, and this runs for every record a bundle brings).
    def walk(value: dict[str, Any]) -> None:
        for key, sub in value.items():
            kind = type(sub)
            if kind is dict:
                walk(sub)
            elif kind is list:
                if key == "indicators":
                    found.extend(i for i in sub if isinstance(i, str))
                else:
                    walk_list(sub)

    def walk_list(value: list[Any]) -> None:
        for item in value:
            kind = type(item)
            if kind is dict:
                walk(item)
            elif kind is list:
                walk_list(item)

    if type(document) is dict:
        walk(document)
    elif type(document) is list:
        walk_list(document)
    return list(dict.fromkeys(found))


def evaluate_document(ruleset: Ruleset, document: Mapping[str, Any]) -> ThresholdResult:
    """The guidance for a CAF document: its chosen indicators and its immediate-danger answer."""
    safeguarding = document.get("safeguarding")
    danger = isinstance(safeguarding, Mapping) and safeguarding.get("immediate_danger") is True
    return evaluate(ruleset, indicators_in(document), immediate_danger=danger)


def suggested_level(
    ruleset_: Ruleset, document: Mapping[str, Any], *, explain: bool = True
) -> ThresholdResult:
    """The guidance for a document, leaving out indicator ids this ruleset does not know
    (a record made with another version of the guidance must still open). `explain` as `evaluate`."""
    known = [i for i in indicators_in(document) if ruleset_.knows(i)]
    safeguarding = document.get("safeguarding")
    danger = isinstance(safeguarding, Mapping) and safeguarding.get("immediate_danger") is True
    return evaluate(ruleset_, known, immediate_danger=danger, explain=explain)


def level_findings(definition: Any, document: Mapping[str, Any]) -> list[Finding]:
    """Marking complete: an agreed level that differs from the suggestion needs a rationale."""
    from caf_desktop.formengine import pointers  # noqa: PLC0415

    subject = definition.subject
    if definition.ruleset is None or subject.level is None or subject.level_rationale is None:
        return []
    agreed = pointers.resolve(document, subject.level, None)
    if not isinstance(agreed, int) or isinstance(agreed, bool):
        return []
    try:
        suggestion = suggested_level(ruleset(definition.ruleset), document)
    except CafError:
        return []
    rationale = pointers.resolve(document, subject.level_rationale, None)
    if agreed != suggestion.level and not (isinstance(rationale, str) and rationale.strip()):
        return [
            Finding(
                subject.level_rationale,
                f"The agreed level ({agreed}) differs from the suggested level ({suggestion.level}): "
                "record why in the rationale, so others can follow your judgement.",
            )
        ]
    return []


# --- loading and checking ------------------------------------------------------------------------------


@functools.cache
def ruleset_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (resources.files("caf_desktop.schemas") / "threshold-ruleset.schema.json").read_text(encoding="utf-8")
    )
    return loaded


def check_ruleset(raw: Any, source: str) -> Iterator[Finding]:
    """Every problem in a ruleset: its shape, then duplicate ids and references to nothing."""
    from caf_desktop.formengine.checker import meta_message  # noqa: PLC0415

    if isinstance(raw, dict) and isinstance(raw.get("format"), int) and raw["format"] > RULESET_FORMAT:
        yield Finding(
            "/format",
            f"This ruleset was written for a newer version of CAF Desktop (format {raw['format']}). Update CAF Desktop to use it.",
            source,
        )
        return
    shape = sorted(
        Draft202012Validator(ruleset_schema()).iter_errors(raw), key=lambda e: list(map(str, e.absolute_path))
    )
    for error in shape:
        yield Finding("/" + "/".join(map(str, error.absolute_path)), meta_message(error), source)
    if shape:
        return
    domains = {d["id"] for d in raw["domains"]}
    elements = {e["id"] for e in raw["elements"]}
    for key in ("domains", "elements", "indicators", "rules", "contacts"):
        seen: dict[str, int] = {}
        for index, item in enumerate(raw[key]):
            if item["id"] in seen:
                yield Finding(
                    f"/{key}/{index}/id",
                    f"The id {item['id']!r} is already used at /{key}/{seen[item['id']]}.",
                    source,
                )
            seen.setdefault(item["id"], index)
    if sorted(level["level"] for level in raw["levels"]) != [1, 2, 3, 4]:
        yield Finding("/levels", "The levels must be 1, 2, 3 and 4, once each.", source)
    for index, element in enumerate(raw["elements"]):
        if element["domain"] not in domains:
            yield Finding(f"/elements/{index}/domain", _unknown("domain", element["domain"], domains), source)
    for index, indicator in enumerate(raw["indicators"]):
        if indicator["element"] not in elements:
            yield Finding(
                f"/indicators/{index}/element", _unknown("element", indicator["element"], elements), source
            )
        elif not indicator["id"].startswith(f"{indicator['element']}.l{indicator['level']}."):
            yield Finding(
                f"/indicators/{index}/id",
                f"The id {indicator['id']!r} should start with {indicator['element']}.l{indicator['level']}. to match its element and level.",
                source,
            )
    yield from _check_versions(raw, source)


def _check_versions(raw: Mapping[str, Any], source: str) -> Iterator[Finding]:
    """One fact, one level; a pathway only at level 4; an earlier version's id replaced or retired
    once, and never also an indicator of this version."""
    ids = {i["id"] for i in raw["indicators"]}
    fact_level: dict[str, tuple[int, int]] = {}
    replaced: dict[str, int] = {}
    for index, indicator in enumerate(raw["indicators"]):
        fact = indicator.get("fact")
        if fact is not None:
            first = fact_level.setdefault(fact, (indicator["level"], index))
            if first[0] != indicator["level"]:
                yield Finding(
                    f"/indicators/{index}/level",
                    f"The fact {fact!r} is level {first[0]} at /indicators/{first[1]} and level "
                    f"{indicator['level']} here: one fact has one level.",
                    source,
                )
        if indicator.get("pathway") is not None and indicator["level"] != 4:
            yield Finding(f"/indicators/{index}/pathway", "Only a level-4 indicator has a pathway.", source)
        for position, old in enumerate(indicator.get("replaces", ())):
            where = f"/indicators/{index}/replaces/{position}"
            if old in ids:
                yield Finding(
                    where, f"{old!r} is an indicator of this version, so nothing replaces it.", source
                )
            elif old in replaced:
                yield Finding(where, f"{old!r} is already replaced at /indicators/{replaced[old]}.", source)
            replaced.setdefault(old, index)
    for index, retired in enumerate(raw.get("retired", ())):
        if retired["id"] in ids or retired["id"] in replaced:
            yield Finding(
                f"/retired/{index}/id",
                f"{retired['id']!r} is an indicator of this version or replaced by one, so it is not retired.",
                source,
            )


def _unknown(kind: str, name: str, known: set[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"{name!r} is not {'an' if kind[0] in 'aeiou' else 'a'} {kind} of this ruleset." + (
        f" Did you mean {close[0]!r}?" if close else ""
    )


def build(raw: Mapping[str, Any]) -> Ruleset:
    indicators = {
        i["id"]: Indicator(**{**i, "replaces": tuple(i.get("replaces", ()))}) for i in raw["indicators"]
    }
    fact_domains: dict[str, str] = {}
    elements = {e["id"]: e["domain"] for e in raw["elements"]}
    for indicator in indicators.values():
        if indicator.fact is not None:
            fact_domains.setdefault(indicator.fact, elements[indicator.element])
    return Ruleset(
        id=raw["id"],
        version=raw["version"],
        title=raw["title"],
        levels={
            lv["level"]: Level(
                lv["level"],
                lv["label"],
                lv["summary"],
                tuple(lv["actions"]),
                {k: Pathway(p["summary"], tuple(p["actions"])) for k, p in lv.get("pathways", {}).items()},
            )
            for lv in raw["levels"]
        },
        contacts=tuple(Contact(**c) for c in raw["contacts"]),
        domains={d["id"]: d["title"] for d in raw["domains"]},
        elements={e["id"]: Element(e["id"], e["domain"], e["title"]) for e in raw["elements"]},
        indicators=indicators,
        rules=tuple(Rule(**r) for r in raw["rules"]),
        raw=raw,
        intervals=Intervals(**raw.get("intervals", {})),
        replaced={old: i.id for i in indicators.values() for old in i.replaces},
        retired={r["id"]: r["reason"] for r in raw.get("retired", ())},
        fact_domains=fact_domains,
    )


def shipped_ruleset_files() -> list[Traversable]:
    root = forms_root() / "thresholds"
    if not root.is_dir():
        return []
    return sorted(
        (
            f
            for folder in root.iterdir()
            if folder.is_dir()
            for f in folder.iterdir()
            if f.name.endswith(".json")
        ),
        key=lambda f: (Path(str(f)).parent.name, f.name),
    )


def installed_raw_rulesets() -> dict[str, Any]:
    """The shipped ruleset files as read, by id (unreadable ones left out), for `forms check` to bind
    definitions to."""
    found: dict[str, Any] = {}
    for resource in shipped_ruleset_files():
        try:
            raw = jsonfiles.parse(resource.read_text(encoding="utf-8"), resource.name)
        except InputFileError:
            continue
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            found[raw["id"]] = raw
    return found


def check_files(files: Iterable[tuple[Path, str]]) -> CheckReport:
    """`forms check`: every file checked, definitions and threshold rulesets alike (see
    `caf_desktop.formengine.checker.check_files`)."""
    return checker_check_files(
        files, check_ruleset=check_ruleset, installed_rulesets=installed_raw_rulesets()
    )


def indicator_words(definition: FormDefinition) -> dict[str, str] | None:
    """Each indicator id of the form's ruleset, in the words the form shows it, for describing changes
    (None when the form has no ruleset or it is not installed: then the ids are all there is)."""
    if definition.ruleset is None:
        return None
    try:
        rules = ruleset(definition.ruleset)
    except CafError:
        return None
    words = {i.id: f"“{i.text}” (level {i.level})" for i in rules.indicators.values()}
    for old, new in rules.replaced.items():
        words[old] = f"{words[new]} (was {old})"
    for old, reason in rules.retired.items():
        words[old] = f"{old}: no longer an indicator ({reason})"
    return words


@functools.cache
def shipped_rulesets() -> dict[str, Ruleset]:
    """The installed rulesets, newest version of each id (checked: a broken one is a DefinitionInvalid)."""
    from caf_desktop.common.errors import DefinitionInvalid  # noqa: PLC0415

    found: dict[str, Ruleset] = {}
    for resource in shipped_ruleset_files():
        name = f"forms/thresholds/{Path(str(resource)).parent.name}/{resource.name}"
        raw = jsonfiles.parse(resource.read_text(encoding="utf-8"), name)
        problems = list(check_ruleset(raw, name))
        if problems:
            raise DefinitionInvalid(name, problems)
        ruleset = build(raw)
        current = found.get(ruleset.id)
        if current is None or version_key(ruleset.version) > version_key(current.version):
            found[ruleset.id] = ruleset
    return found


def installed_rulesets() -> dict[str, Ruleset]:
    """The shipped rulesets, and newer versions the team's coordinator sent (kept in the home
    folder's `forms/thresholds/ID/VERSION.json`; one that fails its checks is left out): the newest
    version of each id. Read once per home folder, like `definitions.installed_catalogue`."""
    from caf_desktop.common import paths  # noqa: PLC0415

    return _installed(str(paths.user_forms_dir() / "thresholds"))


def forget_received() -> None:
    """Rulesets were received: the next `installed_rulesets` reads them again."""
    _installed.cache_clear()


@functools.lru_cache(maxsize=8)
def _installed(folder: str) -> dict[str, Ruleset]:
    files = received_files(Path(folder))
    if not files:
        return shipped_rulesets()
    found = dict(shipped_rulesets())
    for path in files:
        try:
            raw = jsonfiles.load(path)
            if next(iter(check_ruleset(raw, str(path))), None) is not None:
                continue
            received = build(raw)
        except (CafError, OSError, KeyError, TypeError, ValueError):
            continue
        current = found.get(received.id)
        if current is None or version_key(received.version) > version_key(current.version):
            found[received.id] = received
    return found


def ruleset(ruleset_id: str = "caf-continuum") -> Ruleset:
    found = installed_rulesets().get(ruleset_id)
    if found is None:
        raise UnknownRuleset(ruleset_id)
    return found


def parse_indicator_list(text: str) -> Sequence[str]:
    return [part.strip() for part in text.split(",") if part.strip()]
