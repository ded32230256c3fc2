"""Staff in the browser: a nurse signs in, opens the queue, verifies the note a patient uploaded
and resolves the finding; a manager signs in with a code and exports CSV (the download captured
and parsed) and reads the dashboard and the audit trail; an admin sets up two-step verification
without JavaScript and signs in with a recovery code. Every page passes ``check_page``, error
states included."""

from __future__ import annotations

import csv
import io

import pyotp
import pytest
from PIL import Image

from tests.browser.checks import check_page, focus_lands_on
from tests.browser.patient import submit
from tests.intake.patient import ABOUT_YOU, csrf_token
from tests.staff.helpers import PASSWORD, make_staff, next_code, submit_screening

pytestmark = pytest.mark.browser

NURSE = "nina@clinic.example"
MANAGER = "mara@clinic.example"


@pytest.fixture(scope="module")
def staff(live_app) -> None:
    make_staff(live_app, NURSE, "nurse", name="Nina Ortiz")
    make_staff(live_app, MANAGER, "manager", name="Mara Diaz")


def screening(app, first_name: str, last_name: str, note: bool = False, **pages) -> int:
    """A patient submits through the app (fast, no browser), with a PNG note when ``note``."""
    screening_id, result_url, patient = submit_screening(
        app, about_you={**ABOUT_YOU, "first_name": first_name, "last_name": last_name}, **pages
    )
    if note:
        image = io.BytesIO()
        Image.new("RGB", (24, 16), (0, 90, 200)).save(image, format="PNG")
        image.seek(0)
        token = csrf_token(patient.get(result_url).text)
        sent = patient.post(
            f"{result_url}/notes", data={"csrf_token": token, "file": (image, "note.png")}
        )
        assert sent.status_code == 303, sent.text[:500]
    return screening_id


def sign_in(page, email: str, password: str = PASSWORD, app=None) -> None:
    """The sign-in form; with ``app``, the code page too when the account has one."""
    page.fill("#email", email)
    page.fill("#password", password)
    submit(page)
    if app is not None and page.url.endswith("/staff/mfa"):
        page.fill("#code", next_code(app, email))
        submit(page)


def test_nurse_verifies_the_note_and_resolves_the_finding(new_page, live_app, staff):
    screening(live_app, "Nora", "Quist", note=True, health={"neuromuscular_disorder": "yes"})
    page = new_page()
    page.goto("/staff/login")
    check_page(page, "staff-sign-in", patient=False)
    sign_in(page, NURSE, "not-the-password-at-all")
    assert focus_lands_on(page, "[data-error-summary]")["text"].startswith("There is a problem")
    check_page(page, "error-staff-sign-in", patient=False)
    sign_in(page, NURSE)

    assert page.inner_text("h1") == "Review queue"
    check_page(page, "staff-queue", patient=False)
    submit(page, "a:text('Quist, Nora')")
    finding = page.locator("#finding-neuromuscular_disorder")
    assert "Waiting for a verified" in finding.inner_text()
    check_page(page, "staff-screening", patient=False)

    submit(page, "button:has-text('I have read it: verify')")
    assert "Verified by Nina Ortiz" in page.inner_text(".notes")
    check_page(page, patient=False)

    submit(page, "#finding-neuromuscular_disorder button")  # no reason given
    assert page.locator("#reason-neuromuscular_disorder-error").is_visible()
    # The page's error summary takes the focus and links to the field.
    summary = focus_lands_on(page, "[data-error-summary]")
    assert summary["text"].startswith("There is a problem")
    page.click("[data-error-summary] a[href='#reason-neuromuscular_disorder']")
    focus_lands_on(page, "#reason-neuromuscular_disorder")
    check_page(page, "error-staff-resolve", patient=False)
    page.fill("#reason-neuromuscular_disorder", "Provider's note read: fine to treat.")
    submit(page, "#finding-neuromuscular_disorder button")

    assert "Resolved" in finding.inner_text()
    assert page.inner_text(".facts .tag") == "Cleared"
    check_page(page, "staff-screening-resolved", patient=False)


def test_manager_exports_csv(new_page, live_app, staff):
    wanted = screening(live_app, "Elena", "Park", pregnancy={"pregnant": "yes"})
    page = new_page()
    page.goto("/staff/login")
    sign_in(page, MANAGER, app=live_app)
    page.goto("/staff/records/exports")
    check_page(page, patient=False)
    page.select_option("#outcome", "reschedule")
    page.fill("#date_from", "2026-12-01")
    page.fill("#date_to", "2026-12-31")
    submit(page)
    count = int(page.inner_text("main p:has-text('match')").split()[0])
    check_page(page, "manager-exports", patient=False)

    with page.expect_download() as started:
        page.click("a.button:text-is('CSV')")
    download = started.value
    assert download.suggested_filename.endswith(".csv")
    text = download.path().read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")  # the BOM Excel needs
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert len(rows) == count >= 1
    assert {row["outcome"] for row in rows} == {"reschedule"}
    mine = [row for row in rows if row["id"] == str(wanted)]
    assert [(r["first_name"], r["last_name"], r["answers.pregnant"]) for r in mine] == [
        ("Elena", "Park", "yes")
    ]

    page.goto("/staff/records/dashboard")
    check_page(page, "manager-dashboard", patient=False)
    page.goto("/staff/records/audit")
    assert "export" in page.inner_text("main").lower()
    check_page(page, "manager-audit", patient=False)


def test_admin_sets_up_two_step_verification_without_javascript(new_page, live_app):
    admin = "ada@clinic.example"
    make_staff(live_app, admin, "admin", name="Ada Quinn", mfa_on=False)
    page = new_page(java_script_enabled=False)
    page.goto("/staff/login")
    sign_in(page, admin)
    assert page.inner_text("h1") == "Set up two-step verification"
    assert page.locator("svg[role='img']").is_visible()
    check_page(page, "staff-mfa-setup", patient=False)
    key = page.inner_text("#setup-key").replace(" ", "")
    now = live_app.config["CLOCK"]()
    page.fill("#code", "123456" if pyotp.TOTP(key).at(now) != "123456" else "654321")
    submit(page)
    assert page.locator("[data-error-summary] a[href='#code']").is_visible()
    check_page(page, "error-staff-mfa-setup", patient=False)
    page.fill("#code", pyotp.TOTP(key).at(now))
    submit(page)

    assert page.inner_text("h1") == "Your recovery codes"
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    check_page(page, "staff-recovery-codes", patient=False)
    submit(page, "a.button")
    assert page.inner_text("h1") == "Staff accounts"
    submit(page, "button:has-text('Sign out')")

    sign_in(page, admin)
    assert page.inner_text("h1") == "Enter your code"
    check_page(page, "staff-mfa-code", patient=False)
    page.fill("#code", codes[0])
    submit(page)
    assert page.inner_text("h1") == "Staff accounts"
    assert "9 left" in page.inner_text(".notice")
    page.goto("/staff/account")
    check_page(page, "staff-account", patient=False)

    # Wrong passwords (and the wrong code above) pause signing in: a plain page, with when to
    # try again.
    submit(page, "button:has-text('Sign out')")
    for _ in range(4):
        sign_in(page, admin, "not-the-password-at-all")
    sign_in(page, admin)
    assert page.inner_text("h1") == "Too many attempts"
    assert "try again in 15 minutes" in page.inner_text("main")
    check_page(page, "staff-sign-in-throttled", patient=False)
