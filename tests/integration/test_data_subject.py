"""Data-subject export (Dinas Sosial): a full NIK and a reason in, one JSON file about that person out,
audited as `subjek.ekspor`; an unknown NIK or a short reason exports nothing."""
import json

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Letter, Person, Proposal
from tests.database import read
from tests.pages import errors

URL = "/dinsos/subjek-data"
REASON = "Surat permohonan warga no. 12/2026 tanggal 20 November 2026"


@pytest.fixture
def dinsos(login):
    return login("dinsos")


def _letter_subject():
    """A person listed in the attachment of the demo Surat Usulan, with the letter and its proposals."""
    letter = db.session.scalar(select(Letter).order_by(Letter.id).limit(1))
    proposal = letter.proposals[0]
    member = next(m for m in proposal.snapshot["members"] if m.get("nik"))
    return {"nik": member["nik"], "letter": letter.number, "proposal_id": proposal.id}


def _registry_subject():
    """A registered person whose household has other members and a proposal."""
    person = db.session.scalar(
        select(Person).join(Proposal, Proposal.household_id == Person.household_id)
        .where(Person.active, Person.relation == "kepala").order_by(Person.id).limit(1))
    others = [m.nik for m in person.household.members if m.nik != person.nik]
    return {"nik": person.nik, "person_id": person.id, "household_id": person.household_id, "others": others,
            "proposals": db.session.scalars(select(Proposal.id).where(Proposal.household_id == person.household_id)
                                             ).all()}


def _audit_count(app, action="subjek.ekspor") -> int:
    return read(app, lambda: db.session.scalar(select(func.count()).select_from(AuditEvent)
                                               .where(AuditEvent.action == action)))


def export(visitor, nik, reason=REASON):
    visitor.get(URL)
    return visitor.post(URL, {"nik": nik, "reason": reason})


def test_page_shows_the_form(dinsos):
    response = dinsos.get(URL)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'name="nik"' in page and 'name="reason"' in page and "Unduh data (JSON)" in page
    assert 'method="post"' in page


def test_export_of_a_registered_person(app, dinsos):
    subject = read(app, _registry_subject)
    # Reveal the NIK first, so the file has an audit event about them.
    dinsos.get(f"/dinsos/rumah-tangga/{subject['household_id']}")
    dinsos.post(f"/dinsos/rumah-tangga/{subject['household_id']}",
                {"person_id": str(subject["person_id"]), "reason": "Pemeriksaan data untuk verifikasi"})
    response = export(dinsos, subject["nik"][:6] + " " + subject["nik"][6:])  # spaces typed are fine
    assert response.status_code == 200, errors(response)
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"data-subjek-") and subject["nik"] not in disposition
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["diminta_untuk_nik"] == subject["nik"] and data["alasan"] == REASON
    assert [p["nik"] for p in data["orang"]] == [subject["nik"]]
    assert data["orang"][0]["nama_ibu_kandung"]
    household = data["rumah_tangga"][0]
    assert household["id"] == subject["household_id"] and household["no_kk"]
    shown = {m["nik"] for m in household["anggota"]}
    assert subject["nik"] in shown
    for other in subject["others"]:  # other members are in the file, their NIKs masked
        assert other not in shown and f"{other[:6]}******{other[12:]}" in shown
    assert data["penilaian"][0]["rumah_tangga_id"] == subject["household_id"]
    assert "kriteria_terpenuhi" in data["penilaian"][0]
    assert {p["id"] for p in data["usulan"]} >= set(subject["proposals"])
    reveal = [e for e in data["log_audit"] if e["kode_tindakan"] == "nik.lihat"]
    assert reveal and reveal[0]["oleh"].startswith("Dinas Sosial (") and "*" in reveal[0]["oleh"]
    assert reveal[0]["alasan"] == "Pemeriksaan data untuk verifikasi"
    for key in ("ppks", "program", "riwayat_perubahan", "surat"):
        assert isinstance(data[key], list)


def test_export_lists_letters_and_decisions_of_a_proposed_person(app, dinsos):
    subject = read(app, _letter_subject)
    data = json.loads(export(dinsos, subject["nik"]).get_data(as_text=True))
    # The Surat Usulan, and the kelurahan's Berita Acara whose BNBA lists them too.
    assert subject["letter"] in [s["nomor"] for s in data["surat"]]
    assert {s["jenis"] for s in data["surat"]} == {"Surat Usulan", "Berita Acara Musyawarah Kelurahan"}
    assert all(set(s) == {"nomor", "tanggal", "jenis", "dicabut"} for s in data["surat"])  # no content
    proposal = next(p for p in data["usulan"] if p["id"] == subject["proposal_id"])
    by = [d["oleh"] for d in proposal["keputusan"]]
    assert by.index("Kelurahan") < by.index("Kecamatan") < by.index("Dinas Sosial")  # the chain, in order
    assert proposal["data_anda_dalam_usulan"][0]["nik"] == subject["nik"]


def test_export_is_audited_with_its_reason_and_never_the_full_nik(app, dinsos):
    subject = read(app, _registry_subject)
    before = _audit_count(app)
    export(dinsos, subject["nik"])
    assert _audit_count(app) == before + 1
    event = read(app, lambda: db.session.scalar(select(AuditEvent).where(AuditEvent.action == "subjek.ekspor")
                                                .order_by(AuditEvent.id.desc()).limit(1)))
    assert event.detail["reason"] == REASON
    assert subject["nik"] not in json.dumps(event.detail)
    assert event.detail["nik"] == f"{subject['nik'][:6]}******{subject['nik'][12:]}"
    assert (event.target_type, event.target_id) == ("Person", subject["person_id"])


@pytest.mark.parametrize("nik, reason, message", [
    ("6474019999990001", REASON, "NIK ini tidak ditemukan di data portal. Tidak ada data yang diekspor."),
    ("64740112", REASON, "Tulis NIK lengkap: 16 digit angka."),
    (None, "pendek", "Tuliskan alasan permintaan, paling sedikit 10 karakter"),
])
def test_unknown_nik_or_short_reason_exports_nothing(app, dinsos, nik, reason, message):
    nik = nik or read(app, _registry_subject)["nik"]
    before = _audit_count(app)
    response = export(dinsos, nik, reason)
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert any(message in e for e in errors(response)), errors(response)
    assert _audit_count(app) == before


def test_only_dinsos_may_export(app, login):
    subject = read(app, _registry_subject)
    for username in ("lurah.api-api", "admin", "rt.api-api.001"):
        visitor = login(username)
        visitor.get("/")
        response = visitor.post(URL, {"nik": subject["nik"], "reason": REASON})
        assert response.status_code == 403
    assert _audit_count(app) == 0
