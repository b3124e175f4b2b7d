"""Production serving: gunicorn.conf.py, PORTAL_BEHIND_PROXY / PROXY_COUNT, and `flask export-static`."""
import gzip
import runpy
import subprocess
import sys
from pathlib import Path

import brotli
import pytest
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from config import TestConfig, proxy_count_from_env
from portal import create_app
from portal.cli import export_static

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"


def _conf(monkeypatch, **env) -> dict:
    for name in ("WEB_CONCURRENCY", "PORT", "HOST", "GUNICORN_BIND", "GUNICORN_CONTROL_SOCKET",
                 "GUNICORN_MAX_REQUESTS", "GUNICORN_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


@pytest.mark.parametrize("env, expected", [
    ({}, 0),
    ({"PORTAL_BEHIND_PROXY": "1"}, 1),
    ({"PORTAL_BEHIND_PROXY": "true"}, 1),
    ({"PORTAL_BEHIND_PROXY": "yes"}, 1),
    ({"PORTAL_BEHIND_PROXY": "2"}, 2),
    ({"PORTAL_BEHIND_PROXY": "0"}, 0),
    ({"PORTAL_BEHIND_PROXY": "off"}, 0),
    ({"PROXY_COUNT": "1"}, 1),
    ({"PROXY_COUNT": "2", "PORTAL_BEHIND_PROXY": "1"}, 2),  # the exact count wins
    ({"PROXY_COUNT": "0", "PORTAL_BEHIND_PROXY": "1"}, 0),
])
def test_proxy_count_from_portal_behind_proxy_or_proxy_count(env, expected):
    assert proxy_count_from_env(env) == expected


def test_an_unclear_portal_behind_proxy_is_refused():
    with pytest.raises(RuntimeError, match="PORTAL_BEHIND_PROXY"):
        proxy_count_from_env({"PORTAL_BEHIND_PROXY": "nginx"})


def _app_seeing_the_client(proxies: int):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://", PROXY_COUNT=proxies)
    app.add_url_rule("/_who", "who", lambda: f"{request.remote_addr} {request.scheme}")
    return app


def test_behind_one_proxy_the_app_sees_the_client_address_and_https():
    app = _app_seeing_the_client(proxy_count_from_env({"PORTAL_BEHIND_PROXY": "1"}))
    assert isinstance(app.wsgi_app, ProxyFix)
    headers = {"X-Forwarded-For": "1.2.3.4, 203.0.113.9", "X-Forwarded-Proto": "https"}
    answer = app.test_client().get("/_who", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert answer.text == "203.0.113.9 https"  # only the last hop, added by our proxy, is trusted


def test_without_a_proxy_forwarded_headers_are_ignored():
    app = _app_seeing_the_client(proxy_count_from_env({}))
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    answer = app.test_client().get("/_who", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert answer.text == "127.0.0.1 http"


def test_export_static_writes_the_served_bytes_with_br_and_gz_beside_them(tmp_path):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI="sqlite://")
    target = tmp_path / "static"
    with app.app_context():
        result = app.test_cli_runner().invoke(export_static, [str(target)])
    assert result.exit_code == 0, result.output
    assets = app.extensions["assets"]
    assert f"{len(assets) * 3} berkas statis ditulis" in result.output
    client = app.test_client()
    for asset in assets.values():
        plain = (target / asset.hashed_name).read_bytes()
        assert plain == client.get(f"/static/{asset.hashed_name}", headers={"Accept-Encoding": ""}).data
        assert brotli.decompress((target / f"{asset.hashed_name}.br").read_bytes()) == plain
        assert gzip.decompress((target / f"{asset.hashed_name}.gz").read_bytes()) == plain
    assert not [p for p in target.iterdir() if p.name.startswith(".")]  # no temporary files left
    with app.app_context():  # a second release's export (or the same one again) rewrites in place
        assert app.test_cli_runner().invoke(export_static, [str(target)]).exit_code == 0


def test_gunicorn_settings_from_the_environment(monkeypatch):
    conf = _conf(monkeypatch)
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["workers"] == conf["default_workers"]()
    assert conf["timeout"] == 60 and conf["graceful_timeout"] == 30 and conf["keepalive"] == 5
    assert conf["max_requests"] == 1000 and conf["max_requests_jitter"] == 100
    assert conf["accesslog"] == "-" and conf["control_socket_disable"] is True
    assert "%(U)s" in conf["access_log_format"]
    for leaky in ("%(r)s", "%(q)s", "%(f)s"):  # request line with query string, query string, referrer
        assert leaky not in conf["access_log_format"]

    conf = _conf(monkeypatch, PORT="5055", WEB_CONCURRENCY="3", GUNICORN_MAX_REQUESTS="0")
    assert conf["bind"] == ["127.0.0.1:5055"] and conf["workers"] == 3 and conf["max_requests"] == 0


def test_default_workers_are_two_per_core_plus_one_capped(monkeypatch):
    default_workers = _conf(monkeypatch)["default_workers"]
    assert [default_workers(n) for n in (1, 2, 3, 4, 16)] == [3, 5, 7, 8, 8]


def test_gunicorn_accepts_the_configuration():
    done = subprocess.run([str(Path(sys.executable).parent / "gunicorn"), "--check-config", "-c", str(CONF),
                           "wsgi:app"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
