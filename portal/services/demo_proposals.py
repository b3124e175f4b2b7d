"""Demo proposals of every kind, in draft and submitted states, made through the same services the RT uses."""
import io
import random
from datetime import date

from PIL import Image, ImageDraw
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal import clock
from portal.extensions import db
from portal.domain.workflow import Action
from portal.models import Area, Household, Letter, Muskel, Person, Proposal, User
from portal.services import evidence, letters, proposals, review
from portal.services import muskel as muskel_service
from portal.services.demo_households import Numbers, household_content


def _demo_scan(title: str) -> FileStorage:
    """A small PNG standing in for a scanned document, clearly marked as a demo."""
    image = Image.new("RGB", (360, 220), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((4, 4, 355, 215), outline="black", width=3)
    draw.text((20, 30), title, fill="black")
    draw.text((20, 90), "CONTOH DATA DEMO - FIKTIF", fill="red")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=f"{title.lower().replace(' ', '-')}-demo.png", content_type="image/png")


def _member_form(member: dict) -> dict:
    return {**member, "birth_date": date.fromisoformat(member["birth_date"]), "warning_reason": ""}


def _new_household(rt_user: User, rng: random.Random, numbers: Numbers, submit: bool) -> Proposal:
    today = clock.today()
    kecamatan = rt_user.area.code.split(".")[2]
    content = household_content(rng, numbers, kecamatan)
    proposal = proposals.start(rt_user, "baru")
    proposals.save_household(rt_user, proposal, proposal.version, content["household"]["no_kk"],
                             content["household"]["address"])
    if not submit:
        return proposal
    for member in content["members"]:
        proposals.save_member(rt_user, proposal, proposal.version, None, _member_form(member), today)
    proposals.save_conditions(rt_user, proposal, proposal.version,
                              {**content["conditions"], "floor_area_m2": float(content["conditions"]["floor_area_m2"]),
                               "can_pay_clinic": "ya" if content["conditions"]["can_pay_clinic"] else "tidak",
                               "has_shelter": "ya"})
    evidence.store(rt_user, proposal, "kk", _demo_scan("Kartu Keluarga"))
    proposals.submit(rt_user, proposal, proposal.version, today)
    return proposal


def seed_demo_proposals() -> int:
    """For the first RT of every kelurahan: BARU (draft and submitted), PERBAIKAN draft, NONAKTIF and PPKS submitted."""
    if db.session.scalar(select(func.count()).select_from(Proposal)):
        return 0
    rng, numbers = random.Random(17), Numbers()
    numbers.used.update(db.session.scalars(select(Household.no_kk)))
    numbers.used.update(db.session.scalars(select(Person.nik)))
    today, made = clock.today(), 0
    rt_users = db.session.scalars(select(User).join(Area, User.area_id == Area.id)
                                  .where(User.role == "rt", Area.slug == "001").order_by(Area.code)).all()
    for rt_user in rt_users:
        _new_household(rt_user, rng, numbers, submit=False)
        _new_household(rt_user, rng, numbers, submit=True)
        households = db.session.scalars(select(Household).where(Household.area_id == rt_user.area_id)
                                        .order_by(Household.id).limit(3)).all()
        fix = proposals.start(rt_user, "perbaikan", households[0])
        proposals.save_household(rt_user, fix, fix.version, fix.draft["household"]["no_kk"],
                                 fix.draft["household"]["address"] + " (pindah nomor rumah)")
        off = proposals.start(rt_user, "nonaktif", households[1])
        proposals.save_nonaktif(rt_user, off, off.version, "mampu",
                                "Kepala keluarga kini bekerja tetap di perusahaan dan rumahnya sudah direnovasi.")
        evidence.store(rt_user, off, "foto_rumah", _demo_scan("Foto Rumah"))
        proposals.submit(rt_user, off, off.version, today)
        ppks = proposals.start(rt_user, "ppks", households[2])
        head = ppks.draft["members"][0]
        if "PD" not in head.get("ppks", []):
            proposals.add_ppks_change(rt_user, ppks, ppks.version, head["key"], "PD", "tambah", today)
            proposals.submit(rt_user, ppks, ppks.version, today)
        made += 5
    return made


def seed_demo_chain() -> None:
    """Move the submitted demo proposals along the chain so every screen has something to show.

    Per kecamatan, the first kelurahan holds a finalised muskel approving its three proposals: the BARU
    goes on and is approved by Dinas Sosial (ready for the letter), the NONAKTIF waits for Dinas Sosial,
    the PPKS waits for the kecamatan. The second kelurahan returns one proposal and rejects another; the
    rest waits for the kelurahan."""
    if db.session.scalar(select(func.count()).select_from(Muskel)):
        return
    today = clock.today()
    users = {u.username: u for u in db.session.scalars(select(User).where(User.role != "rt"))}
    kecamatan = db.session.scalars(select(Area).where(Area.level == "kecamatan").order_by(Area.code)).all()
    for kec in kecamatan:
        first, second = kec.children[:2]
        lurah, camat, dinsos = users[f"lurah.{first.slug}"], users[f"camat.{kec.slug}"], users["dinsos"]
        waiting = {p.kind: p for p in muskel_service.waiting_proposals(lurah)}
        meeting = muskel_service.open_meeting(lurah, today, f"Aula Kantor Kelurahan {first.name}", today)
        for name, unsur in (("Ketua RT 001 (demo)", "rt_rw"), ("Ketua LPM (demo)", "lpm"), ("TKSK (demo)", "tksk"),
                            ("Pendamping PKH (demo)", "pendamping_pkh")):
            muskel_service.add_participant(lurah, meeting, name, unsur)
        verdicts = {p.id: ("layak", "") for p in waiting.values()}
        muskel_service.save_verdicts(lurah, meeting, verdicts)
        muskel_service.finalise(lurah, meeting, meeting.version)
        baru, nonaktif = waiting["baru"], waiting["nonaktif"]
        review.decide(camat, baru, baru.version, Action.SETUJUI)
        review.decide(camat, nonaktif, nonaktif.version, Action.SETUJUI)
        review.add_verification_note(dinsos, baru, today, "Petugas Verifikasi (demo)",
                                     "Rumah dan anggota keluarga sesuai data; kondisi rumah sesuai kriteria.")
        review.decide(dinsos, baru, baru.version, Action.SETUJUI)
        lurah2 = users[f"lurah.{second.slug}"]
        waiting2 = {p.kind: p for p in muskel_service.waiting_proposals(lurah2)}
        review.decide(lurah2, waiting2["nonaktif"], waiting2["nonaktif"].version, Action.KEMBALIKAN,
                      "Lampirkan foto rumah terbaru dan keterangan pekerjaan kepala keluarga.")
        review.decide(lurah2, waiting2["ppks"], waiting2["ppks"].version, Action.TOLAK,
                      "Kategori tidak sesuai kondisi orang yang bersangkutan.")


def seed_demo_letters() -> None:
    """One letter of each kind: a Surat Usulan for the first approved proposal (the others stay ready), the
    Berita Acara of the first finalised muskel, a Surat Pengantar of Bontang Utara and a Surat Keterangan."""
    if db.session.scalar(select(func.count()).select_from(Letter)):
        return
    users = {u.username: u for u in db.session.scalars(select(User).where(User.role != "rt"))}
    first = db.session.scalar(select(Proposal).where(Proposal.status == "disetujui_dinsos").order_by(Proposal.id))
    letters.issue_usulan(users["dinsos"], [first.id])
    meeting = db.session.scalar(select(Muskel).where(Muskel.finalized_at.is_not(None)).order_by(Muskel.id))
    letters.issue_berita_acara(users[f"lurah.{meeting.area.slug}"], meeting)
    camat = users[f"camat.{meeting.area.parent.slug}"]
    letters.issue_pengantar(camat, [p.id for p in letters.ready_for_pengantar(camat)])
    person = db.session.scalar(select(Person).where(Person.active).order_by(Person.id))
    letters.issue_keterangan(users["dinsos"], person.nik, "reaktivasi kepesertaan PBI-JK")
