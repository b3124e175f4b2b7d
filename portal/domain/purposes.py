"""Why an office takes personal data out of the portal (an export, a letter's PDF): the purpose it states.

UU 27/2022 asks that personal data be used for a stated purpose; the audit log keeps that purpose as the
reason of every export and letter download. Pure Python (no Flask, no database).
"""
from portal.domain.errors import DomainError
from portal.domain.household import clean_text

# code -> label; the order is the order of the select.
PURPOSES = {
    "siks_ng": "Pengiriman ke Kementerian Sosial (SIKS-NG)",
    "verifikasi": "Verifikasi dan validasi lapangan",
    "musyawarah": "Bahan musyawarah kelurahan / rapat",
    "laporan": "Pelaporan dan monitoring",
    "arsip": "Arsip kantor",
    "lainnya": "Lainnya (tuliskan)",
}
OTHER = "lainnya"
NOTE_MIN = 10   # "lainnya" must say what it is, like the other typed reasons of the portal
NOTE_MAX = 200


def purpose_reason(code: str | None, note: str | None = "") -> str:
    """The reason the audit log records for (code, note), e.g. "Arsip kantor: berkas rapat Januari".

    The note is cleaned like every typed reason (white space folded, control and bidi characters dropped);
    it is optional except for "lainnya", which records "Lainnya: <note>". DomainError (with the form field)
    for a missing or unknown code, a too short note for "lainnya", or a note longer than NOTE_MAX.
    """
    code = (code or "").strip()
    if not code:
        raise DomainError("Pilih keperluan pengambilan data.", field="keperluan")
    if code not in PURPOSES:
        raise DomainError("Keperluan tidak dikenal. Pilih salah satu keperluan yang tersedia.", field="keperluan")
    text = clean_text(note, max_length=NOTE_MAX + 1)  # one more than allowed: too long is refused, not cut
    if len(text) > NOTE_MAX:
        raise DomainError(f"Keterangan paling banyak {NOTE_MAX} karakter.", field="keterangan")
    if code == OTHER:
        if len(text) < NOTE_MIN:
            raise DomainError(f"Untuk keperluan lainnya, tuliskan keterangan minimal {NOTE_MIN} karakter.",
                              field="keterangan")
        return f"Lainnya: {text}"
    return f"{PURPOSES[code]}: {text}" if text else PURPOSES[code]
