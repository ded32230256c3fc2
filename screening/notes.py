"""Clearance-note files: check an upload, store it under a server-made name, read it back.

Only PDF, JPEG and PNG are accepted, recognised by their first bytes, never by their name.
Images are decoded and re-encoded so that no metadata (EXIF with GPS, PNG text) is kept;
PDFs are stored as sent. The uploader's file name is never used to build a path.

An image's size is read from its header before anything is decoded, and no decoded image is
larger than ``MAX_DECODED_PIXELS``: a phone's JPEG photo is decoded reduced (JPEG decodes at
1/2, 1/4 or 1/8 of its size for little more than the cost of the smaller image); a PNG, which
cannot be, is refused above that size.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import secrets
import tempfile
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext
from PIL import Image, ImageOps

from .private_files import private_folder

MAX_NOTE_BYTES = 10 * 1024 * 1024
# A phone's photo of a note: 50-megapixel cameras take 8160 x 6120 or 8192 x 6144 pixels (up to
# 50.3 million); decoded reduced, never whole (``MAX_DECODED_PIXELS``).
MAX_JPEG_PIXELS = 52_000_000
# The most pixels decoded for any upload: 16 million (a 12-megapixel phone photo whole, 64 MB in
# RGBA). A PNG has no reduced decoding, so this is also the largest PNG accepted.
MAX_DECODED_PIXELS = 16_000_000
MAX_PNG_PIXELS = MAX_DECODED_PIXELS

CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}

# Pillow's own guard, in Image.open, from the header: a warning above this and an error above
# twice it. Both refuse the upload (``_open_header``), so no image above the largest we accept
# is ever decoded, whatever our own checks say.
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS

_MEGABYTE = 1024 * 1024
_READ_CHUNK = 64 * 1024
_PDF_EOF_WINDOW = 1024

_SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
_NAME_ENDINGS = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png"}
_EXPECTED_ENDINGS = {"pdf": ".pdf", "jpg": ".jpg or .jpeg", "png": ".png"}
_PNG_MODES = {"1", "L", "LA", "I;16", "I;16B", "RGB", "RGBA"}
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|jpg|png)")


class NoteRejected(ValueError):
    """An upload refused; the message says what is wrong in words for the person uploading
    (in the language of their request, English outside one). ``limit`` names the limit it
    went over, for the audit trail, when it was refused by one (a size, a count)."""

    def __init__(self, message: str, limit: str | None = None):
        super().__init__(message)
        self.message = message
        self.limit = limit


class NoteIntegrityError(Exception):
    """A stored note is missing, altered, or its recorded name is not one the server made."""


@dataclass(frozen=True)
class CheckedFile:
    """An accepted upload: the bytes to store, their type, and the extension to store them
    under (without the dot)."""

    content: bytes
    content_type: str
    extension: str


def check_upload(
    filename: str | None, stream: BinaryIO, declared_size: int | None = None
) -> CheckedFile:
    """Check an uploaded note and return what to store.

    Reads at most ``MAX_NOTE_BYTES + 1`` bytes of ``stream``. ``declared_size``, when the
    client gave one, refuses an announced oversize file before anything is read. The name is
    only compared with the detected type; it is never used for storage.

    Raises ``NoteRejected`` with a message for the uploader.
    """
    if filename is None or not filename.strip():
        raise NoteRejected(gettext("Choose a file to upload"))
    if declared_size is not None and declared_size > MAX_NOTE_BYTES:
        raise NoteRejected(_too_large(declared_size))

    content = _read_limited(stream, MAX_NOTE_BYTES + 1)
    if not content:
        raise NoteRejected(gettext("The file is empty"))
    if len(content) > MAX_NOTE_BYTES:
        raise NoteRejected(_too_large(None))

    extension = _detect(content)
    if extension is None:
        raise NoteRejected(gettext("The file is not a PDF, JPEG or PNG"))
    _check_name(filename, extension)

    if extension == "pdf":
        if b"%%EOF" not in content[-_PDF_EOF_WINDOW:]:
            raise NoteRejected(gettext("The PDF is incomplete or damaged"))
    else:
        content = _reencode(content, extension)
    return CheckedFile(content=content, content_type=CONTENT_TYPES[extension], extension=extension)


def store_note(upload_dir: Path, checked: CheckedFile) -> tuple[str, str]:
    """Write an accepted note under a new server-made name; return that name and the SHA-256
    (hex) of the bytes written.

    The directory is created owner-only if missing; the file is owner-read/write only and
    appears complete or not at all.
    """
    if not upload_dir.is_dir():
        private_folder(upload_dir)
    stored_name = f"{secrets.token_hex(16)}.{checked.extension}"
    # mkstemp creates the file 0o600, so the content is never readable by others, even briefly.
    fd, temp_path = tempfile.mkstemp(dir=upload_dir, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(checked.content)
            temp.flush()
            os.fsync(temp.fileno())
        os.replace(temp_path, upload_dir / stored_name)
    except BaseException:
        Path(temp_path).unlink(missing_ok=True)
        raise
    _sync_directory(upload_dir)
    return stored_name, hashlib.sha256(checked.content).hexdigest()


def read_note(upload_dir: Path, stored_name: str, expected_sha256: str) -> bytes:
    """The bytes of a stored note, after checking they are the ones stored.

    Raises ``NoteIntegrityError`` when the name is not a server-made one, the file is
    missing, or its SHA-256 differs from ``expected_sha256``.
    """
    path = _stored_path(upload_dir, stored_name)
    try:
        content = path.read_bytes()
    except FileNotFoundError as error:
        raise NoteIntegrityError("The stored note is missing") from error
    if hashlib.sha256(content).hexdigest() != (expected_sha256 or "").lower():
        raise NoteIntegrityError("The stored note does not match its recorded checksum")
    return content


def delete_stored(upload_dir: Path, stored_name: str) -> None:
    """Remove a stored note (for example when the database commit that records it fails).

    A missing file is not an error; a name that is not server-made raises
    ``NoteIntegrityError``.
    """
    _stored_path(upload_dir, stored_name).unlink(missing_ok=True)


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    # A stream may return fewer bytes than asked before its end, so read until full or empty.
    buffer = bytearray()
    while len(buffer) < limit:
        chunk = stream.read(min(_READ_CHUNK, limit - len(buffer)))
        if not chunk:
            break
        buffer += chunk[: limit - len(buffer)]
    return bytes(buffer)


def _too_large(size: int | None) -> str:
    limit = MAX_NOTE_BYTES // _MEGABYTE
    if size is None:
        return gettext(
            "The file is over %(limit)d MB: the most we accept is %(limit)d MB", limit=limit
        )
    # Rounded up, so a file just over the limit never reads as "10.0 MB".
    megabytes = math.ceil(size * 10 / _MEGABYTE) / 10
    return gettext(
        "The file is %(size).1f MB: the most we accept is %(limit)d MB", size=megabytes, limit=limit
    )


def _detect(content: bytes) -> str | None:
    for signature, extension in _SIGNATURES:
        if content.startswith(signature):
            return extension
    return None


def _check_name(filename: str, extension: str) -> None:
    # Either separator, whatever the server's OS: only the last part can carry the extension.
    base = re.split(r"[/\\]", filename.strip())[-1]
    given = base.rpartition(".")[2].lower() if "." in base else ""
    if _NAME_ENDINGS.get(given) == extension:
        return
    described = {
        "pdf": gettext("a PDF document"),
        "jpg": gettext("a JPEG image"),
        "png": gettext("a PNG image"),
    }[extension]
    if given in _NAME_ENDINGS:
        raise NoteRejected(
            gettext(
                "The file's name ends in .%(ending)s but it is %(kind)s: "
                "rename it or choose the right file",
                ending=given,
                kind=described,
            )
        )
    # An unknown ending is not echoed back: it is whatever the uploader typed.
    raise NoteRejected(
        gettext(
            "The file is %(kind)s but its name does not end in %(endings)s: "
            "rename it or choose the right file",
            kind=described,
            endings=_EXPECTED_ENDINGS[extension],
        )
    )


def _image_too_large(extension: str, limit: str) -> NoteRejected:
    if extension == "jpg":
        message = gettext(
            "The image is too large: the most we accept is %(count)d million pixels",
            count=MAX_JPEG_PIXELS // 1_000_000,
        )
    else:
        message = gettext(
            "The PNG image is too large: the most we accept in a PNG is %(count)d million "
            "pixels (a JPEG photo may have up to %(jpeg)d million)",
            count=MAX_PNG_PIXELS // 1_000_000,
            jpeg=MAX_JPEG_PIXELS // 1_000_000,
        )
    return NoteRejected(message, limit=limit)


def _open_header(content: bytes, pillow_format: str) -> Image.Image:
    """The image, its header read and nothing decoded (``Image.open`` is lazy); Pillow's
    decompression-bomb warning raised as an error."""
    # The filter is the process's: workers are single-threaded, and a thread that restored it
    # late would leave only this same filter in place.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(BytesIO(content), formats=[pillow_format])


def _reduce(image: Image.Image) -> None:
    """Have a JPEG decode at the largest of 1, 1/2, 1/4 or 1/8 of its size that is at most
    ``MAX_DECODED_PIXELS`` (before ``load``, which then decodes only that)."""
    width, height = image.size
    scale = 1
    while scale < 8 and (width // scale) * (height // scale) > MAX_DECODED_PIXELS:
        scale *= 2
    if scale > 1:
        image.draft("RGB", (width // scale, height // scale))


def _reencode(content: bytes, extension: str) -> bytes:
    pillow_format = "JPEG" if extension == "jpg" else "PNG"
    most = MAX_JPEG_PIXELS if extension == "jpg" else MAX_PNG_PIXELS
    try:
        with _open_header(content, pillow_format) as opened:
            width, height = opened.size
            if width * height > most:
                raise _image_too_large(extension, f"{pillow_format} over {most:,} pixels")
            if extension == "jpg":
                _reduce(opened)
            if opened.width * opened.height > MAX_DECODED_PIXELS:
                raise _image_too_large(extension, "JPEG that cannot be decoded reduced")
            opened.load()
            image = _upright(opened)
            image = _saveable(image, extension)
            # Saving reads ICC profiles, comments and transparency from info: keep none of it.
            image.info = {}
            output = BytesIO()
            if extension == "jpg":
                image.save(output, format="JPEG", quality=92, exif=b"")
            else:
                image.save(output, format="PNG")
    except NoteRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        # The header announces more pixels than any image we accept: never decoded.
        limit = f"{pillow_format} over {MAX_JPEG_PIXELS:,} pixels (decompression-bomb guard)"
        raise _image_too_large(extension, limit) from error
    except Exception as error:
        # A decoder given hostile bytes may raise almost anything; all of it means unreadable.
        raise NoteRejected(gettext("The image could not be read")) from error
    return output.getvalue()


def _upright(image: Image.Image) -> Image.Image:
    # Phone photos are often stored sideways with an EXIF orientation; that tag is about to
    # be dropped, so turn the pixels instead. A damaged EXIF block only costs the rotation.
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image


def _saveable(image: Image.Image, extension: str) -> Image.Image:
    if extension == "jpg":
        return image if image.mode in ("L", "RGB") else image.convert("RGB")
    if "transparency" in image.info or image.mode in ("PA", "La", "RGBa"):
        return image.convert("RGBA")
    if image.mode in _PNG_MODES:
        return image
    return image.convert("RGB")


def _stored_path(upload_dir: Path, stored_name: str) -> Path:
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise NoteIntegrityError("Not the name of a stored note")
    return upload_dir / stored_name


def _sync_directory(directory: Path) -> None:
    # The rename is durable only once the directory entry is on disk (POSIX only).
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
