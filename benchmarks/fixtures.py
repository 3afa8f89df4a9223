"""Shared pieces of the benchmarks: the fully filled CAF document, timing helpers, the machine.

The document is the shipped example `tests/examples/caf-assessment/full.json` made as heavy as a real
one can be: every long-text answer (maxLength > 200 in the schema) about 1,500 characters of words,
6 parents and carers, 10 services and 20 actions. It must still be a valid draft.
"""

from __future__ import annotations

import copy
import datetime as dt
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
    from caf_desktop import schematree

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
    from caf_desktop import schematree

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
    from caf_desktop import definitions

    return definitions.shipped_catalogue().get(FORM_ID)


def full_document(form: Any = None) -> dict[str, Any]:
    """The fully filled CAF: long text everywhere, 6 carers, 10 services, 20 actions. Checked valid."""
    from caf_desktop import validation

    form = form or definition()
    document: dict[str, Any] = json.loads(FULL_EXAMPLE.read_text(encoding="utf-8"))
    _extend(document["parents_carers"], 6, _vary_carer)
    _extend(document["services"], 10, _vary_service)
    _extend(document["actions"], 20, _vary_action)
    _pad_long_texts(form.schema, document, "", "", [0])
    # Long text only where a question is asked: answers that rules hide are left out again.
    from caf_desktop.relevance import relevant_document

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
