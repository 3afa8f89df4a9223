"""Checking records for a bundle import: `validation.is_valid_draft` against `validation.findings`.

    .venv/bin/python benchmarks/bench_validation.py      # a few seconds

Target: `is_valid_draft` of the shipped example `tests/examples/caf-assessment/full.json` well under
0.5 ms per call (so that validating is a small part of importing 1,000 records a second). Also
timed: the heavy CAF of `fixtures.full_document` (long text everywhere, 6 carers, 10 services,
20 actions), and the parts of a check: the compiled draft check alone, leaving out blank answers,
relevance (which `is_valid_draft` skips for the shipped forms), jsonschema's `is_valid`, and
compiling a schema the first time.

Each figure is the median of 7 runs of many calls, per call.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from caf_desktop.formengine import definitions, fastcheck, formats, relevance, validation

import fixtures

RUNS = 7
TARGET_MS = 0.5


def per_call_ms(function: Callable[[], Any], budget_s: float = 0.3) -> float:
    """The median over RUNS runs of the time per call, in milliseconds."""

    def run(calls: int) -> float:
        started = time.perf_counter()
        for _ in range(calls):
            function()
        return time.perf_counter() - started

    calls = 1
    while run(calls) < budget_s / RUNS:
        calls *= 2
    return fixtures.ms(statistics.median(run(calls) / calls for _ in range(RUNS)))


def compile_ms(schema: Any) -> float:
    copy = json.loads(json.dumps(schema))  # a new object: not in the cache
    started = time.perf_counter()
    fastcheck.compile_schema(copy, draft=True)
    fastcheck.compile_schema(copy, draft=False)
    return fixtures.ms(time.perf_counter() - started)


def main() -> int:
    fixtures.print_machine()
    form = definitions.shipped_catalogue().get(fixtures.FORM_ID)
    today = fixtures.TODAY
    example = json.loads(fixtures.FULL_EXAMPLE.read_text(encoding="utf-8"))
    heavy = fixtures.full_document(form)
    print(f"compiling the CAF schema (draft and strict, first time): {compile_ms(form.schema):.1f} ms")
    print(f"the CAF schema: removal-safe (relevance skipped) = {fastcheck.removal_safe(form.schema)}")

    check = fastcheck.compile_schema(form.schema, draft=True)
    assert check is not None
    strict = validation.validator_of(form.schema)
    lines = []
    for name, document in (("full.json", example), ("heavy CAF", heavy)):
        assert validation.is_valid_draft(form, document, today=today)
        assert validation.findings(form, document, today=today) == []
        judged = formats.without_blanks(document)
        token = formats.today.set(today)
        try:
            compiled = per_call_ms(lambda: check(judged))  # noqa: B023 - called before the loop moves on
            exact = per_call_ms(lambda: strict.is_valid(judged))  # noqa: B023
        finally:
            formats.today.reset(token)
        fast = per_call_ms(lambda: validation.is_valid_draft(form, document, today=today))  # noqa: B023
        slow = per_call_ms(lambda: validation.findings(form, document, today=today))  # noqa: B023
        blanks = per_call_ms(lambda: validation.without_blanks_shared(document))  # noqa: B023
        rel = per_call_ms(lambda: relevance.relevance(form, judged))  # noqa: B023
        print(
            f"{name}: is_valid_draft {fast:.3f} ms (findings {slow:.2f} ms, {slow / fast:.0f}x); parts: "
            f"compiled check {compiled:.3f} ms, blanks left out {blanks:.3f} ms; for comparison: "
            f"jsonschema is_valid {exact:.2f} ms, relevance {rel:.2f} ms"
        )
        lines.append((name, fast))
    for name, fast in lines:
        fixtures.report(
            f"is_valid_draft, {name}",
            f"{fast:.3f} ms ({1 / fast * 1000:,.0f} records/s)",
            f"< {TARGET_MS} ms",
            fast < TARGET_MS,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
