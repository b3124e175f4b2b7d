"""Shared fixtures.

The database is built once per run the way production builds it (Alembic migrations, then the
demo seed) and kept as a template; every test gets its own copy (a file copy on SQLite,
CREATE DATABASE ... TEMPLATE on PostgreSQL), so tests never see each other's writes.
Set TEST_DATABASE_URL to run the whole suite on PostgreSQL.
"""
import itertools
import os
import re
import shutil

import flask_migrate
import psycopg
import pytest
import redis
from sqlalchemy.engine import make_url

from config import TestConfig
from portal import create_app
from portal.extensions import db, limiter
from portal.services import demo

DEMO_PASSWORD = demo.DEMO_PASSWORD
PG_URL = os.environ.get("TEST_DATABASE_URL", "")
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


class TemplateDatabase:
    """A migrated, seeded database that each test copies."""

    def __init__(self, workdir):
        self._counter = itertools.count(1)
        self.uploads = workdir / "uploads"  # shared: the demo seed's evidence files must be there for every copy
        if PG_URL:
            self.url = make_url(PG_URL)
            self.prefix = f"{self.url.database}_{os.getpid()}"  # two runs against one server never collide
            self.template = f"{self.prefix}_tpl"
            self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)', f'CREATE DATABASE "{self.template}"')
            self.template_url = self.url.set(database=self.template).render_as_string(hide_password=False)
        else:
            self.workdir = workdir
            self.template_url = f"sqlite:///{workdir / 'template.sqlite3'}"

    def _admin(self, *statements):
        with psycopg.connect(host=self.url.host, port=self.url.port or 5432, user=self.url.username,
                             password=self.url.password, dbname="postgres", autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def copy(self) -> str:
        n = next(self._counter)
        if PG_URL:
            name = f"{self.prefix}_t{n}"
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                        f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            return self.url.set(database=name).render_as_string(hide_password=False)
        path = self.workdir / f"t{n}.sqlite3"
        shutil.copyfile(self.workdir / "template.sqlite3", path)
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        if PG_URL:
            self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
        else:
            os.unlink(make_url(url).database)

    def drop_template(self) -> None:
        if PG_URL:
            self._admin(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


def make_app(url: str, **overrides):
    return create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, **overrides)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    template = TemplateDatabase(tmp_path_factory.mktemp("db"))
    app = make_app(template.template_url, UPLOAD_DIR=str(template.uploads))
    with app.app_context():
        flask_migrate.upgrade()
        demo.seed_demo()
        db.session.commit()
        db.engine.dispose()
    yield template
    template.drop_template()


def _app_on_copy(template_db):
    url = template_db.copy()
    app = make_app(url, UPLOAD_DIR=str(template_db.uploads))
    limiter.reset()
    return app, url


def _dispose(app, template_db, url):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    template_db.drop(url)


@pytest.fixture
def app(template_db):
    """An app on its own fresh copy of the seeded database."""
    app, url = _app_on_copy(template_db)
    yield app
    _dispose(app, template_db, url)


@pytest.fixture(scope="module")
def shared_app(template_db):
    """One app for a module of read-only tests (the access matrix), to keep them fast."""
    app, url = _app_on_copy(template_db)
    yield app
    _dispose(app, template_db, url)


def empty_redis_or_skip(url: str):
    """A client of a flushed Redis database for a test, or skip when no Redis runs (.ci/run starts one)."""
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    client.flushdb()
    return client


class Visitor:
    """A browser-like test client: remembers the CSRF token from the last page and sends it with posts."""

    def __init__(self, app, remote_addr: str | None = None, **client_kwargs):
        self.app = app
        self.client = app.test_client(**client_kwargs)
        if remote_addr:
            self.client.environ_base["REMOTE_ADDR"] = remote_addr
        self.csrf = None

    def _remember(self, response):
        match = CSRF_RE.search(response.get_data(as_text=True)) if response.mimetype == "text/html" else None
        if match:
            self.csrf = match.group(1)
        return response

    def get(self, url, **kwargs):
        return self._remember(self.client.get(url, **kwargs))

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            if self.csrf is None:
                self.get("/login")
            data.setdefault("csrf_token", self.csrf)
        return self._remember(self.client.post(url, data=data, **kwargs))

    def login(self, username, password=DEMO_PASSWORD, **kwargs):
        self.get("/login")
        return self.post("/login", {"username": username, "password": password}, follow_redirects=True, **kwargs)


@pytest.fixture
def visitor(app):
    return Visitor(app)


@pytest.fixture
def login(app):
    """login("rt.api-api.001") -> a Visitor signed in as that demo account."""

    def _login(username, password=DEMO_PASSWORD):
        v = Visitor(app)
        response = v.login(username, password)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return v

    return _login
