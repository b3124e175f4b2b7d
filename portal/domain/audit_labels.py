"""What the audit log shows: Bahasa labels for recorded actions, and NIK masking of free-form details.

Pure Python (no Flask, no database), so the rules are unit-tested on their own.
"""
import json
import re

from portal.domain.nik import mask

ACTION_LABELS = {
    "office.update": "Pengaturan kantor diubah",
    "office.logo": "Logo kantor diubah",
    "letter.job": "Pembuatan surat diantrikan",
    "letter.job_retry": "Pembuatan surat diulang",
    "letter.issue": "Surat diterbitkan",
    "letter.revoke": "Surat dicabut",
    "letter.download": "Surat diunduh",
    "berkas.lihat": "Berkas pendukung dibuka",
    "auth.login": "Masuk",
    "auth.login_failed": "Gagal masuk",
    "auth.two_factor_failed": "Kode verifikasi salah saat masuk",
    "two_factor.enable": "Verifikasi dua langkah diaktifkan",
    "two_factor.disable": "Verifikasi dua langkah dimatikan",
    "two_factor.recovery_codes": "Kode pemulihan dibuat ulang",
    "two_factor.reset": "Verifikasi dua langkah diatur ulang oleh admin",
    "session.end": "Sesi di perangkat lain diakhiri",
    "session.end_others": "Semua sesi lain diakhiri",
    "user.create": "Akun dibuat",
    "user.deactivate": "Akun dinonaktifkan",
    "user.activate": "Akun diaktifkan kembali",
    "user.reset_password": "Kata sandi diatur ulang oleh admin",
    "user.change_password": "Kata sandi diganti",
    "area.add_rt": "RT ditambahkan",
    "area.update_rt": "RT diubah",
    "proposal.start": "Usulan dimulai",
    "proposal.submit": "Usulan diajukan",
    "proposal.withdraw": "Usulan dibatalkan",
    "proposal.setujui": "Usulan disetujui",
    "proposal.kembalikan": "Usulan dikembalikan",
    "proposal.tolak": "Usulan ditolak",
    "proposal.verification_note": "Catatan verifikasi",
    "evidence.upload": "Bukti diunggah",
    "evidence.remove": "Bukti dihapus",
    "muskel.open": "Musyawarah kelurahan dibuka",
    "muskel.finalise": "Musyawarah kelurahan difinalkan",
    "ekspor.bnba": "BNBA usulan diekspor",
    "ekspor.registri": "Registri diekspor",
    "nik.lihat": "NIK lengkap dilihat",
    "ranking.recompute": "Peringkat dihitung ulang",
    "impor.unggah": "Berkas impor diunggah",
    "impor.terapkan": "Impor diterapkan",
    "impor.batal": "Impor dibatalkan",
    "program.catat": "Kepesertaan program dicatat",
    "verivali.buka": "Periode verivali dibuka",
    "verivali.cek": "Hasil verivali dicatat",
    "verivali.tutup": "Periode verivali ditutup",
    "proposal.kirim": "Usulan dikirim ke Kementerian",
    "proposal.tetapkan": "Usulan ditetapkan Kementerian",
    "proposal.tolak_kementerian": "Usulan ditolak Kementerian",
    "subjek.ekspor": "Data seseorang diekspor (permintaan subjek data)",
    "retensi.hapus": "Data lewat masa simpan dihapus",
}

# The part of an action before the first dot: what the filter offers as "all actions of this kind".
GROUP_LABELS = {
    "auth": "Masuk aplikasi",
    "user": "Akun",
    "two_factor": "Verifikasi dua langkah",
    "session": "Sesi",
    "area": "Wilayah",
    "proposal": "Usulan",
    "evidence": "Bukti",
    "muskel": "Musyawarah kelurahan",
    "ekspor": "Ekspor data",
    "letter": "Surat",
    "nik": "NIK lengkap",
    "ranking": "Peringkat",
    "impor": "Impor data",
    "program": "Program bantuan",
    "verivali": "Verivali",
    "subjek": "Permintaan subjek data",
    "retensi": "Retensi data",
}

# Keys the services write into `detail`; others are shown as recorded.
DETAIL_LABELS = {
    "username": "nama pengguna",
    "role": "peran",
    "area": "wilayah",
    "code": "kode",
    "rw": "RW",
    "active": "aktif",
    "kind": "jenis",
    "proposal_id": "usulan",
    "from_status": "dari status",
    "to_status": "ke status",
    "round": "putaran",
    "sha256": "SHA-256",
    "decided": "diputuskan",
    "format": "format",
    "filters": "pilihan",
    "rows": "jumlah baris",
    "masked": "NIK/No. KK disamarkan",
    "reason": "alasan",
    "reveal_reason": "alasan NIK/No. KK lengkap",
    "number": "nomor surat",
    "household_id": "rumah tangga",
    "outcome": "hasil",
    "on_behalf": "dicatat kelurahan atas nama RT",
    "program": "program",
    "scope": "cakupan",
    "items": "jumlah rumah tangga",
    "households": "jumlah rumah tangga",
    "version": "versi aturan",
    "size": "ukuran (byte)",
    "method": "cara verifikasi",
    "count": "jumlah",
}

# Exactly 16 ASCII digits, not part of a longer run of digits.
_NIK_RUN = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")


def action_label(action: str) -> str:
    """The Bahasa label of a recorded action; unknown actions are shown as recorded."""
    return ACTION_LABELS.get(action, action)


def mask_niks(text: str) -> str:
    """Mask every run of exactly 16 digits (a NIK or No. KK) the way lists show them: 647401******0001."""
    return _NIK_RUN.sub(lambda match: mask(match.group()), text)


def _as_text(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if value is None:
        return "–"
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def detail_pairs(detail) -> list[tuple[str, str]]:
    """An event's detail as (label, value) text pairs for display, with every NIK masked (keys too)."""
    if not isinstance(detail, dict):
        return [("", mask_niks(_as_text(detail)))] if detail else []
    return [(mask_niks(DETAIL_LABELS.get(str(key), str(key))), mask_niks(_as_text(value)))
            for key, value in detail.items()]


def action_groups(actions) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The action filter's choices: per kind ("proposal."), its label and its actions with their labels."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for action in sorted(set(actions)):
        groups.setdefault(action.partition(".")[0], []).append((action, action_label(action)))
    return [(f"{group}.", GROUP_LABELS.get(group, group), items) for group, items in groups.items()]
