"""Forms of the Ketua RT screens. Each draft form carries the version it was read at (stale-save detection)."""
from portal.forms import PortalForm, WholeNumberField, choices
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, DecimalField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.domain.criteria import EDUCATION, FLOOR_TYPES, FUELS, JOBS, LIGHTING, TOILETS, WALL_TYPES, WATER
from portal.domain.household import MARITAL, NONAKTIF_REASONS, RELATIONS, SEXES
from portal.domain.ppks import categories
from portal.domain.programs import ACTIONS, PROGRAMS
from portal.domain.proposal_steps import EVIDENCE_KINDS

REQUIRED = "Wajib diisi."
NUMBER = "Isi dengan angka."


class VersionForm(PortalForm):
    """Buttons that change a draft (submit, withdraw, remove a line) carry only the version."""
    version = HiddenField()


class HouseholdForm(VersionForm):
    no_kk = StringField("No. KK", validators=[DataRequired(REQUIRED), Length(max=24)],
                        description="16 digit, sesuai Kartu Keluarga.")
    address = StringField("Alamat", validators=[DataRequired(REQUIRED), Length(max=200)],
                          description="Nama jalan/gang dan nomor rumah.")


class MemberForm(VersionForm):
    nik = StringField("NIK", validators=[DataRequired(REQUIRED), Length(max=24)],
                      description="16 digit, sesuai KTP/KK.")
    name = StringField("Nama lengkap", validators=[DataRequired(REQUIRED), Length(max=100)])
    birth_place = StringField("Tempat lahir", validators=[DataRequired(REQUIRED), Length(max=100)])
    birth_date = DateField("Tanggal lahir", validators=[InputRequired("Isi tanggal lahir yang benar.")])
    sex = SelectField("Jenis kelamin", choices=choices(SEXES), validate_choice=False)
    relation = SelectField("Hubungan dalam keluarga", choices=choices(RELATIONS), validate_choice=False)
    marital_status = SelectField("Status kawin", choices=choices(MARITAL), validate_choice=False)
    mother_name = StringField("Nama ibu kandung", validators=[DataRequired(REQUIRED), Length(max=100)])
    job = SelectField("Pekerjaan", choices=choices(JOBS, "— tidak diisi —"), validate_choice=False)
    warning_reason = TextAreaField(
        "Alasan bila ada peringatan", validators=[Length(max=200)],
        description="Isi bila NIK berbeda dengan data yang diisi atau kemungkinan data ganda.")


class LeaveForm(VersionForm):
    reason = StringField("Alasan keluar dari KK", validators=[Length(max=200)])


def _count(label: str, high: int) -> WholeNumberField:
    return WholeNumberField(label, validators=[Optional(), NumberRange(0, high, f"Isi angka 0 sampai {high}.")])


class ConditionsForm(VersionForm):
    floor_area_m2 = DecimalField("Luas lantai rumah (m²)", places=2, validators=[Optional()],
                                 description="Luas per orang dihitung otomatis dari jumlah anggota.")
    floor_type = SelectField("Jenis lantai terluas", choices=choices(FLOOR_TYPES), validate_choice=False)
    wall_type = SelectField("Jenis dinding terluas", choices=choices(WALL_TYPES), validate_choice=False)
    toilet = SelectField("Fasilitas buang air besar", choices=choices(TOILETS), validate_choice=False)
    lighting = SelectField("Sumber penerangan", choices=choices(LIGHTING), validate_choice=False)
    water = SelectField("Sumber air minum", choices=choices(WATER), validate_choice=False)
    cooking_fuel = SelectField("Bahan bakar memasak", choices=choices(FUELS), validate_choice=False)
    meat_per_week = _count("Makan daging/susu/ayam (kali per minggu)", 21)
    clothes_per_year = _count("Membeli pakaian baru (stel per tahun)", 50)
    meals_per_day = _count("Makan (kali per hari)", 10)
    can_pay_clinic = SelectField("Sanggup membayar berobat ke puskesmas?",
                                 choices=choices({"ya": "Sanggup", "tidak": "Tidak sanggup"}), validate_choice=False)
    head_job = SelectField("Pekerjaan kepala rumah tangga", choices=choices(JOBS), validate_choice=False)
    head_income_monthly = WholeNumberField("Penghasilan kepala rumah tangga per bulan (Rp)",
                                       validators=[Optional(), NumberRange(0, 1_000_000_000, NUMBER)])
    head_education = SelectField("Pendidikan tertinggi kepala rumah tangga", choices=choices(EDUCATION),
                                 validate_choice=False)
    assets_value = WholeNumberField("Nilai tabungan / barang mudah dijual (Rp)",
                                validators=[Optional(), NumberRange(0, 100_000_000_000, NUMBER)])
    has_shelter = SelectField("Memiliki tempat tinggal?",
                              choices=choices({"ya": "Ya", "tidak": "Tidak punya tempat tinggal"}, None),
                              validate_choice=False)


class PpksForm(VersionForm):
    member_key = SelectField("Anggota", validate_choice=False)
    category = SelectField("Kategori PPKS", validate_choice=False,
                           choices=choices({c.code: f"{c.name} ({c.code})" for c in categories().values()}))
    action = SelectField("Perubahan", validate_choice=False,
                         choices=choices({"tambah": "Tambah kategori", "hapus": "Hapus kategori"}, None))


class NonaktifForm(VersionForm):
    reason = SelectField("Alasan", choices=choices(NONAKTIF_REASONS), validate_choice=False)
    note = TextAreaField("Keterangan", validators=[DataRequired(REQUIRED), Length(max=500)],
                         description="Apa yang Anda ketahui, sejak kapan, dan sumbernya.")


class ProgramForm(VersionForm):
    action = SelectField("Yang diusulkan", choices=choices(ACTIONS), validate_choice=False)
    program = SelectField("Program", choices=choices(PROGRAMS), validate_choice=False)
    member_key = SelectField("Anggota penerima (khusus PBI-JK)", choices=[], validate_choice=False)
    reason = TextAreaField("Alasan", validators=[DataRequired(REQUIRED), Length(max=500)],
                           description="Mengapa keluarga ini perlu mulai atau berhenti menerima program ini.")


class EvidenceForm(PortalForm):
    kind = SelectField("Jenis berkas", choices=choices(EVIDENCE_KINDS), validate_choice=False)
    file = FileField("Berkas (JPG, PNG atau PDF, maks. 5 MB)",
                     validators=[FileRequired("Pilih berkas yang akan diunggah.")])
