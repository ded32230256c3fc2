"""The references the catalog's rules cite (``catalog.md``, "Sources"), by number.

A rule's ``source`` names them, e.g. "catalog.md 40, 46 (strength M)"; the staff rules page
shows the references beside it.
"""

from __future__ import annotations

CATALOG_SOURCES: dict[int, str] = {
    1: "https://myeliteskin.com/pdo-thread-lift-pre-and-post-treatment/",
    2: "https://www.myrestorewellness.com/new-page-1-1-1-1",
    3: "https://goldthreadusa.com/contraindications",
    7: "https://www.botoxoahu.com/thread-lift-before-and-aftercare",
    9: "Medicina 2022 review, https://doi.org/10.3390/medicina58010030",
    10: "BOTOX Cosmetic prescribing information highlights (copy at http://doczz.net/doc/6478728)",
    11: "https://www.mycitydentist.am/botox-injections/",
    12: "BOTOX Cosmetic Medication Guide (copy at http://botoxcosmetic.co.in/side-effects/)",
    13: "https://www.wakehealth.edu/treatment/b/botox-cosmetic",
    14: "https://hcp.botoxcosmetic.com/product-information",
    15: "http://halomedicine.com/xeomin/",
    19: "https://www.buzzrx.com/dysport/warnings",
    20: "https://www.realself.com/question/person-dysport-botox-they-allergy-cow-milk",
    21: "https://www.cincyfacialplastics.com/newsletter/20100813/newsletter.html",
    23: "https://www.wereviveu.com/pre-treatment-dermal-filler-instructions/",
    24: "http://www.stephanieganske.com/dermal-filler-before-care",
    27: "http://drdianemcconnehey.com/juvaderm-safety-information",
    28: "https://www.juvederm.ca/safety-and-side-effects",
    29: "http://www.theplasticsurgeryclinic.com/procedures/face/injectables/juvederm_candidates.html",
    30: "Restylane Kysse instructions for use (copy at fdocuments.us)",
    31: "https://www.mims.com/hongkong/drug/info/restylane/special-precautions",
    34: "https://apanetwork.com/newsletter/2021/cosmetic-skin-penetration-treatments-and-vaccinations",
    35: "https://jcadonline.com/guideline-management-herpes-simplex-1-cosmetic",
    36: "https://health.clevelandclinic.org/can-a-lip-filler-trigger-a-cold-sore",
    38: "Sculptra US product information",
    39: "https://newradiancenow.com/services/injectables/dermal-fillers/sculptra/sculptra-aesthetic-important-safety-information",
    40: "https://sit.mimsdev.com/hongkong/drug/info/sculptra/special-precautions",
    42: "https://projectlead.health/clinical-corner/what-do-you-tell-your-patients-about-microneedling-while-on-isotretinoin/",
    43: "ASDS 2017 consensus on procedures during isotretinoin (https://scholars.mssm.edu/en/publications/asds-guidelines-task-force-consensus-recommendations-regarding-th-2)",
    44: "https://42westllc.com/service/personalized-aesthetic-injectables",
    46: "https://balancedayspa.com/pages/microneedling-contraindications",
    47: "https://www.filtered-skin.com/pages/pre-care-advice-micro-needling-treatment",
    48: "https://www.aeternaaesthetics.com/microneedling-prepost-care",
    51: "https://sisubeautyclinic.com/blogs/microneedling/microneedling-contraindications",
    52: "https://perfectfacelajolla.com/pages/radiofrequency-microneedling-pre-post",
    53: "InMode Optimas manual",
    54: "https://pubmed.ncbi.nlm.nih.gov/14601698",
    55: "https://health.ucsd.edu/for-health-care-professionals/anticoagulation-guidelines/perioperative/procedure-recommendations/pages/dermatology.aspx",
    62: "Sculptra (MIMS Hong Kong)",
    63: "http://csadvanceaesthetic.co.uk/what-is-the-most-important-information-i-should-know-about-botox-cosmetic/",
    64: "https://www.symetryaesthetics.com.au/pdo-thread-aftercare",
}
