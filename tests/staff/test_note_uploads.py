"""Clearance notes over HTTP: uploads by the patient and by staff, attacks, and downloads.

The upload folder is a temporary directory per test, so "nothing stored" means it holds no file.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import ExifTags, Image, PngImagePlugin
from sqlalchemy import select

from screening.extensions import db
from screening.models import AuditEvent, Note, Screening
from screening.notes import MAX_NOTE_BYTES
from tests.intake.patient import csrf_token
from tests.staff.helpers import post_decision, row_version, signed_in, submit_screening

pytestmark = pytest.mark.usefixtures("light_password_hashing")


MB = 1024 * 1024
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|jpg|png)")
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Size 3 /Root 1 0 R >>\n%%EOF\n"
)
NEEDS_PROVIDER_NOTE = {"health": {"neuromuscular_disorder": "yes"}}
NEEDS_BOTH_NOTES = {
    "health": {"neuromuscular_disorder": "yes"},
    "medicines": {"prescribed_blood_thinner": "yes"},
}


def _png(**save) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (16, 12), (0, 90, 200)).save(output, format="PNG", **save)
    return output.getvalue()


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Patient")
    info.add_itxt("Comment", "Home address: 1 Secret Lane")
    return _png(pnginfo=info)


def _jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.5)
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def _oversize_pdf(size: int) -> bytes:
    return b"%PDF-1.4\n" + b"0" * (size - len(b"%PDF-1.4\n") - len(b"%%EOF\n")) + b"%%EOF\n"


ATTACKS = {
    "png-named-pdf": (_png(), "note.pdf", "The file's name ends in .pdf but it is a PNG image"),
    "html-named-png": (
        b"<!doctype html><html><script>alert(document.cookie)</script></html>",
        "note.png",
        "The file is not a PDF, JPEG or PNG",
    ),
    "svg": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
        "note.svg",
        "The file is not a PDF, JPEG or PNG",
    ),
    "11-mb": (
        _oversize_pdf(11 * MB),
        "note.pdf",
        "The file is over 10 MB: the most we accept is 10 MB",
    ),
    "path-traversal": (
        PDF,
        "../../x.db",
        "The file is a PDF document but its name does not end in .pdf",
    ),
    "windows-path": (
        PDF,
        "..\\..\\instance\\preclear.sqlite3",
        "The file is a PDF document but its name does not end in .pdf",
    ),
    "empty": (b"", "note.pdf", "The file is empty"),
}


@pytest.fixture
def uploads(tmp_path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def app(make_app, uploads):
    app = make_app(UPLOAD_FOLDER=str(uploads))
    return app


@pytest.fixture
def nurse(app):
    return signed_in(app, "nurse@example.com", "nurse")


def stored_files(uploads: Path) -> list[Path]:
    return sorted(uploads.rglob("*")) if uploads.exists() else []


def notes_of(app, screening_id: int) -> list[SimpleNamespace]:
    with app.app_context():
        rows = db.session.scalars(
            select(Note).where(Note.screening_id == screening_id).order_by(Note.id)
        )
        return [
            SimpleNamespace(
                id=n.id,
                kind=n.kind,
                on_paper=n.on_paper,
                stored_name=n.stored_name,
                content_type=n.content_type,
                size=n.size,
                sha256=n.sha256,
                uploaded_by_id=n.uploaded_by_id,
                verified=n.verified,
            )
            for n in rows
        ]


def status_of(app, screening_id: int) -> str:
    with app.app_context():
        return db.session.get(Screening, screening_id).status


def audit_rows(app, action: str) -> list[SimpleNamespace]:
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
        return [
            SimpleNamespace(
                result=r.result,
                object_type=r.object_type,
                object_id=r.object_id,
                staff_id=r.staff_id,
                detail=r.detail,
            )
            for r in rows
        ]


def patient_upload(patient, result_url: str, content: bytes, filename: str, **form):
    page = patient.get(result_url)
    data = {"csrf_token": csrf_token(page.text), "file": (io.BytesIO(content), filename), **form}
    return patient.post(f"{result_url}/notes", data=data)


def staff_upload(client, screening_id: int, content: bytes, filename: str, kind="provider_note"):
    data = {"kind": kind, "file": (io.BytesIO(content), filename)}
    return post_decision(client, screening_id, "/notes", data)


def staff_id(app, email: str) -> int:
    from screening.models import StaffUser

    with app.app_context():
        return db.session.scalar(select(StaffUser.id).where(StaffUser.email == email))


# Accepted uploads -----------------------------------------------------------------------------


def test_the_patient_uploads_the_one_note_needed_without_naming_its_kind(app, uploads):
    sid, result_url, patient = submit_screening(app, **NEEDS_PROVIDER_NOTE)

    response = patient_upload(patient, result_url, PDF, "my note.pdf")

    assert response.status_code == 303
    [note] = notes_of(app, sid)
    assert note.kind == "provider_note"
    assert not note.on_paper
    assert note.uploaded_by_id is None
    assert not note.verified
    assert note.content_type == "application/pdf"
    assert note.size == len(PDF)
    assert STORED_NAME.fullmatch(note.stored_name)
    assert note.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored_files(uploads) == [uploads / note.stored_name]
    assert (uploads / note.stored_name).read_bytes() == PDF
    assert status_of(app, sid) == "note_to_verify"
    rows = audit_rows(app, "upload_note")
    assert [(r.result, r.object_type, r.object_id, r.staff_id) for r in rows] == [
        ("ok", "note", str(note.id), None)
    ]
    page = patient.get(result_url)
    assert "We have received 1 note from you" in page.text


def test_the_patient_names_the_kind_when_two_notes_are_needed(app, uploads):
    sid, result_url, patient = submit_screening(app, **NEEDS_BOTH_NOTES)

    unnamed = patient_upload(patient, result_url, PDF, "note.pdf")
    assert unnamed.status_code == 400
    assert "Choose which note you are sending" in unnamed.text
    assert notes_of(app, sid) == []
    assert stored_files(uploads) == []

    named = patient_upload(patient, result_url, PDF, "note.pdf", kind="prescriber_note")
    assert named.status_code == 303
    assert [n.kind for n in notes_of(app, sid)] == ["prescriber_note"]


def test_after_a_rebooking_the_patient_can_still_send_the_note_needed(app, nurse, uploads):
    # A cold sore and a neuromuscular disorder: the nurse records the new date, after which the
    # cold sore waits for the patient's fresh answer, and the provider's note is still needed:
    # the patient can send it now.
    sid, result_url, patient = submit_screening(
        app, feeling={"cold_sore": "yes"}, **NEEDS_PROVIDER_NOTE
    )
    acknowledged = post_decision(
        nurse, sid, "/acknowledge", {"new_date": "2026-12-17", "reason": "Rebooked"}
    )
    assert acknowledged.status_code == 303
    assert status_of(app, sid) == "awaiting_recheck"

    page = patient.get(result_url)

    assert 'name="file"' in page.text
    assert "panel--reschedule" not in page.text
    assert patient_upload(patient, result_url, PDF, "note.pdf").status_code == 303
    assert status_of(app, sid) == "note_to_verify"


def test_staff_upload_a_note_on_the_patients_behalf(app, nurse, uploads):
    sid, _, _ = submit_screening(app, **NEEDS_BOTH_NOTES)

    response = staff_upload(nurse, sid, PDF, "fax.pdf", kind="prescriber_note")

    assert response.status_code == 303
    [note] = notes_of(app, sid)
    nurse_id = staff_id(app, "nurse@example.com")
    assert (note.kind, note.uploaded_by_id, note.verified) == ("prescriber_note", nurse_id, False)
    assert (uploads / note.stored_name).read_bytes() == PDF
    assert status_of(app, sid) == "note_to_verify"
    rows = audit_rows(app, "upload_note")
    assert [(r.object_type, r.object_id, r.staff_id) for r in rows] == [
        ("note", str(note.id), nurse_id)
    ]
    page = nurse.get(f"/staff/screenings/{sid}")
    assert f"download note {note.id}" in page.text
    assert "I have read it: verify" in page.text


def test_staff_must_choose_the_kind_of_note(app, nurse, uploads):
    sid, _, _ = submit_screening(app, **NEEDS_PROVIDER_NOTE)

    response = post_decision(nurse, sid, "/notes", {"file": (io.BytesIO(PDF), "note.pdf")})

    assert response.status_code == 400
    assert "Choose the kind of note" in response.text
    assert notes_of(app, sid) == []
    assert stored_files(uploads) == []


def test_a_note_of_exactly_ten_megabytes_is_accepted(app, nurse, uploads):
    sid, _, _ = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    content = _oversize_pdf(MAX_NOTE_BYTES)

    response = staff_upload(nurse, sid, content, "big.pdf")

    assert response.status_code == 303
    [note] = notes_of(app, sid)
    assert note.size == MAX_NOTE_BYTES
    assert note.sha256 == hashlib.sha256(content).hexdigest()


def test_a_path_in_the_file_name_never_reaches_the_disk(app, nurse, uploads, tmp_path):
    sid, _, _ = submit_screening(app, **NEEDS_PROVIDER_NOTE)

    response = staff_upload(nurse, sid, PDF, "../../evil.pdf")

    assert response.status_code == 303
    [note] = notes_of(app, sid)
    assert STORED_NAME.fullmatch(note.stored_name)
    assert stored_files(uploads) == [uploads / note.stored_name]
    assert not [p for p in tmp_path.parent.rglob("evil*")]
    download = nurse.get(f"/staff/screenings/{sid}/notes/{note.id}")
    assert "evil" not in download.headers["Content-Disposition"]


def test_a_photo_loses_its_exif_and_gps(app, uploads):
    sid, result_url, patient = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    original = _jpeg_with_gps()
    assert b"PhoneMaker" in original

    assert patient_upload(patient, result_url, original, "photo.JPG").status_code == 303

    [note] = notes_of(app, sid)
    kept = (uploads / note.stored_name).read_bytes()
    assert note.stored_name.endswith(".jpg")
    assert note.content_type == "image/jpeg"
    assert b"PhoneMaker" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.size == (40, 30)
        assert dict(image.getexif()) == {}
        assert "exif" not in image.info
    assert note.sha256 == hashlib.sha256(kept).hexdigest()


def test_a_scan_loses_its_png_text(app, nurse, uploads):
    sid, _, _ = submit_screening(app, **NEEDS_PROVIDER_NOTE)

    assert staff_upload(nurse, sid, _png_with_text(), "scan.png").status_code == 303

    [note] = notes_of(app, sid)
    kept = (uploads / note.stored_name).read_bytes()
    assert b"Secret Lane" not in kept
    assert b"Jane Patient" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert image.text == {}
    download = nurse.get(f"/staff/screenings/{sid}/notes/{note.id}")
    assert download.data == kept


# Attacks through HTTP -------------------------------------------------------------------------


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_bad_upload_by_the_patient_is_refused_and_nothing_is_stored(
    app, uploads, tmp_path, attack
):
    content, filename, message = ATTACKS[attack]
    sid, result_url, patient = submit_screening(app, **NEEDS_PROVIDER_NOTE)

    response = patient_upload(patient, result_url, content, filename)

    assert response.status_code == 400
    text = response.get_data(as_text=True).replace("&#39;", "'")
    assert message in text
    assert 'class="error-summary"' in text
    assert notes_of(app, sid) == []
    assert stored_files(uploads) == []
    assert not list(tmp_path.parent.rglob("x.db"))
    assert audit_rows(app, "upload_note") == []
    assert status_of(app, sid) == "awaiting_note"


@pytest.mark.parametrize("attack", ["png-named-pdf", "html-named-png", "svg", "path-traversal"])
def test_a_bad_upload_by_staff_is_refused_and_nothing_is_stored(app, nurse, uploads, attack):
    content, filename, message = ATTACKS[attack]
    sid, _, _ = submit_screening(app, **NEEDS_PROVIDER_NOTE)

    response = staff_upload(nurse, sid, content, filename)

    assert response.status_code == 400
    assert message in response.get_data(as_text=True).replace("&#39;", "'")
    assert notes_of(app, sid) == []
    assert stored_files(uploads) == []
    assert audit_rows(app, "upload_note") == []


def test_an_oversize_upload_by_staff_is_refused_with_a_plain_message(app, nurse, uploads):
    content, filename, message = ATTACKS["11-mb"]
    sid, _, _ = submit_screening(app, **NEEDS_PROVIDER_NOTE)

    response = staff_upload(nurse, sid, content, filename)

    assert response.status_code == 400
    assert message in response.text
    assert notes_of(app, sid) == []
    assert stored_files(uploads) == []


def test_a_staff_upload_over_a_stale_page_is_a_conflict_and_stores_nothing(app, nurse, uploads):
    sid, _, _ = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    old_page = nurse.get(f"/staff/screenings/{sid}").text
    paper = {"kind": "provider_note", "covers": "neuromuscular_disorder"}
    assert post_decision(nurse, sid, "/notes/paper", paper).status_code == 303

    response = nurse.post(
        f"/staff/screenings/{sid}/notes",
        data={
            "csrf_token": csrf_token(old_page),
            "row_version": row_version(old_page),
            "kind": "provider_note",
            "file": (io.BytesIO(PDF), "note.pdf"),
        },
    )

    assert response.status_code == 409
    assert "changed while you were looking" in response.text
    assert [n.on_paper for n in notes_of(app, sid)] == [True]
    assert stored_files(uploads) == []


# Downloads ------------------------------------------------------------------------------------


def _uploaded(app, nurse) -> tuple[int, SimpleNamespace, str, object]:
    sid, result_url, patient = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    assert patient_upload(patient, result_url, PDF, "note.pdf").status_code == 303
    [note] = notes_of(app, sid)
    return sid, note, f"/staff/screenings/{sid}/notes/{note.id}", patient


def test_a_nurse_downloads_a_note_as_an_attachment_that_cannot_run(app, nurse):
    sid, note, url, _ = _uploaded(app, nurse)

    response = nurse.get(url)

    assert response.status_code == 200
    assert response.data == PDF
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert disposition.endswith('.pdf"')
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    rows = audit_rows(app, "view_note")
    assert [(r.result, r.object_type, r.object_id) for r in rows] == [("ok", "note", str(note.id))]


@pytest.mark.parametrize("damage", ["altered", "appended", "missing"])
def test_a_tampered_note_is_never_served(app, nurse, uploads, damage):
    sid, note, url, _ = _uploaded(app, nurse)
    path = uploads / note.stored_name
    if damage == "altered":
        path.write_bytes(PDF.replace(b"/Count 0", b"/Count 9"))
    elif damage == "appended":
        path.write_bytes(PDF + b"<script>alert(1)</script>")
    else:
        path.unlink()

    response = nurse.get(url)

    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert b"%PDF" not in response.data
    assert b"<script>alert(1)" not in response.data
    assert "attachment" not in response.headers.get("Content-Disposition", "")
    rows = audit_rows(app, "view_note")
    assert [(r.result, r.object_id) for r in rows] == [("failed", str(note.id))]


def test_a_patient_cannot_fetch_a_note(app, nurse):
    sid, note, url, patient = _uploaded(app, nurse)

    response = patient.get(url)

    assert response.status_code in (302, 303)
    assert "/staff/login" in response.location
    assert b"%PDF" not in response.data
    anonymous = app.test_client().get(url)
    assert anonymous.status_code in (302, 303)
    assert b"%PDF" not in anonymous.data
    assert audit_rows(app, "view_note") == []


def test_only_nurses_download_notes(app, nurse):
    sid, note, url, _ = _uploaded(app, nurse)
    manager = signed_in(app, "manager@example.com", "manager")

    response = manager.get(url)

    assert response.status_code == 403
    assert b"%PDF" not in response.data
    assert audit_rows(app, "view_note") == []


def test_a_note_is_reached_only_through_its_own_screening(app, nurse):
    sid, note, url, _ = _uploaded(app, nurse)
    other, _, _ = submit_screening(app, **NEEDS_PROVIDER_NOTE)

    response = nurse.get(f"/staff/screenings/{other}/notes/{note.id}")

    assert response.status_code == 404
    assert b"%PDF" not in response.data


def test_a_paper_note_has_nothing_to_download(app, nurse):
    sid, _, _ = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    post_decision(
        nurse, sid, "/notes/paper", {"kind": "provider_note", "covers": "neuromuscular_disorder"}
    )
    [note] = notes_of(app, sid)
    assert note.on_paper and note.verified

    assert nurse.get(f"/staff/screenings/{sid}/notes/{note.id}").status_code == 404
