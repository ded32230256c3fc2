"""Clearance-note files: what is accepted, what is refused, and how stored files are kept."""

from __future__ import annotations

import hashlib
import io
import re
import stat
import struct
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, PngImagePlugin

from screening.notes import (
    CONTENT_TYPES,
    MAX_NOTE_BYTES,
    CheckedFile,
    NoteIntegrityError,
    NoteRejected,
    check_upload,
    delete_stored,
    read_note,
    store_note,
)

MB = 1024 * 1024
STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|jpg|png)")

PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
    b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj\n"
    b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n"
    b"0000000058 00000 n \n0000000115 00000 n \n"
    b"trailer << /Size 4 /Root 1 0 R >>\nstartxref\n186\n%%EOF\n"
)


def _jpeg_with_gps(size: tuple[int, int] = (40, 30), orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = image.getexif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (51.0, 30.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "W"
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 7.0, 39.0)
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def _png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Jane Patient")
    info.add_itxt("Comment", "Home address: 1 Secret Lane")
    output = io.BytesIO()
    Image.new("RGB", (20, 10), (0, 90, 200)).save(output, format="PNG", pnginfo=info)
    return output.getvalue()


def _png(mode: str = "RGB", **save) -> bytes:
    output = io.BytesIO()
    Image.new(mode, (12, 12)).save(output, format="PNG", **save)
    return output.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that only announces its size: enough for the size checks made before decoding."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


class GuardedStream:
    """A large upload that fails the test if more than the limit (plus slack) is read."""

    def __init__(self, size: int, head: bytes = b"%PDF-1.4\n", slack: int = 1024):
        self.size = size
        self.head = head
        self.allowed = MAX_NOTE_BYTES + 1 + slack
        self.position = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            raise AssertionError("the whole stream was asked for")
        end = min(self.position + n, self.size)
        if end > self.allowed:
            raise AssertionError(f"read up to byte {end}, beyond the limit")
        data = bytes(end - self.position)
        if self.position < len(self.head):
            data = self.head[self.position : end] + data[len(self.head) - self.position :]
        self.position = end
        return data


def _upload(upload_dir: Path, filename: str | None, content: bytes) -> tuple[str, str]:
    return store_note(upload_dir, check_upload(filename, io.BytesIO(content)))


def _rejected(tmp_path: Path, filename: str | None, content: bytes) -> str:
    """Upload as the app would; assert it is refused and nothing at all is written."""
    before = set(tmp_path.rglob("*"))
    upload_dir = tmp_path / "notes"
    with pytest.raises(NoteRejected) as caught:
        _upload(upload_dir, filename, content)
    assert not upload_dir.exists()
    assert set(tmp_path.rglob("*")) == before
    assert str(caught.value) == caught.value.message
    return caught.value.message


def _open(content: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(content))
    image.load()
    return image


# What is accepted


def test_a_pdf_is_stored_as_sent(tmp_path):
    upload_dir = tmp_path / "notes"
    checked = check_upload("Clearance Note.PDF", io.BytesIO(PDF), declared_size=len(PDF))
    assert checked == CheckedFile(content=PDF, content_type="application/pdf", extension="pdf")

    stored_name, sha256 = store_note(upload_dir, checked)

    assert STORED_NAME.fullmatch(stored_name) and stored_name.endswith(".pdf")
    assert (upload_dir / stored_name).read_bytes() == PDF
    assert sha256 == hashlib.sha256(PDF).hexdigest()
    assert [path.name for path in upload_dir.iterdir()] == [stored_name]


def test_a_jpeg_loses_its_exif_and_gps(tmp_path):
    original = _jpeg_with_gps()
    assert _open(original).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the attack is real

    checked = check_upload("photo.jpeg", io.BytesIO(original))
    stored_name, _ = store_note(tmp_path / "notes", checked)

    stored = (tmp_path / "notes" / stored_name).read_bytes()
    assert checked.content_type == "image/jpeg" and stored_name.endswith(".jpg")
    image = _open(stored)
    assert image.format == "JPEG" and image.size == (40, 30)
    assert "exif" not in image.info
    assert not image.getexif()
    assert b"Exif" not in stored and b"PhoneMaker" not in stored


def test_a_sideways_phone_photo_is_turned_upright_before_its_exif_is_dropped():
    checked = check_upload("photo.JPG", io.BytesIO(_jpeg_with_gps((40, 30), orientation=6)))
    assert _open(checked.content).size == (30, 40)


def test_a_png_loses_its_text_chunks(tmp_path):
    original = _png_with_text()
    assert _open(original).info["Author"] == "Jane Patient"

    checked = check_upload("scan.png", io.BytesIO(original))
    stored_name, _ = store_note(tmp_path / "notes", checked)

    stored = (tmp_path / "notes" / stored_name).read_bytes()
    assert checked.content_type == "image/png" and stored_name.endswith(".png")
    image = _open(stored)
    assert image.format == "PNG" and image.size == (20, 10)
    assert "Author" not in image.info and "Comment" not in image.info
    assert b"tEXt" not in stored and b"iTXt" not in stored and b"zTXt" not in stored
    assert b"Jane" not in stored and b"Secret" not in stored


@pytest.mark.parametrize(
    ("original", "extension", "mode"),
    [
        (lambda: _save(Image.new("CMYK", (8, 8)), "JPEG"), "jpg", "RGB"),
        (lambda: _save(Image.new("L", (8, 8)), "JPEG"), "jpg", "L"),
        (lambda: _png("P", transparency=0), "png", "RGBA"),
        (lambda: _png("P"), "png", "RGB"),
        (lambda: _png("LA"), "png", "LA"),
        (lambda: _png("1"), "png", "1"),
        (lambda: _png("I;16"), "png", "I;16"),
    ],
)
def test_images_of_any_mode_are_saved_in_a_mode_that_keeps_them(original, extension, mode):
    checked = check_upload(f"note.{extension}", io.BytesIO(original()))
    assert checked.extension == extension
    assert _open(checked.content).mode == mode


def _save(image: Image.Image, pillow_format: str) -> bytes:
    output = io.BytesIO()
    image.save(output, format=pillow_format)
    return output.getvalue()


def test_a_file_of_exactly_the_limit_is_accepted():
    content = PDF[:-6] + b" " * (MAX_NOTE_BYTES - len(PDF)) + b"%%EOF\n"
    assert len(content) == MAX_NOTE_BYTES
    assert check_upload("big.pdf", io.BytesIO(content)).content == content


def test_a_stream_returning_short_reads_is_read_to_the_end():
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes):
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            chunk, self.data = self.data[:7], self.data[7:]
            return chunk

    assert check_upload("note.pdf", Trickle(PDF)).content == PDF


# What is refused


def test_a_png_named_pdf_is_refused(tmp_path):
    assert _rejected(tmp_path, "note.pdf", _png()) == (
        "The file's name ends in .pdf but it is a PNG image: rename it or choose the right file"
    )


def test_a_pdf_named_jpeg_is_refused(tmp_path):
    assert _rejected(tmp_path, "note.jpeg", PDF) == (
        "The file's name ends in .jpeg but it is a PDF document: rename it or choose the right file"
    )


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("note.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("note.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("note.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'),
        ("note.pdf", b"#!/bin/sh\nrm -rf /\n"),
        ("note.pdf", b" %PDF-1.4\n%%EOF\n"),
        ("note.jpg", b"GIF89a\x01\x00\x01\x00"),
    ],
)
def test_anything_but_pdf_jpeg_or_png_is_refused_whatever_its_name(tmp_path, filename, content):
    assert _rejected(tmp_path, filename, content) == "The file is not a PDF, JPEG or PNG"


def test_an_unknown_or_missing_extension_is_refused_without_echoing_it(tmp_path):
    message = _rejected(tmp_path, "note.<b>exe</b>", PDF)
    assert message == (
        "The file is a PDF document but its name does not end in .pdf: "
        "rename it or choose the right file"
    )
    assert "exe" not in message
    assert _rejected(tmp_path, "note", _jpeg_with_gps()) == (
        "The file is a JPEG image but its name does not end in .jpg or .jpeg: "
        "rename it or choose the right file"
    )
    assert "does not end in .png" in _rejected(tmp_path, "png", _png())
    assert "does not end in .png" in _rejected(tmp_path, "note.png.", _png())


def test_an_oversize_stream_is_refused_without_being_read_entirely(tmp_path):
    stream = GuardedStream(11 * MB)
    with pytest.raises(NoteRejected, match="^The file is over 10 MB: the most we accept is 10 MB$"):
        store_note(tmp_path / "notes", check_upload("note.pdf", stream))
    assert stream.position <= MAX_NOTE_BYTES + 1
    assert not (tmp_path / "notes").exists()


def test_a_declared_oversize_is_refused_before_reading(tmp_path):
    stream = GuardedStream(11 * MB)
    with pytest.raises(NoteRejected) as caught:
        check_upload("note.pdf", stream, declared_size=11 * MB)
    assert caught.value.message == "The file is 11.0 MB: the most we accept is 10 MB"
    assert stream.position == 0


def test_one_byte_over_the_limit_is_refused_and_never_reads_as_the_limit(tmp_path):
    content = b"%PDF-1.4\n" + bytes(MAX_NOTE_BYTES - 9) + b"\n"
    assert "over 10 MB" in _rejected(tmp_path, "note.pdf", content)
    with pytest.raises(NoteRejected, match="^The file is 10.1 MB"):
        check_upload("note.pdf", io.BytesIO(b""), declared_size=MAX_NOTE_BYTES + 1)


def test_an_empty_file_is_refused(tmp_path):
    assert _rejected(tmp_path, "note.pdf", b"") == "The file is empty"


@pytest.mark.parametrize("filename", [None, "", "   "])
def test_no_file_name_is_refused(tmp_path, filename):
    assert _rejected(tmp_path, filename, PDF) == "Choose a file to upload"
    assert _rejected(tmp_path, filename, b"") == "Choose a file to upload"


def test_a_path_with_a_wrong_extension_is_refused(tmp_path):
    assert "does not end in .pdf" in _rejected(tmp_path, "../../x.db", PDF)
    assert "does not end in .png" in _rejected(tmp_path, "../../x.png/../x.db", _png())


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("..\\..\\x.png", _png()),
        ("../../x.pdf", PDF),
        ("/etc/cron.d/x.jpg", _jpeg_with_gps()),
        ("notes/../../../x.jpeg", _jpeg_with_gps()),
    ],
)
def test_a_path_in_the_name_is_never_used_for_storage(tmp_path, filename, content):
    root = tmp_path / "root"
    upload_dir = root / "a" / "b" / "notes"

    stored_name, _ = _upload(upload_dir, filename, content)

    assert STORED_NAME.fullmatch(stored_name)
    files = [path for path in root.rglob("*") if path.is_file()]
    assert files == [upload_dir / stored_name]
    assert not any(path.name.startswith("x.") for path in tmp_path.rglob("*"))


def test_a_truncated_pdf_is_refused(tmp_path):
    assert _rejected(tmp_path, "note.pdf", PDF[: len(PDF) // 2]) == (
        "The PDF is incomplete or damaged"
    )
    # The end marker must be near the end, not anywhere in the file.
    padded = PDF + b"0" * 2048
    assert _rejected(tmp_path, "note.pdf", padded) == "The PDF is incomplete or damaged"


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("note.png", _png_with_text()[:60]),
        ("note.jpg", _jpeg_with_gps()[:200]),
        ("note.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"),
        ("note.jpg", b"\xff\xd8\xff<html><script>alert(1)</script></html>"),
    ],
)
def test_a_damaged_or_disguised_image_is_refused(tmp_path, filename, content):
    assert _rejected(tmp_path, filename, content) == "The image could not be read"


PNG_TOO_LARGE = (
    "The PNG image is too large: the most we accept in a PNG is 16 million pixels (a JPEG photo "
    "may have up to 52 million)"
)


# Pillow warns above 52 million pixels (Image.MAX_IMAGE_PIXELS) and refuses above twice that.
@pytest.mark.parametrize(
    ("size", "raised"),
    [
        ((10_000, 10_000), Image.DecompressionBombWarning),
        ((20_000, 20_000), Image.DecompressionBombError),
    ],
    ids=["Pillow's warning", "Pillow's error"],
)
def test_a_decompression_bomb_is_refused(tmp_path, size, raised):
    with pytest.raises(NoteRejected) as caught:
        check_upload("bomb.png", io.BytesIO(_png_header(*size)))
    assert caught.value.message == PNG_TOO_LARGE
    assert caught.value.limit == "PNG over 52,000,000 pixels (decompression-bomb guard)"
    assert isinstance(caught.value.__cause__, raised)


def test_an_image_over_the_pixel_limit_is_refused_before_decoding(tmp_path):
    message = _rejected(tmp_path, "huge.png", _png_header(7_000, 7_000))
    assert message == PNG_TOO_LARGE


# Stored files


def test_stored_files_and_their_directory_are_private(tmp_path):
    upload_dir = tmp_path / "deep" / "notes"
    stored_name, _ = _upload(upload_dir, "note.pdf", PDF)

    assert stat.S_IMODE(upload_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((upload_dir / stored_name).stat().st_mode) == 0o600
    assert [path.name for path in upload_dir.iterdir()] == [stored_name]  # no temp file left


def test_each_stored_file_gets_a_new_name(tmp_path):
    first, _ = _upload(tmp_path, "note.pdf", PDF)
    second, _ = _upload(tmp_path, "note.pdf", PDF)
    assert first != second
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted([first, second])


def test_read_note_returns_what_was_stored(tmp_path):
    checked = check_upload("scan.png", io.BytesIO(_png_with_text()))
    stored_name, sha256 = store_note(tmp_path, checked)

    assert read_note(tmp_path, stored_name, sha256) == checked.content
    assert read_note(tmp_path, stored_name, sha256.upper()) == checked.content
    assert CONTENT_TYPES[stored_name.rsplit(".", 1)[1]] == checked.content_type


def test_read_note_refuses_a_tampered_file(tmp_path):
    stored_name, sha256 = _upload(tmp_path, "note.pdf", PDF)
    (tmp_path / stored_name).write_bytes(PDF.replace(b"612", b"999"))

    with pytest.raises(NoteIntegrityError):
        read_note(tmp_path, stored_name, sha256)


def test_read_note_refuses_a_missing_file(tmp_path):
    stored_name, sha256 = _upload(tmp_path, "note.pdf", PDF)
    (tmp_path / stored_name).unlink()

    with pytest.raises(NoteIntegrityError):
        read_note(tmp_path, stored_name, sha256)


@pytest.mark.parametrize(
    "stored_name",
    [
        "../x.pdf",
        "..\\x.pdf",
        "/etc/passwd",
        "0" * 32 + ".PDF",
        "A" * 32 + ".pdf",
        "0" * 32 + ".pdf\n",
        "0" * 32 + ".pdf/../../x.pdf",
        "0" * 31 + ".pdf",
        "0" * 32 + ".svg",
        "",
    ],
)
def test_only_server_made_names_are_read_or_deleted(tmp_path, stored_name):
    upload_dir = tmp_path / "notes"
    upload_dir.mkdir()
    outside = tmp_path / "x.pdf"
    outside.write_bytes(PDF)

    with pytest.raises(NoteIntegrityError):
        read_note(upload_dir, stored_name, hashlib.sha256(PDF).hexdigest())
    with pytest.raises(NoteIntegrityError):
        delete_stored(upload_dir, stored_name)
    assert outside.read_bytes() == PDF


def test_delete_stored_removes_the_file_and_ignores_a_missing_one(tmp_path):
    stored_name, _ = _upload(tmp_path, "note.pdf", PDF)

    delete_stored(tmp_path, stored_name)
    assert not (tmp_path / stored_name).exists()
    delete_stored(tmp_path, stored_name)
