"""Evidence files: what the upload service keeps and refuses, and who may open a file."""
import hashlib
import io
import os
import re
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from portal.assets import STATIC_DIR
from portal.domain.errors import DomainError
from portal.extensions import db
from portal.models import Area, AuditEvent, Evidence, Proposal, User
from portal.models.types import utcnow
from portal.services import evidence as evidence_service

RT_001 = "64.74.01.1006.001"
OWNER = "rt.api-api.001"
STORED_PATH = re.compile(r"([0-9a-f]{2})/(\1[0-9a-f]{30})")


def png_bytes(size=(120, 90)) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(120, 90)) -> bytes:
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, "JPEG", quality=80)
    return out.getvalue()


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def proposal_id(app):
    """A fresh draft BARU proposal of RT 001 Api-Api."""
    with app.app_context():
        rt = db.session.scalar(select(Area).where(Area.code == RT_001))
        owner = db.session.scalar(select(User).where(User.username == OWNER))
        proposal = Proposal(kind="baru", area=rt, created_by=owner, draft={})
        db.session.add(proposal)
        db.session.commit()
        return proposal.id


def upload(app, proposal_id, data: bytes, filename: str, kind="kk", content_type="image/jpeg") -> dict:
    """Run the service as the owner RT, commit like a view would; return what was stored."""
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == OWNER))
        proposal = db.session.get(Proposal, proposal_id)
        file = FileStorage(io.BytesIO(data), filename=filename, content_type=content_type)
        evidence = evidence_service.store(owner, proposal, kind, file)
        db.session.commit()
        return {"id": evidence.id, "path": evidence_service.path_of(evidence), "name": evidence.original_name,
                "type": evidence.content_type, "size": evidence.size, "sha256": evidence.sha256}


def set_status(app, proposal_id, status, submitted=None):
    """Move the proposal to `status`; `submitted` says whether the RT ever submitted it (default: unless a draft)."""
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        proposal.status = status
        proposal.submitted_at = utcnow() if (status != "draf" if submitted is None else submitted) else None
        db.session.commit()


def files_in(app) -> set[Path]:
    """Every file under UPLOAD_DIR (shared by the tests: the demo seed keeps its evidence there too)."""
    return {p.resolve() for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file()}


def evidence_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Evidence))


# --- storing --------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, filename, expected_type", [
    (png_bytes, "foto rumah budi.png", "image/png"),
    (jpeg_bytes, "../../rumah_depan.jpg", "image/jpeg"),
    (pdf_bytes, "C:\\Dokumen\\kartu keluarga.pdf", "application/pdf"),
])
def test_valid_files_are_kept_under_a_random_name_outside_static(app, proposal_id, make, filename, expected_type):
    data, before = make(), files_in(app)
    stored = upload(app, proposal_id, data, filename, content_type="application/octet-stream")

    upload_dir = Path(app.config["UPLOAD_DIR"]).resolve()
    path = stored["path"].resolve()
    relative = path.relative_to(upload_dir).as_posix()  # raises when outside UPLOAD_DIR
    assert STORED_PATH.fullmatch(relative), relative
    assert not path.is_relative_to(STATIC_DIR.resolve())
    for word in re.findall(r"[a-z]{3,}", filename.lower()):
        assert word not in relative
    assert files_in(app) - before == {path}  # and no temporary file left behind
    assert path.read_bytes() == data
    assert stored["sha256"] == hashlib.sha256(data).hexdigest()
    assert (stored["type"], stored["size"]) == (expected_type, len(data))  # by content, not the sent type
    assert stored["name"] == re.split(r"[/\\]", filename)[-1]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "evidence.upload",
                                                           AuditEvent.target_id == stored["id"]))
        assert event.detail == {"kind": "kk", "proposal_id": proposal_id}


def test_same_file_twice_gets_two_different_stored_names(app, proposal_id):
    data = png_bytes()
    first, second = (upload(app, proposal_id, data, "kk.png") for _ in range(2))
    assert first["path"] != second["path"] and first["sha256"] == second["sha256"]


def _truncated(make):
    return lambda: make()[: len(make()) // 2]


def _png_with_bad_checksum():
    data = bytearray(png_bytes())
    data[len(data) // 2] ^= 0xFF
    return bytes(data)


@pytest.mark.parametrize("make, filename, message", [
    (lambda: b"MZ\x90\x00" + os.urandom(4000), "foto.jpg", "Jenis berkas tidak didukung. Unggah JPG, PNG atau PDF."),
    (lambda: b"<svg onload=alert(1)></svg>", "kk.png", "Jenis berkas tidak didukung. Unggah JPG, PNG atau PDF."),
    (lambda: b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024), "kk.pdf", "Ukuran berkas melebihi 5 MB."),
    (lambda: b"", "kk.jpg", "Berkas kosong."),
    (lambda: png_bytes()[:300], "kk.png", "Berkas gambar rusak atau tidak dapat dibaca."),
    (lambda: jpeg_bytes()[:-400], "kk.jpg", "Berkas gambar rusak atau tidak dapat dibaca."),
    (_png_with_bad_checksum, "kk.png", "Berkas gambar rusak atau tidak dapat dibaca."),
    (lambda: b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10, "kk.jpg", "Berkas gambar rusak atau tidak dapat dibaca."),
    (lambda: pdf_bytes()[:-40], "kk.pdf", "Berkas PDF rusak atau tidak lengkap."),
])
def test_refused_files_leave_nothing_behind(app, proposal_id, make, filename, message):
    files, rows = files_in(app), evidence_count(app)
    with pytest.raises(DomainError) as refused:
        upload(app, proposal_id, make(), filename)
    assert (refused.value.message, refused.value.field) == (message, "file")
    assert (files_in(app), evidence_count(app)) == (files, rows)


def test_unknown_kind_is_refused(app, proposal_id):
    files = files_in(app)
    with pytest.raises(DomainError) as refused:
        upload(app, proposal_id, png_bytes(), "kk.png", kind="ktp_tetangga")
    assert refused.value.field == "kind"
    assert files_in(app) == files


@pytest.mark.parametrize("status", ["diajukan", "ditolak", "dibatalkan"])
def test_no_upload_once_the_proposal_left_the_rt(app, proposal_id, status):
    set_status(app, proposal_id, status)
    files = files_in(app)
    with pytest.raises(DomainError, match="tidak dapat diubah"):
        upload(app, proposal_id, png_bytes(), "kk.png")
    assert files_in(app) == files


def test_upload_allowed_again_when_returned_for_correction(app, proposal_id):
    set_status(app, proposal_id, "dikembalikan")
    assert upload(app, proposal_id, png_bytes(), "kk.png")["type"] == "image/png"


# --- removing --------------------------------------------------------------------------------------

def _remove(app, proposal_id, evidence_id):
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.username == OWNER))
        proposal = db.session.get(Proposal, proposal_id)
        evidence_service.remove(owner, proposal, db.session.get(Evidence, evidence_id))
        db.session.commit()


def test_removal_keeps_the_row_and_the_file(app, proposal_id):
    stored = upload(app, proposal_id, pdf_bytes(), "kk.pdf")
    _remove(app, proposal_id, stored["id"])
    with app.app_context():
        evidence = db.session.get(Evidence, stored["id"])
        assert evidence.removed_at is not None
        assert db.session.get(Proposal, proposal_id).active_evidence == []
        assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "evidence.remove", AuditEvent.target_id == stored["id"])) == 1
    assert stored["path"].is_file()


def test_no_removal_once_submitted(app, proposal_id):
    stored = upload(app, proposal_id, pdf_bytes(), "kk.pdf")
    set_status(app, proposal_id, "diajukan")
    with pytest.raises(DomainError, match="tidak dapat diubah"):
        _remove(app, proposal_id, stored["id"])


# --- downloading ------------------------------------------------------------------------------------

@pytest.fixture
def stored_jpeg(app, proposal_id):
    data = jpeg_bytes()
    return upload(app, proposal_id, data, "KK 6474011203900001 Budi.jpg") | {"data": data, "proposal_id": proposal_id}


UPPER_LEVELS = ["lurah.api-api", "camat.bontang-utara", "dinsos"]
# Each reader's page of the proposal: the file is readable exactly when this page is.
PROPOSAL_PAGE = {OWNER: "/rt/usulan/{}", "lurah.api-api": "/kelurahan/usulan/{}",
                 "camat.bontang-utara": "/kecamatan/usulan/{}", "dinsos": "/dinsos/usulan/{}"}


@pytest.mark.parametrize("username", [OWNER, *UPPER_LEVELS])
def test_users_of_the_area_can_open_the_file_once_submitted(app, login, stored_jpeg, username):
    set_status(app, stored_jpeg["proposal_id"], "diajukan")
    response = login(username).get(f"/berkas/{stored_jpeg['id']}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.data == stored_jpeg["data"]
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition = response.headers["Content-Disposition"]
    assert disposition == "inline; filename=KK Budi.jpg" or disposition == 'inline; filename="KK Budi.jpg"'
    assert "6474011203900001" not in disposition


def test_every_opening_of_a_file_is_in_the_audit_log(app, login, stored_jpeg):
    """A KK scan shows full NIKs: who opened it, when, for which proposal."""
    set_status(app, stored_jpeg["proposal_id"], "diajukan")
    lurah = login("lurah.api-api")
    for _ in range(2):
        assert lurah.get(f"/berkas/{stored_jpeg['id']}").status_code == 200
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "berkas.lihat")).all()
        lurah_id = db.session.scalar(select(User.id).where(User.username == "lurah.api-api"))
        opened = [(e.actor_id, e.target_id, e.detail["kind"], e.detail["reason"]) for e in events]
        reason = f"Memeriksa berkas usulan #{stored_jpeg['proposal_id']}"
        assert opened == [(lurah_id, stored_jpeg["id"], "kk", reason)] * 2


def test_pdf_is_shown_inline_as_pdf(app, login, proposal_id):
    stored = upload(app, proposal_id, pdf_bytes(), "surat.pdf", kind="surat_keterangan")
    response = login(OWNER).get(f"/berkas/{stored['id']}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline;")


@pytest.mark.parametrize("status, submitted", [("draf", False), ("dibatalkan", False), ("dikembalikan", True)])
def test_the_file_is_readable_exactly_when_the_proposal_is(app, login, stored_jpeg, status, submitted):
    """An RT's unsubmitted draft (also one withdrawn before it was ever submitted) is the RT's alone: the
    levels above get 404 for its page and for its KK scan; once it was submitted they read both."""
    set_status(app, stored_jpeg["proposal_id"], status, submitted)
    for username, page in PROPOSAL_PAGE.items():
        visitor = login(username)
        expected = 200 if submitted or username == OWNER else 404
        assert visitor.get(page.format(stored_jpeg["proposal_id"])).status_code == expected, (username, "page")
        response = visitor.get(f"/berkas/{stored_jpeg['id']}")
        assert response.status_code == expected, (username, "file")
        if expected == 404:
            assert response.data != stored_jpeg["data"]
            assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


@pytest.mark.parametrize("status", ["draf", "diajukan", "ditetapkan"])
def test_admin_never_opens_evidence(app, login, stored_jpeg, status):
    """The admin manages accounts, not the registry: no KK scan at any stage, and no audit entry of an opening."""
    set_status(app, stored_jpeg["proposal_id"], status)
    response = login("admin").get(f"/berkas/{stored_jpeg['id']}")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "berkas.lihat")) == 0


@pytest.mark.parametrize("username", ["rt.api-api.002", "rt.kanaan.001", "lurah.kanaan", "camat.bontang-barat"])
def test_users_of_other_areas_get_404(app, login, stored_jpeg, username):
    set_status(app, stored_jpeg["proposal_id"], "diajukan")
    response = login(username).get(f"/berkas/{stored_jpeg['id']}")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_anonymous_is_sent_to_login(visitor, stored_jpeg):
    response = visitor.get(f"/berkas/{stored_jpeg['id']}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_removed_or_unknown_file_is_404(app, login, proposal_id, stored_jpeg):
    owner = login(OWNER)
    _remove(app, proposal_id, stored_jpeg["id"])
    assert owner.get(f"/berkas/{stored_jpeg['id']}").status_code == 404
    assert owner.get(f"/berkas/{stored_jpeg['id'] + 1000}").status_code == 404
