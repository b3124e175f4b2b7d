"""Importing the ministry's files in two steps: upload -> preview (nothing written to the registry) -> apply.

The apply step reads the kept file again and plans again against the registry as it is *now*, then writes
everything in one transaction, or nothing if anything is wrong. Re-applying the same file finds nothing to
change (every row "tetap"). Rules for the columns and values live in domain.import_rows.

A DTKS row that cannot be placed is an error, and a file with any error applies nothing. What can be placed
with a note is a warning and applies: a new person whose relation is unknown is stored "belum diketahui"
(listed per RT, to be completed there); an RT number not registered in a known kelurahan is created by the
apply (listed in the preview, audited as area.add_rt with the import's id).

A worker that dies mid-job (restart, kill) leaves the import "memeriksa" or "menerapkan" with nothing else
written: the preview only reads, and the apply's single transaction is rolled back with its connection.
`settle_abandoned` fails such an import after background.JOB_TIMEOUT so the file can be uploaded again.
"""
import hashlib
import logging
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import insert, select, update
from werkzeug.datastructures import FileStorage

from portal import clock
from portal.domain import import_rows
from portal.domain.areas import Level, normalise_rw, rt_name
from portal.domain.errors import DomainError
from portal.domain.household import RELATION_UNKNOWN, person_key, search_name
from portal.domain.import_rows import FORMATS, ParsedRow, RowError
from portal.domain.nik import mask
from portal.domain.tabular_files import FileRefused, read_table
from portal.domain.uploads import safe_display_name
from portal.domain.workflow import Action, State
from portal.extensions import db
from portal.models import Area, DataImport, Household, Person, Proposal, ProposalNik, User
from portal.models.types import utcnow
from portal.services import areas, audit, background, review

log = logging.getLogger(__name__)
QUEUE = "imports"
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "import_samples"
SAMPLE_ROWS = 20
WARNINGS_KEPT = 5_000  # listed warnings kept with an import (a whole city without relations is ~60,000)
CHUNK = 900  # NIKs per IN (...) lookup: under SQLite's 999-parameter limit
HOUSEHOLD_FIELDS = ("id_dtks", "official_desil", "official_desil_period", "official_status")
# The running states of an import, and what a user reads once one was cut off by a dead worker.
STOPPED = {"memeriksa": "Pemeriksaan berkas terhenti sebelum selesai (server dimulai ulang). "
                        "Silakan unggah berkasnya lagi.",
           "menerapkan": "Penerapan berkas terhenti sebelum selesai (server dimulai ulang). "
                         "Silakan unggah berkasnya lagi."}
FIELD_LABELS = {"id_dtks": "ID DTKS", "id_art": "ID ART", "official_desil": "desil resmi",
                "official_desil_period": "periode desil", "official_status": "status resmi"}


@dataclass
class Plan:
    rows: int = 0
    add: list[dict] = field(default_factory=list)      # dtks: new people; hasil: -
    change: list[dict] = field(default_factory=list)   # dtks: identifiers/desil to update; hasil: decisions
    keep: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    # dtks: RTs the apply creates, (kelurahan id, number) -> {kelurahan_id, kelurahan, number, rw, row, people}
    new_rts: dict[tuple[int, int], dict] = field(default_factory=dict)


# --- upload --------------------------------------------------------------------------------------------------

def receive(actor: User, kind: str, upload: FileStorage | None) -> DataImport:
    """Keep the uploaded file and record it; the preview is made next (inline or in the background)."""
    if kind not in FORMATS:
        raise DomainError("Pilih jenis berkas yang diimpor.", field="kind")
    if upload is None or not upload.filename:
        raise DomainError("Pilih berkas yang akan diimpor.", field="file")
    limit = current_app.config["IMPORT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise DomainError(f"Berkas lebih dari {limit // (1024 * 1024)} MB. Bagi menjadi beberapa berkas.",
                          field="file")
    if not data.strip():
        raise DomainError("Berkas kosong.", field="file")
    token = secrets.token_hex(16)
    _write_atomically(_path(token), data)
    record = DataImport(kind=kind, filename=safe_display_name(upload.filename), stored_name=token,
                        sha256=hashlib.sha256(data).hexdigest(), size=len(data), uploaded_by_id=actor.id)
    db.session.add(record)
    db.session.flush()
    audit.record(actor, "impor.unggah", record, kind=kind, sha256=record.sha256, size=record.size)
    return record


def _path(token: str) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "imports" / token


def _write_atomically(path: Path, data: bytes) -> None:
    """Beside the final place, then rename: a half-written file never carries the final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def start(task, record: DataImport) -> None:
    """Small files are handled in the request; large ones in the background with a progress bar."""
    if record.size <= current_app.config["IMPORT_INLINE_BYTES"]:
        task(record.id)
    else:
        background.submit(task, record.id, QUEUE)


def settle_abandoned(records) -> None:
    """Fail the imports among `records` whose worker died (still running past background.JOB_TIMEOUT)."""
    # An import started before migration 0013 has no started_at: its upload time stands in.
    background.fail_abandoned(DataImport, records, STOPPED, lambda r: r.started_at or r.uploaded_at)


def running_imports() -> list[DataImport]:
    return db.session.scalars(select(DataImport).where(DataImport.status.in_(STOPPED))).all()


def previously_applied(record: DataImport) -> DataImport | None:
    return db.session.scalar(select(DataImport).where(DataImport.sha256 == record.sha256,
                                                      DataImport.status == "diterapkan", DataImport.id != record.id)
                             .order_by(DataImport.id.desc()).limit(1))


# --- planning (reads only) -----------------------------------------------------------------------------------

def plan(record: DataImport, progress=lambda percent: None) -> tuple[Plan, dict]:
    table = read_table(_path(record.stored_name).read_bytes(), record.filename)
    _, columns_spec, parse_row = FORMATS[record.kind]
    columns = import_rows.match_header(table.header, columns_spec)
    details = {"encoding": table.encoding, "delimiter": table.delimiter,
               "columns": [c.label for c in columns_spec if c.key in columns],
               "ignored": [h for i, h in enumerate(table.header) if h and i not in columns.values()]}
    result, parsed, today = Plan(rows=len(table.rows)), [], clock.today()
    used = set(columns.values())
    labels = {i: table.header[i] for i in used}
    first_row_of: dict[str, int] = {}
    for index, (row_number, raw) in enumerate(zip(table.numbers, table.rows, strict=True)):
        bad_cells = [RowError(row_number, labels[c], reason) for (r, c), reason in table.cell_errors.items()
                     if r == row_number and c in used]
        if bad_cells:
            result.errors += bad_cells
            continue
        row, errors = parse_row(row_number, raw, columns, today)
        if errors:
            result.errors += errors
            continue
        nik = row.values["nik"]
        if nik in first_row_of and record.kind == "dtks":
            result.errors.append(RowError(row_number, "NIK", f"NIK sama dengan baris {first_row_of[nik]}"))
            continue
        first_row_of.setdefault(nik, row_number)
        parsed.append(row)
        if index % 5000 == 0:
            progress(10 + 40 * index // max(1, len(table.rows)))
    (_plan_dtks if record.kind == "dtks" else _plan_outcome)(parsed, result)
    result.errors.sort(key=lambda e: e.row)
    result.warnings.sort(key=lambda e: e.row)
    return result, details


def _chunks(items: list, size: int = CHUNK):
    for start_at in range(0, len(items), size):
        yield items[start_at:start_at + size]


def _plan_dtks(rows: list[ParsedRow], result: Plan) -> None:
    kelurahan = {}
    for area in db.session.scalars(select(Area).where(Area.level == Level.KELURAHAN)):
        kelurahan[import_rows.kelurahan_key(area.code)] = kelurahan[import_rows.kelurahan_key(area.name)] = area
    rts = {(a.parent_id, int(a.name.removeprefix("RT "))): a
           for a in db.session.scalars(select(Area).where(Area.level == Level.RT))}
    known = {}
    for niks in _chunks([r.values["nik"] for r in rows]):
        for person, household in db.session.execute(
                select(Person, Household).join(Household, Person.household_id == Household.id)
                .where(Person.nik.in_(niks), Person.active)):
            known[person.nik] = (person, household)
    households_by_kk = {}
    new_kks = list({r.values["no_kk"] for r in rows if r.values["nik"] not in known})
    for kks in _chunks(new_kks):
        for household in db.session.scalars(select(Household).where(Household.no_kk.in_(kks),
                                                                    Household.status != "nonaktif")):
            households_by_kk[household.no_kk] = household
    household_values: dict[object, tuple[int, dict]] = {}  # one household, one set of official values
    for row in rows:
        v = row.values
        area = kelurahan.get(v["kelurahan_code"])
        if area is None:
            result.errors.append(RowError(row.row, "Kode Kelurahan", "kode kelurahan tidak dikenal di Kota Bontang"))
            continue
        official = {"id_dtks": v["id_dtks"], "official_desil": v["desil"], "official_desil_period": v["desil_period"],
                    "official_status": v.get("status")}
        person, household = known.get(v["nik"], (None, None))
        target = household or households_by_kk.get(v["no_kk"])
        key = target.id if target else v["no_kk"]
        first = household_values.setdefault(key, (row.row, official))
        if first[1] != official:
            result.errors.append(RowError(row.row, "ID DTKS", f"ID DTKS, desil atau status berbeda dengan baris "
                                                              f"{first[0]} untuk keluarga yang sama"))
            continue
        if person is not None:
            diffs = {name: (getattr(household, name), official[name]) for name in HOUSEHOLD_FIELDS
                     if getattr(household, name) != official[name]}
            if person.id_art != v["id_art"]:
                diffs["id_art"] = (person.id_art, v["id_art"])
            if diffs:
                result.change.append({"row": row, "person_id": person.id, "household_id": household.id,
                                      "diffs": diffs})
            else:
                result.keep.append(row)
            continue
        existing = households_by_kk.get(v["no_kk"])
        missing = [c.label for c in import_rows.DTKS_COLUMNS
                   if c.key in (*import_rows.NEW_PERSON_FIELDS, *(() if existing else ("rt",))) and c.key not in v]
        if missing:
            result.errors.append(RowError(row.row, "", "warga baru: isi juga " + ", ".join(missing)))
            continue
        item = {"row": row, "household_id": existing.id if existing else None, "rt_id": None, "new_rt": None,
                "official": official}
        if existing is None and not _place_in_rt(item, area, rts, result):
            continue
        result.add.append(item)
        result.warnings += row.warnings
    for key, new in result.new_rts.items():
        result.warnings.append(import_rows.new_rt_warning(new["row"], key[1], new["kelurahan"], new["people"]))


def _place_in_rt(item: dict, kelurahan: Area, rts: dict, result: Plan) -> bool:
    """The new household's RT: a registered one, or one the apply creates. False (an error) when inactive."""
    v = item["row"].values
    key = (kelurahan.id, v["rt"])
    rt = rts.get(key)
    if rt is not None and not rt.active:
        result.errors.append(RowError(item["row"].row, "RT", f"{rt_name(v['rt'])} di Kelurahan {kelurahan.name} "
                                                             "dinonaktifkan; aktifkan lewat Admin > Wilayah"))
        return False
    if rt is not None:
        item["rt_id"] = rt.id
        return True
    new = result.new_rts.setdefault(key, {"kelurahan_id": kelurahan.id, "kelurahan": kelurahan.name,
                                          "number": v["rt"], "rw": _rw_or_none(v.get("rw")),
                                          "row": item["row"].row, "people": 0})
    new["people"] += 1
    item["new_rt"] = key
    return True


def _rw_or_none(text: str | None) -> str | None:
    try:
        return normalise_rw(text)
    except DomainError:
        return None  # an RW the file spells oddly does not stop the RT from being created; admin can set it


def _plan_outcome(rows: list[ParsedRow], result: Plan) -> None:
    decided = {State.DITETAPKAN.value: True, State.DITOLAK_KEMENTERIAN.value: False}
    per_proposal: dict[int, ParsedRow] = {}
    for row in rows:
        v = row.values
        stmt = (select(Proposal).join(ProposalNik, ProposalNik.proposal_id == Proposal.id)
                .where(ProposalNik.nik == v["nik"],
                       Proposal.status.in_((State.DIKIRIM_KEMENTERIAN, *decided)))
                .order_by(Proposal.status != State.DIKIRIM_KEMENTERIAN, Proposal.id.desc()))
        if "proposal_id" in v:
            stmt = stmt.where(Proposal.id == v["proposal_id"])
        proposal = db.session.scalars(stmt.limit(1)).first()
        if proposal is None:
            where = f"usulan #{v['proposal_id']}" if "proposal_id" in v else "usulan yang dikirim ke Kementerian"
            result.errors.append(RowError(row.row, "NIK", f"NIK ini tidak ada di {where}"))
            continue
        first = per_proposal.setdefault(proposal.id, row)
        if first is not row:
            if first.values["accepted"] != v["accepted"]:
                result.errors.append(RowError(row.row, "Hasil", f"hasil berbeda dengan baris {first.row} "
                                                                 f"untuk usulan #{proposal.id}"))
            else:
                result.keep.append(row)  # another member of the same proposal
            continue
        if proposal.status in decided:
            if decided[proposal.status] == v["accepted"]:
                result.keep.append(row)
            else:
                result.errors.append(RowError(row.row, "Hasil", f"usulan #{proposal.id} sudah tercatat "
                                                                 f"{proposal.status_label.lower()}"))
            continue
        result.change.append({"row": row, "proposal_id": proposal.id})


# --- the two background-able tasks -----------------------------------------------------------------------------

def _set(record_id: int, only_from: str | None = None, **values) -> bool:
    """Write the job's state; with `only_from`, only while it is still in that state (not settled meanwhile)."""
    stmt = update(DataImport).where(DataImport.id == record_id)
    if only_from:
        stmt = stmt.where(DataImport.status == only_from)
    changed = db.session.execute(stmt.values(**values)).rowcount
    db.session.commit()
    return changed == 1


def run_preview(record_id: int) -> None:
    if background.with_app(run_preview, record_id):
        return
    record = db.session.get(DataImport, record_id)
    if record is None or record.status != "antri":
        return
    if not _set(record_id, only_from="antri", status="memeriksa", progress=5, started_at=utcnow()):
        return
    try:
        result, details = plan(record, lambda p: _set(record_id, only_from="memeriksa", progress=p))
    except FileRefused as refused:
        db.session.rollback()
        _set(record_id, only_from="memeriksa", status="ditolak", message=refused.message, progress=100)
        return
    except Exception:  # noqa: BLE001 — a failed preview is shown as failed, never a crash loop
        db.session.rollback()
        log.exception("import preview %s failed", record_id)
        _set(record_id, only_from="memeriksa", status="gagal", message="Terjadi kesalahan saat memeriksa berkas.",
             progress=100)
        return
    _set(record_id, only_from="memeriksa", status="pratinjau", progress=100, counts=_counts(result, record.kind),
         sample=_sample(result), errors=[[e.row, e.column, e.reason] for e in result.errors],
         details=_findings(result, details))


def request_apply(actor: User, record: DataImport) -> None:
    """Claim the import for applying: exactly one of two clicks (or two people) wins."""
    if record.status != "pratinjau":
        raise DomainError("Impor ini tidak sedang menunggu konfirmasi.")
    if record.errors:
        raise DomainError(f"Berkas masih memuat {len(record.errors)} baris bermasalah. Perbaiki lalu unggah ulang; "
                          "tidak ada data yang diterapkan.")
    claimed = db.session.execute(update(DataImport).where(DataImport.id == record.id,
                                                          DataImport.status == "pratinjau")
                                 .values(status="menerapkan", progress=5, applied_by_id=actor.id,
                                         started_at=utcnow())).rowcount
    if claimed != 1:
        raise DomainError("Impor ini sudah dikonfirmasi oleh orang lain.")


def cancel(actor: User, record: DataImport) -> None:
    """Only from a state nothing is running in; a confirm that landed first wins (conditional update)."""
    cancelled = db.session.execute(update(DataImport).where(DataImport.id == record.id,
                                                            DataImport.status.in_(("pratinjau", "ditolak", "gagal")))
                                   .values(status="dibatalkan")).rowcount
    if cancelled != 1:
        raise DomainError("Impor ini tidak dapat dibatalkan sekarang.")
    audit.record(actor, "impor.batal", record)


def run_apply(record_id: int) -> None:
    if background.with_app(run_apply, record_id):
        return
    record = db.session.get(DataImport, record_id)
    if record is None or record.status != "menerapkan":
        return
    try:
        result, _ = plan(record, lambda p: None)
        if result.errors:
            raise DomainError("Data registri berubah sejak pratinjau dan kini ada baris bermasalah. "
                              "Tidak ada yang diterapkan; unggah ulang berkas untuk pratinjau baru.")
        actor = db.session.get(User, record.applied_by_id)
        if record.kind == "dtks":
            _apply_dtks(actor, result, record.id)
        else:
            _apply_outcome(actor, result)
        counts = _counts(result, record.kind)
        done = db.session.execute(  # in the same transaction: a job already settled as failed applies nothing
            update(DataImport).where(DataImport.id == record_id, DataImport.status == "menerapkan")
            .values(status="diterapkan", progress=100, applied_at=utcnow(), counts=counts)
            .execution_options(synchronize_session=False)).rowcount
        if done != 1:
            db.session.rollback()
            log.warning("import %s was settled as failed while it applied; nothing applied", record_id)
            return
        audit.record(actor, "impor.terapkan", record, kind=record.kind, sha256=record.sha256, **counts,
                     rt_dibuat=[_new_rt_label(new) for _, new in sorted(result.new_rts.items())])
        db.session.commit()
    except Exception as error:  # noqa: BLE001 — all or nothing: roll back, say why, keep the registry as it was
        db.session.rollback()
        if not isinstance(error, DomainError):
            log.exception("import apply %s failed", record_id)
        message = error.message if isinstance(error, DomainError) else "Terjadi kesalahan; tidak ada yang diterapkan."
        _set(record_id, only_from="menerapkan", status="gagal", message=message, progress=100)


def _create_rts(actor: User, result: Plan, import_id: int) -> dict[tuple[int, int], int]:
    """The RTs the file names that are not registered yet, each audited (area.add_rt) with the import's id."""
    created = {}
    for key, new in sorted(result.new_rts.items()):
        kelurahan = db.session.get(Area, new["kelurahan_id"])
        created[key] = areas.add_rt(actor, kelurahan, str(new["number"]), new["rw"], impor=import_id).id
    return created


def _apply_dtks(actor: User, result: Plan, import_id: int) -> None:
    new_rt_ids = _create_rts(actor, result, import_id)
    household_updates, person_updates = {}, []
    for change in result.change:
        diffs = change["diffs"]
        values = {name: new for name, (_, new) in diffs.items() if name in HOUSEHOLD_FIELDS}
        if values:
            household_updates.setdefault(change["household_id"], {"id": change["household_id"]}).update(values)
        if "id_art" in diffs:
            person_updates.append({"id": change["person_id"], "id_art": diffs["id_art"][1]})
    if household_updates:
        db.session.execute(update(Household), list(household_updates.values()))
    if person_updates:
        db.session.execute(update(Person), person_updates)
    new_households = {}
    for item in result.add:
        v = item["row"].values
        if item["household_id"] is None and v["no_kk"] not in new_households:
            area_id = item["rt_id"] or new_rt_ids[item["new_rt"]]
            new_households[v["no_kk"]] = {"area_id": area_id, "no_kk": v["no_kk"], "address": v["address"],
                                          "status": "aktif", "conditions": {}, "criteria_met": 0,
                                          "fakir_miskin": False, **item["official"]}
    ids = {}
    if new_households:
        rows = list(new_households.values())
        for chunk in _chunks(rows, 2000):
            created = db.session.scalars(insert(Household).returning(Household.id, sort_by_parameter_order=True),
                                         chunk).all()
            ids.update({row["no_kk"]: hid for row, hid in zip(chunk, created, strict=True)})
    people = []
    for item in result.add:
        v = item["row"].values
        people.append({"household_id": item["household_id"] or ids[v["no_kk"]], "nik": v["nik"], "name": v["name"],
                       "name_search": search_name(v["name"]), "birth_place": v["birth_place"],
                       "birth_date": v["birth_date"], "sex": v["sex"], "relation": v["relation"],
                       "marital_status": "", "mother_name": v["mother_name"], "job": None, "active": True,
                       "id_art": v["id_art"],
                       "person_key": person_key(v["name"], v["birth_date"].isoformat(), v["mother_name"])})
    for chunk in _chunks(people, 2000):
        db.session.execute(insert(Person), chunk)


def _apply_outcome(actor: User, result: Plan) -> None:
    for change in result.change:
        proposal = db.session.get(Proposal, change["proposal_id"])
        v = change["row"].values
        action = Action.TETAPKAN if v["accepted"] else Action.TOLAK_KEMENTERIAN
        review.decide(actor, proposal, proposal.version, action, v["reason"])


# --- what the preview shows ----------------------------------------------------------------------------------

def _counts(result: Plan, kind: str) -> dict:
    counts = {"rows": result.rows, "tambah": len(result.add), "ubah": len(result.change),
              "tetap": len(result.keep), "galat": len({e.row for e in result.errors})}
    if kind == "dtks":
        counts |= {"peringatan": len(result.warnings), "rt_baru": len(result.new_rts)}
    return counts


def _findings(result: Plan, details: dict) -> dict:
    """What the preview lists besides its counts: warnings, the RTs to be created, relations each RT completes."""
    to_complete: dict[str, int] = {}
    for item in result.add:
        if item["row"].values["relation"] == RELATION_UNKNOWN:
            where = _rt_label(item, result)
            to_complete[where] = to_complete.get(where, 0) + 1
    return {**details, "warnings": [[w.row, w.column, w.reason] for w in result.warnings[:WARNINGS_KEPT]],
            "new_rts": [{"rt": _new_rt_label(new), "people": new["people"]}
                        for _, new in sorted(result.new_rts.items())],
            "relation_unknown": [{"rt": rt, "people": n} for rt, n in sorted(to_complete.items())]}


def _new_rt_label(new: dict) -> str:
    rw = f" / RW {new['rw']}" if new["rw"] else ""
    return f"{rt_name(new['number'])}{rw}, Kelurahan {new['kelurahan']}"


def _rt_label(item: dict, result: Plan) -> str:
    if item["new_rt"]:
        new = result.new_rts[item["new_rt"]]
        return f"{_new_rt_label(new)} (RT baru)"
    if item["rt_id"]:
        return db.session.get(Area, item["rt_id"]).full_label
    return db.session.get(Household, item["household_id"]).area.full_label


def _sample(result: Plan) -> dict:
    def person(row: ParsedRow) -> dict:
        return {"row": row.row, "nik": mask(row.values["nik"]), "name": row.values.get("name", "")}

    changes = []
    for change in result.change[:SAMPLE_ROWS]:
        entry = person(change["row"])
        if "diffs" in change:
            entry["what"] = "; ".join(f"{FIELD_LABELS[k]}: {old if old not in (None, '') else '–'} → {new}"
                                      for k, (old, new) in change["diffs"].items())
        else:
            entry["what"] = (f"usulan #{change['proposal_id']} "
                             + ("ditetapkan" if change["row"].values["accepted"] else "ditolak"))
        changes.append(entry)
    return {"tambah": [person(item["row"]) for item in result.add[:SAMPLE_ROWS]], "ubah": changes,
            "tetap": [person(row) for row in result.keep[:SAMPLE_ROWS]]}


def history(limit: int = 50) -> list[DataImport]:
    return db.session.scalars(select(DataImport).order_by(DataImport.id.desc()).limit(limit)).all()
