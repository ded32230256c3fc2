"""The rules of ``catalog.md``, beyond the seed: each treatment's rule set picks the ones it needs.

Policy (catalog.md): strong evidence or several clinics agreeing gives a blocking finding; a single
clinic's convention gives ``advice``; "never while the condition holds" gives a reschedule no one
may override, with no date. A rule may appear in several treatments with different outcomes (a
keloid history rules out Sculptra but needs only a nurse's review for microneedling); each such
variant is its own ``Rule`` with the same id.
"""

from __future__ import annotations

from dataclasses import replace

from ..model import Clearance, Ends, Outcome
from ..questions import ADDED_QUESTIONS_BY_ID, with_added_questions
from ..ruleset import DEFAULT_UNSURE_PATIENT_TEXT, DEFAULT_UNSURE_STAFF_TEXT, Rule, RuleSet
from ..triggers import AnswerIs, AnswerIsWithAny, AnyAnswerIsWithAny, DateNear, RecentDate
from .core import CORE_INSTRUCTIONS, CORE_RULES

PERIORAL_AREAS = ("lips", "lip_lines", "smile_lines", "marionette_lines")


def catalog_source(strength: str, *numbers: int, note: str = "") -> str:
    """A rule's source: the catalog's reference numbers and its strength of evidence
    (S strong, M several clinics agreeing, L a single clinic's convention)."""
    cited = ", ".join(str(number) for number in numbers)
    return f"catalog.md {cited} (strength {strength}{'; ' + note if note else ''})"


# The helpers below fix what a kind of rule decides (its outcome, clearance and how its findings
# end); every text is written out in full at the rule, so that a sentence a patient reads is found
# by searching for it, and translated whole under the rule's message id (rules/locales).


def _note_rule(
    rule_id: str,
    source: str,
    clearance: Clearance,
    *,
    patient_text: str,
    staff_text: str,
    unsure_patient_text: str = DEFAULT_UNSURE_PATIENT_TEXT,
    unsure_staff_text: str = DEFAULT_UNSURE_STAFF_TEXT,
    question: str | None = None,
) -> Rule:
    """A yes (or not sure) answer that needs a signed note before treatment."""
    return Rule(
        id=rule_id,
        source=source,
        when=AnswerIs(question or rule_id),
        outcome=Outcome.NEEDS_CLEARANCE,
        clearance=clearance,
        ends=Ends.NOTE,
        patient_text=patient_text,
        staff_text=staff_text,
        unsure_patient_text=unsure_patient_text,
        unsure_staff_text=unsure_staff_text,
    )


def _nurse_rule(
    rule_id: str,
    source: str,
    *,
    patient_text: str,
    staff_text: str,
    unsure_patient_text: str = DEFAULT_UNSURE_PATIENT_TEXT,
    unsure_staff_text: str = DEFAULT_UNSURE_STAFF_TEXT,
    question: str | None = None,
    variant: str = "",
) -> Rule:
    """A yes (or not sure) answer a nurse follows up with the patient before treatment."""
    return Rule(
        id=rule_id,
        source=source,
        when=AnswerIs(question or rule_id),
        outcome=Outcome.NEEDS_CLEARANCE,
        clearance=Clearance.NURSE_REVIEW,
        ends=Ends.NURSE,
        patient_text=patient_text,
        staff_text=staff_text,
        unsure_patient_text=unsure_patient_text,
        unsure_staff_text=unsure_staff_text,
        variant=variant,
    )


def _not_eligible(
    rule_id: str,
    source: str,
    *,
    patient_text: str,
    staff_text: str,
    question: str | None = None,
    variant: str = "",
) -> Rule:
    """A condition under which the treatment is never given: no date, no override."""
    return Rule(
        id=rule_id,
        source=source,
        when=AnswerIs(question or rule_id),
        outcome=Outcome.RESCHEDULE,
        overridable=False,
        ends=Ends.NEVER,
        patient_text=patient_text,
        staff_text=staff_text,
        variant=variant,
    )


def _reschedule_until_gone(
    rule_id: str, source: str, *, patient_text: str, staff_text: str
) -> Rule:
    """Something that passes (a sunburn, a flare-up): rebook once it has, no date known."""
    return Rule(
        id=rule_id,
        source=source,
        when=AnswerIs(rule_id),
        outcome=Outcome.RESCHEDULE,
        ends=Ends.RECHECK,
        patient_text=patient_text,
        staff_text=staff_text,
    )


BLEEDING_DISORDER = _note_rule(
    "bleeding_disorder",
    catalog_source("M", 40, 46, 1, 2, 3),
    Clearance.PROVIDER_NOTE,
    patient_text=(
        "Because you have a bleeding or clotting disorder, we need a signed note from your doctor "
        "saying this treatment is safe for you. Please send or bring it before your appointment on "
        "{appointment_date}; a nurse will check it."
    ),
    staff_text=(
        "Bleeding or clotting disorder. A signed note from the treating provider authorizing "
        "treatment is required; verify it before treatment."
    ),
    unsure_patient_text=(
        "You weren't sure whether you have a bleeding or clotting disorder. A nurse will contact "
        "you before your appointment on {appointment_date} to talk it through."
    ),
    unsure_staff_text=(
        "Patient not sure about: Bleeding or clotting disorder. Follow up; if confirmed, a signed "
        "note from the treating provider is required."
    ),
)

AUTOIMMUNE_DISORDER = _note_rule(
    "autoimmune_disorder",
    catalog_source("M", 1, 2, 9, 28, 24),
    Clearance.PROVIDER_NOTE,
    patient_text=(
        "Because you have an autoimmune condition, we need a signed note from your doctor saying "
        "this treatment is safe for you. Please send or bring it before your appointment on "
        "{appointment_date}; a nurse will check it."
    ),
    staff_text=(
        "Autoimmune disorder (lupus, rheumatoid arthritis, scleroderma, thyroid). A signed note "
        "from the treating provider authorizing treatment is required; verify it before treatment."
    ),
    unsure_patient_text=(
        "You weren't sure whether you have an autoimmune condition. A nurse will contact you "
        "before your appointment on {appointment_date} to talk it through."
    ),
    unsure_staff_text=(
        "Patient not sure about: Autoimmune disorder (lupus, rheumatoid arthritis, scleroderma, "
        "thyroid). Follow up; if confirmed, a signed note from the treating provider is required."
    ),
)

SWALLOWING_OR_BREATHING = _note_rule(
    "swallowing_or_breathing",
    catalog_source("S", 21, 12, 13),
    Clearance.PROVIDER_NOTE,
    question="swallowing_or_breathing_problems",
    patient_text=(
        "Because you have trouble swallowing or breathing, we need a signed note from your doctor "
        "saying this treatment is safe for you. Please send or bring it before your appointment on "
        "{appointment_date}; a nurse will check it."
    ),
    staff_text=(
        "Swallowing or breathing problems (including asthma, emphysema): toxin spread can worsen "
        "them. A signed note from the treating provider authorizing treatment is required; verify "
        "it before treatment."
    ),
    unsure_patient_text=(
        "You weren't sure whether you have trouble swallowing or breathing. A nurse will contact "
        "you before your appointment on {appointment_date} to talk it through."
    ),
    unsure_staff_text=(
        "Patient not sure about: Swallowing or breathing problems (including asthma, emphysema): "
        "toxin spread can worsen them. Follow up; if confirmed, a signed note from the treating "
        "provider is required."
    ),
)

ACTIVE_CANCER_TREATMENT = _note_rule(
    "active_cancer_treatment",
    catalog_source("M", 1, 2, 3, 46),
    Clearance.PROVIDER_NOTE,
    patient_text=(
        "Because you are having chemotherapy, or had radiation therapy in the last 3 months, we "
        "need a signed note from your oncologist or doctor saying this treatment is safe for you. "
        "Please send or bring it before your appointment on {appointment_date}; a nurse will check "
        "it."
    ),
    staff_text=(
        "Chemotherapy now or radiation in the last 3 months. A signed note from the treating "
        "provider authorizing treatment is required; verify it before treatment."
    ),
    unsure_patient_text=(
        "You weren't sure whether you are having cancer treatment. A nurse will contact you before "
        "your appointment on {appointment_date} to talk it through."
    ),
    unsure_staff_text=(
        "Patient not sure about: Chemotherapy now or radiation in the last 3 months. Follow up; if "
        "confirmed, a signed note from the treating provider is required."
    ),
)

UNCONTROLLED_DIABETES = _note_rule(
    "uncontrolled_diabetes",
    catalog_source("M", 46, 51, 53),
    Clearance.PROVIDER_NOTE,
    patient_text=(
        "Because your diabetes is not under control, which slows healing, we need a signed note "
        "from your doctor saying this treatment is safe for you. Please send or bring it before "
        "your appointment on {appointment_date}; a nurse will check it."
    ),
    staff_text=(
        "Uncontrolled diabetes (impaired wound healing, infection risk). A signed note from the "
        "treating provider authorizing treatment is required; verify it before treatment."
    ),
    unsure_patient_text=(
        "You weren't sure whether your diabetes is under control. A nurse will contact you before "
        "your appointment on {appointment_date} to talk it through."
    ),
    unsure_staff_text=(
        "Patient not sure about: Uncontrolled diabetes (impaired wound healing, infection risk). "
        "Follow up; if confirmed, a signed note from the treating provider is required."
    ),
)

KELOID_REVIEW = _nurse_rule(
    "keloid_history",
    catalog_source("M", 1, 2, 3, 46, 51, 29),
    patient_text=(
        "You told us you get raised or thick scars (keloids). A nurse will contact you before your "
        "appointment on {appointment_date} to talk it through and decide whether it can go ahead."
    ),
    staff_text=(
        "History of keloid or raised scarring. Discuss the scarring risk with the patient and "
        "decide before treatment."
    ),
    variant="review",
)

KELOID_NOT_ELIGIBLE = _not_eligible(
    "keloid_history",
    catalog_source("S", 38, 39, note="US labelling"),
    patient_text=(
        "You told us you get raised or thick scars (keloids). This means this treatment is not "
        "suitable for you, so it cannot go ahead. Please call us to talk about other treatments."
    ),
    staff_text=(
        "History of keloid formation or hypertrophic scarring (Sculptra labeling): not eligible "
        "for this treatment. Cannot be overridden; discuss alternatives."
    ),
    variant="not suitable",
)

SEVERE_ALLERGIES_NOT_ELIGIBLE = _not_eligible(
    "severe_allergies",
    catalog_source("S", 27, 30),
    patient_text=(
        "You told us you have had anaphylaxis or have several severe allergies. This means this "
        "treatment is not suitable for you, so it cannot go ahead. Please call us to talk about "
        "other treatments."
    ),
    staff_text=(
        "History of anaphylaxis or multiple severe allergies (filler labeling): not eligible for "
        "this treatment. Cannot be overridden; discuss alternatives."
    ),
    variant="not suitable",
)

SEVERE_ALLERGIES_REVIEW = _nurse_rule(
    "severe_allergies",
    catalog_source("S", 62),
    patient_text=(
        "You told us you have had anaphylaxis or have several severe allergies. A nurse will "
        "contact you before your appointment on {appointment_date} to talk it through and decide "
        "whether it can go ahead."
    ),
    staff_text=(
        "History of anaphylaxis or multiple severe allergies. Review the allergy history with the "
        "patient before treatment."
    ),
    variant="review",
)

LIDOCAINE_ALLERGY = _nurse_rule(
    "lidocaine_allergy",
    catalog_source("S", 27, 30, 44),
    patient_text=(
        "You told us you are allergic to lidocaine or another numbing medicine. A nurse will "
        "contact you before your appointment on {appointment_date} to talk it through and decide "
        "whether it can go ahead."
    ),
    staff_text=(
        "Allergy to lidocaine or another local anesthetic. Use a product without lidocaine and "
        "confirm the plan with the patient."
    ),
    unsure_patient_text=(
        "You weren't sure whether you are allergic to numbing medicine. A nurse will contact you "
        "before your appointment on {appointment_date} to talk it through."
    ),
    unsure_staff_text=(
        "Patient not sure. Allergy to lidocaine or another local anesthetic. Use a product "
        "without lidocaine and confirm the plan with the patient."
    ),
)

FILLER_ALLERGY = _not_eligible(
    "filler_allergy",
    catalog_source("S", 28, 38),
    patient_text=(
        "You told us you are allergic to hyaluronic acid, poly-L-lactic acid or a filler you had "
        "before. This means this treatment is not suitable for you, so it cannot go ahead. Please "
        "call us to talk about other treatments."
    ),
    staff_text=(
        "Allergy to hyaluronic acid, poly-L-lactic acid or a previous filler: not eligible for "
        "this treatment. Cannot be overridden; discuss alternatives."
    ),
)

TOXIN_ALLERGY = _not_eligible(
    "toxin_allergy",
    catalog_source("S", 10, 11, 12),
    patient_text=(
        "You told us you are allergic to a botulinum toxin product. This means this treatment is "
        "not suitable for you, so it cannot go ahead. Please call us to talk about other "
        "treatments."
    ),
    staff_text=(
        "Allergy to a botulinum toxin product: not eligible for this treatment. Cannot be "
        "overridden; discuss alternatives."
    ),
)

MILK_PROTEIN_ALLERGY = _nurse_rule(
    "milk_protein_allergy",
    catalog_source("M", 19, 20),
    patient_text=(
        "You told us you are allergic to cow's milk protein. A nurse will contact you before your "
        "appointment on {appointment_date} to talk it through and decide whether it can go ahead."
    ),
    staff_text=(
        "Cow's milk protein allergy. Choose a toxin brand that does not contain it (not Dysport) "
        "and record the brand used."
    ),
)

INTERACTING_MEDICINES = _nurse_rule(
    "interacting_medicines",
    catalog_source("S", 12, 63),
    patient_text=(
        "You told us you are taking injected antibiotics, muscle relaxants or sleeping medicines. "
        "A nurse will contact you before your appointment on {appointment_date} to talk it through "
        "and decide whether it can go ahead."
    ),
    staff_text=(
        "Current aminoglycoside antibiotics, muscle relaxants or sleep medicines, which can "
        "strengthen the toxin's effect. Review the medicines before treatment."
    ),
    unsure_patient_text=(
        "You weren't sure whether you are taking any of those medicines. A nurse will contact you "
        "before your appointment on {appointment_date} to talk it through."
    ),
    unsure_staff_text=(
        "Patient not sure. Current aminoglycoside antibiotics, muscle relaxants or sleep "
        "medicines, which can strengthen the toxin's effect. Review the medicines before "
        "treatment."
    ),
)

PERMANENT_FILLER_IN_AREA = _nurse_rule(
    "permanent_filler_in_area",
    catalog_source("M", 1, 2, 31, 40),
    patient_text=(
        "You told us you have permanent filler or an implant where you will be treated. A nurse "
        "will contact you before your appointment on {appointment_date} to talk it through and "
        "decide whether it can go ahead."
    ),
    staff_text=(
        "Permanent filler (silicone, PMMA) or an implant in the treatment area. Assess the area "
        "and decide before treatment."
    ),
    unsure_patient_text=(
        "You weren't sure whether you have permanent filler or an implant in the area. A nurse "
        "will contact you before your appointment on {appointment_date} to talk it through."
    ),
    unsure_staff_text=(
        "Patient not sure. Permanent filler (silicone, PMMA) or an implant in the treatment area. "
        "Assess the area and decide before treatment."
    ),
)

SKIN_LESIONS_IN_AREA = _nurse_rule(
    "skin_lesions_in_area",
    catalog_source("M", 44, 46),
    patient_text=(
        "You told us you have warts, raised moles or skin cancer where you will be treated. A "
        "nurse will contact you before your appointment on {appointment_date} to talk it through "
        "and decide whether it can go ahead."
    ),
    staff_text=(
        "Warts, raised moles or skin cancer in the treatment area. Assess; treat around them or "
        "refer before treatment."
    ),
)

COLD_SORE_HISTORY_PERIORAL = Rule(
    id="cold_sore_history_perioral",
    source=catalog_source("S", 35, 36),
    when=AnswerIsWithAny("cold_sore_history", "treatment_areas", PERIORAL_AREAS),
    outcome=Outcome.NEEDS_CLEARANCE,
    clearance=Clearance.PRESCRIBER_NOTE,
    ends=Ends.NOTE,
    patient_text=(
        "You have had cold sores, and you will be treated around the mouth ({items}). Treatment "
        "there can bring a cold sore back, so you need an antiviral medicine beforehand. Please "
        "ask your doctor to prescribe it and send us their note; a nurse will check it before "
        "your appointment on {appointment_date}."
    ),
    staff_text=(
        "History of cold sores (HSV) with treatment around the mouth ({items}). Antiviral "
        "prophylaxis beforehand: a prescriber's note is required."
    ),
)

# From each rule set's version 2: a cold sore now is a history of cold sores (lifecycle.md, "Rule
# data that follows"), so the antiviral is needed then too.
COLD_SORE_NOW_OR_BEFORE_PERIORAL = replace(
    COLD_SORE_HISTORY_PERIORAL,
    variant="cold sore now counts",
    source=catalog_source(
        "S",
        35,
        36,
        note="a cold sore now counts as a history: lifecycle.md, Rule data that follows",
    ),
    when=AnyAnswerIsWithAny(("cold_sore_history", "cold_sore"), "treatment_areas", PERIORAL_AREAS),
    patient_text=(
        "You have a cold sore now, or have had cold sores before, and you will be treated around "
        "the mouth ({items}). Treatment there can bring a cold sore back, so you need an "
        "antiviral medicine beforehand. Please ask your doctor to prescribe it and send us their "
        "note; a nurse will check it before your appointment on {appointment_date}."
    ),
    staff_text=(
        "Cold sore now, or a history of cold sores (HSV), with treatment around the mouth "
        "({items}). Antiviral prophylaxis beforehand: a prescriber's note is required."
    ),
)

TOXIN_90_DAYS = Rule(
    id="toxin_90_days",
    source=catalog_source("S", 14, 15, 12),
    when=RecentDate("toxin_last_date", days=90),
    outcome=Outcome.RESCHEDULE,
    ends=Ends.DATE,
    patient_text=(
        "Your last toxin treatment was on {date}, less than {window} before your appointment. "
        "Toxin treatments need at least {window} between them. The earliest date you could come "
        "is {earliest_date}."
    ),
    staff_text=(
        "Last neurotoxin treatment {date}, less than {window} before the appointment; the "
        "{window} interval is not met. Earliest date {earliest_date}."
    ),
)

ISOTRETINOIN_6_MONTHS = Rule(
    id="isotretinoin_6_months",
    source=catalog_source("S", 42, 43, note="labelling; contested by the ASDS 2017 consensus"),
    when=RecentDate("isotretinoin_last_dose", months=6),
    outcome=Outcome.RESCHEDULE,
    ends=Ends.DATE,
    patient_text=(
        "You last took isotretinoin on {date}. Your skin needs {window} after the last dose to "
        "heal normally after microneedling. The earliest date you could come is {earliest_date}. "
        "If a doctor prescribed isotretinoin and you are still taking it, keep taking it: do not "
        "stop a prescribed medicine because of this treatment. Talk to your prescriber, and call "
        "us."
    ),
    staff_text=(
        "Isotretinoin last dose {date}, less than {window} (calendar) before the appointment. "
        "Earliest date {earliest_date}."
    ),
)

METAL_ALLERGY = _not_eligible(
    "metal_allergy",
    catalog_source("M", 44, 46, 51),
    patient_text=(
        "You told us you are allergic to stainless steel or another metal. This means this "
        "treatment is not suitable for you, so it cannot go ahead. Please call us to talk about "
        "other treatments."
    ),
    staff_text=(
        "Allergy to stainless steel or other metals (microneedles): not eligible for this "
        "treatment. Cannot be overridden; discuss alternatives."
    ),
)

RECENT_SUNBURN = _reschedule_until_gone(
    "recent_sunburn",
    catalog_source("M", 47, 48, 52),
    patient_text=(
        "You told us you have had sunburn, a tan or self-tanner in the last 14 days. Treatment "
        "can't go ahead until it has fully settled: please call us to rebook."
    ),
    staff_text="Sunburn, tanning or self-tanner in the last 14 days.",
)

ACTIVE_SKIN_CONDITION = _reschedule_until_gone(
    "active_skin_condition",
    catalog_source("M", 46, 51, 3),
    patient_text=(
        "You told us you have acne, eczema, psoriasis or rosacea flaring up where you will be "
        "treated. Treatment can't go ahead until it has fully settled: please call us to rebook."
    ),
    staff_text="Active acne, eczema, psoriasis or rosacea flare in the treatment area.",
)

VACCINE_14_DAYS = Rule(
    id="vaccine_14_days",
    source=catalog_source("L", 23, 52, 34),
    when=DateNear("vaccine_last_date", days=14),
    outcome=Outcome.ADVICE,
    patient_text=(
        "You had a vaccine on {date}, {relation}. We prefer to leave {days} days between a "
        "vaccine and filler, so we may talk to you about it. This on its own does not change your "
        "appointment."
    ),
    staff_text=(
        "Vaccine on {date}, {relation} (within {days} days). Advice only: mention it to the "
        "patient; the outcome is not changed."
    ),
)

DENTAL_WORK_14_DAYS = Rule(
    id="dental_work_14_days",
    source=catalog_source("L", 23, 24, 7, 64),
    when=DateNear("dental_work_date", days=14),
    outcome=Outcome.ADVICE,
    patient_text=(
        "Your dental work on {date} is {relation}. We prefer to leave {days} days between "
        "dental work and this treatment, to lower the risk of infection, so we may talk to you "
        "about it. This on its own does not change your appointment."
    ),
    staff_text=(
        "Dental work {date}, {relation} (within {days} days). Advice only: mention it to the "
        "patient; the outcome is not changed."
    ),
)


def catalog_ruleset(treatment: str, version: str, title: str, added: tuple[Rule, ...]) -> RuleSet:
    """A rule set of the core rules plus ``added``, asking the questions those rules read."""
    questions = [qid for rule in added for qid in rule.reads if qid in ADDED_QUESTIONS_BY_ID]
    return RuleSet(
        treatment=treatment,
        version=version,
        title=title,
        questions=with_added_questions(*questions),
        rules=CORE_RULES + added,
        instructions=CORE_INSTRUCTIONS,
    )


# The catalog's rules by the name a treatment's rule set file lists them with
# (``rules/treatments/<id>/ruleset.v<N>.toml``). Variants of one rule (one id, another outcome or
# trigger) have names of their own.
CATALOG_RULES: dict[str, Rule] = {
    "bleeding_disorder": BLEEDING_DISORDER,
    "autoimmune_disorder": AUTOIMMUNE_DISORDER,
    "swallowing_or_breathing": SWALLOWING_OR_BREATHING,
    "active_cancer_treatment": ACTIVE_CANCER_TREATMENT,
    "uncontrolled_diabetes": UNCONTROLLED_DIABETES,
    "keloid_review": KELOID_REVIEW,
    "keloid_not_eligible": KELOID_NOT_ELIGIBLE,
    "severe_allergies_not_eligible": SEVERE_ALLERGIES_NOT_ELIGIBLE,
    "severe_allergies_review": SEVERE_ALLERGIES_REVIEW,
    "lidocaine_allergy": LIDOCAINE_ALLERGY,
    "filler_allergy": FILLER_ALLERGY,
    "toxin_allergy": TOXIN_ALLERGY,
    "milk_protein_allergy": MILK_PROTEIN_ALLERGY,
    "interacting_medicines": INTERACTING_MEDICINES,
    "permanent_filler_in_area": PERMANENT_FILLER_IN_AREA,
    "skin_lesions_in_area": SKIN_LESIONS_IN_AREA,
    "cold_sore_history_perioral": COLD_SORE_HISTORY_PERIORAL,
    "cold_sore_now_or_before_perioral": COLD_SORE_NOW_OR_BEFORE_PERIORAL,
    "toxin_90_days": TOXIN_90_DAYS,
    "isotretinoin_6_months": ISOTRETINOIN_6_MONTHS,
    "metal_allergy": METAL_ALLERGY,
    "recent_sunburn": RECENT_SUNBURN,
    "active_skin_condition": ACTIVE_SKIN_CONDITION,
    "vaccine_14_days": VACCINE_14_DAYS,
    "dental_work_14_days": DENTAL_WORK_14_DAYS,
}
