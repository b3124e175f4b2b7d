"""Rules for uploaded evidence: what a file really is, how big it may be and a name safe to show.

The type comes from the file's first bytes only: the name's extension and the type the browser
sends are chosen by the sender and prove nothing.
"""
import re
import unicodedata

from portal.domain.errors import DomainError
from portal.domain.nik import mask

JPEG, PNG, PDF = "image/jpeg", "image/png", "application/pdf"
ALLOWED_TYPES = {JPEG: "Foto JPG", PNG: "Gambar PNG", PDF: "Dokumen PDF"}
IMAGE_TYPES = frozenset({JPEG, PNG})
EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}
PILLOW_FORMATS = {JPEG: "JPEG", PNG: "PNG"}

_MAGIC = ((b"\xff\xd8\xff", JPEG), (b"\x89PNG\r\n\x1a\n", PNG), (b"%PDF-", PDF))
SNIFF_BYTES = 8  # enough for the longest signature
PDF_TAIL_BYTES = 1024  # %%EOF must appear this near the end (trailing whitespace or junk is common)
# A phone photo is at most ~50 MP; more is a decompression bomb that would eat the server's memory.
MAX_IMAGE_PIXELS = 50_000_000

MAX_NAME = 120
FALLBACK_NAME = "berkas"
_NOT_NAME_CHAR = re.compile(r"[^\w .-]")  # \w: Unicode letters, digits and "_"; drops emoji, controls
_SPACES = re.compile(r"\s+")
_LONG_NUMBER = re.compile(r"\d{10,}")  # a NIK or No. KK in a file name

UNSUPPORTED = "Jenis berkas tidak didukung. Unggah JPG, PNG atau PDF."
EMPTY = "Berkas kosong."
BROKEN_IMAGE = "Berkas gambar rusak atau tidak dapat dibaca."
BROKEN_PDF = "Berkas PDF rusak atau tidak lengkap."
IMAGE_TOO_LARGE = "Resolusi gambar terlalu besar. Perkecil foto lalu unggah lagi."


def too_large_message(max_bytes: int) -> str:
    return f"Ukuran berkas melebihi {max_bytes // (1024 * 1024)} MB."


def sniff(head: bytes) -> str | None:
    """The content type of a file from its first bytes, or None when it is not JPEG, PNG or PDF."""
    return next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)


def check_content(head: bytes, size: int, max_bytes: int) -> str:
    """The file's real type, or DomainError when it is empty, too big or of a type we do not take."""
    if size == 0:
        raise DomainError(EMPTY, field="file")
    if size > max_bytes:
        raise DomainError(too_large_message(max_bytes), field="file")
    content_type = sniff(head)
    if content_type is None:
        raise DomainError(UNSUPPORTED, field="file")
    return content_type


def check_image_size(width: int, height: int) -> None:
    if width * height > MAX_IMAGE_PIXELS:
        raise DomainError(IMAGE_TOO_LARGE, field="file")


def check_pdf_tail(tail: bytes) -> None:
    """A PDF cut off during upload has lost its closing %%EOF marker."""
    if b"%%EOF" not in tail[-PDF_TAIL_BYTES:]:
        raise DomainError(BROKEN_PDF, field="file")


def check_jpeg_tail(tail: bytes) -> None:
    """A JPEG cut off during upload has lost its end-of-image marker (FF D9). Checked by bytes because
    WeasyPrint switches Pillow to accept truncated images for the whole process."""
    if b"\xff\xd9" not in tail[-PDF_TAIL_BYTES:]:
        raise DomainError(BROKEN_IMAGE, field="file")


def safe_display_name(name: str) -> str:
    """The sender's file name, reduced to something harmless to show: no folders, no markup, no control
    characters, at most 120 characters."""
    name = unicodedata.normalize("NFKC", name or "")  # folds look-alikes such as a full-width slash
    name = re.split(r"[/\\]", name)[-1]  # basename, whatever the sender's operating system
    name = _NOT_NAME_CHAR.sub("", name)  # keeps letters, digits, space, "." "-" "_"
    name = _SPACES.sub(" ", name).strip(" .")  # no hidden files, no ".." left over
    name = re.sub(r"(?<![0-9])[0-9]{16}(?![0-9])", lambda m: mask(m.group()), name)  # a NIK/KK in a file name
    return _shorten(name, MAX_NAME) or FALLBACK_NAME


def download_name(display_name: str, content_type: str) -> str:
    """An ASCII name for Content-Disposition: the display name without NIK-like numbers, ending in the
    extension of the real content type."""
    stem = unicodedata.normalize("NFKD", display_name).encode("ascii", "ignore").decode()
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", stem)  # the sender's extension; ours follows the content
    stem = _LONG_NUMBER.sub("", re.sub(r"[^A-Za-z0-9 ._-]", "", stem))  # masked "647401******0001" too
    stem = _SPACES.sub(" ", stem).strip(" ._-") or FALLBACK_NAME
    extension = EXTENSIONS.get(content_type, "")
    return stem[: MAX_NAME - len(extension)].rstrip(" .") + extension


def _shorten(name: str, limit: int) -> str:
    """Cut a long name in its stem so the extension survives."""
    if len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and 0 < len(extension) <= 8:
        return stem[: limit - len(extension) - 1].rstrip(" .") + "." + extension
    return name[:limit].rstrip(" .")
