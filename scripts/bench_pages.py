#!/usr/bin/env python3
"""Page benchmark against gunicorn, as production serves the portal (`make bench-serve`).

1. Seeds a database with `flask seed-demo --households 50000` and `flask rank` (a SQLite file under
   instance/bench/, or the PostgreSQL database in BENCH_DATABASE_URL, created if missing); a database that
   is already seeded is reused (`flask db upgrade` still runs). PostgreSQL gets an ANALYZE, as autovacuum
   would give it; SQLite is left as the app leaves it (no ANALYZE).
2. Starts `gunicorn -c gunicorn.conf.py wsgi:app` with 2 workers on a free loopback port.
3. Signs in as one demo account of each role (CSRF token from the login form, cookie jar) and measures
   the role's pages: home, queue, household list, a household page, dashboard, search by NIK (POST), and
   /healthz as the trivial route of the same app. Per page: 5 warm-ups, then 50 sequential requests
   (client wall time over loopback, p50/p95; the server's own time from gunicorn's access log), then
   4 client threads for 5 s (requests per second) and its ratio to /healthz.
4. Writes docs/bench/pages-<dialect>.json and prints a table. Targets (reported, never asserted):
   p95 ≤ 100 ms per page; the dashboard ≥ 30 % of /healthz's throughput.

The client runs on the same 2 cores as gunicorn and the database (and, on the project's machines, beside
other people's test runs): read the figures as upper bounds for latency and lower bounds for throughput.

    .venv/bin/python scripts/bench_pages.py                       # SQLite
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_pages \\
        .venv/bin/python scripts/bench_pages.py --drop-after      # PostgreSQL, dropped at the end
"""
import argparse
import http.cookiejar
import json
import math
import os
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
SQLITE_FILE = ROOT / "instance" / "bench" / "pages.sqlite3"
OUTPUT_DIR = ROOT / "docs" / "bench"
P95_TARGET_MS = 100.0
DASHBOARD_RATIO_TARGET = 0.30

# One demo account per role (portal/services/demo.py keeps these names stable).
ACCOUNTS = {"rt": "rt.api-api.001", "kelurahan": "lurah.api-api", "kecamatan": "camat.bontang-utara",
            "dinsos": "dinsos", "admin": "admin"}
BROWSER_HEADERS = {"Accept": "text/html,application/xhtml+xml", "Accept-Encoding": "br, gzip",
                   "Accept-Language": "id-ID,id;q=0.9", "User-Agent": "bench_pages/1"}
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


# --------------------------------------------------------------------------- database

def database_url() -> tuple[str, str]:
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if url:
        if not url.startswith("postgresql"):
            sys.exit("BENCH_DATABASE_URL must be a PostgreSQL URL (postgresql+psycopg://...); "
                     "leave it unset for SQLite.")
        return url, "postgresql"
    return f"sqlite:///{SQLITE_FILE}", "sqlite"


def _pg_admin(url: str, *statements: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username,
                         password=u.password, dbname="postgres", autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _pg_exists(url: str) -> bool:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username,
                         password=u.password, dbname="postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (u.database,)).fetchone() is not None


def seeded_state(url: str) -> tuple[int, int]:
    """(households, households covered by the latest ranking run); (0, 0) for an empty or new database."""
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if not {"households", "users", "ranking_runs"} <= tables:
                return 0, 0
            if not conn.scalar(text("SELECT count(*) FROM users WHERE username = 'dinsos'")):
                return 0, 0
            households = conn.scalar(text("SELECT count(*) FROM households"))
            ranked = conn.scalar(text("SELECT households FROM ranking_runs ORDER BY id DESC LIMIT 1")) or 0
            return households, ranked
    finally:
        engine.dispose()


def flask(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "wsgi"}
    env.pop("PORTAL_ENV", None)
    started = time.monotonic()
    subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env, check=True)
    print(f"  flask {' '.join(args)}: {time.monotonic() - started:.1f} s", flush=True)


def prepare_database(url: str, dialect: str, households: int) -> dict:
    """Seed unless already seeded; returns what was done, for the report."""
    done = {"seeded": False, "seed_seconds": None, "ranked": False}
    if dialect == "postgresql" and not _pg_exists(url):
        from sqlalchemy.engine import make_url
        _pg_admin(url, f'CREATE DATABASE "{make_url(url).database}"')
    present, ranked = seeded_state(url) if (dialect == "postgresql" or SQLITE_FILE.exists()) else (0, 0)
    if present < households:
        print(f"Seeding {households} households ({dialect}); the database had {present}.", flush=True)
        if dialect == "sqlite":
            SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
            SQLITE_FILE.unlink(missing_ok=True)
        else:
            from sqlalchemy.engine import make_url
            name = make_url(url).database
            _pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
        started = time.monotonic()
        flask(url, "db", "upgrade")
        flask(url, "seed-demo", "--households", str(households))
        done.update(seeded=True, seed_seconds=round(time.monotonic() - started, 1))
        ranked = 0
    else:
        print(f"Reusing the seeded {dialect} database ({present} households).", flush=True)
        flask(url, "db", "upgrade")
    present, _ = seeded_state(url)
    if ranked != present:
        flask(url, "rank")
        done["ranked"] = True
    if dialect == "postgresql":
        # Fresh statistics, as autovacuum keeps them on a production server. (This machine's PostgreSQL
        # runs with autovacuum off for the test suite: unanalysed, the planner takes 50,000 households
        # for a few hundred and picks nested loops that are several times slower.)
        from sqlalchemy import create_engine
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
        engine.dispose()
        done["analyzed"] = True
    return done


def pick_targets(url: str) -> tuple[dict, dict]:
    """Per role: a household inside the account's area and the NIK of one of its members; and sizes."""
    from sqlalchemy import func, select

    from config import DevelopmentConfig
    from portal import access, create_app
    from portal.extensions import db
    from portal.models import Household, Person, User

    app = create_app(DevelopmentConfig, SQLALCHEMY_DATABASE_URI=url)
    targets = {}
    with app.app_context():
        for role, username in ACCOUNTS.items():
            user = db.session.scalar(select(User).where(User.username == username))
            if user is None:
                sys.exit(f"Demo account {username} is missing: is this a seed-demo database?")
            household_id = db.session.scalar(access.in_area(select(Household.id), Household.area_id, user)
                                             .where(Household.status == "aktif")
                                             .order_by(Household.id.desc()).limit(1))
            nik = household_id and db.session.scalar(
                select(Person.nik).where(Person.household_id == household_id, Person.active)
                .order_by(Person.id).limit(1))
            in_area = db.session.scalar(access.in_area(select(func.count(Household.id)), Household.area_id, user))
            targets[role] = {"username": username, "household_id": household_id, "nik": nik,
                             "households_in_area": in_area}
        sizes = {"households": db.session.scalar(select(func.count(Household.id))),
                 "persons": db.session.scalar(select(func.count(Person.id)).where(Person.active))}
        version = db.session.connection().exec_driver_sql(
            "SELECT sqlite_version()" if url.startswith("sqlite") else "SHOW server_version").scalar()
        sizes["database_version"] = version
        db.session.remove()
        db.engine.dispose()
    return targets, sizes


# --------------------------------------------------------------------------- server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn -c gunicorn.conf.py wsgi:app, with a machine-readable access log to a file."""

    def __init__(self, url: str, dialect: str, workers: int):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = ROOT / "instance" / "bench" / f"gunicorn-{dialect}.access.log"
        self.err_path = ROOT / "instance" / "bench" / f"gunicorn-{dialect}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log_path.write_text("")
        env = {**os.environ, "DATABASE_URL": url, "HOST": "127.0.0.1", "PORT": str(self.port),
               "WEB_CONCURRENCY": str(workers),
               # Recycling a worker mid-measurement would add a worker start-up to some figures.
               "GUNICORN_MAX_REQUESTS": "0", "GUNICORN_ACCESS_LOG": str(self.log_path)}
        for name in ("PORTAL_ENV", "GUNICORN_BIND", "PORTAL_BEHIND_PROXY", "PROXY_COUNT"):
            env.pop(name, None)
        self.err = open(self.err_path, "w")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py",
             "--access-logformat", "%(m)s %(U)s %(s)s %(D)s", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.err, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.process.returncode}); see {self.err_path}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn did not answer on {self.base} within 90 s; see {self.err_path}")

    def log_offset(self) -> int:
        return self.log_path.stat().st_size

    def server_times(self, offset: int, method: str, path: str, expected: int) -> list[float]:
        """Milliseconds the workers spent on the `expected` requests logged since `offset`."""
        deadline = time.monotonic() + 2
        while True:
            with open(self.log_path) as f:
                f.seek(offset)
                times = [int(parts[3]) / 1000 for parts in (line.split() for line in f)
                         if len(parts) == 4 and parts[0] == method and parts[1] == path]
            if len(times) >= expected or time.monotonic() > deadline:
                return times
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.err.close()


# --------------------------------------------------------------------------- client

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx comes back as HTTPError: a measured page must answer 200 itself


class Client:
    """A signed-in browser: one cookie jar, shared by the threads of the throughput run."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.following = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def opener(self):
        return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def _csrf(self, html: str) -> str:
        match = CSRF_RE.search(html)
        if not match:
            raise SystemExit("No csrf_token field in the page.")
        return match.group(1) or match.group(2)

    def login(self, username: str, password: str) -> None:
        with self.following.open(self.base + "/login", timeout=30) as response:
            token = self._csrf(response.read().decode())
        body = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
        with self.following.open(self.base + "/login", data=body, timeout=30) as response:
            if urllib.parse.urlsplit(response.geturl()).path == "/login":
                raise SystemExit(f"Signing in as {username} failed.")

    def csrf_from(self, path: str) -> str:
        with self.following.open(self.base + path, timeout=30) as response:
            return self._csrf(response.read().decode())


def request_once(opener, base: str, page: dict) -> tuple[int, int]:
    request = urllib.request.Request(base + page["path"], data=page.get("body"), headers=BROWSER_HEADERS,
                                     method=page["method"])
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        error.read()
        return error.code, 0


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p of the values at or below it."""
    return sorted_values[max(0, math.ceil(p * len(sorted_values)) - 1)]


def sequential(server: Gunicorn, client: Client, page: dict, warmup: int, runs: int) -> dict:
    opener = client.opener()
    for _ in range(warmup):
        request_once(opener, client.base, page)
    offset = server.log_offset()
    times, statuses, size = [], set(), 0
    for _ in range(runs):
        started = time.perf_counter()
        status, size = request_once(opener, client.base, page)
        times.append((time.perf_counter() - started) * 1000)
        statuses.add(status)
    times.sort()
    server_ms = sorted(server.server_times(offset, page["method"], page["path"], runs))
    return {"statuses": sorted(statuses), "bytes": size,
            "p50_ms": round(statistics.median(times), 1), "p95_ms": round(percentile(times, 0.95), 1),
            "max_ms": round(times[-1], 1),
            "server_p50_ms": round(statistics.median(server_ms), 1) if server_ms else None,
            "server_p95_ms": round(percentile(server_ms, 0.95), 1) if server_ms else None}


def throughput(client: Client, page: dict, threads: int, seconds: float) -> dict:
    counts, errors = [0] * threads, [0] * threads
    start = threading.Barrier(threads + 1)

    def loop(i: int) -> None:
        opener = client.opener()
        start.wait()
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            status, _ = request_once(opener, client.base, page)
            if status == 200:
                counts[i] += 1
            else:
                errors[i] += 1

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    start.wait()
    began = time.perf_counter()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - began
    return {"rps": round(sum(counts) / elapsed, 1), "errors": sum(errors)}


# --------------------------------------------------------------------------- the run

def pages_of(role: str, target: dict, csrf: str | None) -> list[dict]:
    get = lambda label, path: {"label": label, "method": "GET", "path": path}  # noqa: E731
    if role == "admin":  # no registry, queue or dashboard: its home and its list of accounts
        return [get("home", "/admin/"), get("account list", "/admin/pengguna")]
    pages = [get("home", f"/{role}/")]
    if role != "rt":
        pages.append(get("queue", f"/{role}/antrian"))
    pages += [get("household list", f"/{role}/rumah-tangga"),
              get("household page", f"/{role}/rumah-tangga/{target['household_id']}")]
    if role != "rt":
        pages.append(get("dashboard", f"/{role}/dasbor"))
    body = urllib.parse.urlencode({"csrf_token": csrf, "q": target["nik"], "page": "1"}).encode()
    pages.append({"label": "search by NIK", "method": "POST", "path": f"/{role}/rumah-tangga", "body": body})
    return pages


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    memory = next((int(line.split()[1]) // 1024 // 1024 for line in open("/proc/meminfo")
                   if line.startswith("MemTotal")), None)
    from importlib.metadata import version
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": memory, "python": platform.python_version(),
            "gunicorn": version("gunicorn"), "flask": version("flask"), "sqlalchemy": version("sqlalchemy")}


def print_table(result: dict) -> None:
    rows = [("role", "page", "p50 ms", "p95 ms", "srv p95", "req/s", "÷healthz", "bytes", "")]
    for r in result["pages"]:
        flags = []
        if r["p95_ms"] > P95_TARGET_MS:
            flags.append("p95 > 100 ms")
        if r["label"] == "dashboard" and r["ratio_to_healthz"] < DASHBOARD_RATIO_TARGET:
            flags.append("< 30 % of healthz")
        if r["statuses"] != [200] or r["errors"]:
            flags.append(f"status {r['statuses']}, {r['errors']} errors")
        rows.append((r["role"], r["label"], f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}",
                     "-" if r["server_p95_ms"] is None else f"{r['server_p95_ms']:.1f}", f"{r['rps']:.0f}",
                     f"{r['ratio_to_healthz']:.2f}", str(r["bytes"]), "; ".join(flags)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) if i < 2 or i == 8 else cell.rjust(w)
                        for i, (cell, w) in enumerate(zip(row, widths, strict=True))).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=50_000, help="seed-demo --households (default 50000)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=50, help="sequential timed requests per page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=4, help="client threads for the throughput run")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each throughput run")
    parser.add_argument("--drop-after", action="store_true",
                        help="drop the PostgreSQL database (or delete the SQLite file) at the end")
    parser.add_argument("--output", type=Path, default=OUTPUT_DIR)
    args = parser.parse_args()

    from portal.services.demo import DEMO_PASSWORD

    url, dialect = database_url()
    started_at = datetime.now(UTC)
    load_before = os.getloadavg()
    preparation = prepare_database(url, dialect, args.households)
    targets, sizes = pick_targets(url)
    server = Gunicorn(url, dialect, args.workers)
    results = []
    try:
        anonymous = Client(server.base)
        health = {"label": "healthz", "method": "GET", "path": "/healthz"}
        print(f"gunicorn ({args.workers} workers) on {server.base}; measuring …", flush=True)
        healthz_first = {**sequential(server, anonymous, health, args.warmup, args.requests),
                         **throughput(anonymous, health, args.threads, args.seconds)}
        for role, target in targets.items():
            client = Client(server.base)
            client.login(target["username"], DEMO_PASSWORD)
            csrf = client.csrf_from(f"/{role}/rumah-tangga") if role != "admin" else None
            for page in pages_of(role, target, csrf):
                figures = {**sequential(server, client, page, args.warmup, args.requests),
                           **throughput(client, page, args.threads, args.seconds)}
                results.append({"role": role, "account": target["username"], "label": page["label"],
                                "method": page["method"], "path": page["path"], **figures})
                print(f"  {role:<10} {page['label']:<15} p95 {figures['p95_ms']:7.1f} ms  "
                      f"{figures['rps']:6.1f} req/s", flush=True)
        healthz_last = {**sequential(server, anonymous, health, args.warmup, args.requests),
                        **throughput(anonymous, health, args.threads, args.seconds)}
    finally:
        server.stop()
    healthz_rps = (healthz_first["rps"] + healthz_last["rps"]) / 2
    for r in results:
        r["ratio_to_healthz"] = round(r["rps"] / healthz_rps, 3)
    healthz_rows = [{"role": "-", "account": None, "label": "healthz", "method": "GET", "path": "/healthz",
                     **h, "ratio_to_healthz": round(h["rps"] / healthz_rps, 3)} for h in (healthz_first, healthz_last)]
    missed = [f"{r['role']} {r['label']}" for r in results if r["p95_ms"] > P95_TARGET_MS]
    dashboards = {r["role"]: r["ratio_to_healthz"] for r in results if r["label"] == "dashboard"}
    result = {
        "dialect": dialect, "date": started_at.isoformat(timespec="seconds"),
        "command": "make bench-serve" + (" (BENCH_DATABASE_URL set)" if dialect == "postgresql" else ""),
        "machine": machine(), "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "database": {**sizes, "seed_demo_households": args.households, **preparation,
                     "url": url.split("@")[-1] if dialect == "postgresql" else str(SQLITE_FILE.relative_to(ROOT))},
        "settings": {"workers": args.workers, "warmup": args.warmup, "sequential_requests": args.requests,
                     "client_threads": args.threads, "throughput_seconds": args.seconds,
                     "accept_encoding": BROWSER_HEADERS["Accept-Encoding"]},
        "targets": {"p95_ms": P95_TARGET_MS, "dashboard_ratio_to_healthz": DASHBOARD_RATIO_TARGET},
        "healthz_rps": round(healthz_rps, 1), "accounts": targets,
        "pages": healthz_rows[:1] + results + healthz_rows[1:],
        "summary": {"pages_over_p95_target": missed, "dashboard_ratio_to_healthz": dashboards,
                    "dashboards_under_ratio_target": [k for k, v in dashboards.items() if v < DASHBOARD_RATIO_TARGET]},
    }
    args.output.mkdir(parents=True, exist_ok=True)
    out = args.output / f"pages-{dialect}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{dialect}: {sizes['households']} households, {sizes['persons']} people; gunicorn {args.workers} "
          f"workers; load average {result['load_average_before'][0]} → {result['load_average_after'][0]}")
    print_table(result)
    print(f"\n/healthz: {healthz_first['rps']:.0f} and {healthz_last['rps']:.0f} req/s (start, end); "
          f"over p95 {P95_TARGET_MS:.0f} ms: {', '.join(missed) or 'none'}; written to {os.path.relpath(out, ROOT)}")

    if args.drop_after:
        if dialect == "postgresql":
            from sqlalchemy.engine import make_url
            _pg_admin(url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')
        else:
            SQLITE_FILE.unlink(missing_ok=True)
        print("Benchmark database removed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
