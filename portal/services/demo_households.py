"""Fictional households for the demo and for scale tests.

Every address is on a "Jl. Demo …" street so nobody mistakes the data for real people; NIKs and
No. KK pass validation, start with the Bontang codes (647401/02/03) and use serials 7000–9999.
"""
import random
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from portal.domain.criteria import assess
from portal.domain.household import conditions_from, person_key, search_name
from portal.domain.ppks import age_on
from portal.extensions import db
from portal.models import Area, Household, Person, PersonPpks
from portal.services.registry import create_household

MEN = ["Ahmad", "Budi", "Rahmat", "Hasan", "Syamsul", "Andi", "Muhammad", "Agus", "Yusuf", "Darmawan", "Rudi",
       "Hendra", "Irfan", "Jumadi", "Kamaruddin", "Lukman", "Mansur", "Nasrul", "Rizal", "Sudirman"]
WOMEN = ["Siti", "Nur", "Dewi", "Wati", "Fitri", "Rina", "Aisyah", "Hasnah", "Indah", "Juwita", "Kartini",
         "Lestari", "Marlina", "Nurhayati", "Ratna", "Suryani", "Tini", "Yuliana", "Zubaidah", "Hartini"]
FAMILY = ["Saputra", "Lestari", "Hidayat", "Rahayu", "Pratama", "Wulandari", "Gunawan", "Kartika", "Nugroho",
          "Syahputra", "Hamzah", "Rusdi", "Baharuddin", "Mappiare", "Daeng", "Lamba", "Pattola", "Sinaga"]
STREETS = ["Jl. Demo Pesisir", "Gg. Demo Nelayan", "Jl. Demo Bakau", "Gg. Demo Kenanga", "Jl. Demo Pelabuhan",
           "Gg. Demo Melati", "Jl. Demo Teluk", "Gg. Demo Cemara"]
PLACES = ["Bontang", "Bontang", "Bontang", "Samarinda", "Sangatta", "Balikpapan", "Makassar", "Parepare", "Bone"]
JOBS = ["nelayan", "buruh_harian", "buruh_bangunan", "pedagang_kecil", "ojek", "karyawan", "wiraswasta",
        "tidak_bekerja", "buruh_tani"]
TODAY = date(2026, 11, 1)  # fixed, so the same seed gives the same data whatever the day


class Numbers:
    """Hands out unique synthetic NIKs and No. KK that pass validation."""

    def __init__(self):
        self.used: set[str] = set()
        self.serial = 7000

    def _next(self, prefix: str) -> str:
        while True:
            self.serial = 7000 if self.serial >= 9999 else self.serial + 1
            number = f"{prefix}{self.serial:04d}"
            if number not in self.used:
                self.used.add(number)
                return number

    def nik(self, kecamatan: str, birth: date, sex: str) -> str:
        day = birth.day + (40 if sex == "P" else 0)
        return self._next(f"6474{kecamatan}{day:02d}{birth:%m%y}")

    def kk(self, kecamatan: str, issued: date) -> str:
        return self._next(f"6474{kecamatan}{issued:%d%m%y}")


def _birth(rng: random.Random, age_low: int, age_high: int) -> date:
    return TODAY - timedelta(days=rng.randint(age_low * 365 + 1, age_high * 365 - 1))


def _person(rng, numbers, kecamatan, sex, relation, age, family, mother) -> dict:
    birth = _birth(rng, *age)
    first = rng.choice(MEN if sex == "L" else WOMEN)
    married = relation in ("kepala", "pasangan") or (relation == "orang_tua")
    return {"nik": numbers.nik(kecamatan, birth, sex), "name": f"{first} {family}", "birth_place": rng.choice(PLACES),
            "birth_date": birth.isoformat(), "sex": sex, "relation": relation,
            "marital_status": ("kawin" if relation != "orang_tua" else "cerai_mati") if married else "belum_kawin",
            "mother_name": mother, "job": rng.choice(JOBS) if age[0] >= 18 else "", "ppks": []}


def household_content(rng: random.Random, numbers: Numbers, kecamatan: str) -> dict:
    """One plausible household: head, often a spouse, children, sometimes an elderly parent."""
    family = rng.choice(FAMILY)
    head_sex = "L" if rng.random() < 0.8 else "P"
    members = [_person(rng, numbers, kecamatan, head_sex, "kepala", (25, 70), family,
                       f"{rng.choice(WOMEN)} {rng.choice(FAMILY)}")]
    spouse_mother = f"{rng.choice(WOMEN)} {rng.choice(FAMILY)}"
    if head_sex == "L" and rng.random() < 0.85:
        members.append(_person(rng, numbers, kecamatan, "P", "pasangan", (22, 65), rng.choice(FAMILY), spouse_mother))
    mother_of_children = members[-1]["name"] if len(members) > 1 else members[0]["name"]
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
        members.append(_person(rng, numbers, kecamatan, rng.choice("LP"), "anak", (1, 20), family, mother_of_children))
    if rng.random() < 0.15:
        members.append(_person(rng, numbers, kecamatan, rng.choice("LP"), "orang_tua", (61, 85), family,
                               f"{rng.choice(WOMEN)} {rng.choice(FAMILY)}"))
    for member in members:  # a few PPKS categories, fitting the person's age
        age = age_on(date.fromisoformat(member["birth_date"]), TODAY)
        if age >= 60 and rng.random() < 0.4:
            member["ppks"].append("LUT")
        elif rng.random() < 0.03:
            member["ppks"].append("PD")
    poverty = rng.random()  # 0 = well-off, 1 = very poor; drives every answer below
    pick = lambda poor, fine: rng.choice(poor) if rng.random() < poverty else rng.choice(fine)  # noqa: E731
    conditions = {
        "floor_area_m2": str(rng.randint(12, 36) if poverty > 0.6 else rng.randint(30, 120)),
        "floor_type": pick(["tanah", "bambu", "kayu_murah"], ["semen", "keramik"]),
        "wall_type": pick(["bambu", "kayu_murah", "tembok_tanpa_plester"], ["tembok", "kayu_baik"]),
        "toilet": pick(["bersama", "tidak_punya"], ["sendiri"]),
        "lighting": pick(["listrik_non_pln", "bukan_listrik"], ["listrik_pln"]),
        "water": pick(["sumur_tidak_terlindung", "air_hujan"], ["ledeng", "air_kemasan", "sumur_terlindung"]),
        "cooking_fuel": pick(["kayu_bakar", "minyak_tanah"], ["gas"]),
        "meat_per_week": 1 if rng.random() < poverty else rng.randint(2, 5),
        "clothes_per_year": 1 if rng.random() < poverty else rng.randint(2, 4),
        "meals_per_day": 2 if rng.random() < poverty else 3,
        "can_pay_clinic": rng.random() >= poverty,
        "head_job": members[0]["job"] or "tidak_bekerja",
        "head_income_monthly": int(rng.randint(3, 12) * 100_000 if poverty > 0.5 else rng.randint(15, 80) * 100_000),
        "head_education": pick(["tidak_sekolah", "tidak_tamat_sd", "sd"], ["smp", "sma", "diploma_sarjana"]),
        "assets_value": int(rng.randint(0, 4) * 100_000 if poverty > 0.5 else rng.randint(10, 200) * 100_000),
        "has_shelter": rng.random() > 0.01,
    }
    issued = _birth(rng, 1, 15)
    return {"household": {"no_kk": numbers.kk(kecamatan, issued),
                          "address": f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}",
                          "rw": ""},
            "members": members, "conditions": conditions, "ppks": []}


def seed_rt_households(per_rt: int, rng_seed: int = 2026) -> int:
    """`per_rt` households in every RT that has none yet (the demo's RTs); returns how many were added."""
    rng, numbers = random.Random(rng_seed), Numbers()
    numbers.used.update(db.session.scalars(select(Person.nik)))
    numbers.used.update(db.session.scalars(select(Household.no_kk)))
    with_households = set(db.session.scalars(select(Household.area_id).distinct()))
    added = 0
    for rt in db.session.scalars(select(Area).where(Area.level == "rt").order_by(Area.code)):
        if rt.id in with_households:
            continue
        for _ in range(per_rt):
            create_household(rt, household_content(rng, numbers, rt.code.split(".")[2]))
            added += 1
    return added


def seed_bulk_households(total: int, rng_seed: int = 50_000) -> int:
    """`total` households spread over all RTs, with bulk inserts (50,000 in well under five minutes)."""
    rng, numbers = random.Random(rng_seed), Numbers()
    numbers.used.update(db.session.scalars(select(Person.nik)))
    numbers.used.update(db.session.scalars(select(Household.no_kk)))
    rts = db.session.scalars(select(Area).where(Area.level == "rt").order_by(Area.code)).all()
    batch = 2_000
    for start in range(0, total, batch):
        picked = [rts[i % len(rts)] for i in range(start, min(total, start + batch))]
        contents = [(rt, household_content(rng, numbers, rt.code.split(".")[2])) for rt in picked]
        _insert_batch(contents)
    return total


def grow_city_to(total: int) -> int:
    """Add households until the city has `total` (benchmarks at city scale); returns how many were added."""
    added = max(0, total - db.session.scalar(select(func.count()).select_from(Household)))
    seed_bulk_households(added)
    return added


def _insert_batch(contents: list[tuple[Area, dict]]) -> None:
    rows = []
    for rt, content in contents:
        result = assess(conditions_from(content))
        rows.append({"area_id": rt.id, "no_kk": content["household"]["no_kk"],
                     "address": content["household"]["address"], "conditions": content["conditions"],
                     "criteria_met": result.met_count, "fakir_miskin": result.fakir_miskin,
                     "criteria_mask": result.mask, "status": "aktif"})
    ids = db.session.scalars(insert(Household).returning(Household.id, sort_by_parameter_order=True), rows).all()
    people = []
    for household_id, (_, content) in zip(ids, contents, strict=True):
        for m in content["members"]:
            people.append({"household_id": household_id, "nik": m["nik"], "name": m["name"],
                           "name_search": search_name(m["name"]),
                           "birth_place": m["birth_place"], "birth_date": date.fromisoformat(m["birth_date"]),
                           "sex": m["sex"], "relation": m["relation"], "marital_status": m["marital_status"],
                           "mother_name": m["mother_name"], "job": m["job"] or None, "active": True,
                           "person_key": person_key(m["name"], m["birth_date"], m["mother_name"])})
    person_ids = db.session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), people).all()
    flat = [m for _, content in contents for m in content["members"]]
    ppks = [{"person_id": pid, "category": c, "active": True}
            for pid, m in zip(person_ids, flat, strict=True) for c in m["ppks"]]
    if ppks:
        db.session.execute(insert(PersonPpks), ppks)
