"""Every route x every role, plus anonymous and a user of the same role in another area.

The matrix is built from app.url_map: a new route that is not listed in ROUTES fails
`test_every_route_is_in_the_matrix`, so nobody can add a page without deciding who may open it.
Expected: anonymous -> login page; other roles -> 403; own role, own area -> 200 (GET);
own role, another area -> 404 (we never reveal that the object exists).
"""
import io
from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.extensions import db
from portal.models import (Area, DataImport, Evidence, Household, Letter, LetterJob, Muskel, Proposal, User,
                           VerivaliItem, VerivaliPeriod)
from portal.models.types import utcnow
from portal.services import evidence as evidence_service
from portal.services import letters as letter_service
from portal.services import muskel as muskel_service
from tests.conftest import Visitor

PUBLIC, SIGNED_IN = "public", "signed-in"

# Which demo account acts for each role, and which account of the same role lives in another area.
ACTORS = {
    "rt": ("rt.api-api.001", "rt.kanaan.001"),
    "kelurahan": ("lurah.api-api", "lurah.kanaan"),
    "kecamatan": ("camat.bontang-utara", "camat.bontang-barat"),
    "dinsos": ("dinsos", None),
    "admin": ("admin", None),
}


def _area(code):
    return {"area_id": db.session.scalar(select(Area.id).where(Area.code == code))}


def _user(username):
    return {"user_id": db.session.scalar(select(User.id).where(User.username == username))}


def _evidence(app):
    """An evidence file of a submitted proposal in RT 001 of Api-Api (a draft's is the RT's alone, see
    test_evidence); added on the first call if the demo seed has none."""
    rt = db.session.scalar(select(Area).where(Area.code == "64.74.01.1006.001"))
    found = db.session.scalar(select(Evidence.id).join(Evidence.proposal)
                              .where(Proposal.area_id == rt.id, Proposal.submitted_at.is_not(None),
                                     Evidence.removed_at.is_(None)))
    if found is None:
        owner = db.session.scalar(select(User).where(User.username == "rt.api-api.001"))
        proposal = Proposal(kind="baru", area=rt, created_by=owner, draft={})
        db.session.add(proposal)
        db.session.flush()
        pdf = FileStorage(io.BytesIO(b"%PDF-1.4\n%%EOF\n"), filename="kk.pdf")
        found = evidence_service.store(owner, proposal, "kk", pdf).id
        proposal.status, proposal.submitted_at = "diajukan", utcnow()
        db.session.commit()
    return {"evidence_id": found}


RT_CODE = "64.74.01.1006.001"  # RT 001 of Api-Api: where rt.api-api.001 works


def _household(app):
    rt_id = db.session.scalar(select(Area.id).where(Area.code == RT_CODE))
    return {"household_id": db.session.scalar(select(Household.id).where(Household.area_id == rt_id).limit(1))}


def _proposal(kind, status="draf", **extra):
    """Arguments naming a demo proposal of RT 001 Api-Api (the seed makes one of each kind and state)."""

    def args(app):
        rt_id = db.session.scalar(select(Area.id).where(Area.code == RT_CODE))
        proposal = db.session.scalar(select(Proposal).where(Proposal.area_id == rt_id, Proposal.kind == kind,
                                                            Proposal.status == status).limit(1))
        values = {"proposal_id": proposal.id}
        for name, pick in extra.items():
            values[name] = pick(proposal) if callable(pick) else pick
        return values

    return args


def _muskel(app):
    """A meeting of Kelurahan Api-Api (the first call opens one)."""
    kelurahan = db.session.scalar(select(Area).where(Area.code == "64.74.01.1006"))
    found = db.session.scalar(select(Muskel.id).where(Muskel.area_id == kelurahan.id))
    if found is None:
        lurah = db.session.scalar(select(User).where(User.username == "lurah.api-api"))
        found = muskel_service.open_meeting(lurah, date(2026, 11, 2), "Aula Kelurahan", date(2026, 11, 27)).id
        db.session.commit()
    return {"muskel_id": found}


def _letter(app):
    """The demo Surat Usulan (issued by Dinas Sosial for the city)."""
    return {"letter_id": db.session.scalar(select(Letter.id).order_by(Letter.id).limit(1))}


def _letter_job(app):
    """A (failed) background letter job of Dinas Sosial; the first call records one."""
    found = db.session.scalar(select(LetterJob.id).limit(1))
    if found is None:
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        job = LetterJob(kind="usulan", params={"proposal_ids": [], "sifat": "Biasa"}, requested_by_id=dinsos.id,
                        office_id=letter_service.office_for(dinsos.area).id, status="gagal", error="uji")
        db.session.add(job)
        db.session.commit()
        found = job.id
    return {"job_id": found}


def _import(app):
    """An import record (kept by Dinas Sosial, city-wide); made on the first call."""
    found = db.session.scalar(select(DataImport.id).limit(1))
    if found is None:
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        record = DataImport(kind="dtks", filename="uji.csv", stored_name="0" * 32, sha256="0" * 64, size=1,
                            uploaded_by_id=dinsos.id, status="ditolak", message="uji")
        db.session.add(record)
        db.session.commit()
        found = record.id
    return {"import_id": found}


def _period(app):
    """The demo's open verivali period (city-wide)."""
    return {"period_id": db.session.scalar(select(VerivaliPeriod.id).limit(1))}


def _verivali_item(app):
    """An item of the demo period in RT 001 Api-Api."""
    rt_id = db.session.scalar(select(Area.id).where(Area.code == RT_CODE))
    return {"item_id": db.session.scalar(select(VerivaliItem.id).where(VerivaliItem.area_id == rt_id).limit(1))}


def _admin_session(app):
    """A session of the admin account: anyone else who tries to end it gets 404."""
    from portal.models import UserSession

    admin = db.session.scalar(select(User).where(User.username == "admin"))
    found = db.session.scalar(select(UserSession.id).where(UserSession.user_id == admin.id).limit(1))
    if found is None:
        row = UserSession(user=admin, token_hash="0" * 64)
        db.session.add(row)
        db.session.commit()
        found = row.id
    return {"session_id": found}


def _asset(app):
    return {"filename": app.extensions["assets"]["portal.css"].hashed_name}


# endpoint -> (who may use it, URL arguments inside the acting user's area)
ROUTES = {
    "main.index": (PUBLIC, None),
    "main.healthz": (PUBLIC, None),
    "auth.login": (PUBLIC, None),
    "assets.serve": (PUBLIC, _asset),
    "auth.logout": (SIGNED_IN, None),
    "auth.change_password": (SIGNED_IN, None),
    "auth.login_code": (PUBLIC, None),
    **{f"auth.{endpoint}": (SIGNED_IN, None) for endpoint in (
        "security", "security_start", "security_confirm", "security_recovery_codes", "security_disable",
        "my_sessions", "sessions_end_others")},
    "auth.session_end": (SIGNED_IN, _admin_session),
    "rt.home": ("rt", None),
    "kelurahan.home": ("kelurahan", None),
    "kelurahan.rt_detail": ("kelurahan", lambda app: _area("64.74.01.1006.001")),
    "kecamatan.home": ("kecamatan", None),
    "kecamatan.kelurahan_detail": ("kecamatan", lambda app: _area("64.74.01.1006")),
    "dinsos.home": ("dinsos", None),
    "rt.households": ("rt", None),
    "rt.household": ("rt", _household),
    "rt.household_propose": ("rt", _household),
    "rt.proposal_list": ("rt", None),
    "rt.proposal_new": ("rt", None),
    "rt.proposal": ("rt", _proposal("baru", "diajukan")),
    "rt.proposal_resume": ("rt", _proposal("perbaikan")),
    "rt.proposal_step": ("rt", _proposal("perbaikan", step="tinjau")),
    "rt.member_new": ("rt", _proposal("perbaikan")),
    "rt.member": ("rt", _proposal("perbaikan", key=lambda p: p.draft["members"][0]["key"])),
    "rt.member_leave": ("rt", _proposal("perbaikan", key=lambda p: p.draft["members"][0]["key"])),
    "rt.ppks_remove": ("rt", _proposal("perbaikan", index=0)),
    "rt.evidence_remove": ("rt", _proposal("perbaikan", evidence_id=1)),
    "rt.proposal_submit": ("rt", _proposal("perbaikan")),
    "rt.proposal_withdraw": ("rt", _proposal("perbaikan")),
    **{f"{level}.{endpoint}": (level, args) for level in ("kelurahan", "kecamatan", "dinsos")
       for endpoint, args in (("queue", None), ("proposals", None), ("batch", None),
                              ("review_page", _proposal("baru", "diajukan")))},
    "dinsos.verification_note": ("dinsos", _proposal("baru", "diajukan")),
    "dinsos.audit": ("dinsos", None),
    "dinsos.letters_page": ("dinsos", None),
    "dinsos.letter_keterangan": ("dinsos", None),
    "dinsos.letter_job": ("dinsos", _letter_job),
    "dinsos.letter_job_retry": ("dinsos", _letter_job),
    "kelurahan.letters_page": ("kelurahan", None),
    "rt.letters_page": ("rt", None),
    "kecamatan.letters_page": ("kecamatan", None),
    "kelurahan.muskel_berita_acara": ("kelurahan", _muskel),
    "dinsos.letter_revoke": ("dinsos", _letter),
    "letters.download": (SIGNED_IN, _letter),
    "public.verify": (PUBLIC, lambda app: {"token": db.session.scalar(select(Letter.verify_token).limit(1))}),
    "public.privacy": (PUBLIC, None),
    "dinsos.data_subject_export": ("dinsos", None),
    "kelurahan.muskel_list": ("kelurahan", None),
    "kelurahan.muskel": ("kelurahan", _muskel),
    "kelurahan.muskel_participant": ("kelurahan", _muskel),
    "kelurahan.muskel_participant_remove": ("kelurahan", lambda app: {**_muskel(app), "participant_id": 1}),
    "kelurahan.muskel_verdicts": ("kelurahan", _muskel),
    "kelurahan.muskel_finalise": ("kelurahan", _muskel),
    "admin.home": ("admin", None),
    "admin.users": ("admin", None),
    "admin.user_new": ("admin", None),
    "admin.user_detail": ("admin", lambda app: _user("rt.api-api.001")),
    "admin.user_status": ("admin", lambda app: _user("rt.api-api.001")),
    "admin.user_reset_password": ("admin", lambda app: _user("rt.api-api.001")),
    "admin.user_reset_two_factor": ("admin", lambda app: _user("rt.api-api.001")),
    "admin.areas": ("admin", None),
    "admin.audit": ("admin", None),
    "admin.kelurahan_rts": ("admin", lambda app: _area("64.74.01.1006")),
    "admin.rt_edit": ("admin", lambda app: _area("64.74.01.1006.001")),
    "admin.offices": ("admin", None),
    "admin.office_edit": ("admin", lambda app: _area("64.74")),
    "admin.office_logo": ("admin", lambda app: _area("64.74")),
    "files.download": (SIGNED_IN, _evidence),
    "rt.household_ranking": ("rt", _household),
    **{f"{level}.{endpoint}": (level, args) for level in ("kelurahan", "kecamatan", "dinsos")
       for endpoint, args in (("households", None), ("household", _household), ("household_ranking", _household),
                              ("dashboard_page", None), ("dashboard_csv", lambda app: {"name": "kriteria"}))},
    "dinsos.ranking_recompute": ("dinsos", None),
    **{f"{level}.export_page": (level, None) for level in ("kelurahan", "kecamatan", "dinsos")},
    "dinsos.household_program": ("dinsos", _household),
    **{f"dinsos.{endpoint}": ("dinsos", args) for endpoint, args in (
        ("imports_page", None), ("import_detail", _import), ("import_apply", _import), ("import_cancel", _import),
        ("import_errors", _import), ("import_sample", lambda app: {"name": "contoh-dtks.csv"}),
        ("verivali_open", None), ("verivali_close", _period))},
    "rt.verivali_checklist": ("rt", None),
    "rt.verivali_record": ("rt", _verivali_item),
    "kelurahan.verivali_record": ("kelurahan", _verivali_item),
    **{f"{level}.{endpoint}": (level, args) for level in ("kelurahan", "kecamatan", "dinsos")
       for endpoint, args in (("verivali_periods", None), ("verivali_period", _period),
                              ("verivali_open_items", _period), ("verivali_recap_csv", _period),
                              ("verivali_recap_letter", _period), ("verivali_recap_xlsx", _period))},
}


def _rules(app):
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


def _url(app, endpoint):
    from flask import url_for

    _, args = ROUTES[endpoint]
    with app.test_request_context():
        return url_for(endpoint, **(args(app) if args else {}))


def _methods(app, endpoint):
    return sorted(_rules(app)[endpoint].methods - {"HEAD", "OPTIONS"})


@pytest.fixture(scope="module")
def visitors(shared_app):
    signed_in = {}
    for own, foreign in ACTORS.values():
        for username in filter(None, (own, foreign)):
            v = Visitor(shared_app)
            assert v.login(username).status_code == 200
            signed_in[username] = v
    return signed_in


def _call(visitor, method, url):
    if method == "GET":
        return visitor.get(url)
    # Forbidden POSTs carry a valid CSRF token, so the refusal we see is the access rule, not CSRF.
    return visitor.post(url, {})


def test_every_route_is_in_the_matrix(shared_app):
    assert set(_rules(shared_app)) == set(ROUTES), "add new routes to ROUTES with who may use them"


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_anonymous(shared_app, endpoint):
    who, _ = ROUTES[endpoint]
    for method in _methods(shared_app, endpoint):
        response = _call(Visitor(shared_app), method, _url(shared_app, endpoint))
        if who == PUBLIC:
            assert response.status_code in (200, 302, 422), (method, response.status_code)
            assert not response.headers.get("Location", "").startswith("/login?next")
        else:
            assert response.status_code == 302, (method, response.status_code)
            assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("role", sorted(ACTORS))
@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_role_in_own_area(shared_app, visitors, endpoint, role):
    who, _ = ROUTES[endpoint]
    visitor = visitors[ACTORS[role][0]]
    url = _url(shared_app, endpoint)
    for method in _methods(shared_app, endpoint):
        if endpoint in OFFICE_SCOPED:  # any signed-in user, but only the listed roles get the object
            response = visitor.get(url)
            assert response.status_code == (200 if role in OFFICE_SCOPED[endpoint] else 404), (url, role)
        elif who in (role, PUBLIC, SIGNED_IN):
            if method == "GET":  # allowed writes are exercised by the feature tests
                response = visitor.get(url)
                expected = (200,) if who == role and endpoint not in REDIRECTS else (200, 302, 303)
                assert response.status_code in expected, (method, url, response.status_code)
        else:
            response = _call(visitor, method, url)
            assert response.status_code == 403, (method, url, response.status_code)
            assert "Akses ditolak" in response.data.decode()


# Routes that take an object of an area, for each role that may use them and has a user in another area.
# Their URL argument is not bound to an area (a table name, a city-wide verivali period): another area's user
# sees the same page filled with their own area's data, which the feature tests check.
NOT_AREA_BOUND = (".dashboard_csv", ".verivali_period", ".verivali_open_items", ".verivali_recap_csv",
                  ".verivali_recap_letter", ".verivali_recap_xlsx")
FOREIGN_CASES = sorted((endpoint, role) for endpoint, (who, args) in ROUTES.items()
                       if args and not endpoint.endswith(NOT_AREA_BOUND)
                       for role, (_, foreign) in ACTORS.items() if foreign and who in (role, SIGNED_IN))
# Signed-in routes whose object only some roles see (a city letter scoped by its issuing office) -> those roles;
# every other signed-in role gets 404.
# An evidence file is readable exactly when its proposal is: the RT and the reviewing levels, never the admin.
OFFICE_SCOPED = {"letters.download": ("dinsos", "admin"), "files.download": ("rt", "kelurahan", "kecamatan", "dinsos")}
# GET routes whose normal answer is a redirect (to a page or to the next step).
REDIRECTS = {"rt.proposal_resume"}


@pytest.mark.parametrize("endpoint, role", FOREIGN_CASES)
def test_same_role_other_area_gets_404(shared_app, visitors, endpoint, role):
    visitor = visitors[ACTORS[role][1]]
    url = _url(shared_app, endpoint)
    for method in _methods(shared_app, endpoint):
        response = _call(visitor, method, url)
        assert response.status_code == 404, (method, url, response.status_code)
        assert "Halaman tidak ditemukan" in response.data.decode()
