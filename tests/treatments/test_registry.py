"""The treatments are built from their folders: every released file pinned and checked, a folder
that cannot be read exactly refused with a message naming the file, and a new treatment served
by the app from its folder alone."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

import rules
from rules import i18n
from rules.po import read_po
from rules.treatments import (
    CURRENT_VERSIONS,
    PINS,
    RULESETS,
    TREATMENTS,
    TREATMENTS_FOLDER,
    read_treatment,
    register,
)
from screening.extensions import db
from screening.models import Screening
from tests.intake.patient import Patient, csrf_token
from tests.intake.test_resume import check_rows
from tests.treatments.checks import ALL_TOPICS, every_treatments_checks

TESTS = Path(__file__).parent
# What a treatment's folder may hold: nothing that is not that treatment's.
FOLDER_FILES = re.compile(
    r"treatment\.toml|ruleset\.v\d+\.toml|consent\.v\d+\.[a-z]{2}\.md|[a-z]{2}\.po|released\.sha256"
)


CHECKS = every_treatments_checks()


def test_every_treatment_has_its_own_test_file():
    assert set(CHECKS) == set(TREATMENTS), "tests/treatments/test_<id>.py, one TreatmentChecks"


def test_no_test_file_for_a_treatment_not_offered():
    files = {path.stem.removeprefix("test_") for path in TESTS.glob("test_*.py")}
    assert files - {"registry"} == set(TREATMENTS)


@pytest.mark.parametrize("treatment", list(TREATMENTS))
def test_nothing_but_the_treatment_lives_in_its_folder(treatment):
    folder = TREATMENTS_FOLDER / treatment
    names = [path.name for path in folder.iterdir() if path.name != "__pycache__"]
    assert [name for name in names if not FOLDER_FILES.fullmatch(name)] == []


def test_the_folders_give_the_clinics_treatments_in_its_order():
    assert rules.treatments() == [
        ("pdo_smooth_threads", "PDO smooth threads"),
        ("pdo_barbed_threads", "PDO barbed threads (thread lift)"),
        ("dermal_filler", "Dermal filler"),
        ("neurotoxin", "Neurotoxin (for example Botox)"),
        ("sculptra", "Sculptra"),
        ("microneedling", "Microneedling"),
    ]
    assert i18n.translate("Dermal filler", "es") == "Relleno dérmico"
    assert [topic.id for topic in rules.TOPICS] == ALL_TOPICS


# --- a folder that cannot be read exactly is refused, naming the file --------------------------


@pytest.fixture
def sculptra_copy(tmp_path) -> Path:
    folder = tmp_path / "sculptra"
    shutil.copytree(TREATMENTS_FOLDER / "sculptra", folder)
    return folder


def test_a_copy_of_a_folder_reads_as_the_treatment(sculptra_copy):
    copy = read_treatment(sculptra_copy)
    assert copy.rulesets["1"].fingerprint() == rules.get_ruleset("sculptra", "1").fingerprint()
    assert copy.consent("es").digest() == rules.consent_for("sculptra", "es").digest()


def test_an_edited_released_file_is_refused(sculptra_copy):
    consent = sculptra_copy / "consent.v1.en.md"
    consent.write_text(consent.read_text().replace("Sculptra", "Sculptra®", 1))
    with pytest.raises(ValueError, match=r"consent\.v1\.en\.md has changed since it was released"):
        read_treatment(sculptra_copy)


def test_a_consent_missing_in_an_offered_language_is_refused(sculptra_copy):
    (sculptra_copy / "consent.v1.es.md").unlink()
    _pin_again(sculptra_copy)
    with pytest.raises(ValueError, match=r"sculptra/consent\.v1\.es\.md is missing"):
        read_treatment(sculptra_copy)


def test_a_new_consent_version_in_one_language_only_is_refused(sculptra_copy):
    shutil.copy(sculptra_copy / "consent.v2.en.md", sculptra_copy / "consent.v3.en.md")
    _pin_again(sculptra_copy)
    with pytest.raises(ValueError, match=r"consent\.v3\.es\.md is missing"):
        read_treatment(sculptra_copy)


def test_a_consent_not_pinned_is_refused(sculptra_copy):
    for language in ("en", "es"):
        shutil.copy(
            sculptra_copy / f"consent.v2.{language}.md", sculptra_copy / f"consent.v3.{language}.md"
        )
    with pytest.raises(ValueError, match=r"does not pin consent\.v3\.en\.md, consent\.v3\.es\.md"):
        read_treatment(sculptra_copy)
    _pin_again(sculptra_copy)
    assert read_treatment(sculptra_copy).consent_version == "3"


def test_pins_are_read_as_sha256sum_writes_them(sculptra_copy):
    pins = sculptra_copy / PINS
    pins.write_text(pins.read_text().replace("  consent.v1.en.md", " *consent.v1.en.md"))
    assert read_treatment(sculptra_copy).consent("en").title
    pins.write_text(pins.read_text() + "not a pin\n")
    with pytest.raises(ValueError, match=r"released\.sha256, line 6: not a SHA-256"):
        read_treatment(sculptra_copy)


def test_two_variants_of_one_rule_are_refused_naming_the_file(sculptra_copy):
    (sculptra_copy / "ruleset.v2.toml").write_text(
        'catalog_rules = ["keloid_review", "keloid_not_eligible"]\n'
    )
    _pin_again(sculptra_copy)
    with pytest.raises(ValueError, match=r"ruleset\.v2\.toml: .*defined twice"):
        read_treatment(sculptra_copy)


def test_an_unknown_shared_rule_is_refused(sculptra_copy):
    (sculptra_copy / "ruleset.v2.toml").write_text('catalog_rules = ["keloid_revue"]\n')
    _pin_again(sculptra_copy)
    with pytest.raises(ValueError, match=r"ruleset\.v2\.toml: no shared rule named keloid_revue"):
        read_treatment(sculptra_copy)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda text: text.replace("\n## ", "\n### ", 1), r"line 3: not part of a consent"),
        (lambda text: text.rsplit("\n**", 1)[0], r"a title, an introduction and a declaration"),
        (lambda text: "Intro first\n" + text, r"line 1: the title"),
        (lambda text: text.replace("1. ", "- ", 1), r"a numbered item in a listed section"),
    ],
)
def test_a_consent_not_in_the_format_is_refused_naming_the_line(sculptra_copy, edit, message):
    consent = sculptra_copy / "consent.v1.en.md"
    consent.write_text(edit(consent.read_text()))
    _pin_again(sculptra_copy)
    with pytest.raises(ValueError, match=message):
        read_treatment(sculptra_copy)


def test_a_po_catalog_is_read_as_msgfmt_would(tmp_path):
    po = tmp_path / "es.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        '#. a comment\nmsgctxt "title"\nmsgid "Two "\n"lines"\nmsgstr "Dos "\n"líneas"\n\n'
        '#, fuzzy\nmsgid "Unsure"\nmsgstr "Dudoso"\n\n'
        'msgid "Untranslated"\nmsgstr ""\n\n'
        'msgid "Say \\"hi\\""\nmsgstr "Diga \\"hola\\""\n',
        encoding="utf-8",
    )
    assert read_po(po) == {("title", "Two lines"): "Dos líneas", (None, 'Say "hi"'): 'Diga "hola"'}
    po.write_text('msgid "x"\nmsgstr y\n')
    with pytest.raises(ValueError, match="line 2: a quoted string was expected"):
        read_po(po)


def _pin_again(folder: Path) -> None:
    released = sorted(
        p.name for p in folder.iterdir() if p.name.startswith(("ruleset.", "consent."))
    )
    (folder / PINS).write_text(
        "".join(f"{hashlib.sha256((folder / n).read_bytes()).hexdigest()}  {n}\n" for n in released)
    )


# --- a new treatment is one folder -------------------------------------------------------------

TOY_CONSENT = {
    "en": (
        "# Consent for a toy peel\n\nA toy peel is a test treatment.\n\n"
        "## Before your treatment\n\n1. Patients who are pregnant or breastfeeding may not be "
        "treated. No exceptions.\n\n## After your treatment\n\n- Keep out of the sun.\n\n"
        "**I consent to this toy treatment.**\n"
    ),
    "es": (
        "# Consentimiento para un peeling de prueba\n\nUn peeling de prueba es un tratamiento "
        "de prueba.\n\n## Antes de su tratamiento\n\n1. Las pacientes embarazadas o que "
        "amamantan no pueden recibir el tratamiento.\n\n## Después de su tratamiento\n\n"
        "- Evite el sol.\n\n**Doy mi consentimiento para este tratamiento de prueba.**\n"
    ),
}


@pytest.fixture
def toy_peel(tmp_path, monkeypatch):
    """A seventh treatment, made only of its folder in a temporary directory, offered for the
    test's length."""
    folder = tmp_path / "toy_peel"
    folder.mkdir()
    (folder / "treatment.toml").write_text('title = "Toy peel"\norder = 7\n')
    (folder / "ruleset.v1.toml").write_text('catalog_rules = ["recent_sunburn"]\n')
    for language, text in TOY_CONSENT.items():
        (folder / f"consent.v1.{language}.md").write_text(text, encoding="utf-8")
    (folder / "es.po").write_text('msgctxt "title"\nmsgid "Toy peel"\nmsgstr "Peeling de prueba"\n')
    _pin_again(folder)
    registries = (TREATMENTS, RULESETS, CURRENT_VERSIONS)
    saved = [dict(registry) for registry in registries]
    monkeypatch.setattr(i18n, "_CATALOGS", {k: dict(v) for k, v in i18n._CATALOGS.items()})
    register(read_treatment(folder))
    yield "toy_peel"
    for registry, before in zip(registries, saved, strict=True):
        registry.clear()
        registry.update(before)


def test_a_new_treatment_is_served_from_its_folder_alone(app, client, toy_peel):
    assert "Toy peel" in client.get("/").text
    patient = Patient(client)
    patient.start()
    patient.answer_all(visit={"treatment": toy_peel})

    english = client.get("/intake/consent")
    assert "Consent for a toy peel" in english.text
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es-MX,es;q=0.9"
    spanish = client.get("/intake/consent")
    assert "Consentimiento para un peeling de prueba" in spanish.text
    assert "Peeling de prueba" in client.get("/intake/check").text
    signed = patient.sign()
    assert signed.status_code == 303
    outcome = client.get(signed.location)
    assert outcome.status_code == 200
    assert "Todo está listo para su cita" in outcome.text

    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        assert (screening.treatment, screening.ruleset_version) == (toy_peel, "1")
        assert screening.outcome == "clear"
        assert (screening.consent_version, screening.consent_language) == ("1", "es")
        assert screening.consent_text_hash == rules.consent_for(toy_peel, "es").digest()
        core = rules.get_ruleset("pdo_smooth_threads", "1").questions_by_id
        assert [question for question in screening.answers if question not in core] == [
            "recent_sunburn"
        ]


# A topic a treatment does not ask about: for the treatments that leave one out.
@pytest.mark.parametrize(
    "checks",
    [checks for checks in CHECKS.values() if set(checks.pages) != set(ALL_TOPICS)],
    ids=lambda checks: checks.treatment,
)
def test_a_topic_a_treatment_does_not_ask_leads_on_to_its_next_page(client, checks):
    patient = Patient(client)
    patient.start()
    patient.answer_all(visit={"treatment": checks.treatment})
    before = check_rows(client)

    token = csrf_token(client.get("/intake/about_you").text)
    for position, topic in enumerate(ALL_TOPICS):
        if topic in checks.pages:
            continue
        following = next((t for t in ALL_TOPICS[position:] if t in checks.pages), "check")
        sent = {
            "toxin_last_date": "2026-11-01",
            "keloid_history": "yes",
            "toxin_allergy": "yes",
        }
        for response in (
            client.get(f"/intake/{topic}"),
            client.get(f"/intake/{topic}?change=1"),
            client.post(f"/intake/{topic}", data={**sent, "csrf_token": token}),
        ):
            assert response.status_code == 303, topic
            assert response.location == f"/intake/{following}", topic
        timed_out = client.post(f"/intake/{topic}", data={**sent, "csrf_token": "stale"})
        assert timed_out.status_code == 400
        # Never an empty page of questions (the language switch is the page's only form).
        assert f'action="/intake/{topic}"' not in timed_out.text
    assert check_rows(client) == before  # nothing was saved
