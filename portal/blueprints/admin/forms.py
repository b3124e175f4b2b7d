from portal.forms import PortalForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from portal.domain.letters import KINDS, SIGNER_PREFIXES
from portal.domain.roles import ROLE_LABELS

REQUIRED = "Wajib diisi."
ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class UserCreateForm(PortalForm):
    username = StringField("Nama pengguna", validators=[DataRequired(REQUIRED), Length(max=64)],
                           description="Contoh: rt.api-api.004")
    full_name = StringField("Nama lengkap", validators=[DataRequired(REQUIRED), Length(max=120)])
    role = SelectField("Peran", choices=ROLE_CHOICES, validate_choice=False)
    area_code = StringField("Kode wilayah", validators=[DataRequired(REQUIRED), Length(max=32)],
                            description="Contoh: 64.74.01.1006.001 untuk RT, 64.74 untuk Dinas Sosial dan admin. "
                                        "Lihat daftar kode di menu Wilayah.")
    password = PasswordField("Kata sandi sementara", validators=[DataRequired(REQUIRED)],
                             description="Minimal 10 karakter. Pengguna wajib menggantinya saat pertama masuk.")


class ResetPasswordForm(PortalForm):
    new_password = PasswordField("Kata sandi sementara baru", validators=[DataRequired(REQUIRED)])


class AddRtForm(PortalForm):
    number = StringField("Nomor RT", validators=[DataRequired(REQUIRED), Length(max=10)])
    rw = StringField("Nomor RW (boleh kosong)", validators=[Optional(), Length(max=10)])


class UpdateRtForm(PortalForm):
    rw = StringField("Nomor RW", validators=[Optional(), Length(max=10)])
    active = BooleanField("Aktif")


class OfficeForm(PortalForm):
    """Kop surat, numbering, signer and tembusan of one office; every rule is checked by services.offices."""
    government = StringField("Pemerintah daerah", description="Baris pertama kop surat, mis. PEMERINTAH KOTA BONTANG.")
    name = StringField("Nama kantor", description="Dicetak dengan huruf kapital di kop surat.")
    address = StringField("Alamat")
    phone = StringField("Telepon")
    email = StringField("Pos-el (e-mail)")
    website = StringField("Laman (website)", description="Contoh: dinsos.bontangkota.go.id")
    unit = StringField("Kode unit pada nomor surat", description="Contoh: Dinsos. Huruf, angka, titik, tanda hubung.")
    pattern = StringField("Pola nomor surat",
                          description="Isian: {klasifikasi}, {nomor} (wajib; {nomor:04} = 4 digit), {unit}, {tahun}, "
                                      "{bulan_romawi}. Contoh: {klasifikasi}/{nomor:04}/{unit}/{tahun}")
    signer_prefix = SelectField("Awalan penanda tangan",
                                choices=[SelectChoice(p, p or "(tanpa awalan)") for p in SIGNER_PREFIXES],
                                validate_choice=False, description="a.n. (atas nama), u.b. (untuk beliau), "
                                                                   "Plt. (pelaksana tugas), Plh. (pelaksana harian)")
    signer_title = StringField("Jabatan penanda tangan", description="Dicetak dengan huruf kapital.")
    signer_name = StringField("Nama penanda tangan", description="Lengkap dengan gelar.")
    signer_rank = StringField("Pangkat/golongan", description="Contoh: Pembina Utama Muda (IV/c)")
    signer_nip = StringField("NIP penanda tangan", description="18 digit; spasi boleh, mis. 19800101 200501 1 001")
    tembusan = TextAreaField("Tembusan", description="Satu penerima per baris, paling banyak 10 baris, tanpa nomor "
                                                     "urut (nomor dibuat otomatis).")


for _kind, _label in KINDS.items():
    setattr(OfficeForm, f"classification_{_kind}", StringField(
        f"Kode klasifikasi {_label}", description="Contoh: 400.9.2"))


class LogoForm(PortalForm):
    """Carries the CSRF token of the logo upload; the file itself is checked by services.offices."""
