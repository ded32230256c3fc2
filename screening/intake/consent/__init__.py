"""The consent text each treatment's patients sign, in each language the clinic offers.

The exact text shown is hashed and the hash stored with the signature, so the clinic can prove
which wording a patient agreed to. A translation is a document of its own, with its own hash.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from rules import RULESETS
from rules.i18n import DEFAULT_LANGUAGE, LANGUAGES

from . import spanish
from .catalog import DERMAL_FILLER, MICRONEEDLING, NEUROTOXIN, PDO_BARBED_THREADS, SCULPTRA
from .document import ConsentDocument, ConsentSection
from .seed import PDO_SMOOTH_THREADS

__all__ = [
    "CONSENT_DOCUMENTS",
    "TRANSLATED_DOCUMENTS",
    "ConsentDocument",
    "check_every_consent_is_there",
    "ConsentSection",
    "consent_for",
]

CONSENT_DOCUMENTS: dict[str, ConsentDocument] = {
    "pdo_smooth_threads": PDO_SMOOTH_THREADS,
    "pdo_barbed_threads": PDO_BARBED_THREADS,
    "dermal_filler": DERMAL_FILLER,
    "neurotoxin": NEUROTOXIN,
    "sculptra": SCULPTRA,
    "microneedling": MICRONEEDLING,
}
# language -> treatment -> the document in that language
TRANSLATED_DOCUMENTS: dict[str, dict[str, ConsentDocument]] = {"es": spanish.DOCUMENTS}


def check_every_consent_is_there(
    documents: Mapping[str, Mapping[str, ConsentDocument]],
    treatments: Collection[str],
    languages: Mapping[str, str],
) -> None:
    """Refuse to start when a treatment offered has no consent in a language offered
    (``documents``: language -> treatment -> document): its patients could not sign, or would
    sign a text in a language they did not choose."""
    missing = [
        f"{treatment} in {name}"
        for language, name in languages.items()
        for treatment in treatments
        if treatment not in documents.get(language, {})
    ]
    if missing:
        raise RuntimeError("No consent document for " + ", ".join(missing))


check_every_consent_is_there(
    {DEFAULT_LANGUAGE: CONSENT_DOCUMENTS, **TRANSLATED_DOCUMENTS}, RULESETS, LANGUAGES
)


def consent_for(treatment: str, language: str = DEFAULT_LANGUAGE) -> ConsentDocument:
    """The consent document of a treatment, in ``language`` when there is one, else English."""
    return TRANSLATED_DOCUMENTS.get(language, {}).get(treatment) or CONSENT_DOCUMENTS[treatment]
