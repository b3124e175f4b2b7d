"""The exact limits of evidence uploads (portal/domain/uploads.py): the pixel cap, how near the end a PDF's or
JPEG's closing marker must be, the size message, and the 120-character names with a NIK masked."""
import pytest

from portal.domain.errors import DomainError
from portal.domain.uploads import (
    BROKEN_IMAGE, BROKEN_PDF, IMAGE_TOO_LARGE, check_content, check_image_size, check_jpeg_tail, check_pdf_tail,
    download_name, safe_display_name, too_large_message,
)

MB = 1024 * 1024


def _refusal(call, *args) -> tuple[str, str]:
    with pytest.raises(DomainError) as caught:
        call(*args)
    return caught.value.message, caught.value.field


def test_image_of_exactly_50_megapixels_passes_one_more_is_refused():
    check_image_size(10_000, 5_000)
    assert _refusal(check_image_size, 10_000, 5_001) == (IMAGE_TOO_LARGE, "file")
    assert _refusal(check_image_size, 50_000_001, 1) == (IMAGE_TOO_LARGE, "file")


@pytest.mark.parametrize("max_bytes, shown", [(5 * MB, "5"), (10 * MB, "10"), (5 * MB + MB - 1, "5"), (MB, "1")])
def test_size_message_in_whole_megabytes(max_bytes, shown):
    assert too_large_message(max_bytes) == f"Ukuran berkas melebihi {shown} MB."


def test_size_limit_boundary_and_message():
    assert check_content(b"\x89PNG\r\n\x1a\n", 2 * MB, 2 * MB) == "image/png"
    assert _refusal(check_content, b"\x89PNG\r\n\x1a\n", 2 * MB + 1, 2 * MB) == ("Ukuran berkas melebihi 2 MB.",
                                                                                  "file")
    assert check_content(b"\xff\xd8\xff\xdb", 1, 2 * MB) == "image/jpeg"


def test_pdf_marker_must_be_within_the_last_1024_bytes():
    check_pdf_tail(b"%%EOF" + b"\n" * 1019)       # marker starts 1024 bytes from the end
    assert _refusal(check_pdf_tail, b"%%EOF" + b"\n" * 1020) == (BROKEN_PDF, "file")


def test_jpeg_must_end_with_its_end_of_image_marker():
    check_jpeg_tail(b"\xff\xd8...\xff\xd9")
    check_jpeg_tail(b"\xff\xd9" + b"\x00" * 1022)
    for tail in (b"\xff\xd8\xff\xe0 cut", b"\xff\xd9" + b"\x00" * 1023, b""):
        assert _refusal(check_jpeg_tail, tail) == (BROKEN_IMAGE, "file")


@pytest.mark.parametrize("name, shown", [
    ("KK 6474011203900001.jpg", "KK 647401******0001.jpg"),
    ("6474011203900001", "647401******0001"),
    ("nomor 64740112039000011.pdf", "nomor 64740112039000011.pdf"),   # 17 digits: not a NIK
    ("a6474011203900001b.pdf", "a647401******0001b.pdf"),
    ("...KK.jpg...", "KK.jpg"),
])
def test_display_name_masks_a_nik_and_trims(name, shown):
    assert safe_display_name(name) == shown


def test_a_long_name_keeps_an_extension_of_up_to_8_characters():
    assert safe_display_name("a" * 200 + ".pdf") == "a" * 116 + ".pdf"
    assert safe_display_name("a" * 200 + ".abcdefgh") == "a" * 111 + ".abcdefgh"
    assert safe_display_name("a" * 200 + ".abcdefghi") == ("a" * 200 + ".abcdefghi")[:120]
    assert safe_display_name("a" * 120) == "a" * 120
    assert safe_display_name("a" * 115 + " " + "b" * 10) == "a" * 115 + " " + "b" * 4
    assert safe_display_name("a" * 114 + " . " + "b" * 10 + ".pdf") == "a" * 114 + ".pdf"


def test_download_name_is_cut_to_120_characters_with_the_real_extension():
    assert download_name("a" * 200 + ".jpg", "image/jpeg") == "a" * 116 + ".jpg"
    assert download_name("a" * 115 + " . b.jpg", "application/pdf") == "a" * 115 + ".pdf"
    assert download_name("scan.jpg", "text/plain") == "scan"
    assert download_name("scan.tar.gz", "application/pdf") == "scan.tar.pdf"
    assert download_name("nomor 123456789 ok.png", "image/png") == "nomor 123456789 ok.png"  # 9 digits stay
    assert download_name("nomor 1234567890 ok.png", "image/png") == "nomor ok.png"
