"""Large letters are made in the background, with a progress page; a failure leaves no half-written letter."""
import re
import time

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Letter, LetterJob, Proposal, User
from portal.services import letter_jobs, letters
from tests.conftest import Visitor, empty_redis_or_skip, make_app

REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture
def background_app(template_db):
    """Every Surat Usulan counts as large here (LETTER_BACKGROUND_ROWS=0)."""
    url = template_db.copy()
    app = make_app(url, UPLOAD_DIR=str(template_db.uploads), LETTER_BACKGROUND_ROWS=0)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    template_db.drop(url)


def _ready(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Proposal.id).where(Proposal.status == "disetujui_dinsos")))


def _wait_for(app, job_id: int, seconds: float = 60) -> LetterJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with app.app_context():
            job = db.session.get(LetterJob, job_id)
            if job.status in ("selesai", "gagal"):
                db.session.expunge(job)
                return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {seconds} s")


def test_a_large_letter_is_made_in_the_background_with_a_progress_page(background_app):
    ready = _ready(background_app)
    dinsos = Visitor(background_app)
    dinsos.login("dinsos")
    dinsos.get("/dinsos/surat")
    response = dinsos.post("/dinsos/surat", {"ids": [str(i) for i in ready], "sifat": "Biasa"})
    assert response.status_code == 303
    job_id = int(re.search(r"/surat/proses/(\d+)$", response.headers["Location"]).group(1))
    job = _wait_for(background_app, job_id)
    assert job.status == "selesai", job.error
    page = dinsos.get(f"/dinsos/surat/proses/{job_id}").data.decode()
    assert "selesai dibuat" in page
    inline = f'<form method="get" action="/surat/{job.letter_id}/unduh" hx-boost="false" class="download">'
    assert inline in page and '<select name="keperluan" required' in page  # the download asks its purpose
    poll = dinsos.get(f"/dinsos/surat/proses/{job_id}", headers={"HX-Request": "true"}).data.decode()
    assert "<html" not in poll and "selesai dibuat" in poll and inline in poll  # htmx polls only the status block
    with background_app.app_context():
        assert {db.session.get(Proposal, i).status for i in ready} == {"dikirim_kementerian"}
        assert db.session.get(Letter, job.letter_id).pdf.startswith(b"%PDF")


def test_a_failed_job_leaves_no_letter_and_can_be_retried(background_app):
    ready = _ready(background_app)
    with background_app.app_context():
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        job = letter_jobs.request_usulan(dinsos, ready, "Biasa")
        db.session.commit()
        job_id = job.id
        letters.issue_usulan(dinsos, ready[:1], "Biasa")  # someone sends one of them first
        db.session.commit()
        before = db.session.scalar(select(func.count()).select_from(Letter))
        letter_jobs.run(job_id)
        job = db.session.get(LetterJob, job_id)
        assert job.status == "gagal" and "sudah dikirim" in job.error
        assert db.session.scalar(select(func.count()).select_from(Letter)) == before
    visitor = Visitor(background_app)
    visitor.login("dinsos")
    page = visitor.get(f"/dinsos/surat/proses/{job_id}").data.decode()
    assert "gagal dibuat" in page and "Coba lagi" in page
    assert visitor.post(f"/dinsos/surat/proses/{job_id}/ulang", {}).status_code == 303
    assert _wait_for(background_app, job_id).status == "gagal"  # the same reason again, still no letter


def test_with_redis_the_job_goes_through_an_rq_worker(background_app):
    connection = empty_redis_or_skip(REDIS_URL)
    background_app.config["REDIS_URL"] = REDIS_URL
    ready = _ready(background_app)
    with background_app.app_context():
        dinsos = db.session.scalar(select(User).where(User.username == "dinsos"))
        job = letter_jobs.request_usulan(dinsos, ready, "Segera")
        db.session.commit()
        letter_jobs.enqueue(job.id)
        assert Queue(letter_jobs.QUEUE, connection=connection).count == 1
        SimpleWorker([Queue(letter_jobs.QUEUE, connection=connection)], connection=connection).work(burst=True)
        db.session.expire_all()
        job = db.session.get(LetterJob, job.id)
        assert job.status == "selesai", job.error
        assert db.session.get(Letter, job.letter_id).data["sifat"] == "Segera"
    connection.flushdb()
