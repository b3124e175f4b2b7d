"""What the audit log shows: NIKs masked wherever they appear, Bahasa labels for actions."""
import pytest

from portal.domain.audit_labels import ACTION_LABELS, action_groups, action_label, detail_pairs, mask_niks

NIK = "6474014508900001"
MASKED = "647401******0001"


@pytest.mark.parametrize("text, expected", [
    (NIK, MASKED),
    (f"nik={NIK}", f"nik={MASKED}"),
    (f"NIK {NIK}, KK 6474010101200002.", f"NIK {MASKED}, KK 647401******0002."),
    (f"[{NIK},{NIK}]", f"[{MASKED},{MASKED}]"),
    (f"abc{NIK}xyz", f"abc{MASKED}xyz"),          # letters around it do not hide it
    ("", ""),
    ("tanpa angka", "tanpa angka"),
])
def test_sixteen_digit_runs_are_masked(text, expected):
    assert mask_niks(text) == expected


@pytest.mark.parametrize("text", [
    "647401450890000",      # 15 digits
    "64740145089000012",    # 17 digits: not a NIK, and no 16-digit window of it is masked
    "12345678901234567890",  # 20 digits
    "6474 0145 0890 0001",  # groups are not one run
    "proposal 42, round 3",
])
def test_other_numbers_are_left_alone(text):
    assert mask_niks(text) == text


def test_arabic_indic_digits_are_not_taken_for_a_nik():
    text = "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦"
    assert mask_niks(text) == text


def test_detail_pairs_mask_values_of_every_type_and_keys():
    pairs = dict(detail_pairs({"nik": NIK, "as_number": 6474014508900001, "list": [NIK, 1],
                               "nested": {"kk": NIK}, NIK: "x", "active": False, "kind": "baru"}))
    text = repr(pairs)
    assert NIK not in text
    assert pairs["nik"] == MASKED
    assert pairs["as_number"] == MASKED
    assert pairs["list"] == f'["{MASKED}", 1]'
    assert pairs["nested"] == f'{{"kk": "{MASKED}"}}'
    assert pairs[MASKED] == "x"
    assert pairs["aktif"] == "tidak"   # known keys get a Bahasa label
    assert pairs["jenis"] == "baru"


def test_the_reasons_of_an_export_and_a_download_read_plainly():
    """Issue 10: the stated purpose and, for full numbers, the reveal reason, each under its own label."""
    assert detail_pairs({"masked": False, "reason": "Arsip kantor", "reveal_reason": "Pencocokan data DTKS"}) == [
        ("NIK/No. KK disamarkan", "tidak"), ("alasan", "Arsip kantor"),
        ("alasan NIK/No. KK lengkap", "Pencocokan data DTKS")]
    assert detail_pairs({"number": "400.9.2/0001/Dinsos/2026", "reason": "Lainnya: rapat"}) == [
        ("nomor surat", "400.9.2/0001/Dinsos/2026"), ("alasan", "Lainnya: rapat")]


def test_detail_pairs_of_empty_or_odd_details():
    assert detail_pairs({}) == []
    assert detail_pairs(None) == []
    assert detail_pairs([NIK]) == [("", f'["{MASKED}"]')]


@pytest.mark.parametrize("action, label", [
    ("auth.login", "Masuk"),
    ("auth.login_failed", "Gagal masuk"),
    ("user.create", "Akun dibuat"),
    ("proposal.setujui", "Usulan disetujui"),
    ("evidence.remove", "Bukti dihapus"),
    ("sesuatu.baru", "sesuatu.baru"),  # unknown actions are shown as recorded
])
def test_action_labels(action, label):
    assert action_label(action) == label


def test_every_action_the_services_record_has_a_label():
    recorded = {"auth.login", "auth.login_failed", "user.create", "user.deactivate", "user.activate",
                "user.reset_password", "user.change_password", "area.add_rt", "area.update_rt",
                "proposal.start", "proposal.submit", "proposal.withdraw", "proposal.setujui",
                "proposal.kembalikan", "proposal.tolak", "proposal.verification_note",
                "evidence.upload", "evidence.remove"}
    assert recorded <= set(ACTION_LABELS)
    assert len(set(ACTION_LABELS.values())) == len(ACTION_LABELS)  # no two actions look the same


def test_action_groups_for_the_filter():
    groups = action_groups(["proposal.submit", "auth.login_failed", "auth.login", "proposal.submit", "x.y"])
    assert groups == [
        ("auth.", "Masuk aplikasi", [("auth.login", "Masuk"), ("auth.login_failed", "Gagal masuk")]),
        ("proposal.", "Usulan", [("proposal.submit", "Usulan diajukan")]),
        ("x.", "x", [("x.y", "x.y")]),
    ]
