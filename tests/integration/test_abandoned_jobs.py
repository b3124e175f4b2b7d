"""Imports and verivali period builds whose background worker died (a restart, a kill).

A dead worker leaves its job in the running state with nothing else committed: an import "memeriksa" (the
preview only reads) or "menerapkan" (the apply's one transaction is lost with its connection), a period
"menyiapkan" without items. Past background.JOB_TIMEOUT the pages settle it as failed with a clear message, and
the user starts again. The state is written here exactly as the killed worker leaves it (as test_faults does for
letter jobs); the PostgreSQL tests also settle a job while its worker is still writing, which then keeps nothing.
"""
import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select, update
from werkzeug.datastructures import FileStorage

from portal import clock
from portal.domain import verivali as rules
from portal.domain.verivali import PeriodRequest
from portal.extensions import db
from portal.models import Area, DataImport, Household, Person, User, VerivaliItem, VerivaliPeriod
from portal.models.types import utcnow
from portal.services import background, imports
from portal.services import verivali as periods
from tests.conftest import PG_URL
from tests.database import read, write
from tests.pages import text, visible

IMPORTS = "/dinsos/impor"
SAMPLE = (Path(imports.SAMPLE_DIR) / "contoh-dtks.csv").read_bytes()
API_API = "64.74.01.1006"
LONG_AGO = background.JOB_TIMEOUT + timedelta(minutes=1)
NOT_YET = background.JOB_TIMEOUT - timedelta(minutes=5)
STOPPED_TEXT = "terhenti sebelum selesai (server dimulai ulang)"


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def registry(app) -> tuple[int, int]:
    return read(app, lambda: (db.session.scalar(select(func.count()).select_from(Household)),
                              db.session.scalar(select(func.count()).select_from(Person))))


def import_state(app, import_id: int) -> tuple[str, str | None]:
    return read(app, lambda: (lambda r: (r.status, r.message))(db.session.get(DataImport, import_id)))


def upload(visitor, data: bytes = SAMPLE, name: str = "contoh-dtks.csv") -> int:
    visitor.get(IMPORTS)
    response = visitor.post(IMPORTS, {"kind": "dtks", "file": (io.BytesIO(data), name)},
                            content_type="multipart/form-data")
    assert response.status_code == 303, visible(response)[:300]
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def confirm(visitor, import_id: int):
    visitor.get(f"{IMPORTS}/{import_id}")
    return visitor.post(f"{IMPORTS}/{import_id}/terapkan")


def killed_preview(app, ago: timedelta) -> int:
    """An import whose preview worker died: 'memeriksa' with some progress, started `ago`."""
    def make():
        record = imports.receive(_user("dinsos"), "dtks", _file_storage())
        record.status, record.progress, record.started_at = "memeriksa", 45, utcnow() - ago
        return record.id
    return write(app, make)


def killed_apply(app, ago: timedelta) -> int:
    """An import confirmed for applying whose worker died: the claim committed, the apply's transaction lost."""
    def make():
        record = imports.receive(_user("dinsos"), "dtks", _file_storage())
        imports.run_preview(record.id)
        record = db.session.get(DataImport, record.id)
        assert record.status == "pratinjau" and not record.errors
        imports.request_apply(_user("dinsos"), record)  # what the confirm request commits before the job runs
        db.session.flush()
        db.session.execute(update(DataImport).where(DataImport.id == record.id)
                           .values(started_at=utcnow() - ago))
        return record.id
    return write(app, make)


def _file_storage() -> FileStorage:
    return FileStorage(io.BytesIO(SAMPLE), filename="contoh-dtks.csv")


# --- imports -------------------------------------------------------------------------------------------------------

def test_a_preview_whose_worker_died_is_failed_after_the_timeout_and_the_file_can_be_sent_again(app, login):
    dinsos = login("dinsos")
    recent = killed_preview(app, NOT_YET)
    page = dinsos.get(f"{IMPORTS}/{recent}")
    assert "<progress" in text(page) and import_state(app, recent)[0] == "memeriksa"  # may still be working

    dead = killed_preview(app, LONG_AGO)
    page = dinsos.get(f"{IMPORTS}/{dead}")
    assert page.status_code == 200 and "<progress" not in text(page)
    assert ("Pemeriksaan berkas terhenti sebelum selesai (server dimulai ulang). Silakan unggah berkasnya lagi. "
            "Registri tidak berubah.") in visible(page)
    assert import_state(app, dead) == ("gagal", imports.STOPPED["memeriksa"])
    assert "/terapkan" not in text(page)  # nothing to confirm

    with app.app_context():  # a worker that turns up late finds nothing to do
        imports.run_preview(dead)
    assert import_state(app, dead)[0] == "gagal"

    again = upload(dinsos)
    assert import_state(app, again)[0] == "pratinjau"
    before = registry(app)
    assert confirm(dinsos, again).status_code == 303
    assert import_state(app, again)[0] == "diterapkan"
    assert registry(app) == (before[0] + 1, before[1] + 3)


def test_an_apply_whose_worker_died_changed_nothing_is_failed_and_can_be_done_again(app, login):
    dinsos = login("dinsos")
    before = registry(app)
    dead = killed_apply(app, LONG_AGO)
    assert registry(app) == before
    page = dinsos.get(f"{IMPORTS}/{dead}")
    assert ("Penerapan berkas terhenti sebelum selesai (server dimulai ulang). Silakan unggah berkasnya lagi. "
            "Registri tidak berubah.") in visible(page)
    assert import_state(app, dead)[0] == "gagal" and registry(app) == before
    refused = dinsos.post(f"{IMPORTS}/{dead}/terapkan", follow_redirects=True)
    assert "Impor ini tidak sedang menunggu konfirmasi." in visible(refused)
    with app.app_context():
        imports.run_apply(dead)  # a late worker applies nothing either
    assert registry(app) == before

    again = upload(dinsos)
    assert confirm(dinsos, again).status_code == 303
    assert import_state(app, again)[0] == "diterapkan" and registry(app) == (before[0] + 1, before[1] + 3)


def test_the_import_list_settles_dead_jobs_and_leaves_live_and_finished_ones(app, login):
    dinsos = login("dinsos")
    dead_preview, dead_apply = killed_preview(app, LONG_AGO), killed_apply(app, LONG_AGO)
    live = killed_preview(app, NOT_YET)
    finished = upload(dinsos)
    write(app, lambda: db.session.execute(update(DataImport).where(DataImport.id == finished)
                                          .values(started_at=utcnow() - LONG_AGO)))
    page = dinsos.get(IMPORTS)
    assert page.status_code == 200
    assert [import_state(app, i)[0] for i in (dead_preview, dead_apply, live, finished)] == \
        ["gagal", "gagal", "memeriksa", "pratinjau"]
    assert len(re.findall(r"<td>Gagal", text(page))) >= 2


def test_an_import_from_before_started_at_is_judged_by_its_upload_time(app, login):
    dead = killed_preview(app, LONG_AGO)
    write(app, lambda: db.session.execute(update(DataImport).where(DataImport.id == dead)
                                          .values(started_at=None, uploaded_at=utcnow() - LONG_AGO)))
    login("dinsos").get(f"{IMPORTS}/{dead}")
    assert import_state(app, dead)[0] == "gagal"


def test_a_preview_and_an_apply_record_when_they_started(app, login):
    dinsos = login("dinsos")
    import_id = upload(dinsos)
    started = read(app, lambda: db.session.get(DataImport, import_id).started_at)
    assert started is not None and utcnow() - started < timedelta(minutes=1)
    confirm(dinsos, import_id)
    assert read(app, lambda: db.session.get(DataImport, import_id).started_at) >= started


# --- verivali periods ----------------------------------------------------------------------------------------------

def killed_build(app, ago: timedelta, name: str = "Verivali Uji Terhenti") -> int:
    """A period whose build worker died after committing its first progress: 'menyiapkan', no items."""
    def make():
        api_api = db.session.scalar(select(Area.id).where(Area.code == API_API))
        period = periods.open_period(_user("dinsos"), PeriodRequest(name, clock.today(), _end(), (), (api_api,)))
        period.progress, period.created_at = 20, utcnow() - ago
        return period.id
    return write(app, make)


def _end() -> date:
    today = clock.today()
    return date(today.year, 12, 31) if today.month < 12 else today + timedelta(days=30)


def period_state(app, period_id: int) -> tuple[str, str | None, int]:
    def get():
        period = db.session.get(VerivaliPeriod, period_id)
        items = db.session.scalar(select(func.count()).select_from(VerivaliItem)
                                  .where(VerivaliItem.period_id == period_id))
        return period.status, period.message, items
    return read(app, get)


def test_a_period_whose_build_died_is_failed_and_a_new_one_can_be_opened(app, login):
    dinsos = login("dinsos")
    recent = killed_build(app, NOT_YET, "Verivali Uji Masih Disiapkan")
    assert "Daftar periksa sedang disiapkan" in visible(dinsos.get(f"/dinsos/verivali/{recent}"))
    assert period_state(app, recent)[0] == rules.PREPARING

    dead = killed_build(app, LONG_AGO)
    page = dinsos.get(f"/dinsos/verivali/{dead}")
    assert page.status_code == 200 and "<progress" not in text(page)
    assert ("Periode gagal disiapkan; tidak ada daftar periksa yang dibuat. Proses terhenti sebelum selesai "
            "(server dimulai ulang). Silakan buka periode baru dengan isian yang sama.") in visible(page)
    assert period_state(app, dead) == ("gagal", periods.STOPPED, 0)
    with app.app_context():  # a worker that turns up late builds nothing
        periods.build_items(dead)
    assert period_state(app, dead) == ("gagal", periods.STOPPED, 0)
    rt = login("rt.api-api.001")
    assert "Verivali Uji Terhenti" not in visible(rt.get("/rt/verivali"))

    dinsos.get("/dinsos/verivali")
    api_api = read(app, lambda: db.session.scalar(select(Area.id).where(Area.code == API_API)))
    response = dinsos.post("/dinsos/verivali", {"name": "Verivali Uji Terhenti", "starts_on": clock.today().isoformat(),
                                                "ends_on": _end().isoformat(), "kelurahan_ids": [str(api_api)]})
    assert response.status_code == 303
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    status, _, items = period_state(app, new_id)
    assert status == rules.OPEN and items > 0
    assert "Verivali Uji Terhenti" in visible(login("rt.api-api.001").get("/rt/verivali"))


def test_the_period_list_settles_dead_builds(app, login):
    dead = killed_build(app, LONG_AGO)
    live = killed_build(app, NOT_YET, "Verivali Uji Masih Disiapkan")
    page = login("camat.bontang-utara").get("/kecamatan/verivali")
    assert page.status_code == 200
    assert period_state(app, dead)[0] == "gagal" and period_state(app, live)[0] == rules.PREPARING
    row = re.search(r"Verivali Uji Terhenti</a></td>.*?<td>(.*?)</td>\s*<td>(.*?)</td>", text(page), re.S)
    assert row and row.group(2) == "Gagal disiapkan"


# --- a job settled while its worker is in fact still writing (PostgreSQL: real concurrent transactions) ----------

pg_only = pytest.mark.skipif(not PG_URL, reason="needs a second writer during the job's transaction: PostgreSQL "
                                                "(SQLite holds one writer at a time)")


def _settle_during(table: str, settle):
    """While the job's transaction inserts into `table`, another connection settles the job and commits.
    Returns the function that removes the hook."""
    done = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if not done and statement.lstrip().upper().startswith(f"INSERT INTO {table.upper()}"):
            done.append(True)
            with db.engine.begin() as other:
                settle(other)
    event.listen(db.engine, "before_cursor_execute", before)
    return lambda: event.remove(db.engine, "before_cursor_execute", before)


@pg_only
def test_an_apply_settled_while_it_runs_applies_nothing(app):
    before = registry(app)
    import_id = killed_apply(app, timedelta(0))
    with app.app_context():
        stop = _settle_during("persons", lambda other: other.execute(
            update(DataImport).where(DataImport.id == import_id)
            .values(status="gagal", message=imports.STOPPED["menerapkan"])))
        try:
            imports.run_apply(import_id)
        finally:
            stop()
    assert import_state(app, import_id) == ("gagal", imports.STOPPED["menerapkan"])
    assert registry(app) == before


@pg_only
def test_a_build_settled_while_it_runs_keeps_no_items(app):
    period_id = killed_build(app, timedelta(0))
    with app.app_context():
        stop = _settle_during("verivali_items", lambda other: other.execute(
            update(VerivaliPeriod).where(VerivaliPeriod.id == period_id)
            .values(status="gagal", message=periods.STOPPED)))
        try:
            periods.build_items(period_id)
        finally:
            stop()
    assert period_state(app, period_id) == ("gagal", periods.STOPPED, 0)


def test_abandoned_takes_the_running_states_of_each_kind_of_job():
    now = utcnow()
    old, recent = now - LONG_AGO, now - NOT_YET
    assert background.abandoned("berjalan", old, now)  # letters: the default
    assert not background.abandoned("memeriksa", old, now)
    assert background.abandoned("memeriksa", old, now, imports.STOPPED)
    assert background.abandoned("menerapkan", old, now, imports.STOPPED)
    assert not background.abandoned("menerapkan", recent, now, imports.STOPPED)
    assert not background.abandoned("pratinjau", old, now, imports.STOPPED)
    assert background.abandoned("menyiapkan", old, now, (rules.PREPARING,))
    assert not background.abandoned("buka", old, now, (rules.PREPARING,))
