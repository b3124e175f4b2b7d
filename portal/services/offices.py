"""Office settings (kop surat, numbering, signer, tembusan) edited by admin, checked before they are stored.

Everything is checked here, when the admin saves, so a setting that cannot produce a proper letter never
reaches the issuing step. The values come flat, named like the form fields (signer_nip,
classification_usulan, ...), so each refusal lands next to its field.
"""
import base64
import io
import re
from datetime import date

from PIL import Image
from sqlalchemy import select

from portal import access, clock
from portal.domain import uploads
from portal.domain.areas import Level
from portal.domain.errors import DomainError
from portal.domain.letter_numbers import check_nip, check_pattern, format_number
from portal.domain.letters import KINDS, SIGNER_PREFIXES, OfficeSettings, Signer, default_settings
from portal.extensions import db
from portal.models import Area, Office, User
from portal.services import audit, letters

OFFICE_LEVELS = (Level.KOTA, Level.KECAMATAN, Level.KELURAHAN)
# The letter each level issues most, whose number the edit form shows as an example.
MAIN_KIND = {Level.KOTA: "usulan", Level.KECAMATAN: "pengantar", Level.KELURAHAN: "berita_acara"}

# Single-line text fields: (label, maximum length). Required when the built-in default is not empty,
# because OfficeSettings.from_dict treats an empty value as "not set" and would bring the default back.
TEXT_FIELDS = {
    "government": ("Nama pemerintah daerah", 100),
    "name": ("Nama kantor", 150),
    "address": ("Alamat", 200),
    "phone": ("Telepon", 60),
    "email": ("Pos-el", 100),
    "website": ("Laman", 100),
    "unit": ("Kode unit", 30),
    "pattern": ("Pola nomor surat", 80),
}
SIGNER_FIELDS = {  # signer key -> (label, maximum length, required)
    "title": ("Jabatan penanda tangan", 150, True),
    "name": ("Nama penanda tangan", 120, True),
    "rank": ("Pangkat/golongan", 80, False),
}
NUMBER_MAX = 80  # letters.number is String(80)
TEMBUSAN_MAX_LINES = 10
TEMBUSAN_MAX_CHARS = 120

CLASSIFICATION_RE = re.compile(r"[0-9]{3}(\.[0-9]{1,3}){0,3}")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
UNIT_RE = re.compile(r"[A-Za-z0-9.-]+")
LIST_NUMBER_RE = re.compile(r"^[0-9]{1,2}[.)]\s+")  # "1. Arsip": the letter numbers the tembusan itself
PREFIX_TEXT = ", ".join(p or "tanpa awalan" for p in SIGNER_PREFIXES[:-1]) + " atau " + SIGNER_PREFIXES[-1]


class InvalidSettings(DomainError):
    """Several fields refused at once; message/field are the first, `errors` maps every field to its message."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = errors


def classification_field(kind: str) -> str:
    return f"classification_{kind}"


def offices_of(actor: User) -> list[Office]:
    """The offices of Dinas Sosial, every kecamatan and every kelurahan in the actor's area, by area code.
    An office nobody has opened yet is created here with its defaults (the caller commits)."""
    areas = db.session.scalars(access.in_area(select(Area).where(Area.level.in_(OFFICE_LEVELS)), Area.id, actor)
                               .order_by(Area.code)).all()
    existing = {o.area_id: o for o in db.session.scalars(
        select(Office).where(Office.area_id.in_([a.id for a in areas])))}
    return [existing.get(area.id) or letters.office_for(area) for area in areas]


def form_values(settings: OfficeSettings) -> dict:
    """The settings as the flat values of the edit form."""
    values = {key: getattr(settings, key) for key in TEXT_FIELDS}
    values.update({classification_field(kind): settings.classifications.get(kind, "") for kind in KINDS})
    values.update({f"signer_{key}": getattr(settings.signer, key) for key in ("prefix", *SIGNER_FIELDS, "nip")})
    values["tembusan"] = "\n".join(settings.tembusan)
    return values


def sample_number(level: str, values: dict, on: date | None = None) -> str | None:
    """The first number of the year with these (unsaved) values, e.g. '400.9.2/0001/Dinsos/2026';
    None while the pattern cannot produce one."""
    kind = MAIN_KIND.get(level, "usulan")
    try:
        return format_number(_str(values.get("pattern")).strip(), _str(values.get(classification_field(kind))),
                             1, _str(values.get("unit")), on or clock.today())
    except DomainError:
        return None


def update_settings(actor: User, office: Office, values: dict) -> None:
    """Check every value and store them all, or raise InvalidSettings and change nothing."""
    defaults = default_settings(office.area.level, office.area.name)
    errors: dict[str, str] = {}

    def check(field: str, clean, *args):
        try:
            return clean(*args)
        except DomainError as error:
            errors.setdefault(error.field or field, error.message)
            return None

    cleaned = {}
    for key, (label, limit) in TEXT_FIELDS.items():
        required = bool(getattr(defaults, key))
        cleaned[key] = check(key, _text, values, key, label, limit, required)
    if cleaned["email"]:
        check("email", _email, cleaned["email"])
    if cleaned["website"] and re.search(r"\s", cleaned["website"]):
        errors.setdefault("website", "Alamat laman tidak boleh memuat spasi, contoh: dinsos.bontangkota.go.id.")
    if cleaned["unit"] and not UNIT_RE.fullmatch(cleaned["unit"]):
        errors.setdefault("unit", "Kode unit hanya boleh berisi huruf, angka, titik dan tanda hubung "
                                  "(tanpa spasi atau garis miring), contoh: Dinsos.")
    if cleaned["pattern"] is not None:
        check("pattern", check_pattern, cleaned["pattern"])

    classifications = {kind: check(classification_field(kind), _classification, values, kind) for kind in KINDS}

    prefix = _str(values.get("signer_prefix")).strip()
    if prefix not in SIGNER_PREFIXES:
        errors.setdefault("signer_prefix", f"Pilih awalan penanda tangan: {PREFIX_TEXT}")
    signer = {"prefix": prefix}
    for key, (label, limit, required) in SIGNER_FIELDS.items():
        signer[key] = check(f"signer_{key}", _text, values, f"signer_{key}", label, limit, required)
    signer["nip"] = check("signer_nip", _nip, values.get("signer_nip"))

    tembusan = check("tembusan", _tembusan, values.get("tembusan"))

    if not errors:  # the longest number this office can print must fit the register (letters.number)
        longest = max(len(format_number(cleaned["pattern"], code, 9999, cleaned["unit"], date(2026, 12, 1)))
                      for code in classifications.values())
        if longest > NUMBER_MAX:
            errors["pattern"] = (f"Nomor surat yang dihasilkan terlalu panjang ({longest} karakter, maksimal "
                                 f"{NUMBER_MAX}). Perpendek pola, kode klasifikasi atau kode unit.")
    if errors:
        raise InvalidSettings(errors)

    before = letters.settings_of(office).to_dict()
    after = OfficeSettings(**{key: cleaned[key] for key in TEXT_FIELDS}, classifications=classifications,
                           signer=Signer(**signer), tembusan=tembusan).to_dict()
    office.settings = after  # a new dict, so the JSON column is seen as changed
    office.updated_by_id = actor.id
    changed = sorted(key for key in after if after[key] != before.get(key))
    audit.record(actor, "office.update", office, area=office.area.code, changed=", ".join(changed) or "-")
    db.session.flush()


def _str(value) -> str:
    return value if isinstance(value, str) else ""


def _text(values: dict, field: str, label: str, limit: int, required: bool) -> str:
    """One line of text, whitespace collapsed; refused when empty (if required), too long or unprintable."""
    text = " ".join(_str(values.get(field)).split())
    if not text:
        if required:
            raise DomainError("Wajib diisi.", field=field)
        return ""
    if not text.isprintable():
        raise DomainError(f"{label} memuat karakter yang tidak dapat dicetak.", field=field)
    if len(text) > limit:
        raise DomainError(f"{label} maksimal {limit} karakter (terisi {len(text)}).", field=field)
    return text


def _email(text: str) -> None:
    if not EMAIL_RE.fullmatch(text):
        raise DomainError("Alamat pos-el tidak valid, contoh: dinsos@bontangkota.go.id.", field="email")


def _classification(values: dict, kind: str) -> str:
    field = classification_field(kind)
    code = _str(values.get(field)).strip()
    if not code:
        raise DomainError("Wajib diisi.", field=field)
    if not CLASSIFICATION_RE.fullmatch(code):
        raise DomainError("Kode klasifikasi harus berupa angka seperti 400.9.2: tiga digit, lalu paling banyak "
                          "tiga bagian bertitik (masing-masing 1–3 digit).", field=field)
    return code


def _nip(text) -> str:
    if not _str(text).strip():
        raise DomainError("Wajib diisi.", field="signer_nip")
    return check_nip(_str(text), field="signer_nip")


def _tembusan(text) -> list[str]:
    """One recipient per line; empty lines are skipped, list numbers and a closing ';' are dropped (the letter
    numbers and punctuates the list itself)."""
    lines = text if isinstance(text, list) else _str(text).splitlines()
    entries = []
    for line in lines:
        entry = LIST_NUMBER_RE.sub("", " ".join(_str(line).split())).rstrip(";").strip()
        if entry:
            entries.append(entry)
    if len(entries) > TEMBUSAN_MAX_LINES:
        raise DomainError(f"Tembusan paling banyak {TEMBUSAN_MAX_LINES} baris (terisi {len(entries)} baris).",
                          field="tembusan")
    for number, entry in enumerate(entries, 1):
        if not entry.isprintable():
            raise DomainError(f"Baris tembusan ke-{number} memuat karakter yang tidak dapat dicetak.",
                              field="tembusan")
        if len(entry) > TEMBUSAN_MAX_CHARS:
            raise DomainError(f"Baris tembusan ke-{number} terlalu panjang: maksimal {TEMBUSAN_MAX_CHARS} "
                              f"karakter (terisi {len(entry)}).", field="tembusan")
    return entries


LOGO_MAX_BYTES = 200 * 1024


def set_logo(actor: User, office: Office, file_storage) -> None:
    """A small PNG or JPEG for the kop surat, checked by its content and kept inside the settings."""
    data = file_storage.stream.read(LOGO_MAX_BYTES + 1) if file_storage else b""
    if not data:
        raise DomainError("Pilih berkas logo (PNG atau JPG).", field="logo")
    if len(data) > LOGO_MAX_BYTES:
        raise DomainError("Logo maksimal 200 KB.", field="logo")
    content_type = uploads.sniff(data)
    if content_type not in (uploads.PNG, uploads.JPEG):
        raise DomainError("Logo harus berupa gambar PNG atau JPG.", field="logo")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
        if content_type == uploads.JPEG:
            uploads.check_jpeg_tail(data)
    except Exception:  # noqa: BLE001 — Pillow meets hostile input with many exception types
        raise DomainError("Berkas logo rusak atau tidak dapat dibaca.", field="logo") from None
    office.settings = {**office.settings, "logo": f"data:{content_type};base64,{base64.b64encode(data).decode()}"}
    office.updated_by_id = actor.id
    audit.record(actor, "office.logo", office)


def remove_logo(actor: User, office: Office) -> None:
    office.settings = {**office.settings, "logo": ""}
    office.updated_by_id = actor.id
    audit.record(actor, "office.logo", office, removed=True)


def city_settings() -> OfficeSettings:
    """Dinas Sosial's settings (name, address, phone, e-mail) as the admin saved them, or the defaults;
    read only: unlike offices_of, nothing is created (the public privacy page shows these)."""
    city = db.session.scalar(select(Area).where(Area.level == Level.KOTA).order_by(Area.id).limit(1))
    office = db.session.scalar(select(Office).where(Office.area_id == city.id)) if city else None
    if office is None:
        return default_settings(Level.KOTA, city.name if city else "Kota Bontang")
    return letters.settings_of(office)
