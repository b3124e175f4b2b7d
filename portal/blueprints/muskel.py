"""Musyawarah Kelurahan screens (on the kelurahan blueprint): open, record attendance and verdicts, finalise."""
from flask import request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from portal import access, clock
from portal.domain.muskel import KINDS, UNSUR, VERDICTS
from portal.extensions import db
from portal.forms import PortalForm, choices
from portal.models import Letter, Muskel
from portal.services import letters
from portal.services import muskel as meetings
from portal.web import attempt, form_ids, form_status, one_click, render, see_other


class MeetingForm(PortalForm):
    kind = SelectField("Cara memutuskan", choices=choices(KINDS, None), validate_choice=False)
    held_on = DateField("Tanggal", validators=[InputRequired("Isi tanggal yang benar.")])
    place = StringField("Tempat", validators=[DataRequired("Wajib diisi."), Length(max=200)])


class ParticipantForm(PortalForm):
    name = StringField("Nama peserta", validators=[DataRequired("Wajib diisi."), Length(max=100)])
    unsur = SelectField("Unsur", choices=choices(UNSUR), validate_choice=False)


class VersionForm(PortalForm):
    version = HiddenField()


def register(bp) -> None:
    def _page(meeting: Muskel, participant_form=None, status: int = 200):
        berita_acara = db.session.scalar(select(Letter).where(Letter.muskel_id == meeting.id)
                                         .order_by(Letter.id.desc()).limit(1))
        return render("muskel/detail.html", meeting=meeting, participant_form=participant_form or ParticipantForm(),
                      berita_acara=berita_acara,
                      waiting=meetings.waiting_proposals(current_user), items={i.proposal_id: i for i in meeting.items},
                      verdicts=VERDICTS, unsur=UNSUR, form=VersionForm(version=meeting.version), status=status)

    @bp.route("/muskel", methods=["GET", "POST"])
    def muskel_list():
        form = MeetingForm()
        if form.validate_on_submit() and (meeting := attempt(form, lambda: meetings.open_meeting(
                current_user, form.held_on.data, form.place.data, clock.today(), form.kind.data))):
            return see_other(url_for("kelurahan.muskel", muskel_id=meeting.id), "Musyawarah dibuka.")
        stmt = access.in_area(select(Muskel), Muskel.area_id, current_user).order_by(Muskel.held_on.desc())
        return render("muskel/list.html", meetings=db.session.scalars(stmt.limit(50)).all(), form=form,
                      status=form_status(form))

    @bp.get("/muskel/<int:muskel_id>")
    def muskel(muskel_id: int):
        return _page(access.get_muskel_or_404(current_user, muskel_id))

    @bp.post("/muskel/<int:muskel_id>/peserta")
    def muskel_participant(muskel_id: int):
        meeting = access.get_muskel_or_404(current_user, muskel_id)
        form = ParticipantForm()
        if form.validate_on_submit() and attempt(form, lambda: meetings.add_participant(
                current_user, meeting, form.name.data, form.unsur.data)):
            return see_other(url_for("kelurahan.muskel", muskel_id=meeting.id), "Peserta dicatat.")
        return _page(meeting, form, status=422)

    @bp.post("/muskel/<int:muskel_id>/peserta/<int:participant_id>/hapus")
    def muskel_participant_remove(muskel_id: int, participant_id: int):
        meeting = access.get_muskel_or_404(current_user, muskel_id)
        return one_click(VersionForm(), lambda: meetings.remove_participant(current_user, meeting, participant_id),
                         url_for("kelurahan.muskel", muskel_id=meeting.id), "Peserta dihapus dari daftar.")

    @bp.post("/muskel/<int:muskel_id>/putusan")
    def muskel_verdicts(muskel_id: int):
        meeting = access.get_muskel_or_404(current_user, muskel_id)
        ids = [key.removeprefix("putusan_") for key in request.form if key.startswith("putusan_")]
        verdicts = {int(i): (request.form[f"putusan_{i}"], request.form.get(f"alasan_{i}", ""))
                    for i in ids if form_ids([i])}
        return one_click(VersionForm(), lambda: meetings.save_verdicts(current_user, meeting, verdicts),
                         url_for("kelurahan.muskel", muskel_id=meeting.id), "Putusan disimpan.")

    @bp.post("/muskel/<int:muskel_id>/berita-acara")
    def muskel_berita_acara(muskel_id: int):
        meeting = access.get_muskel_or_404(current_user, muskel_id)
        return one_click(VersionForm(), lambda: letters.issue_berita_acara(current_user, meeting),
                         url_for("kelurahan.muskel", muskel_id=meeting.id), "Berita acara diterbitkan.")

    @bp.post("/muskel/<int:muskel_id>/final")
    def muskel_finalise(muskel_id: int):
        meeting = access.get_muskel_or_404(current_user, muskel_id)
        form = VersionForm()
        return one_click(form, lambda: meetings.finalise(current_user, meeting, form.version.data),
                         url_for("kelurahan.muskel", muskel_id=meeting.id),
                         "Musyawarah difinalkan dan semua putusannya diterapkan. Catatan ini kini terkunci.")
