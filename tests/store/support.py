"""Helpers shared by the store's tests: the shipped examples and small document builders."""

from __future__ import annotations

import copy
import gc
import json
import warnings
from typing import Any

from caf_desktop.formengine.definitions import FormDefinition, shipped_catalogue
from caf_desktop.store.models import Case, Child, Record
from caf_desktop.store.store import Store
from sqlalchemy import select

from tests.conftest import EXAMPLES, example_files, load_json

EXAMPLE_IDS = [f"{path.parent.name}/{path.stem}" for path in example_files()]


def child_of(store: Store, record_id: str) -> str:
    """The id of the child a stored record is about."""
    with store.session() as session:
        return str(
            session.scalar(
                select(Child.uuid)
                .join(Case, Case.child_id == Child.id)
                .join(Record, Record.case_id == Case.id)
                .where(Record.uuid == record_id)
            )
        )


def definition(form_id: str) -> FormDefinition:
    return shipped_catalogue().get(form_id)


def example(name: str) -> dict[str, Any]:
    """A fresh copy of an example document, e.g. `example("caf-assessment/full")`."""
    return load_json(EXAMPLES / f"{name}.json")


def example_form(name: str) -> str:
    return name.split("/", maxsplit=1)[0]


def assessment(
    given: str = "Zoë",
    family: str = "Łukasiewicz-O'Brien",
    dob: str | None = "2017-03-14",
    *,
    reference: str | None = None,
    level: int | None = None,
    lead: str | None = None,
) -> dict[str, Any]:
    """A CAF assessment (the full example) about another child, with the case-list facts set."""
    document = example("caf-assessment/full")
    document["child"]["given_names"] = given
    document["child"]["family_name"] = family
    if dob is None:
        document["child"].pop("date_of_birth", None)
    else:
        document["child"]["date_of_birth"] = dob
    if reference is None:
        document["meta"].pop("unique_ref", None)
    else:
        document["meta"]["unique_ref"] = reference
    if level is None:
        document.get("level_of_need", {}).pop("agreed_level", None)
    else:
        document.setdefault("level_of_need", {})["agreed_level"] = level
    if lead is None:
        document.pop("lead_professional", None)
    else:
        document["lead_professional"] = {"name": lead}
    return document


def edited(document: dict[str, Any], note: str) -> dict[str, Any]:
    """A copy of the document with one more line of typing in it."""
    changed = copy.deepcopy(document)
    changed.setdefault("child_voice", {})["wishes"] = note
    return changed


def size_of(document: dict[str, Any]) -> int:
    return len(json.dumps(document, ensure_ascii=False).encode("utf-8"))


def collect_leaked_connections() -> None:
    """Closes database connections that a failed open left behind, now, so that their "deleted while
    still open" warning does not surface in whichever test happens to run next."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
