"""Helpers for the approval-chain integration tests (kelurahan -> kecamatan -> Dinas Sosial).

`Reviewer` acts through HTTP the way a browser does: it opens the review page (which carries the
proposal's version in a hidden field and the CSRF token), then posts the decision with that version.
The DB helpers return plain data read in their own app context, so tests compare what was stored.
"""
import html
import io
import re
from datetime import timedelta

from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from portal.domain.household import content_sha256
from portal.extensions import db
from portal.models import Area, Decision, Household, Proposal, RegistryChange, User
from portal.models.types import utcnow
from portal.services import accounts
from tests.conftest import DEMO_PASSWORD, Visitor
from tests.pages import ERROR_RE, FLASH_RE, VERSION_RE, errors, flashes, text, version_in, visible  # noqa: F401  (re-exported for the test modules)

API_API, KANAAN = "64.74.01.1006", "64.74.03.1003"
API_API_RT1, API_API_RT2 = f"{API_API}.001", f"{API_API}.002"
LURAH, CAMAT, DINSOS = "lurah.api-api", "camat.bontang-utara", "dinsos"
RT = "rt.api-api.001"
LURAH_NAME = "Operator Kelurahan Api-Api (demo)"
ROLE_OF = {"lurah": "kelurahan", "camat": "kecamatan", "dinsos": "dinsos", "rt": "rt"}

QUEUE_ID_RE = re.compile(r'name="ids" value="(\d+):(\d+)"')
ALREADY_DECIDED_RE = re.compile(r"Usulan ini sudah diputuskan oleh (.+) \(([^()]+)\) pada (.+): (.+)\.")
NOT_NOW = "Usulan berstatus {} tidak dapat Anda putuskan sekarang."
OWN = "Anda tidak dapat memutuskan usulan yang Anda buat sendiri."
NEED_NOTE = "Catat hasil verifikasi lapangan dulu sebelum menyetujui."
SHORT_REASON = "Tuliskan alasan minimal 10 karakter agar Ketua RT tahu apa yang harus diperbaiki."
REASON = "Foto rumah tidak sesuai alamat, mohon diperiksa ulang."


# --- reading pages ------------------------------------------------------------------------------------------

def buttons(response) -> list[str]:
    return re.findall(r'name="action" value="(\w+)"', text(response))


def queue_ids(response) -> list[int]:
    """The proposals listed in a queue (batch check boxes), in the order shown."""
    return [int(i) for i, _ in QUEUE_ID_RE.findall(text(response))]


def listed(response_or_html, pid: int) -> bool:
    """Whether a link to proposal #pid is on the page (or in the piece of HTML)."""
    page = response_or_html if isinstance(response_or_html, str) else text(response_or_html)
    return re.search(rf">#{pid}\b", page) is not None


def queue_row(response, pid: int) -> str:
    """The queue table row of one proposal."""
    row = next((r for r in text(response).split("<tr")[1:] if listed(r, pid)), None)
    assert row is not None, f"#{pid} is not in the queue"
    return row


# --- acting through HTTP ------------------------------------------------------------------------------------

class Reviewer:
    """A signed-in user of one review level (or a Ketua RT) with the moves of the review screens."""

    def __init__(self, app, username: str):
        self.app, self.username = app, username
        self.v = Visitor(app)
        response = self.v.login(username, DEMO_PASSWORD)
        assert response.status_code == 200 and "/login" not in response.request.path, username
        with app.app_context():
            self.role = db.session.scalar(select(User.role).where(User.username == username))
        self.base = f"/{self.role}"

    def get(self, url, **kw):
        return self.v.get(url, **kw)

    def post(self, url, data=None, **kw):
        return self.v.post(url, data, **kw)

    def page(self, pid: int):
        return self.get(f"{self.base}/usulan/{pid}")

    def decide(self, pid: int, action: str, reason: str = "", version: str | int | None = None):
        """Open the review page, then press `action` with the version it shows (or with `version`, as a page
        kept open from earlier would). A page without buttons has no version: then the current one is sent,
        as a hand-made request would."""
        shown = self.page(pid)
        if version is None:
            assert shown.status_code == 200, shown.status_code
            match = VERSION_RE.search(text(shown))
            version = match.group(1) if match else proposal_data(self.app, pid)["version"]
        return self.post(f"{self.base}/usulan/{pid}", {"version": str(version), "action": action, "reason": reason})

    def approve(self, pid: int):
        response = self.decide(pid, "setujui")
        assert response.status_code == 303, errors(response)
        return response

    def note(self, pid: int, findings: str = "Rumah sesuai data, keluarga ditemui di tempat.", **extra):
        self.page(pid)
        visit = (utcnow() - timedelta(days=1)).date().isoformat()
        data = {"visit_date": visit, "officer": "Petugas Uji Lapangan", "findings": findings, **extra}
        return self.post(f"/dinsos/usulan/{pid}/verifikasi", data)

    def queue(self, **params):
        return self.get(f"{self.base}/antrian", query_string=params)

    def batch(self, items: list[tuple[int, int | str]]):
        self.queue()
        return self.post(f"{self.base}/antrian/setujui", {"ids": [f"{pid}:{version}" for pid, version in items]})

    def listed_ids(self, **params) -> set[int]:
        """Every proposal in "Semua usulan" (/<role>/usulan), over all its pages."""
        ids, page = set(), 1
        while True:
            response = self.get(f"{self.base}/usulan", query_string={**params, "page": page})
            assert response.status_code == 200
            ids |= {int(i) for i in re.findall(r'/usulan/(\d+)">#', text(response))}
            if "Berikutnya »" not in text(response):
                return ids
            page += 1

    def follow(self, response):
        assert response.status_code == 303, response.status_code
        return self.get(response.headers["Location"])


class Chain:
    """The three demo reviewers of Api-Api (Bontang Utara), signed in once per test."""

    def __init__(self, app):
        self.app = app
        self.lurah, self.camat, self.dinsos = (Reviewer(app, u) for u in (LURAH, CAMAT, DINSOS))

    def walk(self, pid: int, start: str = "lurah", upto: str = "dinsos") -> None:
        """Approve at every level from `start` up to `upto` (Dinas Sosial records its field verification first)."""
        levels = ("lurah", "camat", "dinsos")
        for level in levels[levels.index(start):]:
            reviewer = getattr(self, level)
            if level == "dinsos":
                assert reviewer.note(pid).status_code == 303
            reviewer.approve(pid)
            if level == upto:
                return


# --- reading and preparing the database --------------------------------------------------------------------

def run(app, fn):
    with app.app_context():
        result = fn()
        db.session.commit()
        return result


def user_id(username: str) -> int:
    return db.session.scalar(select(User.id).where(User.username == username))


def area_id(code: str) -> int:
    return db.session.scalar(select(Area.id).where(Area.code == code))


def proposal_data(app, pid: int) -> dict:
    with app.app_context():
        p = db.session.get(Proposal, pid)
        return {"status": p.status, "round": p.round, "version": p.version, "sha": p.snapshot_sha256,
                "snapshot": p.snapshot, "draft": p.draft, "household_id": p.household_id, "kind": p.kind,
                "area": p.area.code}


def decisions(app, pid: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(Decision).where(Decision.proposal_id == pid).order_by(Decision.id))
        return [{"action": d.action, "role": d.role, "user": d.actor.username, "name": d.actor.full_name,
                 "round": d.round, "from": d.from_status, "to": d.to_status, "sha": d.snapshot_sha256,
                 "reason": d.reason} for d in rows]


def ledger(app, pid: int) -> list[tuple]:
    return [(d["role"], d["action"], d["from"], d["to"], d["round"]) for d in decisions(app, pid)]


def registry_changes(app, pid: int) -> list[dict]:
    with app.app_context():
        rows = db.session.scalars(select(RegistryChange).where(RegistryChange.proposal_id == pid)
                                  .order_by(RegistryChange.id))
        return [{"household_id": c.household_id, "person_id": c.person_id, "field": c.field, "old": c.old_value,
                 "new": c.new_value} for c in rows]


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def demo_proposal(app, kind: str, kelurahan: str = API_API, status: str = "diajukan") -> int:
    """The demo seed's proposal of this kind and status in RT 001 of the kelurahan."""
    with app.app_context():
        return db.session.scalar(select(Proposal.id).where(
            Proposal.kind == kind, Proposal.status == status, Proposal.area_id == area_id(f"{kelurahan}.001")))


def waiting(app, kelurahan: str = API_API) -> list[int]:
    """Every submitted ('diajukan') proposal of the kelurahan's RTs, by id."""
    with app.app_context():
        rts = select(Area.id).where(Area.code.like(f"{kelurahan}.%"))
        return list(db.session.scalars(select(Proposal.id).where(Proposal.status == "diajukan",
                                                                 Proposal.area_id.in_(rts)).order_by(Proposal.id)))


def queue_total(response) -> int:
    """The "N usulan menunggu" line above the queue (every page)."""
    return int(re.search(r"(\d+) usulan menunggu", visible(response)).group(1))


def expected_queue(app, username: str, within: str | None = None) -> list[int]:
    """What should wait for this user, read straight from the table: the status their level waits on, inside
    their area (or `within`), not their own, oldest first."""
    waits_on = {"kelurahan": "diajukan", "kecamatan": "diverifikasi_kelurahan", "dinsos": "diverifikasi_kecamatan"}
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        prefix = within or user.area.code
        areas = select(Area.id).where((Area.code == prefix) | Area.code.like(f"{prefix}.%"))
        return list(db.session.scalars(select(Proposal.id).where(
            Proposal.status == waits_on[user.role], Proposal.area_id.in_(areas), Proposal.created_by_id != user.id)
            .order_by(Proposal.updated_at, Proposal.id)))


def age(app, pid: int, days: float) -> None:
    """Make the proposal look as if it had waited `days` (a plain UPDATE: the version does not move)."""
    run(app, lambda: db.session.execute(update(Proposal).where(Proposal.id == pid)
                                        .values(updated_at=utcnow() - timedelta(days=days))))


def add_users(app, role: str, area_code: str, count_: int, prefix: str) -> list[str]:
    """`count_` extra accounts of `role` in `area_code`, signed in with the demo password."""
    names = [f"{prefix}{i:02d}" for i in range(1, count_ + 1)]

    def make():
        for i, name in enumerate(names, 1):
            accounts.create_user(None, name, f"Petugas Uji {prefix.strip('.')} {i:02d}", role, area_code,
                                 DEMO_PASSWORD, must_change_password=False)
    run(app, make)
    return names


def planted_proposal(app, creator: str, rt_code: str = API_API_RT1, like: str = "baru",
                     status: str = "diajukan") -> int:
    """A submitted proposal in `rt_code` whose creator is `creator` (any user), with a copy of a demo
    proposal's snapshot, its SHA-256 and its 'ajukan' decision, as if that user had submitted it."""
    def make():
        model = db.session.get(Proposal, demo_proposal(app, like))
        snapshot = {**model.snapshot, "meta": {**model.snapshot["meta"], "planted": creator}}
        author = db.session.get(User, user_id(creator))
        proposal = Proposal(kind=model.kind, status=status, area_id=area_id(rt_code), created_by=author,
                            draft={}, snapshot=snapshot, snapshot_sha256=content_sha256(snapshot),
                            submitted_at=utcnow())
        db.session.add(proposal)
        db.session.flush()
        db.session.add(Decision(proposal_id=proposal.id, actor_id=author.id, role=author.role, action="ajukan", round=1,
                                from_status="draf", to_status=status, snapshot_sha256=proposal.snapshot_sha256))
        return proposal.id
    return run(app, make)


def household_data(app, household_id: int) -> dict:
    with app.app_context():
        h = db.session.get(Household, household_id)
        return {"status": h.status, "reason": h.nonaktif_reason, "area": h.area.code, "no_kk": h.no_kk,
                "address": h.address, "members": sorted(p.nik for p in h.active_members),
                "people": {p.nik: {"id": p.id, "name": p.name, "job": p.job,
                                   "ppks": sorted(c.category for c in p.active_ppks)} for p in h.members}}


def png_upload(name: str = "kk.png") -> FileStorage:
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(buffer, "PNG")
    buffer.seek(0)
    return FileStorage(stream=buffer, filename=name, content_type="image/png")


def timeline(response) -> list[str]:
    """The entries of 'Riwayat keputusan' as the user reads them."""
    block = text(response).split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", li)).split())
            for li in re.findall(r"<li>(.*?)</li>", block, re.S)]


def batch_results(response) -> dict[int, tuple[bool, str]]:
    """The per-item results of a batch approval: {proposal id: (approved?, message)}."""
    rows = re.findall(r'<li class="(ok|failed)"><a [^>]*>#(\d+)</a>: (.*?)</li>', text(response), re.S)
    return {int(pid): (state == "ok", html.unescape(message)) for state, pid, message in rows}
