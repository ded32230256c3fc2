"""A link opened in a browser already answering another questionnaire: a resume link or an
invitation never swaps the questionnaire silently. The patient is asked which one to answer (a
form, no JavaScript), and either choice keeps the other questionnaire as it was."""

from __future__ import annotations

import re

from sqlalchemy import select

from screening.extensions import db
from screening.models import Draft, Invitation
from tests.intake.patient import ABOUT_YOU, Patient, accept_invitation, csrf_token
from tests.intake.test_spanish_everywhere import assert_all_spanish
from tests.test_invitations import make_invitation

RESUME = re.compile(r"http://clinic\.test(/intake/resume/[\w-]+)")
ASKED = "You are already answering a questionnaire"
KEEP = "Continue the questionnaire you were answering"
OPEN = "Open the one from this link"
BEN = {**ABOUT_YOU, "first_name": "Ben", "last_name": "Ortiz", "email": "ben@example.com"}


def answering(client, about_you: dict) -> str:
    """Start a questionnaire in ``client`` and answer its first page; returns its resume path."""
    patient = Patient(client)
    patient.start()
    assert patient.answer("about_you", about_you).status_code == 303
    return RESUME.search(client.get("/intake/later").text).group(1)


def first_name_shown(client) -> str:
    """The first name on the about-you page: which questionnaire this browser is answering."""
    page = client.get("/intake/about_you").text
    return re.search(r'name="first_name"[^>]*value="([^"]*)"', page).group(1)


def drafts(app) -> dict[int, dict]:
    with app.app_context():
        return {d.id: dict(d.data) for d in db.session.scalars(select(Draft).order_by(Draft.id))}


def choose(client, path: str, page: str, choice: str):
    return client.post(path, data={"csrf_token": csrf_token(page), "choice": choice})


def assert_asks(page, action: str) -> None:
    assert page.status_code == 200
    assert ASKED in page.text
    assert f'action="{action}"' in page.text
    for choice, words in (("keep", KEEP), ("open", OPEN)):
        assert re.search(rf'name="choice" value="{choice}"[^>]*>{words}</button>', page.text)


# --- a resume link ---------------------------------------------------------------------------


def test_a_resume_link_opened_while_another_questionnaire_is_answered_asks_which(app):
    ana = app.test_client()
    own = answering(ana, ABOUT_YOU)
    other = answering(app.test_client(), BEN)
    before = drafts(app)

    page = ana.get(other)

    assert_asks(page, other)
    assert own in page.text  # the link of the one being answered, to come back to it
    assert first_name_shown(ana) == "Ana"  # nothing swapped
    assert RESUME.search(ana.get("/intake/later").text).group(1) == own
    assert drafts(app) == before


def test_choosing_to_continue_keeps_the_questionnaire_and_leaves_the_links_one(app):
    ana = app.test_client()
    answering(ana, ABOUT_YOU)
    ben = app.test_client()
    other = answering(ben, BEN)
    before = drafts(app)

    kept = choose(ana, other, ana.get(other).text, "keep")

    assert kept.status_code == 303
    assert kept.location.endswith("/intake/visit")  # where Ana's questionnaire stands
    assert first_name_shown(ana) == "Ana"
    assert drafts(app) == before
    assert first_name_shown(ben) == "Ben"  # Ben's link and browser still open his


def test_choosing_the_links_questionnaire_opens_it_and_keeps_the_other(app):
    ana = app.test_client()
    own = answering(ana, ABOUT_YOU)
    other = answering(app.test_client(), BEN)
    before = drafts(app)

    opened = choose(ana, other, ana.get(other).text, "open")

    assert opened.status_code == 303
    assert first_name_shown(ana) == "Ben"
    assert RESUME.search(ana.get("/intake/later").text).group(1) == other
    assert drafts(app) == before  # Ana's answers are all still there
    elsewhere = app.test_client()
    assert elsewhere.get(own).status_code == 303  # and her own link still opens them
    assert first_name_shown(elsewhere) == "Ana"


def test_the_same_questionnaires_link_or_none_in_progress_opens_at_once(app, clock):
    ana = app.test_client()
    own = answering(ana, ABOUT_YOU)
    assert ana.get(own).status_code == 303  # its own link: nothing to choose

    fresh = app.test_client()
    assert fresh.get(own).status_code == 303  # no questionnaire in this browser
    assert first_name_shown(fresh) == "Ana"

    # A questionnaire already sent is not in progress: a link to another opens at once.
    sent = app.test_client()
    Patient(sent).complete()
    assert sent.get(own).status_code == 303
    assert first_name_shown(sent) == "Ana"


def test_an_expired_link_leaves_the_questionnaire_being_answered_alone(app, clock):
    old = answering(app.test_client(), BEN)
    clock.advance(days=6)
    ana = app.test_client()
    answering(ana, ABOUT_YOU)
    clock.advance(days=2)  # Ben's has expired, Ana's not
    assert ana.get(old).status_code == 410
    assert first_name_shown(ana) == "Ana"


def test_the_choice_sent_after_its_page_timed_out_is_asked_again(app):
    ana = app.test_client()
    answering(ana, ABOUT_YOU)
    other = answering(app.test_client(), BEN)
    ana.get(other)

    response = ana.post(other, data={"csrf_token": "stale", "choice": "open"})

    assert response.status_code == 400
    assert ASKED in response.text
    assert "This page timed out before it was sent. Select the button again." in response.text
    assert first_name_shown(ana) == "Ana"


def test_the_choice_reads_in_spanish(app):
    ana = app.test_client()
    answering(ana, ABOUT_YOU)
    other = answering(app.test_client(), BEN)
    pages = [ana.get(other, headers={"Accept-Language": lang}).text for lang in ("en", "es")]
    assert ASKED in pages[0]
    assert "Ya está respondiendo un cuestionario" in pages[1]
    assert_all_spanish(*pages, "the choice between two questionnaires")


# --- an invitation link ----------------------------------------------------------------------


def opened_at(app, invitation_id: int):
    with app.app_context():
        return db.session.get(Invitation, invitation_id).opened_at


def test_an_invitation_opened_while_another_questionnaire_is_answered_asks_which(app):
    invitation_id, token = make_invitation(app)
    path = f"/intake/invite/{token}"
    ana = app.test_client()
    answering(ana, ABOUT_YOU)
    before = drafts(app)

    page = ana.get(path)

    assert_asks(page, path)
    assert "Start now" not in page.text
    assert opened_at(app, invitation_id) is None  # not used
    assert first_name_shown(ana) == "Ana"
    assert drafts(app) == before


def test_a_start_page_shown_before_asks_instead_of_swapping(app):
    """The invitation's page was opened first, a questionnaire started in another tab, then
    Start selected on the first: asked, not swapped."""
    invitation_id, token = make_invitation(app)
    path = f"/intake/invite/{token}"
    ana = app.test_client()
    start_page = ana.get(path)
    assert "Start now" in start_page.text
    answering(ana, ABOUT_YOU)

    response = ana.post(path, data={"csrf_token": csrf_token(start_page.text)})

    assert_asks(response, path)
    assert opened_at(app, invitation_id) is None
    assert first_name_shown(ana) == "Ana"


def test_continuing_leaves_the_invitation_unused(app):
    invitation_id, token = make_invitation(app)
    path = f"/intake/invite/{token}"
    ana = app.test_client()
    answering(ana, ABOUT_YOU)
    before = drafts(app)

    kept = choose(ana, path, ana.get(path).text, "keep")

    assert kept.status_code == 303
    assert first_name_shown(ana) == "Ana"
    assert opened_at(app, invitation_id) is None
    assert drafts(app) == before
    # The invitation still works, in this browser (asked again) or another.
    assert accept_invitation(app.test_client(), token).status_code == 303


def test_opening_the_invitation_starts_it_and_keeps_the_other_questionnaire(app):
    invitation_id, token = make_invitation(app)
    path = f"/intake/invite/{token}"
    ana = app.test_client()
    own = answering(ana, ABOUT_YOU)
    before = drafts(app)

    opened = choose(ana, path, ana.get(path).text, "open")

    assert opened.status_code == 303
    assert opened_at(app, invitation_id) is not None
    assert first_name_shown(ana) == "Maya"  # the invited patient's questionnaire
    after = drafts(app)
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(after) == len(before) + 1
    elsewhere = app.test_client()
    assert elsewhere.get(own).status_code == 303
    assert first_name_shown(elsewhere) == "Ana"


def test_an_invitation_with_no_questionnaire_in_progress_starts_as_before(app):
    invitation_id, token = make_invitation(app)
    client = app.test_client()
    assert accept_invitation(client, token).status_code == 303
    assert opened_at(app, invitation_id) is not None
    assert first_name_shown(client) == "Maya"
