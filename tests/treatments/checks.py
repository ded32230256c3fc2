"""What every treatment's test file checks against the expectations it writes out.

A treatment's test file, ``tests/treatments/test_<id>.py``, holds one ``TreatmentChecks``
subclass whose attributes are written out by hand, never derived from the code under test: its
released rule sets' fingerprints, the rules and questions each adds to the core, the pages its
patients see, the questions asked again before the visit, and the SHA-256 of every consent text
released. Adding a treatment is its folder (``rules/treatments/<id>/``) and that one file.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import ClassVar

from sqlalchemy import select

import rules
from rules.i18n import LANGUAGES
from screening.extensions import db
from screening.models import Screening
from tests.intake.patient import Patient, field_names
from tests.intake.test_resume import check_rows

ALL_TOPICS = [
    "about_you",
    "visit",
    "pregnancy",
    "health",
    "allergies",
    "medicines",
    "skin",
    "past_treatments",
    "feeling",
]
CORE_RULE_IDS = [
    "pregnancy",
    "breastfeeding",
    "minor",
    "neuromuscular_disorder",
    "immunosuppressive_disorder",
    "prescribed_blood_thinner",
    "bleeding_risk_7_days",
    "feeling_unwell",
    "cold_sore",
    "blemish_or_rash",
]
CORE_QUESTIONS = [
    "date_of_birth",
    "treatment_areas",
    "pregnant",
    "breastfeeding",
    "neuromuscular_disorder",
    "immunosuppressive_disorder",
    "bleeding_risk_substances",
    "bleeding_risk_last_dose",
    "prescribed_blood_thinner",
    "feeling_unwell",
    "cold_sore",
    "blemish_or_rash",
]
# Every treatment asks these again before the visit (pregnancy and breastfeeding end only by a
# new screening; the bleeding-risk window by a date; feeling unwell, a cold sore and a blemish
# by a fresh answer).
CORE_CHECK_IN = (
    "pregnant",
    "breastfeeding",
    "bleeding_risk_substances",
    "bleeding_risk_last_dose",
    "feeling_unwell",
    "cold_sore",
    "blemish_or_rash",
)
CORE_RECHECK = ("feeling_unwell", "cold_sore", "blemish_or_rash")

_PROGRESS = re.compile(r'<p class="progress">([^<]*)</p>')
_BACK = re.compile(r'<a class="back-link" href="([^"]*)"')


def progress(page) -> str | None:
    """The page's "Question page N of M", or ``None`` where it shows no count."""
    found = _PROGRESS.search(page.text)
    return found.group(1).strip() if found else None


def back_link(page) -> str:
    return _BACK.search(page.text).group(1)


def stored_screening(app) -> Screening:
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        db.session.expunge(screening)
        return screening


class TreatmentChecks:
    """The checks every treatment passes; a subclass per treatment says what to expect."""

    treatment: ClassVar[str]
    # version -> SHA-256 of the rule set's judgement (RuleSet.fingerprint)
    fingerprints: ClassVar[dict[str, str]]
    # version -> (rule id, outcome) of each rule added to the core rules, in order
    added_rules: ClassVar[dict[str, list[tuple[str, str]]]]
    # the questions the current version asks beyond the core ones, in order
    added_questions: ClassVar[list[str]]
    # the topics with a page of questions, in order
    pages: ClassVar[list[str]]
    check_in_questions: ClassVar[tuple[str, ...]] = CORE_CHECK_IN
    recheck_questions: ClassVar[tuple[str, ...]] = CORE_RECHECK
    # consent version -> language -> SHA-256 of the text signed. Screenings signed since each
    # was released hold its hash: a released text never changes (a new wording is a new version).
    consent_digests: ClassVar[dict[str, dict[str, str]]]

    # --- the rules ---------------------------------------------------------------------------

    def test_released_rule_sets_never_change(self):
        versions = rules.RULESETS[self.treatment]
        assert {v: rs.fingerprint() for v, rs in versions.items()} == self.fingerprints, (
            "a released rule set never changes: a change of rule is a new version"
        )
        assert rules.CURRENT_VERSIONS[self.treatment] == list(self.fingerprints)[-1]

    def test_each_version_adds_these_rules_to_the_core(self):
        for version, ruleset in rules.RULESETS[self.treatment].items():
            ids = [rule.id for rule in ruleset.rules]
            assert ids[: len(CORE_RULE_IDS)] == CORE_RULE_IDS
            added = [(rule.id, str(rule.outcome)) for rule in ruleset.rules[len(CORE_RULE_IDS) :]]
            assert added == self.added_rules[version], version
        assert set(rules.RULESETS[self.treatment]) == set(self.added_rules)

    def test_it_asks_the_core_questions_and_these(self):
        asked = [question.id for question in rules.get_ruleset(self.treatment).questions]
        assert asked == CORE_QUESTIONS + self.added_questions

    def test_questions_asked_again_before_the_visit(self):
        for version, ruleset in rules.RULESETS[self.treatment].items():
            assert ruleset.check_in_questions == self.check_in_questions, version
            assert ruleset.recheck_questions == self.recheck_questions, version

    # --- its consent -------------------------------------------------------------------------

    def test_no_released_consent_text_changes(self):
        consents = rules.TREATMENTS[self.treatment].consents
        digests = {
            version: {language: document.digest() for language, document in documents.items()}
            for version, documents in consents.items()
        }
        assert digests == self.consent_digests, (
            "a consent text is signed as released: its wording never changes (a new wording is a "
            "new consent version)"
        )
        assert all(set(languages) == set(LANGUAGES) for languages in digests.values())

    def test_its_consent_names_it_and_keeps_the_seeds_pre_care(self):
        document = rules.consent_for(self.treatment)
        title = rules.get_ruleset(self.treatment).title
        assert title.lower() in document.title.lower()
        assert document.sections[0].heading == "Before your treatment"
        assert "pregnant or breastfeeding may not be treated" in document.plain_text()

    def test_its_consent_has_the_same_shape_in_every_language(self):
        for documents in rules.TREATMENTS[self.treatment].consents.values():
            shapes = {
                language: [(len(s.items), s.numbered) for s in document.sections]
                for language, document in documents.items()
            }
            assert len({str(shape) for shape in shapes.values()}) == 1, shapes

    # --- what its patients see ---------------------------------------------------------------

    def test_the_pages_are_the_topics_it_asks_about(self, app, client):
        patient = Patient(client)
        patient.start()
        patient.answer_all(visit={"treatment": self.treatment})
        pages = self.pages
        total = len(pages)  # question pages; check your answers and consent are not counted
        ruleset = rules.get_ruleset(self.treatment)

        for number, step in enumerate(pages, start=1):
            page = client.get(f"/intake/{step}")
            assert page.status_code == 200, step
            assert progress(page) == f"Question page {number} of {total}"
            expected_back = "/intake/" if number == 1 else f"/intake/{pages[number - 2]}"
            assert back_link(page) == expected_back
            if step not in ("about_you", "visit"):
                asked = [q.id for q in ruleset.questions_in_topic(step)]
                assert field_names(page.text) == asked, step

        check = client.get("/intake/check")
        assert progress(check) is None
        assert back_link(check) == f"/intake/{pages[-1]}"
        titles = {topic.id: topic.title for topic in rules.TOPICS}
        assert re.findall(r"<h2>([^<]*)</h2>", check.text) == [titles[step] for step in pages]
        answered = [q.id for q in ruleset.questions if q.id != "bleeding_risk_last_dose"]
        assert set(check_rows(client)) == {
            "first_name",
            "last_name",
            "email",
            "phone",
            "treatment",
            "appointment_date",
            *answered,
        }

        consent = client.get("/intake/consent")
        assert progress(consent) is None
        assert back_link(consent) == "/intake/check"
        document = rules.consent_for(self.treatment)
        assert document.title in consent.text
        assert document.sections[-1].items[-1].replace("'", "&#39;") in consent.text
        assert patient.sign().status_code == 303
        screening = stored_screening(app)
        assert (screening.treatment, screening.ruleset_id) == (self.treatment, self.treatment)
        assert screening.ruleset_version == ruleset.version
        signed = (screening.consent_version, screening.consent_language)
        assert signed == (list(self.consent_digests)[-1], "en")
        assert screening.consent_text_hash == self.consent_digests[signed[0]]["en"]


def every_treatments_checks() -> dict[str, type[TreatmentChecks]]:
    """Each offered treatment's ``TreatmentChecks``, from its test file; a treatment with no
    such file, or with more than one class for it, is missing from the result."""
    found = {}
    for treatment in rules.TREATMENTS:
        try:
            module = importlib.import_module(f"tests.treatments.test_{treatment}")
        except ModuleNotFoundError:
            continue
        classes = [
            cls
            for cls in vars(module).values()
            if inspect.isclass(cls)
            and issubclass(cls, TreatmentChecks)
            and cls is not TreatmentChecks
        ]
        if [cls.treatment for cls in classes] == [treatment]:
            found[treatment] = classes[0]
    return found
