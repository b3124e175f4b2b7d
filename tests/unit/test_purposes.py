"""The purposes an office states for taking data out, and the reason text the audit log records."""
import pytest

from portal.domain.errors import DomainError
from portal.domain.purposes import NOTE_MAX, PURPOSES, purpose_reason


def refused(code, note=""):
    with pytest.raises(DomainError) as caught:
        purpose_reason(code, note)
    return caught.value


def test_the_offices_purposes():
    assert list(PURPOSES) == ["siks_ng", "verifikasi", "musyawarah", "laporan", "arsip", "lainnya"]
    assert PURPOSES["siks_ng"] == "Pengiriman ke Kementerian Sosial (SIKS-NG)"


@pytest.mark.parametrize("code", [c for c in PURPOSES if c != "lainnya"])
def test_a_purpose_alone_is_its_label(code):
    assert purpose_reason(code) == PURPOSES[code]
    assert purpose_reason(code, None) == PURPOSES[code]
    assert purpose_reason(f" {code} ", "   ") == PURPOSES[code]


def test_a_note_is_cleaned_and_follows_the_label():
    assert purpose_reason("arsip", "  berkas\trapat \u202eJanuari\x00 ") == "Arsip kantor: berkas rapat Januari"
    assert purpose_reason("verifikasi", "cek") == "Verifikasi dan validasi lapangan: cek"  # short is fine here


def test_lainnya_records_its_note():
    assert purpose_reason("lainnya", "Permintaan  Inspektorat   2026") == "Lainnya: Permintaan Inspektorat 2026"
    assert purpose_reason("lainnya", "x" * NOTE_MAX) == "Lainnya: " + "x" * NOTE_MAX


@pytest.mark.parametrize("note", ["", "   ", None, "pendek", "\u200b" * 20 + "abc", "a b c d e"])
def test_lainnya_needs_a_note_of_ten_characters(note):
    error = refused("lainnya", note)
    assert error.field == "keterangan"
    assert error.message == "Untuk keperluan lainnya, tuliskan keterangan minimal 10 karakter."


@pytest.mark.parametrize("code", ["", None, "   "])
def test_a_purpose_is_required(code):
    error = refused(code, "catatan yang cukup panjang")
    assert (error.field, error.message) == ("keperluan", "Pilih keperluan pengambilan data.")


@pytest.mark.parametrize("code", ["Arsip", "arsip kantor", "<script>", "lain", "siks-ng", "0"])
def test_an_unknown_purpose_is_refused(code):
    error = refused(code, "catatan yang cukup panjang")
    assert error.field == "keperluan" and "Keperluan tidak dikenal" in error.message


@pytest.mark.parametrize("code", ["arsip", "lainnya"])
def test_a_note_longer_than_the_cap_is_refused_not_cut(code):
    error = refused(code, "y" * (NOTE_MAX + 1))
    assert (error.field, error.message) == ("keterangan", "Keterangan paling banyak 200 karakter.")
    assert purpose_reason(code, " " + "y" * NOTE_MAX + "   ").endswith("y" * NOTE_MAX)  # spaces do not count


def test_hostile_text_is_kept_as_text():
    """Escaping is the page's job and formula-proofing the spreadsheet's; the reason keeps what was typed."""
    assert purpose_reason("lainnya", '=HYPERLINK("http://x")') == 'Lainnya: =HYPERLINK("http://x")'
    assert purpose_reason("laporan", "<script>x()</script>") == "Pelaporan dan monitoring: <script>x()</script>"
