"""The core rules and instructions every treatment shares, from the clinic's own pre-care text.

Sources name the seed page (``smooth-threads-page.txt``, "Pre and Post Care", item numbers) or
the catalog (``catalog.md``).
"""

from __future__ import annotations

from ..model import Clearance, Ends, Outcome
from ..ruleset import InstructionTemplate, Rule
from ..triggers import AgeUnder, AnswerIs, TakenWithinDays

PREGNANCY = Rule(
    id="pregnancy",
    source="seed, pre-care 4",
    when=AnswerIs("pregnant"),
    outcome=Outcome.RESCHEDULE,
    overridable=False,
    ends=Ends.NEW_SCREENING,
    patient_text=(
        "You told us you are pregnant or could be. The clinic does not treat anyone who is "
        "pregnant or breastfeeding, with no exceptions, so this treatment cannot go ahead. "
        "Please call us to talk about when treatment would be safe for you."
    ),
    staff_text="Pregnant or possibly pregnant: not eligible, no exceptions. Cannot be overridden.",
    unsure_patient_text=(
        "You weren't sure whether you could be pregnant. A nurse will contact you before your "
        "appointment on {appointment_date} to talk it through."
    ),
    unsure_staff_text=(
        "Patient unsure whether she could be pregnant. Confirm before treatment: "
        "pregnancy is a contraindication with no exceptions."
    ),
)

BREASTFEEDING = Rule(
    id="breastfeeding",
    source="seed, pre-care 4",
    when=AnswerIs("breastfeeding"),
    outcome=Outcome.RESCHEDULE,
    overridable=False,
    ends=Ends.NEW_SCREENING,
    patient_text=(
        "You told us you are breastfeeding. The clinic does not treat anyone who is pregnant or "
        "breastfeeding, with no exceptions, so this treatment cannot go ahead. Please call us "
        "to rebook once you have stopped breastfeeding."
    ),
    staff_text="Breastfeeding: not eligible, no exceptions. Cannot be overridden.",
)

NEUROMUSCULAR_DISORDER = Rule(
    id="neuromuscular_disorder",
    source="seed, pre-care 5",
    when=AnswerIs("neuromuscular_disorder"),
    outcome=Outcome.NEEDS_CLEARANCE,
    clearance=Clearance.PROVIDER_NOTE,
    ends=Ends.NOTE,
    patient_text=(
        "Because you have had a neuromuscular disorder, we need a signed note from your primary "
        "care provider saying this treatment is safe for you. Please send or bring it before "
        "your appointment on {appointment_date}; a nurse will check it."
    ),
    staff_text=(
        "History of a neuromuscular disorder. A signed note from the primary care provider "
        "authorizing treatment is required; verify it before treatment."
    ),
    unsure_patient_text=(
        "You weren't sure whether you have had a neuromuscular disorder. A nurse will contact "
        "you before your appointment on {appointment_date} to talk it through."
    ),
    unsure_staff_text=(
        "Patient unsure about a neuromuscular disorder. Follow up; if confirmed, a signed note "
        "from the primary care provider is required."
    ),
)

IMMUNOSUPPRESSIVE_DISORDER = Rule(
    id="immunosuppressive_disorder",
    source="seed, pre-care 5",
    when=AnswerIs("immunosuppressive_disorder"),
    outcome=Outcome.NEEDS_CLEARANCE,
    clearance=Clearance.PROVIDER_NOTE,
    ends=Ends.NOTE,
    patient_text=(
        "Because you have a condition or take a medicine that weakens your immune system, we "
        "need a signed note from your primary care provider saying this treatment is safe for "
        "you. Please send or bring it before your appointment on {appointment_date}; a nurse "
        "will check it."
    ),
    staff_text=(
        "Immunosuppressive disorder or medicine. A signed note from the primary care provider "
        "authorizing treatment is required; verify it before treatment."
    ),
    unsure_patient_text=(
        "You weren't sure whether your immune system is weakened by a condition or a medicine. "
        "A nurse will contact you before your appointment on {appointment_date} to talk it "
        "through."
    ),
    unsure_staff_text=(
        "Patient unsure about an immunosuppressive disorder or medicine. Follow up; if "
        "confirmed, a signed note from the primary care provider is required."
    ),
)

PRESCRIBED_BLOOD_THINNER = Rule(
    id="prescribed_blood_thinner",
    source="seed, pre-care 1; dermatologic-surgery anticoagulant guidance (catalog.md 54, 55)",
    when=AnswerIs("prescribed_blood_thinner"),
    outcome=Outcome.NEEDS_CLEARANCE,
    clearance=Clearance.PRESCRIBER_NOTE,
    ends=Ends.NOTE,
    patient_text=(
        "You take a blood thinner prescribed by a doctor. Keep taking it: do not stop a "
        "prescribed medicine unless the doctor who prescribed it tells you to. We need a note "
        "from your prescriber saying this treatment can go ahead; a nurse will check it before "
        "your appointment on {appointment_date}."
    ),
    staff_text=(
        "Prescribed anticoagulant or antiplatelet. Do not advise stopping it: guidance is to "
        "continue medically necessary anticoagulation, as stopping is linked to thromboembolic "
        "events. A note from the prescriber is required."
    ),
    unsure_patient_text=(
        "You weren't sure whether a doctor has prescribed you a blood thinner. Keep taking all "
        "your prescribed medicines. A nurse will contact you before your appointment on "
        "{appointment_date} to check."
    ),
    unsure_staff_text=(
        "Patient unsure whether a blood thinner is prescribed. Check the medication list; if "
        "confirmed, a prescriber's note is required. Do not advise stopping it."
    ),
)

BLEEDING_RISK_7_DAYS = Rule(
    id="bleeding_risk_7_days",
    source="seed, pre-care 1",
    when=TakenWithinDays(
        taken="bleeding_risk_substances", last_dose="bleeding_risk_last_dose", days=7
    ),
    outcome=Outcome.RESCHEDULE,
    ends=Ends.DATE,
    # Aspirin may be prescribed: the patient keeps taking a prescribed one (lifecycle.md,
    # invariant 10), and the prescriber's clearance decides.
    patient_text=(
        "You last took {taken} on {last_dose}, less than {days} days before your appointment. "
        "These raise the risk of bruising and bleeding, so treatment needs {days} full days "
        "after the last dose. The earliest date you could come is {earliest_date}. If a doctor "
        "prescribed any of them (daily aspirin, for example), keep taking it and call us: we "
        "will check with your prescriber."
    ),
    staff_text=(
        "Bleeding-risk substance ({taken}) last taken {last_dose}, less than {days} days before "
        "the appointment; the {days}-day window is not met. Earliest date {earliest_date}. A "
        "prescribed one (daily aspirin) must not be stopped: the prescriber's clearance decides."
    ),
)

FEELING_UNWELL = Rule(
    id="feeling_unwell",
    source="seed, pre-care 3",
    when=AnswerIs("feeling_unwell"),
    outcome=Outcome.RESCHEDULE,
    ends=Ends.RECHECK,
    patient_text=(
        "You told us you are feeling unwell. Please don't come while you are ill: call us to "
        "rebook once you feel better."
    ),
    staff_text="Patient reports feeling unwell (cold, flu, fever or other illness).",
)

COLD_SORE = Rule(
    id="cold_sore",
    source="seed, pre-care 3",
    when=AnswerIs("cold_sore"),
    outcome=Outcome.RESCHEDULE,
    ends=Ends.RECHECK,
    patient_text=(
        "You have a cold sore right now. Treatment can't go ahead until it has fully healed: "
        "call us to rebook."
    ),
    staff_text="Active cold sore reported.",
)

BLEMISH_OR_RASH = Rule(
    id="blemish_or_rash",
    source="seed, pre-care 3",
    when=AnswerIs("blemish_or_rash"),
    outcome=Outcome.RESCHEDULE,
    ends=Ends.RECHECK,
    patient_text=(
        "You have a blemish or rash where you would be treated. Treatment can't go ahead until "
        "it has cleared: call us to rebook."
    ),
    staff_text="Blemish or rash in the treatment area reported.",
)

MINOR = Rule(
    id="minor",
    source="product labelling: not for under-18s (catalog.md 21, 28)",
    when=AgeUnder(birth_date="date_of_birth", years=18),
    outcome=Outcome.RESCHEDULE,
    overridable=False,
    ends=Ends.DATE,
    patient_text=(
        "You will be {age} on the day of your appointment, and this treatment is only for people "
        "aged {years} or over. The earliest date you could come is {earliest_date}, when you "
        "turn {years}."
    ),
    staff_text=(
        "Patient is {age} on the appointment date; treatment is for adults only. Earliest date "
        "{earliest_date} ({years}th birthday). Cannot be overridden."
    ),
)

CORE_RULES = (
    PREGNANCY,
    BREASTFEEDING,
    MINOR,
    NEUROMUSCULAR_DISORDER,
    IMMUNOSUPPRESSIVE_DISORDER,
    PRESCRIBED_BLOOD_THINNER,
    BLEEDING_RISK_7_DAYS,
    FEELING_UNWELL,
    COLD_SORE,
    BLEMISH_OR_RASH,
)

CORE_INSTRUCTIONS = (
    InstructionTemplate(
        id="avoid_bleeding_risk_substances",
        source="seed, pre-care 1",
        starts=-7,
        text=(
            "Do not take aspirin, ibuprofen, naproxen, fish oil, vitamin E, ginkgo biloba, "
            "ginseng, garlic supplements, St. John's wort or kava kava from {from_date} until "
            "your appointment on {until_date}. If a doctor prescribed one of these, or another "
            "blood thinner, keep taking it and call us: we will check with your prescriber."
        ),
        text_from_now=(
            "Do not take aspirin, ibuprofen, naproxen, fish oil, vitamin E, ginkgo biloba, "
            "ginseng, garlic supplements, St. John's wort or kava kava from now until your "
            "appointment on {until_date}. If a doctor prescribed one of these, or another blood "
            "thinner, keep taking it and call us: we will check with your prescriber."
        ),
    ),
    InstructionTemplate(
        id="avoid_alcohol_and_caffeine",
        source="seed, pre-care 2",
        starts=-1,
        text=(
            "Have no alcohol and no caffeine (coffee, tea, energy drinks) in the 24 hours before "
            "your appointment: from the same time of day on {from_date}."
        ),
        text_from_now=(
            "Have no alcohol and no caffeine (coffee, tea, energy drinks) in the 24 hours before "
            "your appointment."
        ),
    ),
    InstructionTemplate(
        id="no_makeup",
        source="seed, pre-care 6",
        starts=0,
        text="Come to your appointment on {until_date} without makeup, if you can.",
    ),
    InstructionTemplate(
        id="reschedule_if_unwell",
        source="seed, pre-care 3",
        starts=None,
        text=(
            "If you feel unwell, or get a cold sore, a blemish or a rash where you will be "
            "treated before {until_date}, call us to rebook."
        ),
    ),
)
