"""Every example of version 1.1.0 of the CAF forms prints, new answers and all, from its definition."""

from __future__ import annotations

from pathlib import Path

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.paper.render import render_pdf

from tests.conftest import example_files, example_version, load_json
from tests.paper.test_render import (
    body_text,
    is_landscape,
    pages_text,
    pdf_pages,
    pdftotext,
    printed_answers,
    squashed,
)

NEW_EXAMPLES = [path for path in example_files() if example_version(path) == "1.1.0"]

# What a reader of each printed example must find: the new questions with their answers in words.
NEW_ANSWERS = {
    "caf-assessment/full-1.1.0.json": [
        "Children's social care history",
        "Child in need plan",
        "Before (ended)",
        "Where the signed paper copy is kept",
        "Lead professional's case file, Brightwell Primary School pastoral office",
        "Contacts that did not happen",
        "Not at home: no access",
        "Cancelled by the family",
    ],
    "caf-assessment/unborn-1.1.0.json": [
        "Given by an expectant parent, for an unborn baby",
        "Expectant parent (an unborn baby)",
        "Community midwifery team file, Fictonwood Health Centre",
    ],
    "caf-assessment/draft-1.1.0.json": [],
    "caf-pre-assessment/full-1.1.0.json": [
        "Additional needs that my own service can meet – no CAF for now",
        "What your service will do, and when you will check progress",
        "Missed appointment or visit",
    ],
    "tac-meeting/full-1.1.0.json": [
        "The family's agreement to the plan",
        "Agreed and signed",
        "Contingency plan",
        "Distribution list",
        "Locality CAF team",
        "Level of need agreed at the meeting",
        "Level 3 – Complex / targeted",
        "Next meeting time",
        "16:00",
        "Next meeting place",
    ],
    "tac-meeting/draft-1.1.0.json": ["Not agreed"],
    "tac-review/full-1.1.0.json": [
        "Apologies",
        "Dr Rosalind Featherby",
        "New actions for the delivery plan",
        "Remind Delphine about the GP review",
        "Change of lead professional",
        "Ffion Tregarthen-Adebayo",
        "Speech therapy has finished",
    ],
    "caf-closure/full-1.1.0.json": [
        "Family disengaged: the decision",
        "Attempts made to engage the family",
        "Telephone call",
        "Consent was withdrawn",
        "Do safeguarding concerns remain?",
        "Manager's sign-off",
        "Octavia Penhaligon-Rhys",
        "Early help team manager",
    ],
    "caf-closure/stepped-up-1.1.0.json": [
        "Children's social care's decision",
        "Child in need (section 17)",
        "16 November 2026",
        "Manager's sign-off",
    ],
}


def test_every_1_1_0_example_is_listed_here() -> None:
    assert {f"{p.parent.name}/{p.name}" for p in NEW_EXAMPLES} == set(NEW_ANSWERS)


@pytest.mark.parametrize("path", NEW_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_a_1_1_0_example_prints_every_answer_and_its_new_answers(path: Path) -> None:
    definition = shipped_catalogue().get(path.parent.name, "1.1.0")
    document = load_json(path)
    pdf = render_pdf(definition, document)
    text = squashed(body_text(pdf, definition))
    missing = [
        (p, words) for p, words in printed_answers(definition, document) if squashed(words) not in text
    ]
    assert missing == []
    whole = squashed(pdftotext(pdf))
    assert [
        words for words in NEW_ANSWERS[f"{path.parent.name}/{path.name}"] if squashed(words) not in whole
    ] == []


def test_the_new_review_actions_print_as_a_landscape_plan() -> None:
    definition = shipped_catalogue().get("tac-review", "1.1.0")
    pdf = render_pdf(
        definition, load_json(Path(__file__).parents[1] / "examples" / "tac-review" / "full-1.1.0.json")
    )
    pages, texts = pdf_pages(pdf), pages_text(pdf, "-layout")
    wide = [i for i, page in enumerate(pages) if is_landscape(page)]
    assert wide
    assert "What will be done" in texts[wide[0]]
    assert "Remind Delphine" in texts[wide[0]]
    assert not is_landscape(pages[0])
