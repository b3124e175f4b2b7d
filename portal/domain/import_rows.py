"""The two files the ministry sends us, column by column: what each column is called, and what a valid value is.

Headers are matched by name (case, spaces and punctuation ignored, common alternative names accepted), so
shuffled and extra columns are fine; a missing required column refuses the file and says which. Each row
is checked on its own; a bad row becomes an error with its row number, column and reason, and never stops
the other rows from being checked.

Extracts as the ministry sends them differ from our sample: `NOMOR KK`, sex as L/P, 1/2 or words, area codes
with or without dots, numbers behind an apostrophe (Excel's "keep as text"), and often no relation column.
Two kinds of finding, therefore:
- an *error* means the row cannot be placed (invalid NIK, unknown kelurahan, unreadable or future birth
  date, ...): a file with any error imports nothing;
- a *warning* is written down and imported: an unknown relation is stored as "belum diketahui" for the RT
  to complete; an RT number not registered yet in a known kelurahan is created on apply.
"""
import re
from dataclasses import dataclass, field
from datetime import date

from portal.domain.errors import DomainError
from portal.domain.household import RELATION_UNKNOWN, RELATIONS, clean_text
from portal.domain.nik import check_birth_date, parse_kk, parse_nik
from portal.domain.tabular_files import FileRefused

MONTHS = {"jan": 1, "januari": 1, "feb": 2, "februari": 2, "mar": 3, "maret": 3, "apr": 4, "april": 4, "mei": 5,
          "jun": 6, "juni": 6, "jul": 7, "juli": 7, "agu": 8, "agt": 8, "agustus": 8, "sep": 9, "september": 9,
          "okt": 10, "oktober": 10, "nov": 11, "november": 11, "des": 12, "desember": 12}
ACCEPTED = ("ditetapkan", "diterima", "setuju", "disetujui", "ya")
REFUSED = ("ditolak", "tolak", "tidak")
# Folded spellings of the sexes and relations seen in extracts. Numbers for relations are left out on purpose:
# SIKS-NG and Dukcapil number them differently, so a bare "3" could be a child or a wife.
SEXES_WRITTEN = {"l": "L", "lk": "L", "laki": "L", "lakilaki": "L", "pria": "L", "1": "L",
                 "p": "P", "pr": "P", "perempuan": "P", "wanita": "P", "2": "P"}
RELATIONS_WRITTEN = {"kepalakeluarga": "kepala", "kepalarumahtangga": "kepala", "krt": "kepala", "kepala": "kepala",
                     "istri": "pasangan", "suami": "pasangan", "istrisuami": "pasangan", "suamiistri": "pasangan",
                     "pasangan": "pasangan", "anak": "anak", "anakkandung": "anak", "anakangkat": "anak",
                     "anaktiri": "anak", "menantu": "menantu", "cucu": "cucu", "orangtua": "orang_tua",
                     "ayah": "orang_tua", "ibu": "orang_tua", "mertua": "mertua", "famililain": "famili_lain",
                     "lainnya": "lainnya", "lain": "lainnya", "pembantu": "lainnya", "pembanturumahtangga": "lainnya"}
# Columns holding numbers or codes: a leading apostrophe (Excel's "keep as text") and quotes are not part of them.
NUMBER_KEYS = ("id_dtks", "id_art", "nik", "no_kk", "rt", "rw", "kelurahan_code", "desil")


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = True


DTKS_COLUMNS = (
    Column("id_dtks", "ID DTKS", ("iddtks", "iddtsen", "idkeluarga", "idrumahtangga", "idruta", "idkel")),
    Column("id_art", "ID ART", ("idart", "idanggota", "idanggotaruta", "idanggotakeluarga", "idindividu")),
    Column("nik", "NIK", ("noktp", "nomornik", "nonik", "nikart", "nomorindukkependudukan")),
    Column("no_kk", "No. KK", ("nokk", "nomorkk", "kk", "nokartukeluarga", "nomorkartukeluarga", "nkk",
                               "nokkart")),
    Column("name", "Nama", ("nama", "namaart", "namalengkap", "namaanggota", "namaanggotakeluarga")),
    Column("birth_place", "Tempat Lahir", ("tempatlahir", "tmplahir", "tmptlahir", "tempatlhr", "tmplhr"),
           required=False),
    Column("birth_date", "Tanggal Lahir", ("tanggallahir", "tgllahir", "tgllhr", "tanggallhr", "tgllahirart"),
           required=False),
    Column("sex", "Jenis Kelamin", ("jeniskelamin", "jk", "kelamin", "jeniskel", "jnskelamin", "jnskel", "lp"),
           required=False),
    Column("mother_name", "Nama Ibu Kandung", ("namaibukandung", "namaibu", "ibukandung", "namaibukandungart",
                                               "nmibukandung", "nmibu"), required=False),
    Column("relation", "Hubungan Keluarga", ("hubungankeluarga", "hubungan", "hubkel", "shdk", "hubkrt",
                                             "hubungandengankepalakeluarga", "hubungandengankepalarumahtangga",
                                             "hubungandengankk", "hubungandengankrt", "statushubungan"),
           required=False),
    Column("address", "Alamat", ("alamat", "alamatlengkap", "alamatrumah", "alamattinggal")),
    Column("rt", "RT", ("rt", "nort", "nomorrt", "rtrw"), required=False),
    Column("rw", "RW", ("rw", "norw", "nomorrw"), required=False),
    Column("kelurahan_code", "Kode Kelurahan", ("kodekelurahan", "kodedesa", "kodedesakelurahan", "kdkel",
                                                "kodekelurahandesa", "kodekel", "kddesa", "kdkelurahan",
                                                "kodewilayah", "kodewilayahdesa", "idkelurahan", "iddesa")),
    Column("desil", "Desil", ("desil", "desilnasional", "peringkatdesil", "desilkesejahteraan")),
    Column("desil_period", "Periode Desil", ("periodedesil", "periode", "periodedata", "periodedtsen")),
    Column("status", "Status", ("status", "statuskeberadaan", "keberadaan", "statusart"), required=False),
)
OUTCOME_COLUMNS = (
    Column("nik", "NIK", ("noktp", "nomornik", "nonik", "nikart", "nomorindukkependudukan")),
    Column("proposal_id", "No. Usulan", ("nousulan", "idusulan", "nomorusulan"), required=False),
    Column("result", "Hasil", ("hasil", "keputusan", "hasilusulan", "statususulan")),
    Column("reason", "Alasan", ("alasan", "alasanpenolakan", "catatan"), required=False),
)
NEW_PERSON_FIELDS = ("birth_place", "birth_date", "sex", "mother_name", "relation")


@dataclass(frozen=True)
class RowError:
    row: int        # as the user sees it in the file: the header is row 1
    column: str     # the column label, or "" for the whole row
    reason: str


@dataclass
class ParsedRow:
    row: int
    values: dict = field(default_factory=dict)
    warnings: list[RowError] = field(default_factory=list)  # kept only if the row adds a new person


def fold(header: str) -> str:
    return re.sub(r"[^0-9a-z]", "", (header or "").casefold())


def match_header(header: list[str], columns: tuple[Column, ...]) -> dict[str, int]:
    """Column key -> index in the file. Refuses the file, naming every missing required column."""
    folded = [fold(h) for h in header]
    found: dict[str, int] = {}
    for column in columns:
        names = (fold(column.label), *column.aliases)
        index = next((i for name in names for i, h in enumerate(folded) if h == name and i not in found.values()),
                     None)
        if index is not None:
            found[column.key] = index
    missing = [c.label for c in columns if c.required and c.key not in found]
    if missing:
        raise FileRefused("Kolom wajib tidak ditemukan: " + ", ".join(missing) + ". Periksa judul kolom di baris "
                          "pertama (urutan kolom bebas, kolom lain diabaikan).")
    return found


def parse_date(text: str) -> date:
    """2026-11-27, 27-11-2026, 27/11/2026, 27.11.2026, 27 November 2026, 27 Nov 2026; nothing ambiguous.
    A midnight time after the date (how databases export a date: "1968-03-30 00:00:00") is ignored."""
    text = re.sub(r"[ T]00:00(:00(\.0+)?)?$", "", " ".join(text.split()))
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})", text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if (m := re.fullmatch(r"(\d{1,2}) ([A-Za-z]+) (\d{4})", text)) and m[2].casefold() in MONTHS:
            return date(int(m[3]), MONTHS[m[2].casefold()], int(m[1]))
    except ValueError:
        pass
    raise DomainError("tanggal tidak dikenali; gunakan format 31-12-1990 atau 1990-12-31")


def birth_date(text: str, today: date) -> date:
    """A readable date that passes the one birth-date rule of every entry point (nik.check_birth_date)."""
    return check_birth_date(parse_date(text), today)


def _sex(text: str) -> str:
    value = SEXES_WRITTEN.get(fold(text))
    if value is None:
        raise DomainError("isi L atau P (atau 1/2, Laki-laki/Perempuan)")
    return value


def relation_of(text: str) -> str | None:
    """The relation key for what an extract wrote, or None when it cannot be told."""
    value = _RELATION_KEYS.get(fold(text))
    return None if value == RELATION_UNKNOWN else value


_RELATION_KEYS = ({fold(label): key for key, label in RELATIONS.items()} | {fold(k): k for k in RELATIONS}
                  | RELATIONS_WRITTEN)


def relation_warning(row_number: int, text: str, has_column: bool) -> RowError:
    if not has_column:
        problem = "kolom tidak ada di berkas"
    elif not text:
        problem = "kosong"
    elif fold(text) == fold(RELATIONS[RELATION_UNKNOWN]):
        problem = "masih belum diketahui"
    else:
        problem = f"“{clean_text(text, 40)}” tidak dikenali"
    return RowError(row_number, "Hubungan Keluarga",
                    f"{problem}; dicatat “{RELATIONS[RELATION_UNKNOWN]}”, dilengkapi oleh RT")


def new_rt_warning(row_number: int, number: int, kelurahan_name: str, people: int) -> RowError:
    return RowError(row_number, "RT", f"RT {number:03d} belum terdaftar di Kelurahan {kelurahan_name}; "
                                      f"dibuat saat diterapkan ({people} warga baru)")


def number_text(text: str) -> str:
    """A number behind Excel's text markers (a leading apostrophe, quotes) -> the number alone."""
    return text.strip().lstrip("'’`").strip('"').strip()


def _desil(text: str) -> int:
    digits = re.sub(r"(?i)^desil\s*", "", text.strip())
    if not (digits.isascii() and digits.isdigit() and 1 <= int(digits) <= 10):
        raise DomainError("desil harus angka 1 sampai 10")
    return int(digits)


def kelurahan_key(text: str) -> str:
    """"64.74.01.1006" and "6474011006" name the same kelurahan; an extract giving the name instead of the
    code ("Api-Api") is matched by the folded name."""
    return re.sub(r"\D", "", text) or re.sub(r"^(kelurahan|desa)", "", fold(text))


def split_rt_rw(text: str) -> tuple[str, str]:
    """"RT 001", "001" -> ("001", ""); a combined "001/002" (RT/RW) -> ("001", "002")."""
    text = re.sub(r"(?i)^rt\.?\s*", "", text.strip())
    rt, _, rw = text.partition("/")
    return rt.strip(), rw.strip()


def _rt_number(text: str) -> int:
    digits = split_rt_rw(text)[0].lstrip("0") or "0"
    if not (digits.isascii() and digits.isdigit() and 1 <= int(digits) <= 999):
        raise DomainError("nomor RT harus angka 1 sampai 999")
    return int(digits)


def _cell(raw: list[str], index: int | None) -> str:
    return raw[index].strip() if index is not None and index < len(raw) else ""


def parse_dtks_row(row_number: int, raw: list[str], columns: dict[str, int], today: date
                   ) -> tuple[ParsedRow | None, list[RowError]]:
    labels = {c.key: c.label for c in DTKS_COLUMNS}
    values, errors = {}, []

    def check(key: str, convert) -> None:
        text = _cell(raw, columns.get(key))
        if key in NUMBER_KEYS:
            text = number_text(text)
        if not text:
            if next(c for c in DTKS_COLUMNS if c.key == key).required:
                errors.append(RowError(row_number, labels[key], "wajib diisi"))
            return
        try:
            values[key] = convert(text)
        except DomainError as error:
            errors.append(RowError(row_number, labels[key], error.message))

    check("id_dtks", lambda t: clean_text(t, 40))
    check("id_art", lambda t: clean_text(t, 40))
    check("nik", lambda t: parse_nik(t, today).nik)
    check("no_kk", parse_kk)
    check("name", lambda t: clean_text(t, 100))
    check("birth_place", lambda t: clean_text(t, 100))
    check("birth_date", lambda t: birth_date(t, today))
    check("sex", _sex)
    check("mother_name", lambda t: clean_text(t, 100))
    relation_text = _cell(raw, columns.get("relation"))
    values["relation"] = relation_of(relation_text) if relation_text else None
    check("address", lambda t: clean_text(t, 200))
    check("rt", _rt_number)
    check("rw", lambda t: clean_text(t, 3))
    if "rw" not in values and (combined := split_rt_rw(_cell(raw, columns.get("rt")))[1]):
        values["rw"] = clean_text(combined, 3)  # one "RT/RW" column: 001/002
    check("kelurahan_code", kelurahan_key)
    check("desil", _desil)
    check("desil_period", lambda t: clean_text(t, 20))
    check("status", lambda t: clean_text(t, 20).casefold())
    if errors:
        return None, errors
    warnings = []
    if values["relation"] is None:
        values["relation"] = RELATION_UNKNOWN
        warnings.append(relation_warning(row_number, relation_text, "relation" in columns))
    return ParsedRow(row_number, values, warnings), []


def parse_outcome_row(row_number: int, raw: list[str], columns: dict[str, int], today: date
                      ) -> tuple[ParsedRow | None, list[RowError]]:
    labels = {c.key: c.label for c in OUTCOME_COLUMNS}
    values, errors = {}, []
    nik_text = number_text(_cell(raw, columns.get("nik")))
    try:
        values["nik"] = parse_nik(nik_text, today).nik
    except DomainError as error:
        errors.append(RowError(row_number, labels["nik"], "wajib diisi" if not nik_text else error.message))
    proposal = _cell(raw, columns.get("proposal_id")).lstrip("#")
    if proposal:
        if proposal.isascii() and proposal.isdigit() and len(proposal) < 10:
            values["proposal_id"] = int(proposal)
        else:
            errors.append(RowError(row_number, labels["proposal_id"], "nomor usulan harus angka"))
    result = fold(_cell(raw, columns.get("result")))
    if result in ACCEPTED:
        values["accepted"] = True
    elif result in REFUSED:
        values["accepted"] = False
    else:
        errors.append(RowError(row_number, labels["result"], "isi Ditetapkan atau Ditolak"))
    values["reason"] = clean_text(_cell(raw, columns.get("reason")), 500)
    if values.get("accepted") is False and len(values["reason"]) < 10:
        errors.append(RowError(row_number, labels["reason"], "alasan penolakan wajib diisi (minimal 10 karakter)"))
    return (None if errors else ParsedRow(row_number, values)), errors


FORMATS = {
    "dtks": ("Data DTKS/DTSEN resmi", DTKS_COLUMNS, parse_dtks_row),
    "hasil": ("Hasil usulan dari Kementerian", OUTCOME_COLUMNS, parse_outcome_row),
}
