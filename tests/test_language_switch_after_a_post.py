"""The language switch of a page shown in answer to a POST brings the person back to a page a GET
can show: never to an address that only takes POSTs (a 405 page)."""

from __future__ import annotations

import html
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.intake.patient import csrf_token
from tests.staff.helpers import post_decision, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")

SWITCH = re.compile(r'<form method="post" action="([^"]*)" class="inline-form language-switch">')


def switch_back(client, page_html: str):
    """Select the page's language switch; returns where it leads and that page's response."""
    action = html.unescape(SWITCH.search(page_html).group(1))
    back = parse_qs(urlsplit(action).query)["next"][0]
    switched = client.post(action, data={"csrf_token": csrf_token(page_html), "language": "es"})
    assert switched.status_code == 303
    return back, client.get(switched.location)


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/move", {"new_date": "2026-11-30", "reason": "Earlier"}),
        ("/cancel", {"reason": ""}),
        ("/findings/pregnancy/resolve", {"reason": "Insists"}),
        ("/compare", {"reason": "Checked"}),
    ],
    ids=["move-refused", "cancel-without-reason", "resolve-refused", "compare-not-waiting"],
)
def test_a_staff_page_shown_after_a_refused_decision_switches_back_to_the_screening(
    app, path, data
):
    sid, _, _ = submit_screening(app, pregnancy={"pregnant": "yes"})
    nurse = signed_in(app, "nurse@example.com", "nurse")

    refused = post_decision(nurse, sid, path, data)

    assert refused.status_code in (400, 403)
    back, page = switch_back(nurse, refused.text)
    assert back == f"/staff/screenings/{sid}"
    assert page.status_code == 200


def test_a_patients_refused_upload_switches_back_to_the_outcome_page(app):
    sid, url, patient = submit_screening(app, health={"neuromuscular_disorder": "yes"})
    page = patient.get(url)
    refused = patient.post(
        f"{url}/notes",
        data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(b"not a note"), "n.txt")},
    )
    assert refused.status_code == 400

    back, shown = switch_back(patient, refused.text)

    assert back == urlsplit(url).path
    assert shown.status_code == 200
    assert '<html lang="es">' in shown.text
