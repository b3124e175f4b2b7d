"""What a letter download hands to its reader: the stored original, or a reader's copy.

The stored, hashed PDF is the verified letter and is never changed. A reader above or beside the issuing office
(an RT reading its kelurahan's Berita Acara), or in a role that needs no full numbers, gets a separate rendering of
the letter's stored data (`portal.domain.disclosure`): the summary and its own area's rows, every other row masked,
no QR code or verification link, and a notice on every page that it is not the verified letter.
"""
from dataclasses import dataclass

from portal.domain import disclosure
from portal.domain.letters import KINDS
from portal.models import Letter, User
from portal.services import letters, pdf

NOTICE = "SALINAN UNTUK PEMBACA — bukan dokumen asli yang terverifikasi; data di luar wilayah Anda disamarkan"
NOTICE_NO_NUMBERS = "SALINAN UNTUK PEMBACA — bukan dokumen asli yang terverifikasi; NIK dan data pribadi disamarkan"


@dataclass(frozen=True)
class Download:
    pdf: bytes
    file_name: str
    reader_copy: bool


def gets_copy(letter: Letter, reader: User) -> bool:
    """True when this reader receives a reader's copy instead of the stored letter."""
    return not disclosure.gets_stored_letter(reader.role, reader.area.code, letter.office.area.code)


def for_reader(letter: Letter, reader: User) -> Download:
    """The PDF this reader receives for `letter`, and its file name (no NIK in it, ever)."""
    name = f"{letter.kind}-{letter.number}".replace("/", "-").replace(" ", "")
    if not gets_copy(letter, reader):
        return Download(bytes(letter.pdf), f"{name}.pdf", reader_copy=False)
    return Download(reader_copy(letter, reader), f"salinan-{name}.pdf", reader_copy=True)


def reader_copy(letter: Letter, reader: User) -> bytes:
    data = disclosure.letter_for_reader(letter.data, reader.role, reader.area.code)
    notice = NOTICE if reader.role in disclosure.FULL_NUMBER_ROLES else NOTICE_NO_NUMBERS
    context = letters.pdf_context(data, qr=None) | {"reader_copy": notice}
    label = KINDS.get(letter.kind, letter.kind)
    return pdf.render_pdf(f"letters/{letter.kind}.html", context, title=f"Salinan pembaca {label} {letter.number}",
                          author=(data.get("office") or {}).get("name", ""), subject=letter.subject,
                          keywords=[letter.number, "salinan pembaca"])
