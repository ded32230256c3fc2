"""Attacks through clearance-note uploads, by the patient's link and by a nurse.

Spoofed types (a ``.pdf`` that is HTML, a Windows or Linux executable, a ZIP, PHP; SVG with
script under any name; markup behind an image signature), oversize files (over the 10 MB limit,
and over the request limit), pixel bombs (PNG and JPEG declaring huge dimensions in a few
bytes), hostile names (``../``, absolute and Windows paths, NUL bytes, right-to-left overrides,
very long names), and polyglots that pass as a real type. Whatever is refused leaves no file and
no record; whatever is accepted is stored under a server-made name inside the upload folder and
is served back only as an inert attachment; and one patient's link cannot fill the disk.

The unit checks of ``screening.notes`` are in ``tests/test_notes.py`` and the common HTTP cases
in ``tests/staff/test_note_uploads.py``; these are the attacker's variations over HTTP.
"""

from __future__ import annotations

import io
import re
import struct
import uuid
import zlib
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from screening.access import NURSE
from screening.extensions import db
from screening.models import AuditEvent, Note
from tests.intake.patient import csrf_token
from tests.staff.helpers import post_decision, signed_in, submit_screening

MB = 1024 * 1024
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|jpg|png)")
NEEDS_PROVIDER_NOTE = {"health": {"neuromuscular_disorder": "yes"}}
PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Size 3 /Root 1 0 R >>\n%%EOF\n"
)
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
    b"<script>alert(document.domain)</script></svg>"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40
PHP = b"<?php system($_GET['c']); ?>"
NOT_A_NOTE = "The file is not a PDF, JPEG or PNG"
UNREADABLE = "The image could not be read"
TOO_LARGE = "image is too large: the most we accept"


def png(size: tuple[int, int] = (16, 12)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (0, 90, 200)).save(output, format="PNG")
    return output.getvalue()


def jpeg(size: tuple[int, int] = (16, 12)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(output, format="JPEG")
    return output.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header announces ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is rewritten to announce ``width`` x ``height``."""
    data = bytearray(jpeg())
    frame = data.index(b"\xff\xc0")
    data[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(data)


SPOOFED = {
    "HTML named .pdf": (HTML, "note.pdf", NOT_A_NOTE),
    "Windows executable named .pdf": (EXE, "note.pdf", NOT_A_NOTE),
    "Linux executable named .jpg": (ELF, "scan.jpg", NOT_A_NOTE),
    "ZIP (a .docx) named .pdf": (ZIP, "note.pdf", NOT_A_NOTE),
    "PHP named .png": (PHP, "scan.png", NOT_A_NOTE),
    "SVG with script named .svg": (SVG, "note.svg", NOT_A_NOTE),
    "SVG with script named .png": (SVG, "note.png", NOT_A_NOTE),
    "SVG with script named .pdf": (SVG, "note.pdf", NOT_A_NOTE),
    "HTML behind a PNG signature": (b"\x89PNG\r\n\x1a\n" + HTML, "scan.png", UNREADABLE),
    "HTML behind a JPEG signature": (b"\xff\xd8\xff" + HTML, "scan.jpg", UNREADABLE),
    "an executable behind a PDF header": (b"%PDF-1.4\n" + EXE, "note.pdf", "incomplete"),
    "a real PDF named .exe": (PDF, "note.exe", "does not end in .pdf"),
    "a real PDF named .html": (PDF, "note.html", "does not end in .pdf"),
    "a real PNG named .svg": (png(), "scan.svg", "does not end in .png"),
    "PNG pixel bomb, 20000 x 20000": (png_declaring(20_000, 20_000), "bomb.png", TOO_LARGE),
    "PNG over the pixel limit, 7000 x 7000": (png_declaring(7_000, 7_000), "big.png", TOO_LARGE),
    "JPEG pixel bomb, 30000 x 30000": (jpeg_declaring(30_000, 30_000), "bomb.jpg", TOO_LARGE),
    "over 10 MB": (
        b"%PDF-1.4\n" + b"0" * (11 * MB) + b"\n%%EOF\n",
        "big.pdf",
        "The file is over 10 MB",
    ),
}


@pytest.fixture
def uploads(tmp_path) -> Path:
    return tmp_path / "uploads"


@pytest.fixture
def app(make_app, uploads):
    # Ten names a patient uploads in one go below: a day's bound per screening is six (its
    # tests are in test_patient_limits.py).
    return make_app(UPLOAD_FOLDER=str(uploads), PATIENT_UPLOADS_PER_SCREENING_PER_DAY=10)


@pytest.fixture
def screening(app):
    """(screening id, the patient's result URL, the patient's client): a note is needed."""
    return submit_screening(app, **NEEDS_PROVIDER_NOTE)


def patient_upload(client, result_url: str, content: bytes, filename: str, **form):
    page = client.get(result_url)
    data = {"csrf_token": csrf_token(page.text), "file": (io.BytesIO(content), filename), **form}
    return client.post(f"{result_url}/notes", data=data)


def nurse_upload(client, screening_id: int, content: bytes, filename: str, kind="provider_note"):
    data = {"kind": kind, "file": (io.BytesIO(content), filename)}
    return post_decision(client, screening_id, "/notes", data)


def files_under(root: Path) -> set[Path]:
    """Every file below ``root`` (none when it does not exist)."""
    return {path for path in root.rglob("*") if path.is_file()}


def note_rows(app) -> list[Note]:
    with app.app_context():
        rows = db.session.scalars(select(Note).order_by(Note.id)).all()
        db.session.expunge_all()
        return rows


def upload_audit_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "upload_note")
        )


# --- what is refused ---------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize("uploader", ["patient", "nurse"])
@pytest.mark.parametrize(("content", "filename", "message"), SPOOFED.values(), ids=SPOOFED.keys())
def test_a_spoofed_oversize_or_bomb_upload_is_refused_and_leaves_nothing(
    app, screening, tmp_path, uploads, uploader, content, filename, message
):
    sid, result_url, patient = screening
    before = files_under(tmp_path)
    if uploader == "patient":
        response = patient_upload(patient, result_url, content, filename)
    else:
        response = nurse_upload(
            signed_in(app, "nurse@clinic.example", NURSE), sid, content, filename
        )

    assert response.status_code == 400, response.status_code
    assert message in response.text
    extension = filename.rsplit(".", 1)[1]
    if extension not in ("pdf", "jpg", "png"):
        assert f".{extension} " not in response.text.replace(f".{extension} but", "")
    written = {p for p in files_under(tmp_path) - before if not p.name.startswith("preclear.")}
    assert written == set(), "a refused upload left a file"
    assert note_rows(app) == []
    assert upload_audit_rows(app) == 0


@pytest.mark.parametrize("uploader", ["patient", "nurse"])
def test_a_request_over_the_size_limit_is_a_plain_413_and_stores_nothing(
    app, screening, uploads, uploader
):
    sid, result_url, patient = screening
    content = b"%PDF-1.4\n" + b"0" * (13 * MB) + b"\n%%EOF\n"
    if uploader == "patient":
        response = patient_upload(patient, result_url, content, "huge.pdf")
    else:
        response = nurse_upload(
            signed_in(app, "nurse@clinic.example", NURSE), sid, content, "huge.pdf"
        )
    assert response.status_code == 413
    assert "something went wrong" not in response.text.lower()
    assert files_under(uploads) == set()
    assert note_rows(app) == []


def test_a_forged_kind_of_note_is_refused(app, screening, uploads):
    sid, result_url, patient = screening
    nurse = signed_in(app, "nurse@clinic.example", NURSE)
    for kind in ("../../etc/passwd", "provider_note/../x", "", "prescriber_note\x00"):
        assert nurse_upload(nurse, sid, PDF, "note.pdf", kind=kind).status_code == 400, kind
    assert note_rows(app) == []
    assert files_under(uploads) == set()


# --- hostile names -----------------------------------------------------------------------------


def hostile_names(marker: str) -> dict[str, str]:
    return {
        "climbs out": f"../../../../../../tmp/{marker}.pdf",
        "climbs out, Windows": f"..\\..\\..\\{marker}.pdf",
        "absolute": f"/tmp/{marker}.pdf",
        "drive letter": f"C:\\Windows\\Temp\\{marker}.pdf",
        "encoded climb": f"%2e%2e%2f%2e%2e%2f{marker}.pdf",
        "NUL before the extension": f"{marker}.png\x00.pdf",
        "right-to-left override": f"{marker}\u202efdp.exe.pdf",
        "very long": "a" * 4000 + f"{marker}.pdf",
        "only dots": "....pdf",
        # (no double quote: the test client would not escape it in the multipart header)
        "markup": f"'><script>alert(1)</script>{marker}.pdf",
    }


@pytest.mark.parametrize("uploader", ["patient", "nurse"])
def test_hostile_names_never_reach_the_disk_and_the_stored_name_is_server_made(
    app, screening, tmp_path, uploads, uploader
):
    sid, result_url, patient = screening
    nurse = signed_in(app, "nurse@clinic.example", NURSE)
    marker = f"evil-{uuid.uuid4().hex}"
    names = hostile_names(marker)
    for name, filename in names.items():
        if uploader == "patient":
            response = patient_upload(patient, result_url, PDF, filename)
        else:
            response = nurse_upload(nurse, sid, PDF, filename)
        assert response.status_code == 303, (name, response.status_code, response.text[:300])

    rows = note_rows(app)
    assert len(rows) == len(names)
    stored = files_under(uploads)
    assert {path.name for path in stored} == {row.stored_name for row in rows}
    for row in rows:
        assert STORED_NAME.fullmatch(row.stored_name), row.stored_name
        assert (uploads / row.stored_name).resolve().parent == uploads.resolve()
    # The names were used for nothing: no file anywhere carries the marker.
    for root in (tmp_path, Path("/tmp"), Path(app.instance_path)):
        assert not [p for p in root.rglob(f"*{marker}*")], root
    # Downloads are named by the server, never by the uploader.
    for row in rows:
        download = nurse.get(f"/staff/screenings/{sid}/notes/{row.id}")
        assert download.status_code == 200
        disposition = download.headers["Content-Disposition"]
        assert disposition == f'attachment; filename="screening-{sid}-note-{row.id}.pdf"'


# --- polyglots that pass as a real type ----------------------------------------------------------


def test_a_pdf_carrying_html_is_only_ever_served_as_an_inert_attachment(app, screening):
    sid, result_url, patient = screening
    polyglot = b"%PDF-1.4\n" + HTML + b"\n" + PDF[9:]
    assert patient_upload(patient, result_url, polyglot, "note.pdf").status_code == 303
    (row,) = note_rows(app)
    nurse = signed_in(app, "nurse@clinic.example", NURSE)
    download = nurse.get(f"/staff/screenings/{sid}/notes/{row.id}")
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download.headers["Content-Security-Policy"]
    assert "no-store" in download.headers["Cache-Control"]


@pytest.mark.parametrize(
    ("image", "filename"), [(png(), "scan.png"), (jpeg(), "photo.jpg")], ids=["png", "jpeg"]
)
def test_whatever_follows_an_image_is_dropped_by_re_encoding(
    app, screening, uploads, image, filename
):
    sid, result_url, patient = screening
    smuggled = image + HTML + ZIP + PHP
    assert patient_upload(patient, result_url, smuggled, filename).status_code == 303
    (row,) = note_rows(app)
    stored = (uploads / row.stored_name).read_bytes()
    for payload in (b"<script>", b"PK\x03\x04", b"<?php"):
        assert payload not in stored, payload
    Image.open(io.BytesIO(stored)).verify()


# --- filling the disk --------------------------------------------------------------------------


def test_one_patient_link_cannot_store_files_without_limit(make_app, tmp_path):
    """Anyone may submit a screening that needs a note; its link must not be a way to store
    an unbounded number of 10 MB files."""
    uploads = tmp_path / "limited-uploads"
    app = make_app(RATELIMIT_ENABLED=True, UPLOAD_FOLDER=str(uploads))
    _, result_url, patient = submit_screening(app, **NEEDS_PROVIDER_NOTE)
    answers = [patient_upload(patient, result_url, PDF, "note.pdf").status_code for _ in range(40)]
    assert all(code < 500 for code in answers), answers
    stored = files_under(uploads)
    assert len(stored) < 40, f"one link stored {len(stored)} files, with no limit in sight"
