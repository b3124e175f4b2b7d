"""With REDIS_URL the failed-login counters live in Redis, where every gunicorn worker sees the same count."""
import pytest
import redis

from portal.extensions import db
from tests.conftest import DEMO_PASSWORD, Visitor, empty_redis_or_skip, make_app

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_app(template_db):
    client = empty_redis_or_skip(REDIS_URL)
    url = template_db.copy()
    yield make_app(url, RATELIMIT_STORAGE_URI=REDIS_URL, UPLOAD_DIR=str(template_db.uploads))
    client.flushdb()
    template_db.drop(url)


def test_failed_logins_are_counted_in_redis(redis_app):
    visitor = Visitor(redis_app)
    visitor.get("/login")
    for _ in range(5):
        assert visitor.post("/login", {"username": "lurah.lok-tuan", "password": "salah-salah-1"}).status_code == 422
    blocked = visitor.post("/login", {"username": "lurah.lok-tuan", "password": DEMO_PASSWORD})
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan masuk. Coba lagi dalam 15 menit." in blocked.get_data(as_text=True)
    assert redis.Redis.from_url(REDIS_URL).dbsize() > 0  # the counters are in Redis, not in this process


def test_a_known_device_gets_in_during_an_attack_with_its_counter_in_redis(redis_app):
    owner = Visitor(redis_app, remote_addr="10.0.0.1")
    owner.login("lurah.lok-tuan")
    owner.post("/logout")
    owner.get("/login")
    assert owner.post("/login", {"username": "lurah.lok-tuan", "password": "salah-salah-1"}).status_code == 422
    attacker = Visitor(redis_app, remote_addr="10.6.6.6")
    attacker.get("/login")
    for _ in range(5):
        attacker.post("/login", {"username": "lurah.lok-tuan", "password": "salah-salah-1"})
    assert attacker.post("/login", {"username": "lurah.lok-tuan", "password": DEMO_PASSWORD}).status_code == 429
    assert owner.login("lurah.lok-tuan").request.path == "/kelurahan/"
    # The device's own failure was counted where every worker sees it.
    assert any(b"login-device" in key for key in redis.Redis.from_url(REDIS_URL).keys("*"))


def test_a_known_device_gets_in_while_redis_is_down(template_db):
    """Redis unreachable: the counters fall back to the worker's memory; the device cookie still works."""
    url = template_db.copy()
    app = make_app(url, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", UPLOAD_DIR=str(template_db.uploads))
    try:
        owner = Visitor(app, remote_addr="10.0.0.1")
        assert owner.login("lurah.lok-tuan").request.path == "/kelurahan/"
        owner.post("/logout")
        attacker = Visitor(app, remote_addr="10.6.6.6")
        answers = [attacker.login("lurah.lok-tuan", password="salah-salah-1").status_code for _ in range(6)]
        assert answers[-1] == 429
        assert owner.login("lurah.lok-tuan").request.path == "/kelurahan/"
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        template_db.drop(url)
