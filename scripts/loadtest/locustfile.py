"""Locust load test: every role's everyday flows against a seeded demo portal (`make loadtest`).

Run by scripts/loadtest/run.py (50 users, 10 per second, 60 s, headless). Each simulated user signs in once
with a demo account (password demo-bontang-2026), like a browser: it takes the CSRF token from the page and
sends it with every form, and keeps the session cookie.

- Ketua RT (30 users, 30 of the 45 RT accounts, one each): home, household list, a household page, then a
  new BARU proposal through the whole wizard (household, two members, conditions, a PNG scan of the KK),
  the review step and "Ajukan".
- Kelurahan (12 users, 12 of the 15 accounts), kecamatan (3 users, one per account) and Dinas Sosial
  (5 users sharing the one `dinsos` account, as one office would): home, queue, dashboard, then approve a
  proposal picked from the first page of the queue (Dinas Sosial records its field verification first).
  Dinas Sosial also searches the registry by a full NIK (POST).

What each user finished is recorded (proposals started and submitted, approvals accepted, approvals refused
because someone was first) and written as JSON to $LOADTEST_RECORD when Locust stops; the checker
(scripts/loadtest/check.py) compares it with the database. Identity numbers are made unique per proposal
(serials below 7000: the demo uses 7000-9999), so the registry's duplicate checks never refuse one.
"""
import itertools
import json
import os
import random
import re
import struct
import threading
import time
import zlib
from datetime import date, timedelta

from locust import HttpUser, between, events, task

PASSWORD = os.environ.get("LOADTEST_PASSWORD", "demo-bontang-2026")
RECORD_PATH = os.environ.get("LOADTEST_RECORD", "loadtest-record.json")
NIKS_PATH = os.environ.get("LOADTEST_NIKS", "")

KELURAHAN = ["bontang-kuala", "bontang-baru", "lok-tuan", "guntung", "gunung-elai", "api-api",  # Bontang Utara
             "tanjung-laut", "berbas-tengah", "berbas-pantai", "satimpo", "bontang-lestari",   # Bontang Selatan
             "tanjung-laut-indah",
             "belimbing", "gunung-telihan", "kanaan"]                                            # Bontang Barat
KECAMATAN_OF = {name: "01" if i < 6 else "02" if i < 12 else "03" for i, name in enumerate(KELURAHAN)}
RT_ACCOUNTS = [f"rt.{k}.{n:03d}" for n in (1, 2, 3) for k in KELURAHAN]  # RT 001 of every kelurahan first
LURAH_ACCOUNTS = [f"lurah.{k}" for k in KELURAHAN]
CAMAT_ACCOUNTS = ["camat.bontang-utara", "camat.bontang-selatan", "camat.bontang-barat"]

CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')
VERSION_RE = re.compile(r'name="version" type="hidden" value="(\d+)"')
PROPOSAL_RE = re.compile(r"/rt/usulan/(\d+)/")
QUEUE_ID_RE = re.compile(r'name="ids" value="(\d+):(\d+)"')

_lock = threading.Lock()
_accounts: dict[str, itertools.count] = {}
_serials = itertools.count(1)
RECORD = {"started": [], "submitted": [], "submit_refused": [], "approved": [], "approve_conflict": [],
          "approve_refused": [], "noted": [], "logins": 0, "login_failed": [], "status_5xx": {}, "times_ms": {}}


def next_account(kind: str, accounts: list[str]) -> str:
    with _lock:
        counter = _accounts.setdefault(kind, itertools.count())
        return accounts[next(counter) % len(accounts)]


def record(key: str, value) -> None:
    with _lock:
        RECORD[key].append(value)


@events.request.add_listener
def _count(request_type, name, response_time, response, exception, **_kw):
    """Every response time (the checker takes percentiles from all of them, to the last request) and any 5xx."""
    status = getattr(response, "status_code", 0) or 0
    with _lock:
        RECORD["times_ms"].setdefault(f"{request_type} {name}", []).append(round(response_time))
        if status >= 500:
            RECORD["status_5xx"][name] = RECORD["status_5xx"].get(name, 0) + 1


@events.test_start.add_listener
def _started(environment, **_kw):
    RECORD["started_at"] = time.time()
    RECORD["users"] = environment.parsed_options.num_users if environment.parsed_options else None


@events.quitting.add_listener
def _write_record(environment, **_kw):
    RECORD.setdefault("stopped_at", time.time())
    with open(RECORD_PATH, "w", encoding="utf-8") as out:
        json.dump(RECORD, out, indent=1)


def tiny_png() -> bytes:
    """A valid 8x8 white PNG, made without Pillow (the load venv does not have it)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


PNG = tiny_png()
SYLLABLES = ["ba", "di", "ka", "lu", "ma", "ni", "ra", "sa", "tu", "wa", "ya", "ha", "ja", "pe", "so", "ri"]


def family_name(n: int) -> str:
    """A pronounceable name unique to n (letters only, as the name rules want)."""
    word = ""
    while True:
        word += SYLLABLES[n % len(SYLLABLES)]
        n //= len(SYLLABLES)
        if n == 0:
            return "Beban" + word


def nik(region: str, birth: date, sex: str, serial: int) -> str:
    day = birth.day + (40 if sex == "P" else 0)
    return f"{region}{day:02d}{birth:%m%y}{serial:04d}"


class PortalUser(HttpUser):
    abstract = True
    wait_time = between(1, 3)
    accounts: list[str] = []
    kind = ""

    def on_start(self):
        self.username = next_account(self.kind, self.accounts)
        self.csrf = ""
        self.page("/login", name="/login")
        with self.client.post("/login", data={"username": self.username, "password": PASSWORD,
                                              "csrf_token": self.csrf},
                              allow_redirects=False, name="/login POST", catch_response=True) as response:
            if response.status_code != 303 or "/login" in response.headers.get("Location", ""):
                record("login_failed", self.username)
                response.failure(f"login {self.username}: {response.status_code}")
            else:
                with _lock:
                    RECORD["logins"] += 1
        self.page("/", name="/ (home)")

    # -- a browser's moves ------------------------------------------------------------------------------

    def page(self, url: str, name: str | None = None) -> str:
        response = self.client.get(url, name=name or url)
        body = response.text if response.ok else ""
        match = CSRF_RE.search(body)
        if match:
            self.csrf = match.group(1) or match.group(2)
        return body

    def form(self, url: str, data: dict, name: str, files=None):
        """POST like a form does, without following the answer's redirect (the 303 is what we check)."""
        return self.client.post(url, data={"csrf_token": self.csrf, **data}, files=files, allow_redirects=False,
                                name=name)

    def versioned(self, page_url: str, post_url: str, data: dict, name: str, post_name: str = ""):
        """Open the page (its hidden version field), then post the form with that version."""
        body = self.page(page_url, name=name)
        match = VERSION_RE.search(body)
        return self.form(post_url, {"version": match.group(1) if match else "", **data}, post_name or name + " POST")


class KetuaRt(PortalUser):
    fixed_count = 30
    accounts = RT_ACCOUNTS
    kind = "rt"

    def on_start(self):
        super().on_start()
        self.region = "6474" + KECAMATAN_OF[self.username.split(".")[1]]

    @task(3)
    def browse(self):
        body = self.page("/rt/rumah-tangga", name="/rt/rumah-tangga")
        ids = re.findall(r'href="/rt/rumah-tangga/(\d+)"', body)
        if ids:
            self.page(f"/rt/rumah-tangga/{random.choice(ids)}", name="/rt/rumah-tangga/[id]")

    @task(2)
    def propose_baru(self):
        with _lock:
            n = next(_serials)
        self.page("/rt/usulan/baru", name="/rt/usulan/baru")
        started = self.form("/rt/usulan/baru", {}, "/rt/usulan/baru POST")
        match = PROPOSAL_RE.search(started.headers.get("Location", ""))
        if started.status_code != 303 or not match:
            return
        pid = int(match.group(1))
        record("started", {"id": pid, "user": self.username})
        step = f"/rt/usulan/{pid}/langkah"
        family = family_name(n)
        head_birth = date(1960, 1, 1) + timedelta(days=(n * 37) % 9000)
        wife_birth = head_birth + timedelta(days=900)
        members = [
            {"nik": nik(self.region, head_birth, "L", 2 * n % 6000 + 1000), "name": f"Ahmad {family}",
             "birth_date": head_birth.isoformat(), "sex": "L", "relation": "kepala", "mother_name": "Halimah Beban"},
            {"nik": nik(self.region, wife_birth, "P", (2 * n + 1) % 6000 + 1000), "name": f"Siti {family}",
             "birth_date": wife_birth.isoformat(), "sex": "P", "relation": "pasangan", "mother_name": "Aminah Beban"},
        ]
        checks = [
            self.versioned(f"{step}/rumah_tangga", f"{step}/rumah_tangga",
                           {"no_kk": f"{self.region}120320{n % 6000 + 1000:04d}", "address": f"Jl. Beban No. {n}"},
                           "/rt/usulan/[id]/langkah/rumah_tangga"),
        ]
        for member in members:
            checks.append(self.versioned(
                f"/rt/usulan/{pid}/anggota/tambah", f"/rt/usulan/{pid}/anggota/tambah",
                {"birth_place": "Bontang", "marital_status": "kawin", "job": "nelayan", "warning_reason": "",
                 **member}, "/rt/usulan/[id]/anggota/tambah"))
        checks.append(self.versioned(f"{step}/kondisi", f"{step}/kondisi",
                                     {"floor_area_m2": "24", "floor_type": "tanah", "has_shelter": "ya"},
                                     "/rt/usulan/[id]/langkah/kondisi"))
        self.page(f"{step}/berkas", name="/rt/usulan/[id]/langkah/berkas")
        checks.append(self.form(f"{step}/berkas", {"kind": "kk"}, "/rt/usulan/[id]/langkah/berkas POST",
                                files={"file": ("kk.png", PNG, "image/png")}))
        if any(r.status_code != 303 for r in checks):
            return  # a step was refused: the draft stays a draft (the checker counts it as started only)
        submitted = self.versioned(f"{step}/tinjau", f"/rt/usulan/{pid}/ajukan", {}, "/rt/usulan/[id]/langkah/tinjau",
                                  "/rt/usulan/[id]/ajukan POST")
        if submitted.status_code == 303 and submitted.headers.get("Location", "").endswith(f"/rt/usulan/{pid}"):
            record("submitted", {"id": pid, "user": self.username})
        else:
            record("submit_refused", {"id": pid, "status": submitted.status_code})


class Reviewer(PortalUser):
    abstract = True
    base = ""

    @task(2)
    def look(self):
        self.page(f"{self.base}/antrian", name=f"{self.base}/antrian")
        self.page(f"{self.base}/dasbor", name=f"{self.base}/dasbor")

    @task(3)
    def approve_one(self):
        body = self.page(f"{self.base}/antrian", name=f"{self.base}/antrian")
        waiting = QUEUE_ID_RE.findall(body)
        if not waiting:
            return
        pid = int(random.choice(waiting)[0])
        if self.base == "/dinsos":
            self.page(f"/dinsos/usulan/{pid}", name="/dinsos/usulan/[id]")
            noted = self.form(f"/dinsos/usulan/{pid}/verifikasi",
                              {"visit_date": (date.today() - timedelta(days=1)).isoformat(),
                               "officer": "Petugas Uji Beban", "findings": "Rumah sesuai data, keluarga ditemui."},
                              "/dinsos/usulan/[id]/verifikasi POST")
            if noted.status_code == 303:
                record("noted", pid)
        response = self.versioned(f"{self.base}/usulan/{pid}", f"{self.base}/usulan/{pid}",
                                  {"action": "setujui", "reason": ""}, f"{self.base}/usulan/[id]")
        location = response.headers.get("Location", "")
        if response.status_code == 303 and location.endswith(f"{self.base}/antrian"):
            record("approved", {"id": pid, "role": self.kind, "user": self.username})
        elif response.status_code == 303:  # someone else decided first: told, nothing recorded twice
            record("approve_conflict", {"id": pid, "role": self.kind})
        else:
            record("approve_refused", {"id": pid, "role": self.kind, "status": response.status_code})


class Kelurahan(Reviewer):
    fixed_count = 12
    accounts = LURAH_ACCOUNTS
    kind, base = "kelurahan", "/kelurahan"


class Kecamatan(Reviewer):
    fixed_count = 3
    accounts = CAMAT_ACCOUNTS
    kind, base = "kecamatan", "/kecamatan"


class DinasSosial(Reviewer):
    fixed_count = 5
    accounts = ["dinsos"]
    kind, base = "dinsos", "/dinsos"
    niks: list[str] = []

    def on_start(self):
        super().on_start()
        if NIKS_PATH and not DinasSosial.niks:
            with open(NIKS_PATH, encoding="utf-8") as source:
                DinasSosial.niks = json.load(source)

    @task(2)
    def search_nik(self):
        if not self.niks:
            return
        self.page("/dinsos/rumah-tangga", name="/dinsos/rumah-tangga")
        with self.client.post("/dinsos/rumah-tangga", data={"csrf_token": self.csrf, "q": random.choice(self.niks)},
                              name="/dinsos/rumah-tangga POST (NIK)", catch_response=True) as response:
            if response.status_code == 200 and "/dinsos/rumah-tangga/" not in response.text:
                response.failure("search by a registered NIK found no household")
