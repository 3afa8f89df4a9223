"""Printing (caf_desktop.paper.render): every form prints every answer, readably, on marked pages.

The PDFs are read back as a person's PDF reader would show them: the text through poppler's
pdftotext (which also proves the embedded font maps every character back to what was typed),
the structure through pypdf, and the file's soundness through qpdf.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import functools
import io
import json
import re
import struct
import subprocess
import tempfile
import unicodedata
import zlib
from pathlib import Path
from typing import Any

import pytest
from caf_desktop.formengine import checker as formcheck
from caf_desktop.formengine import pointers, schematree, validation
from caf_desktop.formengine.definitions import FormDefinition, from_schema, load, shipped_catalogue
from caf_desktop.paper.render import MARKING, render_pdf, uk_date, uk_datetime
from caf_desktop.practice import thresholds
from pypdf import PdfReader

from tests.conftest import EXAMPLES, example_files, example_name, example_version, load_json, require_tool

ROOT = Path(__file__).parents[2]
FULL_EXAMPLES = [p for p in example_files() if example_name(p) == "full"]  # of every version
TODAY = dt.date(2026, 11, 26)
NAMES = ("Zoë Łukasiewicz-O'Brien", "Siân Ŵyn", "Tomáš Dvořák", "Nguyễn Thị Lan")
PAGE_LINE = re.compile(r"^Page \d+ of \d+$")


def form(form_id: str, version: str | None = None) -> FormDefinition:
    return shipped_catalogue().get(form_id, version)


def example(form_id: str, name: str = "full.json") -> dict[str, Any]:
    loaded: dict[str, Any] = load_json(EXAMPLES / form_id / name)
    return loaded


@functools.cache
def printed_example(path: Path) -> bytes:
    return render_pdf(form(path.parent.name, example_version(path)), load_json(path))


# --- reading a PDF back -------------------------------------------------------------------------------


def pdftotext(pdf: bytes, *options: str) -> str:
    """The text of the PDF as pdftotext gives it, pages separated by form feeds."""
    tool = require_tool("pdftotext")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "printed.pdf"
        path.write_bytes(pdf)
        result = subprocess.run(
            [tool, *options, "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
        )
    return unicodedata.normalize("NFC", result.stdout.decode("utf-8"))


def pages_text(pdf: bytes, *options: str) -> list[str]:
    return pdftotext(pdf, *options).split("\f")[:-1]


def body_text(pdf: bytes, definition: FormDefinition) -> str:
    """The text in reading order without the page furniture (marking, title, child, page number),
    so that an answer broken across two pages reads as one."""
    kept = []
    for line in pdftotext(pdf, "-raw").splitlines():
        text = line.strip()
        furniture = (
            text in (MARKING, definition.title)
            or PAGE_LINE.match(text)
            or (" · " in text and (" · Ref. " in text or "No reference recorded" in text))
        )
        if not furniture:
            kept.append(text)
    return "\n".join(kept)


def squashed(text: str) -> str:
    """Text without any white space: wrapping moves line breaks, it never changes the characters."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def pdf_pages(pdf: bytes) -> list[Any]:
    return list(PdfReader(io.BytesIO(pdf)).pages)


def is_landscape(page: Any) -> bool:
    return float(page.mediabox.width) > float(page.mediabox.height)


def images_on(page: Any) -> int:
    xobjects = page["/Resources"].get("/XObject")
    if xobjects is None:
        return 0
    return sum(1 for ref in xobjects.get_object().values() if ref.get_object()["/Subtype"] == "/Image")


def printed_answers(definition: FormDefinition, document: Any) -> list[tuple[str, str]]:
    """(pointer, the answer as a person should read it on paper) for every answer in the document:
    choice titles rather than codes, UK dates, threshold indicators by their text. Yes/No answers
    and pictures are left to the tests about them."""
    ruleset = thresholds.ruleset(definition.ruleset) if definition.ruleset else None
    found: list[tuple[str, str]] = []

    def walk(value: Any, pointer: str) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, pointers.child(pointer, key))
            return
        if isinstance(value, list):
            for index, sub in enumerate(value):
                walk(sub, f"{pointer}/{index}")
            return
        if isinstance(value, bool):
            return
        subschemas = schematree.at(definition.schema, pointer)
        if schematree.first(subschemas, "contentMediaType"):
            return
        options = schematree.choice_options(subschemas)
        tokens = pointers.split(pointer)
        if options is not None:
            found.append((pointer, {json.dumps(c): t for c, t in options}[json.dumps(value)]))
        elif ruleset is not None and len(tokens) > 1 and tokens[-2] == "indicators":
            found.append((pointer, ruleset.indicators[value].text))
        elif schematree.first(subschemas, "format") == "date":
            found.append((pointer, uk_date(value)))
        else:
            found.append((pointer, str(value)))

    walk(document, "")
    return found


def choice_codes(definition: FormDefinition, document: Any) -> list[str]:
    """The stored codes of the choices answered, where they read differently from their titles."""
    codes: list[str] = []

    def walk(value: Any, pointer: str) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(sub, pointers.child(pointer, key))
        elif isinstance(value, list):
            for index, sub in enumerate(value):
                walk(sub, f"{pointer}/{index}")
        elif isinstance(value, str):
            options = schematree.choice_options(schematree.at(definition.schema, pointer))
            if options is not None and "_" in value and value not in dict(options).values():
                codes.append(value)

    walk(document, "")
    return codes


def png(width: int = 240, height: int = 80) -> bytes:
    """A small PNG of a diagonal stroke, as a signature pad would give (made here, not read from a file)."""
    raw = bytearray()
    for y in range(height):
        raw.append(0)  # no filter
        for x in range(width):
            raw += b"\x10\x10\x40" if abs(y - x * height // width) < 3 else b"\xff\xff\xff"

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw)))
        + chunk(b"IEND", b"")
    )


def numbered_words(length: int) -> str:
    """`length` characters of words that are all different, so that any loss shows."""
    words = " ".join(f"note{n:05d}" for n in range(length // 9 + 1))
    return words[:length]


# --- every answer of every form ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", FULL_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_answer_of_a_full_example_is_printed_as_a_person_reads_it(path: Path) -> None:
    definition = form(path.parent.name, example_version(path))
    document = load_json(path)
    pdf = printed_example(path)
    text = squashed(body_text(pdf, definition))
    missing = [
        (pointer, words)
        for pointer, words in printed_answers(definition, document)
        if squashed(words) not in text
    ]
    assert missing == []


@pytest.mark.parametrize("path", FULL_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_choices_print_their_titles_never_their_codes(path: Path) -> None:
    definition = form(path.parent.name, example_version(path))
    codes = choice_codes(definition, load_json(path))
    text = pdftotext(printed_example(path))
    assert [code for code in codes if code in text] == []


def test_the_caf_prints_the_titles_of_its_choices() -> None:
    text = pdftotext(printed_example(EXAMPLES / "caf-assessment" / "full.json"), "-layout")
    assert re.search(r"Ethnicity\s+Any other White background", text)
    assert re.search(r"Who gave consent\s+Parent with parental responsibility", text)
    assert re.search(r"Agreed level of need\s+Level 3 – Complex / targeted", text)
    assert "any_other_white" not in text
    assert "parent_with_pr" not in text


@pytest.mark.parametrize("path", FULL_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_page_is_marked_and_names_the_child(path: Path) -> None:
    definition = form(path.parent.name, example_version(path))
    document = load_json(path)
    pages = pages_text(printed_example(path))
    name = f"{pointers.resolve(document, '/child/given_names')} {pointers.resolve(document, '/child/family_name')}"
    born = uk_date(pointers.resolve(document, "/child/date_of_birth"))
    reference = pointers.resolve(document, definition.subject.reference or "/none", None)
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert MARKING in page, number
        assert page.count(MARKING) == 2, "the marking heads and foots every page"
        assert f"Page {number} of {len(pages)}" in page
        assert definition.title in page
        assert name in page
        assert born in page
        assert reference in page


@pytest.mark.parametrize("path", FULL_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_printed_form_passes_qpdf_check(path: Path) -> None:
    qpdf = require_tool("qpdf")
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "printed.pdf"
        target.write_bytes(printed_example(path))
        check = subprocess.run([qpdf, "--check", str(target)], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout


@pytest.mark.parametrize("path", FULL_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_font_is_embedded(path: Path) -> None:
    fonts = {}
    for page in pdf_pages(printed_example(path)):
        for reference in page["/Resources"]["/Font"].values():
            font = reference.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts
    for name, font in fonts.items():
        assert "DejaVuSans" in name, name
        assert "/FontFile2" in font["/FontDescriptor"].get_object(), f"{name} is not embedded"


# --- names, empty answers, long text ----------------------------------------------------------------------


def test_names_in_any_alphabet_come_back_out_of_the_pdf_intact() -> None:
    document = {
        "meta": {"unique_ref": "MK-2026-0999", "date_started": "2026-11-02"},
        "child": {
            "given_names": "Zoë",
            "family_name": "Łukasiewicz-O'Brien",
            "sex": "female",
            "date_of_birth": "2017-03-14",
        },
        "parents_carers": [
            {"name": "Siân Ŵyn", "relationship": "Mother's partner"},
            {"name": "Nguyễn Thị Lan", "relationship": "Childminder"},
        ],
        "lead_professional": {"name": "Tomáš Dvořák"},
    }
    pdf = render_pdf(form("caf-assessment"), document)
    text = pdftotext(pdf)
    for name in NAMES:
        assert name in text
    # Written decomposed (e + combining diaeresis), a name still prints as the same letters.
    decomposed = copy.deepcopy(document)
    decomposed["child"]["given_names"] = unicodedata.normalize("NFD", "Zoë")
    assert "Zoë Łukasiewicz-O'Brien" in pdftotext(render_pdf(form("caf-assessment"), decomposed))


def test_an_empty_answer_prints_as_not_recorded() -> None:
    document = {"child": {"given_names": "Ada", "family_name": "Example", "sex": "female"}}
    text = pdftotext(render_pdf(form("caf-assessment"), document), "-layout")
    assert re.search(r"AKA/previous names\s+Not recorded", text)
    assert re.search(r"Date of birth\s+Not recorded", text)
    assert re.search(r"Date assessment started\s+Not recorded", text)
    assert "Ada Example · Date of birth not recorded · No reference recorded" in text


@pytest.mark.parametrize("form_id", sorted(shipped_catalogue().ids()))
def test_an_empty_record_of_every_form_prints(form_id: str) -> None:
    pages = pages_text(render_pdf(form(form_id), {}))
    assert all("Name not recorded" in page for page in pages)
    assert "Not recorded" in "".join(pages)


def test_a_10000_character_answer_flows_across_pages_without_loss() -> None:
    definition = form("caf-assessment")
    document = example("caf-assessment")
    long_answer = numbered_words(10_000)
    document["assessment"]["reason"] = long_answer
    pdf = render_pdf(definition, document)
    assert squashed(long_answer) in squashed(body_text(pdf, definition))
    pages = pages_text(pdf)
    words = long_answer.split()
    first = next(i for i, page in enumerate(pages) if words[0] in page)
    last = next(i for i, page in enumerate(pages) if words[-1] in page)
    assert last > first, "the answer goes on over the page"


def test_a_long_unbroken_word_is_printed_whole() -> None:
    definition = form("caf-assessment")
    document = example("caf-assessment")
    link = "https://records.fictonwood.example/" + "x" * 3000
    document["assessment"]["reason"] = f"See {link} for the referral."
    document["child"]["aka"] = "y" * 200
    text = squashed(body_text(render_pdf(definition, document), definition))
    assert squashed(link) in text
    assert "y" * 200 in text


def test_a_10000_character_cell_of_the_delivery_plan_is_printed_whole() -> None:
    definition = form("tac-meeting")
    document = example("tac-meeting")
    long_answer = numbered_words(10_000)
    document["actions"][2]["desired_outcome"] = long_answer
    pdf = render_pdf(definition, document)
    assert squashed(long_answer) in squashed(body_text(pdf, definition))
    assert "Tomáš Dvořák" in pdftotext(pdf)


def test_the_header_row_of_a_long_delivery_plan_repeats_on_each_page() -> None:
    definition = form("tac-meeting")
    document = example("tac-meeting")
    document["actions"] = [
        {
            "action": f"Weekly check-in number {n} with Zoë before registration.",
            "who": "Siân Ŵyn",
            "agency": "Larkspur Academy (fictional)",
            "by_when": "2027-01-14",
            "desired_outcome": "Zoë has a trusted adult in school she can go to when she is worried.",
            "progress": "on_track",
        }
        for n in range(1, 41)
    ]
    pdf = render_pdf(definition, document)
    pages = pdf_pages(pdf)
    texts = pages_text(pdf)
    plan_pages = [i for i, page in enumerate(pages) if is_landscape(page)]
    assert len(plan_pages) >= 2
    for index in plan_pages:
        assert "What will be done" in texts[index]
        assert "Desired outcome" in texts[index]
    assert not is_landscape(pages[0])
    text = squashed(pdftotext(pdf))
    assert all(f"check-innumber{n}withZoë" in text for n in range(1, 41))


def test_the_delivery_plans_print_on_landscape_pages_and_the_rest_on_portrait() -> None:
    for form_id in ("tac-meeting", "caf-assessment"):
        pdf = printed_example(EXAMPLES / form_id / "full.json")
        pages = pdf_pages(pdf)
        texts = pages_text(pdf, "-layout")
        wide = [i for i, page in enumerate(pages) if is_landscape(page)]
        assert wide, form_id
        heading = "What will be done" if form_id == "tac-meeting" else "Agreed action"
        assert heading in texts[wide[0]]
        assert not is_landscape(pages[0])
        assert not is_landscape(pages[-1])


# --- relevance, hints and shapes the layout does not expect ------------------------------------------------


def test_an_answer_hidden_by_a_rule_is_not_printed() -> None:
    document = example("caf-assessment")
    document["child"]["interpreter_required"] = False
    document["child"]["interpreter_details"] = "Interpreter booked through the Fictonwood language line"
    text = pdftotext(render_pdf(form("caf-assessment"), document))
    assert "Fictonwood language line" not in text
    assert "Interpreter or signer details" not in text


def test_an_answer_the_print_hints_omit_is_not_printed() -> None:
    raw = copy.deepcopy(dict(form("tac-review").raw))
    raw["print"] = {"omit": ["/notes"]}
    document = example("tac-review")
    text = pdftotext(render_pdf(load(raw), document))
    assert "sent to her by email" not in text
    assert "Lunchtime support restarts" in text


def test_answers_of_an_unexpected_shape_print_without_a_crash() -> None:
    document = example("caf-assessment")
    document["child"]["sex"] = "not_a_code_of_this_form"
    document["services"] = "a list was expected here"
    document["parents_carers"].append("a carer written as text")
    document["meta"]["version_no"] = {"unexpected": ["object"]}
    document["development"]["health"]["indicators"].append("health.l9.not_an_indicator")
    document["not_in_the_layout"] = {"deeply": [{"nested": True}]}
    document["consent"]["signatures"] = {"child": {"image": "not a picture at all"}}
    text = pdftotext(render_pdf(form("caf-assessment"), document))
    assert "not_a_code_of_this_form" in text
    assert "The picture could not be read" in text


def test_a_bare_schema_prints_dates_times_choices_and_lists_readably() -> None:
    schema = {
        "title": "Home visit note",
        "type": "object",
        "properties": {
            "visited": {"title": "Visited at", "type": "string", "format": "date-time"},
            "on": {"title": "Date of visit", "type": "string", "format": "date"},
            "mood": {"title": "Mood", "enum": ["settled", "upset"]},
            "seen_alone": {"title": "Was the child seen alone?", "type": "boolean"},
            "siblings": {"title": "Siblings present", "type": "array", "items": {"type": "string"}},
            "visits": {"title": "Visits this month", "type": "integer"},
            "people": {
                "title": "People present",
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"title": "Name", "type": "string"}},
                },
            },
        },
    }
    document = {
        "visited": "2026-03-03T14:05:00Z",
        "on": "2026-03-03",
        "mood": "settled",
        "seen_alone": False,
        "siblings": ["Kacper", "Ewa"],
        "visits": 3,
        "people": [{"name": "Siân Ŵyn"}],
    }
    text = pdftotext(render_pdf(from_schema(schema), document), "-layout")
    assert re.search(r"Visited at\s+3 March 2026 at 14:05", text)
    assert re.search(r"Date of visit\s+3 March 2026", text)
    assert re.search(r"Mood\s+settled", text)
    assert re.search(r"Was the child seen alone\?\s+No", text)
    assert re.search(r"•\s*Kacper", text)
    assert re.search(r"Visits this month\s+3", text)
    assert "Siân Ŵyn" in text


def test_dates_print_in_uk_form() -> None:
    assert uk_date("2026-03-03") == "3 March 2026"
    assert uk_date("2017-12-25") == "25 December 2017"
    assert uk_date("not a date") == "not a date"
    assert uk_datetime("2026-03-03T14:05:00Z") == "3 March 2026 at 14:05"  # GMT in March
    assert uk_datetime("2026-07-01T09:30:00+01:00") == "1 July 2026 at 09:30"  # BST in July
    assert uk_datetime("2026-07-01T09:30") == "1 July 2026 at 09:30"


# --- guidance, consent and signatures ---------------------------------------------------------------------


def test_the_caf_prints_the_threshold_guidance_and_the_agreed_level() -> None:
    definition = form("caf-assessment")
    document = example("caf-assessment")
    ruleset = thresholds.ruleset("caf-continuum")
    guidance = thresholds.suggested_level(ruleset, document)
    text = body_text(render_pdf(definition, document), definition)
    flat = squashed(text)
    assert squashed(f"Suggested level Level {guidance.level} – {guidance.label}") in flat
    for action in guidance.actions:
        assert squashed(action) in flat
    assert squashed(ruleset.indicators["health.l2.missed_checks"].text) in flat
    assert squashed("Agreed level of need Level 3 – Complex / targeted (multi-agency CAF and TAC)") in flat
    assert squashed(document["level_of_need"]["rationale"]) in flat
    assert "highest-indicator" not in text, "reasons print in words, not rule ids"


def test_guidance_given_by_the_caller_is_printed_even_for_a_form_without_a_ruleset() -> None:
    guidance = thresholds.ThresholdResult(2, "Early help", False, ("A reason given by the caller",), ("Act",))
    text = pdftotext(render_pdf(form("tac-review"), example("tac-review"), guidance=guidance))
    assert "A reason given by the caller" in text
    assert "Level 2 – Early help" in text
    assert "Threshold guidance" not in pdftotext(render_pdf(form("tac-review"), example("tac-review")))


def test_the_safeguarding_pathway_is_unmissable_on_page_one() -> None:
    document = example("caf-assessment")
    document["safeguarding"] = {
        "immediate_danger": True,
        "concerns": "Zoë said her mother's new partner hit her.",
        "action_taken": "Rang the children's social care front door at 10:05; reference given.",
    }
    first_page = pages_text(render_pdf(form("caf-assessment"), document))[0]
    assert "safeguarding pathway applies" in first_page
    assert "999" in first_page
    assert "Level 4 – Acute / specialist" in first_page


@pytest.mark.parametrize(
    ("indicator", "pathway", "banner"),
    [
        ("self_care.l4.disability_constant_supervision", "Child in need (Children Act 1989 s17)", False),
        ("basic_care.l4.disclosure_of_abuse", "Child protection (Children Act 1989 s47)", True),
    ],
    ids=["child-in-need", "child-protection"],
)
def test_the_printed_guidance_names_the_level_4_pathway(indicator: str, pathway: str, banner: bool) -> None:
    definition = form("caf-assessment")
    document = example("caf-assessment")
    element = indicator.split(".", maxsplit=1)[0]
    domain = next(d for d in ("development", "parenting", "family_environment") if element in document[d])
    document[domain][element]["indicators"] = [*document[domain][element].get("indicators", []), indicator]
    flat = squashed(body_text(render_pdf(definition, document), definition))
    assert squashed(f"Level 4 pathway {pathway}") in flat
    assert ("safeguardingpathwayapplies" in flat) is banner
    if not banner:
        assert squashed("Refer to children's social care with the family's consent") in flat


def test_the_consent_block_prints_consent_to_assess_and_to_share() -> None:
    text = pdftotext(printed_example(EXAMPLES / "caf-assessment" / "full.json"), "-layout")
    assert re.search(r"Has consent been given for this\s+Yes", text)
    assert re.search(r"Information may be shared with\s+Only the services named below", text)
    assert re.search(r"•\s*Adult Community Mental Health Team", text)
    assert re.search(r"Date consent given or refused\s+20 November 2026", text)
    assert re.search(r"Consent has been withdrawn\s+No", text)
    line = next(line for line in text.splitlines() if "Signatures held on paper copy in file" in line)
    assert "Yes" not in line, "a ticked statement prints as the statement"


def test_drawn_signatures_print_as_pictures_with_the_name_and_date_under_them() -> None:
    # Version 1.0.0, whose complete check takes the child's and the parent's signatures alone (1.1.0
    # asks for the practitioner's too): the printing is the same.
    definition = form("caf-assessment", "1.0.0")
    document = example("caf-assessment")
    document["consent"]["signatures"] = {
        "held_on_paper": False,
        "child": {
            "name": "Zoë Łukasiewicz-O'Brien",
            "date": "2026-11-20",
            "image": base64.b64encode(png()).decode(),
        },
        "parent_carer": {
            "name": "Agnieszka Łukasiewicz",
            "date": "2026-11-20",
            "image": base64.b64encode(png(600, 150)).decode(),
        },
    }
    assert validation.findings(definition, document, complete=True, today=TODAY) == []
    pdf = render_pdf(definition, document)
    pages = pdf_pages(pdf)
    texts = pages_text(pdf, "-layout")
    (consent_page,) = [i for i, text in enumerate(texts) if "Signature of the parent or carer" in text]
    assert images_on(pages[consent_page]) == 2
    text = texts[consent_page]
    assert text.index("Signature of the child or young") < text.index("Name: Zoë Łukasiewicz-O'Brien")
    assert text.index("Signature of the parent or carer") < text.index("Name: Agnieszka Łukasiewicz")
    assert text.count("Date signed: 20 November 2026") == 2
    assert re.search(r"Signature of the practitioner\s+Not signed", text)


def test_the_signature_widget_suits_only_text() -> None:
    raw = copy.deepcopy(dict(form("caf-assessment").raw))
    assert list(formcheck.check_definition(raw, "caf.json")) == []
    meta = next(s for s in raw["layout"]["sections"] if s["id"] == "assessment-details")
    meta["elements"] = [
        {"type": "control", "scope": "/meta/date_started", "options": {"widget": "signature"}},
        {"type": "control", "scope": "/meta"},
    ]
    messages = [f.message for f in formcheck.check_definition(raw, "caf.json")]
    assert 'The "signature" widget does not suit "/meta/date_started", which is a date.' in messages


# --- the file ----------------------------------------------------------------------------------------------


def test_the_same_record_prints_to_the_same_bytes() -> None:
    document = example("tac-meeting")
    assert render_pdf(form("tac-meeting"), document) == render_pdf(form("tac-meeting"), document)


def test_the_file_has_a_title_a_language_and_keeps_the_child_out_of_its_properties() -> None:
    reader = PdfReader(
        io.BytesIO(render_pdf(form("tac-meeting"), example("tac-meeting"), author="Tomáš Dvořák"))
    )
    metadata = reader.metadata
    assert metadata is not None
    assert metadata.title == "TAC meeting record and delivery plan (OFFICIAL-SENSITIVE)"
    assert metadata.author == "Tomáš Dvořák"
    assert metadata.subject is not None
    assert metadata.subject.startswith(MARKING)
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"]
    assert not any("Łukasiewicz" in str(value) for value in metadata.values())


def test_the_status_line_is_on_every_page() -> None:
    status = "Draft: not marked complete. Printed 26/11/2026 14:05"
    pages = pages_text(render_pdf(form("tac-review"), example("tac-review"), status_line=status))
    assert all(status in page for page in pages)


# --- the helper for external tools -------------------------------------------------------------------------


def test_a_missing_tool_skips_a_test_locally_and_fails_it_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAF_DESKTOP_REQUIRE_TOOLS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-tool-caf is not installed"):
        require_tool("no-such-tool-caf")
    monkeypatch.setenv("CAF_DESKTOP_REQUIRE_TOOLS", "1")
    with pytest.raises(pytest.fail.Exception, match="CAF_DESKTOP_REQUIRE_TOOLS is set"):
        require_tool("no-such-tool-caf")
