"""Attacks on who may reach what.

The role matrix under path tricks (case, slashes, encodings, HEAD and method-override headers)
for every staff route and every audience of ``tests/staff/test_access_matrix.py``'s ``ACCESS``
table; insecure direct object references on the patient side (a link opens only its own draft
or screening; another patient's screening id, URL or token gives nothing); guessed, altered and
cross-used tokens (resume, result, invitation) all getting one plain 404; notes reached only by
nurses and only through their own screening; and the booking systems' API accepting only a live
bearer token in the ``Authorization`` header. What anyone may do without signing in, such as
having the clinic email a questionnaire's link, must not be theirs to do without limit.
"""

from __future__ import annotations

import io
import re
import secrets
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from screening.access import MANAGER, NURSE, PATIENT, PUBLIC
from screening.extensions import db
from screening.models import Decision, Draft, Invitation, Note, Screening, token_hash
from screening.security import SESSION_COOKIE_HOST_NAME as SESSION_COOKIE
from tests.intake.patient import ABOUT_YOU, Patient, accept_invitation, csrf_token
from tests.mail_sink import send_outbox
from tests.staff.helpers import (
    make_staff,
    post_decision,
    row_version,
    sign_in,
    signed_in,
    submit_screening,
)
from tests.staff.test_access_matrix import (
    ACCESS,
    ADMIN,
    ANONYMOUS,
    AUDIENCES,
    HALF_SIGNED_IN,
    NEEDS_PROVIDER_NOTE,
    PATIENT_LINK,
    PDF,
    declared,
    make_world,
    new_invitation_token,
    notes_of,
    redirects_to_code,
    redirects_to_login,
    token_of,
    upload_as_patient,
    url_for_rule,
)

API = "/api/v1/invitations"
INVITE = {
    "first_name": "Maya",
    "last_name": "Okafor",
    "email": "maya@example.com",
    "treatment": "pdo_smooth_threads",
    "appointment_date": "2026-12-20",
    "appointment_time": "14:30",
}


def count(app: Flask, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


# --- the role matrix under path tricks ---------------------------------------------------------


def path_variants(path: str) -> dict[str, str]:
    """Spellings of ``path`` that a careless router or proxy might treat as the same page."""
    head, _, last = path.rpartition("/")
    encoded_letter = path.replace("/staff/", "/%73taff/", 1)
    return {
        "upper case": path.upper(),
        "mixed case": path.replace("/staff", "/Staff", 1),
        "trailing slash": path.rstrip("/") + "/",
        "double slash": path.replace("/staff/", "/staff//", 1),
        "dot segment": path.replace("/staff/", "/staff/./", 1),
        "dot-dot segment": path.replace("/staff/", "/staff/x/../", 1),
        "encoded letter": encoded_letter,
        "encoded slash": f"{head}%2F{last}" if last else path + "%2F",
        "semicolon parameter": path + ";jsessionid=1",
        "query padding": path + "?role=admin&is_admin=1",
    }


def follow_canonical(client: FlaskClient, response, method: str = "GET"):
    """Follow one redirect that only tidies the path (308/301), as a browser would."""
    if response.status_code in (301, 308) and response.location:
        target = urlsplit(response.location)
        return client.open(
            target.path + (f"?{target.query}" if target.query else ""), method=method
        )
    return response


def refused(response, audience: str) -> bool:
    if response.status_code in (403, 404, 405):
        return True
    if audience in HALF_SIGNED_IN:  # the password given, the code still to come
        return redirects_to_code(response)
    return audience in (ANONYMOUS, PATIENT_LINK) and redirects_to_login(response)


def plain(app: Flask, client: FlaskClient) -> FlaskClient:
    """A client without page checks (HEAD answers have no body) holding ``client``'s session."""
    other = FlaskClient(app, app.response_class, use_cookies=True)
    cookie = client.get_cookie(SESSION_COOKIE, domain="clinic.test")
    if cookie is not None:
        other.set_cookie(SESSION_COOKIE, cookie.value, domain="clinic.test")
    return other


def get_allowed(app: Flask, url: str, audience: str) -> bool:
    """Whether a GET of ``url`` is a page of its own that ``audience`` may open."""
    try:
        endpoint, _ = app.url_map.bind("clinic.test").match(url, method="GET")
    except Exception:
        return False
    return declared(audience) in ACCESS[endpoint]


def test_no_spelling_of_a_staff_url_opens_it_to_an_audience_the_table_refuses(make_app, tmp_path):
    world = make_world(make_app, tmp_path)
    clients = {audience: plain(world.app, c) for audience, c in world.clients.items()}
    checked = 0
    for rule in world.app.url_map.iter_rules():
        allowed = ACCESS.get(rule.endpoint, set())
        if rule.endpoint == "static" or PUBLIC in allowed or PATIENT in allowed:
            continue
        methods = rule.methods - {"OPTIONS"}
        for audience in AUDIENCES:
            if declared(audience) in allowed:
                continue
            client = clients[audience]
            url = url_for_rule(world, rule, audience)
            if "GET" in methods:
                variants = {"as built, by HEAD": url, **path_variants(url)}
                for name, variant in variants.items():
                    method = "HEAD" if name == "as built, by HEAD" else "GET"
                    response = follow_canonical(client, client.open(variant, method=method))
                    where = (audience, rule.endpoint, name, response.status_code)
                    assert refused(response, audience), where
                    checked += 1
            elif not get_allowed(world.app, url, audience):
                # A POST-only action asked for by GET with every method-override header.
                response = client.get(
                    url,
                    headers={
                        "X-HTTP-Method-Override": "POST",
                        "X-HTTP-Method": "POST",
                        "X-Method-Override": "POST",
                    },
                )
                assert refused(response, audience), (audience, rule.endpoint, response.status_code)
                checked += 1
    assert checked > 300
    assert count(world.app, Decision) == 0


def test_a_manager_or_admin_cannot_act_through_a_nurses_form_with_a_valid_token(make_app, tmp_path):
    """A complete, valid form (the session's CSRF token, the screening's current version, a
    kind of note) is still refused to a role that may not make the decision."""
    world = make_world(make_app, tmp_path)
    nurse_page = world.clients[NURSE].get(f"/staff/screenings/{world.screening_id}")
    version = row_version(nurse_page.text)
    for audience in (MANAGER, ADMIN):
        client = world.clients[audience]
        token = csrf_token(client.get("/staff/password").text)
        for path, data in (
            ("/findings/neuromuscular_disorder/resolve", {"reason": "x"}),
            (f"/notes/{world.note_id}/verify", {}),
            ("/notes/paper", {"kind": "provider_note"}),
        ):
            response = client.post(
                f"/staff/screenings/{world.screening_id}{path}",
                data={"csrf_token": token, "row_version": version, **data},
            )
            assert response.status_code == 403, (audience, path)
    assert count(world.app, Decision) == 0


# --- a patient's link opens only its own draft or screening -------------------------------------


def start_draft(app: Flask, first_name: str) -> tuple[Patient, str]:
    """A patient part-way through the questionnaire; returns them and their resume token."""
    patient = Patient(app.test_client())
    patient.start()
    saved = patient.answer("about_you", {**ABOUT_YOU, "first_name": first_name})
    assert saved.status_code == 303
    cookie = patient.client.get_cookie(SESSION_COOKIE, domain="clinic.test").value
    return patient, app.session_interface.get_signing_serializer(app).loads(cookie)["intake_token"]


def shown_first_name(client: FlaskClient) -> str:
    page = client.get("/intake/about_you")
    assert page.status_code == 200, page.status_code
    return re.search(r'name="first_name"[^>]*value="([^"]*)"', page.text).group(1)


def test_a_resume_link_opens_only_its_own_draft_and_a_bad_one_changes_nothing(app):
    first, first_token = start_draft(app, "Oriane")
    second, second_token = start_draft(app, "Bertrand")

    stranger = app.test_client()
    assert stranger.get(f"/intake/resume/{first_token}").status_code == 303
    assert shown_first_name(stranger) == "Oriane"

    # The first patient tries links near the second's: each is refused, and the first patient's
    # own questionnaire is still theirs afterwards (a refusal neither switches nor clears it).
    for forged in (
        second_token[:-1] + ("A" if second_token[-1] != "A" else "B"),
        second_token[:-2],
        second_token.upper(),
        token_hash(second_token),
    ):
        assert first.client.get(f"/intake/resume/{forged}").status_code == 404
        assert shown_first_name(first.client) == "Oriane"
    # The second patient's own link opens the second draft, never the first.
    assert shown_first_name(second.client) == "Bertrand"


def test_another_patients_screening_id_draft_id_or_url_gives_nothing(app):
    first_id, first_url, first = submit_screening(app)
    second_id, second_url, second = submit_screening(
        app, about_you={"first_name": "Second", "last_name": "Person"}
    )
    with app.app_context():
        draft_ids = db.session.scalars(select(Draft.id)).all()
    second_token = token_of(second_url)
    for value in (str(second_id), *map(str, draft_ids), "0", "-1", "1 OR 1=1", "%2A"):
        for path in (f"/intake/result/{value}", f"/intake/resume/{value}"):
            response = first.get(path)
            assert response.status_code == 404, path
            assert "Second" not in response.text and "Person" not in response.text, path
    for path in (f"/staff/screenings/{second_id}", f"/staff/screenings/{second_id}/current-rules"):
        assert redirects_to_login(first.get(path)), path
    # A path that tries to climb from one's own link to another's.
    own = token_of(first_url)
    for path in (
        f"/intake/result/{own}/../{second_token}",
        f"/intake/result/{own}%2F..%2F{second_token}",
        f"/intake/result/{own}/../../staff/screenings/{second_id}",
    ):
        response = first.get(path)
        assert "Second" not in response.text, path
        assert response.status_code in (301, 302, 303, 308, 404, 405), path


def test_altered_guessed_or_cross_used_tokens_all_get_one_plain_404(app):
    _, result_url, patient = submit_screening(app)
    token = token_of(result_url)
    with app.app_context():
        screening_id = db.session.scalar(select(Screening.id))
    invitation_token = new_invitation_token(app)
    make_staff(app, "nurse@clinic.example", NURSE)
    staff = app.test_client()
    assert sign_in(staff, "nurse@clinic.example").status_code == 303
    staff_token = app.session_interface.get_signing_serializer(app).loads(
        staff.get_cookie(SESSION_COOKIE, domain="clinic.test").value
    )["_user_id"]
    swapped = token[0].swapcase() + token[1:] if token[0].isalpha() else "x" + token[1:]
    assert swapped != token
    guesses = {
        "altered last": token[:-1] + ("A" if token[-1] != "A" else "B"),
        "altered first": swapped,
        "truncated": token[:-1],
        "half": token[: len(token) // 2],
        "extended": token + "A",
        "random": secrets.token_urlsafe(32),
        "very long": "A" * 500,
        "stored hash": token_hash(token),
        "screening id": str(screening_id),
        "invitation token": invitation_token,
        "staff session token": staff_token,
        "accented": "é" * 43,
        "NUL": token[:-1] + "%00",
    }
    for route in ("resume", "result"):
        bodies = {}
        for name, guess in guesses.items():
            response = app.test_client().get(f"/intake/{route}/{guess}")
            assert response.status_code == 404, (route, name, response.status_code)
            # The page may name the address asked for (its language switch returns there).
            body = re.sub(r"/intake/(resume|result)/[^\"?<]*", "/intake/ASKED", response.text)
            bodies[name] = re.sub(r'name="csrf_token" value="[^"]*"', "CSRF", body)
        reference = bodies["random"]
        for name, body in bodies.items():
            assert body == reference, (route, name)
        assert token not in reference and "Lopez" not in reference
    # Uploading through a guessed link stores nothing.
    page = patient.get(result_url)
    for name, guess in guesses.items():
        response = patient.post(
            f"/intake/result/{guess}/notes",
            data={"csrf_token": csrf_token(page.text), "file": (io.BytesIO(PDF), "n.pdf")},
        )
        assert response.status_code == 404, name
    assert count(app, Note) == 0
    # A patient's link is no invitation, and an invitation was not used up by the guesses.
    assert app.test_client().get(f"/intake/invite/{token}").status_code == 404
    assert accept_invitation(app.test_client(), invitation_token).status_code == 303


# --- notes -------------------------------------------------------------------------------------


def test_a_patient_link_shows_only_its_own_notes_and_never_a_file(make_app, tmp_path):
    app = make_app(UPLOAD_FOLDER=str(tmp_path / "uploads"))
    first_id, first_url, first = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    second_id, second_url, second = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    assert upload_as_patient(first, token_of(first_url), name="first-secret.pdf").status_code == 303
    (note,) = notes_of(app, first_id)

    for client, url in ((first, first_url), (second, second_url)):
        page = client.get(url)
        assert page.status_code == 200
        assert "/notes/" not in page.text.replace(f"{url}/notes", ""), "a link to a note file"
        assert PDF.decode() not in page.text and "first-secret" not in page.text
    for client in (first, second, app.test_client()):
        for path in (
            f"{first_url}/notes",
            f"{first_url}/notes/{note.id}",
            f"{second_url}/notes/{note.id}",
            f"/staff/screenings/{first_id}/notes/{note.id}",
        ):
            response = client.get(path)
            assert response.status_code in (302, 303, 404, 405), path
            assert PDF not in response.data, path
    assert notes_of(app, second_id) == []


def test_a_nurse_cannot_reach_a_note_through_another_screenings_url(make_app, tmp_path):
    world = make_world(make_app, tmp_path)
    other_id, _, _ = submit_screening(world.app, **NEEDS_PROVIDER_NOTE)
    nurse = world.clients[NURSE]
    response = post_decision(nurse, other_id, f"/notes/{world.note_id}/verify", {})
    assert response.status_code == 404
    assert nurse.get(f"/staff/screenings/{other_id}/notes/{world.note_id}").status_code == 404
    with world.app.app_context():
        note = db.session.get(Note, world.note_id)
        assert note.verified_at is None and note.screening_id == world.screening_id
    assert count(world.app, Decision) == 0


# --- the booking systems' API ------------------------------------------------------------------


def api_token(runner, name: str = "booking") -> str:
    result = runner.invoke(args=["api-token", "create", "--name", name])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_only_a_live_bearer_token_in_the_header_creates_invitations(app, runner):
    live = api_token(runner)
    revoked = api_token(runner, "old-system")
    assert runner.invoke(args=["api-token", "revoke", "--name", "old-system"]).exit_code == 0
    nurse = signed_in(app, "nurse@clinic.example", NURSE)
    attempts = {
        "revoked token": ({"headers": {"Authorization": f"Bearer {revoked}"}}, app.test_client()),
        "the stored hash": (
            {"headers": {"Authorization": f"Bearer {token_hash(live)}"}},
            app.test_client(),
        ),
        "token in the query string": ({"query_string": {"access_token": live}}, app.test_client()),
        "token in the body": ({"json_extra": {"access_token": live}}, app.test_client()),
        "token in a cookie": ({"cookie": live}, app.test_client()),
        "token with a suffix": (
            {"headers": {"Authorization": f"Bearer {live}x"}},
            app.test_client(),
        ),
        "two tokens": (
            {"headers": {"Authorization": f"Bearer {revoked} Bearer {live}"}},
            app.test_client(),
        ),
        "basic scheme": ({"headers": {"Authorization": f"Basic {live}"}}, app.test_client()),
        "a signed-in nurse's session": ({}, nurse),
    }
    for name, (how, client) in attempts.items():
        if "cookie" in how:
            client.set_cookie("access_token", how["cookie"], domain="clinic.test")
        response = client.post(
            API,
            json={**INVITE, **how.get("json_extra", {})},
            headers=how.get("headers", {}),
            query_string=how.get("query_string"),
        )
        assert response.status_code == 401, (name, response.status_code)
        assert response.is_json, name
        assert live not in response.get_data(as_text=True), name
    assert count(app, Invitation) == 0
    response = app.test_client().post(API, json=INVITE, headers={"Authorization": f"Bearer {live}"})
    assert response.status_code == 201


# --- what anyone may do, without limit ---------------------------------------------------------


def test_the_clinic_cannot_be_made_to_send_unlimited_email_to_any_address(make_app, mail):
    """A stranger's questionnaire may carry anyone's address, and a name of the stranger's
    wording: "email me this link" must not be a free, unlimited mailer from the clinic."""
    app = make_app(RATELIMIT_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=mail.port)
    attacker = Patient(app.test_client())
    attacker.start()
    attacker.answer(
        "about_you",
        {**ABOUT_YOU, "first_name": "Claim your refund at evil.example", "email": "v@example.org"},
    )
    token = csrf_token(attacker.client.get("/intake/about_you").text)
    answers = [
        attacker.client.post("/intake/email-link", data={"csrf_token": token}).status_code
        for _ in range(30)
    ]
    assert all(code < 500 for code in answers), answers
    send_outbox(app)  # what was queued goes out: count what arrives
    assert mail.messages, "the first requests are honoured"
    assert len(mail.messages) < 30, f"{len(mail.messages)} emails sent to one address on demand"
