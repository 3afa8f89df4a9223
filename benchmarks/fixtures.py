"""Shared pieces of the benchmarks: the fully filled CAF document, timing helpers, the machine.

The document is the shipped example `tests/examples/caf-assessment/full.json` made as heavy as a real
one can be: every long-text answer (maxLength > 200 in the schema) about 1,500 characters of words,
6 parents and carers, 10 services and 20 actions. It must still be a valid draft.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FULL_EXAMPLE = ROOT / "tests" / "examples" / "caf-assessment" / "full.json"
FORM_ID = "caf-assessment"
TODAY = dt.date(2026, 11, 26)
LONG_TEXT_CHARS = 1500

_WORDS = (
    "Zoë told her learning mentor that she likes drawing and wants to be a vet when she grows up. "
    "Her mother said the last few months have been hard since the family lost her grandmother, and "
    "that mornings are the worst time of the day because nobody has slept well. The school has "
    "offered a quiet space at break time, and the class teacher checks in with Zoë each Monday. "
    "Siân walks Zoë to school on the days she is not working early, and the childminder says Zoë is "
    "settled and eats well at her house. Money is tight since Agnieszka's hours were cut, and the "
    "family is behind with the electricity bill. The family support worker will help with a "
    "benefits check and a referral to the local food bank if the family wants one. Everyone agreed "
    "that Zoë should be asked what helps, in her own words, at each review of the plan. "
)


def long_text(seed: int, length: int = LONG_TEXT_CHARS) -> str:
    """About `length` characters of realistic sentences, starting at a different sentence for each seed."""
    sentences = [f"{s.strip().rstrip('.')}." for s in _WORDS.split(". ") if s.strip()]
    out: list[str] = []
    size = 0
    index = seed
    while size < length:
        sentence = sentences[index % len(sentences)]
        out.append(sentence)
        size += len(sentence) + 1
        index += 1
    return " ".join(out)


def _is_long_text(schema: Any, template: str) -> bool:
    from caf_desktop.formengine import schematree

    subschemas = schematree.at(schema, template)
    max_length = schematree.first(subschemas, "maxLength")
    return (
        schematree.kind(schema, subschemas) == "text"
        and isinstance(max_length, int)
        and max_length > 200
        and schematree.first(subschemas, "format") is None
    )


def _pad_long_texts(schema: Any, node: Any, pointer: str, template: str, counter: list[int]) -> None:
    """Pads every long-text answer in `node`, and fills absent long-text answers of its objects."""
    from caf_desktop.formengine import schematree

    if isinstance(node, dict):
        names = [n for s in schematree.at(schema, template) for n in schematree.property_names(schema, s)]
        for name in dict.fromkeys([*node, *names]):
            child_pointer, child_template = f"{pointer}/{name}", f"{template}/{name}"
            value = node.get(name)
            fill = (value is None and name in names) or isinstance(value, str)
            if fill and _is_long_text(schema, child_template):
                counter[0] += 1
                node[name] = long_text(counter[0])
            elif isinstance(value, dict | list):
                _pad_long_texts(schema, value, child_pointer, child_template, counter)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, dict | list):
                _pad_long_texts(schema, item, f"{pointer}/{index}", f"{template}/*", counter)


def _extend(items: list[dict[str, Any]], count: int, vary: Callable[[dict[str, Any], int], None]) -> None:
    originals = list(items)
    index = len(items)
    while len(items) < count:
        item = copy.deepcopy(originals[index % len(originals)])
        vary(item, index)
        items.append(item)
        index += 1


def _vary_carer(item: dict[str, Any], index: int) -> None:
    item["name"] = f"{item.get('name', 'Carer')} ({index + 1})"
    item["phone"] = f"07700 900 {100 + index:03d}"


def _vary_service(item: dict[str, Any], index: int) -> None:
    item["service"] = f"{item.get('service', 'Service')}, team {index + 1}"
    item["practitioner"] = f"Practitioner number {index + 1}"


def _vary_action(item: dict[str, Any], index: int) -> None:
    item["action"] = f"Step {index + 1}: {item.get('action', '')}"
    if "by_when" in item:
        day = dt.date.fromisoformat(item["by_when"]) + dt.timedelta(days=7 * index)
        item["by_when"] = day.isoformat()


def definition() -> Any:
    """The shipped CAF, with the catalogue loaded."""
    from caf_desktop.formengine import definitions

    return definitions.shipped_catalogue().get(FORM_ID)


def full_document(form: Any = None) -> dict[str, Any]:
    """The fully filled CAF: long text everywhere, 6 carers, 10 services, 20 actions. Checked valid."""
    from caf_desktop.formengine import validation

    form = form or definition()
    document: dict[str, Any] = json.loads(FULL_EXAMPLE.read_text(encoding="utf-8"))
    _extend(document["parents_carers"], 6, _vary_carer)
    _extend(document["services"], 10, _vary_service)
    _extend(document["actions"], 20, _vary_action)
    _pad_long_texts(form.schema, document, "", "", [0])
    # Long text only where a question is asked: answers that rules hide are left out again.
    from caf_desktop.formengine.relevance import relevant_document

    document = relevant_document(form, document)
    if not validation.is_valid(form, document, today=TODAY):
        problems = validation.findings(form, document, today=TODAY)
        raise SystemExit(f"the benchmark document is not a valid draft: {problems[:5]}")
    return document


def long_text_count(form: Any, document: Any) -> int:
    """How many long-text answers the document holds."""
    count = 0

    def walk(node: Any, template: str) -> None:
        nonlocal count
        if isinstance(node, dict):
            for name, value in node.items():
                if isinstance(value, str) and _is_long_text(form.schema, f"{template}/{name}"):
                    count += 1
                walk(value, f"{template}/{name}")
        elif isinstance(node, list):
            for item in node:
                walk(item, f"{template}/*")

    walk(document, "")
    return count


# --- timing ------------------------------------------------------------------------------------------


def ms(seconds: float) -> float:
    return seconds * 1000.0


def median_ms(samples: Iterable[float]) -> float:
    return ms(statistics.median(list(samples)))


def timed(function: Callable[[], Any]) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def report(name: str, value: str, target: str, ok: bool) -> str:
    line = f"{name:<48} {value:<34} target {target:<28} {'PASS' if ok else 'MISS'}"
    print(line, flush=True)
    return line


# --- the machine -------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    ram = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    import PySide6
    from PySide6 import QtCore

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "python": platform.python_version(),
        "pyside6": PySide6.__version__,
        "qt": QtCore.qVersion(),
        "platform": platform.platform(),
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
    }


def print_machine() -> None:
    info = machine()
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM; Python {info['python']}, "
        f"PySide6 {info['pyside6']}, Qt {info['qt']}; {info['platform']}; {info['date']}",
        flush=True,
    )


# --- a PySide6 bug the runs must survive -------------------------------------------------------------------


def none_references_lost_per_call() -> float:
    """How many references to None one Qt call that returns nothing loses (0 when the binding is right)."""
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(1000):
        probe.setObjectName("probe")
    return (before - sys.getrefcount(None)) / 1000


def refuse_a_leaking_binding() -> None:
    """Stops at once, with a sentence, on a PySide6 that loses references to None (6.12.0 on
    Python 3.11 does, and the process then aborts part-way through); pyproject.toml excludes it."""
    lost = none_references_lost_per_call()
    if lost > 0 and sys.version_info < (3, 12):
        raise SystemExit(
            f"This PySide6 loses {lost:.0f} reference to None per Qt call on Python {platform.python_version()} "
            "and would crash part-way through; install the version pyproject.toml asks for."
        )


# --- a case list of fictional records ------------------------------------------------------------------

EXAMPLES = ROOT / "tests" / "examples"

GIVEN_NAMES = (
    "Zoë", "Alfie", "Siân", "Oluwaseun", "Mohammed", "Aarav", "Amelia", "Olivia", "Isla", "Ava",
    "Freya", "Lily", "Ivy", "Florence", "Willow", "Noah", "Oliver", "George", "Arthur", "Leo",
    "Harry", "Oscar", "Archie", "Henry", "Theodore", "Jack", "Freddie", "Charlie", "Finley", "Tommy",
    "Rufus", "Ottilie", "Barnaby", "Niamh", "Ciarán", "Dafydd", "Eilidh", "Aoife", "Zofia", "Kacper",
    "Tomasz", "Amara", "Chidi", "Kwame", "Ayaan", "Fatima", "Maryam", "Aisha", "Yusuf", "Hamza",
    "Ibrahim", "Priya", "Arjun", "Mei", "Ana", "Mateo", "Lucía", "Zainab", "Ezra", "Ruby",
    "Elsie", "Maisie", "Poppy", "Rosie", "Jude", "Zac", "Tegan", "Bethan", "Callum", "Kayden",
)  # fmt: skip
FAMILY_NAMES = (
    "Łukasiewicz", "Imaginary-Jones", "Okonkwo", "Evans", "Pemberton-Iwu", "Brackley", "Testwell",
    "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Wilson", "Roberts", "Thomas", "Khan",
    "Ahmed", "Patel", "Singh", "Begum", "Ali", "Hussain", "Nowak", "Kowalski", "Wiśniewski", "Dvořák",
    "O'Brien", "O'Neill", "Murphy", "Kelly", "MacLeod", "Campbell", "Fraser", "Llewellyn", "Pritchard",
    "Hughes", "Adeyemi", "Mensah", "Okafor", "Nguyen", "Chen", "Wong", "Kim", "Silva", "Santos",
    "García", "Rodríguez", "Müller", "Schmidt", "Novak", "Horvat", "Ivanova", "Petrov", "Lucas",
    "Lund", "Ludlow", "Zielińska", "Zaman", "Ferreira", "Fenwick-Soto", "Abernethy", "Beaumont",
    "Carmichael", "Delacroix", "Ellery", "Fairbairn", "Greenhalgh", "Hargreaves", "Ingleby", "Jessop",
    "Kershaw", "Lomax", "Marsden", "Nuttall", "Ormerod", "Quigley", "Ramsbottom", "Sowerby",
    "Thistlethwaite",
)  # fmt: skip
LEAD_PROFESSIONALS = tuple(
    f"{given} {family}"
    for given, family in zip(
        ("Hannah", "Ade", "Cara", "Bea", "Dai", "Marigold", "Tomáš", "Priya", "Rhiannon", "Gareth",
         "Nkechi", "Sunita", "Declan", "Morag", "Ewa", "Joel", "Farah", "Ruth", "Idris", "Lowri"),
        ("Testwell", "Bello", "Dunn", "Ames", "Jones", "Fenwick-Soto", "Dvořák", "Raman", "Pryce",
         "Whitlow", "Eze", "Gill", "Farrelly", "Sinclair", "Zając", "Ashdown", "Qureshi", "Merriman",
         "Okoro", "Haf"),
        strict=True,
    )
)  # fmt: skip
# (form id, share of records, the statuses its records have, weighted)
CASE_LIST_FORMS = (
    ("caf-assessment", 40, ("draft",) * 3 + ("complete",) * 3 + ("signed",) * 2 + ("shared",) * 2),
    ("caf-pre-assessment", 15, ("draft",) * 2 + ("complete",) * 3 + ("shared",)),
    ("tac-meeting", 20, ("draft",) + ("complete",) * 2 + ("signed",) * 3 + ("shared",)),
    ("tac-review", 20, ("draft",) + ("complete",) * 2 + ("signed",) * 3 + ("shared",)),
    ("caf-closure", 5, ("draft",) + ("complete",) + ("closed",) * 6),
)


def _put(document: dict[str, Any], pointer: str, value: Any) -> None:
    """Sets (or with None removes) the answer at `pointer`, copying the objects on the way, so a
    shallow copy of a template can be changed without changing the template."""
    tokens = pointer.strip("/").split("/")
    node = document
    for token in tokens[:-1]:
        inner = node.get(token)
        inner = dict(inner) if isinstance(inner, dict) else {}
        node[token] = inner
        node = inner
    if value is None:
        node.pop(tokens[-1], None)
    else:
        node[tokens[-1]] = value


class _Fictional:
    """Makes the rows of `case_list_rows`, from one seeded random generator."""

    def __init__(self, seed: int, today: dt.date) -> None:
        import random

        from caf_desktop.formengine import definitions

        self.rng = random.Random(seed)  # noqa: S311 - fictional data, not secrets
        self.today = today
        self.noon = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
        catalogue = definitions.shipped_catalogue()
        self.forms = {form_id: catalogue.get(form_id) for form_id, _, _ in CASE_LIST_FORMS}
        self.templates: dict[str, dict[str, Any]] = {}
        for form_id in self.forms:  # the draft example, or the full one where a form has no draft
            example = EXAMPLES / form_id / "draft.json"
            if not example.exists():
                example = EXAMPLES / form_id / "full.json"
            self.templates[form_id] = json.loads(example.read_text(encoding="utf-8"))

    def uid(self) -> str:
        import uuid

        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def moment(self) -> dt.datetime:
        """A time in the three years before `today`."""
        return self.noon - dt.timedelta(seconds=self.rng.randrange(3 * 365 * 86400))

    def child_and_case(self, number: int) -> tuple[dict[str, Any], dict[str, Any]]:
        from caf_desktop.store.store import fold

        rng, today = self.rng, self.today
        given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
        unborn = rng.random() < 0.01
        created = self.moment()
        child = {
            "id": number,
            "uuid": self.uid(),
            "given_names": given,
            "family_name": family,
            "name_key": fold(f"{given} {family}"),
            "family_key": fold(family),
            "date_of_birth": None if unborn else today - dt.timedelta(days=rng.randrange(30, 17 * 365)),
            "expected_date": today + dt.timedelta(days=rng.randrange(7, 200)) if unborn else None,
            "sex": rng.choice(("male", "female", None)),
            "address": None,
            "created_at": created,
            "updated_at": created,
        }
        case = {
            "id": number,
            "uuid": self.uid(),
            "child_id": number,
            "lead_professional": rng.choice(LEAD_PROFESSIONALS),
            "status": "closed" if rng.random() < 0.1 else "open",
            "agreed_level": rng.choice((1, 2, 2, 3, 3, 4)),
            "opened": created.date(),
            "next_review": today + dt.timedelta(days=rng.randrange(-60, 120)),
            "closed": None,
            "created_at": created,
            "updated_at": created,
        }
        return child, case

    def document(
        self, form: Any, child: dict[str, Any], reference: str, answers: dict[str, Any]
    ) -> dict[str, Any]:
        """The form's draft example with the child's details, and `answers` by subject field name."""
        subject = form.subject
        document = dict(self.templates[form.id])
        unborn = child["date_of_birth"] is None
        _put(document, subject.given_names, child["given_names"])
        _put(document, subject.family_name, child["family_name"])
        if subject.date_of_birth:
            _put(document, subject.date_of_birth, None if unborn else child["date_of_birth"].isoformat())
        if subject.expected_date and unborn:
            _put(document, subject.expected_date, child["expected_date"].isoformat())
            _put(document, "/child/is_unborn", True)
        if subject.reference:
            _put(document, subject.reference, reference)
        for name, value in answers.items():
            pointer = getattr(subject, name)
            if pointer:
                _put(document, pointer, value.isoformat() if isinstance(value, dt.date) else value)
        return document

    def record(self, number: int, child: dict[str, Any], case: dict[str, Any]) -> dict[str, Any]:
        from caf_desktop.store.store import fold

        rng, today = self.rng, self.today
        form_id = rng.choices([f for f, _, _ in CASE_LIST_FORMS], [w for _, w, _ in CASE_LIST_FORMS])[0]
        form = self.forms[form_id]
        subject = form.subject
        status = rng.choice(next(s for f, _, s in CASE_LIST_FORMS if f == form_id))
        level = rng.choice((1, 2, 2, 3, 3, 4)) if subject.level else None
        lead = rng.choice(LEAD_PROFESSIONALS) if subject.lead_professional and rng.random() < 0.85 else None
        review = None
        if subject.next_review and rng.random() < 0.9:
            review = today + dt.timedelta(days=rng.randrange(-60, 120))
        reference = f"MK-{case['opened'].year}-{case['id']:05d}"
        answers = {"level": level, "lead_professional": lead, "next_review": review}
        updated = self.moment()
        autosaved = updated if status == "draft" and rng.random() < 0.1 else None
        child_name = f"{child['given_names']} {child['family_name']}"
        dob = child["date_of_birth"] if subject.date_of_birth else None
        if dob is None and subject.expected_date:
            dob = child["expected_date"]
        return {
            "id": number,
            "uuid": self.uid(),
            "case_id": case["id"],
            "form_id": form_id,
            "form_version": form.version,
            "definition_digest": form.digest,
            "status": status,
            "document": self.document(form, child, reference, answers),
            "version": 1 if status == "draft" else rng.randrange(2, 6),
            "base_version": None,
            "author": rng.choice(LEAD_PROFESSIONALS),
            "created_at": updated - dt.timedelta(seconds=rng.randrange(90 * 86400)),
            "updated_at": updated,
            "saved_at": updated - dt.timedelta(minutes=5) if autosaved else updated,
            "autosaved_at": autosaved,
            "deleted_at": updated if rng.random() < 0.01 else None,
            "child_name": child_name,
            "search_key": fold(f"{child_name} {reference if subject.reference else ''} {form_id}"),
            "child_dob": dob,
            "level": level,
            "suggested_level": None,
            "lead_professional": lead,
            "next_review": review,
        }


def case_list_rows(
    count: int, *, seed: int = 2026, today: dt.date = TODAY
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """`count` fictional records as rows for the store's tables: (children, cases, records).

    About 2.2 records per child, one case per child. Each record's document is its form's draft
    example (tests/examples/FORM/draft.json, or full.json where the form has no draft) with the
    child's names, date of birth, reference, level, lead professional and next review set where the
    form's `subject` says. The list columns (child_name, search_key, child_dob, level,
    lead_professional, next_review) are copied from the document as `Store.copy_summary` does. Ids
    are given, from 1; timestamps are UTC, in the three years before `today`; about 1% of records
    are deleted (soft) and 1% of children are unborn.
    """
    maker = _Fictional(seed, today)
    pairs = [maker.child_and_case(number) for number in range(1, max(1, round(count / 2.2)) + 1)]
    records = [maker.record(number, *maker.rng.choice(pairs)) for number in range(1, count + 1)]
    return [child for child, _ in pairs], [case for _, case in pairs], records


def flush() -> None:
    """Runs what is pending, deferred deletions included, so one run does not pay for the last."""
    from PySide6.QtCore import QCoreApplication, QEvent

    QCoreApplication.processEvents()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()
    gc.collect()
