from portal.forms import PortalForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

REQUIRED = "Wajib diisi."


class LoginForm(PortalForm):
    username = StringField("Nama pengguna", validators=[DataRequired(REQUIRED), Length(max=64)])
    password = PasswordField("Kata sandi", validators=[DataRequired(REQUIRED), Length(max=128)])


class ChangePasswordForm(PortalForm):
    current_password = PasswordField("Kata sandi saat ini", validators=[DataRequired(REQUIRED)])
    new_password = PasswordField("Kata sandi baru", validators=[DataRequired(REQUIRED)],
                                 description="Minimal 10 karakter dan tidak mudah ditebak.")
    confirm = PasswordField("Ulangi kata sandi baru", validators=[
        DataRequired(REQUIRED), EqualTo("new_password", "Kedua kata sandi baru tidak sama.")])


class EmptyForm(PortalForm):
    """For POST-only buttons (logout, activate): carries just the CSRF token."""


class SecondStepForm(PortalForm):
    code = StringField("Kode verifikasi", validators=[DataRequired(REQUIRED), Length(max=32)],
                       description="6 angka dari aplikasi autentikator, atau salah satu kode pemulihan.")


class ConfirmTwoFactorForm(PortalForm):
    code = StringField("Kode 6 angka dari aplikasi", validators=[DataRequired(REQUIRED), Length(max=32)])


class DisableTwoFactorForm(PortalForm):
    password = PasswordField("Kata sandi", validators=[DataRequired(REQUIRED), Length(max=128)])
    code = StringField("Kode verifikasi", validators=[DataRequired(REQUIRED), Length(max=32)],
                       description="6 angka dari aplikasi autentikator, atau salah satu kode pemulihan.")


class RecoveryCodesForm(PortalForm):
    password = PasswordField("Kata sandi", validators=[DataRequired(REQUIRED), Length(max=128)])
