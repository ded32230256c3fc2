"""US English for a US clinic (issue 18, "A US clinic in British English"): every English word a
patient or a member of staff reads, from the app's catalog, the templates, the app's own staff
messages, the rule data and the consent patients sign now, is spelled and put as in the US; a
clinic's name is never put in a possessive; counts are in words, never "day(s)"; options chosen
read in lower case inside a sentence; errors follow the GOV.UK style and name their field."""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import rules.messages  # noqa: F401  (registers the rules' words)
from rules import RULESETS, AnswerError, evaluate, i18n
from rules.treatments import TREATMENTS, consent_for
from rules.wording import DaysFromAppointment, Options, join_words, value_from_json, value_to_json
from tests.contract import no_answers, treatment_answers
from tests.intake.patient import PAGES, Patient
from tests.intake.test_bad_input import assert_field_error, summary_links

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 12, 4)
APPOINTMENT = date(2026, 12, 10)

# British spellings and words, with the US English a reader here expects instead.
BRITISH = {
    r"haemo\w*|\w*anaesth\w*|oedema|paediatr\w*": "hemophilia, anesthetic, edema, pediatric",
    r"neurones?": "neuron (motor neuron disease)",
    r"colour\w*|centres?|programmes?|catalogue|jewellery|tumours?|grey": "color, center, ...",
    r"favour\w*|behaviour\w*|honour\w*|labour": "favor, behavior, honor, labor",
    r"cancell(?:ed|ing)|labell(?:ed|ing)|travell(?:ed|ing)|modell(?:ed|ing)": "canceled, ...",
    r"licence|judgement|whilst|amongst|fortnight|ageing|practise[ds]?": "license, judgment, ...",
    r"enquir\w*": "inquiry",
    r"straight away": "right away",
    r"make-up": "makeup",
    r"st john's": "St. John's",
    r"roaccutane|paracetamol": "US brand names (Absorica, acetaminophen)",
    r"(?-i:GPs?)": "primary care provider",
    r"mobile (?:phone|number)s?": "cell phone",
    r"tick(?:ed|s)? (?:the|a|this|each|every) box(?:es)?|tick box\w*": "check the box",
    r"(?:call|phone|ring) (?:us|the clinic|%\(clinic\)s) on": "call us at",
    r"some clinics": "the clinic's own voice",
    r"\w+(?:is|ys)(?:e|ed|es|ing|ation|ations)": "-ize (organize, recognize, ...)",
}
# Words ending like "-ise" that US English spells so too: "advise", "exercise", "otherwise".
_ISE_AS_IN_US = re.compile(
    r"(?:adv|advert|appra|ar|bru|chast|circumc|clockw|compr|comprom|conc|cru|dem|desp|dev|disgu"
    r"|enterpr|exc|exerc|expert|franch|improv|inc|likew|merchand|no|otherw|parad|po|pra|prec"
    r"|prem|prom|r|ra|rev|sunr|superv|surm|surpr|telev|upr|w)is(?:e|ed|es|ing)",
    re.IGNORECASE,
)
_BRITISH = re.compile(r"\b(?:" + "|".join(BRITISH) + r")\b", re.IGNORECASE)


def british_words(text: str) -> list[str]:
    """The British spellings and words in ``text``."""
    return [
        match.group(0)
        for match in _BRITISH.finditer(text)
        if not _ISE_AS_IN_US.fullmatch(match.group(0))
    ]


def _english_catalog() -> list[str]:
    """Every English text of the app's catalog (messages.pot): singular and plural forms."""
    with (ROOT / "screening/translations/messages.pot").open("rb") as file:
        catalog = read_po(file)
    texts = []
    for message in catalog:
        if message.id:
            texts.extend(message.id if isinstance(message.id, tuple) else (message.id,))
    return texts


def _rule_texts() -> list[str]:
    """Every English text of the rule data: the patients' (by message id) and the staff's of
    every released rule set."""
    texts = list(i18n.messages().values())
    for versions in RULESETS.values():
        for ruleset in versions.values():
            for rule in ruleset.rules:
                texts += [rule.staff_text, rule.unsure_staff_text]
    return texts


def _template_texts() -> dict[str, str]:
    """Each template's words as shown: without its comments, tags and expressions (code)."""
    code = re.compile(r"\{#.*?#\}|<!--.*?-->|\{%.*?%\}|\{\{.*?\}\}", re.S)
    return {
        str(path.relative_to(ROOT)): code.sub(" ", path.read_text(encoding="utf-8"))
        for path in sorted((ROOT / "templates").rglob("*.html"))
    }


def _app_sentences() -> list[tuple[str, str]]:
    """``(file, words)`` of the app's own strings that are words to read (a space in them),
    docstrings left out: flashes, staff errors, emails written in code."""
    found = []
    for path in sorted((ROOT / "screening").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and " " in node.value
                and id(node) not in docstrings
            ):
                found.append((str(path.relative_to(ROOT)), node.value))
    return found


def _current_consents() -> dict[str, str]:
    """The English consent each treatment's patients sign now, by treatment."""
    return {treatment: consent_for(treatment, "en").plain_text() for treatment in TREATMENTS}


def test_no_british_spelling_in_the_english_catalog():
    assert {text: british_words(text) for text in _english_catalog() if british_words(text)} == {}


def test_no_british_spelling_in_the_rules_texts():
    assert {text: british_words(text) for text in _rule_texts() if british_words(text)} == {}


def test_no_british_spelling_in_the_templates():
    found = {name: british_words(text) for name, text in _template_texts().items()}
    assert {name: words for name, words in found.items() if words} == {}


def test_no_british_spelling_in_the_apps_own_messages():
    found = [(name, text, british_words(text)) for name, text in _app_sentences()]
    assert [entry for entry in found if entry[2]] == []


def test_no_british_spelling_in_the_consent_signed_now():
    found = {name: british_words(text) for name, text in _current_consents().items()}
    assert {name: words for name, words in found.items() if words} == {}


# --- the examples of the issue, one by one ------------------------------------------------------


def _patient_text(treatment: str, rule_id: str, language: str = "en", **answers) -> str:
    answered = treatment_answers(treatment, **answers)
    result = evaluate(treatment, APPOINTMENT, answered, today=TODAY, language=language)
    (text,) = [f.patient_text for f in result.findings if f.rule_id == rule_id]
    return text


def test_hemophilia_not_haemophilia():
    help_text = i18n.english("question bleeding_disorder help")
    assert "hemophilia" in help_text and "haemophilia" not in help_text


def test_motor_neuron_disease_not_motor_neurone_disease():
    help_text = i18n.english("question neuromuscular_disorder help")
    assert "ALS (motor neuron disease)" in help_text


@pytest.mark.parametrize("clinic", ["Rumi Aesthetics", "Clinic of the Valley"])
def test_the_clinics_name_is_never_put_in_a_possessive(app, client, clinic):
    app.config["CLINIC_NAME"] = clinic
    page = client.get("/intake/").text
    assert f"the clinical team at {clinic}" in page
    assert f"{clinic}'" not in page and f"{clinic}&#39;" not in page
    # Nowhere else either: no word written after the name with an apostrophe.
    after_the_name = re.compile(
        r"(?:%\(clinic\)s|\{\{ ?clinic ?\}\}|\{clinic\}|CLINIC_NAME ?\}\})'"
    )
    assert [text for text in _english_catalog() if after_the_name.search(text)] == []
    assert [name for name, text in _template_texts().items() if after_the_name.search(text)] == []
    for path in sorted((ROOT / "screening").rglob("*.py")):
        assert not after_the_name.search(path.read_text(encoding="utf-8")), path


@pytest.mark.parametrize(
    ("days", "english"),
    [
        (9, "9 days before your appointment"),
        (1, "1 day before your appointment"),
        (-1, "1 day after your appointment"),
        (-9, "9 days after your appointment"),
        (0, "on the day of your appointment"),
    ],
)
def test_nine_days_not_nine_day_s(days, english):
    assert DaysFromAppointment(days).in_words("en") == english


def test_no_count_is_written_with_s_in_brackets():
    everywhere = [
        *_english_catalog(),
        *_rule_texts(),
        *_template_texts().values(),
        *(text for _, text in _app_sentences()),
    ]
    assert [text for text in everywhere if "(s)" in text] == []


def test_you_last_took_ibuprofen_or_fish_oil_in_lower_case():
    text = _patient_text(
        "pdo_smooth_threads",
        "bleeding_risk_7_days",
        bleeding_risk_substances=["ibuprofen", "fish_oil"],
        bleeding_risk_last_dose="2026-12-04",
    )
    assert text.startswith("You last took ibuprofen or fish oil on ")


def test_a_name_keeps_its_capital_in_a_list_of_options():
    chosen = Options("bleeding_risk_substances", ("ibuprofen", "vitamin_e", "st_johns_wort"))
    chosen = Options(chosen.question, chosen.codes, joined_by="or")
    assert chosen.in_words("en") == "ibuprofen, vitamin E, or St. John's wort"
    assert chosen.in_words("es") == "ibuprofeno, vitamina E o hierba de San Juan"


def test_the_doses_taken_in_spanish_are_joined_by_o():
    text = _patient_text(
        "pdo_smooth_threads",
        "bleeding_risk_7_days",
        language="es",
        bleeding_risk_substances=["ibuprofen", "aspirin", "fish_oil"],
        bleeding_risk_last_dose="2026-12-04",
    )
    assert text.startswith("Usted tomó ibuprofeno, aspirina o aceite de pescado por última vez")


@pytest.mark.parametrize(
    ("words", "english", "spanish"),
    [
        (["aspirina", "omega-3"], "aspirina or omega-3", "aspirina u omega-3"),
        (["ajo", "hojas"], "ajo or hojas", "ajo u hojas"),
        (["a", "b", "c"], "a, b, or c", "a, b o c"),
    ],
)
def test_words_joined_by_or(words, english, spanish):
    assert join_words(words, "en", "or") == english
    assert join_words(words, "es", "or") == spanish


def test_options_stored_before_or_existed_read_with_and():
    stored = {"options": {"question": "bleeding_risk_substances", "codes": ["aspirin", "garlic"]}}
    assert value_from_json(stored).in_words("en") == "aspirin and garlic supplements"
    taken = Options("bleeding_risk_substances", ("aspirin",), joined_by="or")
    assert value_from_json(value_to_json(taken)) == Options(
        "bleeding_risk_substances", ("aspirin",), joined_by="or"
    )


def test_some_clinics_prefer_is_said_in_the_clinics_own_voice():
    text = _patient_text("dermal_filler", "vaccine_14_days", vaccine_last_date="2026-12-01")
    assert "We prefer to leave 14 days between a vaccine and filler" in text
    assert "9 days before your appointment" in text
    everywhere = [*_rule_texts(), *_english_catalog(), *_current_consents().values()]
    assert [text for text in everywhere if "some clinics" in text.lower()] == []


def test_date_of_birth_must_be_in_the_past_without_a_colon():
    with pytest.raises(AnswerError) as refused:
        evaluate("pdo_smooth_threads", APPOINTMENT, no_answers(date_of_birth="2027-01-01"), TODAY)
    assert refused.value.errors == {"date_of_birth": ["Date of birth must be in the past"]}


# --- errors in the GOV.UK style on the patient's pages ------------------------------------------


def _page_after(client, step: str, answers: dict) -> str:
    patient = Patient(client)
    patient.start()
    for page in dict.fromkeys(["about_you", "visit"]):
        if page != step:
            assert patient.answer(page, PAGES[page]).status_code == 303
    return patient.answer(step, answers).text


def test_an_unanswered_question_asks_to_select_if(client):
    page = _page_after(client, "pregnancy", {"breastfeeding": "no"})
    assert_field_error(page, "pregnant", "Select if you are pregnant or could be")


def test_a_dose_dated_after_today_names_the_date(client):
    medicines = {**PAGES["medicines"], "bleeding_risk_substances": ["aspirin"]}
    page = _page_after(client, "medicines", {**medicines, "bleeding_risk_last_dose": "2026-12-05"})
    assert_field_error(
        page, "bleeding_risk_last_dose", "Date of your last dose must be today or in the past"
    )


@pytest.mark.parametrize(
    "chosen", [["none", "aspirin"], ["cocaine"]], ids=["none-and-more", "forged"]
)
def test_none_of_these_with_others_asks_as_gov_uk_does(client, chosen):
    page = _page_after(
        client, "medicines", {**PAGES["medicines"], "bleeding_risk_substances": chosen}
    )
    assert_field_error(
        page,
        "bleeding_risk_substances",
        "Select the medicines and supplements you have taken, or select None of these",
    )


@pytest.mark.parametrize(
    ("step", "answers"),
    [
        ("about_you", {}),
        ("pregnancy", {}),
        ("health", {}),
        ("medicines", {"bleeding_risk_substances": ["aspirin"]}),
        ("feeling", {}),
    ],
)
def test_no_error_starts_with_its_fields_name_and_a_colon(client, step, answers):
    messages = list(summary_links(_page_after(client, step, answers)).values())
    assert messages
    for message in messages:
        assert not re.match(r"[^:]+: ", message), message
        assert message.startswith(("Enter ", "Select ")), message


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        (
            "email",
            "ana.example.com",
            "Enter an email address in the correct format, like name@example.com",
        ),
        ("phone", "call me", "Enter a phone number, like 909 218 3993"),
        ("first_name", "", "Enter your first name"),
    ],
)
def test_contact_details_are_asked_for_as_gov_uk_does(client, field, typed, message):
    page = _page_after(client, "about_you", {**PAGES["about_you"], field: typed})
    assert_field_error(page, field, message)
