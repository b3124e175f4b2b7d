"""Who receives a person's full NIK and No. KK: the one rule for every page, letter, export and file (UU 27/2022).

A reader receives a full number only for a person inside the reader's own area (area codes are hierarchical:
the same code or one below it, `areas.is_within`), and only in a role whose work needs it; everyone else gets the
masked form (`nik.mask`). How a full number is asked for stays with each channel and is always audited: Dinas
Sosial states a reason to export or reveal full numbers, every letter download states its purpose.

An issued letter lists people of its issuing office's area only. It therefore goes out as stored to a reader
whose area holds the whole issuing area; a reader above or beside the issuer (an RT reading its kelurahan's
Berita Acara) gets a reader's copy in which only the rows of its own area are shown in full.
"""
from portal.domain.areas import is_within, rt_code
from portal.domain.nik import mask
from portal.domain.roles import Role

# The registry's roles work with the people of their own area; the admin (accounts, areas, letterheads) does not.
FULL_NUMBER_ROLES = frozenset({Role.RT, Role.KELURAHAN, Role.KECAMATAN, Role.DINSOS})
# Who may ask for the full numbers of a whole list (an export), with a stated reason.
REVEAL_ON_REQUEST_ROLES = frozenset({Role.DINSOS})
# Shown in a reader's copy instead of what, beside the name, identifies a person of another area.
HIDDEN = "(disamarkan)"
PRIVATE_FIELDS = ("birth_date", "mother_name")
NUMBER_FIELDS = ("nik", "no_kk")


def shows_full_number(reader_role: str, reader_area: str, person_area: str | None) -> bool:
    """True when this reader may receive the full NIK/No. KK of a person of `person_area` (None: unknown)."""
    return reader_role in FULL_NUMBER_ROLES and bool(person_area) and is_within(person_area, reader_area)


def may_reveal_on_request(reader_role: str) -> bool:
    """Whether the role may ask, with a reason, for a list (an export) with full numbers of its area."""
    return reader_role in REVEAL_ON_REQUEST_ROLES


def gets_stored_letter(reader_role: str, reader_area: str, issuer_area: str) -> bool:
    """True when the stored letter may go to this reader as it is: every person in it is the reader's to see."""
    return shows_full_number(reader_role, reader_area, issuer_area)


def bnba_row_area(row: dict) -> str | None:
    """The RT code of a BNBA row (its kelurahan code and RT number); None when the row does not say."""
    kelurahan, rt = row.get("kelurahan_code"), str(row.get("rt") or "")
    if not kelurahan or not (rt.isascii() and rt.isdigit()):
        return None
    return rt_code(kelurahan, int(rt))


def row_for_reader(row: dict, reader_role: str, reader_area: str) -> dict:
    """A BNBA row as this reader may see it: as it is inside the reader's area; otherwise numbers masked and
    birth date and mother's name hidden (with the name they identify the person)."""
    if shows_full_number(reader_role, reader_area, bnba_row_area(row)):
        return row
    return (row | {key: mask(row.get(key)) for key in NUMBER_FIELDS if key in row}
            | {key: HIDDEN for key in PRIVATE_FIELDS if key in row})


def letter_for_reader(data: dict, reader_role: str, reader_area: str) -> dict:
    """A letter's stored data as a reader's copy shows it: the summary as it is, BNBA rows per `row_for_reader`,
    a named person (Surat Keterangan, no area recorded) masked, and no verification link (the copy is not the
    verified letter)."""
    copy = {key: value for key, value in data.items() if key != "verify_url"}
    if "rows" in data:
        copy["rows"] = [row_for_reader(row, reader_role, reader_area) for row in data["rows"]]
    if isinstance(data.get("person"), dict):
        person = data["person"]
        copy["person"] = person | {"nik": mask(person.get("nik")), "birth_date": ""}
    return copy
