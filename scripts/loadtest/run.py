#!/usr/bin/env python3
"""`make loadtest`: a fresh PostgreSQL database, the demo seed, gunicorn as production runs it, Locust, a check.

1. Drops and re-creates LOADTEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/loadtest),
   runs `flask db upgrade` and `flask seed-demo` into it (UPLOAD_DIR under instance/loadtest/uploads).
2. Notes the baseline (highest proposal and decision ids) and 200 registered NIKs for the search flow.
3. Starts `gunicorn -c gunicorn.conf.py wsgi:app` (DevelopmentConfig on that database, 2 workers, a free port on
   127.0.0.1 only; access log to instance/loadtest/gunicorn.log).
4. Runs Locust headless (.venv-load): LOADTEST_USERS (50) users, spawned at LOADTEST_SPAWN_RATE (10) per second,
   for LOADTEST_DURATION (60s); scripts/loadtest/locustfile.py.
5. Stops gunicorn and runs scripts/loadtest/check.py, which compares the database with what the users
   recorded, prints p50/p95 per request and writes docs/bench/loadtest.json. Exits non-zero when a check fails.

Everything runs on this machine's loopback; Locust stops by itself after the duration.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
LOAD_BIN = ROOT / ".venv-load" / "bin"
WORK = ROOT / "instance" / "loadtest"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/loadtest"


def database_url() -> str:
    return os.environ.get("LOADTEST_DATABASE_URL", "").strip() or DEFAULT_URL


def pg_admin(url: str, *statements: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username, password=u.password,
                         dbname="postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def app_env(url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi", "UPLOAD_DIR": str(WORK / "uploads"), **extra}
    env.pop("PORTAL_ENV", None)  # DevelopmentConfig: the demo accounts, plain HTTP on loopback
    return env


def fresh_database(url: str) -> None:
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    print(f"== fresh database {name}", flush=True)
    pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    shutil.rmtree(WORK / "uploads", ignore_errors=True)
    for args in (["db", "upgrade"], ["seed-demo"]):
        started = time.monotonic()
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=app_env(url), check=True,
                       stdout=subprocess.DEVNULL)
        print(f"  flask {' '.join(args)}: {time.monotonic() - started:.1f} s", flush=True)


def baseline(url: str) -> dict:
    """Highest ids before the load, and NIKs of registered people for the search-by-NIK flow."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {"max_proposal_id": conn.scalar(text("SELECT coalesce(max(id), 0) FROM proposals")),
                    "max_decision_id": conn.scalar(text("SELECT coalesce(max(id), 0) FROM decisions")),
                    "niks": list(conn.scalars(text("SELECT nik FROM persons WHERE active ORDER BY id LIMIT 200")))}
    finally:
        engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(url: str, port: int, log_path: Path, **extra: str) -> subprocess.Popen:
    env = app_env(url, PORT=str(port), HOST="127.0.0.1", WEB_CONCURRENCY=extra.pop("WEB_CONCURRENCY", "2"), **extra)
    env.pop("GUNICORN_BIND", None)
    log = open(log_path, "ab")  # noqa: SIM115 — closed with the process
    process = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"gunicorn exited at start-up; see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    sys.exit("gunicorn did not answer /healthz within 60 s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_locust(port: int, record: Path, niks: Path, prefix: Path) -> int:
    users = os.environ.get("LOADTEST_USERS", "50")
    rate = os.environ.get("LOADTEST_SPAWN_RATE", "10")
    duration = os.environ.get("LOADTEST_DURATION", "60s")
    print(f"== locust: {users} users, {rate}/s, {duration}", flush=True)
    env = {**os.environ, "LOADTEST_RECORD": str(record), "LOADTEST_NIKS": str(niks)}
    command = [str(LOAD_BIN / "locust"), "-f", str(ROOT / "scripts" / "loadtest" / "locustfile.py"), "--headless",
               "-u", users, "-r", rate, "-t", duration, "--stop-timeout", "30", "--host", f"http://127.0.0.1:{port}",
               "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"]
    return subprocess.run(command, cwd=ROOT, env=env).returncode


def main() -> int:
    url = database_url()
    if not url.startswith("postgresql"):
        sys.exit("LOADTEST_DATABASE_URL must be a PostgreSQL URL (postgresql+psycopg://...)")
    WORK.mkdir(parents=True, exist_ok=True)
    for old in WORK.glob("locust_*.csv"):
        old.unlink()
    record, niks, log = WORK / "record.json", WORK / "niks.json", WORK / "gunicorn.log"
    for path in (record, log):
        path.unlink(missing_ok=True)
    fresh_database(url)
    base = baseline(url)
    niks.write_text(json.dumps(base.pop("niks")))
    (WORK / "baseline.json").write_text(json.dumps(base))
    port = free_port()
    server = start_gunicorn(url, port, log)
    print(f"== gunicorn on 127.0.0.1:{port} (2 workers), log {log.relative_to(ROOT)}", flush=True)
    try:
        locust_rc = run_locust(port, record, niks, WORK / "locust")
    finally:
        stop(server)
    print(f"== locust exited with {locust_rc} (1 means some requests failed; the check says which)", flush=True)
    return subprocess.run([str(BIN / "python"), str(ROOT / "scripts" / "loadtest" / "check.py"),
                           "--database-url", url, "--work", str(WORK),
                           "--output", str(ROOT / "docs" / "bench" / "loadtest.json")], cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main())
