"""The consent text each treatment's patients sign.

The exact text shown is hashed and the hash stored with the signature, so the clinic can prove
which wording a patient agreed to.
"""

from __future__ import annotations

from .catalog import DERMAL_FILLER, MICRONEEDLING, NEUROTOXIN, PDO_BARBED_THREADS, SCULPTRA
from .document import ConsentDocument, ConsentSection
from .seed import PDO_SMOOTH_THREADS

__all__ = ["CONSENT_DOCUMENTS", "ConsentDocument", "ConsentSection", "consent_for"]

CONSENT_DOCUMENTS: dict[str, ConsentDocument] = {
    "pdo_smooth_threads": PDO_SMOOTH_THREADS,
    "pdo_barbed_threads": PDO_BARBED_THREADS,
    "dermal_filler": DERMAL_FILLER,
    "neurotoxin": NEUROTOXIN,
    "sculptra": SCULPTRA,
    "microneedling": MICRONEEDLING,
}


def consent_for(treatment: str) -> ConsentDocument:
    """The consent document of a treatment."""
    return CONSENT_DOCUMENTS[treatment]
