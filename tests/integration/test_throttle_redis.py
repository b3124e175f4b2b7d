"""With REDIS_URL the failed-login counters live in Redis, where every gunicorn worker sees the same count."""
import pytest
import redis

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
    assert visitor.post("/login", {"username": "lurah.lok-tuan", "password": DEMO_PASSWORD}).status_code == 429
    assert redis.Redis.from_url(REDIS_URL).dbsize() > 0  # the counters are in Redis, not in this process
