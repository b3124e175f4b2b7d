"""Exports of the reviewing levels (`/<level>/ekspor`): BNBA of proposals and the registry, as CSV and XLSX.

Columns in their fixed order, NIK/No. KK masked unless Dinas Sosial gives a reason, nothing from another area,
formulas neutralised, exactly the chosen rows, an audit event per export, and no input that ends in a 500.
"""
import csv
import io
import re
from datetime import UTC, datetime

import openpyxl
import pytest
from sqlalchemy import event, func, or_, select, update

from portal.domain.household import RELATIONS, SEXES
from portal.domain.nik import mask
from portal.domain.programs import PROGRAMS
from portal.domain.workflow import State
from portal.extensions import db
from portal.models import (Area, AuditEvent, Household, HouseholdRank, Letter, Person, ProgramMembership, Proposal,
                           RankingRun, User)
from portal.services import demo_households, letters
from tests.pages import errors

LURAH, LURAH_OTHER, CAMAT, CAMAT_OTHER, DINSOS = (
    "lurah.bontang-kuala", "lurah.tanjung-laut", "camat.bontang-utara", "camat.bontang-selatan", "dinsos")
ROLE_OF = {LURAH: "kelurahan", LURAH_OTHER: "kelurahan", CAMAT: "kecamatan", CAMAT_OTHER: "kecamatan",
           DINSOS: "dinsos"}
KUALA, TANJUNG_LAUT, UTARA = "64.74.01.1001", "64.74.02.1001", "64.74.01"
BNBA_HEADER = ["NIK", "No. KK", "Nama", "Tempat Lahir", "Tanggal Lahir", "Jenis Kelamin", "Nama Ibu Kandung",
               "Hubungan Keluarga", "Alamat", "RT", "RW", "Kode Kelurahan", "Jenis Usulan", "Keterangan",
               "Program Bantuan"]
REGISTRY_HEADER = BNBA_HEADER[:12] + ["Status", "Alasan Nonaktif", "Kriteria Terpenuhi", "Desil Indikatif",
                                      "Desil Resmi", "Periode Desil Resmi", "Program Bantuan"]
APPROVED_OR_LATER = ("disetujui_dinsos", "dikirim_kementerian", "ditetapkan", "ditolak_kementerian")
REASON = "Pencocokan data untuk penyaluran bantuan pangan"
ARSIP = "Arsip kantor"  # the reason recorded for the default purpose
NO_MATCH = "Tidak ada data yang cocok dengan pilihan ini."
SIXTEEN_DIGITS = re.compile(r"(?<!\d)\d{16}(?!\d)")
FILENAME = re.compile(r'attachment; filename="?(bnba|registri)-([a-z0-9-]+)-(\d{8})\.(csv|xlsx)"?$')


# --- asking for a file and reading it ------------------------------------------------------------------------------

def export(visitor, role: str, **fields):
    """POST the export form as a browser would (defaults: BNBA, CSV, approved proposals, everything masked,
    for the office's archive)."""
    visitor.get(f"/{role}/ekspor")
    data = {"what": "bnba", "file_format": "csv", "kelurahan": "", "letter": "", "start": "", "end": "", "kind": "",
            "status": "", "keperluan": "arsip", "keterangan": "", "reason": ""}
    return visitor.post(f"/{role}/ekspor", {**data, **fields})


def csv_table(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith("\ufeff".encode()), body[:10]
    return list(csv.reader(io.StringIO(body.decode("utf-8")[1:], newline="")))


def xlsx_table(response, sheet: str) -> list[list[str]]:
    """The sheet's cells as text (empty cells as ""), after checking it is the only sheet."""
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert book.sheetnames == [sheet]
    return [["" if v is None else str(v) for v in row] for row in book[sheet].iter_rows(values_only=True)]


def as_cells(row: dict, masked: bool = True) -> list[str]:
    """A letters.bnba_rows row as the file shows it."""
    return [mask(row[key]) if masked and key in ("nik", "no_kk") else str(row[key])
            for key, _ in letters.BNBA_COLUMNS]


# --- the database --------------------------------------------------------------------------------------------------

def within(code: str):
    return or_(Area.code == code, Area.code.like(code + ".%"))


def expected_bnba(app, *conditions, masked: bool = True) -> list[list[str]]:
    """BNBA rows of the proposals matching `conditions`, straight from letters.bnba_rows."""
    with app.app_context():
        proposals = db.session.scalars(select(Proposal).join(Area, Proposal.area_id == Area.id)
                                       .where(*conditions).order_by(Proposal.id)).all()
        return [as_cells(r, masked) + [programs_of(p.household_id, r.get("person_id"))]
                for p in proposals for r in letters.bnba_rows([p])]


def programs_of(household_id: int | None, person_id: int | None) -> str:
    """The "Program Bantuan" cell: the household's active programs (by code), PBI-JK only for its own person."""
    rows = db.session.execute(select(ProgramMembership.program, ProgramMembership.person_id).where(
        ProgramMembership.household_id == household_id, ProgramMembership.active)
        .order_by(ProgramMembership.program)).all()
    return ", ".join(dict.fromkeys(PROGRAMS[p] for p, who in rows if who is None or who == person_id))


def approved_in(code: str):
    return (within(code), Proposal.status.in_(APPROVED_OR_LATER))


def active_people(app, code: str) -> list[tuple[str, str]]:
    """(NIK, name) of every active person of the households in the area with this code."""
    with app.app_context():
        return db.session.execute(select(Person.nik, Person.name).join(Household)
                                  .join(Area, Household.area_id == Area.id).where(within(code), Person.active)).all()


def area_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Area.id).where(Area.code == code))


def approve_submitted(app, code: str) -> list[int]:
    """Every submitted proposal of the area jumps to 'disetujui_dinsos' (they carry snapshots): more BNBA rows."""
    with app.app_context():
        ids = db.session.scalars(select(Proposal.id).join(Area, Proposal.area_id == Area.id)
                                 .where(within(code), Proposal.status == State.DIAJUKAN)).all()
        db.session.execute(update(Proposal).where(Proposal.id.in_(ids)).values(status=State.DISETUJUI_DINSOS))
        db.session.commit()
    assert ids
    return ids


def export_events(app) -> list[AuditEvent]:
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("ekspor.%"))
                                    .order_by(AuditEvent.id)).all()
        db.session.expunge_all()
        return events


# --- 1. columns, formats and headers -------------------------------------------------------------------------------

def test_bnba_csv_and_xlsx_have_the_fixed_columns_and_the_same_rows(app, login):
    approve_submitted(app, UTARA)
    visitor = login(DINSOS)
    expected = expected_bnba(app, *approved_in("64.74"))
    assert len(expected) >= 10
    as_csv = export(visitor, "dinsos")
    assert as_csv.is_streamed  # (before the test client reads it)
    assert csv_table(as_csv) == [BNBA_HEADER, *expected]
    as_xlsx = export(visitor, "dinsos", file_format="xlsx")
    assert xlsx_table(as_xlsx, "BNBA") == [BNBA_HEADER, *expected]
    for response, extension in ((as_csv, "csv"), (as_xlsx, "xlsx")):
        match = FILENAME.match(response.headers["Content-Disposition"])
        assert match and match.group(1, 2, 4) == ("bnba", "kota-bontang", extension), response.headers
        assert response.headers["Cache-Control"] == "no-store"


def test_registry_columns_and_one_household_in_detail(app, login):
    visitor = login(DINSOS)
    with app.app_context():
        household = db.session.scalar(select(Household).join(Area).where(within(KUALA)).order_by(Household.id))
        household.status, household.nonaktif_reason = "nonaktif", "pindah"
        household.official_desil, household.official_desil_period = 3, "2026-09"
        db.session.commit()
        run_id = db.session.scalar(select(func.max(RankingRun.id)))
        rank = db.session.get(HouseholdRank, (run_id, household.id)) if run_id else None
        head = household.active_members[0]
        rt, no_kk, criteria = household.area, household.no_kk, household.criteria_met
        expected_head = [mask(head.nik), mask(no_kk), head.name, head.birth_place, head.birth_date.isoformat(),
                         SEXES[head.sex], head.mother_name, RELATIONS[head.relation]]
        rt_cells = [household.address, rt.name.removeprefix("RT "), rt.rw or "", rt.parent.code]
        head_programs = programs_of(household.id, head.id)
    response = export(visitor, "dinsos", what="registri", kelurahan=area_id(app, KUALA))
    header, *rows = csv_table(response)
    assert header == REGISTRY_HEADER
    row = next(r for r in rows if r[2] == expected_head[2] and r[0] == expected_head[0])
    assert row[:8] == expected_head and row[8:12] == rt_cells
    desil = str(rank.desil) if rank and rank.desil is not None else ""
    assert row[12:] == ["Nonaktif", "Pindah", str(criteria), desil, "3", "2026-09", head_programs]
    assert xlsx_table(export(visitor, "dinsos", what="registri", kelurahan=area_id(app, KUALA), file_format="xlsx"),
                      "Registri") == [header, *rows]


@pytest.mark.parametrize("username, code", [(LURAH, KUALA), (CAMAT, UTARA), (DINSOS, "64.74")])
def test_registry_has_one_row_per_active_person_of_the_area(app, login, username, code):
    with app.app_context():  # a person who left must not be exported
        leaver = db.session.scalar(select(Person).join(Household).join(Area).where(within(code), Person.active))
        leaver.active = False
        db.session.commit()
    people = active_people(app, code)
    rows = csv_table(export(login(username), ROLE_OF[username], what="registri"))[1:]
    assert len(rows) == len(people)
    assert sorted(r[0] for r in rows) == sorted(mask(nik) for nik, _ in people)


def test_export_page_for_each_role(app, login):
    for username in (LURAH, CAMAT, DINSOS):
        role = ROLE_OF[username]
        page = login(username).get(f"/{role}/ekspor")
        body = page.get_data(as_text=True)
        assert page.status_code == 200
        assert f'<form method="post" action="/{role}/ekspor" hx-boost="false"' in body
        assert ("Tampilkan NIK/No. KK lengkap" in body) == (role == "dinsos")
        assert '<select id="keperluan" name="keperluan" required>' in body
        assert '<option value="siks_ng">Pengiriman ke Kementerian Sosial (SIKS-NG)</option>' in body
        assert 'name="keterangan"' in body
        assert f'href="/{role}/ekspor" aria-current="page">Ekspor</a>' in body


# --- 2. masking, revealing and the audit log -----------------------------------------------------------------------

@pytest.mark.parametrize("username", [LURAH, CAMAT, DINSOS])
@pytest.mark.parametrize("what, file_format", [("bnba", "csv"), ("registri", "csv"), ("registri", "xlsx")])
def test_numbers_are_masked_by_default(app, login, username, what, file_format):
    response = export(login(username), ROLE_OF[username], what=what, file_format=file_format)
    assert response.status_code == 200
    if file_format == "csv":
        assert not SIXTEEN_DIGITS.search(response.get_data(as_text=True))
    else:
        cells = [c for row in xlsx_table(response, "Registri") for c in row]
        assert not any(SIXTEEN_DIGITS.search(c) for c in cells)
        assert any(re.fullmatch(r"\d{6}\*{6}\d{4}", c) for c in cells)


def test_dinsos_sees_full_numbers_with_a_reason_and_it_is_audited(app, login):
    visitor = login(DINSOS)
    response = export(visitor, "dinsos", unmasked="y", reason=f"  {REASON.replace(' ', '   ')}  ")
    assert csv_table(response)[1:] == expected_bnba(app, *approved_in("64.74"), masked=False)
    assert SIXTEEN_DIGITS.search(response.get_data(as_text=True))
    registry = export(visitor, "dinsos", what="registri", file_format="xlsx", kelurahan=area_id(app, KUALA),
                      unmasked="y", reason=REASON)
    niks = {r[0] for r in xlsx_table(registry, "Registri")[1:]}
    assert niks == {nik for nik, _ in active_people(app, KUALA)}
    bnba_event, registry_event = export_events(app)
    assert bnba_event.action == "ekspor.bnba" and registry_event.action == "ekspor.registri"
    assert bnba_event.detail["masked"] is False and bnba_event.detail["reveal_reason"] == REASON  # spaces folded
    assert bnba_event.detail["reason"] == ARSIP
    assert registry_event.detail == {"format": "xlsx", "filters": {"kelurahan": KUALA}, "rows": len(niks),
                                     "masked": False, "reason": ARSIP, "reveal_reason": REASON}


@pytest.mark.parametrize("reason", ["", "   ", "terlalu      ", "abcd efgh"])
def test_full_numbers_need_a_reason_of_ten_characters(app, login, reason):
    response = export(login(DINSOS), "dinsos", unmasked="y", reason=reason)
    assert response.status_code == 422
    assert "Tuliskan alasan menampilkan NIK/No. KK lengkap, minimal 10 karakter." in errors(response)
    assert not export_events(app)


@pytest.mark.parametrize("username", [LURAH, CAMAT])
def test_only_dinsos_may_have_full_numbers(app, login, username):
    response = export(login(username), ROLE_OF[username], what="registri", unmasked="y", reason=REASON)
    assert response.status_code == 422
    assert "Hanya Dinas Sosial yang dapat mengekspor NIK dan No. KK lengkap." in errors(response)
    assert not SIXTEEN_DIGITS.search(response.get_data(as_text=True))
    assert not export_events(app)


def test_every_export_is_audited_with_its_format_filters_and_row_count(app, login):
    visitor = login(CAMAT)
    bnba = csv_table(export(visitor, "kecamatan", kind="baru"))
    registry = xlsx_table(export(visitor, "kecamatan", what="registri", file_format="xlsx",
                                 kelurahan=area_id(app, KUALA)), "Registri")
    assert export(visitor, "kecamatan", kind="ppks").status_code == 422  # nothing approved: no file, no event
    events = export_events(app)
    assert [(e.action, e.detail) for e in events] == [
        ("ekspor.bnba", {"format": "csv", "filters": {"jenis": "baru", "status": list(APPROVED_OR_LATER)},
                         "rows": len(bnba) - 1, "masked": True, "reason": ARSIP}),
        ("ekspor.registri", {"format": "xlsx", "filters": {"kelurahan": KUALA}, "rows": len(registry) - 1,
                             "masked": True, "reason": ARSIP})]
    with app.app_context():
        camat_id = db.session.scalar(select(User.id).where(User.username == CAMAT))
    assert all(e.actor_id == camat_id and e.target_id is None for e in events)


# --- 2b. the purpose of every export ------------------------------------------------------------------------------

@pytest.mark.parametrize("username", [LURAH, CAMAT, DINSOS])
def test_a_masked_export_records_its_purpose_and_note(app, login, username):
    response = export(login(username), ROLE_OF[username], what="registri", keperluan="musyawarah",
                      keterangan="  Rapat   pleno 3 Mei  ")
    assert csv_table(response)
    (event,) = export_events(app)
    assert event.detail["reason"] == "Bahan musyawarah kelurahan / rapat: Rapat pleno 3 Mei"
    assert event.detail["masked"] is True and "reveal_reason" not in event.detail


def test_an_unmasked_export_records_the_purpose_and_the_full_number_reason(app, login):
    response = export(login(DINSOS), "dinsos", keperluan="siks_ng", unmasked="y", reason=REASON)
    assert SIXTEEN_DIGITS.search(response.get_data(as_text=True))
    (event,) = export_events(app)
    assert (event.detail["reason"], event.detail["reveal_reason"], event.detail["masked"]) == (
        "Pengiriman ke Kementerian Sosial (SIKS-NG)", REASON, False)


@pytest.mark.parametrize("fields, field_name, message", [
    ({"keperluan": ""}, "keperluan", "Pilih keperluan pengambilan data."),
    ({"keperluan": "rahasia"}, "keperluan",
     "Keperluan tidak dikenal. Pilih salah satu keperluan yang tersedia."),
    ({"keperluan": "lainnya"}, "keterangan", "Untuk keperluan lainnya, tuliskan keterangan minimal 10 karakter."),
    ({"keperluan": "lainnya", "keterangan": " singkat  "}, "keterangan",
     "Untuk keperluan lainnya, tuliskan keterangan minimal 10 karakter."),
    ({"keperluan": "arsip", "keterangan": "k" * 201}, "keterangan", "Keterangan paling banyak 200 karakter."),
    ({"keperluan": "lainnya", "unmasked": "y", "reason": REASON}, "keterangan",
     "Untuk keperluan lainnya, tuliskan keterangan minimal 10 karakter."),
])
@pytest.mark.parametrize("what", ["bnba", "registri"])
def test_no_file_and_no_audit_row_without_a_valid_purpose(app, login, fields, field_name, message, what):
    response = export(login(DINSOS), "dinsos", what=what, **fields)
    assert response.status_code == 422 and response.mimetype == "text/html"
    assert "Content-Disposition" not in response.headers
    assert message in errors(response)
    assert f'id="{field_name}-err">{message}' in response.get_data(as_text=True).replace("&#39;", "'")
    assert not SIXTEEN_DIGITS.search(response.get_data(as_text=True))
    assert not export_events(app)


def test_a_purpose_field_left_out_of_the_post_is_refused(app, login):
    visitor = login(LURAH)
    visitor.get("/kelurahan/ekspor")
    response = visitor.post("/kelurahan/ekspor", {"what": "registri", "file_format": "csv", "kind": "", "status": ""})
    assert response.status_code == 422 and "Pilih keperluan pengambilan data." in errors(response)
    assert not export_events(app)


def test_a_hostile_note_is_stored_cleaned_and_shown_escaped_in_the_audit_log(app, login):
    note = '<script>alert(1)</script>\x07 =HYPERLINK("http://x")\u202e'
    visitor = login(DINSOS)
    assert csv_table(export(visitor, "dinsos", what="registri", keperluan="lainnya", keterangan=note))
    stored = 'Lainnya: <script>alert(1)</script> =HYPERLINK("http://x")'
    assert export_events(app)[0].detail["reason"] == stored
    page = visitor.get("/dinsos/audit?aksi=ekspor.")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script>alert(1)</script>" not in body
    assert "alasan: Lainnya: &lt;script&gt;alert(1)&lt;/script&gt; =HYPERLINK(&#34;http://x&#34;)" in body


def test_the_audit_log_shows_both_reasons_readably(app, login):
    visitor = login(DINSOS)
    assert export(visitor, "dinsos", keperluan="laporan", unmasked="y", reason=REASON).status_code == 200
    body = visitor.get("/dinsos/audit?aksi=ekspor.").get_data(as_text=True)
    assert "BNBA usulan diekspor" in body
    assert "alasan: Pelaporan dan monitoring<br>alasan NIK/No. KK lengkap: " + REASON in body


# --- 3. areas ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("username, foreign", [(LURAH, TANJUNG_LAUT), (CAMAT, TANJUNG_LAUT), (LURAH, "64.74.01.1002")])
@pytest.mark.parametrize("what", ["bnba", "registri"])
def test_another_areas_kelurahan_is_not_found(app, login, username, foreign, what):
    response = export(login(username), ROLE_OF[username], what=what, kelurahan=area_id(app, foreign))
    assert response.status_code == 404 and "Halaman tidak ditemukan" in response.get_data(as_text=True)
    assert not export_events(app)


@pytest.mark.parametrize("username, own, other", [(LURAH, KUALA, TANJUNG_LAUT), (CAMAT, UTARA, "64.74.02"),
                                                  (LURAH_OTHER, TANJUNG_LAUT, KUALA)])
def test_a_file_never_holds_another_areas_people(app, login, username, own, other):
    """Compared by name and masked NIK, since a masked NIK alone could match someone elsewhere."""
    approve_submitted(app, "64.74")
    visitor, role = login(username), ROLE_OF[username]
    registry = csv_table(export(visitor, role, what="registri"))[1:]
    bnba = csv_table(export(visitor, role, status="semua"))[1:]
    own_people = {(mask(nik), name) for nik, name in active_people(app, own)}
    elsewhere = {(mask(nik), name) for nik, name in active_people(app, other)}
    assert {(r[0], r[2]) for r in registry} == own_people
    assert not {(r[0], r[2]) for r in registry} & elsewhere
    assert bnba and all(r[11].startswith(own) for r in bnba + registry)
    assert bnba == expected_bnba(app, within(own), Proposal.status != State.DRAF)


def test_a_letter_the_user_cannot_see_is_not_found(app, login):
    with app.app_context():
        letter_id = db.session.scalar(select(Letter.id).where(Letter.kind == "usulan"))
    assert export(login(DINSOS), "dinsos", letter=letter_id).status_code == 200
    assert export(login(CAMAT), "kecamatan", letter=letter_id).status_code == 404  # the city's letter
    assert export(login(DINSOS), "dinsos", letter=999_999).status_code == 404


# --- 4. selection --------------------------------------------------------------------------------------------------

def test_by_letter_exactly_the_letters_rows(app, login):
    approve_submitted(app, "64.74")  # plenty of approved proposals that are not in the letter
    with app.app_context():
        letter = db.session.scalar(select(Letter).where(Letter.kind == "usulan"))
        expected = [as_cells(r) + [programs_of(p.household_id, r.get("person_id"))]
                    for p in letter.proposals for r in letters.bnba_rows([p])]
        letter_id = letter.id
    response = export(login(DINSOS), "dinsos", letter=letter_id, file_format="xlsx")
    assert xlsx_table(response, "BNBA") == [BNBA_HEADER, *expected]
    assert expected and len(expected) < len(expected_bnba(app, *approved_in("64.74")))
    assert export_events(app)[0].detail["filters"]["surat"]


def test_by_kelurahan_kind_and_status(app, login):
    approve_submitted(app, "64.74")
    visitor = login(DINSOS)
    kuala = area_id(app, KUALA)
    by_area = csv_table(export(visitor, "dinsos", kelurahan=kuala))[1:]
    assert by_area == expected_bnba(app, *approved_in(KUALA))
    nonaktif = csv_table(export(visitor, "dinsos", kind="nonaktif"))[1:]
    assert nonaktif == expected_bnba(app, *approved_in("64.74"), Proposal.kind == "nonaktif")
    assert {r[12] for r in nonaktif} == {"NONAKTIF"} and all(r[13] for r in nonaktif)
    sent = csv_table(export(visitor, "dinsos", status="dikirim_kementerian"))[1:]
    assert sent == expected_bnba(app, Proposal.status == "dikirim_kementerian") and sent


def test_by_period_counts_days_in_bontang_time(app, login):
    """16:30 UTC on 1 March is 00:30 WITA on 2 March: the proposal belongs to 2 March."""
    visitor = login(DINSOS)
    with app.app_context():
        proposal_id = db.session.scalar(select(Proposal.id).where(Proposal.status == "disetujui_dinsos"))
        db.session.execute(update(Proposal).where(Proposal.id == proposal_id)
                           .values(updated_at=datetime(2026, 3, 1, 16, 30, tzinfo=UTC)))
        db.session.commit()
    expected = expected_bnba(app, Proposal.id == proposal_id)
    assert csv_table(export(visitor, "dinsos", start="2026-03-02", end="2026-03-02"))[1:] == expected
    assert csv_table(export(visitor, "dinsos", end="2026-03-02"))[1:] == expected  # open start
    on_first = export(visitor, "dinsos", start="2026-03-01", end="2026-03-01")
    assert on_first.status_code == 422 and NO_MATCH in errors(on_first)
    assert export_events(app)[0].detail["filters"]["dari"] == "2026-03-02"


# --- 5. spreadsheet formulas are text ------------------------------------------------------------------------------

def test_formulas_are_neutralised_in_csv_and_xlsx(app, login):
    hyperlink, total = '=HYPERLINK("http://x")', "@SUM(1)"
    with app.app_context():
        proposal = db.session.scalar(select(Proposal).where(Proposal.status == "disetujui_dinsos"))
        snapshot = dict(proposal.snapshot)
        snapshot["members"] = [{**snapshot["members"][0], "name": hyperlink}, *snapshot["members"][1:]]
        snapshot["household"] = {**snapshot["household"], "address": "+62 Jl. Demo"}
        proposal.snapshot = snapshot
        person = db.session.scalar(select(Person).join(Household).join(Area).where(within(KUALA), Person.active))
        person.name, person.birth_place = total, "-Bontang"
        db.session.commit()
    visitor = login(DINSOS)
    for what, sheet, formulas in (("bnba", "BNBA", (hyperlink, "+62 Jl. Demo")), ("registri", "Registri",
                                                                                (total, "-Bontang"))):
        as_csv = csv_table(export(visitor, "dinsos", what=what))
        as_xlsx = xlsx_table(export(visitor, "dinsos", what=what, file_format="xlsx"), sheet)
        for cells in ([c for r in as_csv for c in r], [c for r in as_xlsx for c in r]):
            for formula in formulas:
                assert "'" + formula in cells, (what, formula)
            assert not any(c[:1] in ("=", "+", "-", "@") for c in cells), what


# --- 6. no input ends in a 500 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("fields, message", [
    ({"kind": "semua"}, "Pilih salah satu pilihan yang tersedia."),
    ({"status": "draf"}, "Pilih salah satu pilihan yang tersedia."),
    ({"what": "semua"}, "Pilih salah satu pilihan yang tersedia."),
    ({"file_format": "pdf"}, "Pilih salah satu pilihan yang tersedia."),
    ({"start": "2026-02-30"}, "Isi tanggal yang benar."),
    ({"start": "kemarin"}, "Isi tanggal yang benar."),
    ({"start": "0001-01-01"}, "Isi tanggal antara 2000 dan 2100."),
    ({"end": "9999-12-31"}, "Isi tanggal antara 2000 dan 2100."),
    ({"start": "2026-05-02", "end": "2026-05-01"}, "Tanggal akhir sebelum tanggal awal."),
    ({"start": "2001-01-01", "end": "2001-12-31"}, NO_MATCH),
    ({"reason": "x" * 500, "unmasked": "y"}, "Maksimal 200 karakter."),
])
def test_bad_choices_come_back_as_form_messages(app, login, fields, message):
    response = export(login(DINSOS), "dinsos", **fields)
    assert response.status_code == 422
    assert message in errors(response)


@pytest.mark.parametrize("fields", [{"kelurahan": "abc"}, {"kelurahan": "99999999999999"}, {"kelurahan": "-1"},
                                    {"letter": "0x1"}, {"letter": "²"},
                                    {"kelurahan": "64.74.01.1001"}])
def test_ids_that_are_not_ours_are_not_found(app, login, fields):
    assert export(login(DINSOS), "dinsos", **fields).status_code == 404


def test_a_kecamatan_or_the_city_is_not_a_kelurahan(app, login):
    for code in ("64.74", UTARA):
        assert export(login(DINSOS), "dinsos", kelurahan=area_id(app, code)).status_code == 404


def test_control_characters_never_break_the_xlsx(app, login):
    with app.app_context():
        person = db.session.scalar(select(Person).join(Household).join(Area).where(within(KUALA), Person.active))
        person.name = "Siti\x07 Aminah\x1b"  # (PostgreSQL refuses NUL in text, so it never reaches an export)
        db.session.commit()
    rows = xlsx_table(export(login(DINSOS), "dinsos", what="registri", file_format="xlsx"), "Registri")
    assert "Siti Aminah" in [r[2] for r in rows]


def test_export_without_csrf_is_refused(app, login):
    visitor = login(DINSOS)
    response = visitor.post("/dinsos/ekspor", {"what": "registri", "file_format": "csv"}, csrf=False)
    assert response.status_code == 400 and not export_events(app)


# --- 7. reading in batches, not per row ----------------------------------------------------------------------------

def statements_of(app, visitor, **fields) -> int:
    """How many SQL statements one export runs (page, form, count, rows), with its file read to the end."""
    with app.app_context():
        engine = db.engine
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = export(visitor, "dinsos", **fields)
        assert response.status_code == 200
        response.get_data()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_statements_do_not_grow_with_the_rows(app, login):
    visitor = login(DINSOS)
    before = {what: statements_of(app, visitor, what=what) for what in ("bnba", "registri")}
    approve_submitted(app, "64.74")
    with app.app_context():
        demo_households.seed_bulk_households(60)
        db.session.commit()
    after = {what: statements_of(app, visitor, what=what) for what in ("bnba", "registri")}
    assert before == after
    assert export_events(app)[2].detail["rows"] > export_events(app)[0].detail["rows"]
    assert export_events(app)[3].detail["rows"] >= export_events(app)[1].detail["rows"] + 60
