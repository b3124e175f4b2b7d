"""Faults that can be reproduced inside the test client (docs/FAULTS.md has the whole list and the live runs).

- A full disk while an evidence file is written: nothing half-written may stay, on disk or in the database.
- Redis unreachable (REDIS_URL set, Redis down): signing in and asking for a background letter.
- A worker killed while it renders a letter in the background: the job row stays as the killed worker left it.

Each fault found a real bug (docs/FAULTS.md F1–F4); the tests here pin the fixed behaviour.
"""
import errno
import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import Evidence, Letter, LetterJob, Proposal
from portal.models.types import utcnow
from portal.services import evidence as evidence_service
from portal.services import letter_jobs
from tests.conftest import PG_URL, Visitor, make_app
from tests.database import read, write
from tests.integration.rt_wizard import RT1, Rt, png_bytes

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


# --- the database unreachable (PostgreSQL restarting) ----------------------------------------------------

def test_database_down_shows_the_portal_error_page(app, login, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from portal.services import sessions
    signed_in = login("lurah.api-api")
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def down(*_args, **_kw):
        raise OperationalError("SELECT 1", {}, Exception("the database system is shutting down"))

    monkeypatch.setattr(sessions, "load", down)  # every query of the request fails, as during a restart
    try:
        response = signed_in.get("/kelurahan/antrian")
    except OperationalError:
        pytest.fail("the error escaped the app: gunicorn answers its own bare 'Internal Server Error'")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Layanan sedang dipulihkan" in page and "Data yang sudah tersimpan aman" in page
    assert "Keluar" not in page  # no menu: the page needs nothing from the database


# --- disk full on upload ---------------------------------------------------------------------------------

@pytest.fixture
def full_disk(app, monkeypatch):
    """Writing evidence fails with ENOSPC after the first bytes, as a full file system does. Unexpected errors
    answer with the 500 page, as in production (the test client would raise them otherwise)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def receive(stream, out, max_bytes):
        out.write(stream.read(1024))
        out.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(evidence_service, "_receive", receive)


def _files_under(app) -> list[str]:
    from pathlib import Path
    return sorted(str(p) for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())


def _upload_on_full_disk(app, login):
    rt = Rt(login(RT1))
    pid = rt.start_baru()
    files_before = _files_under(app)
    response = rt.upload(pid, "kk", png_bytes())
    return rt, pid, files_before, response


def test_full_disk_on_upload_leaves_no_partial_file_and_no_row(app, login, full_disk):
    _, pid, files_before, response = _upload_on_full_disk(app, login)
    assert response.status_code >= 400
    assert _files_under(app) == files_before  # the .part file was removed
    assert read(app, lambda: db.session.scalar(select(func.count()).select_from(Evidence)
                                               .where(Evidence.proposal_id == pid))) == 0


def test_full_disk_on_upload_tells_the_user_clearly(app, login, full_disk):
    rt, pid, _, response = _upload_on_full_disk(app, login)
    assert response.status_code == 422
    assert "penyimpanan" in response.get_data(as_text=True).lower()
    assert rt.get(f"/rt/usulan/{pid}/langkah/berkas").status_code == 200  # the draft is still there


# --- Redis unavailable -----------------------------------------------------------------------------------

@pytest.fixture
def redis_down_app(template_db):
    """REDIS_URL set (throttling counters and jobs in Redis), but Redis is not reachable."""
    url = template_db.copy()
    app = make_app(url, UPLOAD_DIR=str(template_db.uploads), REDIS_URL=UNREACHABLE_REDIS,
                   RATELIMIT_STORAGE_URI=UNREACHABLE_REDIS, LETTER_BACKGROUND_ROWS=0, PROPAGATE_EXCEPTIONS=False)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    template_db.drop(url)


def test_sign_in_works_while_redis_is_down(redis_down_app):
    response = Visitor(redis_down_app).login("lurah.api-api")
    assert response.status_code == 200 and response.request.path == "/kelurahan/"


def test_failed_sign_ins_are_still_throttled_while_redis_is_down(redis_down_app):
    """Counted in the worker's memory meanwhile (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED)."""
    visitor = Visitor(redis_down_app)
    answers = [visitor.login("lurah.kanaan", password="salah-sandi-123").status_code for _ in range(6)]
    assert answers[-1] == 429, answers


def _ask_for_background_letter(app):
    ready = read(app, lambda: list(db.session.scalars(select(Proposal.id)
                                                     .where(Proposal.status == "disetujui_dinsos"))))
    assert ready
    dinsos = Visitor(app)
    # Sign in on an app without the Redis limiter (the login fault is the test above); the letter is the point.
    twin = make_app(app.config["SQLALCHEMY_DATABASE_URI"], UPLOAD_DIR=app.config["UPLOAD_DIR"])
    signed_in = Visitor(twin)
    assert signed_in.login("dinsos").status_code == 200
    dinsos.client.set_cookie(app.config["SESSION_COOKIE_NAME"],
                             signed_in.client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value)
    dinsos.get("/dinsos/surat")
    with twin.app_context():
        db.engine.dispose()
    return dinsos.post("/dinsos/surat", {"ids": [str(i) for i in ready], "sifat": "Biasa"})


def test_redis_down_when_a_letter_is_queued_runs_it_in_the_process(redis_down_app):
    """The job row is committed before the queue is asked: with Redis down it runs in a thread, never orphaned."""
    letters_before = read(redis_down_app, lambda: db.session.scalar(select(func.count()).select_from(Letter)))
    response = _ask_for_background_letter(redis_down_app)
    assert response.status_code == 303 and "/surat/proses/" in response.headers["Location"]
    job_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    deadline = time.monotonic() + 120
    while read(redis_down_app, lambda: db.session.get(LetterJob, job_id).status) in ("antri", "berjalan"):
        assert time.monotonic() < deadline, "the letter job never finished"
        time.sleep(0.2)
    assert read(redis_down_app, lambda: db.session.get(LetterJob, job_id).status) == "selesai"
    assert read(redis_down_app, lambda: db.session.scalar(select(func.count()).select_from(Letter))) == \
        letters_before + 1


# --- a worker killed while it renders a letter -----------------------------------------------------------

def _killed_job(app) -> int:
    """A letter job as a SIGKILLed worker leaves it: 'berjalan' committed, the letter's transaction lost."""
    ready = read(app, lambda: list(db.session.scalars(select(Proposal.id)
                                                     .where(Proposal.status == "disetujui_dinsos"))))

    def make():
        from portal.models import User
        actor = db.session.scalar(select(User).where(User.username == "dinsos"))
        job = letter_jobs.request_usulan(actor, ready, "Biasa")
        job.status, job.progress = "berjalan", 10  # what run() commits before it renders
        return job.id
    return write(app, make)


def test_a_killed_render_leaves_no_half_letter(app):
    letters_before = read(app, lambda: db.session.scalar(select(func.count()).select_from(Letter)))
    job_id = _killed_job(app)
    assert read(app, lambda: db.session.get(LetterJob, job_id).letter_id) is None
    assert read(app, lambda: db.session.scalar(select(func.count()).select_from(Letter))) == letters_before
    with app.app_context():  # run() only picks up a job in state 'antri'
        letter_jobs.run(job_id)
    assert read(app, lambda: db.session.get(LetterJob, job_id).status) == "berjalan"  # nobody re-runs it


def test_a_killed_render_can_be_retried(app):
    job_id = _killed_job(app)
    write(app, lambda: db.session.execute(update(LetterJob).where(LetterJob.id == job_id)
                                          .values(created_at=utcnow() - timedelta(hours=2))))  # hours later
    dinsos = Visitor(app)
    dinsos.login("dinsos")
    page = dinsos.get(f"/dinsos/surat/proses/{job_id}").get_data(as_text=True)
    retry = re.search(r'action="([^"]*/ulang)"', page)
    assert retry, "the progress page of a dead job offers no retry"


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="cuts a PostgreSQL backend; set TEST_DATABASE_URL")
def test_a_connection_cut_after_the_page_was_built_still_sends_the_page(app, login):
    """F1 live: PostgreSQL restarting between a page's last query and the end of its request."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    signed_in = login("lurah.api-api")
    cut = []

    def terminate_this_request_backend(response):
        pid = db.session.scalar(text("SELECT pg_backend_pid()"))  # the request's transaction is still open
        with create_engine(PG_URL, poolclass=NullPool).connect() as other:
            cut.append(other.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}))
        return response

    app.after_request_funcs.setdefault(None, []).append(terminate_this_request_backend)  # app already served
    response = signed_in.get("/kelurahan/antrian")
    assert cut == [True]
    assert response.status_code == 200 and "Antrian" in response.get_data(as_text=True)
    app.after_request_funcs[None].remove(terminate_this_request_backend)
    assert signed_in.get("/kelurahan/antrian").status_code == 200  # the pool gave a live connection again
