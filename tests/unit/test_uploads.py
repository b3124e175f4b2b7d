import pytest

from portal.domain.errors import DomainError
from portal.domain.uploads import (
    ALLOWED_TYPES, BROKEN_PDF, EMPTY, IMAGE_TOO_LARGE, UNSUPPORTED, check_content, check_image_size,
    check_pdf_tail, download_name, safe_display_name, sniff,
)

MB = 1024 * 1024


@pytest.mark.parametrize("head, expected", [
    (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    (b"\xff\xd8\xff\xe1\x12\x34Exif", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    (b"%PDF-1.7\n%", "application/pdf"),
])
def test_sniff_recognises_the_three_types(head, expected):
    assert sniff(head) == expected
    assert expected in ALLOWED_TYPES


@pytest.mark.parametrize("head", [
    b"",
    b"MZ\x90\x00\x03\x00\x00\x00",      # Windows executable
    b"\x7fELF\x02\x01\x01\x00",          # Linux executable
    b"GIF89a\x01\x00",                   # an image type we do not take
    b"PK\x03\x04\x14\x00",               # zip / docx
    b"<svg xmlns=",                      # SVG can carry scripts
    b"\xff\xd8",                         # JPEG signature cut short
    b"\x89PNG\r\n\x1a",                  # PNG signature cut short
    b"\x89png\r\n\x1a\n",                # wrong case
    b"%PDF",                             # no dash
    b" %PDF-1.4",                        # not at the start
])
def test_sniff_refuses_anything_else(head):
    assert sniff(head) is None


def test_check_content_rules():
    assert check_content(b"%PDF-1.4", 100, 5 * MB) == "application/pdf"
    assert check_content(b"%PDF-1.4", 5 * MB, 5 * MB) == "application/pdf"  # exactly the limit is fine
    for head, size, message in [(b"", 0, EMPTY), (b"%PDF-1.4", 5 * MB + 1, "Ukuran berkas melebihi 5 MB."),
                                (b"MZ\x90\x00", 10, UNSUPPORTED)]:
        with pytest.raises(DomainError) as caught:
            check_content(head, size, 5 * MB)
        assert (caught.value.message, caught.value.field) == (message, "file")


def test_pdf_must_end_with_eof_marker():
    check_pdf_tail(b"...trailer\n%%EOF\n")
    check_pdf_tail(b"%%EOF" + b"\n" * 500)
    for tail in (b"1 0 obj << >> endobj", b"%%EOF" + b" " * 2000):
        with pytest.raises(DomainError, match=BROKEN_PDF):
            check_pdf_tail(tail)


def test_image_pixel_cap():
    check_image_size(8000, 6000)  # a 48 MP phone photo
    with pytest.raises(DomainError, match=IMAGE_TOO_LARGE):
        check_image_size(30000, 30000)


@pytest.mark.parametrize("name, expected", [
    ("KK Budi.jpg", "KK Budi.jpg"),
    ("foto_rumah-2.png", "foto_rumah-2.png"),
    ("../../etc/passwd", "passwd"),
    ("C:\\x\\y.pdf", "y.pdf"),
    ("..\\..\\boot.ini", "boot.ini"),
    ("uploads／..／secret.pdf", "secret.pdf"),       # full-width slash folds to "/"
    ("<script>.jpg", "script.jpg"),
    ('a"onerror=alert(1).png', "aonerroralert1.png"),
    ("surat\x00.pdf\r\n", "surat.pdf"),
    ("kk\u202egpj.exe", "kkgpj.exe"),                  # right-to-left override trick
    ("rumah 🏠 depan.jpg", "rumah depan.jpg"),
    ("Akta Kematian Pak Ahmad.PDF", "Akta Kematian Pak Ahmad.PDF"),
    ("Kartu Keluarga Élisa.jpg", "Kartu Keluarga Élisa.jpg"),
    (".htaccess", "htaccess"),
    ("..", "berkas"),
    ("🏠🏠.", "berkas"),
    ("", "berkas"),
    (None, "berkas"),
])
def test_safe_display_name(name, expected):
    assert safe_display_name(name) == expected


def test_long_names_are_cut_keeping_the_extension():
    name = safe_display_name("a" * 300 + ".jpeg")
    assert len(name) == 120 and name.endswith("a.jpeg")
    assert len(safe_display_name("b" * 300)) == 120


@pytest.mark.parametrize("display, content_type, expected", [
    ("KK Budi.jpg", "image/jpeg", "KK Budi.jpg"),
    ("scan.pdf", "image/png", "scan.png"),                          # the real type decides the extension
    ("KK 6474011203900001.jpg", "image/jpeg", "KK.jpg"),            # never a NIK / No. KK
    ("6474011203900001.pdf", "application/pdf", "berkas.pdf"),
    ("Kartu Keluarga Élisa.jpeg", "image/jpeg", "Kartu Keluarga Elisa.jpg"),
    ("Rumah; filename=x.exe", "image/png", "Rumah filenamex.png"),
])
def test_download_name_is_ascii_without_nik(display, content_type, expected):
    assert download_name(display, content_type) == expected
