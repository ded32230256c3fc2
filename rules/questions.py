"""The questions a screening asks, each defined once: the web form and the engine both read them.

A question has an id (stable, part of the contract), a kind, its options, its wording for the
patient, whether it must be answered, the condition under which it applies, and the checks its
value must pass. Nothing here knows about Flask or the database.

The words (labels, help, messages, topic titles) are English; ``rules.i18n.translate`` gives them
in the patient's language.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .dates import age_on


class Kind(enum.StrEnum):
    """How a question is answered."""

    CHOICE = "choice"  # one option code, e.g. "yes", "no", "unsure"
    MULTI = "multi"  # a list of option codes, possibly empty
    DATE = "date"  # an ISO date "YYYY-MM-DD"


@dataclass(frozen=True, slots=True)
class Option:
    """One answer a patient can pick: the stable code and the words shown.

    ``in_sentence`` is the label as written inside a sentence ("You last took St. John's wort"),
    given only where lowering the label's first letter would be wrong (a name keeps its
    capital); ``rules.wording`` lowers the others.
    """

    code: str
    label: str
    in_sentence: str = ""


YES = Option("yes", "Yes")
NO = Option("no", "No")
UNSURE = Option("unsure", "I'm not sure")
YES_NO = (YES, NO)
YES_NO_UNSURE = (YES, NO, UNSURE)
_SHARED_ANSWERS = {option.code: option for option in YES_NO_UNSURE}


def option_message_id(question_id: str, code: str) -> str:
    """The message id of an option's label (``rules.messages``): the answers every yes/no
    question shares are worded once."""
    if code in _SHARED_ANSWERS:
        return f"answer {code}"
    return f"question {question_id} option {code}"


def option_in_sentence_message_id(question_id: str, code: str) -> str:
    """The message id of an option's label as written inside a sentence (``Option.in_sentence``),
    for the options that have one."""
    return f"{option_message_id(question_id, code)} in sentence"


@dataclass(frozen=True, slots=True)
class Topic:
    """A group of questions shown together, one topic per page."""

    id: str
    title: str


TOPICS: tuple[Topic, ...] = (
    Topic("about_you", "About you"),
    Topic("visit", "Your visit"),
    Topic("pregnancy", "Pregnancy and breastfeeding"),
    Topic("health", "Health conditions"),
    Topic("allergies", "Allergies"),
    Topic("medicines", "Medicines and supplements"),
    Topic("skin", "Your skin"),
    Topic("past_treatments", "Recent treatments and vaccines"),
    Topic("feeling", "How you feel"),
)


@dataclass(frozen=True, slots=True)
class Visit:
    """What a check may compare an answer with: the day of evaluation and the appointment."""

    today: date
    appointment_date: date


# A date check returns a plain message when the date is not acceptable, or None. It depends on
# nothing but the date and the visit.
DateCheck = Callable[[date, Visit], "str | None"]


# What each date check says when it refuses a date, by the check's name.
DATE_CHECK_MESSAGES: dict[str, str] = {
    "in_the_past": "{name} must be in the past",
    "age_under_120": "{name} must be less than 120 years ago",
    "not_after_today": "{name} must be today or in the past",
    "not_after_appointment": "{name} must be on or before the date of your appointment",
}


def in_the_past(value: date, visit: Visit) -> str | None:
    """The date must be before today (a date of birth)."""
    if value >= visit.today:
        return DATE_CHECK_MESSAGES["in_the_past"]
    return None


def age_under_120(value: date, visit: Visit) -> str | None:
    """A date of birth must give an age under 120 today."""
    if age_on(value, visit.today) >= 120:
        return DATE_CHECK_MESSAGES["age_under_120"]
    return None


def not_after_today(value: date, visit: Visit) -> str | None:
    """Something that already happened: today at the latest."""
    if value > visit.today:
        return DATE_CHECK_MESSAGES["not_after_today"]
    return None


def not_after_appointment(value: date, visit: Visit) -> str | None:
    """A date that must fall on or before the appointment."""
    if value > visit.appointment_date:
        return DATE_CHECK_MESSAGES["not_after_appointment"]
    return None


class ConditionOp(enum.StrEnum):
    """The operators a question's condition may use."""

    NOT_EMPTY = "not_empty"  # a multi-choice answer with at least one code
    EQUALS = "equals"  # a choice answer equal to the condition's value


@dataclass(frozen=True, slots=True)
class Condition:
    """When a question applies, in terms of another question's answer."""

    question: str
    op: ConditionOp
    value: str | None = None

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Whether the condition is true for these (already validated) answers."""
        answer = answers.get(self.question)
        if self.op is ConditionOp.NOT_EMPTY:
            return bool(answer)
        if self.op is ConditionOp.EQUALS:
            return answer == self.value
        raise ValueError(f"Unknown condition operator {self.op!r}")

    def describe(self) -> str:
        """A short description for staff and integrators."""
        if self.op is ConditionOp.NOT_EMPTY:
            return f"{self.question} is not empty"
        return f"{self.question} = {self.value}"


@dataclass(frozen=True, slots=True)
class Question:
    """One question of the screening.

    ``required``: must be answered whenever it applies (a multi-choice answer may still be an
    empty list unless ``min_choices`` says otherwise). ``applies_when``: the condition under which
    the question is asked; an answer given when it does not apply is an error.
    """

    id: str
    kind: Kind
    topic: str
    label: str
    missing_message: str
    short_name: str = ""  # names the question in messages, e.g. "Date of birth"
    help: str = ""
    options: tuple[Option, ...] = ()
    required: bool = True
    applies_when: Condition | None = None
    min_choices: int = 0
    date_checks: tuple[DateCheck, ...] = ()
    autocomplete: str | None = None
    option_codes: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_codes", frozenset(o.code for o in self.options))
        if self.kind is Kind.DATE and self.options:
            raise ValueError(f"Date question {self.id} cannot have options")
        if self.kind is not Kind.DATE and not self.options:
            raise ValueError(f"Question {self.id} needs options")

    @property
    def allows_unsure(self) -> bool:
        """Whether "unsure" is one of the answers offered."""
        return UNSURE.code in self.option_codes

    def option_label(self, code: str) -> str:
        """The words shown for an option code."""
        for option in self.options:
            if option.code == code:
                return option.label
        raise KeyError(code)

    def describe(self) -> dict[str, Any]:
        """The question as JSON, for integrators and for the rule set's fingerprint."""
        return {
            "id": self.id,
            "kind": str(self.kind),
            "topic": self.topic,
            "label": self.label,
            "help": self.help,
            "options": [{"code": o.code, "label": o.label} for o in self.options],
            "required": self.required,
            "applies_when": self.applies_when.describe() if self.applies_when else None,
            "min_choices": self.min_choices,
            "date_checks": [check.__name__ for check in self.date_checks],
        }


BLEEDING_RISK_SUBSTANCES = (
    Option("aspirin", "Aspirin"),
    Option("ibuprofen", "Ibuprofen"),
    Option("naproxen", "Naproxen"),
    Option("fish_oil", "Fish oil"),
    Option("vitamin_e", "Vitamin E"),
    Option("ginkgo_biloba", "Ginkgo biloba"),
    Option("ginseng", "Ginseng"),
    Option("garlic", "Garlic supplements"),
    Option("st_johns_wort", "St. John's wort", in_sentence="St. John's wort"),
    Option("kava_kava", "Kava kava"),
)

TREATMENT_AREAS = (
    Option("forehead", "Forehead"),
    Option("frown_lines", "Frown lines (between the eyebrows)"),
    Option("crows_feet", "Crow's feet (beside the eyes)"),
    Option("smile_lines", "Smile lines (nose to mouth)"),
    Option("marionette_lines", "Marionette lines (mouth to chin)"),
    Option("lips", "Lips"),
    Option("lip_lines", "Lip lines"),
    Option("cheeks", "Cheeks"),
    Option("under_eyes", "Under the eyes"),
    Option("under_chin", "Under the chin"),
    Option("jawline", "Jawline"),
    Option("neck", "Neck"),
    Option("other", "Somewhere else"),
)

CORE_QUESTIONS: tuple[Question, ...] = (
    Question(
        id="date_of_birth",
        kind=Kind.DATE,
        topic="about_you",
        label="What is your date of birth?",
        help="For example, 3 27 1990.",
        short_name="Date of birth",
        missing_message="Enter your date of birth",
        date_checks=(in_the_past, age_under_120),
        autocomplete="bday",
    ),
    Question(
        id="treatment_areas",
        kind=Kind.MULTI,
        topic="visit",
        label="Which areas would you like treated?",
        help="Select all that apply.",
        options=TREATMENT_AREAS,
        short_name="Areas to be treated",
        min_choices=1,
        missing_message="Select at least one area to be treated",
    ),
    Question(
        id="pregnant",
        kind=Kind.CHOICE,
        topic="pregnancy",
        label="Are you pregnant, or could you be?",
        options=YES_NO_UNSURE,
        missing_message="Select if you are pregnant or could be",
    ),
    Question(
        id="breastfeeding",
        kind=Kind.CHOICE,
        topic="pregnancy",
        label="Are you breastfeeding?",
        options=YES_NO,
        missing_message="Select if you are breastfeeding",
    ),
    Question(
        id="neuromuscular_disorder",
        kind=Kind.CHOICE,
        topic="health",
        label="Have you ever had a neuromuscular disorder?",
        help="For example myasthenia gravis, ALS (motor neuron disease) or Lambert-Eaton.",
        options=YES_NO_UNSURE,
        missing_message="Select if you have ever had a neuromuscular disorder",
    ),
    Question(
        id="immunosuppressive_disorder",
        kind=Kind.CHOICE,
        topic="health",
        label="Do you have a condition, or take a medicine, that weakens your immune system?",
        help="For example HIV, an organ transplant, chemotherapy, or steroid pills.",
        options=YES_NO_UNSURE,
        missing_message=(
            "Select if you have a condition, or take a medicine, that weakens your immune system"
        ),
    ),
    Question(
        id="bleeding_risk_substances",
        kind=Kind.MULTI,
        topic="medicines",
        label="Have you taken any of these in the last 7 days?",
        help=(
            "Ibuprofen is in Advil and Motrin, naproxen in Aleve; fish oil includes omega-3 "
            "capsules. Cold and flu remedies can contain aspirin or ibuprofen. "
            "Select all that you have taken, or None of these."
        ),
        options=BLEEDING_RISK_SUBSTANCES,
        short_name="Medicines and supplements",
        missing_message=(
            "Select the medicines and supplements you have taken, or select None of these"
        ),
    ),
    Question(
        id="bleeding_risk_last_dose",
        kind=Kind.DATE,
        topic="medicines",
        label="When did you last take any of them?",
        help="The date of the most recent dose.",
        applies_when=Condition("bleeding_risk_substances", ConditionOp.NOT_EMPTY),
        short_name="Date of your last dose",
        missing_message="Enter the date you last took any of them",
        date_checks=(not_after_today, not_after_appointment),
    ),
    Question(
        id="prescribed_blood_thinner",
        kind=Kind.CHOICE,
        topic="medicines",
        label="Has a doctor prescribed you a blood thinner?",
        help=(
            "For example warfarin, apixaban (Eliquis), rivaroxaban (Xarelto), dabigatran "
            "(Pradaxa), clopidogrel (Plavix), or daily aspirin ordered by a doctor."
        ),
        options=YES_NO_UNSURE,
        missing_message="Select if a doctor has prescribed you a blood thinner",
    ),
    Question(
        id="feeling_unwell",
        kind=Kind.CHOICE,
        topic="feeling",
        label="Are you feeling unwell?",
        help="For example a cold, flu, fever or another illness.",
        options=YES_NO,
        missing_message="Select if you are feeling unwell",
    ),
    Question(
        id="cold_sore",
        kind=Kind.CHOICE,
        topic="feeling",
        label="Do you have a cold sore right now?",
        options=YES_NO,
        missing_message="Select if you have a cold sore right now",
    ),
    Question(
        id="blemish_or_rash",
        kind=Kind.CHOICE,
        topic="feeling",
        label="Do you have a blemish or rash where you will be treated?",
        options=YES_NO,
        missing_message="Select if you have a blemish or rash where you will be treated",
    ),
)


# ``asks_if`` completes the GOV.UK error "Select if ...": "you have an autoimmune condition".
def _yes_no(id: str, topic: str, label: str, asks_if: str, help: str = "") -> Question:
    return Question(
        id=id,
        kind=Kind.CHOICE,
        topic=topic,
        label=label,
        help=help,
        options=YES_NO,
        missing_message=f"Select if {asks_if}",
    )


def _yes_no_unsure(id: str, topic: str, label: str, asks_if: str, help: str = "") -> Question:
    return Question(
        id=id,
        kind=Kind.CHOICE,
        topic=topic,
        label=label,
        help=help,
        options=YES_NO_UNSURE,
        missing_message=f"Select if {asks_if}",
    )


def _optional_date(
    id: str, topic: str, label: str, short_name: str, help: str, checks: tuple[DateCheck, ...]
) -> Question:
    return Question(
        id=id,
        kind=Kind.DATE,
        topic=topic,
        label=label,
        help=help,
        short_name=short_name,
        required=False,
        missing_message="",
        date_checks=checks,
    )


_LEAVE_EMPTY = "Leave this empty if you never have."

# Questions that the rule sets of the catalog (catalog.md) add to the core ones. A rule set asks
# only those its rules read.
ADDED_QUESTIONS: tuple[Question, ...] = (
    _yes_no_unsure(
        "bleeding_disorder",
        "health",
        "Do you have a bleeding or clotting disorder?",
        "you have a bleeding or clotting disorder",
        "For example hemophilia or von Willebrand disease.",
    ),
    _yes_no_unsure(
        "autoimmune_disorder",
        "health",
        "Do you have an autoimmune condition?",
        "you have an autoimmune condition",
        "For example lupus, rheumatoid arthritis, scleroderma or autoimmune thyroid disease "
        "(Hashimoto's or Graves').",
    ),
    _yes_no_unsure(
        "swallowing_or_breathing_problems",
        "health",
        "Do you have trouble swallowing or breathing?",
        "you have trouble swallowing or breathing",
        "Including asthma or emphysema.",
    ),
    _yes_no_unsure(
        "uncontrolled_diabetes",
        "health",
        "Do you have diabetes that is not under control?",
        "you have diabetes that is not under control",
        "For example, your doctor has told you your blood sugar is often too high.",
    ),
    _yes_no(
        "active_cancer_treatment",
        "health",
        "Are you having chemotherapy now, or have you had radiation therapy in the last 3 months?",
        "you are having chemotherapy, or have had radiation therapy in the last 3 months",
    ),
    _yes_no(
        "severe_allergies",
        "allergies",
        "Have you ever had anaphylaxis, or do you have several severe allergies?",
        "you have ever had anaphylaxis, or have several severe allergies",
        "Anaphylaxis is a sudden, severe allergic reaction, for example swelling of the throat "
        "or trouble breathing.",
    ),
    _yes_no_unsure(
        "lidocaine_allergy",
        "allergies",
        "Are you allergic to lidocaine or any other numbing medicine?",
        "you are allergic to lidocaine or any other numbing medicine",
        "Numbing medicine is used by dentists and in numbing creams.",
    ),
    _yes_no(
        "filler_allergy",
        "allergies",
        "Are you allergic to hyaluronic acid, poly-L-lactic acid, or a filler you had before?",
        "you are allergic to hyaluronic acid, poly-L-lactic acid, or a filler you had before",
    ),
    _yes_no(
        "toxin_allergy",
        "allergies",
        "Are you allergic to any botulinum toxin product?",
        "you are allergic to any botulinum toxin product",
        "For example Botox, Dysport, Xeomin, Jeuveau or Daxxify.",
    ),
    _yes_no(
        "milk_protein_allergy",
        "allergies",
        "Are you allergic to cow's milk protein?",
        "you are allergic to cow's milk protein",
        "One brand of toxin contains a small amount of it.",
    ),
    _yes_no(
        "metal_allergy",
        "allergies",
        "Are you allergic to stainless steel or any other metal?",
        "you are allergic to stainless steel or any other metal",
        "For example, cheap jewelry makes your skin itch or turn red.",
    ),
    _yes_no_unsure(
        "interacting_medicines",
        "medicines",
        "Are you taking injected antibiotics, muscle relaxants or sleeping medicines?",
        "you are taking injected antibiotics, muscle relaxants or sleeping medicines",
        "Injected antibiotics such as gentamicin, tobramycin or amikacin, during a current course.",
    ),
    _optional_date(
        "isotretinoin_last_dose",
        "medicines",
        "If you have ever taken isotretinoin (Accutane), when did you last take it?",
        "Date of your last isotretinoin dose",
        f"Isotretinoin is an acne medicine, also sold as Absorica or Claravis. {_LEAVE_EMPTY}",
        (not_after_today,),
    ),
    _yes_no(
        "keloid_history",
        "skin",
        "Do you get raised or thick scars (keloids)?",
        "you get raised or thick scars",
        "Scars that grow bigger than the wound that caused them.",
    ),
    _yes_no(
        "cold_sore_history",
        "skin",
        "Have you ever had a cold sore?",
        "you have ever had a cold sore",
    ),
    _yes_no(
        "active_skin_condition",
        "skin",
        "Do you have acne, eczema, psoriasis or rosacea flaring up where you will be treated?",
        "you have acne, eczema, psoriasis or rosacea flaring up where you will be treated",
    ),
    _yes_no(
        "skin_lesions_in_area",
        "skin",
        "Do you have warts, raised moles or skin cancer where you will be treated?",
        "you have warts, raised moles or skin cancer where you will be treated",
    ),
    _yes_no(
        "recent_sunburn",
        "skin",
        "In the last 14 days, have you had sunburn, a tan, or used self-tanner?",
        "you have had sunburn or a tan, or used self-tanner, in the last 14 days",
    ),
    _yes_no_unsure(
        "permanent_filler_in_area",
        "skin",
        "Do you have permanent filler or an implant where you will be treated?",
        "you have permanent filler or an implant where you will be treated",
        "Permanent fillers include silicone and PMMA (Bellafill).",
    ),
    _optional_date(
        "toxin_last_date",
        "past_treatments",
        "If you have had a botulinum toxin treatment before, when was the last one?",
        "Date of your last toxin treatment",
        f"For example Botox, Dysport or Xeomin, for any reason. {_LEAVE_EMPTY}",
        (not_after_today,),
    ),
    _optional_date(
        "vaccine_last_date",
        "past_treatments",
        "When did you last have a vaccine?",
        "Date of your most recent vaccine",
        "Any vaccine, for example flu or COVID-19. Leave this empty if you don't remember having "
        "one in the last year.",
        (not_after_today,),
    ),
    _optional_date(
        "dental_work_date",
        "past_treatments",
        "When is your next dental work, or when was your last?",
        "Date of dental work",
        "Including a cleaning. Give the date closest to your appointment, past or planned. "
        "Leave this empty if you don't know.",
        (),
    ),
)

ADDED_QUESTIONS_BY_ID: dict[str, Question] = {q.id: q for q in ADDED_QUESTIONS}


def with_added_questions(*question_ids: str) -> tuple[Question, ...]:
    """The core questions followed by the named added ones, in the order they are asked."""
    wanted = set(question_ids)
    unknown = wanted - ADDED_QUESTIONS_BY_ID.keys()
    if unknown:
        raise KeyError(f"Unknown added questions {sorted(unknown)}")
    return CORE_QUESTIONS + tuple(q for q in ADDED_QUESTIONS if q.id in wanted)
