"""``POST /api/v1/evaluate``: the contract's evaluation over HTTP, stateless and rate-limited."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

import rules
from screening.extensions import db
from screening.models import Draft, Screening
from tests.contract import VERSION_2_ADDED, no_answers

URL = "/api/v1/evaluate"

NO_ANSWERS = no_answers()
# The contract's example: ibuprofen 6 days before the appointment.
CONTRACT_INPUT = {
    "treatment": "pdo_smooth_threads",
    "appointment_date": "2026-12-10",
    "today": "2026-12-05",
    "answers": {
        **NO_ANSWERS,
        "bleeding_risk_substances": ["ibuprofen"],
        "bleeding_risk_last_dose": "2026-12-04",
    },
}


def with_last_dose(last_dose: str) -> dict:
    """An input without ``today`` whose validity depends on the clinic's today."""
    return {
        "treatment": "pdo_smooth_threads",
        "appointment_date": "2026-12-10",
        "answers": {
            **NO_ANSWERS,
            "bleeding_risk_substances": ["fish_oil"],
            "bleeding_risk_last_dose": last_dose,
        },
    }


def test_evaluates_the_contract_example(client):
    response = client.post(URL, json=CONTRACT_INPUT)
    assert response.status_code == 200
    assert response.is_json
    expected = rules.evaluate(
        treatment="pdo_smooth_threads",
        appointment_date=date(2026, 12, 10),
        answers=CONTRACT_INPUT["answers"],
        today=date(2026, 12, 5),
    ).to_dict()
    body = response.get_json()
    assert body == expected
    assert body["outcome"] == "reschedule"
    assert body["earliest_date"] == "2026-12-11"
    assert [f["rule_id"] for f in body["findings"]] == ["bleeding_risk_7_days"]
    assert body["findings"][0]["answers"] == {
        "bleeding_risk_substances": ["ibuprofen"],
        "bleeding_risk_last_dose": "2026-12-04",
    }
    # Without a version the current one applies: version 2 since the catalog's additions.
    assert body["ruleset"] == {"id": "pdo_smooth_threads", "version": "2"}


def test_explicit_version_is_honoured(client):
    seed_input = {**CONTRACT_INPUT, "version": "1", "answers": {**CONTRACT_INPUT["answers"]}}
    for qid in VERSION_2_ADDED:
        del seed_input["answers"][qid]
    response = client.post(URL, json=seed_input)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["ruleset"] == {"id": "pdo_smooth_threads", "version": "1"}
    assert [f["rule_id"] for f in body["findings"]] == ["bleeding_risk_7_days"]


def test_version_1_refuses_the_questions_version_2_added(client):
    response = client.post(URL, json={**CONTRACT_INPUT, "version": "1"})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == set(VERSION_2_ADDED)


def test_version_2_reads_its_added_questions(client):
    answers = {**CONTRACT_INPUT["answers"], "bleeding_disorder": "unsure"}
    response = client.post(URL, json={**CONTRACT_INPUT, "answers": answers})
    assert response.status_code == 200
    findings = {f["rule_id"]: f for f in response.get_json()["findings"]}
    assert (
        findings["bleeding_disorder"]["outcome"],
        findings["bleeding_disorder"]["clearance"],
    ) == (
        "needs_clearance",
        "nurse_review",
    )


def test_today_defaults_to_the_clinics_today(client):
    document = with_last_dose("2026-12-01")  # today, by the test clock
    response = client.post(URL, json=document)
    assert response.status_code == 200, response.get_json()
    expected = rules.evaluate(
        treatment="pdo_smooth_threads",
        appointment_date=date(2026, 12, 10),
        answers=document["answers"],
        today=date(2026, 12, 1),
    ).to_dict()
    assert response.get_json() == expected

    tomorrow = client.post(URL, json=with_last_dose("2026-12-02"))
    assert tomorrow.status_code == 422
    assert "bleeding_risk_last_dose" in tomorrow.get_json()["errors"]


def test_today_is_the_date_in_the_clinics_time_zone(client, clock):
    # 07:59 UTC on 2 December is still 1 December (23:59) in Los Angeles.
    clock.now = datetime(2026, 12, 2, 7, 59, tzinfo=UTC)
    assert client.post(URL, json=with_last_dose("2026-12-02")).status_code == 422
    clock.now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    assert client.post(URL, json=with_last_dose("2026-12-02")).status_code == 200


def test_appointment_in_the_past_by_the_clinics_today_is_refused(client):
    response = client.post(
        URL, json={**with_last_dose("2026-11-20"), "appointment_date": "2026-11-30"}
    )
    assert response.status_code == 422
    assert "appointment_date" in response.get_json()["errors"]


def _missing_an_answer() -> dict:
    answers = dict(NO_ANSWERS)
    del answers["pregnant"]
    return {"treatment": "pdo_smooth_threads", "appointment_date": "2026-12-10", "answers": answers}


@pytest.mark.parametrize(
    ("kwargs", "fields"),
    [
        pytest.param(
            {"json": {"treatment": "pdo_smooth_threads", "appointment_date": "2026-12-10"}},
            {"answers"},
            id="no-answers",
        ),
        pytest.param({"json": _missing_an_answer()}, {"pregnant"}, id="missing-answer"),
        pytest.param(
            {"json": {**CONTRACT_INPUT, "treatment": "botox"}},
            {"treatment"},
            id="unknown-treatment",
        ),
        pytest.param(
            {"json": {**CONTRACT_INPUT, "colour": "blue"}}, {"colour"}, id="unknown-field"
        ),
        pytest.param(
            {"data": "{not json", "content_type": "application/json"}, {"input"}, id="not-json"
        ),
        pytest.param({"json": [CONTRACT_INPUT]}, {"input"}, id="json-array"),
        pytest.param(
            {"data": json.dumps(CONTRACT_INPUT), "content_type": "text/plain"},
            {"input"},
            id="wrong-content-type",
        ),
        pytest.param({"data": CONTRACT_INPUT["answers"]}, {"input"}, id="form-encoded"),
    ],
)
def test_bad_input_is_422_naming_the_fields(client, kwargs, fields):
    response = client.post(URL, **kwargs)
    assert response.status_code == 422
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"errors"}
    assert fields <= set(body["errors"]), body
    for messages in body["errors"].values():
        assert isinstance(messages, list)
        assert messages
        assert all(isinstance(message, str) and message for message in messages)


def test_is_exempt_from_csrf(app, client):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    # A form post without a token is refused, so CSRF is really on ...
    assert client.post("/intake/", data={}).status_code == 400
    # ... but the API takes a post with no token and no cookie.
    response = app.test_client().post(URL, json=CONTRACT_INPUT)
    assert response.status_code == 200


def test_stores_nothing(app, client):
    responses = [
        client.post(URL, json=CONTRACT_INPUT),
        client.post(URL, json=with_last_dose("2026-12-01")),
        client.post(URL, json={**CONTRACT_INPUT, "treatment": "botox"}),
    ]
    assert [r.status_code for r in responses] == [200, 200, 422]
    assert all("Set-Cookie" not in r.headers for r in responses)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Draft)) == 0
        assert db.session.scalar(select(func.count()).select_from(Screening)) == 0


def test_is_rate_limited_with_a_json_429(make_app):
    app = make_app(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
    client = app.test_client()
    statuses = [client.post(URL, json=CONTRACT_INPUT).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = client.post(URL, json=CONTRACT_INPUT)
    assert limited.status_code == 429
    assert limited.is_json, limited.mimetype
    body = limited.get_json()
    assert set(body) == {"errors"}
    assert body["errors"]
    assert "<html" not in limited.get_data(as_text=True).lower()
