"""Helpers for the Ketua RT registry and proposal-wizard integration tests.

`Rt` drives the wizard the way a browser does: it opens a step (which carries the draft's version in a
hidden field), then posts the form with that version. The DB helpers read what was stored.
"""
import html
import io
import re
from datetime import date

from PIL import Image
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Area, AuditEvent, Evidence, Household, Person, PersonPpks, Proposal, User
from portal.services import registry
from tests.pages import FLASH_RE, VERSION_RE, errors, flashes, text, version_in, visible  # noqa: F401  (re-exported for the test modules)

PASSWORD = "demo-bontang-2026"
RT1, RT2, KANAAN = "rt.api-api.001", "rt.api-api.002", "rt.kanaan.001"

FIELD_ERROR_RE = re.compile(r'<p class="error" id="([\w-]+)-err">(.*?)</p>', re.S)
PROPOSAL_URL_RE = re.compile(r"/rt/usulan/(\d+)/")
HOUSEHOLD_LINK_RE = re.compile(r'href="/rt/rumah-tangga/(\d+)"')


# --- synthetic identity numbers (the demo uses serials 7000-9999, so lower serials are always free) --------

def nik(birth: date, sex: str, serial: int, region: str = "647401") -> str:
    day = birth.day + (40 if sex == "P" else 0)
    return f"{region}{day:02d}{birth:%m%y}{serial:04d}"


def kk(serial: int, issued: date = date(2020, 3, 12)) -> str:
    return f"647401{issued:%d%m%y}{serial:04d}"


def member(nik_: str, name: str, birth: date, sex: str, relation: str, marital: str = "kawin",
           mother: str = "Halimah Uji", place: str = "Bontang", job: str = "nelayan", reason: str = "") -> dict:
    return {"nik": nik_, "name": name, "birth_place": place, "birth_date": birth.isoformat(), "sex": sex,
            "relation": relation, "marital_status": marital, "mother_name": mother, "job": job,
            "warning_reason": reason}


HEAD_BIRTH, WIFE_BIRTH, CHILD_BIRTH = date(1985, 3, 12), date(1988, 7, 21), date(2015, 1, 5)
HEAD = member(nik(HEAD_BIRTH, "L", 11), "Ahmad Uji Saputra", HEAD_BIRTH, "L", "kepala")
WIFE = member(nik(WIFE_BIRTH, "P", 12), "Siti Uji Rahayu", WIFE_BIRTH, "P", "pasangan", mother="Aminah Uji")
CHILD = member(nik(CHILD_BIRTH, "L", 13), "Budi Uji Saputra", CHILD_BIRTH, "L", "anak", "belum_kawin",
               mother="Siti Uji Rahayu", job="")
NEW_KK = kk(21)
ADDRESS = "Jl. Uji Integrasi No. 7"


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "PNG")
    return out.getvalue()


def jpeg_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "white").save(out, "JPEG")
    return out.getvalue()


# --- reading pages ------------------------------------------------------------------------------------------

def field_errors(response) -> dict[str, list[str]]:
    by_field: dict[str, list[str]] = {}
    for field, message in FIELD_ERROR_RE.findall(text(response)):
        by_field.setdefault(field, []).append(html.unescape(message))
    return by_field


def problems(response) -> list[str]:
    """The list under "Belum dapat diajukan" on the review page (empty when the gate passes)."""
    page = text(response)
    if "Belum dapat diajukan" not in page:
        return []
    block = page.split("Belum dapat diajukan", 1)[1].split("</ul>", 1)[0]
    return [html.unescape(li) for li in re.findall(r"<li>(.*?)</li>", block, re.S)]


def form_values(response, action: str | None = None) -> dict[str, str]:
    """What a browser would send back for the page's main form, unchanged (inputs, selected options, text areas)."""
    page = text(response)
    forms = re.findall(r"<form ([^>]*)>(.*?)</form>", page, re.S)
    body = next(b for attrs, b in forms if (action is None and "action=" not in attrs) or
                (action is not None and f'action="{action}"' in attrs))
    values = {}
    for tag in re.findall(r"<input ([^>]*)>", body):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        if attrs.get("name") and attrs.get("type") not in ("file", "submit"):
            values[attrs["name"]] = html.unescape(attrs.get("value", ""))
    for attrs, options in re.findall(r"<select ([^>]*)>(.*?)</select>", body, re.S):
        selected = re.search(r'<option selected value="([^"]*)"', options)
        values[re.search(r'name="([^"]*)"', attrs).group(1)] = html.unescape(selected.group(1)) if selected else ""
    for attrs, content in re.findall(r"<textarea ([^>]*)>(.*?)</textarea>", body, re.S):
        values[re.search(r'name="([^"]*)"', attrs).group(1)] = html.unescape(content).strip("\r\n")
    return values


def listed_households(response) -> list[int]:
    return [int(i) for i in HOUSEHOLD_LINK_RE.findall(text(response))]


class Rt:
    """A signed-in Ketua RT (a Visitor) with the wizard's moves."""

    def __init__(self, visitor):
        self.v = visitor
        self.app = visitor.app

    def get(self, url, **kw):
        return self.v.get(url, **kw)

    def post(self, url, data=None, **kw):
        return self.v.post(url, data, **kw)

    def send(self, url, data: dict, version: str | None = None, page: str | None = None):
        """Open `page` (default `url`) like a browser, then post `data` with the version it showed
        (or with `version`, as a form kept open from earlier would)."""
        if version is None:
            shown = self.get(page or url)
            assert shown.status_code == 200, (page or url, shown.status_code)
            version = version_in(shown)
        return self.post(url, {"version": version, **data})

    def start_baru(self) -> int:
        self.get("/rt/usulan/baru")
        response = self.post("/rt/usulan/baru", {})
        assert response.status_code == 303, response.status_code
        return int(PROPOSAL_URL_RE.search(response.headers["Location"]).group(1))

    def propose(self, household_id: int, kind: str):
        self.get(f"/rt/rumah-tangga/{household_id}")
        return self.post(f"/rt/rumah-tangga/{household_id}/usulan", {"kind": kind})

    def start_on(self, household_id: int, kind: str) -> int:
        response = self.propose(household_id, kind)
        assert response.status_code == 303 and "/langkah/" in response.headers["Location"], flashes(
            self.get(response.headers["Location"]))
        return int(PROPOSAL_URL_RE.search(response.headers["Location"]).group(1))

    def step(self, pid: int, name: str, data: dict | None = None, **kw):
        url = f"/rt/usulan/{pid}/langkah/{name}"
        return self.get(url) if data is None else self.send(url, data, **kw)

    def household(self, pid: int, no_kk: str = NEW_KK, address: str = ADDRESS, **kw):
        return self.step(pid, "rumah_tangga", {"no_kk": no_kk, "address": address}, **kw)

    def add_member(self, pid: int, data: dict):
        return self.send(f"/rt/usulan/{pid}/anggota/tambah", data)

    def edit_member(self, pid: int, key: str, **changes):
        current = next(m for m in draft(self.app, pid)["members"] if m["key"] == key)
        data = {f: current.get(f) or "" for f in ("nik", "name", "birth_place", "birth_date", "sex", "relation",
                                                  "marital_status", "mother_name", "job", "warning_reason")}
        return self.send(f"/rt/usulan/{pid}/anggota/{key}", {**data, **changes})

    def leave(self, pid: int, key: str, reason: str = ""):
        return self.send(f"/rt/usulan/{pid}/anggota/{key}/keluar", {"reason": reason},
                         page=f"/rt/usulan/{pid}/langkah/anggota")

    def conditions(self, pid: int, **answers):
        return self.step(pid, "kondisi", answers)

    def ppks(self, pid: int, member_key: str, category: str, action: str = "tambah"):
        return self.step(pid, "ppks", {"member_key": member_key, "category": category, "action": action})

    def nonaktif(self, pid: int, reason: str, note: str = "Sudah tidak tinggal di sini sejak Agustus 2026."):
        return self.step(pid, "alasan", {"reason": reason, "note": note})

    def upload(self, pid: int, kind: str = "kk", data: bytes | None = None, filename: str = "kk.png", **extra):
        self.get(f"/rt/usulan/{pid}/langkah/berkas")
        body = {"kind": kind, **extra}
        if data is not None:
            body["file"] = (io.BytesIO(data), filename)
        return self.post(f"/rt/usulan/{pid}/langkah/berkas", body, content_type="multipart/form-data")

    def review(self, pid: int):
        return self.get(f"/rt/usulan/{pid}/langkah/tinjau")

    def submit(self, pid: int, version: str | None = None):
        return self.send(f"/rt/usulan/{pid}/ajukan", {}, version=version, page=f"/rt/usulan/{pid}/langkah/tinjau")

    def withdraw(self, pid: int):
        return self.send(f"/rt/usulan/{pid}/batalkan", {}, page=f"/rt/usulan/{pid}/langkah/tinjau")

    def baru_ready(self, members=(HEAD, WIFE, CHILD), no_kk: str = NEW_KK) -> int:
        """A BARU draft with a household, members, conditions and the KK scan: ready to submit."""
        pid = self.start_baru()
        assert self.household(pid, no_kk).status_code == 303
        for m in members:
            response = self.add_member(pid, m)
            assert response.status_code == 303, field_errors(response) or flashes(response)
        assert self.conditions(pid, floor_area_m2="24", floor_type="tanah", has_shelter="ya").status_code == 303
        assert self.upload(pid, "kk", png_bytes()).status_code == 303
        return pid


# --- reading the database ---------------------------------------------------------------------------------

def proposal_row(app, pid: int) -> Proposal:
    """The proposal, detached (its loaded attributes stay readable outside the context)."""
    with app.app_context():
        proposal = db.session.get(Proposal, pid)
        db.session.expunge(proposal)
        return proposal


def draft(app, pid: int) -> dict:
    return proposal_row(app, pid).draft


def status(app, pid: int) -> str:
    return proposal_row(app, pid).status


def registry_counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Household, Person, PersonPpks)}


def audit_count(app, action: str, target_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == action, AuditEvent.target_id == target_id))


def evidence_count(app, pid: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Evidence).where(Evidence.proposal_id == pid))


def area_of(app, username: str) -> dict:
    with app.app_context():
        area = db.session.scalar(select(Area).join(User, User.area_id == Area.id).where(User.username == username))
        return {"id": area.id, "code": area.code, "label": area.full_label}


def households_of(app, username: str) -> list[dict]:
    """Every household of the user's RT with its active members (plain data)."""
    with app.app_context():
        area_id = db.session.scalar(select(User.area_id).where(User.username == username))
        rows = []
        for h in db.session.scalars(select(Household).where(Household.area_id == area_id).order_by(Household.id)):
            members = [{"id": p.id, "nik": p.nik, "name": p.name, "relation": p.relation, "sex": p.sex,
                        "birth_date": p.birth_date, "mother_name": p.mother_name,
                        "ppks": [c.category for c in p.active_ppks]} for p in h.active_members]
            rows.append({"id": h.id, "no_kk": h.no_kk, "address": h.address, "status": h.status,
                         "criteria_met": h.criteria_met, "members": members})
        return rows


def free_household(app, username: str = RT1) -> dict:
    """A household of the RT without an open demo proposal (the first three have one)."""
    with app.app_context():
        busy = set(db.session.scalars(select(Proposal.household_id).where(Proposal.household_id.is_not(None))))
    return next(h for h in households_of(app, username) if h["id"] not in busy and len(h["members"]) >= 2)


def add_households(app, username: str, count: int, family: str = "Massal", serial: int = 3000) -> None:
    """`count` registry households in the user's RT, each headed by '<Nama> <family>'."""
    with app.app_context():
        rt = db.session.scalar(select(Area).join(User, User.area_id == Area.id).where(User.username == username))
        for i in range(count):
            birth = date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
            head = member(nik(birth, "L", serial + i), f"Kepala{i:02d} {family}", birth, "L", "kepala")
            registry.create_household(rt, {"household": {"no_kk": kk(serial + i), "address": f"Jl. Massal {i}"},
                                           "members": [{**head, "ppks": []}], "conditions": {"floor_type": "tanah"}})
        db.session.commit()
