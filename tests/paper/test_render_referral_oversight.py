"""The referral (step up) and management oversight print from their definitions: the key answers in
words, the decision shown as not recorded while it is awaited, and the log of contacts that did not
happen as a table."""

from __future__ import annotations

import pytest
from caf_desktop.formengine.definitions import shipped_catalogue
from caf_desktop.paper.render import render_pdf

from tests.conftest import example
from tests.paper.test_render import body_text, pdf_pages, squashed


def printed(form_id: str, name: str = "full") -> str:
    definition = shipped_catalogue().get(form_id)
    return body_text(render_pdf(definition, example(form_id, name)), definition)


@pytest.mark.parametrize(
    ("form_id", "answers"),
    [
        (
            "caf-referral",
            [
                "Referral to children's social care (step up)",
                "Hannah Testwell",
                "23 November 2026",
                "By telephone, followed in writing (MARF)",
                "Multi-Agency Safeguarding Hub (MASH)",
                "Level 4: specialist, children's social care",
                "Child protection: significant harm (section 47, Children Act 1989)",
                "Without consent",
                "The seven golden rules to sharing information",
                "Were the parents or carers told of the referral? No",
                "Accepted: child protection enquiry (section 47)",
                "24 November 2026",
                "Marek Nowak, MASH team manager",
                "Contacts that did not happen",
                "Not at home: no access",
                "Cancelled by the family",
            ],
        ),
        (
            "management-oversight",
            [
                "Management oversight",
                "Siân Ŵyn",
                "Safeguarding lead",
                "Level 3: early help, multi-agency (CAF and TAC)",
                "The drift warnings on the case",
                "Offer the mother a meeting at school instead of a home visit",
                "4 December 2026",
                "Stay at this level: carry on with the plan",
                "Next oversight date 20 January 2027",
                "Missed appointment or visit",
            ],
        ),
    ],
)
def test_the_new_forms_print_their_key_answers(form_id: str, answers: list[str]) -> None:
    text = squashed(printed(form_id))
    for answer in answers:
        assert squashed(answer) in text, answer


def test_a_referral_awaiting_its_decision_prints_it_as_not_recorded() -> None:
    text = printed("caf-referral", "awaiting-decision")
    decision = text[text.index("Children's social care's decision") :]
    assert squashed("Decision Not recorded") in squashed(decision)
    assert "Accepted" not in decision
    assert "Through the online referral portal" in text


def test_the_new_forms_fit_a_few_portrait_pages() -> None:
    for form_id in ("caf-referral", "management-oversight"):
        pages = pdf_pages(render_pdf(shipped_catalogue().get(form_id), example(form_id)))
        assert 1 < len(pages) <= 4
        assert all(float(p.mediabox.width) < float(p.mediabox.height) for p in pages)
