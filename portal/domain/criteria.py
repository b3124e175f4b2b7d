"""The 14 BPS poverty criteria and the Kepmensos 262/HUK/2022 shelter rule.

A household meeting at least `poor_threshold` (9) of the 14 criteria is poor. A household with
no shelter is fakir miskin whatever the count. Floor area per person is computed from the floor
area and the member count, never typed. Money and land thresholds are configurable (sources
disagree and the rupiah values are old), so they live in `CriteriaRules`, which carries a version.
"""
from dataclasses import dataclass, field
from decimal import Decimal

# Answer vocabularies: value -> label shown to the Ketua RT. The "poor" answers of each criterion
# are listed in POOR_ANSWERS below.
FLOOR_TYPES = {"tanah": "Tanah", "bambu": "Bambu", "kayu_murah": "Kayu murahan", "semen": "Semen / plester",
               "keramik": "Keramik / ubin", "kayu_baik": "Kayu berkualitas baik"}
WALL_TYPES = {"bambu": "Bambu", "rumbia": "Rumbia", "kayu_murah": "Kayu berkualitas rendah",
              "tembok_tanpa_plester": "Tembok tanpa diplester", "tembok": "Tembok diplester",
              "kayu_baik": "Kayu berkualitas baik"}
TOILETS = {"tidak_punya": "Tidak punya", "bersama": "Bersama rumah tangga lain", "sendiri": "Milik sendiri"}
LIGHTING = {"listrik_pln": "Listrik PLN", "listrik_non_pln": "Listrik non-PLN", "bukan_listrik": "Bukan listrik"}
WATER = {"sumur_tidak_terlindung": "Sumur tidak terlindung", "mata_air_tidak_terlindung": "Mata air tidak terlindung",
         "sungai": "Sungai", "air_hujan": "Air hujan", "sumur_terlindung": "Sumur terlindung",
         "ledeng": "Ledeng / PDAM", "air_kemasan": "Air kemasan / isi ulang"}
FUELS = {"kayu_bakar": "Kayu bakar", "arang": "Arang", "minyak_tanah": "Minyak tanah", "gas": "Gas / LPG",
         "listrik": "Listrik"}
EDUCATION = {"tidak_sekolah": "Tidak sekolah", "tidak_tamat_sd": "Tidak tamat SD", "sd": "SD / sederajat",
             "smp": "SMP / sederajat", "sma": "SMA / sederajat", "diploma_sarjana": "Diploma / sarjana"}
POOR_JOBS = {"petani_lahan_kecil": "Petani dengan lahan sempit", "buruh_tani": "Buruh tani", "nelayan": "Nelayan",
             "buruh_bangunan": "Buruh bangunan", "buruh_perkebunan": "Buruh perkebunan"}
OTHER_JOBS = {"buruh_harian": "Buruh harian lepas", "pedagang_kecil": "Pedagang kecil", "ojek": "Ojek",
              "karyawan": "Karyawan swasta", "pns": "PNS / TNI / Polri", "wiraswasta": "Wiraswasta",
              "tidak_bekerja": "Tidak bekerja", "lainnya": "Lainnya"}
JOBS = POOR_JOBS | OTHER_JOBS

POOR_ANSWERS = {
    "jenis_lantai": {"tanah", "bambu", "kayu_murah"},
    "jenis_dinding": {"bambu", "rumbia", "kayu_murah", "tembok_tanpa_plester"},
    "fasilitas_bab": {"tidak_punya", "bersama"},
    "sumber_penerangan": {"bukan_listrik"},
    "sumber_air_minum": {"sumur_tidak_terlindung", "mata_air_tidak_terlindung", "sungai", "air_hujan"},
    "bahan_bakar_masak": {"kayu_bakar", "arang", "minyak_tanah"},
    "pendidikan_krt": {"tidak_sekolah", "tidak_tamat_sd", "sd"},
}

CRITERIA_LABELS = {
    "luas_lantai": "Luas lantai kurang dari {floor} m² per orang",
    "jenis_lantai": "Lantai tanah / bambu / kayu murahan",
    "jenis_dinding": "Dinding bambu / rumbia / kayu rendah / tembok tanpa plester",
    "fasilitas_bab": "Tidak punya jamban sendiri",
    "sumber_penerangan": "Penerangan bukan listrik",
    "sumber_air_minum": "Air minum dari sumber tidak terlindung / sungai / hujan",
    "bahan_bakar_masak": "Memasak dengan kayu bakar / arang / minyak tanah",
    "konsumsi_daging": "Makan daging / susu / ayam hanya sekali seminggu",
    "pakaian_baru": "Membeli pakaian baru hanya satu stel setahun",
    "frekuensi_makan": "Makan hanya satu atau dua kali sehari",
    "biaya_berobat": "Tidak sanggup membayar berobat ke puskesmas",
    "sumber_penghasilan": "Pekerjaan kepala rumah tangga rentan atau penghasilan di bawah Rp{income:,}",
    "pendidikan_krt": "Kepala rumah tangga tidak sekolah / tidak tamat SD / hanya SD",
    "aset": "Tidak punya tabungan atau barang senilai Rp{assets:,}",
}
CRITERIA_CODES = tuple(CRITERIA_LABELS)


@dataclass(frozen=True)
class CriteriaRules:
    """Configurable thresholds; `version` is recorded with every assessment computed under them."""

    version: str = "bps14-2026.1"
    floor_m2_per_person: Decimal = Decimal("8")
    income_monthly: int = 600_000
    assets_value: int = 500_000
    poor_threshold: int = 9


@dataclass(frozen=True)
class Conditions:
    """What the Ketua RT records about the house and the household. None = not yet answered."""

    members: int
    floor_area_m2: Decimal | None = None
    floor_type: str | None = None
    wall_type: str | None = None
    toilet: str | None = None
    lighting: str | None = None
    water: str | None = None
    cooking_fuel: str | None = None
    meat_per_week: int | None = None
    clothes_per_year: int | None = None
    meals_per_day: int | None = None
    can_pay_clinic: bool | None = None
    head_job: str | None = None
    head_income_monthly: int | None = None
    head_education: str | None = None
    assets_value: int | None = None
    has_shelter: bool = True


@dataclass(frozen=True)
class CriterionResult:
    code: str
    label: str
    met: bool | None  # None: not answered yet
    because: str      # the value that decided it, in plain words


@dataclass(frozen=True)
class Assessment:
    rules_version: str
    results: tuple[CriterionResult, ...]
    met_count: int
    answered_count: int
    poor: bool               # meets at least poor_threshold criteria
    fakir_miskin: bool       # Kepmensos 262: no shelter
    summary: str = field(default="")

    @property
    def mask(self) -> int:
        """The met criteria as bits (criterion i of CRITERIA_CODES = bit i): two assessments compare cheaply."""
        return sum(1 << i for i, r in enumerate(self.results) if r.met)


def floor_area_per_person(conditions: Conditions) -> Decimal | None:
    if conditions.floor_area_m2 is None or conditions.members < 1:
        return None
    return (Decimal(conditions.floor_area_m2) / conditions.members).quantize(Decimal("0.01"))


def _rupiah(value: int) -> str:
    return f"Rp{value:,}".replace(",", ".")


def _evaluate(code: str, c: Conditions, rules: CriteriaRules) -> tuple[bool | None, str]:
    """(met, because) for one criterion."""
    if code == "luas_lantai":
        per_person = floor_area_per_person(c)
        if per_person is None:
            return None, "luas lantai belum diisi"
        because = f"{per_person} m² per orang ({c.floor_area_m2} m² ÷ {c.members} orang)"
        return per_person < rules.floor_m2_per_person, because
    answers = {"jenis_lantai": (c.floor_type, FLOOR_TYPES), "jenis_dinding": (c.wall_type, WALL_TYPES),
               "fasilitas_bab": (c.toilet, TOILETS), "sumber_penerangan": (c.lighting, LIGHTING),
               "sumber_air_minum": (c.water, WATER), "bahan_bakar_masak": (c.cooking_fuel, FUELS),
               "pendidikan_krt": (c.head_education, EDUCATION)}
    if code in answers:
        value, labels = answers[code]
        if value is None:
            return None, "belum diisi"
        return value in POOR_ANSWERS[code], labels.get(value, value)
    counts = {"konsumsi_daging": (c.meat_per_week, 1, "kali seminggu"),
              "pakaian_baru": (c.clothes_per_year, 1, "stel setahun"),
              "frekuensi_makan": (c.meals_per_day, 2, "kali sehari")}
    if code in counts:
        value, limit, unit = counts[code]
        return (None, "belum diisi") if value is None else (value <= limit, f"{value} {unit}")
    if code == "biaya_berobat":
        if c.can_pay_clinic is None:
            return None, "belum diisi"
        return not c.can_pay_clinic, "sanggup membayar" if c.can_pay_clinic else "tidak sanggup membayar"
    if code == "sumber_penghasilan":
        if c.head_job is None and c.head_income_monthly is None:
            return None, "belum diisi"
        poor_job = c.head_job in POOR_JOBS
        low_income = c.head_income_monthly is not None and c.head_income_monthly < rules.income_monthly
        income = ("penghasilan belum diisi" if c.head_income_monthly is None
                  else _rupiah(c.head_income_monthly) + " per bulan")
        return poor_job or low_income, f"{JOBS.get(c.head_job, 'pekerjaan belum diisi')}, {income}"
    if code == "aset":
        if c.assets_value is None:
            return None, "belum diisi"
        return c.assets_value < rules.assets_value, f"aset senilai {_rupiah(c.assets_value)}"
    raise KeyError(code)


def assess(conditions: Conditions, rules: CriteriaRules = CriteriaRules()) -> Assessment:
    labels = {code: label.format(floor=rules.floor_m2_per_person, income=rules.income_monthly,
                                 assets=rules.assets_value).replace(",", ".")
              for code, label in CRITERIA_LABELS.items()}
    results = tuple(CriterionResult(code, labels[code], *_evaluate(code, conditions, rules)) for code in CRITERIA_CODES)
    met = sum(1 for r in results if r.met)
    answered = sum(1 for r in results if r.met is not None)
    poor = met >= rules.poor_threshold
    fakir = not conditions.has_shelter
    summary = f"memenuhi {met} dari 14 kriteria"
    if fakir:
        summary += "; tidak memiliki tempat tinggal (fakir miskin menurut Kepmensos 262/HUK/2022)"
    return Assessment(rules.version, results, met, answered, poor, fakir, summary)
