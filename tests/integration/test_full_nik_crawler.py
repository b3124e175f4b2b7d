"""No full NIK or No. KK outside one's own area, through any channel (issue 15 item 1).

For every role, a signed-in demo account walks the portal as a browser would: every GET route of the access
matrix it may use, then every link those pages show (a few per endpoint), every letter's download with a purpose,
every evidence file, and the exports (CSV and XLSX, masked and, for Dinas Sosial, with a reason). Every 16-digit
number in the answers (HTML, CSV, XLSX read back with openpyxl, PDF read back with pypdf) must be the NIK or
No. KK of a person or household inside the account's own area, as the database places them.

The accounts are the access matrix's (one per role, plus a same-role account elsewhere) and the accounts of the
kelurahan whose demo Berita Acara is public to its RTs, with its RTs: the RTs other than the one whose proposals
the minutes list are exactly the audience that must not receive the list in full.
"""
import io
import re
from collections import Counter, deque
from html import unescape
from urllib.parse import urljoin, urlsplit

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import or_, select
from werkzeug.exceptions import HTTPException

from portal.domain.areas import is_within
from portal.extensions import db
from portal.models import Area, Evidence, Household, Letter, Office, Person, Proposal, User
from tests.conftest import Visitor
from tests.integration.test_access_matrix import ACTORS, PUBLIC, ROUTES, SIGNED_IN, _url

RUN = re.compile(r"\d{16,}")
HEX = frozenset("abcdefABCDEF")  # a digit next to a run would have been part of it
LINK = re.compile(r'(?:href|hx-get)="([^"#]*)')
PER_ENDPOINT = 4  # links followed per endpoint and account: enough to reach each kind of page
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Not crawled: static files, the health check, the sign-in pages (a signed-in user is sent on), the download
# routes (asked below for every letter and file), and the import sample (a fixed template of invented numbers
# that belong to nobody, the same file for everyone).
SKIPPED = {"assets.serve", "main.healthz", "auth.login", "auth.login_code", "letters.download", "files.download",
           "dinsos.import_sample"}
PURPOSE = {"keperluan": "arsip"}
REVEAL_REASON = "Pencocokan data penyaluran bantuan pangan"
# The export form as a browser sends it: every proposal that left its RT, the whole area.
EXPORT_FORM = {"kelurahan": "", "letter": "", "start": "", "end": "", "kind": "", "status": "semua", "reason": "",
               "keterangan": "", **PURPOSE}
# The access matrix's accounts (each role, and the same role elsewhere), and the kelurahan whose demo Berita
# Acara its RTs may read, with those RTs (the first one's proposals are in it; the others are its audience).
MINUTES_KELURAHAN = "bontang-kuala"
ACCOUNTS = sorted({name for pair in ACTORS.values() for name in pair if name}
                  | {f"lurah.{MINUTES_KELURAHAN}"} | {f"rt.{MINUTES_KELURAHAN}.{n:03d}" for n in (1, 2, 3)})


# --- what the database says about every number ---------------------------------------------------------------------

def _numbers_by_area() -> dict[str, set[str]]:
    """Every NIK and No. KK the portal holds (registry, proposal drafts and snapshots) -> the areas of its
    holder (the RT of the household or of the proposal)."""
    found: dict[str, set[str]] = {}

    def add(number, code):
        if number:
            found.setdefault(number, set()).add(code)

    for nik, code in db.session.execute(select(Person.nik, Area.code)
                                        .join(Household, Person.household_id == Household.id)
                                        .join(Area, Household.area_id == Area.id)):
        add(nik, code)
    for kk, code in db.session.execute(select(Household.no_kk, Area.code).join(Area, Household.area_id == Area.id)):
        add(kk, code)
    for draft, snapshot, code in db.session.execute(select(Proposal.draft, Proposal.snapshot, Area.code)
                                                    .join(Area, Proposal.area_id == Area.id)):
        for content in filter(None, (draft, snapshot)):
            add((content.get("household") or {}).get("no_kk"), code)
            for member in content.get("members") or []:
                add(member.get("nik"), code)
    return found


def _allowed(numbers: dict[str, set[str]], area_code: str) -> set[str]:
    return {n for n, codes in numbers.items() if any(is_within(code, area_code) for code in codes)}


# --- reading numbers out of an answer --------------------------------------------------------------------------------

def numbers_in(text: str, known: set[str]) -> set[str]:
    """Every 16-digit number in `text`: each known NIK/KK inside a run of digits (two cells may be read back as
    one word), and any other run of exactly 16 digits, unless it sits inside a hex string (a SHA-256 on the
    verification page, the audit anchor printed on a letter): that is a piece of a hash, not a number."""
    found = set()
    for match in RUN.finditer(text):
        run = match.group()
        inside_hex = text[match.start() - 1:match.start()] in HEX or text[match.end():match.end() + 1] in HEX
        if len(run) == 16 and not inside_hex:
            found.add(run)
        found.update(run[i:i + 16] for i in range(len(run) - 15) if run[i:i + 16] in known)
    return found


def pdf_numbers(data: bytes, known: set[str]) -> set[str]:
    """A PDF read back with pypdf, white space removed: WeasyPrint wraps a NIK inside a narrow BNBA column."""
    text = "".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)
    return numbers_in("".join(text.split()), known)


def xlsx_numbers(data: bytes, known: set[str]) -> set[str]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    cells = ["" if v is None else str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
    return numbers_in("\n".join(cells), known)


def answer_numbers(response, known: set[str]) -> set[str]:
    data = response.get_data()
    if data.startswith(b"%PDF"):
        return pdf_numbers(data, known)
    if response.mimetype == XLSX:
        return xlsx_numbers(data, known)
    if response.mimetype.startswith("text/"):
        return numbers_in(unescape(data.decode("utf-8", "replace")), known)
    return numbers_in(data.decode("latin-1"), known)  # an evidence image: no text to read, but no digits either


# --- the walk --------------------------------------------------------------------------------------------------------

class Walk:
    """What one account received: every answer's URL with the numbers outside its area, and what it covered."""

    def __init__(self, app, username: str, numbers: dict[str, set[str]]):
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == username))
            self.role, self.area_code = user.role, user.area.code
        self.app, self.username = app, username
        self.known = set(numbers)
        self.allowed = _allowed(numbers, self.area_code)
        self.visitor = Visitor(app)
        assert self.visitor.login(username).status_code == 200
        self.leaks: dict[str, set[str]] = {}
        self.full_numbers: set[str] = set()  # every full number received (all inside the area when it passes)
        self.kinds = Counter()

    def check(self, label: str, response) -> None:
        if response.status_code != 200:
            return
        kind = "pdf" if response.get_data()[:4] == b"%PDF" else response.mimetype
        self.kinds[kind] += 1
        found = answer_numbers(response, self.known)
        self.full_numbers |= found
        if found - self.allowed:
            self.leaks[label] = found - self.allowed

    def pages(self) -> None:
        adapter = self.app.url_map.bind("localhost")
        gets = {rule.endpoint for rule in self.app.url_map.iter_rules() if "GET" in rule.methods}
        queue = deque(_url(self.app, e) for e, (who, _) in sorted(ROUTES.items())
                      if who in (self.role, PUBLIC, SIGNED_IN) and e in gets and e not in SKIPPED)
        seen, per_endpoint = set(), Counter()
        while queue:
            url = queue.popleft()
            parts = urlsplit(url)
            if url in seen or parts.netloc:
                continue
            seen.add(url)
            try:
                endpoint, _ = adapter.match(parts.path, method="GET")
            except HTTPException:
                continue
            if endpoint in SKIPPED or per_endpoint[endpoint] >= PER_ENDPOINT:
                continue
            per_endpoint[endpoint] += 1
            response = self.visitor.get(url)
            self.check(url, response)
            if response.status_code == 200 and response.mimetype == "text/html":
                queue.extend(urljoin(url, unescape(link)) for link in LINK.findall(response.get_data(as_text=True)))

    def letters(self, letter_ids: list[int]) -> None:
        for letter_id in letter_ids:
            self.check(f"/surat/{letter_id}/unduh", self.visitor.get(f"/surat/{letter_id}/unduh",
                                                                      query_string=PURPOSE))

    def evidence(self, evidence_areas: dict[int, str]) -> None:
        """Evidence files: a KK scan carries full NIKs in its pixels, so the file itself must lie inside the area."""
        for evidence_id, code in evidence_areas.items():
            response = self.visitor.get(f"/berkas/{evidence_id}")
            self.check(f"/berkas/{evidence_id}", response)
            if response.status_code == 200 and not is_within(code, self.area_code):
                self.leaks[f"/berkas/{evidence_id}"] = {f"berkas wilayah {code}"}

    def exports(self) -> None:
        if self.role not in ("kelurahan", "kecamatan", "dinsos"):
            return
        url = f"/{self.role}/ekspor"
        reveal = [{"unmasked": "y", "reason": REVEAL_REASON}] if self.role == "dinsos" else []
        for what in ("bnba", "registri"):
            for file_format in ("csv", "xlsx"):
                for extra in [{}] + reveal:
                    self.visitor.get(url)
                    fields = {**EXPORT_FORM, "what": what, "file_format": file_format, **extra}
                    response = self.visitor.post(url, fields)
                    assert response.status_code == 200 and response.mimetype != "text/html", (url, fields)
                    self.check(f"{url} {fields}", response)
                    self.kinds["export"] += 1


@pytest.fixture(scope="module")
def world(shared_app):
    """The numbers and their areas, the letters, the evidence files, and the accounts of each letter's office."""
    with shared_app.app_context():
        for endpoint, (_, args) in ROUTES.items():  # the matrix's URL arguments add the objects they name
            if args:
                _url(shared_app, endpoint)
        offices = {letter_id: code for letter_id, code in db.session.execute(
            select(Letter.id, Area.code).join(Office, Letter.office_id == Office.id)
            .join(Area, Office.area_id == Area.id).order_by(Letter.id))}
        minutes_areas = set(db.session.scalars(select(Area.code).join(Office, Office.area_id == Area.id)
                                               .join(Letter, Letter.office_id == Office.id)
                                               .where(Letter.kind == "berita_acara")))
        audience = set(db.session.scalars(select(User.username).join(Area, User.area_id == Area.id).where(
            or_(*(or_(Area.code == code, Area.code.like(code + ".%")) for code in minutes_areas)))))
        evidence = dict(db.session.execute(select(Evidence.id, Area.code).join(Proposal, Evidence.proposal_id
                                                                                == Proposal.id)
                                           .join(Area, Proposal.area_id == Area.id)).all())
        numbers = _numbers_by_area()
    return {"numbers": numbers, "letters": offices, "evidence": evidence, "minutes_audience": audience}


def test_the_accounts_are_every_role_and_the_kelurahan_and_rts_of_every_demo_berita_acara(world):
    assert {username.split(".")[0] for username in ACCOUNTS} == {"rt", "lurah", "camat", "dinsos", "admin"}
    assert world["minutes_audience"] and world["minutes_audience"] <= set(ACCOUNTS), world["minutes_audience"]


def test_numbers_in_finds_wrapped_adjacent_and_plain_numbers_but_not_pieces_of_a_hash():
    known = {"6474010101900001", "6474010202900002"}
    assert numbers_in("NIK 6474010101900001.", known) == {"6474010101900001"}
    assert numbers_in("64740101019000016474010202900002", known) == known  # two cells read as one word
    assert numbers_in("1234567890123456", set()) == {"1234567890123456"}  # unknown numbers count too
    assert numbers_in("sha 9f1234567890123456ab and 647401******0001", known) == set()
    assert numbers_in("Saputra6474010101900001", known) == {"6474010101900001"}  # a name read into the number


@pytest.mark.parametrize("username", ACCOUNTS)
def test_no_full_nik_or_kk_outside_the_accounts_area_in_any_page_pdf_export_or_file(shared_app, world, username):
    walk = Walk(shared_app, username, world["numbers"])
    walk.pages()
    walk.letters(list(world["letters"]))
    walk.evidence(world["evidence"])
    walk.exports()
    assert walk.kinds["text/html"] >= 8, walk.kinds  # the walk did reach the account's pages
    assert not walk.leaks, (walk.username, walk.area_code, walk.leaks)
    own_letters = [code for code in world["letters"].values() if is_within(code, walk.area_code)]
    if own_letters and walk.role != "admin":  # the check can see numbers: its own letters show them in full
        assert walk.kinds["pdf"] and walk.full_numbers, (walk.kinds, own_letters)
