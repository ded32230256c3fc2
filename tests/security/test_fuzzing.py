"""Input fuzzing with Hypothesis: every form and every API endpoint, fed whatever an attacker or
a broken client might send, must answer without a server error.

Each intake page's POST, the consent, the language switch and "email me the link"; the staff
forms (sign-in, password change, resolve, acknowledge, check-in, paper note, invitations) and
the staff filter pages' query strings; ``POST /api/v1/evaluate`` with arbitrary JSON (always 200
with a result or 422 with errors, and never "clear" for incomplete answers) and
``POST /api/v1/invitations`` with a valid token. Values include weird Unicode, control
characters and NUL, huge strings (bounded), lists where one value is expected (a repeated
field), missing and unknown fields, and bodies that are not even UTF-8.

Pages are fetched through the checking test client, so a fuzzed value that broke a page's
structure would fail too; a redirect must stay on this site.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rules
from screening.access import MANAGER, NURSE
from screening.findings import CHECK_IN_QUESTIONS
from tests.contract import no_answers, seed_answers
from tests.intake.patient import Patient, csrf_token, field_names
from tests.staff.helpers import make_staff, row_version, signed_in, submit_screening

EVALUATE = "/api/v1/evaluate"
INVITATIONS_API = "/api/v1/invitations"
OUTCOMES = {"clear", "reschedule", "needs_clearance"}

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- values ------------------------------------------------------------------------------------

NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "\r\n",
        "\t",
        "\x1b[31m",
        "\u202e",
        "\ufeff",
        "\u200b",
        "𝕏𝕐",
        "😀" * 50,
        "Zoë Ñandú 東京 مرحبا",
        "<script>alert(1)</script>",
        "{{7*7}}",
        "' OR 1=1 --",
        "../../etc/passwd",
        "%00",
        "%ff",
        "none",
        "yes",
        "no",
        "unsure",
        "y",
        "check",
        "pdo_smooth_threads",
        "2026-12-10",
        "12/10/2026",
        "0000-00-00",
        "9999-12-31",
        "2026-02-30",
        "-1",
        "1e309",
        "NaN",
        "A" * 5_000,
        "9" * 60_000,
    ]
)
VALUE = st.one_of(NASTY, st.text(max_size=200))
# A field: one value, several (a repeated field, or a list where one value is expected), or none.
FIELD = st.one_of(VALUE, st.lists(VALUE, max_size=4))
EXTRA_FIELDS = st.dictionaries(st.text(min_size=1, max_size=30), FIELD, max_size=3)


def form(names) -> st.SearchStrategy[dict]:
    """Any subset of ``names`` with fuzzed values, plus a few unknown fields."""
    return st.tuples(
        st.fixed_dictionaries({}, optional={name: FIELD for name in names}), EXTRA_FIELDS
    ).map(lambda pair: {**pair[1], **pair[0]})


def with_token(data: dict, token: str, forged: str | None) -> dict:
    """The form with the page's CSRF token, or (sometimes) a forged one."""
    return {**data, "csrf_token": token if forged is None else forged}


FORGED_TOKEN = st.one_of(st.none(), st.none(), st.none(), VALUE)


def assert_handled(response, where) -> None:
    """No server error; a redirect stays on this site."""
    assert response.status_code < 500, (where, response.status_code)
    if 300 <= response.status_code < 400:
        target = urlsplit(response.location or "")
        assert target.scheme in ("", "http", "https"), (where, response.location)
        assert target.netloc in ("", "clinic.test"), (where, response.location)
        assert not (response.location or "").startswith("//"), (where, response.location)


# --- the patient's pages -----------------------------------------------------------------------


class SharedPatient:
    """The patient a test's examples share: one who answered every page (smooth threads) and
    has not signed yet; a new one is made once the last has signed."""

    def __init__(self, app):
        self.app = app
        self._patient: Patient | None = None

    def get(self) -> Patient:
        if self._patient is None:
            self._patient = Patient(self.app.test_client())
            self._patient.start()
            self._patient.answer_all()
        return self._patient

    def signed(self) -> None:
        self._patient = None


@pytest.fixture
def shared(app) -> SharedPatient:
    return SharedPatient(app)


def step_fields(patient: Patient) -> dict[str, list[str]]:
    fields = {}
    for step in (
        "about_you",
        "visit",
        "pregnancy",
        "health",
        "medicines",
        "skin",
        "feeling",
    ):
        page = patient.client.get(f"/intake/{step}")
        if page.status_code == 200:
            fields[step] = field_names(page.text) + ["return_to"]
    return fields


@FUZZ
@given(data=st.data())
def test_every_intake_page_survives_any_post(shared, data):
    patient = shared.get()
    fields = step_fields(patient)
    token = csrf_token(patient.client.get("/intake/about_you").text)
    step = data.draw(st.sampled_from([*fields, "check", "consent", "nowhere", "../check"]))
    posted = data.draw(form(fields.get(step, ["first_name", "treatment"])))
    forged = data.draw(FORGED_TOKEN)
    response = patient.client.post(
        f"/intake/{quote(step, safe='')}", data=with_token(posted, token, forged)
    )
    assert_handled(response, (step, posted))


@FUZZ
@given(signature=FIELD, agree=st.one_of(st.none(), st.none(), FIELD), extra=EXTRA_FIELDS)
def test_the_consent_survives_any_post(shared, signature, agree, extra):
    patient = shared.get()
    page = patient.client.get("/intake/consent")
    assert_handled(page, "consent page")
    data = {**extra, "csrf_token": csrf_token(page.text), "signature": signature}
    if agree is not None:
        data["agree"] = agree
    response = patient.client.post("/intake/consent", data=data)
    assert_handled(response, data)
    if response.status_code == 303:  # signed: the next example needs a patient who has not
        shared.signed()


@FUZZ
@given(
    language=FIELD,
    next_page=st.one_of(
        VALUE,
        st.sampled_from(
            [
                "https://evil.example/",
                "//evil.example/",
                "/\\evil.example",
                "\\/evil.example",
                "/%2F%2Fevil.example",
                "/\t/evil.example",
                "javascript:alert(1)",
                "http:/evil.example",
            ]
        ),
    ),
    referrer=st.one_of(st.none(), VALUE.filter(lambda v: v.isprintable() and v.isascii())),
)
def test_the_language_switch_and_email_link_survive_any_post(shared, language, next_page, referrer):
    patient = shared.get()
    token = csrf_token(patient.client.get("/intake/check").text)
    switched = patient.client.post(
        "/language",
        query_string={"next": next_page},
        data={"csrf_token": token, "language": language},
    )
    assert_handled(switched, ("language", language, next_page))
    headers = {"Referer": referrer} if referrer is not None else {}
    emailed = patient.client.post("/intake/email-link", data={"csrf_token": token}, headers=headers)
    assert_handled(emailed, ("email link", referrer))


@FUZZ
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from(
        ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain"]
    ),
)
def test_raw_bodies_that_are_not_even_utf8_are_handled(shared, body, content_type):
    patient = shared.get()
    for path in ("/intake/about_you", "/intake/consent", "/staff/login"):
        response = patient.client.post(path, data=body, content_type=content_type)
        assert_handled(response, (path, body))
    response = patient.client.post(
        "/intake/about_you",
        data=b"first_name=%FF%FE%00&last_name=" + body + b"&email=%C0%AF",
        content_type="application/x-www-form-urlencoded",
    )
    assert_handled(response, body)


# --- staff forms -------------------------------------------------------------------------------


@pytest.fixture
def sign_in_page(app):
    make_staff(app, "nurse@clinic.example", NURSE)
    return app.test_client()


@FUZZ
@given(posted=form(["email", "password"]), forged=FORGED_TOKEN)
def test_sign_in_survives_any_post(sign_in_page, posted, forged):
    token = csrf_token(sign_in_page.get("/staff/login").text)
    response = sign_in_page.post("/staff/login", data=with_token(posted, token, forged))
    assert_handled(response, posted)
    # 429: the address's failed sign-ins (screening/auth/throttle.py) fill up over the examples.
    assert response.status_code in (200, 400, 401, 413, 429), response.status_code


@pytest.fixture
def nurse(app):
    return signed_in(app, "nurse@clinic.example", NURSE)


@FUZZ
@given(posted=form(["current_password", "new_password", "confirm_password"]), forged=FORGED_TOKEN)
def test_password_change_survives_any_post(nurse, posted, forged):
    token = csrf_token(nurse.get("/staff/password").text)
    response = nurse.post("/staff/password", data=with_token(posted, token, forged))
    assert_handled(response, posted)


@pytest.fixture
def reviewed(app, clock):
    """A nurse, on the appointment day, with a screening carrying resolvable findings, one that
    may never be overridden, a reschedule, and a note to wait for."""
    sid, _, _ = submit_screening(
        app,
        pregnancy={"pregnant": "unsure"},
        health={"neuromuscular_disorder": "yes"},
        feeling={"cold_sore": "yes"},
    )
    clock.now = datetime(2026, 12, 10, 20, 0, tzinfo=UTC)
    return signed_in(app, "nurse@clinic.example", NURSE), sid


RULE_IDS = st.one_of(
    st.sampled_from(
        ["pregnancy", "neuromuscular_disorder", "cold_sore", "under_18", "no_such_rule"]
    ),
    st.text(min_size=1, max_size=40),
)
ROW_VERSION = st.one_of(st.none(), FIELD)


def post_staff_form(nurse, sid: int, path: str, posted: dict, version, forged):
    page = nurse.get(f"/staff/screenings/{sid}")
    assert page.status_code == 200
    data = with_token(posted, csrf_token(page.text), forged)
    data["row_version"] = row_version(page.text) if version is None else version
    return nurse.post(f"/staff/screenings/{sid}{path}", data=data)


@FUZZ
@given(rule_id=RULE_IDS, posted=form(["reason"]), version=ROW_VERSION, forged=FORGED_TOKEN)
def test_resolve_survives_any_post(reviewed, rule_id, posted, version, forged):
    nurse, sid = reviewed
    path = f"/findings/{quote(rule_id, safe='')}/resolve"
    response = post_staff_form(nurse, sid, path, posted, version, forged)
    assert_handled(response, (rule_id, posted, version))


@FUZZ
@given(posted=form(["new_date", "reason"]), version=ROW_VERSION, forged=FORGED_TOKEN)
def test_acknowledge_survives_any_post(reviewed, posted, version, forged):
    nurse, sid = reviewed
    response = post_staff_form(nurse, sid, "/acknowledge", posted, version, forged)
    assert_handled(response, (posted, version))


@FUZZ
@given(posted=form(CHECK_IN_QUESTIONS), version=ROW_VERSION, forged=FORGED_TOKEN)
def test_check_in_survives_any_post(reviewed, posted, version, forged):
    nurse, sid = reviewed
    response = post_staff_form(nurse, sid, "/check-in", posted, version, forged)
    assert_handled(response, (posted, version))


@FUZZ
@given(posted=form(["kind"]), version=ROW_VERSION, forged=FORGED_TOKEN)
def test_paper_note_survives_any_post(reviewed, posted, version, forged):
    nurse, sid = reviewed
    response = post_staff_form(nurse, sid, "/notes/paper", posted, version, forged)
    assert_handled(response, (posted, version))


INVITATION_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "treatment",
    "appointment_date",
    "appointment_time",
)


@FUZZ
@given(posted=form(INVITATION_FIELDS), forged=FORGED_TOKEN)
def test_the_invitation_form_survives_any_post(nurse, posted, forged):
    token = csrf_token(nurse.get("/staff/invitations").text)
    response = nurse.post("/staff/invitations", data=with_token(posted, token, forged))
    assert_handled(response, posted)


FILTER_PAGES = {
    "/staff/": ("date_from", "date_to", "treatment", "outcome", "status", "page"),
    "/staff/records/audit": ("date_from", "date_to", "action", "result", "staff", "page"),
    "/staff/records/exports": (
        "date_field",
        "date_from",
        "date_to",
        "outcome",
        "status",
        "treatment",
    ),
    "/staff/records/exports.csv": ("date_field", "date_from", "date_to", "treatment"),
    "/staff/records/dashboard": ("date_from", "date_to"),
}


@pytest.fixture
def staff(app):
    """A nurse who is also a manager, with a screening to list."""
    submit_screening(app)
    return signed_in(app, "staff@clinic.example", NURSE, MANAGER)


@FUZZ
@given(data=st.data())
def test_the_staff_filter_pages_survive_any_query_string(staff, data):
    path = data.draw(st.sampled_from(sorted(FILTER_PAGES)))
    page_numbers = st.one_of(VALUE, st.integers().map(str))
    query = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                name: page_numbers if name == "page" else VALUE for name in FILTER_PAGES[path]
            },
        )
    )
    response = staff.get(path, query_string=query)
    assert_handled(response, (path, query))


# --- the JSON API ------------------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    VALUE,
)
ANY_JSON = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4)
    ),
    max_leaves=25,
)
QUESTION_IDS = sorted(
    {q.id for versions in rules.RULESETS.values() for rs in versions.values() for q in rs.questions}
)
ANSWER_VALUES = st.one_of(
    st.sampled_from(["no", "yes", "unsure", "none", [], ["none"], ["ibuprofen"], "2026-12-04"]),
    ANY_JSON,
)


@st.composite
def evaluation_documents(draw):
    """Documents shaped like the contract's input, with any part of them wrong."""
    answers = draw(
        st.one_of(
            st.just(no_answers()),
            st.dictionaries(st.sampled_from(QUESTION_IDS), ANSWER_VALUES, max_size=12),
            st.builds(
                lambda base, changes: {**base, **changes},
                st.just(no_answers()),
                st.dictionaries(st.sampled_from(QUESTION_IDS), ANSWER_VALUES, max_size=3),
            ),
            ANY_JSON,
        )
    )
    document = {
        "treatment": draw(st.one_of(st.sampled_from(sorted(rules.RULESETS)), ANY_JSON)),
        "appointment_date": draw(st.one_of(st.just("2026-12-10"), ANY_JSON)),
        "answers": answers,
    }
    for optional, values in (
        ("today", st.one_of(st.just("2026-12-01"), ANY_JSON)),
        ("version", st.one_of(st.sampled_from(["1", "2", "3", "0"]), ANY_JSON)),
        ("language", st.one_of(st.sampled_from(["en", "es", "fr"]), ANY_JSON)),
    ):
        if draw(st.booleans()):
            document[optional] = draw(values)
    for key in draw(st.lists(st.sampled_from(list(document)), max_size=2)):
        document.pop(key, None)
    document.update(draw(st.dictionaries(st.text(max_size=10), ANY_JSON, max_size=2)))
    return document


def assert_evaluation(response, sent) -> dict:
    assert response.status_code in (200, 422), (response.status_code, sent)
    assert response.is_json, sent
    body = response.get_json()
    if response.status_code == 200:
        assert body["outcome"] in OUTCOMES, body
    else:
        assert isinstance(body.get("errors"), dict) and body["errors"], body
    return body


@settings(FUZZ, max_examples=150)
@given(document=st.one_of(ANY_JSON, evaluation_documents()))
def test_evaluate_answers_any_json_with_a_result_or_422(client, document):
    response = client.post(EVALUATE, json=document)
    assert_evaluation(response, document)


@FUZZ
@given(body=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_evaluate_answers_any_body_with_a_result_or_422(client, body):
    response = client.post(EVALUATE, data=body, headers={"Content-Type": "application/json"})
    assert_evaluation(response, body)


COMPLETE = {"1": seed_answers(), "2": no_answers()}
# The questions every patient must answer (a last-dose date is asked only after a substance).
REQUIRED = {
    version: [
        q.id
        for q in rules.get_ruleset("pdo_smooth_threads", version).questions
        if q.required and q.applies_when is None
    ]
    for version in COMPLETE
}


@settings(FUZZ, max_examples=100)
@given(data=st.data())
def test_evaluate_never_answers_clear_for_incomplete_answers(client, data):
    version = data.draw(st.sampled_from(["1", "2"]))
    answers = dict(COMPLETE[version])
    missing = data.draw(st.sets(st.sampled_from(REQUIRED[version]), min_size=1))
    for question in missing:
        how = data.draw(st.sampled_from(["dropped", "null", "empty", "wrong type"]))
        if how == "dropped":
            del answers[question]
        else:
            answers[question] = {"null": None, "empty": "", "wrong type": {"a": 1}}[how]
    document = {
        "treatment": "pdo_smooth_threads",
        "version": version,
        "appointment_date": "2026-12-10",
        "today": "2026-12-01",
        "answers": answers,
    }
    body = assert_evaluation(client.post(EVALUATE, json=document), document)
    assert body.get("outcome") != "clear", (sorted(missing), body)
    # The complete set is clear: what made the difference is what was left out.
    complete = {**document, "answers": COMPLETE[version]}
    assert client.post(EVALUATE, json=complete).get_json()["outcome"] == "clear"


@pytest.mark.parametrize("path", [EVALUATE, INVITATIONS_API])
def test_deeply_nested_json_is_refused_not_a_server_error(app, api_token, path):
    for depth in (1_000, 100_000):
        for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
            response = app.test_client().post(
                path,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {api_token}",
                },
            )
            assert response.status_code in (400, 413, 422), (path, depth, response.status_code)
            assert response.is_json


@pytest.fixture
def api_token(runner):
    result = runner.invoke(args=["api-token", "create", "--name", "fuzz"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@st.composite
def invitation_documents(draw):
    valid = {
        "first_name": "Maya",
        "last_name": "Okafor",
        "email": "maya@example.com",
        "phone": "909 555 0100",
        "treatment": "pdo_smooth_threads",
        "appointment_date": "2026-12-20",
        "appointment_time": "14:30",
    }
    document = {
        name: draw(st.one_of(st.just(value), ANY_JSON)) if draw(st.booleans()) else value
        for name, value in valid.items()
        if draw(st.integers(0, 9))  # now and then a field is left out
    }
    document.update(draw(st.dictionaries(st.text(max_size=10), ANY_JSON, max_size=2)))
    return document


@settings(FUZZ, max_examples=80)
@given(document=st.one_of(ANY_JSON, invitation_documents()))
def test_the_invitations_api_answers_any_json_with_201_or_422(app, api_token, document):
    response = app.test_client().post(
        INVITATIONS_API, json=document, headers={"Authorization": f"Bearer {api_token}"}
    )
    assert response.status_code in (201, 422), (response.status_code, document)
    assert response.is_json
    body = response.get_json()
    if response.status_code == 201:
        assert urlsplit(body["url"]).path.startswith("/intake/invite/")
    else:
        assert isinstance(body.get("errors"), dict) and body["errors"], body


@FUZZ
@given(
    header=st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=120).map(
        lambda text: text.strip()
    )
)
def test_the_invitations_api_refuses_any_other_authorization_header(app, api_token, header):
    response = app.test_client().post(
        INVITATIONS_API, json={"first_name": "Maya"}, headers={"Authorization": header}
    )
    expected = 422 if header == f"Bearer {api_token}" else 401
    assert response.status_code == expected, (header, response.status_code)
    assert json.loads(response.get_data(as_text=True))["errors"]
