"""Dinas Sosial records the ministry's answer on a proposal that was sent in a Surat Usulan."""
import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import Decision, Household, Letter, Proposal

VERSION_RE = re.compile(r'name="version" type="hidden" value="(\d+)"')


def _sent_baru(app) -> tuple[int, int]:
    """The BARU proposal of the demo Surat Usulan and the household its approval created."""
    with app.app_context():
        letter = db.session.scalar(select(Letter).where(Letter.kind == "usulan"))
        proposal = next(p for p in letter.proposals if p.kind == "baru")
        assert proposal.status == "dikirim_kementerian"
        return proposal.id, proposal.household_id


def _decide(visitor, proposal_id: int, action: str, reason: str = ""):
    page = visitor.get(f"/dinsos/usulan/{proposal_id}").data.decode()
    return visitor.post(f"/dinsos/usulan/{proposal_id}", {"version": VERSION_RE.search(page).group(1),
                                                           "action": action, "reason": reason})


def test_ditetapkan_activates_the_new_household(app, login):
    proposal_id, household_id = _sent_baru(app)
    dinsos = login("dinsos")
    page = dinsos.get(f"/dinsos/usulan/{proposal_id}").data.decode()
    assert "Hasil dari Kementerian Sosial" in page and 'value="tetapkan"' in page
    assert _decide(dinsos, proposal_id, "tetapkan").status_code == 303
    with app.app_context():
        assert db.session.get(Proposal, proposal_id).status == "ditetapkan"
        assert db.session.get(Household, household_id).status == "aktif"
        actions = db.session.scalars(select(Decision.action).where(Decision.proposal_id == proposal_id)).all()
        assert actions[-2:] == ["kirim", "tetapkan"]


def test_ditolak_kementerian_needs_a_reason_and_keeps_the_household_as_nonaktif(app, login):
    proposal_id, household_id = _sent_baru(app)
    dinsos = login("dinsos")
    refused = _decide(dinsos, proposal_id, "tolak_kementerian", "tidak")
    assert refused.status_code == 422 and "alasan minimal 10 karakter" in refused.data.decode()
    assert _decide(dinsos, proposal_id, "tolak_kementerian", "NIK tidak padan dengan data Dukcapil").status_code == 303
    with app.app_context():
        household = db.session.get(Household, household_id)
        assert (household.status, household.nonaktif_reason) == ("nonaktif", "ditolak_kementerian")
        assert db.session.get(Proposal, proposal_id).status == "ditolak_kementerian"


def test_only_dinas_sosial_records_the_outcome(app, login):
    proposal_id, _ = _sent_baru(app)
    kecamatan = login("camat.bontang-utara")
    assert kecamatan.get("/kecamatan/usulan").status_code == 200
    page = kecamatan.get(f"/kecamatan/usulan/{proposal_id}")
    assert page.status_code in (200, 404)
    assert 'value="tetapkan"' not in page.data.decode()
