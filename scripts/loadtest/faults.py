#!/usr/bin/env python3
"""`make faults`: four faults provoked against gunicorn on this machine, what happened written to
docs/bench/faults.json and printed (docs/FAULTS.md reads these runs).

F1 PostgreSQL restarted during a Locust load (20 users, 45 s; restart after 15 s).
F2 Redis stopped while the portal uses it (REDIS_URL): a signed-in user, a new sign-in, a background letter.
F3 The gunicorn worker that renders a letter in the background (no Redis: a thread in the worker) is
   SIGKILLed mid-render; F3b the same with Redis: the RQ worker's work-horse is SIGKILLed.
F4 The upload directory is a full file system (a tiny tmpfs) when a Ketua RT uploads evidence.

Nothing here touches the services other people use: PostgreSQL is a cluster of its own
(FAULTS_PG_CLUSTER, default "faults" on port FAULTS_PG_PORT 5439, created with trust auth on first use;
`pg_ctlcluster --skip-systemctl-redirect 15 <cluster> restart` restarts it), Redis is a private
redis-server on port 6391, and the tmpfs is mounted under instance/faults/ (needs root). Every HTTP
request goes to 127.0.0.1.
"""
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import check  # noqa: E402
import run  # noqa: E402

ROOT = run.ROOT
run.WORK = WORK = ROOT / "instance" / "faults"
PG_VERSION = os.environ.get("FAULTS_PG_VERSION", "15")
PG_CLUSTER = os.environ.get("FAULTS_PG_CLUSTER", "faults")
PG_PORT = int(os.environ.get("FAULTS_PG_PORT", "5439"))
REDIS_PORT = 6391
PASSWORD = "demo-bontang-2026"
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"')


# --------------------------------------------------------------------------- a browser without redirects

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect())
        self.csrf = ""

    def _open(self, request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=30) as response:
                status, location, body = response.status, response.headers.get("Location", ""), response.read()
        except urllib.error.HTTPError as error:
            status, location, body = error.code, error.headers.get("Location", ""), error.read()
        except OSError as error:
            return 0, "", str(error)
        text = body.decode("utf-8", "replace")
        if match := CSRF_RE.search(text):
            self.csrf = match.group(1)
        return status, location, text

    def get(self, path: str):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict | list, files: dict | None = None):
        fields = list(data.items()) if isinstance(data, dict) else list(data)
        fields.append(("csrf_token", self.csrf))
        if files:
            boundary = uuid.uuid4().hex
            parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                     for k, v in fields]
            for name, (filename, content, mime) in files.items():
                parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
                             f'\r\nContent-Type: {mime}\r\n\r\n'.encode() + content + b"\r\n")
            body = b"".join(parts) + f"--{boundary}--\r\n".encode()
            headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        else:
            body, headers = urllib.parse.urlencode(fields).encode(), {}
        return self._open(urllib.request.Request(self.base + path, data=body, headers=headers, method="POST"))

    def login(self, username: str) -> int:
        self.get("/login")
        status, location, _ = self.post("/login", {"username": username, "password": PASSWORD})
        return status if status != 303 or "/login" not in location else 401


def flash_of(page: str) -> str:
    match = re.search(r'<p class="flash \w+" role="(?:status|alert)">(.*?)</p>', page, re.S)
    errors = re.findall(r'<p class="(?:flash )?error"[^>]*>(.*?)</p>', page, re.S)
    title = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    return " | ".join(x.strip() for x in [match.group(1) if match else "", *errors, title.group(1) if title else ""]
                      if x and x.strip())[:300]


# --------------------------------------------------------------------------- the private services

def pg_url(database: str = "faults") -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{PG_PORT}/{database}"


def ensure_cluster() -> None:
    listed = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, check=True).stdout
    if not any(line.split()[:2] == [PG_VERSION, PG_CLUSTER] for line in listed.splitlines()):
        subprocess.run(["pg_createcluster", PG_VERSION, PG_CLUSTER, "-p", str(PG_PORT), "--",
                        "--auth-local=trust", "--auth-host=trust"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PG_CLUSTER, "start"],
                   capture_output=True)
    wait_for_pg()


def wait_for_pg(seconds: float = 60) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(PG_PORT), "-q"]).returncode == 0:
            return time.monotonic() - started
        time.sleep(0.2)
    sys.exit(f"PostgreSQL cluster {PG_CLUSTER} did not come up")


def redis(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["redis-cli", "-p", str(REDIS_PORT), *args], capture_output=True, text=True)


def start_redis() -> None:
    subprocess.run(["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                    "no", "--daemonize", "yes", "--logfile", str(WORK / "redis.log")], check=True)
    for _ in range(50):
        if redis("ping").stdout.strip() == "PONG":
            return
        time.sleep(0.1)
    sys.exit("private redis-server did not start")


def sql(url: str, statement: str, **params):
    from sqlalchemy import create_engine, text
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return result.all() if result.returns_rows else None
    finally:
        engine.dispose()


def gunicorn(url: str, name: str, **env: str):
    port = run.free_port()
    return run.start_gunicorn(url, port, WORK / f"gunicorn-{name}.log", **env), port


# --------------------------------------------------------------------------- F1

def postgres_restart(url: str) -> dict:
    base = run.baseline(url)
    (WORK / "niks.json").write_text(json.dumps(base.pop("niks")))
    (WORK / "baseline.json").write_text(json.dumps(base))
    log = WORK / "gunicorn.log"
    log.unlink(missing_ok=True)
    port = run.free_port()
    server = run.start_gunicorn(url, port, log)
    os.environ.update(LOADTEST_USERS="20", LOADTEST_SPAWN_RATE="10", LOADTEST_DURATION="45s")
    locust = threading.Thread(target=run.run_locust, args=(port, WORK / "record.json", WORK / "niks.json",
                                                           WORK / "locust"))
    locust.start()
    time.sleep(15)
    started = time.monotonic()
    restart = subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PG_CLUSTER, "restart"],
                             capture_output=True, text=True)
    down_for = time.monotonic() - started + wait_for_pg()
    locust.join()
    after = Browser(port)
    healthy = after.get("/healthz")[0]
    login_after = after.login("lurah.api-api")
    run.stop(server)
    outcome = check.check(url, WORK)
    errors_5xx = outcome["problems"].pop("status_5xx_in_access_log")
    seen_5xx = outcome["problems"].pop("status_5xx_seen_by_users")
    log_text = log.read_text(errors="replace")
    return {"restart_rc": restart.returncode, "restart_seconds": round(down_for, 1),
            "requests_5xx": sum(seen_5xx.values()), "requests_5xx_by_name": seen_5xx,
            "access_log_5xx_sample": errors_5xx[:5],
            "operational_errors_logged": log_text.count("OperationalError"),
            "healthz_after": healthy, "login_after": login_after,
            "consistency_ok_apart_from_5xx": not any(outcome["problems"].values()),
            "problems": {k: v for k, v in outcome["problems"].items() if v}, "totals": outcome["totals"]}


# --------------------------------------------------------------------------- F2

def redis_down(url: str) -> dict:
    start_redis()
    server, port = gunicorn(url, "redis", REDIS_URL=f"redis://127.0.0.1:{REDIS_PORT}/0", LETTER_BACKGROUND_ROWS="0")
    result = {}
    try:
        lurah, dinsos = Browser(port), Browser(port)
        result["login_with_redis_up"] = lurah.login("lurah.api-api")
        result["dinsos_login_with_redis_up"] = dinsos.login("dinsos")
        dinsos.get("/dinsos/surat")
        redis("shutdown", "nosave")
        time.sleep(0.5)
        result["signed_in_page_with_redis_down"] = lurah.get("/kelurahan/antrian")[0]
        fresh = Browser(port)
        result["new_login_with_redis_down"] = fresh.login("camat.bontang-utara")
        wrong = Browser(port)
        wrong.get("/login")
        result["wrong_password_with_redis_down"] = wrong.post("/login", {"username": "camat.bontang-utara",
                                                                          "password": "salah-sekali"})[0]
        jobs_before = sql(url, "SELECT count(*) FROM letter_jobs")[0][0]
        ready = [r[0] for r in sql(url, "SELECT id FROM proposals WHERE status = 'disetujui_dinsos' ORDER BY id")]
        # Half of them: the job now really runs (in this process), and F3 needs proposals still waiting.
        chosen = ready[:max(1, len(ready) // 2)]
        status, location, page = dinsos.post("/dinsos/surat", [("ids", str(i)) for i in chosen] + [("sifat", "Biasa")])
        result["background_letter_with_redis_down"] = {"status": status, "shown": flash_of(page)}
        result["letter_jobs_left_antri"] = sql(url, "SELECT count(*) FROM letter_jobs WHERE status = 'antri' "
                                                    "AND id > 0")[0][0]
        result["letter_jobs_added"] = sql(url, "SELECT count(*) FROM letter_jobs")[0][0] - jobs_before
        start_redis()
        result["new_login_after_redis_back"] = Browser(port).login("camat.bontang-selatan")
        time.sleep(2)
        result["orphan_job_still_antri_after_redis_back"] = sql(
            url, "SELECT count(*) FROM letter_jobs WHERE status = 'antri'")[0][0]
    finally:
        run.stop(server)
        redis("shutdown", "nosave")
    return result


# --------------------------------------------------------------------------- F3

def worker_killed(url: str) -> dict:
    server, port = gunicorn(url, "kill", LETTER_BACKGROUND_ROWS="0")
    result = {}
    try:
        sql(url, "UPDATE letter_jobs SET status = 'gagal', error = 'faults: F2 left it' WHERE status = 'antri'")
        dinsos = Browser(port)
        result["login"] = dinsos.login("dinsos")
        dinsos.get("/dinsos/surat")
        letters_before = sql(url, "SELECT count(*) FROM letters")[0][0]
        ready = [r[0] for r in sql(url, "SELECT id FROM proposals WHERE status = 'disetujui_dinsos' ORDER BY id")]
        ready = ready[:max(1, len(ready) // 2)]  # the retry makes a real letter: leave the rest for F3b
        result["proposals_ready"] = len(ready)
        status, location, _ = dinsos.post("/dinsos/surat", [("ids", str(i)) for i in ready] + [("sifat", "Biasa")])
        job_id = int(re.search(r"/surat/proses/(\d+)", location).group(1))
        seen, deadline = None, time.monotonic() + 20
        while time.monotonic() < deadline:
            seen = sql(url, "SELECT status FROM letter_jobs WHERE id = :j", j=job_id)[0][0]
            if seen != "antri":
                break
            time.sleep(0.01)
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        for pid in workers:
            os.kill(int(pid), 9)
        result["job_status_when_killed"] = seen
        result["workers_killed"] = len(workers)
        time.sleep(10)  # gunicorn starts new workers; does anything pick the job up again?
        job = sql(url, "SELECT status, progress, letter_id, error FROM letter_jobs WHERE id = :j", j=job_id)[0]
        result["job_after_10s"] = {"status": job[0], "progress": job[1], "letter_id": job[2], "error": job[3]}
        result["letters_added"] = sql(url, "SELECT count(*) FROM letters")[0][0] - letters_before
        result["proposals_still_ready"] = sql(url, "SELECT count(*) FROM proposals WHERE status = 'disetujui_dinsos' "
                                                   "AND id = ANY(:ids)", ids=ready)[0][0]
        status, _, page = dinsos.get(f"/dinsos/surat/proses/{job_id}")
        result["progress_page"] = {"status": status, "offers_retry": "/ulang" in page, "shown": flash_of(page)}
        result["after_timeout"] = after_timeout(url, dinsos, job_id)
    finally:
        run.stop(server)
    return result


def after_timeout(url: str, dinsos: "Browser", job_id: int) -> dict:
    """The job as the user finds it once JOB_TIMEOUT has passed (its clock moved back rather than waiting),
    then "Coba lagi" and the letter the retry makes."""
    sql(url, "UPDATE letter_jobs SET created_at = created_at - interval '16 minutes' WHERE id = :j", j=job_id)
    status, _, page = dinsos.get(f"/dinsos/surat/proses/{job_id}")
    found = {"status": status, "offers_retry": "/ulang" in page, "shown": flash_of(page),
             "job_status": sql(url, "SELECT status FROM letter_jobs WHERE id = :j", j=job_id)[0][0]}
    letters_before = sql(url, "SELECT count(*) FROM letters")[0][0]
    found["retry_status"] = dinsos.post(f"/dinsos/surat/proses/{job_id}/ulang", {})[0]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and sql(url, "SELECT status FROM letter_jobs WHERE id = :j",
                                              j=job_id)[0][0] not in ("selesai", "gagal"):
        time.sleep(0.5)
    found["job_status_after_retry"] = sql(url, "SELECT status FROM letter_jobs WHERE id = :j", j=job_id)[0][0]
    found["letters_added_by_retry"] = sql(url, "SELECT count(*) FROM letters")[0][0] - letters_before
    return found


def rq_horse_killed(url: str) -> dict:
    """F3 with Redis: the RQ worker's work-horse (the forked process running the job) is SIGKILLed."""
    start_redis()
    redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
    server, port = gunicorn(url, "rq", REDIS_URL=redis_url, LETTER_BACKGROUND_ROWS="0")
    worker = subprocess.Popen([str(run.BIN / "rq"), "worker", "-u", redis_url, "letters"], cwd=ROOT,
                              env=run.app_env(url, REDIS_URL=redis_url, LETTER_BACKGROUND_ROWS="0"),
                              stdout=open(WORK / "rq-worker.log", "ab"), stderr=subprocess.STDOUT,  # noqa: SIM115
                              start_new_session=True)
    result = {}
    try:
        sql(url, "UPDATE letter_jobs SET status = 'gagal', error = 'faults: earlier run' "
                 "WHERE status IN ('antri', 'berjalan')")
        dinsos = Browser(port)
        result["login"] = dinsos.login("dinsos")
        dinsos.get("/dinsos/surat")
        letters_before = sql(url, "SELECT count(*) FROM letters")[0][0]
        ready = [r[0] for r in sql(url, "SELECT id FROM proposals WHERE status = 'disetujui_dinsos'")]
        result["proposals_ready"] = len(ready)
        _, location, _ = dinsos.post("/dinsos/surat", [("ids", str(i)) for i in ready] + [("sifat", "Biasa")])
        job_id = int(re.search(r"/surat/proses/(\d+)", location).group(1))
        seen, horses, deadline = None, [], time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = sql(url, "SELECT status FROM letter_jobs WHERE id = :j", j=job_id)[0][0]
            horses = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
            if seen != "antri" and horses:
                break
            time.sleep(0.01)
        for pid in horses:
            os.kill(int(pid), 9)
        result["job_status_when_killed"] = seen
        result["horses_killed"] = len(horses)
        time.sleep(10)
        job = sql(url, "SELECT status, progress, letter_id, error FROM letter_jobs WHERE id = :j", j=job_id)[0]
        result["job_after_10s"] = {"status": job[0], "progress": job[1], "letter_id": job[2], "error": job[3]}
        result["letters_added"] = sql(url, "SELECT count(*) FROM letters")[0][0] - letters_before
        result["rq_failed_registry"] = redis("zcard", "rq:registry:failed:letters").stdout.strip()
        result["rq_worker_still_running"] = worker.poll() is None
        status, _, page = dinsos.get(f"/dinsos/surat/proses/{job_id}")
        result["progress_page"] = {"status": status, "offers_retry": "/ulang" in page, "shown": flash_of(page)}
        result["after_timeout"] = after_timeout(url, dinsos, job_id)
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
        run.stop(server)
        redis("shutdown", "nosave")
    return result


# --------------------------------------------------------------------------- F4

def noisy_png(size: int = 160) -> bytes:
    import io

    from PIL import Image
    image = Image.frombytes("RGB", (size, size), random.randbytes(size * size * 3))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def disk_full(url: str) -> dict:
    mount = WORK / "full-uploads"
    mount.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
    result = {}
    server = None
    try:
        filler = mount / "filler"
        with open(filler, "wb") as out:  # leave ~24 KB free
            try:
                out.write(b"\0" * (232 * 1024))
            except OSError:
                pass
        server, port = gunicorn(url, "disk", UPLOAD_DIR=str(mount))
        rt = Browser(port)
        result["login"] = rt.login("rt.kanaan.002")
        rt.get("/rt/usulan/baru")
        status, location, _ = rt.post("/rt/usulan/baru", {})
        pid = int(re.search(r"/rt/usulan/(\d+)/", location).group(1))
        rt.get(f"/rt/usulan/{pid}/langkah/berkas")
        png = noisy_png()
        result["file_bytes"] = len(png)
        status, location, page = rt.post(f"/rt/usulan/{pid}/langkah/berkas", {"kind": "kk"},
                                         files={"file": ("kk.png", png, "image/png")})
        result["upload"] = {"status": status, "shown": flash_of(page)}
        result["files_left_in_upload_dir"] = sorted(str(p.relative_to(mount)) for p in mount.rglob("*")
                                                    if p.is_file() and p.name != "filler")
        result["evidence_rows"] = sql(url, "SELECT count(*) FROM evidence_files WHERE proposal_id = :p", p=pid)[0][0]
        result["draft_still_opens"] = rt.get(f"/rt/usulan/{pid}/langkah/berkas")[0]
    finally:
        if server:
            run.stop(server)
        subprocess.run(["umount", str(mount)])
    return result


def main() -> int:
    WORK.mkdir(parents=True, exist_ok=True)
    ensure_cluster()
    url = pg_url()
    run.fresh_database(url)
    out = ROOT / "docs" / "bench" / "faults.json"
    only = set(sys.argv[1:])  # e.g. `faults.py F4`: run only these (the others keep their last results)
    results = json.loads(out.read_text()) if only and out.exists() else {}
    for name, fault in (("F1_postgres_restart", postgres_restart), ("F2_redis_down", redis_down),
                        ("F3_worker_killed_mid_letter", worker_killed), ("F3b_rq_horse_killed", rq_horse_killed),
                        ("F4_disk_full_on_upload", disk_full)):
        if only and name.split("_")[0] not in only and name.split("_")[0].rstrip("b") not in only:
            continue
        print(f"== {name}", flush=True)
        try:
            results[name] = fault(url)
        except Exception as error:  # noqa: BLE001 — one fault's harness failing must not hide the others
            results[name] = {"harness_error": repr(error)}
        print(json.dumps(results[name], indent=1, ensure_ascii=False), flush=True)
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written to {out}")
    # The private cluster is stopped again (its files stay, for the next run); FAULTS_KEEP_PG=1 keeps it up.
    if not os.environ.get("FAULTS_KEEP_PG") and PG_CLUSTER != "main":
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", PG_VERSION, PG_CLUSTER, "stop"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
