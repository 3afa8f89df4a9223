"""Marking complete under version 1.1.0 of the CAF family: the answers that version newly asks for."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from caf_desktop.formengine import formats, validation
from caf_desktop.formengine.definitions import Control, FormDefinition, Text, shipped_catalogue
from caf_desktop.formengine.relevance import is_hidden
from caf_desktop.practice import completion

from tests.conftest import example

TODAY = dt.date(2026, 11, 26)
# A tiny real PNG (1 x 1 pixel): what the signature pad stores.
DRAWN = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode()

SIGNATURES_MESSAGE = (
    "Add the practitioner's signature and the signature of the parent or carer (or of the child), or tick "
    '"Signatures held on paper copy in file" and say where the paper copy is kept.'
)


def form(form_id: str, version: str = "1.1.0") -> FormDefinition:
    return shipped_catalogue().get(form_id, version)


def problems(definition: FormDefinition, document: Any) -> dict[str, str]:
    return {f.path: f.message for f in completion.findings(definition, document, today=TODAY)}


def test_version_1_1_0_is_what_new_records_get() -> None:
    for form_id in ("caf-assessment", "caf-pre-assessment", "tac-meeting", "tac-review", "caf-closure"):
        assert shipped_catalogue().get(form_id).version == "1.1.0", form_id
        assert shipped_catalogue().get(form_id, "1.0.0").version == "1.0.0", form_id


# --- the CAF: signatures or the paper copy ----------------------------------------------------------------


def test_a_caf_without_signatures_or_a_paper_copy_cannot_be_marked_complete() -> None:
    caf = example("caf-assessment")
    caf["consent"]["signatures"] = {}
    assert problems(form("caf-assessment"), caf) == {"/consent/signatures": SIGNATURES_MESSAGE}
    del caf["consent"]["signatures"]
    assert problems(form("caf-assessment"), caf) == {"/consent/signatures": SIGNATURES_MESSAGE}


def test_the_practitioners_signature_alone_is_not_enough() -> None:
    caf = example("caf-assessment")
    caf["consent"]["signatures"] = {"practitioner": {"name": "Tomasz Example", "image": DRAWN}}
    assert problems(form("caf-assessment"), caf) == {"/consent/signatures": SIGNATURES_MESSAGE}


@pytest.mark.parametrize("family_signer", ["parent_carer", "child"])
def test_drawn_signatures_of_the_practitioner_and_the_family_are_enough(family_signer: str) -> None:
    caf = example("caf-assessment")
    caf["consent"]["signatures"] = {
        "practitioner": {"name": "Tomasz Example", "date": "2026-11-20", "image": DRAWN},
        family_signer: {"name": "Agnieszka Example", "date": "2026-11-20", "image": DRAWN},
    }
    assert problems(form("caf-assessment"), caf) == {}


def test_a_paper_copy_is_enough_when_it_says_where_the_copy_is_and_when_it_was_signed() -> None:
    caf = example("caf-assessment")
    caf["consent"]["signatures"] = {"held_on_paper": True}
    assert problems(form("caf-assessment"), caf) == {
        "/consent/signatures/paper_copy_location": "Say where the signed paper copy is kept.",
        "/consent/signatures/date": "Signatures: enter the date the paper copy was signed.",
    }
    caf["consent"]["signatures"] = {
        "held_on_paper": True,
        "paper_copy_location": "Case file",
        "date": "2026-11-20",
    }
    assert problems(form("caf-assessment"), caf) == {}


def test_a_draft_without_signatures_is_still_a_draft() -> None:
    caf = example("caf-assessment")
    caf["consent"]["signatures"] = {}
    assert validation.findings(form("caf-assessment"), caf, today=TODAY) == []


# --- the CAF: consent to share ------------------------------------------------------------------------------


def test_consent_to_share_must_be_recorded() -> None:
    caf = example("caf-assessment")
    del caf["consent"]["share"]
    assert problems(form("caf-assessment"), caf) == {
        "/consent/share": "Record whether consent to share was given, refused or not asked."
    }
    caf["consent"]["share"] = {"scope": "all_listed"}
    assert problems(form("caf-assessment"), caf) == {
        "/consent/share/given": "Record whether consent to share was given, refused or not asked."
    }


def test_refused_or_not_asked_needs_the_why() -> None:
    caf = example("caf-assessment")
    caf["consent"]["share"] = {"given": False, "not_given": "refused"}
    assert problems(form("caf-assessment"), caf) == {
        "/consent/share/reason_not_given": "Record why consent to share was refused or not asked."
    }
    caf["consent"]["share"] = {"given": False}
    assert problems(form("caf-assessment"), caf) == {
        "/consent/share/not_given": "Record whether consent to share was refused or not asked.",
        "/consent/share/reason_not_given": "Record why consent to share was refused or not asked.",
    }
    caf["consent"]["share"] = {
        "given": False,
        "not_given": "not_asked",
        "reason_not_given": "Asking the father would put the child at risk of harm.",
    }
    assert problems(form("caf-assessment"), caf) == {}


def test_an_expectant_parent_can_consent() -> None:
    unborn = example("caf-assessment", "unborn")
    assert unborn["consent"]["share"]["basis"] == "expectant_parent"
    assert problems(form("caf-assessment"), unborn) == {}
    assert validation.findings(form("caf-assessment", "1.0.0"), unborn, today=TODAY), (
        "1.0.0 has no expectant parent: the example must use the new choice"
    )


# --- the CAF: babies and pre-birth -------------------------------------------------------------------------

PROMPT = "The expected date has passed: if the baby has been born, update the child's details."


def _prompt_shown(definition: FormDefinition, document: Any, today: dt.date) -> bool:
    """Whether the identifying details show the prompt to update a baby born since the expected date."""
    child = next(e for e in definition.sections[1].elements if isinstance(e, Control) and e.scope == "/child")
    prompts = [e for e in child.elements if isinstance(e, Text) and e.text.startswith(PROMPT)]
    assert len(prompts) == 1
    token = formats.today.set(today)
    try:
        return not is_hidden(prompts[0].rule, document, "/child")
    finally:
        formats.today.reset(token)


def test_a_pre_birth_caf_whose_expected_date_has_passed_is_a_valid_draft() -> None:
    unborn = example("caf-assessment", "unborn")
    unborn["child"]["expected_date_of_delivery"] = "2026-10-01"
    assert validation.findings(form("caf-assessment"), unborn, today=TODAY) == []
    assert problems(form("caf-assessment"), unborn) == {}
    # The published 1.0.0 still refuses it: its records keep their rules.
    assert [f.path for f in validation.findings(form("caf-assessment", "1.0.0"), unborn, today=TODAY)] == [
        "/child/expected_date_of_delivery",
        "/consent/assess/given_by_role",
        "/consent/assess/basis",
        "/consent/share/given_by_role",
        "/consent/share/basis",
    ]
    assert _prompt_shown(form("caf-assessment"), unborn, TODAY)
    assert not _prompt_shown(form("caf-assessment"), unborn, dt.date(2026, 10, 1)), "not on the day itself"
    unborn["child"]["is_unborn"] = False
    assert not _prompt_shown(form("caf-assessment"), unborn, TODAY), "not once the baby is born"


def test_seen_and_observed_answers_spoken_to_individually() -> None:
    caf = example("caf-assessment")
    caf["child_voice"] = {"spoken_to_individually": "seen_and_observed"}
    assert problems(form("caf-assessment"), caf) == {
        "/child_voice/date_observed": "Enter the date the child was seen and observed.",
        "/child_voice/observations": "Record what you observed of the baby or child.",
    }
    caf["child_voice"] |= {"date_observed": "2026-11-12", "observations": "Smiled and reached for her mum."}
    assert problems(form("caf-assessment"), caf) == {}
    # Not an answer 1.0.0 knows.
    assert validation.findings(form("caf-assessment", "1.0.0"), caf, today=TODAY)


def test_childrens_social_care_history_is_asked() -> None:
    caf = example("caf-assessment")
    del caf["social_care_history"]
    assert list(problems(form("caf-assessment"), caf)) == ["/social_care_history/known"]
    caf["social_care_history"] = {"known": "yes"}
    assert list(problems(form("caf-assessment"), caf)) == ["/social_care_history/episodes"]
    caf["social_care_history"]["episodes"] = [{"kind": "child_protection_plan", "when": "now"}]
    assert problems(form("caf-assessment"), caf) == {}


# --- the other forms ---------------------------------------------------------------------------------------


def test_a_plan_the_family_did_not_agree_needs_the_why() -> None:
    meeting = example("tac-meeting")
    meeting["plan_agreement"] = {"agreement": "not_agreed"}
    assert problems(form("tac-meeting"), meeting) == {
        "/plan_agreement/reason": "Record why the family did not sign the plan, or did not agree to it."
    }
    meeting["plan_agreement"]["reason"] = "Aoife does not agree to the referral to the youth service."
    assert problems(form("tac-meeting"), meeting) == {}


def test_a_tac_plan_records_agreement_contingency_distribution_level_and_next_meeting() -> None:
    meeting = example("tac-meeting")
    for answer in ("plan_agreement", "contingency_plan", "distribution"):
        del meeting[answer]
    meeting["outcome"] = {"decision": "continue"}
    assert list(problems(form("tac-meeting"), meeting)) == [
        "/contingency_plan",
        "/plan_agreement/agreement",
        "/distribution",
        "/outcome/agreed_level",
        "/outcome/next_review_date",
        "/outcome/next_meeting_time",
        "/outcome/next_meeting_place",
    ]
    assert form("tac-meeting").subject.level == "/outcome/agreed_level"


def test_a_review_records_a_change_of_lead_professional() -> None:
    review = example("tac-review")
    review["lead_professional_change"] = {"changed": True}
    assert problems(form("tac-review"), review) == {
        "/lead_professional_change/from": "Enter the name of the previous lead professional.",
        "/lead_professional_change/to": "Enter the name of the new lead professional.",
        "/lead_professional_change/reason": "Say why the lead professional changed.",
        "/lead_professional_change/date": "Enter the date the lead professional changed.",
    }


def test_the_case_list_shows_the_lead_professional_and_level_the_team_agreed() -> None:
    from caf_desktop.store.info import summarise

    assert (
        summarise(form("tac-review"), example("tac-review")).lead_professional == "Ffion Tregarthen-Adebayo"
    )
    assert summarise(form("tac-meeting"), example("tac-meeting")).level == 3


def test_new_review_actions_have_the_delivery_plans_shape() -> None:
    meeting, review = form("tac-meeting"), form("tac-review")
    assert review.schema["$defs"]["action"] == meeting.schema["$defs"]["action"]
    assert review.schema["properties"]["new_actions"]["items"]["$ref"] == "#/$defs/action"
    document = example("tac-review")
    document["new_actions"].append({"action": "Ring the family."})
    assert list(problems(review, document)) == [
        "/new_actions/2/who",
        "/new_actions/2/by_when",
        "/new_actions/2/desired_outcome",
    ]


def test_stepped_up_records_the_decision_and_its_date() -> None:
    closure = example("caf-closure", "stepped-up")
    assert problems(form("caf-closure"), closure) == {}
    del closure["closure"]["csc_decision"], closure["closure"]["csc_decision_date"]
    assert list(problems(form("caf-closure"), closure)) == [
        "/closure/csc_decision",
        "/closure/csc_decision_date",
    ]


def test_a_closure_needs_a_managers_sign_off() -> None:
    closure = example("caf-closure")
    del closure["manager_sign_off"]
    assert problems(form("caf-closure"), closure) == {
        "/manager_sign_off": "Enter the manager's sign-off: their name, role and the date."
    }
    closure["manager_sign_off"] = {"name": "Octavia Example"}
    assert problems(form("caf-closure"), closure) == {
        "/manager_sign_off/role": "Enter the role of the manager who signed off.",
        "/manager_sign_off/date": "Enter the date the manager signed off.",
    }


def test_a_family_disengaged_closure_is_a_recorded_decision() -> None:
    closure = example("caf-closure")
    closure["closure"]["disengagement"] = {"safeguarding_concerns_remain": True}
    assert problems(form("caf-closure"), closure) == {
        "/closure/disengagement/attempts": "Add each attempt made to engage the family, with its date.",
        "/closure/disengagement/reasons": "Choose at least one reason why the family disengaged.",
        "/closure/disengagement/safeguarding_action": (
            "Say what was done about the safeguarding concerns that remain."
        ),
        "/closure/disengagement/agreed_by": "Enter who agreed the closure.",
    }


def test_my_own_service_can_meet_the_needs_says_what_it_will_do() -> None:
    checklist = example("caf-pre-assessment")
    assert checklist["outcome"]["decision"] == "own_service"
    assert problems(form("caf-pre-assessment"), checklist) == {}
    del checklist["outcome"]["own_service_plan"]
    assert problems(form("caf-pre-assessment"), checklist) == {
        "/outcome/own_service_plan": (
            "Say what your own service will do to meet the needs, and when you will check progress."
        )
    }


@pytest.mark.parametrize(
    "form_id", ["caf-assessment", "caf-pre-assessment", "tac-meeting", "tac-review", "caf-closure"]
)
def test_every_form_records_contacts_that_did_not_happen(form_id: str) -> None:
    definition = form(form_id)
    item = definition.schema["$defs"]["contact_not_happened"]
    assert item["required"] == ["date", "kind"]
    assert [c["const"] for c in item["properties"]["kind"]["oneOf"]] == [
        "missed",
        "cancelled",
        "not_at_home",
        "declined",
    ]
    document = example(form_id)
    document["non_engagement"] = [
        {"date": "2026-11-02", "kind": "not_at_home", "planned": "Home visit"},
        {"date": "2026-12-25", "kind": "missed"},
        {"date": "2026-11-03", "kind": "forgot"},
    ]
    assert {f.path for f in validation.findings(definition, document, today=TODAY)} == {
        "/non_engagement/1/date",
        "/non_engagement/2/kind",
    }
    document["non_engagement"] = [{"planned": "Home visit"}]
    assert {f.path for f in completion.findings(definition, document, today=TODAY)} == {
        "/non_engagement/0/date",
        "/non_engagement/0/kind",
    }
