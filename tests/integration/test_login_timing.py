"""No account discovery by timing (issue 15 item 3): an unknown username costs as long as a wrong password.

Measured through the login service with the production hashing method ("scrypt", werkzeug's full cost), not
the suite's cheaper one, because that is where a cheaper stand-in hash would show. Medians of interleaved
tries keep a busy machine from deciding the outcome; the bound is relative, never a wall-clock figure.
"""
import statistics
import time

from sqlalchemy import select

from config import Config
from portal.extensions import db
from portal.models import User
from portal.services import accounts

TRIES = 20


def _seconds(username: str, password: str) -> float:
    start = time.perf_counter()
    assert accounts.authenticate(username, password) is None
    return time.perf_counter() - start


def test_an_unknown_name_takes_as_long_as_a_wrong_password(app):
    app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD  # production's cost
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "rt.kanaan.001"))
        user.password_hash = accounts.hash_password("kata-sandi-asli-77")
        db.session.commit()
        _seconds("belum.ada.orangnya", "salah-salah-1")  # the stand-in is made once per process: not timed
        known, unknown = [], []
        for i in range(TRIES):  # interleaved, so a slower moment of the machine falls on both
            known.append(_seconds("rt.kanaan.001", f"salah-salah-{i}"))
            unknown.append(_seconds(f"belum.ada.{i}", f"salah-salah-{i}"))
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 1 / 1.5 <= ratio <= 1.5, (f"median wrong password {statistics.median(known) * 1000:.0f} ms, "
                                     f"median unknown name {statistics.median(unknown) * 1000:.0f} ms")
