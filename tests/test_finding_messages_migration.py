"""Findings stored before they kept their message id (issue 17, point 3) are given theirs by a
migration, so the outcome page words them in Spanish without evaluating the answers again."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

import rules
from screening import create_app
from screening.extensions import db
from screening.models import Screening
from tests.conftest import Clock, _config, database_of_its_own
from tests.intake.patient import VISIT, Patient

BEFORE = "f5a1d2c3b4e6"  # the last revision before findings kept their message
NOW = datetime(2026, 12, 1, 20, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path):
    """An app on a database of its own, which the test migrates down and up again."""
    with database_of_its_own(tmp_path, "preclear_messages_test") as database_url:
        app = create_app(_config(database_url, Clock(NOW)))
        with app.app_context():
            upgrade()
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def stored_findings(app) -> list[list[dict]]:
    with app.app_context():
        return [list(s.findings) for s in db.session.scalars(sa.select(Screening))]


def test_stored_findings_are_given_their_messages(app):
    client = app.test_client()
    answers = {"pregnancy": {"pregnant": "unsure", "breastfeeding": "no"}}
    submitted = Patient(client).complete(**answers)
    assert submitted.status_code == 303
    (as_submitted,) = stored_findings(app)
    assert as_submitted and all(finding["message"]["id"] for finding in as_submitted)

    with app.app_context():
        downgrade(revision=BEFORE)
        (old,) = stored_findings(app)
        assert all("message" not in finding for finding in old)
        upgrade()

    assert stored_findings(app) == [as_submitted]
    (pregnancy,) = [f for f in as_submitted if f["rule_id"] == "pregnancy"]
    with app.app_context():
        appointment = db.session.scalars(sa.select(Screening.appointment_date)).one()
    in_spanish = rules.word_message(pregnancy["message"]["id"], {}, appointment, None, "es")
    outcome = client.get(submitted.location, headers={"Accept-Language": "es"})
    assert html.escape(in_spanish, quote=False) in outcome.text


def test_answers_changed_after_the_submit_are_evaluated_too(app):
    # The last dose (told at check-in, say) is later than the day the screening was submitted.
    took = {
        "bleeding_risk_substances": ["ibuprofen"],
        "bleeding_risk_last_dose": "2026-12-01",
        "prescribed_blood_thinner": "no",
    }
    visit = {**VISIT, "appointment_date": "2026-12-05"}
    assert Patient(app.test_client()).complete(visit=visit, medicines=took).status_code == 303
    (as_submitted,) = stored_findings(app)
    assert "bleeding_risk_7_days" in [finding["rule_id"] for finding in as_submitted]

    with app.app_context():
        downgrade(revision=BEFORE)
        db.session.execute(
            sa.update(Screening).values(submitted_at=datetime(2026, 11, 20, tzinfo=UTC))
        )
        db.session.commit()
        upgrade()

    assert stored_findings(app) == [as_submitted]
