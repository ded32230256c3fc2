"""Spanish for patients: every patient-facing text of the rule data has its translation, and
``evaluate(..., language="es")`` words the patient texts and instructions in Spanish while every
other field stays exactly as in English."""

import string
from datetime import date, timedelta

import pytest
from hypothesis import given, settings

from rules import RULESETS, TOPICS, AnswerError, evaluate, evaluate_document, i18n
from rules.dates import DATE_WORDS, format_date
from rules.engine import NOT_ASKED_PATIENT_TEXT
from rules.i18n import DEFAULT_LANGUAGE, LANGUAGES, translate
from rules.messages import LOCALES, in_sentence_messages
from rules.po import read_po
from rules.questions import Visit
from rules.shared.core import PREGNANCY
from rules.treatments import TREATMENTS
from rules.wording import (
    WORDING_WORDS,
    DaysFromAppointment,
    Options,
    Period,
    join_words,
    value_from_json,
    value_to_json,
    word_message,
)
from tests.contract import VERSION_2_ADDED, no_answers, seed_answers, treatment_answers
from tests.rules.test_properties import screenings

TODAY = date(2026, 12, 4)
APPOINTMENT = date(2026, 12, 10)  # a Thursday
SMOOTH = "pdo_smooth_threads"

# Spanish writes these exactly as English does: brand and plant names, and "No".
SAME_IN_SPANISH = {"No", "Sculptra", "Ginkgo biloba", "Ginseng", "Kava kava"}


def _date_check_messages(check):
    """What a date check says about the dates it refuses: one far past, one far future."""
    visit = Visit(today=TODAY, appointment_date=APPOINTMENT)
    messages = {check(day, visit) for day in (date.min, date.max)}
    messages.discard(None)
    assert messages, f"{check.__name__} refuses neither extreme date"
    return messages


def patient_texts():
    """Every patient-facing English text the released rule sets use, with where it comes from."""
    found = {}

    def add(text, where):
        if text:
            found.setdefault(text, where)

    for topic in TOPICS:
        add(topic.title, f"topic {topic.id}")
    add(NOT_ASKED_PATIENT_TEXT, "engine: a question not asked")
    for versions in RULESETS.values():
        for ruleset in versions.values():
            key = "-".join(ruleset.key)
            add(ruleset.title, f"{key} title")
            for question in ruleset.questions:
                for field in ("label", "help", "short_name", "missing_message"):
                    add(getattr(question, field), f"{key} {question.id} {field}")
                for option in question.options:
                    add(option.label, f"{key} {question.id} option {option.code}")
                for check in question.date_checks:
                    for message in _date_check_messages(check):
                        add(message, f"{key} {question.id} {check.__name__}")
            for rule in ruleset.rules:
                add(rule.patient_text, f"{key} rule {rule.id}")
                add(rule.unsure_patient_text, f"{key} rule {rule.id} (unsure)")
            for instruction in ruleset.instructions:
                add(instruction.text, f"{key} instruction {instruction.id}")
                add(instruction.text_from_now, f"{key} instruction {instruction.id} (from now)")
    return found


PATIENT_TEXTS = patient_texts()
MESSAGES = dict(i18n.messages())
SPANISH = i18n.catalog("es")


def placeholders(template):
    return sorted(name for _, name, _, _ in string.Formatter().parse(template) if name is not None)


def test_every_patient_text_of_the_released_rule_sets_has_a_message_id():
    assert sorted(set(PATIENT_TEXTS) - set(MESSAGES.values())) == []


@pytest.mark.parametrize("message_id", sorted(MESSAGES))
def test_every_patient_text_has_a_spanish_translation(message_id):
    english, spanish = MESSAGES[message_id], SPANISH.get(message_id)
    assert spanish and spanish.strip(), f"no Spanish for {message_id}: {english!r}"
    assert spanish == spanish.strip() and "  " not in spanish
    if english not in SAME_IN_SPANISH:
        assert spanish != english, f"{message_id} is not translated"
    assert placeholders(spanish) == placeholders(english), message_id
    if english.endswith("?"):
        assert "¿" in spanish and spanish.endswith("?"), message_id
    if english.endswith("."):
        assert spanish.endswith("."), message_id


def test_every_spanish_entry_translates_a_text_of_the_rule_data():
    assert sorted(set(SPANISH) - set(MESSAGES)) == [], "entries for texts no longer there"


def test_every_translation_was_made_for_the_english_as_it_reads_now():
    catalogs = [LOCALES / "es.po", *(t.folder / "es.po" for t in TREATMENTS.values())]
    reworded = []
    for path in catalogs:
        prefix = "" if path.parent == LOCALES else f"treatment {path.parent.name} "
        for (context, english), _ in read_po(path).items():
            if english != MESSAGES[prefix + context]:
                reworded.append(f"{path}: {context}")
    assert reworded == [], (
        "the English was reworded since it was translated: check the translation still says "
        "the same, then copy the new English into its msgid"
    )


def test_one_english_text_is_translated_one_way():
    # What ``translate`` finds by its English; the words of dates, counts and lists, and the
    # options' forms inside a sentence, are found by their ids ("and" is one English word for
    # two Spanish ones; "St. John's wort" is "Hierba de San Juan" as a label, "hierba de San
    # Juan" in a sentence).
    ways = {}
    by_english = set(MESSAGES) - set(DATE_WORDS) - set(WORDING_WORDS) - set(in_sentence_messages())
    for message_id, english in ((key, MESSAGES[key]) for key in by_english):
        ways.setdefault(english, set()).add(SPANISH.get(message_id))
    assert {english: found for english, found in ways.items() if len(found) > 1} == {}


def test_rewording_the_english_keeps_the_translation():
    reworded = "You said you might be pregnant; call us on {appointment_date}."
    message_id = PREGNANCY.message_id("patient")
    in_spanish = word_message(message_id, {}, APPOINTMENT, None, "es", english=reworded)
    assert in_spanish == SPANISH[message_id].format(
        appointment_date="jueves 10 de diciembre de 2026"
    )
    assert word_message(message_id, {}, APPOINTMENT, None, "en", english=reworded) == (
        "You said you might be pregnant; call us on Thursday, December 10, 2026."
    )


def test_only_the_listed_names_are_the_same_in_spanish():
    same = {MESSAGES[key] for key, spanish in SPANISH.items() if MESSAGES[key] == spanish}
    assert same == SAME_IN_SPANISH


def test_translate_falls_back_to_english():
    assert translate("Are you breastfeeding?", "es") == "¿Está amamantando (dando pecho)?"
    assert translate("Are you breastfeeding?", "en") == "Are you breastfeeding?"
    assert translate("Are you breastfeeding?", "fr") == "Are you breastfeeding?"
    assert translate("Not in the rule data", "es") == "Not in the rule data"
    assert translate("", "es") == ""
    assert set(LANGUAGES) == {"en", "es"} and DEFAULT_LANGUAGE == "en"


# Dates.

SPANISH_WEEKDAYS = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"]
SPANISH_MONTHS = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
]


@pytest.mark.parametrize("offset", range(7))
def test_spanish_weekdays(offset):
    day = date(2026, 12, 7) + timedelta(days=offset)  # Monday 7 December onwards
    assert format_date(day, "es") == f"{SPANISH_WEEKDAYS[offset]} {day.day} de diciembre de 2026"


@pytest.mark.parametrize("month", range(1, 13))
def test_spanish_months(month):
    day = date(2027, month, 1)
    weekday = SPANISH_WEEKDAYS[day.weekday()]
    assert format_date(day, "es") == f"{weekday} 1 de {SPANISH_MONTHS[month - 1]} de 2027"


def test_english_dates_are_unchanged():
    assert format_date(date(2026, 12, 11)) == "Friday, December 11, 2026"
    assert format_date(date(2026, 12, 11), "en") == "Friday, December 11, 2026"
    assert format_date(date(2027, 2, 11), "es") == "jueves 11 de febrero de 2027"
    assert format_date(date(2026, 12, 11), "fr") == "Friday, December 11, 2026"


# Lists and counted values in a sentence.


@pytest.mark.parametrize(
    ("words", "english", "spanish"),
    [
        ([], "", ""),
        (["a"], "a", "a"),
        (["a", "b"], "a and b", "a y b"),
        (["a", "b", "c"], "a, b, and c", "a, b y c"),
        (["aspirina", "ibuprofeno"], "aspirina and ibuprofeno", "aspirina e ibuprofeno"),
        (["naproxeno", "Ibuprofeno"], "naproxeno and Ibuprofeno", "naproxeno e Ibuprofeno"),
        (["ajo", "hipérico"], "ajo and hipérico", "ajo e hipérico"),
        (["agua", "hielo"], "agua and hielo", "agua y hielo"),
        (["ibuprofeno", "aspirina"], "ibuprofeno and aspirina", "ibuprofeno y aspirina"),
    ],
)
def test_words_joined_as_in_a_sentence(words, english, spanish):
    assert join_words(words, "en") == english
    assert join_words(words, "es") == spanish


def test_option_labels_in_a_spanish_sentence_are_translated_and_lower_case():
    chosen = Options("bleeding_risk_substances", ("aspirin", "vitamin_e", "ibuprofen"))
    assert chosen.in_words("en") == "aspirin, vitamin E, and ibuprofen"
    assert chosen.in_words("es") == "aspirina, vitamina E e ibuprofeno"


def test_a_stored_option_reads_as_its_label_reads_now(monkeypatch):
    stored = value_from_json(
        value_to_json(Options("bleeding_risk_substances", ("fish_oil",), ("Fish oil",)))
    )
    assert stored == Options("bleeding_risk_substances", ("fish_oil",))
    # The label reworded since the finding was stored: both languages follow it.
    message_id = "question bleeding_risk_substances option fish_oil"
    monkeypatch.setitem(i18n._ENGLISH, message_id, "Fish oil capsules")
    monkeypatch.setitem(i18n._CATALOGS["es"], message_id, "Cápsulas de aceite de pescado")
    assert stored.in_words("en") == "fish oil capsules"
    assert stored.in_words("es") == "cápsulas de aceite de pescado"


@pytest.mark.parametrize(
    ("value", "english", "spanish"),
    [
        (Period(days=90), "90 days", "90 días"),
        (Period(days=1), "1 day", "1 día"),
        (Period(months=6), "6 months", "6 meses"),
        (Period(months=1), "1 month", "1 mes"),
        (DaysFromAppointment(3), "3 days before your appointment", "3 días antes de su cita"),
        (DaysFromAppointment(1), "1 day before your appointment", "1 día antes de su cita"),
        (DaysFromAppointment(-1), "1 day after your appointment", "1 día después de su cita"),
        (DaysFromAppointment(-2), "2 days after your appointment", "2 días después de su cita"),
        (DaysFromAppointment(0), "on the day of your appointment", "el mismo día de su cita"),
    ],
)
def test_counted_values_in_words(value, english, spanish):
    assert value.in_words("en") == english
    assert value.in_words("es") == spanish


# evaluate(..., language="es").


def run(answers, treatment=SMOOTH, language="es", **kwargs):
    return evaluate(
        treatment=treatment,
        appointment_date=APPOINTMENT,
        answers=answers,
        today=TODAY,
        language=language,
        **kwargs,
    )


def without_patient_words(result):
    data = result.to_dict()
    for finding in data["findings"]:
        del finding["patient_text"]
    for instruction in data["instructions"]:
        del instruction["text"]
    return data


def assert_same_but_the_words(spanish, english):
    assert without_patient_words(spanish) == without_patient_words(english)
    assert [(f.rule_id, f.staff_text) for f in spanish.findings] == [
        (f.rule_id, f.staff_text) for f in english.findings
    ]
    assert [(i.id, i.source, i.dates) for i in spanish.instructions] == [
        (i.id, i.source, i.dates) for i in english.instructions
    ]
    for ours, theirs in zip(spanish.findings, english.findings, strict=True):
        assert ours.patient_text != theirs.patient_text
    for ours, theirs in zip(spanish.instructions, english.instructions, strict=True):
        assert ours.text != theirs.text


def finding(result, rule_id):
    (found,) = [f for f in result.findings if f.rule_id == rule_id]
    return found


def test_bleeding_risk_with_two_substances_in_spanish():
    answers = no_answers(
        bleeding_risk_substances=["aspirin", "ibuprofen"],
        bleeding_risk_last_dose="2026-12-04",
    )
    spanish, english = run(answers), run(answers, language="en")
    assert_same_but_the_words(spanish, english)
    assert finding(spanish, "bleeding_risk_7_days").patient_text == (
        "Usted tomó aspirina o ibuprofeno por última vez el viernes 4 de diciembre de 2026, "
        "menos de 7 días antes de su cita. Estos productos aumentan el riesgo de moretones y "
        "sangrado, así que para el tratamiento deben pasar 7 días completos desde la última "
        "dosis. La primera fecha en que podría venir es el viernes 11 de diciembre de 2026. Si "
        "un médico le recetó alguno de ellos (por ejemplo, aspirina diaria), siga tomándolo y "
        "llámenos: nosotros lo consultaremos con el médico que se lo recetó."
    )
    assert "(aspirin or ibuprofen) last taken Friday, December 4, 2026" in (
        finding(spanish, "bleeding_risk_7_days").staff_text
    )


def test_minor_in_spanish():
    spanish = run(no_answers(date_of_birth="2009-02-11"))
    assert_same_but_the_words(spanish, run(no_answers(date_of_birth="2009-02-11"), language="en"))
    assert spanish.earliest_date == date(2027, 2, 11)
    assert finding(spanish, "minor").patient_text == (
        "El día de su cita usted tendrá 17 años, y este tratamiento es solo para personas de 18 "
        "años o más. La primera fecha en que podría venir es el jueves 11 de febrero de 2027, "
        "cuando cumpla 18 años."
    )


def test_toxin_90_days_in_spanish():
    answers = treatment_answers("neurotoxin", toxin_last_date="2026-11-13")
    spanish = run(answers, treatment="neurotoxin")
    assert_same_but_the_words(spanish, run(answers, treatment="neurotoxin", language="en"))
    assert finding(spanish, "toxin_90_days").patient_text == (
        "Su último tratamiento con toxina fue el viernes 13 de noviembre de 2026, menos de 90 "
        "días antes de su cita. Entre un tratamiento con toxina y el siguiente deben pasar al "
        "menos 90 días. La primera fecha en que podría venir es el jueves 11 de febrero de 2027."
    )


def test_isotretinoin_clamped_to_the_end_of_february_in_spanish():
    answers = treatment_answers("microneedling", isotretinoin_last_dose="2026-08-31")
    spanish = run(answers, treatment="microneedling")
    assert_same_but_the_words(spanish, run(answers, treatment="microneedling", language="en"))
    assert spanish.earliest_date == date(2027, 2, 28)
    assert finding(spanish, "isotretinoin_6_months").patient_text == (
        "Usted tomó isotretinoína por última vez el lunes 31 de agosto de 2026. Su piel "
        "necesita 6 meses después de la última dosis para sanar normalmente después del "
        "tratamiento con microagujas. La primera fecha en que podría venir es el domingo 28 de "
        "febrero de 2027. Si un médico le recetó isotretinoína y todavía la toma, siga "
        "tomándola: no deje de tomar un medicamento recetado a causa de este tratamiento. Hable "
        "con el médico que se la recetó, y llámenos."
    )


def test_advice_in_spanish():
    answers = treatment_answers(
        "dermal_filler", vaccine_last_date="2026-12-01", dental_work_date="2026-12-10"
    )
    spanish = run(answers, treatment="dermal_filler")
    assert_same_but_the_words(spanish, run(answers, treatment="dermal_filler", language="en"))
    assert spanish.outcome == "clear"
    assert finding(spanish, "vaccine_14_days").patient_text.startswith(
        "Usted se vacunó el martes 1 de diciembre de 2026, 9 días antes de su cita. "
    )
    assert finding(spanish, "dental_work_14_days").patient_text.startswith(
        "Su tratamiento dental del jueves 10 de diciembre de 2026 es el mismo día de su cita. "
    )


def test_areas_around_the_mouth_in_spanish():
    answers = treatment_answers(
        "microneedling", cold_sore_history="yes", treatment_areas=["lips", "smile_lines"]
    )
    spanish = run(answers, treatment="microneedling")
    assert_same_but_the_words(spanish, run(answers, treatment="microneedling", language="en"))
    assert "alrededor de la boca (labios y líneas de la sonrisa (de la nariz a la boca))" in (
        finding(spanish, "cold_sore_history_perioral").patient_text
    )


def test_not_sure_and_not_asked_in_spanish():
    answers = seed_answers(pregnant="unsure")
    spanish = run(answers, not_asked=VERSION_2_ADDED)
    assert_same_but_the_words(spanish, run(answers, language="en", not_asked=VERSION_2_ADDED))
    assert finding(spanish, "pregnancy").patient_text == (
        "Usted nos dijo que no sabe si podría estar embarazada. Una enfermera se comunicará con "
        "usted antes de su cita del jueves 10 de diciembre de 2026 para hablarlo con calma."
    )
    assert finding(spanish, "keloid_history").patient_text == (
        "Necesitamos hacerle una pregunta que no le hicimos antes: "
        '"¿Le salen cicatrices abultadas o gruesas (queloides)?" Una enfermera se comunicará '
        "con usted antes de su cita del jueves 10 de diciembre de 2026."
    )


def test_instructions_in_spanish_with_spanish_dates():
    spanish = run(no_answers())
    texts = {instruction.id: instruction.text for instruction in spanish.instructions}
    substances = texts["avoid_bleeding_risk_substances"]
    assert substances.startswith("No tome aspirina, ibuprofeno")
    # Screened 6 days ahead, on 4 December: the 7 days before the appointment began yesterday.
    assert "desde ahora hasta su cita del jueves 10 de diciembre" in substances
    a_week_ahead = evaluate(SMOOTH, APPOINTMENT, no_answers(), date(2026, 12, 3), language="es")
    texts = {instruction.id: instruction.text for instruction in a_week_ahead.instructions}
    assert (
        "desde el jueves 3 de diciembre de 2026 hasta su cita del jueves 10 de diciembre"
        in (texts["avoid_bleeding_risk_substances"])
    )
    assert (
        texts["no_makeup"]
        == "Si puede, venga a su cita del jueves 10 de diciembre de 2026 sin maquillaje."
    )


def test_the_cached_instructions_keep_each_language_apart():
    english_first = run(no_answers(), language="en").instructions
    spanish = run(no_answers()).instructions
    english_again = run(no_answers(), language="en").instructions
    assert english_first == english_again
    assert (
        english_first[2].text
        == "Come to your appointment on Thursday, December 10, 2026 without makeup, if you can."
    )
    assert spanish[2].text.startswith("Si puede, venga")


def test_english_is_the_default_language():
    answers = no_answers(cold_sore="yes")
    default = evaluate(SMOOTH, APPOINTMENT, answers, today=TODAY)
    assert default.to_dict() == run(answers, language="en").to_dict()
    assert default.findings[0].patient_text.startswith("You have a cold sore right now.")


def test_an_untranslated_text_stays_wholly_english(monkeypatch):
    cold_sore = (
        "You have a cold sore right now. Treatment can't go ahead until it has fully healed: "
        "call us to rebook."
    )
    no_makeup = "Come to your appointment on {until_date} without makeup, if you can."
    monkeypatch.delitem(i18n._CATALOGS["es"], i18n.message_id_of(cold_sore))
    monkeypatch.delitem(i18n._CATALOGS["es"], i18n.message_id_of(no_makeup))
    spanish = run(no_answers(cold_sore="yes", date_of_birth="2009-02-11"))
    assert finding(spanish, "cold_sore").patient_text == cold_sore
    assert finding(spanish, "minor").patient_text.startswith("El día de su cita")
    texts = {instruction.id: instruction.text for instruction in spanish.instructions}
    assert texts["no_makeup"] == no_makeup.format(until_date="Thursday, December 10, 2026")
    assert texts["avoid_alcohol_and_caffeine"].startswith("No tome alcohol")


@pytest.mark.parametrize("language", ["fr", "ES", "", None, ["es"]])
def test_an_unsupported_language_is_an_answer_error(language):
    with pytest.raises(AnswerError) as excinfo:
        run(no_answers(), language=language)
    assert set(excinfo.value.errors) == {"language"}
    assert excinfo.value.errors["language"] == ["Choose one of the languages offered: en, es"]


def test_an_unsupported_language_is_named_with_the_other_problems():
    answers = no_answers()
    del answers["cold_sore"]
    with pytest.raises(AnswerError) as excinfo:
        run(answers, language="fr")
    assert set(excinfo.value.errors) == {"language", "cold_sore"}


def test_evaluate_document_takes_an_optional_language():
    document = {
        "treatment": SMOOTH,
        "appointment_date": "2026-12-10",
        "today": "2026-12-04",
        "answers": no_answers(cold_sore="yes"),
    }
    english = evaluate_document(document)
    assert evaluate_document({**document, "language": None}) == english
    assert evaluate_document({**document, "language": "en"}) == english
    spanish = evaluate_document({**document, "language": "es"})
    assert spanish["findings"][0]["patient_text"].startswith("Usted tiene herpes labial")
    assert spanish.keys() == english.keys()
    assert spanish["findings"][0]["staff_text"] == english["findings"][0]["staff_text"]
    with pytest.raises(AnswerError) as excinfo:
        evaluate_document({**document, "language": "de"})
    assert set(excinfo.value.errors) == {"language"}


@settings(max_examples=150, deadline=None)
@given(screening=screenings())
def test_spanish_changes_only_the_patient_words(screening):
    def in_language(language):
        return evaluate(
            treatment=screening.treatment,
            appointment_date=screening.appointment,
            answers=screening.answers,
            today=screening.today,
            version=screening.version,
            language=language,
        )

    spanish, english = in_language("es"), in_language("en")
    assert_same_but_the_words(spanish, english)
    for text in [f.patient_text for f in spanish.findings] + [i.text for i in spanish.instructions]:
        assert "{" not in text and " day" not in text and "appointment" not in text
