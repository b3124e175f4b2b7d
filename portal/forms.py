"""The base of every form: Flask-WTF (CSRF) with WTForms' built-in messages in Bahasa Indonesia.

WTForms ships no Indonesian catalogue, so its English defaults ("Field cannot be longer than 3
characters.") would reach users; this small catalogue covers the validators and fields we use.
"""
from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import FileField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from portal.domain.purposes import NOTE_MAX, NOTE_MIN, PURPOSES

MESSAGES = {
    "This field is required.": "Wajib diisi.",
    "Invalid input.": "Isian tidak valid.",
    "Not a valid choice.": "Pilih salah satu pilihan yang tersedia.",
    "Not a valid integer value.": "Isi dengan angka bulat.",
    "Not a valid decimal value.": "Isi dengan angka (gunakan titik untuk desimal).",
    "Not a valid float value.": "Isi dengan angka.",
    "Not a valid date value.": "Isi tanggal yang benar.",
    "Number must be at least %(min)s.": "Angka minimal %(min)s.",
    "Number must be at most %(max)s.": "Angka maksimal %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Angka harus antara %(min)s dan %(max)s.",
    "Field must be equal to %(other_name)s.": "Isian harus sama dengan %(other_name)s.",
    "Field must be at least %(min)d character long.": "Minimal %(min)d karakter.",
    "Field must be at least %(min)d characters long.": "Minimal %(min)d karakter.",
    "Field cannot be longer than %(max)d character.": "Maksimal %(max)d karakter.",
    "Field cannot be longer than %(max)d characters.": "Maksimal %(max)d karakter.",
    "Field must be exactly %(max)d character long.": "Harus tepat %(max)d karakter.",
    "Field must be exactly %(max)d characters long.": "Harus tepat %(max)d karakter.",
    "Field must be between %(min)d and %(max)d characters long.": "Panjang isian %(min)d sampai %(max)d karakter.",
    "'%(value)s' is not a valid choice for this field.": "“%(value)s” bukan pilihan yang tersedia.",
    "'%(value)s' are not valid choices for this field.": "“%(value)s” bukan pilihan yang tersedia.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Pilih dari pilihan yang tersedia.",
}


def choices(options: dict, blank: str | None = "— pilih —") -> list[SelectChoice]:
    """Select options from a value -> label dict, with an empty first choice unless blank is None."""
    head = [SelectChoice("", blank)] if blank is not None else []
    return head + [SelectChoice(value, label) for value, label in options.items()]


class IndonesianMessages:
    def gettext(self, message: str) -> str:
        return MESSAGES.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return MESSAGES.get(singular if n == 1 else plural, plural)


class PortalForm(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return IndonesianMessages()

        def wrap_formdata(self, form, formdata):
            """Uploaded files reach file fields only: a file posted as a text field is simply no text."""
            data = super().wrap_formdata(form, formdata)
            if not isinstance(data, CombinedMultiDict):
                return data
            file_fields = {field.name for field in form if isinstance(field, FileField)}
            return CombinedMultiDict((MultiDict([(k, v) for k, v in request.files.items(multi=True)
                                                if k in file_fields]), request.form))


class WholeNumberField(IntegerField):
    """An integer field that refuses absurdly long numbers before any validator compares them as floats."""

    DIGITS = 15

    def process_formdata(self, valuelist):
        if valuelist and len(str(valuelist[0]).strip().lstrip("+-")) > self.DIGITS:
            self.data = None
            raise ValueError("Angka terlalu besar.")
        super().process_formdata(valuelist)


class PurposeForm(PortalForm):
    """The purpose (keperluan) stated for taking personal data out: an export, a letter's PDF.

    Checked by `portal.domain.purposes.purpose_reason` (the same messages wherever it is asked), hence no
    validators here."""
    keperluan = SelectField("Keperluan", choices=choices(PURPOSES, "— pilih keperluan —"), validate_choice=False,
                            render_kw={"required": True})
    keterangan = StringField("Keterangan", render_kw={"maxlength": NOTE_MAX},
                             description=f"Wajib bila keperluan Lainnya (minimal {NOTE_MIN} karakter).")
