"""The consent of the clinic's other treatments (catalog.md).

Their pre-care is the seed's, then what each treatment's own rules ask (``rules/rulesets``);
what to expect and the after-care are general and widely agreed. The clinic's medical director
owns the final wording.
"""

from __future__ import annotations

from .document import DECLARATION, ConsentDocument, ConsentSection

_AVOID_BLEEDING_RISK = (
    "Avoid aspirin, ibuprofen, naproxen, fish oil, vitamin E, ginkgo biloba, ginseng, garlic, "
    "St John's wort and kava kava for 7 days before your appointment, to lower the risk of "
    "bruising and bleeding. Do not stop a medicine a doctor prescribed, such as a blood "
    "thinner, without asking that doctor first; tell us about it instead."
)
_AVOID_ALCOHOL_AND_CAFFEINE = (
    "Avoid alcohol and caffeine for 24 hours before your appointment, to lower the risk of "
    "bruising and swelling."
)
_RESCHEDULE_IF_UNWELL = (
    "Please call us to rebook if you are not feeling well, or develop a cold sore, blemish or "
    "rash in the area to be treated."
)
_NOT_IN_PREGNANCY = "Patients who are pregnant or breastfeeding may not be treated. No exceptions."
_NO_MAKEUP = "Please come to your appointment with no make-up on the area, if possible."
_COLD_SORES_AROUND_THE_MOUTH = (
    "If you have ever had a cold sore and will be treated on or around the lips or mouth, "
    "treatment can bring one back: you will need an antiviral medicine from your doctor "
    "beforehand, and a note from them saying so."
)
_INFECTION_SIGNS = (
    "Call us straight away if you notice pain, redness, swelling or warmth that gets worse "
    "instead of better, any discharge, or a fever."
)


def _note_needed(*conditions: str) -> str:
    # Semicolons, since the conditions themselves hold commas.
    listed = "; ".join(conditions[:-1]) + f"; or {conditions[-1]}"
    return (
        f"Please get a signed note from your doctor authorizing treatment, and send it to us "
        f"before your appointment, if you have {listed}. A nurse will check the note."
    )


_NEUROMUSCULAR = "a neuromuscular disorder (such as myasthenia gravis)"
_IMMUNOSUPPRESSION = "a condition or medicine that weakens your immune system"
_BLEEDING_DISORDER = "a bleeding or clotting disorder"
_AUTOIMMUNE = "an autoimmune condition (such as lupus or rheumatoid arthritis)"
_CANCER_TREATMENT = "cancer treatment (chemotherapy now, or radiation therapy in the last 3 months)"
_UNCONTROLLED_DIABETES = "diabetes that is not under control"


def _before(*specific: str, note_for: tuple[str, ...]) -> ConsentSection:
    """Pre-care: the seed's instructions for every treatment, then the treatment's own."""
    return ConsentSection(
        "Before your treatment",
        (
            _AVOID_BLEEDING_RISK,
            _AVOID_ALCOHOL_AND_CAFFEINE,
            _RESCHEDULE_IF_UNWELL,
            _NOT_IN_PREGNANCY,
            _note_needed(*note_for),
            *specific,
            _NO_MAKEUP,
        ),
        numbered=True,
    )


PDO_BARBED_THREADS = ConsentDocument(
    title="Consent for PDO barbed threads (thread lift)",
    introduction=(
        "PDO barbed threads (a thread lift) are thin threads made of polydioxanone (PDO), a "
        "material used in dissolving stitches, with small barbs along their length. They are "
        "placed under the skin with a fine needle or cannula, usually after numbing the area, "
        "to lift and support loose skin, for example along the jawline or cheeks. The threads "
        "dissolve over several months and help stimulate collagen as they do."
    ),
    sections=(
        _before(
            "Please tell us if you are allergic to lidocaine or any other numbing medicine, if "
            "you get raised or thick scars (keloids), or if you have permanent filler or an "
            "implant where you will be treated. A nurse will talk it through with you.",
            _COLD_SORES_AROUND_THE_MOUTH,
            "Please call us to rebook if acne, eczema, psoriasis or rosacea is flaring up "
            "where you will be treated.",
            "If you can, avoid booking dental work in the 2 weeks before or after your treatment.",
            note_for=(
                _NEUROMUSCULAR,
                _IMMUNOSUPPRESSION,
                _BLEEDING_DISORDER,
                _AUTOIMMUNE,
                _CANCER_TREATMENT,
            ),
        ),
        ConsentSection(
            "After the procedure, you may notice",
            (
                "Swelling, bruising and tenderness in the treated area, usually settling within "
                "one to two weeks.",
                "A feeling of tightness or pulling, or small dimples or puckering of the skin, "
                "which usually settle as the area heals.",
                "Small marks where the needle or cannula entered the skin.",
                "Rarely, an infection, or the end of a thread felt or seen under the skin. "
                + _INFECTION_SIGNS
                + " Call us too if you can see or feel a thread end.",
            ),
        ),
        ConsentSection(
            "After your treatment",
            (
                "Do not rub or massage your face for 2 weeks, and wash and dry it gently.",
                "Avoid opening your mouth very wide, and strong facial expressions, for 2 weeks.",
                "Sleep on your back, with your head raised, for the first week if you can.",
                "Avoid exercise, saunas and hot baths for one week.",
                "Avoid wearing make-up in the treated area for 24 hours.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Your results",
            (
                "You may see some lift straight away; it settles as the swelling goes down. The "
                "threads dissolve over several months, and how long the result lasts differs "
                "from person to person. Your practitioner will talk to you about follow-up "
                "treatments.",
            ),
        ),
    ),
    declaration=DECLARATION,
)

DERMAL_FILLER = ConsentDocument(
    title="Consent for dermal filler",
    introduction=(
        "Dermal filler is a gel, usually made of hyaluronic acid (a sugar the body makes "
        "naturally), injected under the skin to restore volume, shape areas such as the lips "
        "and cheeks, and soften lines and folds. Many fillers contain lidocaine, a numbing "
        "medicine, to make the injections more comfortable. The body breaks the gel down "
        "slowly over time."
    ),
    sections=(
        _before(
            "Patients who have had anaphylaxis or have several severe allergies, or who are "
            "allergic to hyaluronic acid or to a filler they had before, may not be treated.",
            "Please tell us if you are allergic to lidocaine or any other numbing medicine, if "
            "you get raised or thick scars (keloids), or if you have permanent filler or an "
            "implant where you will be treated. A nurse will talk it through with you.",
            _COLD_SORES_AROUND_THE_MOUTH,
            "Please tell us if you have had a vaccine, or have dental work booked, within 2 "
            "weeks of your appointment; some clinics prefer to leave 2 weeks between them.",
            note_for=(_NEUROMUSCULAR, _IMMUNOSUPPRESSION, _BLEEDING_DISORDER, _AUTOIMMUNE),
        ),
        ConsentSection(
            "After the procedure, you may notice",
            (
                "Swelling, redness, tenderness and bruising where the filler was injected, "
                "usually settling within a few days to two weeks. Lips often swell more for "
                "the first few days.",
                "Small lumps or unevenness, which usually settle as the swelling goes down. "
                "Tell us if they do not settle within two weeks.",
                "Rarely, filler can block a blood vessel. Call us straight away, or get "
                "emergency care, if you notice skin turning white, grey, blue or blotchy, pain "
                "that is severe or getting worse, or any change in your vision.",
                "Rarely, an infection. " + _INFECTION_SIGNS,
            ),
        ),
        ConsentSection(
            "After your treatment",
            (
                "Do not touch, press or massage the treated area for the rest of the day, "
                "unless your practitioner shows you how.",
                "Avoid exercise, saunas, hot baths and alcohol for 24 hours.",
                "Avoid wearing make-up in the treated area for 24 hours.",
                "Avoid strong sun and extreme cold until any swelling and redness have gone.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Your results",
            (
                "You will see a change straight away, and the final result once the swelling "
                "has settled, usually after about two weeks. How long filler lasts depends on "
                "the product and the area treated; your practitioner will tell you what to "
                "expect and when to come back.",
            ),
        ),
    ),
    declaration=DECLARATION,
)

NEUROTOXIN = ConsentDocument(
    title="Consent for neurotoxin (for example Botox)",
    introduction=(
        "Neurotoxin (botulinum toxin type A, sold as Botox, Dysport, Xeomin and other brands) "
        "is a prescription medicine injected in small amounts into chosen muscles. It relaxes "
        "them for a while, which softens lines caused by movement, such as frown lines, "
        "forehead lines and crow's feet."
    ),
    sections=(
        _before(
            "Please leave at least 90 days between neurotoxin treatments, whatever they were "
            "for. Tell us the date of your last one.",
            "Patients who are allergic to any botulinum toxin product may not be treated. "
            "Please tell us if you are allergic to cow's milk protein: one brand contains it, "
            "and we will choose another.",
            "Please tell us if you are taking injected antibiotics, muscle relaxants or "
            "sleeping medicines: they can strengthen the effect of the toxin.",
            note_for=(
                _NEUROMUSCULAR,
                _IMMUNOSUPPRESSION,
                _BLEEDING_DISORDER,
                "trouble swallowing or breathing (including asthma or emphysema)",
            ),
        ),
        ConsentSection(
            "After the procedure, you may notice",
            (
                "Small bumps where the injections were given, which usually go within an hour, "
                "and sometimes slight redness, bruising or a mild headache.",
                "The effect starts after a few days and is usually at its fullest after about "
                "two weeks.",
                "Sometimes a drooping eyelid or eyebrow, or an uneven look, which wears off "
                "over time. Please tell us if it happens.",
                "Rarely, the effect can spread beyond the treated area. Get medical help "
                "straight away if, in the hours to weeks after treatment, you have trouble "
                "swallowing, speaking or breathing, or new muscle weakness.",
            ),
        ),
        ConsentSection(
            "After your treatment",
            (
                "Do not rub or massage the treated area for the rest of the day.",
                "Stay upright, and do not lie down, for 4 hours.",
                "Avoid exercise, saunas, facials and hot baths for 24 hours.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Your results",
            (
                "The effect usually lasts about three to four months, sometimes longer, and "
                "then wears off gradually. Treatments need at least 90 days between them.",
            ),
        ),
    ),
    declaration=DECLARATION,
)

SCULPTRA = ConsentDocument(
    title="Consent for Sculptra",
    introduction=(
        "Sculptra is poly-L-lactic acid, a material the body breaks down, injected under the "
        "skin. It does not fill straight away: over the following weeks and months it helps "
        "the skin make its own collagen, gradually restoring lost volume and softening folds "
        "and wrinkles. A course of several treatments, some weeks apart, is usual."
    ),
    sections=(
        _before(
            "Patients who get raised or thick scars (keloids), or who are allergic to "
            "poly-L-lactic acid or to a filler they had before, may not be treated.",
            "Please tell us if you have had anaphylaxis or have several severe allergies. A "
            "nurse will talk it through with you.",
            note_for=(_NEUROMUSCULAR, _IMMUNOSUPPRESSION, _BLEEDING_DISORDER, _AUTOIMMUNE),
        ),
        ConsentSection(
            "After the procedure, you may notice",
            (
                "Swelling, redness, tenderness and bruising where it was injected, usually "
                "settling within a few days to two weeks.",
                "The area may look fuller at first; this goes down within a few days as the "
                "water the product is mixed with is absorbed, and the real change follows over "
                "the next weeks and months.",
                "Small lumps under the skin, which can appear weeks or months later. Please "
                "tell us if you notice any.",
                "Rarely, an infection. " + _INFECTION_SIGNS,
            ),
        ),
        ConsentSection(
            "After your treatment",
            (
                "Massage the treated area as your practitioner shows you, usually for 5 "
                "minutes, 5 times a day, for 5 days, to help the product spread evenly.",
                "Use a cold pack, wrapped in a cloth, on the area for short periods in the "
                "first day if it is swollen.",
                "Avoid exercise for 24 hours, and avoid strong sun and sunbeds until the "
                "redness and swelling have gone.",
                "Avoid wearing make-up in the treated area for 24 hours.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Your results",
            (
                "Results build up gradually over a few months and can last a long time; your "
                "practitioner will suggest how many treatments you need and how far apart.",
            ),
        ),
    ),
    declaration=DECLARATION,
)

MICRONEEDLING = ConsentDocument(
    title="Consent for microneedling",
    introduction=(
        "Microneedling uses a device with very fine, sterile needles to make tiny punctures in "
        "the top layers of the skin. As the skin heals it makes new collagen, which can improve "
        "its texture and tone, fine lines and some scars, including acne scars. A numbing "
        "cream is often used first."
    ),
    sections=(
        _before(
            "Please leave at least 6 months between your last dose of isotretinoin (Accutane) "
            "and your treatment.",
            "Avoid sunburn, tanning, sunbeds and self-tanner for 14 days before your treatment.",
            "Please call us to rebook if acne, eczema, psoriasis or rosacea is flaring up "
            "where you will be treated.",
            "Patients who are allergic to stainless steel or other metals may not be treated. "
            "Please tell us if you are allergic to lidocaine or any other numbing medicine, if "
            "you get raised or thick scars (keloids), or if you have warts, raised moles or "
            "skin cancer where you will be treated. A nurse will talk it through with you.",
            _COLD_SORES_AROUND_THE_MOUTH,
            "Ask us before your appointment about any retinoid (such as tretinoin or retinol) "
            "or exfoliating product you use on the area: you may need to stop it for a few days "
            "beforehand.",
            note_for=(
                _NEUROMUSCULAR,
                _IMMUNOSUPPRESSION,
                _BLEEDING_DISORDER,
                _AUTOIMMUNE,
                _UNCONTROLLED_DIABETES,
                _CANCER_TREATMENT,
            ),
        ),
        ConsentSection(
            "After the procedure, you may notice",
            (
                "Redness, warmth and tightness like a mild sunburn, usually for one to three days.",
                "Slight swelling, dryness or flaking for a few days, and sometimes small "
                "bruises or pinpoint spots of bleeding.",
                "Rarely, an infection or a cold sore. " + _INFECTION_SIGNS,
            ),
        ),
        ConsentSection(
            "After your treatment",
            (
                "Avoid wearing make-up for 24 hours, and touch the area only with clean hands.",
                "Use only a gentle cleanser and moisturiser until the skin has settled; avoid "
                "retinoids, exfoliating acids and scrubs for about a week.",
                "Avoid exercise, swimming pools, saunas and hot baths for 48 hours.",
                "Keep out of the sun while your skin heals, and use a broad-spectrum sunscreen "
                "(SPF 30 or higher) every day once it is no longer raw.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Your results",
            (
                "The skin keeps improving for several weeks after each treatment. A course of "
                "several treatments, some weeks apart, is usually recommended; your "
                "practitioner will suggest a plan.",
            ),
        ),
    ),
    declaration=DECLARATION,
)
