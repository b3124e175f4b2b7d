"""Letter kinds and office settings (Tata Naskah Dinas): what each office prints in its kop and signature."""
from dataclasses import asdict, dataclass, field

KINDS = {
    "usulan": "Surat Usulan",
    "pengantar": "Surat Pengantar",
    "berita_acara": "Berita Acara Musyawarah Kelurahan",
    "keterangan": "Surat Keterangan",
    "rekap_verivali": "Rekapitulasi Hasil Verivali",
}
SIFAT = ("Biasa", "Segera", "Sangat Segera", "Rahasia")
SIGNER_PREFIXES = ("", "a.n.", "u.b.", "Plt.", "Plh.")
DEFAULT_PATTERN = "{klasifikasi}/{nomor:04}/{unit}/{tahun}"
MINISTRY = ("Menteri Sosial Republik Indonesia", "c.q. Kepala Pusat Data dan Informasi Kesejahteraan Sosial")
DEFAULT_TEMBUSAN = ("Gubernur Kalimantan Timur", "Kepala Dinas Sosial Provinsi Kalimantan Timur", "Arsip")


@dataclass
class Signer:
    prefix: str = ""          # a.n. / u.b. / Plt. / Plh. (lower case as written)
    title: str = ""           # printed in capitals
    name: str = ""
    rank: str = ""            # pangkat/golongan
    nip: str = ""             # 18 digits


@dataclass
class OfficeSettings:
    government: str = "PEMERINTAH KOTA BONTANG"
    name: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    logo: str = ""             # a small PNG/JPEG as a data: URL (the PDF renderer fetches nothing else)
    unit: str = ""             # the unit code in letter numbers, e.g. "Dinsos"
    pattern: str = DEFAULT_PATTERN
    classifications: dict = field(default_factory=lambda: {k: "400.9.2" for k in KINDS})
    signer: Signer = field(default_factory=Signer)
    tembusan: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict, defaults: "OfficeSettings") -> "OfficeSettings":
        merged = {**defaults.to_dict(), **{k: v for k, v in (data or {}).items() if v not in (None, "")}}
        merged["signer"] = Signer(**{**asdict(defaults.signer), **(data or {}).get("signer", {})})
        return cls(**merged)


def default_settings(level: str, area_name: str) -> OfficeSettings:
    """Sensible settings for an office nobody has configured yet (the admin edits them)."""
    if level == "kota":
        return OfficeSettings(
            name="DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT", unit="Dinsos",
            address="Jl. Moh. Roem No. 1, Bontang 75311", phone="(0548) 21000", email="dinsos@bontangkota.go.id",
            website="dinsos.bontangkota.go.id",
            signer=Signer(title="Kepala Dinas Sosial dan Pemberdayaan Masyarakat", name="(nama Kepala Dinas)",
                          rank="Pembina Utama Muda (IV/c)", nip="197001012000031001"),
            tembusan=list(DEFAULT_TEMBUSAN))
    office = "KECAMATAN" if level == "kecamatan" else "KELURAHAN"
    unit = ("Kec" if level == "kecamatan" else "Kel") + area_name.replace(" ", "")
    return OfficeSettings(
        name=f"{office} {area_name.upper()}", unit=unit,
        address=f"Kantor {office.title()} {area_name}, Bontang", phone="(0548) 20000",
        signer=Signer(title=("Camat " if level == "kecamatan" else "Lurah ") + area_name, name="(nama pejabat)",
                      rank="Penata (III/c)", nip="198001012005011001"),
        tembusan=["Arsip"])
