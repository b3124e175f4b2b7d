from portal.forms import PortalForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

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
