"""Bad input on every page: an error linked from the summary and shown beside the field, the
other values shown back as typed, and nothing invalid saved to the draft."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from screening.extensions import db
from screening.models import Screening
from tests.intake.patient import PAGES, Patient, csrf_token, date_parts

LONG = "x" * 10_000
NUL = "\x00"

# What the patient types on the second visit to a page: valid, and different from PAGES (what
# was saved first), so a value on the re-rendered page is known to come from what was typed.
TYPED = {
    "about_you": {
        "first_name": "Bea",
        "last_name": "Stone",
        "email": "bea@example.org",
        "phone": "909 555 0199",
        **date_parts("date_of_birth", "1985-01-02"),
    },
    "visit": {
        "treatment": "pdo_smooth_threads",
        "appointment_date": "2026-12-12",
        "treatment_areas": ["forehead", "lips"],
    },
    "pregnancy": {"pregnant": "unsure", "breastfeeding": "yes"},
    "health": {
        "neuromuscular_disorder": "unsure",
        "immunosuppressive_disorder": "yes",
        "bleeding_disorder": "unsure",
        "autoimmune_disorder": "yes",
    },
    "medicines": {
        "bleeding_risk_substances": ["fish_oil", "garlic"],
        "bleeding_risk_last_dose": "2026-11-20",
        "prescribed_blood_thinner": "unsure",
    },
    "skin": {"keloid_history": "yes"},
    "feeling": {"feeling_unwell": "yes", "cold_sore": "yes", "blemish_or_rash": "yes"},
}
CONSENT_TYPED = {"agree": "y", "signature": "Bea Stone"}

OMIT = None  # leave the field out of the request altogether


class _FormValues(HTMLParser):
    """The values a page's posting form would send back: text inputs, checked radios and boxes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, object] = {}
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._in_form = True
        if tag != "input" or not self._in_form:
            return
        name, kind = attributes.get("name"), attributes.get("type", "text")
        if name in (None, "csrf_token", "return_to"):
            return
        checked = "checked" in attributes
        if kind == "checkbox":
            chosen = self.values.setdefault(name, [])
            if checked:
                chosen.append(attributes.get("value"))
        elif kind == "radio":
            self.values.setdefault(name, None)
            if checked:
                self.values[name] = attributes.get("value")
        else:
            self.values[name] = attributes.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False


def form_values(page: str) -> dict[str, object]:
    """``{field name: value}`` as the page shows them (a list for checkboxes)."""
    parser = _FormValues()
    parser.feed(page)
    parser.close()
    return parser.values


def as_shown(values: dict[str, object]) -> dict[str, object]:
    """Request values as ``form_values`` reads them back (checkbox fields are lists)."""
    return {
        name: value if isinstance(value, list) else ([value] if name == "agree" else value)
        for name, value in values.items()
    }


def summary_links(page: str) -> dict[str, str]:
    """``{target id: message}`` of the error summary."""
    match = re.search(r'class="error-summary".*?</ul>', page, re.S)
    if match is None:
        return {}
    return {
        target: html.unescape(text).strip()
        for target, text in re.findall(r'<a href="#([^"]+)">(.*?)</a>', match.group(0), re.S)
    }


def message_beside(page: str, field: str) -> str | None:
    """The error message shown with a field (a date's box: with its date), without its "Error:"
    prefix."""
    field = re.sub(r"-(day|month|year)$", "", field)
    match = re.search(
        rf'<p class="error-message" id="{re.escape(field)}-error">(.*?)</p>', page, re.S
    )
    if match is None:
        return None
    text = re.sub(r"<span[^>]*>.*?</span>", "", match.group(1), flags=re.S)
    return html.unescape(text).strip()


def assert_field_error(page: str, field: str, message: str | None = None) -> None:
    links = summary_links(page)
    assert field in links, f"no error summary link to #{field}; summary: {links}"
    assert links[field], "the summary link has no message"
    assert message_beside(page, field) == links[field]
    if message is not None:
        assert links[field] == message


def assert_shows_back(page: str, typed: dict[str, object], skip=()) -> None:
    shown = form_values(page)
    for name, value in as_shown(typed).items():
        if name not in skip:
            assert shown.get(name) == value, (name, shown.get(name), value)


def send(client, url: str, values: dict[str, object], token: str | None) -> object:
    data = {name: value for name, value in values.items() if value is not OMIT}
    if token is not None:
        data["csrf_token"] = token
    return client.post(url, data=data)


@pytest.fixture
def ready_to_sign(client):
    """A patient who has answered every page with PAGES and reached check your answers."""
    patient = Patient(client)
    patient.start()
    patient.answer_all()
    return patient


def saved_once(client, step: str) -> None:
    """Start, and save ``step`` with PAGES (after the visit, which later pages need)."""
    patient = Patient(client)
    patient.start()
    for page in dict.fromkeys(["visit", step]):
        assert patient.answer(page, PAGES[page]).status_code == 303


def shown_when_saved(step: str) -> dict[str, object]:
    """What a page shows of the answers saved from PAGES."""
    shown = as_shown(PAGES[step])
    if step == "about_you":
        shown.update(date_parts("date_of_birth", shown.pop("date_of_birth")))
    if step == "medicines":
        shown["bleeding_risk_last_dose"] = ""  # "None of these": no date
    return shown


def _label(value) -> str:
    if value is OMIT:
        return "missing"
    shown = repr(value).replace(LONG, "10000-chars").replace("\\x00", "NUL")
    return shown if len(shown) <= 40 else shown[:37] + "..."


def case(step, field, value, message=None):
    return pytest.param(step, {field: value}, field, message, id=f"{step}-{field}-{_label(value)}")


def born(day, month, year, target, message):
    """A date of birth typed in its three boxes (``OMIT``: a box not sent), its error linked
    to the box ``target``."""
    bad = {"date_of_birth-day": day, "date_of_birth-month": month, "date_of_birth-year": year}
    label = "-".join(_label(part) for part in (month, day, year))
    return pytest.param("about_you", bad, target, message, id=f"about_you-date_of_birth-{label}")


BAD_ANSWERS = [
    # About you
    case("about_you", "first_name", OMIT),
    case("about_you", "first_name", LONG),
    case("about_you", "first_name", "Be\x00a"),
    case("about_you", "last_name", f"Stone{NUL}"),
    case("about_you", "email", "not-an-email"),
    case("about_you", "phone", "call me"),
    born(OMIT, OMIT, OMIT, "date_of_birth-month", "Enter your date of birth"),
    born("30", "2", "2020", "date_of_birth-day", "Date of birth must be a real date"),
    born("31", "31", "2020", "date_of_birth-month", "Date of birth must be a real date"),
    born("1", "3", "2027", "date_of_birth-month", "Date of birth must be in the past"),
    born("1", "1", "1900", "date_of_birth-month", "Date of birth must be less than 120 years ago"),
    born("2", "1", LONG, "date_of_birth-year", "Date of birth must be a real date"),
    born(f"2{NUL}", "1", "1985", "date_of_birth-day", "Date of birth must be a real date"),
    # Your visit
    case("visit", "treatment", OMIT),
    case("visit", "treatment", "botox"),
    case("visit", "appointment_date", OMIT),
    case("visit", "appointment_date", "2026-02-30"),
    case("visit", "appointment_date", "31/31/2020"),
    case("visit", "appointment_date", "2026-11-30"),
    case("visit", "appointment_date", LONG),
    case("visit", "appointment_date", f"2026-12-12{NUL}"),
    case("visit", "treatment_areas", OMIT),
    case("visit", "treatment_areas", ["elbow"]),
    case("visit", "treatment_areas", ["forehead", NUL]),
    # Pregnancy and breastfeeding
    case("pregnancy", "pregnant", OMIT),
    case("pregnancy", "pregnant", "maybe"),
    case("pregnancy", "pregnant", NUL),
    case("pregnancy", "pregnant", LONG),
    case("pregnancy", "breastfeeding", "unsure"),
    # Health conditions
    case("health", "neuromuscular_disorder", OMIT),
    case("health", "neuromuscular_disorder", "maybe"),
    case("health", "immunosuppressive_disorder", f"yes{NUL}"),
    case("health", "bleeding_disorder", OMIT),
    case("health", "autoimmune_disorder", "maybe"),
    # Medicines and supplements
    case("medicines", "bleeding_risk_substances", OMIT),
    case("medicines", "bleeding_risk_substances", ["cocaine"]),
    case("medicines", "bleeding_risk_substances", ["none", "aspirin"]),
    case("medicines", "bleeding_risk_substances", [f"aspirin{NUL}"]),
    case(
        "medicines",
        "bleeding_risk_last_dose",
        OMIT,
        message="Enter the date you last took any of them",
    ),
    case("medicines", "bleeding_risk_last_dose", "2026-02-30"),
    case("medicines", "bleeding_risk_last_dose", "31/31/2020"),
    case("medicines", "bleeding_risk_last_dose", "2026-12-02"),
    case("medicines", "bleeding_risk_last_dose", LONG),
    case("medicines", "prescribed_blood_thinner", "maybe"),
    # Your skin
    case("skin", "keloid_history", OMIT),
    case("skin", "keloid_history", "unsure"),
    # How you feel
    case("feeling", "feeling_unwell", OMIT),
    case("feeling", "feeling_unwell", "maybe"),
    case("feeling", "cold_sore", NUL),
    case("feeling", "blemish_or_rash", LONG),
]


@pytest.mark.parametrize(("step", "bad", "field", "message"), BAD_ANSWERS)
def test_bad_answer_is_an_error_on_the_field_and_nothing_is_saved(
    client, step, bad, field, message
):
    saved_once(client, step)
    page = client.get(f"/intake/{step}")
    typed = {**TYPED[step], **bad, "return_to": ""}

    response = send(client, f"/intake/{step}", typed, csrf_token(page.text))

    assert response.status_code == 200
    assert_field_error(response.text, field, message)
    assert_shows_back(response.text, TYPED[step], skip={field, *bad})
    saved = client.get(f"/intake/{step}")
    assert form_values(saved.text) == shown_when_saved(step)


@pytest.mark.parametrize("step", list(PAGES))
def test_forged_return_to_is_an_error_and_nothing_is_saved(client, step):
    saved_once(client, step)
    page = client.get(f"/intake/{step}")
    typed = {**TYPED[step], "return_to": "http://evil.example"}

    response = send(client, f"/intake/{step}", typed, csrf_token(page.text))

    assert response.status_code == 200  # never a redirect to the forged address
    assert summary_links(response.text), "no error summary"
    assert 'name="return_to" value=""' in response.text
    assert_shows_back(response.text, TYPED[step])
    saved = client.get(f"/intake/{step}")
    assert form_values(saved.text) == shown_when_saved(step)


def _screenings(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Screening))


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        pytest.param({"agree": OMIT}, "agree", id="agree-missing"),
        pytest.param({"signature": OMIT}, "signature", id="signature-missing"),
        pytest.param({"signature": "   "}, "signature", id="signature-blank"),
        pytest.param({"signature": LONG}, "signature", id="signature-10000-chars"),
        pytest.param({"signature": f"Bea{NUL}Stone"}, "signature", id="signature-NUL"),
    ],
)
def test_bad_consent_is_an_error_on_the_field_and_nothing_is_submitted(
    app, client, ready_to_sign, bad, field
):
    page = client.get("/intake/consent")

    response = send(client, "/intake/consent", {**CONSENT_TYPED, **bad}, csrf_token(page.text))

    assert response.status_code == 200
    assert_field_error(response.text, field)
    assert_shows_back(response.text, CONSENT_TYPED, skip={field})
    assert _screenings(app) == 0
    assert client.get("/intake/consent").status_code == 200


CSRF_PAGES = [*PAGES, "consent"]


@pytest.mark.parametrize("step", [*PAGES, "consent"])
def test_failed_csrf_check_shows_the_typed_answers_again_and_saves_nothing(app, client, step):
    """A missing or wrong token: 400, the page again with what was typed, a fresh token."""
    if step == "consent":
        patient = Patient(client)
        patient.start()
        patient.answer_all()
        typed = CONSENT_TYPED
    else:
        saved_once(client, step)
        typed = {**TYPED[step], "return_to": ""}
    url = f"/intake/{step}"
    client.get(url)

    for token in (None, "not-the-token"):
        response = send(client, url, typed, token)

        assert response.status_code == 400, token
        assert "main-submit" in summary_links(response.text)
        assert_shows_back(response.text, {k: v for k, v in typed.items() if k != "return_to"})
        if step == "consent":
            assert _screenings(app) == 0
        else:
            assert form_values(client.get(url).text) == shown_when_saved(step)

    # The page shown again can be sent: it carries a fresh token.
    retry = send(client, url, typed, csrf_token(response.text))
    assert retry.status_code == 303


# Conditional questions


@pytest.mark.parametrize(
    "last_dose", ["2026-12-01", "2026-02-30", LONG], ids=["recent", "bad", "long"]
)
def test_last_dose_sent_with_none_of_these_is_dropped(app, client, last_dose):
    """A last dose that would reschedule (or is not even a date) is neither stored nor used."""
    patient = Patient(client)
    patient.start()
    patient.answer_all(
        medicines={"bleeding_risk_substances": ["none"], "bleeding_risk_last_dose": last_dose}
    )

    assert form_values(client.get("/intake/medicines").text)["bleeding_risk_last_dose"] == ""
    assert 'id="row-bleeding_risk_last_dose"' not in client.get("/intake/check").text
    result = patient.sign()
    assert result.status_code == 303
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        assert "bleeding_risk_last_dose" not in screening.answers
        assert screening.answers["bleeding_risk_substances"] == []
        assert screening.outcome == "clear"


def test_changing_to_none_of_these_drops_a_saved_last_dose(app, client):
    patient = Patient(client)
    patient.start()
    patient.answer_all(
        medicines={"bleeding_risk_substances": ["aspirin"], "bleeding_risk_last_dose": "2026-12-01"}
    )
    assert 'id="row-bleeding_risk_last_dose"' in client.get("/intake/check").text

    changed = patient.answer(
        "medicines",
        {**PAGES["medicines"], "bleeding_risk_last_dose": "2026-12-01"},
        query="?change=1",
    )

    assert changed.status_code == 303
    assert 'id="row-bleeding_risk_last_dose"' not in client.get("/intake/check").text
    patient.sign()
    with app.app_context():
        screening = db.session.scalars(select(Screening)).one()
        assert "bleeding_risk_last_dose" not in screening.answers
        assert screening.outcome == "clear"
