"""The invented content of the demo cases: names, places, practitioners, and what each kind of case is about."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


# --- invented people and places ---------------------------------------------------------------------

GIRLS = (
    "Zoë", "Siân", "Aoife", "Niamh", "Chloé", "Anaïs", "Noémie", "Łucja", "Zuzanna", "Thảo", "Amara",
    "Priya", "Ffion", "Renée", "Dóra", "Inès", "Saoirse", "Maëlle", "Ayşe", "Hélène", "Ngozi", "Mei",
    "Yasmin", "Olwen", "Bláithín", "Greta", "Malak", "Poppy", "Esmé", "Ilse",
)  # fmt: skip
BOYS = (
    "Oisín", "Kacper", "Mateusz", "Tomáš", "Björn", "Søren", "José", "Rhodri", "Emeka", "Kwame",
    "Aarav", "Dũng", "Jérôme", "Iñaki", "Bartłomiej", "Ciarán", "Rufus", "Barnaby", "Alfie", "Idris",
    "Yusuf", "Luca", "Mihály", "Çağan", "Ptolemy", "Théo", "Ruairí", "Zdeněk", "Kofi", "Dafydd",
)  # fmt: skip
MOTHERS = (
    "Agnieszka", "Aoife", "Delphine", "Keira", "Marta", "Bronwen", "Fatima", "Hạnh", "Ingrid", "Lowri",
    "Chidinma", "Sinéad", "Renata", "Jolanta", "Maud", "Gwenllian", "Beatriz", "Łucja",
)  # fmt: skip
FATHERS = (
    "Declan", "Jordan", "Ignatius", "Piotr", "Kwabena", "Rhys", "Tadhg", "Jiří", "Minh", "Gareth",
    "Olumide", "Stanisław", "Mehmet", "Wojciech", "Hamish", "Bogdan", "Seán",
)  # fmt: skip
INVENTED_FAMILY_NAMES = (
    "Quillfeather", "Brambleworth", "Thistlewood", "Mossbottom", "Fictonby", "Pretendson", "Makebelieve",
    "Notreal", "Fauxley", "Madeupson", "Testerton", "Imaginary", "Sampleford", "Inventaro", "Fablewick",
    "Dreamcaster", "Storybrook", "Likenot", "Pseudonymy", "Daydreamer", "Fancifold", "Whimsbury",
)  # fmt: skip
REAL_FAMILY_NAMES = (
    "Dvořák", "Nguyễn", "Łukasiewicz", "O'Brien", "Ó Súilleabháin", "Müller", "Ŵyn", "Ødegård",
    "Okonkwo", "Kowalczyk", "Núñez", "Şahin", "Trần", "Ní Bhriain", "Szabó", "Jørgensen", "Mbeki",
)  # fmt: skip
STREETS = (
    "Imaginary Row",
    "Pretend Gardens",
    "Makebelieve Lane",
    "Nowhere Court",
    "Sample Street",
    "Fable Close",
)
SCHOOLS = (
    "Larkspur Academy (fictional)",
    "Hollyhock Infant School (fictional)",
    "Foxglove Lane Primary School (fictional)",
    "Willowmere Junior School (fictional)",
    "Brightwell Primary School (fictional)",
)
FAMILY_SUPPORT = "Brambledown Family Support Team (fictional)"
HEALTH = "Brambledown Community Health (fictional)"
GP = "Elderberry Lane Surgery (fictional)"
CAMHS = "Brambledown CAMHS (fictional)"
YOUTH = "Brambledown Youth Service (fictional)"
HOUSING = "Brambledown Housing Options (fictional)"
THERAPIES = "Brambledown Children's Therapies (fictional)"
ETHNICITIES = (
    "white_british", "white_british", "white_british", "white_irish", "any_other_white", "caribbean",
    "african", "indian", "pakistani", "bangladeshi", "chinese", "white_black_caribbean", "white_asian",
    "any_other_mixed", "not_given",
)  # fmt: skip
OTHER_ETHNICITY = {
    "any_other_white": "White Polish heritage",
    "any_other_mixed": "White and Vietnamese heritage",
}


def _ascii(text: str) -> str:
    return (
        unicodedata.normalize("NFKD", text.replace("ł", "l").replace("Ł", "L"))
        .encode("ascii", "ignore")
        .decode()
    )


def _email(name: str, agency: str) -> str:
    local = ".".join(_ascii(part).lower() for part in name.split()).replace("'", "")
    domain = "-".join(_ascii(agency).lower().replace("(fictional)", "").replace("'", "").split()[:3])
    return f"{local}@{domain}.example"


@dataclass(frozen=True)
class Practitioner:
    name: str
    role: str
    agency: str
    phone: str

    @property
    def email(self) -> str:
        return _email(self.name, self.agency)


LEADS = tuple(
    Practitioner(name, role, agency, f"07700 900 {100 + 37 * i:03d}")
    for i, (name, role, agency) in enumerate(
        [
            ("Tomáš Fablewick", "Family support worker", FAMILY_SUPPORT),
            ("Hannah Testwell", "Learning mentor", SCHOOLS[4]),
            ("Grace Notreal", "School nurse", HEALTH),
            ("Marigold Fenwick-Sampleford", "Health visitor", HEALTH),
            ("Siân Likenot", "Pastoral lead", SCHOOLS[0]),
            ("Olu Pretendson", "Special educational needs coordinator", SCHOOLS[2]),
            ("Wilhelmina Fotheringay-Inventaro", "Family support worker", FAMILY_SUPPORT),
            ("Nguyễn Thị Storybrook", "Early help practitioner", FAMILY_SUPPORT),
            ("Priya Ravenscroft-Imaginary", "Youth worker", YOUTH),
            ("Dóra Makebelieve", "Learning mentor", SCHOOLS[3]),
            ("Emeka Sampleford", "Family support worker", FAMILY_SUPPORT),
            ("Ffion Dreamcaster", "Inclusion lead", SCHOOLS[1]),
        ]
    )
)
GP_DOCTOR = Practitioner("Dr Hamish Quillfeather", "GP", GP, "01632 960 410")
THERAPIST = Practitioner(
    "Cosmo Llewellyn-Fictonby", "Speech and language therapist", THERAPIES, "01632 960 455"
)
CAMHS_WORKER = Practitioner(
    "Gwendolyn Fairbairn-Whimsbury", "Primary mental health worker", CAMHS, "01632 960 470"
)
HOUSING_OFFICER = Practitioner("Bogusław Daydreamer", "Housing officer", HOUSING, "01632 960 480")


# --- what a case is about ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    text: str
    who: str  # "lead", "school", "nurse", "therapist", "camhs", "housing", "youth", "parent"
    outcome: str
    ecm: str


@dataclass(frozen=True)
class Theme:
    """A reason for a CAF: what was noticed, where in the assessment it shows, and what the team does."""

    reason: str
    needs: dict[str, str]  # element -> needs text
    indicators: dict[str, tuple[str, ...]]
    actions: tuple[Action, ...]
    child_view: str


THEMES = (
    Theme(
        reason="{name}'s attendance at {school} has fallen to {pct}% this term, with most absences on Mondays, and {name} has been late {late} times. {parent} says mornings have become a battle since the summer and asked the school for help.",
        needs={
            "learning": "Attendance has fallen to {pct}% this term, with a pattern of Monday absences and {late} late arrivals.",
            "guidance_boundaries": "Bedtimes and morning routines have slipped since the summer holidays.",
        },
        indicators={
            "learning": ("learning.l2.pattern_of_absence", "learning.l2.poor_punctuality"),
            "guidance_boundaries": ("guidance_boundaries.l2.lack_of_routine",),
        },
        actions=(
            Action(
                "Greet {name} at the gate each morning and ring {parent} by 9:30am on any day {name} is absent.",
                "school",
                "{name}'s attendance rises above 95% and {name} arrives on time most days.",
                "enjoy_and_achieve",
            ),
            Action(
                "Agree a morning routine chart with {name} and {parent} at a home visit.",
                "lead",
                "Mornings are calmer and {name} is ready to leave for school by 8:20am.",
                "enjoy_and_achieve",
            ),
        ),
        child_view="I don't like Mondays. I want to get to school on time so I can see my friends.",
    ),
    Theme(
        reason="Adults who do not know {name} find {their} speech hard to understand, and {name} is working below the expected level in communication and language. {name} gets frustrated when not understood.",
        needs={
            "health": "Speech is hard for unfamiliar adults to understand; {name} is waiting for a hearing test.",
            "behavioural": "{name} pushes other children when not understood (twice this month).",
        },
        indicators={
            "health": ("health.l2.speech_language_delay",),
            "behavioural": ("behavioural.l2.frustration_outbursts",),
        },
        actions=(
            Action(
                "Assess {name}'s speech and language and offer six weekly sessions at school.",
                "therapist",
                "{name} is understood by unfamiliar adults most of the time.",
                "be_healthy",
            ),
            Action(
                "Arrange a hearing test at the community audiology clinic.",
                "nurse",
                "Any hearing loss is found and treated.",
                "be_healthy",
            ),
        ),
        child_view="I like the games with the talking teacher. I want someone to play with at dinner time.",
    ),
    Theme(
        reason="{parent} has had low mood for several months and is finding it hard to get up in the mornings. {name} has told school about worrying for {parent} and has become quiet in class.",
        needs={
            "family_history": "{parent} has low mood and is waiting for talking therapy.",
            "emotional_warmth": "{parent} is sometimes less available to {name} on difficult days, which {name} notices.",
            "emotional_social": "{name} is anxious and worries about {parent}.",
        },
        indicators={
            "family_history": ("family_history.l2.parental_mental_health",),
            "emotional_warmth": ("emotional_warmth.l2.parent_struggling_own_needs",),
            "emotional_social": ("emotional_social.l2.anxious_withdrawn",),
        },
        actions=(
            Action(
                "Support {parent} to refer to the local talking therapies service and go to the first appointment if asked.",
                "lead",
                "{parent} has support for low mood and says the mornings feel more manageable.",
                "be_healthy",
            ),
            Action(
                "Offer {name} weekly check-ins with a trusted adult at school.",
                "school",
                "{name} has someone to talk to and says {they} worry less.",
                "be_healthy",
            ),
        ),
        child_view="Sometimes Mum is sad and I stay with her. I want her to get help from a doctor.",
    ),
    Theme(
        reason="The family is behind on rent by about £{arrears} and was told the tenancy may end. {parent}'s hours at work were cut, the family shares one bedroom, and {name} often arrives at school hungry.",
        needs={
            "housing_employment_financial": "Rent arrears of about £{arrears}; the family of {household} shares one bedroom.",
            "basic_care": "{name} sometimes arrives at school without breakfast.",
        },
        indicators={
            "housing_employment_financial": (
                "housing_employment_financial.l2.low_income_debt",
                "housing_employment_financial.l2.overcrowding",
            ),
            "basic_care": ("basic_care.l2.basic_care_inconsistent",),
        },
        actions=(
            Action(
                "Help {parent} apply for a discretionary housing payment and agree a repayment plan with the landlord.",
                "housing",
                "The tenancy is secure and the arrears are falling under an agreed plan.",
                "economic_wellbeing",
            ),
            Action(
                "Offer {name} a free breakfast club place.",
                "school",
                "{name} starts the school day fed and ready to learn.",
                "be_healthy",
            ),
        ),
        child_view="I want us to stay in our flat. I like breakfast club because there are crumpets.",
    ),
    Theme(
        reason="{name} has had {incidents} incidents of hitting or pushing other children this term and was sent home twice. At home {name} has angry outbursts when asked to stop playing games.",
        needs={
            "behavioural": "{incidents} incidents of hitting or pushing this term; two fixed-term exclusions.",
            "guidance_boundaries": "Boundaries at home are inconsistent between the adults.",
        },
        indicators={
            "behavioural": ("behavioural.l2.disruptive_behaviour",),
            "guidance_boundaries": ("guidance_boundaries.l2.inconsistent_boundaries",),
        },
        actions=(
            Action(
                "Put a calm-down plan in place at school, with a quiet space {name} can ask to use.",
                "school",
                "No exclusions this term and fewer incidents each month.",
                "positive_contribution",
            ),
            Action(
                "Offer {parent} a place on the 'Calmer families' parenting course.",
                "lead",
                "{parent} says boundaries are clearer and there are fewer arguments at home.",
                "stay_safe",
            ),
        ),
        child_view="I get cross when people shout. The quiet room helps.",
    ),
    Theme(
        reason="{name}'s grandparent died in the spring and {name} has not had the chance to talk about it. {name} has become tearful at school and does not want to go to clubs any more.",
        needs={
            "family_social_relationships": "{name} is grieving a grandparent and has stopped going to clubs.",
            "emotional_social": "Tearful at school several times this half-term.",
        },
        indicators={
            "family_social_relationships": ("family_social_relationships.l2.unresolved_bereavement",),
            "emotional_social": ("emotional_social.l2.low_mood",),
        },
        actions=(
            Action(
                "Offer {name} six sessions with the bereavement support worker.",
                "camhs",
                "{name} can talk about the loss and starts going to clubs again.",
                "be_healthy",
            ),
        ),
        child_view="I miss Nan. I would like to talk to someone about her.",
    ),
    Theme(
        reason="{name} looks after a younger sibling most evenings and helps {parent}, who has a long-term illness. {name} is often too tired to do homework and has missed school trips.",
        needs={
            "self_care": "Caring tasks beyond {their} age most evenings.",
            "learning": "Homework is often not done because of caring tasks.",
        },
        indicators={
            "self_care": ("self_care.l2.caring_responsibilities",),
            "learning": ("learning.l2.underachieving",),
        },
        actions=(
            Action(
                "Refer {name} to the young carers' group and arrange a carers' assessment for the family.",
                "youth",
                "{name} has time for {them}self each week and someone who understands being a young carer.",
                "positive_contribution",
            ),
        ),
        child_view="I don't mind helping but I want to go on the school trip.",
    ),
    Theme(
        reason="{name} says other children laugh at how {their} name is spelt and has been left out of a class group chat. {name} has become withdrawn and asked to stay in at break times.",
        needs={
            "identity": "{name} feels 'different' and is teased about {their} name.",
            "emotional_social": "Withdrawn and anxious at school; stays in at break times.",
        },
        indicators={
            "identity": ("identity.l2.bullied_about_difference",),
            "emotional_social": ("emotional_social.l2.anxious_withdrawn",),
        },
        actions=(
            Action(
                "Look into the group chat under the anti-bullying procedure and run two online safety sessions with {name}.",
                "school",
                "{name} says {they} feel safe in school and online.",
                "stay_safe",
            ),
        ),
        child_view="I want them to stop laughing at my name. I like my name.",
    ),
    Theme(
        reason="{name} often arrives at school tired and without breakfast, and bedtimes have slipped to after 10pm. {name} has missed a dental check and an optician appointment.",
        needs={
            "health": "Missed dental and optician checks; often tired and hungry in the morning.",
            "guidance_boundaries": "Bedtimes after 10pm on school nights.",
        },
        indicators={
            "health": ("health.l2.missed_checks", "health.l2.inadequate_diet"),
            "guidance_boundaries": ("guidance_boundaries.l2.lack_of_routine",),
        },
        actions=(
            Action(
                "Book and take {name} to the dentist and the optician.",
                "parent",
                "{name}'s teeth and eyes are checked and any treatment has started.",
                "be_healthy",
            ),
            Action(
                "Agree a sleep plan with {name}, with the tablet charging downstairs at night.",
                "nurse",
                "{name} is asleep by 9pm on school nights and less tired in lessons.",
                "be_healthy",
            ),
        ),
        child_view="I'm tired at school. I'd like to go to bed earlier if my tablet goes downstairs.",
    ),
)

STRENGTHS = {
    "health": "{name} is registered with a GP and immunisations are up to date.",
    "emotional_social": "{name} has a warm relationship with {parent} and a close friend at school.",
    "behavioural": "{name} responds well to praise and clear, calm instructions.",
    "identity": "{name} is proud of {their} family and heritage.",
    "family_social_relationships": "{name} is close to {parent} and sees wider family regularly.",
    "self_care": "{name} dresses and looks after {their} things well for {their} age.",
    "learning": "{name} enjoys reading and art.",
    "basic_care": "The home is warm and clean and {name} is well dressed.",
    "emotional_warmth": "{parent} is affectionate and praises {name} often.",
    "guidance_boundaries": "There are clear rules about screen time.",
    "family_history": "There is no history of domestic abuse or substance misuse.",
    "wider_family": "An aunt lives nearby and helps out on weekends.",
    "housing_employment_financial": "The home is in good repair.",
    "social_community": "The family knows several neighbours and uses the local library.",
}
DOMAIN_OF = {
    "health": "development",
    "emotional_social": "development",
    "behavioural": "development",
    "identity": "development",
    "family_social_relationships": "development",
    "self_care": "development",
    "learning": "development",
    "basic_care": "parenting",
    "emotional_warmth": "parenting",
    "guidance_boundaries": "parenting",
    "family_history": "family_environment",
    "wider_family": "family_environment",
    "housing_employment_financial": "family_environment",
    "social_community": "family_environment",
}
# Health and learning keep strengths and needs in sub-elements; their indicators sit on the element.
SUB_ELEMENT = {"health": "general_health", "learning": "participation"}
PRONOUNS = {
    "female": ("she", "her", "her"),
    "male": ("he", "him", "his"),
    "unknown": ("they", "them", "their"),
}
CLOSURES = {
    # closure outcome: (TAC decision, weight)
    "needs_met": ("close", 50),
    "stepped_down": ("step_down", 25),
    "family_disengaged": ("close", 10),
    "moved_out_of_area": ("close", 10),
    "stepped_up": ("step_up", 5),
}
