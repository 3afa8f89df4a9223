"""Marking a record complete: the form's own rules and the practice rules that go with them.

The form engine checks what the form itself asks (every required, relevant answer; `validation`
with `complete=True`). Practice adds what a safeguarding lead asks of a complete record: an agreed
level of need that differs from the one the ruleset suggests carries a rationale. Everything that
marks a record complete, signs it or checks it "as complete" asks this module, never the form
engine alone.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from caf_desktop.common.findings import Finding
from caf_desktop.formengine import validation
from caf_desktop.formengine.definitions import FormDefinition
from caf_desktop.practice.thresholds import level_findings


def findings(definition: FormDefinition, document: Any, *, today: dt.date | None = None) -> list[Finding]:
    """Every problem that stops `document` being marked complete, in the order of the form."""
    found = validation.findings(definition, document, complete=True, today=today)
    if not isinstance(document, dict):
        return found
    seen = {(finding.path, finding.message) for finding in found}
    extra = [
        finding
        for finding in level_findings(definition, validation.judged_document(definition, document))
        if (finding.path, finding.message) not in seen
    ]
    if not extra:
        return found
    return sorted(found + extra, key=validation.FieldNamer(definition).order)


def is_complete(definition: FormDefinition, document: Any, *, today: dt.date | None = None) -> bool:
    return not findings(definition, document, today=today)
