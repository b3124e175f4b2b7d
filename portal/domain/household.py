"""A household's content as a proposal carries it, and the rules it must pass before it may leave draft.

Content is plain data (the JSON kept in a proposal's draft and snapshot):
  household: no_kk, address, rw
  members:   list of {key, person_id, nik, name, birth_place, birth_date (YYYY-MM-DD), sex, relation,
             marital_status, mother_name, job, warning_reason, leaving}
  conditions: the answers of portal.domain.criteria.Conditions (floor_area_m2 as a string)
  ppks:      list of {member_key, category, action: "tambah" | "hapus"}
  nonaktif:  {reason, note}
"""
import hashlib
import json
import re
import unicodedata
from datetime import date
from decimal import Decimal

from portal.domain.criteria import Conditions
from portal.domain.errors import DomainError
from portal.domain.nik import nik_warnings, parse_kk, parse_nik

SEXES = {"L": "Laki-laki", "P": "Perempuan"}
RELATIONS = {"kepala": "Kepala keluarga", "pasangan": "Istri / suami", "anak": "Anak", "menantu": "Menantu",
             "cucu": "Cucu", "orang_tua": "Orang tua", "mertua": "Mertua", "famili_lain": "Famili lain",
             "lainnya": "Lainnya", "belum_diketahui": "Belum diketahui"}
# What an official extract without a usable relation stores: the RT completes it before any proposal leaves draft.
RELATION_UNKNOWN = "belum_diketahui"
MARITAL = {"belum_kawin": "Belum kawin", "kawin": "Kawin", "cerai_hidup": "Cerai hidup", "cerai_mati": "Cerai mati"}
NONAKTIF_REASONS = {"meninggal": "Meninggal", "pindah": "Pindah", "mampu": "Sudah mampu",
                    "tidak_ditemukan": "Tidak ditemukan", "ganda": "Data ganda"}
# Set by the system, not chosen by an RT: a new household the ministry refused.
STATUS_REASONS = {**NONAKTIF_REASONS, "ditolak_kementerian": "Ditolak Kementerian"}
# A registry household's status: "diusulkan" is a BARU approved by Dinas Sosial, waiting for the ministry.
HOUSEHOLD_STATUSES = {"aktif": "Aktif", "diusulkan": "Diusulkan ke Kementerian", "nonaktif": "Nonaktif"}

# Mandatory per person before a proposal may leave draft (the ministry rejects data without them).
MEMBER_FIELDS = {"name": "nama", "nik": "NIK", "birth_place": "tempat lahir", "birth_date": "tanggal lahir",
                 "sex": "jenis kelamin", "relation": "hubungan keluarga", "marital_status": "status kawin",
                 "mother_name": "nama ibu kandung"}
WARNING_NEEDS_REASON = "ada peringatan yang perlu alasan tertulis."
NAME_MAX = 100
TEXT_MAX = 200
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2066-\u2069]")


def clean_text(value: str | None, max_length: int = TEXT_MAX) -> str:
    """Trim, fold runs of white space, drop control and bidi characters; keep letters of any script and emoji."""
    text = CONTROL_CHARS.sub("", unicodedata.normalize("NFC", value or ""))
    return " ".join(text.split())[:max_length].rstrip()  # a cut may end on a space


def person_key(name: str, birth_date: str, mother_name: str) -> str:
    """What two records of the same person share even under different NIKs (case, spaces, punctuation folded)."""
    fold = lambda s: re.sub(r"[^\w]+", " ", (s or "").casefold()).strip()  # noqa: E731
    return f"{fold(name)}|{birth_date}|{fold(mother_name)}"


def search_name(name: str) -> str:
    """A name folded for search: "Siti Ñurhayati  O'Neil" -> "siti nurhayati o neil" (case, accents, punctuation)."""
    # Casefold after NFKD too: compatibility letters ("𝕊", "Ⅻ") only become ordinary capitals there.
    decomposed = unicodedata.normalize("NFKD", (name or "").casefold()).casefold()
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())[:100].rstrip()


def canonical_json(content: dict) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_sha256(content: dict) -> str:
    """The fingerprint of a frozen snapshot; decisions record it so nobody can change what was decided on."""
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def member_label(index: int, member: dict) -> str:
    return f"Anggota {index + 1}" + (f" ({member['name']})" if member.get("name") else "")


def member_nik_warnings(member: dict, today: date) -> list[str]:
    """NIK disagreements for one member (sex, birth date, region); empty when the NIK itself is invalid."""
    try:
        info = parse_nik(member.get("nik"), today)
    except DomainError:
        return []
    birth = date.fromisoformat(member["birth_date"]) if member.get("birth_date") else None
    return nik_warnings(info, member.get("sex") or None, birth)


def completeness_problems(content: dict, today: date) -> list[str]:
    """Everything that still stops submission, in words a Ketua RT can act on. Empty = may be submitted."""
    problems = []
    household = content.get("household", {})
    try:
        parse_kk(household.get("no_kk"))
    except DomainError as error:
        problems.append(error.message if household.get("no_kk") else "No. KK belum diisi.")
    if not household.get("address"):
        problems.append("Alamat rumah tangga belum diisi.")
    members = [m for m in content.get("members", []) if not m.get("leaving")]
    if not members:
        problems.append("Belum ada anggota rumah tangga.")
    heads = sum(1 for m in members if m.get("relation") == "kepala")
    if members and heads != 1:
        problems.append(f"Harus ada tepat satu kepala keluarga (sekarang {heads}).")
    niks = [m.get("nik") for m in members if m.get("nik")]
    if len(niks) != len(set(niks)):
        problems.append("Ada NIK yang tercatat dua kali di rumah tangga ini.")
    for i, member in enumerate(members):
        label = member_label(i, member)
        missing = [name for key, name in MEMBER_FIELDS.items()
                   if not member.get(key) or member.get(key) == RELATION_UNKNOWN]
        if missing:
            problems.append(f"{label}: {', '.join(missing)} belum diisi.")
        elif (error := _nik_error(member, today)) is not None:
            problems.append(f"{label}: {error}")
        elif member_nik_warnings(member, today) and not member.get("warning_reason"):
            problems.append(f"{label}: {WARNING_NEEDS_REASON}")
    return problems


def _nik_error(member: dict, today: date) -> str | None:
    try:
        parse_nik(member.get("nik"), today)
    except DomainError as error:
        return error.message
    return None


def conditions_from(content: dict) -> Conditions:
    """The criteria answers of a household's content, with members counted from the content."""
    answers = dict(content.get("conditions") or {})
    members = sum(1 for m in content.get("members", []) if not m.get("leaving"))
    if answers.get("floor_area_m2") == "":
        answers["floor_area_m2"] = None  # a blank answer is no answer (Decimal("") would stop the assessment)
    elif answers.get("floor_area_m2") is not None:
        answers["floor_area_m2"] = Decimal(str(answers["floor_area_m2"]))
    known = set(Conditions.__dataclass_fields__)
    return Conditions(members=members, **{k: v for k, v in answers.items() if k in known and k != "members"})
