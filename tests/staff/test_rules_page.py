"""The staff rules page and the index behind it: every rule of every rule set, each definition
with the treatments and versions using it, its texts and its sources; who may see it."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from rules import CURRENT_VERSIONS, RULESETS, Clearance, Ends, Outcome
from rules.index import (
    KNOWN_TRIGGERS,
    Membership,
    ends_in_words,
    instruction_index,
    references,
    rule_index,
    template_in_words,
    timing_in_words,
    trigger_in_words,
)
from rules.shared.sources import CATALOG_SOURCES
from screening.extensions import db
from screening.models import AuditEvent
from tests.staff.helpers import signed_in

pytestmark = pytest.mark.usefixtures("light_password_hashing")

URL = "/staff/records/rules"
EVERY_RULE_ID = {
    rule.id for versions in RULESETS.values() for rs in versions.values() for rule in rs.rules
}


class Sections(HTMLParser):
    """The text of each ``<section id="rule-...">`` and of each definition inside it."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, str] = {}
        self.definitions: dict[str, list[str]] = {}
        self.links: list[str] = []
        self._section = None
        self._definition = None
        self._depth = 0
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        element_id = attributes.get("id") or ""
        if tag == "a":
            self.links.append(attributes.get("href") or "")
        if tag == "section" and element_id.startswith("rule-"):
            self._section = element_id.removeprefix("rule-")
            self.sections[self._section] = ""
            self.definitions[self._section] = []
        elif self._section and tag == "div" and element_id.startswith(f"rule-{self._section}-"):
            self._definition = len(self.definitions[self._section])
            self.definitions[self._section].append("")
            self._depth = 0
        if self._definition is not None and tag == "div":
            self._depth += 1

    def handle_endtag(self, tag):
        if tag == "section":
            self._section = None
            self._definition = None
        elif tag == "div" and self._definition is not None:
            self._depth -= 1
            if self._depth == 0:
                self._definition = None

    def handle_data(self, data):
        if self._section:
            self.sections[self._section] += data
            if self._definition is not None:
                self.definitions[self._section][self._definition] += data


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def nurse(app):
    return signed_in(app, "nurse@clinic.example", "nurse")


# The index ----------------------------------------------------------------------------------


def test_the_index_lists_every_rule_id_once_and_every_rule_in_one_variant():
    entries = rule_index()
    assert [e.rule_id for e in entries] == list(dict.fromkeys(e.rule_id for e in entries))
    assert {e.rule_id for e in entries} == EVERY_RULE_ID
    for treatment, versions in RULESETS.items():
        for version, ruleset in versions.items():
            membership = Membership(treatment, version, CURRENT_VERSIONS[treatment] == version)
            for rule in ruleset.rules:
                (entry,) = [e for e in entries if e.rule_id == rule.id]
                holding = [v for v in entry.variants if membership in v.memberships]
                assert [v.rule for v in holding] == [rule], (treatment, version, rule.id)


def test_keloid_history_has_two_variants_with_their_treatments():
    (entry,) = [e for e in rule_index() if e.rule_id == "keloid_history"]
    review, not_eligible = entry.variants
    assert [(m.treatment, m.version) for m in review.memberships] == [
        ("pdo_smooth_threads", "2"),
        ("pdo_barbed_threads", "1"),
        ("pdo_barbed_threads", "2"),
        ("dermal_filler", "1"),
        ("dermal_filler", "2"),
        ("microneedling", "1"),
        ("microneedling", "2"),
    ]
    assert (review.rule.outcome, review.rule.clearance, review.rule.overridable) == (
        Outcome.NEEDS_CLEARANCE,
        Clearance.NURSE_REVIEW,
        True,
    )
    assert [(m.treatment, m.version) for m in not_eligible.memberships] == [("sculptra", "1")]
    assert (not_eligible.rule.outcome, not_eligible.rule.overridable) == (Outcome.RESCHEDULE, False)
    assert [v.uses("sculptra") for v in entry.variants] == [False, True]
    assert entry.for_treatment("sculptra") == (not_eligible,)
    assert entry.for_treatment("neurotoxin") == ()


def test_smooth_threads_versions_show_which_rules_each_holds():
    entries = {e.rule_id: e for e in rule_index()}
    (bleeding,) = entries["bleeding_disorder"].variants
    assert Membership("pdo_smooth_threads", "2", True) in bleeding.memberships
    smooth_versions = [
        m.version for m in bleeding.memberships if m.treatment == "pdo_smooth_threads"
    ]
    assert smooth_versions == ["2"]
    (pregnancy,) = entries["pregnancy"].variants
    smooth = [t for t in pregnancy.treatments if t.treatment == "pdo_smooth_threads"]
    assert [(m.version, m.current) for m in smooth[0].versions] == [("1", False), ("2", True)]
    assert pregnancy.current


def test_a_variant_only_in_an_older_version_is_not_current():
    older = {"t": {"1": RULESETS["pdo_smooth_threads"]["2"], "2": RULESETS["neurotoxin"]["1"]}}
    entries = {e.rule_id: e for e in rule_index(older, {"t": "2"})}
    (keloid,) = entries["keloid_history"].variants
    assert keloid.memberships == (Membership("t", "1", False),)
    assert not keloid.current
    (toxin,) = entries["toxin_90_days"].variants
    assert toxin.current


def test_questions_come_with_their_labels_and_unsure_only_where_offered():
    entries = {e.rule_id: e for e in rule_index()}
    (pregnancy,) = entries["pregnancy"].variants
    assert [(q.id, q.label) for q in pregnancy.questions] == [
        ("pregnant", "Are you pregnant, or could you be?")
    ]
    assert pregnancy.offers_unsure
    assert pregnancy.unsure_outcome == (Outcome.NEEDS_CLEARANCE, Clearance.NURSE_REVIEW)
    (breastfeeding,) = entries["breastfeeding"].variants
    assert not breastfeeding.offers_unsure
    history_only, now_or_before = entries["cold_sore_history_perioral"].variants
    assert [q.id for q in history_only.questions] == ["cold_sore_history", "treatment_areas"]
    assert [q.id for q in now_or_before.questions] == [
        "cold_sore_history",
        "cold_sore",
        "treatment_areas",
    ]
    assert {(m.treatment, m.version) for m in now_or_before.memberships} == {
        ("pdo_barbed_threads", "2"),
        ("dermal_filler", "2"),
        ("microneedling", "2"),
    }


def test_every_trigger_is_put_in_words():
    for entry in rule_index():
        for variant in entry.variants:
            assert variant.rule.when.describe()["op"] in KNOWN_TRIGGERS, entry.rule_id
    entries = {e.rule_id: e.variants[0].rule for e in rule_index()}

    def said(rule_id: str) -> str:
        return trigger_in_words(entries[rule_id].when.describe())

    assert said("toxin_90_days") == "toxin_last_date is less than 90 days before the appointment"
    assert said("isotretinoin_6_months") == (
        "isotretinoin_last_dose is less than 6 calendar months before the appointment"
    )
    assert said("bleeding_risk_7_days") == (
        "bleeding_risk_substances is not empty and bleeding_risk_last_dose is less than 7 days "
        "before the appointment"
    )
    assert said("dental_work_14_days") == (
        "dental_work_date is less than 14 days before or after the appointment"
    )
    assert said("minor") == "the age on the appointment date, from date_of_birth, is under 18"
    assert said("pregnancy") == "pregnant is “yes”"
    assert said("cold_sore_history_perioral") == (
        "cold_sore_history is “yes” and treatment_areas includes any of lips, lip_lines, "
        "smile_lines and marionette_lines"
    )
    now_or_before = next(
        e.variants[1].rule for e in rule_index() if e.rule_id == "cold_sore_history_perioral"
    )
    assert trigger_in_words(now_or_before.when.describe()) == (
        "cold_sore_history or cold_sore is “yes” and treatment_areas includes any of lips, "
        "lip_lines, smile_lines and marionette_lines"
    )
    assert trigger_in_words({"op": "new_thing", "question": "q", "days": 3}) == (
        "new_thing (question=q, days=3)"
    )


def test_sources_expand_the_catalog_numbers_and_the_seed_items():
    cited = references("catalog.md 38, 39 (strength S; US labelling)")
    assert [(r.number, r.text) for r in cited] == [
        (38, CATALOG_SOURCES[38]),
        (39, CATALOG_SOURCES[39]),
    ]
    assert cited[1].pieces == ((CATALOG_SOURCES[39], CATALOG_SOURCES[39]),)
    (medicina,) = references("catalog.md 9 (strength M)")
    assert medicina.pieces == (
        ("Medicina 2022 review, ", None),
        ("https://doi.org/10.3390/medicina58010030", "https://doi.org/10.3390/medicina58010030"),
    )
    (guide,) = references("catalog.md 12")
    assert [url for _, url in guide.pieces] == [
        None,
        "http://botoxcosmetic.co.in/side-effects/",
        None,
    ]
    seed_and_catalog = references(
        "seed, pre-care 1; dermatologic-surgery anticoagulant guidance (catalog.md 54, 55)"
    )
    assert [r.number for r in seed_and_catalog] == [None, 54, 55]
    assert seed_and_catalog[0].text.endswith("Pre and Post Care, item 1")
    assert references("catalog.md 99")[0].text == "not in the catalog's list of sources"
    for entry in rule_index():
        for variant in entry.variants:
            found = references(variant.rule.source)
            assert found, entry.rule_id
            assert all(r.number is None or r.number in CATALOG_SOURCES for r in found)


def test_instructions_are_grouped_with_their_timing():
    entries = {e.instruction_id: e for e in instruction_index()}
    assert list(entries) == [
        "avoid_bleeding_risk_substances",
        "avoid_alcohol_and_caffeine",
        "no_makeup",
        "reschedule_if_unwell",
    ]
    (bleeding,) = entries["avoid_bleeding_risk_substances"].variants
    assert len(bleeding.memberships) == sum(len(v) for v in RULESETS.values())
    assert timing_in_words(bleeding.instruction) == (
        "From 7 days before the appointment until the appointment day"
    )
    assert timing_in_words(entries["no_makeup"].variants[0].instruction) == "On the appointment day"
    assert timing_in_words(entries["reschedule_if_unwell"].variants[0].instruction) == (
        "From the day of the screening until the appointment day"
    )
    assert template_in_words("before {until_date}, {earliest_date}") == (
        "before [until date], [earliest date]"
    )


# The page -----------------------------------------------------------------------------------


def test_the_page_lists_every_rule_of_every_rule_set(nurse):
    page = nurse.get(URL)
    assert page.status_code == 200
    parsed = Sections(page.text)
    assert set(parsed.sections) == EVERY_RULE_ID
    for rule_id in EVERY_RULE_ID:
        assert page.text.count(f'id="rule-{rule_id}"') == 1
        assert f'href="#rule-{rule_id}"' in page.text
    for entry in rule_index():
        shown = parsed.definitions[entry.rule_id]
        assert len(shown) == len(entry.variants), entry.rule_id
        for text, variant in zip(shown, entry.variants, strict=True):
            text = words(text)
            rule = variant.rule
            assert trigger_in_words(rule.when.describe()) in text
            assert words(template_in_words(rule.patient_text)) in text
            assert words(template_in_words(rule.staff_text)) in text
            assert rule.source in text
            for question in variant.questions:
                assert f"{question.id}: {question.label}" in text
            unsure_text = words(template_in_words(rule.unsure_staff_text))
            assert (unsure_text in text) == variant.offers_unsure, entry.rule_id
            overridable = "true" if rule.overridable else "false"
            assert (
                f"Overridable{'Yes' if rule.overridable else 'No'} overridable: {overridable}"
                in (text)
            )
            assert f"Ends by{ends_in_words(rule.ends)}" in text, entry.rule_id
            if variant.offers_unsure:
                assert "Ends by, if not sureA nurse's decision with a reason nurse" in text
            assert "a nurse may resolve it" not in text
    assert "<script" not in page.text
    assert not re.search(r"<(img|link|iframe)[^>]+https?://", page.text)  # no external loads


def test_keloid_history_shows_both_definitions_with_their_treatments(nurse):
    parsed = Sections(nurse.get(URL).text)
    review, not_eligible = (words(t) for t in parsed.definitions["keloid_history"])
    assert "2 definitions" in words(parsed.sections["keloid_history"])
    for title in ("PDO smooth threads", "PDO barbed threads", "Dermal filler", "Microneedling"):
        assert title in review
    assert "Sculptra" not in review.split("Fires when")[0]
    assert "Needs clearance" in review and "A nurse follows up" in review
    assert "Sculptra (sculptra): version 1 (current)" in not_eligible
    assert "Microneedling" not in not_eligible
    assert "OverridableNo overridable: false" in not_eligible
    assert "Ends byNothing: not suitable for this treatment never" in not_eligible
    assert "Ends byA nurse's decision with a reason nurse" in review
    assert "38: Sculptra US product information" in not_eligible


def test_smooth_threads_v1_and_v2_membership_is_shown(nurse):
    parsed = Sections(nurse.get(URL).text)
    (bleeding,) = (words(t) for t in parsed.definitions["bleeding_disorder"])
    assert "PDO smooth threads (pdo_smooth_threads): version 2 (current)" in bleeding
    assert "version 1" not in bleeding.split("PDO barbed")[0]
    (pregnancy,) = (words(t) for t in parsed.definitions["pregnancy"])
    assert (
        "PDO smooth threads (pdo_smooth_threads): version 1 (older version), version 2 (current)"
        in pregnancy
    )


def test_sources_link_to_the_catalog_references(nurse):
    page = nurse.get(URL)
    parsed = Sections(page.text)
    assert "https://doi.org/10.3390/medicina58010030" in parsed.links
    assert '<a href="https://doi.org/10.3390/medicina58010030" rel="noreferrer">' in page.text
    (toxin,) = (words(t) for t in parsed.definitions["toxin_90_days"])
    assert "14: https://hcp.botoxcosmetic.com/product-information" in toxin
    assert (
        "12: BOTOX Cosmetic Medication Guide (copy at http://botoxcosmetic.co.in/side-effects/)"
        in toxin
    )


# lifecycle.md's words for each way a finding ends, restated.
ENDS_BY = {
    "date": "A new appointment date on or after the earliest date; nothing else",
    "recheck": (
        "The patient's fresh “no”, at check-in or by the re-check from their link; a new date "
        "alone never ends it"
    ),
    "new_screening": "Only a new questionnaire for a new visit; no staff action",
    "note": "A note verified for this finding, then a nurse's decision with a reason",
    "nurse": "A nurse's decision with a reason",
    "never": "Nothing: not suitable for this treatment",
}


def test_each_way_of_ending_is_put_in_words():
    for ends, said in ENDS_BY.items():
        assert ends_in_words(Ends(ends)) == said
    assert "advice" in ends_in_words(None)
    entries = {e.rule_id: e for e in rule_index()}
    (pregnancy,) = entries["pregnancy"].variants
    assert pregnancy.rule.ends == "new_screening"
    assert pregnancy.unsure_ends == "nurse"
    (vaccine,) = entries["vaccine_14_days"].variants
    assert vaccine.unsure_ends is None


def test_how_each_finding_ends_is_shown(nurse):
    parsed = Sections(nurse.get(URL).text)
    for rule_id, ends in [
        ("bleeding_risk_7_days", "date"),
        ("minor", "date"),
        ("cold_sore", "recheck"),
        ("pregnancy", "new_screening"),
        ("prescribed_blood_thinner", "note"),
        ("milk_protein_allergy", "nurse"),
        ("toxin_allergy", "never"),
    ]:
        (shown,) = (words(t) for t in parsed.definitions[rule_id])
        assert f"Ends by{words(ENDS_BY[ends])} {ends}" in shown, rule_id
    (bleeding,) = (words(t) for t in parsed.definitions["bleeding_risk_7_days"])
    assert "OverridableYes overridable: true" in bleeding
    (pregnancy,) = (words(t) for t in parsed.definitions["pregnancy"])
    assert "Ends by, if not sureA nurse's decision with a reason nurse" in pregnancy
    (dental,) = (words(t) for t in parsed.definitions["dental_work_14_days"])
    assert "Ends byNothing to end: advice never blocks the appointment" in dental


def test_the_pre_care_instructions_are_listed(nurse):
    page = nurse.get(URL)
    text = words(re.sub(r"<[^>]+>", " ", page.text))
    assert 'id="instructions-heading"' in page.text
    assert "From 7 days before the appointment until the appointment day" in text
    assert "Come to your appointment on [until date] without makeup, if you can." in text
    assert (
        "Patient reads if screened after it starts Have no alcohol and no caffeine (coffee, tea, "
        "energy drinks) in the 24 hours before your appointment."
    ) in text
    assert "kava kava from now until your appointment on [until date]" in text


def test_a_treatment_filter_shows_its_rules_only(nurse):
    page = nurse.get(f"{URL}?treatment=neurotoxin")
    assert page.status_code == 200
    parsed = Sections(page.text)
    neurotoxin = RULESETS["neurotoxin"]["1"]
    assert set(parsed.sections) == {rule.id for rule in neurotoxin.rules}
    assert "keloid_history" not in parsed.sections
    assert f"{len(neurotoxin.rules)} rules for Neurotoxin" in words(page.text)
    assert '<option value="neurotoxin" selected>' in page.text

    sculptra = Sections(nurse.get(f"{URL}?treatment=sculptra").text)
    (only,) = sculptra.definitions["keloid_history"]
    assert "OverridableNo overridable: false" in only
    assert 'id="rule-keloid_history-2"' in nurse.get(f"{URL}?treatment=sculptra").text

    smooth = Sections(nurse.get(f"{URL}?treatment=pdo_smooth_threads").text)
    assert "bleeding_disorder" in smooth.sections  # in version 2
    assert "toxin_90_days" not in smooth.sections


def test_an_unknown_treatment_is_a_form_error_and_every_rule_is_shown(nurse):
    page = nurse.get(f"{URL}?treatment=botox")
    assert page.status_code == 200
    assert "There is a problem" in page.text
    assert 'href="#treatment"' in page.text
    assert "Choose a treatment from the list" in page.text
    assert set(Sections(page.text).sections) == EVERY_RULE_ID


@pytest.mark.parametrize("role", ["nurse", "manager", "admin"])
def test_every_staff_role_sees_the_page_and_its_nav_link(app, role):
    client = signed_in(app, f"{role}@clinic.example", role)
    page = client.get(URL)
    assert page.status_code == 200
    assert f'href="{URL}">Rules</a>' in page.text
    assert f'href="{URL}">Rules</a>' in client.get("/staff/password").text


def test_anyone_signed_out_is_sent_to_sign_in(client):
    response = client.get(f"{URL}?treatment=sculptra")
    assert response.status_code in (302, 303)
    assert response.location.startswith("/staff/login?next=")


def test_viewing_the_page_writes_nothing_to_the_audit_trail(app, nurse):
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert nurse.get(URL).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
