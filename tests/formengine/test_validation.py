"""Validation: draft and complete modes, relevance, and messages a practitioner can act on."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from caf_desktop.formengine import validation
from caf_desktop.formengine.relevance import relevant_document

from tests.formengine.sample_definitions import visit

TODAY = dt.date(2026, 11, 26)

# Fragments of jsonschema's own wording that must never reach a person.
RAW_VALIDATOR_TEXT = re.compile(
    r"is a required property|is not valid under|does not match|is not of type|is too long|is not one of|"
    r"is not a|Failed validating|\{'|\[\]|None"
)


def problems(document: Any, *, complete: bool = False) -> dict[str, str]:
    found = validation.findings(visit(), document, complete=complete, today=TODAY)
    for finding in found:
        assert not RAW_VALIDATOR_TEXT.search(finding.message), finding.message
        assert finding.message.endswith((".", "?”")), finding.message
    return {f.path: f.message for f in found}


def filled() -> dict[str, Any]:
    return {
        "child": {
            "given_names": "Ada",
            "family_name": "Example",
            "sex": "female",
            "date_of_birth": "2015-03-27",
        },
        "visit_date": "2026-11-20",
        "seen_alone": True,
    }


def test_a_complete_document_has_no_problems_in_either_mode() -> None:
    assert problems(filled()) == {}
    assert problems(filled(), complete=True) == {}


def test_a_draft_may_leave_required_answers_empty() -> None:
    assert problems({}) == {}
    assert problems({"child": {"given_names": "Ada"}}) == {}


def test_complete_mode_names_every_missing_required_answer_by_its_title() -> None:
    found = problems({"child": {"given_names": "Ada"}}, complete=True)
    assert found == {
        "/child/family_name": "Enter family name.",
        "/child/sex": "Choose an answer for sex.",
        "/child/date_of_birth": "Enter date of birth.",
        "/visit_date": "Enter date of visit.",
        "/seen_alone": "Answer the question “Was the child seen alone?”",
    }


def test_a_missing_required_group_reports_its_own_required_answers() -> None:
    found = problems({"visit_date": "2026-11-20", "seen_alone": True}, complete=True)
    assert set(found) == {"/child/given_names", "/child/family_name", "/child/sex"}


def test_findings_come_in_the_order_of_the_form() -> None:
    found = validation.findings(visit(), {"child": {"given_names": "Ada"}}, complete=True, today=TODAY)
    assert [f.path for f in found] == [
        "/child/family_name",
        "/child/sex",
        "/child/date_of_birth",
        "/visit_date",
        "/seen_alone",
    ]


def test_blank_text_counts_as_unanswered() -> None:
    document = filled()
    document["child"]["family_name"] = "   "
    assert problems(document) == {}
    assert problems(document, complete=True) == {"/child/family_name": "Enter family name."}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2027-01-01", "Enter date of birth as a date that is today or in the past."),
        ("2015-02-30", "Enter date of birth as a real date, written year-month-day (such as 2015-03-27)."),
        ("27/03/2015", "Enter date of birth as a real date, written year-month-day (such as 2015-03-27)."),
        ("20150327", "Enter date of birth as a real date, written year-month-day (such as 2015-03-27)."),
    ],
)
def test_a_date_of_birth_must_be_a_real_date_not_in_the_future(value: str, expected: str) -> None:
    document = filled()
    document["child"]["date_of_birth"] = value
    assert problems(document) == {"/child/date_of_birth": expected}


def test_today_is_an_acceptable_date_of_birth() -> None:
    document = filled()
    document["child"]["date_of_birth"] = TODAY.isoformat()
    assert problems(document) == {}


def test_an_expected_date_of_delivery_must_not_be_in_the_past() -> None:
    document = filled()
    document["child"] = {"given_names": "Baby", "family_name": "Example", "sex": "unknown", "is_unborn": True}
    document["child"]["expected_date_of_delivery"] = "2026-01-01"
    assert problems(document) == {
        "/child/expected_date_of_delivery": "Enter expected date of delivery as a date that is today or in the future."
    }
    document["child"]["expected_date_of_delivery"] = "2027-05-20"
    assert problems(document, complete=True) == {}


def test_an_unborn_baby_needs_the_expected_date_not_a_date_of_birth() -> None:
    document = filled()
    document["child"] = {"given_names": "Baby", "family_name": "Example", "sex": "unknown", "is_unborn": True}
    assert problems(document, complete=True) == {
        "/child/expected_date_of_delivery": "Enter expected date of delivery."
    }


def test_an_answer_hidden_by_a_rule_is_neither_required_nor_checked() -> None:
    document = filled()
    document["child"]["is_unborn"] = True
    document["child"]["expected_date_of_delivery"] = "2027-05-20"
    # The date of birth is hidden for an unborn baby: even a wrong one is not part of the document.
    document["child"]["date_of_birth"] = "2099-01-01"
    assert problems(document, complete=True) == {}
    assert "date_of_birth" not in relevant_document(visit(), document)["child"]


def test_a_shown_conditional_question_is_required_only_when_complete() -> None:
    document = filled()
    document["seen_alone"] = False
    assert problems(document) == {}
    # dependentRequired in reverse is fine; the rule shows the question, the schema does not require it.
    document["reason_not_seen_alone"] = "Asleep during the visit."
    assert problems(document, complete=True) == {}
    assert relevant_document(visit(), document)["reason_not_seen_alone"] == "Asleep during the visit."


def test_relevance_removes_a_hidden_answer_and_keeps_unknown_keys() -> None:
    document = filled()
    document["reason_not_seen_alone"] = "typed before changing the answer"
    document["from_a_later_version"] = {"kept": True}
    kept = relevant_document(visit(), document)
    assert "reason_not_seen_alone" not in kept
    assert kept["from_a_later_version"] == {"kept": True}
    assert document["reason_not_seen_alone"] == "typed before changing the answer"  # the input is untouched


@pytest.mark.parametrize(
    "phone",
    ["01632 960001", "01632960001", "07700 900 982", "+44 7700 900982", "020 7946 0000", "(01632) 960001"],
)
def test_uk_telephone_numbers_are_accepted(phone: str) -> None:
    document = filled()
    document["carers"] = [{"name": "Sam", "phone": phone}]
    assert problems(document) == {}


@pytest.mark.parametrize("phone", ["123", "call me", "1632 960001", "01632 960001 ext", "+1 202 555 0100"])
def test_other_telephone_numbers_say_what_is_expected(phone: str) -> None:
    document = filled()
    document["carers"] = [{"name": "Sam", "phone": phone}]
    assert problems(document) == {
        "/carers/0/phone": "Parent or carer 1: enter telephone as a UK telephone number, such as 01632 960 001 or 07700 900 982."
    }


@pytest.mark.parametrize(
    "postcode", ["MK9 3EJ", "mk93ej", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "EC1A 1BB"]
)
def test_uk_postcodes_are_accepted(postcode: str) -> None:
    document = filled()
    document["child"]["postcode"] = postcode
    assert problems(document) == {}


@pytest.mark.parametrize("postcode", ["MK9", "12345", "MK9 3E", "Milton Keynes"])
def test_incomplete_postcodes_say_what_is_expected(postcode: str) -> None:
    document = filled()
    document["child"]["postcode"] = postcode
    assert problems(document) == {"/child/postcode": "Enter postcode as a full UK postcode, such as MK9 3EJ."}


@pytest.mark.parametrize("email", ["a@b", "no-at-sign.org", "two@@example.org", "sp ace@example.org"])
def test_email_addresses_are_checked_for_shape(email: str) -> None:
    document = filled()
    document["carers"] = [{"name": "Sam", "email": email}]
    assert problems(document) == {
        "/carers/0/email": "Parent or carer 1: enter email in the right form, such as name@example.org."
    }


def test_a_wrong_choice_is_one_finding_not_one_per_option() -> None:
    document = filled()
    document["child"]["sex"] = "M"
    assert problems(document) == {"/child/sex": "Choose one of the listed answers for sex."}


def test_a_wrong_choice_among_several_is_one_finding() -> None:
    document = filled()
    document["worries"] = ["sleep", "money"]
    assert problems(document) == {"/worries/1": "Choose one of the listed answers for worries."}


def test_repeated_choices_are_reported() -> None:
    document = filled()
    document["worries"] = ["sleep", "sleep"]
    assert problems(document) == {
        "/worries": "Worries lists the same answer more than once: remove the repeat."
    }


def test_a_problem_in_a_repeated_item_says_which_item() -> None:
    document = filled()
    document["carers"] = [{"name": "Sam"}, {"name": "A name much longer than twenty"}]
    assert problems(document) == {
        "/carers/1/name": "Parent or carer 2: shorten name to 20 characters or fewer (10 too many)."
    }


def test_a_required_answer_in_a_repeated_item_is_required_when_complete() -> None:
    document = filled()
    document["carers"] = [{"phone": "01632 960001"}]
    assert problems(document) == {}
    assert problems(document, complete=True) == {"/carers/0/name": "Parent or carer 1: enter name."}


def test_numbers_outside_their_bounds_and_of_the_wrong_type() -> None:
    document = filled()
    document["child"]["age"] = 30
    assert problems(document) == {"/child/age": "Enter age in years as at most 25."}
    document["child"]["age"] = "seven"
    assert problems(document) == {"/child/age": "Enter a whole number for age in years."}


def test_a_designer_written_message_replaces_the_standard_one() -> None:
    document = filled()
    document["reference"] = "123"
    assert problems(document) == {"/reference": "Enter the CAF reference like MK-2026-0001."}


def test_dependent_required_is_a_completion_rule() -> None:
    document = filled()
    del document["seen_alone"]
    document["reason_not_seen_alone"] = "Asleep."
    assert problems(document) == {}
    assert problems(document, complete=True) == {
        "/seen_alone": "Answer the question “Was the child seen alone?”"
    }


def test_a_document_that_is_not_an_object_is_one_plain_finding() -> None:
    found = validation.findings(visit(), ["not", "an", "object"], today=TODAY)
    assert [(f.path, f.message) for f in found] == [
        ("", "The document must be a JSON object holding the answers of Home visit note.")
    ]


def test_is_valid_agrees_with_findings() -> None:
    assert validation.is_valid(visit(), filled(), complete=True, today=TODAY)
    assert not validation.is_valid(visit(), {}, complete=True, today=TODAY)
    assert validation.is_valid(visit(), {}, today=TODAY)
