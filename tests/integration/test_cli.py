"""Command-line tools: create-user, seed-demo, load-wilayah, and what production refuses."""
import pytest
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash

import config
from config import ProductionConfig
from portal import create_app
from portal.extensions import db
from portal.models import Area, AuditEvent, User, UserSession, VerivaliCheck
from tests.conftest import Visitor
from tests.integration.audit_support import audit_unlocked

PROD_SECRET = "k" * 20 + "9f3Xq2Lm8Zp4Rt6Vb1Nc"  # 40 characters
SEED_SKIPPED = "Basis data sudah berisi akun; data demo tidak dimuat."
PROD_SKIPPED = "Lingkungan production: data demo tidak dimuat."
PROD_REFUSED = "Data demo tidak boleh dimuat di lingkungan production."
PASSWORD = "Kota-Taman-Bontang-71"


def counts(app) -> tuple[int, int]:
    """(users, areas)"""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(Area)))


def get_user(app, username: str) -> User | None:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        if user is not None:
            user.area_code = user.area.code
        db.session.expunge_all()
        return user


def empty_database(app) -> None:
    """Remove every row, leaving a migrated but empty database (a brand-new installation)."""
    with app.app_context(), audit_unlocked():  # the audit log is append-only on PostgreSQL
        for table in reversed(db.metadata.sorted_tables):  # children before parents
            if table is not Area.__table__:
                db.session.execute(table.delete())
        db.session.execute(delete(Area).where(Area.level == "rt"))
        db.session.execute(delete(Area).where(Area.level == "kelurahan"))
        db.session.execute(delete(Area).where(Area.level == "kecamatan"))
        db.session.execute(delete(Area))


def create_user_args(**overrides) -> list[str]:
    options = {"--username": "admin.kedua", "--full-name": "Admin Kedua", "--role": "admin",
               "--area": "64.74", "--password": PASSWORD}
    options.update(overrides)
    return ["create-user", *[part for item in options.items() for part in item]]


class Runner:
    """app.test_cli_runner(), run the way `flask <command>` runs it.

    The real `flask` command (FlaskGroup) pushes an app context around every command; the test runner
    invokes app.cli directly, which does not, so the context is pushed here.
    """

    def __init__(self, app):
        self.app = app
        self.cli = app.test_cli_runner()

    def invoke(self, args):
        with self.app.app_context():
            return self.cli.invoke(args=args)


@pytest.fixture
def runner(app):
    return Runner(app)


@pytest.fixture
def production_app(template_db):
    url = template_db.copy()
    app = create_app(ProductionConfig, SECRET_KEY=PROD_SECRET, TOTP_ENCRYPTION_KEY=PROD_SECRET[::-1],
                     SQLALCHEMY_DATABASE_URI=url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    template_db.drop(url)


# --- create-user ---------------------------------------------------------------------------------

def test_create_user_with_all_options(app, runner):
    users_before, _ = counts(app)
    result = runner.invoke(args=create_user_args())
    assert result.exit_code == 0, result.output
    assert "Akun admin.kedua (Admin, Kota Bontang) dibuat." in result.output
    assert counts(app)[0] == users_before + 1
    user = get_user(app, "admin.kedua")
    assert (user.full_name, user.role, user.area_code, user.active) == ("Admin Kedua", "admin", "64.74", True)
    assert user.must_change_password is True
    assert check_password_hash(user.password_hash, PASSWORD)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create",
                                                           AuditEvent.target_id == user.id))
        assert event is not None and event.actor_id is None

    # The account works: it signs in and is asked for its own password first.
    landed = Visitor(app).login("admin.kedua", PASSWORD)
    assert landed.status_code == 200 and landed.request.path == "/akun/kata-sandi"


def test_create_user_for_an_rt(app, runner):
    result = runner.invoke(args=create_user_args(**{
        "--username": "RT.Kanaan.Cadangan", "--full-name": "  Ketua   RT  Cadangan ", "--role": "rt",
        "--area": "64.74.03.1003.002"}))
    assert result.exit_code == 0, result.output
    assert "Akun rt.kanaan.cadangan (Ketua RT, RT 002 / RW 001) dibuat." in result.output
    user = get_user(app, "rt.kanaan.cadangan")
    assert (user.full_name, user.area_code) == ("Ketua RT Cadangan", "64.74.03.1003.002")


def test_create_user_no_forced_change_flag(app, runner):
    result = runner.invoke(args=[*create_user_args(), "--no-forced-change"])
    assert result.exit_code == 0, result.output
    assert get_user(app, "admin.kedua").must_change_password is False
    assert Visitor(app).login("admin.kedua", PASSWORD).request.path == "/admin/"


@pytest.mark.parametrize("overrides, message", [
    pytest.param({"--password": "pendek"}, "Kata sandi minimal 10 karakter.", id="short-password"),
    pytest.param({"--password": "password123"},
                 "Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain.", id="common-password"),
    pytest.param({"--password": "admin.kedua!2026"}, "Kata sandi tidak boleh memuat nama pengguna.",
                 id="password-with-username"),
    pytest.param({"--area": "64.74.99"}, "Kode wilayah tidak dikenal atau tidak aktif.", id="unknown-area"),
    pytest.param({"--area": "64.74.01"}, "Peran Admin harus terikat pada wilayah tingkat kota.",
                 id="role-area-mismatch"),
    pytest.param({"--username": "admin"}, "Nama pengguna ini sudah dipakai.", id="duplicate-username"),
    pytest.param({"--username": "admin kedua"},
                 "Nama pengguna 3–64 karakter: huruf kecil, angka, titik, tanda hubung atau garis bawah.",
                 id="bad-username"),
])
def test_create_user_refuses_bad_input_and_creates_nothing(app, runner, overrides, message):
    before = counts(app)
    with app.app_context():
        audit_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    result = runner.invoke(args=create_user_args(**overrides))
    assert result.exit_code != 0
    assert f"Error: {message}" in result.output
    assert "dibuat" not in result.output
    assert counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before
    assert get_user(app, "admin.kedua") is None


def test_create_user_refuses_unknown_role(app, runner):
    before = counts(app)
    result = runner.invoke(args=create_user_args(**{"--role": "raja"}))
    assert result.exit_code != 0
    assert counts(app) == before


# --- seed-demo and load-wilayah ------------------------------------------------------------------

def test_seed_demo_if_empty_skips_a_seeded_database(app, runner):
    before = counts(app)
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert SEED_SKIPPED in result.output
    assert "Data demo siap" not in result.output
    assert counts(app) == before


def test_seed_demo_is_idempotent(app, runner):
    before = counts(app)
    assert before == (65, 1 + 3 + 15 + 45)
    for _ in range(2):
        result = runner.invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        assert "Data demo siap: 0 akun baru, kata sandi 'demo-bontang-2026'." in result.output
        assert counts(app) == before
    with app.app_context():
        duplicated = db.session.execute(select(Area.code).group_by(Area.code).having(func.count() > 1)).all()
        assert duplicated == []


def test_seed_demo_if_empty_seeds_an_empty_database(app, runner):
    """The counterpart of the production test below: outside production an empty database is seeded."""
    empty_database(app)
    assert counts(app) == (0, 0)
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Data demo siap: 65 akun baru" in result.output
    assert counts(app) == (65, 64)
    assert Visitor(app).login("rt.kanaan.001").request.path == "/rt/"


def test_seed_demo_recreates_only_what_is_missing(app, runner):
    with app.app_context(), audit_unlocked():  # the audit log is append-only on PostgreSQL
        rt = db.session.scalar(select(User).where(User.username == "rt.kanaan.003"))
        db.session.execute(delete(UserSession).where(UserSession.user_id == rt.id))
        db.session.execute(delete(AuditEvent).where(AuditEvent.target_id == rt.id, AuditEvent.target_type == "User"))
        # The demo verivali period has checks by this RT (and their audit events): remove them with the account.
        db.session.execute(delete(VerivaliCheck).where(VerivaliCheck.by_id == rt.id))
        db.session.execute(delete(AuditEvent).where(AuditEvent.actor_id == rt.id))
        db.session.delete(rt)
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Data demo siap: 1 akun baru" in result.output
    assert counts(app) == (65, 64)


def test_load_wilayah_is_idempotent(app, runner):
    before = counts(app)
    for _ in range(2):
        result = runner.invoke(args=["load-wilayah"])
        assert result.exit_code == 0, result.output
        assert "0 wilayah ditambahkan." in result.output
        assert counts(app) == before


def test_load_wilayah_on_an_empty_database(app, runner):
    empty_database(app)
    result = runner.invoke(args=["load-wilayah"])
    assert result.exit_code == 0, result.output
    assert "19 wilayah ditambahkan." in result.output  # kota, 3 kecamatan, 15 kelurahan; no RTs
    assert counts(app) == (0, 19)


# --- production ----------------------------------------------------------------------------------

def test_production_refuses_seed_demo(production_app):
    empty_database(production_app)
    result = Runner(production_app).invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert f"Error: {PROD_REFUSED}" in result.output
    assert counts(production_app) == (0, 0)


def test_production_seed_demo_if_empty_skips_quietly(production_app):
    empty_database(production_app)
    result = Runner(production_app).invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert PROD_SKIPPED in result.output
    assert "Data demo siap" not in result.output
    assert counts(production_app) == (0, 0)


def test_production_refuses_seed_demo_on_a_seeded_database(production_app):
    before = counts(production_app)
    runner = Runner(production_app)
    assert runner.invoke(args=["seed-demo"]).exit_code != 0
    skipped = runner.invoke(args=["seed-demo", "--if-empty"])
    assert skipped.exit_code == 0 and PROD_SKIPPED in skipped.output
    assert counts(production_app) == before


def test_production_still_allows_create_user_and_load_wilayah(production_app):
    empty_database(production_app)
    runner = Runner(production_app)
    loaded = runner.invoke(args=["load-wilayah"])
    assert loaded.exit_code == 0 and "19 wilayah ditambahkan." in loaded.output
    created = runner.invoke(args=create_user_args())
    assert created.exit_code == 0, created.output
    assert counts(production_app) == (1, 19)


@pytest.mark.parametrize("secret", [config.DEV_SECRET, "", "x" * 31])
def test_production_refuses_an_unsafe_secret(secret):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig, SECRET_KEY=secret)


def test_production_refuses_the_default_dev_secret(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", config.DEV_SECRET)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)
