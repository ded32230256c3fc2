"""An uploaded image's size is read from its header before anything is decoded: a phone's JPEG
photo of up to 52 million pixels is taken, decoded reduced; a PNG over 16 million pixels, or any
image announcing more than Pillow's guard, is refused undecoded, on the patient's page, audited.
No transaction is open while an image is decoded."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageFile
from sqlalchemy import select

from screening import notes
from screening.extensions import db
from screening.models import AuditEvent
from tests.security.test_upload_attacks import (
    NEEDS_PROVIDER_NOTE,
    files_under,
    jpeg_declaring,
    note_rows,
    patient_upload,
    png_declaring,
)
from tests.staff.helpers import submit_screening

PNG_TOO_LARGE = (
    "The PNG image is too large: the most we accept in a PNG is 16 million pixels (a JPEG photo "
    "may have up to 52 million)"
)
JPEG_TOO_LARGE = "The image is too large: the most we accept is 52 million pixels"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def black_png(width: int, height: int) -> bytes:
    """A real, complete PNG of black pixels: its rows compress to almost nothing, so a few
    hundred KB hold tens of millions of pixels."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + 3 * width)  # filter byte, then RGB
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[int, int]]:
    """The size of every image decoded (``load``), wherever it happens."""
    sizes: list[tuple[int, int]] = []
    real = ImageFile.ImageFile.load

    def load(self):
        sizes.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return sizes


@pytest.fixture
def app(make_app, tmp_path):
    return make_app(UPLOAD_FOLDER=str(tmp_path / "uploads"))


@pytest.fixture
def screening(app):
    return submit_screening(app, **NEEDS_PROVIDER_NOTE)


def uploads(app) -> Path:
    return Path(app.config["UPLOAD_FOLDER"])


def limited_details(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "limited"))
        )


def test_a_150_kb_png_of_6300_by_6300_is_refused_before_decoding(app, screening, decoded):
    sid, result_url, patient = screening
    content = black_png(6300, 6300)  # 39.7 million pixels, about 120 MB once decoded
    assert 100_000 < len(content) < 200_000

    response = patient_upload(patient, result_url, content, "scan.png")

    assert response.status_code == 400
    assert PNG_TOO_LARGE in response.text
    assert "Send us the note" in response.text  # the patient's page, saying what was refused
    assert decoded == []  # never decoded
    assert note_rows(app) == []
    assert files_under(uploads(app)) == set()
    assert limited_details(app) == ["note upload: PNG over 16,000,000 pixels"]


def test_a_png_of_16_million_pixels_is_taken_whole(app, screening, decoded):
    _, result_url, patient = screening
    assert patient_upload(patient, result_url, black_png(4000, 4000), "scan.png").status_code == 303
    assert set(decoded) == {(4000, 4000)}


def test_a_50_megapixel_jpeg_is_accepted_and_decoded_reduced(app, screening, decoded):
    _, result_url, patient = screening
    photo = io.BytesIO()
    Image.new("RGB", (8160, 6120), (235, 235, 228)).save(photo, format="JPEG", quality=85)
    assert photo.tell() < notes.MAX_NOTE_BYTES

    response = patient_upload(patient, result_url, photo.getvalue(), "IMG_0001.jpg")

    assert response.status_code == 303
    # Decoded at half its width and height (12.5 million pixels), never whole.
    assert set(decoded) == {(4080, 3060)}
    (row,) = note_rows(app)
    stored = Image.open(uploads(app) / row.stored_name)
    assert (stored.format, stored.size) == ("JPEG", (4080, 3060))
    assert limited_details(app) == []


def test_a_jpeg_over_52_million_pixels_is_refused_before_decoding(app, screening, decoded):
    _, result_url, patient = screening
    response = patient_upload(patient, result_url, jpeg_declaring(9000, 6000), "photo.jpg")
    assert response.status_code == 400
    assert JPEG_TOO_LARGE in response.text
    assert decoded == []
    assert limited_details(app) == [
        "note upload: JPEG over 52,000,000 pixels (decompression-bomb guard)"
    ]


@pytest.mark.parametrize(
    ("content", "filename", "message", "kind"),
    [
        # Over Pillow's guard (Image.MAX_IMAGE_PIXELS, 52 million): its warning is an error.
        (png_declaring(9_000, 9_000), "bomb.png", PNG_TOO_LARGE, "PNG"),
        # Over twice the guard: Pillow's own error.
        (png_declaring(20_000, 20_000), "bomb.png", PNG_TOO_LARGE, "PNG"),
        (jpeg_declaring(30_000, 30_000), "bomb.jpg", JPEG_TOO_LARGE, "JPEG"),
    ],
    ids=["PNG, Pillow's warning", "PNG, Pillow's error", "JPEG, Pillow's error"],
)
def test_a_decompression_bomb_is_refused_undecoded(
    app, screening, decoded, content, filename, message, kind
):
    _, result_url, patient = screening
    response = patient_upload(patient, result_url, content, filename)
    assert response.status_code == 400
    assert message in response.text
    assert decoded == []
    assert note_rows(app) == []
    assert limited_details(app) == [
        f"note upload: {kind} over 52,000,000 pixels (decompression-bomb guard)"
    ]


def test_an_image_is_decoded_with_no_transaction_open(app, screening, monkeypatch):
    _, result_url, patient = screening
    open_then: list[bool] = []
    real = notes._reencode

    def reencode(content, extension):
        open_then.append(db.session().in_transaction())
        return real(content, extension)

    monkeypatch.setattr(notes, "_reencode", reencode)
    assert patient_upload(patient, result_url, black_png(64, 64), "scan.png").status_code == 303
    assert open_then == [False]


def test_the_refusal_reads_in_spanish(app, screening):
    _, result_url, patient = screening
    patient.environ_base["HTTP_ACCEPT_LANGUAGE"] = "es"
    response = patient_upload(patient, result_url, png_declaring(7_000, 7_000), "scan.png")
    assert response.status_code == 400
    assert (
        "La imagen PNG es demasiado grande: en un PNG aceptamos como máximo 16 millones de "
        "píxeles (una foto JPEG puede tener hasta 52 millones)"
    ) in response.text
