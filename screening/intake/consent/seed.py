"""The smooth threads consent, from the clinic's own page (the seed's "Pre and Post Care").

Screenings hold the hash of this exact text: a change of wording is a new document, never an
edit of this one.
"""

from __future__ import annotations

from .document import DECLARATION, ConsentDocument, ConsentSection

PDO_SMOOTH_THREADS = ConsentDocument(
    title="Consent for PDO smooth threads",
    introduction=(
        "Smooth threads are small, thin threads made of polydioxanone (PDO) that help stimulate "
        "collagen where they are placed. Unlike barbed threads, they do not lift. They are "
        "minimally invasive and are used in areas such as frown lines, smile lines, lip lines, "
        "under the chin and the neck, with minimal discomfort and downtime."
    ),
    sections=(
        ConsentSection(
            "Before your treatment",
            (
                "Avoid aspirin, ibuprofen, naproxen, blood thinners, fish oil, vitamin E, ginkgo "
                "biloba, ginseng, garlic, St John's wort and kava kava for 7 days before the "
                "procedure, to minimize bruising and swelling. Do not stop a medicine a doctor "
                "prescribed without asking that doctor first.",
                "Avoid alcohol and caffeine for 24 hours before the procedure, to minimize "
                "bruising and swelling.",
                "Please reschedule your appointment if you are not feeling well, or develop a "
                "cold sore, blemish or rash in the area to be treated.",
                "Patients who are pregnant or breastfeeding may not be treated. No exceptions.",
                "If you have a history of a neuromuscular or immunosuppressive disorder, please "
                "get a signed note from your primary care provider authorizing treatment.",
                "Please come to your appointment with no make-up if possible.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "After the procedure, you may notice",
            (
                "Swelling and bruising in the treated area for up to two weeks.",
                "Gradual improvement, visible several weeks after the first treatment. Several "
                "treatments 4 to 6 weeks apart are usually recommended for the best result.",
            ),
        ),
        ConsentSection(
            "After your treatment",
            (
                "Do not massage the treated area.",
                "Avoid exercising for 24 hours.",
                "Avoid wearing make-up in the treated area for 24 hours.",
            ),
            numbered=True,
        ),
        ConsentSection(
            "Keeping your results",
            (
                "3 to 4 treatments, 4 to 6 weeks apart, are recommended for the best results; "
                "please make sure your follow-up appointments are booked.",
                "A maintenance treatment every year helps keep up collagen production.",
            ),
        ),
    ),
    declaration=DECLARATION,
)
