"""The complete kop and signature block an office prints before the admin has configured it: every line of the
letterhead is what the recipient reads, so each is checked exactly (portal/domain/letters.py)."""
from portal.domain.letters import DEFAULT_PATTERN, KINDS, OfficeSettings, Signer, default_settings


def test_the_city_office_prints_the_dinas_sosial_kop_and_signature():
    assert default_settings("kota", "Bontang") == OfficeSettings(
        government="PEMERINTAH KOTA BONTANG",
        name="DINAS SOSIAL DAN PEMBERDAYAAN MASYARAKAT",
        address="Jl. Moh. Roem No. 1, Bontang 75311",
        phone="(0548) 21000",
        email="dinsos@bontangkota.go.id",
        website="dinsos.bontangkota.go.id",
        logo="",
        unit="Dinsos",
        pattern="{klasifikasi}/{nomor:04}/{unit}/{tahun}",
        classifications={kind: "400.9.2" for kind in KINDS},
        signer=Signer(prefix="", title="Kepala Dinas Sosial dan Pemberdayaan Masyarakat", name="(nama Kepala Dinas)",
                      rank="Pembina Utama Muda (IV/c)", nip="197001012000031001"),
        tembusan=["Gubernur Kalimantan Timur", "Kepala Dinas Sosial Provinsi Kalimantan Timur", "Arsip"])


def test_a_kecamatan_prints_its_own_kop_and_its_camat():
    assert default_settings("kecamatan", "Bontang Utara") == OfficeSettings(
        name="KECAMATAN BONTANG UTARA", unit="KecBontangUtara", address="Kantor Kecamatan Bontang Utara, Bontang",
        phone="(0548) 20000",
        signer=Signer(title="Camat Bontang Utara", name="(nama pejabat)", rank="Penata (III/c)",
                      nip="198001012005011001"),
        tembusan=["Arsip"])


def test_a_kelurahan_prints_its_own_kop_and_its_lurah():
    office = default_settings("kelurahan", "Api Api")
    assert office == OfficeSettings(
        name="KELURAHAN API API", unit="KelApiApi", address="Kantor Kelurahan Api Api, Bontang",
        phone="(0548) 20000",
        signer=Signer(title="Lurah Api Api", name="(nama pejabat)", rank="Penata (III/c)", nip="198001012005011001"),
        tembusan=["Arsip"])
    assert (office.government, office.email, office.website, office.pattern) == (
        "PEMERINTAH KOTA BONTANG", "", "", DEFAULT_PATTERN)


def test_each_office_gets_its_own_tembusan_list():
    first, second = default_settings("kota", "Bontang"), default_settings("kota", "Bontang")
    first.tembusan.append("Walikota Bontang")
    assert second.tembusan == ["Gubernur Kalimantan Timur", "Kepala Dinas Sosial Provinsi Kalimantan Timur", "Arsip"]
