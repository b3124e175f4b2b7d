"""The steps of each proposal kind and the evidence each kind asks for."""
from portal.domain.workflow import Kind

STEP_LABELS = {
    "rumah_tangga": "Rumah tangga",
    "anggota": "Anggota",
    "kondisi": "Kondisi rumah & 14 kriteria",
    "alasan": "Alasan penonaktifan",
    "ppks": "PPKS",
    "program": "Program bantuan",
    "berkas": "Berkas pendukung",
    "tinjau": "Tinjau & ajukan",
}

STEPS_BY_KIND = {
    Kind.BARU: ("rumah_tangga", "anggota", "kondisi", "ppks", "berkas", "tinjau"),
    Kind.PERBAIKAN: ("rumah_tangga", "anggota", "kondisi", "ppks", "berkas", "tinjau"),
    Kind.NONAKTIF: ("alasan", "berkas", "tinjau"),
    Kind.PPKS: ("ppks", "berkas", "tinjau"),
    Kind.PROGRAM: ("program", "berkas", "tinjau"),
}

EVIDENCE_KINDS = {
    "kk": "Kartu Keluarga (KK) terbaru",
    "akta_kematian": "Akta atau surat keterangan kematian",
    "surat_pindah": "Surat keterangan pindah",
    "foto_rumah": "Foto rumah (tampak depan dan dalam)",
    "surat_keterangan": "Surat keterangan RT / kelurahan",
    "lainnya": "Dokumen lain",
}

NONAKTIF_EVIDENCE = {"meninggal": "akta_kematian", "pindah": "surat_pindah", "mampu": "foto_rumah",
                     "tidak_ditemukan": "surat_keterangan"}

MEMBER_FIELDS_NEEDING_KK = ("nik", "name", "birth_date", "relation")


def members_changed(draft: dict, original: dict | None) -> bool:
    """Did a PERBAIKAN touch who is in the family (so a new KK is needed)?"""
    if original is None:
        return True
    if draft.get("household", {}).get("no_kk") != original.get("household", {}).get("no_kk"):
        return True
    shape = lambda content: sorted(  # noqa: E731
        tuple(m.get(f) for f in MEMBER_FIELDS_NEEDING_KK) + (bool(m.get("leaving")),)
        for m in content.get("members", []))
    return shape(draft) != shape(original)


def required_evidence(kind: str, draft: dict, original: dict | None = None) -> list[str]:
    """Evidence kinds that must be uploaded before this proposal may be submitted."""
    if kind == Kind.BARU:
        return ["kk"]
    if kind == Kind.PERBAIKAN:
        return ["kk"] if members_changed(draft, original) else []
    if kind == Kind.NONAKTIF:
        needed = NONAKTIF_EVIDENCE.get(draft.get("nonaktif", {}).get("reason", ""))
        return [needed] if needed else []
    return []
